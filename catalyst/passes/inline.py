"""inline (optimization): monomorphic sends to small methods are replaced by the method's code.

Requires: direct-call (the send's `guard` class and `target` method, from the inline caches), and
`fn.annotations["lift_callee"]`, a callable (method oop, depth) -> the target's optimized
Function or None, provided by the tiering code. Guarantees: for each chosen send
`v = send #sel vR vA... guard=C target=M`, the block is split at the send and becomes

    vt = is_class vR class=C                  ; fused with the branch by the backend
    branch vt <inlined> <slow>
  inlined:  vF = frame_push vR vA... target=M  ; the callee's frame, built as a call would
            <the callee's blocks, every instruction with frame=vF; its `self` is vR and its
             argument temps are vA...; each `ret x` becomes `frame_pop vF` + a jump>
  slow:     the original send, unbound (a full send)
  after:    v = phi <the callee's results>, <the slow send's result>

so the rest of the method sees one value v as before. The callee keeps a real frame in linear
memory because its sends need it (the GC's roots, thisContext, the interpreter's view when the
inlined code deoptimizes: the frames are then handed over with the callee's frame on top, and the
interpreter finishes it and returns into this method's frame at the send). The selector goes into
`depends_on`, like a direct call's. Callees are inlined only when small (at most MAX_INSTRS
instructions after their own optimization), nested at most MAX_DEPTH deep, and made only of
instructions this pass knows how to move.
"""
from __future__ import annotations

from catalyst.ir.facts import smallint_facts
from catalyst.ir.ir import Function, Instr, successors
from catalyst.ir.leaf import LeafShape, leaf_shapes

name = "inline"
description = "inline small monomorphic callees behind a class guard, with their own frame"
requires = ("direct-call",)
preserves: tuple = ()

MAX_INSTRS = 80          # callee size, after its own optimization
MAX_DEPTH = 2            # inlined frames within inlined frames
MAX_GROWTH = 400         # instructions this pass may add to one function
MOVABLE = {"self", "const", "load_temp", "store_temp", "load_ivar", "store_ivar", "load_litvar",
           "store_litvar", "identical", "class_of", "send", "int_op", "jump", "branch", "ret",
           "phi", "is_class", "frame_push", "frame_pop",
           # closures and what their blocks' inlining makes (passes/inline_blocks.py): they work
           # on the frame they are given
           "closure", "new_array", "load_slot", "store_slot", "block_push"}


def run(fn: Function) -> bool:
    lift_callee = fn.annotations.get("lift_callee")
    depth = fn.annotations.get("inline_depth", MAX_DEPTH)
    if lift_callee is None or depth <= 0:
        return False
    budget = MAX_GROWTH
    changed = False
    for lab in list(fn.blocks):
        blk = fn.blocks.get(lab)
        while blk is not None:
            site = next((i for i in blk.instrs if _candidate(i)), None)
            if site is None:
                break
            site.attrs["inline_tried"] = 1
            callee = lift_callee(site.attrs["target"], depth - 1)
            size = sum(len(b.instrs) for b in callee.blocks.values()) if callee else 0
            if callee is None or size > MAX_INSTRS or size > budget or not _movable(callee):
                continue
            budget -= size
            blk = _splice(fn, lab, site, callee)     # the block after the inlined code
            lab = blk.label
            changed = True
    for i in fn.instructions():
        i.attrs.pop("inline_tried", None)
    if changed:
        fn.rebuild_cfg()
    return changed


def _candidate(i: Instr) -> bool:
    return (i.op == "send" and "guard" in i.attrs and "target" in i.attrs
            and "inline" not in i.attrs and "inline_tried" not in i.attrs
            and "frame" not in i.attrs)


def _movable(callee: Function) -> bool:
    return all(i.op in MOVABLE for i in callee.instructions())


def _splice(fn: Function, lab: str, site: Instr, callee: Function):
    """Replace `site` (in block lab) by the callee's code; answer the continuation block."""
    blk = fn.blocks[lab]
    before, after, cont, tag = split_at(fn, lab, site, "i")
    slow = _new_block(fn, f"{tag}s", blk.entry_pc)
    entry = _new_block(fn, f"{tag}e", blk.entry_pc)
    rcvr, args = site.args[1], site.args[2:]
    test = Instr("is_class", [rcvr], fn.new_value(), {"class": site.attrs["guard"], "binding": 1})
    _copy_frame(site, test)
    branch = Instr("branch", [test.result, entry.label, slow.label], None, {"pc": site.attrs["pc"], "live": []})
    _copy_frame(site, branch)
    blk.instrs = before + [test, branch]
    # the slow path: the send as it was, unbound
    result = site.result
    unbound = Instr("send", list(site.args), fn.new_value(),
                    {k2: v for k2, v in site.attrs.items()
                     if k2 not in ("guard", "target", "target_temps", "target_pc", "inline")})
    slow.instrs = [unbound, _with_frame(Instr("jump", [cont.label]), site)]
    # the callee's frame
    frame = Instr("frame_push", [rcvr] + args, fn.new_value(),
                  {"target": site.attrs["target"], "nargs": site.attrs["nargs"],
                   "temps": callee.num_temps, "pc": site.attrs["pc"], "site": site.attrs["site"],
                   "live": list(site.attrs.get("live", []))})
    _copy_frame(site, frame)
    fv = frame.result
    # the callee's blocks, renamed into this function
    names = {old: f"{tag}_{old}" for old in callee.blocks}
    values: dict[str, str] = {}
    incoming = []
    moved = []
    for old_lab, cb in callee.blocks.items():
        nb = fn.add_block(names[old_lab])
        nb.entry_pc = cb.entry_pc
        moved.append((cb, nb))
        for i in cb.instrs:
            if i.result:
                values[i.result] = fn.new_value()
    # the callee's receiver and arguments are the send's operands
    for i in callee.instructions():
        if i.op == "self":
            values[i.result] = rcvr
        elif i.op == "load_temp" and i.attrs["index"] < callee.num_args and "frame" not in i.attrs:
            values[i.result] = args[i.attrs["index"]]

    def rn(v):
        return values.get(v, v)

    for cb, nb in moved:
        for i in cb.instrs:
            if i.result and values[i.result] in (rcvr, *args) and i.op in ("self", "load_temp"):
                continue
            j = renamed_copy(i, rn, names, fv)
            if i.op == "ret":
                incoming.append(f"{rn(i.args[0])}:{nb.label}")
                nb.instrs.append(Instr("frame_pop", [fv], None, {"frame": fv}))
                nb.instrs.append(Instr("jump", [cont.label], None, {"frame": fv}))
                continue
            nb.instrs.append(j)
    entry.instrs = [frame, _with_frame(Instr("jump", [names[callee.entry]]), site)]
    incoming.append(f"{unbound.result}:{slow.label}")
    phi = Instr("phi", incoming, result)
    cont.instrs = [phi] + after
    deps = fn.annotations.setdefault("depends_on", set())
    deps.add(site.attrs["sel"])
    deps.update(callee.annotations.get("depends_on", ()))
    fn.rebuild_cfg()
    _sink_frame(fn, entry, site, cont, callee, names, rn)
    return cont


def _sink_frame(fn: Function, entry, site: Instr, cont, callee: Function, names: dict[str, str], rn):
    """When the callee starts with a comparison of SmallIntegers that may lead straight to a
    return (a leaf shape, ir/leaf.py: `n < 2 ifTrue: [^1]`, or `^n < 2 ifTrue: [1] ifFalse:
    [...]`), make its frame only on the other way: those instructions need no frame (no slow
    path, nothing that deoptimizes, sends or collects), so the leaf case costs the comparison
    alone. Requires the callee spliced into fn: entry holds the frame_push, cont is the
    continuation, names and rn are the splice's renaming of the callee's labels and values."""
    shape = next((s for s in leaf_shapes(callee) if _sinkable(callee, s)), None)
    if shape is None:
        return
    head_label = names[callee.entry]
    known = smallint_facts(fn)[head_label]
    if not all(rn(a) in known for a in shape.test.args[1:]):
        return                       # the comparison could take its slow path: a send
    head, leaf, other = fn.blocks[head_label], names[shape.leaf], names[shape.other]
    frame, br = entry.instrs[0], head.instrs[-1]
    # the frame is made on the way to `other`; the leaf goes to the continuation without one
    push = _new_block(fn, f"{head_label}f", head.entry_pc)
    push.instrs = [frame, _with_frame(Instr("jump", [other]), site)]
    br.args = [br.args[0]] + [push.label if a == other else a for a in br.args[1:]]
    entry.instrs = [_with_frame(Instr("jump", [head_label]), site)]
    lb = fn.blocks[leaf]
    if shape.merge is None:          # its `ret` became frame_pop + jump to cont
        lb.instrs = [i for i in lb.instrs if i.op != "frame_pop"]
    else:                            # the leaf leaves the callee's merge block out
        for p in fn.blocks[names[shape.merge]].phis:
            p.args = [a for a in p.args if a.split(":")[1] != leaf]
        cont.phis[0].args = ([a for a in cont.phis[0].args if a.split(":")[1] != leaf]
                             + [f"{rn(shape.value)}:{leaf}"])
        lb.instrs[-1] = Instr("jump", [cont.label])
    for i in head.instrs + lb.instrs:      # they run in the caller's frame now
        i.attrs.pop("frame", None)
        _copy_frame(site, i)
    fn.rebuild_cfg()


def _sinkable(callee: Function, shape: LeafShape) -> bool:
    """Whether the frame may be made on the way to shape.other alone: nothing comes back to the
    callee's entry (it would come with the frame made, and the leaf no longer pops it), and
    `other` is entered by the branch alone and has no phis (so sending that one way through the
    block that makes the frame changes nothing else)."""
    return (not list(callee.cfg.predecessors(callee.entry))
            and list(callee.cfg.predecessors(shape.other)) == [callee.entry]
            and not callee.blocks[shape.other].phis)


def renamed_copy(i: Instr, rn, names: dict[str, str], frame: str) -> Instr:
    """A copy of instruction i of an inlined body: values renamed by rn, block labels by
    names, working on its own frame if it has one (an inlined frame of the body), else frame."""
    j = Instr(i.op, [], rn(i.result) if i.result else None, dict(i.attrs))
    if i.op == "phi":
        j.args = [f"{rn(a.split(':')[0])}:{names[a.split(':')[1]]}" for a in i.args]
    elif i.op == "jump":
        j.args = [names[i.args[0]]]
    elif i.op == "branch":
        j.args = [rn(i.args[0]), names[i.args[1]], names[i.args[2]]]
    else:
        j.args = [rn(a) if isinstance(a, str) else a for a in i.args]
    if "live" in j.attrs:
        j.attrs["live"] = [rn(v) for v in j.attrs["live"]]
    j.attrs["frame"] = rn(i.attrs["frame"]) if "frame" in i.attrs else frame
    return j


def split_at(fn: Function, lab: str, site: Instr, kind: str):
    """Cut block lab around site: (the instructions before it, those after it, a new
    continuation block cont that will hold the latter, the tag naming the new blocks). The
    successors of lab come from cont now: their phis say so. The caller fills lab and cont."""
    blk = fn.blocks[lab]
    k = blk.instrs.index(site)
    tag = f"{lab}{kind}{k}"
    cont = _new_block(fn, f"{tag}c", blk.entry_pc)
    after = blk.instrs[k + 1:]
    for t in successors(after[-1]):
        for p in fn.blocks[t].phis:
            p.args = [f"{a.split(':')[0]}:{cont.label}" if a.split(":")[1] == lab else a for a in p.args]
    return blk.instrs[:k], after, cont, tag


def _new_block(fn: Function, label: str, pc: int):
    while label in fn.blocks:
        label += "_"
    b = fn.add_block(label)
    b.entry_pc = pc
    return b


def _copy_frame(src: Instr, dst: Instr):
    if "frame" in src.attrs:
        dst.attrs["frame"] = src.attrs["frame"]


def _with_frame(i: Instr, src: Instr) -> Instr:
    _copy_frame(src, i)
    return i
