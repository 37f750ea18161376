"""Squeak-style bytecode listings, derived from the one table in bytecodes.py.

    17 <70> self
    18 <77> pushConstant: 2
    19 <B2> send: <
    20 <99> jumpFalse: 23

`disassemble(bytecodes, literals, first_pc, bytecode_set)` lists bytecodes whose first byte has
pc `first_pc` (Squeak convention: 4 * (1 + numLiterals) + 1); `disassemble_spec` and
`disassemble_method` list a compiled spec and a method of a live VM.
"""
from __future__ import annotations

from catalyst.frontend import bytecodes as B
from catalyst.frontend.literals import literal_text


def _lit(literals, i):
    if literals is None or i >= len(literals):
        return f"lit{i}"
    v = literals[i]
    return v if isinstance(v, str) and getattr(v, "raw", False) else literal_text(v)


def describe(ins: B.Instruction, literals, first_pc: int) -> str:
    op, a = ins.op, ins.args
    L = lambda i: _lit(literals, i)   # noqa: E731
    if op == "push_rcvr_var":
        return f"pushRcvr: {a[0]}"
    if op == "push_temp":
        return f"pushTemp: {a[0]}"
    if op == "push_lit_const":
        return f"pushConstant: {L(a[0])}"
    if op == "push_lit_var":
        return f"pushLitVar: {L(a[0])}"
    if op == "pop_store_rcvr_var":
        return f"popIntoRcvr: {a[0]}"
    if op == "pop_store_temp":
        return f"popIntoTemp: {a[0]}"
    if op == "push_self":
        return "self"
    if op == "push_const":
        return f"pushConstant: {literal_text(a[0]) if not isinstance(a[0], str) else a[0]}"
    if op == "return_const":
        return f"return: {a[0]}"
    if op == "return_top":
        return "returnTop"
    if op == "block_return":
        return "blockReturn"
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
        return f"{sub} {L(i) if 'lit' in sub or 'send' in sub else i}"
    if op == "special_send":
        return f"send: {B.SPECIAL_SELECTORS[a[0]][0]}"
    if op == "pop":
        return "pop"
    if op == "dup":
        return "dup"
    if op == "push_this_context":
        return "pushThisContext"
    if op == "push_new_array":
        return f"pop {a[0]} into (Array new: {a[0]})" if a[1] else f"push: (Array new: {a[0]})"
    if op == "call_primitive":
        return f"callPrimitive: {a[0]}"
    if op == "push_remote_temp":
        return f"pushTemp: {a[0]} inVectorAt: {a[1]}"
    if op == "store_remote_temp":
        return f"storeIntoTemp: {a[0]} inVectorAt: {a[1]}"
    if op == "pop_store_remote_temp":
        return f"popIntoTemp: {a[0]} inVectorAt: {a[1]}"
    if op == "push_closure":
        nc, na, size = a
        return (f"closure(numCopied: {nc} numArgs: {na}) "
                f"to: {first_pc + ins.next_pc + size}")
    if op in ("jump", "jump_if_false", "jump_if_true"):
        name = {"jump": "jumpTo:", "jump_if_false": "jumpFalse:", "jump_if_true": "jumpTrue:"}[op]
        return f"{name} {first_pc + ins.target}"
    return op


def disassemble(code: bytes, literals=None, first_pc: int = 1,
                bytecode_set: str = B.V3_PLUS_CLOSURES) -> str:
    lines = []
    for ins in B.decode(code, bytecode_set):
        raw = " ".join(f"{b:02X}" for b in code[ins.pc:ins.next_pc])
        lines.append(f"{first_pc + ins.pc:>4} <{raw}> {describe(ins, literals, first_pc)}")
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
