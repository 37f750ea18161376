"""Object primitives on frames through `prim_call`: indexing (60-64), CompiledMethod literals
(68/69), instantiation (70/71), instance variables (73/74, 173/174), hashes (75/175), replace
(105), identity and class (110/111/169), memory (112, 129-132, 138/139), clocks, copying
(148), fill (145), Characters (170/171), Point (18), Catalyst's 9001-9006; failures leave the
stack untouched and unknown numbers fail."""
import struct
import time

import pytest

from catalyst.vm.vm import VM
from test_om_support import Harness, char, covers, tag


@pytest.fixture(scope="module")
def h():
    harness = Harness(VM.default(jit="off"))
    yield harness
    harness.close()


def bytes_of(h, oop):
    return h.heap.bytes_of(oop)


# --- at: / at:put: / size -------------------------------------------------------------------

@covers(60, 61, 62)
def test_array_at_put_and_bounds(h):
    a = h.obj("Array new: 3")
    assert h.prim(61, a, tag(2), tag(99)) == tag(99)
    assert h.prim(60, a, tag(2)) == tag(99)
    assert h.prim(60, a, tag(1)) == h.nil
    assert h.prim_value(62, a) == 3
    for bad in (tag(0), tag(4), tag(-1), h.nil, char("a")):
        assert h.fails(60, a, bad)
        assert h.fails(61, a, bad, tag(1))


@covers(60, 61, 62)
def test_named_slots_are_skipped_by_at(h):
    oc = h.obj("MethodContext new: 4")           # 6 named slots + 4 indexable
    assert h.prim_value(62, oc) == 4
    h.prim(61, oc, tag(1), tag(7))
    assert h.heap.slot(oc, 6) == tag(7)
    assert h.fails(60, oc, tag(5))


@covers(60, 61, 62, 63, 64)
def test_byte_objects_answer_integers_through_60_and_characters_through_63(h):
    s = h.obj("'abc' copy")
    assert h.prim_value(60, s, tag(1)) == ord("a")
    assert h.prim(63, s, tag(2)) == char("b")
    assert h.prim(64, s, tag(3), char("z")) == char("z")
    assert h.prim(61, s, tag(1), tag(ord("y"))) == tag(ord("y"))
    assert bytes_of(h, s) == b"ybz"
    assert h.prim(61, s, tag(2), char("q")) == char("q")
    assert bytes_of(h, s) == b"yqz"
    for bad in (tag(256), tag(-1), char(chr(300)), h.nil):
        assert h.fails(61, s, tag(1), bad)
        assert h.fails(64, s, tag(1), bad)
    assert h.fails(63, s, tag(4))
    assert bytes_of(h, s) == b"yqz"
    b = h.obj("ByteArray new: 2")
    assert h.prim_value(61, b, tag(2), tag(255)) == 255 and bytes_of(h, b) == b"\x00\xff"
    assert h.prim_value(62, h.obj("'hello'")) == 5


@covers(60, 61, 62)
def test_word_objects(h):
    w = h.obj("Bitmap new: 2")
    assert h.prim_value(61, w, tag(1), h.int_oop(0xFFFFFFFF)) == 0xFFFFFFFF
    assert h.prim_value(60, w, tag(1)) == 0xFFFFFFFF
    assert h.prim_value(60, w, tag(2)) == 0
    assert h.fails(61, w, tag(2), tag(-1))
    assert h.fails(61, w, tag(2), h.int_oop(1 << 32))
    assert h.prim_value(62, w) == 2


@covers(60, 62)
def test_at_fails_on_non_indexable_and_immediates(h):
    p = h.obj("3 @ 4")
    assert h.fails(60, p, tag(1))
    assert h.fails(60, tag(3), tag(1))
    assert h.fails(62, tag(3))
    assert h.prim_value(62, p) == 0


# --- CompiledMethod literals ----------------------------------------------------------------

@covers(68, 69)
def test_object_at_reads_and_writes_header_and_literals(h):
    m = h.keep(h.vm.lookup_method(h.cls("Object"), "printString"))
    header = h.heap.slot(m, 0)
    nlits = (header >> 1) & 0x7FFF
    assert h.prim(68, m, tag(1)) == header
    assert h.prim(68, m, tag(nlits + 1)) == h.heap.slot(m, nlits)
    assert h.fails(68, m, tag(0)) and h.fails(68, m, tag(nlits + 2))
    lit = h.heap.slot(m, 1)
    assert h.prim(69, m, tag(2), tag(5)) == tag(5) and h.heap.slot(m, 1) == tag(5)
    h.prim(69, m, tag(2), lit)
    assert h.fails(69, m, tag(1), h.nil)         # the header must stay a SmallInteger
    assert h.fails(68, h.obj("Array new: 3"), tag(1))


# --- instantiation, instance variables, hashes ------------------------------------------------

@covers(70, 71)
def test_basic_new_and_new_colon(h):
    p = h.prim(70, h.cls("Point"))
    assert h.class_name(p) == "Point" and h.heap.slot(p, 0) == h.nil
    a = h.prim(71, h.cls("Array"), tag(4))
    assert h.class_name(a) == "Array" and h.prim_value(62, a) == 4
    s = h.prim(71, h.cls("String"), tag(3))
    assert bytes_of(h, s) == b"\x00\x00\x00"
    assert h.fails(71, h.cls("Array"), tag(-1))
    assert h.fails(71, h.cls("Point"), tag(2))   # not indexable
    assert h.fails(71, h.cls("Array"), h.nil)
    assert h.fails(70, tag(3))


@covers(73, 74, 173, 174)
def test_inst_var_at(h):
    p = h.obj("3 @ 4")
    for prim in (73, 173):
        assert h.prim(prim, p, tag(1)) == tag(3)
        assert h.prim(prim, p, tag(2)) == tag(4)
        assert h.fails(prim, p, tag(3)) and h.fails(prim, p, tag(0))
    assert h.prim(74, p, tag(1), tag(10)) == tag(10)
    assert h.prim(174, p, tag(2), tag(20)) == tag(20)
    assert h.vm.print_string(p) == "10@20"
    assert h.fails(73, h.obj("'abc'"), tag(1))
    assert h.fails(74, tag(3), tag(1), tag(1))


@covers(75, 175)
def test_identity_hash_and_behavior_hash(h):
    o = h.obj("Object new")
    assert h.prim_value(75, o) == h.core.call("identity_hash", o) > 0
    assert h.prim_value(175, h.cls("Array")) == h.core.call("class_index", h.obj("Array new"))
    assert h.fails(75, tag(3))


# --- replaceFrom:to:with:startingAt: ----------------------------------------------------------

@covers(105)
def test_replace_bytes_and_pointers(h):
    s = h.obj("'hello world' copy")
    src = h.obj("'HELLO'")
    assert h.prim(105, s, tag(1), tag(5), src, tag(1)) == s
    assert bytes_of(h, s) == b"HELLO world"
    a = h.obj("#(1 2 3 4 5) copy")
    assert h.prim(105, a, tag(2), tag(4), a, tag(1)) == a       # overlapping, like memmove
    assert [h.value(h.heap.slot(a, i)) for i in range(5)] == [1, 1, 2, 3, 5]
    assert h.prim(105, a, tag(3), tag(2), a, tag(1)) == a       # empty range
    assert h.fails(105, a, tag(4), tag(6), a, tag(1))           # past the end
    assert h.fails(105, a, tag(1), tag(2), a, tag(5))           # source too short
    assert h.fails(105, s, tag(1), tag(2), a, tag(1))           # bytes from pointers
    assert h.fails(105, s, tag(0), tag(2), src, tag(1))


# --- identity, class, memory -------------------------------------------------------------

@covers(110, 111, 169)
def test_identity_and_class(h):
    o = h.obj("Object new")
    assert h.prim_value(110, o, o) is True and h.prim_value(110, o, h.nil) is False
    assert h.prim_value(169, o, o) is False and h.prim_value(169, tag(1), tag(2)) is True
    assert h.prim(111, o) == h.cls("Object")
    assert h.prim(111, tag(3)) == h.special(5)
    assert h.prim(111, char("a")) == h.special(19)
    assert h.prim(111, h.nil, h.obj("'x'")) == h.cls("String")   # objectClass: mirror form
    assert h.fails(110, o)


@covers(112, 129, 130, 131)
def test_memory_primitives(h):
    left = h.prim_value(112, h.nil)
    assert left == h.core.global_value("heap_start") + h.core.global_value("heap_limit") - \
        h.core.global_value("heap_end")
    assert h.prim(129, h.nil) == h.core.global_value("special_objects")
    count = h.core.global_value("gc_count")
    assert h.prim_value(130, h.nil) > 0
    assert h.prim_value(131, h.nil) > 0
    assert h.core.global_value("gc_count") == count + 2


@covers(132)
def test_object_points_to(h):
    a = h.obj("Array with: 3 with: #foo")
    assert h.prim_value(132, a, tag(3)) is True
    assert h.prim_value(132, a, h.vm.symbol("foo")) is True
    assert h.prim_value(132, a, tag(4)) is False
    assert h.prim_value(132, h.obj("'abc'"), tag(97)) is False   # bytes hold no oops
    m = h.keep(h.vm.lookup_method(h.cls("Object"), "printString"))
    assert h.prim_value(132, m, h.heap.slot(m, 1)) is True


@covers(138, 139)
def test_some_object_and_next_object_walk_the_heap(h):
    first = h.prim(138, h.nil)
    assert first == h.core.global_value("nil")    # the heap starts with nil, false, true
    assert h.prim(139, first) == h.core.global_value("false")
    oops, _ = h.walk()
    o, seen = first, 1
    while True:
        n = h.prim(139, o)
        if n == tag(0):
            break
        assert n == oops[seen]
        o, seen = n, seen + 1
        if seen > 20000:
            break                                  # walking all of it is slow from Python
    assert seen > 1000
    last = h.prim(139, oops[-1])
    assert last == tag(0)
    assert h.fails(139, tag(3))


@covers(145)
def test_constant_fill(h):
    a = h.obj("Array new: 4")
    assert h.prim(145, a, tag(7)) == a
    assert [h.heap.slot(a, i) for i in range(4)] == [tag(7)] * 4
    b = h.obj("ByteArray new: 5")
    h.prim(145, b, tag(9))
    assert bytes_of(h, b) == b"\x09" * 5
    assert h.fails(145, b, tag(256)) and h.fails(145, b, h.nil)
    s = h.obj("String new: 3")
    h.prim(145, s, char("x"))
    assert bytes_of(h, s) == b"xxx"
    w = h.obj("Bitmap new: 3")
    h.prim(145, w, h.int_oop(0xDEADBEEF))
    assert h.core.read_bytes(w + 8, 12) == struct.pack("<3I", *[0xDEADBEEF] * 3)
    assert h.fails(145, w, tag(-1))
    assert h.fails(145, tag(1), tag(1))


@covers(148)
def test_shallow_copy(h):
    a = h.obj("Array with: 1 with: 'two' with: #three")
    c = h.prim(148, a)
    assert c != a and h.class_name(c) == "Array"
    assert [h.heap.slot(c, i) for i in range(3)] == [h.heap.slot(a, i) for i in range(3)]
    assert h.core.call("identity_hash", c) != h.core.call("identity_hash", a)
    s = h.prim(148, h.obj("'abcde'"))
    assert bytes_of(h, s) == b"abcde"
    big = h.obj("(1 to: 600) asArray")
    c = h.prim(148, big)
    assert h.core.call("num_slots", c) == 600 and h.heap.slot(c, 599) == tag(600)
    f = h.prim(148, h.obj("2.5"))
    assert h.value(f) == 2.5
    assert h.prim(148, tag(3)) == tag(3)


@covers(135, 137, 240, 241)
def test_clocks(h):
    """135 a wrapping millisecond clock; 137 seconds and 240/241 microseconds since 1901 (UTC)."""
    epoch = 2177452800                                  # 1901-01-01 to 1970-01-01 in seconds
    ms = h.prim_value(135, h.nil)
    assert 0 <= ms < 1 << 30
    now = time.time()
    assert abs(h.prim_value(137, h.nil) - (now + epoch)) < 5
    us1 = h.prim_value(240, h.nil)
    us2 = h.prim_value(241, h.nil)
    assert 0 < us1 <= us2 and abs(us1 / 1e6 - (now + epoch)) < 5
    time.sleep(0.05)
    ms2, us3 = h.prim_value(135, h.nil), h.prim_value(240, h.nil)
    assert 40 <= (ms2 - ms) % (1 << 30) < 5000 and 40_000 <= us3 - us2 < 5_000_000


# --- Characters, Point ---------------------------------------------------------------------

@covers(170, 171)
def test_characters(h):
    assert h.prim(170, tag(97)) == char("a")                 # SmallInteger asCharacter
    assert h.prim(170, h.cls("Character"), tag(0x10FFFF)) == char(0x10FFFF)
    assert h.fails(170, tag(0x110000)) and h.fails(170, tag(-1)) and h.fails(170, h.nil)
    assert h.prim_value(171, char("z")) == ord("z")
    assert h.fails(171, tag(3))


@covers(18)
def test_point(h):
    p = h.prim(18, tag(3), tag(-4))
    assert h.class_name(p) == "Point"
    assert (h.heap.slot(p, 0), h.heap.slot(p, 1)) == (tag(3), tag(-4))


# --- Catalyst's primitives ---------------------------------------------------------------

@covers(9001, 9006)
def test_output_primitives():
    out, err = [], []
    vm = VM.default(jit="off", stdout=out.append)
    h = Harness(vm)
    h.core._err = err.append
    s = h.obj("'hi there'")
    assert h.prim(9001, h.nil, s) == h.nil
    assert h.prim(9006, tag(1), s) == tag(1)
    assert b"".join(out) == b"hi there" and b"".join(err) == b"hi there"
    assert h.fails(9001, h.nil, tag(3))
    h.close()


@covers(9003, 9004)
def test_string_compare_and_hash(h):
    def cmp(a, b):
        return h.prim_value(9003, h.obj(f"'{a}'"), h.obj(f"'{b}'"))
    assert cmp("abc", "abd") == -1 and cmp("abd", "abc") == 1 and cmp("abc", "abc") == 0
    assert cmp("ab", "abc") == -1 and cmp("", "") == 0 and cmp("b", "abc") == 1
    assert h.prim_value(9003, h.obj("#abc"), h.obj("'abc'")) == 0
    assert h.fails(9003, h.obj("'abc'"), tag(1))
    h1 = h.prim_value(9004, h.obj("'hello'"))
    assert h1 == h.prim_value(9004, h.obj("#hello")) and h1 != h.prim_value(9004, h.obj("'hellp'"))
    assert 0 <= h1 < 1 << 28
    assert h.fails(9004, tag(3))


@covers(9005)
@pytest.mark.parametrize("x", [0.1 + 0.2, 1e16, 1.0, -2.5, 1e-300, float("inf"), float("nan")])
def test_float_repr(h, x):
    f = h.keep(h.core.call("instantiate", h.special(9), 2))
    h.core.write_bytes(f + 8, struct.pack("<d", x))
    s = h.prim(9005, f)
    assert h.class_name(s) == "String" and h.heap.string_of(s) == repr(x)
    assert h.fails(9005, tag(1))


# --- failure discipline ----------------------------------------------------------------------

@covers(121, "unknown primitives fail cleanly")
@pytest.mark.parametrize("prim", [0, 19, 65, 99, 120, 121, 520, 1000, 8999, 9999, 100000])
def test_unknown_or_unsupported_numbers_fail(h, prim):
    assert h.fails(prim, h.nil)
    assert h.fails(prim, h.nil, tag(1))


@pytest.mark.parametrize("prim,args", [(60, 0), (61, 1), (62, 1), (70, 1), (105, 3), (110, 0),
                                       (148, 2), (9003, 0), (9005, 1)])
def test_wrong_argument_counts_fail(h, prim, args):
    assert h.fails(prim, h.obj("Array new: 3"), *[tag(1)] * args)


@covers(113)
def test_quit_tells_the_host_and_halts():
    h = Harness(VM.default(jit="off"))
    assert h.prim(113, h.nil) == h.nil
    assert h.core.quit_code == 0 and h.core.global_value("halt_code") == 2
    h.core.set_global("halt_code", 0)
    h.close()


# --- quick primitives (256-519) ------------------------------------------------------------------

@covers(*range(256, 520))
def test_quick_primitives(h):
    rcvr = h.obj("(1 to: 256) asArray")
    assert h.prim(256, rcvr) == rcvr
    assert [h.prim(n, rcvr) for n in range(257, 264)] == [h.true, h.false, h.nil, tag(-1), tag(0),
                                                           tag(1), tag(2)]
    assert [h.prim(n, rcvr) for n in range(264, 520)] == [tag(i) for i in range(1, 257)]
    p = h.obj("3 @ 4")
    assert (h.prim(264, p), h.prim(265, p)) == (tag(3), tag(4))
    assert h.fails(266, p)                                        # past the slots
    assert h.fails(264, tag(3)) and h.fails(264, h.obj("'abc'"))  # no pointer slots
    assert h.prim(256, tag(3)) == tag(3) and h.prim(261, char("a")) == tag(0)
    assert h.prim(256, rcvr, tag(9)) == rcvr                      # arguments are popped too
