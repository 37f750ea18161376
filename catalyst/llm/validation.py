"""Is a candidate translation correct, and is it faster than the baseline translation?

`Checker(vm, method, m, inputs)` compiles two driver doIts for the method's selector (one send;
the same send in a counted loop) and puts every input case in an Array the drivers read their
receiver and arguments from. Then, each in a `Sandbox` session started from the same VM state:

- `reference()` runs every case with the method uninstalled (the interpreter), and keeps the
  cases that finished (an answer or an unhandled Smalltalk error; not a timeout, a stack
  overflow or out of memory) as the differential oracle;
- `verify(index)` runs the same cases with the translation at table `index` installed and
  compares each outcome structurally with the interpreter's (the answer, the receiver after the
  run, the output); the first difference, trap or timeout rejects the candidate with the input
  and both outcomes in the reason;
- `time(baseline, candidate)` times the two translations side by side, alternating which goes
  first, on the timed cases (the program's own input and cases that answered, cheap to costly),
  each run a loop of sends whose count makes the case take about `timing_target` with the
  baseline; per case the median of `timing_runs` runs of each, and over the cases the
  geometric mean of the ratios (the program's own input weighing as much as all the others).
"""
from __future__ import annotations

import math
import statistics

from catalyst.frontend.compiler import compile_doit
from catalyst.llm.sandbox import Sandbox
from catalyst.vm.heap import tag_int


class CandidateRejected(Exception):
    pass


class NoUsableInputs(Exception):
    pass


def send_source(selector: str, nargs: int, names: list[str] | None = None) -> str:
    """`(self at: 1) sel: (self at: 2) ...`: the driver's send, receiver and arguments read from
    the Array it runs on (or from the named temps)."""
    names = names or [f"(self at: {k + 1})" for k in range(nargs + 1)]
    rcv = names[0]
    if nargs == 0:
        return f"{rcv} {selector}"
    if not selector[:1].isalpha():
        return f"{rcv} {selector} {names[1]}"
    parts = selector.split(":")[:-1]
    return rcv + " " + " ".join(f"{p}: {names[k + 1]}" for k, p in enumerate(parts))


class Checker:
    def __init__(self, vm, method: int, m, inputs, case_seconds: float = 0.25,
                 timing_runs: int = 5, timing_target: float = 0.01, max_timed_cases: int = 8):
        self.vm, self.core, self.method, self.m = vm, vm.core, method, m
        self.inputs = inputs
        self.case_seconds = case_seconds
        self.timing_runs = timing_runs
        self.timing_target = timing_target
        self.max_timed_cases = max_timed_cases
        self.runs = 0
        sel = vm.heap.method_selector(method)
        array = vm.special(7)
        send = send_source(sel, m.num_args)
        self.count_slot = m.num_args + 1
        self.once = self._driver(f"^{send}", array)
        # the loop sends to temps, so that little but the send itself is timed
        names = [f"a{k}" for k in range(m.num_args + 1)]
        loads = " ".join(f"{n} := self at: {k + 1}." for k, n in enumerate(names))
        self.loop = self._driver(f"| r n {' '.join(names)} | {loads} n := self at: {self.count_slot + 1}. "
                                 f"1 to: n do: [:k | r := {send_source(sel, m.num_args, names)}]. ^r",
                                 array)
        self.arrays = []
        for case in inputs.cases:
            arr = inputs.hold(vm.alloc(array, m.num_args + 2))
            for k, v in enumerate([case.receiver] + list(case.args)):
                self.core.set_u32(arr + 8 + 4 * k, v)
            self.core.set_u32(arr + 8 + 4 * self.count_slot, tag_int(1))
            self.arrays.append(arr)
        self.reference_outcomes: list = []
        self.usable: list[int] = []
        self.timings: list = []          # (input, baseline s, candidate s) of the last timing

    def _driver(self, source: str, cls: int) -> int:
        spec = compile_doit(source, self.vm.class_scope(cls), "<llm validation>")
        return self.inputs.hold(self.vm.method_object(spec, cls))

    def _install(self, index: int):
        """A prepare step: the translation at table index (0 = none: the interpreter)."""
        def prepare():
            if index:
                self.core.call("method_install", self.method, index)
            else:
                self.core.call("method_uninstall", self.method)
        return prepare

    # --- the oracle ------------------------------------------------------------------------
    def reference(self):
        with Sandbox(self.vm, self.case_seconds) as sb:
            self.reference_outcomes = [sb.run(a, self.once, prepare=self._install(0))
                                       for a in self.arrays]
            self.runs += sb.runs
        self.usable = [i for i, o in enumerate(self.reference_outcomes) if o.usable]
        if not self.usable:
            kinds = sorted({o.kind for o in self.reference_outcomes}) or ["no cases"]
            raise NoUsableInputs(f"no generated input finished in the interpreter ({', '.join(kinds)})")
        return self.reference_outcomes

    # --- a candidate ------------------------------------------------------------------------
    def verify(self, index: int) -> None:
        with Sandbox(self.vm, self.case_seconds) as sb:
            try:
                for i in self.usable:
                    ref = self.reference_outcomes[i]
                    # a runaway candidate is stopped; a slow path (or a loaded machine) is not
                    limit = max(self.case_seconds, 4 * ref.seconds + 0.05)
                    got = sb.run(self.arrays[i], self.once, limit, prepare=self._install(index))
                    if got.text != ref.text:
                        what = {"trap": "trapped", "timeout": "did not finish"}.get(got.kind, "differs")
                        raise CandidateRejected(
                            f"wrong result: on input {self.inputs.cases[i].label} the candidate "
                            f"{what}: {clip(got.text)}; the interpreter: {clip(ref.text)}")
            finally:
                self.runs += sb.runs

    def time(self, baseline: int, candidate: int) -> tuple[float, float, float]:
        """(speed-up, baseline seconds, candidate seconds): the geometric mean over the timed
        cases of the ratio of the two translations' median times, and the sums of those
        medians. Each generated case is one vote, so a candidate that is much faster on most
        inputs and gives up (deoptimizes) on a few still counts as faster; the program's own
        input, when there is one, weighs as much as all the generated ones together."""
        timed = self.timed_cases()
        with Sandbox(self.vm, max(self.case_seconds, 1.0)) as sb:
            try:
                counts = {i: self._calibrate(sb, i, baseline) for i in timed}
                samples = {(index, i): [] for index in (baseline, candidate) for i in timed}
                for s in range(self.timing_runs):
                    for index in ((baseline, candidate) if s % 2 == 0 else (candidate, baseline)):
                        for i in timed:
                            samples[index, i].append(self._timed_run(sb, i, index, counts[i]))
            finally:
                self.runs += sb.runs
        med = {k: max(statistics.median(v), 1e-9) for k, v in samples.items()}
        logs = {i: math.log(med[baseline, i] / med[candidate, i]) for i in timed}
        own = [i for i in timed if self.inputs.cases[i].captured]
        others = [logs[i] for i in timed if i not in own]
        if own and others:       # the program's own input weighs as much as all the others
            speedup = math.exp((logs[own[0]] + sum(others) / len(others)) / 2)
        else:
            speedup = math.exp(sum(logs.values()) / len(logs))
        self.timings = [(self.inputs.cases[i].label, med[baseline, i], med[candidate, i]) for i in timed]
        return (speedup, sum(med[baseline, i] for i in timed), sum(med[candidate, i] for i in timed))

    def timed_cases(self) -> list[int]:
        """The cases timed: the activation that made the method hot, then up to
        `max_timed_cases` of the cases that answered, evenly spread from the cheapest to the
        costliest (timing only the costliest would time mostly the slow paths both take).
        A generated case whose single interpreter run takes more than ten times
        `timing_target` is verified but not timed: repeating it would cost too much."""
        ref = self.reference_outcomes
        own = [i for i in self.usable if self.inputs.cases[i].captured]
        quick = [i for i in self.usable if i not in own and ref[i].seconds <= 10 * self.timing_target]
        answered = [i for i in quick if ref[i].kind == "value"] or quick
        if not answered and not own:
            answered = sorted(self.usable, key=lambda i: ref[i].seconds)[:1]
        rest = sorted(answered, key=lambda i: ref[i].seconds)
        room = self.max_timed_cases - len(own)
        if len(rest) > room > 1:
            rest = [rest[round(k * (len(rest) - 1) / (room - 1))] for k in range(room)]
        return own + rest[:max(room, 0)]

    def _calibrate(self, sb, i: int, index: int) -> int:
        """Sends per timed run: enough that a run of the baseline takes `timing_target`, so that
        the fixed cost of a run (restoring the state, entering the VM) weighs little. The
        first guess comes from the interpreter's time for one send."""
        guess = self.reference_outcomes[i].seconds
        count = max(1, min(1_000_000, int(self.timing_target / max(guess, 1e-6))))
        for _ in range(5):
            # the quickest of three: a burst of load on the machine must not stop the growth
            t = min(self._timed_run(sb, i, index, count) for _ in range(3))
            if t >= self.timing_target or count >= 1_000_000:
                break
            count = min(1_000_000, max(count * 2, int(count * self.timing_target / max(t, 1e-6))))
        return count

    def _timed_run(self, sb, i: int, index: int, count: int) -> float:
        arr = self.arrays[i]
        install = self._install(index)

        def prepare():
            install()
            self.core.set_u32(arr + 8 + 4 * self.count_slot, tag_int(count))
        out = sb.run(arr, self.loop, prepare=prepare)
        if out.kind in ("trap", "timeout"):
            raise CandidateRejected(f"while timing on input {self.inputs.cases[i].label} the "
                                    f"translation {'trapped' if out.kind == 'trap' else 'did not finish'}: "
                                    f"{clip(out.text)}")
        return out.seconds


def clip(text: str, n: int = 300) -> str:
    return text if len(text) <= n else text[:n] + "..."
