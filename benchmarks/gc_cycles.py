"""GC benchmark: allocate 10 million objects in cyclic pairs (each pair points at each other,
then is dropped) from Smalltalk, and report peak memory, allocation rate and collections.
Runs N times and prints medians.

    python benchmarks/gc_cycles.py [--objects 10000000] [--runs 3]
"""
import argparse
import statistics
import time

from catalyst.vm.vm import VM


def one_run(objects: int) -> dict:
    vm = VM.default(jit="off")
    pairs = objects // 2
    gc0 = vm.core.global_value("gc_count")
    t0 = time.perf_counter()
    vm.eval(f"1 to: {pairs} do: [:i | | a b | a := Array new: 1. b := Array new: 1. "
            f"a at: 1 put: b. b at: 1 put: a]")
    dt = time.perf_counter() - t0
    return {"seconds": dt, "objects_per_s": objects / dt,
            "collections": vm.core.global_value("gc_count") - gc0,
            "peak_heap_mb": (vm.core.global_value("peak_heap_end") - vm.core.global_value("heap_start")) / 1e6,
            "linear_memory_mb": vm.core.memory.data_len(vm.core.store) / 1e6}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    runs = [one_run(args.objects) for _ in range(args.runs)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"{args.objects:,} objects in cyclic pairs, median of {args.runs} runs:")
    print(f"  time {med['seconds']:.2f} s, {med['objects_per_s'] / 1e6:.2f} M objects/s, "
          f"{med['collections']:.0f} collections")
    print(f"  peak heap {med['peak_heap_mb']:.1f} MB, linear memory {med['linear_memory_mb']:.1f} MB "
          f"(the objects allocated would need {args.objects * 16 / 1e6:.0f} MB without collection)")


if __name__ == "__main__":
    main()
