"""Python-side access to the object memory in the ABI layout (wat/ABI.md sections 1-5).

`HeapWriter` lays out objects in a bytearray image of the heap (fast: no WASM calls) and
`finish()` copies it into the core's linear memory and sets the globals the core needs. The
image builders (the kernel bootstrap and the real-image readers) use it.

`HeapReader` reads objects back from a live core: classes, slots, strings, integers, floats,
class names; the VM uses it to print results and describe frames.
"""
from __future__ import annotations

import struct

from catalyst.vm.core import Core

FMT_ZERO, FMT_FIXED, FMT_VAR, FMT_FIXED_VAR, FMT_WEAK = 0, 1, 2, 3, 4
FMT_WORDS, FMT_BYTES, FMT_METHOD = 10, 16, 24
SMALLINT_MIN, SMALLINT_MAX = -(1 << 30), (1 << 30) - 1
CLASS_TABLE, CLASS_TABLE_SIZE = 0x10000, 16384   # $classTable / $classTableSize (00_decls.wat)
HASH_MASK = 0x3FFFFF                              # identity hashes and class indices: 22 bits
SPECIAL_LARGE_POS, SPECIAL_LARGE_NEG = 13, 42     # special objects array slots (ABI.md 6)


def tag_int(n: int) -> int:
    return ((n << 1) | 1) & 0xFFFFFFFF


def untag_int(oop: int) -> int:
    v = oop >> 1
    return v - (1 << 31) if v & (1 << 30) else v


def tag_char(code: int) -> int:
    return (code << 2) | 2


def is_small(n: int) -> bool:
    return SMALLINT_MIN <= n <= SMALLINT_MAX


def chunk_bytes(num_slots: int, fmt: int) -> tuple[int, int]:
    """(bytes of the chunk, prefix bytes) for an object of num_slots slots and format fmt."""
    body = max(8, (num_slots * 4 + 7) & ~7)
    prefix = 8 if (num_slots >= 255 or fmt >= FMT_METHOD) else 0
    return prefix + 8 + body, prefix


class HeapWriter:
    """Builds a heap from scratch at the core's heap_start."""

    def __init__(self, core: Core):
        self.core = core
        self.base = core.global_value("heap_start")
        self.buf = bytearray()
        self.next_hash = 1000
        self.nil = 0

    # --- allocation -----------------------------------------------------------------------
    def alloc(self, class_index: int, fmt: int, num_slots: int, hash_: int | None = None) -> int:
        # bad arguments would silently corrupt neighbouring header fields: refuse them here
        if not 0 < class_index < CLASS_TABLE_SIZE:
            raise ValueError(f"HeapWriter.alloc: class index {class_index} outside 1..{CLASS_TABLE_SIZE - 1}")
        if not 0 <= fmt <= 31 or 6 <= fmt <= 9 or fmt == 11:
            raise ValueError(f"HeapWriter.alloc: {fmt} is not an object format (ABI.md section 2)")
        if num_slots < 0 or num_slots >= 1 << 32:
            raise ValueError(f"HeapWriter.alloc: bad slot count {num_slots}")
        if hash_ is not None and not 0 < hash_ <= HASH_MASK:
            raise ValueError(f"HeapWriter.alloc: identity hash {hash_} outside 1..{HASH_MASK}")
        size, prefix = chunk_bytes(num_slots, fmt)
        chunk = self.base + len(self.buf)
        self.buf += bytes(size)
        oop = chunk + prefix
        if hash_ is None:
            self.next_hash = (self.next_hash * 1103515245 + 12345) & 0xFFFFFFFF
            hash_ = (self.next_hash >> 8) & HASH_MASK or 1   # the sequence $om_new_hash continues
        if prefix:
            self._put(chunk, num_slots)
            self._put(chunk + 4, 0xFF000000)
        self._put(oop, class_index | (fmt << 24))
        self._put(oop + 4, (hash_ & 0x3FFFFF) | (min(num_slots, 255) << 24))
        if fmt < 6 and self.nil:
            for i in range(num_slots):
                self._put(oop + 8 + 4 * i, self.nil)
        return oop

    def alloc_bytes(self, class_index: int, data: bytes, method: bool = False) -> int:
        n = len(data)
        slots = (n + 3) // 4
        fmt = (FMT_METHOD if method else FMT_BYTES) + (slots * 4 - n)
        oop = self.alloc(class_index, fmt, slots)
        off = oop - self.base + 8
        self.buf[off:off + n] = data
        return oop

    def alloc_array(self, class_index: int, items: list[int]) -> int:
        """An indexable pointer object (format 2) holding the oops items."""
        a = self.alloc(class_index, FMT_VAR, len(items))
        for i, v in enumerate(items):
            self.set_slot(a, i, v)
        return a

    def alloc_string(self, class_index: int, text: str) -> int:
        """A String or Symbol: Squeak's byte strings hold Latin-1; other characters become '?'."""
        return self.alloc_bytes(class_index, text.encode("latin-1", "replace"))

    def alloc_float(self, class_index: int, value: float) -> int:
        """A boxed Float: format 10, two words holding the native little-endian double."""
        f = self.alloc(class_index, FMT_WORDS, 2)
        self.set_float(f, value)
        return f

    def end(self) -> int:
        """Address just past the last object written so far."""
        return self.base + len(self.buf)

    def _put(self, addr: int, value: int) -> None:
        struct.pack_into("<I", self.buf, addr - self.base, value & 0xFFFFFFFF)

    def _get(self, addr: int) -> int:
        return struct.unpack_from("<I", self.buf, addr - self.base)[0]

    # --- object access while building -----------------------------------------------------
    def set_slot(self, oop: int, i: int, value: int) -> None:
        self._put(oop + 8 + 4 * i, value)

    def slot(self, oop: int, i: int) -> int:
        return self._get(oop + 8 + 4 * i)

    def set_class_index(self, oop: int, class_index: int) -> None:
        w = self._get(oop)
        self._put(oop, (w & ~0x3FFFFF) | class_index)

    def set_hash(self, oop: int, h: int) -> None:
        w = self._get(oop + 4)
        self._put(oop + 4, (w & ~0x3FFFFF) | h)

    def set_float(self, oop: int, value: float) -> None:
        struct.pack_into("<d", self.buf, oop - self.base + 8, value)

    def int_oop(self, n: int, large_pos_index: int, large_neg_index: int) -> int:
        """A SmallInteger or a new LargePositive/NegativeInteger."""
        if is_small(n):
            return tag_int(n)
        mag = abs(n)
        data = mag.to_bytes((mag.bit_length() + 7) // 8, "little")
        return self.alloc_bytes(large_pos_index if n > 0 else large_neg_index, data)

    # --- finishing --------------------------------------------------------------------------
    def finish(self, nil: int, false: int, true: int, specials: int,
               class_table: dict[int, int]) -> None:
        """Copy the heap into the core and set the object memory's globals."""
        core = self.core
        end = self.base + len(self.buf)
        limit = core.global_value("heap_limit")
        if end > self.base + limit:
            raise MemoryError(f"the built heap ({end - self.base} bytes) exceeds the heap limit "
                              f"({limit} bytes)")
        for idx in class_table:
            if not 0 < idx < CLASS_TABLE_SIZE:
                raise ValueError(f"HeapWriter.finish: class index {idx} outside the class table")
        need_pages = (end + (16 << 20)) // 65536 + 1
        have = core.memory.size(core.store)
        if need_pages > have:
            core.memory.grow(core.store, need_pages - have)
        core.call("om_init", core.global_value("heap_limit"))
        core.write_bytes(self.base, bytes(self.buf))
        ct_base = CLASS_TABLE
        ct = bytearray(CLASS_TABLE_SIZE * 4)
        for idx, cls in class_table.items():
            struct.pack_into("<I", ct, idx * 4, cls)
        core.write_bytes(ct_base, bytes(ct))
        core.set_global("heap_end", end)
        core.set_global("last_hash", self.next_hash)
        core.set_global("nil", nil)
        core.set_global("false", false)
        core.set_global("true", true)
        core.set_global("special_objects", specials)


class HeapReader:
    """Reads objects of a live core (the layout of ABI.md)."""

    def __init__(self, core: Core):
        self.core = core

    def u32(self, addr: int) -> int:
        return self.core.u32(addr)

    def class_index(self, oop: int) -> int:
        if oop & 1:
            return 1
        if oop & 2:
            return 2
        return self.u32(oop) & 0x3FFFFF

    def class_of(self, oop: int) -> int:
        return self.u32(CLASS_TABLE + 4 * self.class_index(oop))

    def fmt(self, oop: int) -> int:
        return (self.u32(oop) >> 24) & 31

    def num_slots(self, oop: int) -> int:
        n = self.u32(oop + 4) >> 24
        return self.u32(oop - 8) if n == 255 else n

    def slot(self, oop: int, i: int) -> int:
        return self.u32(oop + 8 + 4 * i)

    def byte_size(self, oop: int) -> int:
        f = self.fmt(oop)
        n = self.num_slots(oop) * 4
        if f >= 16:
            return n - (f & 3)
        return n

    def bytes_of(self, oop: int) -> bytes:
        return self.core.read_bytes(oop + 8, self.byte_size(oop))

    def string_of(self, oop: int) -> str:
        return self.bytes_of(oop).decode("latin-1")

    def float_of(self, oop: int) -> float:
        return self.core.f64(oop + 8)

    def special(self, i: int) -> int:
        """Slot i of the special objects array (ABI.md section 6)."""
        return self.slot(self.core.global_value("special_objects"), i)

    def int_of(self, oop: int) -> int:
        """The value of a SmallInteger or a Large(Positive|Negative)Integer."""
        if oop & 1:
            return untag_int(oop)
        if oop & 2 or oop == 0:
            raise TypeError(f"{oop:#x} is not an integer oop")
        cls = self.class_of(oop)
        if cls == self.special(SPECIAL_LARGE_POS):
            sign = 1
        elif cls == self.special(SPECIAL_LARGE_NEG):
            sign = -1
        else:
            raise TypeError(f"{oop:#x} is a {self.class_name(cls)}, not an integer")
        return sign * int.from_bytes(self.bytes_of(oop), "little")

    def char_of(self, oop: int) -> str:
        if oop & 3 != 2:
            raise TypeError(f"{oop:#x} is not a Character")
        return chr(oop >> 2)

    def class_name(self, cls: int) -> str:
        """Name of a class, or 'X class' for a metaclass (Class slot 6 is the name Symbol;
        a metaclass has fewer slots and its slot 5 is its sole instance)."""
        try:
            if self.num_slots(cls) > 6:
                name = self.slot(cls, 6)
                if name and not name & 3:
                    return self.string_of(name)
            inst = self.slot(cls, 5)
            if inst and not inst & 3 and self.num_slots(inst) > 6:
                return self.class_name(inst) + " class"
        except Exception:
            pass
        return f"<class@{cls:#x}>"

    def method_selector(self, method: int) -> str:
        header = untag_int(self.slot(method, 0))
        nlits = header & 0x7FFF
        if nlits >= 2:
            sel = self.slot(method, nlits - 1)
            if sel and not sel & 3 and self.fmt(sel) >= 16:
                return self.string_of(sel)
        return "?"

    def method_class(self, method: int) -> int:
        header = untag_int(self.slot(method, 0))
        nlits = header & 0x7FFF
        binding = self.slot(method, nlits)
        return self.slot(binding, 1) if binding and not binding & 3 else 0
