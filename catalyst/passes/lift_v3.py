"""What lifting does differently for the pre-closure V3 bytecode set (used by lift.py).

Pre-closure methods make a block with `thisContext; push numArgs; send blockCopy:; jump L`, the
block's code inline between the jump and L (ABI.md section 7, wat/45_blockcontext.wat). The
method's own control flow jumps over that code, so the lifter never reaches it; the block runs
in the interpreter whenever its BlockContext is valued. `fuse_block_copies` turns the first
three instructions into one `block_copy` instruction (numArgs, offset of the block's first
bytecode), which the backend lowers to a call of the core's `vm_block_copy`: it makes the
BlockContext, with the frame's context as its home.
"""
from __future__ import annotations

from catalyst.frontend import bytecodes as B

BLOCK_COPY = 24          # special selector index of blockCopy:


def _num_args(ins: B.Instruction, literals: list) -> int | None:
    if ins.op == "push_const" and type(ins.args[0]) is int:
        return ins.args[0]
    if ins.op == "push_lit_const":
        oop = literals[ins.args[0]]
        return oop >> 1 if oop & 1 else None
    return None


def fuse_block_copies(body: list, literals: list) -> list:
    """body (decoded instructions of one basic block) with every blockCopy: pattern replaced
    by a `block_copy` instruction spanning its first three instructions."""
    out, k = [], 0
    while k < len(body):
        ins = body[k]
        if ins.op == "push_this_context" and k + 3 < len(body):
            nargs = _num_args(body[k + 1], literals)
            send, jump = body[k + 2], body[k + 3]
            if nargs is not None and send.op == "special_send" and send.args[0] == BLOCK_COPY \
                    and jump.op == "jump" and jump.size == 2:
                size = jump.pc - ins.pc
                out.append(B.Instruction(ins.pc, size, "block_copy", (nargs, jump.next_pc),
                                         ins.opcode))
                k += 3
                continue
        out.append(ins)
        k += 1
    return out
