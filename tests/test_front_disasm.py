"""Disassembler: Squeak-style listings for both bytecode sets, pcs, literals, bad input."""
import pytest

from catalyst.frontend import bytecodes as B
from catalyst.frontend.compiler import ClassScope, compile_method
from catalyst.frontend.disasm import disassemble, disassemble_spec
from catalyst.frontend.literals import Binding, Sym


def test_spec_listing_uses_squeak_pcs_and_literals():
    spec = compile_method("foo: x ^[:y | x + y] value: Smalltalk",
                          ClassScope("X", is_global=lambda n: n == "Smalltalk"))
    text = disassemble(spec)
    assert text.splitlines() == [
        "  17 <10> pushTemp: 0",
        "  18 <8F 11 00 04> closure(numCopied: 1 numArgs: 1) to: 26",
        "  22 <11> pushTemp: 1",          # x, copied after the block's argument
        "  23 <10> pushTemp: 0",
        "  24 <B0> send: +",
        "  25 <7D> blockReturn",
        "  26 <40> pushLitVar: {Smalltalk}",
        "  27 <CA> send: value:",
        "  28 <7C> returnTop",
    ]
    assert disassemble(spec.bytecodes, spec.literals) == text       # same from raw bytes
    head = disassemble_spec(spec).splitlines()[0]
    assert head.startswith("X>>foo:") and "1 args" in head


@pytest.mark.parametrize("code,lits,line", [
    ([0x00], [], "pushRcvr: 0"), ([0x1F], [], "pushTemp: 15"),
    ([0x20], [Sym("a")], "pushConstant: #a"), ([0x40], [Binding("Foo")], "pushLitVar: {Foo}"),
    ([0x61], [], "popIntoRcvr: 1"), ([0x6F], [], "popIntoTemp: 7"), ([0x70], [], "self"),
    ([0x71], [], "pushConstant: true"), ([0x74], [], "pushConstant: -1"),
    ([0x78], [], "return: self"), ([0x7B], [], "return: nil"), ([0x7C], [], "returnTop"),
    ([0x7D], [], "blockReturn"), ([0x80, 0x45], [], "pushTemp: 5"),
    ([0x81, 0x03], [], "storeIntoRcvr: 3"), ([0x82, 0xC0], [Sym("k")], "popIntoLitVar: #k"),
    ([0x83, 0x41], [Sym("a"), Sym("at:put:")], "send: #at:put:"),
    ([0x84, 0x22, 0x00], [Sym("sup:")], "superSend: #sup: (numArgs 2)"),
    ([0x85, 0x20], [Sym("x:")], "superSend: #x:"), ([0x86, 0x40], [Sym("y:")], "send: #y:"),
    ([0x87], [], "pop"), ([0x88], [], "dup"), ([0x89], [], "pushThisContext"),
    ([0x8A, 0x03], [], "push: (Array new: 3)"), ([0x8A, 0x82], [], "pop 2 into (Array new: 2)"),
    ([0x8B, 0x3C, 0x00], [], "callPrimitive: 60"),
    ([0x8C, 0x01, 0x02], [], "pushTemp: 1 inVectorAt: 2"),
    ([0x8D, 0x01, 0x02], [], "storeIntoTemp: 1 inVectorAt: 2"),
    ([0x8E, 0x00, 0x01], [], "popIntoTemp: 0 inVectorAt: 1"),
    ([0xB0], [], "send: +"), ([0xC9], [], "send: value"), ([0xD0], [Sym("zork")], "send: #zork"),
    ([0xE1], [Sym("a"), Sym("b:")], "send: #b:"), ([0xF0], [Sym("c:d:")], "send: #c:d:"),
])
def test_each_family(code, lits, line):
    text = disassemble(bytes(code), lits, first_pc=1)
    assert text.split("> ", 1)[1] == line
    raw = " ".join(f"{b:02X}" for b in code)
    assert text.startswith(f"   1 <{raw}>")


def test_jump_targets_are_absolute_pcs():
    text = disassemble(bytes([0x99, 0x70, 0xA3, 0xFC, 0xA8, 0x01, 0x70, 0x70]), [], first_pc=10)
    assert [l.split("> ")[1] for l in text.splitlines()] == [
        "jumpFalse: 13", "self", "jumpTo: 10", "jumpTrue: 17", "self", "self"]


def test_pre_closure_v3_set():
    code = bytes([0x10, 0x89, 0xC8, 0xA4, 0x02, 0x70, 0x7D, 0xC9, 0x7C])
    text = disassemble(code, [], first_pc=1, bytecode_set=B.V3)
    assert "send: blockCopy:" in text and "blockReturn" in text
    with pytest.raises(B.BytecodeError, match="pc 3: bytecode 143 is not in the V3 set"):
        disassemble(bytes([0x70, 0x70, 0x8F, 0, 0, 0]), [], first_pc=1, bytecode_set=B.V3)


def test_truncated_instruction_names_its_pc():
    with pytest.raises(B.BytecodeError, match="pc 18: bytecode 140"):
        disassemble(bytes([0x70, 0x8C, 0x01]), [Sym("a"), Sym("b"), Sym("c")])


def test_missing_literals_are_named_by_index():
    assert disassemble(bytes([0xD3]), []).endswith("send: lit3")
