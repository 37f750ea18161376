"""Semantic analysis of a method for the LLM prompt: what kind of method it is and what it does.

`analyse(fn, m, names)` looks at the optimized IR (and, for trivial methods, the bytecode) and
recognizes patterns: constant and accessor methods, setters, initializers, predicates
(every answer is a Boolean), delegation, recursion, counting loops, accumulators, loops over
indexable objects (at:/at:put:/size), SmallInteger and Float arithmetic (from the inline caches'
feedback), allocation. It picks one category and writes a plain-English description: what the
method answers under which conditions, its loops and side effects, rendered as Smalltalk-like
expressions from the IR, and the receiver classes the inline caches saw.

`operand_classes(fn)` answers which classes the inline caches saw for the receiver and for each
argument (used to generate validation inputs). Nothing here needs a running VM except the
optional `Names.from_vm`, which reads names of literals, classes and instance variables.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from catalyst.ir.ir import Function, Instr
from catalyst.jit.tiering import trivial_body

INT_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
               "eq": "=", "ne": "~=", "mod": "\\\\", "div": "//", "and": "bitAnd:", "or": "bitOr:"}
COMPARISONS = {"<", ">", "<=", ">=", "=", "~=", "==", "~~"}
ARITHMETIC = {"+", "-", "*", "/", "//", "\\\\", "rem:", "quo:", "bitAnd:", "bitOr:", "bitXor:",
              "bitShift:", "abs", "negated", "squared", "sqrt", "max:", "min:", "raisedTo:",
              "sin", "cos", "ln", "exp", "truncated", "rounded", "asFloat", "reciprocal"}
PREDICATE_SELECTORS = {"isNil", "notNil", "isEmpty", "notEmpty", "even", "odd", "isZero",
                       "includes:", "isString", "isSymbol", "isNumber", "isInteger", "isFloat",
                       "not", "and:", "or:", "between:and:", "isLetter", "isDigit", "isVowel",
                       "isPrime", "isKindOf:", "isMemberOf:", "respondsTo:", "atEnd"} | COMPARISONS
INDEXED = {"at:", "at:put:", "basicAt:", "basicAt:put:"}
ALLOCATING = {"new", "new:", "basicNew", "basicNew:", "copy", "shallowCopy", ",", "@",
              "new:withAll:", "with:", "with:with:"}
SMALLINTEGER, FLOAT = "SmallInteger", "Float"


@dataclass
class Names:
    """How to print literals, classes, instance variables and globals of one method."""
    literals: dict = field(default_factory=dict)      # oop -> Smalltalk text
    classes: dict = field(default_factory=dict)       # class index -> class name
    ivars: list = field(default_factory=list)         # instance variable names, in slot order
    true: int = -1
    false: int = -1
    nil: int = -1

    @classmethod
    def from_vm(cls, vm, m) -> "Names":
        """Names read from a live VM for a MethodInput `m`."""
        h = vm.heap
        core = vm.core
        lits = {}
        for oop in m.literals:
            lits[oop] = literal_text(vm, oop)
        classes = {idx: h.class_name(c) for idx, c in class_table(core)}
        try:
            ivars = vm.class_scope_names(h.method_class(m.method_oop)) if m.method_oop else []
        except Exception:
            ivars = []
        return cls(lits, classes, ivars, m.oops.get("true", -1), m.oops.get("false", -1),
                   m.oops.get("nil", -1))

    def constant(self, oop) -> str:
        if isinstance(oop, str):          # "true", "false", "nil" from the bytecode decoder
            return oop
        if oop & 1:
            v = (oop & 0xFFFFFFFF) >> 1
            return str(v - (1 << 31) if v & (1 << 30) else v)
        if oop & 3 == 2:
            return "$" + chr(oop >> 2)
        for name in ("true", "false", "nil"):
            if oop == getattr(self, name):
                return name
        return self.literals.get(oop, "a literal")

    def class_name(self, index: int) -> str:
        return self.classes.get(index, SMALLINTEGER if index in (1, 3) else f"class#{index}")

    def ivar(self, i: int) -> str:
        return self.ivars[i] if i < len(self.ivars) else f"ivar{i + 1}"


def class_table(core) -> list[tuple[int, int]]:
    """(class index, class oop) of every used entry of the class table (ABI.md section 3)."""
    raw = core.read_bytes(0x10000, 4 * 16384)
    return [(i, c) for i, (c,) in enumerate(struct.iter_unpack("<I", raw)) if c and i]


def literal_text(vm, oop: int) -> str:
    """Smalltalk text of a literal oop: numbers, characters, strings, symbols, globals."""
    h = vm.heap
    if oop & 3:
        return Names().constant(oop)
    try:
        cname = h.class_name(h.class_of(oop))
        fmt = h.fmt(oop)
        if cname == "Symbol":
            return "#" + h.string_of(oop)
        if cname in ("String", "ByteString"):
            return "'" + h.string_of(oop).replace("'", "''") + "'"
        if cname == FLOAT:
            return repr(h.float_of(oop))
        if cname.startswith("Large") and cname.endswith("Integer"):
            return str(h.int_of(oop))
        if fmt in (1, 3) and h.num_slots(oop) >= 2 and cname in ("Association", "Binding",
                                                                    "ReadOnlyVariableBinding",
                                                                    "GlobalBinding", "LookupKey"):
            key = h.slot(oop, 0)
            if key and not key & 3 and h.fmt(key) >= 16:
                return h.string_of(key)
        for name in ("nil", "true", "false"):
            if oop == vm.core.global_value(name):
                return name
        return f"a {cname}"
    except Exception:
        return "a literal"


@dataclass
class Analysis:
    category: str
    patterns: list
    description: str
    pseudocode: list

    def text(self) -> str:
        """The analysis as the prompt shows it."""
        lines = [f"Category: {self.category}", "Patterns: " + ("; ".join(self.patterns) or "none"),
                 "", self.description]
        if self.pseudocode:
            lines += ["", "What each basic block does (Smalltalk-like, from the IR):"]
            lines += ["  " + p for p in self.pseudocode]
        return "\n".join(lines)


# --- rendering IR values as Smalltalk-like expressions -----------------------------------------
class Renderer:
    def __init__(self, fn: Function, names: Names):
        self.fn, self.names = fn, names
        self.defs = {i.result: (lab, i) for lab, b in fn.blocks.items() for i in b.instrs if i.result}
        self.uses = fn.uses()
        self.named: set[str] = set()
        for v, (lab, ins) in self.defs.items():
            users = self.uses.get(v, [])
            if ins.op == "phi" or (ins.op in ("send", "int_op") and
                                   (len(users) != 1 or self.block_of(users[0]) != lab)):
                self.named.add(v)

    def block_of(self, ins: Instr) -> str:
        for lab, b in self.fn.blocks.items():
            if any(i is ins for i in b.instrs):
                return lab
        return ""

    def temp(self, i: int) -> str:
        n = self.fn.num_args
        return f"arg{i + 1}" if i < n else f"t{i - n + 1}"

    def value(self, v: str, depth: int = 0) -> str:
        if v not in self.defs:
            return v
        ins = self.defs[v][1]
        if depth and v in self.named:
            return v
        if depth > 6:
            return "..."
        return self.instr(ins, depth)

    def operand(self, v: str) -> str:
        """v as a statement uses it: its name when it has one, else its expression."""
        if v in self.named or v not in self.defs:
            return v
        return self.instr(self.defs[v][1], 0)

    def instr(self, ins: Instr, depth: int) -> str:
        op, a = ins.op, ins.args
        if op == "self":
            return "self"
        if op == "const":
            return self.names.constant(a[0])
        if op == "load_temp":
            return self.temp(ins.attrs["index"])
        if op == "load_ivar":
            return self.names.ivar(ins.attrs["index"])
        if op == "load_litvar":
            return self.names.literals.get(ins.attrs.get("assoc"), "a global")
        if op == "phi":
            return " or ".join(f"{self.operand(x.split(':')[0])} (from {x.split(':')[1]})" for x in a)
        if op == "identical":
            return f"({self.value(a[0], depth + 1)} == {self.value(a[1], depth + 1)})"
        if op == "class_of":
            return f"{self.value(a[0], depth + 1)} class"
        if op in ("send", "int_op"):
            return self.send_text(selector(ins), [self.value(x, depth + 1) for x in a[1:]], depth)
        return f"{op}(" + ", ".join(str(x) for x in a) + ")"

    def send_text(self, sel: str, parts: list[str], depth: int) -> str:
        rcv, args = parts[0], parts[1:]
        if not args:
            text = f"{rcv} {sel}"
        elif not sel[:1].isalpha():
            text = f"{rcv} {sel} {args[0]}"
        else:
            keys = [k + ":" for k in sel.split(":")[:-1]]
            text = rcv + " " + " ".join(f"{k} {x}" for k, x in zip(keys, args))
        return f"({text})" if depth else text

    def block(self, lab: str, headers: dict) -> list[str]:
        out = []
        b = self.fn.blocks[lab]
        head = f"{lab}:"
        if lab in headers:
            head += f" (loop header; repeated from {', '.join(headers[lab])})"
        out.append(head)
        for ins in b.instrs:
            text = self.statement(ins)
            if text:
                out.append("  " + text)
        return out

    def statement(self, ins: Instr) -> str | None:
        op, a = ins.op, ins.args
        if op == "store_temp":
            return f"{self.temp(ins.attrs['index'])} := {self.operand(a[0])}"
        if op == "store_ivar":
            return f"{self.names.ivar(ins.attrs['index'])} := {self.operand(a[0])}"
        if op == "store_litvar":
            return f"{self.names.literals.get(ins.attrs.get('assoc'), 'a global')} := {self.operand(a[0])}"
        if op == "ret":
            return f"answer {self.operand(a[0])}"
        if op == "jump":
            return f"go to {a[0]}"
        if op == "branch":
            return f"if {self.operand(a[0])} then go to {a[1]} else go to {a[2]}"
        if op == "deopt":
            return "continue in the interpreter"
        if ins.result in self.named:
            return f"{ins.result} := {self.instr(ins, 0)}"
        if op in ("send", "int_op") and not self.uses.get(ins.result):
            return self.instr(ins, 0)
        return None


def selector(ins: Instr) -> str:
    """The Smalltalk selector of a send or int_op."""
    if ins.op == "int_op" and ins.attrs.get("kind") in INT_SYMBOLS and not str(ins.args[0]).startswith("#"):
        return INT_SYMBOLS[ins.attrs["kind"]]
    return str(ins.args[0]).lstrip("#")


# --- facts about the method ---------------------------------------------------------------
def operand_classes(fn: Function) -> dict:
    """{"self": class indices, 0: ..., 1: ...}: classes the inline caches saw for the receiver
    and each argument, from sends whose receiver is that value."""
    defs = {i.result: i for i in fn.instructions() if i.result}
    out: dict = {"self": set()}
    for k in range(fn.num_args):
        out[k] = set()
    for i in fn.instructions():
        if i.op not in ("send", "int_op") or len(i.args) < 2:
            continue
        d = defs.get(i.args[1])
        if d is None:
            continue
        if d.op == "self":
            key = "self"
        elif d.op == "load_temp" and d.attrs.get("index", 99) < fn.num_args:
            key = d.attrs["index"]
        else:
            continue
        out[key].update(i.attrs.get("feedback") or [])
    return out


def _loops(fn: Function):
    """(header, blocks, back-edge sources) of each natural loop (from `Function.loops`), loops
    sharing a header merged; the header is the block of the loop that dominates the others."""
    idom = fn.dominators()
    by_header: dict = {}
    for body in fn.loops():
        header = next(b for b in body if all(_dominates(idom, b, x) for x in body))
        by_header.setdefault(header, set()).update(body)
    return [(h, body, [p for p in fn.preds(h) if p in body])
            for h, body in sorted(by_header.items(), key=lambda kv: fn.order(kv[0]))]


def _dominates(idom: dict, a: str, b: str) -> bool:
    while True:
        if a == b:
            return True
        if b not in idom or idom[b] == b:
            return False
        b = idom[b]


class _Facts:
    def __init__(self, fn: Function, m, names: Names):
        self.fn, self.m, self.names = fn, m, names
        self.instrs = list(fn.instructions())
        self.defs = {i.result: i for i in self.instrs if i.result}
        self.sends = [i for i in self.instrs if i.op in ("send", "int_op")]
        self.loops = _loops(fn)
        self.loop_blocks = set().union(*[b for _, b, _ in self.loops]) if self.loops else set()
        self.own_selector = fn.name.split(">>")[-1]
        self.rets = [i for i in self.instrs if i.op == "ret"]

    def innermost(self, lab: str):
        """The header of the smallest loop containing block lab, or None."""
        best = None
        for header, body, _ in self.loops:
            if lab in body and (best is None or len(body) < len(best[1])):
                best = (header, body)
        return best[0] if best else None

    def own_blocks(self, header: str) -> list[str]:
        """Blocks of the loop at header that are not inside a loop nested in it, in order."""
        return [lab for lab in self.fn.blocks if self.innermost(lab) == header]

    def in_loop(self, ins: Instr) -> bool:
        return any(any(i is ins for i in self.fn.blocks[lab].instrs) for lab in self.loop_blocks)

    def sels(self, only_loops: bool = False) -> list[str]:
        return [selector(i) for i in self.sends if not only_loops or self.in_loop(i)]

    def feedback_names(self, ins: Instr) -> list[str]:
        return [self.names.class_name(c) for c in ins.attrs.get("feedback") or []]

    def boolean_valued(self, v: str, seen=None) -> bool:
        seen = seen or set()
        if v in seen:
            return True
        seen.add(v)
        d = self.defs.get(v)
        if d is None:
            return False
        if d.op == "const":
            return d.args[0] in (self.names.true, self.names.false)
        if d.op == "identical":
            return True
        if d.op in ("send", "int_op"):
            return selector(d) in PREDICATE_SELECTORS
        if d.op == "phi":
            return all(self.boolean_valued(x.split(":")[0], seen) for x in d.args)
        return False


def _counting_loops(f: _Facts, r: Renderer) -> list[str]:
    """'counts t2 from 1 to arg1 by 1' for a loop whose header compares a temp that the loop
    steps by a constant; 'increments t1 by 1' for other temps stepped by a constant."""
    out = []
    for header, body, _ in f.loops:
        for lab in f.own_blocks(header):
            for st in f.fn.blocks[lab].instrs:
                if st.op != "store_temp":
                    continue
                d = f.defs.get(st.args[0])
                if d is None or d.op != "int_op" or d.attrs.get("kind") not in ("add", "sub"):
                    continue
                x, y = (f.defs.get(a) for a in d.args[1:3])
                idx = st.attrs["index"]
                if not (x and x.op == "load_temp" and x.attrs["index"] == idx and y and y.op == "const"
                        and isinstance(y.args[0], int) and y.args[0] & 1):
                    continue
                step = ("-" if d.attrs["kind"] == "sub" else "") + r.value(d.args[2])
                name = r.temp(idx)
                limit = _loop_limit(f, r, header, idx)
                if limit is None:
                    out.append(f"increments {name} by {step} in the loop at {header} (a counter)")
                    continue
                start = None
                for plab, blk in f.fn.blocks.items():
                    if plab not in body:
                        for i in blk.instrs:
                            if i.op == "store_temp" and i.attrs["index"] == idx and _dominates(
                                    f.fn.dominators(), plab, header):
                                start = r.value(i.args[0])
                out.append(f"counts {name}{' from ' + start if start else ''} to {limit} by {step} "
                           f"(loop at {header})")
    return list(dict.fromkeys(out))


def _loop_limit(f: _Facts, r: Renderer, header: str, idx: int):
    """The bound the header of a loop compares temp idx with, or None."""
    term = f.fn.blocks[header].terminator
    if term is None or term.op != "branch":
        return None
    c = f.defs.get(term.args[0])
    if c is None or c.op != "int_op" or c.attrs.get("kind") not in ("le", "ge", "lt", "gt"):
        return None
    lhs = f.defs.get(c.args[1])
    if lhs is not None and lhs.op == "load_temp" and lhs.attrs["index"] == idx:
        return r.value(c.args[2])
    return None


def _accumulators(f: _Facts, r: Renderer) -> list[str]:
    """Temps or instance variables updated as x := x op expr inside a loop (not counters)."""
    out = []
    for header, body, _ in f.loops:
        for lab in f.own_blocks(header):
            for st in f.fn.blocks[lab].instrs:
                if st.op not in ("store_temp", "store_ivar"):
                    continue
                d = f.defs.get(st.args[0])
                if d is None or d.op not in ("int_op", "send") or len(d.args) < 3:
                    continue
                x = f.defs.get(d.args[1])
                load = "load_temp" if st.op == "store_temp" else "load_ivar"
                if not (x and x.op == load and x.attrs["index"] == st.attrs["index"]):
                    continue
                y = f.defs.get(d.args[2])
                if y is not None and y.op == "const":
                    continue          # a counter, reported by _counting_loops
                name = r.temp(st.attrs["index"]) if st.op == "store_temp" else f.names.ivar(st.attrs["index"])
                out.append(f"accumulates {name} := {name} {selector(d)} {r.value(d.args[2], 1)} "
                           f"in the loop at {header}")
    return list(dict.fromkeys(out))


def analyse(fn: Function, m, names: Names | None = None) -> Analysis:
    """Category, recognized patterns, plain-English description and block-by-block pseudocode."""
    names = names or Names(true=m.oops.get("true", -1), false=m.oops.get("false", -1),
                           nil=m.oops.get("nil", -1))
    f = _Facts(fn, m, names)
    r = Renderer(fn, names)
    patterns: list[str] = []
    sels = f.sels()
    loop_sels = f.sels(only_loops=True)
    arith = [s for s in sels if s in ARITHMETIC or s in COMPARISONS]
    indexed = [s for s in loop_sels if s in INDEXED or s == "size"]
    ivar_reads = sorted({names.ivar(i.attrs["index"]) for i in f.instrs if i.op == "load_ivar"})
    ivar_writes = sorted({names.ivar(i.attrs["index"]) for i in f.instrs if i.op == "store_ivar"})
    others = [s for s in sels if s not in ARITHMETIC and s not in COMPARISONS]
    feedback_classes = sorted({c for i in f.sends for c in f.feedback_names(i)})
    answers_self = bool(f.rets) and all(f.defs.get(i.args[0]) is not None and
                                        f.defs[i.args[0]].op == "self" for i in f.rets)

    counting = _counting_loops(f, r)
    accum = _accumulators(f, r)
    patterns += counting + accum
    if f.loops:
        patterns.append(f"{len(f.loops)} loop(s)")
    if indexed:
        patterns.append("indexed access in a loop (" + ", ".join(sorted(set(indexed))) + ")")
    if f.own_selector in sels:
        patterns.append(f"recursion (sends #{f.own_selector})")
    if ivar_reads:
        patterns.append("reads instance variables " + ", ".join(ivar_reads))
    if ivar_writes:
        patterns.append("writes instance variables " + ", ".join(ivar_writes))
    if any(s in ALLOCATING for s in sels):
        patterns.append("allocates objects (" + ", ".join(sorted({s for s in sels if s in ALLOCATING})) + ")")
    if any(i.op == "int_op" for i in f.sends):
        patterns.append("SmallInteger arithmetic with tag and overflow guards "
                        f"({sum(1 for i in f.sends if i.op == 'int_op')} operations)")
    if any(i.op == "const" and isinstance(i.args[0], int) and not i.args[0] & 3
           and _is_float_text(names.constant(i.args[0])) for i in f.instrs):
        patterns.append("Float constants")
    if FLOAT in feedback_classes:
        patterns.append("Float arithmetic (the inline caches saw Float receivers)")
    if any(i.op == "branch" for i in f.instrs):
        patterns.append(f"{sum(1 for i in f.instrs if i.op == 'branch')} conditional branch(es)")
    if len(f.rets) > 1:
        patterns.append(f"{len(f.rets)} return points")
    poly = [selector(i) for i in f.sends if len(i.attrs.get("feedback") or []) > 1 or i.attrs.get("mega")]
    if poly:
        patterns.append("polymorphic send sites (" + ", ".join(sorted(set(poly))) + ")")

    trivial = trivial_body(m.bytecodes) if m is not None else None
    category, summary = _categorize(f, r, trivial, arith, indexed, others, ivar_writes, answers_self)
    description = _describe(f, r, names, category, summary, feedback_classes)
    headers = {h: srcs for h, _, srcs in f.loops}
    pseudo = []
    for lab in fn.blocks:
        pseudo += r.block(lab, headers)
    return Analysis(category, patterns, description, pseudo)


def _categorize(f: _Facts, r: Renderer, trivial, arith, indexed, others, ivar_writes, answers_self):
    fn, names = f.fn, f.names
    if trivial is not None:
        kind = trivial[0]
        if kind == "ivar":
            return "accessor", f"answers the instance variable {names.ivar(trivial[1])}"
        if kind == "self":
            return "constant", "answers the receiver itself"
        return "constant", f"answers the constant {names.constant(trivial[1])}"
    if not f.sends and not f.loops and not any(i.op.startswith("store") for i in f.instrs) and f.rets and all(
            f.defs.get(i.args[0]) is not None and f.defs[i.args[0]].op in ("const", "self") for i in f.rets):
        return "constant", "answers " + " or ".join(sorted({r.value(i.args[0]) for i in f.rets}))
    stores = [i for i in f.instrs if i.op == "store_ivar"]
    if (len(stores) == 1 and not f.sends and answers_self and fn.num_args >= 1):
        d = f.defs.get(stores[0].args[0])
        if d is not None and d.op == "load_temp" and d.attrs["index"] < fn.num_args:
            return "setter", (f"sets the instance variable {names.ivar(stores[0].attrs['index'])} "
                              f"to {r.temp(d.attrs['index'])} and answers the receiver")
    if f.rets and all(f.boolean_valued(i.args[0]) for i in f.rets):
        return "predicate", "answers a Boolean"
    if f.loops and indexed:
        return "indexed-loop", "loops over an indexable object with " + ", ".join(sorted(set(indexed)))
    loop_arith = [s for s in f.sels(only_loops=True) if s in ARITHMETIC or s in COMPARISONS]
    loop_other = [s for s in f.sels(only_loops=True) if s not in ARITHMETIC and s not in COMPARISONS]
    if f.loops and loop_arith and len(loop_arith) >= 2 * len(loop_other):
        return "arithmetic-kernel", (f"runs a loop of arithmetic ({len(loop_arith)} arithmetic or "
                                     f"comparison operations, {len(loop_other)} other sends in loops)")
    if f.own_selector in f.sels():
        return "recursive", f"calls itself recursively (#{f.own_selector})"
    if f.loops:
        return "loop", f"runs a loop that sends {', '.join(sorted(set(loop_other))) or 'nothing else'}"
    if len(ivar_writes) >= 2 and answers_self:
        return "initializer", "sets instance variables " + ", ".join(ivar_writes) + " and answers the receiver"
    if arith and len(arith) >= len(others):
        return "arithmetic", f"does straight-line arithmetic ({len(arith)} operations, {len(others)} other sends)"
    non_special = [i for i in f.sends if i.op == "send" and "special" not in i.attrs]
    elements = sorted({selector(i) for i in f.sends if selector(i) in INDEXED})
    if elements:
        return "indexed-access", "reads or writes elements of indexable objects (" + ", ".join(elements) + ")"
    if len(f.sends) == 1 and len(f.rets) == 1 and f.rets[0].args[0] == f.sends[0].result:
        return "delegator", f"forwards to {r.value(f.sends[0].result)}"
    return "general", (f"does general work: {len(f.instrs)} IR instructions, {len(f.sends)} sends "
                       f"({len(non_special)} full sends), {len(f.loops)} loops")


def _describe(f: _Facts, r: Renderer, names: Names, category: str, summary: str,
              feedback_classes: list[str]) -> str:
    fn = f.fn
    n, t = fn.num_args, fn.num_temps - fn.num_args
    sig = (f"{fn.name} takes {n} argument{'s' if n != 1 else ''}"
           + (f" ({', '.join(r.temp(i) for i in range(n))})" if n else "")
           + (f" and has {t} temporar{'ies' if t != 1 else 'y'} ({', '.join(r.temp(n + i) for i in range(t))})" if t else "")
           + ".")
    parts = [sig, f"It is {_article(category)} {category} method: it {summary}."]
    answers = []
    for ret in f.rets:
        lab = next(l for l, b in fn.blocks.items() if any(i is ret for i in b.instrs))
        d = f.defs.get(ret.args[0])
        if d is not None and d.op == "phi" and d in fn.blocks[lab].instrs:
            paths = [(x.split(":")[0], x.split(":")[1]) for x in d.args]
        else:
            paths = [(ret.args[0], lab)]
        for v, where in paths:
            cond = _condition(f, r, where)
            answers.append(f"{r.value(v)}{' when ' + cond if cond else ''}")
    if answers:
        parts.append("It answers " + "; or ".join(dict.fromkeys(answers)) + ".")
    for header, body, srcs in f.loops:
        term = fn.blocks[header].terminator
        exit_cond = ""
        if term is not None and term.op == "branch":
            inside = term.args[1] in body
            exit_cond = (f" while {r.value(term.args[0])}" if inside else
                         f" until {r.value(term.args[0])}")
        effects = []
        for lab in fn.blocks:
            if lab in body and lab != header and lab in {h for h, _, _ in f.loops} \
                    and f.innermost(fn.preds(lab)[0] if fn.preds(lab) else lab) == header:
                effects.append(f"runs the loop at {lab}")
            if f.innermost(lab) != header:
                continue
            effects += [r.statement(i) for i in fn.blocks[lab].instrs
                        if i.op in ("store_temp", "store_ivar", "store_litvar")
                        or (i.op in ("send", "int_op") and not r.uses.get(i.result))]
        parts.append(f"The loop at {header} repeats{exit_cond}"
                     + (": " + "; ".join(e for e in effects if e) if effects else "") + ".")
    writes = [r.statement(i) for i in f.instrs if i.op in ("store_ivar", "store_litvar")]
    if writes and not f.loops:
        parts.append("Side effects: " + "; ".join(writes) + ".")
    at_puts = [r.instr(i, 0) for i in f.sends if selector(i) in ("at:put:", "basicAt:put:")]
    if at_puts:
        parts.append("It stores into indexable objects: " + "; ".join(dict.fromkeys(at_puts)) + ".")
    full = sorted({selector(i) for i in f.sends if i.op == "send"})
    if full:
        parts.append("Full message sends (through vm_send): " + ", ".join("#" + s for s in full) + ".")
    if feedback_classes:
        seen = []
        for i in f.sends:
            fb = f.feedback_names(i)
            if fb:
                seen.append(f"{r.instr(i, 0)} -> {'/'.join(fb)}")
        parts.append("The inline caches saw these receiver classes: " + "; ".join(seen[:12]) + ".")
    else:
        parts.append("The inline caches recorded no receiver classes yet.")
    if any(i.op == "int_op" for i in f.sends):
        parts.append("SmallInteger results must stay within -2^30 .. 2^30-1; outside that range, or "
                     "for other receivers, Smalltalk answers LargeIntegers, Floats or other objects "
                     "(the baseline then takes the full send).")
    return " ".join(parts)


def _condition(f: _Facts, r: Renderer, lab: str) -> str:
    """The branch condition that leads to block lab when it has a single conditional predecessor."""
    preds = f.fn.preds(lab)
    if len(preds) != 1:
        return ""
    term = f.fn.blocks[preds[0]].terminator
    if term is None or term.op != "branch":
        return ""
    cond = r.value(term.args[0])
    return cond if term.args[1] == lab else f"not {cond}"


def _is_float_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return "." in text or "e" in text or text in ("nan", "inf", "-inf")


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
