"""The neutral in-memory form of a Squeak image, whichever file format it came from.

Objects are numbered 0..n-1 in file order; a reference is either an object number (a Python
`int`) or an immediate value (`ImmInt`, `ImmChar`). Formats use Spur's numbering for every image
(pre-Spur formats are translated by the reader), so later stages need not know where an object
came from:

  0 no slots, 1 fixed pointers, 2 indexable pointers, 3 fixed + indexable pointers, 4 weak,
  5 ephemeron, 10 32-bit words, 12-15 16-bit, 16-23 bytes, 24-31 CompiledMethod
  (for the byte formats `fmt & 3` counts unused bytes in the last word).

Pointer objects keep their slots in `slots`. Word, 16-bit and byte objects keep their body in
`data`, as little-endian bytes (the readers undo a big-endian file's order). A CompiledMethod
keeps its header and literals in `slots` and the bytes after them (bytecodes and trailer) in
`data`. A Float's `data` is its IEEE double as 8 little-endian bytes, whatever word order the
file used.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from catalyst.frontend.image_format import ImageFormatError, ImageHeader


@dataclass(frozen=True)
class ImmInt:
    """An immediate SmallInteger."""
    value: int


@dataclass(frozen=True)
class ImmChar:
    """An immediate Character (Spur); pre-Spur Characters are ordinary objects."""
    code: int


FMT_EMPTY, FMT_FIXED, FMT_INDEXABLE, FMT_FIXED_INDEXABLE, FMT_WEAK, FMT_EPHEMERON = range(6)
FMT_WORDS, FMT_SHORTS, FMT_BYTES, FMT_METHOD = 10, 12, 16, 24


def is_pointers(fmt: int) -> bool:
    return fmt <= FMT_EPHEMERON


def is_method(fmt: int) -> bool:
    return fmt >= FMT_METHOD


def is_bytes(fmt: int) -> bool:
    return FMT_BYTES <= fmt < FMT_METHOD


@dataclass(eq=False)
class ImageObject:
    index: int        # position in Image.objects
    oop: int          # address in the saved image's address space
    offset: int       # file offset of the header word that holds the format
    fmt: int          # Spur numbering (see the module docstring)
    class_ref: int    # object number of the class
    hash: int         # identity hash as saved (12 bits pre-Spur, 22 bits Spur)
    slots: list = field(default_factory=list)
    data: bytes = b""

    @property
    def words(self) -> tuple[int, ...]:
        """The body of a word object as unsigned 32-bit values."""
        return struct.unpack(f"<{len(self.data) // 4}I", self.data[:len(self.data) & ~3])

    def __repr__(self) -> str:
        return f"<object #{self.index} at {self.oop:#x} fmt {self.fmt}>"


@dataclass(eq=False)
class Image:
    """A whole image: header, objects, the special objects and (Spur) the class table."""
    path: str
    header: ImageHeader
    objects: list = field(default_factory=list)       # ImageObject, in file order
    specials: int = 0                                  # object number of the special objects Array
    class_table: dict = field(default_factory=dict)    # Spur: class index -> class object number
    hidden: int = 0                                    # Spur: VM-internal objects left out
    _by_oop: dict = field(default_factory=dict, repr=False)

    # --- header shortcuts ----------------------------------------------------------------
    @property
    def version(self) -> int:
        return self.header.version

    @property
    def spur(self) -> bool:
        return self.header.spur

    @property
    def kind(self) -> str:
        return self.header.kind

    @property
    def byte_order(self) -> str:
        return self.header.byte_order

    # --- access --------------------------------------------------------------------------
    def obj(self, ref) -> ImageObject:
        if type(ref) is not int:
            raise ImageFormatError(f"expected an object, found the immediate {ref}")
        return self.objects[ref]

    def at_oop(self, oop: int) -> ImageObject | None:
        """The object saved at address oop (None when no object starts there)."""
        i = self._by_oop.get(oop)
        return None if i is None else self.objects[i]

    def special(self, i: int):
        """Special object i (Squeak's 0-based index), or None past the array's end."""
        so = self.objects[self.specials].slots
        return so[i] if i < len(so) else None

    @property
    def nil(self) -> int:
        return self.special(0)

    def class_of(self, ref) -> int:
        """Object number of the class of ref (immediates included, Spur's class table or the
        special objects for pre-Spur SmallIntegers)."""
        if type(ref) is int:
            return self.objects[ref].class_ref
        if isinstance(ref, ImmInt):
            return self.special(5)
        return self.special(19)

    def text(self, ref) -> str | None:
        """The characters of a String or Symbol (any byte object), else None."""
        if type(ref) is not int:
            return None
        o = self.objects[ref]
        return o.data.decode("latin-1") if is_bytes(o.fmt) else None

    def float_value(self, ref) -> float:
        o = self.obj(ref)
        return struct.unpack("<d", o.data)[0]

    def is_float(self, ref) -> bool:
        return type(ref) is int and self.objects[ref].class_ref == self.special(9)
