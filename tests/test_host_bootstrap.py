"""The bootstrap builder on a tiny kernel of our own (independent of catalyst/kernel/*.st):
classes and the metaclass loop, class indices and formats, method dictionaries, symbols,
literals, Smalltalk and class pools, the special objects array, running the result, and errors
that name file:line."""
import textwrap

import pytest

from catalyst.frontend.bytecodes import SPECIAL_SELECTORS
from catalyst.frontend.errors import CompileError
from catalyst.kernel.bootstrap import BootstrapError, build_image
from catalyst.vm.core import Core
from catalyst.vm.heap import HeapReader, untag_int
from catalyst.vm.vm import VM, SmalltalkError

DEF = "instanceVariableNames: '{iv}' classVariableNames: '{cv}' poolDictionaries: '' category: 'Tiny'!"


def define(sup, kind, name, iv="", cv=""):
    return f"{sup} {kind}: #{name} " + DEF.format(iv=iv, cv=cv)


CLASSES = "\n".join([
    define("nil", "subclass", "Object"),
    define("Object", "subclass", "Behavior", "superclass methodDict format"),
    define("Behavior", "subclass", "ClassDescription", "instanceVariables organization"),
    define("ClassDescription", "subclass", "Class",
           "subclasses name classPool sharedPools environment category"),
    define("ClassDescription", "subclass", "Metaclass", "thisClass"),
    define("Object", "subclass", "UndefinedObject"),
    define("Object", "subclass", "Boolean"),
    define("Boolean", "subclass", "True"),
    define("Boolean", "subclass", "False"),
    define("Object", "subclass", "Integer"),
    define("Integer", "subclass", "SmallInteger"),
    define("Integer", "variableByteSubclass", "LargePositiveInteger"),
    define("LargePositiveInteger", "variableByteSubclass", "LargeNegativeInteger"),
    define("Object", "variableWordSubclass", "Float"),
    define("Object", "subclass", "Character"),
    define("Object", "variableSubclass", "Array"),
    define("Object", "variableByteSubclass", "String"),
    define("String", "variableByteSubclass", "Symbol", cv="SymbolTable"),
    define("Object", "variableByteSubclass", "ByteArray"),
    define("Object", "subclass", "LookupKey", "key"),
    define("LookupKey", "subclass", "Association", "value"),
    define("Object", "subclass", "HashedCollection", "tally array"),
    define("HashedCollection", "subclass", "Dictionary"),
    define("Dictionary", "subclass", "SystemDictionary"),
    define("Dictionary", "variableSubclass", "MethodDictionary"),
    define("Object", "variableByteSubclass", "CompiledMethod"),
    define("Object", "subclass", "Thing", "a b", cv="Counter"),
    define("Thing", "subclass", "SubThing", "c"),
])

METHODS = textwrap.dedent("""\
    !Behavior methodsFor: 'instances'!
    new
    \t<primitive: 70>
    \t^nil!
    new: n
    \t<primitive: 71>
    \t^nil! !

    !SmallInteger methodsFor: 'arithmetic'!
    + x
    \t<primitive: 1>
    \t^nil!
    * x
    \t<primitive: 9>
    \t^nil! !

    !Thing methodsFor: 'tests'!
    answer
    \t^42!
    a: x
    \ta := x!
    a
    \t^a!
    bump
    \tCounter isNil ifTrue: [Counter := 0].
    \tCounter := Counter + 1.
    \t^Counter!
    literals
    \t^#(1 $a #sym 'str' 2.5 #(nested) true false nil)!
    bytes
    \t^#[1 2 255]!
    large
    \t^123456789012345678901234567890!
    negativeLarge
    \t^-98765432109876543210!
    float
    \t^-0.125!
    global
    \t^Thing! !

    !Thing class methodsFor: 'tests'!
    make
    \t^self new a: 7; yourself!
    yourself
    \t^self! !

    !Object methodsFor: 'tests'!
    yourself
    \t^self!
    isNil
    \t^false! !

    !UndefinedObject methodsFor: 'tests'!
    isNil
    \t^true! !

    !SubThing methodsFor: 'tests'!
    answer
    \t^super answer + 1! !
    """)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("kernel") / "00-tiny.st"
    path.write_text(CLASSES + "\n\n" + METHODS)
    core = Core()
    builder = build_image(core, [path])
    return builder, VM(core), HeapReader(core)


def cls(builder, name):
    return builder.classes[name].oop


def test_metaclass_loop(tiny):
    b, vm, r = tiny
    obj, meta = cls(b, "Object"), cls(b, "Metaclass")
    obj_class = r.class_of(obj)
    assert obj_class == b.classes["Object"].meta_oop
    assert r.class_of(obj_class) == meta                  # Object class class == Metaclass
    assert r.class_of(r.class_of(meta)) == meta           # Metaclass class class == Metaclass
    assert r.slot(obj_class, 0) == cls(b, "Class")        # Object class superclass == Class
    assert r.slot(obj, 0) == b.nil                        # Object superclass == nil
    thing_meta = r.class_of(cls(b, "SubThing"))
    assert r.slot(thing_meta, 0) == r.class_of(cls(b, "Thing"))   # parallel hierarchies
    assert r.slot(thing_meta, 5) == cls(b, "SubThing")            # Metaclass thisClass
    assert r.class_name(thing_meta) == "SubThing class"


def test_class_indices_are_identity_hashes(tiny):
    b, vm, r = tiny
    for name, info in b.classes.items():
        for oop, index in ((info.oop, info.index), (info.meta_oop, info.meta_index)):
            assert vm.core.u32(oop + 4) & 0x3FFFFF == index
            assert vm.core.u32(0x10000 + 4 * index) == oop
    assert b.classes["SmallInteger"].index == 1 and b.classes["Character"].index == 2
    assert vm.core.u32(0x10000 + 12) == cls(b, "SmallInteger")   # index 3 aliases it
    ordinary = [i.index for n, i in b.classes.items() if n not in ("SmallInteger", "Character")]
    assert min(ordinary) >= 16 and len(set(ordinary)) == len(ordinary)


@pytest.mark.parametrize("name,spec,size", [
    ("SmallInteger", 7, 0), ("Character", 7, 0), ("Object", 0, 0), ("Array", 2, 0),
    ("String", 16, 0), ("Symbol", 16, 0), ("CompiledMethod", 24, 0), ("Float", 10, 0),
    ("Association", 1, 2), ("MethodDictionary", 3, 2), ("Class", 1, 11), ("Metaclass", 1, 6),
    ("Thing", 1, 2), ("SubThing", 1, 3), ("LargeNegativeInteger", 16, 0),
])
def test_formats_from_definition_kinds(tiny, name, spec, size):
    b, vm, r = tiny
    word = untag_int(r.slot(cls(b, name), 2))
    assert (word >> 16, word & 0xFFFF) == (spec, size)


def test_metaclass_formats_count_class_slots(tiny):
    b, vm, r = tiny
    word = untag_int(r.slot(r.class_of(cls(b, "Thing")), 2))
    assert (word >> 16, word & 0xFFFF) == (1, 11)
    assert r.num_slots(cls(b, "Thing")) == 11


def test_method_dictionaries(tiny):
    b, vm, r = tiny
    thing = cls(b, "Thing")
    md = r.slot(thing, 1)
    size = r.num_slots(md) - 2
    assert size & (size - 1) == 0 and size >= 2 * untag_int(r.slot(md, 0))
    assert untag_int(r.slot(md, 0)) == 10
    for sel in ("answer", "a:", "a", "bump", "literals", "bytes", "large", "negativeLarge",
                "float", "global"):
        m = vm.core.call("lookup", thing, b.symbols[sel])
        assert m and r.method_selector(m) == sel and r.method_class(m) == thing
    assert vm.core.call("lookup", thing, b.symbols["+"]) == 0
    meta_m = vm.core.call("lookup", r.class_of(thing), b.symbols["make"])
    assert meta_m and r.method_selector(meta_m) == "make"


def test_symbols_are_unique_and_in_the_symbol_table(tiny):
    b, vm, r = tiny
    sym_class = cls(b, "Symbol")
    assert all(r.class_of(s) == sym_class and r.string_of(s) == n for n, s in b.symbols.items())
    assert len(set(b.symbols.values())) == len(b.symbols)
    table = r.slot(b.classes["Symbol"].pool["SymbolTable"], 1)
    held = {r.slot(table, i) for i in range(r.num_slots(table))}
    assert held == set(b.symbols.values())


def test_special_objects_array(tiny):
    b, vm, r = tiny
    so = vm.core.global_value("special_objects")
    expect = {0: b.nil, 1: b.false, 2: b.true, 5: cls(b, "SmallInteger"), 6: cls(b, "String"),
              7: cls(b, "Array"), 9: cls(b, "Float"), 13: cls(b, "LargePositiveInteger"),
              16: cls(b, "CompiledMethod"), 19: cls(b, "Character"), 26: cls(b, "ByteArray"),
              42: cls(b, "LargeNegativeInteger"), 8: b.smalltalk}
    for i, oop in expect.items():
        assert r.slot(so, i) == oop, i
    for i, sel in ((20, "doesNotUnderstand:"), (21, "cannotReturn:"), (25, "mustBeBoolean"),
                   (48, "aboutToReturn:through:")):
        assert r.string_of(r.slot(so, i)) == sel
    assoc = r.slot(so, 3)
    assert r.string_of(r.slot(assoc, 0)) == "Processor"
    pairs = r.slot(so, 23)
    assert r.num_slots(pairs) == 64
    got = [(r.string_of(r.slot(pairs, 2 * i)), untag_int(r.slot(pairs, 2 * i + 1)))
           for i in range(32)]
    assert got == list(SPECIAL_SELECTORS)
    assert got[0] == ("+", 1) and got[17] == ("at:put:", 2) and got[31] == ("y", 0)


def test_smalltalk_and_class_pools(tiny):
    b, vm, r = tiny
    for name in b.classes:
        assert vm.global_value(name) == cls(b, name)
    pool_var = b.classes["Thing"].pool["Counter"]
    assert r.string_of(r.slot(pool_var, 0)) == "Counter"
    assert vm.smalltalk_assoc("Counter") is None          # a class variable is not a global
    assert set(vm.class_pool_bindings(cls(b, "SubThing"))) == {"Counter"}
    # the compiled method refers to the pool's association, not to a global
    bump = vm.core.call("lookup", cls(b, "Thing"), b.symbols["bump"])
    nlits = untag_int(r.slot(bump, 0)) & 0x7FFF
    assert pool_var in [r.slot(bump, 1 + i) for i in range(nlits)]


def run(vm, src):
    return vm.evaluate(src)


def test_running_the_tiny_image(tiny):
    b, vm, r = tiny
    assert r.int_of(run(vm, "3 + 4")) == 7
    assert r.int_of(run(vm, "Thing new answer")) == 42
    assert r.int_of(run(vm, "SubThing new answer")) == 43      # super send via the binding
    assert r.int_of(run(vm, "Thing make a")) == 7              # class-side method
    assert r.int_of(run(vm, "Thing new bump + Thing new bump")) == 3
    assert r.int_of(r.slot(b.classes["Thing"].pool["Counter"], 1)) == 2
    assert run(vm, "Thing new global") == cls(b, "Thing")
    assert r.int_of(run(vm, "Thing new large")) == 123456789012345678901234567890
    assert r.int_of(run(vm, "Thing new negativeLarge")) == -98765432109876543210
    assert r.float_of(run(vm, "Thing new float")) == -0.125
    assert r.bytes_of(run(vm, "Thing new bytes")) == bytes([1, 2, 255])


def test_literal_array(tiny):
    b, vm, r = tiny
    arr = run(vm, "Thing new literals")
    items = [r.slot(arr, i) for i in range(r.num_slots(arr))]
    assert r.int_of(items[0]) == 1 and r.char_of(items[1]) == "a"
    assert items[2] == b.symbols["sym"] and r.string_of(items[3]) == "str"
    assert r.class_of(items[3]) == cls(b, "String")
    assert r.float_of(items[4]) == 2.5
    assert r.class_of(items[5]) == cls(b, "Array") and r.num_slots(items[5]) == 1
    assert r.string_of(r.slot(items[5], 0)) == "nested"
    assert items[6:] == [b.true, b.false, b.nil]


def test_message_not_understood_without_kernel_support_halts_cleanly(tiny):
    b, vm, r = tiny
    with pytest.raises(SmalltalkError) as e:
        run(vm, "nil answer")       # (new selectors would need the kernel's String>>asSymbol)
    assert e.value.code == 5 and "answer" in e.value.text
    assert e.value.stack and "UndefinedObject>>DoIt" in e.value.stack[-1]
    assert r.int_of(run(vm, "3 * 5")) == 15                  # still usable


def test_syntax_error_names_file_line_column(tmp_path):
    path = tmp_path / "bad.st"
    path.write_text(CLASSES + "\n\n!Thing methodsFor: 'x'!\nfoo\n\t^3 + + 4! !\n")
    with pytest.raises(CompileError) as e:
        build_image(Core(), [path])
    line = CLASSES.count("\n") + 5
    assert str(e.value).startswith(f"{path}:{line}:")


def test_methods_of_an_undefined_class_are_reported(tmp_path):
    path = tmp_path / "bad.st"
    path.write_text(CLASSES + "\n\n!Nowhere methodsFor: 'x'!\nfoo ^1! !\n")
    with pytest.raises(CompileError, match="Nowhere"):
        build_image(Core(), [path])


def test_missing_required_class(tmp_path):
    path = tmp_path / "bad.st"
    path.write_text(CLASSES.replace(define("Object", "variableSubclass", "Array"), ""))
    with pytest.raises(BootstrapError, match="Array"):
        build_image(Core(), [path])
