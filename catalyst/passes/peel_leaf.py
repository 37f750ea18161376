"""peel-leaf (optimization): a direct call to a method whose first act on a SmallInteger receiver
may be to answer a constant (`n < 2 ifTrue: [1] ifFalse: [...]`) makes that test itself and
calls only when the answer is not the constant.

Requires: direct-call (the send's `guard` and `target`), and `fn.annotations["lift_callee"]`
(passes/inline.py), asked with depth -1: the target's optimized IR without inlining. Runs after
`inline`, on the direct calls it left (callees too big, or at its depth limit), in the function
being translated only (not in callee bodies made for inlining). Guarantees: for
a send `v = send #sel vR guard=1 target=M` (SmallInteger receivers) whose target's first block
is constants and one comparison of its receiver with a SmallInteger constant, one way of which
leads straight to returning a constant K (a leaf shape, ir/leaf.py), the block becomes

    vt = is_class vR class=1 binding=1     ; the receiver is a SmallInteger (and still bound)
    branch vt test call
  test: <the constants>; vc = int_op <cmp> vR K'; branch vc leaf call   (or call leaf)
  leaf: vk = const K; jump after
  call: vs = <the send, as it was>; jump after
  after: v = phi vk:leaf vs:call

The comparison has SmallInteger operands, so it is pure (backend/lower.py gives it no slow
path): nothing on the way to `leaf` sends, allocates or deoptimizes, so no frame is needed for
it, and answering K there is what the callee would have done. The selector is in `depends_on`
already (direct-call): a redefinition drops the translation.
"""
from __future__ import annotations

from catalyst.ir.ir import Function, Instr
from catalyst.ir.leaf import LeafShape, leaf_shapes
from catalyst.passes.inline import _new_block, split_at

name = "peel-leaf"
description = "a direct call's constant-answering first test done before the call"
requires = ("direct-call",)
preserves: tuple = ()


def run(fn: Function) -> bool:
    lift_callee = fn.annotations.get("lift_callee")
    if lift_callee is None or "inline_depth" in fn.annotations:
        # a callee's body, to be inlined elsewhere: it is peeled where it lands (its copies
        # keep the sends), which keeps it small enough to inline and asks nothing recursively
        return False
    changed = False
    work = list(fn.blocks)
    while work:
        lab = work.pop()
        for site in fn.blocks[lab].instrs:
            if (site.op == "send" and site.attrs.get("guard") == 1 and "target" in site.attrs
                    and "inline" not in site.attrs and "peeled" not in site.attrs
                    and site.attrs["nargs"] == 0):
                callee = lift_callee(site.attrs["target"], -1)
                shape = _peelable(callee) if callee is not None else None
                if shape is not None:
                    work.append(_peel(fn, lab, site, shape))   # the rest of the block
                    changed = True
                    break
    if changed:
        fn.rebuild_cfg()
    return changed


def _peelable(callee: Function) -> LeafShape | None:
    """The first leaf shape of callee (ir/leaf.py) that answers a constant, when its comparison's
    operands are the callee's receiver or SmallInteger constants: the receiver passes the class
    test made before it, so the comparison copied here has no slow path."""
    entry = callee.blocks[callee.entry].instrs
    small = ({i.result for i in entry if i.op == "self"}
             | {i.result for i in entry if i.op == "const" and int(i.args[0]) & 1})
    return next((s for s in leaf_shapes(callee)
                 if s.constant is not None and set(s.test.args[1:]) <= small), None)


def _peel(fn: Function, lab: str, site: Instr, shape: LeafShape) -> str:
    """Put shape's test before site (in block lab) as the module docstring shows; answer the
    label of the block after it."""
    consts, test = shape.consts, shape.test
    blk = fn.blocks[lab]
    before, after, cont, tag = split_at(fn, lab, site, "p")
    test_b, leaf_b, call_b = (_new_block(fn, f"{tag}{s}", blk.entry_pc) for s in "tlk")
    rcvr = site.args[1]
    frame = {"frame": site.attrs["frame"]} if "frame" in site.attrs else {}
    guard = Instr("is_class", [rcvr], fn.new_value(), {"class": 1, "binding": 1, **frame})
    blk.instrs = before + [guard, Instr("branch", [guard.result, test_b.label, call_b.label], None,
                                        {"pc": site.attrs["pc"], "live": [], **frame})]
    names = {i.result: fn.new_value() for i in consts}
    callee_self = {a for a in test.args[1:] if a not in names}
    test_b.instrs = [Instr("const", list(i.args), names[i.result], dict(frame)) for i in consts]
    cmp = Instr("int_op", [test.args[0]] + [rcvr if a in callee_self else names[a] for a in test.args[1:]],
                fn.new_value(), {"kind": test.attrs["kind"], "nargs": 1, "pc": site.attrs["pc"],
                                 "site": site.attrs["site"], "live": [], **frame})
    for key in ("sel", "special"):
        if key in test.attrs:
            cmp.attrs[key] = test.attrs[key]
    ways = [leaf_b.label, call_b.label] if shape.leaf_true else [call_b.label, leaf_b.label]
    test_b.instrs += [cmp, Instr("branch", [cmp.result] + ways, None, {"pc": site.attrs["pc"], "live": [], **frame})]
    value = fn.new_value()
    leaf_b.instrs = [Instr("const", [shape.constant], value, dict(frame)),
                     Instr("jump", [cont.label], None, dict(frame))]
    sent = fn.new_value()
    call = Instr(site.op, list(site.args), sent, {**site.attrs, "peeled": 1})   # not again (copies of it too)
    call_b.instrs = [call, Instr("jump", [cont.label], None, dict(frame))]
    cont.instrs = [Instr("phi", [f"{value}:{leaf_b.label}", f"{sent}:{call_b.label}"], site.result)] + after
    fn.rebuild_cfg()
    return cont.label
