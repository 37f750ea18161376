"""The numbered primitives as Smalltalk programs see them, with Squeak's exact results: integer
arithmetic across the SmallInteger / 64-bit / LargeInteger boundaries (the interpreter's fast
paths, primitives 1-17 and 21-37, and the kernel's digit code past 62 bits must agree with
exact arithmetic), Floats with NaN and infinities, Characters, Symbols, strings, new and new:."""
import math

import pytest
from hypothesis import given, settings, strategies as st

from catalyst.vm.vm import VM
from test_om_support import covers

SMALL_MAX, SMALL_MIN = (1 << 30) - 1, -(1 << 30)


@pytest.fixture(scope="module")
def vm():
    return VM.default(jit="off")


def quo(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def rem(a, b):
    return a - b * quo(a, b)


# the selectors checked for a pair of integers, with Python's exact answers (Squeak's \\ and //
# floor like Python's % and //; quo: and rem: truncate; the bit operations act on two's
# complement, also for LargeIntegers)
INTEGER_OPS = [
    ("+", lambda a, b: a + b), ("-", lambda a, b: a - b), ("*", lambda a, b: a * b),
    ("<", lambda a, b: a < b), ("=", lambda a, b: a == b), (">=", lambda a, b: a >= b),
    ("//", lambda a, b: a // b if b else None), ("\\\\", lambda a, b: a % b if b else None),
    ("quo:", lambda a, b: quo(a, b) if b else None), ("rem:", lambda a, b: rem(a, b) if b else None),
    ("bitAnd:", lambda a, b: a & b), ("bitOr:", lambda a, b: a | b), ("bitXor:", lambda a, b: a ^ b),
]


def st_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return "nil" if v is None else str(v)


DIVISIONS = {"//", "\\\\", "quo:", "rem:"}


def check_pairs(vm, pairs):
    """Every operation of INTEGER_OPS on each (a, b), in one evaluation."""
    exprs, want = [], []
    for a, b in pairs:
        for sel, fn in INTEGER_OPS:
            exprs.append("nil" if b == 0 and sel in DIVISIONS else f"({a}) {sel} ({b})")
            want.append(st_text(fn(a, b)))
    got = vm.eval("| r | r := OrderedCollection new. " + " ".join(f"r add: ({e})." for e in exprs)
                  + " r asArray")[2:-1].split(" ")
    for i, (g, w) in enumerate(zip(got, want)):
        a, b = pairs[i // len(INTEGER_OPS)]
        assert g == w, (a, INTEGER_OPS[i % len(INTEGER_OPS)][0], b, g, w)
    assert len(got) == len(want)


BOUNDARY = [0, 1, -1, 7, -7, SMALL_MAX, SMALL_MIN, SMALL_MAX + 1, SMALL_MIN - 1, (1 << 31) - 1,
            -(1 << 31), (1 << 32) + 5, (1 << 62) - 1, -(1 << 62), 1 << 62, (1 << 63) - 1,
            -(1 << 63), 1 << 64, -(1 << 64) - 3, 3 ** 50, -(5 ** 40)]


# the default run pairs every boundary value with these; the slow run with all of them
PARTNERS = [0, -1, 7, SMALL_MAX, SMALL_MIN - 1, (1 << 32) + 5, -(1 << 63), 3 ** 50]


@covers(*range(1, 18), *range(21, 38), "LargeInteger arithmetic beyond 64 bits (100 factorial)")
@pytest.mark.parametrize("a", BOUNDARY)
def test_integer_operations_at_the_boundaries(vm, a):
    check_pairs(vm, [(a, b) for b in PARTNERS])


@pytest.mark.slow
@pytest.mark.parametrize("a", BOUNDARY)
def test_integer_operations_at_all_boundary_pairs(vm, a):
    check_pairs(vm, [(a, b) for b in BOUNDARY])


widths = st.sampled_from([8, 30, 31, 32, 62, 63, 64, 65, 100, 200])
integers = widths.flatmap(lambda w: st.integers(-(1 << w), 1 << w))


@covers("LargeInteger arithmetic beyond 64 bits (100 factorial)")
@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(integers, integers), min_size=1, max_size=6))
def test_integer_operations_match_exact_arithmetic(vm, pairs):
    check_pairs(vm, pairs)


@covers(17)
@pytest.mark.parametrize("a", [1, -1, 5, -5, SMALL_MAX, SMALL_MIN, 1 << 40, -(1 << 40), 3 ** 60])
def test_bit_shift_both_ways(vm, a):
    shifts = [0, 1, 29, 30, 31, 32, 61, 62, 63, 64, 100, -1, -29, -30, -31, -62, -63, -64, -200]
    got = vm.eval(f"#({' '.join(map(str, shifts))}) collect: [:n | {a} bitShift: n]")
    want = [a << n if n >= 0 else a >> -n for n in shifts]
    assert got == "#(" + " ".join(map(str, want)) + ")"


@covers("LargeInteger arithmetic beyond 64 bits (100 factorial)")
def test_factorials_and_normalization(vm):
    assert vm.eval("100 factorial printString") == f"'{math.factorial(100)}'"
    assert vm.eval("(100 factorial / 98 factorial) class") == "SmallInteger"          # 9900
    assert vm.eval("((2 raisedTo: 64) - (2 raisedTo: 64) + 5) class") == "SmallInteger"
    assert vm.eval("(SmallInteger maxVal + 1 - 1) class") == "SmallInteger"
    assert vm.eval("(SmallInteger minVal - 1) class") == "LargeNegativeInteger"
    assert vm.eval("{SmallInteger maxVal. SmallInteger minVal}") == f"#({SMALL_MAX} {SMALL_MIN})"
    assert vm.eval("SmallInteger minVal negated class") == "LargePositiveInteger"
    assert vm.eval("(2 raisedTo: 200) = (2 raisedTo: 200)") == "true"
    assert vm.eval("(2 raisedTo: 200) hash = (2 raisedTo: 200) hash") == "true"


# --- Floats --------------------------------------------------------------------------------------

@covers(*range(40, 60), "cos")
@pytest.mark.parametrize("expr,expected", [
    ("0.1 + 0.2", "0.30000000000000004"), ("1.5 * 4", "6.0"), ("1 / 4.0", "0.25"),
    ("3 + 0.5", "3.5"), ("1.0e308 * 10", "Infinity"), ("-1.0e308 * 10", "-Infinity"),
    ("(Float infinity - Float infinity) isNaN", "true"), ("Float nan = Float nan", "false"),
    ("Float nan ~= Float nan", "true"), ("Float nan < 1.0", "false"), ("Float nan > 1.0", "false"),
    ("Float infinity > 1.0e308", "true"), ("Float negativeInfinity < -1.0e308", "true"),
    ("2.5 truncated", "2"), ("-2.5 truncated", "-2"), ("1.0e20 truncated", "100000000000000000000"),
    ("-1.0e20 truncated", "-100000000000000000000"), ("2.75 fractionPart", "0.75"),
    ("-2.75 fractionPart", "-0.75"), ("1024.0 exponent", "10"), ("0.1 exponent", "-4"),
    ("0.0 exponent", "-1"), ("1.5 timesTwoPower: 4", "24.0"), ("1.0 timesTwoPower: -1075", "0.0"),
    ("1.0 timesTwoPower: 1024", "Infinity"), ("16.0 sqrt", "4.0"), ("2.0 sqrt", "1.4142135623730951"),
    ("-1.0 sqrt isNaN", "true"), ("0.0 sin", "0.0"), ("0.0 cos", "1.0"),
    ("1.0 arcTan", repr(math.atan(1.0))), ("1.0 exp", repr(math.exp(1.0))), ("1.0 ln", "0.0"),
    ("0.0 ln", "-Infinity"), ("1000.0 exp", "Infinity"), ("Float infinity ln", "Infinity"),
    ("-1.0 ln isNaN", "true"), ("Float infinity sin isNaN", "true"), ("3 asFloat", "3.0"),
    ("1073741823 asFloat", "1073741823.0"), ("(2 raisedTo: 70) asFloat", "1.1805916207174113e21"),
    ("1.0e300 * 1.0e300 * 0", "NaN"), ("-0.0", "-0.0"), ("0.0 = -0.0", "true"),
    ("1.0 / 3.0", "0.3333333333333333"), ("1.0e-5", "1.0e-5"), ("1.0e16", "1.0e16"),
    ("7.0 \\\\ 2", "1.0"), ("1.0 = 1", "true"), ("1 = 1.0", "true"), ("(1/2) = 0.5", "true"),
    ("1.0 < (3/2)", "true"), ("0.5 + (1/4)", "0.75"),
])
def test_floats(vm, expr, expected):
    assert vm.eval(expr) == expected


@covers(56, "cos")
def test_cos_is_computed_from_sin_as_in_squeak(vm):
    for x in (0.0, 0.5, 1.0, 2.0, -3.0, 100.0):
        assert float(vm.eval(f"{x} cos")) == math.sin(x + 1.5707963267948966)
        assert abs(float(vm.eval(f"{x} cos")) - math.cos(x)) < 1e-12


# --- Characters, Symbols, Strings, instantiation --------------------------------------------------

@covers(170, 171, "Character value:", "asCharacter", "asInteger")
@pytest.mark.parametrize("expr,expected", [
    ("Character value: 65", "$A"), ("65 asCharacter", "$A"), ("$a asInteger", "97"), ("$a value", "97"),
    ("(Character value: 0) asInteger", "0"), ("(Character value: 16r10FFFF) asInteger", "1114111"),
    ("(Character value: 955) value", "955"), ("(Character value: 97) == $a", "true"),
    ("$a < $b", "true"), ("$z asInteger - $a asInteger", "25"), ("$a class", "Character"),
    ("[Character value: -1] on: Error do: [:e | #refused]", "#refused"),
    ("[Character value: 16r110000] on: Error do: [:e | #refused]", "#refused"),
    ("[Character value: nil] on: Error do: [:e | #refused]", "#refused"),
])
def test_characters(vm, expr, expected):
    assert vm.eval(expr) == expected


@covers("Symbol interning", 9003, 9004)
@pytest.mark.parametrize("expr,expected", [
    ("'abc' asSymbol == #abc", "true"), ("#abc == #abc", "true"),
    ("('ab' , 'c') asSymbol == #abc", "true"), ("#with:with: == 'with:with:' asSymbol", "true"),
    ("'fresh symbol 123' asSymbol == 'fresh symbol 123' asSymbol", "true"),
    ("#abc class", "Symbol"),
    ("#abc asString class", "String"), ("'abc' asSymbol class", "Symbol"),
    ("'abc' < 'abd'", "true"), ("'abd' < 'abc'", "false"), ("'ab' < 'abc'", "true"),
    ("'abc' = 'abc' copy", "true"), ("'abc' hash = 'abc' copy hash", "true"),
    ("'abc' hash = 'abd' hash", "false"), ("'' = ''", "true"), ("'abc' == 'abc' copy", "false"),
])
def test_symbols_and_strings(vm, expr, expected):
    assert vm.eval(expr) == expected


@covers(70, 71, "new and new:")
@pytest.mark.parametrize("expr,expected", [
    ("Object new class", "Object"), ("(Array new: 3) size", "3"), ("Array new size", "0"),
    ("(String new: 2) size", "2"), ("(ByteArray new: 4) asArray", "#(0 0 0 0)"),
    ("OrderedCollection new size", "0"), ("(Bitmap new: 2) size", "2"),
    ("Point new x", "nil"), ("(Array new: 2) == (Array new: 2)", "false"),
    ("[Array new: -1] on: Error do: [:e | #refused]", "#refused"),
])
def test_new_and_new_colon(vm, expr, expected):
    assert vm.eval(expr) == expected
