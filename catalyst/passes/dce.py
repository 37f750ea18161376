"""dce (optimization): remove unreachable blocks and unused side-effect-free instructions.

Guarantees: every remaining block is reachable from the entry; pure instructions (constants,
loads, arithmetic on already-checked values, phis) whose results are unused are gone; phis lose
the incoming values of removed predecessors.
"""
import networkx as nx

from catalyst.ir.ir import PURE, Function, value_args

name = "dce"
description = "dead code elimination (unreachable blocks, unused pure values)"
requires: tuple = ()
preserves: tuple = ()
REMOVABLE = PURE | {"identical", "class_of"}


def run(fn: Function) -> bool:
    changed = False
    live = nx.descendants(fn.cfg, fn.entry) | {fn.entry}
    for lab in list(fn.blocks):
        if lab not in live:
            del fn.blocks[lab]
            changed = True
    if changed:
        for b in fn.blocks.values():
            for p in b.phis:
                p.args = [a for a in p.args if a.split(":")[1] in fn.blocks]
        fn.rebuild_cfg()
    while True:
        used = set()
        for i in fn.instructions():
            used.update(value_args(i))
            used.update(v for v in i.attrs.get("live", []))
        removed = False
        for b in fn.blocks.values():
            keep = [i for i in b.instrs
                    if not (i.op in REMOVABLE and i.result and i.result not in used)]
            if len(keep) != len(b.instrs):
                b.instrs = keep
                removed = changed = True
        if not removed:
            return changed
