"""Frames and thisContext: contexts materialized from frames answer their frame's sender, pc,
method, receiver and temps while it runs and stay valid objects after it returns (sender and pc
nil, temps kept, as a returned Squeak context); block contexts; deep recursion of 100,000 frames
works and deeper recursion fails with an error the host reports, leaving the VM usable; a WASM
trap becomes a VMTrap naming the Smalltalk method and pc; VMs in one process are independent."""
import pytest

from catalyst.vm.core import VMTrap
from catalyst.vm.vm import VM, SmalltalkError
from test_bytecodes_support import RET_TOP, BytecodeVM, Case, ext_store, push_lit

SOURCE = """Object subclass: #FcTest
	instanceVariableNames: 'saved'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'FrameTests'!

!FcTest methodsFor: 'tests'!
saved ^saved!
temps: x
	| y z |
	y := x * 2. z := #(1 2 3).
	saved := thisContext.
	^y!
caller ^self callee!
callee ^thisContext!
senderOfCallee ^self calleeSender!
calleeSender ^thisContext sender!
pcs
	| a b |
	a := thisContext pc.
	b := thisContext pc.
	^{a. b}!
blockContext: x
	^[:y | | t | t := x + y. thisContext] value: 10!
homeOfBlock
	^[thisContext home] value!
deep: n ^n = 0 ifTrue: [0] ifFalse: [1 + (self deep: n - 1)]!
deepContexts: n
	thisContext.
	^n = 0 ifTrue: [0] ifFalse: [1 + (self deepContexts: n - 1)]!
deepest: n ^n = 0 ifTrue: [0] ifFalse: [1 + (self deepest: n + 1)]!
senders
	| c n |
	c := thisContext. n := 0.
	[c notNil] whileTrue: [n := n + 1. c := c sender].
	^n!
viaThree ^self viaTwo!
viaTwo ^self viaOne!
viaOne ^self senders! !
"""


@pytest.fixture(scope="module")
def vm():
    vm = VM.default(jit="off")
    vm.file_in_text(SOURCE, "frames.st")
    return vm


def test_a_live_context_answers_its_frame(vm):
    assert vm.eval("FcTest new senderOfCallee method selector") == "#senderOfCallee"
    assert vm.eval("FcTest new senderOfCallee receiver class") == "FcTest"
    assert vm.eval("| p | p := FcTest new pcs. (p at: 2) > (p at: 1)") == "true"
    assert vm.eval("thisContext method selector") == "#DoIt"
    assert vm.eval("thisContext receiver") == "nil"
    assert vm.eval("FcTest new viaThree - FcTest new senders") == "3"


def test_a_context_stays_valid_after_its_frame_returns(vm):
    assert vm.eval("| t c | t := FcTest new. t temps: 21. c := t saved. "
                   "{c sender. c pc. c method selector. c receiver == t. c tempAt: 1. c tempAt: 2. "
                   "c tempAt: 3. c isDead}") == "#(nil nil #temps: true 21 42 #(1 2 3) true)"
    # and after collections, and once its sender (also returned) is reached through it
    assert vm.eval("| t c | t := FcTest new. t temps: 5. c := t saved. Smalltalk garbageCollect. "
                   "1 to: 20000 do: [:i | Array new: 4]. Smalltalk garbageCollect. "
                   "{c method selector. c tempAt: 1. c tempAt: 2}") == "#(#temps: 5 10)"
    assert vm.eval("| s | s := FcTest new caller. s := s sender. {s isNil}") == "#(true)"


def test_a_returned_senders_context_keeps_its_method_and_receiver(vm):
    # the caller's context is made while both run; after both return it still names them
    assert vm.eval("| t s | t := FcTest new. s := t senderOfCallee. "
                   "{s method selector. s receiver == t. s isDead}") == "#(#senderOfCallee true true)"


def test_block_contexts(vm):
    assert vm.eval("| c | c := FcTest new blockContext: 5. "
                   "{c isBlockContext. c home method selector. c tempAt: 1. c tempAt: 3. c closure numArgs}") \
        == "#(true #blockContext: 10 15 1)"
    assert vm.eval("FcTest new homeOfBlock method selector") == "#homeOfBlock"


def test_temps_of_a_live_context_are_its_frames(vm):
    assert vm.eval("| a b | a := 1. thisContext tempAt: 2 put: 7. {a. b. thisContext tempAt: 1}") == "#(1 7 1)"


def test_deep_recursion_of_100000_frames_works(vm):
    assert vm.eval("FcTest new deep: 100000") == "100000"
    assert vm.eval("FcTest new deepContexts: 100000") == "100000"   # a context in every frame


@pytest.mark.slow       # (test_interp_vm.py runs the same without the stack's check by default)
def test_recursion_past_the_stack_fails_cleanly_and_the_vm_stays_usable(vm):
    with pytest.raises(SmalltalkError) as e:
        vm.eval("FcTest new deepest: 1")
    assert e.value.code == 4 and "stack overflow" in e.value.text
    assert "FcTest>>deepest:" in e.value.stack[0]
    assert vm.eval("FcTest new deep: 1000") == "1000"


def test_a_trap_names_the_method_and_pc_and_the_vm_recovers():
    # a store into a literal variable whose literal is not an Association: the store goes to
    # an address past the end of memory, and wasmtime traps
    bvm = BytecodeVM()
    case = Case("store through a bad literal", push_lit(0) + ext_store(3, 1) + [RET_TOP], "",
                literals=(5, 0x3FFFFFF0), expr="BcTest new {send}")
    selector = bvm.install(case)
    with pytest.raises(VMTrap) as e:
        bvm.vm.eval(f"BcTest new {selector}")
    assert "trap" in str(e.value).lower()
    assert e.value.where == f"BcTest>>{selector} (pc 13)" or \
        e.value.where.startswith(f"BcTest>>{selector} (pc ")
    assert any(selector in frame for frame in e.value.stack)
    assert bvm.vm.eval("3 + 4") == "7"                      # the VM works on
    assert bvm.vm.eval("(1 to: 10) inject: 0 into: [:a :b | a + b]") == "55"


def test_vms_in_one_process_are_independent():
    a, b = VM.default(jit="off"), VM.default(jit="off")
    for vm in (a, b):
        vm.file_in_text(SOURCE, "frames.st")
    sends_b = b.stats()["sends"]
    gcs_b = b.core.global_value("gc_count")
    m = a.lookup_method(a.class_named("FcTest"), "deep:")
    assert m == b.lookup_method(b.class_named("FcTest"), "deep:")      # same address, two memories
    assert a.eval("FcTest new deep: 500") == "500"
    a.eval("Smalltalk garbageCollect")
    assert a.core.call("method_counter", m) > 500
    assert b.core.call("method_counter", m) == 0
    assert b.stats()["sends"] == sends_b and b.core.global_value("gc_count") == gcs_b
    a.eval("Smalltalk at: #FcProbe put: 1")
    assert b.eval("Smalltalk includesKey: #FcProbe") == "false"
    a.core.call("method_install", m, 7)                                 # a's table entry only
    assert a.core.call("method_jit_index", m) == 7 and b.core.call("method_jit_index", m) == 0
    a.core.call("method_uninstall", m)
    assert b.eval("FcTest new deep: 10") == "10"
