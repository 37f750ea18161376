"""Float primitives 38-59 (and 40 SmallInteger asFloat) on frames through `prim_call`, against
Python's IEEE-754 doubles and libm."""
import math
import struct

import pytest
from hypothesis import given, settings, strategies as st

from catalyst.vm.vm import VM
from test_om_support import SMALL_MAX, SMALL_MIN, Harness, covers, tag


@pytest.fixture(scope="module")
def h():
    harness = Harness(VM.default(jit="off"))
    yield harness
    harness.close()


def flt(h, x: float) -> int:
    """A boxed Float with value x, made through primitive 41 (0.0 + x is exact)."""
    oop = h.keep(h.core.call("instantiate", h.special(9), 2))
    h.core.write_bytes(oop + 8, struct.pack("<d", x))
    return oop


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


ARITH = {41: lambda a, b: a + b, 42: lambda a, b: a - b, 49: lambda a, b: a * b}
COMPARE = {43: lambda a, b: a < b, 44: lambda a, b: a > b, 45: lambda a, b: a <= b,
           46: lambda a, b: a >= b, 47: lambda a, b: a == b, 48: lambda a, b: a != b}

doubles = st.floats(allow_nan=True, allow_infinity=True, width=64)


@covers(*range(41, 51))
@settings(max_examples=120, deadline=None)
@given(doubles, doubles)
def test_arithmetic_and_comparisons(h, a, b):
    fa, fb = flt(h, a), flt(h, b)
    for prim, op in ARITH.items():
        r = h.prim(prim, fa, fb)
        assert h.class_name(r) == "Float"
        assert same(h.value(r), op(a, b)), (prim, a, b)
    for prim, op in COMPARE.items():
        assert h.prim_value(prim, fa, fb) is op(a, b), (prim, a, b)
    if b == 0:
        assert h.fails(50, fa, fb)             # ZeroDivide is signalled by the Smalltalk code
    else:
        assert same(h.value(h.prim(50, fa, fb)), a / b)


def test_smallinteger_arguments_are_converted(h):
    assert h.prim_value(41, flt(h, 0.5), tag(2)) == 2.5
    assert h.prim_value(43, flt(h, 0.5), tag(1)) is True
    assert h.prim_value(47, flt(h, 3.0), tag(3)) is True
    assert h.fails(41, flt(h, 1.0), h.nil)
    assert h.fails(41, flt(h, 1.0), h.obj("1 bitShift: 40"))   # LargeIntegers: Smalltalk code
    assert h.fails(41, tag(1), flt(h, 1.0))                    # receiver must be a Float


@covers(40)
@pytest.mark.parametrize("n", [0, 1, -1, SMALL_MAX, SMALL_MIN, 12345])
def test_as_float(h, n):
    r = h.prim(40, tag(n))
    assert h.class_name(r) == "Float" and h.value(r) == float(n)


def test_as_float_rejects_non_smallintegers(h):
    assert h.fails(40, flt(h, 1.0))
    assert h.fails(40, h.nil)


@covers(51)
@pytest.mark.parametrize("x,want", [(0.0, 0), (2.7, 2), (-2.7, -2), (1073741823.9, SMALL_MAX),
                                    (-1073741823.5, -1073741823), (-0.5, 0)])
def test_truncated(h, x, want):
    assert h.prim_value(51, flt(h, x)) == want


@pytest.mark.parametrize("x", [1073741824.0, -1073741824.5, 1e300, math.inf, -math.inf, math.nan])
def test_truncated_fails_out_of_smallinteger_range(h, x):
    assert h.fails(51, flt(h, x))


@covers(52, 53, 55)
@settings(max_examples=80, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_fraction_part_exponent_and_sqrt(h, x):
    f = flt(h, x)
    assert same(h.value(h.prim(52, f)), math.modf(x)[0])
    assert h.prim_value(53, f) == math.frexp(x)[1] - 1     # Squeak: frexp's exponent - 1
    got = h.value(h.prim(55, f))
    assert same(got, math.sqrt(x)) if x >= 0 else math.isnan(got)


def ldexp(x, n):
    try:
        return math.ldexp(x, n)
    except OverflowError:
        return math.copysign(math.inf, x)


@covers(54)
@pytest.mark.parametrize("x,n", [(1.0, 10), (1.5, -3), (3.0, 0), (1.0, 1023), (1.0, 1024),
                                 (1.0, -1074), (1.0, -1075), (1e-300, 1500), (5.0, -2000),
                                 (1.5, -1074), (-1.0, 5000), (4e-320, 1100), (1.0, SMALL_MIN)])
def test_times_two_power(h, x, n):
    assert same(h.value(h.prim(54, flt(h, x), tag(n))), ldexp(x, n))


@settings(max_examples=150, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, width=64), st.integers(-2200, 2200))
def test_times_two_power_rounds_once(h, x, n):
    assert same(h.value(h.prim(54, flt(h, x), tag(n))), ldexp(x, n))


def test_times_two_power_needs_a_smallinteger(h):
    assert h.fails(54, flt(h, 1.0), flt(h, 2.0))


@covers(56, 57, 58, 59)
@pytest.mark.parametrize("prim,fn", [(56, math.sin), (57, math.atan), (58, math.log), (59, math.exp)])
def test_libm_functions(h, prim, fn):
    for x in (0.5, 1.0, 2.0, 10.0):
        assert h.prim_value(prim, flt(h, x)) == fn(x)


@pytest.mark.parametrize("x", [math.inf, -math.inf, math.nan, -3.0])
def test_fraction_part_of_special_values(h, x):
    assert same(h.value(h.prim(52, flt(h, x))), math.modf(x)[0])


def test_ln_of_a_negative_number_is_nan(h):
    assert math.isnan(h.prim_value(58, flt(h, -1.0)))


@covers(53)
@pytest.mark.parametrize("x,want", [(0.0, -1), (-0.0, -1), (math.inf, -1), (-math.inf, -1),
                                    (math.nan, -1), (5e-324, -1074), (-1e-310, -1030),
                                    (2.2250738585072014e-308, -1022), (1.0, 0), (0.75, -1),
                                    (-8.0, 3), (1.7976931348623157e308, 1023)])
def test_exponent_of_special_values_is_squeaks(h, x, want):
    assert h.prim_value(53, flt(h, x)) == want


@covers(56, 57, 58, 59)
@pytest.mark.parametrize("prim,x,want", [
    (58, 0.0, -math.inf), (58, -0.0, -math.inf), (58, math.inf, math.inf), (58, -1.0, math.nan),
    (59, 1000.0, math.inf), (59, -math.inf, 0.0), (59, math.inf, math.inf), (59, math.nan, math.nan),
    (56, math.inf, math.nan), (56, -0.0, -0.0), (57, math.inf, math.pi / 2), (57, -math.inf, -math.pi / 2),
    (57, math.nan, math.nan), (55, math.inf, math.inf), (55, -0.0, -0.0), (55, -1.0, math.nan),
])
def test_libm_at_poles_infinities_and_nan(h, prim, x, want):
    """C's answers (Squeak calls libm): log(0) is -inf and exp overflows to +inf, not NaN."""
    assert same(h.prim_value(prim, flt(h, x)), want)


@covers(38)
def test_word_access_is_most_significant_first(h):
    f = flt(h, 1.0)                                    # 0x3FF00000_00000000
    assert h.prim_value(38, f, tag(1)) == 0x3FF00000
    assert h.prim_value(38, f, tag(2)) == 0
    g = flt(h, -2.5)
    hi, lo = struct.unpack("<II", struct.pack("<d", -2.5))[::-1]
    assert (h.prim_value(38, g, tag(1)), h.prim_value(38, g, tag(2))) == (hi, lo)
    assert h.fails(38, f, tag(3)) and h.fails(38, f, tag(0)) and h.fails(38, tag(1), tag(1))


@covers(39)
def test_word_store_builds_a_double(h):
    f = flt(h, 0.0)
    words = struct.unpack("<II", struct.pack("<d", math.pi))
    assert h.prim_value(39, f, tag(2), h.int_oop(words[0])) == words[0]
    assert h.prim_value(39, f, tag(1), h.int_oop(words[1])) == words[1]
    assert h.value(f) == math.pi
    assert h.fails(39, f, tag(1), tag(-1))
    assert h.fails(39, f, tag(1), h.int_oop(1 << 32))
    assert h.value(f) == math.pi
