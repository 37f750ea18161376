"""Literal kinds the compiler puts in a CompiledMethod's literal frame.

Plain Python values stand for themselves: `int` (SmallInteger or LargeInteger), `float`,
`str` (a String), `True`, `False`, `None`. The classes below mark the other kinds so the image
builder knows what object to make. All are hashable and compare by value, so the code generator
can share equal literals as Squeak's compiler does.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sym:
    """A Symbol."""
    name: str

    def __str__(self) -> str:
        if _plain_symbol(self.name):
            return "#" + self.name
        return "#'" + self.name.replace("'", "''") + "'"


def _plain_symbol(name: str) -> bool:
    """Whether #name reads back as the same Symbol without quotes."""
    if not name:
        return False
    if all(c in "+-*/\\<>=~@%|&?,!" for c in name):
        return True
    parts = name.split(":")
    if name.endswith(":"):
        parts = parts[:-1]
    elif len(parts) > 1:
        return False
    return all(p and (p[0].isalpha() or p[0] == "_") and all(c.isalnum() or c == "_" for c in p)
               for p in parts)


@dataclass(frozen=True)
class Char:
    """A Character (by code point)."""
    code: int

    def __str__(self) -> str:
        return "$" + chr(self.code)


@dataclass(frozen=True)
class LitArray:
    """A literal Array `#(...)`; items are literals."""
    items: tuple

    def __str__(self) -> str:
        return "#(" + " ".join(map(literal_text, self.items)) + ")"


@dataclass(frozen=True)
class ByteArr:
    """A literal ByteArray `#[...]`."""
    data: bytes

    def __str__(self) -> str:
        return "#[" + " ".join(map(str, self.data)) + "]"


@dataclass(frozen=True)
class Binding:
    """The association of a global or class variable; the VM reads and writes its value."""
    name: str

    def __str__(self) -> str:
        return "{" + self.name + "}"


@dataclass(frozen=True)
class MethodClassBinding:
    """The last literal of every method: the binding of the class it is compiled in."""

    def __str__(self) -> str:
        return "{methodClass}"


def literal_text(value) -> str:
    """Smalltalk-ish text of a literal, for listings."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "nil"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def literal_key(value):
    """A key that distinguishes 1 from 1.0 and True (Python conflates them in dicts), also
    inside literal arrays: #(1) and #(1.0) are different literals."""
    if isinstance(value, LitArray):
        return ("LitArray", tuple(literal_key(v) for v in value.items))
    if isinstance(value, float):
        return ("float", repr(value))          # -0.0 is not 0.0
    return (type(value).__name__, value)
