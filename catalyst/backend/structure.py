"""Structured control flow for the backend: the plan for turning a CFG into WASM blocks and loops.

WASM has no goto. For a reducible CFG (every loop entered only through its header, which is all
that Squeak's compilers produce from structured source) the translation follows the dominator
tree, as in Ramsey's "Beyond Relooper" (ICFP 2022):

* a block that is the target of a back edge (a loop header) is emitted inside `loop $L<b>`, and a
  back edge to it is `br $L<b>`;
* a block with two or more forward predecessors (a merge block) is emitted right after a
  `block $M<b>` that encloses its immediate dominator's code; a forward edge to it is `br $M<b>`;
* any other block has exactly one forward predecessor, its immediate dominator, and is emitted
  in place where that predecessor branches to it.

The merge children of a node are nested so that the one latest in reverse postorder is the
outermost block: every forward edge then leaves blocks outward, as WASM requires.

`plan(fn)` computes what the backend needs; it raises `Irreducible` for a CFG with a retreating
edge whose target does not dominate its source (the backend then falls back to a state machine).
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from catalyst.ir.ir import Function


class Irreducible(Exception):
    pass


@dataclass
class Plan:
    rpo: dict[str, int]                  # reverse-postorder number of every reachable block
    children: dict[str, list[str]]       # dominator-tree children that are merge blocks, outermost first
    loop_headers: set[str]
    merges: set[str]

    def is_backward(self, src: str, dst: str) -> bool:
        return self.rpo[dst] <= self.rpo[src]


def plan(fn: Function) -> Plan:
    entry = fn.entry
    order = list(reversed(list(nx.dfs_postorder_nodes(fn.cfg, entry))))
    rpo = {lab: k for k, lab in enumerate(order)}
    idom = nx.immediate_dominators(fn.cfg, entry)

    def dominates(a: str, b: str) -> bool:
        while True:
            if a == b:
                return True
            up = idom.get(b, b)      # networkx leaves the entry out (or maps it to itself)
            if up == b:
                return False
            b = up

    loop_headers, forward_preds = set(), {lab: 0 for lab in order}
    for src, dst in fn.cfg.edges():
        if src not in rpo or dst not in rpo:
            continue
        if rpo[dst] <= rpo[src]:
            if not dominates(dst, src):
                raise Irreducible(f"{fn.name}: the edge {src} -> {dst} enters a loop not at its header")
            loop_headers.add(dst)
        else:
            forward_preds[dst] += 1
    merges = {lab for lab, n in forward_preds.items() if n >= 2}
    children: dict[str, list[str]] = {lab: [] for lab in order}
    for lab in order:
        if lab != entry and lab in merges:
            children[idom[lab]].append(lab)
    for kids in children.values():
        kids.sort(key=lambda lab: -rpo[lab])
    return Plan(rpo, children, loop_headers, merges)
