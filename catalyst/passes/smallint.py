"""smallint (optimization): SmallInteger specialization of arithmetic and comparison sends.

Requires: type-feedback (optional). Guarantees: special arithmetic sends (+ - < > <= >= = ~= *
// \\ bitAnd: bitOr:) become `int_op` instructions: untagged SmallInteger arithmetic with an
overflow and tag guard whose failure falls back to the full send (same result, slower). Sites
whose feedback shows only non-SmallInteger receivers keep the plain send.
"""
from catalyst.ir.ir import Function

name = "smallint"
description = "untagged SmallInteger arithmetic with tag and overflow guards"
requires: tuple = ()
preserves = ("cfg",)
OPS = {0: "add", 1: "sub", 2: "lt", 3: "gt", 4: "le", 5: "ge", 6: "eq", 7: "ne", 8: "mul",
       10: "mod", 13: "div", 14: "and", 15: "or"}


def run(fn: Function) -> bool:
    changed = False
    for i in fn.instructions():
        if i.op == "send" and i.attrs.get("special") in OPS:
            fb = i.attrs.get("feedback")
            if fb and 1 not in fb and not i.attrs.get("mega"):
                continue     # never saw a SmallInteger receiver here
            i.op = "int_op"
            i.attrs["kind"] = OPS[i.attrs["special"]]
            changed = True
    return changed
