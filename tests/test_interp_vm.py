"""The interpreter through Smalltalk programs: bytecode families, sends, caches, contexts,
deep recursion, traps, the hot-method hook, and independence of VMs."""
import pytest

from catalyst.vm.core import VMTrap
from catalyst.vm.vm import VM, SmalltalkError

SOURCE = """Object subclass: #IT
	instanceVariableNames: 'a b'
	classVariableNames: 'Shared'
	poolDictionaries: ''
	category: 'Tests'!

!IT methodsFor: 'tests'!
setA: x a := x. ^self!
a ^a!
sharedSet: x Shared := x!
shared ^Shared!
deep: n ^n = 0 ifTrue: [0] ifFalse: [1 + (self deep: n - 1)]!
ctx ^thisContext!
senderSelector ^thisContext sender method!
counterBlocks
	| blocks |
	blocks := OrderedCollection new.
	1 to: 3 do: [:i | | j | j := i * 10. blocks add: [j]].
	^blocks collect: [:blk | blk value]!
sharedCounter
	| n inc |
	n := 0.
	inc := [n := n + 1].
	inc value. inc value.
	^n!
escaping ^[:x | ^x]!
manyTemps
	| t1 t2 t3 t4 t5 t6 t7 t8 t9 t10 t11 t12 t13 t14 t15 t16 t17 t18 |
	t18 := 18. t17 := t18 - 1. t1 := t17 + 1.
	^t1!
whileSum
	| i s |
	i := 0. s := 0.
	[i < 10] whileTrue: [i := i + 1. s := s + i].
	^s!
ifNilForms
	^{nil ifNil: [1]. 3 ifNil: [1]. nil ifNotNil: [:x | x]. 4 ifNotNil: [:x | x + 1]. nil ifNil: [7] ifNotNil: [:x | x]}!
caseAnd ^{true and: [false]. false or: [true]. (3 > 2) | false}! !

!IT class methodsFor: 'tests'!
make ^self new setA: 5; yourself! !

IT subclass: #IT2
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Tests'!

!IT2 methodsFor: 'tests'!
a ^super a + 100! !
"""


@pytest.fixture(scope="module")
def tvm():
    vm = VM.default(jit="off")
    vm.file_in_text(SOURCE, "interp_test.st")
    return vm


@pytest.mark.parametrize("expr,expected", [
    ("(IT new setA: 3) a", "3"),
    ("IT make a", "5"),
    ("(IT2 new setA: 1) a", "101"),
    ("IT new sharedSet: 9; shared", "9"),
    ("IT new manyTemps", "18"),
    ("IT new whileSum", "55"),
    ("IT new ifNilForms", "#(1 3 nil 5 7)"),
    ("IT new caseAnd", "#(false true true)"),
    ("IT new counterBlocks asArray", "#(10 20 30)"),
    ("IT new sharedCounter", "2"),
    ("IT new deep: 100000", "100000"),
    ("IT new ctx class", "MethodContext"),
    ("(IT new ctx instVarAt: 1)", "nil"),
    ("IT new senderSelector == (UndefinedObject compiledMethodAt: #DoIt)", "false"),
    ("{1. 2+3. 'x'}", "#(1 5 'x')"),
    ("[:a :b :c :d | a + b + c + d] value: 1 value: 2 value: 3 value: 4", "10"),
    ("[^3] value", "3"),
])
def test_programs(tvm, expr, expected):
    assert tvm.eval(expr) == expected


def test_block_numargs_mismatch_is_an_error(tvm):
    with pytest.raises(SmalltalkError) as e:
        tvm.eval("[:x | x] value")
    assert "arguments" in e.value.text


def test_non_local_return_to_dead_context(tvm):
    with pytest.raises(SmalltalkError) as e:
        tvm.eval("(IT new escaping) value: 3")
    assert "BlockCannotReturn" in e.value.text


def test_must_be_boolean(tvm):
    with pytest.raises(SmalltalkError) as e:
        tvm.eval("3 ifTrue: [4]")
    assert "NonBooleanReceiver" in e.value.text


def test_very_deep_recursion_fails_cleanly_and_vm_stays_usable(tvm):
    with pytest.raises(SmalltalkError) as e:
        tvm.eval("IT new deep: 10000000")
    assert e.value.code == 4     # stack overflow halt, not a crash
    assert tvm.eval("3 + 4") == "7"


def test_inline_cache_records_receiver_classes(tvm):
    tvm.file_in_text("""!IT methodsFor: 'poly'!
poly: c ^c collect: [:x | x printString]! !
""")
    tvm.eval("IT new poly: {1. 'a'. #b. 2.5. $c. nil}")
    m = tvm.lookup_method(tvm.class_named("IT"), "poly:")
    # the send of #printString inside the block: find its pc by scanning the IC table
    core = tvm.core
    counts = [core.call("ic_count", m, pc) for pc in range(1, 80)]
    megas = [core.call("ic_megamorphic", m, pc) for pc in range(1, 80)]
    assert max(counts) == 4 and any(megas)


def test_hot_method_hook_fires_once(fresh_vm):
    hot = []
    fresh_vm.core.on_method_hot = hot.append
    fresh_vm.core.call("set_jit_enabled", 1)
    fresh_vm.core.call("set_hot_threshold", 50)
    fresh_vm.eval("1 to: 200 do: [:i | i printString]")
    names = [fresh_vm.heap.method_selector(m) for m in hot]
    assert names.count("printString") == 1


def test_hotness_follows_the_jit_switch_however_it_is_set(fresh_vm):
    """The loop tests one hot-limit word that the core keeps from jit_enabled and the
    threshold: set through set_jit_enabled, or as a plain global by the host (each run starts
    by refreshing it), a method gets hot exactly while the JIT is on."""
    hot = []
    core = fresh_vm.core
    core.on_method_hot = hot.append
    core.call("set_hot_threshold", 20)
    fresh_vm.eval("1 to: 100 do: [:i | 3 benchFib]")
    assert hot == []                                     # the JIT is off
    core.set_global("jit_enabled", 1)
    fresh_vm.eval("1 to: 100 do: [:i | 3 benchFib]")
    names = [fresh_vm.heap.method_selector(m) for m in hot]
    assert names.count("benchFib") == 1
    core.call("set_jit_enabled", 0)
    core.call("method_rearm", hot[names.index("benchFib")])
    fresh_vm.eval("1 to: 100 do: [:i | 3 benchFib]")
    assert len(hot) == len(names)


def test_trap_becomes_python_exception_and_vm_recovers(fresh_vm):
    # jump into the table at an index with no function: call_indirect traps
    m = fresh_vm.lookup_method(fresh_vm.class_named("Integer"), "benchFib")
    fresh_vm.core.call("method_install", m, 200)
    with pytest.raises(VMTrap) as e:
        fresh_vm.eval("5 benchFib")
    assert "trap" in str(e.value).lower()
    fresh_vm.core.call("method_uninstall", m)
    assert fresh_vm.eval("5 benchFib") == "15"


def test_two_vms_are_independent():
    a, b = VM.default(jit="off"), VM.default(jit="off")
    a.eval("Smalltalk at: #Probe put: 1")
    b.eval("Smalltalk at: #Probe put: 2")
    assert a.eval("Probe") == "1" and b.eval("Probe") == "2"
