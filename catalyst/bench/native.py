"""Native baselines: C versions of benchFib and the sieve, compiled with the machine's C compiler
at -O2 and run in the same invocation as the Smalltalk tiers, so ratios compare like with like.

`native_rates()` answers {"tiny-sends": calls/s, "tiny-bytecodes": bytecodes/s} or, when no C
compiler is present, an empty dict and a message saying why.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from importlib import resources

# long enough runs (benchFib 32: about 8 ms each), median of 9: the shared machine is noisy
SOURCES = {"tiny-sends": ("benchfib.c", ["32", "9"]), "tiny-bytecodes": ("sieve.c", ["2000", "9"])}


def find_compiler() -> str | None:
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def native_rates(quick: bool = False) -> tuple[dict[str, float], str]:
    """Compile and run the C baselines; answer (rates, message)."""
    cc = find_compiler()
    if cc is None:
        return {}, "native baseline skipped: no C compiler (cc, gcc or clang) on PATH"
    rates: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="catalyst-native-") as tmp:
        for bench, (source, args) in SOURCES.items():
            src = resources.files("catalyst.bench").joinpath("native", source)
            exe = os.path.join(tmp, source[:-2])
            c_path = os.path.join(tmp, source)
            with open(c_path, "w") as f:
                f.write(src.read_text())
            build = subprocess.run([cc, "-O2", "-o", exe, c_path], capture_output=True, text=True)
            if build.returncode != 0:
                return {}, f"native baseline skipped: {cc} failed on {source}: {build.stderr.strip()}"
            run_args = ["20", "3"] if quick and bench == "tiny-sends" else args
            if quick and bench == "tiny-bytecodes":
                run_args = ["50", "3"]
            out = subprocess.run([exe, *run_args], capture_output=True, text=True, check=True)
            rates[bench] = float(json.loads(out.stdout)["per_sec"])
    return rates, f"native baseline: {os.path.basename(cc)} -O2"
