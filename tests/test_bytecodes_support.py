"""Helpers for the bytecode tests (no tests of its own): CompiledMethods built directly from
bytes, so that every form of the V3PlusClosures set can be run, also those Catalyst's compiler
never emits (extended stores, doubly extended sends, long backward jumps, ...).

A `Case` is a list of bytecodes with its literal frame, the number of arguments and
temporaries, and the printString a Smalltalk expression running it must answer. `BytecodeVM`
files the test classes into a VM on the embedded kernel, installs each case's method in class
`BcTest` under a selector of its own (through the kernel's `addSelector:withMethod:`, as a file-in
does) and evaluates the case's expression. The coverage test (test_prim_inventory.py) decodes
the `code` of every case of every test_bytecodes_*.py module to see which opcodes are run.

The byte helpers below spell the encodings of catalyst/frontend/bytecodes.py (Squeak's).
"""
from __future__ import annotations

from dataclasses import dataclass

from catalyst.frontend import bytecodes as B
from catalyst.frontend.compiler import CompiledMethodSpec
from catalyst.frontend.literals import Binding, MethodClassBinding, Sym
from catalyst.vm.vm import VM, SmalltalkError

# --- encodings -------------------------------------------------------------------------------
RCVR, TEMP, LIT, LITVAR = 0, 1, 2, 3            # kinds of the extended push/store byte
PUSH_SELF, PUSH_TRUE, PUSH_FALSE, PUSH_NIL = 112, 113, 114, 115
PUSH_M1, PUSH_0, PUSH_1, PUSH_2 = 116, 117, 118, 119
RET_SELF, RET_TRUE, RET_FALSE, RET_NIL, RET_TOP, BLOCK_RET = 120, 121, 122, 123, 124, 125
POP, DUP, THIS_CONTEXT = 135, 136, 137
# the special selectors' bytecodes by selector
SPECIAL = {sel: 176 + i for i, (sel, _n) in enumerate(B.SPECIAL_SELECTORS)}


def push_rcvr(i): return [i]
def push_temp(i): return [16 + i]
def push_lit(i): return [32 + i]
def push_litvar(i): return [64 + i]
def pop_rcvr(i): return [96 + i]
def pop_temp(i): return [104 + i]
def ext_push(kind, i): return [128, (kind << 6) | i]
def ext_store(kind, i): return [129, (kind << 6) | i]
def ext_pop_store(kind, i): return [130, (kind << 6) | i]
def send1ext(lit, nargs): return [131, (nargs << 5) | lit]
def super1ext(lit, nargs): return [133, (nargs << 5) | lit]
def send2ext(lit, nargs): return [134, (nargs << 6) | lit]
def dext(sub, index, nargs=0): return [132, (sub << 5) | nargs, index]
def new_array(n): return [138, n]
def cons_array(n): return [138, 128 | n]
def call_prim(n): return [139, n & 255, n >> 8]
def push_remote(index, vector): return [140, index, vector]
def store_remote(index, vector): return [141, index, vector]
def pop_remote(index, vector): return [142, index, vector]
def closure(copied, nargs, size): return [143, (copied << 4) | nargs, size >> 8, size & 255]
def short_jump(n): return [143 + n]                     # n = 1 .. 8 bytes forward
def short_jump_false(n): return [151 + n]
def send_lit(lit, nargs): return [208 + 16 * nargs + lit]   # literal 0-15, 0-2 arguments


def long_jump(offset):
    """Unconditional jump by offset (-1024 .. 1023) from the next instruction."""
    assert -1024 <= offset < 1024, offset
    return [164 + (offset >> 8), offset & 255]


def long_jump_if(value: bool, offset):
    """Jump by offset (0 .. 1023) when the popped top is `value`."""
    assert 0 <= offset < 1024, offset
    return [(168 if value else 172) + (offset >> 8), offset & 255]


def special(sel): return [SPECIAL[sel]]


# --- the test classes ------------------------------------------------------------------------
NUM_IVARS = 70          # BcTest's instance variables v0 .. v69: room for the extended forms
NUM_GLOBALS = 32        # BcG0 .. BcG31: one literal variable per push_lit_var opcode
NUM_STORE_GLOBALS = 8   # BcStore0 .. BcStore7: the store tests' own (each case one of them)
ECHO_SELECTORS = [sel for sel, _n in B.SPECIAL_SELECTORS if sel not in ("==", "class")]


def _keyword_method(sel: str) -> str:
    """Source of an Echo method for sel answering {#sel. {args}}."""
    n = sel.count(":") or (1 if not sel[0].isalpha() else 0)
    if n == 0:
        header = sel
    elif not sel[0].isalpha():
        header = f"{sel} a1"
    else:
        parts = sel.split(":")[:-1]
        header = " ".join(f"{p}: a{i + 1}" for i, p in enumerate(parts))
    args = ". ".join(f"a{i + 1}" for i in range(n))
    return f"{header}\n\t^Array with: #{sel} with: {{{args}}}"


SOURCE = f"""Object subclass: #BcBase
	instanceVariableNames: '{' '.join(f'v{i}' for i in range(NUM_IVARS))}'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'BytecodeTests'!

BcBase subclass: #BcTest
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'BytecodeTests'!

Object subclass: #BcEcho
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'BytecodeTests'!

!BcBase methodsFor: 'tests'!
init
	1 to: {NUM_IVARS} do: [:i | self instVarAt: i put: i - 1 * 10]!
who ^#base!
who: x ^Array with: #base with: x!
k7: a b: b c: c d: d e: e f: f g: g ^Array with: #base7 with: {{a. b. c. d. e. f. g}}! !

!BcTest methodsFor: 'tests'!
onlyTest ^#onlyTest!
who ^#test!
who: x ^Array with: #test with: x!
k7: a b: b c: c d: d e: e f: f g: g ^{{a. b. c. d. e. f. g}}! !

!BcEcho methodsFor: 'echo'!
doesNotUnderstand: aMessage
	^Array with: aMessage selector with: aMessage arguments!
{'!'.join(_keyword_method(s) for s in ECHO_SELECTORS)}! !
"""


@dataclass(frozen=True)
class Case:
    """One method built from bytes and what running it must answer.

    `expr` is a Smalltalk expression in which `{send}` stands for the send of the case's
    selector with `args` (Smalltalk expressions) as arguments; its printString must equal
    `expect` (or, when `expect` starts with "!", the unhandled error's text must). `literals`
    are literal values as the compiler makes them (int, float, str, Sym, Binding...); the
    method's selector and class binding are appended. `primitive` only sets the header flag:
    the code itself must begin with call_prim(n)."""
    name: str
    code: tuple
    expect: str
    literals: tuple = ()
    num_args: int = 0
    num_temps: int = 0
    args: tuple = ()
    expr: str = "BcTest new init {send}"
    primitive: int = 0

    def __post_init__(self):
        object.__setattr__(self, "code", tuple(self.code))
        assert len(self.args) == self.num_args, self.name
        list(self.instructions())     # the bytes must decode (BytecodeError names the pc)

    def instructions(self):
        return B.decode(bytes(self.code))

    def opcodes(self) -> set[int]:
        return {ins.opcode for ins in self.instructions()}


def selector_for(n: int, nargs: int) -> str:
    if nargs == 0:
        return f"bc{n}"
    return f"bc{n}:" + "with:" * (nargs - 1)


def send_text(selector: str, args) -> str:
    if not args:
        return selector
    parts = selector.split(":")[:-1]
    return " ".join(f"{p}: ({a})" for p, a in zip(parts, args))


class BytecodeVM:
    """A VM with the test classes; runs Cases."""

    def __init__(self):
        self.vm = VM.default(jit="off")
        self.vm.file_in_text(SOURCE, "bytecode_tests.st")
        for i in range(NUM_GLOBALS):
            self.vm.evaluate(f"Smalltalk at: #BcG{i} put: {i * 7}")
        for i in range(NUM_STORE_GLOBALS):
            self.vm.evaluate(f"Smalltalk at: #BcStore{i} put: nil")
        self.cls = self.vm.class_named("BcTest")
        self.count = 0

    def method(self, case: Case, selector: str) -> int:
        literals = list(case.literals) + [Sym(selector), MethodClassBinding()]
        num_temps = case.num_args + case.num_temps
        header = (len(literals) | (1 << 16 if case.primitive else 0) | (1 << 17)
                  | (num_temps << 18) | (case.num_args << 24))
        spec = CompiledMethodSpec(selector, header, literals, bytes(case.code), case.num_args,
                                  num_temps, case.primitive, num_temps + 16)
        return self.vm.method_object(spec, self.cls)

    def install(self, case: Case) -> str:
        """Install the case's method in BcTest; answer its selector."""
        self.count += 1
        selector = selector_for(self.count, case.num_args)
        meth = self.method(case, selector)
        h = self.vm.core.call("handle_new", meth)
        try:
            self.vm.evaluate(f"BcTest addSelector: #{selector} withMethod: self", receiver=meth)
        finally:
            self.vm.core.call("handle_free", h)
        return selector

    def run(self, case: Case) -> str:
        """The printString of the case's expression, or "!" and the text of the unhandled
        Smalltalk error it raised (`!ZeroDivide: division by zero`)."""
        selector = self.install(case)
        try:
            return self.vm.eval(case.expr.replace("{send}", send_text(selector, case.args)))
        except SmalltalkError as e:
            return "!" + e.text


def globals_literals():
    """The literal frame of the push_lit_var cases: the bindings of BcG0 .. BcG31."""
    return tuple(Binding(f"BcG{i}") for i in range(NUM_GLOBALS))


def store_global(i):
    """The binding of BcStore<i>, a global the store cases write (nil before)."""
    return Binding(f"BcStore{i}")
