"""Conversion of a read image (image_model) into Catalyst's object memory (wat/ABI.md) through
catalyst.vm.heap.HeapWriter.

Everything is built in the writer's buffer first and checked; only `Converted.install()` copies
it into the core, so a conversion that fails leaves the VM untouched.

What changes on the way:
  * class indices: Spur images keep theirs (a class's identity hash is already its index);
    pre-Spur classes get SmallInteger 1, Character 2 (3 aliases SmallInteger) and 16.. for the
    others; every class's identity hash becomes its index (ABI section 2). A class that has no
    index in a Spur image gets a fresh one.
  * class format words become Spur's encoding `(instSpec << 16) | instSize` (ABI section 4).
  * pre-Spur Characters (objects holding their value) are replaced by immediate Characters in
    every slot that refers to them, and are not copied; class Character's methods that read
    the `value` instance variable are rewritten (image_rewrite).
  * Floats are stored as native little-endian doubles (the reader already put them in that
    order).
  * CompiledMethods: pre-Spur headers move to the Spur layout (numLiterals in the low 15 bits,
    the primitive index into a leading `139 lo hi` callPrimitive bytecode); quick methods
    (primitives 256-519) get the equivalent bytecodes instead; every method's trailer becomes
    the 1-byte empty trailer 0. The methods contexts run read and write a context's sender, pc
    and stackp through instVarAt: / instVarAt:put: (image_rewrite: a married context keeps
    them in its frame). Stored pcs of changed methods (MethodContext pc; BlockContext pc and
    startpc, found through the home context) move with their instructions: by 3 for the
    primitive bytecode, by 4 per added literal, and as the rewrite moved them.
  * the special objects Array gets at least 60 slots, and a Squeak 2.x image's slots 34-37
    (context prototypes) move to the indices ABI.md section 6 gives them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from catalyst.frontend import bytecodes as B
from catalyst.frontend.image_classes import Classes
from catalyst.frontend.image_format import ImageFormatError
from catalyst.frontend.image_methods import (QUICK_FIRST, QUICK_LAST, TrailerError,
                                             method_bytecodes, method_header,
                                             quick_method_bytecodes)
from catalyst.frontend.image_rewrite import (CHAR_VALUE_PRIMITIVE, PUSH_SELF, RewriteError,
                                             accesses_context_ivars, rewrite_context_ivars,
                                             rewrite_inst_var_reads, send_literal)
from catalyst.frontend.image_model import (FMT_BYTES, FMT_METHOD, Image, ImmChar, ImmInt,
                                           is_method, is_pointers)

SMALLINTEGER_INDEX, CHARACTER_INDEX, SMALLINTEGER_ALIAS = 1, 2, 3
FIRST_FREE_INDEX = 16
CLASS_TABLE_SIZE = 16384
SPECIALS_MIN_SIZE = 60
IMMEDIATE_SPEC = 7          # Spur instSpec of SmallInteger and Character
PRIMITIVE_BYTES = 3         # 139 lo hi
S_SMALLINTEGER, S_METHOD_CONTEXT, S_BLOCK_CONTEXT, S_CHARACTER = 5, 10, 11, 19


@dataclass
class MethodCode:
    """A converted method: its Spur-layout header, the bytes after the literals (trailer
    included), its literals, and where a pc of the original method is in the new one."""
    header: int
    code: bytes
    literals: list
    pc_map: Callable[[int], int] = lambda pc: pc


@dataclass
class Converted:
    """The result of a conversion, not yet in the core until install()."""
    img: Image
    writer: object
    oop_of: dict = field(default_factory=dict)          # object number -> new oop
    class_index: dict = field(default_factory=dict)     # class object number -> class index
    class_table: dict = field(default_factory=dict)     # class index -> new class oop
    specials: int = 0
    pc_shifted: int = 0                                 # context pcs moved
    characters_replaced: int = 0
    methods_converted: int = 0
    character_methods_rewritten: int = 0                # pre-Spur Character>>... reading `value`
    context_methods_rewritten: int = 0                  # methods reading a context's sender...

    def value_of(self, ref) -> int:
        """The new oop (or immediate) for a reference of the read image."""
        return _encode(ref, self.oop_of, self._chars)

    def install(self) -> None:
        w = self.writer
        nil, false, true = (self.oop_of[self.img.special(i)] for i in range(3))
        w.finish(nil, false, true, self.specials, self.class_table)

    _chars: dict = field(default_factory=dict, repr=False)   # pre-Spur Character -> code


def _tag_int(n: int) -> int:
    return ((n << 1) | 1) & 0xFFFFFFFF


def _encode(ref, oop_of: dict, chars: dict) -> int:
    if type(ref) is int:
        c = chars.get(ref)
        if c is not None:
            return (c << 2) | 2
        return oop_of[ref]
    if isinstance(ref, ImmInt):
        return _tag_int(ref.value)
    if isinstance(ref, ImmChar):
        return (ref.code << 2) | 2
    raise TypeError(f"not a reference: {ref!r}")


def convert(img: Image, writer) -> Converted:
    """Lay out every object of img in writer's buffer (nothing is written to the core)."""
    classes = Classes(img)
    out = Converted(img, writer)
    _assign_class_indices(img, classes, out)
    out._chars = _pre_spur_characters(img) if not img.spur else {}
    out.characters_replaced = len(out._chars)
    methods = {}            # object number -> MethodCode
    char_methods, as_integer = set(), None
    symbols = {img.text(s): s for s in classes.symbols()}
    if not img.spur:
        char_methods = set(classes.methods(img.special(S_CHARACTER)).values())
        as_integer = symbols.get("asInteger")
    ctx_methods = _context_methods(img, classes)
    for o in img.objects:
        if is_method(o.fmt):
            mc = methods[o.index] = _convert_method(img, o.index, o.index in char_methods, as_integer)
            if o.index in char_methods and len(mc.literals) > len(o.slots) - 1:
                out.character_methods_rewritten += 1
            if o.index in ctx_methods and _mediate_context_ivars(img, mc, symbols):
                out.context_methods_rewritten += 1
    out.methods_converted = len(methods)

    order = [img.special(0), img.special(1), img.special(2)]
    if any(type(x) is not int for x in order):
        raise ImageFormatError("nil, false and true must be objects")
    first = set(order)
    order += [o.index for o in img.objects if o.index not in first and o.index not in out._chars]
    # pass 1: allocate
    for i in order:
        o = img.objects[i]
        cls = out.class_index.get(o.class_ref)
        if cls is None:
            raise ImageFormatError(f"the class of {o!r} is not a class", o.offset)
        hash_ = out.class_index.get(i) or (o.hash & 0x3FFFFF) or None
        if is_pointers(o.fmt):
            n = len(o.slots)
            if i == img.specials:
                n = max(n, SPECIALS_MIN_SIZE)
            out.oop_of[i] = writer.alloc(cls, o.fmt, n, hash_)
        elif is_method(o.fmt):
            code, literals = methods[i].code, methods[i].literals
            size = 4 * (1 + len(literals)) + len(code)
            slots = (size + 3) // 4
            oop = writer.alloc(cls, FMT_METHOD + (4 * slots - size), slots, hash_)
            writer.buf[oop - writer.base + 8 + 4 * (1 + len(literals)):
                       oop - writer.base + 8 + size] = code
            out.oop_of[i] = oop
        elif o.fmt >= FMT_BYTES:
            n = len(o.data)
            slots = (n + 3) // 4
            oop = writer.alloc(cls, FMT_BYTES + (4 * slots - n), slots, hash_)
            writer.buf[oop - writer.base + 8: oop - writer.base + 8 + n] = o.data
            out.oop_of[i] = oop
        else:   # 32-bit words (Floats: already native doubles) and 16-bit objects
            slots = (len(o.data) + 3) // 4
            oop = writer.alloc(cls, o.fmt, slots, hash_)
            writer.buf[oop - writer.base + 8: oop - writer.base + 8 + len(o.data)] = o.data
            out.oop_of[i] = oop
    # pass 2: slots
    oop_of, chars = out.oop_of, out._chars
    for i in order:
        o = img.objects[i]
        oop = oop_of[i]
        if is_method(o.fmt):
            header, literals = methods[i].header, methods[i].literals
            values = [_tag_int(header)] + [_encode(v, oop_of, chars) for v in literals]
        else:
            values = [_encode(v, oop_of, chars) for v in o.slots]
            if i in out.class_index and len(values) > 2 and not img.spur:
                values[2] = _tag_int(_spur_format(img, classes, i))
        for k, v in enumerate(values):
            writer.set_slot(oop, k, v)
        if i == img.specials:
            for k in range(len(values), SPECIALS_MIN_SIZE):
                writer.set_slot(oop, k, oop_of[img.nil])
    out.specials = oop_of[img.specials]
    _finish_class_table(out)
    _fix_context_pcs(img, out, methods)
    _fix_specials(img, classes, out)
    return out


# --- classes --------------------------------------------------------------------------------
def _assign_class_indices(img: Image, classes: Classes, out: Converted) -> None:
    behaviors = sorted(classes.all_behaviors)
    used = set()
    if img.spur:
        by_class = {}
        for idx, c in sorted(img.class_table.items()):
            if idx >= FIRST_FREE_INDEX or idx in (SMALLINTEGER_INDEX, CHARACTER_INDEX):
                by_class.setdefault(c, []).append(idx)
        for c in behaviors:
            idxs = by_class.get(c, [])
            h = img.objects[c].hash
            if h in idxs:
                out.class_index[c] = h
            elif idxs:
                out.class_index[c] = idxs[0]
    else:
        out.class_index[img.special(S_SMALLINTEGER)] = SMALLINTEGER_INDEX
        out.class_index[img.special(S_CHARACTER)] = CHARACTER_INDEX
    used = set(out.class_index.values()) | {0, SMALLINTEGER_ALIAS}
    nxt = FIRST_FREE_INDEX
    for c in behaviors:
        if c in out.class_index:
            continue
        while nxt in used:
            nxt += 1
        if nxt >= CLASS_TABLE_SIZE:
            raise ImageFormatError(f"more than {CLASS_TABLE_SIZE} classes")
        out.class_index[c] = nxt
        used.add(nxt)
    si = img.special(S_SMALLINTEGER)
    if out.class_index.get(si) != SMALLINTEGER_INDEX or \
            out.class_index.get(img.special(S_CHARACTER)) != CHARACTER_INDEX:
        raise ImageFormatError("SmallInteger and Character must have class indices 1 and 2")


def _finish_class_table(out: Converted) -> None:
    out.class_table = {idx: out.oop_of[c] for c, idx in out.class_index.items()}
    out.class_table[SMALLINTEGER_ALIAS] = out.class_table[SMALLINTEGER_INDEX]


def _spur_format(img: Image, classes: Classes, cls: int) -> int:
    """A pre-Spur class's format word in Spur's encoding (SmallInteger and Character become
    immediate classes)."""
    if cls in (img.special(S_SMALLINTEGER), img.special(S_CHARACTER)):
        return IMMEDIATE_SPEC << 16
    spec, size = classes.instance_format(cls)
    if spec < 0:
        raise ImageFormatError(f"class {classes.name(cls)} has an unknown instance format",
                               img.objects[cls].offset)
    return (spec << 16) | size


def _pre_spur_characters(img: Image) -> dict:
    """Character object number -> its code point (the object's value slot)."""
    cc = img.special(S_CHARACTER)
    out = {}
    for o in img.objects:
        if o.class_ref == cc:
            if not o.slots or not isinstance(o.slots[0], ImmInt) or not 0 <= o.slots[0].value < 1 << 30:
                raise ImageFormatError("a Character without a SmallInteger value", o.offset)
            out[o.index] = o.slots[0].value
    return out


# --- methods -----------------------------------------------------------------------------
def _convert_method(img: Image, m: int, character: bool = False, as_integer=None) -> MethodCode:
    """The converted form of a method; character: a method of pre-Spur class Character (see
    image_rewrite)."""
    o = img.objects[m]
    h = method_header(img, m)
    literals = list(o.slots[1:])
    try:
        code = method_bytecodes(img, m)
    except TrailerError as e:
        raise ImageFormatError(f"CompiledMethod: {e}", o.offset) from None
    if img.spur:
        return MethodCode(o.slots[0].value, code + b"\x00", literals)
    prim, shift = h.primitive, 0
    if character:
        if prim == 264:                 # ^value
            prim, code = CHAR_VALUE_PRIMITIVE, bytes([PUSH_SELF, 124])
        elif not prim and as_integer is not None:
            new_lits = literals + [as_integer]
            try:
                new_code = rewrite_inst_var_reads(
                    code, B.V3, bytes([PUSH_SELF]) + send_literal(len(new_lits) - 1))
            except (RewriteError, B.BytecodeError):
                new_code = None          # left as it was: the caller counts it
            if new_code is not None and new_code != code:
                code, literals = new_code, new_lits
    if QUICK_FIRST <= prim <= QUICK_LAST:
        if not code:
            code = quick_method_bytecodes(prim)
        prim = 0
    if prim:
        code = bytes([139, prim & 0xFF, prim >> 8]) + code
        shift = PRIMITIVE_BYTES
    header = (len(literals) | ((1 if prim else 0) << 16) | (int(h.large_frame) << 17) |
              (h.num_temps << 18) | (h.num_args << 24))
    moved = shift + 4 * (len(literals) - (len(o.slots) - 1))
    return MethodCode(header, code + b"\x00", literals, lambda pc: pc + moved)


def _context_methods(img: Image, classes: Classes) -> set:
    """The methods a context may run that are defined below Object: those of MethodContext,
    BlockContext and their superclasses except the root."""
    out, seen = set(), set()
    for k in (S_METHOD_CONTEXT, S_BLOCK_CONTEXT):
        c = img.special(k)
        while type(c) is int and c != img.nil and c not in seen and classes.superclass(c) is not None:
            seen.add(c)
            out.update(classes.methods(c).values())
            c = classes.superclass(c)
    return out


def _mediate_context_ivars(img: Image, mc: MethodCode, symbols: dict) -> bool:
    """Make a context method read and write instance variables 0-2 through instVarAt: and
    instVarAt:put: (image_rewrite); answer whether it changed. The literals it needs are added
    in front of the trailing ones (the method class binding, and in Spur images the selector
    before it), which are repeated at the end so that every existing literal index still holds."""
    code = mc.code[:-1]                      # without the 1-byte trailer
    bset = B.V3_PLUS_CLOSURES if img.spur else B.V3
    try:
        used, stores = accesses_context_ivars(code, bset)
    except B.BytecodeError:
        return False
    if not used or any(s not in symbols for s in ("instVarAt:", "instVarAt:put:")):
        return False
    h = mc.header
    num_lits, num_temps = h & 0x7FFF, (h >> 18) & 0x3F
    if num_temps + stores > 63:
        return False
    trailing = 2 if img.spur else (1 if mc.literals and _is_binding(img, mc.literals[-1]) else 0)
    head = list(mc.literals)
    added: list = []

    def literal_index(name):
        sym = symbols[name]
        for k, v in enumerate(head + added):
            if v == sym:
                return k
        added.append(sym)
        return len(head) + len(added) - 1

    try:
        new = rewrite_context_ivars(code, bset, literal_index, num_temps)
    except (RewriteError, B.BytecodeError):
        return False
    literals = head + added + (head[len(head) - trailing:] if trailing else [])
    old_first = 4 * (1 + num_lits) + 1
    new_first = 4 * (1 + len(literals)) + 1
    old_map = mc.pc_map

    def pc_map(pc, offsets=new.offsets):
        # pc of the original method -> pc in the converted one before the rewrite -> now
        before = old_map(pc) - old_first
        return new_first + offsets.get(before, before)

    mc.code, mc.literals, mc.pc_map = new.code + b"\x00", literals, pc_map
    mc.header = ((h & ~0x7FFF & ~(0x3F << 18)) | len(literals) | (1 << 17) |
                 ((num_temps + stores) << 18))
    return True


def _is_binding(img: Image, ref) -> bool:
    """An Association whose value is a class (a method class binding)."""
    if type(ref) is not int:
        return False
    o = img.objects[ref]
    return len(o.slots) == 2 and type(o.slots[1]) is int and img.objects[o.slots[1]].fmt == 1 and \
        len(img.objects[o.slots[1]].slots) > 2


def _fix_context_pcs(img: Image, out: Converted, methods: dict) -> None:
    """Move the pcs stored in contexts to where their instructions are in the converted methods."""
    w = out.writer
    mctx, bctx = img.special(S_METHOD_CONTEXT), img.special(S_BLOCK_CONTEXT)

    def method_of(ctx):
        o = img.objects[ctx]
        if o.class_ref == mctx and len(o.slots) > 3:
            return o.slots[3]
        if o.class_ref == bctx and len(o.slots) > 5 and type(o.slots[5]) is int:
            return method_of(o.slots[5]) if img.objects[o.slots[5]].class_ref == mctx else None
        return None

    for o in img.objects:
        if o.class_ref not in (mctx, bctx):
            continue
        m = method_of(o.index)
        if type(m) is not int or m not in methods:
            continue
        for k in ((1,) if o.class_ref == mctx else (1, 4)):
            v = o.slots[k] if k < len(o.slots) else None
            if isinstance(v, ImmInt):
                new = methods[m].pc_map(v.value)
                if new != v.value:
                    w.set_slot(out.oop_of[o.index], k, _tag_int(new))
                    out.pc_shifted += 1


# --- special objects -----------------------------------------------------------------------
def _fix_specials(img: Image, classes: Classes, out: Converted) -> None:
    """Squeak 2.x keeps context prototypes at 34-37 where later images (and ABI.md) have
    #cannotInterpret: (34), the MethodContext prototype (35), BlockClosure (36) and the
    BlockContext prototype (37); also fill the selectors of 48-50 when the image has them."""
    w, nil = out.writer, out.oop_of[img.nil]
    so = img.objects[img.specials].slots
    mctx = img.special(S_METHOD_CONTEXT)
    old = len(so) > 37 and type(so[34]) is int and img.objects[so[34]].class_ref == mctx
    symbols = None

    def symbol(name):
        nonlocal symbols
        if symbols is None:
            symbols = {img.text(s): s for s in classes.symbols()}
        s = symbols.get(name)
        return nil if s is None else out.oop_of[s]

    if old:
        w.set_slot(out.specials, 35, out.value_of(so[34]))
        w.set_slot(out.specials, 37, out.value_of(so[36]))
        w.set_slot(out.specials, 36, nil)
        w.set_slot(out.specials, 34, symbol("cannotInterpret:"))
    for k, name in ((48, "aboutToReturn:through:"), (49, "run:with:in:"),
                    (50, "attemptToAssign:withIndex:")):
        if k >= len(so) or so[k] == img.nil:
            w.set_slot(out.specials, k, symbol(name))

