"""constant-fold (optimization): evaluate SmallInteger operations on constant operands.

Requires: smallint (works on int_op). Guarantees: an int_op whose operands are both constant
SmallIntegers and whose result is a SmallInteger (no overflow) becomes a const; identical on two
constants becomes a const Boolean. Uses are renamed, so the folded value flows on.
"""
from catalyst.ir.ir import Function, Instr

name = "constant-fold"
description = "fold SmallInteger arithmetic and == on constants"
requires = ("smallint",)
preserves = ("cfg",)


def _small(oop):
    if not isinstance(oop, int) or not oop & 1:
        return None
    v = oop >> 1
    return v - (1 << 31) if v & (1 << 30) else v


def run(fn: Function) -> bool:
    consts = {i.result: i.args[0] for i in fn.instructions() if i.op == "const"}
    oops = fn.annotations.get("oops", {})
    changed = False
    for b in fn.blocks.values():
        for k, i in enumerate(b.instrs):
            if i.op != "int_op":
                continue
            x, y = (_small(consts.get(a)) for a in i.args[1:3])
            if x is None or y is None:
                continue
            kind = i.attrs["kind"]
            r = {"add": lambda: x + y, "sub": lambda: x - y, "mul": lambda: x * y,
                 "and": lambda: x & y, "or": lambda: x | y,
                 "div": lambda: x // y if y else None, "mod": lambda: x % y if y else None,
                 "lt": lambda: x < y, "gt": lambda: x > y, "le": lambda: x <= y,
                 "ge": lambda: x >= y, "eq": lambda: x == y, "ne": lambda: x != y}[kind]()
            if r is None:
                continue
            if isinstance(r, bool):
                if "true" not in oops:
                    continue
                oop = oops["true" if r else "false"]
            elif -(1 << 30) <= r < (1 << 30):
                oop = ((r << 1) | 1) & 0xFFFFFFFF
            else:
                continue
            b.instrs[k] = Instr("const", [oop], i.result)
            consts[i.result] = oop
            changed = True
    return changed
