"""The core assembles from wat/, binaryen validates it, and every Core is independent."""
import pytest
import wasmtime

from catalyst.backend import binaryen
from catalyst.vm import build
from catalyst.vm.core import Core


def test_core_module_builds_and_validates():
    wasm = build.core_wasm()
    assert wasm[:4] == b"\0asm"
    binaryen.validate(wasm)            # raises on an invalid module


def test_binaryen_rejects_ill_typed_module_with_its_message():
    bad = bytes(wasmtime.wat2wasm("(module (func (result i32) (i64.const 1)))"))
    with pytest.raises(binaryen.ValidationError) as err:
        binaryen.validate(bad)
    assert "function body type must match" in str(err.value)


def test_two_cores_do_not_share_memory():
    a, b = Core(), Core()
    a.set_u32(0x1000, 1234)
    assert b.u32(0x1000) == 0
    assert a.u32(0x1000) == 1234


def test_wat_sources_shipped_as_package_data():
    names = [name for name, _ in build.wat_sources()]
    assert names[0] == "00_decls.wat"
    assert names == sorted(names)
