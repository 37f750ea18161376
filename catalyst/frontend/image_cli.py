"""`catalyst image info PATH`: what a Squeak image file holds (see image_info.py);
`catalyst image run PATH [--timeout S]`: load it and resume its active process (the same as
`catalyst run --image PATH --resume`, image_vm.ImageVM.resume).

catalyst/cli.py registers it with `image_cli.add_parser(subparsers)`; the parser's handler is
`run(args) -> exit code` (0 success, 1 not a readable image, 2 the file cannot be opened).
"""
from __future__ import annotations

import json
import sys


def add_parser(sub):
    p = sub.add_parser("image", help="inspect Squeak image files")
    isub = p.add_subparsers(dest="image_command", required=True)
    q = isub.add_parser("info", help="format, byte order, object counts, classes, methods")
    q.add_argument("path")
    q.add_argument("--json", action="store_true", help="print the summary as JSON")
    q.add_argument("--no-decode", action="store_true", help="skip decoding every method")
    r = isub.add_parser("run", help="load an image and resume its active process")
    r.add_argument("path")
    r.add_argument("--jit", choices=("off", "on", "always"), default="off")
    r.add_argument("--timeout", type=float, default=None, metavar="SECONDS")
    p.set_defaults(handler=run)


def run(args) -> int:
    if args.image_command == "run":
        return run_image(args)
    return info(args)


def run_image(args) -> int:
    """Resume the image's active process: `catalyst run --image PATH --resume`."""
    from catalyst.cli import cmd_run
    args.image, args.files, args.expr, args.resume = args.path, [], None, True
    args.threshold, args.stats = None, False
    return cmd_run(args)


def info(args) -> int:
    from catalyst.frontend.image_format import ImageFormatError
    from catalyst.frontend.image_info import summary
    from catalyst.frontend.image_reader import read_image
    try:
        img = read_image(args.path)
        s = summary(img, decode=not getattr(args, "no_decode", False))
    except OSError as e:
        print(f"catalyst image: {args.path}: {e.strerror}", file=sys.stderr)
        return 2
    except ImageFormatError as e:
        print(f"catalyst image: {args.path}: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(s, indent=1))
        return 0
    print(f"{s['path']}: {s['kind']} (format {s['format']}), {s['word_size'] * 8}-bit words, "
          f"{s['byte_order']}-endian")
    print(f"  header {s['header_size']} bytes, {s['data_size']} bytes of objects, old base "
          f"{s['old_base']}, special objects at {s['special_objects_oop']}, last hash {s['last_hash']}")
    extra = f", {s['hidden_vm_objects']} VM-internal objects left out" if "hidden_vm_objects" in s else ""
    print(f"  {s['objects']} objects{extra}")
    print("  by format: " + ", ".join(f"{k} {v}" for k, v in sorted(s["objects_by_format"].items())))
    quick = f", {s['quick_methods']} quick" if "quick_methods" in s else ""
    decoded = (f" ({s['methods_decoding_cleanly']} decode cleanly)"
               if "methods_decoding_cleanly" in s else "")
    print(f"  {s['classes']} classes, {s['metaclasses']} metaclasses, {s['methods']} methods"
          f"{decoded}{quick}, {s['symbols']} symbols, {s['floats']} floats")
    print("  bytecode sets: " + ", ".join(f"{k} {v}" for k, v in s["bytecode_sets"].items()))
    print(f"  special objects ({s['special_objects_count']}): " +
          ", ".join(f"{k}={v}" for k, v in s["special_objects"].items()))
    for e in s.get("decode_errors", []):
        print(f"  decode error: {e}")
    return 0
