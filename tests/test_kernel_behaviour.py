"""Kernel behaviour through the VM: each expression's printString as modern Squeak prints it."""
import pytest

from catalyst.vm.vm import SmalltalkError

CASES = [
    ("3 + 4", "7"),
    ("100 factorial printString size", "158"),
    ("2 raisedTo: 100", "1267650600228229401496703205376"),
    ("1073741823 + 1", "1073741824"),
    ("-1073741824 - 1", "-1073741825"),
    ("(1073741823 + 1) class", "LargePositiveInteger"),
    ("(1073741824 - 1) class", "SmallInteger"),
    ("12345678901234567890 // 987654321", "12499999887"),
    ("12345678901234567890 \\\\ 987654321", str(12345678901234567890 % 987654321)),
    ("(2 raisedTo: 80) - (2 raisedTo: 80)", "0"),
    ("-7 // 2", "-4"),
    ("-7 \\\\ 2", "1"),
    ("-7 rem: 2", "-1"),
    ("-7 quo: 2", "-3"),
    ("(1/2) + (1/3)", "(5/6)"),
    ("(3/4) class", "Fraction"),
    ("(2/4) = (1/2)", "true"),
    ("0.1 + 0.2", "0.30000000000000004"),
    ("1.0", "1.0"),
    ("100.0", "100.0"),
    ("1.0e16", "1.0e16"),
    ("1.0e-5", "1.0e-5"),
    ("Float nan", "NaN"),
    ("Float infinity", "Infinity"),
    ("2 sqrt", "1.4142135623730951"),
    ("3.7 truncated", "3"),
    ("-3.7 rounded", "-4"),
    ("#(1 2 3)", "#(1 2 3)"),
    ("#(1 $a 'str' #sym)", "#(1 $a 'str' #sym)"),
    ("'it''s'", "'it''s'"),
    ("'abc' , 'def'", "'abcdef'"),
    ("'hello' asUppercase", "'HELLO'"),
    ("'hello' reversed", "'olleh'"),
    ("#foo", "#foo"),
    ("#foo:bar:", "#foo:bar:"),
    ("#+", "#+"),
    ("'abc' asSymbol == #abc", "true"),
    ("$a", "$a"),
    ("$a asInteger", "97"),
    ("97 asCharacter", "$a"),
    ("4@5", "4@5"),
    ("(1@2) + (3@4)", "4@6"),
    ("nil", "nil"),
    ("true & false", "false"),
    ("Object new", "an Object"),
    ("Object", "Object"),
    ("Object class", "Object class"),
    ("OrderedCollection new add: 1; add: 2; add: 3; yourself", "an OrderedCollection(1 2 3)"),
    ("(1 to: 5) asOrderedCollection removeFirst; yourself", "an OrderedCollection(2 3 4 5)"),
    ("(1 to: 10) collect: [:x | x * x]", "#(1 4 9 16 25 36 49 64 81 100)"),
    ("(1 to: 10) select: [:x | x even]", "#(2 4 6 8 10)"),
    ("#(3 1 2) asSortedCollection asArray", "#(1 2 3)"),
    ("#(5 3 9 1) asSortedCollection: [:a :b | a > b]", "a SortedCollection(9 5 3 1)"),
    ("#(1 2 3) inject: 0 into: [:a :b | a + b]", "6"),
    ("#(1 2 3) detect: [:x | x > 5] ifNone: ['none']", "'none'"),
    ("#(1 2 3) reverse", "#(3 2 1)"),
    ("#(1 2 3) , #(4)", "#(1 2 3 4)"),
    ("#(1 2 3) includes: 2", "true"),
    ("(Dictionary new at: #a put: 1; at: #b put: 2; yourself) at: #b", "2"),
    ("(Dictionary new at: 1 put: 2; yourself) keys", "#(1)"),
    ("(Set new add: 1; add: 1; add: 2; yourself) size", "2"),
    ("(ReadStream on: #(1 2 3)) next; next", "2"),
    ("(WriteStream on: String new) nextPutAll: 'ab'; print: 3; contents", "'ab3'"),
    ("'a b  c' substrings", "#('a' 'b' 'c')"),
    ("(ReadStream on: 'hello world') upTo: $ ", "'hello'"),
    ("3 perform: #+ with: 4", "7"),
    ("3 respondsTo: #printString", "true"),
    ("3 isKindOf: Integer", "true"),
    ("[:x :y | x + y] valueWithArguments: #(1 2)", "3"),
    ("[1/0] on: ZeroDivide do: [:e | e messageText]", "'division by zero'"),
    ("[nil foo] on: MessageNotUnderstood do: [:e | e return: e message selector]", "#foo"),
    ("[Error signal: 'x'. 5] on: Error do: [:e | 7]", "7"),
    ("[Warning signal: 'w'. 5] on: Warning do: [:e | e resume: 9]", "5"),
    ("[(Warning signal: 'w') + 1] on: Warning do: [:e | e resume: 9]", "10"),
    ("| r | r := 0. [r := r + 1. r < 3 ifTrue: [Error signal: 'again']. r] on: Error do: [:e | e retry]", "3"),
    ("| log | log := OrderedCollection new. [[log add: 1. Error signal: 'x'] ensure: [log add: 2]] on: Error do: [:e | log add: 3]. log asArray", "#(1 3 2)"),
    ("| log | log := OrderedCollection new. [log add: 1] ensure: [log add: 2]. log asArray", "#(1 2)"),
    ("[[1/0] on: ZeroDivide do: [:e | e signal]] on: ZeroDivide do: [:e | 42]", "42"),
    ("[[1/0] on: Error do: [:e | e pass]] on: ZeroDivide do: [:e | 43]", "43"),
    ("[1/0] on: ZeroDivide, MessageNotUnderstood do: [:e | e class]", "ZeroDivide"),
    ("[#(1 2 3) do: [:x | x = 2 ifTrue: [Error signal: 'two']]. 0] on: Error do: [:e | e messageText]", "'two'"),
    ("(1 to: 3)", "(1 to: 3)"),
    ("(1 to: 3) printString", "'(1 to: 3)'"),
    ("1000000000 * 1000000000", "1000000000000000000"),
    ("30 benchFib", "2692537"),
    ("1 benchmark", "1028"),
]


@pytest.mark.parametrize("expr,expected", CASES, ids=[c[0][:40] for c in CASES])
def test_print_string(vm, expr, expected):
    assert vm.eval(expr) == expected


def test_unhandled_error_reports_class_text_and_stack(vm):
    with pytest.raises(SmalltalkError) as err:
        vm.eval("nil foo")
    assert err.value.text == "MessageNotUnderstood: UndefinedObject>>foo"
    assert any("DoIt" in frame for frame in err.value.stack)
    assert vm.eval("3 + 4") == "7"     # the VM stays usable


def test_non_local_return_from_nested_blocks(vm):
    vm.file_in_text("""Object subclass: #NlrTest
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Tests'!

!NlrTest methodsFor: 'tests'!
find: n
	#(1 2 3 4) do: [:x | #(10 20) do: [:y | x * y = n ifTrue: [^x @ y]]].
	^nil! !
""")
    assert vm.eval("NlrTest new find: 60") == "3@20"
    assert vm.eval("NlrTest new find: 7") == "nil"


def test_ensure_and_if_curtailed_run_on_non_local_return(vm):
    vm.file_in_text("""Object subclass: #EnsureTest
	instanceVariableNames: 'log'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Tests'!

!EnsureTest methodsFor: 'tests'!
log ^log!
run
	log := OrderedCollection new.
	#(1 2 3) do: [:x | [x = 2 ifTrue: [^x * 100]] ensure: [log add: x]].
	^0!
curtailed
	log := OrderedCollection new.
	^[[^5] ifCurtailed: [log add: #curtailed]] value! !
""")
    assert vm.eval("| t | t := EnsureTest new. {t run. t log asArray}") == "#(200 #(1 2))"
    assert vm.eval("| t | t := EnsureTest new. {t curtailed. t log asArray}") == "#(5 #(#curtailed))"


def test_unhandled_error_with_a_non_string_message(vm):
    with pytest.raises(SmalltalkError) as e:
        vm.eval("Error signal: 3")
    assert e.value.text == "Error: 3"
