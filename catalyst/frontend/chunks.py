"""File-in of Squeak chunk-format source (`.st` file-outs).

A file is a sequence of chunks, each ended by `!`; a doubled `!!` stands for one `!` inside a
chunk. A chunk that is empty (only blanks) before `Foo methodsFor: 'cat'` (or `Foo class
methodsFor: 'cat'`, optionally with `stamp: '...'`) opens a method section: the following chunks
are method sources, up to an empty chunk. Every other chunk is parsed as a Smalltalk expression:
class definitions (`Super subclass: #Foo instanceVariableNames: '...' classVariableNames: '...'
poolDictionaries: '...' category: '...'`, the `package:` form, and the variable / variableByte /
variableWord / weak variants), class-side instance variables (`Foo class instanceVariableNames:
'...'`), and anything else is a doIt.

`read_chunks(text, filename)` answers the items in order; each carries the file name and the line
where its text starts, so compile errors point into the file.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from catalyst.frontend import ast
from catalyst.frontend.errors import CompileError
from catalyst.frontend.literals import Sym
from catalyst.frontend.parser import parse_doit

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
# the keywords that may follow the kind keyword, mapped to ClassDef fields
DEF_KEYWORDS = {"instanceVariableNames:": "inst_vars", "classVariableNames:": "class_vars",
                "poolDictionaries:": "pools", "category:": "category", "package:": "category",
                "classInstanceVariableNames:": "class_inst_vars"}


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
    class_inst_vars: list[str] = field(default_factory=list)


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
class Chunk:
    """The text of one chunk (escapes undone) and the line where that text starts."""
    text: str
    line: int

    def trimmed(self) -> tuple[str, int]:
        """The text without leading blank lines and trailing blanks, and its first line."""
        text = self.text.rstrip()
        line = self.line
        while True:
            nl = text.find("\n")
            if nl < 0 or text[:nl].strip():
                break
            text, line = text[nl + 1:], line + 1
        return text, line


def split_chunks(text: str) -> list[Chunk]:
    chunks, buf, line, start_line, i, n = [], [], 1, 1, 0, len(text)
    while i < n:
        c = text[i]
        if c == "!":
            if i + 1 < n and text[i + 1] == "!":
                buf.append("!")
                i += 2
                continue
            chunks.append(Chunk("".join(buf), start_line))
            buf, start_line = [], line
            i += 1
            continue
        if c == "\n":
            line += 1
        buf.append(c)
        i += 1
    rest = "".join(buf)
    if rest.strip():
        chunks.append(Chunk(rest, start_line))
    return chunks


def _names(value, what: str, src: str, node, filename: str, line: int) -> list[str]:
    if not isinstance(value, str):
        raise CompileError.at(f"{what} must be a string", src, node.pos, filename, line - 1)
    return value.split()


def _literal(node):
    if isinstance(node, ast.Literal):
        return node.value.name if isinstance(node.value, Sym) else node.value
    return None


def _class_name(node) -> tuple[str, bool] | None:
    """`Foo` -> ('Foo', False); `Foo class` -> ('Foo', True); nil -> (None, False)."""
    if isinstance(node, ast.Var):
        return (None if node.name == "nil" else node.name), False
    if isinstance(node, ast.Send) and node.selector == "class" and isinstance(node.receiver, ast.Var):
        return node.receiver.name, True
    return None


def classify(text: str, filename: str, line: int):
    """A chunk that is not in a method section: ClassDef, ClassInstVars, methodsFor or DoIt."""
    try:
        tree = parse_doit(text, filename, line - 1)
    except CompileError:
        return DoIt(text, filename, line)        # the compiler reports it when it runs
    if len(tree.body) != 1 or tree.temps or not isinstance(tree.body[0], ast.Send):
        return DoIt(text, filename, line)
    send = tree.body[0]
    keywords = [k + ":" for k in send.selector.split(":")[:-1]]
    target = _class_name(send.receiver)
    if target is None or not keywords:
        return DoIt(text, filename, line)
    name, meta = target
    if keywords[0] == "methodsFor:" and set(keywords[1:]) <= {"stamp:"}:
        category = _literal(send.args[0])
        if not isinstance(category, str):
            raise CompileError.at("methodsFor: needs a category string", text,
                                  send.args[0].pos, filename, line - 1)
        return ("methods", name, meta, category)
    if meta and keywords == ["instanceVariableNames:"]:
        return ClassInstVars(name, _names(_literal(send.args[0]), "instanceVariableNames:", text,
                                          send.args[0], filename, line), filename, line)
    if not meta and keywords[0] in KINDS and set(keywords[1:]) <= set(DEF_KEYWORDS):
        new_name = _literal(send.args[0])
        if not isinstance(new_name, str) or not new_name[:1].isalpha():
            raise CompileError.at("class name (a Symbol) expected", text, send.args[0].pos,
                                  filename, line - 1)
        fields = {"inst_vars": [], "class_vars": [], "pools": [], "category": "",
                  "class_inst_vars": []}
        for kw, arg in zip(keywords[1:], send.args[1:]):
            key = DEF_KEYWORDS[kw]
            value = _literal(arg)
            if key == "category":
                if not isinstance(value, str):
                    raise CompileError.at(f"{kw} needs a string", text, arg.pos, filename,
                                          line - 1)
                fields[key] = value
            else:
                fields[key] = _names(value, kw, text, arg, filename, line)
        return ClassDef(new_name, name, KINDS[keywords[0]], fields["inst_vars"],
                        fields["class_vars"], fields["pools"], fields["category"], filename, line,
                        fields["class_inst_vars"])
    return DoIt(text, filename, line)


def read_chunks(text: str, filename: str = "<input>") -> list:
    """Parse a chunk-format file into ClassDef, ClassInstVars, MethodChunk and DoIt items."""
    items: list = []
    chunks = split_chunks(text)
    k = 0
    while k < len(chunks):
        body, line = chunks[k].trimmed()
        k += 1
        if not body.strip():
            continue          # the empty chunk before a methodsFor: (or stray `!`)
        item = classify(body, filename, line)
        if isinstance(item, tuple):              # a method section
            _, class_name, meta, category = item
            while k < len(chunks):
                src, mline = chunks[k].trimmed()
                k += 1
                if not src.strip():
                    break                        # `! !` ends the section
                items.append(MethodChunk(class_name, meta, category, src, filename, mline))
            continue
        items.append(item)
    return items


def check_items(items) -> None:
    """Raise CompileError for method chunks whose class was never named (sanity check)."""
    for it in items:
        if isinstance(it, MethodChunk) and not it.class_name:
            raise CompileError("method outside a class section", it.filename, it.line)
