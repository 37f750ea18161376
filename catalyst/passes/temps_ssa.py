"""temps-ssa (optimization): temporaries become SSA values (a mem2reg for the frame's temps).

Requires: a lifted function whose temporaries are read with `load_temp` and written with
`store_temp` (constant indices). Guarantees: every `load_temp` after the entry is replaced by the
value that reaches it: the last `store_temp` of that temp on every path, merged by `phi`s (pruned:
only where the temp is live) marked `temp=N`; the entry block starts with one `load_temp` per
temp that is read before it is written. `store_temp`s stay: the frame keeps every temp's current
value, because it is what the GC scans and what the interpreter reads when the frame deoptimizes.

Not in the default pipeline (passes/registry.py): while the slow paths of sends are calls inside
the loops, cranelift keeps the SSA values in stack slots around them, so the frame loads this
pass removes come back as spill reloads, plus the extra stores (the sieve measured 30% slower).
It pays once slow paths leave the loop (deoptimize) instead of calling.

Why it is sound: a frame's temps change only by the method's own stores, except through a context
married to the frame (`tempAt:put:` and friends, from a callee or a debugger). Those primitives
mark the frame (FRAME_FLAGS bit 11, ABI.md section 8) and translated code checks the mark after
every send it makes: a marked frame deoptimizes right after the send, so the interpreter continues
with the values in memory.
"""
from __future__ import annotations

import networkx as nx

from catalyst.ir.ir import Function, Instr

name = "temps-ssa"
description = "temporaries as SSA values (loads replaced by the reaching stores)"
requires: tuple = ()
preserves: tuple = ()


def run(fn: Function) -> bool:
    temps = sorted({i.attrs["index"] for i in fn.instructions() if i.op in ("load_temp", "store_temp")})
    if not any(i.op == "load_temp" for i in fn.instructions()):
        return False
    if any(i.op == "block_copy" for i in fn.instructions()):
        return False      # its BlockContexts read and write these temps in the frame (ABI.md 7)
    if list(fn.cfg.predecessors(fn.entry)):
        _add_entry_block(fn)
    entry = fn.entry
    live_in = _live_in(fn, temps)
    # phis at the iterated dominance frontier of the stores, where the temp is live
    frontier = nx.dominance_frontiers(fn.cfg, entry)
    phi_of: dict[tuple[str, int], Instr] = {}
    for t in temps:
        work = [lab for lab, b in fn.blocks.items()
                if any(i.op == "store_temp" and i.attrs["index"] == t for i in b.instrs)]
        work.append(entry)
        seen = set(work)
        while work:
            for d in frontier.get(work.pop(), ()):
                if (d, t) in phi_of or t not in live_in[d]:
                    continue
                phi = Instr("phi", [], fn.new_value(), {"temp": t})
                phi_of[(d, t)] = phi
                blk = fn.blocks[d]
                blk.instrs.insert(len(blk.phis), phi)
                if d not in seen:
                    seen.add(d)
                    work.append(d)
    # the temps' values on entry, from the frame
    initial = {}
    for t in sorted(live_in[entry]):
        initial[t] = fn.new_value()
    fn.blocks[entry].instrs[:0] = [Instr("load_temp", [], initial[t], {"index": t}) for t in initial]
    entry_loads = {id(i) for i in fn.blocks[entry].instrs[:len(initial)]}
    # rename along the dominator tree
    idom = nx.immediate_dominators(fn.cfg, entry)
    kids: dict[str, list[str]] = {lab: [] for lab in fn.blocks}
    for lab, d in idom.items():
        if lab != d:
            kids[d].append(lab)
    replace: dict[str, str] = {}

    def rename(lab: str, current: dict[int, str]):
        current = dict(current)
        blk = fn.blocks[lab]
        keep = []
        for i in blk.instrs:
            if i.op == "phi" and "temp" in i.attrs:
                current[i.attrs["temp"]] = i.result
            elif i.op == "load_temp" and id(i) not in entry_loads:
                replace[i.result] = current.get(i.attrs["index"]) or _undefined(fn, i)
                continue
            elif i.op == "store_temp":
                current[i.attrs["index"]] = i.args[0]
            keep.append(i)
        blk.instrs = keep
        for succ in fn.cfg.successors(lab):
            for t in temps:
                phi = phi_of.get((succ, t))
                if phi is not None:
                    phi.args.append(f"{current[t]}:{lab}")
        for k in kids[lab]:
            rename(k, current)

    rename(entry, initial)
    _apply(fn, replace)
    fn.annotations["temps_in_ssa"] = True    # the backend adds the after-send check
    return True


def _add_entry_block(fn: Function):
    """The entry is a loop header: give the function a new entry that jumps to it, so the
    temps' entry values have an edge to come in on."""
    label = "e0"
    while label in fn.blocks:
        label += "_"
    old = fn.entry
    blocks = fn.blocks
    fn.blocks = {}
    new = fn.add_block(label)
    new.entry_pc = blocks[old].entry_pc
    new.instrs.append(Instr("jump", [old]))
    fn.blocks.update(blocks)
    for p in blocks[old].phis:       # the new entry brings the (empty) entry stack: no phi has it
        raise ValueError(f"{fn.name}: stack phi at the entry block")
    fn.rebuild_cfg()


def _live_in(fn: Function, temps: list[int]) -> dict[str, set[int]]:
    """For each block, the temps read in it or after it before any store (backward dataflow)."""
    gen, kill = {}, {}
    for lab, b in fn.blocks.items():
        g, k = set(), set()
        for i in b.instrs:
            if i.op == "load_temp" and i.attrs["index"] not in k:
                g.add(i.attrs["index"])
            elif i.op == "store_temp":
                k.add(i.attrs["index"])
        gen[lab], kill[lab] = g, k
    live = {lab: set(gen[lab]) for lab in fn.blocks}
    changed = True
    while changed:
        changed = False
        for lab in reversed(list(fn.blocks)):
            out = set().union(*(live[s] for s in fn.cfg.successors(lab))) if fn.cfg.out_degree(lab) else set()
            new = gen[lab] | (out - kill[lab])
            if new != live[lab]:
                live[lab] = new
                changed = True
    return live


def _undefined(fn: Function, i: Instr) -> str:
    raise ValueError(f"{fn.name}: temp {i.attrs['index']} read with no reaching value")


def _apply(fn: Function, replace: dict[str, str]):
    def final(v: str) -> str:
        while v in replace:
            v = replace[v]
        return v

    for i in fn.instructions():
        if i.op == "phi":
            i.args = [f"{final(a.split(':')[0])}:{a.split(':')[1]}" for a in i.args]
        elif i.op not in ("jump",):
            i.args = [final(a) if isinstance(a, str) and a in replace else a for a in i.args]
        if "live" in i.attrs:
            i.attrs["live"] = [final(v) for v in i.attrs["live"]]
