"""Every method of the kernel sources compiles, disassembles and passes the stack verifier.

This needs only the chunk reader and the compiler (no VM): class scopes come from the class
definitions in the files (instance variables of the superclass chain, class variables)."""
from pathlib import Path

import pytest

import catalyst.kernel
from catalyst.frontend import bytecodes as B
from catalyst.frontend.chunks import ClassDef, ClassInstVars, MethodChunk, read_chunks
from catalyst.frontend.compiler import ClassScope, compile_method
from catalyst.frontend.disasm import disassemble
from catalyst.frontend.stackcheck import check_stack

KERNEL = sorted(Path(catalyst.kernel.__file__).parent.glob("*.st"))


def kernel_items():
    items = []
    for path in KERNEL:
        items += read_chunks(path.read_text(), str(path))
    return items


def scope_maker(items):
    defs = {i.name: i for i in items if isinstance(i, ClassDef)}
    class_side = {i.class_name: i.inst_vars for i in items if isinstance(i, ClassInstVars)}

    def chain(name):
        out = []
        while name in defs:
            out.append(defs[name])
            name = defs[name].superclass
        return out[::-1]

    def scope(name, meta):
        c = chain(name)
        cvars = {v for d in c for v in d.class_vars}
        if meta:     # a metaclass: Class's layout, then the class-side variables
            ivars = [v for d in chain("Class") for v in d.inst_vars] + \
                [v for d in c for v in class_side.get(d.name, [])]
        else:
            ivars = [v for d in c for v in d.inst_vars]
        return ClassScope(name + " class" * meta, ivars, cvars,
                          lambda n: n in defs or n[:1].isupper())
    return scope


@pytest.mark.skipif(not KERNEL, reason="no kernel sources (catalyst/kernel/*.st) yet")
def test_every_kernel_method_compiles_disassembles_and_verifies():
    items = kernel_items()
    scope = scope_maker(items)
    count = 0
    for item in items:
        if not isinstance(item, MethodChunk):
            continue
        spec = compile_method(item.source, scope(item.class_name, item.meta), item.filename,
                              item.line - 1)
        text = disassemble(spec)
        assert text.count("\n") + 1 == len(list(B.decode(spec.bytecodes)))
        depths = check_stack(spec.bytecodes)
        assert depths[0] <= spec.max_depth, f"{item.class_name}>>{spec.selector}"
        assert spec.header & 0x7FFF == len(spec.literals) and spec.bytecodes
        count += 1
    assert count > 100
