"""inline-blocks (optimization): block inlining where the closure is known.

Requires: direct-call and inline (callees such as do: are inlined first, so that the blocks a
method gives them meet their value sends here), and three annotations the tiering code
provides: `block_source`, a callable (method oop, startpc, depth) -> that block body's optimized
IR or None; `block_selectors`, {selector oop: numArgs} of the value, value:... selectors whose
BlockClosure method is a value primitive; `closure_class`, BlockClosure's class index.

Guarantees: a `value`... send whose receiver is a `closure` made in this function (by the
method itself, by an inlined callee, or by an inlined block) and that takes as many arguments
is replaced, for `v = send #value: vC vA`, by

    vt = is_class vC class=<BlockClosure> binding=1     ; the translation is still installed
    branch vt <inlined> <slow>
  inlined:  vB = block_push vC vA <copied values> method=M startpc=S nargs=N temps=T ...
            <the block's code, with frame=vB; its `ret x` becomes `frame_pop vB` + a jump>
  slow:     the original send (marked inlined=1: it is not inlined again)
  after:    v = phi <the block's results>, <the slow send's result>

The block's frame is built in memory as push_block_frame builds it (FRAME_CLOSURE is the real
closure: contexts, the GC and deoptimization see the interpreter's frames; like an inlined
method's frame it is not marked translated, ABI.md section 8). Its reads of its arguments and
copied values become the values the send and the closure were given (a block never assigns
them; one that uses thisContext keeps reading its frame). A `^x` in the block whose home method
frame is live in this function (the function's own method frame, or a frame_push of an inlined
method on the send's frame chain) becomes `frame_pop`s of the frames up to the home and the
home's own way out (`ret x`, or the jump to where the inlined method's value goes); any other
`^` stays an `nlr` (the VM finds the home, or sends #cannotReturn: when it is dead). Not
inlined: bodies past MAX_BLOCK instructions or the function's MAX_GROWTH, blocks nested more
than MAX_DEPTH deep, functions whose temporaries are SSA values (temps-ssa).
"""
from __future__ import annotations

from catalyst.ir.ir import Function, Instr, successors
from catalyst.passes.inline import renamed_copy

name = "inline-blocks"
description = "inline known closures' bodies at their value sends"
requires = ("direct-call", "inline")
preserves: tuple = ()

MAX_BLOCK = 80           # instructions of an inlined block body
MAX_GROWTH = 400         # instructions this pass may add to one function
MAX_DEPTH = 2            # blocks inlined within inlined blocks


def run(fn: Function) -> bool:
    source, selectors = fn.annotations.get("block_source"), fn.annotations.get("block_selectors")
    depth = fn.annotations.get("block_depth", 0)
    if (source is None or selectors is None or "closure_class" not in fn.annotations
            or fn.annotations.get("temps_in_ssa") or depth >= MAX_DEPTH):
        return False
    budget = MAX_GROWTH
    changed = False
    considered: dict[int, Instr] = {}      # sends looked at (kept alive: keyed by identity)
    while True:
        site = _find(fn, selectors, considered)
        if site is None:
            break
        lab, send, closure = site
        body = source(closure.attrs["method"], closure.attrs["startpc"], depth + 1)
        size = sum(len(b.instrs) for b in body.blocks.values()) if body else 0
        if body is None or size > MAX_BLOCK or size > budget:
            continue
        budget -= size
        _Splice(fn, lab, send, closure, body).run()
        changed = True
    if changed:
        fn.rebuild_cfg()
    return changed


def _find(fn: Function, selectors: dict, considered: dict):
    defs = {i.result: i for i in fn.instructions() if i.result}
    for lab, b in fn.blocks.items():
        for i in b.instrs:
            if i.op != "send" or id(i) in considered or "inlined" in i.attrs or "super" in i.attrs:
                continue
            considered[id(i)] = i
            closure = defs.get(i.args[1])
            if (closure is not None and closure.op == "closure"
                    and selectors.get(i.attrs.get("sel")) == i.attrs["nargs"] == closure.attrs["nargs"]):
                return lab, i, closure
    return None


class _Splice:
    """Replaces one value send by the block's body (see the module docstring)."""

    def __init__(self, fn: Function, lab: str, send: Instr, closure: Instr, body: Function):
        self.fn, self.lab, self.send, self.closure, self.body = fn, lab, send, closure, body
        self.defs = {i.result: i for i in fn.instructions() if i.result}

    def label(self, suffix: str) -> str:
        lab = f"{self.lab}{suffix}"
        while lab in self.fn.blocks:
            lab += "_"
        self.fn.add_block(lab)
        return lab

    def chain(self, frame: str | None) -> list[str]:
        """The frames from this one down to (not including) the function's own."""
        out = []
        while frame is not None:
            out.append(frame)
            frame = self.parents[frame]
        return out

    def home(self, closure: Instr):
        """The frame value of the closure's home method frame, None for the function's own
        (when it is a method's), or False when the home is not in this function."""
        made_in = closure.attrs.get("frame")
        if made_in is None:
            return None if self.fn.startpc is None else False
        maker = self.defs[made_in]
        if maker.op == "frame_push":
            return made_in
        return self.home(self.defs[maker.args[0]])      # a block_push: its closure's home

    def continuation(self, frame: str) -> str:
        """Where the value of the inlined method whose frame is `frame` goes (passes/inline.py
        pops it and jumps there at each of its returns)."""
        for b in self.fn.blocks.values():
            ops = b.instrs[-2:]
            if len(ops) == 2 and ops[0].op == "frame_pop" and ops[0].args[0] == frame and ops[1].op == "jump":
                return ops[1].args[0]
        raise ValueError(f"{self.fn.name}: no continuation for the inlined frame {frame}")

    def run(self):
        fn, send, closure, body = self.fn, self.send, self.closure, self.body
        blk = fn.blocks[self.lab]
        k = next(n for n, i in enumerate(blk.instrs) if i is send)
        before, after = blk.instrs[:k], blk.instrs[k + 1:]
        frame = send.attrs.get("frame")
        on_frame = {"frame": frame} if frame else {}
        cont, slow, entry = self.label("bc"), self.label("bs"), self.label("be")
        for t in successors(after[-1]):
            for p in fn.blocks[t].phis:
                p.args = [f"{a.split(':')[0]}:{cont}" if a.split(":")[1] == self.lab else a for a in p.args]
        test = Instr("is_class", [send.args[1]], fn.new_value(),
                     {"class": fn.annotations["closure_class"], "binding": 1, **on_frame})
        blk.instrs = before + [test, Instr("branch", [test.result, entry, slow], None,
                                           {"pc": send.attrs["pc"], "live": [], **on_frame})]
        again = Instr("send", list(send.args), fn.new_value(), {**send.attrs, "inlined": 1})
        fn.blocks[slow].instrs = [again, Instr("jump", [cont], None, dict(on_frame))]
        self.result = Instr("phi", [f"{again.result}:{slow}"], send.result)
        fn.blocks[cont].instrs = [self.result] + after
        nargs = send.attrs["nargs"]
        given = send.args[2:] + closure.args            # the block's frame slots
        push = Instr("block_push", [send.args[1]] + given, fn.new_value(),
                     {"method": closure.attrs["method"], "startpc": closure.attrs["startpc"],
                      "nargs": nargs, "temps": len(given), "pc": send.attrs["pc"],
                      "site": send.attrs["site"], "live": list(send.attrs["live"]), **on_frame})
        self.frame, self.cont = push.result, cont
        self.home_frame = self.home(closure)
        names = {old: self.label(f"b_{old}") for old in body.blocks}
        fn.blocks[entry].instrs = [push, Instr("jump", [names[body.entry]], None, dict(on_frame))]
        self.values = self.argument_values(given)
        for i in body.instructions():
            if i.result and i.result not in self.values:
                self.values[i.result] = fn.new_value()
        # each frame's frame below it: the function's, the block's, and those inlined in its body
        self.parents = {v: i.attrs.get("frame") for v, i in self.defs.items()
                        if i.op in ("frame_push", "block_push")}
        self.parents[push.result] = frame
        for i in body.instructions():
            if i.op in ("frame_push", "block_push"):
                self.parents[self.values[i.result]] = (self.values[i.attrs["frame"]] if "frame" in i.attrs
                                                       else push.result)
        for old, b in body.blocks.items():
            nb = fn.blocks[names[old]]
            nb.entry_pc = b.entry_pc
            for i in b.instrs:
                if i.op == "load_temp" and i.result in self.reads:
                    continue                   # an argument or copied value: the caller's value
                nb.instrs += self.moved(i, names, nb.label)
        fn.annotations.setdefault("depends_on", set()).update(
            {send.attrs.get("sel")} | set(body.annotations.get("depends_on", ())))

    def argument_values(self, given: list[str]) -> dict[str, str]:
        body = self.body
        self.reads: set[str] = set()
        if any(i.op == "this_context" for i in body.instructions()):
            return {}       # it may write its own slots through its context (tempAt:put:)
        stored = {i.attrs["index"] for i in body.instructions() if i.op == "store_temp" and "frame" not in i.attrs}
        out = {}
        for i in body.instructions():
            if (i.op == "load_temp" and "frame" not in i.attrs and i.attrs["index"] < len(given)
                    and i.attrs["index"] not in stored):
                out[i.result] = given[i.attrs["index"]]
                self.reads.add(i.result)
        return out

    def moved(self, i: Instr, names: dict, here: str) -> list[Instr]:
        """An instruction of the block's body in this function: renamed, on the block's frame
        (or on a frame inlined into the body); its returns leave that frame."""
        j = renamed_copy(i, lambda v: self.values.get(v, v), names, self.frame)
        if i.op == "ret":              # the block's value: back to the send's frame
            self.result.args.append(f"{j.args[0]}:{here}")
            return [Instr("frame_pop", [self.frame], None, {"frame": self.frame}),
                    Instr("jump", [self.cont], None, {"frame": self.frame})]
        if i.op == "nlr" and self.home_frame is not False:
            return self.nonlocal_return(j, here)
        return [j]

    def nonlocal_return(self, nlr: Instr, here: str) -> list[Instr]:
        """^x to a home method frame that is live in this function: pop the frames up to it and
        leave it as its own returns do; an unknown or dead home keeps the nlr."""
        frames = self.chain(nlr.attrs["frame"])
        home = self.home_frame
        if home is not None and home not in frames:
            return [nlr]                        # the home's frame was left already: it is dead
        pops = frames if home is None else frames[:frames.index(home) + 1]
        out = [Instr("frame_pop", [f], None, {"frame": f}) for f in pops]
        if home is None:
            return out + [Instr("ret", [nlr.args[0]])]
        target = self.continuation(home)
        self.fn.blocks[target].instrs[0].args.append(f"{nlr.args[0]}:{here}")
        return out + [Instr("jump", [target], None, {"frame": home})]
