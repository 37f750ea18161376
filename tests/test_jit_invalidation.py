"""Translations that bound a send's target (direct calls, inlined accessors and cases) are dropped
when method dictionaries change, and activations already running stop relying on the binding."""
from catalyst.vm.vm import VM

SOURCE = """Object subclass: #Inv
	instanceVariableNames: 'x'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Tests'!

!Inv methodsFor: 't'!
x: v x := v!
foo ^x!
bar ^x + 1!
run: n swapAt: k
	| s |
	s := 0.
	1 to: n do: [:i |
		i = k ifTrue: [Inv addSelector: #foo withMethod: (Inv compiledMethodAt: #bar)].
		s := s + self foo].
	^s! !
"""


def make():
    vm = VM.default(jit="on", threshold=10)
    vm.file_in_text(SOURCE)
    return vm


def test_redefinition_after_translation_is_seen():
    vm = make()
    assert vm.eval("| p | p := Inv new x: 1. (1 to: 30) inject: 0 into: [:a :i | a + (p run: 10 swapAt: 0)]") == "300"
    assert vm.stats()["methods_translated"] > 0
    before = vm.stats()["translations_invalidated"]
    vm.file_in_text("!Inv methodsFor: 't'!\nfoo ^x * 3! !\n")
    assert vm.stats()["translations_invalidated"] > before
    assert vm.eval("(Inv new x: 1) run: 10 swapAt: 0") == "30"
    # and it is translated again once hot
    vm.eval("| p | p := Inv new x: 1. 1 to: 30 do: [:i | p run: 10 swapAt: 0]")
    m = vm.lookup_method(vm.class_named("Inv"), "run:swapAt:")
    assert vm.core.call("method_jit_index", m) != 0


def test_a_running_translated_activation_sees_the_change():
    vm = make()
    vm.eval("| p | p := Inv new x: 1. 1 to: 30 do: [:i | p run: 10 swapAt: 0]")
    m = vm.lookup_method(vm.class_named("Inv"), "run:swapAt:")
    assert vm.core.call("method_jit_index", m) != 0
    t0 = vm.stats()["translated_activations"]
    # foo answers 1 for the first 1499 iterations, then (as bar) 2
    assert vm.eval("(Inv new x: 1) run: 3000 swapAt: 1500") == str(1499 + 2 * 1501)
    assert vm.stats()["translated_activations"] > t0
