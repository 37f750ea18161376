"""The VM core instantiated with wasmtime: imports the host provides, raw memory access, traps.

`Core` is the lowest layer of the Python host: one wasmtime Store, one instance of the core
module, its memory and its funcref table. Everything above it (object creation, the image
builder, `VM`) goes through this class. Several Cores in one process share nothing but the
wasmtime Engine (and the compiled Module, which is immutable).
"""
from __future__ import annotations

import ctypes
import math
import struct
import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable

import wasmtime

from catalyst.backend.lower import INTERRUPT_CELL
from catalyst.vm import build

_ENGINE: wasmtime.Engine | None = None
_MODULES: dict[int, wasmtime.Module] = {}


def engine() -> wasmtime.Engine:
    """One engine for the process; wasm stack generous so deep translated recursion is fine."""
    global _ENGINE
    if _ENGINE is None:
        cfg = wasmtime.Config()
        cfg.wasm_tail_call = True
        cfg.wasm_threads = True      # atomic loads of the interrupt cell (Core.time_limit)
        # No epoch interruption: its check ran at every loop head, which in the interpreter is
        # every bytecode (14% of benchFib). Time limits use the core's own interrupt request,
        # looked at only at sends, backward jumps and translated code's entries and loop heads
        # (Core.time_limit).
        cfg.cranelift_opt_level = "speed"
        # the host keeps raw pointers into linear memory across growth: the interrupt cell a
        # timer thread writes (Core.time_limit) must not move under it
        cfg.memory_may_move = False
        cfg.max_wasm_stack = 1 << 20   # must stay below wasmtime's async stack size (2 MB)
        _ENGINE = wasmtime.Engine(cfg)
    return _ENGINE


def core_module(optimize: int = 0) -> wasmtime.Module:
    """The compiled core module (compiled once per process per optimize level)."""
    mod = _MODULES.get(optimize)
    if mod is None:
        mod = wasmtime.Module(engine(), build.core_wasm(optimize))
        _MODULES[optimize] = mod
    return mod


class VMTrap(Exception):
    """A WASM trap inside the core (or translated code), converted to a Python exception.

    `where` names the Smalltalk method and pc of the frame that was running, when known.
    """

    def __init__(self, message: str, where: str = "", trap: BaseException | None = None,
                 interrupted: bool = False):
        super().__init__(f"{message}{' in ' + where if where else ''}")
        self.where = where
        self.trap = trap
        # the run stopped because the host asked it to (a time limit), not for a fault
        self.interrupted = interrupted


MATH_OPS = (math.sin, math.cos, math.atan, math.log, math.exp)


class Core:
    """One instance of the VM core with its own memory, table and counters."""

    def __init__(self, optimize: int = 0, stdout: Callable[[bytes], None] | None = None,
                 stderr: Callable[[bytes], None] | None = None):
        self.store = wasmtime.Store(engine())
        self._deadlines: list[float] = []      # of the time limits in force (time_limit)
        self._out = stdout or (lambda b: (sys.stdout.buffer.write(b), sys.stdout.flush()))
        self._err = stderr or (lambda b: (sys.stderr.buffer.write(b), sys.stderr.flush()))
        self.on_method_hot: Callable[[int], None] = lambda method: None
        self.on_named_prim: Callable[[int, int, int, int], int] = lambda m, n, sp, argc: 0
        self.on_code_changed: Callable[[int], None] = lambda selector: None
        self.quit_code: int | None = None
        module = core_module(optimize)
        linker = wasmtime.Linker(engine())
        i32, i64, f64 = wasmtime.ValType.i32(), wasmtime.ValType.i64(), wasmtime.ValType.f64()

        def define(name, params, results, fn):
            linker.define_func("host", name, wasmtime.FuncType(params, results), fn)

        define("method_hot", [i32], [], lambda m: self.on_method_hot(m))
        define("write", [i32, i32, i32], [], self._write)
        define("time_ms", [], [i64], lambda: int(time.monotonic() * 1000))
        define("time_us", [], [i64], lambda: time.time_ns() // 1000)   # UTC, from 1970
        define("math1", [i32, f64], [f64], self._math1)
        define("quit", [i32], [], self._quit)
        define("code_changed", [i32], [], lambda sel: self.on_code_changed(sel))
        define("float_repr", [f64, i32], [i32], self._float_repr)
        define("named_prim", [i32, i32, i32, i32], [i32],
               lambda m, n, sp, argc: self.on_named_prim(m, n, sp, argc))
        self.instance = linker.instantiate(self.store, module)
        exports = self.instance.exports(self.store)
        self.memory: wasmtime.Memory = exports["memory"]
        self._view: memoryview | None = None
        self._view_len = -1
        self.table: wasmtime.Table = exports["jit_table"]
        self._exports = exports

    # --- host imports -------------------------------------------------------------------
    def _write(self, ptr: int, length: int, fd: int) -> None:
        data = self.read_bytes(ptr, length)
        (self._err if fd == 2 else self._out)(data)

    @staticmethod
    def _math1(op: int, x: float) -> float:
        """libm's answer (what Squeak's primitives answer); Python raises where C gives an
        infinity: log(+-0) is -inf, exp overflows to +inf."""
        try:
            return MATH_OPS[op](x)
        except OverflowError:
            return math.inf
        except ValueError:
            return -math.inf if op == 3 and x == 0 else math.nan
        except IndexError:
            return math.nan

    def _float_repr(self, x: float, ptr: int) -> int:
        text = repr(x).encode()
        self.write_bytes(ptr, text)
        return len(text)

    def _quit(self, code: int) -> None:
        self.quit_code = code

    # --- exports ------------------------------------------------------------------------
    def export(self, name: str):
        return self._exports[name]

    def call(self, name: str, *args):
        """Call an exported core function; a trap becomes VMTrap naming the Smalltalk frame."""
        fn = self._exports[name]
        try:
            return fn(self.store, *args)
        except wasmtime.Trap as e:
            where = self.describe_translated(e) or self.describe_current_frame()
            if self.interrupt_requested():
                raise VMTrap("interrupted by the host (a time limit)", where, e,
                             interrupted=True) from None
            raise VMTrap(f"WASM trap: {e.message if hasattr(e, 'message') else e}", where, e) from None
        except wasmtime.WasmtimeError as e:
            raise VMTrap(f"WASM error: {e}", self.describe_current_frame(), e) from None

    def global_value(self, name: str) -> int:
        return self._exports[name].value(self.store)

    def set_global(self, name: str, value: int) -> None:
        self._exports[name].set_value(self.store, value)

    # --- interrupts ---------------------------------------------------------------------
    # The request is the i32 at jit_cells+24 (INTERRUPT_CELL; wat/30_interp.wat, $interrupt_check). A timer
    # thread writes it straight into linear memory while the main thread runs Smalltalk: the
    # store is not thread-safe, but a word of memory is, and the engine does not let memory
    # move when it grows (engine(): memory_may_move), so the address stays valid.
    def _interrupt_cell(self) -> ctypes.c_int32:
        base = ctypes.addressof(self.memory.data_ptr(self.store).contents)
        return ctypes.c_int32.from_address(base + INTERRUPT_CELL)

    def interrupt_requested(self) -> bool:
        return self._interrupt_cell().value != 0

    def clear_interrupt(self) -> None:
        self._interrupt_cell().value = 0

    @contextmanager
    def time_limit(self, seconds: float | None):
        """Stop what runs inside after `seconds` (None or 0: no limit): the running code traps
        at its next send, backward jump or translated loop head, and the caller sees a VMTrap
        whose `interrupted` is set. Limits nest (a sandbox run inside a program run under
        --timeout): leaving an inner one renews the request if an outer one has run out."""
        if not seconds:
            yield
            return
        cell = self._interrupt_cell()

        def request():
            cell.value = 1

        deadline = time.monotonic() + seconds
        self._deadlines.append(deadline)
        timer = threading.Timer(seconds, request)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            timer.join()          # a request being made now lands before it is cleared
            self._deadlines.remove(deadline)
            self.clear_interrupt()
            if any(d <= time.monotonic() for d in self._deadlines):
                cell.value = 1

    # --- memory -------------------------------------------------------------------------
    def view(self) -> memoryview:
        """The linear memory as a memoryview (wasmtime's Memory.read/write copy through several
        layers per call; the host reads the heap a word at a time). Re-made when the memory has
        grown: only then can its address or size change."""
        n = self.memory.data_len(self.store)
        if n != self._view_len:
            base = ctypes.addressof(self.memory.data_ptr(self.store).contents)
            self._view = memoryview((ctypes.c_ubyte * n).from_address(base)).cast("B")
            self._view_len = n
        return self._view

    def read_bytes(self, addr: int, n: int) -> bytes:
        if addr < 0 or n < 0:
            raise IndexError(f"memory read at {addr:#x} of {n} bytes")
        view = self.view()
        if addr + n > len(view):
            raise IndexError(f"memory read at {addr:#x} of {n} bytes is out of bounds")
        return view[addr:addr + n].tobytes()

    def write_bytes(self, addr: int, data: bytes) -> None:
        view = self.view()
        if addr < 0 or addr + len(data) > len(view):
            raise IndexError(f"memory write at {addr:#x} of {len(data)} bytes is out of bounds")
        view[addr:addr + len(data)] = data

    def u32(self, addr: int) -> int:
        return struct.unpack_from("<I", self.view(), addr)[0]

    def set_u32(self, addr: int, value: int) -> None:
        struct.pack_into("<I", self.view(), addr, value & 0xFFFFFFFF)

    def f64(self, addr: int) -> float:
        return struct.unpack_from("<d", self.view(), addr)[0]

    def describe_translated(self, trap: wasmtime.Trap) -> str:
        """For a trap inside translated code (which does not keep the core's current frame up to
        date, ABI.md section 8): its method, from the innermost WASM frame of a translated
        module (named m<method oop> by the backend), and the pc its frame last recorded."""
        describe = getattr(self, "method_describer", None)
        for frame in getattr(trap, "frames", None) or []:
            name = frame.module_name or ""
            if name.startswith("m") and name[1:].isdigit() and describe is not None:
                try:
                    return f"{describe(int(name[1:]))} (translated code)"
                except Exception:
                    return f"the translated method at {int(name[1:]):#x}"
        return ""

    def describe_current_frame(self) -> str:
        """'Class>>selector pc N' for the running frame, filled in by the higher layers."""
        describe = getattr(self, "frame_describer", None)
        if describe is None:
            return ""
        try:
            return describe()
        except Exception:   # the memory may be in any state after a trap
            return ""
