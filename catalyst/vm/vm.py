"""The VM as Python sees it: an object memory in a Core, evaluation of Smalltalk source, results
read back as Python values, statistics, and the Smalltalk stack when something goes wrong.

`VM.default()` is a VM on the embedded kernel image: built from catalyst/kernel/*.st the first
time and then restored from a snapshot cached on disk (keyed by the sources of the kernel, the
compiler and the core), so later starts are fast.
"""
from __future__ import annotations

import hashlib
import struct
from importlib import resources
from pathlib import Path

from catalyst.frontend.chunks import ClassDef, ClassInstVars, DoIt, MethodChunk, read_chunks
from catalyst.frontend.compiler import ClassScope, CompiledMethodSpec, compile_doit, compile_method
from catalyst.frontend.errors import CompileError
from catalyst.frontend.literals import (Binding, ByteArr, Char, LitArray, MethodClassBinding,
                                        Sym)
from catalyst.vm import build, snapshot
from catalyst.vm.core import Core, VMTrap
from catalyst.vm.heap import HeapReader, tag_char, tag_int, untag_int

HALT_REASONS = {1: "unhandled error", 2: "quit", 3: "out of memory", 4: "stack overflow",
                5: "message not understood by the VM (no doesNotUnderstand:) or bad method",
                6: "non-local return to a dead context",
                8: "every process is waiting (on a semaphore or suspended) and no timer is pending",
                9: "the process to run has no context that can run"}


class SmalltalkError(Exception):
    """An unhandled Smalltalk error (or another halt of a run); `stack` is the Smalltalk stack."""

    def __init__(self, text: str, stack: list[str], code: int = 1):
        self.text, self.stack, self.code = text, stack, code
        super().__init__(text)


def read_source(path) -> str:
    """The text of a source file: UTF-8, or Latin-1 (Squeak's own file-outs) when it is not."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


class VM:
    """One Smalltalk object memory in its own Core, and the operations the host needs on it."""

    def __init__(self, core: Core):
        self.core = core
        self.heap = HeapReader(core)
        self.core.frame_describer = lambda: (self.stack() or [""])[0]
        self.core.method_describer = self.method_name
        self.jit = None
        self._symbols: dict[str, int] = {}
        self._globals: dict[str, int] = {}
        self._globals_sig = b""          # Smalltalk's array when _globals was filled

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

    @classmethod
    def from_heap(cls, core: Core, jit: str = "off", threshold: int | None = None,
                  llm: bool = False, validate: int = 0) -> "VM":
        """A VM on a heap already written into core (HeapWriter.finish was called), e.g. by an
        image reader. The heap must hold the special objects array and a Smalltalk dictionary."""
        if not core.global_value("special_objects") or not core.global_value("nil"):
            raise ValueError("VM.from_heap: the core holds no heap (call HeapWriter.finish first)")
        vm = cls(core)
        vm.configure_jit(jit, threshold, llm, validate)
        return vm

    def configure_jit(self, mode: str = "off", threshold: int | None = None, llm: bool = False,
                      validate: int = 0):
        """off: never translate; on: translate methods that get hot; always: before first run."""
        if mode not in ("off", "on", "always"):
            raise ValueError(f"--jit must be off, on or always, not {mode!r}")
        self.jit_mode = mode
        if mode == "off":
            self.core.call("set_jit_enabled", 0)
            return
        try:
            from catalyst.jit import tiering
        except ImportError as e:
            self.jit = None      # interpreter only; stats() says why
            self._jit_note = f"--jit {mode} ignored: catalyst.jit is not available ({e})"
            return
        self.jit = tiering.Tiering(self, mode=mode, threshold=threshold, llm=llm, validate=validate)

    def _bootstrap(self):
        from catalyst.kernel.bootstrap import build_image
        b = build_image(self.core)
        self._symbols = dict(b.symbols)
        # The builder placed Smalltalk's associations and the symbols with its own hashing.
        # Rehash before the doIts too: otherwise `Smalltalk at: #Processor put: ...` misses the
        # builder's association (the one special object 3 holds) and adds a second one.
        self._bootstrap_step("Smalltalk rehash. Symbol rehash", "<bootstrap>", 1)
        self.forget_caches()
        for d in b.doits:
            self._bootstrap_step(d.source, d.filename, d.line)
        self._bootstrap_step("Smalltalk rehash. Symbol rehash", "<bootstrap>", 1)
        self.forget_caches()
        proc = self.smalltalk_assoc("Processor")
        if proc is not None and proc != self.special(3):
            raise RuntimeError("bootstrap: special object 3 is not Smalltalk's Processor association")

    def _bootstrap_step(self, source: str, filename: str, line: int) -> None:
        """Run one doIt of the image build; a failure names the doIt (no snapshot is saved)."""
        try:
            self.evaluate(source, filename=filename, line=line)
        except SmalltalkError as e:
            first = source.strip().splitlines()[0][:60] if source.strip() else ""
            raise SmalltalkError(f"building the kernel image failed at {filename}:{line} "
                                 f"({first}): {e.text}", e.stack, e.code) from None

    def forget_caches(self):
        """Drop the host's caches of globals, symbols and class layout (after code that may
        rebuild the dictionaries behind them, or after loading another heap into the core);
        they are refilled from the heap on demand."""
        self.__dict__.pop("_class_slots", None)
        self._globals.clear()
        self._globals_sig = b""
        self._symbols = {}

    @staticmethod
    def _cache_key() -> str:
        h = hashlib.sha256()
        for pkg in ("catalyst.kernel", "catalyst.frontend"):
            root = resources.files(pkg)
            for p in sorted(root.iterdir(), key=lambda p: p.name):
                if p.name.endswith((".st", ".py")):
                    h.update(p.name.encode())
                    h.update(p.read_bytes())
        # the core the snapshot was made by, as built (benchmarks/core_ab.py builds cores from
        # other sources: a snapshot of one core's tables is garbage to another)
        for name, text in build.wat_sources():
            h.update(name.encode())
            h.update(text.encode())
        # the host's own layout code shapes the snapshot too
        for mod in ("vm.py", "heap.py", "snapshot.py"):
            h.update((Path(__file__).parent / mod).read_bytes())
        return h.hexdigest()[:24]

    def _snapshot_path(self) -> Path:
        return build.cache_dir() / f"kernel-{self._cache_key()}.snap"

    def _save_snapshot(self):
        snapshot.save(self.core, self._snapshot_path())

    def _restore_snapshot(self) -> bool:
        return snapshot.restore(self.core, self._snapshot_path())

    # --- globals and classes ----------------------------------------------------------------
    def special(self, i: int) -> int:
        return self.heap.slot(self.core.global_value("special_objects"), i)

    @property
    def nil(self) -> int:
        return self.core.global_value("nil")

    def smalltalk_assoc(self, name: str) -> int | None:
        """The association of a global in Smalltalk (the kernel's Dictionary layout: tally,
        array of Associations).

        The name -> association map is cached, keyed by the exact contents of Smalltalk's
        array: Smalltalk code may add, remove or rehash globals at any time, and any such
        change alters the array, so a stale association is never answered."""
        h = self.heap
        arr = h.slot(self.special(8), 1)
        n = h.num_slots(arr)
        raw = self.core.read_bytes(arr + 8, 4 * n)
        if raw != self._globals_sig:
            self._globals.clear()
            nil = self.nil
            for (a,) in struct.iter_unpack("<I", raw):
                if a != nil and a and not a & 3:
                    k = struct.unpack_from("<I", self.core.read_bytes(a + 8, 4))[0]
                    if k and not k & 3:
                        self._globals[h.string_of(k)] = a
            self._globals_sig = raw
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
        """What the compiler needs to compile a method or doIt in cls."""
        names = self.class_scope_names(cls)
        return ClassScope(self.heap.class_name(cls), names, set(self.class_pool_bindings(cls)),
                          lambda n: n[:1].isupper())

    def _class_slot(self, ivar: str) -> int:
        """Index of one of class Class's instance variables (the kernel decides the order)."""
        slots = getattr(self, "_class_slots", None)
        if slots is None:
            slots = self._class_slots = {}
            cls = self.class_named("Class")
            for i, n in enumerate(self.class_scope_names(cls)):
                slots[n] = i
        if ivar not in slots:
            raise KeyError(f"class Class has no instance variable {ivar}")
        return slots[ivar]

    def class_scope_names(self, cls: int) -> list[str]:
        """All instance variable names of cls's instances, superclasses' first."""
        names: list[str] = []
        c = cls
        while c != self.nil and c:
            iv = self.heap.slot(c, 3)
            if iv != self.nil and not iv & 3:
                names = [self.heap.string_of(self.heap.slot(iv, i))
                         for i in range(self.heap.num_slots(iv))] + names
            c = self.heap.slot(c, 0)
        return names

    def class_pool_bindings(self, cls: int) -> dict[str, int]:
        """Class variable name -> its Association, from the class pools of cls (or, for a
        metaclass, of its sole instance) and its superclasses; inner classes win."""
        h, nil = self.heap, self.nil
        metaclass = self.global_value("Metaclass")
        if metaclass is not None and h.class_of(cls) == metaclass:
            cls = h.slot(cls, 5)                 # Metaclass thisClass (TEAM.md layout)
        try:
            pool_slot = self._class_slot("classPool")
        except KeyError:
            return {}
        chain = []
        c = cls
        while c and c != nil and not c & 3 and len(chain) < 1000:
            chain.append(c)
            c = h.slot(c, 0)
        out: dict[str, int] = {}
        for c in reversed(chain):               # root first, so subclasses override
            if h.num_slots(c) <= pool_slot:
                continue
            pool = h.slot(c, pool_slot)
            if pool == nil or pool & 3 or h.num_slots(pool) < 2:
                continue
            arr = h.slot(pool, 1)                # HashedCollection tally array
            if arr == nil or arr & 3:
                continue
            for i in range(h.num_slots(arr)):
                a = h.slot(arr, i)
                if a != nil and not a & 3 and h.num_slots(a) >= 2:
                    k = h.slot(a, 0)
                    if k and not k & 3 and h.fmt(k) >= 16:
                        out[h.string_of(k)] = a
        return out

    def install_doit(self, spec: CompiledMethodSpec, cls: int) -> int:
        """Make a CompiledMethod object for spec in the live heap (through the core's allocator)."""
        return self.method_object(spec, cls)

    def evaluate(self, source: str, receiver: int | None = None, filename: str = "<doit>",
                 line: int = 1) -> int:
        """Compile source as a doIt, run it, answer the result oop (raises SmalltalkError)."""
        rcv = self.nil if receiver is None else receiver
        return self.run_method(rcv, self.compile_doit(source, rcv, filename, line))

    def compile_doit(self, source: str, receiver: int | None = None, filename: str = "<doit>",
                     line: int = 1) -> int:
        """The CompiledMethod oop of source compiled as a doIt for receiver (raises
        CompileError). The collector does not move objects, but it frees them: a caller that
        keeps the method across runs holds a handle on it."""
        if not isinstance(source, str):
            raise TypeError(f"Smalltalk source must be a str, not {type(source).__name__}")
        rcv = self.nil if receiver is None else receiver
        cls = self.heap.class_of(rcv)
        spec = compile_doit(source, self.class_scope(cls), filename, line - 1)
        # making the method's literals allocates: keep a heap receiver alive meanwhile
        h = self.core.call("handle_new", rcv) if not rcv & 3 else None
        try:
            return self.method_object(spec, cls)
        finally:
            if h is not None:
                self.core.call("handle_free", h)

    def run_method(self, receiver: int, method: int) -> int:
        core = self.core
        h = core.call("handle_new", method)
        h2 = core.call("handle_new", receiver)
        try:
            return self.run_entry("vm_run", receiver, method, self.nil)
        finally:
            core.call("handle_free", h)
            core.call("handle_free", h2)

    def run_entry(self, export: str, *args) -> int:
        """Call a core entry point that runs Smalltalk (vm_run; vm_resume_process for images)
        and answer its result; a halt becomes SmalltalkError (SystemExit for quit), a trap a
        VMTrap carrying the Smalltalk stack it left."""
        core = self.core
        try:
            result = core.call(export, *args)
        except VMTrap as e:
            if e.interrupted:          # a time limit (it fires once): the cleanup must run
                core.clear_interrupt()
            e.stack = self.stack()     # the frames the trap left, before they are dropped
            self._reset_stack()
            if self.jit is not None and e.trap is not None and not e.interrupted:
                self.jit.uninstall_trapped(e.trap)   # the next run uses the interpreter
            raise
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

    def describe_stack(self) -> str:
        """The Smalltalk stack of the current (halted or trapped) run, one frame a line."""
        return "\n".join(self.stack())

    def method_name(self, method: int) -> str:
        """`Class>>selector` of a CompiledMethod."""
        mcls = self.heap.method_class(method)
        return f"{self.heap.class_name(mcls) if mcls else '?'}>>{self.heap.method_selector(method)}"

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
        if s & 3 or self.heap.fmt(s) < 16 or self.heap.fmt(s) >= 24:
            cls = self.heap.class_name(self.heap.class_of(s))
            raise SmalltalkError(f"printString answered a {cls}, not a String", [], 1)
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
        """Read every Symbol of the kernel's symbol table: Symbol's class variable SymbolTable,
        an Array of Symbols as the builder leaves it, or a Dictionary String -> Symbol after
        `Symbol rehash`."""
        h = self.heap
        sym_cls = self.class_named("Symbol")
        assoc = self.class_pool_bindings(sym_cls).get("SymbolTable")
        table = None if assoc is None else h.slot(assoc, 1)
        if table is None or table & 3 or table == self.nil:
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
        """The association for a class variable of cls or a global (a global is created, with
        value nil, if Smalltalk lacks it)."""
        a = self.class_pool_bindings(cls).get(name)
        if a is not None:
            return a
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
    def run_file(self, path) -> None:
        """File in a .st file (the name docs/TEAM.md uses)."""
        self.file_in(path)

    def file_in(self, path) -> None:
        self.file_in_text(read_source(path), str(path))

    def file_in_text(self, text: str, filename: str = "<input>") -> None:
        """File in chunk-format source: class definitions, methods and doIts, in order.

        Everything goes through Smalltalk code of the kernel rather than host-written objects:
        a class definition runs the kernel's `subclass:instanceVariableNames:...` message
        (which allocates the class and its metaclass with the core's allocator and enters them
        in Smalltalk); a method is compiled here, made in the live heap, and installed with
        `addSelector:withMethod:` (which flushes the method caches). Weak classes are filed in
        as plain pointer classes (the kernel has no `weakSubclass:` yet). Each chunk is
        complete before the next starts, so an error leaves the earlier chunks in place."""
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
            elif isinstance(item, MethodChunk):
                self.install_method(item)
            elif isinstance(item, ClassInstVars):
                raise CompileError("class-side instance variables are not supported at run time",
                                   item.filename, item.line)
            elif isinstance(item, DoIt):
                self.evaluate(item.source, filename=item.filename, line=item.line)
                self.between_runs()      # a doIt is a top-level evaluation too

    def install_method(self, item: MethodChunk) -> None:
        cls = self.class_named(item.class_name + (" class" if item.meta else ""))
        scope = self.class_scope(cls)
        spec = compile_method(item.source, scope, item.filename, item.line - 1)
        meth = self.method_object(spec, cls)
        # the new method is the receiver of the installing doIt (no global to pass it through);
        # a handle keeps it alive while the doIt itself is compiled and allocated
        h = self.core.call("handle_new", meth)
        try:
            target = f"{item.class_name} class" if item.meta else item.class_name
            self.evaluate(f"{target} addSelector: #{spec.selector} withMethod: self",
                          receiver=meth, filename=item.filename, line=item.line)
        finally:
            self.core.call("handle_free", h)

    # --- statistics -----------------------------------------------------------------------
    def stats(self) -> dict:
        c = self.core
        s = {
            "interpreted_activations": c.call("interpreted_activations_total"),
            "translated_activations": c.call("translated_activations"),
            "translated_block_activations": c.call("translated_block_activations"),
            "sends": c.call("sends_total"),
            "primitive_calls": c.call("primitive_calls_total"),
            "bailouts": c.global_value("stat_bailouts"),
            "gc_count": c.global_value("gc_count"),
            "heap_bytes": c.global_value("heap_end") - c.global_value("heap_start"),
            "peak_memory_bytes": c.memory.data_len(c.store),
            "methods_translated": 0,
            "translation_failures": 0,
        }
        if self.jit is not None:
            s.update(self.jit.stats())
        elif getattr(self, "_jit_note", None):
            s["jit_note"] = self._jit_note
        return s
