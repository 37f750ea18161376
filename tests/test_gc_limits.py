"""The collector at the heap limit and its remaining roots: running out of memory is an
OutOfMemory error a Smalltalk program can catch (or, when not even that fits, a clear halt),
after which the garbage is reclaimed and the VM works; the special objects array and the class
table are roots; memory grows on demand while the program's working set grows."""
import pytest

from catalyst.vm.vm import VM, SmalltalkError
from test_om_support import Harness

LIMIT = 20 << 20          # heap_limit: the bytes the heap may take


@pytest.fixture
def small():
    return VM.default(jit="off", heap_limit=LIMIT)


def used(vm):
    return vm.core.call("heap_used")


def test_out_of_memory_is_catchable_and_the_vm_goes_on(small):
    out = small.eval("| all | all := OrderedCollection new. "
                     "[[true] whileTrue: [all add: (Array new: 100000)]] "
                     "on: OutOfMemory do: [:e | e messageText]")
    assert out.startswith("'cannot make 100000 indexable slots for Array")
    small.eval("Smalltalk garbageCollect")
    assert used(small) < 4 << 20                       # the collection held by `all` is gone
    assert small.eval("(Array new: 2000000) size") == "2000000"   # 8 MB fit again
    assert small.eval("(1 to: 100) inject: 0 into: [:a :b | a + b]") == "5050"


def test_filling_the_heap_with_small_objects_fails_cleanly(small):
    # every allocation is small: the failure may come from any allocation site (a primitive,
    # a context, a closure); it must be a Smalltalk error or the out-of-memory halt, no trap
    with pytest.raises(SmalltalkError) as e:
        small.eval("| head | head := nil. [true] whileTrue: [head := Array with: head with: 0 with: 1]")
    assert "OutOfMemory" in e.value.text or e.value.code == 3
    small.eval("Smalltalk garbageCollect")
    assert used(small) < 4 << 20
    assert small.eval("(1 to: 200000) inject: 0 into: [:a :b | a + b]") == "20000100000"


def test_the_limit_is_the_size_of_the_heap(small):
    core = small.core
    assert core.global_value("heap_limit") == LIMIT
    left = small.heap.int_of(small.evaluate("Smalltalk bytesLeft"))
    assert left == core.global_value("heap_start") + LIMIT - core.global_value("heap_end")
    assert 0 < left < LIMIT


def test_memory_grows_with_the_working_set_and_is_reused():
    vm = VM.default(jit="off")
    pages0 = vm.core.memory.size(vm.core.store)
    vm.evaluate("Smalltalk at: #GcKeep put: ((1 to: 60) collect: [:i | Array new: 100000])")  # 24 MB live
    pages1 = vm.core.memory.size(vm.core.store)
    assert pages1 > pages0 and vm.core.global_value("heap_end") - vm.core.global_value("heap_start") > 23 << 20
    vm.eval("Smalltalk at: #GcKeep put: nil. Smalltalk garbageCollect")
    # the same again and again: freed chunks are reused, so memory stops growing (a round's
    # garbage lives until the next round's first collection, hence the first rounds' growth)
    sizes = []
    for _ in range(6):
        vm.eval("| a | a := (1 to: 60) collect: [:i | Array new: 100000]. a := nil")
        sizes.append(vm.core.memory.size(vm.core.store))
    assert sizes[2:] == [sizes[2]] * 4


def test_the_special_objects_array_is_a_root():
    h = Harness()
    specials = h.special(0) and h.core.global_value("special_objects")
    slot = 14                                            # the display: nil in Catalyst
    assert h.heap.slot(specials, slot) == h.nil
    arr = h.core.call("instantiate", h.special(7), 3)
    h.core.set_u32(specials + 8 + 4 * slot, arr)
    try:
        h.core.call("gc")
        assert arr in set(h.walk()[0])
    finally:
        h.core.set_u32(specials + 8 + 4 * slot, h.nil)
    h.core.call("gc")
    assert arr not in set(h.walk()[0])
    h.close()


def test_the_class_table_is_a_root():
    vm = VM.default(jit="off")
    vm.file_in_text("Object subclass: #GcOrphan instanceVariableNames: 'a' classVariableNames: '' "
                    "poolDictionaries: '' category: 'T'!\n")
    cls = vm.class_named("GcOrphan")
    index = vm.core.call("ensure_class_index", cls)
    vm.eval("Smalltalk removeKey: #GcOrphan. Smalltalk garbageCollect")
    assert vm.core.u32(0x10000 + 4 * index) == cls      # still in the table, still an object
    assert vm.heap.class_name(cls) == "GcOrphan"
    h = Harness(vm)
    obj = h.keep(vm.core.call("instantiate", cls, 0))
    assert vm.heap.class_of(obj) == cls
    h.close()


def test_frames_temps_and_operand_stacks_are_roots():
    vm = VM.default(jit="off")
    vm.file_in_text("""Object subclass: #GcDeep instanceVariableNames: '' classVariableNames: ''
	poolDictionaries: '' category: 'T'!
!GcDeep methodsFor: 't'!
hold: n
	| mine |
	mine := Array with: n with: n printString.
	n = 0 ifTrue: [Smalltalk garbageCollect. 1 to: 30000 do: [:i | Array new: 8]. Smalltalk garbageCollect]
		ifFalse: [self hold: n - 1].
	^(mine at: 1) = n and: [(mine at: 2) = n printString]!
chain: n
	^n = 0 ifTrue: [0] ifFalse: [(self hold: 0) ifTrue: [1 + (self chain: n - 1)] ifFalse: [-1000]]! !
""")
    # every frame's temp survives collections made in the frames above it
    assert vm.eval("GcDeep new hold: 500") == "true"
    # values on operand stacks (the first elements of the brace arrays) survive too
    assert vm.eval("{(1 to: 5) asArray. Smalltalk garbageCollect. (1 to: 20000) collect: [:i | i printString]. "
                   "Smalltalk garbageCollect} first") == "#(1 2 3 4 5)"
    assert vm.eval("GcDeep new chain: 20") == "20"
