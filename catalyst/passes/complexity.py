"""complexity (analysis): size, loops, sends and an estimated cost; decides what to translate.

Guarantees: annotates `instructions`, `loops`, `loop_depth`, `sends`, `cost` and `worth`
(translate only methods with a loop, a send or at least a few instructions).
"""
from catalyst.ir.ir import Function

name = "complexity"
description = "instruction count, loop nesting, sends, estimated cost"
requires: tuple = ()
preserves = ("all",)


def run(fn: Function) -> bool:
    n = sum(len(b.instrs) for b in fn.blocks.values())
    loops = fn.loops()
    sends = sum(1 for i in fn.instructions() if i.op == "send")
    depth = 0
    for lab in fn.blocks:
        depth = max(depth, sum(1 for lp in loops if lab in lp))
    fn.annotations.update(instructions=n, loops=len(loops), loop_depth=depth, sends=sends,
                          cost=n + 10 * sends + 20 * len(loops) * max(1, depth),
                          worth=bool(loops or sends or n > 4))
    return False
