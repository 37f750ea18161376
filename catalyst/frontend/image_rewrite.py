"""Rewriting methods of a read image where Catalyst's object memory differs from the image's.

`rewrite(code, bytecode_set, replace)` replaces chosen instructions by other bytes and re-encodes
every jump around them: jumps are relative, so inserting bytes changes their offsets, and a
short jump that no longer reaches becomes a long one (long jumps stay long: the VM relies on
the 2-byte jump after a `blockCopy:`). It answers the new code and where each old instruction
went (so that pcs saved in contexts can be moved too).

Two rewrites use it:

* Characters (pre-Spur images). A pre-Spur Character is an object whose only instance variable
  `value` holds its code point; converted images have immediate Characters (ABI section 1),
  which have no instance variables. The quick methods answering `value` (primitive 264:
  asInteger, asciiValue, hash) become primitive 171 (an immediate Character's code point), as in
  Spur images; every other `push receiver variable 0` becomes `push self; send #asInteger`.
  Stores into the variable, or super sends (whose class is the last literal), are not expected
  in Character and make the rewrite refuse.
* Contexts (both kinds of image). A context married to a frame (ABI section 7) keeps its sender,
  pc and stackp (instance variables 0-2) in the frame, not in the object; the context
  primitives (instVarAt:, instVarAt:put:) read and write through to the frame. So in the
  methods contexts run (those of the context classes and their superclasses below Object)
  every read of those variables becomes `self instVarAt: i` and every store
  `self instVarAt: i put: value`, through one extra temporary that holds the value meanwhile.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from catalyst.frontend import bytecodes as B

CHAR_VALUE_PRIMITIVE = 171
PUSH_SELF = 112
CONTEXT_MEDIATED_IVARS = 3          # sender/caller, pc, stackp


class RewriteError(ValueError):
    pass


@dataclass
class Rewritten:
    code: bytes
    offsets: dict       # old instruction offset (and the old end) -> new offset


def send_literal(k: int, nargs: int = 0) -> bytes:
    """The shortest V3 send of literal k with nargs arguments."""
    if nargs == 0 and k < 16:
        return bytes([208 + k])
    if nargs <= 2 and k < 16:
        return bytes([208 + 16 * nargs + k])
    if k < 32 and nargs < 8:
        return bytes([131, (nargs << 5) | k])
    if k < 256 and nargs < 32:
        return bytes([132, nargs, k])
    raise RewriteError(f"literal {k} out of reach of a send bytecode")


def push_small(n: int) -> bytes:
    """Push the SmallInteger n (-1..3) without a literal: 116-119, and 3 as `2 + 1`."""
    if -1 <= n <= 2:
        return bytes([117 + n])
    if n == 3:
        return bytes([119, 118, 176])
    raise RewriteError(f"no literal-free push of {n}")


def push_temp(i: int) -> bytes:
    return bytes([16 + i]) if i < 16 else bytes([128, 0x40 | i])


def pop_into_temp(i: int) -> bytes:
    return bytes([104 + i]) if i < 8 else bytes([130, 0x40 | i])


def _jump_bytes(ins: B.Instruction, offset: int, long: bool) -> bytes | None:
    """Encoding of ins's kind of jump with offset, in the short form unless long; None when that
    form cannot express the offset."""
    if not long and ins.op in ("jump", "jump_if_false") and 1 <= offset <= 8:
        base = 144 if ins.op == "jump" else 152
        return bytes([base + offset - 1])
    if not long:
        return None
    if ins.op == "jump":
        if -1024 <= offset <= 1023:
            return bytes([160 + (offset + 1024) // 256, (offset + 1024) % 256])
        return None
    if 0 <= offset <= 1023:
        base = 168 if ins.op == "jump_if_true" else 172
        return bytes([base + offset // 256, offset % 256])
    return None


def rewrite(code: bytes, bytecode_set: str,
            replace: Callable[[B.Instruction], bytes | None]) -> Rewritten:
    """code with every instruction for which replace answers bytes replaced by them, jumps
    re-encoded. replace may raise RewriteError to refuse the method."""
    ins = list(B.decode(code, bytecode_set))
    repl = [replace(i) for i in ins]
    long = [i.target is not None and i.size == 2 for i in ins]
    for _ in range(len(ins) + 1):
        # lay out with the current jump forms, then check every jump still fits
        new_pc, pc = {}, 0
        for i, r, lg in zip(ins, repl, long):
            new_pc[i.pc] = pc
            pc += len(r) if r is not None else (2 if lg and i.target is not None else
                                                 1 if i.target is not None else i.size)
        new_pc[len(code)] = pc
        out = bytearray()
        grew = False
        for k, (i, r) in enumerate(zip(ins, repl)):
            if r is not None:
                out += r
            elif i.target is not None:
                if i.target not in new_pc:
                    raise RewriteError(f"pc {i.pc}: jump into the middle of an instruction")
                here = new_pc[i.pc]
                size = 2 if long[k] else 1
                enc = _jump_bytes(i, new_pc[i.target] - (here + size), long[k])
                if enc is None:
                    if long[k]:
                        raise RewriteError(f"pc {i.pc}: jump out of range after rewriting")
                    long[k] = grew = True
                    break
                out += enc
            else:
                out += code[i.pc:i.next_pc]
        if not grew:
            return Rewritten(bytes(out), new_pc)
    raise RewriteError("jump layout did not settle")


# --- Characters ---------------------------------------------------------------------------------
def rewrite_inst_var_reads(code: bytes, bytecode_set: str, replacement: bytes) -> bytes:
    """code with every `push receiver variable 0` (bytecode 0, or 128 with operand 0) replaced
    by replacement, jumps re-encoded (refuses stores into instance variables and super sends)."""
    def replace(i: B.Instruction):
        if i.op == "pop_store_rcvr_var" or (i.op in ("ext_store", "ext_pop_store") and
                                            i.args[0] == "rcvr_var"):
            raise RewriteError(f"pc {i.pc}: stores into an instance variable")
        if i.op == "super_send" or (i.op == "double_ext" and i.args[0] == "super_send"):
            raise RewriteError(f"pc {i.pc}: super send")
        if (i.op == "push_rcvr_var" and i.args == (0,)) or (i.op == "ext_push" and
                                                           i.args == ("rcvr_var", 0)):
            return replacement
        return None
    return rewrite(code, bytecode_set, replace).code


# --- contexts -------------------------------------------------------------------------------------
def context_ivar_access(i: B.Instruction) -> tuple[str, int] | None:
    """("push" | "store" | "pop_store", index) when i reads or writes one of a context's
    instance variables 0-2, else None."""
    if i.op == "push_rcvr_var":
        kind, k = "push", i.args[0]
    elif i.op == "pop_store_rcvr_var":
        kind, k = "pop_store", i.args[0]
    elif i.op in ("ext_push", "ext_store", "ext_pop_store") and i.args[0] == "rcvr_var":
        kind, k = {"ext_push": "push", "ext_store": "store", "ext_pop_store": "pop_store"}[i.op], i.args[1]
    elif i.op == "double_ext" and i.args[0] in ("push_rcvr_var", "store_rcvr_var", "pop_store_rcvr_var"):
        kind = {"push_rcvr_var": "push", "store_rcvr_var": "store",
                "pop_store_rcvr_var": "pop_store"}[i.args[0]]
        k = i.args[1]
    else:
        return None
    return (kind, k) if k < CONTEXT_MEDIATED_IVARS else None


def rewrite_context_ivars(code: bytes, bytecode_set: str, literal_index: Callable[[object], int],
                          extra_temp: int) -> Rewritten:
    """code with reads and writes of instance variables 0-2 sent as instVarAt: / instVarAt:put:.
    literal_index(name) answers the literal index of a selector, adding it when needed;
    extra_temp is the temporary that holds a stored value meanwhile."""
    def replace(i: B.Instruction):
        acc = context_ivar_access(i)
        if acc is None:
            return None
        kind, k = acc
        index = push_small(k + 1)
        if kind == "push":
            return bytes([PUSH_SELF]) + index + send_literal(literal_index("instVarAt:"), 1)
        out = (pop_into_temp(extra_temp) + bytes([PUSH_SELF]) + index + push_temp(extra_temp) +
               send_literal(literal_index("instVarAt:put:"), 2))
        return out + (bytes([135]) if kind == "pop_store" else b"")
    return rewrite(code, bytecode_set, replace)


def accesses_context_ivars(code: bytes, bytecode_set: str) -> tuple[bool, bool]:
    """(reads or writes any, writes any) of instance variables 0-2."""
    found = [context_ivar_access(i) for i in B.decode(code, bytecode_set)]
    found = [f for f in found if f is not None]
    return bool(found), any(kind != "push" for kind, _ in found)
