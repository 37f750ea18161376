"""lift: Squeak bytecode -> SSA IR, by abstract interpretation of the operand stack.

Requires: a `MethodInput` (bytecodes, literal oops, header fields, Squeak pc of the first
bytecode). Guarantees: a verified Function whose blocks start at jump targets; stack values at
merges become phis; temporaries and instance variables stay in memory (load/store).
A method the lifter cannot handle raises `LiftError` naming the method, the pc and the reason.
Supported: the whole V3PlusClosures set. A method is lifted without the bodies of its blocks:
`push_closure` makes a `closure` value and continues after the body. Each block body is lifted
on its own (`lift(m, body)` with a `BlockBody` from `block_bodies(m)`) into a Function with
`startpc` set, whose frame is a block activation's (ABI.md section 8): arguments and copied
values are frame slots, the block's own temporaries live on its operand stack (the compiler
pushes them as nils), so they become SSA values here; `blockReturn` is `ret`, a `^` inside a
block is `nlr` (a non-local return from the home method). Of the pre-closure V3 set also
the blockCopy: pattern (lift_v3.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from catalyst.frontend import bytecodes as B
from catalyst.ir.ir import Function, Instr
from catalyst.passes.lift_v3 import fuse_block_copies

ARITH = {0: "add", 1: "sub", 2: "lt", 3: "gt", 4: "le", 5: "ge", 6: "eq", 7: "ne", 8: "mul",
         10: "mod", 13: "div", 14: "and", 15: "or"}
TRUE, FALSE, NIL = "true", "false", "nil"


class LiftError(Exception):
    def __init__(self, method: str, pc: int, reason: str):
        self.method, self.pc, self.reason = method, pc, reason
        super().__init__(f"{method} pc {pc}: {reason}")


@dataclass
class MethodInput:
    name: str
    bytecodes: bytes
    literals: list            # oops
    literal_names: list       # printable text of each literal (selectors as names)
    num_args: int
    num_temps: int
    first_pc: int             # Squeak pc of bytecodes[0]
    oops: dict = field(default_factory=dict)   # "true"/"false"/"nil" -> oop
    method_oop: int = 0
    bytecode_set: str = B.V3_PLUS_CLOSURES
    special_selectors: list = field(default_factory=list)   # oops of the 32 special selectors


@dataclass(frozen=True)
class BlockBody:
    """Where a block's body is in its method: bytecode offsets [start, end), its Squeak
    startpc, and the shape of its activation."""
    start: int
    end: int
    startpc: int
    num_args: int
    num_copied: int


def block_bodies(m: MethodInput) -> list[BlockBody]:
    """Every block body of the method, nested ones included, in pc order."""
    code = m.bytecodes
    if m.bytecode_set != B.V3_PLUS_CLOSURES:
        return []           # pre-closure blocks run in the interpreter (lift_v3.py)
    try:
        return [BlockBody(i.next_pc, i.next_pc + i.args[2], m.first_pc + i.next_pc, i.args[1], i.args[0])
                for i in B.decode(code, m.bytecode_set, start=3 if code[:1] == b"\x8b" else 0)
                if i.op == "push_closure"]
    except B.BytecodeError as e:
        raise LiftError(m.name, m.first_pc, str(e)) from None


def _region(m: MethodInput, start: int, end: int) -> list:
    """The instructions of [start, end) without the bodies of the blocks created there."""
    out, pc = [], start
    while pc < end:
        ins = B.decode_one(m.bytecodes[:end], pc, m.bytecode_set)
        out.append(ins)
        pc = ins.next_pc + (ins.args[2] if ins.op == "push_closure" else 0)
    if pc != end:
        raise B.BytecodeError(f"pc {pc}: a block body runs past the end of its enclosing code")
    return out


def lift(m: MethodInput, body: BlockBody | None = None) -> Function:
    code = m.bytecodes
    if body is None:
        start, end = (3 if code[:1] == b"\x8b" else 0), len(code)
    else:
        start, end = body.start, body.end
    try:
        instrs = _region(m, start, end)
    except B.BytecodeError as e:
        raise LiftError(m.name, m.first_pc, str(e)) from None
    by_pc = {i.pc: i for i in instrs}
    leaders = {start}
    for ins in instrs:
        if ins.family.jumps:
            leaders.add(ins.target)
            leaders.add(ins.next_pc)
        if ins.family.returns and ins.next_pc < end:
            leaders.add(ins.next_pc)
    for t in leaders:
        if t not in by_pc and t < end:
            raise LiftError(m.name, m.first_pc + t, "jump into the middle of an instruction or a block body")
    leaders = sorted(l for l in leaders if l in by_pc)
    if body is None:
        fn = Function(m.name, m.num_args, m.num_temps)
    else:
        fn = Function(f"{m.name}[{body.startpc}]", body.num_args, body.num_args + body.num_copied,
                      body.startpc)
    label = {pc: f"b{k}" for k, pc in enumerate(leaders)}
    for pc in leaders:
        fn.add_block(label[pc]).entry_pc = m.first_pc + pc
    # predecessor edges from the decoded code
    preds: dict[str, list[str]] = {label[pc]: [] for pc in leaders}
    block_of = {}
    cur = None
    for ins in instrs:
        if ins.pc in label:
            cur = label[ins.pc]
        block_of[ins.pc] = cur
    for k, pc in enumerate(leaders):
        stop = leaders[k + 1] if k + 1 < len(leaders) else end
        last = [i for i in instrs if pc <= i.pc < stop][-1]
        succ = []
        if last.family.jumps:
            succ.append(label[last.target])
            if last.conditional:
                succ.append(label[last.next_pc])
        elif not last.family.returns and stop in label:
            succ.append(label[stop])
        for s in succ:
            preds[s].append(label[pc])
    # code after a return that nothing jumps to (the compiler leaves such jumps behind) is dead:
    # drop it before interpreting the stack, so it does not take part in merges
    succs: dict[str, list[str]] = {lab: [] for lab in preds}
    for lab, ps in preds.items():
        for p in ps:
            succs[p].append(lab)
    reachable, work = {label[start]}, [label[start]]
    while work:
        for nxt in succs[work.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                work.append(nxt)
    for lab in list(preds):
        preds[lab] = [p for p in preds[lab] if p in reachable]
    for pc in [pc for pc in leaders if label[pc] not in reachable]:
        del fn.blocks[label[pc]]
        fn.cfg.remove_node(label[pc])
    all_leaders = leaders
    exit_stacks: dict[str, list[str]] = {}
    phis: dict[str, list[Instr]] = {}
    for k, pc in enumerate(all_leaders):
        lab = label[pc]
        if lab not in reachable:
            continue
        blk = fn.blocks[lab]
        ps = preds[lab]
        done = [p for p in ps if p in exit_stacks]
        if not ps or pc == start:
            stack: list[str] = []      # the entry (possibly also a loop head): empty stack
        elif len(ps) == 1 and done:
            stack = list(exit_stacks[ps[0]])
        else:
            if not done:
                raise LiftError(m.name, m.first_pc + pc, "block reached only by a backward jump")
            depth = len(exit_stacks[done[0]])
            stack = []
            phis[lab] = []
            for d in range(depth):
                v = fn.new_value()
                phi = Instr("phi", [], v, {"slot": d})
                blk.instrs.append(phi)
                phis[lab].append(phi)
                stack.append(v)
        stop = all_leaders[k + 1] if k + 1 < len(all_leaders) else end
        terminated = _lift_block(m, fn, blk, [i for i in instrs if pc <= i.pc < stop], stack, label)
        if not terminated:
            if stop not in label:
                raise LiftError(m.name, m.first_pc + stop, "execution runs off the end of the code")
            blk.instrs.append(Instr("jump", [label[stop]]))
        exit_stacks[lab] = stack
    for lab, ps_phis in phis.items():
        for phi in ps_phis:
            for p in preds[lab]:
                st = exit_stacks.get(p)
                if st is None or len(st) <= phi.attrs["slot"]:
                    raise LiftError(m.name, fn.blocks[lab].entry_pc, "stack depth differs at a merge")
                phi.args.append(f"{st[phi.attrs['slot']]}:{p}")
            del phi.attrs["slot"]
    if any(exit_stacks.get(p) for p in preds[label[start]]):
        raise LiftError(m.name, m.first_pc + start, "a jump back to the entry with values on the stack")
    fn.rebuild_cfg()
    fn.annotations["method_oop"] = m.method_oop
    fn.annotations["first_pc"] = m.first_pc
    return fn


def _lift_block(m: MethodInput, fn: Function, blk, body, stack: list[str], label) -> bool:
    """Append the IR for the instructions in body; answer whether a terminator was added."""
    emit = blk.instrs.append

    def push_new(op, args=(), **attrs):
        v = fn.new_value()
        emit(Instr(op, list(args), v, attrs))
        stack.append(v)
        return v

    def pop():
        if not stack:
            raise LiftError(m.name, pc, "operand stack underflow")
        return stack.pop()

    # frame slots past the function's temps are its operand stack (a block's own temporaries)
    def stack_slot(index):
        k = index - fn.num_temps
        if k >= len(stack):
            raise LiftError(m.name, pc, f"temporary {index} is not on the operand stack")
        return k

    def push_temp(index):
        if index < fn.num_temps:
            push_new("load_temp", index=index)
        else:
            stack.append(stack[stack_slot(index)])

    def store_temp(index, v):
        if index < fn.num_temps:
            emit(Instr("store_temp", [v], None, {"index": index}))
        else:
            stack[stack_slot(index)] = v

    def allocating(op, args, next_pc, **attrs):
        """An instruction that allocates (so may collect): its frame state for the GC."""
        push_new(op, args, pc=m.first_pc + next_pc, live=list(stack), **attrs)

    def send(sel_index, nargs, special=None, next_pc=0, super_=False):
        if len(stack) < nargs + 1:
            raise LiftError(m.name, pc, "operand stack underflow at a send")
        args = stack[len(stack) - nargs - 1:]
        del stack[len(stack) - nargs - 1:]
        attrs = {"pc": m.first_pc + next_pc, "nargs": nargs, "live": list(stack),
                 "site": m.first_pc + ins.pc}
        if super_:
            attrs["super"] = m.literals[-1]     # the method class binding
        if special is not None:
            attrs["special"] = special
            if m.special_selectors:
                attrs["sel"] = m.special_selectors[special]
            name = "#" + B.SPECIAL_SELECTORS[special][0]
        else:
            attrs["sel"] = m.literals[sel_index]
            name = "#" + str(m.literal_names[sel_index])
        v = fn.new_value()
        emit(Instr("send", [name.replace(" ", "_")] + args, v, attrs))
        stack.append(v)

    for ins in fuse_block_copies(body, m.literals):
        pc = m.first_pc + ins.pc
        op, a = ins.op, ins.args
        if op == "block_copy":
            push_new("block_copy", nargs=a[0], startpc=m.first_pc + a[1],
                     pc=m.first_pc + ins.next_pc, live=list(stack))
        elif op == "push_rcvr_var":
            push_new("load_ivar", index=a[0])
        elif op == "push_temp":
            push_temp(a[0])
        elif op == "push_lit_const":
            push_new("const", [m.literals[a[0]]])
        elif op == "push_lit_var":
            push_new("load_litvar", assoc=m.literals[a[0]])
        elif op == "pop_store_rcvr_var":
            emit(Instr("store_ivar", [pop()], None, {"index": a[0]}))
        elif op == "pop_store_temp":
            store_temp(a[0], pop())
        elif op == "push_self":
            push_new("self")
        elif op == "push_const":
            c = a[0]
            oop = m.oops[c] if isinstance(c, str) else ((c << 1) | 1) & 0xFFFFFFFF
            push_new("const", [oop])
        elif op in ("return_const", "return_top"):
            state = list(stack)       # the interpreter's stack at the return, for a deopt
            if op == "return_top":
                v = pop()
            elif a[0] == "self":
                v = fn.new_value()
                emit(Instr("self", [], v))
            else:
                v = fn.new_value()
                emit(Instr("const", [m.oops[a[0]]], v))
            if fn.startpc is None:
                emit(Instr("ret", [v]))
            else:
                emit(Instr("nlr", [v], None, {"pc": pc, "live": state}))
            return True
        elif op == "block_return":
            if fn.startpc is None:
                raise LiftError(m.name, pc, "blockReturn outside a block")
            emit(Instr("ret", [pop()]))
            return True
        elif op in ("ext_push", "ext_store", "ext_pop_store"):
            kind, i = a
            if op == "ext_push":
                if kind == "rcvr_var":
                    push_new("load_ivar", index=i)
                elif kind == "temp":
                    push_temp(i)
                elif kind == "lit_const":
                    push_new("const", [m.literals[i]])
                else:
                    push_new("load_litvar", assoc=m.literals[i])
            else:
                v = stack[-1] if stack else None
                if v is None and op == "ext_store" and kind == "temp" and ins.pc == 3 \
                        and i == m.num_temps - 1:
                    # a primitive's error code temp, stored right after callPrimitive: with
                    # nothing pushed the stack top is that temp itself, so it stores nothing
                    continue
                if v is None:
                    raise LiftError(m.name, pc, "store with an empty stack")
                if kind == "rcvr_var":
                    emit(Instr("store_ivar", [v], None, {"index": i}))
                elif kind == "temp":
                    store_temp(i, v)
                elif kind == "lit_var":
                    emit(Instr("store_litvar", [v], None, {"assoc": m.literals[i]}))
                else:
                    raise LiftError(m.name, pc, "store into a literal constant")
                if op == "ext_pop_store":
                    pop()
        elif op == "send":
            send(a[0], a[1], next_pc=ins.next_pc)
        elif op == "super_send":
            send(a[0], a[1], next_pc=ins.next_pc, super_=True)
        elif op == "double_ext":
            sub, i, n = a
            if sub == "send":
                send(i, n, next_pc=ins.next_pc)
            elif sub == "push_rcvr_var":
                push_new("load_ivar", index=i)
            elif sub == "push_lit_const":
                push_new("const", [m.literals[i]])
            elif sub == "push_lit_var":
                push_new("load_litvar", assoc=m.literals[i])
            elif sub in ("store_rcvr_var", "pop_store_rcvr_var"):
                emit(Instr("store_ivar", [stack[-1]], None, {"index": i}))
                if sub == "pop_store_rcvr_var":
                    pop()
            elif sub == "store_lit_var":
                emit(Instr("store_litvar", [stack[-1]], None, {"assoc": m.literals[i]}))
            else:
                send(i, n, next_pc=ins.next_pc, super_=True)
        elif op == "special_send":
            idx = a[0]
            if idx == 22:
                y, x = pop(), pop()
                push_new("identical", [x, y])
            elif idx == 23:
                push_new("class_of", [pop()])
            else:
                send(None, B.SPECIAL_SELECTORS[idx][1], special=idx, next_pc=ins.next_pc)
        elif op == "pop":
            pop()
        elif op == "dup":
            if not stack:
                raise LiftError(m.name, pc, "dup of an empty stack")
            stack.append(stack[-1])
        elif op == "jump":
            emit(Instr("jump", [label[ins.target]]))
            return True
        elif op in ("jump_if_false", "jump_if_true"):
            v = pop()
            t, f = label[ins.target], label[ins.next_pc]
            if op == "jump_if_true":
                emit(Instr("branch", [v, t, f], None, {"pc": pc, "live": list(stack)}))
            else:
                emit(Instr("branch", [v, f, t], None, {"pc": pc, "live": list(stack)}))
            return True
        elif op == "call_primitive":
            continue
        elif op == "push_this_context":
            allocating("this_context", [], ins.next_pc)
        elif op == "push_new_array":
            size, cons = a
            if cons and len(stack) < size:
                raise LiftError(m.name, pc, "operand stack underflow at a brace array")
            values = [pop() for _ in range(size)][::-1] if cons else []
            allocating("new_array", values, ins.next_pc, size=size)
        elif op == "push_closure":
            ncopied, nargs, _size = a
            if len(stack) < ncopied:
                raise LiftError(m.name, pc, "operand stack underflow at a closure")
            copied = [pop() for _ in range(ncopied)][::-1]
            allocating("closure", copied, ins.next_pc, nargs=nargs, startpc=m.first_pc + ins.next_pc,
                       method=m.method_oop)
        elif op in ("push_remote_temp", "store_remote_temp", "pop_store_remote_temp"):
            index, vector = a
            if vector < fn.num_temps:
                vec = fn.new_value()
                emit(Instr("load_temp", [], vec, {"index": vector}))
            else:
                vec = stack[stack_slot(vector)]
            if op == "push_remote_temp":
                push_new("load_slot", [vec], index=index)
            else:
                if not stack:
                    raise LiftError(m.name, pc, "store with an empty stack")
                emit(Instr("store_slot", [vec, stack[-1]], None, {"index": index}))
                if op == "pop_store_remote_temp":
                    pop()
        else:
            raise LiftError(m.name, pc, f"{op} is not translated (the method stays interpreted)")
    return False
