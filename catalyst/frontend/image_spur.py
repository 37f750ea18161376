"""Reader for Spur 32-bit images (format 6521).

Every object has a 64-bit header, even on 32-bit (two words, low word first):

  word 0: class index (0-21) | immutable (23) | format (24-28) | remembered, pinned, grey
  word 1: identity hash (0-21) | marked (23) | slot count (24-31)

A slot count of 255 means the real count is in an overflow header just before (word 0 = the
count, word 1 = 0xFF000000). Bodies are padded to 8 bytes and are at least 8 bytes long.
Immediates: SmallInteger when bit 0 is set, Character when the low bits are 10.

The first five objects are nil, false, true, the free lists and the hidden roots, whose first
4096 slots are the class table's pages (1024 entries each). Class indices 0-31 are VM puns:
0 free chunk, 8 forwarder, 16 and 18 the hidden roots / class table pages / free lists, and the
segment bridge at the end of the data. Those objects are not part of the image's object graph;
references to a forwarder are replaced by its target.
"""
from __future__ import annotations

import struct

from catalyst.frontend.image_format import ImageFormatError, ImageHeader, split_method
from catalyst.frontend.image_model import Image, ImageObject, ImmChar, ImmInt

LAST_PUN_INDEX = 31
FORWARDER_INDEX = 8
CLASS_TABLE_PAGES = 4096
CLASS_TABLE_PAGE_SIZE = 1024
SPECIAL_FLOAT = 9


def method_literal_count(header_oop: int) -> int:
    """Number of literals from a Spur CompiledMethod header (the tagged SmallInteger)."""
    return (header_oop >> 1) & 0x7FFF


class _Raw:
    __slots__ = ("oop", "offset", "fmt", "cls", "hash", "start", "nslots")

    def __init__(self, oop, offset, fmt, cls, hash_, start, nslots):
        self.oop, self.offset, self.fmt, self.cls = oop, offset, fmt, cls
        self.hash, self.start, self.nslots = hash_, start, nslots


def read_spur(path: str, raw: bytes, header: ImageHeader) -> Image:
    if header.first_segment_size not in (0, header.data_size):
        raise ImageFormatError(f"multi-segment Spur image (first segment {header.first_segment_size} "
                               f"of {header.data_size} bytes) is not supported", 48)
    prefix = header.struct_prefix
    hs = header.header_size
    words = struct.unpack_from(f"{prefix}{header.data_size // 4}I", raw, hs)
    found = _walk(words, header)
    if len(found) < 5:
        raise ImageFormatError(f"a Spur image starts with at least 5 objects, found {len(found)}", hs)
    raw_by_oop = {r.oop: r for r in found}
    hidden_roots = found[4]
    pages = _class_table_pages(words, hidden_roots, raw_by_oop, header)
    hidden_oops = {found[3].oop, hidden_roots.oop} | {p.oop for p in pages.values()}
    img = Image(path, header)
    # forwarders: references to them mean their target (slot 0)
    forward = {}
    for r in found:
        if r.cls == FORWARDER_INDEX:
            forward[r.oop] = words[r.start + 2] if r.nslots else 0
    kept = [r for r in found if r.cls > LAST_PUN_INDEX and r.oop not in hidden_oops]
    img.hidden = len(found) - len(kept)
    index_of = {r.oop: i for i, r in enumerate(kept)}
    img._by_oop = index_of

    def ref(value: int, where: int):
        if value & 1:
            return ImmInt((value >> 1) - (1 << 31) if value & 0x80000000 else value >> 1)
        if value & 2:
            return ImmChar(value >> 2)
        for _ in range(8):                      # forwarding chains are short
            if value not in forward:
                break
            value = forward[value]
        i = index_of.get(value)
        if i is None:
            raise ImageFormatError(f"pointer {value:#x} does not point to an object", where)
        return i

    # the class table: class index -> object number
    for page_no, page in pages.items():
        for k in range(min(page.nslots, CLASS_TABLE_PAGE_SIZE)):
            v = words[page.start + 2 + k]
            if v & 3 == 0 and v in index_of:
                img.class_table[page_no * CLASS_TABLE_PAGE_SIZE + k] = index_of[v]

    for i, r in enumerate(kept):
        body = hs + 4 * (r.start + 2)
        o = ImageObject(i, r.oop, r.offset, r.fmt, -1, r.hash)
        first = r.start + 2
        if r.fmt <= 5:
            o.slots = [ref(words[first + k], body + 4 * k) for k in range(r.nslots)]
        elif r.fmt in (6, 7, 8, 9, 11):
            raise ImageFormatError(f"object format {r.fmt} is not valid in a 32-bit Spur image", r.offset)
        elif r.fmt < 16:
            size = 4 * r.nslots - (2 * (r.fmt & 1) if r.fmt >= 12 else 0)
            o.data = _little_endian_words(raw[body: body + 4 * r.nslots], header)[:size]
        else:
            size = 4 * r.nslots - (r.fmt & 3)
            if r.fmt >= 24:
                if r.nslots == 0:
                    raise ImageFormatError("CompiledMethod without a SmallInteger header", body)
                split_method(o, raw, body, size, words, first, method_literal_count, ref)
            else:
                o.data = raw[body: body + size]
        cls = img.class_table.get(r.cls)
        if cls is None:
            raise ImageFormatError(f"class index {r.cls} is not in the class table", r.offset)
        o.class_ref = cls
        img.objects.append(o)
    specials = header.special_objects_oop
    if specials not in index_of:
        raise ImageFormatError(f"the special objects oop {specials:#x} is not an object", 16)
    img.specials = index_of[specials]
    return img


def _little_endian_words(data: bytes, header: ImageHeader) -> bytes:
    if header.byte_order == "little":
        return data
    return b"".join(data[k:k + 4][::-1] for k in range(0, len(data), 4))


def _walk(words, header: ImageHeader) -> list[_Raw]:
    hs, base, n = header.header_size, header.old_base, len(words)
    out: list[_Raw] = []
    i = 0
    while i < n:
        if i + 1 >= n:
            raise ImageFormatError("truncated object header", hs + 4 * i)
        w0, w1 = words[i], words[i + 1]
        nslots = w1 >> 24
        if nslots == 255:
            if w1 != 0xFF000000:
                raise ImageFormatError(f"overflow header word {w1:#x} should be 0xff000000", hs + 4 * i + 4)
            nslots = w0
            i += 2
            if i + 1 >= n:
                raise ImageFormatError("overflow header without an object header", hs + 4 * i)
            w0, w1 = words[i], words[i + 1]
            if w1 >> 24 != 255:
                raise ImageFormatError("object after an overflow header does not say 255 slots",
                                       hs + 4 * i + 4)
        body_words = max(2, (nslots + 1) & ~1)
        if i + 2 + body_words > n:
            raise ImageFormatError(f"object of {nslots} slots runs past the end of the data "
                                   f"(truncated or corrupt)", hs + 4 * i)
        out.append(_Raw(base + 4 * i, hs + 4 * i, (w0 >> 24) & 0x1F, w0 & 0x3FFFFF,
                        w1 & 0x3FFFFF, i, nslots))
        i += 2 + body_words
    return out


def _class_table_pages(words, hidden_roots: _Raw, raw_by_oop: dict, header: ImageHeader) -> dict:
    """Page number -> the raw page object, from the hidden roots object's first slots."""
    if hidden_roots.nslots < CLASS_TABLE_PAGES:
        raise ImageFormatError(f"the hidden roots object has {hidden_roots.nslots} slots, "
                               f"expected at least {CLASS_TABLE_PAGES}", hidden_roots.offset)
    nil_oop = header.old_base            # nil is the first object
    pages = {}
    for k in range(CLASS_TABLE_PAGES):
        v = words[hidden_roots.start + 2 + k]
        if v == nil_oop:
            continue
        page = raw_by_oop.get(v)
        if page is None:
            raise ImageFormatError(f"class table page {k} at {v:#x} is not an object",
                                   hidden_roots.offset + 8 + 4 * k)
        pages[k] = page
    if 0 not in pages:
        raise ImageFormatError("the class table has no first page", hidden_roots.offset + 8)
    return pages
