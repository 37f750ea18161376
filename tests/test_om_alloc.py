"""Object memory: allocation, header fields, prefixes, formats and sizes, identity hashes, the
class table, free-list reuse, growth of linear memory and the heap limit."""
import pytest

from catalyst.vm.core import Core
from catalyst.vm.vm import VM
from test_om_support import Harness, tag

PAGE = 65536


@pytest.fixture
def h():
    harness = Harness(VM.default(jit="off"))
    yield harness
    harness.close()


def header(h, oop):
    w0, w1 = h.core.u32(oop), h.core.u32(oop + 4)
    return {"class_index": w0 & 0x3FFFFF, "format": (w0 >> 24) & 31,
            "hash": w1 & 0x3FFFFF, "marked": (w1 >> 23) & 1, "num_slots": w1 >> 24}


def array_index(h):
    return h.core.call("identity_hash", h.special(7))


def test_pointer_object_header_and_nil_slots(h):
    oop = h.keep(h.core.call("alloc", array_index(h), 2, 3))
    assert oop % 8 == 0 and oop >= h.core.global_value("heap_start")
    hd = header(h, oop)
    assert hd["class_index"] == array_index(h) and hd["format"] == 2 and hd["num_slots"] == 3
    assert hd["hash"] != 0 and hd["marked"] == 0
    assert [h.heap.slot(oop, i) for i in range(3)] == [h.nil] * 3
    assert h.core.call("num_slots", oop) == 3
    assert h.core.call("class_of", oop) == h.special(7)
    assert h.value(h.prim(62, oop)) == 3


def test_allocation_continues_at_heap_end_left_by_the_host(h):
    end = h.core.global_value("heap_end")
    assert h.core.call("free_bytes") == 0       # a fresh kernel heap has nothing on the lists
    oop = h.keep(h.core.call("alloc", array_index(h), 2, 1))
    assert oop == end
    assert h.core.global_value("heap_end") == end + 16   # 8 header + 8 (minimum body)


def test_large_objects_have_a_prefix_with_the_slot_count(h):
    for n in (254, 255, 256, 1000):
        oop = h.keep(h.core.call("alloc", array_index(h), 2, n))
        hd = header(h, oop)
        if n < 255:
            assert hd["num_slots"] == n
        else:
            assert hd["num_slots"] == 255
            assert h.core.u32(oop - 8) == n and h.core.u32(oop - 4) >> 24 == 0xFF
        assert h.core.call("num_slots", oop) == n
        assert h.heap.slot(oop, n - 1) == h.nil
    h.walk()     # the heap still parses chunk by chunk


@pytest.mark.parametrize("nbytes", [0, 1, 3, 4, 5, 8, 13, 1021, 1024, 1025])
def test_byte_objects_sizes_and_padding(h, nbytes):
    ba = h.core.call("identity_hash", h.special(26))
    oop = h.keep(h.core.call("alloc_bytes", ba, nbytes))
    hd = header(h, oop)
    slots = (nbytes + 3) // 4
    assert h.core.call("num_slots", oop) == slots
    assert hd["format"] == 16 + (4 * slots - nbytes)
    assert h.core.call("byte_size", oop) == nbytes
    assert h.value(h.prim(62, oop)) == nbytes
    assert h.core.read_bytes(oop + 8, 4 * slots) == bytes(4 * slots)


def test_compiled_methods_always_have_a_prefix(h):
    cm = h.core.call("identity_hash", h.special(16))
    oop = h.keep(h.core.call("alloc_bytes", cm, 10))
    hd = header(h, oop)
    assert hd["format"] == 24 + 2 and hd["num_slots"] == 255
    assert h.core.u32(oop - 8) == 3 and h.core.u32(oop - 4) == 0xFF000000   # info id 0
    h.walk()


def test_formats_from_instantiate(h):
    cases = {"Array": (5, 2, 5), "Point": (0, 1, 2), "Object": (0, 0, 0), "String": (6, 16 + 2, 2),
             "OrderedCollection": (0, 1, None)}
    for name, (size, fmt, slots) in cases.items():
        oop = h.keep(h.core.call("instantiate", h.cls(name), size))
        assert oop, name
        assert header(h, oop)["format"] == fmt, name
        if slots is not None:
            assert h.core.call("num_slots", oop) == slots, name
        assert h.core.call("class_of", oop) == h.cls(name)
    fl = h.keep(h.core.call("instantiate", h.special(9), 2))
    assert header(h, fl)["format"] == 10


def test_instantiate_refuses_bad_requests(h):
    assert h.core.call("instantiate", h.cls("Array"), -1) == 0
    assert h.core.call("instantiate", tag(3), 0) == 0
    assert h.core.call("alloc", array_index(h), 2, 1 << 30) == 0   # would wrap 32-bit sizes
    assert h.core.global_value("out_of_memory") == 1
    h.walk()
    assert h.vm.eval("(Array new: 3) size") == "3"


def test_huge_array_from_smalltalk_is_an_error_not_corruption(h):
    with pytest.raises(Exception) as e:
        h.vm.eval("Array new: 1073741823")
    assert "OutOfMemory" in str(e.value) or "memory" in str(e.value).lower()
    h.walk()
    assert h.vm.eval("(Array new: 2) size") == "2"


def test_identity_hashes_are_nonzero_distinct_enough_and_22_bits(h):
    hashes = set()
    for _ in range(3000):
        oop = h.core.call("alloc", array_index(h), 2, 0)
        hd = header(h, oop)
        assert 0 < hd["hash"] < (1 << 22)
        hashes.add(hd["hash"])
    assert len(hashes) > 2900
    assert h.core.global_value("last_hash") != 0


def test_hash_generator_continues_from_last_hash_set_by_the_host(h):
    h.core.set_global("last_hash", 12345)
    a = header(h, h.keep(h.core.call("alloc", array_index(h), 2, 0)))["hash"]
    h.core.set_global("last_hash", 12345)
    b = header(h, h.keep(h.core.call("alloc", array_index(h), 2, 0)))["hash"]
    assert a == b


def test_class_table_index_is_the_identity_hash(h):
    for i in range(16, 16384):
        cls = h.core.u32(0x10000 + 4 * i)
        if cls:
            assert h.core.call("identity_hash", cls) == i
    assert h.core.call("class_index", tag(5)) == 1
    assert h.core.call("class_index", (65 << 2) | 2) == 2
    assert h.core.call("class_of", tag(5)) == h.special(5)
    assert h.core.call("class_of", (65 << 2) | 2) == h.special(19)


def test_new_class_gets_a_fresh_index_once(h):
    # a class-shaped object made at run time: ensure_class_index enters it in the table
    cls = h.keep(h.core.call("instantiate", h.vm.heap.class_of(h.cls("Point")), 0))
    assert cls
    i = h.core.call("ensure_class_index", cls)
    assert i >= 16 and h.core.u32(0x10000 + 4 * i) == cls
    assert h.core.call("identity_hash", cls) == i
    assert h.core.call("ensure_class_index", cls) == i
    h.core.set_u32(0x10000 + 4 * i, 0)        # leave the table as the kernel had it


def test_free_chunks_are_reused_by_same_size_allocations(h):
    ai = array_index(h)
    anchor_before = [h.core.call("alloc", ai, 2, 1) for _ in range(100)]   # garbage
    anchor = h.keep(h.core.call("alloc", ai, 2, 1))                           # keeps the tail
    end = h.core.global_value("heap_end")
    h.core.call("gc")
    assert h.core.call("free_bytes") >= 100 * 16
    again = [h.core.call("alloc", ai, 2, 1) for _ in range(100)]
    assert h.core.global_value("heap_end") == end          # no bump: all from the free lists
    assert all(a < anchor for a in again)


def test_coalesced_free_space_serves_a_bigger_object(h):
    ai = array_index(h)
    first = h.core.call("alloc", ai, 2, 1)
    for _ in range(199):
        h.core.call("alloc", ai, 2, 1)           # 200 neighbouring 16-byte garbage chunks
    h.keep(h.core.call("alloc", ai, 2, 1))      # pins the end of the heap
    end = h.core.global_value("heap_end")
    h.core.call("gc")
    big = h.keep(h.core.call("alloc", ai, 2, 700))   # 2.8 KB: needs the joined chunks
    assert h.core.global_value("heap_end") == end
    assert big < end
    assert first <= big - 8 < first + 200 * 16
    h.walk()


def test_heap_used_and_peak_follow_allocation_and_collection(h):
    h.core.call("gc")
    used0 = h.core.call("heap_used")
    objs = [h.core.call("alloc", array_index(h), 2, 6) for _ in range(1000)]
    assert h.core.call("heap_used") == used0 + 1000 * 32
    assert h.core.call("peak_heap_used") >= used0 + 1000 * 32
    assert objs
    h.core.call("gc")
    assert h.core.call("heap_used") <= used0
    oops, free = h.walk()
    assert free == h.core.call("free_bytes")


def test_memory_grows_on_demand():
    h = Harness(VM.default(jit="off"))
    pages = h.core.memory.size(h.core.store)
    room = pages * PAGE - h.core.global_value("heap_end")
    n = room // (8 + 4 * 1000) + 100
    for _ in range(n):
        assert h.keep(h.core.call("alloc", array_index(h), 2, 1000))
    assert h.core.memory.size(h.core.store) > pages
    h.core.call("gc")
    assert h.core.call("heap_used") >= n * 4008
    h.close()


def test_heap_limit_makes_alloc_answer_zero_without_trapping():
    h = Harness(VM.default(jit="off"))
    limit = h.core.global_value("heap_end") + (2 << 20)          # heap_limit is a size
    h.core.set_global("heap_limit", limit - h.core.global_value("heap_start"))
    kept = 0
    while True:
        oop = h.core.call("alloc", array_index(h), 2, 250)   # about 1 KB each, all rooted
        if not oop:
            break
        h.keep(oop)
        kept += 1
        assert kept < 5000, "the limit was not enforced"
    assert kept > 1500
    assert h.core.global_value("heap_end") <= limit
    assert h.core.global_value("out_of_memory") == 1
    assert h.core.call("gc") >= 0                       # collecting is still fine
    h.close()                                           # drop the roots
    h.core.call("gc")
    assert h.core.call("alloc", array_index(h), 2, 250) != 0
    assert h.vm.eval("3 + 4") == "7"


def test_om_init_resets_the_heap():
    core = Core()
    core.call("om_init", 64 << 20)
    start = core.global_value("heap_start")
    assert core.global_value("heap_end") == start
    assert core.global_value("heap_limit") == 64 << 20
    assert core.call("heap_used") == 0 and core.call("free_bytes") == 0
