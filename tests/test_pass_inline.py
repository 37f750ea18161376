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


FIB = """!Integer methodsFor: 't'!
leafFib
	^self < 2 ifTrue: [1] ifFalse: [(self - 1) leafFib + (self - 2) leafFib + 1]!
leafEarly
	self <= 0 ifTrue: [^7].
	^(self - 1) leafEarly + 1! !
!In methodsFor: 't'!
leafArg: x
	^x < 2 ifTrue: [1] ifFalse: [2]!
callLeafArg: x
	^(self leafArg: x) + 1! !
"""


def frames_after_compare(fn) -> list[bool]:
    """For each inlined frame: is it made only after a comparison decided it is needed (its
    block's only way in is a branch on an int_op comparison)?"""
    defs = {i.result: i for i in fn.instructions() if i.result}
    out = []
    for lab, b in fn.blocks.items():
        if any(i.op == "frame_push" for i in b.instrs):
            preds = list(fn.cfg.predecessors(lab))
            br = fn.blocks[preds[0]].instrs[-1] if len(preds) == 1 else None
            test = defs.get(br.args[0]) if br is not None and br.op == "branch" else None
            out.append(test is not None and test.op == "int_op" and test.attrs["kind"] in ("lt", "le"))
    return out


@pytest.mark.parametrize("selector,expected", [("leafFib", [1, 1, 3, 5, 9, 15, 25, 41, 67, 109, 177, 287, 465, 753]),
                                               ("leafEarly", [7 + n for n in range(14)])])
def test_the_leaf_case_of_a_small_integer_callee_needs_no_frame(selector, expected):
    """The callee's first comparison has SmallInteger operands (its receiver passed the
    inlining guard, the other a literal) and one way leads to a constant answer: the inlined
    frame is made only on the other way, and the answers are those of the interpreter."""
    vm = make()
    vm.file_in_text(FIB)
    plain = make("off")
    plain.file_in_text(FIB)
    warm(vm, f"12 {selector}")
    m = vm.lookup_method(vm.class_named("Integer"), selector)
    fn, _, _ = vm.jit.compile(m)
    verify(fn)
    placed = frames_after_compare(fn)
    assert placed and all(placed)
    before = vm.stats()["translated_activations"]
    answers = [int(vm.eval(f"{n} {selector}")) for n in range(14)]
    assert answers == expected == [int(plain.eval(f"{n} {selector}")) for n in range(14)]
    assert vm.stats()["translated_activations"] > before
    # receivers the guard does not take, and an overflow in the framed part
    for expr in (f"(2 raisedTo: 40) {selector} class", f"3.5 {selector}" if selector == "leafFib" else "-3 leafEarly"):
        try:
            want = plain.eval(expr)
        except SmalltalkError as e:
            want = ("error", str(e).split(":")[0])
        try:
            got = vm.eval(expr)
        except SmalltalkError as e:
            got = ("error", str(e).split(":")[0])
        assert got == want


def test_a_comparison_of_an_unknown_argument_keeps_the_frame_first():
    """The argument may be anything (its comparison may send): no sinking."""
    vm = make()
    vm.file_in_text(FIB)
    warm(vm, "In new callLeafArg: 5")
    fn, _, _ = vm.jit.compile(vm.lookup_method(vm.class_named("In"), "callLeafArg:"))
    assert frames_after_compare(fn) == [False]
    assert [vm.eval(f"In new callLeafArg: {x}") for x in ("1", "5", "1.5", "(2 raisedTo: 40)")] == ["2", "3", "2", "3"]


def test_a_caller_translated_again_after_a_redefinition_inlines_the_new_callee():
    """Optimized callee bodies are shared between the translations that inline them until
    code changes: after `inner:` is redefined, a new translation of `outer:` must not reuse
    the body of `middle:` that had the old `inner:` inlined."""
    vm = make()
    vm.file_in_text("!In methodsFor: 't'!\nouter: x\n\t^(self middle: x) + 1!\n"
                    "middle: x\n\t^(self inner: x) * 2!\ninner: x\n\t^x + 1! !\n")
    warm(vm, "In new outer: 4")
    assert vm.eval("In new outer: 4") == "11"
    vm.file_in_text("!In methodsFor: 't'!\ninner: x\n\t^x + 100! !\n")
    warm(vm, "In new outer: 4")
    m = vm.lookup_method(vm.class_named("In"), "outer:")
    assert vm.core.call("method_jit_index", m), "outer: is translated again"
    before = vm.stats()["translated_activations"]
    assert vm.eval("In new outer: 5") == "211"
    assert vm.stats()["translated_activations"] > before


def test_direct_calls_left_by_inlining_make_the_callee_s_leaf_test_first():
    """peel-leaf: the recursive sends at the inlining depth limit answer the constant without
    a call when the callee's first comparison says so; otherwise they call."""
    from catalyst.passes import peel_leaf
    vm, plain = make(), make("off")
    for v in (vm, plain):
        v.file_in_text(FIB)
    warm(vm, "12 leafFib")
    fn, _, _ = vm.jit.compile(vm.lookup_method(vm.class_named("Integer"), "leafFib"))
    verify(fn)
    peeled = [i for i in fn.instructions() if i.op == "send" and i.attrs.get("peeled")]
    assert peeled
    for site in peeled:                # each sits behind a comparison that may answer 1 instead
        (lab,) = [l for l, b in fn.blocks.items() if site in b.instrs]
        preds = list(fn.cfg.predecessors(lab))
        tests = [fn.blocks[p].instrs[-2] for p in preds if len(fn.blocks[p].instrs) > 1]
        assert any(t.op == "int_op" and t.attrs["kind"] == "lt" for t in tests)
    before = vm.stats()
    assert [vm.eval(f"{n} leafFib") for n in range(16)] == [plain.eval(f"{n} leafFib") for n in range(16)]
    after = vm.stats()
    assert after["translated_activations"] > before["translated_activations"]
    assert vm.eval("25 leafFib") == plain.eval("25 leafFib")
    for expr in ("((2 raisedTo: 40) - (2 raisedTo: 40) + 6) leafFib", "-3 leafFib", "0 leafEarly"):
        assert vm.eval(expr) == plain.eval(expr)
    # the pass on a function with no such call changes nothing
    fn2, _, _ = vm.jit.compile(vm.lookup_method(vm.class_named("In"), "twice:"))
    assert not peel_leaf.run(fn2)


def test_a_peeled_leaf_follows_a_redefinition():
    vm = make()
    vm.file_in_text(FIB)
    warm(vm, "12 leafFib")
    vm.file_in_text("!Integer methodsFor: 't'!\nleafFib\n\t^self < 2 ifTrue: [100] ifFalse: [(self - 1) leafFib + (self - 2) leafFib]! !\n")
    warm(vm, "12 leafFib")
    plain = make("off")
    plain.file_in_text(FIB)
    plain.file_in_text("!Integer methodsFor: 't'!\nleafFib\n\t^self < 2 ifTrue: [100] ifFalse: [(self - 1) leafFib + (self - 2) leafFib]! !\n")
    assert vm.eval("14 leafFib") == plain.eval("14 leafFib")
