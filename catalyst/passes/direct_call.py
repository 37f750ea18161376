"""direct-call (optimization): monomorphic sends call the target's translation directly.

Requires: type-feedback, and `fn.annotations["resolve"]`, a callable (class index, selector
oop) -> (method oop, numArgs, numTemps, initial pc) or None, provided by the tiering code.
Guarantees: a send whose inline cache saw exactly one receiver class, whose target method has no
primitive, gets `guard=<class index>` and the target's frame shape. The lowering then checks the
receiver's class and the target's installed table index at run time and, when both hold, builds
the callee frame itself and calls the translation through the table; otherwise (another class,
target not translated) it falls back to the full send. Results are the same either way.
"""
from catalyst.ir.ir import Function

name = "direct-call"
description = "guarded direct calls to translated targets of monomorphic sends"
requires = ("type-feedback",)
preserves = ("cfg",)


def run(fn: Function) -> bool:
    resolve = fn.annotations.get("resolve")
    if resolve is None:
        return False
    changed = False
    for i in fn.instructions():
        if i.op != "send" or "super" in i.attrs or "special" in i.attrs:
            continue
        fb = i.attrs.get("feedback") or []
        if len(fb) != 1 or i.attrs.get("mega"):
            continue
        target = resolve(fb[0], i.attrs["sel"])
        if target is None:
            continue
        method, nargs, ntemps, first_pc = target
        if nargs != i.attrs["nargs"]:
            continue
        i.attrs.update(guard=fb[0], target=method, target_temps=ntemps, target_pc=first_pc)
        changed = True
    return changed
