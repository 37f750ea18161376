"""The `catalyst` command line.

  catalyst eval [--image PATH] [--jit off|on|always] [--threshold N] [--stats] [--llm] EXPR
  catalyst run [options] FILE.st ... [-e EXPR]
  catalyst run --image PATH [FILE.st ...] [-e EXPR] --resume [--timeout SECONDS]
  catalyst disasm [--image PATH] 'Class>>selector'
  catalyst compile ['Class>>selector' | --all] [--passes ...] [--dump-after PASS|all] [--emit ...]
  catalyst bench [NAMES...] [--tiers interp,jit] [--iterations N] [--warmup N] [--json FILE]

Exit codes: 0 success; 1 an unhandled Smalltalk error (`Error: <class>: <text>` and the
Smalltalk stack on stderr); 2 a usage or syntax error (file:line:column on stderr); 3 stopped by
--timeout; a resumed image that quits exits with its own quit code.
"""
from __future__ import annotations

import argparse
import json
import sys

from catalyst.frontend.errors import CompileError


class UsageError(Exception):
    """A command-line problem reported as `catalyst <command>: <message>` with exit code 2."""


def _vm(args):
    from catalyst.vm.vm import VM
    if getattr(args, "image", None):
        # running real images is the image readers' extension point: a module
        # catalyst.frontend.image_load with open_image(path, jit=, threshold=) -> VM
        try:
            from catalyst.frontend import image_load
            from catalyst.frontend.image_format import ImageFormatError
        except ImportError:
            raise UsageError(f"--image {args.image}: running Squeak images is not supported yet "
                             "(try `catalyst image info PATH` to inspect one)") from None
        if getattr(args, "llm", False) or getattr(args, "llm_config", None):
            print("catalyst: --llm is not supported with --image yet; running without the LLM pass",
                  file=sys.stderr)
        try:
            return image_load.open_image(args.image, jit=args.jit, threshold=args.threshold)
        except OSError as e:
            raise UsageError(f"--image {args.image}: {e.strerror or e}") from None
        except ImageFormatError as e:
            raise UsageError(f"--image {args.image}: not a usable image: {e}") from None
    from catalyst.llm import commandline as llm_options
    llm = llm_options.apply(args, warn=lambda text: print(text, file=sys.stderr))
    vm = VM.default(jit=getattr(args, "jit", "off"), threshold=getattr(args, "threshold", None),
                    llm=llm, validate=getattr(args, "validate", 0))
    if llm:
        llm_options.warn_if_off(vm, lambda text: print(text, file=sys.stderr))
    return vm


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {n}")
    return n


def _positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not x > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text}")
    return x


def _add_vm_options(p):
    p.add_argument("--image", help="a Squeak image to run instead of the embedded kernel")
    p.add_argument("--jit", choices=("off", "on", "always"), default="on",
                   help="off: interpret only; on: translate hot methods; always: translate first")
    p.add_argument("--threshold", type=_positive_int, default=None,
                   help="activations before a method is hot")
    p.add_argument("--stats", action="store_true", help="print statistics as JSON on stderr")
    from catalyst.llm import commandline as llm_options
    llm_options.add_options(p)
    p.add_argument("--validate", type=int, default=0, metavar="N",
                   help="check the first N activations of each new translation against the interpreter")


def _report_error(e) -> int:
    from catalyst.vm.core import VMTrap
    from catalyst.vm.vm import SmalltalkError
    if isinstance(e, VMTrap):
        # an internal failure of the core or of translated code, not of the program: still a
        # failed run (exit code 1), reported with the Smalltalk stack the trap left
        print(f"Error: VM trap: {e}", file=sys.stderr)
        for frame in getattr(e, "stack", []):
            print(f"  {frame}", file=sys.stderr)
        return 1
    if isinstance(e, SmalltalkError):
        print(f"Error: {e.text}", file=sys.stderr)
        for frame in e.stack:
            print(f"  {frame}", file=sys.stderr)
        return 1
    if isinstance(e, CompileError):
        print(str(e), file=sys.stderr)
        return 2
    raise e


def _finish(vm, args, code: int) -> int:
    if getattr(args, "stats", False) and vm is not None:
        print(json.dumps(vm.stats()), file=sys.stderr)
    return code


def cmd_eval(args) -> int:
    from catalyst.vm.core import VMTrap
    from catalyst.vm.vm import SmalltalkError
    vm = None
    try:
        vm = _vm(args)
        print(vm.eval(args.expr))
        code = 0
    except (SmalltalkError, CompileError, VMTrap) as e:
        code = _report_error(e)
    return _finish(vm, args, code)


def cmd_run(args) -> int:
    from catalyst.frontend.image_vm import RunTimeout, time_limit
    from catalyst.vm.core import VMTrap
    from catalyst.vm.vm import SmalltalkError, read_source
    if args.resume and not args.image:
        raise UsageError("--resume resumes a Squeak image's active process: give --image PATH")
    if not args.files and not args.expr and not args.resume:
        raise UsageError("nothing to run: give .st files and/or -e EXPR (or --image PATH --resume)")
    texts = []
    for path in args.files:      # read everything first: a missing file fails before any runs
        try:
            texts.append((path, read_source(path)))
        except OSError as e:
            raise UsageError(f"{path}: {e.strerror}") from None
    vm = None
    try:
        vm = _vm(args)
        with time_limit(vm.core, args.timeout):
            for path, text in texts:
                vm.file_in_text(text, path)
            if args.expr:
                print(vm.eval(args.expr))
            code = 0
            if args.resume:
                vm.resume()
    except SystemExit as e:             # the image quit (primitive 113)
        code = int(e.code or 0)
    except RunTimeout as e:
        print(f"catalyst run: stopped after {e.seconds:g} s (--timeout): still running", file=sys.stderr)
        for frame in e.stack[:12]:
            print(f"  {frame}", file=sys.stderr)
        code = 3
    except (SmalltalkError, CompileError, VMTrap) as e:
        code = _report_error(e)
    return _finish(vm, args, code)


def cmd_disasm(args) -> int:
    from catalyst.frontend.disasm import disassemble_method
    from catalyst.vm.core import VMTrap
    from catalyst.vm.vm import SmalltalkError
    try:
        print(disassemble_method(_vm(args), args.method))
    except KeyError as e:
        print(f"catalyst disasm: {e.args[0]}", file=sys.stderr)
        return 2
    except (SmalltalkError, CompileError, VMTrap) as e:
        return _report_error(e)
    return 0


COMMANDS = {
    "eval": (cmd_eval, "evaluate an expression and print its printString"),
    "run": (cmd_run, "file in Smalltalk sources, then evaluate an expression"),
    "disasm": (cmd_disasm, "print the bytecode listing of a method"),
}


# Subcommands that live in other areas' modules: name -> module with add_parser(subparsers),
# which registers the subcommand and sets `handler` in its defaults. Add a line to add one.
# They are imported only when asked for (or for the help listing): some import heavy packages.
EXTENSIONS = {
    "compile": "catalyst.jit.cli",
    "bench": "catalyst.bench.cli",
    "image": "catalyst.frontend.image_cli",
}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="catalyst", description="Catalyst Smalltalk VM")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("eval", help=COMMANDS["eval"][1])
    _add_vm_options(p)
    p.add_argument("expr")
    p = sub.add_parser("run", help=COMMANDS["run"][1])
    _add_vm_options(p)
    p.add_argument("files", nargs="*")
    p.add_argument("-e", dest="expr", help="expression to evaluate after filing in")
    p.add_argument("--resume", action="store_true",
                   help="with --image: then resume the image's active process, as a VM starts it")
    p.add_argument("--timeout", type=_positive_float, default=None, metavar="SECONDS",
                   help="stop the run after SECONDS (for images that never quit)")
    p = sub.add_parser("disasm", help=COMMANDS["disasm"][1])
    p.add_argument("--image")
    p.add_argument("method", help="'Class>>selector' or 'Class class>>selector'")
    p.set_defaults(jit="off", threshold=None)
    for register in _extensions(_requested_command(argv)):
        register(sub)
    return ap


def _requested_command(argv: list[str] | None) -> str | None:
    args = sys.argv[1:] if argv is None else argv
    return next((a for a in args if not a.startswith("-")), None)


def _extensions(command: str | None = None):
    """add_parser functions of the extension subcommands: only the requested one when it is an
    extension, none for a built-in command, all of them otherwise (help, errors)."""
    if command in COMMANDS:
        names = []
    elif command in EXTENSIONS:
        names = [command]
    else:
        names = list(EXTENSIONS)
    out = []
    for name in names:
        try:
            mod = __import__(EXTENSIONS[name], fromlist=["add_parser"])
        except ImportError:
            continue          # that area is not installed: its subcommand is simply absent
        out.append(mod.add_parser)
    return out


def main(argv=None) -> int:
    ap = build_parser(argv)
    args = ap.parse_args(argv)
    handler = COMMANDS[args.command][0] if args.command in COMMANDS else getattr(args, "handler", None)
    if handler is None:
        ap.error(f"unknown command {args.command}")
    try:
        return handler(args)
    except CompileError as e:
        print(str(e), file=sys.stderr)
        return 2
    except UsageError as e:
        print(f"catalyst {args.command}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
