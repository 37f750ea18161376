"""`catalyst bench`: run the benchmark suite in each tier in one process and compare side by side.

Every benchmark runs in every requested tier (interp = JIT off, jit = JIT on with translation
counted in the time, llm = JIT plus the LLM pass), one VM per tier for the suite, the tiers taking
turns run by run on each benchmark (first runs, then warm-up runs, then timed runs); the table shows median and min
time, the ratio of each tier to the interpreter (interp median / tier median, so 5.0 means five
times faster), the cold first run (translation included), "total x" (the interpreter's total time
on the benchmark over the tier's, first and warm-up runs included: above 1 the translation paid
for itself), the benchmark's time spent translating, bytes of WASM generated and peak memory. The tinyBenchmarks
pair also reports Squeak's figures (bytecodes/s and sends/s) and, when a C compiler exists, the
ratio to the native C versions measured in the same invocation.
"""
from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class Benchmark:
    name: str
    expr: str                 # a doIt; `{n}` is replaced by the size
    full: int                 # size for a full run
    smoke: int                # size for the quick correctness run in the test suite
    unit: str = ""            # "bytecodes/s" or "sends/s" for the tinyBenchmarks pair
    check: str | None = None  # expected printString of the answer when the expr can't check itself

    def source(self, n: int) -> str:
        return self.expr.replace("{n}", str(n))


SUITE: tuple[Benchmark, ...] = (
    Benchmark("tiny-bytecodes", "{n} benchmark", 100, 1, unit="bytecodes/s", check="1028"),
    Benchmark("tiny-sends", "{n} benchFib", 29, 10, unit="sends/s"),
    Benchmark("sieve", "BenchSieve new innerBenchmarkLoop: {n}", 150, 1),
    Benchmark("queens", "BenchQueens new innerBenchmarkLoop: {n}", 120, 1),
    Benchmark("towers", "BenchTowers new innerBenchmarkLoop: {n}", 40, 1),
    Benchmark("permute", "BenchPermute new innerBenchmarkLoop: {n}", 80, 1),
    Benchmark("bounce", "BenchBounce new innerBenchmarkLoop: {n}", 150, 1),
    Benchmark("list", "BenchList new innerBenchmarkLoop: {n}", 120, 1),
    Benchmark("storage", "BenchStorage new innerBenchmarkLoop: {n}", 100, 1),
    Benchmark("mandelbrot", "BenchMandelbrot new size: {n}; innerBenchmarkLoop: 1", 100, 1),
    Benchmark("nbody", "BenchNBody new steps: {n}; innerBenchmarkLoop: 1", 10000, 1),
    Benchmark("richards", "BenchRichards new innerBenchmarkLoop: {n}", 10, 1),
    Benchmark("deltablue", "BenchDeltaBlue new innerBenchmarkLoop: {n}", 40, 1),
    Benchmark("json", "BenchJson new innerBenchmarkLoop: {n}", 60, 1),
)
BY_NAME = {b.name: b for b in SUITE}
IMAGE_BENCHMARKS = ("tiny-bytecodes", "tiny-sends")     # methods every Squeak image has
TIERS = ("interp", "jit", "llm")


class BenchmarkFailed(Exception):
    """A benchmark answered wrongly or raised: the numbers of a broken run are never reported."""


def suite_files() -> list[Path]:
    root = resources.files("catalyst.bench.suite")
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".st"))


def make_vm(tier: str, image: str | None = None, threshold: int | None = None):
    from catalyst.vm.vm import VM
    jit = "off" if tier == "interp" else "on"
    kwargs = {"jit": jit, "llm": tier == "llm"}
    if threshold is not None:
        kwargs["threshold"] = threshold
    if image:
        # the image's own methods (its Integer>>benchmark and benchFib): the suite's classes are
        # written in the kernel's dialect and filed into the embedded default only
        from catalyst.frontend.image_load import open_image
        return open_image(image, jit=jit, **({"threshold": threshold} if threshold else {}))
    vm = VM.default(**kwargs)
    for path in suite_files():
        vm.file_in(path)
    return vm


@dataclass
class Result:
    benchmark: str
    tier: str
    size: int
    runs: list[float] = field(default_factory=list)
    first_s: float = 0.0
    answer: str = ""
    translate_s: float = 0.0
    wasm_bytes: int = 0
    peak_mem: int = 0
    methods_translated: int = 0
    translated_activations: int = 0
    warmup_s: float = 0.0
    llm: dict | None = None          # the LLM pass's counters during this benchmark (tier llm)

    @property
    def median_s(self) -> float:
        return statistics.median(self.runs)

    @property
    def total_s(self) -> float:
        """Everything this tier spent on the benchmark: the cold first run (which translates
        what it runs), the warm-up runs and the timed runs."""
        return self.first_s + self.warmup_s + sum(self.runs)

    @property
    def min_s(self) -> float:
        return min(self.runs)

    def as_json(self, interp: "Result | None", native: dict[str, float]) -> dict:
        d = {"benchmark": self.benchmark, "tier": self.tier, "size": self.size,
             "median_s": self.median_s, "min_s": self.min_s, "runs": self.runs,
             "first_run_s": self.first_s, "total_s": self.total_s, "answer": self.answer,
             "translate_s": self.translate_s, "wasm_bytes": self.wasm_bytes,
             "peak_memory_bytes": self.peak_mem, "methods_translated": self.methods_translated,
             "translated_activations": self.translated_activations}
        if interp is not None:
            d["ratio_to_interp"] = interp.median_s / self.median_s
            d["total_ratio_to_interp"] = interp.total_s / self.total_s
        if self.llm is not None:
            d["llm"] = self.llm
        bench = BY_NAME[self.benchmark]
        if bench.unit:
            d["rate"] = self.rate
            d["rate_unit"] = bench.unit
            if self.benchmark in native:
                d["native_rate"] = native[self.benchmark]
                d["fraction_of_native"] = self.rate / native[self.benchmark]
        return d

    @property
    def rate(self) -> float:
        if self.benchmark == "tiny-bytecodes":
            return self.size * 500_000 / self.median_s
        if self.benchmark == "tiny-sends":
            return int(self.answer) / self.median_s
        return 0.0


class Trial:
    """One tier's runs of one benchmark in its VM: `timed()` runs it once, checks the answer and
    answers the seconds it took; `finish()` collects the VM's counters for the benchmark.

    The doIt is compiled once, before any run, and a run times only its execution (as Squeak's
    `Time millisecondsToRun:` would): compiling the source and printing the answer are host work
    of a few milliseconds that would otherwise be added to every tier alike, and shrink the
    ratios of the fast ones."""

    def __init__(self, vm, bench: Benchmark, tier: str, size: int):
        self.vm, self.bench, self.tier = vm, bench, tier
        self.source = bench.source(size)
        self.result = Result(bench.name, tier, size)
        self.before = vm.stats()
        self.method = vm.compile_doit(self.source)
        self.handle = vm.core.call("handle_new", self.method)   # kept across the runs' collections

    def timed(self) -> float:
        vm, bench = self.vm, self.bench
        try:
            t0 = time.perf_counter()
            result = vm.run_method(vm.nil, self.method)
            elapsed = time.perf_counter() - t0
            answer = vm.print_string(result)
            vm.between_runs()        # the LLM pass's requests: between runs, not in the timing
        except Exception as e:   # a Smalltalk error, a trap: the run is broken, say so loudly
            raise BenchmarkFailed(f"{bench.name} ({self.tier}) failed: {e}") from e
        expected = bench.check or "true"
        if bench.unit != "sends/s" and answer != expected:
            raise BenchmarkFailed(f"{bench.name} ({self.tier}) answered {answer!r}, expected {expected}")
        self.result.answer = answer
        return elapsed

    def finish(self) -> Result:
        self.vm.core.call("handle_free", self.handle)
        result, stats = self.result, self.vm.stats()

        def grown(key):        # this benchmark's share: the VM's counters are cumulative
            return stats.get(key, 0) - self.before.get(key, 0)
        result.translate_s = grown("translation_seconds")
        result.wasm_bytes = grown("wasm_bytes")
        result.peak_mem = stats.get("peak_memory_bytes", 0)
        result.methods_translated = grown("methods_translated")
        result.translated_activations = grown("translated_activations")
        if self.tier == "llm":
            result.llm = {k: grown(k) for k, v in stats.items()
                          if k.startswith("llm_") and isinstance(v, (int, float))}
        if self.tier != "interp" and result.translated_activations == 0:
            raise BenchmarkFailed(f"{result.benchmark} ({self.tier}): no translated code ran "
                                  f"(methods translated: {result.methods_translated})")
        return result


def run_benchmark(vms: dict, bench: Benchmark, size: int, iterations: int, warmup: int,
                  baseline=None) -> tuple[list[Result], list[float]]:
    """Every tier on one benchmark, run by run: each tier's first run, then each warm-up and
    timed run in turn for every tier, so that the machine's changing load hits them alike.
    `baseline()`, when given, times one run of the C version after each timed round; answer
    (the tiers' results, the C rates of those rounds)."""
    trials = [Trial(vm, bench, tier, size) for tier, vm in vms.items()]
    for t in trials:
        t.result.first_s = t.timed()
    for _ in range(warmup):
        for t in trials:
            t.result.warmup_s += t.timed()
    native_runs = []
    for _ in range(iterations):
        for t in trials:
            t.result.runs.append(t.timed())
        if baseline is not None:
            native_runs.append(baseline())
    return [t.finish() for t in trials], native_runs


def run(names: list[str] | None = None, tiers: tuple[str, ...] = ("interp", "jit"),
        iterations: int = 5, warmup: int = 1, smoke: bool = False, image: str | None = None,
        native: bool = True, out=print) -> tuple[list[dict], dict[str, float]]:
    """Run the suite; print the table with `out`; answer (json entries, native rates: the
    median of the C runs interleaved with each benchmark's timed rounds)."""
    from catalyst.bench.native import Baselines
    benches = [BY_NAME[n] for n in names] if names else list(SUITE)
    if image:
        skipped = [b.name for b in benches if b.name not in IMAGE_BENCHMARKS]
        benches = [b for b in benches if b.name in IMAGE_BENCHMARKS]
        if skipped:
            out(f"on an image only the tinyBenchmarks pair runs (the image's own methods); "
                f"skipped: {', '.join(skipped)}")
        if not benches:
            raise BenchmarkFailed("nothing to run on an image: choose tiny-bytecodes and/or tiny-sends")
    baselines = Baselines(quick=smoke) if native and any(b.unit for b in benches) else None
    if baselines is not None:
        out(baselines.message)
    native_r: dict[str, float] = {}
    entries: list[dict] = []
    try:
        # one VM per tier for the whole suite
        vms = {tier: make_vm(tier, image) for tier in tiers}
        for bench in benches:
            size = bench.smoke if smoke else bench.full
            c_run = None
            if baselines is not None and bench.name in baselines.exes:
                c_run = lambda name=bench.name: baselines.run_once(name)
            results, c_rates = run_benchmark(vms, bench, size, iterations, warmup, c_run)
            if c_rates:
                native_r[bench.name] = statistics.median(c_rates)
            interp_res = next((r for r in results if r.tier == "interp"), None)
            for res in results:
                entries.append(res.as_json(interp_res if res.tier != "interp" else None, native_r))
    finally:
        if baselines is not None:
            baselines.close()
    llm_report = llm_summary(vms["llm"]) if "llm" in vms else []
    out(format_table(entries))
    if llm_report:
        out("\n".join(llm_report))
    return entries, native_r


def llm_summary(vm) -> list[str]:
    """What the LLM pass did in the llm tier's VM: counters and one line per method asked."""
    from catalyst.llm.commandline import explain_off
    s = vm.stats()
    if "llm_attempts" not in s:
        return [f"llm tier: the LLM pass was off ({explain_off(vm)})"]
    lines = [f"llm tier: {s['llm_attempts']} answers asked for, {s['llm_successes']} installed, "
             f"{s['llm_validation_failures']} rejected, {s['llm_retries']} retries, "
             f"{s['llm_cache_hits']} cache hits, {s['llm_seconds']:.1f} s in the pass"]
    for r in s.get("llm_results", []):
        if r["outcome"].startswith("installed"):
            lines.append(f"  {r['method']}: {r['outcome']}, {r['speedup']:.2f}x the baseline's speed in "
                         f"validation (geometric mean of the inputs' ratios; medians over the inputs "
                         f"{r['candidate_ms']:.3f} ms against {r['baseline_ms']:.3f} ms)")
        else:
            lines.append(f"  {r['method']}: {r['outcome']}" + (f" ({r['reason'][:100]})" if r.get("reason") else ""))
    if s.get("llm_disabled"):
        lines.append(f"  then stopped: {s['llm_disabled']}")
    return lines


def format_table(entries: list[dict]) -> str:
    head = (f"{'benchmark':<15}{'tier':<7}{'median s':>10}{'min s':>10}{'first s':>10}"
            f"{'x interp':>9}{'total x':>8}{'transl s':>9}{'wasm B':>9}{'peak MB':>8}  rate")
    lines = [head, "-" * len(head)]
    for e in entries:
        ratio = e.get("ratio_to_interp")
        rate = ""
        if "rate" in e:
            rate = f"{e['rate']:.3g} {e['rate_unit']}"
            if "fraction_of_native" in e:
                rate += f" (1/{1 / e['fraction_of_native']:.0f} of C)"
        total = e.get("total_ratio_to_interp")
        lines.append(
            f"{e['benchmark']:<15}{e['tier']:<7}{e['median_s']:>10.4f}{e['min_s']:>10.4f}"
            f"{e['first_run_s']:>10.4f}{(f'{ratio:.2f}' if ratio else '-'):>9}"
            f"{(f'{total:.2f}' if total else '-'):>8}"
            f"{e['translate_s']:>9.3f}{e['wasm_bytes']:>9}"
            f"{e['peak_memory_bytes'] / 1e6:>8.1f}  {rate}")
    for tier in sorted({e["tier"] for e in entries} - {"interp"}):
        ratios = [e["ratio_to_interp"] for e in entries if e["tier"] == tier
                  and e.get("ratio_to_interp")]
        if ratios:
            geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
            lines.append(f"geometric mean speed-up of {tier} over interp: {geo:.2f}x "
                         f"({len(ratios)} benchmarks)")
            slower = [e["benchmark"] for e in entries if e["tier"] == tier
                      and e.get("total_ratio_to_interp", 2) < 1]
            lines.append(f"{tier}: translation paid for itself (total time, translation included, "
                         f"below the interpreter's) on {len(ratios) - len(slower)} of {len(ratios)}"
                         + (f"; not on {', '.join(slower)}" if slower else ""))
    return "\n".join(lines)


def write_json(entries: list[dict], path: str) -> None:
    Path(path).write_text(json.dumps(entries, indent=1))


def plot(entries: list[dict], path: str) -> str:
    """A PNG bar chart of each tier's ratio to the interpreter (needs matplotlib)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "plot skipped: matplotlib is not installed (pip install 'catalyst-vm[plot]')"
    tiers = [t for t in TIERS if t != "interp" and any(e["tier"] == t for e in entries)]
    names = [e["benchmark"] for e in entries if e["tier"] == "interp"]
    fig, ax = plt.subplots(figsize=(max(6, len(names) * 0.8), 4))
    width = 0.8 / max(1, len(tiers))
    for i, tier in enumerate(tiers):
        vals = [next((e.get("ratio_to_interp", 0) for e in entries
                      if e["tier"] == tier and e["benchmark"] == n), 0) for n in names]
        ax.bar([x + i * width for x in range(len(names))], vals, width, label=tier)
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_xticks([x + width * (len(tiers) - 1) / 2 for x in range(len(names))])
    ax.set_xticklabels(names, rotation=45, ha="right")
    ax.set_ylabel("speed-up over the interpreter (x)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return f"plot written to {path}"
