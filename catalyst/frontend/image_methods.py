"""CompiledMethods of a read image: their headers in either layout, their trailers, their
bytecodes, and a decoding check with catalyst.frontend.bytecodes.

Headers (the untagged SmallInteger value v):
  pre-Spur: primitive = (v & 0x1FF) + ((v >> 19) & 0x200), numLiterals = (v >> 9) & 0xFF,
            largeFrame bit 17, numTemps bits 18-23, numArgs bits 24-27
  Spur:     numLiterals = v & 0x7FFF, hasPrimitive bit 16 (the primitive index is then in the
            first bytecode, 139 lo hi), largeFrame bit 17, numTemps bits 18-23, numArgs bits 24-27
In both, a negative header selects the alternate bytecode set.

Pre-Spur quick methods (primitives 256-519: answer self, true, false, nil, -1, 0, 1, 2 or an
instance variable) have no bytecodes in Squeak 2.x images; `quick_method_bytecodes` gives the
bytecodes that do the same.

Trailers (the bytes after the bytecodes) come in two generations:
  * Squeak 1.x-3.x (image format 6502): last byte 0 -> the bytecodes end at the last non-zero
    byte among the 4 before it; last byte 1-251 -> that many bytes of encoded temporary names
    precede it; 252-255 -> a 4-byte source pointer.
  * Squeak 3.10+ (CompiledMethodTrailer; 6504, 6505, Spur): kind = last byte >> 2; kinds 0
    (none) and 4 (source by selector) are the 1 flag byte; kinds 1-3 and 5-7 have a length field
    of (last & 3) + 1 bytes before the flag, most significant byte nearest to it, then that
    many data bytes; kind 8 (variable-length source pointer) is the flag plus the bytes before
    it whose top bit is set plus one more; kind 63 is a 4-byte source pointer.
"""
from __future__ import annotations

from dataclasses import dataclass

from catalyst.frontend import bytecodes as B
from catalyst.frontend.image_model import Image, ImmInt, is_method


class TrailerError(ValueError):
    pass


@dataclass(frozen=True)
class MethodHeader:
    num_literals: int
    num_args: int
    num_temps: int
    large_frame: bool
    primitive: int          # 0 when none
    alternate_set: bool


def method_header(img: Image, m: int) -> MethodHeader:
    o = img.objects[m]
    h = o.slots[0]
    assert isinstance(h, ImmInt), "the readers check that a method header is a SmallInteger"
    v = h.value
    common = dict(num_args=(v >> 24) & 0xF, num_temps=(v >> 18) & 0x3F,
                  large_frame=bool((v >> 17) & 1), alternate_set=v < 0)
    if img.spur:
        prim = 0
        if (v >> 16) & 1 and len(o.data) >= 3 and o.data[0] == 139:
            prim = o.data[1] | (o.data[2] << 8)
        return MethodHeader(v & 0x7FFF, primitive=prim, **common)
    return MethodHeader((v >> 9) & 0xFF, primitive=(v & 0x1FF) + ((v >> 19) & 0x200), **common)


def old_trailer_size(code: bytes) -> int:
    """Trailer bytes of a Squeak 1.x-3.x method (code = the bytes after the literals)."""
    if not code:
        return 0
    flag = code[-1]
    if flag == 0:
        for i in range(1, 5):
            if len(code) - 1 - i < 0 or code[-1 - i] != 0:
                return i
        return 5
    if flag < 252:
        return flag + 1
    return 4


def trailer_size(code: bytes) -> int:
    """Trailer bytes of a CompiledMethodTrailer-era method (Squeak 3.10+, Spur)."""
    if not code:
        raise TrailerError("a method without a trailer byte")
    flag = code[-1]
    kind = flag >> 2
    if kind == 0:
        n = 1
        while n < 4 and n < len(code) and code[-1 - n] == 0:
            n += 1
        return n
    if kind == 4:
        return 1
    if kind in (1, 2, 3, 5, 6, 7):
        nbytes = (flag & 3) + 1
        if len(code) < 1 + nbytes:
            raise TrailerError(f"trailer length field of {nbytes} bytes does not fit")
        length = 0
        for i in range(nbytes):
            length = (length << 8) | code[-2 - i]
        return 1 + nbytes + length
    if kind == 8:
        pos = len(code) - 2
        while pos >= 0 and code[pos] >= 128:
            pos -= 1
        return len(code) - pos
    if kind == 63:
        return 4
    raise TrailerError(f"unknown trailer kind {kind} (last byte {flag})")


def bytecode_set_of(img: Image, m: int) -> str:
    """Name of the bytecode set a method uses (bytecodes.V3 or V3PlusClosures, or the
    alternate set's name when the header's sign bit is set)."""
    if method_header(img, m).alternate_set:
        return "alternate (SistaV1)"
    return B.V3_PLUS_CLOSURES if img.header.closures else B.V3


def method_bytecodes(img: Image, m: int) -> bytes:
    """The bytecodes of a method, without its trailer (for a Spur method with a primitive,
    starting with the 139 callPrimitive bytecode)."""
    code = img.objects[m].data
    n = old_trailer_size(code) if img.version == 6502 else trailer_size(code)
    if n > len(code):
        raise TrailerError(f"trailer of {n} bytes in {len(code)} bytes of code")
    return code[:len(code) - n]


QUICK_FIRST, QUICK_LAST = 256, 519


def quick_method_bytecodes(primitive: int) -> bytes:
    """Bytecodes equivalent to a pre-Spur quick primitive (256 ^self, 257 ^true, 258 ^false,
    259 ^nil, 260-263 ^-1/0/1/2, 264-519 ^instVar (primitive - 264))."""
    if primitive == 256:
        return bytes([120])
    if 257 <= primitive <= 259:
        return bytes([121 + primitive - 257])
    if 260 <= primitive <= 263:
        return bytes([116 + primitive - 260, 124])
    if 264 <= primitive <= 519:
        i = primitive - 264
        return bytes([i, 124]) if i < 16 else bytes([128, i, 124])   # 128: extended push, kind 0 = inst var
    raise ValueError(f"primitive {primitive} is not a quick primitive")


def is_quick(img: Image, m: int) -> bool:
    return not img.spur and QUICK_FIRST <= method_header(img, m).primitive <= QUICK_LAST


def decode_method(img: Image, m: int) -> list:
    """The decoded instructions of a method (quick methods: of their equivalent bytecodes)."""
    code = method_bytecodes(img, m)
    if is_quick(img, m) and not code:
        code = quick_method_bytecodes(method_header(img, m).primitive)
    bset = bytecode_set_of(img, m)
    if bset not in (B.V3, B.V3_PLUS_CLOSURES):
        raise B.BytecodeError(f"the {bset} bytecode set is not supported")
    return list(B.decode(code, bset))


@dataclass
class DecodeReport:
    methods: int
    clean: int
    quick: int
    errors: list   # (method object number, message), the first few


def check_all(img: Image, keep_errors: int = 10) -> DecodeReport:
    """Decode every CompiledMethod of the image; count those that decode cleanly (every byte up
    to the trailer is a valid instruction of the method's set, the last one complete)."""
    total = clean = quick = 0
    errors = []
    for o in img.objects:
        if not is_method(o.fmt):
            continue
        total += 1
        try:
            if is_quick(img, o.index):
                quick += 1
            ins = decode_method(img, o.index)
            if not ins:
                raise B.BytecodeError("no bytecodes")
            clean += 1
        except (B.BytecodeError, TrailerError) as e:
            if len(errors) < keep_errors:
                errors.append((o.index, str(e)))
    return DecodeReport(total, clean, quick, errors)
