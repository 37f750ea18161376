"""Two lowerings of one method side by side in one VM: the backend of an older lower.py (a file,
e.g. `git show HEAD~1:catalyst/backend/lower.py > /tmp/old_lower.py`) and the working tree's,
each translating the method once with the same inline-cache feedback; both translations are
installed in the VM's table and take turns being the method's, timed alternately.

    python benchmarks/lowering_ab.py /tmp/old_lower.py '28 benchFib' 'Integer>>benchFib' --rounds 40

Prints each lowering's median and the median (and quartiles) of the per-pair ratios old/new
(above 1: the working tree's is faster). Taking turns within one process lets the shared
machine's changing load hit both alike; separate processes for each variant disagreed by
more than the differences measured (RESULTS.md).
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import time

import catalyst.backend.lower as lower
from catalyst.vm.vm import VM


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", help="path of the older lower.py")
    ap.add_argument("expr")
    ap.add_argument("method", help="Class>>selector of the method to translate both ways")
    ap.add_argument("--rounds", type=int, default=40)
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("lower_old", args.old)
    old = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(old)
    vm = VM.default(jit="on")
    for _ in range(3):                       # fills the inline caches; the method gets hot
        vm.eval(args.expr)
    cls, sel = args.method.split(">>")
    m = vm.lookup_method(vm.class_named(cls), sel)
    index = {}
    current = lower.Lowerer
    for name, lowerer in (("old", old.Lowerer), ("new", current)):
        lower.Lowerer = lowerer              # backend.lower.lower() builds this class
        try:
            _, _, wasm = vm.jit.compile(m)
        finally:
            lower.Lowerer = current
        index[name] = vm.jit.installer.install(m, wasm)
    times = {"old": [], "new": []}
    for r in range(args.rounds):
        for name in ("old", "new") if r % 2 else ("new", "old"):
            vm.core.call("method_install", m, index[name])
            vm.eval(args.expr)
            t = time.perf_counter()
            vm.eval(args.expr)
            times[name].append(time.perf_counter() - t)
    ratios = [a / b for a, b in zip(times["old"], times["new"])]
    q = statistics.quantiles(ratios)
    print(f"old median {statistics.median(times['old']) * 1e3:.2f} ms, "
          f"new median {statistics.median(times['new']) * 1e3:.2f} ms; "
          f"old/new per pair: median {statistics.median(ratios):.3f} (quartiles {q[0]:.3f} {q[2]:.3f})")


if __name__ == "__main__":
    main()
