"""`catalyst image info PATH`: what a Squeak image file holds (see image_reader.py)."""
from __future__ import annotations

import json
import sys


def add_parser(sub):
    p = sub.add_parser("image", help="inspect Squeak image files")
    isub = p.add_subparsers(dest="image_command", required=True)
    q = isub.add_parser("info", help="format, byte order, object counts, classes, methods")
    q.add_argument("path")
    q.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=run)


def run(args) -> int:
    from catalyst.frontend.image_reader import ImageFormatError, decode_all, info, read_image
    try:
        img = read_image(args.path)
    except OSError as e:
        print(f"catalyst image: {args.path}: {e.strerror}", file=sys.stderr)
        return 2
    except ImageFormatError as e:
        print(f"catalyst image: {args.path}: {e}", file=sys.stderr)
        return 1
    summary = info(img)
    total, ok, errors = decode_all(img)
    summary["methods_decoding_cleanly"] = ok
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    print(f"{summary['path']}: {summary['kind']} (format {summary['format']}), "
          f"{summary['word_size'] * 8}-bit words, {summary['byte_order']}-endian")
    print(f"  {summary['objects']} objects, {summary['classes']} classes, {summary['methods']} methods "
          f"({ok} decode cleanly)")
    print("  by format: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["objects_by_format"].items())))
    print("  bytecode sets: " + ", ".join(f"{k} {v}" for k, v in summary["bytecode_sets"].items()))
    print("  special objects: " + ", ".join(f"{k}={v}" for k, v in summary["special_objects"].items()))
    for e in errors:
        print(f"  decode error: {e}")
    return 0
