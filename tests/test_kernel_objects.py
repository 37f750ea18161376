"""Kernel objects, classes, Booleans, blocks, globals and the Transcript through the VM: each case
evaluates an expression and compares its printString with what modern Squeak prints."""
import pytest

from catalyst.vm.vm import VM

CASES = [
    ('3 perform: #factorial', '6'),
    ('3 perform: #+ with: 4', '7'),
    ('3 perform: #between:and: with: 1 with: 5', 'true'),
    ('3 perform: #between:and: withArguments: #(1 5)', 'true'),
    ('3 respondsTo: #printString', 'true'),
    ('3 respondsTo: #foo', 'false'),
    ('3 isKindOf: Number', 'true'),
    ('3 isMemberOf: SmallInteger', 'true'),
    ('3 isMemberOf: Integer', 'false'),
    ('3 yourself', '3'),
    ('nil isNil', 'true'),
    ('3 notNil', 'true'),
    ('nil ifNil: [5]', '5'),
    ('3 ifNil: [5]', '3'),
    ('3 ifNotNil: [:x | x + 1]', '4'),
    ('nil ifNil: [1] ifNotNil: [:x | 2]', '1'),
    ('3 ifNil: [1] ifNotNil: [:x | x * 2]', '6'),
    ('nil printString', "'nil'"),
    ('nil isString', 'false'),
    ('Object new = Object new', 'false'),
    ('| o | o := Object new. o = o', 'true'),
    ('| o | o := Object new. o hash = o identityHash', 'true'),
    ("'abc' == 'abc' copy", 'false'),
    ('#(1 2) = #(1 2)', 'true'),
    ('#(1 2) = #(1 3)', 'false'),
    ('(3 @ 4) copy', '3@4'),
    ('#(1 2) copy', '#(1 2)'),
    ('| a b | a := #(1 2) copy. b := a copy. b at: 1 put: 9. a', '#(1 2)'),
    ('| a | a := Array new: 3. a at: 1 put: 5; yourself', '#(5 nil nil)'),
    ('(Array with: 1 with: 2 with: 3)', '#(1 2 3)'),
    ('Object name', '#Object'),
    ('Object name class', 'Symbol'),
    ('Object superclass', 'nil'),
    ('SmallInteger superclass', 'Integer'),
    ('Object class superclass', 'Class'),
    ('Object class class class', 'Metaclass class'),
    ('SmallInteger inheritsFrom: Number', 'true'),
    ('Number inheritsFrom: SmallInteger', 'false'),
    ('Object includesSelector: #printString', 'true'),
    ('SmallInteger canUnderstand: #printString', 'true'),
    ('SmallInteger canUnderstand: #fooBar', 'false'),
    ('(Object selectors includes: #printString)', 'true'),
    ('Object new class', 'Object'),
    ('Object new isKindOf: Object', 'true'),
    ('3 class class', 'SmallInteger class'),
    ('(Array new: 3) class', 'Array'),
    ('Array new size', '0'),
    ('OrderedCollection new class', 'OrderedCollection'),
    ('Point new', 'nil@nil'),
    ('true & false', 'false'),
    ('true | false', 'true'),
    ('true and: [false]', 'false'),
    ('false or: [true]', 'true'),
    ('true not', 'false'),
    ('true xor: true', 'false'),
    ("(3 > 2) ifTrue: ['y'] ifFalse: ['n']", "'y'"),
    ('(3 > 2) printString', "'true'"),
    ('true printString', "'true'"),
    ('false displayString', "'false'"),
    ('3 displayString', "'3'"),
    ("'a' displayString", "'a'"),
    ('#a displayString', "'a'"),
    ('$a displayString', "'a'"),
    ("#(1 $a 'b' #c) displayString", "'#(1 $a ''b'' #c)'"),
    ('(1 -> 2) key', '1'),
    ('(1 -> 2) value', '2'),
    ('(1 -> 2) = (1 -> 2)', 'true'),
    ('Smalltalk at: #KernelTestGlobal put: 3', '3'),
    ('(Smalltalk at: #KernelTestGlobal)', '3'),
    ('Smalltalk at: #Transcript', 'a TranscriptStream'),
    ('Smalltalk includesKey: #Object', 'true'),
    ('Smalltalk includesKey: #NoSuchThing', 'false'),
    ('Smalltalk at: #Zork ifAbsent: [0]', '0'),
    ('(Smalltalk at: #Object) == Object', 'true'),
    ('Processor class', 'ProcessorScheduler'),
    ('Processor activeProcess class', 'Process'),
    ('Processor activeProcess priority', '4'),
    ('(Processor instVarAt: 1) size', '80'),
    ('(Processor instVarAt: 1) first class', 'LinkedList'),
    ("#abc hash = 'abc' asSymbol hash", 'true'),
    ("(Symbol intern: 'zzkernel') == #zzkernel", 'true'),
    ('Object new -> 3', 'an Object->3'),
    ('(Message selector: #foo arguments: #()) selector', '#foo'),
    ('Time millisecondClock class', 'SmallInteger'),
    ('(Time millisecondsToRun: [100 factorial]) >= 0', 'true'),
    ('Semaphore new class', 'Semaphore'),
]


@pytest.mark.parametrize("expr,expected", CASES, ids=[c[0][:50] for c in CASES])
def test_objects(vm, expr, expected):
    assert vm.eval(expr) == expected


@pytest.fixture(scope="module")
def out_vm():
    chunks = []
    vm = VM.default(jit="off", stdout=chunks.append)

    def run(source):
        chunks.clear()
        vm.eval(source)
        return b"".join(chunks).decode()
    return run


@pytest.mark.parametrize("source,text", [
    ("Transcript show: 'hello'; cr", "hello\n"),
    ("Transcript show: 'a'; tab; show: 'b'; space; show: 'c'", "a\tb c"),
    ("Transcript print: 42; cr", "42\n"),
    ("Transcript print: 'q'; display: 'q'", "'q'q"),
    ("Transcript nextPutAll: 'x'; nextPut: $y", "xy"),
    ("Transcript show: 3 printString , ' items'", "3 items"),
    ("Transcript display: 3; print: #(1 2)", "3#(1 2)"),
    ("Transcript show: 100 factorial printString size printString", "158"),
    ("3 printNl", "3\n"),
    ("'abc' printNl", "'abc'\n"),
    ("'abc' displayNl", "abc\n"),
    ("#(1 2) displayNl", "#(1 2)\n"),
    ("(1/2) displayNl", "(1/2)\n"),
    ("Transcript showln: 'z'", "z\n"),
    ("#(1 2 3) do: [:x | Transcript print: x] separatedBy: [Transcript show: ', ']", "1, 2, 3"),
    ("[Warning signal: 'careful'] value", "Warning: careful\n"),
])
def test_transcript_writes_to_stdout(out_vm, source, text):
    assert out_vm(source) == text
