"""Processes of the real images (wat/46_process.wat): fork, Semaphore signal and wait, yield,
suspend and resume, preemption by priority, the timer semaphore behind Delay, errors and
deadlocks; the frames of a switched-out process come back with their contexts and
temporaries. Each interpreted and with every method translated first, which must agree."""
import pytest

from tests.image_support import evaluate, open_vm

MINI = [
    ("| s r | s := Semaphore new. [r := 42. s signal] fork. s wait. r", "42"),
    ("| s | s := Semaphore new. s signal. s wait. #done", "done"),
    ("| r | r := OrderedCollection new. [r add: 1] fork. [r add: 2] fork. Processor yield. r",
     "OrderedCollection (1 2 )"),
    ("| a b r | a := Semaphore new. b := Semaphore new. r := OrderedCollection new. "
     "[1 to: 200 do: [:i | a wait. r add: i printString. b signal]] fork. "
     "1 to: 200 do: [:i | a signal. b wait]. r size", "200"),
    # a higher-priority process preempts at once when it becomes runnable
    ("| p r | r := OrderedCollection new. p := [r add: 1. Processor activeProcess suspend. "
     "r add: 3] newProcess. p priority: 5. p resume. r add: 2. p resume. r",
     "OrderedCollection (1 2 3 )"),
    ("| s r p | s := Semaphore new. r := OrderedCollection new. p := [s wait. r add: #high] "
     "newProcess. p priority: 6; resume. r add: #before. s signal. r add: #after. r",
     "OrderedCollection (before high after )"),
    # divorced into its context while the other process runs, then rebuilt: the same context,
    # with the temporary the other process's block changed in it
    ("| c s | s := Semaphore new. c := thisContext. [s signal] fork. s wait. c == thisContext",
     "true"),
    ("| x s | x := 5. s := Semaphore new. [x := x + 1. s signal] fork. s wait. x", "6"),
    # Delay: the image's timer process waits on the timer semaphore (primitive 136)
    ("| t | Delay startTimerInterruptWatcher. t := Time millisecondClockValue. "
     "(Delay forMilliseconds: 60) wait. Time millisecondClockValue - t >= 60", "true"),
    ("| s r | Delay startTimerInterruptWatcher. r := OrderedCollection new. s := Semaphore new. "
     "[(Delay forMilliseconds: 30) wait. r add: #late. s signal] fork. r add: #early. s wait. r",
     "OrderedCollection (early late )"),
    ("[3 foo] fork. Processor yield. 4", "ERR Message not understood: foo"),
    ("Semaphore new wait",
     "ERR every process is waiting (on a semaphore or suspended) and no timer is pending"),
]

HEADLESS = [
    ("| s r | s := Semaphore new. [r := 42. s signal] forkAt: 3. s wait. r", "42"),
    # the headless image's processes end by returning from their bottom context
    ("| r | r := OrderedCollection new. [r add: 1] forkAt: 3. [r add: 2] forkAt: 3. "
     "(Semaphore new) signal. r size", "0"),
    ("| s r | s := Semaphore new. r := OrderedCollection new. [r add: 1. s signal] forkAt: 3. "
     "[r add: 2. s signal] forkAt: 3. s wait; wait. r size", "2"),
]


@pytest.fixture(scope="module", params=["off", "always"])
def mini(request):
    return open_vm("mini.image", jit=request.param)


@pytest.fixture(scope="module", params=["off", "always"])
def headless(request):
    return open_vm("headless.image", jit=request.param)


@pytest.mark.parametrize("source, expected", MINI)
def test_mini_processes(mini, source, expected):
    assert evaluate(mini, source) == expected


def test_collections_while_switching(mini):
    """Collections while processes switch: every frame and context stays reachable."""
    before = mini.stats()["gc_count"]
    assert evaluate(mini, "| a b r | a := Semaphore new. b := Semaphore new. "
                          "r := OrderedCollection new. [1 to: 300 do: [:i | a wait. "
                          "String new: 200000. r add: i printString. b signal]] fork. "
                          "1 to: 300 do: [:i | a signal. Array new: 50000. b wait]. "
                          "r inject: 0 into: [:s :x | s + x asNumber]") == "45150"
    assert mini.stats()["gc_count"] > before


@pytest.mark.parametrize("source, expected", HEADLESS)
def test_headless_processes(headless, source, expected):
    assert evaluate(headless, source) == expected


def test_switches_keep_the_saved_active_process():
    """A DoIt that switched processes leaves the image's active process as it was saved, so
    that resuming it afterwards still runs the image's own startup."""
    from catalyst.vm.vm import SmalltalkError
    vm = open_vm("mini.image")
    assert evaluate(vm, "| s | s := Semaphore new. [s signal] fork. s wait. 7") == "7"
    with pytest.raises(SmalltalkError) as e:
        vm.resume()
    assert any("snapshot:andQuit:" in frame for frame in e.value.stack)


def test_error_in_another_process_leaves_the_vm_usable():
    vm = open_vm("mini.image")
    before = vm.eval("Processor activeProcess printString")
    assert evaluate(vm, "[nil foo] fork. Processor yield. 3") == "ERR Message not understood: foo"
    assert vm.eval("Processor activeProcess printString") == before
    assert evaluate(vm, "| s | s := Semaphore new. [s signal] fork. s wait. 5") == "5"
