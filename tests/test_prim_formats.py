"""Indexing primitives on every object format (51_prims_indexing.wat), through `prim_call` and
from Smalltalk: at: (60), at:put: (61), size (62), stringAt: (63), stringAt:put: (64), a Float's
words (38/39), instVarAt: (73/74: named slots only, as Squeak), slotAt: (173/174: every slot),
replaceFrom:to:with:startingAt: (105), basicNew / basicNew: (70/71) of every format, and the
refusal to store into immutable objects."""
import struct

import pytest

from catalyst.vm.vm import VM
from test_om_support import Harness, char, covers, tag

CLASSES = """ArrayedCollection variableWordSubclass: #FmtShorts
	instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'FormatTests'!
Object variableSubclass: #FmtVar
	instanceVariableNames: 'a b' classVariableNames: '' poolDictionaries: '' category: 'FormatTests'!
Object subclass: #FmtEmpty
	instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'FormatTests'!
"""


@pytest.fixture(scope="module")
def h():
    vm = VM.default(jit="off")
    vm.file_in_text(CLASSES, "formats.st")
    vm.evaluate("FmtShorts instVarAt: 3 put: (12 bitShift: 16)")    # 16-bit elements
    harness = Harness(vm)
    yield harness
    harness.close()


def fmt(h, oop):
    return (h.core.u32(oop) >> 24) & 31


def set_immutable(h, oop, on=True):
    w = h.core.u32(oop)
    h.core.set_u32(oop, (w | 0x800000) if on else (w & ~0x800000))


# --- 16-bit objects ----------------------------------------------------------------------------

@covers(60, 61, 62, 63, 64, 71)
@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 7])
def test_sixteen_bit_objects(h, n):
    s = h.prim(71, h.cls("FmtShorts"), tag(n))
    h.keep(s)
    assert fmt(h, s) == 12 + (n & 1) and h.core.call("num_slots", s) == (n + 1) // 2
    assert h.prim_value(62, s) == n
    for i in range(1, n + 1):
        assert h.prim(61, s, tag(i), tag(1000 * i + 7)) == tag(1000 * i + 7)
    assert [h.prim_value(60, s, tag(i)) for i in range(1, n + 1)] == [1000 * i + 7 for i in range(1, n + 1)]
    data = h.core.read_bytes(s + 8, 2 * n)
    assert list(struct.unpack(f"<{n}H", data)) == [1000 * i + 7 for i in range(1, n + 1)]
    assert h.fails(60, s, tag(n + 1)) and h.fails(60, s, tag(0))
    if n:
        assert h.prim_value(61, s, tag(1), h.int_oop(65535)) == 65535
        assert h.fails(61, s, tag(1), tag(65536)) and h.fails(61, s, tag(1), tag(-1))
        assert h.prim(64, s, tag(1), char("é")) == char("é")
        assert h.prim(63, s, tag(1)) == char("é") and h.prim_value(60, s, tag(1)) == ord("é")
        assert h.fails(61, s, tag(1), h.nil)


def test_sixteen_bit_objects_from_smalltalk(h):
    assert h.vm.eval("| s | s := FmtShorts new: 5. 1 to: 5 do: [:i | s at: i put: i * 4000]. "
                     "{s size. s at: 5. s inject: 0 into: [:a :b | a + b]}") == "#(5 20000 60000)"
    assert h.vm.eval("[(FmtShorts new: 2) at: 1 put: 70000] on: Error do: [:e | #refused]") == "#refused"


# --- CompiledMethods: bytes numbered from the body's start, literals unreachable -----------------

@covers(60, 61, 62, 63, 105)
def test_compiled_method_bytes(h):
    m = h.keep(h.vm.lookup_method(h.cls("Object"), "printString"))
    nlits = (h.heap.slot(m, 0) >> 1) & 0x7FFF
    initial_pc = 4 * (1 + nlits) + 1
    body = h.core.read_bytes(m + 8, h.heap.byte_size(m))
    assert h.prim_value(62, m) == len(body) == h.heap.byte_size(m)
    assert h.prim_value(60, m, tag(initial_pc)) == body[initial_pc - 1]
    assert h.prim_value(60, m, tag(len(body))) == body[-1] == 0            # the empty trailer
    assert h.prim(63, m, tag(initial_pc)) == char(body[initial_pc - 1])
    for inside_literals in (1, 4, initial_pc - 1):
        assert h.fails(60, m, tag(inside_literals))
        assert h.fails(61, m, tag(inside_literals), tag(0))
    assert h.fails(60, m, tag(len(body) + 1))
    copy = h.keep(h.prim(148, m))
    assert h.prim_value(61, copy, tag(initial_pc), tag(120)) == 120            # returnSelf
    assert h.core.read_bytes(copy + 8 + initial_pc - 1, 1) == b"\x78"
    bytes_ = h.obj("ByteArray new: 3")
    assert h.prim(105, bytes_, tag(1), tag(3), m, tag(initial_pc)) == bytes_
    assert h.heap.bytes_of(bytes_) == body[initial_pc - 1:initial_pc + 2]
    assert h.fails(105, bytes_, tag(1), tag(3), m, tag(initial_pc - 2))        # starts in the literals


def test_compiled_method_size_from_smalltalk(h):
    assert h.vm.eval("| m | m := Object compiledMethodAt: #printString. "
                     "m size = (m numLiterals + 1 * 4 + 14)") == "true"


# --- Floats: word 1 is the most significant, as in Squeak ---------------------------------------

@covers(38, 39, 60, 61, 62)
def test_float_words(h):
    f = h.obj("1.0 + 0.5")                                       # 0x3FF80000_00000000
    for prim in (60, 38):
        assert h.prim_value(prim, f, tag(1)) == 0x3FF80000
        assert h.prim_value(prim, f, tag(2)) == 0
        assert h.fails(prim, f, tag(3))
    assert h.prim_value(62, f) == 2
    hi, lo = struct.unpack("<II", struct.pack("<d", -3.25))[::-1]
    assert h.prim_value(61, f, tag(1), h.int_oop(hi)) == hi
    assert h.prim_value(39, f, tag(2), h.int_oop(lo)) == lo
    assert h.heap.float_of(f) == -3.25
    assert h.fails(38, h.obj("Bitmap new: 2"), tag(1))          # 38/39 are a Float's only
    assert h.fails(105, h.obj("Bitmap new: 2"), tag(1), tag(2), f, tag(1))   # word order differs


# --- words, bytes, pointers with named slots ------------------------------------------------------

@covers(60, 61, 62, 63, 64)
def test_words_hold_unsigned_32_bit_values_and_characters(h):
    w = h.obj("Bitmap new: 3")
    assert h.prim_value(61, w, tag(3), h.int_oop(0xFFFFFFFF)) == 0xFFFFFFFF
    assert h.class_name(h.prim(60, w, tag(3))) == "LargePositiveInteger"
    assert h.prim(64, w, tag(1), char(0x1F600)) == char(0x1F600)
    assert h.prim(63, w, tag(1)) == char(0x1F600)
    assert h.fails(63, w, tag(3))                   # 2^32-1 is no Character
    assert h.fails(61, w, tag(2), h.int_oop(-1)) and h.fails(61, w, tag(2), h.int_oop(1 << 32))


@covers(60, 61, 62, 73, 74, 173, 174)
def test_named_and_indexable_pointer_slots(h):
    v = h.obj("(FmtVar new: 3) instVarAt: 1 put: #a; instVarAt: 2 put: #b; yourself")
    assert fmt(h, v) == 3 and h.prim_value(62, v) == 3
    assert h.prim(61, v, tag(1), tag(11)) == tag(11)
    assert h.heap.slot(v, 2) == tag(11)                           # after the 2 named slots
    assert h.prim(60, v, tag(1)) == tag(11) and h.fails(60, v, tag(4))
    assert h.prim(73, v, tag(2)) == h.vm.symbol("b")
    assert h.fails(73, v, tag(3))                                 # 73: named slots only
    assert h.prim(173, v, tag(3)) == tag(11)                      # 173: named, then indexable
    assert h.prim(174, v, tag(5), tag(55)) == tag(55) and h.prim(60, v, tag(3)) == tag(55)
    assert h.fails(173, v, tag(6)) and h.fails(174, v, tag(0), tag(1))
    assert h.prim(74, v, tag(1), tag(9)) == tag(9) and h.heap.slot(v, 0) == tag(9)
    assert h.fails(74, v, tag(3), tag(9))


@covers(73, 173, 174)
def test_slot_access_on_bytes_and_words(h):
    s = h.obj("'abc' copy")
    assert h.fails(73, s, tag(1))                                 # no named slots
    assert h.prim_value(173, s, tag(1)) == ord("a")
    assert h.prim_value(174, s, tag(2), tag(ord("z"))) == ord("z") and h.heap.bytes_of(s) == b"azc"
    assert h.fails(174, s, tag(2), tag(256))
    w = h.obj("Bitmap new: 1")
    assert h.prim_value(174, w, tag(1), h.int_oop(0xDEADBEEF)) == 0xDEADBEEF
    m = h.keep(h.vm.lookup_method(h.cls("Object"), "printString"))
    assert h.fails(173, m, tag(1)) and h.fails(173, m, tag(20))  # a method mixes oops and bytes


@covers(60, 62, 73, 173)
def test_objects_without_indexable_slots(h):
    p = h.obj("3 @ 4")
    assert h.prim_value(62, p) == 0 and h.fails(60, p, tag(1))
    assert h.prim(73, p, tag(1)) == tag(3) and h.prim(173, p, tag(2)) == tag(4)
    e = h.obj("FmtEmpty new")
    assert fmt(h, e) == 0 and h.prim_value(62, e) == 0
    assert h.fails(73, e, tag(1)) and h.fails(173, e, tag(1)) and h.fails(60, e, tag(1))
    for imm in (tag(5), char("a")):
        assert h.fails(62, imm) and h.fails(60, imm, tag(1)) and h.fails(73, imm, tag(1))


@covers(73, 173)
def test_slot_primitives_refuse_married_contexts(h):
    # 173 would read a married context's raw sender slot (a tagged frame address); the kernel
    # reads contexts through 73 and 210, which the control primitives route to the frame
    assert h.vm.eval("thisContext instVarAt: 4") == "UndefinedObject>>DoIt"
    assert h.vm.eval("[thisContext slotAt: 1] on: Error do: [:e | #refused]") == "#refused"


# --- immutable objects -------------------------------------------------------------------------

@covers(61, 64, 74, 105, 174)
def test_stores_into_immutable_objects_fail(h):
    a = h.obj("Array with: 1 with: 2")
    s = h.obj("'abc' copy")
    v = h.obj("FmtVar new: 1")
    for o in (a, s, v):
        set_immutable(h, o)
    try:
        assert h.fails(61, a, tag(1), tag(5)) and h.prim(60, a, tag(1)) == tag(1)
        assert h.fails(64, s, tag(1), char("x")) and h.fails(174, s, tag(1), tag(1))
        assert h.fails(74, v, tag(1), tag(1)) and h.fails(61, v, tag(1), tag(1))
        assert h.fails(105, a, tag(1), tag(1), h.obj("#(9)"), tag(1))
        assert h.heap.bytes_of(s) == b"abc" and h.heap.slot(a, 0) == tag(1)
    finally:
        for o in (a, s, v):
            set_immutable(h, o, False)
    assert h.prim(61, a, tag(1), tag(5)) == tag(5)


# --- replaceFrom:to:with:startingAt: ----------------------------------------------------------

@covers(105)
def test_replace_in_every_format(h):
    shorts = h.obj("(FmtShorts new: 4) at: 1 put: 1; at: 2 put: 2; at: 3 put: 3; at: 4 put: 4; yourself")
    other = h.obj("(FmtShorts new: 2) at: 1 put: 60000; at: 2 put: 50000; yourself")
    assert h.prim(105, shorts, tag(2), tag(3), other, tag(1)) == shorts
    assert [h.prim_value(60, shorts, tag(i)) for i in range(1, 5)] == [1, 60000, 50000, 4]
    words = h.obj("Bitmap new: 3")
    src = h.obj("(Bitmap new: 2) at: 1 put: 16rFFFFFFFF; at: 2 put: 7; yourself")
    h.prim(105, words, tag(2), tag(3), src, tag(1))
    assert [h.prim_value(60, words, tag(i)) for i in range(1, 4)] == [0, 0xFFFFFFFF, 7]
    v = h.obj("FmtVar new: 3")
    h.prim(105, v, tag(1), tag(3), h.obj("#(7 8 9)"), tag(1))
    assert [h.heap.slot(v, i) for i in range(5)] == [h.nil, h.nil, tag(7), tag(8), tag(9)]
    assert h.fails(105, shorts, tag(1), tag(1), words, tag(1))           # 16-bit from words
    assert h.fails(105, v, tag(1), tag(1), words, tag(1))                # pointers from words


# --- instantiation of every format --------------------------------------------------------------

@covers(70, 71)
@pytest.mark.parametrize("cls,n,fmt_,slots", [
    ("FmtEmpty", None, 0, 0), ("Point", None, 1, 2), ("Array", 5, 2, 5), ("FmtVar", 3, 3, 5),
    ("Bitmap", 4, 10, 4), ("FmtShorts", 5, 13, 3), ("ByteArray", 6, 18, 2), ("String", 0, 16, 0),
    ("Array", None, 2, 0), ("ByteArray", None, 16, 0),
])
def test_basic_new_of_every_format(h, cls, n, fmt_, slots):
    o = h.prim(70, h.cls(cls)) if n is None else h.prim(71, h.cls(cls), tag(n))
    assert h.class_name(o) == cls and fmt(h, o) == fmt_ and h.core.call("num_slots", o) == slots
    if fmt_ < 6:
        assert all(h.heap.slot(o, i) == h.nil for i in range(slots))
    else:
        assert h.core.read_bytes(o + 8, 4 * slots) == bytes(4 * slots)


@covers(71)
def test_basic_new_colon_failures_run_the_smalltalk_code(h):
    assert h.fails(71, h.cls("Point"), tag(1))                    # not indexable
    assert h.fails(71, h.cls("Array"), tag(-1)) and h.fails(71, h.cls("Array"), h.nil)
    assert h.fails(71, tag(3), tag(1))
    def error(expr):
        return h.vm.eval(f"[{expr}] on: Error do: [:e | {{e class name. e messageText}}]")
    assert error("Point basicNew: 2") == "#(#Error 'Point cannot have variable sized instances')"
    assert error("Array basicNew: -1") == "#(#Error 'bad size for basicNew: -1')"
    assert error("Array basicNew: nil") == "#(#Error 'bad size for basicNew: nil')"
    assert error("Array basicNew: 1073741823") == \
        "#(#OutOfMemory 'cannot make 1073741823 indexable slots for Array')"
