"""peel-leaf (optimization): a direct call to a method whose first act on a SmallInteger receiver
may be to answer a constant (`n < 2 ifTrue: [1] ifFalse: [...]`) makes that test itself and
calls only when the answer is not the constant.

Requires: direct-call (the send's `guard` and `target`), and `fn.annotations["lift_callee"]`
(passes/inline.py), asked with depth -1: the target's optimized IR without inlining. Runs after
`inline`, on the direct calls it left (callees too big, or at its depth limit), in the function
being translated only (not in callee bodies made for inlining). Guarantees: for
a send `v = send #sel vR guard=1 target=M` (SmallInteger receivers) whose target's first block
is constants and one comparison of its receiver with a SmallInteger constant, one way of which
leads straight to returning a constant K, the block becomes

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

from catalyst.ir.ir import Function, Instr, value_args
from catalyst.passes.inline import _new_block, split_at

name = "peel-leaf"
description = "a direct call's constant-answering first test done before the call"
requires = ("direct-call",)
preserves: tuple = ()

COMPARES = ("lt", "gt", "le", "ge", "eq", "ne")


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
                shape = _leaf_shape(callee) if callee is not None else None
                if shape is not None:
                    work.append(_peel(fn, lab, site, *shape))   # the rest of the block
                    changed = True
                    break
    if changed:
        fn.rebuild_cfg()
    return changed


def _leaf_shape(callee: Function):
    """(constants, comparison, leaf is the true way, K) when the callee starts as described."""
    entry = callee.blocks[callee.entry]
    *body, br = entry.instrs
    if br.op != "branch" or not body:
        return None
    test = body[-1]
    selfs = {i.result for i in body if i.op == "self"}
    consts = {i.result: i for i in body if i.op == "const"}
    if (test.op != "int_op" or test.attrs["kind"] not in COMPARES or br.args[0] != test.result
            or len(selfs) + len(consts) != len(body) - 1):
        return None
    if not all(a in selfs or (a in consts and int(consts[a].args[0]) & 1) for a in test.args[1:]):
        return None
    if sum(1 for i in callee.instructions() for v in value_args(i) + list(i.attrs.get("live", []))
           if v == test.result) != 1:
        return None
    for way, lab in ((True, br.args[1]), (False, br.args[2])):
        k = _constant_answer(callee, lab, callee.entry)
        if k is not None and br.args[1] != br.args[2]:
            return list(consts.values()), test, way, k
    return None


def _constant_answer(callee: Function, lab: str, entry: str):
    """The constant (its tagged word) that block lab, entered from entry alone, returns: by a
    `ret`, or through a merge block that only returns its phi."""
    b = callee.blocks[lab]
    if [p for p in callee.cfg.predecessors(lab)] != [entry] or b.phis:
        return None
    *body, last = b.instrs
    if not all(i.op == "const" for i in body):
        return None
    values = {i.result: i.args[0] for i in body}
    if last.op == "ret":
        return values.get(last.args[0])
    if last.op != "jump":
        return None
    merge = callee.blocks[last.args[0]]
    rest = [i for i in merge.instrs if i.op != "phi"]
    if len(merge.phis) != 1 or [i.op for i in rest] != ["ret"] or rest[0].args != [merge.phis[0].result]:
        return None
    return values.get(next(a.split(":")[0] for a in merge.phis[0].args if a.split(":")[1] == lab))


def _peel(fn: Function, lab: str, site: Instr, consts: list[Instr], test: Instr, leaf_true: bool, k):
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
    ways = [leaf_b.label, call_b.label] if leaf_true else [call_b.label, leaf_b.label]
    test_b.instrs += [cmp, Instr("branch", [cmp.result] + ways, None, {"pc": site.attrs["pc"], "live": [], **frame})]
    value = fn.new_value()
    leaf_b.instrs = [Instr("const", [k], value, dict(frame)), Instr("jump", [cont.label], None, dict(frame))]
    sent = fn.new_value()
    call = Instr(site.op, list(site.args), sent, {**site.attrs, "peeled": 1})   # not again (copies of it too)
    call_b.instrs = [call, Instr("jump", [cont.label], None, dict(frame))]
    cont.instrs = [Instr("phi", [f"{value}:{leaf_b.label}", f"{sent}:{call_b.label}"], site.result)] + after
    fn.rebuild_cfg()
    return cont.label
