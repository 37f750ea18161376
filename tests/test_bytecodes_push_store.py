"""Every push, store and pop bytecode, one method built from bytes per form (0-130, 135-142):
receiver variables, temporaries, literal constants, literal variables, the constants, the
extended and doubly extended forms, pop, dup, thisContext, new / cons arrays, remote temps."""
import pytest

from test_bytecodes_support import (DUP, LIT, LITVAR, NUM_IVARS, POP, PUSH_FALSE, PUSH_M1, PUSH_NIL,
                                    PUSH_SELF, PUSH_TRUE, PUSH_0, PUSH_1, PUSH_2, RCVR, RET_TOP, TEMP,
                                    THIS_CONTEXT, BytecodeVM, Case, cons_array, dext, ext_pop_store,
                                    ext_push, ext_store, globals_literals, new_array, pop_rcvr,
                                    pop_remote, pop_temp, push_lit, push_litvar, push_rcvr,
                                    push_remote, push_temp, store_global, store_remote)
from catalyst.frontend.literals import ByteArr, Char, LitArray, Sym

# 32 literals of every kind, for push_lit_const 0-31 (and their printStrings)
LITERALS = [(1000 + i, str(1000 + i)) for i in range(20)] + [
    (-7, "-7"), (1 << 40, str(1 << 40)), (-(1 << 70), str(-(1 << 70))), (2.5, "2.5"),
    ("abc", "'abc'"), (Sym("foo:bar:"), "#foo:bar:"), (Char(ord("z")), "$z"), (True, "true"),
    (None, "nil"), (LitArray((1, Sym("a"), "s")), "#(1 #a 's')"), (ByteArr(b"\x01\x02"), "#[1 2]"),
    (-0.0, "-0.0")]
assert len(LITERALS) == 32
LIT_VALUES = tuple(v for v, _ in LITERALS)


def ivar(i):
    """BcTest new init holds 10 * i in instance variable i (0-based)."""
    return str(10 * i)


CASES = []

# 0-15 push receiver variable
CASES += [Case(f"push_rcvr_var {i}", push_rcvr(i) + [RET_TOP], ivar(i)) for i in range(16)]

# 16-31 push temporary: arguments first, then temporaries (set through the extended store)
CASES += [Case(f"push_temp {i}", push_lit(0) + ext_pop_store(TEMP, i) + push_temp(i) + [RET_TOP],
               "1000", literals=LIT_VALUES, num_temps=16) for i in range(16)]
CASES += [Case("push_temp reads arguments", push_temp(0) + push_temp(2) + cons_array(2) + [RET_TOP],
               "#(5 #x)", num_args=3, args=("5", "nil", "#x"))]

# 32-63 push literal constant
CASES += [Case(f"push_lit_const {i}", push_lit(i) + [RET_TOP], text, literals=LIT_VALUES)
          for i, (_v, text) in enumerate(LITERALS)]

# 64-95 push literal variable (BcG<i> holds 7 * i)
CASES += [Case(f"push_lit_var {i}", push_litvar(i) + [RET_TOP], str(7 * i),
               literals=globals_literals()) for i in range(32)]

# 96-103 pop into receiver variable: stored, and popped (the value below is answered)
CASES += [Case(f"pop_store_rcvr_var {i}", push_lit(0) + push_lit(1) + pop_rcvr(i) + [RET_TOP],
               f"#(1000 1001 {ivar(i + 1)})", literals=LIT_VALUES,
               expr=f"| r | r := BcTest new init. {{r {{send}}. r instVarAt: {i + 1}. r instVarAt: {i + 2}}}")
          for i in range(8)]

# 104-111 pop into temporary
CASES += [Case(f"pop_store_temp {i}", push_lit(0) + push_lit(1) + pop_temp(i) + push_temp(i)
               + cons_array(2) + [RET_TOP], "#(1000 1001)", literals=LIT_VALUES, num_temps=8)
          for i in range(8)]
CASES += [Case("pop_store_temp into an argument", push_lit(0) + pop_temp(1) + push_temp(1) + [RET_TOP],
               "1000", literals=LIT_VALUES, num_args=2, args=("1", "2"))]

# 112-119 push self, true, false, nil, -1, 0, 1, 2
CASES += [Case("push_self", [PUSH_SELF, RET_TOP], "true", expr="| r | r := BcTest new. (r {send}) == r")]
CASES += [Case(f"push constant {text}", [op, RET_TOP], text)
          for op, text in [(PUSH_TRUE, "true"), (PUSH_FALSE, "false"), (PUSH_NIL, "nil"),
                           (PUSH_M1, "-1"), (PUSH_0, "0"), (PUSH_1, "1"), (PUSH_2, "2")]]

# 128 extended push of each kind, with indices beyond the short forms
CASES += [
    Case("ext_push rcvr_var 63", ext_push(RCVR, 63) + [RET_TOP], ivar(63)),
    Case("ext_push rcvr_var 16", ext_push(RCVR, 16) + [RET_TOP], ivar(16)),
    Case("ext_push temp 40", push_lit(3) + ext_pop_store(TEMP, 40) + ext_push(TEMP, 40) + [RET_TOP],
         "1003", literals=LIT_VALUES, num_temps=41),
    Case("ext_push temp reads an argument", ext_push(TEMP, 1) + [RET_TOP], "#y", num_args=2,
         args=("#x", "#y")),
    Case("ext_push lit_const 40", ext_push(LIT, 40) + [RET_TOP], "40",
         literals=tuple(range(41))),
    Case("ext_push lit_var 31", ext_push(LITVAR, 31) + [RET_TOP], "217", literals=globals_literals()),
]

# 129 extended store (the value stays on the stack), 130 extended pop and store
CASES += [
    Case("ext_store rcvr_var 63", push_lit(0) + ext_store(RCVR, 63) + [RET_TOP], "#(1000 1000)",
         literals=LIT_VALUES, expr="| r | r := BcTest new init. {r {send}. r instVarAt: 64}"),
    Case("ext_store temp 20", push_lit(1) + ext_store(TEMP, 20) + push_temp(0) + ext_push(TEMP, 20)
         + cons_array(3) + [RET_TOP], "#(1001 nil 1001)", literals=LIT_VALUES, num_temps=21),
    Case("ext_store lit_var", push_lit(0) + ext_store(LITVAR, 1) + [RET_TOP], "#(1000 1000)",
         literals=(1000, store_global(0)), expr="| r | r := BcTest new {send}. {r. BcStore0}"),
    Case("ext_pop_store rcvr_var 50", push_lit(0) + push_lit(1) + ext_pop_store(RCVR, 50) + [RET_TOP],
         "#(1000 1001)", literals=LIT_VALUES, expr="| r | r := BcTest new init. {r {send}. r instVarAt: 51}"),
    Case("ext_pop_store temp into an argument", push_lit(1) + ext_pop_store(TEMP, 0) + push_temp(0)
         + [RET_TOP], "1001", literals=LIT_VALUES, num_args=1, args=("3",)),
    Case("ext_pop_store lit_var", push_lit(0) + push_lit(1) + ext_pop_store(LITVAR, 2) + [RET_TOP],
         "#(1000 1001)", literals=(1000, 1001, store_global(1)),
         expr="| r | r := BcTest new {send}. {r. BcStore1}"),
]

# 132 doubly extended push/store forms (sub-ops 2-7; the sends are in test_bytecodes_sends.py)
LAST = NUM_IVARS - 1
CASES += [
    Case("dext push_rcvr_var 69", dext(2, LAST) + [RET_TOP], ivar(LAST)),
    Case("dext push_lit_const 33", dext(3, 33) + [RET_TOP], "33", literals=tuple(range(34))),
    Case("dext push_lit_var", dext(4, 2) + [RET_TOP], "56",
         literals=(0, 1) + (globals_literals()[8],)),
    Case("dext store_rcvr_var 69", push_lit(0) + dext(5, LAST) + [RET_TOP], "#(1000 1000)",
         literals=LIT_VALUES, expr=f"| r | r := BcTest new init. {{r {{send}}. r instVarAt: {NUM_IVARS}}}"),
    Case("dext pop_store_rcvr_var 65", push_lit(0) + push_lit(1) + dext(6, 65) + [RET_TOP],
         "#(1000 1001 660)", literals=LIT_VALUES,
         expr="| r | r := BcTest new init. {r {send}. r instVarAt: 66. r instVarAt: 67}"),
    Case("dext store_lit_var", push_lit(0) + dext(7, 1) + [RET_TOP], "#(1000 1000)",
         literals=(1000, store_global(2)), expr="| r | r := BcTest new {send}. {r. BcStore2}"),
]

# 135 pop, 136 dup, 137 thisContext
CASES += [
    Case("pop", push_lit(0) + push_lit(1) + [POP, RET_TOP], "1000", literals=LIT_VALUES),
    Case("dup", push_lit(2) + [DUP] + cons_array(2) + [RET_TOP], "#(1002 1002)", literals=LIT_VALUES),
    Case("push thisContext", [THIS_CONTEXT, RET_TOP], "{MethodContext . true . true}",
         expr="| r c | r := BcTest new. c := r {send}. {c class. c receiver == r. c method selector isSymbol}"),
]

# 138 push new array / pop n values into a new array
CASES += [
    Case("push new array 0", new_array(0) + [RET_TOP], "#()"),
    Case("push new array 3", new_array(3) + [RET_TOP], "#(nil nil nil)"),
    Case("push new array 127", new_array(127) + [RET_TOP], "127", expr="(BcTest new {send}) size"),
    Case("cons array 0", cons_array(0) + [RET_TOP], "#()"),
    Case("cons array 3 keeps the order", push_lit(0) + push_lit(1) + push_lit(2) + cons_array(3)
         + [RET_TOP], "#(1000 1001 1002)", literals=LIT_VALUES),
    Case("cons array pops its elements", push_lit(4) + push_lit(0) + push_lit(1) + cons_array(2)
         + [POP, RET_TOP], "1004", literals=LIT_VALUES),
    Case("cons array 20", [b for i in range(20) for b in push_lit(i)] + cons_array(20) + [RET_TOP],
         "#(" + " ".join(str(1000 + i) for i in range(20)) + ")", literals=LIT_VALUES),
]

# 140-142 remote temps: temp 1 holds a 3-element vector
VECTOR = new_array(3) + pop_temp(1)
CASES += [
    Case("push_remote_temp", VECTOR + push_lit(0) + pop_remote(2, 1) + push_remote(2, 1) + [RET_TOP],
         "1000", literals=LIT_VALUES, num_temps=2),
    Case("store_remote_temp keeps the value", VECTOR + push_lit(5) + store_remote(0, 1) + push_remote(0, 1)
         + push_temp(1) + cons_array(3) + [RET_TOP], "#(1005 1005 #(1005 nil nil))",
         literals=LIT_VALUES, num_temps=2),
    Case("pop_store_remote_temp pops", push_lit(7) + VECTOR + push_lit(1) + pop_remote(1, 1)
         + push_temp(1) + cons_array(2) + [RET_TOP], "#(1007 #(nil 1001 nil))",
         literals=LIT_VALUES, num_temps=2),
    Case("remote temp vector in an argument", push_lit(0) + pop_remote(0, 0) + push_remote(0, 0) + [RET_TOP],
         "#(1000 1000)", num_args=1, args=("v",), literals=LIT_VALUES,
         expr="| v | v := Array new: 2. {BcTest new {send}. v first}"),
]


@pytest.fixture(scope="module")
def bvm():
    return BytecodeVM()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_push_store_pop(bvm, case):
    assert bvm.run(case) == case.expect
