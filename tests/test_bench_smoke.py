"""Benchmark suite smoke run: every benchmark verifies its own answer in both tiers (tiny sizes),
and the translated tier really runs translated code."""
import statistics

import pytest

from catalyst.bench import runner


def test_suite_is_correct_in_both_tiers():
    lines = []
    entries, _ = runner.run(None, ("interp", "jit"), iterations=1, warmup=0, smoke=True,
                            native=False, out=lines.append)
    names = {e["benchmark"] for e in entries}
    assert names == set(runner.BY_NAME)
    assert all(e["translated_activations"] > 0 for e in entries if e["tier"] == "jit")
    assert "geometric mean" in lines[-1]
    for e in entries:
        assert {"benchmark", "tier", "median_s", "min_s", "runs"} <= set(e)


def test_a_run_times_the_doit_not_its_compilation(monkeypatch):
    """The doIt is compiled once per tier, before the runs: compiling it again for each run
    would add the same host time to every tier and flatten the ratios."""
    from catalyst.vm.vm import VM
    compiled = []
    real = VM.compile_doit
    monkeypatch.setattr(VM, "compile_doit", lambda self, *a, **k: compiled.append(a[0]) or real(self, *a, **k))
    runner.run(["tiny-sends"], ("interp", "jit"), iterations=3, warmup=1, smoke=True,
               native=False, out=lambda line: None)
    assert compiled.count(runner.BY_NAME["tiny-sends"].source(runner.BY_NAME["tiny-sends"].smoke)) == 2


def test_the_tiny_benchmarks_run_on_a_real_image(image_path):
    path = image_path("mini.image")
    lines = []
    # full sizes (about a second): the smoke sizes are below the JIT's threshold
    entries, _ = runner.run(None, ("interp", "jit"), iterations=1, warmup=0,
                            image=str(path), native=False, out=lines.append)
    assert {e["benchmark"] for e in entries} == {"tiny-bytecodes", "tiny-sends"}
    assert any("skipped: sieve" in line for line in lines)
    assert all(e["translated_activations"] > 0 for e in entries if e["tier"] == "jit")
    sends = [e for e in entries if e["benchmark"] == "tiny-sends"]
    assert {e["answer"] for e in sends} == {"1664079"}      # 29 benchFib, the image's own method


def test_the_runner_pins_itself_to_one_cpu():
    import os
    import subprocess
    import sys
    from catalyst.bench import cpu
    if not hasattr(os, "sched_setaffinity"):
        return
    code = ("import os; from catalyst.bench import cpu; line = cpu.pin('fastest'); "
            "print(len(os.sched_getaffinity(0)), line)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("1 pinned to CPU")
    assert cpu.pin("any") == "not pinned to a CPU"
    import pytest
    with pytest.raises(ValueError):
        cpu.pin("9999")


def test_the_c_baselines_run_once_per_timed_round(monkeypatch):
    """The C versions run interleaved with the tiers (one run after each timed round), and the
    reported rate is the median of those runs."""
    from catalyst.bench import native
    if native.find_compiler() is None:
        pytest.skip("no C compiler")
    calls = []
    real = native.Baselines.run_once

    def counted(self, bench):
        rate = real(self, bench)
        calls.append((bench, rate))
        return rate

    monkeypatch.setattr(native.Baselines, "run_once", counted)
    entries, rates = runner.run(["tiny-sends", "tiny-bytecodes"], ("interp",), iterations=3,
                                warmup=0, smoke=True, out=lambda line: None)
    assert [b for b, _ in calls] == ["tiny-sends"] * 3 + ["tiny-bytecodes"] * 3
    for bench in ("tiny-sends", "tiny-bytecodes"):
        runs = [r for b, r in calls if b == bench]
        assert all(r > 0 for r in runs)
        assert rates[bench] == statistics.median(runs)
        e = next(e for e in entries if e["benchmark"] == bench)
        assert e["native_rate"] == rates[bench] and e["fraction_of_native"] == e["rate"] / rates[bench]
