"""Helpers for the object-memory, GC and primitive tests (no tests of its own).

`Harness` wraps a VM on the embedded kernel: it makes objects from Smalltalk expressions and
keeps them alive with host handles, runs one numbered primitive on a frame it builds in the
stack region (ABI.md section 8) through the core's `prim_call` hook, checks the stack
discipline (success: receiver and arguments replaced by one result; failure: stack untouched),
and walks the heap chunk by chunk the way ABI.md section 2 describes. `covers` marks which
primitives a test exercises (for the coverage test in test_prim_inventory.py).
"""
from __future__ import annotations

import struct

from catalyst.vm.vm import VM

SMALL_MIN, SMALL_MAX = -(1 << 30), (1 << 30) - 1


def tag(n: int) -> int:
    """The SmallInteger oop of n (unsigned 32-bit)."""
    assert SMALL_MIN <= n <= SMALL_MAX, n
    return ((n << 1) | 1) & 0xFFFFFFFF


def char(c: str | int) -> int:
    return ((ord(c) if isinstance(c, str) else c) << 2) | 2


def covers(*items):
    """Mark a test as one that exercises the given primitive numbers (or, as strings, items of
    issue 2's primitive list that have no number); test_prim_inventory.py checks that every
    primitive the core implements has at least one such test."""
    def mark(fn):
        fn.covers = getattr(fn, "covers", frozenset()) | frozenset(items)
        return fn
    return mark


class PrimFailed(Exception):
    """The primitive failed (answered 0) and left the stack as it was."""


class Harness:
    def __init__(self, vm: VM | None = None):
        self.vm = vm or VM.default(jit="off")
        self.core = self.vm.core
        self.heap = self.vm.heap
        self.handles: list[int] = []
        # a frame well inside the stack region, away from where vm_run puts its base frame
        self.fp = self.core.global_value("stack_base") + 0x10000

    # --- objects ----------------------------------------------------------------------------
    def keep(self, oop: int) -> int:
        """Root oop with a host handle for the rest of the harness's life; answer it."""
        if oop and not oop & 3:
            self.handles.append(self.core.call("handle_new", oop))
        return oop

    def obj(self, source: str) -> int:
        """The object a Smalltalk expression answers, kept alive."""
        return self.keep(self.vm.evaluate(source))

    @property
    def nil(self) -> int:
        return self.core.global_value("nil")

    @property
    def true(self) -> int:
        return self.core.global_value("true")

    @property
    def false(self) -> int:
        return self.core.global_value("false")

    def special(self, i: int) -> int:
        return self.heap.special(i)

    def cls(self, name: str) -> int:
        return self.vm.class_named(name)

    def class_name(self, oop: int) -> str:
        return self.heap.class_name(self.heap.class_of(oop))

    def value(self, oop: int):
        """A Python value for an integer, Float, Character, Boolean, nil or byte string oop."""
        if oop & 1:
            return self.heap.int_of(oop)
        if oop & 3 == 2:
            return self.heap.char_of(oop)
        if oop == self.nil:
            return None
        if oop == self.true:
            return True
        if oop == self.false:
            return False
        name = self.class_name(oop)
        if name in ("LargePositiveInteger", "LargeNegativeInteger"):
            return self.heap.int_of(oop)
        if name == "Float":
            return self.heap.float_of(oop)
        if name in ("String", "ByteString", "Symbol"):
            return self.heap.string_of(oop)
        return oop

    def int_oop(self, n: int) -> int:
        """n as a SmallInteger, or a LargeInteger made by the kernel (kept alive)."""
        if SMALL_MIN <= n <= SMALL_MAX:
            return tag(n)
        return self.obj(str(n))

    # --- running one primitive ----------------------------------------------------------
    def prim(self, index: int, receiver: int, *args: int) -> int:
        """Run primitive `index` with the receiver and arguments (oops); answer the result oop
        or raise PrimFailed. Checks that the stack moved exactly as the contract says."""
        core, fp = self.core, self.fp
        saved = core.global_value("fp"), core.global_value("sp")
        words = [0, 0, 0, 0, 0, 0, len(args), receiver, *args]
        sp = fp + 4 * (len(words) - 1)
        words[3] = sp
        core.write_bytes(fp, struct.pack(f"<{len(words)}I", *[w & 0xFFFFFFFF for w in words]))
        core.write_bytes(sp + 4, b"\xEE" * 16)   # a guard above the stack top
        core.set_global("fp", fp)
        core.set_global("sp", sp)
        try:
            ok = core.call("prim_call", index, len(args))
            new_sp = core.global_value("sp")
            if not ok:
                assert new_sp == sp, f"primitive {index} failed but moved sp"
                after = struct.unpack(f"<{len(args) + 1}I", core.read_bytes(fp + 28, 4 * (len(args) + 1)))
                assert list(after) == [w & 0xFFFFFFFF for w in (receiver, *args)], \
                    f"primitive {index} failed but changed the stack"
                raise PrimFailed(index)
            assert ok == 1, ok
            assert new_sp == fp + 28, f"primitive {index} left sp {new_sp - fp - 28:+} off"
            assert core.read_bytes(sp + 4, 16) == b"\xEE" * 16, f"primitive {index} wrote past sp"
            return core.u32(new_sp)
        finally:
            core.set_global("fp", saved[0])
            core.set_global("sp", saved[1])

    def prim_value(self, index: int, receiver: int, *args: int):
        return self.value(self.prim(index, receiver, *args))

    def fails(self, index: int, receiver: int, *args: int) -> bool:
        try:
            self.prim(index, receiver, *args)
        except PrimFailed:
            return True
        return False

    # --- the heap ---------------------------------------------------------------------------
    def walk(self) -> tuple[list[int], int]:
        """(oops of every object in address order, bytes in free chunks), checking that the
        chunks tile the heap from heap_start to heap_end exactly."""
        core = self.core
        start, end = core.global_value("heap_start"), core.global_value("heap_end")
        data = core.read_bytes(start, end - start)
        oops, free, c = [], 0, 0
        while c < len(data):
            w0, w1 = struct.unpack_from("<II", data, c)
            if w1 >> 24 == 0xFF:                      # prefix: slot count, then the header
                count = w0
                oop = c + 8
                body = max(8, (count * 4 + 7) & ~7)
                size = 8 + 8 + body
                oops.append(start + oop)
            elif w0 & 0x3FFFFF == 0:                  # free chunk: size at +8
                size = struct.unpack_from("<I", data, c + 8)[0]
                assert size >= 16 and size % 8 == 0, f"bad free chunk size {size} at {start + c:#x}"
                free += size
            else:
                count = w1 >> 24
                size = 8 + max(8, (count * 4 + 7) & ~7)
                oops.append(start + c)
            c += size
        assert c == len(data), f"chunks overrun heap_end by {c - len(data)} bytes"
        return oops, free

    def close(self):
        for h in self.handles:
            self.core.call("handle_free", h)
        self.handles.clear()
