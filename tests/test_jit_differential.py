"""Differential testing: generated programs give the same answer, Transcript output and error
interpreted (--jit off), translated before first run (--jit always) and switching tier mid-run
(--jit on with a low threshold). Stats must show translated code ran.

CATALYST_DIFF_EXAMPLES sets the number of generated programs (default 20 in the normal run;
the slow profile, CATALYST_SLOW=1, runs 200). A failing program is written to
tests/regressions/ and replayed by test_saved_regressions from then on.
"""
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from catalyst.backend import lower
from catalyst.vm.core import VMTrap
from catalyst.vm.vm import VM, SmalltalkError
from programs import Program, programs

REGRESSIONS = Path(__file__).parent / "regressions"
N = int(os.environ.get("CATALYST_DIFF_EXAMPLES", "200" if os.environ.get("CATALYST_SLOW") else "20"))
TIERS = (("off", None), ("always", None), ("on", 3))


class Runner:
    def __init__(self, mode, threshold):
        self.out = []
        self.vm = VM.default(jit=mode, threshold=threshold, stdout=self.out.append)

    def run(self, program: Program):
        self.out.clear()
        try:
            self.vm.file_in_text(program.classes, "generated.st")
            answer = self.vm.eval(program.main)
        except SmalltalkError as e:
            answer = ("error", e.text, tuple(e.stack))
        except VMTrap as e:        # a broken translation may trap: that is a disagreement too
            answer = ("trap", str(e))
        return answer, b"".join(self.out)


@pytest.fixture(scope="module")
def runners():
    return [Runner(m, t) for m, t in TIERS]


def check(runners, program: Program):
    results = [r.run(program) for r in runners]
    if not all(res == results[0] for res in results):
        REGRESSIONS.mkdir(exist_ok=True)
        name = f"diff_{abs(hash(str(program))) % 10**8}.st"
        (REGRESSIONS / name).write_text(f"{program.classes}\n\"main\"\n!{program.main}")
        raise AssertionError(f"tiers disagree: {results}\nprogram saved as tests/regressions/{name}")
    return results[0]


@settings(max_examples=N, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(programs())
def test_tiers_agree_on_generated_programs(runners, program):
    check(runners, program)


def test_translated_code_really_ran(runners):
    always = runners[1].vm.stats()
    assert always["methods_translated"] > 0 and always["translated_activations"] > 0
    # the generated methods' closures (do:, ensure:, on:do:, collect:...) ran as translated
    # block bodies, in both translated tiers
    assert always["translated_block_activations"] > 0
    switching = runners[2].vm.stats()
    assert switching["translated_block_activations"] > 0
    # translated with the inline caches filled: do:, collect:... and their blocks were inlined
    assert switching["inlined_methods"] > 0 and switching["inlined_blocks"] > 0


def test_saved_regressions(runners):
    for path in sorted(REGRESSIONS.glob("*.st")):
        classes, main = path.read_text().split('\n"main"\n!')
        check(runners, Program(classes, main))


PROBE = Program("""Object subclass: #Probe
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Dt'!

!Probe methodsFor: 'dt'!
sum: n
	| s |
	s := 0.
	1 to: n do: [:i | s := s + (i * 7) - 3].
	^s + 1073741800!
pick: x
	x > 10 ifTrue: [^#big].
	^#small!
find: n
	#(4 5 6) do: [:e | e > n ifTrue: [^e]].
	^0! !
""", "{Probe new sum: 20. Probe new pick: 11. Probe new pick: 3. Probe new find: 4}")


@pytest.mark.parametrize("mutation", ["add-is-sub", "no-overflow-check", "swapped-branch",
                                      "nlr-returns-from-the-block"])
def test_differential_testing_catches_broken_lowering(monkeypatch, mutation):
    """Deliberately break a lowering rule: the interpreter and the translation must disagree."""
    if mutation == "add-is-sub":
        monkeypatch.setitem(lower.TAGGED_ARITH, "add", "i32.sub")
        monkeypatch.setitem(lower.INT_OPS, "add", ("(i64.sub (local.get $x) (local.get $y))", False))
    elif mutation == "no-overflow-check":
        monkeypatch.setattr(lower.Lowerer, "overflowed", staticmethod(lambda *a: "(i32.const 0)"))
        monkeypatch.setattr(lower.Lowerer, "out_of_range", staticmethod(lambda x: "(i32.const 0)"))
    elif mutation == "nlr-returns-from-the-block":
        monkeypatch.setattr(lower.Lowerer, "nlr",
                            lambda self, i: self.w(f"(return {self.get(i.args[0])})"))
    else:
        original_goto = lower.Lowerer.goto

        def goto(self, src, dst):
            succ = [t for t in self.fn.blocks[src].instrs[-1].args[1:]] if \
                self.fn.blocks[src].instrs[-1].op == "branch" else [dst]
            if len(succ) == 2:
                dst = succ[1] if dst == succ[0] else succ[0]
            original_goto(self, src, dst)
        monkeypatch.setattr(lower.Lowerer, "goto", goto)
    interp = Runner("off", None).run(PROBE)
    jit = Runner("always", None).run(PROBE)
    assert interp[0] == "#(1073743210 #big #small 5)"   # 1410 + 1073741800 overflows 2^30
    assert jit != interp


EDGES = Program("""Object subclass: #Edge
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Dt'!

!Edge methodsFor: 'dt'!
dec: x
	^x - 1!
inc: x
	^x + 1!
plusMinusOne: x
	^x + -1!
minusMinusOne: x
	^x - -1!
onePlus: x
	^1 + x!
minusLeast: x
	^x - -1073741824!
plusMost: x
	^x + 1073741823!
plusZero: x
	^x + 0! !
""", "| e m | e := Edge new. m := SmallInteger maxVal. "
     "{e dec: m negated - 1. e dec: 5. e inc: m. e inc: -7. e plusMinusOne: m negated - 1. "
     "e minusMinusOne: m. e onePlus: m. e onePlus: 41. e minusLeast: 0. e minusLeast: -1. "
     "e plusMost: 1. e plusMost: -1. e plusZero: m}")


def test_arithmetic_with_a_constant_overflows_where_the_interpreter_does(runners):
    """`x - 1`, `1 + x`... are lowered with a one-comparison overflow test (the constant's
    sign says which way the sum moves): at the ends of the SmallInteger range the translated
    code must take the send (LargeIntegers) exactly where the interpreter does."""
    before = runners[1].vm.stats()["translated_activations"]
    results = [r.run(EDGES) for r in runners]
    assert results[0][0] == ("#(-1073741825 4 1073741824 -6 -1073741825 1073741824 1073741824 "
                             "42 1073741824 1073741823 1073741824 1073741822 1073741823)")
    assert all(res == results[0] for res in results)
    assert runners[1].vm.stats()["translated_activations"] >= before + 13


def test_constant_operand_gets_the_short_overflow_test():
    """The lowering of `x - 1` compares the result with x once; no sign-bit rule (xor) for it."""
    from catalyst.ir.ir import parse_function
    fn = parse_function("""function Edge>>dec: args=1 temps=1
b0: ; preds:
  v1 = load_temp index=0
  v2 = const 3
  v3 = int_op #- v1 v2 kind=sub live=[] nargs=1 pc=18 sel=0 site=17 special=1
  ret v3
""")
    wat = "\n".join(lower.Lowerer(fn).function("method"))
    assert "(i32.add (local.get $v1) (i32.const -2))" in wat
    assert "(br_if $slow (i32.gt_s (local.get $v3) (local.get $v1)))" in wat
    assert "i32.xor" not in wat
