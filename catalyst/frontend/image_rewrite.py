"""Rewriting pre-Spur Character methods for immediate Characters.

A pre-Spur Character is an object whose only instance variable `value` holds its code point;
its methods read it with `push receiver variable 0`. Converted images have immediate Characters
(ABI section 1), which have no instance variables, so the converter rewrites the methods of
class Character:

  * the quick methods answering `value` (primitive 264: asInteger, asciiValue, hash) become
    primitive 171 (an immediate Character's code point), as in Spur images;
  * every other `push receiver variable 0` becomes `push self; send #asInteger` (the Symbol is
    appended to the literals), and the jumps around it are re-encoded: jumps are relative, so
    inserting bytes changes their offsets, and a short jump that no longer reaches becomes a
    long one.

Stores into the instance variable, or super sends (whose class is the last literal), are not
expected in Character and make the rewrite refuse.
"""
from __future__ import annotations

from catalyst.frontend import bytecodes as B

CHAR_VALUE_PRIMITIVE = 171
PUSH_SELF = 112


class RewriteError(ValueError):
    pass


def send_literal(k: int, nargs: int = 0) -> bytes:
    """The shortest V3 send of literal k with nargs arguments."""
    if nargs == 0 and k < 16:
        return bytes([208 + k])
    if k < 32 and nargs < 8:
        return bytes([131, (nargs << 5) | k])
    if k < 256 and nargs < 32:
        return bytes([132, nargs, k])
    raise RewriteError(f"literal {k} out of reach of a send bytecode")


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


def rewrite_inst_var_reads(code: bytes, bytecode_set: str, replacement: bytes) -> bytes:
    """code with every `push receiver variable 0` (bytecode 0, or 128 with operand 0) replaced
    by replacement, jumps re-encoded."""
    ins = list(B.decode(code, bytecode_set))
    for i in ins:
        if i.op in ("pop_store_rcvr_var",) or (i.op in ("ext_store", "ext_pop_store") and i.args[0] == "rcvr_var"):
            raise RewriteError(f"pc {i.pc}: stores into an instance variable")
        if i.op == "super_send" or (i.op == "double_ext" and i.args[0] == "super_send"):
            raise RewriteError(f"pc {i.pc}: super send")
    is_read = [(i.op == "push_rcvr_var" and i.args == (0,)) or
               (i.op == "ext_push" and i.args == ("rcvr_var", 0)) for i in ins]
    long = [i.target is not None and i.size == 2 for i in ins]
    for _ in range(len(ins) + 1):
        # lay out with the current jump forms, then check every jump still fits
        new_pc, pc = {}, 0
        for i, read, lg in zip(ins, is_read, long):
            new_pc[i.pc] = pc
            pc += len(replacement) if read else (2 if lg and i.target is not None else
                                                  1 if i.target is not None else i.size)
        new_pc[len(code)] = pc
        out = bytearray()
        grew = False
        for k, (i, read) in enumerate(zip(ins, is_read)):
            if read:
                out += replacement
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
            return bytes(out)
    raise RewriteError("jump layout did not settle")
