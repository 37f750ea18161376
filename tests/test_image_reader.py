"""Readers of real Squeak images into the neutral form (skip when ../shared/images is absent):
headers, object walks, classes, methods, Floats, byte order, and bad input."""
import struct
import subprocess
import sys

import pytest

from catalyst.frontend.image_classes import Classes
from catalyst.frontend.image_format import ImageFormatError
from catalyst.frontend.image_info import summary
from catalyst.frontend.image_methods import check_all, decode_method, method_header
from catalyst.frontend.image_reader import read_image, read_image_bytes


@pytest.fixture(scope="module")
def mini():
    from tests.conftest import images_dir
    path = images_dir() / "mini.image"
    if not path.exists():
        pytest.skip(f"real image mini.image not found in {images_dir()} (set CATALYST_IMAGES)")
    return read_image(path)


@pytest.fixture(scope="module")
def headless():
    from tests.conftest import images_dir
    path = images_dir() / "headless.image"
    if not path.exists():
        pytest.skip(f"real image headless.image not found in {images_dir()} (set CATALYST_IMAGES)")
    return read_image(path)


# --- headers and object walks ----------------------------------------------------------------
def test_pre_spur_header(mini):
    h = mini.header
    assert (h.version, h.byte_order, h.header_size, h.data_size) == (6502, "little", 64, 726592)
    assert (h.old_base, h.special_objects_oop) == (0xB731F000, 0xB733E368)
    assert not h.spur and not h.closures and not h.floats_platform_order


def test_spur_header(headless):
    h = headless.header
    assert (h.version, h.byte_order, h.header_size, h.data_size) == (6521, "little", 64, 135408)
    assert (h.old_base, h.special_objects_oop, h.first_segment_size) == (0x3204000, 0x3224618, 135408)
    assert h.spur and h.closures


def test_object_counts(mini, headless):
    assert len(mini.objects) == 17692
    # 44 forwarders, the free lists, hidden roots, class table pages and the segment bridge
    assert (len(headless.objects), headless.hidden) == (2443, 51)
    s = summary(mini, decode=False)
    assert s["objects_by_format"]["CompiledMethod"] == 4606
    assert s["objects_by_format"]["32-bit words"] == 489
    assert summary(headless, decode=False)["objects_by_format"]["CompiledMethod"] == 918


def test_first_objects_are_nil_false_true(mini, headless):
    for img in (mini, headless):
        c = Classes(img)
        assert [c.name(img.objects[img.special(i)].class_ref) for i in range(3)] == \
            ["UndefinedObject", "False", "True"]
        assert img.special(0) == 0          # nil is the first object of both


# --- classes ------------------------------------------------------------------------------------
def test_class_names_pre_spur(mini):
    c = Classes(mini)
    names = set(c.by_name)
    assert {"SmallInteger", "Object", "OrderedCollection", "Array", "Dictionary", "Symbol",
            "CompiledMethod", "BlockContext", "MethodContext", "Character", "Float"} <= names
    assert "BlockClosure" not in names          # pre-closure image
    assert len(c.classes) == len(c.metaclasses) == 203
    assert c.name(mini.objects[c.named("Object")].class_ref) == "Object class"
    assert c.superclass(c.named("Object")) is None
    assert c.name(c.superclass(c.named("OrderedCollection"))) == "SequenceableCollection"


def test_class_names_spur(headless):
    c = Classes(headless)
    assert {"SmallInteger", "Object", "Array", "Character", "Float", "CompiledMethod",
            "MethodContext", "Metaclass"} <= set(c.by_name)
    # Spur: a class's identity hash is its index in the class table
    for name, index in (("SmallInteger", 1), ("Character", 2), ("Float", 34), ("Array", 51)):
        cls = c.named(name)
        assert headless.class_table[index] == cls and headless.objects[cls].hash == index


def test_instance_formats(mini, headless):
    for img in (mini, headless):
        c = Classes(img)
        assert c.instance_format(c.named("Array")) == (2, 0)
        assert c.instance_format(c.named("Float")) == (10, 0)
        assert c.instance_format(c.named("CompiledMethod"))[0] == 24
        assert c.instance_format(c.named("Symbol"))[0] == 16
    c = Classes(mini)
    assert c.instance_format(c.named("Point")) == (1, 2)
    assert c.instance_format(c.named("MethodContext"))[0] == 3


def test_compact_classes_resolved(mini):
    c = Classes(mini)
    compact = mini.objects[mini.special(28)].slots
    assert [c.name(x) for x in compact[:3]] == ["CompiledMethod", "Symbol", "Array"]
    # objects with 1-word headers got their class from that Array
    arrays = [o for o in mini.objects if o.class_ref == compact[2]]
    assert len(arrays) > 1000 and all(o.fmt == 2 for o in arrays)


# --- methods ----------------------------------------------------------------------------------
def test_benchfib_bytecodes(mini):
    c = Classes(mini)
    m = c.method("Integer>>benchFib")
    h = method_header(mini, m)
    assert (h.num_args, h.num_temps, h.primitive, h.num_literals) == (0, 0, 0, 1)
    assert mini.text(mini.objects[m].slots[1]) == "benchFib"
    ops = [(i.op, i.args) for i in decode_method(mini, m)]
    # ^self < 2 ifTrue: [1] ifFalse: [(self - 1) benchFib + (self - 2) benchFib + 1]
    assert ops == [("push_self", ()), ("push_const", (2,)), ("special_send", (2,)),
                   ("jump_if_false", (3,)), ("push_const", (1,)), ("jump", (11,)),
                   ("push_self", ()), ("push_const", (1,)), ("special_send", (1,)),
                   ("send", (0, 0)), ("push_self", ()), ("push_const", (2,)),
                   ("special_send", (1,)), ("send", (0, 0)), ("special_send", (0,)),
                   ("push_const", (1,)), ("special_send", (0,)), ("return_top", ())]


def test_primitive_and_quick_methods(mini, headless):
    c = Classes(mini)
    assert method_header(mini, c.method("SmallInteger>>+")).primitive == 1
    # Point>>x is a quick method (primitive 264: answer instance variable 0), without bytecodes
    m = c.method("Point>>x")
    assert method_header(mini, m).primitive == 264
    assert [(i.op, i.args) for i in decode_method(mini, m)] == [("push_rcvr_var", (0,)), ("return_top", ())]
    c = Classes(headless)
    m = c.method("SmallInteger>>+")
    assert method_header(headless, m).primitive == 1
    assert decode_method(headless, m)[0].op == "call_primitive"


def test_every_method_decodes(mini, headless):
    r = check_all(mini)
    assert (r.methods, r.clean, r.errors) == (4606, 4606, [])
    assert r.quick == 370
    r = check_all(headless)
    assert (r.methods, r.clean, r.errors) == (918, 918, [])


def test_method_dictionaries(mini, headless):
    assert len(Classes(mini).all_methods()) == 4598
    assert len(Classes(headless).all_methods()) == 917
    sel = {s for _, s, _ in Classes(mini).all_methods()}
    assert {"benchFib", "tinyBenchmarks", "printString", "do:"} <= sel


def test_floats_and_symbols(mini, headless):
    def floats(img):
        return {img.float_value(o.index) for o in img.objects if img.is_float(o.index)}
    # Random's constants (16807, 2147483647) in the old image: the high word comes first there
    assert {16807.0, 2147483647.0, 127773.0, 2836.0} <= floats(mini)
    assert {3.141592653589793, 2.718281828459045, 1e-12} <= floats(headless)
    c = Classes(headless)
    assert "doesNotUnderstand:" in {headless.text(s) for s in c.symbols()}


# --- byte order -------------------------------------------------------------------------------
def big_endian_copy(raw: bytes, img) -> bytes:
    """The image as a big-endian machine would have saved it: every word swapped except the
    bytes of byte objects and of CompiledMethods after their literals."""
    out = bytearray(raw)
    n = len(raw) // 4
    out[:4 * n] = struct.pack(f">{n}I", *struct.unpack(f"<{n}I", raw[:4 * n]))
    for o in img.objects:
        if o.fmt >= 16:
            start = o.offset + 4 + 4 * len(o.slots)
            out[start:start + len(o.data)] = o.data
    return bytes(out)


def test_big_endian_pre_spur(mini):
    raw = open(mini.path, "rb").read()
    big = read_image_bytes(big_endian_copy(raw, mini), "big.image")
    assert big.byte_order == "big" and len(big.objects) == len(mini.objects)
    for a, b in zip(mini.objects, big.objects):
        assert (a.fmt, a.class_ref, a.slots, a.data) == (b.fmt, b.class_ref, b.slots, b.data)
    c = Classes(big)
    assert big.float_value(next(o.index for o in big.objects if big.is_float(o.index) and
                                big.float_value(o.index) == 16807.0)) == 16807.0
    assert c.name(c.named("OrderedCollection")) == "OrderedCollection"


# --- bad input --------------------------------------------------------------------------------
def test_truncated_file(image_path, tmp_path):
    data = image_path("mini.image").read_bytes()
    with pytest.raises(ImageFormatError) as e:
        read_image_bytes(data[:5000], "trunc.image")
    assert "truncated" in str(e.value) and e.value.offset == 5000
    with pytest.raises(ImageFormatError, match="too short") as e:
        read_image_bytes(data[:20])
    assert e.value.offset == 20


def test_truncated_object_data(image_path):
    """A header that announces less data than the objects need: the walk runs off the end."""
    data = bytearray(image_path("mini.image").read_bytes())
    struct.pack_into("<I", data, 8, 1000)           # data size: 1000 bytes
    with pytest.raises(ImageFormatError, match="runs past the end") as e:
        read_image_bytes(bytes(data))
    assert 64 <= e.value.offset < 64 + 1000


def test_unknown_and_64_bit_formats():
    with pytest.raises(ImageFormatError, match="unknown image format 1234") as e:
        read_image_bytes(struct.pack("<16I", 1234, 64, 0, 0, 0, *([0] * 11)))
    assert e.value.offset == 0
    with pytest.raises(ImageFormatError, match="64-bit"):
        read_image_bytes(struct.pack("<16I", 68021, 64, 0, 0, 0, *([0] * 11)))


def test_bad_header_size(image_path):
    data = bytearray(image_path("headless.image").read_bytes())
    struct.pack_into("<I", data, 4, 10)
    with pytest.raises(ImageFormatError, match="bad header size 10") as e:
        read_image_bytes(bytes(data))
    assert e.value.offset == 4


def test_pointer_out_of_range(mini, image_path):
    data = bytearray(image_path("mini.image").read_bytes())
    so = mini.objects[mini.specials]
    slot4 = so.offset + 4 + 4 * 4                   # special object 4 (Bitmap)
    struct.pack_into("<I", data, slot4, 0x12345670)
    with pytest.raises(ImageFormatError, match="pointer 0x12345670 does not point") as e:
        read_image_bytes(bytes(data))
    assert e.value.offset == slot4


def test_spur_pointer_out_of_range(headless, image_path):
    data = bytearray(image_path("headless.image").read_bytes())
    so = headless.objects[headless.specials]
    slot = so.offset + 8 + 4 * 7                    # Array class
    struct.pack_into("<I", data, slot, 0x7FFFFF0)
    with pytest.raises(ImageFormatError, match="does not point") as e:
        read_image_bytes(bytes(data))
    assert e.value.offset == slot


def test_corrupt_spur_header(headless, image_path):
    data = bytearray(image_path("headless.image").read_bytes())
    # the first object (nil) claims 254 slots: the walk then lands inside other objects
    struct.pack_into("<I", data, 64 + 4, (254 << 24) | 1)
    with pytest.raises(ImageFormatError):
        read_image_bytes(bytes(data))
    data = bytearray(image_path("headless.image").read_bytes())
    struct.pack_into("<I", data, 48, 1000)          # first segment smaller than the data
    with pytest.raises(ImageFormatError, match="multi-segment") as e:
        read_image_bytes(bytes(data))
    assert e.value.offset == 48


def test_bad_pre_spur_header_type(mini, image_path):
    data = bytearray(image_path("mini.image").read_bytes())
    # an object with a 2-word header (class word, base header, both of type 1)
    o = next(o for o in mini.objects[100:]
             if struct.unpack_from("<I", data, o.offset)[0] & 3 == 1)
    w = struct.unpack_from("<I", data, o.offset)[0]
    struct.pack_into("<I", data, o.offset, w ^ 2)   # base header says type 3 now
    with pytest.raises(ImageFormatError, match="base header type 3 disagrees") as e:
        read_image_bytes(bytes(data))
    assert e.value.offset == o.offset


def test_cli_image_info(image_path):
    r = subprocess.run([sys.executable, "-m", "catalyst.cli", "image", "info",
                        str(image_path("headless.image"))], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Spur 32-bit (format 6521)" in r.stdout
    assert "918 methods (918 decode cleanly)" in r.stdout
    r = subprocess.run([sys.executable, "-m", "catalyst.cli", "image", "info", "--json",
                        str(image_path("mini.image"))], capture_output=True, text=True)
    import json
    s = json.loads(r.stdout)
    assert (s["format"], s["methods"], s["methods_decoding_cleanly"]) == (6502, 4606, 4606)
    assert s["bytecode_sets"] == {"V3": 4606}
    assert s["special_objects"]["5 SmallInteger"] == "SmallInteger"


def test_cli_bad_image(tmp_path):
    bad = tmp_path / "bad.image"
    bad.write_bytes(b"\x00" * 100)
    r = subprocess.run([sys.executable, "-m", "catalyst.cli", "image", "info", str(bad)],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "unknown image format 0" in r.stderr and "offset 0x0" in r.stderr
    r = subprocess.run([sys.executable, "-m", "catalyst.cli", "image", "info", str(tmp_path / "no")],
                       capture_output=True, text=True)
    assert r.returncode == 2
