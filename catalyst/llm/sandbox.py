"""Running one method activation at a time on saved VM state, and putting everything back.

`Sandbox(vm)` is a context manager. On entry it turns the hot-method hook off (nothing is
translated while candidates are checked), sends the VM's output (Transcript, stdout, stderr)
into a buffer, and saves what a run can change: the class table, the interpreter's method
cache, inline caches and method info records, the host handles, the free lists, the object heap
and every exported mutable global of the core (object memory state and statistics). Every `run`
starts from that saved state (the inline caches only on exit, or after a run that changed
the class table: they are caches), is bounded in time (Core.time_limit), and is
described structurally (`Outcome`); a trap or a timeout is an outcome, never an exception. On
exit the state, the statistics, the output and the hook are put back: the program never sees
the runs.

Copies go through the memory's raw pointer with ctypes.memmove (tens of megabytes per
millisecond), which is what makes restoring the whole heap before every run affordable.
"""
from __future__ import annotations

import ctypes
import math
import struct
import time
from dataclasses import dataclass

import wasmtime

from catalyst.vm.heap import HeapReader
from catalyst.vm.vm import HALT_REASONS

# regions of the memory map (wat/00_decls.wat, wat/10_objmem.wat) restored before every run:
# the class table and the global method cache, the VM roots, the free lists with their byte
# counters; the used method info records and the heap are added at snapshot time
CLASS_TABLE = (0x10000, 0x20000)
JIT_CELLS = (0x8E0000, 0x8E0100)        # native depth, the translated and fast-path counts
EVERY_RUN = (CLASS_TABLE, (0x20000, 0x60000), JIT_CELLS, (0x8F0000, 0x900000), (0x2A00000, 0x2A01000))
# restored on exit, and before a run that follows one that changed the class table (their
# entries name classes by index): the inline caches, all info records and the host handles
INFO_TABLE = 0x460000
ON_EXIT = ((0x60000, INFO_TABLE), (INFO_TABLE, 0x860000), (0x860000, JIT_CELLS[0]),
           (JIT_CELLS[1], 0x8F0000))   # the validity bytes of translations (as the info records)
STATISTICS = ("stat_interpreted_activations", "stat_sends", "stat_bailouts", "stat_primitive_calls")


class MemoryReader(HeapReader):
    """A HeapReader that reads linear memory through its raw pointer: describing outcomes reads
    many small words, and each read through wasmtime's Memory API costs tens of microseconds.
    `refresh()` after anything that may have grown the memory."""

    def __init__(self, core):
        super().__init__(core)
        self.refresh()

    def refresh(self):
        self.base = ctypes.addressof(self.core.memory.data_ptr(self.core.store).contents)
        self.names: dict[int, str] = {}

    def class_name(self, cls: int) -> str:
        name = self.names.get(cls)
        if name is None:
            name = self.names[cls] = super().class_name(cls)
        return name

    def u32(self, addr: int) -> int:
        return int.from_bytes(ctypes.string_at(self.base + addr, 4), "little")

    def bytes_of(self, oop: int) -> bytes:
        return ctypes.string_at(self.base + oop + 8, self.byte_size(oop))

    def float_of(self, oop: int) -> float:
        return struct.unpack("<d", ctypes.string_at(self.base + oop + 8, 8))[0]


class Unobserved:
    """The pass's own evaluations (making validation inputs): they happen for real, but do not
    count in the program's activation statistics and translate nothing."""

    def __init__(self, vm):
        self.core = vm.core

    def __enter__(self):
        self.saved = {g: self.core.global_value(g) for g in STATISTICS + ("jit_enabled",)}
        self.cells = self.core.read_bytes(JIT_CELLS[0], JIT_CELLS[1] - JIT_CELLS[0])
        self.core.call("set_jit_enabled", 0)
        return self

    def __exit__(self, *exc):
        for g, v in self.saved.items():
            self.core.set_global(g, v)
        self.core.write_bytes(JIT_CELLS[0], self.cells)
        self.core.call("set_jit_enabled", self.saved["jit_enabled"])   # and the loop's hot limit
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
        self.heap = MemoryReader(vm.core)

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
        used_info = (INFO_TABLE, INFO_TABLE + 16 * (core.global_value("info_next") + 1))
        heap = (core.global_value("heap_start"), core.global_value("heap_end"))
        self._every = [self._copy(r) for r in EVERY_RUN + (used_info, heap)]
        self._exit = [self._copy(r) for r in ON_EXIT]
        self._heap_copy = self._every[-1]
        self._saved_globals = self._globals()
        self._quit_code = core.quit_code

    def _copy(self, region):
        lo, hi = region
        buf = ctypes.create_string_buffer(hi - lo)
        ctypes.memmove(buf, self._base() + lo, hi - lo)
        return lo, hi, buf

    def restore(self, everything: bool = False):
        """Put the saved state back: what a run changes, or (on exit, or after a run that
        changed the class table) everything."""
        base = self._base()
        lo, hi, classes = self._every[0]
        everything = everything or ctypes.string_at(base + lo, hi - lo) != classes.raw
        for lo, hi, buf in self._every + (self._exit if everything else []):
            ctypes.memmove(base + lo, buf, hi - lo)
        for name, value in self._saved_globals.items():
            self.core.set_global(name, value)
        self.core.quit_code = self._quit_code

    def __enter__(self):
        core = self.core
        self._hook = core.on_method_hot
        core.on_method_hot = lambda method: None
        # a run that changes method dictionaries is undone with the rest: the tiering must not
        # drop translations for it
        self._changed = getattr(core, "on_code_changed", None)
        core.on_code_changed = lambda selector: None
        # translations under runtime validation (--validate N) run as they are: their
        # trampolines would otherwise compare (and count) activations of these runs
        self._jit = getattr(self.vm, "jit", None)
        self._validating = getattr(self._jit, "validating", False)
        if self._jit is not None:
            self._jit.validating = True
        self._out, self._err = core._out, core._err      # noqa: SLF001 (the core's output sinks)
        core._out = core._err = self.output.extend
        self.save()
        core.call("set_jit_enabled", 0)     # restored with the other globals on exit
        return self

    def __exit__(self, *exc):
        self.restore(everything=True)
        core = self.core
        core.on_method_hot = self._hook
        core.on_code_changed = self._changed
        if self._jit is not None:
            self._jit.validating = self._validating
        core._out, core._err = self._out, self._err
        return False

    # --- runs ------------------------------------------------------------------------------
    def run(self, receiver: int, method: int, seconds: float | None = None,
            prepare=None) -> Outcome:
        """Run method on receiver (no arguments: drivers take theirs from the receiver) from the
        saved state, at most `seconds`; describe the result and the receiver afterwards.
        `prepare()` runs after the state is restored (to install the translation under test)."""
        self.restore()
        self.core.call("set_jit_enabled", 0)
        if prepare is not None:
            prepare()
        self.output.clear()
        self.runs += 1
        core = self.core
        before = core.call("translated_activations")
        limit = self.seconds if seconds is None else seconds
        t0 = time.perf_counter()
        interrupted = False
        with core.time_limit(limit):
            try:
                # the export itself, not core.call: a trap here needs no Smalltalk stack (which
                # after a runaway recursion is long to describe)
                result = core.export("vm_run")(core.store, receiver, method, self.vm.nil)
                trap = None
            except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
                result, trap = 0, e
                interrupted = core.interrupt_requested()
        elapsed = time.perf_counter() - t0
        translated = core.call("translated_activations") - before
        if trap is not None:
            if interrupted:
                return Outcome("timeout", f"did not finish within {limit:.2f} s", elapsed, translated)
            text = str(getattr(trap, "message", None) or trap)
            return Outcome("trap", "WASM trap: " + text.splitlines()[-1].strip(), elapsed, translated)
        code = core.global_value("halt_code")
        out = bytes(self.output).decode("latin-1")
        self.heap.refresh()
        if code == 1:
            obj = core.call("halt_object")
            text = self.heap.string_of(obj) if obj and not obj & 3 else "Error"
            return Outcome("error", f"error {text!r} output {out!r}", elapsed, translated)
        if code:
            return Outcome("halt", HALT_REASONS.get(code, f"halt {code}"), elapsed, translated)
        text = (f"answer {describe(self.heap, result, self.existed)} receiver after "
                f"{describe(self.heap, receiver, self.existed, 3)} output {out!r}")
        return Outcome("value", text, elapsed, translated)


    def existed(self, oop: int) -> bool:
        """Was oop an object in the saved state (same class index and identity hash there)?
        Identity is only comparable for those: new objects may land anywhere."""
        lo, hi, buf = self._heap_copy
        if not lo <= oop < hi - 8:
            return False
        old = int.from_bytes(ctypes.string_at(ctypes.addressof(buf) + oop - lo, 8), "little")
        now = int.from_bytes(ctypes.string_at(self.heap.base + oop, 8), "little")
        mask = 0x3FFFFF | (0x3FFFFF << 32)          # class index and identity hash
        return old & 0x3FFFFF != 0 and old & mask == now & mask


def describe(h: HeapReader, oop: int, existed, depth: int = 2) -> str:
    """A value as two runs from the same saved state can compare it: immediates by value,
    objects that existed before the run (`existed(oop)`) by identity and, to `depth`, contents;
    new objects by class and contents. NaNs compare equal whatever their bits."""
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
            return f"{ident}:{name}:{b''.join(h.slot(oop, i).to_bytes(4, 'little') for i in range(h.num_slots(oop))).hex()}"
        if depth == 0 or fmt >= 6:
            return f"{ident}:{name}"
        n = h.num_slots(oop)
        inner = " ".join(describe(h, h.slot(oop, i), existed, depth - 1) for i in range(min(n, 32)))
        return f"{ident}:{name}({inner}{' ...' if n > 32 else ''})"
    except Exception:
        return f"<unreadable {oop:#x}>"
