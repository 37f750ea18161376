"""Time limits (Core.time_limit): a host thread's interrupt request stops a run at its next send,
backward jump or translated entry or loop head, in the interpreter and in translated code; the
VM answers the next request as before, the request does not outlive its limit, and an
interrupted translation stays installed (it did nothing wrong)."""
import time

import pytest

from catalyst.vm.core import VMTrap
from catalyst.vm.vm import VM

SOURCE = """Object subclass: #Tl
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Tests'!

!Tl methodsFor: 't'!
spinEmpty
	[true] whileTrue: [].
	^0!
spin
	| n |
	n := 0.
	[true] whileTrue: [n := n + 1].
	^n!
fib: n
	^n < 2 ifTrue: [1] ifFalse: [(self fib: n - 1) + (self fib: n - 2)]!
blockFib: k
	| b |
	b := [:n | n < 2 ifTrue: [1] ifFalse: [(b value: n - 1) + (b value: n - 2)]].
	^b value: k! !
"""

# each of these runs for minutes or forever: a loop (backward jumps), one whose body does
# nothing, a recursion without a loop (sends only), a recursion through a block (block sends)
RUNAWAY = {
    "loop": "Tl new spin",
    "empty loop": "Tl new spinEmpty",     # nothing stored: the check must not be hoisted
    "recursion": "Tl new fib: 60",
    "block recursion": "Tl new blockFib: 60",
}


def make(jit):
    vm = VM.default(jit=jit, threshold=2) if jit == "on" else VM.default(jit=jit)
    vm.file_in_text(SOURCE)
    return vm


def translated(vm) -> int:
    s = vm.stats()
    return s["translated_activations"] + s["translated_block_activations"]


def interrupted_run(vm, expr, seconds=0.2) -> tuple[VMTrap, float]:
    t0 = time.perf_counter()
    with pytest.raises(VMTrap) as e:
        with vm.core.time_limit(seconds):
            vm.eval(expr)
    return e.value, time.perf_counter() - t0


@pytest.mark.parametrize("jit", ["off", "always"])
@pytest.mark.parametrize("kind", list(RUNAWAY))
def test_a_runaway_stops_at_its_limit_and_the_vm_goes_on(jit, kind):
    vm = make(jit)
    before = translated(vm)
    trap, elapsed = interrupted_run(vm, RUNAWAY[kind])
    assert trap.interrupted and "interrupted" in str(trap)
    assert 0.2 <= elapsed < 2.0
    assert trap.stack and trap.where, "the trap names where the run was"
    if jit == "always":
        assert translated(vm) > before, "translated code was running"
    assert not vm.core.interrupt_requested()
    assert vm.eval("Tl new fib: 10") == "89"
    assert vm.eval("3 + 4") == "7"


def test_the_interpreter_names_the_method_it_stopped_in():
    vm = make("off")
    trap, _ = interrupted_run(vm, "Tl new spin")
    assert trap.stack[0].startswith("Tl>>spin (pc ")
    trap, _ = interrupted_run(vm, "Tl new fib: 60")
    assert all(f.startswith("Tl>>fib: (pc ") for f in trap.stack[:-1])


def test_a_translation_that_was_interrupted_stays_installed():
    vm = make("on")
    assert vm.eval("Tl new fib: 15") == "987"
    assert vm.stats()["methods_translated"] >= 1
    interrupted_run(vm, "Tl new fib: 60")
    assert vm.stats()["translation_failures"] == 0, vm.jit.failures
    before = vm.stats()["translated_activations"]
    assert vm.eval("Tl new fib: 15") == "987"
    assert vm.stats()["translated_activations"] - before >= 1000


def test_a_run_within_its_limit_is_untouched_and_the_request_does_not_linger():
    vm = make("off")
    with vm.core.time_limit(5):
        assert vm.eval("Tl new fib: 12") == "233"
    assert not vm.core.interrupt_requested()
    with vm.core.time_limit(0.05):
        pass
    time.sleep(0.1)                      # past the limit: the timer was cancelled
    assert not vm.core.interrupt_requested()
    assert vm.eval("Tl new fib: 12") == "233"


def test_limits_are_per_vm():
    a, b = make("off"), make("off")
    with b.core.time_limit(0.1):
        trap, elapsed = interrupted_run(a, "Tl new spin", 0.3)   # b's request must not stop a
    assert trap.interrupted and 0.3 <= elapsed < 2.0
    assert a.eval("3 + 4") == "7" and b.eval("3 + 4") == "7"


def test_a_lookup_up_a_circular_superclass_chain_stops_at_its_limit():
    """The core follows Smalltalk pointers in a few loops of its own (lookup, process lists):
    a program or a corrupt image can make them circular, and the limit still holds."""
    vm = make("off")
    trap, elapsed = interrupted_run(vm, "| t | t := Tl new. Tl instVarAt: 1 put: Tl. t foo")
    assert trap.interrupted and 0.2 <= elapsed < 2.0
    assert vm.eval("3 + 4") == "7"


def test_an_outer_limit_that_runs_out_during_an_inner_one_still_stops_the_run():
    """A sandbox run (its own short limit) inside a program run under --timeout: the inner
    limit clears the request when it ends, and must renew the outer one's if it ran out."""
    vm = make("off")
    t0 = time.perf_counter()
    with pytest.raises(VMTrap) as e:
        with vm.core.time_limit(0.2):
            with pytest.raises(VMTrap):
                with vm.core.time_limit(0.5):
                    vm.eval("Tl new spin")          # the outer limit fires first, inside
            assert vm.core.interrupt_requested(), "the outer request was renewed"
            vm.eval("Tl new spin")                  # so this stops at once
    assert e.value.interrupted and time.perf_counter() - t0 < 2.0
    assert not vm.core.interrupt_requested()
    assert vm.eval("3 + 4") == "7"
