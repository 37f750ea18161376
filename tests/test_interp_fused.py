"""The interpreter's fused bytecode pairs (wat/32_loop.wat) against what the bytecodes mean
one at a time: a push followed by pushes of temporaries, self or constants, or by an arithmetic
send; a SmallInteger sum or difference followed by a pop into a temporary (`i := i + 1`) or by
a return (`^a + b`, in methods, in blocks as a block's value and as a non-local return) or by a
send of a literal selector (`(n - 1) fib`); a push followed by a jump or a return; a forward
jump that lands on a return (the end of `^c ifTrue: [...] ifFalse: [...]`). Each
case also runs where the fused path must not be taken: a result that overflows into a
LargeInteger, non-SmallInteger operands, a return from a block whose home is dead."""
import pytest

from catalyst.vm.vm import VM

SOURCE = """Object subclass: #Fz
	instanceVariableNames: 'iv'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Tests'!

!Integer methodsFor: 't'!
fib
	^self < 2 ifTrue: [1] ifFalse: [(self - 1) fib + (self - 2) fib]! !

!Fz methodsFor: 't'!
sum: a with: b
	^a + b!
difference: a with: b
	^a - b!
count: n
	| i j k l m o p q |
	i := 0. j := 10. k := 20. l := 30. m := 40. o := 50. p := 60. q := 70.
	[i < n] whileTrue: [i := i + 1. j := j + 1. k := k - 1. l := l + 2. m := m - 2. o := o + i. p := p - i. q := q + 1].
	^{i. j. k. l. m. o. p. q}!
blockSum: a with: b
	^[:x :y | x + y] value: a value: b!
nonLocal: a with: b
	#(1) do: [:e | ^a + b + e].
	^0!
escaping: a
	^[:b | ^a + b]!
fib: n
	^n < 2 ifTrue: [1] ifFalse: [(n - 1) fib + (n - 2) fib]!
choose: c
	^c == true ifTrue: [1] ifFalse: [c ifNil: [2] ifNotNil: [:x | x]]!
chooseInBlock: c
	#(1) do: [:e | ^c ifTrue: [e] ifFalse: [e + 1]].
	^0!
valueOf: x
	^[:y | y] value: x!
atPut: n
	| a |
	a := Array new: n.
	1 to: n do: [:i | a at: i put: i].
	^a!
pushes: a
	| t u |
	t := a. u := a + 1.
	^{self == self. t. u. true. false. nil. -1. 0. 1. 2. t. self class. u}! !
"""


@pytest.fixture(scope="module")
def vm():
    v = VM.default(jit="off")
    v.file_in_text(SOURCE)
    return v


MAX = 2 ** 30 - 1


@pytest.mark.parametrize("a,b", [(3, 4), (-5, 2), (MAX, 0), (MAX, 1), (-MAX - 1, -1), (MAX, MAX)])
def test_a_returned_sum_or_difference(vm, a, b):
    assert vm.eval(f"Fz new sum: {a} with: {b}") == str(a + b)
    assert vm.eval(f"Fz new difference: {a} with: {b}") == str(a - b)
    assert vm.eval(f"Fz new blockSum: {a} with: {b}") == str(a + b)
    assert vm.eval(f"Fz new nonLocal: {a} with: {b}") == str(a + b + 1)


def test_a_returned_sum_of_other_objects_is_a_send(vm):
    assert vm.eval("Fz new sum: 1.5 with: 2") == "3.5"
    assert vm.eval("Fz new sum: (1/2) with: (1/3)") == "(5/6)"
    assert vm.eval("Fz new difference: 100 factorial with: 100 factorial - 1") == "1"


def test_a_non_local_return_of_a_sum_from_a_dead_home_is_cannot_return(vm):
    out = vm.eval("| b | b := Fz new escaping: 3. [b value: 4] on: BlockCannotReturn do: [:e | e result]")
    assert out == "7"


@pytest.mark.parametrize("n", [0, 1, 7, 1000])
def test_sums_popped_into_each_temporary(vm, n):
    tri = n * (n + 1) // 2
    want = [n, 10 + n, 20 - n, 30 + 2 * n, 40 - 2 * n, 50 + tri, 60 - tri, 70 + n]
    assert vm.eval(f"Fz new count: {n}") == "#(" + " ".join(map(str, want)) + ")"


def test_a_sum_that_overflows_is_popped_as_a_large_integer(vm):
    assert vm.eval(f"| i | i := {MAX}. i := i + 1. i class name") == "#LargePositiveInteger"
    assert vm.eval(f"| i | i := {MAX}. i := i + 1. i") == str(MAX + 1)


def test_runs_of_pushes(vm):
    assert vm.eval("Fz new pushes: 5") == "{true . 5 . 6 . true . false . nil . -1 . 0 . 1 . 2 . 5 . Fz . 6}"


def test_a_sum_sent_a_literal_selector(vm):
    assert vm.eval("20 fib") == "10946"
    assert vm.eval("Fz new fib: 20") == "10946"
    assert vm.eval(f"({MAX} + 1) class") == "LargePositiveInteger"
    assert vm.eval(f"(({MAX} + 1) - 1) printString size") == str(len(str(MAX)))


@pytest.mark.parametrize("c,want", [("true", "1"), ("nil", "2"), ("7", "7")])
def test_a_jump_that_lands_on_a_return(vm, c, want):
    assert vm.eval(f"Fz new choose: {c}") == want


def test_a_jump_that_lands_on_a_non_local_return(vm):
    assert vm.eval("Fz new chooseInBlock: true") == "1"
    assert vm.eval("Fz new chooseInBlock: false") == "2"


def test_a_push_then_a_return_or_a_store(vm):
    assert vm.eval("Fz new valueOf: 42") == "42"
    assert vm.eval("Fz new atPut: 5") == "#(1 2 3 4 5)"
