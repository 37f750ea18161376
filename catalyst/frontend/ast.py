"""The Smalltalk syntax tree the parser builds and the code generator walks.

Each node has `pos` (offset in the source) for error messages.
"""
from __future__ import annotations


class Node:
    pos = 0


class Literal(Node):
    def __init__(self, value):
        self.value = value


class Var(Node):
    def __init__(self, name: str):
        self.name = name


class Assign(Node):
    def __init__(self, var: Var, value):
        self.var, self.value = var, value


class Send(Node):
    def __init__(self, receiver, selector: str, args: list):
        self.receiver, self.selector, self.args = receiver, selector, args


class CascadeReceiver(Node):
    """Stands for the shared receiver in the second and later parts of a cascade."""


class Cascade(Node):
    def __init__(self, receiver, parts: list):
        self.receiver, self.parts = receiver, parts   # parts: Sends on receiver / CascadeReceiver


class Block(Node):
    def __init__(self, args: list[str], temps: list[str], body: list):
        self.args, self.temps, self.body = args, temps, body


class Brace(Node):
    def __init__(self, elements: list):
        self.elements = elements


class Return(Node):
    def __init__(self, value):
        self.value = value


class Method(Node):
    def __init__(self, selector: str, args: list[str]):
        self.selector, self.args = selector, args
        self.temps: list[str] = []
        self.temps_declared = False
        self.body: list = []
        self.primitive = 0
        self.named_primitive: tuple[str, str] | None = None   # (module, name)
        self.error_temp: str | None = None
        self.pragmas: list = []
        self.is_doit = False


def children(n) -> list:
    """The sub-nodes of n, in evaluation order (used by analyses that walk the tree)."""
    if isinstance(n, Assign):
        return [n.var, n.value]
    if isinstance(n, Return):
        return [n.value]
    if isinstance(n, Send):
        return [n.receiver, *n.args]
    if isinstance(n, Cascade):
        return [n.receiver, *n.parts]
    if isinstance(n, (Block, Method)):
        return list(n.body)
    if isinstance(n, Brace):
        return list(n.elements)
    return []
