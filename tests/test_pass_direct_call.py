"""direct-call: sends whose inline caches saw two to four classes call each class's target
translation directly (or answer a trivial target's value), behind one class test per case;
other classes take the full send. Answers are the interpreter's, and the calls really skip the
VM's send."""
from catalyst.vm.vm import VM, SmalltalkError

SOURCE = """Object subclass: #DcA
	instanceVariableNames: 'v'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'T'!
DcA subclass: #DcB
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'T'!
DcA subclass: #DcC
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'T'!
DcA subclass: #DcD
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'T'!
!DcA methodsFor: 't'!
setV: x
	v := x!
val: k
	^k + v + 1!
tag
	^v! !
!DcB methodsFor: 't'!
val: k
	^k * v - 2! !
!DcC methodsFor: 't'!
val: k
	k = 500 ifTrue: [^self error: 'five hundred'].
	^(k \\\\ 7) + v! !
!DcD methodsFor: 't'!
val: k
	^k printString size! !
!Object methodsFor: 't'!
loop: objs n: n
	| s |
	s := 0.
	1 to: n do: [:k | s := s + ((objs at: k \\\\ objs size + 1) val: k)].
	^s! !
"""
OBJS = "{DcA new setV: 1; yourself. DcB new setV: 2; yourself. DcC new setV: 3; yourself}"


def make(mode="on"):
    vm = VM.default(jit=mode, threshold=5)
    vm.file_in_text(SOURCE)
    return vm


def test_a_polymorphic_site_calls_each_target_directly():
    vm, plain = make(), make("off")
    for _ in range(12):
        vm.eval(f"nil loop: {OBJS} n: 30")
    m = vm.lookup_method(vm.class_named("Object"), "loop:n:")
    fn, _, _ = vm.jit.compile(m)
    site = next(i for i in fn.instructions() if i.op == "send" and i.attrs.get("cases"))
    assert len(site.attrs["cases"]) == 3 and all(":call:" in c for c in site.attrs["cases"])
    expr = f"nil loop: {OBJS} n: 450"
    before = vm.stats()
    assert vm.eval(expr) == plain.eval(expr)
    after = vm.stats()
    # 450 calls of translated val: methods, almost none made by the VM's send
    assert after["translated_activations"] - before["translated_activations"] >= 450
    assert after["sends"] - before["sends"] < 100


def outcome(vm, expr):
    try:
        return vm.eval(expr)
    except SmalltalkError as e:
        return ("error", str(e).split("\n")[0])


def test_other_classes_and_errors_take_the_full_send():
    vm, plain = make(), make("off")
    for _ in range(12):
        vm.eval(f"nil loop: {OBJS} n: 30")
    more = "{DcA new setV: 1; yourself. DcD new setV: 2; yourself. DcB new setV: 5; yourself}"
    for expr in (f"nil loop: {more} n: 50",                        # DcD: not a case
                 "nil loop: {DcB new setV: 1073741823; yourself} n: 20",   # LargeIntegers
                 "nil loop: {DcA new setV: 1.5; yourself} n: 20",
                 f"nil loop: {OBJS} n: 600"):                      # DcC>>val: 500 raises
        assert outcome(vm, expr) == outcome(plain, expr), expr
    assert outcome(vm, f"nil loop: {OBJS} n: 600")[0] == "error"


def test_redefining_one_case_target_is_seen():
    vm = make()
    for _ in range(12):
        vm.eval(f"nil loop: {OBJS} n: 30")
    vm.file_in_text("!DcB methodsFor: 't'!\nval: k\n\t^1000! !\n")
    plain = make("off")
    plain.file_in_text("!DcB methodsFor: 't'!\nval: k\n\t^1000! !\n")
    for _ in range(12):
        assert vm.eval(f"nil loop: {OBJS} n: 30") == plain.eval(f"nil loop: {OBJS} n: 30")
