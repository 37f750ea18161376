"""Leaf shapes: a method whose first act may be to answer without needing its frame.

`leaf_shapes(fn)` finds, in a method's own IR, the shape of `n < 2 ifTrue: [^1]` and of
`^n < 2 ifTrue: [1] ifFalse: [...]`:

    entry: <reads of the receiver and arguments, constants>
           vc = int_op <lt|gt|le|ge|eq|ne> vX vY      ; used by the branch alone
           branch vc leaf other                        ; (or other leaf), two different blocks
    leaf:  <reads of the receiver and arguments, constants>   ; entered from the entry alone
           ret vK                                      ; or: jump merge, which is
    merge: vP = phi ... vK:leaf ...                    ; one phi, answered at once; vK is
           ret vP                                      ; then a constant the leaf makes

Nothing on the way from the entry to the answer sends, allocates, deoptimizes or needs the
frame, except the comparison, which has a slow path (a send) unless both its operands are
SmallIntegers. Reads of the receiver and the arguments count as frame-free: where the shape is
used they are the send's operands. Two passes use it, each where it knows the operands are
SmallIntegers: peel-leaf (passes/peel_leaf.py) makes the comparison before a direct call and
calls only on the other way; inline (passes/inline.py) makes an inlined callee's frame only on
the other way (ABI.md section 8, "Inlined frames").
"""
from __future__ import annotations

from dataclasses import dataclass

from catalyst.ir.ir import Function, Instr, value_args

COMPARES = ("lt", "gt", "le", "ge", "eq", "ne")


@dataclass
class LeafShape:
    """One way of a method's first comparison that answers at once (module docstring); labels
    and values are the method's own."""
    consts: list[Instr]         # the entry's constants, in order
    test: Instr                 # the comparison
    leaf: str                   # the block that answers
    other: str                  # the other way of the branch
    leaf_true: bool             # the leaf is the branch's true way
    value: str                  # the value the leaf answers
    constant: int | None        # its tagged word when the leaf block makes it (always so
                                # through a merge), else None (a `ret` of the receiver, say)
    merge: str | None           # the block that returns the answer's phi, or None (a `ret`)


def leaf_shapes(fn: Function) -> list[LeafShape]:
    """The ways of fn's first comparison that answer at once: none, one or both, the true way
    first. Requires fn.cfg to be current; reads fn and changes nothing."""
    entry = fn.blocks[fn.entry]
    *body, br = entry.instrs
    if br.op != "branch" or not body or br.args[1] == br.args[2]:
        return []
    *pre, test = body
    if (test.op != "int_op" or test.attrs["kind"] not in COMPARES or br.args[0] != test.result
            or not all(i.op == "const" or _reads_operand(fn, i) for i in pre)
            or _uses(fn, test.result) != 1):
        return []
    consts = [i for i in pre if i.op == "const"]
    shapes = []
    for way, lab, other in ((True, br.args[1], br.args[2]), (False, br.args[2], br.args[1])):
        answer = _answer(fn, lab)
        if answer is not None:
            shapes.append(LeafShape(consts, test, lab, other, way, *answer))
    return shapes


def _answer(fn: Function, lab: str):
    """(value, constant, merge) of block lab when it is a leaf (module docstring) entered from
    fn's entry alone, else None."""
    b = fn.blocks[lab]
    if list(fn.cfg.predecessors(lab)) != [fn.entry] or b.phis:
        return None
    *body, last = b.instrs
    if not all(i.op == "const" or _reads_operand(fn, i) for i in body):
        return None
    made = {i.result: i.args[0] for i in body if i.op == "const"}
    if last.op == "ret":
        return last.args[0], made.get(last.args[0]), None
    if last.op != "jump":
        return None
    merge = fn.blocks[last.args[0]]
    rest = [i for i in merge.instrs if i.op != "phi"]
    if len(merge.phis) != 1 or [i.op for i in rest] != ["ret"] or rest[0].args != [merge.phis[0].result]:
        return None
    incoming = {a.split(":")[1]: a.split(":")[0] for a in merge.phis[0].args}
    value = incoming.get(lab)
    return (value, made[value], merge.label) if value in made else None


def _reads_operand(fn: Function, i: Instr) -> bool:
    """i reads the receiver or an argument (never assigned in Smalltalk), nothing else."""
    return i.op == "self" or (i.op == "load_temp" and i.attrs["index"] < fn.num_args
                              and "frame" not in i.attrs)


def _uses(fn: Function, v: str) -> int:
    """How often v is used: as an operand, or as a value kept live across an instruction."""
    return sum(1 for i in fn.instructions() for a in value_args(i) + list(i.attrs.get("live", [])) if a == v)
