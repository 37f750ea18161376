"""Float intermediates in translated code (backend/lower.py, float_intermediates): an arithmetic
result whose only use is another arithmetic or comparison operation stays an unboxed f64, boxed
only when that consumer's full send needs the object. Results must be the interpreter's
exactly, whatever the operands are (Floats, SmallIntegers that overflow, NaN, -0.0, Fractions,
non-numbers)."""
import pytest

from catalyst.backend import lower
from catalyst.passes.manager import PassManager
from catalyst.vm.vm import VM, SmalltalkError

SOURCE = """Object subclass: #Fl
	instanceVariableNames: 'acc'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Tests'!

!Fl methodsFor: 'floats'!
poly: a with: b with: c
	"a*b, c*c and their sum are intermediates: only the difference is an object"
	^(a * b) + (c * c) - a!
test: a with: b
	^(a * a) + (b * b) > 4.0!
mandel: cr with: ci
	| zr zi zrzr zizi n |
	zrzr := 0.0. zi := 0.0. zizi := 0.0. n := 0.
	[n < 50 and: [zrzr + zizi <= 4.0]] whileTrue: [
		zr := zrzr - zizi + cr.
		zi := 2.0 * zr * zi + ci.
		zrzr := zr * zr.
		zizi := zi * zi.
		n := n + 1].
	^n!
sum: n with: x
	| s |
	s := 0.
	1 to: n do: [:i | s := s + (i * x * 0.5 + x)].
	^s! !
"""


def make(mode, threshold=None):
    vm = VM.default(jit=mode, threshold=threshold)
    vm.file_in_text(SOURCE)
    return vm


def run(vm, expr):
    try:
        return vm.eval(expr)
    except SmalltalkError as e:
        return ("error", e.text, tuple(e.stack))


def wat_of(vm, sel):
    m = vm.lookup_method(vm.class_named("Fl"), sel)
    return vm.jit.compile(m, PassManager(vm.jit.passes))[1]


@pytest.fixture(scope="module")
def tiers():
    return make("off"), make("always"), make("on", 2)


def test_only_escaping_float_results_are_boxed():
    vm = make("on", 10 ** 9)
    # (a*b) + (c*c) - a: one box (the returned difference), not four
    assert wat_of(vm, "poly:with:with:").count("call $box_float") == 1
    # a comparison of a sum of products: nothing is boxed on the Float path
    assert wat_of(vm, "test:with:").count("call $box_float") == 0
    # only the four stored Floats and n + 1 (stored too), not zrzr - zizi, 2.0 * zr, ... * zi
    # nor zrzr + zizi (9 before)
    assert wat_of(vm, "mandel:with:").count("call $box_float") == 5


def test_float_loop_allocates_one_float_per_iteration():
    vm = make("always")
    vm.eval("Fl new sum: 10 with: 1.5")
    before = vm.core.global_value("alloc_count")
    assert vm.eval("Fl new sum: 1000 with: 1.5") == "376875.0"
    # i * x, ... * 0.5 and ... + x stay unboxed; s + ... is stored (4 boxes each before)
    assert vm.core.global_value("alloc_count") - before < 1000 + 100
    assert vm.stats()["translated_activations"] > 0


CASES = [
    "Fl new poly: 1.5 with: 2.25 with: -3.0",
    "Fl new poly: 3 with: 4 with: 5",                         # all SmallIntegers
    "Fl new poly: 2.0 with: 3 with: 4",                       # a Float and SmallIntegers
    "Fl new poly: 1073741823 with: 1073741823 with: 0.5",     # LargeInteger, not Float
    "Fl new poly: 1073741823 with: 2 with: 2",                # overflow only
    "Fl new poly: Float nan with: 1.0 with: 2.0",
    "Fl new poly: Float infinity with: 0.0 with: 1.0",        # inf * 0 = NaN
    "Fl new poly: 0.0 negated with: 1.0 with: 0.0",           # -0.0 results
    "(Fl new poly: 0.0 with: 1.0 with: 0.0 negated) printString",
    "Fl new poly: 1.0e308 with: 10.0 with: 1.0e308",          # infinities
    "Fl new poly: (1/3) with: 1.5 with: 2.0",                 # a Fraction: the full send
    "Fl new poly: 1.5 with: (1/3) with: 2.0",
    "Fl new poly: 1.5 with: 2.0 with: (2/3)",                 # boxed for Float + Fraction
    "Fl new poly: 1.5 with: 2.0 with: nil",                   # doesNotUnderstand
    "Fl new poly: 1.5 with: nil with: 2.0",
    "Fl new poly: 1.5 with: 2.0 with: 'x'",
    "[Fl new poly: 1.5 with: 2.0 with: nil] on: MessageNotUnderstood do: [:e | e message arguments]",
    "Fl new test: 1.5 with: 1.5", "Fl new test: 1 with: 2", "Fl new test: Float nan with: 1.0",
    "Fl new test: 1.5 with: (1/2)", "Fl new test: 1.5 with: nil",
    "Fl new test: 46341 with: 46341",                           # squares overflow 2^30
    "Fl new mandel: -0.5 with: 0.5", "Fl new mandel: 0.3 with: 0.6", "Fl new mandel: 1 with: 1",
    "Fl new mandel: (1/4) with: 0", "Fl new sum: 20 with: 1.5", "Fl new sum: 20 with: 1073741823",
    "Fl new sum: 20 with: (3/7)", "Fl new sum: 3 with: Float nan",
]


@pytest.mark.parametrize("expr", CASES)
def test_float_expressions_agree_with_the_interpreter(tiers, expr):
    answers = [run(vm, expr) for vm in tiers for _ in range(3)]
    assert len(set(answers)) == 1, answers


def test_float_expressions_ran_translated(tiers):
    for vm in tiers[1:]:
        assert vm.stats()["translated_activations"] > 0
        assert vm.jit.stats()["methods_translated"] > 0


GC_CASES = [("Fl new sum: 3000 with: (1/3)", None), ("Fl new sum: 3000 with: 0.25", None)]


@pytest.mark.parametrize("mode,threshold", [("always", None), ("on", 2)])
def test_boxing_an_unboxed_operand_may_collect(mode, threshold):
    """The full send boxes a Float kept unboxed while other values wait on the stack: the
    collection the boxing may run must see them."""
    plain = make("off")
    expected = [plain.eval(e) for e, _ in GC_CASES]
    vm = make(mode, threshold)
    for g in ("gc_threshold", "gc_min_threshold"):       # collect after every 20 KB
        vm.core.set_global(g, 20000)
    for _ in range(2):
        assert [vm.eval(e) for e, _ in GC_CASES] == expected
    assert vm.stats()["gc_count"] >= 5 and vm.stats()["translated_activations"] > 0


@pytest.mark.parametrize("mutation", ["operand-not-boxed", "every-result-unboxed"])
def test_differential_testing_catches_broken_float_lowering(monkeypatch, mutation):
    """Deliberately break the rules for unboxed Floats: the tiers must disagree."""
    if mutation == "operand-not-boxed":     # the full send gets 0 instead of the Float
        original = lower.Lowerer.spill

        def spill(self, values, ip):
            unboxed, self.unboxed = self.unboxed, set()
            try:
                return original(self, values, ip)
            finally:
                self.unboxed = unboxed
        monkeypatch.setattr(lower.Lowerer, "spill", spill)
        expr = "{Fl new poly: 1.5 with: 2.0 with: (2/3). Fl new poly: 1.5 with: 2.0 with: nil}"
    else:                                   # a stored or returned result left unboxed
        monkeypatch.setattr(lower.Lowerer, "float_intermediates", lambda self: {
            i.result for i in self.fn.instructions() if i.op == "int_op"
            and i.attrs["kind"] in self.FLOAT_ARITH} if "float_class" in self.fn.annotations else set())
        expr = "{Fl new poly: 1.5 with: 2.0 with: 3.0. Fl new mandel: -0.5 with: 0.5}"
    answer = run(make("off"), expr)
    assert run(make("always"), expr) != answer
