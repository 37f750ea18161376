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
- `time(baseline, candidate)` times the two translations side by side on the heaviest cases,
  alternating which goes first, each sample a calibrated loop of sends, and answers the median
  of each.
"""
from __future__ import annotations

import statistics

from catalyst.frontend.compiler import compile_doit
from catalyst.llm.sandbox import Sandbox
from catalyst.vm.heap import tag_int


class CandidateRejected(Exception):
    pass


class NoUsableInputs(Exception):
    pass


def send_source(selector: str, nargs: int) -> str:
    """`(self at: 1) sel: (self at: 2) ...`: the driver's send, receiver and arguments read from
    the Array it runs on."""
    rcv = "(self at: 1)"
    if nargs == 0:
        return f"{rcv} {selector}"
    if not selector[:1].isalpha():
        return f"{rcv} {selector} (self at: 2)"
    parts = selector.split(":")[:-1]
    return rcv + " " + " ".join(f"{p}: (self at: {k + 2})" for k, p in enumerate(parts))


class Checker:
    def __init__(self, vm, method: int, m, inputs, case_seconds: float = 0.25,
                 timing_runs: int = 5, timing_target: float = 0.01, max_timed_cases: int = 3):
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
        self.loop = self._driver(f"| r | 1 to: (self at: {self.count_slot + 1}) do: [:k | r := {send}]. ^r",
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
                    limit = min(self.case_seconds, max(0.05, 4 * ref.seconds + 0.02))
                    got = sb.run(self.arrays[i], self.once, limit, prepare=self._install(index))
                    if got.text != ref.text:
                        what = {"trap": "trapped", "timeout": "did not finish"}.get(got.kind, "differs")
                        raise CandidateRejected(
                            f"wrong result: on input {self.inputs.cases[i].label} the candidate "
                            f"{what}: {clip(got.text)}; the interpreter: {clip(ref.text)}")
            finally:
                self.runs += sb.runs

    def time(self, baseline: int, candidate: int) -> tuple[float, float]:
        """(median seconds of the baseline, of the candidate) on the same timed cases."""
        timed = self.timed_cases()
        with Sandbox(self.vm, max(self.case_seconds, 1.0)) as sb:
            try:
                counts = {}
                for i in timed:
                    first = self._timed_run(sb, i, baseline, 1)
                    counts[i] = max(1, min(100000, int(self.timing_target / max(first, 1e-6))))
                samples = {baseline: [], candidate: []}
                for s in range(self.timing_runs):
                    for index in ((baseline, candidate) if s % 2 == 0 else (candidate, baseline)):
                        samples[index].append(sum(self._timed_run(sb, i, index, counts[i])
                                                  for i in timed))
            finally:
                self.runs += sb.runs
        return statistics.median(samples[baseline]), statistics.median(samples[candidate])

    def timed_cases(self) -> list[int]:
        """The cases timed: the activation that made the method hot, then the heaviest ones
        that answered (an error path says little about the method's speed)."""
        ref = self.reference_outcomes
        order = sorted(self.usable, key=lambda i: (ref[i].kind != "value", -ref[i].seconds))
        captured = [0] if self.inputs.cases and self.inputs.cases[0].captured and 0 in self.usable \
            and ref[0].kind == "value" else []
        return (captured + [i for i in order if i not in captured])[:self.max_timed_cases]

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
