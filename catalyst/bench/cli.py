"""`catalyst bench`: the benchmark runner's command line (see catalyst/bench/runner.py)."""
from __future__ import annotations

import sys


def add_parser(sub):
    p = sub.add_parser("bench", help="run the benchmark suite in several tiers, side by side")
    p.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    p.add_argument("--tiers", default="interp,jit", help="comma list of interp, jit, llm")
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--json", help="write one entry per benchmark and tier to this file")
    p.add_argument("--plot", help="write a PNG bar chart of the ratios to this file")
    p.add_argument("--image", help="run on a Squeak image instead of the embedded kernel")
    p.add_argument("--smoke", action="store_true", help="tiny sizes: correctness only")
    p.add_argument("--no-native", action="store_true", help="skip the C baselines")
    p.add_argument("--cpu", default="fastest",
                   help="run everything on this CPU: a number, 'fastest' (a calibration loop "
                        "picks it; the default) or 'any' (not pinned)")
    from catalyst.llm import commandline as llm_options
    llm_options.add_options(p)      # --llm adds the llm tier
    p.set_defaults(handler=run)


def run(args) -> int:
    from catalyst.bench import runner
    unknown = [n for n in args.names if n not in runner.BY_NAME]
    if unknown:
        print(f"catalyst bench: unknown benchmark(s) {', '.join(unknown)}; "
              f"known: {', '.join(runner.BY_NAME)}", file=sys.stderr)
        return 2
    tiers = tuple(t.strip() for t in args.tiers.split(",") if t.strip())
    unknown = [t for t in tiers if t not in runner.TIERS]
    if unknown:
        print(f"catalyst bench: unknown tier(s) {', '.join(unknown)}; known: {', '.join(runner.TIERS)}",
              file=sys.stderr)
        return 2
    from catalyst.llm import commandline as llm_options
    if llm_options.apply(args) and "llm" not in tiers:
        tiers += ("llm",)
    if "llm" in tiers:
        from catalyst.llm.config import LLMConfig, LLMConfigError
        try:
            LLMConfig.from_env()
        except LLMConfigError as e:
            print(f"catalyst bench: tier llm: {e} (for a local demonstration run "
                  "`python -m catalyst.llm.fake_server` and point CATALYST_LLM_URL at it)", file=sys.stderr)
            return 2
    from catalyst.bench import cpu
    try:
        print(cpu.pin(args.cpu))
    except ValueError as e:
        print(f"catalyst bench: --cpu: {e}", file=sys.stderr)
        return 2
    try:
        entries, _ = runner.run(args.names or None, tiers, args.iterations, args.warmup,
                                smoke=args.smoke, image=args.image, native=not args.no_native)
    except runner.BenchmarkFailed as e:
        print(f"benchmark failed: {e}", file=sys.stderr)
        return 1
    if args.json:
        runner.write_json(entries, args.json)
    if args.plot:
        print(runner.plot(entries, args.plot))
    return 0
