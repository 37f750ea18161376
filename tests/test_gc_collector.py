"""The collector: cyclic garbage is reclaimed, identity hashes survive collections, the heap
limit is a Smalltalk-level error, not a trap."""
from catalyst.vm.vm import VM, SmalltalkError


def test_cyclic_garbage_is_reclaimed():
    vm = VM.default(jit="off")
    before = vm.core.global_value("gc_count")
    vm.eval("1 to: 1500000 do: [:i | | a b | a := Array new: 1. b := Array new: 1. "
            "a at: 1 put: b. b at: 1 put: a]")
    assert vm.core.global_value("gc_count") > before
    used = vm.core.global_value("heap_end") - vm.core.global_value("heap_start")
    assert used < 40 << 20     # 3 million 16-byte objects (48 MB) would not fit without collecting


def test_identity_hash_is_stable_across_collections():
    vm = VM.default(jit="off")
    assert vm.eval("| o h | o := Object new. h := o identityHash. Smalltalk garbageCollect. "
                   "h = o identityHash") == "true"


def test_live_objects_survive(fresh_vm):
    assert fresh_vm.eval("| keep | keep := (1 to: 1000) asOrderedCollection. "
                         "1 to: 200000 do: [:i | Array new: 3]. Smalltalk garbageCollect. "
                         "keep inject: 0 into: [:a :b | a + b]") == "500500"


def test_heap_limit_is_a_smalltalk_error():
    vm = VM.default(jit="off", heap_limit=96 << 20)
    try:
        vm.eval("| all | all := OrderedCollection new. [true] whileTrue: [all add: (Array new: 100000)]")
        raise AssertionError("expected an out-of-memory error")
    except SmalltalkError as e:
        assert "OutOfMemory" in e.text
    vm.eval("Smalltalk garbageCollect")
    assert vm.eval("3 + 4") == "7"
