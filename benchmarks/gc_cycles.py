"""GC benchmark: allocate 10 million objects in cyclic pairs (each pair points at each other,
then is dropped) and report peak memory, allocation rate and collections; medians of N runs.

Two drivers:
  smalltalk  the loop runs in the interpreter: `a := Array new: 1. b := Array new: 1.
             a at: 1 put: b. b at: 1 put: a` (allocation through primitive 71)
  wat        the exported core loop `gc_bench_pairs`, allocating straight through $om_alloc
             (the allocator and collector alone, no interpreter)

    python benchmarks/gc_cycles.py [--objects 10000000] [--runs 3] [--driver both|smalltalk|wat]
"""
import argparse
import statistics
import time

from catalyst.vm.vm import VM


def one_run(objects: int, driver: str) -> dict:
    vm = VM.default(jit="off")
    core = vm.core
    core.call("gc")                      # start from a collected heap: peaks are the run's own
    pairs = objects // 2
    gc0, freed0 = core.global_value("gc_count"), core.global_value("gc_bytes_freed")
    used0 = core.call("heap_used")
    core.call("reset_peak_heap_used")    # measure the peak of this run only
    t0 = time.perf_counter()
    if driver == "smalltalk":
        vm.eval(f"1 to: {pairs} do: [:i | | a b | a := Array new: 1. b := Array new: 1. "
                f"a at: 1 put: b. b at: 1 put: a]")
    else:
        assert core.call("gc_bench_pairs", pairs) == 1, "the heap limit was reached"
    dt = time.perf_counter() - t0
    return {"seconds": dt, "objects_per_s": objects / dt,
            "collections": core.global_value("gc_count") - gc0,
            "freed_mb": (core.global_value("gc_bytes_freed") - freed0) / 1e6,
            "heap_used_before_mb": used0 / 1e6,
            "peak_heap_used_mb": core.call("peak_heap_used") / 1e6,
            "peak_heap_end_mb": (core.global_value("peak_heap_end") - core.global_value("heap_start")) / 1e6,
            "memory_pages": core.memory.size(core.store)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--driver", choices=("both", "smalltalk", "wat"), default="both")
    args = ap.parse_args()
    drivers = ("wat", "smalltalk") if args.driver == "both" else (args.driver,)
    for driver in drivers:
        runs = [one_run(args.objects, driver) for _ in range(args.runs)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"[{driver}] {args.objects:,} objects in cyclic pairs, median of {args.runs} runs:")
        print(f"  time {med['seconds']:.2f} s, {med['objects_per_s'] / 1e6:.2f} M objects/s, "
              f"{med['collections']:.0f} collections, {med['freed_mb']:.0f} MB freed")
        print(f"  heap used {med['heap_used_before_mb']:.1f} MB before, peak {med['peak_heap_used_mb']:.1f} MB; "
              f"heap end peak {med['peak_heap_end_mb']:.1f} MB; linear memory {med['memory_pages']:.0f} pages "
              f"({med['memory_pages'] * 65536 / 1e6:.0f} MB); without collection the objects would "
              f"need {args.objects * 16 / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
