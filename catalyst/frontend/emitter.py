"""Instruction emission in the V3PlusClosures set, with Squeak's choice of encodings.

The code generator calls one method per operation (push a temp, send a selector, ...); each
picks the shortest encoding Squeak's EncoderForV3PlusClosures would pick, and tracks the operand
stack depth. Jumps and closure headers are symbolic until `assemble()`: jumps start short and
grow to the long form until every distance fits (forward distances only ever depend on the code
they skip, so this reaches the same sizes as Squeak's bottom-up sizing). A conditional jump of
distance 0 becomes a pop and an unconditional one disappears, as in Squeak.
"""
from __future__ import annotations

from dataclasses import dataclass

from catalyst.frontend.bytecodes import SPECIAL_SELECTORS

SPECIAL_INDEX = {sel: (i, n) for i, (sel, n) in enumerate(SPECIAL_SELECTORS)}
# Squeak-compiled Spur images send #class as an ordinary message (so that classes and proxies
# may override it); bytecode 199 is never emitted for it. Every other special selector is.
SENT_NORMALLY = {"class"}


class EncodingError(ValueError):
    """Something the bytecode set cannot express (too many literals, a jump too far...)."""


@dataclass(eq=False)
class Label:
    pos: int = -1


@dataclass(eq=False)
class Jump:
    kind: str            # "jump", "false", "true"
    target: Label
    size: int = 1
    long: bool = False   # always the 2-byte form (the jump after blockCopy:, whose size the VM knows)


@dataclass(eq=False)
class ClosureHead:
    num_copied: int
    num_args: int
    end: Label


class Emitter:
    def __init__(self):
        self.items: list = []
        self.depth = 0
        self.max_depth = 0
        self._pos: list[int] = []

    # --- bookkeeping ------------------------------------------------------------------
    def byte(self, *bs: int, effect: int = 0):
        self.items.append(bytes(bs))
        self.adjust(effect)

    def adjust(self, effect: int):
        self.depth += effect
        if self.depth > self.max_depth:
            self.max_depth = self.depth

    def label(self, lab: Label):
        self.items.append(lab)

    def jump(self, kind: str, target: Label):
        self.items.append(Jump(kind, target))
        if kind != "jump":
            self.adjust(-1)

    def long_jump(self, target: Label):
        """An unconditional jump that keeps its 2-byte form whatever the distance."""
        self.items.append(Jump("jump", target, 2, long=True))

    def closure(self, num_copied: int, num_args: int, end: Label):
        if num_copied > 15 or num_args > 15:
            raise EncodingError("a block has more than 15 arguments or copied values")
        self.items.append(ClosureHead(num_copied, num_args, end))
        self.adjust(1 - num_copied)

    # --- pushes -----------------------------------------------------------------------
    def push_temp(self, i: int):
        self._check(i, 63, "temporary")
        self.byte(16 + i, effect=1) if i <= 15 else self.byte(128, 0x40 | i, effect=1)

    def store_temp(self, i: int, pop: bool):
        self._check(i, 63, "temporary")
        if pop and i <= 7:
            self.byte(104 + i, effect=-1)
        else:
            self.byte(130 if pop else 129, 0x40 | i, effect=-1 if pop else 0)

    def push_ivar(self, i: int):
        if i <= 15:
            self.byte(i, effect=1)
        elif i <= 63:
            self.byte(128, i, effect=1)
        else:
            self._check(i, 255, "instance variable")
            self.byte(132, 2 << 5, i, effect=1)

    def store_ivar(self, i: int, pop: bool):
        if pop and i <= 7:
            self.byte(96 + i, effect=-1)
        elif i <= 63:
            self.byte(130 if pop else 129, i, effect=-1 if pop else 0)
        else:
            self._check(i, 255, "instance variable")
            self.byte(132, (6 if pop else 5) << 5, i, effect=-1 if pop else 0)

    def push_literal(self, j: int):
        if j <= 31:
            self.byte(32 + j, effect=1)
        elif j <= 63:
            self.byte(128, 0x80 | j, effect=1)
        else:
            self._check(j, 255, "literal")
            self.byte(132, 3 << 5, j, effect=1)

    def push_literal_var(self, j: int):
        if j <= 31:
            self.byte(64 + j, effect=1)
        elif j <= 63:
            self.byte(128, 0xC0 | j, effect=1)
        else:
            self._check(j, 255, "literal")
            self.byte(132, 4 << 5, j, effect=1)

    def store_literal_var(self, j: int, pop: bool):
        if j <= 63:
            self.byte(130 if pop else 129, 0xC0 | j, effect=-1 if pop else 0)
        else:
            self._check(j, 255, "literal")
            self.byte(132, 7 << 5, j)
            if pop:
                self.pop()

    def push_remote(self, index: int, vector_slot: int, ):
        self._check(index, 255, "temp vector index")
        self._check(vector_slot, 255, "temporary")
        self.byte(140, index, vector_slot, effect=1)

    def store_remote(self, index: int, vector_slot: int, pop: bool):
        self._check(index, 255, "temp vector index")
        self.byte(142 if pop else 141, index, vector_slot, effect=-1 if pop else 0)

    def push_special(self, value):
        """self, true, false, nil, -1, 0, 1, 2 or thisContext (by identity: True is not 1)."""
        if value is True:
            code = 113
        elif value is False:
            code = 114
        elif value is None:
            code = 115
        elif type(value) is int:
            code = 117 + value            # -1 .. 2 -> 116 .. 119
        else:
            code = {"self": 112, "thisContext": 137}[value]
        self.byte(code, effect=1)

    def new_array(self, size: int, cons: bool):
        if size > 127:
            raise EncodingError("more than 127 elements")
        self.byte(138, (0x80 if cons else 0) | size, effect=1 - (size if cons else 0))

    def pop(self):
        self.byte(135, effect=-1)

    def dup(self):
        self.byte(136, effect=1)

    # --- sends and returns -------------------------------------------------------------
    def send_special(self, selector: str, nargs: int) -> bool:
        """Emit the special-selector bytecode if selector is one (with that arity)."""
        spec = SPECIAL_INDEX.get(selector)
        if spec is None or spec[1] != nargs or selector in SENT_NORMALLY:
            return False
        self.byte(176 + spec[0], effect=-nargs)
        return True

    def send(self, j: int, nargs: int):
        if nargs <= 2 and j <= 15:
            self.byte(208 + 16 * nargs + j, effect=-nargs)
        elif j <= 31 and nargs <= 7:
            self.byte(131, (nargs << 5) | j, effect=-nargs)
        elif j <= 63 and nargs <= 3:
            self.byte(134, (nargs << 6) | j, effect=-nargs)
        else:
            self._check(j, 255, "literal")
            self._check(nargs, 31, "argument count")
            self.byte(132, nargs, j, effect=-nargs)

    def super_send(self, j: int, nargs: int):
        if j <= 31 and nargs <= 7:
            self.byte(133, (nargs << 5) | j, effect=-nargs)
        else:
            self._check(j, 255, "literal")
            self._check(nargs, 31, "argument count")
            self.byte(132, (1 << 5) | nargs, j, effect=-nargs)

    def return_top(self):
        self.byte(124, effect=-1)

    def return_special(self, what):
        self.byte({"self": 120, True: 121, False: 122, None: 123}[what])

    def block_return(self):
        self.byte(125, effect=-1)

    def call_primitive(self, index: int):
        self._check(index, 0xFFFF, "primitive number")
        self.byte(139, index & 255, index >> 8)

    @staticmethod
    def _check(value: int, limit: int, what: str):
        if value > limit:
            raise EncodingError(f"{what} index {value} beyond what the bytecodes can encode "
                                f"({limit})")

    # --- layout -----------------------------------------------------------------------
    def _size(self, item, idx) -> int:
        if isinstance(item, bytes):
            return len(item)
        if isinstance(item, Jump):
            return item.size
        if isinstance(item, ClosureHead):
            return 4
        return 0

    def _layout(self):
        pos, self._pos = 0, []
        for idx, item in enumerate(self.items):
            self._pos.append(pos)
            if isinstance(item, Label):
                item.pos = pos
            pos += self._size(item, idx)

    def _wanted_size(self, j: Jump, idx: int) -> int:
        if j.long:
            return 2
        dist = j.target.pos - (self._pos[idx] + j.size)
        if dist == 0 and j.size <= 1:
            return 0 if j.kind == "jump" else 1       # nothing / a pop
        if dist < 0:
            return 2                                  # backward jumps are always long
        if j.kind != "true" and 1 <= dist <= 8:
            return 1
        return 2

    def assemble(self) -> bytes:
        for item in self.items:
            if isinstance(item, Jump):
                item.size = 2 if item.long else 0 if item.kind == "jump" else 1
        for _ in range(1000):
            self._layout()
            changed = False
            for idx, item in enumerate(self.items):
                if isinstance(item, Jump):
                    want = self._wanted_size(item, idx)
                    if want > item.size:
                        item.size = want
                        changed = True
            if not changed:
                break
        out = bytearray()
        for idx, item in enumerate(self.items):
            if isinstance(item, bytes):
                out += item
            elif isinstance(item, Jump):
                out += self._encode_jump(item, self._pos[idx])
            elif isinstance(item, ClosureHead):
                size = item.end.pos - (self._pos[idx] + 4)
                if size > 0xFFFF:
                    raise EncodingError("a block's code is longer than 65535 bytes")
                out += bytes([143, (item.num_copied << 4) | item.num_args, size >> 8, size & 255])
        return bytes(out)

    @staticmethod
    def _encode_jump(j: Jump, at: int) -> bytes:
        dist = j.target.pos - (at + j.size)
        if j.size == 0:
            return b""
        if j.size == 1:
            if dist == 0:
                return bytes([135])                   # conditional jump over nothing: pop
            return bytes([(144 if j.kind == "jump" else 152) + dist - 1])
        if j.kind == "jump":
            if not -1024 <= dist <= 1023:
                raise EncodingError(f"a jump of {dist} bytes is too long")
            return bytes([160 + ((dist + 1024) >> 8), (dist + 1024) & 255])
        if not 0 <= dist <= 1023:
            raise EncodingError(f"a conditional jump of {dist} bytes is too long")
        return bytes([(168 if j.kind == "true" else 172) + (dist >> 8), dist & 255])
