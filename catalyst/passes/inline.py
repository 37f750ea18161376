"""inline (optimization): block inlining where the closure is known.

Requires: type-feedback and direct-call (sends bound to their targets), and two annotations the
tiering code provides: `inline_source`, a callable (method oop, startpc or None) -> the IR of
that method or of that block body of it, lifted and run through type-feedback, smallint and
direct-call (None when it cannot be lifted); `block_selectors`, {selector oop: numArgs} for
the value, value:... selectors whose BlockClosure method is a value primitive.

Guarantees:
1. a `value`... send whose receiver is a `closure` made in this function (at any inlining level)
   and that takes as many arguments is replaced by the block's body;
2. a send that direct-call bound to a small method taking such a closure as an argument (do:,
   collect:, inject:into:, detect:ifNone:...) is replaced, behind its class guard (the full
   send stays as the other branch), by the callee's body, whose uses of that argument then see
   the closure, so that 1 applies inside it (the callee first, then the block).
Inlined code runs in a frame built in memory exactly as the interpreter builds it
(`enter_method`/`enter_block`, left by `leave`; ABI.md section 8, inlined frames), so everything
that reads frames (the GC, contexts, deoptimization, unwinding) sees what it would see without
inlining; each block of inlined code carries its frame's depth and size. A `^` in an inlined
block whose home method frame belongs to this function becomes leaves and a jump to where that
frame's value goes. Not inlined: recursion into a method already being inlined, bodies past the
size limits, more than MAX_DEPTH levels, functions whose temporaries are SSA values (temps-ssa).
"""
from __future__ import annotations

from dataclasses import dataclass

from catalyst.ir.ir import Function, Instr, successors

name = "inline"
description = "inline known closures at value sends, and small callees taking them"
requires = ("type-feedback", "direct-call")
preserves: tuple = ()

MAX_DEPTH = 3            # inlined frames above the function's own
MAX_METHOD = 60          # instructions of an inlined method
MAX_BLOCK = 80           # instructions of an inlined block body
MAX_GROWTH = 400         # instructions added to one function


@dataclass(frozen=True)
class Frame:
    """A frame of inlined code: a method's or a block's, whose home method frame is at depth
    `home` (None: not in this function); its value goes to the phi heading block `cont`."""
    kind: str
    method: int
    home: int | None
    cont: str = ""


def run(fn: Function) -> bool:
    source, selectors = fn.annotations.get("inline_source"), fn.annotations.get("block_selectors")
    if source is None or selectors is None or fn.annotations.get("temps_in_ssa"):
        return False
    return Inliner(fn, source, selectors).run()


def size(fn: Function) -> int:
    return sum(len(b.instrs) for b in fn.blocks.values())


class Inliner:
    def __init__(self, fn: Function, source, selectors: dict):
        self.fn, self.source, self.selectors = fn, source, selectors
        own = Frame("block" if fn.startpc is not None else "method",
                    fn.annotations.get("method_oop", 0), None if fn.startpc is not None else 0)
        # the frames of inlined code each block runs in, depth 1 upwards (its chain)
        self.chains: dict[str, tuple[Frame, ...]] = {lab: () for lab in fn.blocks}
        self.own = own
        self.considered: dict[int, Instr] = {}     # sends looked at (kept alive: keyed by id)
        self.bodies: dict = {}
        # new labels i<n> continue after those of an earlier run of the pass
        self.labels = max((int(lab[1:]) for lab in fn.blocks if lab[0] == "i" and lab[1:].isdigit()),
                          default=0)

    def run(self) -> bool:
        grown = 0
        while grown < MAX_GROWTH:
            site = self.find()
            if site is None:
                break
            grown += self.splice(*site)
        if grown:
            self.fn.rebuild_cfg()
        return grown > 0

    # --- finding sites ---------------------------------------------------------------------
    def body(self, method: int, startpc: int | None) -> Function | None:
        key = (method, startpc)
        if key not in self.bodies:
            self.bodies[key] = self.source(method, startpc)
        return self.bodies[key]

    def find(self):
        defs = {i.result: i for i in self.fn.instructions() if i.result}
        for lab, b in self.fn.blocks.items():
            chain = self.chains[lab]
            if len(chain) >= MAX_DEPTH:
                continue
            for k, i in enumerate(b.instrs):
                if i.op != "send" or id(i) in self.considered or "super" in i.attrs or "inlined" in i.attrs:
                    continue
                self.considered[id(i)] = i       # once; a splice replaces the send
                closure = defs.get(i.args[1])
                if closure is not None and closure.op == "closure":
                    if self.selectors.get(i.attrs.get("sel")) == i.attrs["nargs"] == closure.attrs["nargs"]:
                        body = self.body(closure.attrs["method"], closure.attrs["startpc"])
                        if body is not None and size(body) <= MAX_BLOCK:
                            return lab, k, closure, body
                    continue
                if "target" not in i.attrs or "inline" in i.attrs:
                    continue
                if not any(defs.get(a) is not None and defs[a].op == "closure" for a in i.args[2:]):
                    continue       # a callee is inlined for the blocks it is given
                if i.attrs["target"] in {f.method for f in chain} | {self.own.method}:
                    continue       # recursion
                body = self.body(i.attrs["target"], None)
                if body is not None and size(body) <= MAX_METHOD and body.num_args == i.attrs["nargs"]:
                    return lab, k, None, body
        return None

    def home_of(self, closure: Instr) -> int | None:
        """Depth of the method frame that is the home of a closure made by this instruction."""
        lab = next(lab for lab, b in self.fn.blocks.items() if any(i is closure for i in b.instrs))
        chain = self.chains[lab]
        frame = chain[-1] if chain else self.own
        return len(chain) if frame.kind == "method" else frame.home

    # --- splicing ---------------------------------------------------------------------------
    def label(self) -> str:
        self.labels += 1
        return f"i{self.labels}"

    def new_block(self, depth: int, temps: int, chain: tuple[Frame, ...]):
        lab = self.label()
        b = self.fn.add_block(lab)
        b.depth, b.frame_temps = depth, temps
        self.chains[lab] = chain
        return b

    def splice(self, lab: str, k: int, closure: Instr | None, body: Function) -> int:
        fn = self.fn
        blk = fn.blocks[lab]
        send = blk.instrs[k]
        chain = self.chains[lab]
        depth = blk.depth
        fn.annotations.setdefault("depends_on", set()).add(send.attrs.get("sel"))
        # the continuation: the send's result (a phi of the ways back) and the rest of the block
        cont = self.new_block(depth, blk.frame_temps, chain)
        result = Instr("phi", [], send.result)
        cont.instrs = [result] + blk.instrs[k + 1:]
        for s in successors(cont.instrs[-1]):
            for p in fn.blocks[s].phis:
                p.args = [f"{a.split(':')[0]}:{cont.label}" if a.split(":")[1] == lab else a
                          for a in p.args]
        enter = self.new_block(depth, blk.frame_temps, chain)
        guard = fn.new_value()
        blk.instrs = blk.instrs[:k] + [
            Instr("inline_guard", [send.args[1]], guard,
                  {"class": 0 if closure is not None else send.attrs["guard"]}),
            Instr("branch", [guard, enter.label, ""], None,
                  {"pc": send.attrs["site"], "live": send.attrs["live"] + send.args[1:]})]
        # not inlinable at run time (another class, the translation was dropped): the send
        slow = self.new_block(depth, blk.frame_temps, chain)
        sent = fn.new_value()
        again = Instr(send.op, send.args, sent, {**send.attrs, "inlined": 1})   # not again
        slow.instrs = [again, Instr("jump", [cont.label])]
        result.args.append(f"{sent}:{slow.label}")
        blk.instrs[-1].args[2] = slow.label
        if closure is not None:
            frame = Frame("block", closure.attrs["method"], self.home_of(closure), cont.label)
            operands = send.args[1:] + closure.args
            op = Instr("enter_block", operands, None,
                       {"method": closure.attrs["method"], "nargs": send.attrs["nargs"],
                        "startpc": closure.attrs["startpc"], "pc": send.attrs["pc"],
                        "site": send.attrs["site"], "live": send.attrs["live"]})
        else:
            frame = Frame("method", send.attrs["target"], depth + 1, cont.label)
            op = Instr("enter_method", send.args[1:], None,
                       {"method": send.attrs["target"], "nargs": send.attrs["nargs"],
                        "temps": body.num_temps, "first_pc": send.attrs["target_pc"],
                        "pc": send.attrs["pc"], "site": send.attrs["site"], "live": send.attrs["live"]})
        labels = {old: self.new_block(depth + 1, body.num_temps, chain + (frame,)).label
                  for old in body.blocks}
        enter.instrs = [op, Instr("jump", [labels[body.entry]])]
        # reads of the callee's arguments (and a block's copied values) are the caller's values:
        # Smalltalk never assigns them (the code is checked for it; a body that could write
        # them through thisContext keeps reading its frame)
        given = send.args[2:] + (closure.args if closure is not None else [])
        values = self.argument_values(body, given)
        argument_reads = set(values)
        for old, b in body.blocks.items():
            nb = fn.blocks[labels[old]]
            nb.entry_pc = b.entry_pc
            for i in b.instrs:
                if i.result in argument_reads:
                    continue                     # an argument read: the caller's value
                nb.instrs += self.copy(i, values, labels, nb.label, chain + (frame,))
        return size(body)

    @staticmethod
    def argument_values(callee: Function, given: list[str]) -> dict[str, str]:
        """{callee value: caller value} for the callee's reads of the frame slots the caller
        fills with `given` (arguments, then a block's copied values) and the callee never
        stores into."""
        if any(i.op == "this_context" for i in callee.instructions()):
            return {}         # it may write its own slots through its context (tempAt:put:)
        stored = {i.attrs["index"] for i in callee.instructions() if i.op == "store_temp"}
        return {i.result: given[i.attrs["index"]] for i in callee.instructions()
                if i.op == "load_temp" and i.attrs["index"] < len(given)
                and i.attrs["index"] not in stored}

    def copy(self, i: Instr, values: dict, labels: dict, here: str,
             chain: tuple[Frame, ...]) -> list[Instr]:
        """One instruction of the inlined body, renamed into this function; its returns go to
        the continuation."""
        fn = self.fn

        def value(v):
            if v not in values:
                values[v] = fn.new_value()
            return values[v]

        def operand(a):
            if i.op == "phi":
                v, p = a.split(":")
                return f"{value(v)}:{labels[p]}"
            if i.op in ("jump", "branch") and a in labels:
                return labels[a]
            return value(a) if isinstance(a, str) and a.startswith("v") else a

        attrs = dict(i.attrs)
        if "live" in attrs:
            attrs["live"] = [value(v) for v in attrs["live"]]
        new = Instr(i.op, [operand(a) for a in i.args], value(i.result) if i.result else None, attrs)
        frame = chain[-1]
        if i.op == "ret":
            # the inlined frame's value goes to the continuation of its send
            target = frame.cont
            target_phi(fn, target).args.append(f"{new.args[0]}:{here}")
            return [Instr("leave"), Instr("jump", [target])]
        if i.op == "nlr" and frame.home is not None:
            # ^ from a block whose home method frame is in this function: leave the frames up
            # to and including the home, and go where the home's value goes
            leaves = [Instr("leave") for _ in range(len(chain) - frame.home + (1 if frame.home else 0))]
            if frame.home == 0:
                return [*leaves, Instr("ret", [new.args[0]])]
            target = chain[frame.home - 1].cont
            target_phi(fn, target).args.append(f"{new.args[0]}:{here}")
            return [*leaves, Instr("jump", [target])]
        return [new]


def target_phi(fn: Function, label: str) -> Instr:
    return fn.blocks[label].instrs[0]
