"""Readers for real Squeak images: pre-Spur 32-bit (formats 6502, 6504, 6505) and Spur 32-bit
(6521), into a neutral in-memory form (`Image`: objects with class, format, slots or bytes).

The header gives the format (and with it the byte order: the version word reads correctly in
exactly one order), the header size, the data size, the old base address and the special
objects oop. Pre-Spur objects have 1-, 2- or 3-word headers (compact class index, class word,
size word); Spur objects have an 8-byte header (class index, format, slot count with an overflow
word before it). Every pointer is checked to land on an object; anything wrong raises
ImageFormatError naming what and at which file offset, before anything is loaded anywhere.
"""
from __future__ import annotations

import struct
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PRE_SPUR = {6502: "pre-Spur 32-bit", 6504: "pre-Spur 32-bit (closures)",
            6505: "pre-Spur 32-bit (closures, Cog)"}
SPUR = {6521: "Spur 32-bit"}


class ImageFormatError(Exception):
    def __init__(self, message: str, offset: int | None = None):
        self.offset = offset
        super().__init__(f"{message}" + (f" (at file offset {offset:#x})" if offset is not None else ""))


@dataclass
class Obj:
    oop: int                 # address in the image's own address space
    offset: int              # file offset of the object's base header
    fmt: int                 # format in the image's own numbering
    class_ref: int           # class oop (pre-Spur) or class index (Spur)
    words: list = field(default_factory=list)   # pointer/word slots (raw)
    data: bytes = b""        # byte body (bytes, CompiledMethod)
    hash: int = 0


@dataclass
class Image:
    path: str
    version: int
    kind: str
    byte_order: str
    header_size: int
    data_size: int
    old_base: int
    special_objects_oop: int
    objects: dict = field(default_factory=dict)     # oop -> Obj
    class_table: dict = field(default_factory=dict)  # Spur: index -> class oop

    @property
    def spur(self) -> bool:
        return self.version in SPUR

    def obj(self, oop: int) -> Obj:
        o = self.objects.get(oop)
        if o is None:
            raise ImageFormatError(f"reference to {oop:#x}, which is not an object")
        return o

    def is_pointer(self, oop: int) -> bool:
        return (oop & 3) == 0 and oop in self.objects

    def special(self, i: int) -> int:
        return self.obj(self.special_objects_oop).words[i]

    def class_of(self, o: Obj) -> int:
        return self.class_table.get(o.class_ref, 0) if self.spur else o.class_ref

    def text(self, oop: int) -> str | None:
        o = self.objects.get(oop)
        if o is None or not o.data:
            return None
        return o.data.decode("latin-1")

    def class_name(self, cls_oop: int) -> str:
        """A class's name: the first slot among its first 10 holding a Symbol-like byte object
        (slot 6 in Squeak 3+, 6 or 7 in older images); metaclasses answer '<name> class'."""
        c = self.objects.get(cls_oop)
        if c is None:
            return "?"
        for i in (6, 7, 5, 8, 9, 3, 4):
            if i < len(c.words):
                t = self.text(c.words[i])
                if t and t.replace("_", "").isalnum() and t[:1].isupper():
                    return t
        # a metaclass: its thisClass slot points to a class that has a name
        for i in (5, 4, 6):
            if i < len(c.words) and self.is_pointer(c.words[i]) and c.words[i] != cls_oop:
                inner = self.objects[c.words[i]]
                for j in (6, 7):
                    if j < len(inner.words):
                        t = self.text(inner.words[j])
                        if t and t[:1].isupper():
                            return t + " class"
        return "?"


def read_image(path) -> Image:
    raw = Path(path).read_bytes()
    if len(raw) < 64:
        raise ImageFormatError(f"{path}: too short for an image header ({len(raw)} bytes)", 0)
    order = None
    for bo, fmt in (("little", "<"), ("big", ">")):
        v = struct.unpack_from(fmt + "I", raw, 0)[0]
        if v in PRE_SPUR or v in SPUR:
            order = (bo, fmt, v)
    if order is None:
        raise ImageFormatError(f"{path}: unknown image format {struct.unpack_from('<I', raw, 0)[0]} "
                               f"(known: {sorted(PRE_SPUR) + sorted(SPUR)})", 0)
    bo, f, version = order
    header_size, data_size, old_base, specials = struct.unpack_from(f + "IIII", raw, 4)
    if header_size < 64 or header_size > len(raw):
        raise ImageFormatError(f"bad header size {header_size}", 4)
    if header_size + data_size > len(raw):
        raise ImageFormatError(f"truncated: the header announces {data_size} bytes of objects, "
                               f"the file has {len(raw) - header_size}", len(raw))
    img = Image(str(path), version, PRE_SPUR.get(version) or SPUR[version], bo, header_size,
                data_size, old_base, specials)
    words = struct.unpack_from(f"{f}{data_size // 4}I", raw, header_size)
    if version in SPUR:
        _read_spur(img, raw, words, f)
    else:
        _read_v3(img, raw, words, f)
    if specials not in img.objects:
        raise ImageFormatError(f"the special objects oop {specials:#x} is not an object", 20)
    return img


def _read_v3(img: Image, raw: bytes, words, f: str):
    n = len(words)
    i = 0
    base = img.old_base
    hs = img.header_size
    while i < n:
        w = words[i]
        htype = w & 3
        if htype == 0:                         # 3-word header: size, class, base
            if i + 2 >= n:
                raise ImageFormatError("truncated 3-word object header", hs + 4 * i)
            size_bytes = w & ~3
            cls = words[i + 1] & ~3
            b = words[i + 2]
            start = i + 2
        elif htype == 1:                       # 2-word header: class, base
            if i + 1 >= n:
                raise ImageFormatError("truncated 2-word object header", hs + 4 * i)
            cls = w & ~3
            b = words[i + 1]
            size_bytes = ((b >> 2) & 0x3F) * 4
            start = i + 1
        elif htype == 3:                       # 1-word header: compact class
            b = w
            cls = ("compact", (b >> 12) & 0x1F)
            size_bytes = ((b >> 2) & 0x3F) * 4
            start = i
        else:
            raise ImageFormatError(f"free block or corrupt header type 2 ({w:#x})", hs + 4 * i)
        if (b & 3) != htype:
            raise ImageFormatError(f"object header types disagree ({b & 3} vs {htype})", hs + 4 * start)
        if size_bytes < 4:
            raise ImageFormatError(f"object size {size_bytes} below the header size", hs + 4 * start)
        fmt = (b >> 8) & 0xF
        nwords = size_bytes // 4 - 1
        if start + 1 + nwords > n:
            raise ImageFormatError(f"object of {size_bytes} bytes runs past the end of the data", hs + 4 * start)
        oop = base + 4 * start
        body = words[start + 1:start + 1 + nwords]
        o = Obj(oop, hs + 4 * start, fmt, cls, hash=(b >> 17) & 0xFFF)
        if fmt >= 8:
            data = raw[hs + 4 * (start + 1): hs + 4 * (start + 1 + nwords)]
            if img.byte_order == "big" and fmt < 12:
                data = b"".join(data[k:k + 4][::-1] for k in range(0, len(data), 4))
            unused = fmt & 3
            o.data = data[:len(data) - unused] if unused else data
            if fmt >= 12:     # CompiledMethod: header and literals are pointers
                header = body[0] if body else 1
                nlits = (header >> 10) & 0xFF
                o.words = list(body[:1 + nlits])
        else:
            o.words = list(body)
        img.objects[oop] = o
        i = start + 1 + nwords
    # resolve compact classes through the compact classes Array (special object 28)
    so = img.objects.get(img.special_objects_oop)
    if so is None:
        raise ImageFormatError(f"the special objects oop {img.special_objects_oop:#x} is not an object", 20)
    compact = img.objects.get(so.words[28]) if len(so.words) > 28 else None
    for o in img.objects.values():
        if isinstance(o.class_ref, tuple):
            idx = o.class_ref[1]
            if compact is None or idx == 0 or idx > len(compact.words):
                raise ImageFormatError(f"compact class index {idx} has no class", o.offset)
            o.class_ref = compact.words[idx - 1]
    for o in img.objects.values():
        if o.class_ref not in img.objects:
            raise ImageFormatError(f"object's class {o.class_ref:#x} is not an object", o.offset)


def _read_spur(img: Image, raw: bytes, words, f: str):
    n = len(words)
    i = 0
    base = img.old_base
    hs = img.header_size
    while i + 1 < n:
        w0, w1 = words[i], words[i + 1]
        numslots = w1 >> 24
        start = i
        if numslots == 255:                     # overflow: real count in the word before
            count = w0
            i += 2
            if i + 1 >= n:
                raise ImageFormatError("truncated overflow header", hs + 4 * start)
            w0, w1 = words[i], words[i + 1]
            numslots = count
        cls_index = w0 & 0x3FFFFF
        fmt = (w0 >> 24) & 0x1F
        oop = base + 4 * i
        body_words = max(2, (numslots + 1) & ~1)
        if i + 2 + numslots > n:
            raise ImageFormatError(f"object of {numslots} slots runs past the end of the data", hs + 4 * i)
        body = words[i + 2: i + 2 + numslots]
        o = Obj(oop, hs + 4 * i, fmt, cls_index, hash=w1 & 0x3FFFFF)
        if fmt >= 16 or (9 <= fmt <= 15):
            data = raw[hs + 4 * (i + 2): hs + 4 * (i + 2 + numslots)]
            if fmt >= 16:
                unused = fmt & 3 if fmt < 24 else fmt & 3
                o.data = data[:len(data) - unused] if unused else data
                if fmt >= 24:
                    header = body[0] if body else 1
                    nlits = (header >> 1) & 0x7FFF
                    o.words = list(body[:1 + nlits])
            else:
                o.data = data
                o.words = list(body)
        else:
            o.words = list(body)
        if cls_index != 0:                      # 0: free chunks
            img.objects[oop] = o
        i += 2 + body_words
    # the class table: hidden roots object = the 5th object; its first slots are table pages
    objs = sorted(img.objects.values(), key=lambda o: o.oop)
    if len(objs) < 5:
        raise ImageFormatError("too few objects for a Spur image", hs)
    hidden = objs[4]
    for page_index, page in enumerate(hidden.words[:4096]):
        p = img.objects.get(page)
        if p is None or p.fmt not in (2, 3):
            continue
        for k, cls in enumerate(p.words):
            if cls in img.objects and img.objects[cls].fmt == 1:
                img.class_table[page_index * 1024 + k] = cls


FORMAT_NAMES_V3 = {0: "no slots", 1: "fixed pointers", 2: "indexable pointers",
                   3: "fixed + indexable pointers", 4: "weak", 6: "words", 8: "bytes",
                   12: "CompiledMethod"}
FORMAT_NAMES_SPUR = {0: "no slots", 1: "fixed pointers", 2: "indexable pointers",
                     3: "fixed + indexable pointers", 4: "weak", 5: "ephemeron", 7: "forwarded",
                     9: "64-bit words", 10: "32-bit words", 12: "16-bit", 16: "bytes",
                     24: "CompiledMethod"}


def format_group(img: Image, fmt: int) -> str:
    if img.spur:
        for lo in (24, 16, 12, 10):
            if fmt >= lo:
                return FORMAT_NAMES_SPUR[lo]
        return FORMAT_NAMES_SPUR.get(fmt, f"format {fmt}")
    for lo in (12, 8, 6):
        if fmt >= lo:
            return FORMAT_NAMES_V3[lo]
    return FORMAT_NAMES_V3.get(fmt, f"format {fmt}")


def info(img: Image) -> dict:
    """The summary `catalyst image info` prints."""
    by_format = Counter(format_group(img, o.fmt) for o in img.objects.values())
    methods = [o for o in img.objects.values() if (o.fmt >= 24 if img.spur else o.fmt >= 12)]
    class_oops = {img.class_of(o) for o in img.objects.values()}
    sets = Counter()
    for m in methods:
        header = m.words[0] if m.words else 1
        if img.spur:
            sets["SistaV1 (alternate)" if header & 0x80000000 else "V3PlusClosures"] += 1
        else:
            sets["V3 (pre-closure)" if img.version == 6502 else "V3PlusClosures"] += 1
    special = {}
    for idx, name in ((0, "nil"), (1, "false"), (2, "true"), (5, "SmallInteger"), (6, "String"),
                      (7, "Array"), (9, "Float"), (10, "MethodContext"), (16, "CompiledMethod"),
                      (19, "Character"), (36, "BlockClosure")):
        try:
            oop = img.special(idx)
            if idx <= 2:
                special[name] = f"{oop:#x} (a {img.class_name(img.class_of(img.obj(oop)))})"
            else:
                special[name] = img.class_name(oop) if oop in img.objects else "nil"
        except (ImageFormatError, IndexError):
            special[name] = "-"
    return {"path": img.path, "format": img.version, "kind": img.kind, "word_size": 4,
            "byte_order": img.byte_order, "objects": len(img.objects),
            "objects_by_format": dict(by_format), "classes": len(class_oops),
            "methods": len(methods), "bytecode_sets": dict(sets), "special_objects": special}


def method_bytecodes(img: Image, m: Obj) -> bytes:
    """The bytecodes of a CompiledMethod (after header and literals, without the trailer)."""
    from catalyst.frontend.bytecodes import bytecodes_only
    header = m.words[0] if m.words else 1
    nlits = ((header >> 1) & 0x7FFF) if img.spur else ((header >> 10) & 0xFF)
    return bytecodes_only(m.data[4 * (1 + nlits):])


def decode_all(img: Image) -> tuple[int, int, list[str]]:
    """(methods, methods whose bytecodes decode cleanly, first few errors)."""
    from catalyst.frontend import bytecodes as B
    bset = B.V3 if img.version == 6502 else B.V3_PLUS_CLOSURES
    total = ok = 0
    errors = []
    for o in img.objects.values():
        if (o.fmt >= 24) if img.spur else (o.fmt >= 12):
            total += 1
            try:
                list(B.decode(method_bytecodes(img, o), bset))
                ok += 1
            except B.BytecodeError as e:
                if len(errors) < 5:
                    errors.append(f"method at {o.oop:#x}: {e}")
    return total, ok, errors
