"""The collector at the level of the core: which roots it honours (handles, $vmRoots, the
special objects, frames up to $sp and FRAME_SP), cyclic garbage, stable hashes, statistics,
and the mark stack's overflow path."""
import struct

import pytest

from catalyst.vm.vm import VM
from test_om_support import Harness, tag


@pytest.fixture
def h():
    harness = Harness(VM.default(jit="off"))
    harness.core.call("gc")
    yield harness
    harness.core.set_global("fp", 0)
    harness.core.set_global("sp", 0)
    harness.close()


def array(h, n=1):
    return h.core.call("alloc", h.core.call("identity_hash", h.special(7)), 2, n)


def put(h, arr, i, v):
    h.core.set_u32(arr + 8 + 4 * i, v)


def live_after_gc(h):
    h.core.call("gc")
    return set(h.walk()[0])


def test_unreferenced_cycles_are_reclaimed(h):
    used0 = h.core.call("heap_used")
    for _ in range(2000):
        a, b = array(h), array(h)
        put(h, a, 0, b)
        put(h, b, 0, a)
    assert h.core.call("heap_used") >= used0 + 2000 * 32
    freed = h.core.call("gc")
    assert freed >= 2000 * 32
    assert h.core.call("heap_used") <= used0


def test_handles_keep_a_cycle_and_what_it_reaches(h):
    a, b, c = array(h), array(h), array(h, 2)
    put(h, a, 0, b)
    put(h, b, 0, a)
    put(h, c, 0, tag(42))
    put(h, c, 1, a)
    handle = h.core.call("handle_new", c)
    live = live_after_gc(h)
    assert {a, b, c} <= live
    assert h.heap.slot(c, 0) == tag(42) and h.heap.slot(a, 0) == b and h.heap.slot(b, 0) == a
    h.core.call("handle_free", handle)
    live = live_after_gc(h)
    assert not ({a, b, c} & live)


def test_vm_roots_are_roots(h):
    roots = h.core.global_value("vm_roots")
    a = array(h)
    slot = roots + 4 * 200
    old = h.core.u32(slot)
    h.core.set_u32(slot, a)
    try:
        assert a in live_after_gc(h)
    finally:
        h.core.set_u32(slot, old)
    assert a not in live_after_gc(h)


def test_frames_are_roots_up_to_their_stack_tops(h):
    base = h.core.global_value("stack_base") + 0x20000
    below, above, method_obj, ctx_obj, caller_slot, caller_dead = (array(h) for _ in range(6))
    # caller frame: receiver + 1 slot live (FRAME_SP points at it), one slot above FRAME_SP dead
    caller = base
    caller_sp = caller + 32
    struct_words = [0, method_obj, 0, caller_sp, 0, 0, 0, tag(1), caller_slot, caller_dead]
    h.core.write_bytes(caller, struct.pack("<10I", *struct_words))
    # running frame: stack ends at $sp; a stale oop just above $sp must not count
    top = caller + 4 * 12
    h.core.write_bytes(top, struct.pack("<11I", caller, tag(0), 0, 0, ctx_obj, 0, 0,
                                        tag(2), tag(3), below, above))
    h.core.set_global("fp", top)
    h.core.set_global("sp", top + 36)
    live = live_after_gc(h)
    assert {below, method_obj, ctx_obj, caller_slot} <= live
    assert above not in live and caller_dead not in live
    h.core.set_global("fp", 0)
    live = live_after_gc(h)
    assert not ({below, method_obj, ctx_obj, caller_slot} & live)


def test_identity_hash_survives_collections_and_neighbours_dying(h):
    keep = h.keep(array(h))
    hash0 = h.core.call("identity_hash", keep)
    for _ in range(3):
        for _ in range(500):
            array(h, 3)
        h.core.call("gc")
        assert h.core.call("identity_hash", keep) == hash0
    assert h.vm.eval("| o h | o := Object new. h := o identityHash. "
                     "Smalltalk garbageCollect. 1 to: 10000 do: [:i | Array new: 2]. "
                     "Smalltalk garbageCollect. h = o identityHash") == "true"


def test_statistics_add_up(h):
    count0 = h.core.global_value("gc_count")
    freed0 = h.core.global_value("gc_bytes_freed")
    for _ in range(300):
        array(h, 5)
    freed = h.core.call("gc")
    assert h.core.global_value("gc_count") == count0 + 1
    assert h.core.global_value("gc_bytes_freed") == freed0 + freed
    assert freed >= 300 * 32
    oops, free = h.walk()
    assert h.core.call("heap_used") == h.core.global_value("heap_end") - \
        h.core.global_value("heap_start") - free


def test_allocation_threshold_triggers_a_collection(h):
    count0 = h.core.global_value("gc_count")
    h.core.set_global("gc_threshold", 64 * 1024)
    for _ in range(4000):                      # 64,000 bytes: not past the threshold yet
        array(h, 2)
    assert h.core.global_value("gc_count") == count0
    for _ in range(200):
        array(h, 2)
    assert h.core.global_value("gc_count") == count0 + 1
    # afterwards the threshold follows the live size, at least gc_min_threshold
    assert h.core.global_value("gc_threshold") == max(h.core.global_value("gc_min_threshold"),
                                                      h.core.global_value("gc_live_bytes"))
    assert h.core.global_value("allocated_since_gc") < 200 * 16


def test_mark_stack_overflow_still_marks_everything():
    # 1.7 million children of one Array overflow the 1.5-million-entry mark stack
    vm = VM.default(jit="off")
    n = 1_700_000
    assert vm.eval(f"| a sum | a := Array new: {n}. 1 to: a size do: [:i | a at: i put: (Array with: i)]. "
                   "Smalltalk garbageCollect. "
                   "1 to: 200000 do: [:i | Array with: 0 with: 0 with: 0]. "
                   "sum := 0. a do: [:x | sum := sum + (x at: 1)]. sum") == str(n * (n + 1) // 2)


def test_dead_compiled_methods_release_their_info_records(h):
    from catalyst.frontend.compiler import compile_doit
    vm = h.vm
    spec = compile_doit("3 + 4", vm.class_scope(vm.heap.class_of(h.nil)))
    m = vm.method_object(spec, vm.heap.class_of(h.nil))
    assert h.value(vm.run_method(h.nil, m)) == 7
    info = h.core.u32(m - 4) & 0xFFFFFF
    assert info != 0                                  # running it made an info record
    handle = h.core.call("handle_new", m)
    h.core.call("gc")
    assert h.core.u32(m - 4) & 0xFFFFFF == info      # alive: kept
    assert h.core.global_value("info_free") != info
    h.core.call("handle_free", handle)
    h.core.call("gc")
    assert h.core.global_value("info_free") == info   # dead: its record went back to INTERP


def test_handles_reject_bad_indices(h):
    assert h.core.call("handle_get", 0) == 0
    assert h.core.call("handle_get", 1 << 30) == 0
    h.core.call("handle_free", 0)                     # ignored, no trap
    h.core.call("handle_free", 1 << 30)
    i = h.core.call("handle_new", h.nil)
    assert i > 0 and h.core.call("handle_get", i) == h.nil
    h.core.call("handle_free", i)
    assert h.core.call("handle_get", i) == 0


def test_alloc_rejects_bad_class_indices_and_formats(h):
    end = h.core.global_value("heap_end")
    assert h.core.call("alloc", 0, 1, 1) == 0
    assert h.core.call("alloc", 1 << 22, 1, 1) == 0
    assert h.core.call("alloc", 20, 32, 1) == 0
    assert h.core.global_value("heap_end") == end
