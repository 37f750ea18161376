"""File-in of Squeak chunk-format source (`.st` file-outs).

A file is a sequence of chunks ended by `!` (a doubled `!!` stands for one `!` inside a chunk).
A chunk that is empty starts a method section: the next chunk, `Foo methodsFor: 'cat'` (or
`Foo class methodsFor: 'cat'`), names the class, and the chunks after it are method sources
until an empty chunk. Other chunks are class definitions (`... subclass: #Foo instanceVariableNames:
... category: ...`, the variable/variableByte/variableWord/weak variants and the `package:` form),
class-side instance variable definitions (`Foo class instanceVariableNames: '...'`), or doIts.

`read_chunks(text, filename)` answers the items in order, each carrying its line number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from catalyst.frontend.errors import CompileError

KINDS = {
    "subclass:": "subclass",
    "variableSubclass:": "variableSubclass",
    "variableByteSubclass:": "variableByteSubclass",
    "variableWordSubclass:": "variableWordSubclass",
    "weakSubclass:": "weakSubclass",
    "weakVariableSubclass:": "weakSubclass",
    "ephemeronSubclass:": "subclass",
    "immediateSubclass:": "immediateSubclass",
}


@dataclass
class ClassDef:
    name: str
    superclass: str | None
    kind: str
    inst_vars: list[str]
    class_vars: list[str]
    pools: list[str]
    category: str
    filename: str = ""
    line: int = 0


@dataclass
class ClassInstVars:
    class_name: str
    inst_vars: list[str]
    filename: str = ""
    line: int = 0


@dataclass
class MethodChunk:
    class_name: str
    meta: bool
    category: str
    source: str
    filename: str = ""
    line: int = 0


@dataclass
class DoIt:
    source: str
    filename: str = ""
    line: int = 0


@dataclass
class _Chunk:
    text: str
    line: int
    items: list = field(default_factory=list)


def split_chunks(text: str) -> list[_Chunk]:
    chunks, buf, line, start_line, i = [], [], 1, 1, 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "!":
            if i + 1 < n and text[i + 1] == "!":
                buf.append("!")
                i += 2
                continue
            chunks.append(_Chunk("".join(buf), start_line))
            buf = []
            i += 1
            start_line = line
            continue
        if c == "\n":
            line += 1
        buf.append(c)
        i += 1
    rest = "".join(buf)
    if rest.strip():
        chunks.append(_Chunk(rest, start_line))
    return chunks


_DEF = re.compile(r"^\s*(\w+)\s+(" + "|".join(re.escape(k) for k in KINDS) + r")\s*#(\w+)", re.S)
_METHODS_FOR = re.compile(r"^\s*(\w+)(\s+class)?\s+methodsFor:\s*'((?:[^']|'')*)'", re.S)
_CLASS_IVARS = re.compile(r"^\s*(\w+)\s+class\s+instanceVariableNames:\s*'([^']*)'\s*$", re.S)


def _keyword_string(text: str, keyword: str) -> str:
    m = re.search(re.escape(keyword) + r"\s*'((?:[^']|'')*)'", text)
    return m.group(1).replace("''", "'") if m else ""


def _leading_lines(s: str) -> int:
    return len(s) - len(s.lstrip("\n\r\t "))


def read_chunks(text: str, filename: str = "<input>") -> list:
    """Parse a chunk-format file into ClassDef, ClassInstVars, MethodChunk and DoIt items."""
    items: list = []
    chunks = split_chunks(text)
    k = 0
    while k < len(chunks):
        ch = chunks[k]
        body = ch.text
        stripped = body.strip()
        # line of the first non-blank character of the chunk
        line = ch.line + body[:len(body) - len(body.lstrip())].count("\n")
        if not stripped:
            # an empty chunk introduces a method section: next chunk is "X methodsFor: 'c'"
            if k + 1 < len(chunks):
                m = _METHODS_FOR.match(chunks[k + 1].text)
                if m:
                    k = _read_methods(chunks, k + 1, m, filename, items)
                    continue
            k += 1
            continue
        m = _DEF.match(body)
        if m:
            superclass = None if m.group(1) == "nil" else m.group(1)
            items.append(ClassDef(
                name=m.group(3), superclass=superclass, kind=KINDS[m.group(2)],
                inst_vars=_keyword_string(body, "instanceVariableNames:").split(),
                class_vars=_keyword_string(body, "classVariableNames:").split(),
                pools=_keyword_string(body, "poolDictionaries:").split(),
                category=_keyword_string(body, "category:") or _keyword_string(body, "package:"),
                filename=filename, line=line))
            k += 1
            continue
        m = _CLASS_IVARS.match(body)
        if m:
            items.append(ClassInstVars(m.group(1), m.group(2).split(), filename, line))
            k += 1
            continue
        m = _METHODS_FOR.match(body)
        if m and body.strip().endswith("'"):
            k = _read_methods(chunks, k, m, filename, items)
            continue
        items.append(DoIt(stripped, filename, line))
        k += 1
    return items


def _read_methods(chunks, k, m, filename, items) -> int:
    """Read method chunks after the methodsFor: chunk at index k; answer the next index."""
    class_name, meta, category = m.group(1), bool(m.group(2)), m.group(3)
    k += 1
    while k < len(chunks):
        ch = chunks[k]
        if not ch.text.strip():
            return k + 1
        src = ch.text
        lead = src[:len(src) - len(src.lstrip())]
        items.append(MethodChunk(class_name, meta, category, src.strip(), filename,
                                 ch.line + lead.count("\n")))
        k += 1
    return k


def check_items(items) -> None:
    """Raise CompileError for method chunks whose class was never named (sanity check)."""
    for it in items:
        if isinstance(it, MethodChunk) and not it.class_name:
            raise CompileError("method outside a class section", it.filename, it.line)
