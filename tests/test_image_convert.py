"""Conversion of the real images into Catalyst's object memory (ABI.md), read back through
catalyst.vm.heap.HeapReader; bad images leave the core untouched."""
import hashlib
import struct

import pytest

from catalyst.frontend.image_classes import Classes
from catalyst.frontend.image_format import ImageFormatError
from catalyst.frontend.image_load import load_image
from catalyst.frontend.image_methods import method_bytecodes, method_header
from catalyst.vm.core import Core
from catalyst.vm.heap import HeapReader


def _image(name):
    from tests.conftest import images_dir
    path = images_dir() / name
    if not path.exists():
        pytest.skip(f"real image {name} not found in {images_dir()} (set CATALYST_IMAGES)")
    return path


@pytest.fixture(scope="module")
def mini():
    core = Core()
    conv = load_image(_image("mini.image"), core)
    return core, HeapReader(core), conv, Classes(conv.img)


@pytest.fixture(scope="module")
def headless():
    core = Core()
    conv = load_image(_image("headless.image"), core)
    return core, HeapReader(core), conv, Classes(conv.img)


def name_of(h, classes, conv, cls_oop):
    """The class's name, read from the heap through the image's own name slot."""
    return h.string_of(h.slot(cls_oop, classes.shape.name_slot))


def test_globals_and_special_classes(mini, headless):
    for core, h, conv, classes in (mini, headless):
        so = core.global_value("special_objects")
        assert so == conv.specials and h.num_slots(so) >= 60
        nil, false, true = (core.global_value(g) for g in ("nil", "false", "true"))
        assert nil == core.global_value("heap_start")          # nil is the first object
        assert [h.slot(so, i) for i in range(3)] == [nil, false, true]
        assert [name_of(h, classes, conv, h.slot(so, i)) for i in (5, 6, 7, 9, 16, 19)] == \
            ["SmallInteger", "String", "Array", "Float", "CompiledMethod", "Character"]
        assert h.class_of(5 * 2 + 1) == h.slot(so, 5)           # immediates: class index 1 / 2
        assert h.class_of((65 << 2) | 2) == h.slot(so, 19)
        assert name_of(h, classes, conv, h.class_of(true)) == "True"


def test_class_hash_is_class_index(mini, headless):
    for core, h, conv, classes in (mini, headless):
        for idx, cls in conv.class_table.items():
            if idx != 3:                                      # 3 aliases SmallInteger
                assert h.u32(cls + 4) & 0x3FFFFF == idx
        # every object's class index leads back to its class through the table
        for i in list(conv.oop_of)[:3000]:
            assert h.class_of(conv.oop_of[i]) == conv.oop_of[conv.img.objects[i].class_ref]
    _, h, conv, classes = headless
    assert conv.class_index[classes.named("Float")] == 34       # Spur keeps its indices
    assert conv.class_index[classes.named("Array")] == 51


def test_class_formats_in_spur_encoding(mini):
    _, h, conv, classes = mini
    fmt = {n: h.slot(conv.oop_of[classes.named(n)], 2) >> 1 for n in
           ("Point", "Array", "SmallInteger", "Character", "Float", "String", "CompiledMethod")}
    assert fmt == {"Point": (1 << 16) | 2, "Array": 2 << 16, "SmallInteger": 7 << 16,
                   "Character": 7 << 16, "Float": 10 << 16, "String": 16 << 16,
                   "CompiledMethod": 24 << 16}


def test_characters_become_immediates(mini):
    core, h, conv, classes = mini
    assert conv.characters_replaced == 256
    table = h.slot(core.global_value("special_objects"), 24)
    assert [h.slot(table, i) for i in (0, 65, 255)] == [2, (65 << 2) | 2, (255 << 2) | 2]
    char_class = conv.img.special(19)
    assert not any(o.class_ref == char_class and o.index in conv.oop_of for o in conv.img.objects)


def test_floats_symbols_strings(mini, headless):
    for core, h, conv, classes in (mini, headless):
        img = conv.img
        floats = [o.index for o in img.objects if img.is_float(o.index)]
        for f in floats[:50]:
            oop = conv.oop_of[f]
            assert h.fmt(oop) == 10 and h.num_slots(oop) == 2
            assert h.float_of(oop) == img.float_value(f)
        syms = classes.symbols()
        for s in syms[:200]:
            assert h.string_of(conv.oop_of[s]) == img.text(s)
    core, h, conv, classes = mini
    assert 16807.0 in {h.float_of(conv.oop_of[o.index]) for o in conv.img.objects
                       if conv.img.is_float(o.index)}


def method_bytes(h, oop):
    nlits = (h.slot(oop, 0) >> 1) & 0x7FFF
    return h.bytes_of(oop)[4 * (1 + nlits):]


def test_method_headers_move_to_spur_layout(mini):
    _, h, conv, classes = mini
    img = conv.img
    m = classes.method("Integer>>benchFib")
    oop = conv.oop_of[m]
    assert h.fmt(oop) >= 24 and h.u32(oop - 4) >> 24 == 0xFF     # methods have a prefix
    header = h.slot(oop, 0) >> 1
    assert (header & 0x7FFF, (header >> 16) & 1, (header >> 24) & 15) == (1, 0, 0)
    old = img.objects[m].data
    assert old[-1] == 0 and method_bytes(h, oop) == old            # its trailer was already 0
    # trailers with encoded temporary names (last byte 1-251) or source pointers become 0
    kinds = set()
    for o in img.objects:
        if o.fmt >= 24 and not method_header(img, o.index).primitive and o.data[-1] not in kinds:
            kinds.add(o.data[-1])
            assert method_bytes(h, conv.oop_of[o.index]) == method_bytecodes(img, o.index) + b"\x00"
    assert len(kinds) > 50 and 252 in kinds
    # a primitive moves into a 139 lo hi prefix
    plus = conv.oop_of[classes.method("SmallInteger>>+")]
    header = h.slot(plus, 0) >> 1
    assert (header >> 16) & 1 == 1 and (header >> 24) & 15 == 1
    assert method_bytes(h, plus)[:3] == bytes([139, 1, 0])
    # literals survive, Symbols included
    assert h.string_of(h.slot(plus, 1 + 0)) == img.text(img.objects[classes.method("SmallInteger>>+")].slots[1])
    # a quick method gets its equivalent bytecodes and no primitive
    x = conv.oop_of[classes.method("Point>>x")]
    assert (h.slot(x, 0) >> 17) & 1 == 0
    assert method_bytes(h, x) == bytes([0, 124, 0])


def test_context_pcs_shift_with_the_primitive_prefix(mini):
    _, h, conv, classes = mini
    img = conv.img
    mctx, bctx = img.special(10), img.special(11)
    checked = shifted = 0
    for o in img.objects:
        if o.class_ref == mctx:
            method, fields = o.slots[3], (1,)
        elif o.class_ref == bctx and type(o.slots[5]) is int and o.slots[5] != img.nil:
            method, fields = img.objects[o.slots[5]].slots[3], (1, 4)    # the home's method
        else:
            continue
        if type(method) is not int or img.objects[method].fmt < 24:
            continue
        prim = method_header(img, method).primitive
        for k in fields:
            if hasattr(o.slots[k], "value"):
                new_pc = h.slot(conv.oop_of[o.index], k) >> 1
                assert new_pc == o.slots[k].value + (3 if 0 < prim < 256 else 0)
                checked += 1
                shifted += 0 < prim < 256
    assert checked > 20 and shifted > 0 and conv.pc_shifted == shifted


def test_spur_methods_keep_their_header(headless):
    _, h, conv, classes = headless
    m = classes.method("SmallInteger>>+")
    oop = conv.oop_of[m]
    assert h.slot(oop, 0) == ((conv.img.objects[m].slots[0].value << 1) | 1)
    assert method_bytes(h, oop)[:3] == bytes([139, 1, 0])
    assert method_bytes(h, oop)[-2:] == bytes([124, 0])         # trailer: one 0 byte


def test_converted_images_run(mini, headless):
    """The interpreter runs converted methods: mini's benchFib, headless's printString."""
    core, h, conv, classes = mini
    r = core.call("vm_run", (20 << 1) | 1, conv.oop_of[classes.method("Integer>>benchFib")],
                  core.global_value("nil"))
    assert r == (21891 << 1) | 1
    core, h, conv, classes = headless
    r = core.call("vm_run", (12345 << 1) | 1, conv.oop_of[classes.method("Object>>printString")],
                  core.global_value("nil"))
    assert r and h.string_of(r) == "12345"


def memory_digest(core):
    end = core.global_value("heap_end")
    return end, hashlib.sha256(core.read_bytes(0, end)).hexdigest()


def test_bad_image_leaves_the_core_untouched(tmp_path):
    path = _image("headless.image")
    core = Core()
    load_image(path, core)
    before = memory_digest(core)
    data = bytearray(path.read_bytes())
    bad = tmp_path / "truncated.image"
    bad.write_bytes(bytes(data[:len(data) // 2]))
    with pytest.raises(ImageFormatError, match="truncated"):
        load_image(bad, core)
    assert memory_digest(core) == before


def test_conversion_error_leaves_the_core_untouched(tmp_path):
    """An image that reads fine but cannot be converted (a class whose format is not a
    SmallInteger) raises before anything reaches the core."""
    from catalyst.frontend.image_reader import read_image
    path = _image("mini.image")
    img = read_image(path)
    classes = Classes(img)
    point = img.objects[classes.named("Point")]
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, point.offset + 4 + 4 * 2, img.objects[img.nil].oop)
    bad = tmp_path / "badformat.image"
    bad.write_bytes(bytes(data))
    core = Core()
    load_image(_image("headless.image"), core)
    before = memory_digest(core)
    with pytest.raises(ImageFormatError, match="Point has no SmallInteger format"):
        load_image(bad, core)
    assert memory_digest(core) == before
