"""Native baselines: C versions of benchFib and the sieve, compiled with the machine's C compiler
at -O2 and run in the same invocation as the Smalltalk tiers, so ratios compare like with like.

`Baselines` compiles them once; `run_once(bench)` times one run and answers its rate
({"tiny-sends": calls/s, "tiny-bytecodes": bytecodes/s}). The runner calls it once per round of
the tiers' runs, so C sees the same changing load of the shared machine as the tiers do (a
baseline measured in one burst before them was 1.6x off between invocations). Without a C
compiler there are no baselines and `message` says why.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from importlib import resources

# the size of one run (benchFib 32: about 5-8 ms; 2000 sieves about as long), and smaller ones
# for --smoke
SOURCES = {"tiny-sends": ("benchfib.c", "32", "20"), "tiny-bytecodes": ("sieve.c", "2000", "50")}


def find_compiler() -> str | None:
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


class Baselines:
    """The C baselines, compiled into a temporary directory that `close()` removes."""

    def __init__(self, quick: bool = False):
        self.exes: dict[str, list[str]] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="catalyst-native-")
        cc = find_compiler()
        if cc is None:
            self.message = "native baseline skipped: no C compiler (cc, gcc or clang) on PATH"
            return
        for bench, (source, full, small) in SOURCES.items():
            src = resources.files("catalyst.bench").joinpath("native", source)
            exe = os.path.join(self._tmp.name, source[:-2])
            c_path = os.path.join(self._tmp.name, source)
            with open(c_path, "w") as f:
                f.write(src.read_text())
            build = subprocess.run([cc, "-O2", "-o", exe, c_path], capture_output=True, text=True)
            if build.returncode != 0:
                self.exes.clear()
                self.message = f"native baseline skipped: {cc} failed on {source}: {build.stderr.strip()}"
                return
            self.exes[bench] = [exe, small if quick else full]
        self.message = (f"native baseline: {os.path.basename(cc)} -O2, one run per round of the "
                        f"tiers' runs")

    def run_once(self, bench: str) -> float | None:
        """The rate of one timed run of bench's C version (None: it has none)."""
        cmd = self.exes.get(bench)
        if cmd is None:
            return None
        out = subprocess.run([*cmd, "1"], capture_output=True, text=True, check=True)
        return float(json.loads(out.stdout)["per_sec"])

    def close(self) -> None:
        self._tmp.cleanup()
