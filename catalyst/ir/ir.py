"""The SSA intermediate representation of a method being translated.

A `Function` has basic blocks in a networkx DiGraph (`cfg`); each `Block` holds `Instr`s, the
last of which is its terminator. Values are named `v1, v2, ...`; a phi names one incoming value
per predecessor. Temporaries and the receiver live in the frame (loaded and stored with
`load_temp`/`store_temp`), so phis only merge operand-stack values.

Text format (printed by `print_function`, read back by `parse_function`):

    function Integer>>benchFib args=0 temps=0
    b0:                                  ; preds:
      v1 = self
      v2 = const 5                         ; a tagged oop, printed in decimal
      v3 = send #< v1 v2 pc=19 nargs=1 special=2 feedback=[1]
      branch v3 b1 b2 pc=20
    b1:                                  ; preds: b0
      ...
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import networkx as nx

TERMINATORS = {"jump", "branch", "ret", "deopt"}
PURE = {"const", "self", "load_temp", "load_ivar", "load_litvar", "phi", "tagged_add",
        "tagged_sub", "compare", "is_class"}


@dataclass
class Instr:
    op: str
    args: list = field(default_factory=list)   # Value names (str) or block labels for terminators
    result: str | None = None
    attrs: dict = field(default_factory=dict)

    def text(self) -> str:
        parts = []
        if self.result:
            parts.append(f"{self.result} = {self.op}")
        else:
            parts.append(self.op)
        parts += [str(a) for a in self.args]
        for k in sorted(self.attrs):
            v = self.attrs[k]
            if isinstance(v, list):
                v = "[" + ",".join(map(str, v)) + "]"
            parts.append(f"{k}={v}")
        return " ".join(parts)


@dataclass
class Block:
    label: str
    instrs: list[Instr] = field(default_factory=list)
    entry_pc: int = 0

    @property
    def terminator(self) -> Instr | None:
        return self.instrs[-1] if self.instrs and self.instrs[-1].op in TERMINATORS else None

    @property
    def phis(self) -> list[Instr]:
        return [i for i in self.instrs if i.op == "phi"]


class Function:
    def __init__(self, name: str, num_args: int, num_temps: int):
        self.name, self.num_args, self.num_temps = name, num_args, num_temps
        self.blocks: dict[str, Block] = {}
        self.cfg = nx.DiGraph()
        self.next_value = 1
        self.annotations: dict = {}

    def new_value(self) -> str:
        v = f"v{self.next_value}"
        self.next_value += 1
        return v

    def add_block(self, label: str) -> Block:
        b = Block(label)
        self.blocks[label] = b
        self.cfg.add_node(label)
        return b

    @property
    def entry(self) -> str:
        return next(iter(self.blocks))

    def preds(self, label: str) -> list[str]:
        return sorted(self.cfg.predecessors(label), key=self.order)

    def order(self, label: str) -> int:
        return list(self.blocks).index(label)

    def rebuild_cfg(self):
        self.cfg = nx.DiGraph()
        for lab, b in self.blocks.items():
            self.cfg.add_node(lab)
        for lab, b in self.blocks.items():
            t = b.terminator
            if t is not None:
                for target in successors(t):
                    self.cfg.add_edge(lab, target)

    def instructions(self):
        for b in self.blocks.values():
            yield from b.instrs

    def definitions(self) -> dict[str, tuple[str, Instr]]:
        return {i.result: (b.label, i) for b in self.blocks.values() for i in b.instrs if i.result}

    def uses(self) -> dict[str, list[Instr]]:
        out: dict[str, list[Instr]] = {}
        for i in self.instructions():
            for a in value_args(i):
                out.setdefault(a, []).append(i)
        return out

    def dominators(self) -> dict[str, str]:
        return nx.immediate_dominators(self.cfg, self.entry)

    def loops(self) -> list[list[str]]:
        """Natural loops: for every back edge (u -> h with h dominating u), the loop's blocks."""
        idom = self.dominators()

        def dominates(a, b):
            while True:
                if a == b:
                    return True
                if b == idom.get(b) or b not in idom:
                    return False
                b = idom[b]

        loops = []
        for u, h in self.cfg.edges():
            if dominates(h, u):
                body = {h, u}
                work = [u]
                while work:
                    n = work.pop()
                    for p in self.cfg.predecessors(n):
                        if p not in body:
                            body.add(p)
                            work.append(p)
                loops.append(sorted(body, key=self.order))
        return loops


def successors(t: Instr) -> list[str]:
    if t.op == "jump":
        return [t.args[0]]
    if t.op == "branch":
        return [t.args[1], t.args[2]]
    return []


def value_args(i: Instr) -> list[str]:
    """The operands of i that are SSA values (phi args are 'value:block' pairs), including the
    frame of an inlined method that the instruction works on (`frame=vN`)."""
    frame = [i.attrs["frame"]] if "frame" in i.attrs else []
    if i.op == "phi":
        return [a.split(":")[0] for a in i.args]
    if i.op == "jump":
        return frame
    if i.op == "branch":
        return [i.args[0]] + frame
    return [a for a in i.args if isinstance(a, str) and a.startswith("v")] + frame


def print_function(fn: Function) -> str:
    lines = [f"function {fn.name} args={fn.num_args} temps={fn.num_temps}"]
    for lab, b in fn.blocks.items():
        preds = ", ".join(fn.preds(lab))
        lines.append(f"{lab}: ; preds: {preds}".rstrip())
        for i in b.instrs:
            lines.append("  " + i.text())
    return "\n".join(lines) + "\n"


_ATTR = re.compile(r"^(\w+)=(.*)$")


def _attr_value(s: str):
    if s.startswith("[") and s.endswith("]"):
        return [_attr_value(x) for x in s[1:-1].split(",") if x]
    if re.fullmatch(r"-?\d+", s):
        return int(s)
    return s


def parse_function(text: str) -> Function:
    """Read the text format back (print(parse(t)) == t for printed functions)."""
    lines = [l for l in text.splitlines() if l.strip()]
    m = re.match(r"function (.+) args=(\d+) temps=(\d+)$", lines[0])
    if not m:
        raise ValueError(f"line 1: expected a function header, got {lines[0]!r}")
    fn = Function(m.group(1), int(m.group(2)), int(m.group(3)))
    block = None
    highest = 0
    for n, line in enumerate(lines[1:], 2):
        if not line.startswith("  "):
            lab = line.split(":")[0]
            block = fn.add_block(lab)
            continue
        if block is None:
            raise ValueError(f"line {n}: instruction outside a block")
        toks = line.split()
        result = None
        if len(toks) > 2 and toks[1] == "=":
            result, toks = toks[0], toks[2:]
            highest = max(highest, int(result[1:]))
        op, rest = toks[0], toks[1:]
        args, attrs = [], {}
        for t in rest:
            am = _ATTR.match(t)
            if am and not t.startswith("#"):
                attrs[am.group(1)] = _attr_value(am.group(2))
            else:
                args.append(_attr_value(t) if op == "const" else t)
        block.instrs.append(Instr(op, args, result, attrs))
    fn.next_value = highest + 1
    fn.rebuild_cfg()
    return fn
