"""Validation machinery: runs in a sandbox leave no trace (heap, globals, statistics, output),
are bounded in time, and are described structurally; inputs come from the classes the inline
caches saw, including the activation that made a method hot."""
import pytest

from catalyst.frontend.compiler import compile_doit
from catalyst.llm import inputs as gen
from catalyst.llm.config import LLMConfig
from catalyst.llm.llm_pass import LLMOptimizer
from catalyst.llm.sandbox import Sandbox
from catalyst.vm.vm import VM


@pytest.fixture(scope="module")
def svm():
    return VM.default(jit="on", threshold=10 ** 9)


def doit(vm, source):
    cls = vm.heap.class_of(vm.nil)
    method = vm.method_object(compile_doit(source, vm.class_scope(cls)), cls)
    vm.core.call("handle_new", method)
    return method


def test_runs_leave_no_trace(svm, capfd):
    vm = svm
    probe = doit(vm, "Smalltalk at: #LLMProbe put: 42. Transcript show: 'from the sandbox'; cr. "
                     "^(Smalltalk at: #LLMProbe) + (Array new: 100000) size")
    before = vm.stats()
    heap_end = vm.core.global_value("heap_end")
    with Sandbox(vm) as sb:
        out = sb.run(vm.nil, probe)
        again = sb.run(vm.nil, probe)
    assert out.kind == "value" and "answer 100042" in out.text and "from the sandbox" in out.text
    assert again.text == out.text                      # the second run started from the same state
    assert "from the sandbox" not in capfd.readouterr().out
    assert vm.eval("Smalltalk at: #LLMProbe ifAbsent: ['absent']") == "'absent'"
    after = vm.stats()
    for k in ("interpreted_activations", "sends", "primitive_calls", "gc_count"):
        assert after[k] - before[k] < 200, k           # only the eval just above counted
    assert vm.core.global_value("heap_end") <= heap_end + 4096


def test_runaway_run_times_out_and_the_vm_stays_usable(svm):
    loop = doit(svm, "[true] whileTrue. ^1")
    with Sandbox(svm, seconds=0.1) as sb:
        out = sb.run(svm.nil, loop)
    assert out.kind == "timeout" and 0.09 < out.seconds < 1.0 and not out.usable
    assert svm.eval("3 + 4") == "7" and svm.eval("20 benchFib") == "21891"


@pytest.mark.parametrize("source,kind,text", [
    ("^nil llmNoSuchMessage", "error", "MessageNotUnderstood"),
    ("^1 / 0", "error", "ZeroDivide"),
    ("| b | b := [:x | (b value: x) + 1]. ^b value: 1", "halt", "stack overflow"),
    ("^Float nan + 1.0", "value", "Float:nan"),
    ("^Smalltalk", "value", "answer @"),                # an object that existed: its identity
    ("^Array with: 3 with: 'four' copy", "value", "answer new:Array(3 new:String:666f7572)"),
    ("^Array with: 3 with: 'four'", "value", "String:666f7572"),   # the literal: existed before
])
def test_outcomes_are_described(svm, source, kind, text):
    method = doit(svm, source)            # before the sandbox saves the state it restores
    with Sandbox(svm, seconds=5.0) as sb:
        out = sb.run(svm.nil, method)
    assert out.kind == kind and text in out.text, out


def test_inputs_for_integer_methods_cover_the_edges(svm):
    svm.eval("15 benchFib")
    m, fn = method_and_ir(svm, "Integer>>benchFib")
    cases = gen.generate(svm, m, fn, None, 40)
    try:
        labels = [c.label for c in cases.cases]
        for v in ("(0)", "(1073741823)", "(-1073741824)", "(1073741824)", "(-1073741825)"):
            assert any(label.startswith(v + " ") for label in labels), (v, labels)
        assert all(svm.core.call("lookup", svm.core.call("class_of", c.receiver),
                                 svm.symbol("benchFib")) == m.method_oop for c in cases.cases)
    finally:
        cases.release()


def test_inputs_follow_the_classes_of_the_method(svm):
    svm.file_in_text("!Float methodsFor: 'llm'!\nllmHalf\n\t^self / 2! !\n"
                     "!String methodsFor: 'llm'!\nllmTwice\n\t^self , self! !\n"
                     "Object subclass: #LLMThing\n\tinstanceVariableNames: 'a'\n\tclassVariableNames: ''\n"
                     "\tpoolDictionaries: ''\n\tcategory: 'LLM'!\n"
                     "!LLMThing methodsFor: 'llm'!\nbump: n\n\ta := (a ifNil: [0]) + n! !\n")
    labels = lambda name: labels_of(svm, name)   # noqa: E731
    floats = labels("Float>>llmHalf")
    assert {"(Float nan) llmHalf", "(Float infinity) llmHalf", "(-0.0) llmHalf"} <= set(floats)
    assert "('hello world') llmTwice" in labels("String>>llmTwice")
    things = labels("LLMThing>>bump:")
    assert things and all(label.startswith("(LLMThing new) bump: ") for label in things)
    assert any("(1073741823)" in label for label in things)   # default argument mix


def test_receivers_that_run_another_method_are_left_out(svm):
    svm.file_in_text("!Object methodsFor: 'llm'!\nllmWho\n\t^#object! !\n"
                     "!Number methodsFor: 'llm'!\nllmWho\n\t^#number! !\n")
    for label in labels_of(svm, "Object>>llmWho"):
        assert not label.split(")")[0].lstrip("(").lstrip("-").replace(".", "").isdigit(), label


def test_the_activation_that_made_the_method_hot_is_an_input(tmp_path):
    vm = VM.default(jit="on", threshold=20)
    vm.file_in_text("!Integer methodsFor: 'llm'!\nllmCap: aString\n\t| n |\n\tn := 0.\n"
                    "\taString do: [:c | n := n + 1].\n\t^self + n! !\n"
                    "!Integer methodsFor: 'llm'!\nllmLoop: aString\n\t| n |\n\tn := 0.\n"
                    "\t1 to: aString size do: [:i | n := n + (aString at: i) value].\n\t^self + n! !\n")
    opt = LLMOptimizer(vm.jit, LLMConfig("http://127.0.0.1:9/v1", "m", cache_dir=str(tmp_path)))
    vm.jit.llm = opt
    vm.evaluate("1 to: 30 do: [:k | 77 llmLoop: 'hello']")       # no between_runs: stays pending
    m = vm.lookup_method(vm.class_named("Integer"), "llmLoop:")
    assert m in opt.pending
    fn, wat, captured = opt.pending[m]
    rcv, args, _ = captured
    assert rcv == (77 << 1) | 1 and vm.heap.string_of(args[0]) == "hello"
    mi = vm.jit.method_input(m)
    cases = gen.generate(vm, mi, fn, captured[:2], 10)
    try:
        first = cases.cases[0]
        assert first.captured and first.label == "(77) llmLoop: (a String) (the activation that made the method hot)"
    finally:
        cases.release()


def method_and_ir(vm, name):
    cls, sel = name.split(">>")
    method = vm.lookup_method(vm.class_named(cls), sel)
    fn, _, _ = vm.jit.compile(method)
    return vm.jit.method_input(method), fn


def labels_of(vm, name):
    m, fn = method_and_ir(vm, name)
    cases = gen.generate(vm, m, fn, None, 40)
    try:
        return [c.label for c in cases.cases]
    finally:
        cases.release()
