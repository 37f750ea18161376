"""The summary `catalyst image info` prints: format, word size, byte order, object counts by
format, classes, methods, bytecode sets, and what each special object is."""
from __future__ import annotations

from collections import Counter

from catalyst.frontend.image_classes import Classes
from catalyst.frontend.image_methods import bytecode_set_of, check_all, is_quick
from catalyst.frontend.image_model import Image, ImmChar, ImmInt, is_method

FORMAT_GROUPS = ((24, "CompiledMethod"), (16, "bytes"), (12, "16-bit"), (10, "32-bit words"),
                 (5, "ephemeron"), (4, "weak"), (3, "fixed + indexable pointers"),
                 (2, "indexable pointers"), (1, "fixed pointers"), (0, "no slots"))

# Squeak's names of the special objects the summary lists (index -> name)
SPECIAL_NAMES = {0: "nil", 1: "false", 2: "true", 3: "Processor", 4: "Bitmap", 5: "SmallInteger",
                 6: "String", 7: "Array", 8: "Smalltalk", 9: "Float", 10: "MethodContext",
                 11: "BlockContext", 12: "Point", 13: "LargePositiveInteger", 15: "Message",
                 16: "CompiledMethod", 18: "Semaphore", 19: "Character", 20: "doesNotUnderstand",
                 21: "cannotReturn", 23: "special selectors", 24: "character table",
                 25: "mustBeBoolean", 26: "ByteArray", 27: "Process", 28: "compact classes",
                 34: "cannotInterpret", 36: "BlockClosure", 42: "LargeNegativeInteger",
                 48: "aboutToReturn", 49: "run:with:in:"}


def format_group(fmt: int) -> str:
    return next(name for lo, name in FORMAT_GROUPS if fmt >= lo)


def describe(img: Image, classes: Classes, ref) -> str:
    """A short description of a value: a class's name, #symbol, a SmallInteger, 'a Foo'."""
    if isinstance(ref, ImmInt):
        return str(ref.value)
    if isinstance(ref, ImmChar):
        return f"${chr(ref.code)}"
    if ref == img.nil:
        return "nil"
    if ref in classes.all_behaviors and ref not in (img.special(1), img.special(2)):
        return classes.name(ref)
    cls = img.objects[ref].class_ref
    cname = classes.name(cls)
    if cls == classes.symbol_class:
        return "#" + img.text(ref)
    n = len(img.objects[ref].slots)
    return f"a{'n' if cname[:1] in 'AEIOU' else ''} {cname}" + (f" ({n} slots)" if n > 1 else "")


def summary(img: Image, decode: bool = True) -> dict:
    classes = Classes(img)
    methods = [o.index for o in img.objects if is_method(o.fmt)]
    sets = Counter(bytecode_set_of(img, m) for m in methods)
    specials = {}
    for i, v in enumerate(img.objects[img.specials].slots):
        if i in SPECIAL_NAMES:
            specials[f"{i} {SPECIAL_NAMES[i]}"] = describe(img, classes, v)
    h = img.header
    out = {
        "path": img.path, "format": img.version, "kind": img.kind, "word_size": 4,
        "byte_order": img.byte_order, "header_size": h.header_size, "data_size": h.data_size,
        "old_base": f"{h.old_base:#x}", "special_objects_oop": f"{h.special_objects_oop:#x}",
        "last_hash": h.last_hash, "objects": len(img.objects),
        "objects_by_format": dict(Counter(format_group(o.fmt) for o in img.objects)),
        "classes": len(classes.classes), "metaclasses": len(classes.metaclasses),
        "methods": len(methods), "bytecode_sets": dict(sets),
        "symbols": len(classes.symbols()),
        "floats": sum(1 for o in img.objects if o.class_ref == img.special(9)),
        "special_objects_count": len(img.objects[img.specials].slots),
        "special_objects": specials,
    }
    if img.spur:
        out["hidden_vm_objects"] = img.hidden
        out["class_table_entries"] = len(img.class_table)
    else:
        out["quick_methods"] = sum(1 for m in methods if is_quick(img, m))
    if decode:
        report = check_all(img)
        out["methods_decoding_cleanly"] = report.clean
        out["decode_errors"] = [f"{describe_method(img, classes, m)}: {e}" for m, e in report.errors]
    return out


def describe_method(img: Image, classes: Classes, m: int) -> str:
    """'Class>>selector' for a method found in a method dictionary, else its object number."""
    index = getattr(classes, "_method_names", None)
    if index is None:
        index = classes._method_names = {meth: f"{classes.name(c)}>>{sel}"
                                         for c, sel, meth in classes.all_methods()}
    return index.get(m, f"method #{m} at {img.objects[m].oop:#x}")
