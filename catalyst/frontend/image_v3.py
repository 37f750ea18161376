"""Reader for pre-Spur 32-bit images (formats 6502, 6504, 6505), in either byte order.

Object headers are one, two or three words before the object's body; the last of them, the
*base header*, is where the object's oop points:

  base header:  gc bits (29-31) | hash (17-28) | compact class index (12-16) | format (8-11) |
                size in words including the base header (2-7) | header type (0-1)
  header type 3: one word, the class is compact (an index into the compact classes Array)
  header type 1: two words, the class oop (low 2 bits = type) precedes the base header
  header type 0: three words, a size word (bytes, low 2 bits = type) then the class word;
                 the base header's size bits are 0
  header type 2: a free block of `word & ~3` bytes (not an object)

Formats: 0 no slots, 1 fixed pointers, 2 indexable pointers, 3 both, 4 weak, 6 words,
8-11 bytes (low 2 bits: unused bytes), 12-15 CompiledMethod (same low 2 bits). The reader
translates them to Spur's numbering (image_model). SmallIntegers are tagged with bit 0;
every other slot value must be the oop of an object.
"""
from __future__ import annotations

import struct

from catalyst.frontend.image_format import ImageFormatError, ImageHeader, split_method
from catalyst.frontend.image_model import Image, ImageObject, ImmInt

_POINTER_FORMATS = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4}
SPECIAL_COMPACT_CLASSES = 28   # special object index of the compact classes Array
SPECIAL_FLOAT = 9


def v3_format_to_spur(fmt: int) -> int | None:
    """Spur's number for a pre-Spur object format, or None for the unused values 5 and 7."""
    if fmt in _POINTER_FORMATS:
        return fmt
    if fmt == 6:
        return 10
    if 8 <= fmt <= 11:
        return 16 + (fmt & 3)
    if fmt >= 12:
        return 24 + (fmt & 3)
    return None


def method_literal_count(header_oop: int) -> int:
    """Number of literals from a pre-Spur CompiledMethod header (the tagged SmallInteger)."""
    return (header_oop >> 10) & 0xFF


class _Raw:
    """One object found by the walk, before references are resolved."""
    __slots__ = ("oop", "offset", "fmt", "cls", "compact", "hash", "start", "nwords")

    def __init__(self, oop, offset, fmt, cls, compact, hash_, start, nwords):
        self.oop, self.offset, self.fmt, self.cls, self.compact = oop, offset, fmt, cls, compact
        self.hash, self.start, self.nwords = hash_, start, nwords


def read_v3(path: str, raw: bytes, header: ImageHeader) -> Image:
    prefix = header.struct_prefix
    hs = header.header_size
    n = header.data_size // 4
    words = struct.unpack_from(f"{prefix}{n}I", raw, hs)
    found = _walk(words, header)
    img = Image(path, header)
    index_of = {r.oop: i for i, r in enumerate(found)}
    img._by_oop = index_of
    if header.special_objects_oop not in index_of:
        raise ImageFormatError(f"the special objects oop {header.special_objects_oop:#x} is not "
                               "an object", 16)
    img.specials = index_of[header.special_objects_oop]

    def ref(value: int, where: int):
        if value & 1:
            return ImmInt((value >> 1) - (1 << 31) if value & 0x80000000 else value >> 1)
        i = index_of.get(value)
        if i is None:
            raise ImageFormatError(f"pointer {value:#x} does not point to an object", where)
        return i

    for i, r in enumerate(found):
        body = hs + 4 * r.start + 4
        fmt = v3_format_to_spur(r.fmt)
        if fmt is None:
            raise ImageFormatError(f"object format {r.fmt} does not exist", r.offset)
        o = ImageObject(i, r.oop, r.offset, fmt, -1, r.hash)
        first = r.start + 1
        if fmt <= 4:
            o.slots = [ref(words[first + k], body + 4 * k) for k in range(r.nwords)]
        elif fmt == 10:
            o.data = struct.pack(f"<{r.nwords}I", *words[first:first + r.nwords])
        else:
            size = 4 * r.nwords - (r.fmt & 3)
            if fmt >= 24:
                if r.nwords == 0:
                    raise ImageFormatError("CompiledMethod without a SmallInteger header", body)
                split_method(o, raw, body, size, words, first, method_literal_count, ref)
            else:
                o.data = raw[body: body + size]     # bytes are in memory order in either file order
        img.objects.append(o)
    _resolve_classes(img, found, index_of)
    _normalize_floats(img)
    return img


def _walk(words, header: ImageHeader) -> list[_Raw]:
    """Every object of the memory, in address order, with header fields decoded."""
    hs, base, n = header.header_size, header.old_base, len(words)
    out: list[_Raw] = []
    i = 0
    while i < n:
        w = words[i]
        htype = w & 3
        at = hs + 4 * i
        if htype == 2:                          # free block: skip it
            size = w & ~3
            if size < 4:
                raise ImageFormatError(f"free block of {size} bytes", at)
            i += size // 4
            continue
        if htype == 0:
            if i + 2 >= n:
                raise ImageFormatError("truncated 3-word object header", at)
            size_bytes, cls, start = w & ~3, words[i + 1], i + 2
            if cls & 3 != 0:
                raise ImageFormatError(f"class word {cls:#x} of a 3-word header has type {cls & 3}", at + 4)
        elif htype == 1:
            if i + 1 >= n:
                raise ImageFormatError("truncated 2-word object header", at)
            cls, start = w, i + 1
            size_bytes = ((words[start] >> 2) & 0x3F) * 4
        else:
            cls, start = None, i
            size_bytes = ((w >> 2) & 0x3F) * 4
        b = words[start]
        if b & 3 != htype:
            raise ImageFormatError(f"base header type {b & 3} disagrees with the first header "
                                   f"word's type {htype}", hs + 4 * start)
        if size_bytes < 4:
            raise ImageFormatError(f"object size {size_bytes} bytes is smaller than its header",
                                   hs + 4 * start)
        nwords = size_bytes // 4 - 1
        if start + 1 + nwords > n:
            raise ImageFormatError(f"object of {size_bytes} bytes runs past the end of the data "
                                   f"(truncated or corrupt)", hs + 4 * start)
        compact = (b >> 12) & 0x1F
        if cls is None and compact == 0:
            raise ImageFormatError("1-word header with compact class index 0", hs + 4 * start)
        out.append(_Raw(base + 4 * start, hs + 4 * start, (b >> 8) & 0xF,
                        None if cls is None else cls & ~3, compact, (b >> 17) & 0xFFF,
                        start, nwords))
        i = start + 1 + nwords
    return out


def _resolve_classes(img: Image, found: list[_Raw], index_of: dict) -> None:
    """Set every object's class: its class word, or its compact index in special object 28."""
    so = img.objects[img.specials]
    compact_ref = so.slots[SPECIAL_COMPACT_CLASSES] if len(so.slots) > SPECIAL_COMPACT_CLASSES else None
    compact = img.objects[compact_ref].slots if type(compact_ref) is int else []
    for o, r in zip(img.objects, found):
        if r.cls is None:
            if r.compact > len(compact) or type(compact[r.compact - 1]) is not int:
                raise ImageFormatError(f"compact class index {r.compact} is not in the compact "
                                       "classes Array", r.offset)
            o.class_ref = compact[r.compact - 1]
        else:
            k = index_of.get(r.cls)
            if k is None:
                raise ImageFormatError(f"class pointer {r.cls:#x} does not point to an object",
                                       r.offset - 4)
            o.class_ref = k


def _normalize_floats(img: Image) -> None:
    """Give each Float its double as 8 little-endian bytes (6502/6504 save the high word first;
    6505 saves the platform's order: the high word first only in big-endian files)."""
    fcls = img.special(SPECIAL_FLOAT)
    high_first = not (img.header.floats_platform_order and img.byte_order == "little")
    for o in img.objects:
        if o.class_ref == fcls and o.fmt == 10:
            if len(o.data) != 8:
                raise ImageFormatError(f"Float of {len(o.data)} bytes", o.offset)
            lo, hi = struct.unpack("<II", o.data)
            if high_first:
                lo, hi = hi, lo
            o.data = struct.pack("<II", lo, hi)
