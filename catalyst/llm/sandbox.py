"""Running one method activation at a time on saved VM state, and putting everything back.

`Sandbox(vm)` is a context manager. On entry it turns the hot-method hook off (nothing is
translated while candidates are checked), sends the VM's output (Transcript, stdout, stderr)
into a buffer, and saves what a run can change: the class table, the interpreter's method
cache, inline caches and method info records, the host handles, the free lists, the object heap
and every exported mutable global of the core (object memory state and statistics). Every `run`
starts from that saved state, is bounded in time by wasmtime's epoch interruption, and is
described structurally (`Outcome`); a trap or a timeout is an outcome, never an exception. On
exit the state, the statistics, the output and the hook are put back: the program never sees
the runs.

Copies go through the memory's raw pointer with ctypes.memmove (tens of megabytes per
millisecond), which is what makes restoring the whole heap before every run affordable.
"""
from __future__ import annotations

import ctypes
import math
import threading
import time
from dataclasses import dataclass

import wasmtime

from catalyst.vm.core import engine
from catalyst.vm.vm import HALT_REASONS

# fixed regions of the memory map (wat/00_decls.wat): class table .. VM roots, and the free
# lists with their byte counters (wat/10_objmem.wat); the heap is added at snapshot time
FIXED_REGIONS = ((0x10000, 0x900000), (0x2A00000, 0x2A01000))
FAR_DEADLINE = 1 << 62
STATISTICS = ("stat_interpreted_activations", "stat_translated_activations", "stat_sends",
              "stat_bailouts", "stat_primitive_calls")


class Unobserved:
    """The pass's own evaluations (making validation inputs): they happen for real, but do not
    count in the program's activation statistics and translate nothing."""

    def __init__(self, vm):
        self.core = vm.core

    def __enter__(self):
        self.saved = {g: self.core.global_value(g) for g in STATISTICS + ("jit_enabled",)}
        self.core.set_global("jit_enabled", 0)
        return self

    def __exit__(self, *exc):
        for g, v in self.saved.items():
            self.core.set_global(g, v)
        return False


@dataclass(frozen=True)
class Outcome:
    kind: str            # "value", "error" (an unhandled Smalltalk error), "halt", "trap", "timeout"
    text: str            # the structural description compared between runs
    seconds: float
    translated: int      # translated activations during the run

    @property
    def usable(self) -> bool:
        """Can this run serve as the reference? Resource exhaustion says nothing about semantics."""
        return self.kind in ("value", "error")


class Sandbox:
    def __init__(self, vm, seconds: float = 0.25):
        self.vm = vm
        self.core = vm.core
        self.seconds = seconds
        self.output = bytearray()
        self.runs = 0
        self._saved = None

    # --- state -----------------------------------------------------------------------------
    def _base(self) -> int:
        return ctypes.addressof(self.core.memory.data_ptr(self.core.store).contents)

    def _globals(self) -> dict:
        out = {}
        for name, ext in self.core.instance.exports(self.core.store).items():
            if isinstance(ext, wasmtime.Global) and ext.type(self.core.store).mutable:
                out[name] = ext.value(self.core.store)
        return out

    def save(self):
        core = self.core
        regions = list(FIXED_REGIONS) + [(core.global_value("heap_start"), core.global_value("heap_end"))]
        base = self._base()
        copies = []
        for lo, hi in regions:
            buf = ctypes.create_string_buffer(hi - lo)
            ctypes.memmove(buf, base + lo, hi - lo)
            copies.append((lo, hi, buf))
        self._saved = (copies, self._globals(), core.quit_code)
        self._heap_copy = copies[-1]

    def restore(self):
        copies, globals_, quit_code = self._saved
        base = self._base()
        for lo, hi, buf in copies:
            ctypes.memmove(base + lo, buf, hi - lo)
        for name, value in globals_.items():
            self.core.set_global(name, value)
        self.core.quit_code = quit_code

    def __enter__(self):
        core = self.core
        self._hook = core.on_method_hot
        core.on_method_hot = lambda method: None
        self._out, self._err = core._out, core._err      # noqa: SLF001 (the core's output sinks)
        core._out = core._err = self.output.extend
        self.save()
        core.set_global("jit_enabled", 0)     # restored with the other globals on exit
        return self

    def __exit__(self, *exc):
        self.restore()
        core = self.core
        core.on_method_hot = self._hook
        core._out, core._err = self._out, self._err
        return False

    # --- runs ------------------------------------------------------------------------------
    def run(self, receiver: int, method: int, seconds: float | None = None,
            prepare=None) -> Outcome:
        """Run method on receiver (no arguments: drivers take theirs from the receiver) from the
        saved state, at most `seconds`; describe the result and the receiver afterwards.
        `prepare()` runs after the state is restored (to install the translation under test)."""
        self.restore()
        self.core.set_global("jit_enabled", 0)
        if prepare is not None:
            prepare()
        self.output.clear()
        self.runs += 1
        core = self.core
        before = core.global_value("stat_translated_activations")
        limit = self.seconds if seconds is None else seconds
        timer = threading.Timer(limit, engine().increment_epoch)
        timer.start()                 # (starting a thread takes longer than a small run)
        core.store.set_epoch_deadline(1)
        t0 = time.perf_counter()
        try:
            # the export itself, not core.call: a trap here needs no Smalltalk stack (which
            # after a runaway recursion is long to describe)
            result = core.export("vm_run")(core.store, receiver, method, self.vm.nil)
            trap = None
        except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
            result, trap = 0, e
        finally:
            timer.cancel()
            core.store.set_epoch_deadline(FAR_DEADLINE)
        elapsed = time.perf_counter() - t0
        translated = core.global_value("stat_translated_activations") - before
        if trap is not None:
            text = str(getattr(trap, "message", None) or trap)
            if "interrupt" in text:
                return Outcome("timeout", f"did not finish within {limit:.2f} s", elapsed, translated)
            return Outcome("trap", "WASM trap: " + text.splitlines()[-1].strip(), elapsed, translated)
        code = core.global_value("halt_code")
        out = bytes(self.output).decode("latin-1")
        if code == 1:
            obj = core.call("halt_object")
            text = self.vm.heap.string_of(obj) if obj and not obj & 3 else "Error"
            return Outcome("error", f"error {text!r} output {out!r}", elapsed, translated)
        if code:
            return Outcome("halt", HALT_REASONS.get(code, f"halt {code}"), elapsed, translated)
        text = (f"answer {describe(self.vm, result, self.existed)} receiver after "
                f"{describe(self.vm, receiver, self.existed, 3)} output {out!r}")
        return Outcome("value", text, elapsed, translated)


    def existed(self, oop: int) -> bool:
        """Was oop an object in the saved state (same class index and identity hash there)?
        Identity is only comparable for those: new objects may land anywhere."""
        lo, hi, buf = self._heap_copy
        if not lo <= oop < hi - 8:
            return False
        old = int.from_bytes(ctypes.string_at(ctypes.addressof(buf) + oop - lo, 8), "little")
        now = int.from_bytes(self.core.read_bytes(oop, 8), "little")
        mask = 0x3FFFFF | (0x3FFFFF << 32)          # class index and identity hash
        return old & 0x3FFFFF != 0 and old & mask == now & mask


def describe(vm, oop: int, existed, depth: int = 2) -> str:
    """A value as two runs from the same saved state can compare it: immediates by value,
    objects that existed before the run (`existed(oop)`) by identity and, to `depth`, contents;
    new objects by class and contents. NaNs compare equal whatever their bits."""
    h = vm.heap
    oop &= 0xFFFFFFFF
    if oop & 1:
        v = oop >> 1
        return str(v - (1 << 31) if v & (1 << 30) else v)
    if oop & 3 == 2:
        return f"${oop >> 2}"
    try:
        name = h.class_name(h.class_of(oop))
        fmt = h.fmt(oop)
        ident = f"@{oop:x}" if existed(oop) else "new"
        if name == "Float":
            x = h.float_of(oop)
            return f"{ident}:Float:{'nan' if math.isnan(x) else repr(x)}"
        if fmt >= 16:
            return f"{ident}:{name}:{h.bytes_of(oop).hex()}"
        if fmt == 10 or 12 <= fmt < 16:
            return f"{ident}:{name}:{h.core.read_bytes(oop + 8, 4 * h.num_slots(oop)).hex()}"
        if depth == 0 or fmt >= 6:
            return f"{ident}:{name}"
        n = h.num_slots(oop)
        inner = " ".join(describe(vm, h.slot(oop, i), existed, depth - 1) for i in range(min(n, 32)))
        return f"{ident}:{name}({inner}{' ...' if n > 32 else ''})"
    except Exception:
        return f"<unreadable {oop:#x}>"
