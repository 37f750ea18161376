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
	^#small! !
""", "{Probe new sum: 20. Probe new pick: 11. Probe new pick: 3}")


@pytest.mark.parametrize("mutation", ["add-is-sub", "no-overflow-check", "swapped-branch"])
def test_differential_testing_catches_broken_lowering(monkeypatch, mutation):
    """Deliberately break a lowering rule: the interpreter and the translation must disagree."""
    if mutation == "add-is-sub":
        monkeypatch.setitem(lower.TAGGED_ARITH, "add", "i32.sub")
        monkeypatch.setitem(lower.INT_OPS, "add", ("(i64.sub (local.get $x) (local.get $y))", False))
    elif mutation == "no-overflow-check":
        monkeypatch.setattr(lower.Lowerer, "overflowed", staticmethod(lambda *a: "(i32.const 0)"))
        monkeypatch.setattr(lower.Lowerer, "out_of_range", staticmethod(lambda x: "(i32.const 0)"))
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
    assert interp[0] == "#(1073743210 #big #small)"   # 1410 + 1073741800 overflows 2^30
    assert jit != interp
