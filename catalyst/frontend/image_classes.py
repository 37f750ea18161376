"""Classes, metaclasses, names, instance formats and method dictionaries of a read image.

Images disagree on the shape of a class (Squeak's Class keeps its name in slot 6, the tiny
SqueakJS headless image in slot 3), so the shape is discovered from the image itself: the name
slot is the one holding `#SmallInteger` in class SmallInteger (special object 5), and a
metaclass's thisClass slot is the one pointing back to SmallInteger in SmallInteger's
metaclass. Every image agrees on the first three slots (superclass, methodDict, format) and on
MethodDictionary (named slots: tally, values Array; indexable slots: the selectors).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from catalyst.frontend.image_format import ImageFormatError
from catalyst.frontend.image_model import Image, ImmInt
from catalyst.frontend.image_v3 import v3_format_to_spur

SPECIAL_SMALLINTEGER = 5
SPECIAL_SYMBOL_EXAMPLE = 20     # #doesNotUnderstand:, a Symbol


@dataclass
class ClassShape:
    name_slot: int
    this_class_slot: int


class Classes:
    """What the image says about its classes (computed once per image)."""

    def __init__(self, img: Image):
        self.img = img
        si = img.special(SPECIAL_SMALLINTEGER)
        if type(si) is not int:
            raise ImageFormatError("special object 5 (SmallInteger) is not an object")
        self.smallinteger = si
        self.metaclass = img.class_of(img.class_of(si))
        self.shape = self._shape(si)

    def _shape(self, si: int) -> ClassShape:
        img = self.img
        cls = img.obj(si)
        name_slot = next((i for i, v in enumerate(cls.slots) if img.text(v) == "SmallInteger"), None)
        meta = img.obj(cls.class_ref)
        this_slot = next((i for i, v in enumerate(meta.slots) if i > 2 and v == si), None)
        if name_slot is None or this_slot is None:
            raise ImageFormatError("cannot find the name slot of class SmallInteger or the "
                                   "thisClass slot of its metaclass", cls.offset)
        return ClassShape(name_slot, this_slot)

    # --- which objects are classes ---------------------------------------------------------
    @cached_property
    def metaclasses(self) -> list[int]:
        return [o.index for o in self.img.objects if o.class_ref == self.metaclass]

    @cached_property
    def classes(self) -> list[int]:
        """The non-meta classes: each metaclass's sole instance."""
        out = []
        for m in self.metaclasses:
            slots = self.img.objects[m].slots
            if len(slots) > self.shape.this_class_slot and type(slots[self.shape.this_class_slot]) is int:
                out.append(slots[self.shape.this_class_slot])
        return out

    @cached_property
    def all_behaviors(self) -> set[int]:
        """Classes and metaclasses, plus any object used as some object's class."""
        return set(self.classes) | set(self.metaclasses) | {o.class_ref for o in self.img.objects}

    def is_metaclass(self, cls: int) -> bool:
        return self.img.objects[cls].class_ref == self.metaclass

    # --- names -------------------------------------------------------------------------------
    def name(self, cls: int) -> str:
        """'Foo', or 'Foo class' for a metaclass, or '<object #n>' when nothing names it."""
        img = self.img
        slots = img.objects[cls].slots
        if self.is_metaclass(cls):
            k = self.shape.this_class_slot
            if len(slots) > k and type(slots[k]) is int:
                return self.name(slots[k]) + " class"
        elif len(slots) > self.shape.name_slot:
            t = img.text(slots[self.shape.name_slot])
            if t:
                return t
        return f"<object #{cls}>"

    @cached_property
    def by_name(self) -> dict[str, int]:
        out = {}
        for c in self.classes:
            out.setdefault(self.name(c), c)
        return out

    def named(self, name: str) -> int:
        meta = name.endswith(" class")
        c = self.by_name.get(name[:-6] if meta else name)
        if c is None:
            raise KeyError(f"no class named {name}")
        return self.img.objects[c].class_ref if meta else c

    # --- layout of instances -------------------------------------------------------------------
    def instance_format(self, cls: int) -> tuple[int, int]:
        """(instSpec in Spur's numbering, number of named instance variables) of cls."""
        fmt = self.img.objects[cls].slots[2]
        if not isinstance(fmt, ImmInt):
            raise ImageFormatError(f"class {self.name(cls)} has no SmallInteger format",
                                   self.img.objects[cls].offset)
        v = fmt.value
        if self.img.spur:
            return (v >> 16) & 0x1F, v & 0xFFFF
        spec = v3_format_to_spur((v >> 7) & 0xF)
        return (spec if spec is not None else -1), ((v >> 10) & 0xC0) + ((v >> 1) & 0x3F) - 1

    def superclass(self, cls: int):
        s = self.img.objects[cls].slots[0]
        return None if s == self.img.nil else s

    # --- methods -------------------------------------------------------------------------------
    def methods(self, cls: int) -> dict[str, int]:
        """selector -> CompiledMethod object number, from cls's MethodDictionary."""
        img = self.img
        md = img.objects[cls].slots[1]
        if type(md) is not int or md == img.nil:
            return {}
        d = img.objects[md].slots
        if len(d) < 2 or type(d[1]) is not int:
            return {}
        values = img.objects[d[1]].slots
        out = {}
        for k, sel in enumerate(d[2:]):
            name = img.text(sel)
            if name is not None and k < len(values) and type(values[k]) is int:
                out[name] = values[k]
        return out

    def all_methods(self) -> list[tuple[int, str, int]]:
        """(class, selector, method) for every method in every class's and metaclass's dictionary."""
        out = []
        for c in self.classes + self.metaclasses:
            for sel, m in self.methods(c).items():
                out.append((c, sel, m))
        return out

    def lookup(self, cls: int, selector: str) -> int | None:
        """The method cls understands for selector (searching superclasses), or None."""
        c, seen = cls, 0
        while c is not None and seen < 1000:
            m = self.methods(c).get(selector)
            if m is not None:
                return m
            c, seen = self.superclass(c), seen + 1
        return None

    def method(self, ref: str) -> int:
        """The method named 'Class>>selector' or 'Class class>>selector' (defined there)."""
        cname, _, sel = ref.partition(">>")
        m = self.methods(self.named(cname)).get(sel)
        if m is None:
            raise KeyError(f"{cname} has no method {sel}")
        return m

    # --- symbols -------------------------------------------------------------------------------
    @cached_property
    def symbol_class(self) -> int:
        s = self.img.special(SPECIAL_SYMBOL_EXAMPLE)
        return self.img.class_of(s)

    def symbols(self) -> list[int]:
        return [o.index for o in self.img.objects if o.class_ref == self.symbol_class]
