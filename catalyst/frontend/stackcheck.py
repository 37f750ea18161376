"""Operand-stack verification of compiled bytecodes (a check on the code generator).

`check_stack(code, bytecode_set)` follows every path through a method's bytecodes with
bytecodes.py's stack effects and answers the deepest operand stack of the method body and of
each block body. It raises StackError (naming the pc) when an instruction would pop more than
the stack holds, when two paths reach an instruction with different depths, when control falls
off the end of a body, or when a jump leaves its body.

A method with a primitive error code starts `callPrimitive; storeIntoTemp: ec`: that store
takes its value from the VM and leaves the operand stack as it was.

Each closure body (the bytes a push-closure instruction skips) is checked as its own frame that
starts with an empty operand stack; the method continues after the body with the closure pushed.
"""
from __future__ import annotations

from catalyst.frontend import bytecodes as B


class StackError(ValueError):
    pass


def check_stack(code: bytes, bytecode_set: str = B.V3_PLUS_CLOSURES) -> dict[int, int]:
    """Map start offset of each body (0 for the method) -> its maximum stack depth."""
    found: dict[int, int] = {}
    _check_body(code, 0, len(code), bytecode_set, found)
    return found


def _check_body(code: bytes, start: int, end: int, bset: str, found: dict[int, int]):
    depth_at: dict[int, int] = {start: 0}
    work = [start]
    deepest = 0
    while work:
        pc = work.pop()
        depth = depth_at[pc]
        while True:
            if pc >= end:
                raise StackError(f"offset {pc}: control runs off the end of the body "
                                 f"{start}..{end}")
            ins = B.decode_one(code[:end], pc, bset)
            pops, pushes = ins.stack_effect()
            if ins.op == "ext_store" and pc == 3 and start == 0 and code[0] == 139:
                # the store after callPrimitive: on failure the VM puts the error code on top
                # of the stack (the last temp) and this stores it into the error-code temp
                pops = pushes = 0
            if pops > depth:
                raise StackError(f"offset {pc}: {ins.op} pops {pops} with {depth} on the stack")
            depth += pushes - pops
            deepest = max(deepest, depth)
            nxt = ins.next_pc
            if ins.op == "push_closure":
                body_end = nxt + ins.args[2]
                if body_end > end:
                    raise StackError(f"offset {pc}: block body ends past its container")
                _check_body(code, nxt, body_end, bset, found)
                nxt = body_end
            if ins.returns:
                break
            targets = []
            if ins.target is not None:
                if not start <= ins.target < end:
                    raise StackError(f"offset {pc}: jump to {ins.target} leaves the body "
                                     f"{start}..{end}")
                targets.append(ins.target)
            falls = not (ins.op == "jump")
            for t in targets:
                if t in depth_at:
                    if depth_at[t] != depth:
                        raise StackError(f"offset {t}: reached with depth {depth_at[t]} and "
                                         f"{depth}")
                else:
                    depth_at[t] = depth
                    work.append(t)
            if not falls:
                break
            if nxt in depth_at:
                if depth_at[nxt] != depth:
                    raise StackError(f"offset {nxt}: reached with depth {depth_at[nxt]} "
                                     f"and {depth}")
                break
            depth_at[nxt] = depth
            pc = nxt
    found[start] = deepest
