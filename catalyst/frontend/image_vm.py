"""A VM whose heap is a converted real image (`catalyst eval --image PATH EXPR`).

catalyst.vm.vm.VM assumes the embedded kernel's class layout (instance variable names in class
slot 3, names in slot 6, Smalltalk a Dictionary in special object 8, Symbols interned through
Symbol's SymbolTable). Real images lay classes out their own way, so this subclass answers
those questions from what the image reader discovered (image_classes) instead:

  * instance variable names: the class slot holding Point's `x`/`y` Array;
  * class variables: the class slot holding a Dictionary in class Object;
  * globals: special object 8 when it is a Dictionary (tally, array), else its first slot
    (the headless image's SmalltalkImage wraps a SystemDictionary);
  * Symbols: the image's own, by name (a new selector gets a fresh, uninterned Symbol).

Results are printed with the image's own printString. DoIts are compiled in the image's
block style (closures, or BlockContexts for a pre-closure image: ClassScope.block_contexts).

Unhandled errors: both images route `error:` and `doesNotUnderstand:` through the active
process's errorHandler when it has one (else they open a Debugger, which needs a display).
`report_errors()` makes every process answer one that halts the run through Catalyst's
primitive 9002 with the error's text, so `catalyst eval --image` prints `Error: <text>` and the
Smalltalk stack.

Named primitives the host implements for images (primitive 117 reaches `Core.on_named_prim`):
ConsolePlugin's primitiveLog:level: writes its String argument and a newline to stdout.
`resume()` runs the image's active process from its suspended context, as a VM does when it
starts an image (`catalyst run --image PATH --resume [--timeout S]`).
"""
from __future__ import annotations

from contextlib import contextmanager

from catalyst.frontend import bytecodes as B
from catalyst.frontend.compiler import ClassScope
from catalyst.frontend.image_model import is_method
from catalyst.frontend.image_classes import Classes
from catalyst.frontend.image_convert import Converted
from catalyst.vm.core import VMTrap
from catalyst.vm.heap import HeapReader
from catalyst.vm.vm import VM


class RunTimeout(Exception):
    """A run stopped by its time limit; `stack` is the Smalltalk stack it was stopped in."""

    def __init__(self, seconds: float, stack: list[str]):
        self.seconds, self.stack = seconds, stack
        super().__init__(f"still running after {seconds:g} s")


@contextmanager
def time_limit(core, seconds: float | None):
    """Interrupt what runs in core after seconds (Core.time_limit); the trap becomes
    RunTimeout."""
    try:
        with core.time_limit(seconds):
            yield
    except VMTrap as e:
        if e.interrupted:
            raise RunTimeout(seconds, getattr(e, "stack", [])) from None
        raise


class ImageHeapReader(HeapReader):
    """HeapReader with the image's class name slot."""

    def __init__(self, core, name_slot: int, this_class_slot: int, metaclass: int):
        super().__init__(core)
        self.name_slot, self.this_class_slot, self.metaclass = name_slot, this_class_slot, metaclass

    def class_name(self, cls: int) -> str:
        try:
            if self.class_of(cls) == self.metaclass:
                return self.class_name(self.slot(cls, self.this_class_slot)) + " class"
            name = self.slot(cls, self.name_slot)
            if name and not name & 3 and self.fmt(name) >= 16:
                return self.string_of(name)
        except Exception:
            pass
        return f"<class@{cls:#x}>"


class ImageVM(VM):
    def __init__(self, core, converted: Converted):
        super().__init__(core)
        self.converted = converted
        img = converted.img
        classes = self.image_classes = Classes(img)
        shape = classes.shape
        self.heap = ImageHeapReader(core, shape.name_slot, shape.this_class_slot,
                                    converted.oop_of[classes.metaclass])
        self._ivar_slot = self._find_slot(classes, "Point", lambda v: _names(img, v) == ["x", "y"])
        dict_cls = classes.by_name.get("Dictionary")
        self._pool_slot = self._find_slot(
            classes, "Object", lambda v: type(v) is int and img.objects[v].class_ref == dict_cls)
        self._symbols = {img.text(s): converted.oop_of[s] for s in classes.symbols()}
        self.closures = img.header.closures
        self.bytecode_set = B.V3_PLUS_CLOSURES if self.closures else B.V3
        self.named_primitives = {("ConsolePlugin", "primitiveLog:level:"): self._prim_log}
        self.output = None                       # None: stdout; else a list collecting lines
        core.on_named_prim = self._named_prim

    # --- errors -----------------------------------------------------------------------------------
    def report_errors(self) -> None:
        """Make unhandled errors of every process halt the run with their text."""
        self.install_method(self.class_named("Object"), "catalystError: aString <primitive: 9002> ^nil")
        self.install_method(self.class_named("Process"), "errorHandler ^errorHandler ifNil: "
                            "[[:text :receiver | receiver catalystError: text]]")
        # error: and doesNotUnderstand: reach the handler through the global Processor, which
        # the headless image's methods bind to nil (its scheduler is special object 3's value)
        scheduler = self.heap.slot(self.special(3), 1)
        for assoc in self._bindings_named("Processor"):
            if self.heap.slot(assoc, 1) == self.nil:
                self.core.set_u32(assoc + 12, scheduler)

    def _bindings_named(self, name: str) -> list[int]:
        """Every two-slot object of the image whose key is the Symbol name (the associations
        methods hold as literal variables)."""
        img, oop_of = self.converted.img, self.converted.oop_of
        sym = self._symbols.get(name)
        return [oop_of[o.index] for o in img.objects
                if len(o.slots) == 2 and type(o.slots[0]) is int and o.index in oop_of and
                oop_of.get(o.slots[0]) == sym] if sym is not None else []

    def install_method(self, cls: int, source: str) -> int:
        """Compile source in cls and enter it in cls's method dictionary without running image
        code: at the selector's key, else at the first free key probing from its identity hash
        (where Squeak's MethodDictionary looks; the VM's lookup scans every key). Answers the
        method."""
        from catalyst.frontend.compiler import compile_method
        spec = compile_method(source, self.class_scope(cls))
        method = self.method_object(spec, cls)
        sel = self.symbol(spec.selector)
        h, nil = self.heap, self.nil
        md = h.slot(cls, 1)
        values = h.slot(md, 1)
        n = h.num_slots(md) - 2
        probe = [(self.core.call("identity_hash", sel) + k) % n for k in range(n)]
        slot = next((k for k in probe if h.slot(md, 2 + k) == sel), None)
        if slot is None:
            slot = next((k for k in probe if h.slot(md, 2 + k) == nil), None)
            if slot is None:
                raise RuntimeError(f"the method dictionary of {h.class_name(cls)} is full")
            self.core.set_u32(md + 8, h.slot(md, 0) + 2)          # tally + 1 (tagged)
        self.core.set_u32(values + 8 + 4 * slot, method)
        self.core.set_u32(md + 8 + 4 * (2 + slot), sel)
        self.core.call("flush_method_cache")
        self.method_name(method)                      # fills the name table first
        self._method_names[method] = f"{h.class_name(cls)}>>{spec.selector}"
        return method

    # --- named primitives -----------------------------------------------------------------------
    def _named_prim(self, module: int, name: int, sp: int, argc: int) -> int:
        """Run a named primitive: 1 with the result stored in the receiver's stack slot, or 0
        (the method's fallback code runs)."""
        try:
            key = (self.heap.string_of(module), self.heap.string_of(name))
        except Exception:
            return 0
        handler = self.named_primitives.get(key)
        if handler is None:
            return 0
        args = [self.core.u32(sp - 4 * (argc - 1 - i)) for i in range(argc)]
        result = handler(self.core.u32(sp - 4 * argc), args)
        if result is None:
            return 0
        self.core.set_u32(sp - 4 * argc, result)
        return 1

    def _prim_log(self, receiver: int, args: list[int]):
        text = args[0] if args else 0
        if not text or text & 3 or not 16 <= self.heap.fmt(text) < 24:
            return None
        line = self.heap.string_of(text)
        if self.output is not None:
            self.output.append(line)
        else:
            print(line, flush=True)
        return receiver

    # --- the image's own process ----------------------------------------------------------------
    def resume(self, timeout: float | None = None) -> int:
        """Run the image's active process from its suspended context: the core makes frames
        for its whole context chain (wat/46_process.wat) and runs until the bottom context
        returns (answers its result oop), the image quits (SystemExit), an error halts it
        (SmalltalkError), or `timeout` seconds pass (RunTimeout)."""
        with time_limit(self.core, timeout):
            return self.run_entry("vm_resume_process")

    def run_method(self, receiver: int, method: int) -> int:
        """As VM.run_method, run as the image's active process, which is the active one again
        afterwards with its saved suspended context (the image's own, for resume()), even
        when the run ended in another process (an error there halts the whole run)."""
        h = self.heap
        scheduler = h.slot(self.special(3), 1)
        process = h.slot(scheduler, 1)
        saved = h.slot(process, 1)
        keep = [self.core.call("handle_new", o) for o in (process, saved)]
        try:
            return super().run_method(receiver, method)
        finally:
            if h.slot(scheduler, 1) != process:
                self._unlink(process)
                self.core.set_u32(scheduler + 12, process)
            self.core.set_u32(process + 12, saved)
            for k in keep:
                self.core.call("handle_free", k)

    def _unlink(self, process: int) -> None:
        """Take a process off the list it waits or runs in (Process slot 3, myList)."""
        h, nil = self.heap, self.nil
        lst = h.slot(process, 3)
        if lst == nil or lst & 3:
            return
        prev, cur = nil, h.slot(lst, 0)
        while cur != nil and cur != process:
            prev, cur = cur, h.slot(cur, 0)
        if cur == process:
            nxt = h.slot(process, 0)
            self.core.set_u32((lst if prev == nil else prev) + 8, nxt)
            if h.slot(lst, 1) == process:
                self.core.set_u32(lst + 12, prev)
        self.core.set_u32(process + 8, nil)
        self.core.set_u32(process + 20, nil)

    @staticmethod
    def _find_slot(classes: Classes, cname: str, test) -> int | None:
        cls = classes.by_name.get(cname)
        if cls is None:
            return None
        slots = classes.img.objects[cls].slots
        return next((i for i in range(3, len(slots)) if test(slots[i])), None)

    # --- what the compiler needs -----------------------------------------------------------
    def class_scope(self, cls: int) -> ClassScope:
        return ClassScope(self.heap.class_name(cls), self.class_scope_names(cls),
                          set(self.class_pool_bindings(cls)), lambda n: n[:1].isupper(),
                          block_contexts=not self.closures)

    def class_scope_names(self, cls: int) -> list[str]:
        names: list[str] = []
        h, c, seen = self.heap, cls, 0
        if self._ivar_slot is None:
            return names
        while c and c != self.nil and seen < 1000:
            iv = h.slot(c, self._ivar_slot) if h.num_slots(c) > self._ivar_slot else self.nil
            if iv != self.nil and not iv & 3 and h.fmt(iv) == 2:
                names = [h.string_of(h.slot(iv, i)) for i in range(h.num_slots(iv))] + names
            c, seen = h.slot(c, 0), seen + 1
        return names

    def class_pool_bindings(self, cls: int) -> dict[str, int]:
        h, nil, out = self.heap, self.nil, {}
        if self._pool_slot is None:
            return out
        if h.class_of(cls) == self.heap.metaclass:
            cls = h.slot(cls, self.heap.this_class_slot)
        chain, c = [], cls
        while c and c != nil and not c & 3 and len(chain) < 1000:
            chain.append(c)
            c = h.slot(c, 0)
        for c in reversed(chain):
            if h.num_slots(c) <= self._pool_slot:
                continue
            out.update(self._associations(h.slot(c, self._pool_slot)))
        return out

    def _associations(self, d: int) -> dict[str, int]:
        """name -> Association of a Dictionary laid out as tally, array of Associations."""
        h, nil, out = self.heap, self.nil, {}
        if d == nil or d & 3 or h.num_slots(d) < 2:
            return out
        arr = h.slot(d, 1)
        if arr == nil or arr & 3 or h.fmt(arr) != 2:
            return out
        for i in range(h.num_slots(arr)):
            a = h.slot(arr, i)
            if a != nil and not a & 3 and h.num_slots(a) >= 2:
                k = h.slot(a, 0)
                if k and not k & 3 and 16 <= h.fmt(k) < 24:
                    out[h.string_of(k)] = a
        return out

    def globals_dictionary(self) -> int:
        st = self.special(8)
        h = self.heap
        if h.num_slots(st) >= 2 and h.slot(st, 0) & 1:     # tally, array: a Dictionary itself
            return st
        return h.slot(st, 0)

    def smalltalk_assoc(self, name: str) -> int | None:
        """A global's association; Processor's is special object 3 even where Smalltalk does not
        hold it (the headless image's)."""
        assoc = self._associations(self.globals_dictionary()).get(name)
        if assoc is None and name == "Processor":
            assoc = self.special(3)
        return assoc

    def binding(self, name: str, cls: int) -> int:
        """A class variable's or global's association; a class the image has outside its
        globals (the headless image's Smalltalk holds few) gets an association of its own, as
        does Smalltalk itself (special object 8) where no global names it."""
        a = self.class_pool_bindings(cls).get(name) or self.smalltalk_assoc(name)
        if a is not None:
            return a
        made = self.__dict__.setdefault("_made_bindings", {})
        if name in made:
            return made[name]
        value = None
        if name == "Smalltalk":
            value = self.special(8)
        elif name in self.image_classes.by_name:
            value = self.converted.oop_of[self.image_classes.by_name[name]]
        if value is None:
            return super().binding(name, cls)
        assoc_class = self.converted.oop_of[self.image_classes.named("Association")]
        h = self.core.call("handle_new", value)
        try:
            key = self.symbol(name)
            a = self.alloc(assoc_class)
            self.core.set_u32(a + 8, key)
            self.core.set_u32(a + 12, value)
        finally:
            self.core.call("handle_free", h)
        self.core.call("handle_new", a)         # kept for good: methods refer to it
        made[name] = a
        return a

    def class_named(self, name: str) -> int:
        """A class by name: from the globals, else any class the image has (the headless
        image's Smalltalk holds only some of its classes)."""
        try:
            return super().class_named(name)
        except KeyError:
            try:
                return self.converted.oop_of[self.image_classes.named(name)]
            except KeyError:
                raise KeyError(f"no class named {name}") from None

    def symbol(self, name: str) -> int:
        sym = self._symbols.get(name)
        if sym is None:
            sym = self.new_string(name)
            self.core.set_u32(sym, (self.core.u32(sym) & ~0x3FFFFF) |
                              self.heap.class_index(self._symbols["doesNotUnderstand:"]))
            self._symbols[name] = sym
        return sym

    def image_methods(self) -> list[int]:
        """Every CompiledMethod the image held when it was loaded (oops), in file order."""
        oop_of = self.converted.oop_of
        return [oop_of[o.index] for o in self.converted.img.objects if is_method(o.fmt)]

    # --- describing frames ---------------------------------------------------------------------
    def method_name(self, method: int) -> str:
        """'Class>>selector' from the image's method dictionaries (old images' methods hold
        neither their selector nor their class), else what the heap reader can tell."""
        names = getattr(self, "_method_names", None)
        if names is None:
            oop = self.converted.oop_of
            names = self._method_names = {
                oop[m]: f"{self.image_classes.name(c)}>>{sel}"
                for c, sel, m in self.image_classes.all_methods()}
        if method in names:
            return names[method]
        cls = self.heap.method_class(method)       # a DoIt: its class binding's value
        where = self.heap.class_name(cls) if cls and not cls & 3 else "?"
        return f"{where}>>{self.heap.method_selector(method)}"

    STACK_TOP, STACK_BOTTOM = 40, 10       # frames shown of a deep stack: innermost, outermost

    def stack(self) -> list[str]:
        """The frames, innermost first; of a deep stack (runaway recursion) the innermost
        STACK_TOP and the outermost STACK_BOTTOM, with a line saying how many are left out."""
        fps, fp = [], self.core.global_value("fp")
        while fp and len(fps) < 10_000_000:
            fps.append(fp)
            fp = self.core.u32(fp)
        if len(fps) > self.STACK_TOP + self.STACK_BOTTOM + 1:
            left_out = len(fps) - self.STACK_TOP - self.STACK_BOTTOM
            return ([self.describe_frame(f) for f in fps[:self.STACK_TOP]] +
                    [f"... {left_out} more frames ..."] +
                    [self.describe_frame(f) for f in fps[-self.STACK_BOTTOM:]])
        return [self.describe_frame(f) for f in fps]

    def describe_frame(self, fp: int) -> str:
        try:
            method = self.core.u32(fp + 4)
            name = self.method_name(method)
            pc = self.core.u32(fp + 8)
            running = self.core.global_value("ip") - method - 7
            if fp == self.core.global_value("fp") and 0 < running <= 4 * self.heap.num_slots(method):
                pc = running                             # the interpreter's frame: pc in $ip
            rcv_class = self.heap.class_name(self.heap.class_of(self.core.u32(fp + 28)))
            where, _, sel = name.partition(">>")
            if rcv_class != where:
                name = f"{rcv_class}({where})>>{sel}"
            block = "[] in " if self.core.u32(fp + 24) & 0x1100 else ""
            return f"{block}{name} (pc {pc})"
        except Exception:
            return f"<frame at {fp:#x}>"


def _names(img, ref) -> list[str] | None:
    if type(ref) is not int or img.objects[ref].fmt != 2:
        return None
    return [img.text(v) for v in img.objects[ref].slots]
