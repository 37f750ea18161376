"""Integer primitives 1-17 and their LargeInteger-capable twins 21-37, run one at a time on a
frame through `prim_call`, against Python's exact integer arithmetic.

Catalyst's contract (50_prims.wat): for 1-17 as for 21-37, operands are SmallIntegers or
LargeIntegers below 2^62 in magnitude; a result outside the SmallInteger range comes back as a
normalized LargePositive/NegativeInteger; anything needing more than 62 bits fails, so the
kernel's Smalltalk code takes over. `/` succeeds only when exact; `//` and `\\\\` floor; `quo:`
truncates.
"""
import pytest
from hypothesis import given, settings, strategies as st

from catalyst.vm.vm import VM
from test_om_support import SMALL_MAX, SMALL_MIN, Harness, PrimFailed, covers, tag

LIMIT = 1 << 62


@pytest.fixture(scope="module")
def h():
    harness = Harness(VM.default(jit="off"))
    yield harness
    harness.close()


def floor_div(a, b):
    return a // b


def trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def shift(a, b):
    if b >= 0:
        if b > 61:
            return None
        r = a << b
        return r if abs(r) < LIMIT else None
    return a >> min(-b, 63)


OPS = {
    1: lambda a, b: a + b, 2: lambda a, b: a - b,
    3: lambda a, b: a < b, 4: lambda a, b: a > b, 5: lambda a, b: a <= b,
    6: lambda a, b: a >= b, 7: lambda a, b: a == b, 8: lambda a, b: a != b,
    9: lambda a, b: a * b if SMALL_MIN <= a <= SMALL_MAX and SMALL_MIN <= b <= SMALL_MAX else None,
    10: lambda a, b: a // b if b and a % b == 0 else None,
    11: lambda a, b: a % b if b else None,
    12: lambda a, b: floor_div(a, b) if b else None,
    13: lambda a, b: trunc_div(a, b) if b else None,
    14: lambda a, b: a & b, 15: lambda a, b: a | b, 16: lambda a, b: a ^ b,
    17: shift,
}


def expected(prim, a, b):
    if abs(a) >= LIMIT or abs(b) >= LIMIT:
        return None
    return OPS[prim](a, b)


def check(h, prim, a, b):
    want = expected(prim, a, b)
    try:
        got = h.prim(prim, h.int_oop(a), h.int_oop(b))
    except PrimFailed:
        assert want is None, f"primitive {prim} failed on {a}, {b}; expected {want}"
        return
    assert want is not None, f"primitive {prim} answered for {a}, {b} but should fail"
    value = h.value(got)
    assert value == want and type(value) is type(want), (prim, a, b, value, want)
    if isinstance(want, int) and not isinstance(want, bool):
        if SMALL_MIN <= want <= SMALL_MAX:
            assert got & 1, f"{want} must be a SmallInteger"
        else:                                       # normalized: no leading zero byte
            data = h.heap.bytes_of(got)
            assert data and data[-1] != 0, (want, data)
            assert h.class_name(got) == ("LargePositiveInteger" if want > 0 else "LargeNegativeInteger")


BOUNDARY = [0, 1, -1, 2, -2, 3, 7, -7, SMALL_MAX, SMALL_MAX - 1, SMALL_MIN, SMALL_MIN + 1,
            1 << 15, -(1 << 15), 1 << 29, -(1 << 29)]


@covers(*OPS)
@pytest.mark.parametrize("prim", sorted(OPS))
def test_boundaries(h, prim):
    for a in BOUNDARY:
        for b in BOUNDARY:
            check(h, prim, a, b)


@covers(*(p + 20 for p in OPS))
@pytest.mark.parametrize("prim", sorted(OPS))
def test_large_twins_agree(h, prim):
    for a, b in [(SMALL_MAX, 1), (SMALL_MIN, -1), (1 << 40, 3), (-(1 << 40), 1 << 35),
                 ((1 << 61) + 5, 1 << 20), (1 << 62, 1), (12, 1 << 62)]:
        check(h, prim, a, b)
        want = expected(prim, a, b)
        try:
            got = h.value(h.prim(prim + 20, h.int_oop(a), h.int_oop(b)))
        except PrimFailed:
            got = None
        assert got == want, (prim + 20, a, b, got, want)


smalls = st.integers(SMALL_MIN, SMALL_MAX)
wide = st.one_of(smalls, st.integers(-(1 << 63), 1 << 63))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(OPS)), smalls, smalls)
def test_small_operands(h, prim, a, b):
    check(h, prim, a, b)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(OPS)), wide, wide)
def test_wide_operands(h, prim, a, b):
    check(h, prim, a, b)


@settings(max_examples=60, deadline=None)
@given(smalls, st.integers(-80, 80))
def test_bit_shift(h, a, b):
    check(h, 17, a, b)


def test_overflow_at_two_to_the_thirty(h):
    assert h.prim(1, tag(SMALL_MAX), tag(0)) == tag(SMALL_MAX)
    big = h.prim(1, tag(SMALL_MAX), tag(1))
    assert h.class_name(big) == "LargePositiveInteger" and h.value(big) == 1 << 30
    assert h.heap.bytes_of(big) == bytes([0, 0, 0, 0x40])
    neg = h.prim(2, tag(SMALL_MIN), tag(1))
    assert h.class_name(neg) == "LargeNegativeInteger" and h.value(neg) == -(1 << 30) - 1
    assert h.value(h.prim(13, tag(SMALL_MIN), tag(-1))) == 1 << 30    # quo: overflows too
    assert h.value(h.prim(9, tag(1 << 15), tag(1 << 15))) == 1 << 30


def test_smalltalk_overflows_into_large_integers(h):
    # the kernel's LargeInteger code relies on 1-17 answering LargeIntegers (see 50_prims.wat)
    assert h.vm.eval("(1073741823 + 1) class") == "LargePositiveInteger"
    assert h.vm.eval("(-1073741824 - 1) printString") == "'-1073741825'"
    assert h.vm.eval("(32768 * 32768) - 1073741823") == "1"
    assert h.vm.eval("5 bitAnd: (1 bitShift: 40) + 7") == "5"
    assert h.vm.eval("20 factorial printString") == "'2432902008176640000'"


def test_non_integer_operands_fail(h):
    flt = h.obj("1.5")
    string = h.obj("'abc'")
    for prim in list(OPS) + [p + 20 for p in OPS]:
        assert h.fails(prim, tag(3), h.nil)
        assert h.fails(prim, tag(3), flt)
        assert h.fails(prim, tag(3), string)
        assert h.fails(prim, tag(3), (ord("a") << 2) | 2)
        assert h.fails(prim, h.nil, tag(3))


def test_division_by_zero_fails(h):
    for prim in (10, 11, 12, 13, 30, 31, 32, 33):
        assert h.fails(prim, tag(7), tag(0))


def test_wrong_argument_count_fails(h):
    assert h.fails(1, tag(3))
    assert h.fails(1, tag(3), tag(4), tag(5))
