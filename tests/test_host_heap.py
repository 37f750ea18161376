"""HeapWriter / HeapReader: the object layout of wat/ABI.md sections 1-3 and 6, checked on the
raw words in linear memory, by reading objects back, by walking the heap chunk by chunk, and by
letting the core's own allocator and collector work on a heap the writer made."""
import struct

import pytest
from hypothesis import given, settings, strategies as st

from catalyst.vm.core import Core
from catalyst.vm.heap import (CLASS_TABLE, FMT_BYTES, FMT_FIXED, FMT_METHOD, FMT_VAR, FMT_WORDS,
                              HeapReader, HeapWriter, chunk_bytes, tag_char, tag_int, untag_int)

# class indices of a tiny hand-made heap
UNDEF, FALSE, TRUE, ARRAY, STRING, LPOS, LNEG, FLOAT, THING, META, CM = range(16, 27)
NAMES = {UNDEF: "UndefinedObject", FALSE: "False", TRUE: "True", ARRAY: "Array",
         STRING: "String", LPOS: "LargePositiveInteger", LNEG: "LargeNegativeInteger",
         FLOAT: "Float", THING: "Thing", META: "Meta", CM: "CompiledMethod"}


class TinyHeap:
    """A heap with nil/false/true, class objects with names, and a special objects array."""

    def __init__(self):
        self.core = Core()
        w = self.w = HeapWriter(self.core)
        self.nil = w.alloc(UNDEF, 0, 0)
        w.nil = self.nil
        self.false = w.alloc(FALSE, 0, 0)
        self.true = w.alloc(TRUE, 0, 0)
        self.allocated = [self.nil, self.false, self.true]    # every object, in order
        self.classes = {}
        for idx, name in NAMES.items():
            cls = self.alloc(META, FMT_FIXED, 7, hash_=idx)   # a class's hash is its index
            w.set_slot(cls, 2, tag_int((FMT_FIXED << 16) | 0))
            name_oop = w.alloc_string(STRING, name)
            self.allocated.append(name_oop)
            w.set_slot(cls, 6, name_oop)
            self.classes[idx] = cls
        self.specials = self.alloc(ARRAY, FMT_VAR, 60)
        w.set_slot(self.specials, 13, self.classes[LPOS])
        w.set_slot(self.specials, 42, self.classes[LNEG])

    def alloc(self, *args, **kw):
        oop = self.w.alloc(*args, **kw)
        self.allocated.append(oop)
        return oop

    def alloc_bytes(self, *args, **kw):
        oop = self.w.alloc_bytes(*args, **kw)
        self.allocated.append(oop)
        return oop

    def finish(self) -> HeapReader:
        self.w.finish(self.nil, self.false, self.true, self.specials, dict(self.classes))
        return HeapReader(self.core)


@pytest.fixture
def tiny():
    return TinyHeap()


def words(core, addr, n):
    return struct.unpack(f"<{n}I", core.read_bytes(addr, 4 * n))


@pytest.mark.parametrize("slots,fmt,size,prefix", [
    (0, FMT_FIXED, 16, 0),          # the body is at least 8 bytes
    (1, FMT_FIXED, 16, 0),
    (2, FMT_FIXED, 16, 0),
    (3, FMT_FIXED, 24, 0),          # padded to 8
    (254, FMT_VAR, 8 + 1016, 0),
    (255, FMT_VAR, 8 + 8 + 1020 + 4, 8),   # 255 in the header means "see the prefix"
    (1000, FMT_VAR, 8 + 8 + 4000, 8),
    (2, FMT_METHOD, 8 + 8 + 8, 8),  # CompiledMethods always carry a prefix
])
def test_chunk_sizes_and_prefix_rule(slots, fmt, size, prefix):
    assert chunk_bytes(slots, fmt) == (size, prefix)


def test_header_words_follow_the_abi(tiny):
    obj = tiny.alloc(THING, FMT_FIXED, 3, hash_=0x2ABCDE)
    tiny.finish()
    w0, w1 = words(tiny.core, obj, 2)
    assert w0 & 0x3FFFFF == THING and (w0 >> 24) & 31 == FMT_FIXED
    assert w1 & 0x3FFFFF == 0x2ABCDE and w1 >> 24 == 3
    assert words(tiny.core, obj + 8, 3) == (tiny.nil,) * 3      # pointer slots start as nil


def test_big_objects_and_methods_have_a_prefix(tiny):
    big = tiny.alloc(ARRAY, FMT_VAR, 300)
    meth = tiny.alloc_bytes(CM, bytes(range(13)), method=True)
    small = tiny.alloc(ARRAY, FMT_VAR, 254)
    r = tiny.finish()
    assert words(tiny.core, big - 8, 2) == (300, 0xFF000000)
    assert tiny.core.u32(big + 4) >> 24 == 255 and r.num_slots(big) == 300
    count, marker = words(tiny.core, meth - 8, 2)
    assert count == 4 and marker == 0xFF000000          # 13 bytes in 4 slots
    assert r.fmt(meth) == FMT_METHOD + 3 and r.bytes_of(meth) == bytes(range(13))
    assert tiny.core.u32(small + 4) >> 24 == 254 and tiny.core.u32(small - 4) >> 24 != 0xFF


@pytest.mark.parametrize("n", range(0, 10))
def test_byte_objects_record_their_unused_bytes_in_the_format(tiny, n):
    data = bytes(range(65, 65 + n))
    s = tiny.alloc_bytes(STRING, data)
    r = tiny.finish()
    slots = (n + 3) // 4
    assert r.num_slots(s) == slots
    assert r.fmt(s) == FMT_BYTES + (4 * slots - n)
    assert r.byte_size(s) == n and r.bytes_of(s) == data
    assert r.string_of(s) == data.decode()


def test_walking_the_heap_finds_every_object_in_order(tiny):
    """ABI.md section 2's walk: a chunk starting with a prefix has 0xFF in its second word."""
    for i in range(40):
        tiny.alloc(ARRAY, FMT_VAR, i * 13 % 300)
        tiny.alloc_bytes(STRING, b"x" * i)
        if i % 7 == 0:
            tiny.alloc_bytes(CM, bytes(i + 5), method=True)
    r = tiny.finish()
    core = tiny.core
    addr, end, found = core.global_value("heap_start"), core.global_value("heap_end"), []
    while addr < end:
        oop = addr + 8 if core.u32(addr + 4) >> 24 == 0xFF else addr
        found.append(oop)
        size, _ = chunk_bytes(r.num_slots(oop), r.fmt(oop))
        addr += size
    assert addr == end
    assert found == tiny.allocated


def test_globals_and_class_table_after_finish(tiny):
    r = tiny.finish()
    core = tiny.core
    assert core.global_value("nil") == tiny.nil
    assert core.global_value("true") == tiny.true and core.global_value("false") == tiny.false
    assert core.global_value("special_objects") == tiny.specials
    assert core.global_value("heap_end") == tiny.w.end()
    assert core.global_value("last_hash") == tiny.w.next_hash
    for idx, cls in tiny.classes.items():
        assert core.u32(CLASS_TABLE + 4 * idx) == cls
        assert r.class_name(cls) == NAMES[idx]
    assert r.class_of(tiny.true) == tiny.classes[TRUE]


def test_immediates():
    for n in (0, 1, -1, 2 ** 30 - 1, -2 ** 30, 12345, -999):
        assert untag_int(tag_int(n)) == n and tag_int(n) & 1
    assert tag_char(97) == (97 << 2) | 2


def test_integers_round_trip_including_large(tiny):
    values = [0, 5, -5, 2 ** 30 - 1, -2 ** 30, 2 ** 30, -2 ** 30 - 1, 2 ** 64, -(3 ** 100)]
    oops = [tiny.w.int_oop(v, LPOS, LNEG) for v in values]
    r = tiny.finish()
    assert [r.int_of(o) for o in oops] == values
    big = oops[values.index(2 ** 64)]
    assert r.class_index(big) == LPOS and r.bytes_of(big) == b"\0" * 8 + b"\1"   # normalized
    assert r.class_index(oops[-1]) == LNEG
    with pytest.raises(TypeError, match="not an integer"):
        r.int_of(tiny.specials)


@given(st.integers(min_value=-(2 ** 200), max_value=2 ** 200))
@settings(max_examples=60, deadline=None)
def test_any_integer_round_trips(n):
    heap = TinyHeap()
    oop = heap.w.int_oop(n, LPOS, LNEG)
    assert heap.finish().int_of(oop) == n


def test_floats_and_their_word_order(tiny):
    f = tiny.w.alloc_float(FLOAT, -2.5e-300)
    g = tiny.w.alloc_float(FLOAT, 1.0)
    r = tiny.finish()
    assert r.float_of(f) == -2.5e-300
    assert r.fmt(g) == FMT_WORDS and r.num_slots(g) == 2
    # native little-endian double: the word at oop+12 is the most significant (0x3FF00000)
    assert words(tiny.core, g + 8, 2) == (0, 0x3FF00000)


def test_strings_are_latin1(tiny):
    s = tiny.w.alloc_string(STRING, "café")
    r = tiny.finish()
    assert r.bytes_of(s) == b"caf\xe9" and r.string_of(s) == "café"


def test_identity_hashes_are_22_bit_and_non_zero(tiny):
    objs = [tiny.alloc(THING, 0, 0) for _ in range(500)]
    tiny.finish()
    hashes = [tiny.core.u32(o + 4) & 0x3FFFFF for o in objs]
    assert all(hashes) and len(set(hashes)) > 490


@pytest.mark.parametrize("args,message", [
    ((0, FMT_FIXED, 1), "class index"),
    ((16384, FMT_FIXED, 1), "class index"),
    ((THING, 7, 1), "format"),
    ((THING, 32, 1), "format"),
    ((THING, FMT_FIXED, -1), "slot count"),
])
def test_bad_allocations_are_refused(tiny, args, message):
    with pytest.raises(ValueError, match=message):
        tiny.w.alloc(*args)


def test_bad_hash_is_refused(tiny):
    with pytest.raises(ValueError, match="identity hash"):
        tiny.w.alloc(THING, FMT_FIXED, 1, hash_=1 << 22)


def test_the_core_allocates_and_collects_on_a_written_heap(tiny):
    """OM's allocator continues after heap_end and its collector walks and marks our layout."""
    keep = tiny.alloc(ARRAY, FMT_VAR, 3)
    garbage = tiny.alloc(ARRAY, FMT_VAR, 100)
    tiny.w.set_slot(tiny.specials, 0, tiny.nil)
    tiny.w.set_slot(tiny.specials, 59, keep)            # reachable from the special objects
    r = tiny.finish()
    end = tiny.core.global_value("heap_end")
    fresh = tiny.core.call("alloc", THING, FMT_FIXED, 2)
    assert fresh >= end and r.class_index(fresh) == THING and r.num_slots(fresh) == 2
    assert r.slot(fresh, 0) == tiny.nil
    freed = tiny.core.call("gc")
    assert freed >= 100 * 4                             # the unreachable Array at least
    assert r.num_slots(keep) == 3 and r.class_index(keep) == ARRAY
    assert r.class_name(tiny.classes[STRING]) == "String"
    del garbage
