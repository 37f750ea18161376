"""Build an object memory from Smalltalk source: the embedded default image.

The kernel's chunk files (catalyst/kernel/*.st, in name order) are read; every class they define
is created first (with its metaclass, class index and format, see docs/TEAM.md "Kernel <->
bootstrap contract"), then every method is compiled and installed, then the special objects array
is made, the heap is copied into the core, and the kernel's doIt chunks run in order, followed by
`Smalltalk rehash. Symbol rehash` so the kernel's own hashing takes over.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from catalyst.frontend import chunks
from catalyst.frontend.compiler import ClassScope, CompiledMethodSpec, compile_method
from catalyst.frontend.errors import CompileError
from catalyst.frontend.literals import (Binding, ByteArr, Char, LitArray, MethodClassBinding,
                                        Sym)
from catalyst.frontend.bytecodes import SPECIAL_SELECTORS
from catalyst.vm.core import Core
from catalyst.vm.heap import (FMT_BYTES, FMT_FIXED, FMT_FIXED_VAR, FMT_VAR, FMT_WEAK,
                              FMT_WORDS, HeapWriter, tag_char, tag_int)

# instance spec of each definition kind (Spur numbering)
KIND_SPEC = {"subclass": FMT_FIXED, "variableSubclass": FMT_FIXED_VAR, "weakSubclass": FMT_WEAK,
             "variableWordSubclass": FMT_WORDS, "variableByteSubclass": FMT_BYTES,
             "immediateSubclass": 7}
FIXED_INDEX = {"SmallInteger": 1, "Character": 2}


class BootstrapError(Exception):
    """The kernel sources are inconsistent (a class referenced before it is defined...)."""


@dataclass
class ClassInfo:
    name: str
    superclass: str | None
    kind: str
    inst_vars: list[str]
    class_vars: list[str]
    category: str
    class_inst_vars: list[str] = field(default_factory=list)
    index: int = 0
    meta_index: int = 0
    oop: int = 0
    meta_oop: int = 0
    methods: list = field(default_factory=list)        # MethodChunks (instance side)
    class_methods: list = field(default_factory=list)  # MethodChunks (class side)
    pool: dict = field(default_factory=dict)           # class variable name -> association oop


def kernel_files() -> list[Path]:
    root = resources.files("catalyst.kernel")
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".st"))


class Builder:
    def __init__(self, core: Core, files: list[Path]):
        self.core = core
        self.files = files
        self.w = HeapWriter(core)
        self.classes: dict[str, ClassInfo] = {}
        self.order: list[str] = []
        self.symbols: dict[str, int] = {}
        self.globals: dict[str, int] = {}       # name -> association oop
        self.doits: list[chunks.DoIt] = []
        self.class_table: dict[int, int] = {}

    # --- reading ----------------------------------------------------------------------------
    def read(self):
        for path in self.files:
            for item in chunks.read_chunks(Path(path).read_text(), str(path)):
                if isinstance(item, chunks.ClassDef):
                    if item.name in self.classes:
                        info = self.classes[item.name]
                        info.superclass, info.kind = item.superclass, item.kind
                        info.inst_vars, info.class_vars = item.inst_vars, item.class_vars
                    else:
                        self.classes[item.name] = ClassInfo(item.name, item.superclass, item.kind,
                                                            item.inst_vars, item.class_vars,
                                                            item.category)
                        self.order.append(item.name)
                elif isinstance(item, chunks.ClassInstVars):
                    self.need(item.class_name, item).class_inst_vars = item.inst_vars
                elif isinstance(item, chunks.MethodChunk):
                    info = self.need(item.class_name, item)
                    (info.class_methods if item.meta else info.methods).append(item)
                elif isinstance(item, chunks.DoIt):
                    self.doits.append(item)

    def need(self, name, item) -> ClassInfo:
        if name not in self.classes:
            raise CompileError(f"class {name} is not defined", item.filename, item.line)
        return self.classes[name]

    # --- helpers ----------------------------------------------------------------------------
    def inherited(self, name: str | None, attr: str) -> list[str]:
        """The values of a ClassInfo list attribute along the superclass chain, root first."""
        out: list[str] = []
        while name:
            info = self.classes[name]
            out = getattr(info, attr) + out
            name = info.superclass
        return out

    def all_inst_vars(self, name: str | None) -> list[str]:
        return self.inherited(name, "inst_vars")

    def all_class_inst_vars(self, name: str | None) -> list[str]:
        return self.inherited(name, "class_inst_vars")

    def inst_spec(self, info: ClassInfo) -> int:
        if info.name in FIXED_INDEX:
            return 7
        if info.name == "CompiledMethod":
            return 24
        if info.name == "Float":
            return FMT_WORDS
        spec = KIND_SPEC[info.kind]
        # a subclass of a variable class is variable too
        sup = info.superclass
        while spec == FMT_FIXED and sup:
            sk = self.classes[sup].kind
            if sk != "subclass":
                spec = KIND_SPEC[sk]
            sup = self.classes[sup].superclass
        if spec == FMT_FIXED and not self.all_inst_vars(info.name):
            return 0
        if spec == FMT_FIXED_VAR and not self.all_inst_vars(info.name):
            return FMT_VAR
        return spec

    def cls(self, name: str) -> ClassInfo:
        if name not in self.classes:
            raise BootstrapError(f"the kernel does not define class {name}")
        return self.classes[name]

    def symbol(self, name: str) -> int:
        oop = self.symbols.get(name)
        if oop is None:
            oop = self.w.alloc_bytes(self.cls("Symbol").index, name.encode("latin-1"))
            self.symbols[name] = oop
        return oop

    def string(self, s: str) -> int:
        return self.w.alloc_bytes(self.cls("String").index, s.encode("latin-1", "replace"))

    def array(self, items: list[int]) -> int:
        a = self.w.alloc(self.cls("Array").index, FMT_VAR, len(items))
        for i, v in enumerate(items):
            self.w.set_slot(a, i, v)
        return a

    def association(self, key: int, value: int) -> int:
        a = self.w.alloc(self.cls("Association").index, FMT_FIXED, 2)
        self.w.set_slot(a, 0, key)
        self.w.set_slot(a, 1, value)
        return a

    def float_(self, x: float) -> int:
        f = self.w.alloc(self.cls("Float").index, FMT_WORDS, 2)
        self.w.set_float(f, x)
        return f

    def integer(self, n: int) -> int:
        return self.w.int_oop(n, self.cls("LargePositiveInteger").index,
                              self.cls("LargeNegativeInteger").index)

    def global_assoc(self, name: str) -> int:
        a = self.globals.get(name)
        if a is None:
            a = self.association(self.symbol(name), self.w.nil)
            self.globals[name] = a
        return a

    # --- building ---------------------------------------------------------------------------
    def build(self):
        self.read()
        for required in ("Object", "UndefinedObject", "True", "False", "Metaclass", "Class",
                         "Symbol", "String", "Array", "Association", "MethodDictionary",
                         "CompiledMethod", "SmallInteger", "Character", "Float",
                         "LargePositiveInteger", "LargeNegativeInteger", "SystemDictionary"):
            self.cls(required)
        # class indices: fixed ones first, then in definition order; metaclasses follow
        next_index = 16
        for name in self.order:
            info = self.classes[name]
            if name in FIXED_INDEX:
                info.index = FIXED_INDEX[name]
            else:
                info.index = next_index
                next_index += 1
            info.meta_index = next_index
            next_index += 1
        w = self.w
        nil = w.alloc(self.cls("UndefinedObject").index, 0, 0)
        w.nil = nil
        false = w.alloc(self.cls("False").index, 0, 0)
        true = w.alloc(self.cls("True").index, 0, 0)
        class_ivars = self.all_inst_vars("Class")
        meta_ivars = self.all_inst_vars("Metaclass")
        for needed in ("superclass", "methodDict", "format", "name"):
            if needed not in class_ivars:
                raise BootstrapError(f"class Class lacks the instance variable {needed}")
        # class and metaclass objects
        for name in self.order:
            info = self.classes[name]
            extra = self.all_class_inst_vars(name)
            info.oop = w.alloc(info.meta_index, FMT_FIXED, len(class_ivars) + len(extra),
                               hash_=info.index)
            info.meta_oop = w.alloc(self.cls("Metaclass").index, FMT_FIXED, len(meta_ivars),
                                    hash_=info.meta_index)
            self.class_table[info.index] = info.oop
            self.class_table[info.meta_index] = info.meta_oop
            if info.index == 1:
                self.class_table[3] = info.oop
        ci = {n: i for i, n in enumerate(class_ivars)}
        mi = {n: i for i, n in enumerate(meta_ivars)}
        for name in self.order:
            info = self.classes[name]
            sup = self.classes[info.superclass] if info.superclass else None
            ivars = self.all_inst_vars(name)
            spec = self.inst_spec(info)
            w.set_slot(info.oop, ci["superclass"], sup.oop if sup else nil)
            w.set_slot(info.oop, ci["format"], tag_int((spec << 16) | len(ivars)))
            w.set_slot(info.oop, ci["name"], self.symbol(name))
            if "instanceVariables" in ci:
                w.set_slot(info.oop, ci["instanceVariables"],
                           self.array([self.string(v) for v in info.inst_vars]))
            if "category" in ci:
                w.set_slot(info.oop, ci["category"], self.string(info.category or ""))
            # metaclass
            meta_sup = sup.meta_oop if sup else self.cls("Class").oop
            w.set_slot(info.meta_oop, mi["superclass"], meta_sup)
            n_class_side = len(class_ivars) + len(self.all_class_inst_vars(name))
            w.set_slot(info.meta_oop, mi["format"], tag_int((FMT_FIXED << 16) | n_class_side))
            if "thisClass" in mi:
                w.set_slot(info.meta_oop, mi["thisClass"], info.oop)
            if "instanceVariables" in mi:
                w.set_slot(info.meta_oop, mi["instanceVariables"],
                           self.array([self.string(v) for v in info.class_inst_vars]))
            self.globals[name] = self.association(self.symbol(name), info.oop)
        # class pools
        for name in self.order:
            info = self.classes[name]
            for cv in info.class_vars:
                info.pool[cv] = self.association(self.symbol(cv), nil)
        self.nil, self.false, self.true = nil, false, true
        # methods
        for name in self.order:
            info = self.classes[name]
            for meta, methods in ((False, info.methods), (True, info.class_methods)):
                entries = []
                for mc in methods:
                    spec = self.compile(info, mc, meta)
                    entries.append((spec.selector, self.method_object(spec, info, meta)))
                dict_oop = self.method_dict(entries)
                w.set_slot(info.meta_oop if meta else info.oop,
                           (mi if meta else ci)["methodDict"], dict_oop)
                if "organization" in ci and not meta:
                    pass
        # class pools as Dictionaries need the kernel's Dictionary: store them as our own
        # simple association Arrays wrapped by the kernel later (see classPool slot)
        if "classPool" in ci:
            for name in self.order:
                info = self.classes[name]
                w.set_slot(info.oop, ci["classPool"], self.dictionary(list(info.pool.values())))
        smalltalk = self.dictionary(None, cls_name="SystemDictionary")
        self.smalltalk = smalltalk
        self.global_assoc("Smalltalk")
        w.set_slot(self.globals["Smalltalk"], 1, smalltalk)
        for g in ("Processor", "Transcript"):
            self.global_assoc(g)
        self.fill_dictionary(smalltalk, list(self.globals.values()))
        for name in ("DoIt", "asSymbol", "printString", "at:put:"):
            self.symbol(name)      # the host's doIts need these before the table is rehashed
        specials = self.special_objects()
        # the symbol table: every Symbol made here, for Symbol rehash
        sym_cls = self.cls("Symbol")
        sym_table = self.array(list(self.symbols.values()))
        if "SymbolTable" in sym_cls.pool:
            w.set_slot(sym_cls.pool["SymbolTable"], 1, sym_table)
        w.finish(nil, false, true, specials, self.class_table)

    def compile(self, info: ClassInfo, mc: chunks.MethodChunk, meta: bool) -> CompiledMethodSpec:
        if meta:
            ivars = self.all_inst_vars("Class") + self.all_class_inst_vars(info.name)
        else:
            ivars = self.all_inst_vars(info.name)
        cvars = set()
        name = info.name
        while name:
            cvars |= set(self.classes[name].class_vars)
            name = self.classes[name].superclass
        scope = ClassScope(info.name + (" class" if meta else ""), ivars, cvars,
                           is_global=lambda n: n[:1].isupper())
        return compile_method(mc.source, scope, mc.filename, mc.line - 1)

    def lookup_binding(self, info: ClassInfo, name: str) -> int:
        n = info.name
        while n:
            c = self.classes[n]
            if name in c.pool:
                return c.pool[name]
            n = c.superclass
        return self.global_assoc(name)

    def literal(self, value, info: ClassInfo, meta: bool) -> int:
        if value is True:
            return self.true
        if value is False:
            return self.false
        if value is None:
            return self.nil
        if isinstance(value, int):
            return self.integer(value)
        if isinstance(value, float):
            return self.float_(value)
        if isinstance(value, str):
            return self.string(value)
        if isinstance(value, Sym):
            return self.symbol(value.name)
        if isinstance(value, Char):
            return tag_char(value.code)
        if isinstance(value, LitArray):
            return self.array([self.literal(v, info, meta) for v in value.items])
        if isinstance(value, ByteArr):
            return self.w.alloc_bytes(self.cls("ByteArray").index, value.data)
        if isinstance(value, Binding):
            return self.lookup_binding(info, value.name)
        if isinstance(value, MethodClassBinding):
            if meta:
                return self.association(self.nil, info.meta_oop)
            return self.globals[info.name]
        raise BootstrapError(f"unknown literal {value!r}")

    def method_object(self, spec: CompiledMethodSpec, info: ClassInfo, meta: bool) -> int:
        lits = [self.literal(v, info, meta) for v in spec.literals]
        body = bytearray()
        body += tag_int(spec.header).to_bytes(4, "little")
        for l in lits:
            body += l.to_bytes(4, "little")
        body += spec.bytecodes + spec.trailer
        return self.w.alloc_bytes(self.cls("CompiledMethod").index, bytes(body), method=True)

    def method_dict(self, entries: list[tuple[str, int]]) -> int:
        size = 4
        while size < 2 * len(entries):
            size *= 2
        md = self.w.alloc(self.cls("MethodDictionary").index, FMT_FIXED_VAR, 2 + size)
        values = self.w.alloc(self.cls("Array").index, FMT_VAR, size)
        self.w.set_slot(md, 0, tag_int(len(entries)))
        self.w.set_slot(md, 1, values)
        for sel, meth in entries:
            sym = self.symbol(sel)
            h = (self.w._get(sym + 4) & 0x3FFFFF) % size
            while self.w.slot(md, 2 + h) != self.nil:
                if self.w.slot(md, 2 + h) == sym:
                    break
                h = (h + 1) % size
            self.w.set_slot(md, 2 + h, sym)
            self.w.set_slot(values, h, meth)
        return md

    def dictionary(self, assocs, cls_name: str = "Dictionary") -> int:
        """A kernel Dictionary (tally, array of Associations) holding assocs."""
        d = self.w.alloc(self.cls(cls_name).index, FMT_FIXED,
                         len(self.all_inst_vars(cls_name)))
        if assocs is not None:
            self.fill_dictionary(d, assocs)
        return d

    def fill_dictionary(self, d: int, assocs: list[int]) -> None:
        size = 32
        while size < 2 * len(assocs):
            size *= 2
        arr = self.w.alloc(self.cls("Array").index, FMT_VAR, size)
        for k, a in enumerate(assocs):
            h = k % size
            while self.w.slot(arr, h) != self.nil:
                h = (h + 1) % size
            self.w.set_slot(arr, h, a)
        self.w.set_slot(d, 0, tag_int(len(assocs)))
        self.w.set_slot(d, 1, arr)

    def special_objects(self) -> int:
        c = lambda n: self.cls(n).oop if n in self.classes else self.nil  # noqa: E731
        so = [self.nil] * 60
        so[0], so[1], so[2] = self.nil, self.false, self.true
        so[3] = self.globals["Processor"]
        so[4] = c("Bitmap")
        so[5] = c("SmallInteger")
        so[6] = c("String")
        so[7] = c("Array")
        so[8] = self.smalltalk
        so[9] = c("Float")
        so[10] = c("MethodContext")
        so[12] = c("Point")
        so[13] = c("LargePositiveInteger")
        so[15] = c("Message")
        so[16] = c("CompiledMethod")
        so[18] = c("Semaphore")
        so[19] = c("Character")
        so[20] = self.symbol("doesNotUnderstand:")
        so[21] = self.symbol("cannotReturn:")
        pairs = []
        for sel, n in SPECIAL_SELECTORS:
            pairs += [self.symbol(sel), tag_int(n)]
        so[23] = self.array(pairs)
        so[25] = self.symbol("mustBeBoolean")
        so[26] = c("ByteArray")
        so[27] = c("Process")
        so[34] = self.symbol("cannotInterpret:")
        so[36] = c("BlockClosure")
        so[42] = c("LargeNegativeInteger")
        so[48] = self.symbol("aboutToReturn:through:")
        so[49] = self.symbol("run:with:in:")
        so[50] = self.symbol("attemptToAssign:withIndex:")
        return self.array(so)


def build_image(core: Core, files: list[Path] | None = None) -> Builder:
    """Write the kernel image into core's memory (doIts are run by the caller)."""
    b = Builder(core, files or kernel_files())
    b.build()
    return b
