"""IR verifier: run after every pass in tests (and with --verify-each).

Checks: one terminator per block, at the end; CFG edges match terminators; every value defined
once; every use dominated by its definition (phi uses by the end of the incoming block), the
values of deoptimization states (`live`) included; phi arity equals the number of predecessors
and names each predecessor once; operand counts and required attributes of the closure,
context, array, slot and inlined-block instructions; `nlr` only in block bodies (or in
inlined blocks: with a frame).
"""
from __future__ import annotations

from catalyst.ir.ir import TERMINATORS, Function, successors, value_args


class VerifyError(Exception):
    pass


# op -> (operand count, or None for "any"; attributes it must have)
SHAPES = {
    "closure": (None, ("nargs", "startpc", "pc", "live")),
    "this_context": (0, ("pc", "live")),
    "new_array": (None, ("size", "pc", "live")),
    "load_slot": (1, ("index",)),
    "store_slot": (2, ("index",)),
    "nlr": (1, ("pc", "live")),
    "block_push": (None, ("method", "nargs", "startpc", "temps", "pc", "site", "live")),
}


def _check_shape(fn: Function, i) -> None:
    count, attrs = SHAPES[i.op]
    if count is not None and len(i.args) != count:
        raise VerifyError(f"{fn.name}: {i.op} takes {count} operands, has {len(i.args)}")
    for a in attrs:
        if a not in i.attrs:
            raise VerifyError(f"{fn.name}: {i.op} lacks its {a}= attribute")
    if i.op == "new_array" and len(i.args) not in (0, i.attrs["size"]):
        raise VerifyError(f"{fn.name}: new_array of size {i.attrs['size']} with {len(i.args)} values")
    if i.op == "block_push" and len(i.args) != 1 + i.attrs["temps"]:
        raise VerifyError(f"{fn.name}: block_push of a block with {i.attrs['temps']} frame slots "
                          f"has {len(i.args) - 1} values for them")
    if i.op == "nlr" and fn.startpc is None and "frame" not in i.attrs:
        raise VerifyError(f"{fn.name}: nlr (a ^ from a block) in a method body")


def verify(fn: Function) -> None:
    defs: dict[str, str] = {}
    for lab, b in fn.blocks.items():
        if not b.instrs or b.instrs[-1].op not in TERMINATORS:
            raise VerifyError(f"{fn.name}: block {lab} does not end with a terminator")
        for i in b.instrs[:-1]:
            if i.op in TERMINATORS:
                raise VerifyError(f"{fn.name}: block {lab} has a terminator before its end")
        seen_non_phi = False
        for i in b.instrs:
            if i.op == "phi" and seen_non_phi:
                raise VerifyError(f"{fn.name}: phi after other instructions in {lab}")
            seen_non_phi |= i.op != "phi"
            if i.result:
                if i.result in defs:
                    raise VerifyError(f"{fn.name}: {i.result} defined twice")
                defs[i.result] = lab
        for t in successors(b.instrs[-1]):
            if t not in fn.blocks:
                raise VerifyError(f"{fn.name}: {lab} jumps to unknown block {t}")
            if not fn.cfg.has_edge(lab, t):
                raise VerifyError(f"{fn.name}: CFG lacks the edge {lab} -> {t}")
    idom = fn.dominators() if fn.blocks else {}

    def dominates(a: str, b: str) -> bool:
        while True:
            if a == b:
                return True
            nb = idom.get(b)
            if nb is None or nb == b:
                return False
            b = nb

    reachable = set(idom) | ({fn.entry} if fn.blocks else set())
    for lab, b in fn.blocks.items():
        if lab not in reachable:
            continue   # unreachable blocks are allowed until DCE removes them
        local = set()
        preds = fn.preds(lab)
        for i in b.instrs:
            if i.op == "phi":
                incoming = [a.split(":")[1] for a in i.args]
                if sorted(incoming) != sorted(preds):
                    raise VerifyError(f"{fn.name}: phi {i.result} in {lab} has incoming "
                                      f"{incoming}, predecessors are {preds}")
                for a in i.args:
                    v, p = a.split(":")
                    if v not in defs or not dominates(defs[v], p):
                        raise VerifyError(f"{fn.name}: phi operand {v} does not dominate {p}")
            else:
                if i.op in SHAPES:
                    _check_shape(fn, i)
                for v in value_args(i) + list(i.attrs.get("live", [])):
                    if v not in defs:
                        raise VerifyError(f"{fn.name}: {v} used in {lab} but never defined")
                    if defs[v] == lab:
                        if v not in local:
                            raise VerifyError(f"{fn.name}: {v} used before its definition in {lab}")
                    elif not dominates(defs[v], lab):
                        raise VerifyError(f"{fn.name}: definition of {v} does not dominate its use in {lab}")
            if i.result:
                local.add(i.result)
