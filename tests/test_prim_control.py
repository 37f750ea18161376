"""The control primitives (40_send.wat) from Smalltalk: perform: and its variants (83, 84, 100),
the BlockClosure value primitives (201-206, 221, 222) and numArgs, the method-cache flushes (89,
116, 119), named primitives (117, run by the host), the ensure:/on:do: markers (198/199),
contexts (210-212, 9010), 9002 and 9011. For each, the failure cases too: wrong receiver class,
wrong argument count or kind; the method's Smalltalk code must run and the VM never traps."""
import pytest

from catalyst.vm.vm import VM, SmalltalkError
from test_om_support import covers

SOURCE = """Object subclass: #PcBase
	instanceVariableNames: 'log'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'PrimTests'!

PcBase subclass: #PcTest
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'PrimTests'!

!PcBase methodsFor: 'tests'!
who ^#base!
with: a with: b ^{#base. a. b}! !

!PcTest methodsFor: 'tests'!
who ^#test!
with: a with: b ^{#test. a. b}!
a: a b: b c: c d: d ^{a. b. c. d}!
val ^1!
val2 ^2!
noSelector
	<primitive: 83>
	^#fallback!
performArray: sel with: x
	<primitive: 84>
	^#fallback!
notABlock
	<primitive: 201>
	^#fallback!
notABlockWith: x
	<primitive: 202>
	^#fallback!
flushAll
	<primitive: 89>
	^#failed!
named: x
	<primitive: 'primitiveAdd' module: 'PcPlugin'>
	^{#fallback. x}!
namedUnknown
	<primitive: 'primitiveNothing' module: 'NoPlugin'>
	^#fallback!
log ^log!
primReturnTest
	log := OrderedCollection new.
	[:k | [k primReturn: 5] ensure: [log add: #unwound]] value: thisContext.
	^100!
deadContext ^thisContext!
notAMethodPrimitive
	<primitive: 9011>
	^#fallback!
zap ^self error: 'zap'! !

!CompiledMethod methodsFor: 'tests'!
pcFlush
	<primitive: 116>
	^#failed! !

!Symbol methodsFor: 'tests'!
pcFlush
	<primitive: 119>
	^#failed! !
"""


@pytest.fixture(scope="module")
def vm():
    vm = VM.default(jit="off")
    vm.file_in_text(SOURCE, "prim_control.st")
    return vm


def error_of(vm, expr):
    """The class name and message text of the Error expr signals."""
    return vm.eval(f"[{expr}] on: Error do: [:e | {{e class name. e messageText}}]")


# --- perform: ----------------------------------------------------------------------------------

@covers(83, "perform: and its variants")
@pytest.mark.parametrize("expr,expected", [
    ("3 perform: #factorial", "6"),
    ("3 perform: #+ with: 4", "7"),
    ("PcTest new perform: #with:with: with: 1 with: 2", "#(#test 1 2)"),
    ("3 perform: #between:and: with: 1 with: 5", "true"),
    ("PcTest new perform: #a:b:c:d: with: 1 with: 2 with: 3 with: 4", "#(1 2 3 4)"),
    ("nil perform: #isNil", "true"),
    ("(3 perform: #perform: with: #negated)", "-3"),
])
def test_perform(vm, expr, expected):
    assert vm.eval(expr) == expected


@covers(83)
def test_perform_failures_run_the_fallback_code(vm):
    # wrong argument count: the primitive fails, the Smalltalk code reports it
    assert error_of(vm, "3 perform: #+ with: 4 with: 5") == "#(#Error 'wrong number of arguments for #+')"
    assert error_of(vm, "3 perform: #factorial with: 1") == \
        "#(#Error 'wrong number of arguments for #factorial')"
    # a method declared with 83 but taking no selector argument
    assert vm.eval("PcTest new noSelector") == "#fallback"


@covers(83, 84)
def test_perform_of_a_selector_not_understood_sends_does_not_understand(vm):
    assert vm.eval("[3 perform: #bogus with: 4] on: MessageNotUnderstood do: [:e | "
                   "{e message selector. e message arguments. e receiver}]") == "#(#bogus #(4) 3)"
    assert vm.eval("[3 perform: #bogus: withArguments: #(5)] on: MessageNotUnderstood do: [:e | "
                   "e message arguments]") == "#(5)"


@covers(84)
@pytest.mark.parametrize("expr,expected", [
    ("3 perform: #+ withArguments: #(4)", "7"),
    ("3 perform: #factorial withArguments: #()", "6"),
    ("PcTest new perform: #a:b:c:d: withArguments: #(4 3 2 1)", "#(4 3 2 1)"),
    ("PcTest new performArray: #val with: #()", "1"),
])
def test_perform_with_arguments(vm, expr, expected):
    assert vm.eval(expr) == expected


@covers(84)
def test_perform_with_arguments_failures(vm):
    assert error_of(vm, "3 perform: #+ withArguments: #(1 2)") == \
        "#(#Error 'wrong number of arguments for #+')"
    assert vm.eval("PcTest new performArray: #val with: 'not an Array'") == "#fallback"
    assert vm.eval("PcTest new performArray: #val with: (OrderedCollection new)") == "#fallback"
    assert vm.eval("PcTest new performArray: #val with: (Array new: 16)") == "#fallback"
    assert vm.eval("3 + 4") == "7"


@covers(100, "perform: and its variants")
def test_perform_in_superclass(vm):
    assert vm.eval("PcTest new perform: #who withArguments: #() inSuperclass: PcBase") == "#base"
    assert vm.eval("PcTest new perform: #who withArguments: #() inSuperclass: PcTest") == "#test"
    assert vm.eval("PcTest new perform: #with:with: withArguments: #(1 2) inSuperclass: PcBase") == \
        "#(#base 1 2)"
    assert vm.eval("3 perform: #printString withArguments: #() inSuperclass: Object") == "'3'"
    assert error_of(vm, "PcBase new perform: #who withArguments: #() inSuperclass: PcTest") == \
        "#(#Error 'lookupClass is not in my inheritance chain')"
    assert error_of(vm, "PcTest new perform: #who withArguments: #(1) inSuperclass: PcBase") == \
        "#(#Error 'wrong number of arguments for #who')"
    assert vm.eval("[PcTest new perform: #val withArguments: #() inSuperclass: PcBase] "
                   "on: MessageNotUnderstood do: [:e | {e message selector. e message lookupClass}]") == \
        "{#val . PcBase}"


# --- blocks ------------------------------------------------------------------------------------

@covers(201, 202, 203, 204, 205, 206, "the value primitives of BlockClosure", "numArgs")
@pytest.mark.parametrize("expr,expected", [
    ("[42] value", "42"), ("[:a | a + 1] value: 1", "2"), ("[:a :b | a - b] value: 5 value: 3", "2"),
    ("[:a :b :c | a * b * c] value: 2 value: 3 value: 4", "24"),
    ("[:a :b :c :d | {a. b. c. d}] value: 1 value: 2 value: 3 value: 4", "#(1 2 3 4)"),
    ("[:a :b | a , b] valueWithArguments: #('x' 'y')", "'xy'"), ("[7] valueWithArguments: #()", "7"),
    ("{[] numArgs. [:a | ] numArgs. [:a :b :c :d | ] numArgs}", "#(0 1 4)"),
    ("[] value", "nil"), ("| x | x := 3. [x := x + 1] value. x", "4"),
])
def test_block_values(vm, expr, expected):
    assert vm.eval(expr) == expected


@covers(201, 202, 203, 204, 205, 206)
@pytest.mark.parametrize("expr,text", [
    ("[:a | a] value", "this block takes 1 arguments, not 0"),
    ("[] value: 1", "this block takes 0 arguments, not 1"),
    ("[:a | a] value: 1 value: 2", "this block takes 1 arguments, not 2"),
    ("[] value: 1 value: 2 value: 3", "this block takes 0 arguments, not 3"),
    ("[] value: 1 value: 2 value: 3 value: 4", "this block takes 0 arguments, not 4"),
    ("[:a | a] valueWithArguments: #(1 2)", "this block takes 1 arguments, not 2"),
])
def test_block_value_with_the_wrong_argument_count_runs_the_fallback(vm, expr, text):
    assert error_of(vm, expr) == f"#(#Error '{text}')"


@covers(201, 202, 206)
def test_value_primitives_on_other_receivers_and_arguments_fail(vm):
    assert vm.eval("PcTest new notABlock") == "#fallback"
    assert vm.eval("PcTest new notABlockWith: 3") == "#fallback"
    assert "Error" in vm.eval("[[:a | a] valueWithArguments: 'x'] on: Error do: [:e | e class name]")
    assert vm.eval("[:a | a] valueWithArguments: (Array with: 5)") == "5"


@covers(221, 222, "the value primitives of BlockClosure")
def test_value_no_context_switch(vm):
    assert vm.eval("[7] valueNoContextSwitch") == "7"
    assert vm.eval("[:x | x * 2] valueNoContextSwitch: 4") == "8"
    assert error_of(vm, "[:x | x] valueNoContextSwitch") == "#(#Error 'this block takes 1 arguments, not 0')"
    assert error_of(vm, "[] valueNoContextSwitch: 3") == "#(#Error 'this block takes 0 arguments, not 1')"


# --- method cache flushes ------------------------------------------------------------------------

def _swap_val_for_val2(vm):
    """Put val2's method under #val in PcTest's method dictionary behind the caches' back."""
    vm.evaluate("| d i | d := PcTest methodDict. "
                "i := (1 to: d basicSize) detect: [:k | (d basicAt: k) == #val]. "
                "(d instVarAt: 2) at: i put: (PcTest compiledMethodAt: #val2)")


@covers(89, 116, 119)
@pytest.mark.parametrize("flush", ["PcTest new flushAll", "(PcTest compiledMethodAt: #val) pcFlush",
                                   "#val pcFlush"])
def test_flush_cache_primitives(vm, flush):
    vm.file_in_text("!PcTest methodsFor: 'tests'!\nval ^1! !\n")          # (flushes)
    vm.evaluate("Smalltalk garbageCollect")      # a collection flushes too: none may come now
    assert vm.eval("| t | t := PcTest new. (1 to: 3) collect: [:i | t val]") == "#(1 1 1)"
    _swap_val_for_val2(vm)
    assert vm.eval("| t | t := PcTest new. (1 to: 3) collect: [:i | t val]") == "#(1 1 1)"  # cached
    assert vm.eval(f"({flush}) == #failed") == "false"
    assert vm.eval("| t | t := PcTest new. (1 to: 3) collect: [:i | t val]") == "#(2 2 2)"


# --- named primitives ----------------------------------------------------------------------------

@covers(117)
def test_named_primitives_run_the_hosts_code_or_the_fallback(vm):
    core, calls = vm.core, []

    def plugin(module, name, sp, argc):
        calls.append((vm.heap.string_of(module), vm.heap.string_of(name), argc))
        if vm.heap.string_of(name) != "primitiveAdd":
            return 0
        arg = core.u32(sp)
        if not arg & 1:
            return 0                            # fail: the method's code runs
        core.set_u32(sp - 4 * argc, arg + 2)    # SmallInteger arg + 1 replaces the receiver
        return 1

    saved, core.on_named_prim = core.on_named_prim, plugin
    try:
        assert vm.eval("PcTest new named: 41") == "42"
        assert vm.eval("PcTest new named: nil") == "#(#fallback nil)"
        assert vm.eval("PcTest new namedUnknown") == "#fallback"
    finally:
        core.on_named_prim = saved
    assert calls == [("PcPlugin", "primitiveAdd", 1)] * 2 + [("NoPlugin", "primitiveNothing", 0)]
    assert vm.eval("PcTest new named: 41") == "#(#fallback 41)"   # the default host has none


# --- ensure:, ifCurtailed:, on:do: (198/199 only mark the frames; their code runs) ----------------

@covers(198, 199)
@pytest.mark.parametrize("expr,expected", [
    ("| log | log := OrderedCollection new. [log add: 1] ensure: [log add: 2]. log asArray", "#(1 2)"),
    ("| log r | log := OrderedCollection new. r := [log add: 1. 5] ensure: [log add: 2]. {r. log size}", "#(5 2)"),
    ("| log | log := OrderedCollection new. #(1 2) do: [:x | [^log] ensure: [log add: x]]. 0", "an OrderedCollection(1)"),
    ("| log | log := OrderedCollection new. [[Error signal: 'x'] ensure: [log add: #e]] on: Error do: [:e | log add: e messageText]. log asArray", "#('x' #e)"),
    ("| log | log := OrderedCollection new. [[log add: 1] ifCurtailed: [log add: #cut]] value. log asArray", "#(1)"),
    ("| log | log := OrderedCollection new. [[Error signal] ifCurtailed: [log add: #cut]] on: Error do: [:e | 0]. log asArray", "#(#cut)"),
    ("[Error signal: 'boom'] on: Error do: [:e | e messageText]", "'boom'"),
    ("[ZeroDivide new signal] on: ArithmeticError do: [:e | e class name]", "#ZeroDivide"),
    ("[[1/0] on: MessageNotUnderstood do: [:e | #wrong]] on: ZeroDivide do: [:e | #right]", "#right"),
])
def test_unwind_and_handler_markers(vm, expr, expected):
    assert vm.eval(expr) == expected


# --- contexts: 210-212, 9010 primReturn:, 9011 -----------------------------------------------

@covers(73, 74, 210, 211, 212)
def test_context_temps_and_size(vm):
    assert vm.eval("| a b | a := 3. b := 4. {thisContext tempAt: 1. thisContext tempAt: 2}") == "#(3 4)"
    assert vm.eval("| a | thisContext tempAt: 1 put: 9. a") == "9"
    assert vm.eval("| a b | thisContext size >= 2") == "true"
    assert error_of(vm, "thisContext tempAt: 0").startswith("#(#SubscriptOutOfBounds")
    assert vm.eval("| a | a := 5. thisContext instVarAt: 6") == "nil"        # the receiver
    assert error_of(vm, "| a | a := 5. thisContext instVarAt: 7").startswith("#(#SubscriptOutOfBounds")
    assert error_of(vm, "| a | thisContext instVarAt: 7 put: 1").startswith("#(#SubscriptOutOfBounds")
    assert error_of(vm, "thisContext tempAt: 1000").startswith("#(#SubscriptOutOfBounds")


@covers(9010)
def test_prim_return_unwinds_to_a_context_running_ensure_blocks(vm):
    assert vm.eval("| t | t := PcTest new. {t primReturnTest. t log asArray}") == "#(5 #(#unwound))"
    assert vm.eval("[:k | 1 + (k primReturn: 5)] value: thisContext. 7") == "5"
    assert vm.eval("[Error signal] on: Error do: [:e | e return: 3]") == "3"      # through return:
    assert vm.eval("[PcTest new deadContext primReturn: 3] on: BlockCannotReturn do: [:e | e result]") == "3"


@covers(9011)
def test_compiled_method_primitive(vm):
    assert vm.eval("(Object compiledMethodAt: #==) primitive") == "110"
    assert vm.eval("(Object compiledMethodAt: #printString) primitive") == "0"
    assert vm.eval("(PcTest compiledMethodAt: #named:) primitive") == "117"
    assert vm.eval("PcTest new notAMethodPrimitive") == "#fallback"


@covers(9002)
def test_unhandled_error_halts_the_run_with_its_description(vm):
    with pytest.raises(SmalltalkError) as e:
        vm.eval("PcTest new zap")
    assert e.value.code == 1 and e.value.text == "Error: zap"
    assert any("PcTest>>zap" in frame for frame in e.value.stack)
    assert vm.eval("3 + 4") == "7"


@covers(113, "quit")
def test_quit_from_smalltalk_stops_the_run():
    vm = VM.default(jit="off")
    vm.file_in_text("!UndefinedObject methodsFor: 'tests'!\npcQuit <primitive: 113> ^#notQuit! !\n")
    with pytest.raises(SystemExit) as e:
        vm.eval("nil pcQuit. #after")
    assert e.value.code == 0 and vm.core.quit_code == 0
    assert vm.eval("3 + 4") == "7"
