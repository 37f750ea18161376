"""The translation pipeline: IR text round trip, verifier after every pass, lowering that runs,
installation, and translated code that really runs (stats) and agrees with the interpreter."""
import pytest

from catalyst.ir.ir import parse_function, print_function
from catalyst.ir.verify import VerifyError, verify
from catalyst.passes import registry
from catalyst.passes.lift import lift
from catalyst.passes.manager import PassManager
from catalyst.vm.vm import VM


@pytest.fixture(scope="module")
def jvm():
    return VM.default(jit="on", threshold=1000000)


def method(vm, cls, sel):
    return vm.lookup_method(vm.class_named(cls), sel)


def test_ir_prints_and_parses_back(jvm):
    fn = lift(jvm.jit.method_input(method(jvm, "Integer", "benchFib")))
    text = print_function(fn)
    assert print_function(parse_function(text)) == text
    verify(parse_function(text))


@pytest.mark.parametrize("cls,sel", [("Integer", "benchFib"), ("Integer", "benchmark"),
                                     ("Integer", "gcd:"), ("OrderedCollection", "addLast:"),
                                     ("Integer", "factorial")])
def test_verifier_holds_after_every_pass(jvm, cls, sel):
    m = method(jvm, cls, sel)
    fn = lift(jvm.jit.method_input(m))
    fn.annotations["feedback_source"] = jvm.jit.feedback(m)
    PassManager(registry.DEFAULT_PIPELINE, verify_each=True).run(fn)


def test_verifier_catches_a_use_before_definition():
    text = "function X>>y args=0 temps=0\nb0: ; preds:\n  v2 = self\n  ret v1\n"
    with pytest.raises(VerifyError, match="v1"):
        verify(parse_function(text))


def test_smallint_pass_turns_arithmetic_into_guarded_ops(jvm):
    fn = lift(jvm.jit.method_input(method(jvm, "Integer", "benchFib")))
    before = print_function(fn)
    PassManager(("smallint",)).run(fn)
    after = print_function(fn)
    assert "send #+" in before and "int_op #+" in after and "send #benchFib" in after


def test_constant_fold_folds_constant_arithmetic(jvm):
    text = ("function X>>y args=0 temps=0\nb0: ; preds:\n  v1 = const 7\n  v2 = const 9\n"
            "  v3 = int_op #+ v1 v2 kind=add live=[] nargs=1 pc=20 site=19 special=0\n  ret v3\n")
    fn = parse_function(text)
    PassManager(("constant-fold", "dce")).run(fn)
    assert print_function(fn).splitlines()[2:] == ["  v3 = const 15", "  ret v3"]


def test_translated_code_runs_and_agrees(jvm):
    jit = jvm.jit
    for cls, sel in [("Integer", "benchFib"), ("Integer", "benchmark")]:
        assert jit.translate(method(jvm, cls, sel)), jit.failures[-1:]
    before = jvm.core.call("translated_activations")
    assert jvm.eval("22 benchFib") == "57313"
    assert jvm.eval("2 benchmark") == "1028"
    assert jvm.core.call("translated_activations") - before > 50000


def test_guard_failure_deoptimizes_to_the_interpreter():
    vm = VM.default(jit="on", threshold=1000000)
    vm.file_in_text("""Object subclass: #Deopt
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Tests'!

!Deopt methodsFor: 't'!
test: x
	^x ifTrue: [1] ifFalse: [2]! !
""")
    m = method(vm, "Deopt", "test:")
    assert vm.jit.translate(m)
    assert vm.eval("Deopt new test: true") == "1"
    before = vm.core.global_value("stat_bailouts")
    assert vm.eval("[Deopt new test: 3] on: NonBooleanReceiver do: [:e | e messageText]") == "'proceed for truth'"
    assert vm.core.global_value("stat_bailouts") == before + 1


def test_failures_are_recorded_with_phase_and_reason(jvm):
    jvm.file_in_text("!Object methodsFor: 'tests'!\nbadBytecode\n\t^1! !\n")
    m = method(jvm, "Object", "badBytecode")
    m_input = jvm.jit.method_input(m)
    start = m + 8 + 4 * (1 + len(m_input.literals))        # first bytecode (ABI.md section 5)
    jvm.core.write_bytes(start, bytes([126]))              # not a bytecode of the set
    assert not jvm.jit.translate(m)
    rec = jvm.jit.failures[-1]
    assert rec["phase"] == "lift" and "bytecode 126" in rec["error"]
    assert rec["fallback"] == "interpreter" and rec["bytecodes"]


def test_always_mode_translates_before_first_activation():
    vm = VM.default(jit="always")
    assert vm.eval("(1 to: 20) inject: 0 into: [:a :b | a + b]") == "210"
    s = vm.stats()
    # every method whose code ran was translated first (primitives that succeed run no code)
    assert s["methods_translated"] >= 8 and s["translated_activations"] >= s["methods_translated"]


DEEP = """Object subclass: #Deep
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Tests'!

!Deep methodsFor: 't'!
deep: n
	^n = 0 ifTrue: [0] ifFalse: [1 + (self deep: n - 1)]!
viaPerform: n
	^n = 0 ifTrue: [0] ifFalse: [1 + (self perform: #viaPerform: with: n - 1)]!
mixed: n
	"direct calls, and every 300th level a send through the core (perform:)"
	n = 0 ifTrue: [^0].
	^(n rem: 300) = 0
		ifTrue: [1 + (self perform: #mixed: with: n - 1)]
		ifFalse: [1 + (self mixed: n - 1)]! !
"""


def test_deep_translated_recursion_does_not_exhaust_the_native_stack():
    vm = VM.default(jit="always")
    vm.file_in_text(DEEP)
    assert vm.eval("Deep new deep: 100000") == "100000"
    # sends through the core (a nested run per level) and direct calls between them: the core
    # counts the directly called activations when translated code calls it
    assert vm.eval("Deep new viaPerform: 20000") == "20000"
    # translated with its inline caches filled, mixed: calls itself directly 299 times in 300
    on = VM.default(jit="on", threshold=5)
    on.file_in_text(DEEP)
    for _ in range(3):
        assert on.eval("Deep new mixed: 600") == "600"
    before = on.stats()["translated_activations"]
    assert on.eval("Deep new mixed: 30000") == "30000"
    assert on.stats()["translated_activations"] - before > 20000
    # direct calls all the way down: past the bound the frames are handed to the interpreter
    for _ in range(3):
        assert on.eval("Deep new deep: 600") == "600"
    assert on.eval("Deep new deep: 100000") == "100000"
    m = vm.lookup_method(vm.class_named("Deep"), "deep:")
    assert vm.core.call("method_jit_index", m) != 0      # still translated: depth is no failure
    assert vm.stats()["translated_activations"] > 100
    # translated code handed the native depth on in the frames it built and kept the core's
    # depth cell in step: it is back at 0 after the run, as the core's own counting leaves it
    from catalyst.backend import lower
    assert vm.core.u32(lower.JIT_CELLS) == 0
    assert vm.eval("Deep new deep: 1000") == "1000" and vm.core.u32(lower.JIT_CELLS) == 0


def test_backend_constants_match_the_core(jvm):
    """The lowering bakes in the core's jit cells address and native depth limit."""
    from catalyst.backend import lower
    assert jvm.core.global_value("jit_cells") == lower.JIT_CELLS
    assert jvm.core.global_value("jit_depth_limit") == lower.DEPTH_LIMIT
    assert jvm.core.global_value("stack_limit") == lower.Lowerer.STACK_LIMIT
    assert jvm.core.global_value("jit_valid_limit") == lower.JIT_VALID_LIMIT


def test_validity_bytes_follow_install_and_uninstall(jvm):
    """Translated code knows it is still installed from its table index's byte at JIT_VALID:
    1 from install to uninstall (and when a reinstall replaces it), else 0."""
    from catalyst.backend import lower
    m = method(jvm, "Integer", "benchFib")
    assert jvm.jit.translate(m)
    index = jvm.core.call("method_jit_index", m)
    assert 0 < index < lower.JIT_VALID_LIMIT
    byte = lambda i: jvm.core.read_bytes(lower.JIT_VALID + i, 1)[0]
    assert byte(index) == 1
    before = jvm.stats()["translated_activations"]
    assert jvm.eval("20 benchFib") == "21891"
    assert jvm.stats()["translated_activations"] > before
    jvm.jit.uninstall(m)
    assert jvm.core.call("method_jit_index", m) == 0 and byte(index) == 0
    assert jvm.jit.translate(m)
    new = jvm.core.call("method_jit_index", m)
    assert new not in (0, index) and byte(new) == 1 and byte(index) == 0
    jvm.core.call("method_install", m, index)          # the older translation replaces it
    assert byte(index) == 1 and byte(new) == 0
    assert jvm.eval("20 benchFib") == "21891"
