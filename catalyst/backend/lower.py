"""Lowering: IR -> a WAT module with one function of the translated-method signature.

The function follows ABI.md section 8: its parameter is the frame pointer the caller built; it
answers the result oop, or 0 after writing the frame back for the interpreter (a guard failed:
a conditional jump on a non-Boolean), or 0 when a send it made answered 0 (the run halted or an
unwind passes through). Control flow: every basic block is a case of a `br_table` state machine
inside one loop (WAT has no goto; this handles any CFG, loops included). SSA values are WASM
locals; phis are copied on the edges into their block.

Before every send the operand stack (values under the receiver, the receiver and the
arguments) is stored into the frame's stack slots and FRAME_IP/FRAME_SP are set: that is both
the GC's root set and the interpreter's view of the frame, should it need it.
"""
from __future__ import annotations

from catalyst.ir.ir import Function, Instr

IMPORTS = """  (import "core" "memory" (memory 0))
  (import "core" "vm_send" (func $vm_send (param i32 i32 i32) (result i32)))
  (import "core" "vm_send_super" (func $vm_send_super (param i32 i32 i32 i32) (result i32)))
  (import "core" "class_of" (func $class_of (param i32) (result i32)))
  (import "core" "float_special" (func $float_special (param i32 i32 i32) (result i32)))
  (import "core" "class_index" (func $class_index (param i32) (result i32)))
  (import "core" "vm_resume_frame" (func $vm_resume_frame (param i32) (result i32)))
  (import "core" "ctx_kill" (func $ctx_kill (param i32)))
  (import "core" "vm_block_copy" (func $vm_block_copy (param i32 i32 i32) (result i32)))
  (import "core" "vm_callee_unwound" (func $vm_callee_unwound (param i32) (result i32)))
  (import "core" "jit_table" (table $table 1 funcref))
  (import "core" "nil" (global $nil (mut i32)))
  (import "core" "unwinding" (global $unwinding (mut i32)))
  (import "core" "halt_code" (global $halt (mut i32)))
  (import "core" "stat_translated_activations" (global $translated (mut i64)))
  (import "core" "jit_depth" (global $depth (mut i32)))
  (import "core" "jit_depth_limit" (global $depthLimit i32))
  (import "core" "depth_deopt" (global $depthDeopt (mut i32)))
  (type $jitfn (func (param i32) (result i32)))
  (import "core" "fp" (global $gfp (mut i32)))
  (import "core" "true" (global $true (mut i32)))
  (import "core" "false" (global $false (mut i32)))
  (import "core" "special_objects" (global $specials (mut i32)))
"""

INT_OPS = {
    # kind: (untagged i64 expression on $x/$y, result is a Boolean?)
    "add": ("(i64.add (local.get $x) (local.get $y))", False),
    "sub": ("(i64.sub (local.get $x) (local.get $y))", False),
    "mul": ("(i64.mul (local.get $x) (local.get $y))", False),
    "and": ("(i64.and (local.get $x) (local.get $y))", False),
    "or": ("(i64.or (local.get $x) (local.get $y))", False),
    "lt": ("(i64.lt_s (local.get $x) (local.get $y))", True),
    "gt": ("(i64.gt_s (local.get $x) (local.get $y))", True),
    "le": ("(i64.le_s (local.get $x) (local.get $y))", True),
    "ge": ("(i64.ge_s (local.get $x) (local.get $y))", True),
    "eq": ("(i64.eq (local.get $x) (local.get $y))", True),
    "ne": ("(i64.ne (local.get $x) (local.get $y))", True),
}


class LowerError(Exception):
    pass


class Lowerer:
    def __init__(self, fn: Function, module_name: str = ""):
        self.fn = fn
        self.module_name = module_name
        self.lines: list[str] = []
        self.order = list(fn.blocks)
        self.index = {lab: k for k, lab in enumerate(self.order)}
        self.stack_base = 32 + 4 * fn.num_temps

    def w(self, s: str):
        self.lines.append(s)

    def module(self) -> str:
        fn = self.fn
        values = sorted({i.result for i in fn.instructions() if i.result}, key=lambda v: int(v[1:]))
        phi_tmps = [f"$p{k}" for k in range(max((len(b.phis) for b in fn.blocks.values()), default=0))]
        out = [f"(module ${self.module_name}" if self.module_name else "(module", IMPORTS.rstrip("\n"),
               f"  (func $method (export \"method\") (param $fp i32) (result i32)",
               "    (local $state i32) (local $x i64) (local $y i64) (local $r i32) (local $idx i32) (local $new i32)"]
        if values:
            out.append("    " + " ".join(f"(local ${v} i32)" for v in values))
        if phi_tmps:
            out.append("    " + " ".join(f"(local {p} i32)" for p in phi_tmps))
        n = len(self.order)
        out.append("    (loop $dispatch")
        opens = " ".join(f"(block $B{k}" for k in reversed(range(n)))
        out.append(f"      {opens}")
        targets = " ".join(f"$B{k}" for k in range(n))
        out.append(f"        (br_table {targets} (local.get $state)))")
        for k, lab in enumerate(self.order):
            self.lines = []
            self.block(lab)
            out += ["      ;; " + lab] + ["      " + l for l in self.lines]
            out.append("      )" if k < n - 1 else "      (unreachable))")
        out.append("    (unreachable)))")
        return "\n".join(out) + "\n"

    # --- helpers ---------------------------------------------------------------------------
    def get(self, v: str) -> str:
        return f"(local.get ${v})"

    def spill(self, values: list[str], ip: int):
        """Store values as the frame's operand stack, set FRAME_IP and FRAME_SP."""
        for k, v in enumerate(values):
            self.w(f"(i32.store offset={self.stack_base + 4 * k} (local.get $fp) {self.get(v)})")
        sp = self.stack_base + 4 * (len(values) - 1)
        self.w(f"(i32.store offset=8 (local.get $fp) (i32.const {ip}))")
        self.w(f"(i32.store offset=12 (local.get $fp) (i32.add (local.get $fp) (i32.const {sp})))")
        return sp

    def goto(self, src: str, dst: str):
        """Phi copies for the edge src -> dst, then continue at dst."""
        phis = self.fn.blocks[dst].phis
        for k, p in enumerate(phis):
            v = next(a.split(":")[0] for a in p.args if a.split(":")[1] == src)
            self.w(f"(local.set $p{k} {self.get(v)})")
        for k, p in enumerate(phis):
            self.w(f"(local.set ${p.result} (local.get $p{k}))")
        self.w(f"(local.set $state (i32.const {self.index[dst]}))")
        self.w("(br $dispatch)")

    def selector_of(self, i: Instr) -> str:
        if "special" in i.attrs:
            return (f"(i32.load offset=8 (i32.add (i32.load offset={8 + 23 * 4} (global.get $specials)) "
                    f"(i32.const {8 * i.attrs['special']})))")
        return f"(i32.const {i.attrs['sel']})"

    def array_access(self, i: Instr, args: list[str]):
        """at: / at:put: on an Array (format 2: no named slots) with a SmallInteger index
        in range: load or store inline; anything else takes the full send below."""
        rcv, ix = self.get(args[0]), self.get(args[1])
        self.w("(block $slowat")
        self.w(f"  (br_if $slowat (i32.and {rcv} (i32.const 3)))")
        self.w(f"  (br_if $slowat (i32.ne (i32.and (i32.load {rcv}) (i32.const 0x1F000000)) (i32.const 0x02000000)))")
        self.w(f"  (br_if $slowat (i32.eqz (i32.and {ix} (i32.const 1))))")
        self.w(f"  (local.set $idx (i32.shr_s {ix} (i32.const 1)))")
        self.w("  (br_if $slowat (i32.lt_s (local.get $idx) (i32.const 1)))")
        # the slot count: the header's byte, or the prefix word when that byte is 255
        self.w(f"  (local.set $new (i32.load8_u offset=7 {rcv}))")
        self.w(f"  (if (i32.eq (local.get $new) (i32.const 255)) (then (local.set $new (i32.load (i32.sub {rcv} (i32.const 8))))))")
        self.w("  (br_if $slowat (i32.gt_s (local.get $idx) (local.get $new)))")
        addr = f"(i32.add {rcv} (i32.shl (local.get $idx) (i32.const 2)))"
        if len(args) == 2:
            self.w(f"  (local.set ${i.result} (i32.load offset=4 {addr}))")
        else:
            self.w(f"  (i32.store offset=4 {addr} {self.get(args[2])})")
            self.w(f"  (local.set ${i.result} {self.get(args[2])})")
        self.w("  (br $fastat))")

    def depth_guard(self, i: Instr, args: list[str]):
        """Too deep in WASM activations: hand the frame to the interpreter at this send (the
        receiver and arguments on its stack), which performs it without growing that stack."""
        self.w("(if (i32.ge_u (global.get $depth) (global.get $depthLimit)) (then")
        self.spill(i.attrs.get("live", []) + args, i.attrs["site"])
        self.w("  (global.set $depthDeopt (i32.const 1))")
        self.w("  (return (i32.const 0))))")

    def full_send(self, i: Instr, target: str):
        args = i.args[1:]
        self.depth_guard(i, args)
        array_path = i.attrs.get("special") in (16, 17)
        if array_path:
            self.w("(block $fastat")
            self.array_access(i, args)
        sp = self.spill(i.attrs.get("live", []) + args, i.attrs["pc"])
        special = i.attrs.get("special")
        float_path = special is not None and special <= 9 and len(args) == 2
        if float_path:   # Float arithmetic and comparisons without a send (stack is written back)
            self.w(f"(local.set $r (call $float_special (i32.const {special}) "
                   f"{self.get(args[0])} {self.get(args[1])}))")
            self.w("(if (i32.eqz (local.get $r)) (then")
        self.w("(global.set $gfp (local.get $fp))")
        if "guard" in i.attrs:
            self.direct_call(i, args, sp)
        elif "cases" in i.attrs:
            self.inline_cases(i, args[0])
        if "super" in i.attrs:   # lookup starts in the superclass of the method's class
            self.w(f"(local.set $r (call $vm_send_super (i32.add (local.get $fp) (i32.const {sp})) "
                   f"{self.selector_of(i)} (i32.const {i.attrs['nargs']}) "
                   f"(i32.load offset=8 (i32.load offset=12 (i32.const {i.attrs['super']})))))")
        else:
            self.w(f"(local.set $r (call $vm_send (i32.add (local.get $fp) (i32.const {sp})) "
                   f"{self.selector_of(i)} (i32.const {i.attrs['nargs']})))")
        self.w("(global.set $gfp (local.get $fp))")
        self.w("(if (i32.eqz (local.get $r)) (then (return (i32.const 0))))")
        if float_path:
            self.w("))")
        if "guard" in i.attrs or "cases" in i.attrs:
            self.w(")")      # closes the direct call's $called block
        self.w(f"(local.set ${target} (local.get $r))")
        if array_path:
            self.w(")")      # closes $fastat

    INFO_TABLE = 0x460000     # wat/00_decls.wat: method info records, 16 bytes each
    STACK_LIMIT = 0x2900000

    def inline_value(self, kind: str, receiver: str) -> str:
        """The value an inlined trivial method answers (see passes/direct_call.py)."""
        if kind == "self":
            return self.get(receiver)
        if kind.startswith("ivar"):
            return f"(i32.load offset={8 + 4 * int(kind[4:])} {self.get(receiver)})"
        if kind in ("true", "false", "nil"):
            return f"(global.get ${kind})"
        return f"(i32.const {(int(kind) << 1) | 1})"

    def inline_cases(self, i: Instr, receiver: str):
        """A polymorphic site whose targets are all trivial: one class guard per case."""
        self.w("(block $called (block $slow")
        self.w(f"  (local.set $idx (call $class_index {self.get(receiver)}))")
        for case in i.attrs["cases"]:
            ci, kind = case.split(":")
            self.w(f"  (if (i32.eq (local.get $idx) (i32.const {ci})) (then")
            self.w(f"    (local.set $r {self.inline_value(kind, receiver)})")
            self.w("    (br $called)))")
        self.w("  (br $slow))")

    def direct_call(self, i: Instr, args: list[str], sp: int):
        """Guarded call of the target's translation (see passes/direct_call.py). Leaves the
        result in $r and skips the full send, or falls through to it."""
        nargs, temps = i.attrs["nargs"], i.attrs["target_temps"]
        new = sp + 4
        m = i.attrs["target"]
        self.w("(block $called (block $slow")
        self.w(f"  (br_if $slow (i32.ne (call $class_index {self.get(args[0])}) (i32.const {i.attrs['guard']})))")
        inline = i.attrs.get("inline")
        if inline is not None:     # an inlined accessor: no frame, no call
            self.w(f"  (local.set $r {self.inline_value(inline, args[0])})")
            self.w("  (br $called))")
            return
        self.w(f"  (local.set $idx (i32.and (i32.load (i32.const {m - 4})) (i32.const 0xFFFFFF)))")
        self.w("  (br_if $slow (i32.eqz (local.get $idx)))")
        self.w(f"  (local.set $idx (i32.load offset=8 (i32.add (i32.const {self.INFO_TABLE}) "
               f"(i32.shl (local.get $idx) (i32.const 4)))))")
        self.w("  (br_if $slow (i32.eqz (local.get $idx)))")
        self.w(f"  (local.set $new (i32.add (local.get $fp) (i32.const {new})))")
        self.w(f"  (br_if $slow (i32.gt_u (i32.add (local.get $new) (i32.const {4 * (temps + 80)})) "
               f"(i32.const {self.STACK_LIMIT})))")
        self.w("  (i32.store (local.get $new) (local.get $fp))")
        self.w(f"  (i32.store offset=4 (local.get $new) (i32.const {m}))")
        self.w(f"  (i32.store offset=8 (local.get $new) (i32.const {i.attrs['target_pc']}))")
        self.w(f"  (i32.store offset=12 (local.get $new) (i32.add (local.get $new) (i32.const {28 + 4 * temps})))")
        self.w("  (i64.store offset=16 (local.get $new) (i64.const 0))")
        self.w(f"  (i32.store offset=24 (local.get $new) (i32.const {nargs | 0x400}))")
        for k, a in enumerate(args):
            self.w(f"  (i32.store offset={28 + 4 * k} (local.get $new) {self.get(a)})")
        for k in range(nargs, temps):
            self.w(f"  (i32.store offset={32 + 4 * k} (local.get $new) (global.get $nil))")
        self.w("  (global.set $translated (i64.add (global.get $translated) (i64.const 1)))")
        self.w("  (global.set $gfp (local.get $new))")
        self.w("  (global.set $depth (i32.add (global.get $depth) (i32.const 1)))")
        self.w("  (local.set $r (call_indirect $table (type $jitfn) (local.get $new) (local.get $idx)))")
        self.w("  (global.set $depth (i32.sub (global.get $depth) (i32.const 1)))")
        self.w(f"  (i32.store offset=24 (local.get $new) (i32.const {nargs}))")
        self.w("  (if (i32.eqz (local.get $r)) (then")
        # an unwind that targets the callee's frame ends here, with its value (ABI.md section 8)
        self.w("    (if (global.get $unwinding) (then (local.set $r (call $vm_callee_unwound (local.get $new)))))")
        self.w("    (if (i32.eqz (local.get $r)) (then")
        self.w("      (if (i32.or (global.get $unwinding) (global.get $halt)) (then (return (i32.const 0))))")
        self.w("      (local.set $r (call $vm_resume_frame (local.get $new)))")
        self.w("      (if (i32.eqz (local.get $r)) (then (return (i32.const 0))))))))")
        self.w("  (if (i32.load offset=16 (local.get $new)) (then (call $ctx_kill (i32.load offset=16 (local.get $new)))))")
        self.w("  (global.set $gfp (local.get $fp))")
        self.w("  (br $called))")

    # --- instructions ------------------------------------------------------------------------
    def block(self, lab: str):
        for i in self.fn.blocks[lab].instrs:
            if i.op != "phi":
                self.instr(lab, i)

    def instr(self, lab: str, i: Instr):
        op, r = i.op, i.result
        if op == "self":
            self.w(f"(local.set ${r} (i32.load offset=28 (local.get $fp)))")
        elif op == "const":
            self.w(f"(local.set ${r} (i32.const {int(i.args[0]) & 0xFFFFFFFF}))")
        elif op == "load_temp":
            self.w(f"(local.set ${r} (i32.load offset={32 + 4 * i.attrs['index']} (local.get $fp)))")
        elif op == "store_temp":
            self.w(f"(i32.store offset={32 + 4 * i.attrs['index']} (local.get $fp) {self.get(i.args[0])})")
        elif op == "load_ivar":
            self.w(f"(local.set ${r} (i32.load offset={8 + 4 * i.attrs['index']} "
                   f"(i32.load offset=28 (local.get $fp))))")
        elif op == "store_ivar":
            self.w(f"(i32.store offset={8 + 4 * i.attrs['index']} (i32.load offset=28 (local.get $fp)) "
                   f"{self.get(i.args[0])})")
        elif op == "load_litvar":
            self.w(f"(local.set ${r} (i32.load offset=12 (i32.const {i.attrs['assoc']})))")
        elif op == "store_litvar":
            self.w(f"(i32.store offset=12 (i32.const {i.attrs['assoc']}) {self.get(i.args[0])})")
        elif op == "identical":
            self.w(f"(local.set ${r} (select (global.get $true) (global.get $false) "
                   f"(i32.eq {self.get(i.args[0])} {self.get(i.args[1])})))")
        elif op == "class_of":
            self.w(f"(local.set ${r} (call $class_of {self.get(i.args[0])}))")
        elif op == "send":
            self.full_send(i, r)
        elif op == "int_op":
            self.int_op(i)
        elif op == "jump":
            self.goto(lab, i.args[0])
        elif op == "branch":
            v, t, f = i.args
            self.w(f"(if (i32.eq {self.get(v)} (global.get $true)) (then")
            self.goto(lab, t)
            self.w("))")
            self.w(f"(if (i32.eq {self.get(v)} (global.get $false)) (then")
            self.goto(lab, f)
            self.w("))")
            # guard failure: not a Boolean. Hand the frame to the interpreter at the jump,
            # with the value back on the stack; it sends #mustBeBoolean.
            self.spill(i.attrs.get("live", []) + [v], i.attrs["pc"])
            self.w("(return (i32.const 0))")
        elif op == "ret":
            self.w(f"(return {self.get(i.args[0])})")
        elif op == "block_copy":
            # a pre-closure block (passes/lift_v3.py): the core makes the BlockContext, which
            # allocates, so the stack is written back first
            self.spill(i.attrs.get("live", []), i.attrs["pc"])
            self.w("(global.set $gfp (local.get $fp))")
            self.w(f"(local.set ${r} (call $vm_block_copy (local.get $fp) "
                   f"(i32.const {i.attrs['nargs']}) (i32.const {i.attrs['startpc']})))")
            self.w(f"(if (i32.eqz (local.get ${r})) (then (return (i32.const 0))))")
        else:
            raise LowerError(f"{self.fn.name}: cannot lower {op}")

    def int_op(self, i: Instr):
        kind = i.attrs["kind"]
        a, b = i.args[1], i.args[2]
        r = i.result
        self.w("(block $done (block $slow")
        self.w(f"  (br_if $slow (i32.eqz (i32.and (i32.and {self.get(a)} {self.get(b)}) (i32.const 1))))")
        self.w(f"  (local.set $x (i64.extend_i32_s (i32.shr_s {self.get(a)} (i32.const 1))))")
        self.w(f"  (local.set $y (i64.extend_i32_s (i32.shr_s {self.get(b)} (i32.const 1))))")
        if kind in ("div", "mod"):
            self.w("  (br_if $slow (i64.eqz (local.get $y)))")
            q = "(i64.div_s (local.get $x) (local.get $y))"
            # floor division: adjust when the remainder is non-zero and the signs differ
            floor = (f"(i64.sub {q} (i64.extend_i32_u (i32.and (i64.ne (i64.rem_s (local.get $x) "
                     f"(local.get $y)) (i64.const 0)) (i64.lt_s (i64.xor (local.get $x) (local.get $y)) "
                     f"(i64.const 0)))))")
            expr = floor if kind == "div" else f"(i64.sub (local.get $x) (i64.mul {floor} (local.get $y)))"
            boolean = False
        else:
            expr, boolean = INT_OPS[kind]
        if boolean:
            self.w(f"  (local.set ${r} (select (global.get $true) (global.get $false) {expr}))")
        else:
            self.w(f"  (local.set $x {expr})")
            self.w("  (br_if $slow (i64.gt_s (local.get $x) (i64.const 1073741823)))")
            self.w("  (br_if $slow (i64.lt_s (local.get $x) (i64.const -1073741824)))")
            self.w(f"  (local.set ${r} (i32.or (i32.shl (i32.wrap_i64 (local.get $x)) (i32.const 1)) (i32.const 1)))")
        self.w("  (br $done))")
        # not two SmallIntegers, or overflow: the real send (primitives, LargeIntegers, Floats)
        saved = self.lines
        self.lines = []
        self.full_send(i, r)
        body = self.lines
        self.lines = saved
        for line in body:
            self.w("  " + line)
        self.w(")")


def lower(fn: Function, module_name: str = "") -> str:
    """The WAT text of a module whose export `method` is the translated method; module_name
    (e.g. m<method oop>) lets a trap's stack trace name the method."""
    if not fn.blocks:
        raise LowerError(f"{fn.name}: no blocks")
    return Lowerer(fn, module_name).module()
