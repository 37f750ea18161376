"""inline: small monomorphic callees run inside their caller's translation, with a real frame of
their own: results, errors and their stacks, collections, non-local returns and redefinitions
are the same as interpreted."""
import pytest

from catalyst.ir.ir import print_function
from catalyst.ir.verify import verify
from catalyst.vm.vm import VM, SmalltalkError

SOURCE = """Object subclass: #In
	instanceVariableNames: 'k'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Tests'!

!In methodsFor: 't'!
twice: y
	| t |
	t := y * 2.
	^t + k!
caller: x
	^(self twice: x) + 1!
test: y
	^y ifTrue: [1] ifFalse: [2]!
callTest: x
	^(self test: x) + 10!
fail: y
	^y frobnicate!
callFail: x
	^(self fail: x) + 1!
garbage: n
	| a |
	1 to: n do: [:i | a := Array new: 100].
	^a size!
callGarbage: n
	^(self garbage: n) + n!
each: aBlock
	^aBlock value + 1!
findIn: n
	n timesRepeat: [self each: [^#found]].
	^#none!
setK: v
	k := v! !
"""


def make(mode="on", threshold=5):
    vm = VM.default(jit=mode, threshold=threshold)
    vm.file_in_text(SOURCE)
    vm.eval("In new setK: 0")
    return vm


def warm(vm, expr, times=20):
    for _ in range(times):
        vm.eval(expr)


def ir_of(vm, selector):
    m = vm.lookup_method(vm.class_named("In"), selector)
    fn, _, _ = vm.jit.compile(m)
    verify(fn)
    return print_function(fn)


def test_a_small_callee_is_inlined_and_gives_the_same_answer():
    vm = make()
    warm(vm, "(In new setK: 3; yourself) caller: 4")
    text = ir_of(vm, "caller:")
    assert "frame_push" in text and "frame_pop" in text and "is_class" in text
    before = vm.stats()["translated_activations"]
    assert vm.eval("(In new setK: 3; yourself) caller: 20") == "44"
    assert vm.stats()["translated_activations"] > before


def test_the_slow_path_takes_other_receivers():
    vm = make()
    warm(vm, "(In new setK: 3; yourself) caller: 4")
    # a LargeInteger argument: the inlined arithmetic takes its full sends
    assert vm.eval("(In new setK: 3; yourself) caller: 1073741823") == "2147483650"


def test_deoptimizing_inside_inlined_code_finishes_in_the_interpreter():
    interp, jit = make("off"), make()
    warm(jit, "In new callTest: true")
    assert "frame_push" in ir_of(jit, "callTest:")
    for vm in (interp, jit):
        with pytest.raises(SmalltalkError) as e:
            vm.eval("In new callTest: 3")
        if vm is interp:
            expected = e.value.text
    assert e.value.text == expected
    assert jit.stats()["bailouts"] > 0
    # and the translation still answers correctly afterwards
    assert jit.eval("In new callTest: false") == "12"


def test_errors_in_inlined_code_show_the_inlined_frame():
    interp, jit = make("off"), make()
    warm(jit, "In new callFail: 2", times=0)
    warm(jit, "[In new callFail: 2] on: MessageNotUnderstood do: [:e | e return: 0]")
    texts = []
    for vm in (interp, jit):
        with pytest.raises(SmalltalkError) as e:
            vm.eval("In new callFail: 2")
        texts.append(e.value.stack)
    assert texts[0] == texts[1]
    assert any("In>>fail:" in line for line in texts[1])


def test_collections_during_inlined_code_keep_everything_alive():
    vm = make()
    warm(vm, "In new callGarbage: 10")
    assert "frame_push" in ir_of(vm, "callGarbage:")
    gcs = vm.stats()["gc_count"]
    assert vm.eval("In new callGarbage: 60000") == "60100"
    assert vm.stats()["gc_count"] > gcs


def test_a_non_local_return_passes_through_inlined_frames():
    vm = make()
    warm(vm, "In new findIn: 3")
    assert vm.eval("In new findIn: 5") == "#found"
    assert vm.eval("In new findIn: 0") == "#none"


def test_redefining_an_inlined_callee_is_seen():
    vm = make()
    warm(vm, "(In new setK: 3; yourself) caller: 4")
    assert "frame_push" in ir_of(vm, "caller:")
    vm.file_in_text("!In methodsFor: 't'!\ntwice: y\n\t^y * 3! !\n")
    assert vm.eval("(In new setK: 3; yourself) caller: 4") == "13"
    assert vm.stats()["translations_invalidated"] > 0
