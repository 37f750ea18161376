"""Lexer and parser: every literal form, precedence, cascades, blocks, pragmas, errors."""
import re

import pytest

from catalyst.frontend import ast
from catalyst.frontend.errors import CompileError
from catalyst.frontend.literals import ByteArr, Char, LitArray, Sym
from catalyst.frontend.parser import parse_doit, parse_method


def expr(src):
    return parse_doit(src).body[0]


def lit(src):
    node = expr(src)
    assert isinstance(node, ast.Literal), f"{src!r} parsed as {type(node).__name__}"
    return node.value


def shape(n):
    """A compact nested-tuple view of an expression tree."""
    if isinstance(n, ast.Literal):
        return n.value
    if isinstance(n, ast.Var):
        return n.name
    if isinstance(n, ast.CascadeReceiver):
        return "<r>"
    if isinstance(n, ast.Send):
        return (n.selector, shape(n.receiver), *[shape(a) for a in n.args])
    if isinstance(n, ast.Assign):
        return (":=", n.var.name, shape(n.value))
    if isinstance(n, ast.Cascade):
        return ("cascade", shape(n.receiver), *[shape(p) for p in n.parts])
    if isinstance(n, ast.Block):
        return ("block", tuple(n.args), tuple(n.temps), *[shape(s) for s in n.body])
    if isinstance(n, ast.Brace):
        return ("brace", *[shape(e) for e in n.elements])
    if isinstance(n, ast.Return):
        return ("^", shape(n.value))
    raise AssertionError(n)


@pytest.mark.parametrize("src,value", [
    ("42", 42), ("16r1F", 31), ("2r1010", 10), ("36rZZ", 1295), ("-5", -5), ("16r-1F", -31),
    ("-16r1F", -31), ("1e10", 10 ** 10), ("2r1e4", 16), ("16r1Fe2", 31 * 256),
    ("123456789012345678901234567890", 123456789012345678901234567890),
    ("-1073741825", -1073741825),
    ("1.5", 1.5), ("1.0e10", 1e10), ("1.5e-3", 0.0015), ("-2.5", -2.5), ("2r1.1", 1.5),
    ("$a", Char(97)), ("$ ", Char(32)), ("$'", Char(39)), ("$$", Char(36)), ("$\"", Char(34)),
    ("'it''s'", "it's"), ("''", ""), ("'a\"b'", 'a"b'),
    ("#foo", Sym("foo")), ("#foo:bar:", Sym("foo:bar:")), ("#+", Sym("+")), ("#->", Sym("->")),
    ("#'hello world'", Sym("hello world")), ("#Foo", Sym("Foo")),
    ("#[1 2 255]", ByteArr(b"\x01\x02\xff")), ("#[]", ByteArr(b"")),
    ("#()", LitArray(())),
    ("#(1 $a 'b' #c d: e #(nested) true false nil)",
     LitArray((1, Char(97), "b", Sym("c"), Sym("d:"), Sym("e"), LitArray((Sym("nested"),)),
               True, False, None))),
    ("#(foo bar: #baz)", LitArray((Sym("foo"), Sym("bar:"), Sym("baz")))),
    ("#(foo:bar: -3 + #[7] (x) 2.5)",
     LitArray((Sym("foo:bar:"), -3, Sym("+"), ByteArr(b"\x07"), LitArray((Sym("x"),)), 2.5))),
    ("#(#(1) #foo:bar: $  16rFF)", LitArray((LitArray((1,)), Sym("foo:bar:"), Char(32), 255))),
])
def test_literal_forms(src, value):
    got = lit(src)
    assert got == value and type(got) is type(value)


def test_comments_are_skipped_everywhere():
    m = parse_method('"lead" foo "after pattern" ^ "before value" 3 "end"')
    assert m.selector == "foo" and shape(m.body[0]) == ("^", 3)


@pytest.mark.parametrize("src,tree", [
    ("1 + 2 * 3", ("*", ("+", 1, 2), 3)),
    ("1 + 2 factorial", ("+", 1, ("factorial", 2))),
    ("a foo: b bar + c baz qux: 2", ("foo:qux:", "a", ("+", ("bar", "b"), ("baz", "c")), 2)),
    ("(a foo: b) bar", ("bar", ("foo:", "a", "b"))),
    ("x := y := 3 - -2", (":=", "x", (":=", "y", ("-", 3, -2)))),
    ("x _ 4", (":=", "x", 4)),
    ("3-2", ("-", 3, 2)),
    ("a->b", ("->", "a", "b")),
    ("a | b & c", ("&", ("|", "a", "b"), "c")),
    ("{1. a foo. }", ("brace", 1, ("foo", "a"))),
    ("{}", ("brace",)),
    ("[:a :b | | t u | t := a. u]", ("block", ("a", "b"), ("t", "u"), (":=", "t", "a"), "u")),
    ("[:a | ]", ("block", ("a",), ())),
    ("[]", ("block", (), ())),
    ("[^3]", ("block", (), (), ("^", 3))),
])
def test_precedence_and_shapes(src, tree):
    assert shape(expr(src)) == tree


def test_cascade_parts_are_single_messages_to_the_shared_receiver():
    c = expr("Transcript show: 'a' , 'b'; cr; tab; show: 3 printString")
    assert shape(c) == ("cascade", "Transcript", ("show:", "<r>", (",", "a", "b")), ("cr", "<r>"),
                        ("tab", "<r>"), ("show:", "<r>", ("printString", 3)))
    # the receiver of the cascade is the receiver of the last message before the first ';'
    assert shape(expr("OrderedCollection new add: 1; yourself"))[1] == ("new", "OrderedCollection")


@pytest.mark.parametrize("src,message", [
    ("x foo; bar baz", "'.' or end of statements expected"),
    ("super foo; bar", "cannot cascade messages to super"),
    ("3; foo", "cascade must follow a message send"),
    ("x foo; 3", "message expected after ';'"),
])
def test_cascade_errors(src, message):
    with pytest.raises(CompileError, match=re.escape(message)):
        parse_doit(src)


def test_method_patterns_and_temps():
    m = parse_method("at: i put: v | a b | ^a")
    assert (m.selector, m.args, m.temps) == ("at:put:", ["i", "v"], ["a", "b"])
    assert parse_method("+ other ^self").selector == "+"
    assert parse_method("| other ^self").selector == "|"
    assert parse_method("size").args == []


def test_pragmas():
    m = parse_method("foo <primitive: 60> ^self")
    assert (m.primitive, m.error_temp) == (60, None)
    m = parse_method("at: i <primitive: 60 error: ec> | t | ^ec")
    assert (m.primitive, m.error_temp, m.temps) == (60, "ec", ["ec", "t"])
    m = parse_method("log: s <primitive: 'primitiveLog' module: 'ConsolePlugin'> ^nil")
    assert (m.primitive, m.named_primitive) == (117, ("ConsolePlugin", "primitiveLog"))
    m = parse_method("foo <category: 'x'> <bar: 1 baz: #q> <ignored> ^1")
    assert m.primitive == 0 and [p[0] for p in m.pragmas] == ["category:", "bar:baz:", "ignored"]


@pytest.mark.parametrize("src,line,col,message", [
    ("3 +", 1, 4, "expression expected"),
    ("(1 + 2", 1, 7, "')' expected"),
    ("'open", 1, 1, "unterminated string"),
    ('"open', 1, 1, "unterminated comment"),
    ("#(1 2", 1, 6, "')' expected to close the literal array"),
    ("1.\n2 +\n", 3, 1, "expression expected"),
    ("[:x x]", 1, 5, "'|' expected after block arguments"),
    ("#[1 256]", 1, 5, "byte"),
    ("40r1", 1, 1, "radix 40 out of range"),
    ("x := 3 4", 1, 8, "'.' or end of statements expected"),
    ("  $", 1, 3, "character literal expected"),
    ("#", 1, 1, "literal expected after #"),
    ("3 ` 4", 1, 3, "unexpected character"),
    ("[1. 2", 1, 6, "']' expected, found end of input"),
    ("{1. 2", 1, 6, "'}' expected, found end of input"),
])
def test_errors_name_line_column_and_text(src, line, col, message):
    with pytest.raises(CompileError, match=re.escape(message)) as e:
        parse_doit(src, "f.st", 0)
    assert (e.value.line, e.value.column) == (line, col)
    text = str(e.value)
    assert text.startswith(f"f.st:{line}:{col}: ")
    if not src.splitlines()[line - 1:line] or not src.splitlines()[line - 1].strip():
        return                    # at the end of the input there is no line to quote
    # the offending line is quoted with a caret under the column
    quoted, caret = text.splitlines()[1:3]
    assert quoted.strip() == src.splitlines()[line - 1].strip()
    assert caret.index("^") - 2 == col - 1


def test_line_offset_moves_error_lines():
    with pytest.raises(CompileError) as e:
        parse_method("foo\n  ^3 +", "k.st", 10)
    assert (e.value.filename, e.value.line) == ("k.st", 12)


@pytest.mark.parametrize("src,message", [
    ("foo <primitive: 'x'> ^1", "primitive number"),
    ("foo <primitive: 70000> ^1", "primitive number"),
    ("foo <primitive: 60 error: 'ec'> ^1", "temporary name is expected"),
    ("foo <primitive: 1 module: 'x'> ^1", "must be strings"),
    ("foo <primitive: 60 ^1", "'>' expected"),
    ("3 + 4", "message pattern expected"),
    ("foo: ^1", "argument name"),
])
def test_method_errors(src, message):
    with pytest.raises(CompileError, match=re.escape(message)):
        parse_method(src)
