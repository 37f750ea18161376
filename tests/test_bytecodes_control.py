"""Returns, jumps and blocks, from methods built from bytes: the returns 120-125 (in methods and,
as non-local returns, in blocks), every short and long jump (144-175, backward ones of up to
1024 bytes), the conditional jumps on true, false and non-Booleans (mustBeBoolean), push closure
(143) with copied values and arguments, callPrimitive (139) with its fallback code, and the
undefined bytecodes 126/127 and stores into literal constants (a clear error, the VM stays
usable)."""
import pytest

from catalyst.frontend.literals import LitArray
from catalyst.vm.vm import SmalltalkError
from test_bytecodes_support import (BLOCK_RET, LIT, POP, PUSH_0, PUSH_1, PUSH_2, PUSH_FALSE, PUSH_NIL,
                                    PUSH_TRUE, RET_FALSE, RET_NIL, RET_SELF, RET_TOP, RET_TRUE,
                                    BytecodeVM, Case, call_prim, closure, ext_pop_store, ext_store,
                                    long_jump, long_jump_if, push_lit, push_temp, short_jump,
                                    short_jump_false, special)

CASES = []

# 120-124 method returns
CASES += [
    Case("return self", [RET_SELF], "true", expr="| r | r := BcTest new. (r {send}) == r"),
    Case("return true", [RET_TRUE], "true"), Case("return false", [RET_FALSE], "false"),
    Case("return nil", [RET_NIL], "nil"), Case("return top", [PUSH_2, RET_TOP], "2"),
    Case("return leaves the rest of the stack", [PUSH_1, PUSH_2, PUSH_0, RET_TOP], "0"),
]

# 144-151 short jumps over 1-8 bytes of `return true`, landing on `return false`: a jump one
# byte short or long returns true
CASES += [Case(f"short jump {n}", short_jump(n) + [RET_TRUE] * n + [RET_FALSE, RET_TRUE], "false")
          for n in range(1, 9)]
# 152-159 short jump if false: taken on false, not on true
CASES += [Case(f"short jump if false {n}", [PUSH_FALSE] + short_jump_false(n) + [RET_TRUE] * n
               + [RET_FALSE, RET_TRUE], "false") for n in range(1, 9)]
CASES += [Case(f"short jump if false {n} not taken", [PUSH_TRUE] + short_jump_false(n)
               + [RET_NIL] + [RET_TRUE] * n, "nil") for n in (1, 8)]
CASES += [Case("short jump if false pops", [PUSH_2, PUSH_FALSE] + short_jump_false(1) + [RET_NIL, RET_TOP], "2")]


def forward(code_jump, distance, before=(), after_landing=(RET_FALSE,)):
    """before + a jump over `distance` bytes of `return true` to after_landing."""
    return list(before) + code_jump + [RET_TRUE] * distance + list(after_landing) + [RET_TRUE]


# 164-167 long forward jumps (0 .. 1023)
CASES += [Case(f"long jump +{d}", forward(long_jump(d), d), "false") for d in (0, 1, 255, 256, 700, 1023)]


def backward(distance):
    """A long jump back by `distance` bytes (1 .. 1024) into a landing site `push 2; return`
    reached first by a forward jump over it (2 bytes) and `return true` filler."""
    assert distance >= 6
    # layout: 0: jump +f ; 2: push 2, return top ; 4: filler ; p: jump -distance (lands at 2)
    p = distance                  # the backward jump at p lands at p + 2 - distance == 2
    return long_jump(p - 2) + [PUSH_2, RET_TOP] + [RET_TRUE] * (p - 4) + long_jump(-distance)


# 160-163 long backward jumps (-1024 .. -1)
CASES += [Case(f"long jump -{d}", backward(d), "2") for d in (6, 255, 256, 257, 512, 768, 1000, 1024)]

# 168-171 long jump if true / 172-175 if false: taken, not taken, popping the condition
for d in (0, 5, 256, 600, 1023):
    CASES += [Case(f"long jump if true +{d}", forward(long_jump_if(True, d), d, [PUSH_TRUE]), "false"),
              Case(f"long jump if false +{d}", forward(long_jump_if(False, d), d, [PUSH_FALSE]), "false")]
CASES += [
    Case("long jump if true not taken", [PUSH_FALSE] + long_jump_if(True, 1) + [RET_NIL, RET_TRUE], "nil"),
    Case("long jump if false not taken", [PUSH_TRUE] + long_jump_if(False, 1) + [RET_NIL, RET_TRUE], "nil"),
    Case("long jump if true pops", [PUSH_2, PUSH_TRUE] + long_jump_if(True, 1) + [RET_NIL, RET_TOP], "2"),
    Case("long jump if false pops", [PUSH_2, PUSH_FALSE] + long_jump_if(False, 1) + [RET_NIL, RET_TOP], "2"),
]

# a loop: sum 1..10 with a backward jump (temps: 0 i, 1 sum)
LOOP = ([PUSH_1, 104, PUSH_0, 105]                      # i := 1. sum := 0.
        + push_temp(0) + push_lit(0) + special("<=")    # [i <= 10]
        + long_jump_if(False, 10)
        + push_temp(1) + push_temp(0) + special("+") + [105]   # sum := sum + i
        + push_temp(0) + [PUSH_1] + special("+") + [104]       # i := i + 1
        + long_jump(-15)
        + push_temp(1) + [RET_TOP])
CASES += [Case("loop with a backward jump", LOOP, "55", literals=(10,), num_temps=2)]

# mustBeBoolean: a conditional jump on a non-Boolean sends #mustBeBoolean to it
NOT_BOOL = "!NonBooleanReceiver: proceed for truth"
CASES += [
    Case("short jump if false on 3", [PUSH_2] + short_jump_false(1) + [RET_TRUE, RET_FALSE], NOT_BOOL),
    Case("long jump if true on nil", [PUSH_NIL] + long_jump_if(True, 1) + [RET_TRUE, RET_FALSE], NOT_BOOL),
    Case("long jump if false on a String", push_lit(0) + long_jump_if(False, 1) + [RET_TRUE, RET_FALSE],
         NOT_BOOL, literals=("abc",)),
    Case("mustBeBoolean is catchable", [PUSH_2] + short_jump_false(1) + [RET_TRUE, RET_FALSE],
         "#caught", expr="[BcTest new {send}] on: NonBooleanReceiver do: [:e | e return: #caught]"),
    Case("mustBeBoolean is sent to the non-Boolean", [PUSH_2] + short_jump_false(1) + [RET_TRUE, RET_FALSE],
         "2", expr="[BcTest new {send}] on: NonBooleanReceiver do: [:e | e signalerContext receiver]"),
]

# 143 push closure: numCopied copied values (popped from the stack), numArgs arguments; the
# block's body follows inline and the method continues after it
ADD_BLOCK = push_lit(0) + closure(1, 1, 4) + push_temp(0) + push_temp(1) + special("+") + [BLOCK_RET]
CASES += [
    Case("closure with a copied value and an argument", ADD_BLOCK + push_lit(1) + special("value:") + [RET_TOP],
         "1003", literals=(1000, 3)),
    Case("closure object", ADD_BLOCK + [RET_TOP], "#(#BlockClosure 1 1 1000)", literals=(1000,),
         expr="| b | b := BcTest new {send}. {b class name. b numArgs. b numCopiedValues. b basicAt: 1}"),
    Case("closure pops its copied values", [PUSH_2] + push_lit(0) + push_lit(0) + closure(2, 0, 2)
         + [PUSH_1, BLOCK_RET, POP, RET_TOP], "2", literals=(7,)),
    Case("closure startpc and outer context", closure(0, 0, 2) + [PUSH_2, BLOCK_RET, RET_TOP],
         "#(17 true 2)",
         expr="| b | b := BcTest new {send}. {b startpc. b outerContext method == b method. b value}"),
    Case("closure with 4 arguments", closure(0, 4, 6) + push_temp(0) + push_temp(3) + special("-")
         + push_temp(1) + special("*") + [BLOCK_RET, RET_TOP], "-50",
         expr="(BcTest new {send}) value: 1 value: 10 value: 0 value: 6"),
    Case("block answering nil", closure(0, 0, 2) + [PUSH_NIL, BLOCK_RET, RET_TOP], "nil",
         expr="(BcTest new {send}) value"),
]

# 120-124 inside a block: return from the home method (non-local), here through do: frames
NLR_BLOCK = closure(0, 1, 8) + push_temp(0) + push_lit(0) + special("=") + short_jump_false(2) \
    + push_temp(0) + [RET_TOP, PUSH_NIL, BLOCK_RET]
CASES += [
    Case("non-local return through do:", push_lit(1) + NLR_BLOCK + special("do:") + [POP, RET_NIL],
         "2", literals=(2, LitArray((1, 2, 3)))),
    Case("non-local return of self from a block", closure(0, 0, 1) + [RET_SELF] + special("value")
         + [RET_NIL], "true", expr="| r | r := BcTest new. (r {send}) == r"),
    Case("non-local return of true/false/nil", closure(0, 0, 1) + [RET_TRUE] + special("value") + [RET_NIL],
         "true"),
    Case("non-local return to a dead home", closure(0, 0, 2) + [PUSH_2, RET_TOP, RET_TOP],
         "!BlockCannotReturn: block cannot return", expr="(BcTest new {send}) value"),
]

# 139 callPrimitive: the primitive runs on activation; on failure the code after it runs
CASES += [
    Case("callPrimitive succeeds", call_prim(111) + [PUSH_NIL, RET_TOP], "BcTest", primitive=111),
    Case("callPrimitive fails into its code", call_prim(60) + push_temp(0) + [PUSH_1] + special("+")
         + [RET_TOP], "101", num_args=1, args=("100",), primitive=60),
    Case("two-byte primitive index fails into its code", call_prim(9004) + [PUSH_2, RET_TOP], "2",
         primitive=9004),
    Case("quick primitive: self", call_prim(256) + [RET_NIL], "true", primitive=256,
         expr="| r | r := BcTest new. (r {send}) == r"),
    Case("quick primitive: -1", call_prim(260) + [RET_NIL], "-1", primitive=260),
    Case("quick primitive: instance variable 69", call_prim(264 + 69) + [RET_NIL], "690", primitive=333),
    Case("quick primitive: instance variable past the slots", call_prim(264 + 70) + [PUSH_2, RET_TOP], "2",
         primitive=334),
    Case("unknown primitive fails", call_prim(4321) + [PUSH_2, RET_TOP], "2", primitive=4321),
    Case("primitive with the wrong argument count fails", call_prim(1) + [PUSH_2, RET_TOP], "2",
         primitive=1),
]


@pytest.fixture(scope="module")
def bvm():
    return BytecodeVM()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_control(bvm, case):
    assert bvm.run(case) == case.expect


@pytest.mark.parametrize("code", [ext_store(LIT, 0), ext_pop_store(LIT, 0)])
def test_stores_into_literal_constants_are_bad_methods(bvm, code):
    """Squeak's compiler never emits them; the VM reports the method instead of writing into
    the literal (which may be any object, or none)."""
    case = Case("placeholder", [PUSH_NIL] + code + [RET_TOP], "", literals=(3,))
    selector = bvm.install(case)
    with pytest.raises(SmalltalkError) as e:
        bvm.vm.eval(f"BcTest new {selector}")
    assert e.value.code == 5 and "bad method" in e.value.text
    assert e.value.stack[0].startswith(f"BcTest>>{selector} (pc ")
    assert bvm.vm.eval("3 + 4") == "7"


@pytest.mark.parametrize("opcode", [126, 127])
def test_undefined_bytecodes_fail_cleanly(bvm, opcode):
    """126/127 are not in the set: the run stops with an error naming the method, and the VM
    goes on working."""
    case = Case("placeholder", [PUSH_NIL, RET_TOP], "nil")
    selector = bvm.install(case)
    m = bvm.vm.lookup_method(bvm.cls, selector)
    first = m + 8 + 4 * (1 + 2)                          # literals: selector, class binding
    bvm.vm.core.write_bytes(first, bytes([opcode]))
    with pytest.raises(SmalltalkError) as e:
        bvm.vm.eval(f"BcTest new {selector}")
    assert e.value.code == 5 and "bad method" in e.value.text
    assert any(selector in frame for frame in e.value.stack)
    assert bvm.vm.eval("3 + 4") == "7"


def test_a_method_of_the_alternate_bytecode_set_is_refused(bvm):
    """A negative header selects Sista's bytecode set, which Catalyst does not run: a clear
    error naming the method, not a misreading of its bytes."""
    case = Case("placeholder", [PUSH_2, RET_TOP], "2")
    selector = bvm.install(case)
    assert bvm.vm.eval(f"BcTest new {selector}") == "2"
    m = bvm.vm.lookup_method(bvm.cls, selector)
    header = bvm.vm.heap.slot(m, 0)
    bvm.vm.core.set_u32(m + 8, header | 0x80000000)          # the SmallInteger's sign bit
    bvm.vm.evaluate("Smalltalk flushCache")
    with pytest.raises(SmalltalkError) as e:
        bvm.vm.eval(f"BcTest new {selector}")
    assert e.value.code == 5
    assert bvm.vm.eval("3 + 4") == "7"
