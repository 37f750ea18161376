"""Runtime validation of fresh translations, and rollback.

With validation on (`Tiering(validate=N)`, `--validate N`), a freshly installed translation is
first reached through a trampoline: for its first N activations the trampoline saves the heap,
the frame stack and the object memory's globals, runs the translation, describes its result,
restores the saved state, runs the same activation in the interpreter, and compares. On a
mismatch the translation is uninstalled and a record (method, inputs, both results) is kept; the
program always continues with the interpreter's result. After N agreeing activations the
trampoline is replaced by the translation itself.
"""
from __future__ import annotations

import wasmtime

STATE_GLOBALS = ("heap_end", "last_hash", "free_large", "allocated_since_gc", "gc_threshold",
                 "info_next", "info_free", "handle_next")


def describe(vm, oop: int, depth: int = 2) -> str:
    """A structural description of a value, comparable across two runs (identity-free)."""
    h = vm.heap
    oop &= 0xFFFFFFFF          # wasmtime hands i32 results to Python as signed
    if oop & 1:
        v = oop >> 1
        return str(v - (1 << 31) if v & (1 << 30) else v)
    if oop & 2:
        return f"${chr(oop >> 2)}"
    try:
        name = h.class_name(h.class_of(oop))
        fmt = h.fmt(oop)
        if fmt >= 16:
            return f"{name}:{h.bytes_of(oop).hex()}"
        if fmt == 10:
            return f"{name}:{h.core.read_bytes(oop + 8, 4 * h.num_slots(oop)).hex()}"
        if depth == 0 or fmt >= 6:
            return name
        n = min(h.num_slots(oop), 16)
        return name + "(" + " ".join(describe(vm, h.slot(oop, i), depth - 1) for i in range(n)) + ")"
    except Exception:
        return "<unreadable>"


class Validator:
    def __init__(self, tiering, activations: int):
        self.t = tiering
        self.vm = tiering.vm
        self.core = tiering.core
        self.n = activations
        self.mismatches: list[dict] = []
        self.validated = 0
        self.pending: dict[int, dict] = {}    # table index -> trampoline, real, checks left

    def save(self, fp: int):
        core = self.core
        heap_start = core.global_value("heap_start")
        stack_base = core.global_value("stack_base")
        end = core.global_value("heap_end")
        top = fp + 4096
        return (core.read_bytes(heap_start, end - heap_start), core.read_bytes(stack_base, top - stack_base),
                core.read_bytes(0x2A00000, 1024),
                {g: core.global_value(g) for g in STATE_GLOBALS})

    def restore(self, snap):
        heap, stack, free_lists, globals_ = snap
        core = self.core
        core.write_bytes(core.global_value("heap_start"), heap)
        core.write_bytes(core.global_value("stack_base"), stack)
        core.write_bytes(0x2A00000, free_lists)
        for g, v in globals_.items():
            core.set_global(g, v)

    def trampoline(self, method: int, index: int, real):
        """A host function standing in the table for `real` during validation. While one
        activation is being checked, every translation under validation is back in the table
        as itself: nested activations (recursion, direct calls between translations) run as WASM
        calls, so Python's stack never grows with the Smalltalk one."""
        core = self.core
        ty = wasmtime.FuncType([wasmtime.ValType.i32()], [wasmtime.ValType.i32()])
        entry = {"left": self.n, "real": real}

        def run(fp: int) -> int:
            if self.t.validating or core.u32(fp + 20):
                # inside another check, or a block body's activation: run as it is
                return real(core.store, fp)
            self.t.validating = True
            self.unplug()
            try:
                return check(fp)
            finally:
                self.t.validating = False
                self.replug()

        def check(fp: int) -> int:
            flags = core.u32(fp + 24)
            nargs = flags & 255
            inputs = [describe(self.vm, core.u32(fp + 28 + 4 * k), 1) for k in range(nargs + 1)]
            snap = self.save(fp)
            r1 = real(core.store, fp)
            if r1 == 0:           # deoptimized or unwinding: nothing to compare this time
                return 0
            d1 = describe(self.vm, r1)
            self.restore(snap)
            # the interpreter replays the activation from the method's first bytecode (frames
            # that translated code builds carry no FRAME_IP/FRAME_SP of their own yet)
            m = self.t.method_input(method)
            core.set_u32(fp + 8, m.first_pc + (3 if m.bytecodes[:1] == b"\x8b" else 0))
            core.set_u32(fp + 12, fp + 28 + 4 * m.num_temps)
            core.set_global("fp", fp)
            r2 = core.call("vm_resume_frame", fp)
            if r2 == 0:
                return 0
            d2 = describe(self.vm, r2)
            # hand the frame back to the caller, who pops it as after any translated call
            core.set_global("fp", fp)
            core.set_u32(fp + 24, nargs)
            if d1 != d2:
                core.call("method_uninstall", method)
                self.t.translated.pop(method, None)
                self.pending.pop(index, None)
                rec = {"type": "validation_mismatch", "phase": "validate",
                       "method": self.t.method_input(method).name, "inputs": inputs,
                       "translated_result": d1, "interpreter_result": d2,
                       "fallback": "interpreter result used; translation uninstalled"}
                self.mismatches.append(rec)
                self.t.failures.append(rec)
                return r2
            self.validated += 1
            entry["left"] -= 1
            if entry["left"] <= 0:
                self.pending.pop(index, None)     # checked enough: the translation stays itself
            return r2

        tramp = wasmtime.Func(core.store, ty, run)
        entry["trampoline"] = tramp
        self.pending[index] = entry
        return tramp

    def unplug(self):
        for index, e in self.pending.items():
            self.core.table.set(self.core.store, index, e["real"])

    def replug(self):
        for index, e in self.pending.items():
            self.core.table.set(self.core.store, index, e["trampoline"])
