"""Hypothesis strategies that generate well-formed Smalltalk programs for differential testing.

A generated `Program` is a few classes (`DtA`, `DtB`, `DtC`, subclasses of `DtBase`, all answering
the same selectors so send sites see several receiver classes) with methods, plus a doIt that
exercises them and answers an Array of results. Everything terminates: loops have small constant
bounds and recursion carries a depth argument that decreases. Programs cover temporaries, loops
(whileTrue:, to:do:, timesRepeat:), conditionals, blocks with arguments and captured and assigned
outer variables, non-local returns, recursion, polymorphic sends, SmallInteger arithmetic near the
31-bit boundary (so results overflow into LargeIntegers), Floats including NaN and infinities,
comparisons, collections, exceptions (on:do:, ensure:, signal, return:, retry) and
doesNotUnderstand; and inside methods real closures: non-local returns through do:, nested
blocks and ensure:, ifCurtailed:, cannotReturn: from a dead home, exceptions that return,
resume, pass and retry, thisContext, brace arrays, closures sharing a captured variable,
iteration protocols and valueWithArguments:.

The interpreter and the translated code must agree on the printString of the answer, on the
Transcript output and on the error raised, if any.
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

CLASSES = ("DtA", "DtB", "DtC")
BOUNDARY = (0, 1, -1, 2, 7, 100, 1073741823, -1073741824, 1073741822, 536870912, 65535,
            1073741824, -1073741825, 4294967296, 123456789012)


@dataclass
class Program:
    """The source of the classes (chunk format) and the doIt to evaluate."""
    classes: str
    main: str

    def __str__(self) -> str:
        return f"{self.classes}\n\"main\"\n{self.main}"


# --- expressions ------------------------------------------------------------------------------

def int_literal():
    return st.one_of(st.sampled_from(BOUNDARY), st.integers(-50, 50)).map(
        lambda n: f"({n})" if n < 0 else str(n))


def int_expr(vars_: tuple[str, ...], depth: int, sends: bool = False):
    """An expression answering an Integer (possibly a LargeInteger) or raising ZeroDivide.

    `sends` allows polymorphic sends to the generated classes (only outside their methods, so
    that recursion among them stays bounded by the depth argument)."""
    leaf = st.one_of(int_literal(), st.sampled_from(vars_)) if vars_ else int_literal()
    if depth <= 0:
        return leaf
    sub = int_expr(vars_, depth - 1, sends)
    binop = st.tuples(sub, st.sampled_from(["+", "-", "*", "//", "\\\\", "rem:", "quo:",
                                            "bitAnd:", "bitOr:", "bitXor:", "max:", "min:"]),
                      sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    guarded_div = st.tuples(sub, st.sampled_from(["//", "\\\\"]), sub).map(
        lambda t: f"([{t[0]} {t[1]} {t[2]}] on: ZeroDivide do: [:e | -7])")
    cond = st.tuples(sub, st.sampled_from(["<", ">", "<=", ">=", "=", "~="]), sub, sub, sub).map(
        lambda t: f"(({t[0]} {t[1]} {t[2]}) ifTrue: [{t[3]}] ifFalse: [{t[4]}])")
    block = st.tuples(sub, sub).map(lambda t: f"([:x | x + {t[0]}] value: {t[1]})")
    poly = st.tuples(st.sampled_from(CLASSES), st.sampled_from(["f:", "g:", "h:"]), sub).map(
        lambda t: f"({t[0]} new {t[1]} ({t[2]} \\\\ 4))")
    unary = st.tuples(sub, st.sampled_from(["abs", "negated", "squared", "even printString size",
                                            "sign", "isZero printString size"])).map(
        lambda t: f"({t[0]} {t[1]})")
    shift = st.tuples(sub, st.integers(-40, 40)).map(
        lambda t: f"({t[0]} bitShift: {t[1]})")
    inject = st.tuples(st.integers(0, 6), sub).map(
        lambda t: f"((1 to: {t[0]}) inject: {t[1]} into: [:acc :each | acc + each])")
    # collections: Array, OrderedCollection, Dictionary, String
    coll = st.tuples(sub, sub, sub).map(lambda t: st.sampled_from([
        f"((Array with: {t[0]} with: {t[1]} with: {t[2]}) inject: 0 into: [:a :b | a + b])",
        f"((OrderedCollection new add: {t[0]}; add: {t[1]}; addFirst: {t[2]}; yourself) "
        f"removeFirst)",
        f"((Dictionary new at: #k put: {t[0]}; at: {t[1]} put: {t[2]}; yourself) at: #k)",
        f"(({t[0]} printString , {t[1]} printString) size)",
        f"(({t[0]} printString reversed) asNumber)",
        f"((Array new: 3) at: 2 put: {t[0]}; yourself) size",
    ])).flatmap(lambda s: s)
    choices = [leaf, binop, guarded_div, cond, block, unary, shift, inject, coll]
    return st.one_of(*choices, poly) if sends else st.one_of(*choices)


def float_expr(vars_: tuple[str, ...], depth: int = 3):
    """Nested Float arithmetic and comparisons (translated code keeps the intermediates
    unboxed), including the values Squeak defines for NaN, the infinities and -0.0, mixed with
    SmallIntegers near the boundary (two of them that overflow are LargeInteger arithmetic,
    not Float), a Fraction and a non-number (the full send with the real objects; its error is
    caught, like a ZeroDivide)."""
    lit = st.sampled_from(["0.5", "1.5e10", "-2.25", "3.0", "1.0e-5", "Float infinity",
                           "Float infinity negated", "Float nan", "0.1", "1.0e308",
                           "0.0 negated", "(1/3)"])
    leaf = st.one_of(lit, int_literal(), *([st.sampled_from(vars_)] if vars_ else []))

    def nest(sub):
        return st.tuples(sub, st.sampled_from(["+", "-", "*", "/"]), sub).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})")
    num = st.recursive(leaf, nest, max_leaves=2 ** depth)
    odd = st.tuples(num, st.sampled_from(["+", "*", "<"]), num).map(
        lambda t: f"(({t[0]} {t[1]} nil) {t[1]} {t[2]})")
    compare = st.tuples(num, st.sampled_from(["<", ">", "<=", ">=", "=", "~="]), num).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})")
    return st.one_of(num, compare, odd).map(
        lambda e: f"([[{e} printString] on: ZeroDivide do: [:ex | 'zd']] on: MessageNotUnderstood "
                  f"do: [:ex | ex messageText , ex message arguments printString])")


def statement(vars_: tuple[str, ...], target: str):
    """A statement updating `target` (a temporary) using loops, blocks and conditionals."""
    e = int_expr(vars_, 2)
    assign = e.map(lambda x: f"{target} := {x}.")
    to_do = st.tuples(st.integers(0, 5), e).map(
        lambda t: f"1 to: {t[0]} do: [:i | {target} := {target} + i + {t[1]}].")
    while_ = st.tuples(st.integers(0, 5), e).map(
        lambda t: f"[:n | | k | k := 0. [k < n] whileTrue: [{target} := {target} - {t[1]}. "
                  f"k := k + 1]] value: {t[0]}.")
    times = st.tuples(st.integers(0, 4), e).map(
        lambda t: f"{t[0]} timesRepeat: [{target} := {target} bitXor: {t[1]}].")
    capture = e.map(lambda x: f"[{target} := {target} + {x}] value.")
    cond = st.tuples(e, e).map(
        lambda t: f"{target} odd ifTrue: [{target} := {t[0]}] ifFalse: [{target} := {t[1]}].")
    floats = float_expr(vars_).map(lambda f: f"{target} := {target} + {f} size.")
    return st.one_of(assign, to_do, while_, times, capture, cond, floats,
                     closure_statement(e, target))


def closure_statement(e, target: str):
    """Statements whose blocks are real closures: non-local returns through do: and ensure:,
    ifCurtailed:, a ^ from a block whose home is dead (cannotReturn:), exceptions that return,
    resume, pass and retry through the method's frames, thisContext, brace arrays, closures
    sharing a captured variable, iteration protocols, valueWithArguments:."""
    t = target
    nlr_ensure = e.map(lambda x: f"[#(1 2 3) do: [:each | each > ({x} \\\\ 4) ifTrue: [^{t} + each]]] "
                                 f"ensure: [ivar := ivar + 1].")
    curtailed = e.map(lambda x: f"{t} := [{t} + {x}] ifCurtailed: [ivar := ivar - 1].")
    nested_nlr = e.map(lambda x: f"#(1 2) do: [:a | #(3 4) do: [:b | a * b = ({x} \\\\ 9) ifTrue: [^a - b]]].")
    dead_home = st.just(f"{t} := [(self returner) value: {t}] on: BlockCannotReturn "
                        f"do: [:ex | ex result + 1].")
    zero = st.tuples(e, e).map(lambda p: f"{t} := [{t} // ({p[0]} \\\\ 3)] on: ZeroDivide "
                                         f"do: [:ex | ex return: {p[1]}].")
    resume = e.map(lambda x: f"{t} := [(Warning signal: 'w') + {t}] on: Warning do: [:ex | ex resume: {x}].")
    pass_ = e.map(lambda x: f"{t} := [[Error signal: 'p'] on: ZeroDivide do: [:ex | 0]] "
                            f"on: Error do: [:ex | ex return: {t} + {x}].")
    retry = st.integers(1, 3).map(
        lambda n: f"{t} := {t} + ([:k | | r | r := 0. [r := r + 1. r < {n} ifTrue: "
                  f"[Error signal: 'again']. r + k] on: Error do: [:ex | ex retry]] value: 1).")
    context = st.just(f"{t} := {t} + (thisContext tempAt: 1) + (thisContext sender isNil "
                      f"ifTrue: [0] ifFalse: [1]).")
    brace = e.map(lambda x: f"{t} := {{{t}. {x}. ivar}} inject: 0 into: [:a :b | a + b].")
    shared = e.map(lambda x: f"{t} := [:k | | c inc | c := k. inc := [c := c + 1]. inc value. "
                             f"inc value. c] value: {x}.")
    protocols = st.tuples(e, st.sampled_from([
        "(#(1 2 3) collect: [:each | each * X]) inject: T into: [:a :b | a + b]",
        "#(4 5 6) detect: [:each | each > X] ifNone: [T]",
        "(#(1 2 3 4 5) select: [:each | each > X]) size + T",
        "(1 to: 4) inject: T into: [:a :each | a + (X max: each)]",
        "[:a :b | a - b] valueWithArguments: {T. X}"])).map(
        lambda p: f"{t} := {p[1].replace('X', '(' + p[0] + ')').replace('T', t)}.")
    return st.one_of(nlr_ensure, curtailed, nested_nlr, dead_home, zero, resume, pass_, retry,
                     context, brace, shared, protocols)


# --- methods and programs ---------------------------------------------------------------------

def method_body(args: tuple[str, ...]):
    temps = ("t1", "t2")
    vars_ = args + temps + ("ivar",)
    stmts = st.lists(statement(vars_, "t1") | statement(vars_, "t2"), min_size=1, max_size=4)
    nlr = int_expr(vars_, 1).map(
        lambda x: f"#(3 1 4 1 5) do: [:each | each > ({x} \\\\ 5) ifTrue: [^each + t1]].")
    tail = st.sampled_from(["^t1 + t2", "^t1 - ivar", "^(t1 max: t2) + depth",
                            "^depth < 1 ifTrue: [t1] ifFalse: [(self f: depth - 1) + t2]"])
    return st.tuples(stmts, st.one_of(st.just(""), nlr), tail).map(
        lambda t: "| t1 t2 |\n\tt1 := depth. t2 := 1.\n\t" + "\n\t".join(t[0]) +
        ("\n\t" + t[1] if t[1] else "") + "\n\t" + t[2])


def programs():
    """Strategy for whole programs."""
    def build(bodies_f, bodies_g, main_exprs, floats, use_exc):
        parts = ["Object subclass: #DtBase\n\tinstanceVariableNames: 'ivar'\n"
                 "\tclassVariableNames: ''\n\tpoolDictionaries: ''\n\tcategory: 'Dt'!\n",
                 "!DtBase methodsFor: 'dt'!\ninitialize\n\tivar := 3!\n"
                 "returner\n\t^[:v | ^v]!\n"
                 "h: depth\n\t^(self f: depth) + (self g: depth)! !\n"]
        for cls, bf, bg in zip(CLASSES, bodies_f, bodies_g):
            parts.append(f"DtBase subclass: #{cls}\n\tinstanceVariableNames: ''\n"
                         f"\tclassVariableNames: ''\n\tpoolDictionaries: ''\n\tcategory: 'Dt'!\n")
            parts.append(f"!{cls} methodsFor: 'dt'!\nf: depth\n\t{bf}!\n"
                         f"g: depth\n\t{bg}! !\n")
        items = [f"[{e}] on: ZeroDivide do: [:ex | ex return: -1]" for e in main_exprs]
        items += floats
        items.append("(DtA new h: 2) + (DtB new h: 3) + (DtC new h: 1)")
        items.append("(Dictionary new at: 'a' put: 1; at: 'b' put: 2; yourself) keys asSortedCollection asArray")
        items.append("'hello world' asUppercase , ('abc' reversed)")
        if use_exc:
            items.append("[DtA new frobnicate] on: MessageNotUnderstood "
                         "do: [:ex | ex return: ex message selector]")
            items.append("| r | r := 0. [r := r + 1. r < 3 ifTrue: [Error signal: 'again']. r] "
                         "on: Error do: [:ex | ex retry]")
            items.append("| log | log := OrderedCollection new. "
                         "[[log add: 1. Error signal: 'x'. log add: 2] ensure: [log add: 3]] "
                         "on: Error do: [:ex | log add: 4. ex return: 5]. log asArray")
        main = "{" + ". ".join(f"[{i}] value" for i in items) + "}"
        return Program("\n".join(parts), main)

    bodies = st.lists(method_body(("depth",)), min_size=3, max_size=3)
    return st.builds(build, bodies, bodies,
                     st.lists(int_expr(("7",), 3, sends=True), min_size=1, max_size=3),
                     st.lists(float_expr(()), max_size=2), st.booleans())
