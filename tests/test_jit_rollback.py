"""Runtime validation and rollback: a wrong translation is caught and uninstalled with a record
while the program keeps the interpreter's result; a trapping translation is uninstalled; one whose
guards keep failing goes back to the interpreter."""
import pytest

from catalyst.backend import lower
from catalyst.vm.core import VMTrap
from catalyst.vm.vm import VM

SOURCE = """Object subclass: #Rb
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Tests'!

!Rb methodsFor: 't'!
add: a to: b
	^a + b!
test: x
	^x ifTrue: [1] ifFalse: [2]! !
"""


def make(**kw):
    vm = VM.default(**kw)
    vm.file_in_text(SOURCE)
    return vm


def test_validation_catches_a_wrong_translation(monkeypatch):
    vm = make(jit="on", threshold=10 ** 9, validate=3)
    m = vm.lookup_method(vm.class_named("Rb"), "add:to:")
    with monkeypatch.context() as mp:     # a broken lowering rule while this method translates
        mp.setitem(lower.TAGGED_ARITH, "add", "i32.sub")
        mp.setattr(lower.Lowerer, "overflowed", staticmethod(lambda *a: "(i32.const 0)"))
        assert vm.jit.translate(m)
    assert vm.eval("Rb new add: 3 to: 4") == "7"          # the interpreter's answer wins
    recs = [r for r in vm.jit.failures if r["type"] == "validation_mismatch"]
    assert any(r["method"] == "Rb>>add:to:" and r["translated_result"] == "-1"
               and r["interpreter_result"] == "7" for r in recs)
    m = vm.lookup_method(vm.class_named("Rb"), "add:to:")
    assert vm.core.call("method_jit_index", m) == 0       # uninstalled
    assert vm.eval("Rb new add: 30 to: 4") == "34"


def test_correct_translations_pass_validation_and_stay():
    vm = make(jit="always", validate=2)
    assert vm.eval("(Rb new add: 3 to: 4) + (Rb new add: 1 to: 1)") == "9"
    s = vm.stats()
    assert s["validated_activations"] > 0 and s["validation_mismatches"] == 0
    m = vm.lookup_method(vm.class_named("Rb"), "add:to:")
    assert vm.core.call("method_jit_index", m) != 0


def test_trapping_translation_is_uninstalled(monkeypatch):
    original = lower.Lowerer.block

    def block(self, lab):
        if self.fn.name == "Rb>>add:to:" and lab == self.order[0]:
            self.w("(unreachable)")
        original(self, lab)
    monkeypatch.setattr(lower.Lowerer, "block", block)
    vm = make(jit="always")
    with pytest.raises(VMTrap) as e:
        vm.eval("Rb new add: 3 to: 4")
    assert "Rb>>add:to: (translated code)" in str(e.value)
    assert any(r["type"] == "trap" and r["method"] == "Rb>>add:to:" for r in vm.jit.failures)
    assert vm.eval("Rb new add: 3 to: 4") == "7"          # interpreted from now on


def test_repeated_guard_failures_uninstall():
    vm = make(jit="on", threshold=10 ** 9)
    m = vm.lookup_method(vm.class_named("Rb"), "test:")
    assert vm.jit.translate(m)
    vm.eval("1 to: 30 do: [:i | [Rb new test: i] on: NonBooleanReceiver do: [:e | e return: 0]]")
    assert vm.core.call("method_jit_index", m) == 0
    vm.stats()
    assert any(r["type"] == "uninstalled" and r["method"] == "Rb>>test:" for r in vm.jit.failures)
    assert vm.eval("Rb new test: false") == "2"


def test_validation_survives_deep_recursion_and_direct_calls():
    """Nested activations of translations under validation run as WASM calls: a recursion
    10,000 deep through direct calls neither overflows Python's stack nor crashes."""
    vm = VM.default(jit="on", threshold=5, validate=3)
    vm.file_in_text("!Integer methodsFor: 'v'!\ndeep\n\tself < 1 ifTrue: [^0].\n\t^(self - 1) deep + 1! !\n")
    for _ in range(10):
        assert vm.eval("20 deep") == "20"
    assert vm.eval("10000 deep") == "10000"
    assert vm.eval("25 benchFib") == "242785"
    s = vm.stats()
    assert s["validated_activations"] > 0 and s["validation_mismatches"] == 0
    assert s["translated_activations"] > 10000
