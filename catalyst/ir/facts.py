"""Facts about values that hold in a block: what the lowering and the passes may assume there
without checking again."""
from __future__ import annotations

import networkx as nx

from catalyst.ir.ir import Function


def smallint_facts(fn: Function) -> dict[str, frozenset[str]]:
    """For each block, the values known there to be SmallIntegers: SmallInteger constants, and
    a value whose class test `is_class v class=1` branched to a block (its only way in) that
    dominates this one. Operations on them need no tag check, and comparisons of two of them
    no slow path at all."""
    consts = frozenset(i.result for i in fn.instructions()
                       if i.op == "const" and int(i.args[0]) & 1)
    defs = {i.result: i for i in fn.instructions() if i.result}
    idom = nx.immediate_dominators(fn.cfg, fn.entry)
    facts: dict[str, frozenset[str]] = {}
    # reverse postorder: a block's immediate dominator comes before it
    for lab in reversed(list(nx.dfs_postorder_nodes(fn.cfg, fn.entry))):
        parent = idom.get(lab, lab)
        known = consts if parent == lab else facts[parent]
        preds = list(fn.cfg.predecessors(lab))
        if len(preds) == 1:
            br = fn.blocks[preds[0]].instrs[-1]
            test = defs.get(br.args[0]) if br.op == "branch" else None
            if (test is not None and test.op == "is_class" and test.attrs.get("class") == 1
                    and br.args[1] == lab and br.args[2] != lab):
                known = known | {test.args[0]}
        facts[lab] = known
    for lab in fn.blocks:
        facts.setdefault(lab, consts)      # unreachable blocks
    return facts
