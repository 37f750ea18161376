"""Parser and code generator: literals, errors with positions, encodings, inlining, closures."""
import pytest
from hypothesis import given, settings, strategies as st

from catalyst.frontend import bytecodes as B
from catalyst.frontend.compiler import ClassScope, compile_doit, compile_method
from catalyst.frontend.disasm import disassemble_spec
from catalyst.frontend.errors import CompileError
from catalyst.frontend.literals import ByteArr, Char, LitArray, MethodClassBinding, Sym
from catalyst.frontend.parser import parse_doit


def lit(src):
    return parse_doit(src).body[0].value


@pytest.mark.parametrize("src,value", [
    ("16r1F", 31), ("2r1010", 10), ("-5", -5), ("16r-1F", -31), ("1e10", 10 ** 10),
    ("2r1e4", 16), ("1.5", 1.5), ("1.0e10", 1e10), ("1.5e-3", 0.0015),
    ("123456789012345678901234567890", 123456789012345678901234567890),
    ("$a", Char(97)), ("$ ", Char(32)), ("$'", Char(39)), ("'it''s'", "it's"),
    ("#foo", Sym("foo")), ("#foo:bar:", Sym("foo:bar:")), ("#+", Sym("+")),
    ("#'hello world'", Sym("hello world")),
    ("#(1 $a 'b' #c d: e #(nested) true false nil)",
     LitArray((1, Char(97), "b", Sym("c"), Sym("d:"), Sym("e"), LitArray((Sym("nested"),)),
               True, False, None))),
    ("#[1 2 255]", ByteArr(b"\x01\x02\xff")), ("#(foo:bar: -3)", LitArray((Sym("foo:bar:"), -3))),
])
def test_literals(src, value):
    assert lit(src) == value


@pytest.mark.parametrize("src,line,col", [
    ("3 +", 1, 4), ("x := 3", 1, 1), ("(1 + 2", 1, 7), ("'open", 1, 1), ("#(1 2", 1, 6),
    ("1.\n2 +\n", 3, 1), ("[:x x]", 1, 5),
])
def test_errors_name_line_and_column(src, line, col):
    with pytest.raises(CompileError) as e:
        compile_doit(src.replace("x := 3", "x := 3") if src != "x := 3" else "zork := 3")
    assert (e.value.line, e.value.column) == (line, col)
    assert f":{line}:{col}:" in str(e.value)


def test_assignment_to_argument_is_rejected():
    with pytest.raises(CompileError, match="cannot assign to argument"):
        compile_method("foo: x x := 3")


def test_benchfib_golden_listing():
    spec = compile_method("benchFib ^self < 2 ifTrue: [1] ifFalse: "
                          "[(self - 1) benchFib + (self - 2) benchFib + 1]",
                          ClassScope("Integer"))
    assert spec.literals == [Sym("benchFib"), Sym("benchFib"), MethodClassBinding()]
    assert spec.bytecodes.hex() == "7077b29a76a40b7076b1d07077b1d0b076b07c"
    assert spec.header == 3


def test_primitive_header_and_call_primitive_bytecode():
    spec = compile_method("+ x <primitive: 1> ^super + x", ClassScope("SmallInteger"))
    assert spec.header & 0x10000 and spec.bytecodes[:3] == bytes([139, 1, 0])
    assert (spec.header >> 24) & 15 == 1


def test_super_send_uses_class_binding_last():
    spec = compile_method("foo ^super foo", ClassScope("X"))
    assert isinstance(spec.literals[-1], MethodClassBinding)
    assert [i.op for i in B.decode(spec.bytecodes)][:2] == ["push_self", "super_send"]


def test_temp_vector_for_variables_blocks_assign():
    spec = compile_doit("| sum | sum := 0. #(1 2) do: [:e | sum := sum + e]. sum")
    ops = [i.op for i in B.decode(spec.bytecodes)]
    assert ops[0] == "push_new_array" and "store_remote_temp" in ops and "push_closure" in ops


def test_copied_values_for_read_only_captures():
    spec = compile_doit("| k | k := 5. [k + 1] value")
    closure = [i for i in B.decode(spec.bytecodes) if i.op == "push_closure"][0]
    assert closure.args[0] == 1          # one copied value, no temp vector
    assert "push_new_array" not in [i.op for i in B.decode(spec.bytecodes)]


@pytest.mark.parametrize("src", [
    "3 > 2 ifTrue: [1] ifFalse: [2]", "3 > 2 ifFalse: [1]", "true and: [false]", "nil or: [3]",
    "| i | i := 0. [i < 3] whileTrue: [i := i + 1]. i", "[false] whileFalse",
    "1 to: 10 do: [:i | i]", "10 to: 1 by: -2 do: [:i | i]", "nil ifNil: [1] ifNotNil: [:x | x]",
    "3 ifNotNil: [:x | x + 1]", "[:x | x] value: 3",
])
def test_inlined_control_structures_send_no_block_selectors(src):
    spec = compile_doit(src)
    sels = {l.name for l in spec.literals if isinstance(l, Sym)}
    assert not sels & {"ifTrue:ifFalse:", "ifFalse:", "and:", "or:", "whileTrue:", "whileFalse",
                       "to:do:", "to:by:do:", "ifNil:ifNotNil:", "ifNotNil:"}
    assert disassemble_spec(spec)


def test_long_jumps_when_bodies_are_big():
    body = ". ".join(f"x foo: {i}" for i in range(100))
    spec = compile_doit(f"| x | x := nil. true ifTrue: [{body}]. 3")
    assert any(i.op == "jump_if_false" and i.size == 2 for i in B.decode(spec.bytecodes))


names = st.sampled_from(["a", "b", "c"])
leaf = st.one_of(st.integers(-100, 100).map(str), names, st.just("nil"), st.just("'s'"))


def exprs(depth=3):
    if depth == 0:
        return leaf
    sub = exprs(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["+", "-", "*", "<", "=", ","]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(sub, sub, sub).map(lambda t: f"({t[0]} > 0 ifTrue: [{t[1]}] ifFalse: [{t[2]}])"),
        st.tuples(names, sub).map(lambda t: f"({t[0]} := {t[1]})"),
        st.tuples(sub, sub).map(lambda t: f"([:x | x + {t[0]}] value: {t[1]})"),
        st.tuples(sub, sub).map(lambda t: f"({t[0]} foo: {t[1]} bar: a)"),
        sub.map(lambda e: f"[:i | a := {e}] value: 1"),
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(exprs(), min_size=1, max_size=4))
def test_generated_expressions_compile_and_decode(stmts):
    spec = compile_doit("| a b c | " + ". ".join(stmts))
    depth, lowest = 0, 0
    for ins in B.decode(spec.bytecodes):   # every byte decodes; the straight-line depth is sane
        pops, pushes = ins.stack_effect()
        assert pops >= 0 and pushes >= 0
    assert spec.frame_size >= spec.num_temps


def test_jump_beyond_the_encoding_is_a_compile_error():
    body = ". ".join(f"x foo: {i}" for i in range(400))
    with pytest.raises(CompileError, match="too large"):
        compile_doit(f"| x | x := nil. true ifTrue: [{body}]. 3")


def test_every_kernel_method_compiles_and_disassembles(tmp_path):
    from catalyst.kernel.bootstrap import Builder, kernel_files
    from catalyst.vm.core import Core
    b = Builder(Core(), kernel_files())
    b.read()
    count = 0
    for info in b.classes.values():
        for meta, methods in ((False, info.methods), (True, info.class_methods)):
            for mc in methods:
                spec = b.compile(info, mc, meta)
                assert disassemble_spec(spec)
                count += 1
    assert count > 500


def test_disassembler_covers_every_method_of_the_live_kernel(vm):
    from catalyst.frontend.disasm import disassemble_method
    h = vm.heap
    listed = 0
    for name in ("Object", "Integer", "SmallInteger", "OrderedCollection", "Dictionary",
                 "String", "Exception", "BlockClosure", "Float", "Fraction"):
        cls = vm.class_named(name)
        md = h.slot(cls, 1)
        for i in range(h.num_slots(md) - 2):
            key = h.slot(md, 2 + i)
            if key != vm.nil:
                text = disassemble_method(vm, f"{name}>>{h.string_of(key)}")
                assert "return" in text or "Return" in text or "jumpTo" in text
                listed += 1
    assert listed > 300
