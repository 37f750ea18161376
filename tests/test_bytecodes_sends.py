"""Every send bytecode, from methods built from bytes: the 32 special selectors (176-207) with
their SmallInteger and Float fast paths, overflow into full sends and the full send itself;
sends of literal selectors with 0-2 arguments (208-255); the singly (131), doubly (132) and
second (134) extended sends; super sends (133 and 132); doesNotUnderstand:.

`BcEcho` answers `{selector. arguments}` for each special selector and, through
doesNotUnderstand:, for any other selector, so a case shows which message a bytecode sent."""
import pytest

from catalyst.frontend import bytecodes as B
from catalyst.frontend.literals import Sym
from test_bytecodes_support import (ECHO_SELECTORS, PUSH_1, PUSH_2, PUSH_SELF, RET_TOP, BytecodeVM,
                                    Case, cons_array, dext, push_temp, send1ext, send2ext, send_lit,
                                    special, super1ext)

SMALL_MAX, SMALL_MIN = (1 << 30) - 1, -(1 << 30)


def binary(sel, a, b, expect, name=None, expr="BcTest new {send}"):
    """`a sel b` through the special-selector bytecode (a and b are Smalltalk expressions)."""
    return Case(name or f"{a} {sel} {b}", push_temp(0) + push_temp(1) + special(sel) + [RET_TOP],
                expect, num_args=2, args=(a, b), expr=expr)


CASES = []

# 176-191: the arithmetic specials on SmallIntegers (fast paths), at the 2^30 boundary (where
# the fast path must give way to a full send that answers a LargeInteger) and on Floats
CASES += [
    binary("+", "3", "4", "7"), binary("+", str(SMALL_MAX), "1", str(1 << 30)),
    binary("+", str(SMALL_MIN), "-1", str(SMALL_MIN - 1)), binary("+", "1.5", "2", "3.5"),
    binary("+", "2", "0.25", "2.25"), binary("+", "(1/2)", "(1/3)", "(5/6)"),
    binary("-", "3", "10", "-7"), binary("-", str(SMALL_MIN), "1", str(SMALL_MIN - 1)),
    binary("-", "0.5", "2", "-1.5"), binary("-", str(1 << 40), "1", str((1 << 40) - 1)),
    binary("<", "3", "4", "true"), binary("<", "4", "4", "false"), binary("<", "-1", "1.5", "true"),
    binary(">", "3", "4", "false"), binary(">", "-1", "-2", "true"), binary(">", "2.5", "2", "true"),
    binary("<=", "4", "4", "true"), binary("<=", "5", "4", "false"), binary("<=", "4.0", "4", "true"),
    binary(">=", "4", "4", "true"), binary(">=", "3", "4", "false"), binary(">=", str(1 << 40), "3", "true"),
    binary("=", "4", "4", "true"), binary("=", "4", "5", "false"), binary("=", "4", "4.0", "true"),
    binary("=", "4", "nil", "false"), binary("~=", "4", "5", "true"), binary("~=", "4", "4", "false"),
    binary("~=", "1.5", "1.5", "false"),
    binary("*", "-3", "7", "-21"), binary("*", "32768", "32768", str(1 << 30)),
    binary("*", str(SMALL_MIN), "-1", str(1 << 30)), binary("*", "1.5", "4", "6.0"),
    binary("/", "6", "3", "2"), binary("/", "7", "2", "(7/2)"), binary("/", "-6", "4", "(-3/2)"),
    binary("/", "3.0", "2", "1.5"), binary("/", "1", "0", "!ZeroDivide: division by zero"),
    binary("/", "1.0", "0.0", "!ZeroDivide: division by zero"),
    binary("\\\\", "-7", "2", "1"), binary("\\\\", "7", "-2", "-1"), binary("\\\\", "-7", "-2", "-1"),
    binary("\\\\", "7", "2", "1"), binary("\\\\", "7", "0", "!ZeroDivide: division by zero"),
    binary("@", "3", "4", "3@4"),
    binary("bitShift:", "1", "30", str(1 << 30)), binary("bitShift:", "-1", "30", str(-(1 << 30))),
    binary("bitShift:", "5", "-1", "2"), binary("bitShift:", "-5", "-1", "-3"),
    binary("bitShift:", "1", "100", str(1 << 100)), binary("bitShift:", "3", "0", "3"),
    binary("//", "-7", "2", "-4"), binary("//", "7", "-2", "-4"), binary("//", "7", "2", "3"),
    binary("//", str(SMALL_MIN), "-1", str(1 << 30)), binary("//", "7", "0", "!ZeroDivide: division by zero"),
    binary("bitAnd:", "-1", "255", "255"), binary("bitAnd:", "12", "10", "8"),
    binary("bitAnd:", str(SMALL_MIN), "-1", str(SMALL_MIN)),
    binary("bitOr:", "12", "10", "14"), binary("bitOr:", "-256", "255", "-1"),
]

# 176-207 all but == and class: the full send of the right selector with the right arguments
def echo_case(sel):
    nargs = dict(B.SPECIAL_SELECTORS)[sel]
    values = ["3", "#x"][:nargs]
    code = push_temp(0) + [b for i in range(nargs) for b in push_temp(1 + i)] + special(sel) + [RET_TOP]
    return Case(f"special send {sel} to an Echo", code,
                f"#(#{sel} #({' '.join(values)}))", num_args=1 + nargs, args=("BcEcho new", *values))


CASES += [echo_case(sel) for sel in ECHO_SELECTORS]

# 192-207 on the receivers they are meant for
CASES += [
    binary("at:", "#(5 6 7)", "2", "6"), binary("at:", "'abc'", "3", "$c"),
    binary("at:", "#(5 6 7)", "4", "!SubscriptOutOfBounds: index 4 is out of bounds"),
    Case("at:put:", push_temp(0) + push_temp(1) + push_temp(2) + special("at:put:") + [RET_TOP],
         "#(9 #(nil 9))", num_args=3, args=("a", "2", "9"),
         expr="| a | a := Array new: 2. {BcTest new {send}. a}"),
    Case("size", push_temp(0) + special("size") + [RET_TOP], "3", num_args=1, args=("'abc'",)),
    Case("size of an Array", push_temp(0) + special("size") + [RET_TOP], "0", num_args=1, args=("#()",)),
    Case("next", push_temp(0) + special("next") + push_temp(0) + special("next") + cons_array(2) + [RET_TOP],
         "#(7 8)", num_args=1, args=("ReadStream on: #(7 8)",)),
    Case("nextPut:", push_temp(0) + push_temp(1) + special("nextPut:") + [RET_TOP], "#(5 #(5))",
         num_args=2, args=("s", "5"), expr="| s | s := WriteStream on: (Array new: 0). {BcTest new {send}. s contents}"),
    Case("atEnd", push_temp(0) + special("atEnd") + [RET_TOP], "true", num_args=1,
         args=("ReadStream on: #()",)),
    Case("value", push_temp(0) + special("value") + [RET_TOP], "42", num_args=1, args=("[42]",)),
    Case("value:", push_temp(0) + push_temp(1) + special("value:") + [RET_TOP], "43", num_args=2,
         args=("[:x | x + 1]", "42")),
    Case("do:", push_temp(0) + push_temp(1) + special("do:") + [RET_TOP], "#(#(1 2) 3)", num_args=2,
         args=("#(1 2)", "[:x | sum := sum + x]"),
         expr="| sum | sum := 0. {BcTest new {send}. sum}"),
    Case("new", push_temp(0) + special("new") + [RET_TOP], "an OrderedCollection()", num_args=1,
         args=("OrderedCollection",)),
    binary("new:", "Array", "2", "#(nil nil)"),
    Case("x", push_temp(0) + special("x") + [RET_TOP], "3", num_args=1, args=("3 @ 4",)),
    Case("y", push_temp(0) + special("y") + [RET_TOP], "4", num_args=1, args=("3 @ 4",)),
    Case("blockCopy: is sent", push_temp(0) + push_temp(1) + special("blockCopy:") + [RET_TOP],
         "!MessageNotUnderstood: SmallInteger>>blockCopy:", num_args=2, args=("3", "0")),
]

# 198 == and 199 class never send (BcEcho's == and class methods would answer #sent)
SAME = "| a | a := 'abc'. BcTest new {send}"
CASES += [
    binary("==", "a", "a", "true", name="== same object", expr=SAME),
    binary("==", "a", "a copy", "false", name="== equal copy", expr=SAME),
    binary("==", "3", "3", "true", name="== SmallIntegers"), binary("==", "$a", "$a", "true"),
    binary("==", "BcEcho new", "3", "false", name="== is not sent"),
    Case("class of a SmallInteger", push_temp(0) + special("class") + [RET_TOP], "SmallInteger",
         num_args=1, args=("3",)),
    Case("class of a Character", push_temp(0) + special("class") + [RET_TOP], "Character",
         num_args=1, args=("$a",)),
    Case("class is not sent", push_temp(0) + special("class") + [RET_TOP], "BcEcho",
         num_args=1, args=("BcEcho new",)),
]

# 208-255: literal selectors 0-15 with 0, 1 and 2 arguments (to an Echo: doesNotUnderstand:)
UNARY = tuple(Sym(f"bcS{i}") for i in range(16))
ONE = tuple(Sym(f"bcT{i}:") for i in range(16))
TWO = tuple(Sym(f"bcU{i}:v:") for i in range(16))
CASES += [Case(f"send literal {i} 0 args", push_temp(0) + send_lit(i, 0) + [RET_TOP],
               f"#(#bcS{i} #())", literals=UNARY, num_args=1, args=("BcEcho new",)) for i in range(16)]
CASES += [Case(f"send literal {i} 1 arg", push_temp(0) + [PUSH_1] + send_lit(i, 1) + [RET_TOP],
               f"#(#bcT{i}: #(1))", literals=ONE, num_args=1, args=("BcEcho new",)) for i in range(16)]
CASES += [Case(f"send literal {i} 2 args", push_temp(0) + [PUSH_1, PUSH_2] + send_lit(i, 2) + [RET_TOP],
               f"#(#bcU{i}:v: #(1 2))", literals=TWO, num_args=1, args=("BcEcho new",)) for i in range(16)]

# 131 singly extended send (literal 0-31, 0-7 arguments), 134 second extended send (literal
# 0-63, 0-3 arguments), 132 doubly extended send (literal 0-255, 0-31 arguments): an Echo
# (argument 0) receives literal `index` with the method's other arguments 0, 1, ...
def ext_send(name, code, index, selector):
    nargs = selector.count(":")
    frame = tuple(Sym(f"bcX{i}") for i in range(index)) + (Sym(selector),)
    values = tuple(str(i) for i in range(nargs))
    return Case(name, push_temp(0) + [b for i in range(nargs) for b in push_temp(1 + i)] + code
                + [RET_TOP], f"#(#{selector} #({' '.join(values)}))", literals=frame,
                num_args=1 + nargs, args=("BcEcho new",) + values)


CASES += [
    ext_send("send1ext literal 20 unary", send1ext(20, 0), 20, "bcY"),
    ext_send("send1ext literal 31 with 7 args", send1ext(31, 7), 31, "a:b:c:d:e:f:g:"),
    ext_send("send1ext literal 0 with 1 arg", send1ext(0, 1), 0, "bcY:"),
    ext_send("send2ext literal 63 unary", send2ext(63, 0), 63, "bcY"),
    ext_send("send2ext literal 40 with 3 args", send2ext(40, 3), 40, "bcW:x:y:"),
    ext_send("dext send literal 200 with 7 args", dext(0, 200, 7), 200, "a:b:c:d:e:f:g:"),
    ext_send("dext send literal 40 unary", dext(0, 40, 0), 40, "bcY"),
    ext_send("dext send with 12 args", dext(0, 3, 12), 3, "a:b:c:d:e:f:g:h:i:j:k:l:"),
]

# super sends: methods of BcTest sending to super find BcBase's who / who: / k7:b:...
WHO = (Sym("who"), Sym("who:"), Sym("k7:b:c:d:e:f:g:"), Sym("onlyTest"))
SEVEN_ARGS = tuple(str(i) for i in range(7))
CASES += [
    Case("normal send finds BcTest>>who", [PUSH_SELF] + send_lit(0, 0) + [RET_TOP], "#test", literals=WHO),
    Case("super1ext unary", [PUSH_SELF] + super1ext(0, 0) + [RET_TOP], "#base", literals=WHO),
    Case("super1ext 1 arg", [PUSH_SELF, PUSH_2] + super1ext(1, 1) + [RET_TOP], "#(#base 2)", literals=WHO),
    Case("super1ext 7 args", [PUSH_SELF] + [b for i in range(7) for b in push_temp(i)] + super1ext(2, 7)
         + [RET_TOP], "#(#base7 #(0 1 2 3 4 5 6))", literals=WHO, num_args=7, args=SEVEN_ARGS),
    Case("dext super send", [PUSH_SELF, PUSH_1] + dext(1, 1, 1) + [RET_TOP], "#(#base 1)", literals=WHO),
    Case("super send of a selector only the subclass has", [PUSH_SELF] + super1ext(3, 0) + [RET_TOP],
         "!MessageNotUnderstood: BcTest>>onlyTest", literals=WHO),
]

# doesNotUnderstand: without an Echo: a Smalltalk-level MessageNotUnderstood
CASES += [
    Case("doesNotUnderstand: is signalled", [PUSH_2] + send_lit(0, 0) + [RET_TOP],
         "!MessageNotUnderstood: SmallInteger>>bcNothing", literals=(Sym("bcNothing"),)),
    Case("doesNotUnderstand: carries the Message", [PUSH_2, PUSH_1] + send_lit(0, 1) + [RET_TOP],
         "{#bcNothing: . #(1) . SmallInteger}", literals=(Sym("bcNothing:"),),
         expr="[BcTest new {send}] on: MessageNotUnderstood do: [:e | "
              "{e message selector. e message arguments. e message lookupClass}]"),
]


@pytest.fixture(scope="module")
def bvm():
    return BytecodeVM()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_sends(bvm, case):
    assert bvm.run(case) == case.expect
