"""Kernel exceptions through the VM, with Squeak's semantics: handler search on real contexts,
return/retry/pass/outer/resume, ensure:/ifCurtailed:, exception sets, unhandled errors reported
through primitive 9002, and the context protocol they are built on."""
import pytest

from catalyst.vm.vm import SmalltalkError

CASES = [
    # handler value, return:, return
    ("[1/0] on: ZeroDivide do: [:e | 6]", "6"),
    ("[1/0] on: ZeroDivide do: [:e | e return: 5]", "5"),
    ("[Error signal: 'x'] on: Error do: [:e | e return]", "nil"),
    ("[Error signal: 'x'. 5] on: Error do: [:e | 7]", "7"),
    ("[3 + 4] on: Error do: [:e | 0]", "7"),
    # messageText, description, class, printString
    ("[1/0] on: ZeroDivide do: [:e | e messageText]", "'division by zero'"),
    ("[1/0] on: ZeroDivide do: [:e | e class]", "ZeroDivide"),
    ("[1/0] on: ZeroDivide do: [:e | e dividend]", "1"),
    ("[Error signal: 'boom'] on: Error do: [:e | e messageText]", "'boom'"),
    ("[Error signal] on: Error do: [:e | e messageText]", "'Error'"),
    ("[Error new signal] on: Error do: [:e | e description]", "'Error'"),
    ("[Error signal: 'abc'] on: Error do: [:e | e description]", "'abc'"),
    ("[ZeroDivide new signal] on: ZeroDivide do: [:e | e messageText]", "'ZeroDivide'"),
    ("[Error new signal: 'a'] on: Error do: [:e | e printString]", "'Error: a'"),
    ("(Error new messageText: 'q') messageText", "'q'"),
    ("[3 error: 'bad'] on: Error do: [:e | e messageText]", "'bad'"),
    ("[#() first] on: SubscriptOutOfBounds do: [:e | e messageText]", "'index 1 is out of bounds'"),
    ("[#(1 2) at: 5] on: Error do: [:e | e class]", "SubscriptOutOfBounds"),
    ("[3 ifTrue: [1]] on: NonBooleanReceiver do: [:e | e class]", "NonBooleanReceiver"),
    ("[:x | x] numArgs", "1"),
    ("[[:x | x] value] on: Error do: [:e | 5]", "5"),
    # the class hierarchy of handlers and exception sets
    ("[1/0] on: ArithmeticError do: [:e | e class]", "ZeroDivide"),
    ("[1/0] on: Exception do: [:e | e class]", "ZeroDivide"),
    ("[[1/0] on: MessageNotUnderstood do: [:e | 1]] on: ZeroDivide do: [:e | 2]", "2"),
    ("[1/0] on: ZeroDivide, MessageNotUnderstood do: [:e | e class]", "ZeroDivide"),
    ("[nil foo] on: ZeroDivide, MessageNotUnderstood do: [:e | e class]", "MessageNotUnderstood"),
    ("[nil foo] on: ZeroDivide, Warning, MessageNotUnderstood do: [:e | e class]", "MessageNotUnderstood"),
    ("[NotYetImplemented signal] on: Error do: [:e | 1]", "1"),
    ("[OutOfMemory signal] on: Error do: [:e | 1]", "1"),
    ("[[1/0] on: UnhandledError do: [:e | e exception class]] value", "ZeroDivide"),
    # doesNotUnderstand:
    ("[nil foo] on: MessageNotUnderstood do: [:e | e message selector]", "#foo"),
    ("[nil foo: 1 bar: 2] on: MessageNotUnderstood do: [:e | e message arguments]", "#(1 2)"),
    ("[3 foo] on: MessageNotUnderstood do: [:e | e receiver]", "3"),
    ("[nil foo] on: MessageNotUnderstood do: [:e | e messageText]", "'UndefinedObject>>foo'"),
    ("[3 zork] on: Error do: [:e | e class]", "MessageNotUnderstood"),
    ("[Object new foo: 1] on: MessageNotUnderstood do: [:e | e return: e message arguments first]", "1"),
    ("[(nil foo) + 1] on: MessageNotUnderstood do: [:e | e resume: 41]", "42"),
    ("[3 + nil] on: MessageNotUnderstood do: [:e | e message selector]", "#adaptToInteger:andSend:"),
    # resume: (resumable exceptions only)
    ("[(1/0) + 1] on: ZeroDivide do: [:e | e resume: 4]", "5"),
    ("[Warning signal: 'w'. 5] on: Warning do: [:e | e resume: 9]", "5"),
    ("[(Warning signal: 'w') + 1] on: Warning do: [:e | e resume: 9]", "10"),
    ("[(Notification signal: 'n') + 1] on: Notification do: [:e | e resume: 7]", "8"),
    ("Notification signal: 'n'", "nil"),
    ("[[Error signal: 'x'] on: Error do: [:e | e resume: 5]] on: IllegalResumeAttempt do: [:e | 9]", "9"),
    ("[Error signal: 'x'] on: Error do: [:e | e isResumable]", "false"),
    ("[1/0] on: ZeroDivide do: [:e | e isResumable]", "true"),
    # retry, retryUsing:
    ("| r | r := 0. [r := r + 1. r < 3 ifTrue: [Error signal: 'again']. r] on: Error do: [:e | e retry]", "3"),
    ("| r | r := 0. [r := r + 1. r < 3 ifTrue: [1/0]. r] on: ZeroDivide do: [:e | e retry]", "3"),
    ("[1/0. 7] on: ZeroDivide do: [:e | e retryUsing: [8]]", "8"),
    ("| log | log := OrderedCollection new. [[Error signal: 'a'] ifCurtailed: [log add: 1]] on: Error do: [:e | e retryUsing: [log add: 2. 9]]. log asArray", "#(1 2)"),
    # signals inside handlers, pass, outer
    ("[[1/0] on: ZeroDivide do: [:e | e signal]] on: ZeroDivide do: [:e | 42]", "42"),
    ("[[1/0] on: ZeroDivide do: [:e | 1/0]] on: ZeroDivide do: [:e | 4]", "4"),
    ("[[1/0] on: ZeroDivide do: [:e | nil foo]] on: MessageNotUnderstood do: [:e | 3]", "3"),
    ("[[1/0] on: Error do: [:e | e pass]] on: ZeroDivide do: [:e | 43]", "43"),
    ("[[Error new signal: 'a'] on: Error do: [:e | e signal: 'b']] on: Error do: [:e | e messageText]", "'b'"),
    ("[[Warning signal: 'w'. 3] on: Warning do: [:e | e pass]] on: Warning do: [:e | e resume: 10]", "3"),
    ("[[Warning signal: 'w'] on: Warning do: [:e | e outer + 1]] on: Warning do: [:e | e resume: 10]", "11"),
    ("[[(Warning signal: 'w') + 100] on: Warning do: [:e | e resume: e outer + 1]] on: Warning do: [:e | e resume: 10]", "111"),
    ("[[Error signal: 'x'. 3] on: Error do: [:e | e outer. 4]] on: Error do: [:e | 5]", "5"),
    ("[[1/0] on: Error do: [:e | e isNested]] on: ZeroDivide do: [:e | 0]", "true"),
    ("[1/0] on: Error do: [:e | e isNested]", "false"),
    ("[#(1 2 3) do: [:x | x = 2 ifTrue: [Error signal: 'two']]. 0] on: Error do: [:e | e messageText]", "'two'"),
    # ensure: / ifCurtailed:
    ("| log | log := OrderedCollection new. [log add: 1] ensure: [log add: 2]. log asArray", "#(1 2)"),
    ("| n | n := 0. [[n := n + 1. 5] ensure: [n := n + 100]] value + n", "106"),
    ("| log | log := OrderedCollection new. [[log add: 1. Error signal: 'x'] ensure: [log add: 2]] on: Error do: [:e | log add: 3]. log asArray", "#(1 3 2)"),
    ("| n | n := 0. [[Error signal: 'x'] ensure: [n := n + 1]] on: Error do: [:e | e return: 1]. n", "1"),
    ("| n | n := 0. [[n := n + 1] ensure: [Error signal: 'in ensure']] on: Error do: [:e | n := n + 10]. n", "11"),
    ("| log | log := OrderedCollection new. [[[Error signal: 'a'] ensure: [log add: 1]] ensure: [log add: 2]] on: Error do: [:e | log add: 0]. log asArray", "#(0 1 2)"),
    ("| log r | log := OrderedCollection new. r := 0. [r := r + 1. [r < 3 ifTrue: [1/0]] ensure: [log add: r]. r] on: ZeroDivide do: [:e | e retry]. log asArray", "#(1 2 3)"),
    ("| log | log := OrderedCollection new. ([[1/0] ifCurtailed: [log add: 1]] on: ZeroDivide do: [:e | e return: 2]) -> log asArray", "2->#(1)"),
    ("| log | log := OrderedCollection new. ([[3] ifCurtailed: [log add: 1]] value) -> log asArray", "3->#()"),
    ("| log | log := OrderedCollection new. ([[3] ensure: [log add: 1]] value) -> log asArray", "3->#(1)"),
    ("[5] ifError: [:m :r | 6]", "5"),
    ("[1/0] ifError: [:m :r | m]", "'division by zero'"),
    # contexts
    ("thisContext class", "MethodContext"),
    ("thisContext printString", "'UndefinedObject>>DoIt'"),
    ("[thisContext printString] value", "'[] in UndefinedObject>>DoIt'"),
    ("thisContext receiver", "nil"),
    ("thisContext method class", "CompiledMethod"),
    ("[:a | thisContext tempAt: 1] value: 5", "5"),
    ("| t | t := 1. thisContext tempAt: 1 put: 9. t", "9"),
    ("[Error signal: 'x'] on: Error do: [:e | e signalerContext printString]", "'[] in UndefinedObject>>DoIt'"),
    ("[Error signal: 'x'] on: Error do: [:e | e signalerContext class]", "MethodContext"),
    ("(Object >> #printString) printString", "'Object>>printString'"),
    ("(Object >> #printString) selector", "#printString"),
    ("(Object >> #printString) methodClass", "Object"),
    ("(SmallInteger >> #+) numArgs", "1"),
    ("(BlockClosure >> #on:do:) numArgs", "2"),
]


@pytest.mark.parametrize("expr,expected", CASES, ids=[c[0][:50] for c in CASES])
def test_exceptions(vm, expr, expected):
    assert vm.eval(expr) == expected


@pytest.mark.parametrize("expr,text", [
    ("1/0", "ZeroDivide: division by zero"),
    ("nil foo", "MessageNotUnderstood: UndefinedObject>>foo"),
    ("3 error: 'my message'", "Error: my message"),
    ("Error signal", "Error: Error"),
    ("Error new signal: 'boom'", "Error: boom"),
    ("[Error signal: 'x'] on: Error do: [:e | e resume: 5]", "IllegalResumeAttempt: this exception is not resumable"),
    ("[Error signal: 'q'] on: nil do: [:e | 1]", "Error: q"),
    ("[[1/0] on: ZeroDivide do: [:e | e pass]] value", "ZeroDivide: division by zero"),
    ("[[1/0] on: ZeroDivide do: [:e | e signal]] value", "ZeroDivide: division by zero"),
    ("#(1 2) at: 3", "SubscriptOutOfBounds: index 3 is out of bounds"),
])
def test_unhandled_errors_report_class_and_text(vm, expr, text):
    with pytest.raises(SmalltalkError) as e:
        vm.eval(expr)
    assert e.value.text == text
    assert vm.eval("3 + 4") == "7"


def test_ensure_block_runs_once_when_it_signals(vm):
    # the ensure block raises after a normal evaluation: the unwind to the handler must not
    # run it a second time
    assert vm.eval("| n | n := 0. [[3] ensure: [n := n + 1. Error signal: 'e']] on: Error do: [:e | n]") == "1"


def test_non_local_return_through_ensure_from_a_method(vm):
    vm.file_in_text("""Object subclass: #KernelExcTest
	instanceVariableNames: 'log'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Tests'!

!KernelExcTest methodsFor: 'tests'!
log ^log!
early
	log := OrderedCollection new.
	[[^1] ensure: [log add: #inner]] ensure: [log add: #outer].
	^2!
handlerReturn
	[1/0] on: ZeroDivide do: [:e | ^#fromHandler].
	^#notReached!
deep: n
	^n = 0 ifTrue: [Error signal: 'bottom'] ifFalse: [self deep: n - 1]! !
""")
    assert vm.eval("| t | t := KernelExcTest new. {t early. t log asArray}") == "#(1 #(#inner #outer))"
    assert vm.eval("KernelExcTest new handlerReturn") == "#fromHandler"
    assert vm.eval("[KernelExcTest new deep: 200] on: Error do: [:e | e messageText]") == "'bottom'"
    assert vm.eval("[KernelExcTest new deep: 50] on: Error do: [:e | e signalerContext printString]") == "'KernelExcTest>>deep:'"
