"""Tokens of Squeak Smalltalk source.

`tokenize(source, filename)` answers a list of `Token(kind, value, pos, line, col, end)` with
kinds: ident, keyword (`at:`), binary (`+`, `<=`, `->`...), int, float, char, string, symbol,
assign (`:=` or `_`), and the punctuation `^ . ; ( ) [ ] { } : |` plus `#(` `#[` and `eof`.
Comments are skipped. Errors raise CompileError with file, line and column.
"""
from __future__ import annotations

from dataclasses import dataclass

from catalyst.frontend.errors import CompileError

BINARY_CHARS = set("+-*/\\<>=~@%|&?,!")


@dataclass(frozen=True)
class Token:
    kind: str
    value: object
    pos: int
    end: int
    line: int
    col: int
    space_before: bool = False


class Lexer:
    def __init__(self, source: str, filename: str = "<input>", line_offset: int = 0):
        self.src = source
        self.filename = filename
        self.line_offset = line_offset
        self.i = 0

    def error(self, msg: str, pos: int) -> CompileError:
        return CompileError.at(msg, self.src, pos, self.filename, self.line_offset)

    def where(self, pos: int) -> tuple[int, int]:
        line = self.src.count("\n", 0, pos) + 1
        col = pos - (self.src.rfind("\n", 0, pos) + 1) + 1
        return line + self.line_offset, col

    def tokens(self) -> list[Token]:
        out = []
        while True:
            start_ws = self.i
            self.skip_space()
            tok = self.next_token(self.i > start_ws or start_ws == 0)
            out.append(tok)
            if tok.kind == "eof":
                return out

    def skip_space(self):
        s = self.src
        while self.i < len(s):
            c = s[self.i]
            if c.isspace():
                self.i += 1
            elif c == '"':
                end = s.find('"', self.i + 1)
                if end < 0:
                    raise self.error("unterminated comment", self.i)
                self.i = end + 1
            else:
                break

    def make(self, kind, value, start, space) -> Token:
        line, col = self.where(start)
        return Token(kind, value, start, self.i, line, col, space)

    def next_token(self, space: bool) -> Token:
        s, start = self.src, self.i
        if self.i >= len(s):
            return self.make("eof", None, start, space)
        c = s[self.i]
        if c.isalpha() or (c == "_" and self.i + 1 < len(s) and (s[self.i + 1].isalnum() or s[self.i + 1] == "_")):
            return self.ident_or_keyword(start, space)
        if c.isdigit():
            return self.number(start, space)
        if c == "$":
            if self.i + 1 >= len(s):
                raise self.error("character literal expected after $", start)
            self.i += 2
            return self.make("char", ord(s[start + 1]), start, space)
        if c == "'":
            return self.make("string", self.string_body(), start, space)
        if c == "#":
            return self.hash_literal(start, space)
        if c == ":" and s.startswith(":=", self.i):
            self.i += 2
            return self.make("assign", ":=", start, space)
        if c == "_":
            self.i += 1
            return self.make("assign", "_", start, space)
        if c in "^.;()[]{}:":
            self.i += 1
            return self.make(c, c, start, space)
        if c in BINARY_CHARS:
            j = self.i + 1
            while j < len(s) and s[j] in BINARY_CHARS and not (s[j] == "-" and j > self.i):
                j += 1
            op = s[self.i:j]
            self.i = j
            if op == "|":
                return self.make("|", "|", start, space)
            return self.make("binary", op, start, space)
        raise self.error(f"unexpected character {c!r}", start)

    def ident_or_keyword(self, start, space) -> Token:
        s = self.src
        j = self.i
        while j < len(s) and (s[j].isalnum() or s[j] == "_"):
            j += 1
        if j < len(s) and s[j] == ":" and not s.startswith(":=", j):
            self.i = j + 1
            return self.make("keyword", s[start:j + 1], start, space)
        self.i = j
        return self.make("ident", s[start:j], start, space)

    def string_body(self) -> str:
        s = self.src
        start = self.i
        self.i += 1
        parts = []
        while True:
            end = s.find("'", self.i)
            if end < 0:
                raise self.error("unterminated string", start)
            parts.append(s[self.i:end])
            if s.startswith("''", end):
                parts.append("'")
                self.i = end + 2
            else:
                self.i = end + 1
                return "".join(parts)

    def digits(self, radix: int) -> str:
        s = self.src
        j = self.i
        while j < len(s) and (s[j].isdigit() or ("A" <= s[j] <= "Z" and int(s[j], 36) < radix)):
            if s[j].isdigit() and int(s[j]) >= radix:
                break
            j += 1
        text = s[self.i:j]
        self.i = j
        return text

    def number(self, start, space) -> Token:
        s = self.src
        radix = 10
        text = self.digits(10)
        negative = False
        if self.i < len(s) and s[self.i] == "r":
            radix = int(text)
            if not 2 <= radix <= 36:
                raise self.error(f"radix {radix} out of range", start)
            self.i += 1
            if self.i < len(s) and s[self.i] == "-":
                negative = True
                self.i += 1
            text = self.digits(radix)
            if not text:
                raise self.error("digits expected after radix", self.i)
        value = int(text, radix)
        is_float = False
        frac = ""
        if (self.i + 1 < len(s) and s[self.i] == "." and
                (s[self.i + 1].isdigit() or ("A" <= s[self.i + 1] <= "Z" and int(s[self.i + 1], 36) < radix))):
            self.i += 1
            frac = self.digits(radix)
            is_float = True
        exponent = 0
        if self.i < len(s) and s[self.i] in "ed" and self.i + 1 < len(s) and \
                (s[self.i + 1].isdigit() or (s[self.i + 1] == "-" and self.i + 2 < len(s) and s[self.i + 2].isdigit())):
            self.i += 1
            neg_exp = s[self.i] == "-"
            if neg_exp:
                self.i += 1
            exp_text = self.digits(10)
            exponent = -int(exp_text) if neg_exp else int(exp_text)
        if self.i < len(s) and s[self.i] == "s" and not (self.i + 1 < len(s) and s[self.i + 1].isalpha()):
            self.i += 1            # ScaledDecimal: read as a Float
            self.digits(10)
            is_float = True
        if is_float:
            if radix == 10:
                val = float(f"{text}.{frac or '0'}e{exponent}")
            else:
                mant = int(text + frac, radix)
                val = mant * float(radix) ** (exponent - len(frac))
            return self.make("float", -val if negative else val, start, space)
        if exponent < 0:
            # 1e-2 is a Fraction in Squeak; we read it as a Float
            return self.make("float", (-value if negative else value) * float(radix) ** exponent, start, space)
        value *= radix ** exponent
        return self.make("int", -value if negative else value, start, space)

    def hash_literal(self, start, space) -> Token:
        s = self.src
        self.i += 1
        if self.i >= len(s):
            raise self.error("literal expected after #", start)
        c = s[self.i]
        if c == "(":
            self.i += 1
            return self.make("#(", "#(", start, space)
        if c == "[":
            self.i += 1
            return self.make("#[", "#[", start, space)
        if c == "'":
            return self.make("symbol", self.string_body(), start, space)
        if c == "#":
            return self.hash_literal(start, space)
        if c.isalpha() or c == "_":
            j = self.i
            while j < len(s) and (s[j].isalnum() or s[j] in "_:"):
                j += 1
            self.i = j
            return self.make("symbol", s[start + 1:j], start, space)
        if c in BINARY_CHARS:
            j = self.i
            while j < len(s) and s[j] in BINARY_CHARS:
                j += 1
            self.i = j
            return self.make("symbol", s[start + 1:j], start, space)
        raise self.error("bad literal after #", start)


def tokenize(source: str, filename: str = "<input>", line_offset: int = 0) -> list[Token]:
    return Lexer(source, filename, line_offset).tokens()
