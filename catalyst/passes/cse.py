"""cse (optimization): common subexpression elimination by local value numbering.

Within a block, a second `self`, `const c`, `identical x y` or `class_of x` with the same operands
as an earlier one is replaced by the earlier value (these read no mutable memory). Loads of
temporaries and instance variables are not merged: a store or a send may change them.
"""
from catalyst.ir.ir import Function

name = "cse"
description = "local value numbering of self, constants, == and class"
requires: tuple = ()
preserves = ("cfg",)
MERGEABLE = {"self", "const", "identical", "class_of"}


def run(fn: Function) -> bool:
    rename: dict[str, str] = {}
    changed = False
    for b in fn.blocks.values():
        table: dict = {}
        keep = []
        for i in b.instrs:
            i.args = [_rn(a, rename, i.op) for a in i.args]
            if "live" in i.attrs:
                i.attrs["live"] = [rename.get(v, v) for v in i.attrs["live"]]
            key = (i.op, tuple(i.args), i.attrs.get("frame")) if i.op in MERGEABLE else None
            if key is not None and key in table:
                rename[i.result] = table[key]
                changed = True
                continue
            if key is not None:
                table[key] = i.result
            keep.append(i)
        b.instrs = keep
    if changed:   # uses in later blocks
        for i in fn.instructions():
            i.args = [_rn(a, rename, i.op) for a in i.args]
            if "live" in i.attrs:
                i.attrs["live"] = [rename.get(v, v) for v in i.attrs["live"]]
    return changed


def _rn(a, rename, op):
    if op == "phi":
        v, p = a.split(":")
        return f"{rename.get(v, v)}:{p}"
    return rename.get(a, a) if isinstance(a, str) else a
