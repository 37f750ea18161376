"""Start-up benchmark: cold build of the default image (kernel sources compiled into a fresh
object memory) and warm start (restoring the cached snapshot), as `catalyst eval 'nil'` sees them.
Medians of N runs, each in a fresh process.

    python benchmarks/startup.py [--runs 5]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def timed(env) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "catalyst.cli", "eval", "--jit", "off", "nil"], env=env,
                   check=True, capture_output=True)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    cold, warm = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, CATALYST_CACHE=cache)
            cold.append(timed(env))      # builds the core and the kernel image, then caches them
            warm.append(timed(env))      # restores both from the cache
    print(f"catalyst eval 'nil', median of {args.runs} fresh processes:")
    print(f"  cold (build the image): {statistics.median(cold):.2f} s")
    print(f"  warm (cached snapshot): {statistics.median(warm):.2f} s")


if __name__ == "__main__":
    main()
