"""Squeak-style bytecode listings, derived from the one table in bytecodes.py.

    17 <70> self
    18 <77> pushConstant: 2
    19 <B2> send: <
    20 <99> jumpFalse: 23

One instruction a line: its pc (Squeak's convention: the first bytecode of a method with n
literals is at 4 * (1 + n) + 1), its raw bytes, and its meaning, with literals shown as
Smalltalk text. Both the V3PlusClosures set and the pre-closure V3 set are listed.

`disassemble(spec_or_bytes, literals, first_pc, bytecode_set)` lists a CompiledMethodSpec or raw
bytecodes; `disassemble_spec` adds a header line; `disassemble_method` lists a method of a live VM.
"""
from __future__ import annotations

from catalyst.frontend import bytecodes as B
from catalyst.frontend.literals import literal_text


def _lit(literals, i):
    if literals is None or i >= len(literals):
        return f"lit{i}"
    v = literals[i]
    return v if isinstance(v, str) and getattr(v, "raw", False) else literal_text(v)


_DOUBLE_EXT = {
    "send": "send: {lit} (numArgs {n})", "super_send": "superSend: {lit} (numArgs {n})",
    "push_rcvr_var": "pushRcvr: {i}", "push_lit_const": "pushConstant: {lit}",
    "push_lit_var": "pushLitVar: {lit}", "store_rcvr_var": "storeIntoRcvr: {i}",
    "pop_store_rcvr_var": "popIntoRcvr: {i}", "store_lit_var": "storeIntoLitVar: {lit}",
}


def describe(ins: B.Instruction, literals, first_pc: int) -> str:
    """The meaning of one instruction, Squeak-style."""
    op, a = ins.op, ins.args
    L = lambda i: _lit(literals, i)   # noqa: E731
    simple = {"push_rcvr_var": "pushRcvr: {0}", "push_temp": "pushTemp: {0}",
              "pop_store_rcvr_var": "popIntoRcvr: {0}", "pop_store_temp": "popIntoTemp: {0}",
              "push_remote_temp": "pushTemp: {0} inVectorAt: {1}",
              "store_remote_temp": "storeIntoTemp: {0} inVectorAt: {1}",
              "pop_store_remote_temp": "popIntoTemp: {0} inVectorAt: {1}",
              "call_primitive": "callPrimitive: {0}"}
    if op in simple:
        return simple[op].format(*a)
    if op == "push_lit_const":
        return f"pushConstant: {L(a[0])}"
    if op == "push_lit_var":
        return f"pushLitVar: {L(a[0])}"
    if op == "push_const":
        return "pushConstant: " + literal_text(a[0]) if a[0] not in ("true", "false", "nil") \
            else "pushConstant: " + a[0]
    if op == "return_const":
        return f"return: {a[0]}"
    fixed = {"push_self": "self", "return_top": "returnTop", "block_return": "blockReturn",
             "pop": "pop", "dup": "dup", "push_this_context": "pushThisContext"}
    if op in fixed:
        return fixed[op]
    if op in ("ext_push", "ext_store", "ext_pop_store"):
        kind, i = a
        what = {"rcvr_var": f"Rcvr: {i}", "temp": f"Temp: {i}", "lit_const": f"Constant: {L(i)}",
                "lit_var": f"LitVar: {L(i)}"}[kind]
        return {"ext_push": "push", "ext_store": "storeInto", "ext_pop_store": "popInto"}[op] + what
    if op == "send":
        return f"send: {L(a[0])}"
    if op == "super_send":
        return f"superSend: {L(a[0])}"
    if op == "double_ext":
        sub, i, n = a
        return _DOUBLE_EXT[sub].format(lit=L(i), i=i, n=n)
    if op == "special_send":
        return f"send: {B.SPECIAL_SELECTORS[a[0]][0]}"
    if op == "push_new_array":
        return f"pop {a[0]} into (Array new: {a[0]})" if a[1] else f"push: (Array new: {a[0]})"
    if op == "push_closure":
        nc, na, size = a
        return (f"closure(numCopied: {nc} numArgs: {na}) "
                f"to: {first_pc + ins.next_pc + size}")
    if op in ("jump", "jump_if_false", "jump_if_true"):
        name = {"jump": "jumpTo:", "jump_if_false": "jumpFalse:", "jump_if_true": "jumpTrue:"}[op]
        return f"{name} {first_pc + ins.target}"
    return op


def disassemble(code, literals=None, first_pc: int | None = None,
                bytecode_set: str = B.V3_PLUS_CLOSURES) -> str:
    """List a CompiledMethodSpec, or raw bytecodes with their method's literals.

    first_pc defaults to Squeak's pc of the first bytecode, 4 * (1 + len(literals)) + 1 (1 when
    no literals are given). An undecodable byte raises BytecodeError naming its pc."""
    if hasattr(code, "bytecodes"):            # a CompiledMethodSpec
        literals = code.literals if literals is None else literals
        code = code.bytecodes
    if first_pc is None:
        first_pc = 4 * (1 + len(literals)) + 1 if literals is not None else 1
    lines = []
    pc = 0
    while pc < len(code):
        try:
            ins = B.decode_one(code, pc, bytecode_set)
        except B.BytecodeError as e:
            raise B.BytecodeError(f"pc {first_pc + pc}: {str(e).split(': ', 1)[1]}") from None
        raw = " ".join(f"{b:02X}" for b in code[ins.pc:ins.next_pc])
        lines.append(f"{first_pc + ins.pc:>4} <{raw}> {describe(ins, literals, first_pc)}")
        pc = ins.next_pc
    return "\n".join(lines)


def disassemble_spec(spec) -> str:
    first = 4 * (1 + len(spec.literals)) + 1
    head = (f"{spec.class_name}>>{spec.selector}  (header {spec.header:#x}: {spec.num_args} args, "
            f"{spec.num_temps} temps, {len(spec.literals)} literals"
            f"{', primitive ' + str(spec.primitive) if spec.primitive else ''})")
    return head + "\n" + disassemble(spec.bytecodes, spec.literals, first)


def method_parts(vm, method: int):
    """(header, literal texts, bytecodes) of a CompiledMethod in a live VM."""
    h = vm.heap
    header = h.slot(method, 0) >> 1
    nlits = header & 0x7FFF
    lits = []
    for i in range(nlits):
        o = h.slot(method, 1 + i)
        lits.append(_oop_text(vm, o))
    data = h.bytes_of(method)[4 * (1 + nlits):]
    return header, lits, B.bytecodes_only(data)


def _oop_text(vm, o):
    h = vm.heap
    if o & 1:
        return _Raw(str((o >> 1) - (1 << 31) if o & 0x80000000 else o >> 1))
    if o & 2:
        return _Raw("$" + chr(o >> 2))
    try:
        cls = h.class_name(h.class_of(o))
        if cls == "Symbol":
            return _Raw("#" + h.string_of(o))
        if cls == "String":
            return _Raw("'" + h.string_of(o) + "'")
        if cls == "Association":
            k = h.slot(o, 0)
            return _Raw("{" + (h.string_of(k) if k and not k & 3 and h.fmt(k) >= 16 else "?") + "}")
        return _Raw(cls)
    except Exception:
        return _Raw(f"<{o:#x}>")


class _Raw(str):
    """Literal text read back from the heap, printed as it is."""
    raw = True


def disassemble_method(vm, name: str) -> str:
    if ">>" not in name:
        raise KeyError(f"expected 'Class>>selector', got {name!r}")
    cls_name, sel = name.split(">>", 1)
    cls = vm.class_named(cls_name.strip())
    method = vm.lookup_method(cls, sel.strip())
    if not method:
        raise KeyError(f"{cls_name.strip()} does not define #{sel.strip()}")
    header, lits, code = method_parts(vm, method)
    first = 4 * (1 + len(lits)) + 1
    prim = ""
    return (f"{name}  (header {header:#x}: {(header >> 24) & 15} args, {(header >> 18) & 63} temps, "
            f"{len(lits)} literals){prim}\n" + disassemble(code, lits, first))
