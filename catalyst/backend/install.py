"""From WAT text to a function in the VM's table.

assemble (wasmtime's wat2wasm: syntax errors come back as Python errors) -> binaryen validates
(and optionally optimizes) -> wasmtime compiles it in the core's engine -> instantiated in the
core's store against the core's exports -> stored in `jit_table` -> `method_install`.
Nothing binaryen rejects is installed: ValidationError carries binaryen's message.
"""
from __future__ import annotations

import wasmtime

from catalyst.backend import binaryen
from catalyst.vm.core import Core, engine


class InstallError(Exception):
    def __init__(self, phase: str, message: str):
        self.phase = phase
        super().__init__(f"{phase}: {message}")


def assemble(wat: str, optimize: int = 0) -> bytes:
    try:
        wasm = bytes(wasmtime.wat2wasm(wat))
    except wasmtime.WasmtimeError as e:
        raise InstallError("assemble", str(e)) from None
    try:
        if optimize:
            return binaryen.optimize(wasm, optimize)
        binaryen.validate(wasm)
    except binaryen.ValidationError as e:
        raise InstallError("validate", str(e)) from None
    return wasm


class Installer:
    """Puts translated functions into one core's table."""

    def __init__(self, core: Core):
        self.core = core
        self.next_index = 1          # table index 0 stays empty: "not translated"
        self.instances = []          # keep instances alive

    def imports_for(self, module: wasmtime.Module):
        out = []
        for imp in module.imports:
            if imp.module != "core":
                raise InstallError("link", f"unknown import module {imp.module!r}")
            out.append(self.core.export(imp.name))
        return out

    def install(self, method: int, wasm: bytes) -> int:
        core = self.core
        try:
            module = wasmtime.Module(engine(), wasm)
            inst = wasmtime.Instance(core.store, module, self.imports_for(module))
        except wasmtime.WasmtimeError as e:
            raise InstallError("compile", str(e)) from None
        func = inst.exports(core.store)["method"]
        index = self.next_index
        table = core.table
        if index >= table.size(core.store):
            table.grow(core.store, max(64, table.size(core.store)), None)
        table.set(core.store, index, func)
        self.next_index += 1
        self.instances.append(inst)
        if not core.call("method_install", method, index):
            raise InstallError("install", "the VM has no room for another method record")
        return index
