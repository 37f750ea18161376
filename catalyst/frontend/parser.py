"""Parser for Squeak method and doIt syntax, producing the AST in `ast.py`.

`parse_method(source, filename, line_offset)` reads `pattern | temps | <pragmas> statements`;
`parse_doit(source, ...)` reads `| temps | statements`. Errors are CompileErrors naming the file,
line and column of the offending token.
"""
from __future__ import annotations

from catalyst.frontend import ast
from catalyst.frontend.errors import CompileError
from catalyst.frontend.lexer import Token, tokenize
from catalyst.frontend.literals import ByteArr, Char, LitArray, Sym


class Ident(str):
    """A bare identifier among pragma arguments (`error: ec`)."""


class Parser:
    def __init__(self, source: str, filename: str = "<input>", line_offset: int = 0):
        self.src = source
        self.filename = filename
        self.line_offset = line_offset
        self.toks = tokenize(source, filename, line_offset)
        self.k = 0

    # --- token helpers -------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.toks[self.k]

    def peek(self, n: int = 1) -> Token:
        return self.toks[min(self.k + n, len(self.toks) - 1)]

    def advance(self) -> Token:
        t = self.toks[self.k]
        if t.kind != "eof":
            self.k += 1
        return t

    def error(self, msg: str, tok: Token | None = None) -> CompileError:
        tok = tok or self.tok
        return CompileError.at(msg, self.src, tok.pos, self.filename, self.line_offset)

    def expect(self, kind: str, what: str | None = None) -> Token:
        if self.tok.kind != kind:
            found = "end of input" if self.tok.kind == "eof" else repr(self.src[self.tok.pos:self.tok.end])
            raise self.error(f"{what or repr(kind)} expected, found {found}")
        return self.advance()

    def node(self, cls, tok: Token, *args):
        n = cls(*args)
        n.pos = tok.pos
        return n

    # --- methods -------------------------------------------------------------------------
    def method(self) -> ast.Method:
        start = self.tok
        if self.tok.kind == "ident":
            selector, args = self.advance().value, []
        elif self.tok.kind in ("binary", "|"):
            selector = self.advance().value
            args = [self.expect("ident", "argument name").value]
        elif self.tok.kind == "keyword":
            parts, args = [], []
            while self.tok.kind == "keyword":
                parts.append(self.advance().value)
                args.append(self.expect("ident", "argument name").value)
            selector = "".join(parts)
        else:
            raise self.error("message pattern expected")
        m = ast.Method(selector, args)
        m.pos = start.pos
        self.body(m, allow_pragmas=True)
        if self.tok.kind != "eof":
            raise self.error("end of method expected (missing '.'?)")
        return m

    def doit(self) -> ast.Method:
        m = ast.Method("DoIt", [])
        m.pos = 0
        m.is_doit = True
        self.body(m, allow_pragmas=False)
        if self.tok.kind != "eof":
            raise self.error("end of expression expected (missing '.'?)")
        return m

    def body(self, m: ast.Method, allow_pragmas: bool):
        while True:
            if allow_pragmas and self.tok.kind == "binary" and self.tok.value == "<":
                self.pragma(m)
                continue
            if self.tok.kind == "|" and not m.temps_declared:
                m.temps.extend(self.temporaries())
                m.temps_declared = True
                continue
            if self.tok.kind == "binary" and self.tok.value == "||":   # empty temps
                self.advance()
                m.temps_declared = True
                continue
            break
        m.body = self.statements(end_kinds=("eof",))

    def temporaries(self) -> list[str]:
        self.expect("|")
        names = []
        while self.tok.kind == "ident":
            names.append(self.advance().value)
        self.expect("|", "'|' closing the temporaries")
        return names

    def pragma(self, m: ast.Method):
        lt = self.advance()
        if self.tok.kind == "keyword":
            parts, args = [], []
            while self.tok.kind == "keyword":
                parts.append(self.advance().value)
                args.append(self.pragma_arg())
            sel = "".join(parts)
        elif self.tok.kind == "ident":
            sel, args = self.advance().value, []
        else:
            raise self.error("pragma expected after '<'")
        if not (self.tok.kind == "binary" and self.tok.value == ">"):
            raise self.error("'>' expected to close the pragma")
        self.advance()
        if sel in ("primitive:", "primitive:error:"):
            if type(args[0]) is not int or not 0 < args[0] < 65536:
                raise self.error("primitive number (1-65535) expected", lt)
            m.primitive = args[0]
            if sel == "primitive:error:":
                self.error_temp(m, args[1], lt)
        elif sel in ("primitive:module:", "primitive:module:error:"):
            m.primitive = 117
            if not (type(args[0]) is str and type(args[1]) is str):
                raise self.error("primitive name and module must be strings", lt)
            m.named_primitive = (args[1], args[0])
            if sel.endswith("error:"):
                self.error_temp(m, args[2], lt)
        m.pragmas.append((sel, args))

    def error_temp(self, m: ast.Method, name, tok: Token):
        """`error: ec` declares ec as a temporary (where the pragma stands among the temps)."""
        if not isinstance(name, Ident):
            raise self.error("a temporary name is expected after error:", tok)
        m.error_temp = name
        if name not in m.temps:
            m.temps.append(name)

    def pragma_arg(self):
        t = self.tok
        if t.kind in ("int", "float", "string"):
            return self.advance().value
        if t.kind == "binary" and t.value == "-" and self.peek().kind in ("int", "float"):
            self.advance()
            return -self.advance().value
        if t.kind == "ident":
            return Ident(self.advance().value)
        if t.kind == "symbol":
            return Sym(self.advance().value)
        return self.literal()

    # --- statements and expressions ------------------------------------------------------
    def statements(self, end_kinds) -> list:
        stmts = []
        while self.tok.kind not in end_kinds:
            if self.tok.kind == ".":
                self.advance()
                continue
            if self.tok.kind == "^":
                t = self.advance()
                stmts.append(self.node(ast.Return, t, self.expression()))
            else:
                stmts.append(self.expression())
            if self.tok.kind == ".":
                self.advance()
            elif self.tok.kind == "eof" and "eof" not in end_kinds:
                raise self.error(f"'{end_kinds[0]}' expected, found end of input")
            elif self.tok.kind not in end_kinds:
                raise self.error("'.' or end of statements expected")
        return stmts

    def expression(self):
        t = self.tok
        if t.kind == "ident" and self.peek().kind == "assign":
            self.advance()
            self.advance()
            var = self.node(ast.Var, t, t.value)
            return self.node(ast.Assign, t, var, self.expression())
        recv = self.primary()
        return self.cascade(self.messages(recv))

    def cascade(self, expr):
        """`r m1; m2; m3`: every part is one message sent to r (Squeak's grammar)."""
        if self.tok.kind != ";":
            return expr
        if not isinstance(expr, ast.Send):
            raise self.error("cascade must follow a message send")
        receiver = expr.receiver
        if isinstance(receiver, ast.Var) and receiver.name == "super":
            raise self.error("cannot cascade messages to super")
        expr.receiver = self.node(ast.CascadeReceiver, self.tok)
        expr.in_cascade = True
        parts = [expr]
        while self.tok.kind == ";":
            t = self.advance()
            if self.tok.kind not in ("ident", "binary", "keyword", "|"):
                raise self.error("message expected after ';'")
            part = self.one_message(self.node(ast.CascadeReceiver, t))
            part.in_cascade = True
            parts.append(part)
        c = ast.Cascade(receiver, parts)
        c.pos = expr.pos
        return c

    def unary_chain(self, recv):
        while self.tok.kind == "ident":
            t = self.advance()
            recv = self.node(ast.Send, t, recv, t.value, [])
        return recv

    def binary_arg(self):
        """The argument of a binary message: a primary and its unary messages."""
        return self.unary_chain(self.primary())

    def keyword_arg(self):
        """The argument of a keyword message: a primary, its unary then binary messages."""
        arg = self.binary_arg()
        while self.tok.kind in ("binary", "|"):
            u = self.advance()
            arg = self.node(ast.Send, u, arg, u.value, [self.binary_arg()])
        return arg

    def one_message(self, recv):
        """Exactly one unary, binary or keyword message sent to recv (a cascade part)."""
        t = self.tok
        if t.kind == "ident":
            self.advance()
            return self.node(ast.Send, t, recv, t.value, [])
        if t.kind in ("binary", "|"):
            self.advance()
            return self.node(ast.Send, t, recv, t.value, [self.binary_arg()])
        parts, args = [], []
        while self.tok.kind == "keyword":
            parts.append(self.advance().value)
            args.append(self.keyword_arg())
        return self.node(ast.Send, t, recv, "".join(parts), args)

    def messages(self, recv):
        """unary* binary* keyword? sent in turn to recv."""
        recv = self.unary_chain(recv)
        while self.tok.kind in ("binary", "|"):
            t = self.advance()
            recv = self.node(ast.Send, t, recv, t.value, [self.binary_arg()])
        if self.tok.kind == "keyword":
            recv = self.one_message(recv)
        return recv

    def primary(self):
        t = self.tok
        k = t.kind
        if k == "ident":
            self.advance()
            return self.node(ast.Var, t, t.value)
        if k in ("int", "float", "string", "char", "symbol", "#(", "#["):
            return self.node(ast.Literal, t, self.literal())
        if k == "binary" and t.value == "-" and self.peek().kind in ("int", "float") \
                and self.peek().pos == t.end:
            self.advance()
            n = self.advance()
            return self.node(ast.Literal, t, -n.value)
        if k == "(":
            self.advance()
            e = self.expression()
            self.expect(")", "')'")
            return e
        if k == "[":
            return self.block()
        if k == "{":
            self.advance()
            elems = self.statements(end_kinds=("}",))
            self.expect("}")
            return self.node(ast.Brace, t, elems)
        if k == "eof":
            raise self.error("expression expected, found end of input")
        raise self.error(f"expression expected, found {self.src[t.pos:t.end]!r}")

    def block(self):
        t = self.expect("[")
        args = []
        while self.tok.kind == ":":
            self.advance()
            args.append(self.expect("ident", "block argument name").value)
        if args:
            if self.tok.kind == "|":
                self.advance()
            elif self.tok.kind == "binary" and self.tok.value == "||":
                # `[:x || t | ...]`: end of args and start of temps at once
                self.toks[self.k] = Token("|", "|", self.tok.pos + 1, self.tok.end, self.tok.line, self.tok.col + 1)
            elif self.tok.kind != "]":
                raise self.error("'|' expected after block arguments")
        temps = []
        if self.tok.kind == "|":
            temps = self.temporaries()
        elif self.tok.kind == "binary" and self.tok.value == "||":
            self.advance()
        body = self.statements(end_kinds=("]",))
        self.expect("]", "']'")
        return self.node(ast.Block, t, args, temps, body)

    # --- literals ------------------------------------------------------------------------
    def literal(self):
        t = self.advance()
        k = t.kind
        if k in ("int", "float", "string"):
            return t.value
        if k == "char":
            return Char(t.value)
        if k == "symbol":
            return Sym(t.value)
        if k == "#(":
            return self.literal_array()
        if k == "#[":
            return self.byte_array(t)
        raise self.error("literal expected", t)

    def literal_array(self):
        items = []
        while self.tok.kind != ")":
            t = self.tok
            if t.kind == "eof":
                raise self.error("')' expected to close the literal array")
            if t.kind in ("(", "#("):
                self.advance()
                items.append(self.literal_array())
            elif t.kind in ("[", "#["):
                self.advance()
                items.append(self.byte_array(t))
            elif t.kind == "ident":
                self.advance()
                items.append({"true": True, "false": False, "nil": None}.get(t.value, Sym(t.value)))
            elif t.kind == "keyword":
                # adjacent keywords form one symbol: #(at:put:)
                name = self.advance().value
                while self.tok.kind == "keyword" and self.tok.pos == self.toks[self.k - 1].end:
                    name += self.advance().value
                if self.tok.kind == "ident" and self.tok.pos == self.toks[self.k - 1].end:
                    name += self.advance().value
                items.append(Sym(name))
            elif t.kind in ("binary", "|"):
                self.advance()
                if t.value == "-" and self.tok.kind in ("int", "float") and self.tok.pos == t.end:
                    items.append(-self.advance().value)
                else:
                    items.append(Sym(t.value))
            else:
                items.append(self.literal())
        self.advance()
        return LitArray(tuple(items))

    def byte_array(self, start):
        data = []
        while self.tok.kind != "]":
            t = self.advance()
            if t.kind != "int" or not 0 <= t.value <= 255:
                raise self.error("byte (0-255) expected in byte array", t)
            data.append(t.value)
        self.advance()
        return ByteArr(bytes(data))


def parse_method(source: str, filename: str = "<input>", line_offset: int = 0) -> ast.Method:
    return Parser(source, filename, line_offset).method()


def parse_doit(source: str, filename: str = "<input>", line_offset: int = 0) -> ast.Method:
    return Parser(source, filename, line_offset).doit()
