"""The VM as Python sees it: an object memory in a Core, evaluation of Smalltalk source, results
read back as Python values, statistics, and the Smalltalk stack when something goes wrong.

`VM.default()` is a VM on the embedded kernel image: built from catalyst/kernel/*.st the first
time and then restored from a snapshot cached on disk (keyed by the sources of the kernel, the
compiler and the core), so later starts are fast.
"""
from __future__ import annotations

import hashlib
import json
import struct
import time
import zlib
from importlib import resources
from pathlib import Path

from catalyst.frontend.chunks import ClassDef, ClassInstVars, DoIt, MethodChunk, read_chunks
from catalyst.frontend.compiler import ClassScope, CompiledMethodSpec, compile_doit, compile_method
from catalyst.frontend.errors import CompileError
from catalyst.frontend.literals import (Binding, ByteArr, Char, LitArray, MethodClassBinding,
                                        Sym)
from catalyst.vm import build
from catalyst.vm.core import Core, VMTrap
from catalyst.vm.heap import HeapReader, tag_char, tag_int, untag_int

HALT_REASONS = {1: "unhandled error", 2: "quit", 3: "out of memory", 4: "stack overflow",
                5: "message not understood by the VM (no doesNotUnderstand:) or bad method",
                6: "non-local return to a dead context"}
SNAPSHOT_GLOBALS = ("heap_end", "last_hash", "nil", "false", "true", "special_objects",
                    "info_next", "info_free", "free_large", "gc_threshold", "allocated_since_gc",
                    "handle_next", "heap_limit")


class SmalltalkError(Exception):
    """An unhandled Smalltalk error (or another halt of a run); `stack` is the Smalltalk stack."""

    def __init__(self, text: str, stack: list[str], code: int = 1):
        self.text, self.stack, self.code = text, stack, code
        super().__init__(text)


class VM:
    def __init__(self, core: Core):
        self.core = core
        self.heap = HeapReader(core)
        self.core.frame_describer = lambda: (self.stack() or [""])[0]
        self.jit = None
        self._symbols: dict[str, int] = {}
        self._globals: dict[str, int] = {}

    # --- construction ---------------------------------------------------------------------------
    @classmethod
    def default(cls, jit: str = "off", threshold: int | None = None, llm: bool = False,
                heap_limit: int = 1 << 30, stdout=None, validate: int = 0, **_) -> "VM":
        core = Core(stdout=stdout)
        vm = cls(core)
        vm.core.set_global("heap_limit", heap_limit)
        if not vm._restore_snapshot():
            vm._bootstrap()
            vm._save_snapshot()
        vm.core.set_global("heap_limit", heap_limit)
        vm.configure_jit(jit, threshold, llm, validate)
        return vm

    def configure_jit(self, mode: str = "off", threshold: int | None = None, llm: bool = False,
                      validate: int = 0):
        """off: never translate; on: translate methods that get hot; always: before first run."""
        if mode not in ("off", "on", "always"):
            raise ValueError(f"--jit must be off, on or always, not {mode!r}")
        self.jit_mode = mode
        if mode == "off":
            self.core.set_global("jit_enabled", 0)
            return
        try:
            from catalyst.jit import tiering
        except ImportError:
            self.jit = None
            return
        self.jit = tiering.Tiering(self, mode=mode, threshold=threshold, llm=llm, validate=validate)

    def _bootstrap(self):
        from catalyst.kernel.bootstrap import build_image
        b = build_image(self.core)
        self._symbols = dict(b.symbols)
        for d in b.doits:
            self.evaluate(d.source, filename=d.filename, line=d.line)
        self.evaluate("Smalltalk rehash. Symbol rehash", filename="<bootstrap>")

    @staticmethod
    def _cache_key() -> str:
        h = hashlib.sha256()
        for pkg in ("catalyst.kernel", "catalyst.frontend", "catalyst.wat"):
            root = resources.files(pkg)
            for p in sorted(root.iterdir(), key=lambda p: p.name):
                if p.name.endswith((".st", ".py", ".wat")):
                    h.update(p.name.encode())
                    h.update(p.read_bytes())
        h.update(Path(__file__).read_bytes())
        return h.hexdigest()[:24]

    def _snapshot_path(self) -> Path:
        return build.cache_dir() / f"kernel-{self._cache_key()}.snap"

    def _save_snapshot(self):
        core = self.core
        end = core.global_value("heap_end")
        data = zlib.compress(core.read_bytes(0, end), 1)
        meta = {g: core.global_value(g) for g in SNAPSHOT_GLOBALS}
        head = json.dumps(meta).encode()
        path = self._snapshot_path()
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(struct.pack("<I", len(head)) + head + data)
        tmp.replace(path)

    def _restore_snapshot(self) -> bool:
        path = self._snapshot_path()
        if not path.exists():
            return False
        raw = path.read_bytes()
        n = struct.unpack_from("<I", raw)[0]
        meta = json.loads(raw[4:4 + n])
        data = zlib.decompress(raw[4 + n:])
        core = self.core
        need = (len(data) + (16 << 20)) // 65536 + 1
        have = core.memory.size(core.store)
        if need > have:
            core.memory.grow(core.store, need - have)
        core.write_bytes(0, data)
        for g, v in meta.items():
            if g != "heap_limit":
                core.set_global(g, v)
        return True

    # --- globals and classes ----------------------------------------------------------------
    def special(self, i: int) -> int:
        return self.heap.slot(self.core.global_value("special_objects"), i)

    @property
    def nil(self) -> int:
        return self.core.global_value("nil")

    def smalltalk_assoc(self, name: str) -> int | None:
        """The association of a global in Smalltalk (the kernel's Dictionary layout)."""
        a = self._globals.get(name)
        if a is not None:
            return a
        d = self.special(8)
        arr = self.heap.slot(d, 1)
        for i in range(self.heap.num_slots(arr)):
            a = self.heap.slot(arr, i)
            if a != self.nil and not a & 3:
                k = self.heap.slot(a, 0)
                if not k & 3:
                    self._globals[self.heap.string_of(k)] = a
        return self._globals.get(name)

    def global_value(self, name: str) -> int | None:
        a = self.smalltalk_assoc(name)
        return None if a is None else self.heap.slot(a, 1)

    def class_named(self, name: str) -> int:
        meta = name.endswith(" class")
        base = name[:-6] if meta else name
        cls = self.global_value(base)
        if cls is None or cls & 3:
            raise KeyError(f"no class named {base}")
        return self.heap.class_of(cls) if meta else cls

    def lookup_method(self, cls: int, selector: str) -> int:
        """The CompiledMethod cls's method dictionary holds for selector, or 0."""
        return self.core.call("lookup", cls, self.symbol(selector))

    # --- compiling and running ------------------------------------------------------------
    def class_scope(self, cls: int) -> ClassScope:
        names = []
        c = cls
        while c != self.nil and c:
            iv = self.heap.slot(c, 3)
            if iv != self.nil and not iv & 3:
                names = [self.heap.string_of(self.heap.slot(iv, i))
                         for i in range(self.heap.num_slots(iv))] + names
            c = self.heap.slot(c, 0)
        return ClassScope(self.heap.class_name(cls), names, set(), lambda n: n[:1].isupper())

    def install_doit(self, spec: CompiledMethodSpec, cls: int) -> int:
        """Make a CompiledMethod object for spec in the live heap (through the core's allocator)."""
        return self.method_object(spec, cls)

    def evaluate(self, source: str, receiver: int | None = None, filename: str = "<doit>",
                 line: int = 1) -> int:
        """Compile source as a doIt, run it, answer the result oop (raises SmalltalkError)."""
        rcv = self.nil if receiver is None else receiver
        cls = self.heap.class_of(rcv)
        spec = compile_doit(source, self.class_scope(cls), filename, line - 1)
        meth = self.method_object(spec, cls)
        return self.run_method(rcv, meth)

    def run_method(self, receiver: int, method: int) -> int:
        core = self.core
        h = core.call("handle_new", method)
        h2 = core.call("handle_new", receiver)
        try:
            result = core.call("vm_run", receiver, method, self.nil)
        except VMTrap as e:
            self._reset_stack()
            if self.jit is not None and e.trap is not None:
                self.jit.uninstall_trapped(e.trap)   # the next run uses the interpreter
            raise
        finally:
            core.call("handle_free", h)
            core.call("handle_free", h2)
        code = core.global_value("halt_code")
        if code:
            stack = self.stack()
            if code == 1:
                obj = core.call("halt_object")
                text = self.heap.string_of(obj) if obj and not obj & 3 else "Error"
            elif code == 5 and core.global_value("dnu_selector"):
                text = "doesNotUnderstand: #" + self.heap.string_of(core.global_value("dnu_selector"))
            else:
                text = HALT_REASONS.get(code, f"halt {code}")
            self._reset_stack()
            if code == 2:
                raise SystemExit(core.quit_code or 0)
            raise SmalltalkError(text, stack, code)
        return result

    def _reset_stack(self):
        self.core.set_global("fp", 0)
        self.core.set_global("halt_code", 0)
        self.core.set_global("unwinding", 0)

    def stack(self) -> list[str]:
        """`Class>>selector (pc N)` for every frame, innermost first."""
        out = []
        fp = self.core.global_value("fp")
        seen = 0
        while fp and seen < 10000:
            try:
                m = self.core.u32(fp + 4)
                rcv = self.core.u32(fp + 28)
                sel = self.heap.method_selector(m)
                mcls = self.heap.method_class(m)
                where = self.heap.class_name(mcls) if mcls else "?"
                rc = self.heap.class_name(self.heap.class_of(rcv))
                if rc != where:
                    where = f"{rc}({where})"
                block = "[] in " if self.core.u32(fp + 24) & 0x100 else ""
                out.append(f"{block}{where}>>{sel} (pc {self.core.u32(fp + 8)})")
            except Exception:
                out.append(f"<frame at {fp:#x}>")
            fp = self.core.u32(fp)
            seen += 1
        return out

    def eval(self, source: str) -> str:
        """Evaluate source and answer the printString of its value."""
        text = self.print_string(self.evaluate(source))
        self.between_runs()
        return text

    def between_runs(self):
        """Work that must not happen inside a running program: the LLM pass's requests."""
        llm = getattr(self.jit, "llm", None)
        if llm is not None and llm.pending and not getattr(self, "_between", False):
            self._between = True
            try:
                llm.process_pending()
            finally:
                self._between = False

    def print_string(self, oop: int) -> str:
        h = self.core.call("handle_new", oop)
        try:
            spec = compile_doit("self printString", self.class_scope(self.heap.class_of(oop)))
            meth = self.method_object(spec, self.heap.class_of(oop))
            s = self.run_method(oop, meth)
        finally:
            self.core.call("handle_free", h)
        return self.heap.string_of(s)

    # --- making objects in the live heap --------------------------------------------------
    def alloc(self, class_oop: int, n: int = 0) -> int:
        oop = self.core.call("instantiate", class_oop, n)
        if not oop:
            raise MemoryError("the Smalltalk heap is full")
        return oop

    def new_string(self, s: str, cls_index: int = 6) -> int:
        data = s.encode("latin-1", "replace")
        oop = self.alloc(self.special(cls_index), len(data))
        self.core.write_bytes(oop + 8, data)
        return oop

    def symbol(self, name: str) -> int:
        """The Symbol for name, interned through the kernel's symbol table."""
        if not self._symbols:
            self._load_symbols()
        sym = self._symbols.get(name)
        if sym is None:
            spec = compile_doit(self._string_literal(name) + " asSymbol")
            sym = self.run_method(self.nil, self.method_object(spec, self.heap.class_of(self.nil)))
            self._symbols[name] = sym
        return sym

    def _load_symbols(self):
        """Read every Symbol of the kernel's SymbolTable (a Dictionary String -> Symbol)."""
        h = self.heap
        sym_cls = self.class_named("Symbol")
        pool = h.slot(sym_cls, 8)            # Class: ... name(6) classPool(7)? see class_scope
        table = None
        for idx in range(h.num_slots(sym_cls)):
            d = h.slot(sym_cls, idx)
            if d and not d & 3 and d != self.nil and h.num_slots(d) == 2:
                arr = h.slot(d, 1)
                if arr and not arr & 3 and h.fmt(arr) == 2:
                    for i in range(h.num_slots(arr)):
                        a = h.slot(arr, i)
                        if a != self.nil and not a & 3 and h.string_of(h.slot(a, 0)) == "SymbolTable":
                            table = h.slot(a, 1)
        del pool
        if table is None or table & 3:
            return
        arr = table if h.fmt(table) == 2 else h.slot(table, 1)
        n = h.num_slots(arr)
        raw = self.core.read_bytes(arr + 8, 4 * n)
        for i in range(n):
            a = struct.unpack_from("<I", raw, 4 * i)[0]
            if a != self.nil and not a & 3:
                sym = a if h.class_of(a) == sym_cls else h.slot(a, 1)
                if sym and not sym & 3 and sym != self.nil:
                    self._symbols[h.string_of(sym)] = sym

    @staticmethod
    def _string_literal(s: str) -> str:
        return "'" + s.replace("'", "''") + "'"

    def method_object(self, spec: CompiledMethodSpec, cls: int) -> int:
        """A CompiledMethod for spec, its literals made in the live heap."""
        core = self.core
        handles = []

        def keep(oop):
            if oop and not oop & 3:
                handles.append(core.call("handle_new", oop))
            return oop

        try:
            lits = [keep(self.literal(v, cls)) for v in spec.literals]
            nbytes = 4 * (1 + len(lits)) + len(spec.bytecodes) + len(spec.trailer)
            cm_class = self.special(16)
            m = core.call("alloc_bytes", core.call("ensure_class_index", cm_class), nbytes)
            if not m:
                raise MemoryError("the Smalltalk heap is full")
            body = tag_int(spec.header).to_bytes(4, "little") + b"".join(
                l.to_bytes(4, "little") for l in lits) + spec.bytecodes + spec.trailer
            core.write_bytes(m + 8, body)
            return m
        finally:
            for h in handles:
                core.call("handle_free", h)

    def literal(self, value, cls: int) -> int:
        nil = self.nil
        if value is True:
            return self.core.global_value("true")
        if value is False:
            return self.core.global_value("false")
        if value is None:
            return nil
        if isinstance(value, bool):
            return nil
        if isinstance(value, int):
            if -(1 << 30) <= value < (1 << 30):
                return tag_int(value)
            mag = abs(value)
            data = mag.to_bytes((mag.bit_length() + 7) // 8, "little")
            oop = self.alloc(self.special(13 if value > 0 else 42), len(data))
            self.core.write_bytes(oop + 8, data)
            return oop
        if isinstance(value, float):
            oop = self.alloc(self.special(9), 2)
            self.core.write_bytes(oop + 8, struct.pack("<d", value))
            return oop
        if isinstance(value, str):
            return self.new_string(value)
        if isinstance(value, Sym):
            return self.symbol(value.name)
        if isinstance(value, Char):
            return tag_char(value.code)
        if isinstance(value, LitArray):
            items = []
            hs = []
            for v in value.items:
                o = self.literal(v, cls)
                items.append(o)
                if o and not o & 3:
                    hs.append(self.core.call("handle_new", o))
            arr = self.alloc(self.special(7), len(items))
            for i, o in enumerate(items):
                self.core.set_u32(arr + 8 + 4 * i, o)
            for h in hs:
                self.core.call("handle_free", h)
            return arr
        if isinstance(value, ByteArr):
            oop = self.alloc(self.special(26), len(value.data))
            self.core.write_bytes(oop + 8, value.data)
            return oop
        if isinstance(value, Binding):
            a = self.binding(value.name, cls)
            return a
        if isinstance(value, MethodClassBinding):
            name = self.heap.class_name(cls)
            if name.endswith(" class"):   # class-side methods: an association nil -> metaclass
                spec = compile_doit(f"Association key: nil value: {name}")
                return self.run_method(nil, self.method_object(spec, self.heap.class_of(nil)))
            a = self.smalltalk_assoc(name)
            return a if a is not None else nil
        raise TypeError(f"unknown literal {value!r}")

    def binding(self, name: str, cls: int) -> int:
        """The association for a global (created, with value nil, if Smalltalk lacks it)."""
        a = self.smalltalk_assoc(name)
        if a is not None:
            return a
        spec = compile_doit(f"Smalltalk at: #{name} put: nil")
        self.run_method(self.nil, self.method_object(spec, self.heap.class_of(self.nil)))
        a = self.smalltalk_assoc(name)
        if a is None:
            raise CompileError(f"cannot make the global {name}")
        return a

    # --- file-in --------------------------------------------------------------------------
    def file_in(self, path) -> None:
        self.file_in_text(Path(path).read_text(), str(path))

    def file_in_text(self, text: str, filename: str = "<input>") -> None:
        """File in chunk-format source: class definitions, methods and doIts, in order."""
        for item in read_chunks(text, filename):
            if isinstance(item, ClassDef):
                kind = {"variableSubclass": "variableSubclass:",
                        "variableByteSubclass": "variableByteSubclass:",
                        "variableWordSubclass": "variableWordSubclass:"}.get(item.kind, "subclass:")
                src = (f"{item.superclass or 'nil'} {kind} #{item.name} instanceVariableNames: "
                       f"{self._string_literal(' '.join(item.inst_vars))} classVariableNames: "
                       f"{self._string_literal(' '.join(item.class_vars))} poolDictionaries: '' "
                       f"category: {self._string_literal(item.category)}")
                self.evaluate(src, filename=item.filename, line=item.line)
                self._globals.pop(item.name, None)
            elif isinstance(item, MethodChunk):
                self.install_method(item)
            elif isinstance(item, ClassInstVars):
                raise CompileError("class-side instance variables are not supported at run time",
                                   item.filename, item.line)
            elif isinstance(item, DoIt):
                self.evaluate(item.source, filename=item.filename, line=item.line)

    def install_method(self, item: MethodChunk) -> None:
        cls = self.class_named(item.class_name + (" class" if item.meta else ""))
        scope = self.class_scope(cls)
        spec = compile_method(item.source, scope, item.filename, item.line - 1)
        meth = self.method_object(spec, cls)
        holder = self.binding("CatalystPendingMethod", cls)
        self.core.set_u32(holder + 12, meth)
        target = f"{item.class_name} class" if item.meta else item.class_name
        self.evaluate(f"{target} addSelector: #{spec.selector} withMethod: CatalystPendingMethod. "
                      f"Smalltalk at: #CatalystPendingMethod put: nil")

    # --- statistics -----------------------------------------------------------------------
    def stats(self) -> dict:
        c = self.core
        s = {
            "interpreted_activations": c.global_value("stat_interpreted_activations"),
            "translated_activations": c.global_value("stat_translated_activations"),
            "sends": c.global_value("stat_sends"),
            "primitive_calls": c.global_value("stat_primitive_calls"),
            "bailouts": c.global_value("stat_bailouts"),
            "gc_count": c.global_value("gc_count"),
            "heap_bytes": c.global_value("heap_end") - c.global_value("heap_start"),
            "peak_memory_bytes": c.memory.data_len(c.store),
            "methods_translated": 0,
            "translation_failures": 0,
        }
        if self.jit is not None:
            s.update(self.jit.stats())
        return s
