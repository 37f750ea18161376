"""File-in: chunk splitting, class definitions, method sections, doIts, line numbers, errors."""
import pytest

from catalyst.frontend.chunks import ClassInstVars, DoIt, read_chunks
from catalyst.frontend.compiler import ClassScope, compile_method
from catalyst.frontend.errors import CompileError

SOURCE = """\
"a file-out"
Object subclass: #Point3
	instanceVariableNames: 'x y z'
	classVariableNames: 'Origin Count'
	poolDictionaries: ''
	category: 'Demo-Geometry'!

Point3 class instanceVariableNames: 'cache'!

!Point3 methodsFor: 'accessing'!
x
	^x!
x: aNumber
	"bangs are doubled: !! becomes one"
	x := aNumber! !

!Point3 class methodsFor: 'instance creation' stamp: 'ab 1/1/2020 10:00'!
origin
	^Origin! !

Smalltalk at: #Answer put: 42!
Point3 new x: 3!
"""


def test_items_in_order_with_lines():
    items = read_chunks(SOURCE, "demo.st")
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["ClassDef", "ClassInstVars", "MethodChunk", "MethodChunk", "MethodChunk",
                     "DoIt", "DoIt"]
    d = items[0]
    assert (d.name, d.superclass, d.kind, d.inst_vars, d.class_vars, d.pools, d.category) == \
        ("Point3", "Object", "subclass", ["x", "y", "z"], ["Origin", "Count"], [], "Demo-Geometry")
    assert (d.filename, d.line) == ("demo.st", 1)    # where the chunk's text starts
    assert items[1] == ClassInstVars("Point3", ["cache"], "demo.st", 8)
    x, setter, origin = items[2:5]
    assert (x.class_name, x.meta, x.category, x.line) == ("Point3", False, "accessing", 11)
    assert x.source == "x\n\t^x"
    assert "!! becomes" not in setter.source and "! becomes one" in setter.source
    assert setter.line == 13
    assert (origin.meta, origin.category, origin.line) == (True, "instance creation", 18)
    assert items[5] == DoIt("Smalltalk at: #Answer put: 42", "demo.st", 21)
    assert items[6].line == 22


@pytest.mark.parametrize("message,kind", [
    ("subclass:", "subclass"), ("variableSubclass:", "variableSubclass"),
    ("variableByteSubclass:", "variableByteSubclass"),
    ("variableWordSubclass:", "variableWordSubclass"), ("weakSubclass:", "weakSubclass"),
    ("weakVariableSubclass:", "weakSubclass"),
])
def test_definition_kinds(message, kind):
    (d,) = read_chunks(f"Collection {message} #Bag2 instanceVariableNames: 'a' "
                       "classVariableNames: '' poolDictionaries: 'Pool1 Pool2' category: 'C'!")
    assert (d.kind, d.superclass, d.pools) == (kind, "Collection", ["Pool1", "Pool2"])


def test_package_form_and_nil_superclass():
    (d,) = read_chunks("nil subclass: #ProtoObject2 instanceVariableNames: '' "
                       "classVariableNames: '' package: 'Kernel-Objects'!")
    assert (d.superclass, d.category, d.inst_vars) == (None, "Kernel-Objects", [])


def test_other_chunks_are_doits():
    items = read_chunks("Transcript show: 'x'; cr!\n| a | a := 3. a!\nObject foo: #Bar!")
    assert all(isinstance(i, DoIt) for i in items) and len(items) == 3


def test_method_chunk_compile_errors_point_into_the_file():
    items = read_chunks(SOURCE.replace("\t^x!", "\t^x +!"), "demo.st")
    m = items[2]
    with pytest.raises(CompileError) as e:
        compile_method(m.source, ClassScope("Point3", ["x", "y", "z"]), m.filename, m.line - 1)
    assert (e.value.filename, e.value.line, e.value.column) == ("demo.st", 12, 6)


@pytest.mark.parametrize("src,message,line", [
    ("\nObject subclass: #A instanceVariableNames: 3 classVariableNames: '' "
     "poolDictionaries: '' category: 'x'!", "instanceVariableNames: must be a string", 2),
    ("Object subclass: 3 instanceVariableNames: '' classVariableNames: '' "
     "poolDictionaries: '' category: 'x'!", "class name", 1),
    ("\n\n!Object methodsFor: 3!\nfoo ^1! !", "methodsFor: needs a category string", 3),
])
def test_malformed_definitions(src, message, line):
    with pytest.raises(CompileError, match=message) as e:
        read_chunks(src, "bad.st")
    assert e.value.line == line and e.value.filename == "bad.st"


def test_text_without_final_bang_and_empty_sections():
    items = read_chunks("!Object methodsFor: 'a'!\n! !\n3 + 4")
    assert items == [DoIt("3 + 4", "<input>", 3)]


def test_every_kernel_file_reads():
    from pathlib import Path
    import catalyst.kernel
    root = Path(catalyst.kernel.__file__).parent
    files = sorted(root.glob("*.st"))
    if not files:
        pytest.skip("no kernel sources yet")
    counts = {"ClassDef": 0, "MethodChunk": 0}
    for f in files:
        for item in read_chunks(f.read_text(), str(f)):
            counts[type(item).__name__] = counts.get(type(item).__name__, 0) + 1
            assert item.filename == str(f) and item.line >= 1
    assert counts["ClassDef"] > 10 and counts["MethodChunk"] > 100
