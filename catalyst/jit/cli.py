"""`catalyst compile`: show every stage of a method's translation, or translate a whole image.

  catalyst compile 'Integer>>benchFib' [--passes a,b] [--dump-after PASS|all] [--emit ...] [--llm]
  catalyst compile --all [--json FILE]
  catalyst compile --image PATH --all [--json FILE]     # every CompiledMethod of a Squeak image

Stages print under `=== bytecode ===`, `=== after PASS (T ms) ===` and `=== wat ===` headers;
with --llm, `=== llm ===` shows the LLM pass's prompt and what became of each answer.
"""
from __future__ import annotations

import json
import statistics
import sys
import time

from catalyst.passes import registry


def add_parser(sub):
    p = sub.add_parser("compile", help="translate methods and print each stage")
    p.add_argument("method", nargs="?", help="'Class>>selector' or 'Class class>>selector'")
    p.add_argument("--all", action="store_true", help="push every method through the pipeline")
    p.add_argument("--image", help="a Squeak image instead of the embedded kernel")
    p.add_argument("--source", action="append", default=[], help=".st files to file in first")
    p.add_argument("--passes", default=",".join(registry.DEFAULT_PIPELINE))
    p.add_argument("--dump-after", default=None, help="a pass name, or all")
    p.add_argument("--dump-dir", default=None)
    p.add_argument("--verify-each", action="store_true")
    p.add_argument("--emit", default="bytecode,ir,wat", help="comma list of bytecode, ir, wat")
    p.add_argument("--json", help="with --all: write the report as JSON")
    p.add_argument("--optimize", type=int, default=0, help="binaryen optimization level")
    p.add_argument("--warm", metavar="EXPR", default=None,
                   help="evaluate EXPR first, so the inline caches hold type feedback")
    from catalyst.llm import commandline as llm_options
    llm_options.add_options(p)
    p.set_defaults(handler=run)


def _vm(args):
    from catalyst.vm.vm import VM
    if args.image:
        from catalyst.frontend.image_format import ImageFormatError
        from catalyst.frontend.image_load import open_image
        try:
            vm = open_image(args.image, jit="on", threshold=10 ** 9, report_errors=False)
        except (OSError, ImageFormatError) as e:
            why = (e.strerror or str(e)) if isinstance(e, OSError) else f"not a usable image: {e}"
            print(f"catalyst compile: --image {args.image}: {why}", file=sys.stderr)
            raise SystemExit(2) from None
        for path in args.source:
            vm.file_in(path)
        return vm
    vm = VM.default(jit="on", threshold=10 ** 9)
    for path in args.source:
        vm.file_in(path)
    if getattr(args, "warm", None):
        vm.eval(args.warm)
    return vm


def run(args) -> int:
    from catalyst.frontend.disasm import disassemble_method
    from catalyst.ir.ir import print_function
    from catalyst.passes.lift import LiftError, lift
    from catalyst.passes.manager import PassError, PassManager
    passes = tuple(p for p in args.passes.split(",") if p)
    for p in passes:
        if p not in registry.PASSES:
            print(f"catalyst compile: unknown pass {p!r}; known: {', '.join(registry.PASSES)}",
                  file=sys.stderr)
            return 2
    vm = _vm(args)
    jit = vm.jit
    jit.passes = passes
    jit.optimize = args.optimize
    if args.all:
        return compile_all(vm, args)
    if not args.method:
        print("catalyst compile: give 'Class>>selector' or --all", file=sys.stderr)
        return 2
    emit = set(args.emit.split(","))
    try:
        cls_name, sel = args.method.split(">>", 1)
        method = vm.lookup_method(vm.class_named(cls_name.strip()), sel.strip())
    except (KeyError, ValueError) as e:
        print(f"catalyst compile: {e}", file=sys.stderr)
        return 2
    if not method:
        print(f"catalyst compile: no method {args.method}", file=sys.stderr)
        return 2
    if "bytecode" in emit:
        print("=== bytecode ===")
        print(disassemble_method(vm, args.method))
    out = print if "ir" in emit else None
    pm = PassManager(passes, dump_after=args.dump_after or ("all" if "ir" in emit else None),
                     dump_dir=args.dump_dir, verify_each=args.verify_each, out=out)
    try:
        fn, wat, wasm = jit.compile(method, pm)
    except (LiftError, PassError, Exception) as e:
        print(f"translation failed: {e}", file=sys.stderr)
        return 1
    if "wat" in emit:
        print("=== wat ===")
        print(wat)
    if args.dump_dir:
        pm.dump("wat", wat, "wat")
    from catalyst.llm import commandline as llm_options
    if llm_options.apply(args):
        return llm_options.compile_stage(vm, method, fn, wat, wasm, dump_dir=args.dump_dir)
    return 0


def compile_all(vm, args) -> int:
    """Every method of every class (of an image: every CompiledMethod it holds): counts per
    outcome, failures with phase and reason."""
    core, h = vm.core, vm.heap
    methods = []
    seen = set()
    image_methods = getattr(vm, "image_methods", None)
    for idx in ([] if image_methods else range(16, 16384)):
        cls = core.u32(0x10000 + 4 * idx)
        if not cls:
            continue
        md = h.slot(cls, 1)
        if not md or md & 3 or md == vm.nil:
            continue
        values = h.slot(md, 1)
        for i in range(h.num_slots(md) - 2):
            if h.slot(md, 2 + i) != vm.nil:
                m = h.slot(values, i)
                if m and not m & 3 and m not in seen:
                    seen.add(m)
                    methods.append(m)
    if image_methods:
        methods = image_methods()
    jit = vm.jit
    times = []
    validated = 0
    start_failures = len(jit.failures)
    for m in methods:
        t0 = time.perf_counter()
        try:
            fn, wat, wasm = jit.compile(m)
            validated += 1
        except Exception as e:
            phase = type(e).__name__.replace("Error", "").lower()
            phase = getattr(e, "phase", None) or ("lift" if phase == "lift" else phase)
            jit.record(phase, m, str(getattr(e, "reason", e)))
        times.append(time.perf_counter() - t0)
    failures = jit.failures[start_failures:]
    report = {"total": len(methods), "validated": validated, "failures": [
        {"method": f["method"], "phase": f["phase"], "reason": f["error"]} for f in failures],
        "latency_ms": {"median": 1000 * statistics.median(times) if times else 0,
                       "p95": 1000 * sorted(times)[int(0.95 * (len(times) - 1))] if times else 0}}
    by_reason: dict[str, int] = {}
    for f in failures:
        key = f"{f['phase']}: {f['error'].split(' (')[0]}"
        by_reason[key] = by_reason.get(key, 0) + 1
    print(f"{report['total']} methods: {validated} validated, {len(failures)} not translated")
    for reason, n in sorted(by_reason.items(), key=lambda kv: -kv[1]):
        print(f"  {n:5d}  {reason}")
    print(f"pipeline latency per method: median {report['latency_ms']['median']:.2f} ms, "
          f"95th percentile {report['latency_ms']['p95']:.2f} ms")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)
    return 0
