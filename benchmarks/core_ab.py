"""Two VM cores side by side in one process: the WAT sources of `a` and of `b` (directories of
*.wat files, e.g. an old checkout's wat/ and the working tree's), each built into its own core,
run the same expression interpreted in turns, so the machine's changing load hits both alike.

    python benchmarks/core_ab.py OLD/wat wat '27 benchFib' --runs 15

Prints each core's min and median and the median of the per-pair ratios a/b (above 1: b is
faster). This is how the interpreter changes in RESULTS.md were measured.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import catalyst.vm.build as build
import catalyst.vm.core as core
from catalyst.vm.vm import VM


def vm_from(directory: str) -> VM:
    """A VM whose core is built from the *.wat files in directory."""
    files = sorted(Path(directory).glob("*.wat"))
    if not files:
        raise SystemExit(f"core_ab: no .wat files in {directory}")
    build.wat_sources = lambda: [(p.name, p.read_text()) for p in files]
    core._MODULES.clear()          # the compiled core is cached per process: build this one
    return VM.default(jit="off")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("expr")
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    vms = {"a": vm_from(args.a), "b": vm_from(args.b)}
    answers = {k: vm.eval(args.expr) for k, vm in vms.items()}
    if answers["a"] != answers["b"]:
        raise SystemExit(f"core_ab: the cores disagree: {answers}")
    for vm in vms.values():
        for _ in range(2):
            vm.eval(args.expr)
    times: dict[str, list[float]] = {k: [] for k in vms}
    for _ in range(args.runs):
        for k, vm in vms.items():
            t = time.perf_counter()
            vm.eval(args.expr)
            times[k].append(time.perf_counter() - t)
    for k, ts in times.items():
        print(f"{k}: {getattr(args, k)}  min {min(ts) * 1000:.1f} ms  median {statistics.median(ts) * 1000:.1f} ms")
    ratio = statistics.median(x / y for x, y in zip(times["a"], times["b"]))
    print(f"a/b, median of {args.runs} pairs: {ratio:.3f}")


if __name__ == "__main__":
    main()
