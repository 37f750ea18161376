"""Readers of real Squeak images (skip when ../shared/images is absent) and bad input."""
import struct

import pytest

from catalyst.frontend.image_reader import ImageFormatError, decode_all, info, read_image


def test_spur_headless_image(image_path):
    img = read_image(image_path("headless.image"))
    s = info(img)
    assert (s["format"], s["kind"], s["byte_order"]) == (6521, "Spur 32-bit", "little")
    assert s["methods"] == 918 and 2400 < s["objects"] < 2600
    assert s["special_objects"]["SmallInteger"] == "SmallInteger"
    assert s["special_objects"]["nil"].endswith("(a UndefinedObject)")
    total, ok, _ = decode_all(img)
    assert ok == total == 918


def test_pre_spur_mini_image(image_path):
    img = read_image(image_path("mini.image"))
    s = info(img)
    assert (s["format"], s["kind"]) == (6502, "pre-Spur 32-bit")
    assert s["bytecode_sets"] == {"V3 (pre-closure)": s["methods"]} and s["methods"] > 4000
    names = {img.class_name(c) for c in {img.class_of(o) for o in img.objects.values()}}
    assert {"Array", "Dictionary", "CompiledMethod", "Symbol", "BlockContext"} <= names
    assert s["special_objects"]["SmallInteger"] == "SmallInteger"
    total, ok, _ = decode_all(img)
    assert ok > 0.95 * total


def test_truncated_image_names_the_offset(image_path, tmp_path):
    data = image_path("mini.image").read_bytes()
    bad = tmp_path / "trunc.image"
    bad.write_bytes(data[:5000])
    with pytest.raises(ImageFormatError) as e:
        read_image(bad)
    assert "truncated" in str(e.value) and e.value.offset == 5000


def test_unknown_format(tmp_path):
    bad = tmp_path / "x.image"
    bad.write_bytes(struct.pack("<16I", 1234, 64, 0, 0, 0, *([0] * 11)))
    with pytest.raises(ImageFormatError, match="unknown image format 1234"):
        read_image(bad)


def test_corrupt_object_header(image_path, tmp_path):
    data = bytearray(image_path("headless.image").read_bytes())
    # make the first object claim far more slots than the file holds
    struct.pack_into("<I", data, 64 + 4, (254 << 24) | 1)
    bad = tmp_path / "corrupt.image"
    bad.write_bytes(bytes(data[:4096]) + bytes(data[4096:]))
    with pytest.raises(ImageFormatError):
        read_image(bad)


def test_cli_image_info(image_path):
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "catalyst.cli", "image", "info",
                        str(image_path("headless.image"))], capture_output=True, text=True)
    assert r.returncode == 0 and "Spur 32-bit (format 6521)" in r.stdout
    assert "918 methods (918 decode cleanly)" in r.stdout
