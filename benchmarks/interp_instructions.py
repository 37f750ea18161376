"""Instructions the interpreter loop executes per benchFib activation, counted by callgrind.

    python benchmarks/interp_instructions.py [WATDIR ...]     (default: the installed wat/)

For each WAT tree: builds its core, runs `24 benchFib` twice under valgrind's callgrind and
prints the instructions executed inside the compiled $interpret per activation. Unlike times
on this shared machine, the count is the same from run to run, so it shows what a change to
the loop costs in work. It is not speed: the loop runs at several instructions per cycle, and
register allocation or code placement can make a change with fewer instructions slower
(RESULTS.md has examples); judge speed with benchmarks/core_ab.py. Needs valgrind.
"""
from __future__ import annotations

import collections
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RUNS = 2
ACTIVATIONS = RUNS * 150049 + 1973      # 24 benchFib answers its sends: 150049; 15 benchFib 1973

CHILD = """
import sys
from pathlib import Path
import catalyst.vm.build as build
if sys.argv[1] != "-":
    files = sorted(Path(sys.argv[1]).glob("*.wat"))
    build.wat_sources = lambda: [(p.name, p.read_text()) for p in files]
from catalyst.vm.vm import VM
vm = VM.default(jit="off")
vm.eval("15 benchFib")
for _ in range(int(sys.argv[2])):
    vm.eval("24 benchFib")
"""

POSITION = re.compile(r"^(0x[0-9a-f]+|[+-]?\d+|\*)$")


def self_costs(out: Path) -> collections.Counter:
    """Self cost per function of a callgrind output file. Code without symbols (wasmtime's) is
    named by its entry address; the lines after a `calls=` line are call costs, not self."""
    names: dict[str, str] = {}
    costs: collections.Counter = collections.Counter()
    fn, skip = None, False
    for line in out.read_text().splitlines():
        m = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line)
        if m:
            if m.group(2):
                names[m.group(1)] = m.group(2)
            if line.startswith("fn="):
                fn = names.get(m.group(1))
            continue
        if line.startswith("calls="):
            skip = True
            continue
        t = line.split()
        if len(t) in (2, 3) and POSITION.match(t[0]):
            if skip:
                skip = False
                continue
            costs[fn] += int(t[-1])
    return costs


def count(watdir: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "child.py")
        script.write_text(CHILD)
        # a first run outside valgrind builds (and caches) this core's kernel snapshot
        subprocess.run([sys.executable, str(script), watdir, "0"], check=True)
        out = Path(tmp, "callgrind.out")
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                        sys.executable, str(script), watdir, str(RUNS)],
                       check=True, capture_output=True)
        costs = self_costs(out)
    # the hottest unnamed (JIT-compiled) function is $interpret
    hottest = max((c, f) for f, c in costs.items() if f and f.startswith("0x"))
    return hottest[0] / ACTIVATIONS


def main() -> None:
    if shutil.which("valgrind") is None:
        raise SystemExit("interp_instructions: needs valgrind on PATH")
    for watdir in sys.argv[1:] or ["-"]:
        print(f"{watdir if watdir != '-' else 'installed wat/'}: "
              f"{count(watdir):.1f} instructions per benchFib activation in $interpret")


if __name__ == "__main__":
    main()
