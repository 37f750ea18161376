"""The pass manager: runs a list of passes by name, with dumps, timing and verification.

`PassManager(passes, dump_after=None|"all"|name, dump_dir=None, verify_each=False, out=None)`
`run(fn)` runs each pass, records its time, verifies the IR after it when asked, and writes
`=== after NAME (T ms) ===` dumps to `out` and/or numbered files in dump_dir
(`001-after-lift.ir`, ...). An exception is re-raised as PassError naming the pass and method.
"""
from __future__ import annotations

import time
from pathlib import Path

from catalyst.ir.ir import Function, print_function
from catalyst.ir.verify import verify
from catalyst.passes import registry


class PassError(Exception):
    def __init__(self, pass_name: str, method: str, error: Exception):
        self.pass_name, self.method, self.error = pass_name, method, error
        super().__init__(f"in pass {pass_name} of method {method}: {error}")


class PassManager:
    def __init__(self, passes=registry.DEFAULT_PIPELINE, dump_after=None, dump_dir=None,
                 verify_each=False, out=None):
        self.passes = [registry.get(p) for p in passes]
        self.dump_after = dump_after
        self.dump_dir = Path(dump_dir) if dump_dir else None
        self.verify_each = verify_each
        self.out = out
        self.times: dict[str, float] = {}
        self.counter = 0

    def dump(self, title: str, text: str, suffix: str = "ir"):
        if self.out is not None:
            self.out(f"=== {title} ===\n{text}")
        if self.dump_dir is not None:
            self.dump_dir.mkdir(parents=True, exist_ok=True)
            slug = title.replace(" ", "-").split("-(")[0]
            (self.dump_dir / f"{self.counter:03d}-{slug}.{suffix}").write_text(text)
        self.counter += 1

    def wants(self, name: str) -> bool:
        return self.dump_after == "all" or self.dump_after == name

    def run(self, fn: Function) -> Function:
        if self.verify_each:
            verify(fn)
        if self.wants("lift"):
            self.dump("after lift", print_function(fn))
        for p in self.passes:
            t0 = time.perf_counter()
            try:
                p.run(fn)
                if self.verify_each:
                    verify(fn)
            except Exception as e:
                raise PassError(p.name, fn.name, e) from e
            dt = time.perf_counter() - t0
            self.times[p.name] = self.times.get(p.name, 0.0) + dt
            if self.wants(p.name):
                self.dump(f"after {p.name} ({dt * 1000:.2f} ms)", print_function(fn))
        return fn
