"""Squeak bytecode sets, described once as a table of records.

Two sets are described: V3PlusClosures (Squeak 4+ and Spur images, and what Catalyst's compiler
emits) and the pre-closure V3 set of old images (Squeak 2.x/3.x), which is V3PlusClosures without
the closure bytecodes 138-143.

Every family of bytecodes is one `Family` record: opcode range, mnemonic, length, how operands are
decoded, the stack effect, and whether it sends / jumps / returns. The decoder, the disassembler,
the stack-effect analysis and the lifter all derive from `decode()`, so nothing is listed twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

# Special selectors of bytecodes 176-207, with their argument counts (Squeak order).
SPECIAL_SELECTORS: tuple[tuple[str, int], ...] = (
    ("+", 1), ("-", 1), ("<", 1), (">", 1), ("<=", 1), (">=", 1), ("=", 1), ("~=", 1),
    ("*", 1), ("/", 1), ("\\\\", 1), ("@", 1), ("bitShift:", 1), ("//", 1), ("bitAnd:", 1),
    ("bitOr:", 1), ("at:", 1), ("at:put:", 2), ("size", 0), ("next", 0), ("nextPut:", 1),
    ("atEnd", 0), ("==", 1), ("class", 0), ("blockCopy:", 1), ("value", 0), ("value:", 1),
    ("do:", 1), ("new", 0), ("new:", 1), ("x", 0), ("y", 0),
)

PUSH_CONSTANTS = ("true", "false", "nil", -1, 0, 1, 2)   # bytecodes 113-119
RETURN_CONSTANTS = ("self", "true", "false", "nil")        # bytecodes 120-123
EXTENDED_KINDS = ("rcvr_var", "temp", "lit_const", "lit_var")  # 128-130 operand kinds


class BytecodeError(ValueError):
    """A byte sequence that is not a valid instruction of the set; names the pc."""


@dataclass(frozen=True)
class Instruction:
    """One decoded instruction.

    `op` is the family mnemonic; `args` its decoded operands (a tuple); `pc` is the offset of
    the first byte relative to the start of the bytecodes (callers add the method's initial pc
    when they want Squeak's convention). For jumps, `target` is the bytecode offset jumped to.
    """
    pc: int
    size: int
    op: str
    args: tuple = ()
    opcode: int = 0
    family: "Family" = field(default=None, repr=False, compare=False)

    @property
    def next_pc(self) -> int:
        return self.pc + self.size

    @property
    def target(self) -> int | None:
        if self.family is not None and self.family.jumps:
            return self.next_pc + self.args[0]
        return None

    @property
    def sends(self) -> bool:
        return self.family.sends

    @property
    def returns(self) -> bool:
        return self.family.returns

    @property
    def conditional(self) -> bool:
        return self.op in ("jump_if_true", "jump_if_false")

    def stack_effect(self) -> tuple[int, int]:
        """(values popped, values pushed) by this instruction."""
        return self.family.effect(self)


@dataclass(frozen=True)
class Family:
    """A range of opcodes sharing a mnemonic and a decoding rule.

    decode(opcode, extension_bytes) -> operands tuple.
    effect(instruction) -> (pops, pushes).
    """
    first: int
    last: int
    op: str
    length: int
    decode: Callable[[int, bytes], tuple]
    effect: Callable[[Instruction], tuple[int, int]]
    sends: bool = False
    jumps: bool = False
    returns: bool = False
    closures_only: bool = False   # absent from the pre-closure V3 set


def _const(pops: int, pushes: int):
    return lambda ins: (pops, pushes)


def _send_effect(ins: Instruction) -> tuple[int, int]:
    nargs = ins.args[-1]
    return nargs + 1, 1


def _special_effect(ins: Instruction) -> tuple[int, int]:
    return SPECIAL_SELECTORS[ins.args[0]][1] + 1, 1


def _ext_push(op, b):
    kind, index = EXTENDED_KINDS[b[0] >> 6], b[0] & 63
    return (kind, index)


def _double_ext_decode(op, b):
    sub, low, lit = b[0] >> 5, b[0] & 31, b[1]
    return (("send", "super_send", "push_rcvr_var", "push_lit_const", "push_lit_var",
             "store_rcvr_var", "pop_store_rcvr_var", "store_lit_var")[sub], lit, low)


def _double_ext_effect(ins: Instruction) -> tuple[int, int]:
    sub, _index, nargs = ins.args
    return {"send": (nargs + 1, 1), "super_send": (nargs + 1, 1), "push_rcvr_var": (0, 1),
            "push_lit_const": (0, 1), "push_lit_var": (0, 1), "store_rcvr_var": (1, 1),
            "pop_store_rcvr_var": (1, 0), "store_lit_var": (1, 1)}[sub]


def _new_array_effect(ins: Instruction) -> tuple[int, int]:
    size, cons = ins.args
    return (size if cons else 0), 1


def _closure_decode(op, b):
    num_copied, num_args = b[0] >> 4, b[0] & 15
    return (num_copied, num_args, (b[1] << 8) | b[2])


def _signed_long_jump(op, b):
    return (((op & 7) - 4) * 256 + b[0],)


FAMILIES: tuple[Family, ...] = (
    Family(0, 15, "push_rcvr_var", 1, lambda op, b: (op & 15,), _const(0, 1)),
    Family(16, 31, "push_temp", 1, lambda op, b: (op & 15,), _const(0, 1)),
    Family(32, 63, "push_lit_const", 1, lambda op, b: (op & 31,), _const(0, 1)),
    Family(64, 95, "push_lit_var", 1, lambda op, b: (op & 31,), _const(0, 1)),
    Family(96, 103, "pop_store_rcvr_var", 1, lambda op, b: (op & 7,), _const(1, 0)),
    Family(104, 111, "pop_store_temp", 1, lambda op, b: (op & 7,), _const(1, 0)),
    Family(112, 112, "push_self", 1, lambda op, b: (), _const(0, 1)),
    Family(113, 119, "push_const", 1, lambda op, b: (PUSH_CONSTANTS[op - 113],), _const(0, 1)),
    Family(120, 123, "return_const", 1, lambda op, b: (RETURN_CONSTANTS[op - 120],),
           _const(0, 0), returns=True),
    Family(124, 124, "return_top", 1, lambda op, b: (), _const(1, 0), returns=True),
    Family(125, 125, "block_return", 1, lambda op, b: (), _const(1, 0), returns=True),
    Family(126, 127, "unknown", 1, lambda op, b: (op,), _const(0, 0)),
    Family(128, 128, "ext_push", 2, _ext_push, _const(0, 1)),
    Family(129, 129, "ext_store", 2, _ext_push, _const(1, 1)),
    Family(130, 130, "ext_pop_store", 2, _ext_push, _const(1, 0)),
    Family(131, 131, "send", 2, lambda op, b: (b[0] & 31, b[0] >> 5), _send_effect, sends=True),
    Family(132, 132, "double_ext", 3, _double_ext_decode, _double_ext_effect, sends=True),
    Family(133, 133, "super_send", 2, lambda op, b: (b[0] & 31, b[0] >> 5), _send_effect,
           sends=True),
    Family(134, 134, "send", 2, lambda op, b: (b[0] & 63, b[0] >> 6), _send_effect, sends=True),
    Family(135, 135, "pop", 1, lambda op, b: (), _const(1, 0)),
    Family(136, 136, "dup", 1, lambda op, b: (), _const(1, 2)),
    Family(137, 137, "push_this_context", 1, lambda op, b: (), _const(0, 1)),
    Family(138, 138, "push_new_array", 2, lambda op, b: (b[0] & 127, bool(b[0] & 128)),
           _new_array_effect, closures_only=True),
    Family(139, 139, "call_primitive", 3, lambda op, b: (b[0] | (b[1] << 8),), _const(0, 0),
           closures_only=True),
    Family(140, 140, "push_remote_temp", 3, lambda op, b: (b[0], b[1]), _const(0, 1),
           closures_only=True),
    Family(141, 141, "store_remote_temp", 3, lambda op, b: (b[0], b[1]), _const(1, 1),
           closures_only=True),
    Family(142, 142, "pop_store_remote_temp", 3, lambda op, b: (b[0], b[1]), _const(1, 0),
           closures_only=True),
    Family(143, 143, "push_closure", 4, _closure_decode,
           lambda ins: (ins.args[0], 1), closures_only=True),
    Family(144, 151, "jump", 1, lambda op, b: ((op & 7) + 1,), _const(0, 0), jumps=True),
    Family(152, 159, "jump_if_false", 1, lambda op, b: ((op & 7) + 1,), _const(1, 0),
           jumps=True),
    Family(160, 167, "jump", 2, _signed_long_jump, _const(0, 0), jumps=True),
    Family(168, 171, "jump_if_true", 2, lambda op, b: ((op & 3) * 256 + b[0],), _const(1, 0),
           jumps=True),
    Family(172, 175, "jump_if_false", 2, lambda op, b: ((op & 3) * 256 + b[0],), _const(1, 0),
           jumps=True),
    Family(176, 207, "special_send", 1, lambda op, b: (op - 176,), _special_effect, sends=True),
    Family(208, 223, "send", 1, lambda op, b: (op & 15, 0), _send_effect, sends=True),
    Family(224, 239, "send", 1, lambda op, b: (op & 15, 1), _send_effect, sends=True),
    Family(240, 255, "send", 1, lambda op, b: (op & 15, 2), _send_effect, sends=True),
)

_BY_OPCODE: list[Family] = [None] * 256  # type: ignore[list-item]
for _f in FAMILIES:
    for _op in range(_f.first, _f.last + 1):
        assert _BY_OPCODE[_op] is None, _op
        _BY_OPCODE[_op] = _f
assert all(_BY_OPCODE)

V3_PLUS_CLOSURES = "V3PlusClosures"
V3 = "V3"


def family_of(opcode: int, bytecode_set: str = V3_PLUS_CLOSURES) -> Family | None:
    fam = _BY_OPCODE[opcode]
    if fam.closures_only and bytecode_set == V3:
        return None
    return fam


def decode_one(code: bytes, pc: int, bytecode_set: str = V3_PLUS_CLOSURES) -> Instruction:
    """Decode the instruction at offset pc of code; raise BytecodeError naming the pc."""
    if pc >= len(code):
        raise BytecodeError(f"pc {pc}: past the end of the bytecodes ({len(code)} bytes)")
    opcode = code[pc]
    fam = family_of(opcode, bytecode_set)
    if fam is None or fam.op == "unknown":
        raise BytecodeError(f"pc {pc}: bytecode {opcode} is not in the {bytecode_set} set")
    if pc + fam.length > len(code):
        raise BytecodeError(f"pc {pc}: bytecode {opcode} ({fam.op}) needs {fam.length} bytes, "
                            f"only {len(code) - pc} left")
    ext = bytes(code[pc + 1: pc + fam.length])
    return Instruction(pc, fam.length, fam.op, fam.decode(opcode, ext), opcode, fam)


def decode(code: bytes, bytecode_set: str = V3_PLUS_CLOSURES, start: int = 0,
           end: int | None = None) -> Iterator[Instruction]:
    """Decode code[start:end] linearly (block bodies included, as Squeak lays them inline)."""
    end = len(code) if end is None else end
    pc = start
    while pc < end:
        ins = decode_one(code[:end], pc, bytecode_set)
        yield ins
        pc = ins.next_pc


def end_pc(method_bytes: bytes) -> int:
    """Number of bytecode bytes in a method's bytes region, i.e. without its trailer.

    Squeak encodes the trailer kind in the last byte: its top 6 bits select the kind. Kinds
    handled: 0 (NoTrailer, 1 byte); varLengthSourcePointer/Embedded source and other
    variable-size kinds store their length in preceding bytes; pre-Spur images used a
    4-byte source pointer when the last byte is >= 252 (Squeak 2.x/3.x convention).
    """
    if not method_bytes:
        return 0
    last = method_bytes[-1]
    kind = last >> 2
    if kind == 0:            # NoTrailer / ClearedTrailer: 1 byte
        return len(method_bytes) - 1
    # Variable length kinds (Squeak 4+): length in the low 2 bits selects how many bytes
    # encode the size; we handle the common "size in previous byte(s)" forms.
    size_bytes = last & 3
    if kind in (1, 2, 3, 4, 5, 6, 7, 8):  # kinds with explicit length
        n = 0
        for i in range(size_bytes + 1):
            n = (n << 8) | method_bytes[-2 - i] if len(method_bytes) >= 2 + i else n
        return max(0, len(method_bytes) - 1 - (size_bytes + 1) - n)
    return max(0, len(method_bytes) - 4)   # old fixed 4-byte source pointer trailer


def bytecodes_only(method_bytes: bytes) -> bytes:
    """The bytecodes of a method's bytes region, without the trailer."""
    return bytes(method_bytes[:end_pc(method_bytes)])

