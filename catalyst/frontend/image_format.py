"""Image file headers: which image formats exist, how to recognise one, and the error raised for
anything wrong in a file.

An image file starts with a header whose first word is the format version. The version also
tells the byte order: it reads as a known version in exactly one order. The versions handled:

  6502  pre-Spur 32-bit, pre-closure blocks (Squeak 1.x-3.x)
  6504  pre-Spur 32-bit with closures
  6505  pre-Spur 32-bit with closures, Floats in the platform's word order (Cog)
  6521  Spur 32-bit (closures, Floats in the platform's word order)

64-bit images (68000-range versions) are recognised only to say that they are not supported.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

PRE_SPUR_VERSIONS = {
    6502: "pre-Spur 32-bit",
    6504: "pre-Spur 32-bit (closures)",
    6505: "pre-Spur 32-bit (closures, platform-order Floats)",
}
SPUR_VERSIONS = {6521: "Spur 32-bit"}
SIXTY_FOUR_BIT_VERSIONS = {68000, 68002, 68003, 68019, 68021}
KNOWN_VERSIONS = {**PRE_SPUR_VERSIONS, **SPUR_VERSIONS}

HEADER_MIN_SIZE = 64


class ImageFormatError(Exception):
    """A file that is not a readable image: says what is wrong and at which file offset."""

    def __init__(self, message: str, offset: int | None = None):
        self.offset = offset
        self.reason = message
        where = f" (at file offset {offset:#x})" if offset is not None else ""
        super().__init__(message + where)


@dataclass(frozen=True)
class ImageHeader:
    """The fields of an image header that the readers use (names as in Squeak's VMs)."""
    version: int
    byte_order: str          # "little" or "big"
    header_size: int
    data_size: int           # bytes of object memory after the header
    old_base: int            # the address the first object had when the image was saved
    special_objects_oop: int
    last_hash: int
    first_segment_size: int  # Spur only (0 for pre-Spur)

    @property
    def spur(self) -> bool:
        return self.version in SPUR_VERSIONS

    @property
    def kind(self) -> str:
        return KNOWN_VERSIONS[self.version]

    @property
    def struct_prefix(self) -> str:
        return "<" if self.byte_order == "little" else ">"

    @property
    def closures(self) -> bool:
        """Whether blocks are BlockClosures (V3PlusClosures) rather than BlockContexts (V3)."""
        return self.version != 6502

    @property
    def floats_platform_order(self) -> bool:
        """6505 and Spur keep a Float's two words in the platform's order (low word first on a
        little-endian machine); 6502/6504 keep the most significant word first."""
        return self.version in (6505, 6521)


def read_header(raw: bytes, name: str = "image") -> ImageHeader:
    """Parse and check the header of an image file's contents."""
    if len(raw) < HEADER_MIN_SIZE:
        raise ImageFormatError(f"{name}: {len(raw)} bytes is too short for an image header "
                               f"({HEADER_MIN_SIZE} bytes)", len(raw))
    found = None
    for order, prefix in (("little", "<"), ("big", ">")):
        version = struct.unpack_from(prefix + "I", raw, 0)[0]
        if version in KNOWN_VERSIONS:
            found = (order, prefix, version)
        elif version in SIXTY_FOUR_BIT_VERSIONS:
            raise ImageFormatError(f"{name}: image format {version} is a 64-bit image; only "
                                   "32-bit images are supported", 0)
    if found is None:
        le = struct.unpack_from("<I", raw, 0)[0]
        raise ImageFormatError(f"{name}: unknown image format {le} (known: "
                               f"{', '.join(str(v) for v in sorted(KNOWN_VERSIONS))})", 0)
    order, prefix, version = found
    header_size, data_size, old_base, specials, last_hash = struct.unpack_from(prefix + "5I", raw, 4)
    if header_size < HEADER_MIN_SIZE or header_size % 4 or header_size > len(raw):
        raise ImageFormatError(f"{name}: bad header size {header_size}", 4)
    if data_size % 4:
        raise ImageFormatError(f"{name}: object data size {data_size} is not a multiple of 4", 8)
    if header_size + data_size > len(raw):
        raise ImageFormatError(f"{name}: truncated: the header announces {data_size} bytes of "
                               f"objects, the file has {len(raw) - header_size}", len(raw))
    if old_base % 4:
        raise ImageFormatError(f"{name}: old base address {old_base:#x} is not word aligned", 12)
    first_segment = 0
    if version in SPUR_VERSIONS:
        first_segment = struct.unpack_from(prefix + "I", raw, 48)[0]
    return ImageHeader(version, order, header_size, data_size, old_base, specials, last_hash,
                       first_segment)


def split_method(o, raw: bytes, body: int, size: int, words, first: int, literal_count, ref) -> None:
    """Fill image object o from the `size` bytes at offset body of a CompiledMethod: its header
    word (words[first], a SmallInteger) and literals become slots (ref resolves a word read at
    an offset), the rest its bytecodes. literal_count reads the format's header layout."""
    if size < 4 or not words[first] & 1:
        raise ImageFormatError("CompiledMethod without a SmallInteger header", body)
    nlits = literal_count(words[first])
    if 4 * (1 + nlits) > size:
        raise ImageFormatError(f"CompiledMethod header announces {nlits} literals, "
                               f"the object has {size} bytes", body)
    o.slots = [ref(words[first + k], body + 4 * k) for k in range(1 + nlits)]
    o.data = raw[body + 4 * (1 + nlits): body + size]
