"""Lowering: IR -> a WAT module with the functions of a translated method and its blocks.

The function follows ABI.md section 8: its parameter is the frame pointer the caller built; it
answers the result oop, or 0 after writing the frame back for the interpreter (a guard failed:
a conditional jump on a non-Boolean), or 0 when a send it made answered 0 (the run halted or an
unwind passes through). Control flow: WAT has no goto, so a reducible CFG becomes nested
`block`s and `loop`s along the dominator tree (backend/structure.py); an irreducible one becomes
a `br_table` state machine inside one loop. SSA values are WASM locals; phis are copied on the
edges into their block.

Before every send the operand stack (values under the receiver, the receiver and the
arguments) is stored into the frame's stack slots and FRAME_IP/FRAME_SP are set: that is both
the GC's root set and the interpreter's view of the frame, should it need it.

A method with blocks becomes one function per body, all of the same signature (ABI.md
section 8, "Translated blocks"): `$method` for the method, `$b<startpc>` for each block, and
an exported entry that dispatches a block activation's frame (FRAME_CLOSURE set) by the
closure's startpc. Closures, thisContext and brace arrays call the core's jit_* helpers
(wat/42_jit_support.wat), which may collect, so the frame is written back first.
"""
from __future__ import annotations

from catalyst.backend import structure
from catalyst.ir.facts import smallint_facts
from catalyst.ir.ir import Function, Instr, value_args

IMPORTS = """  (import "core" "memory" (memory 0))
  (import "core" "vm_send" (func $vm_send (param i32 i32 i32 i32) (result i32)))
  (import "core" "vm_send_super" (func $vm_send_super (param i32 i32 i32 i32 i32) (result i32)))
  (import "core" "class_of" (func $class_of (param i32) (result i32)))
  (import "core" "float_special" (func $float_special (param i32 i32 i32 i32) (result i32)))
  (import "core" "box_float" (func $box_float (param i32 f64) (result i32)))
  (import "core" "class_index" (func $class_index (param i32) (result i32)))
  (import "core" "vm_resume_frame" (func $vm_resume_frame (param i32) (result i32)))
  (import "core" "ctx_kill" (func $ctx_kill (param i32)))
  (import "core" "vm_block_copy" (func $vm_block_copy (param i32 i32 i32) (result i32)))
  (import "core" "vm_callee_unwound" (func $vm_callee_unwound (param i32) (result i32)))
  (import "core" "jit_table" (table $table 1 funcref))
  (import "core" "nil" (global $nil (mut i32)))
  (import "core" "unwinding" (global $unwinding (mut i32)))
  (import "core" "halt_code" (global $halt (mut i32)))
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

# The core's cells for translated code (wat/00_decls.wat $jitCells): +0 native depth, +4 the
# frame address from which sends go to the interpreter, +8 count of translated activations; and
# the depth at which translated code stops calling (jit_depth_limit).
JIT_CELLS = 0x8E0000
# +24: the host's interrupt request (a time limit ran out). Translated code looks at it where
# wasmtime would put an epoch check, on entry and at loop heads, and traps (30_interp.wat). The
# load is atomic: another thread writes the cell, and a plain load in a loop that stores
# nothing is one the compiler may take from before the loop (cranelift did: `[true] whileTrue:
# []` translated ran on past its time limit).
INTERRUPT_CELL = JIT_CELLS + 24
# A byte per table index below the limit, 1 while that translation is installed (wat/30_interp.wat,
# $set_jit_index)
JIT_VALID = JIT_CELLS + 0x100
JIT_VALID_LIMIT = 0xFF00
INTERRUPT_CHECK = f"(if (i32.atomic.load (i32.const {INTERRUPT_CELL})) (then (unreachable)))"
DEPTH_LIMIT = 400
# Translated code does not count the native depth itself: each time the core calls a
# translation ($run_translated) it puts at +4 (DEPTH_FRAME) the address that many 32-byte frames
# above the entry frame as DEPTH_LIMIT leaves room for at the current depth (ABI.md section 8).
# Each native activation (a translated function, a nested interpreter loop) runs a frame of
# its own at least 32 bytes above its caller's, so a send from a frame below that address is
# within DEPTH_LIMIT native activations; a send from a frame at or above it is left to the
# interpreter. (Counting the depth cell up and down around every
# direct call made a chain of dependent loads and stores: 8% of recursive benchFib.)
DEPTH_FRAME = f"(i32.load (i32.const {JIT_CELLS + 4}))"

# SmallInteger addition and subtraction on the tagged words (see Lowerer.int_op)
TAGGED_ARITH = {"add": "i32.add", "sub": "i32.sub"}

# SmallInteger comparisons on the tagged words themselves: (2a+1) < (2b+1) iff a < b
TAGGED_COMPARE = {"lt": "i32.lt_s", "gt": "i32.gt_s", "le": "i32.le_s", "ge": "i32.ge_s",
                  "eq": "i32.eq", "ne": "i32.ne"}

# the core's helpers for closures, contexts, arrays and unwinding (wat/42_jit_support.wat)
JIT_SUPPORT_IMPORTS = """  (import "core" "jit_closure" (func $jit_closure (param i32 i32 i32 i32) (result i32)))
  (import "core" "jit_this_context" (func $jit_this_context (param i32 i32) (result i32)))
  (import "core" "jit_new_array" (func $jit_new_array (param i32 i32 i32 i32) (result i32)))
  (import "core" "jit_instantiate" (func $jit_instantiate (param i32 i32 i32 i32 i32) (result i32)))
  (import "core" "jit_nlr" (func $jit_nlr (param i32 i32) (result i32)))
  (import "core" "jit_unwinding" (func $jit_unwinding (param i32) (result i32)))
  (import "core" "jit_box_float" (func $jit_box_float (param i32 f64) (result i32)))
"""


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
        # the frame the instruction being lowered works on: the function's own ($fp), or the
        # frame of an inlined method (frame=vN, made by frame_push vN); and its stack's offset
        self.F, self.base = "(local.get $fp)", self.stack_base
        self.frame_bases = {i.result: 32 + 4 * i.attrs["temps"]
                            for i in fn.instructions() if i.op in ("frame_push", "block_push")}
        self.plan = None
        self._uses = None
        self.lab = fn.entry           # the block being lowered
        self.smallints = smallint_facts(fn)
        self.unboxed = self.float_intermediates()
        # the values of `const` instructions (tagged words): arithmetic with a constant operand
        # gets a one-comparison overflow test
        self.consts = {i.result: int(i.args[0]) for i in fn.instructions() if i.op == "const"}

    def w(self, s: str):
        self.lines.append(s)

    def module(self, blocks: list[Function] = ()) -> str:
        out = [f"(module ${self.module_name}" if self.module_name else "(module",
               IMPORTS.rstrip("\n"), JIT_SUPPORT_IMPORTS.rstrip("\n")]
        out += self.function("method", exported=not blocks)
        for b in blocks:
            out += Lowerer(b, self.module_name).function(f"b{b.startpc}")
        if blocks:
            out += entry_function([b.startpc for b in blocks])
        return "\n".join(out) + ")\n"

    def function(self, name: str, exported: bool = False) -> list[str]:
        """The lines of the WASM function for this IR function."""
        fn = self.fn
        values = sorted({i.result for i in fn.instructions() if i.result}, key=lambda v: int(v[1:]))
        phi_tmps = [f"$p{k}" for k in range(max((len(b.phis) for b in fn.blocks.values()), default=0))]
        export = ' (export "method")' if exported else ""
        out = [f"  (func ${name}{export} (param $fp i32) (result i32)",
               "    (local $state i32) (local $x i64) (local $y i64) (local $r i32) (local $idx i32) (local $new i32) (local $c i32) (local $fx f64) (local $fy f64)"]
        if values:
            out.append("    " + " ".join(f"(local ${v} i32)" for v in values))
        if self.unboxed:
            out.append("    " + " ".join(f"(local $f{v} f64)" for v in sorted(self.unboxed)))
        if phi_tmps:
            out.append("    " + " ".join(f"(local {p} i32)" for p in phi_tmps))
        try:
            self.plan = structure.plan(fn)
        except structure.Irreducible:
            self.plan = None
        if self.plan is not None:
            self.lines = [INTERRUPT_CHECK]
            self.tree(fn.entry)
            out += ["    " + l for l in self.lines]
            out.append("    (unreachable))")
            return out
        # an irreducible CFG: every block is a case of a br_table inside one loop
        n = len(self.order)
        out.append("    (loop $dispatch")
        out.append("      " + INTERRUPT_CHECK)
        opens = " ".join(f"(block $B{k}" for k in reversed(range(n)))
        out.append(f"      {opens}")
        targets = " ".join(f"$B{k}" for k in range(n))
        out.append(f"        (br_table {targets} (local.get $state)))")
        for k, lab in enumerate(self.order):
            self.lines = []
            self.block(lab)
            out += ["      ;; " + lab] + ["      " + l for l in self.lines]
            out.append("      )" if k < n - 1 else "      (unreachable))")
        out.append("    (unreachable))")
        return out

    # --- structured control flow (backend/structure.py) -------------------------------------
    def tree(self, lab: str):
        """The code of block lab and of everything it immediately dominates."""
        if lab in self.plan.loop_headers:
            self.w(f"(loop $L{lab}")
            self.w(INTERRUPT_CHECK)
            self.within(lab, self.plan.children[lab])
            self.w(")")
        else:
            self.within(lab, self.plan.children[lab])

    def within(self, lab: str, merges: list[str]):
        """lab's code inside one `block` per merge child; each child follows its block's end."""
        if not merges:
            self.w(f";; {lab}")
            self.block(lab)
            return
        self.w(f"(block $M{merges[0]}")
        self.within(lab, merges[1:])
        self.w(")")
        self.tree(merges[0])

    # --- helpers ---------------------------------------------------------------------------
    def get(self, v: str) -> str:
        return f"(local.get ${v})"

    def spill(self, values: list[str], ip: int):
        """Store values as the frame's operand stack, set FRAME_IP and FRAME_SP. A Float kept
        unboxed (float_intermediates) is boxed now: its slot holds 0 (the GC skips it) while
        the boxing may collect, then the object."""
        for k, v in enumerate(values):
            self.w(f"(i32.store offset={self.base + 4 * k} {self.F} {self.get(v)})")
        sp = self.base + 4 * (len(values) - 1)
        self.w(f"(i32.store offset=8 {self.F} (i32.const {ip}))")
        self.w(f"(i32.store offset=12 {self.F} (i32.add {self.F} (i32.const {sp})))")
        for v in dict.fromkeys(v for v in values if v in self.unboxed):
            self.w(f"(if (i32.eqz {self.get(v)}) (then")
            self.w(f"  (local.set ${v} (call $jit_box_float {self.F} (local.get $f{v})))")
            self.w(f"  (if (i32.eqz {self.get(v)}) (then (return (i32.const 0))))))")   # halted
            for k in (k for k, x in enumerate(values) if x == v):
                self.w(f"(i32.store offset={self.base + 4 * k} {self.F} {self.get(v)})")
        return sp

    def goto(self, src: str, dst: str):
        """Phi copies for the edge src -> dst, then continue at dst."""
        # the phis' copies happen at once: a source that is itself a phi of dst (assigned by
        # an earlier copy) goes through a temporary
        copies = []
        for p in self.fn.blocks[dst].phis:
            v = next(a.split(":")[0] for a in p.args if a.split(":")[1] == src)
            if v != p.result:
                copies.append((p.result, v))
        targets = {d for d, _ in copies}
        via = [k for k, (_, v) in enumerate(copies) if v in targets]
        for k in via:
            self.w(f"(local.set $p{k} {self.get(copies[k][1])})")
        for k, (d, v) in enumerate(copies):
            self.w(f"(local.set ${d} {'(local.get $p%d)' % k if k in via else self.get(v)})")
        if self.plan is None:
            self.w(f"(local.set $state (i32.const {self.index[dst]}))")
            self.w("(br $dispatch)")
        elif self.plan.is_backward(src, dst):
            self.w(f"(br $L{dst})")
        elif dst in self.plan.merges:
            self.w(f"(br $M{dst})")
        else:
            saved = self.F, self.base
            self.tree(dst)
            self.F, self.base = saved

    def oop(self, name: str) -> str:
        """nil, true or false: a constant when the function knows the VM's oops (they never move),
        else read from the core's globals."""
        oop = self.fn.annotations.get("oops", {}).get(name)
        return f"(i32.const {oop})" if oop else f"(global.get ${name})"

    def deopt_return(self):
        """The frame is written back in interpreter layout: make it the core's current frame and
        answer 0 (ABI.md section 8), so the interpreter continues it from its FRAME_IP."""
        self.w(f"(global.set $gfp {self.F})")
        self.w("(return (i32.const 0))")

    def selector_of(self, i: Instr) -> str:
        if "sel" in i.attrs:
            return f"(i32.const {i.attrs['sel']})"
        if "special" in i.attrs:
            return (f"(i32.load offset=8 (i32.add (i32.load offset={8 + 23 * 4} (global.get $specials)) "
                    f"(i32.const {8 * i.attrs['special']})))")
        return f"(i32.const {i.attrs['sel']})"

    def primitive_inline(self, i: Instr, args: list[str]):
        """The primitive of the send's target (passes/direct_call.py: prim=N behind guard=C, or
        at:/at:put: on exactly array_class) done inline for the shapes it handles: pointer
        objects without named slots (format 2) and byte objects (formats 16-23), a SmallInteger
        index in range, a store into a mutable object of a value it can hold. It sets the
        send's result and leaves by $fastprim; anything else falls through to the full send,
        which runs the primitive and, if it fails, the method's code."""
        prim, rcv = i.attrs["prim"], self.get(args[0])
        res = f"${i.result}"
        self.w("(block $slowprim")
        self.w(f"  (br_if $slowprim (i32.eqz {self.class_in(args[0], i.attrs['guards'])}))")
        cond = self.installed()
        if cond:
            self.w(f"  (br_if $slowprim (i32.eqz {cond}))")
        if prim in (70, 71):  # basicNew, basicNew: by the core (it may collect: frame first)
            sp = self.spill(i.attrs.get("live", []) + args, i.attrs["pc"])
            n = self.get(args[1]) if prim == 71 else "(i32.const 1)"
            self.w(f"  (local.set {res} (call $jit_instantiate {self.F} (i32.add {self.F} (i32.const {sp})) "
                   f"{rcv} {n} (i32.const {prim})))")
            self.w(f"  (br_if $fastprim (local.get {res})))")
            return
        self.w(f"  (local.set $c (i32.and (i32.load8_u offset=3 {rcv}) (i32.const 0x1F)))")   # format
        # the slot count: the header's byte, or the prefix word when that byte is 255
        self.w(f"  (local.set $new (i32.load8_u offset=7 {rcv}))")
        self.w(f"  (if (i32.eq (local.get $new) (i32.const 255)) (then (local.set $new (i32.load (i32.sub {rcv} (i32.const 8))))))")
        pointers = "(i32.eq (local.get $c) (i32.const 2))"
        not_bytes = "(i32.or (i32.lt_u (local.get $c) (i32.const 16)) (i32.gt_u (local.get $c) (i32.const 23)))"
        nbytes = "(i32.sub (i32.shl (local.get $new) (i32.const 2)) (i32.and (local.get $c) (i32.const 3)))"
        if prim == 62:        # size
            self.w(f"  (if {pointers} (then (local.set {res} (i32.or (i32.shl (local.get $new) (i32.const 1)) (i32.const 1))) (br $fastprim)))")
            self.w(f"  (br_if $slowprim {not_bytes})")
            self.w(f"  (local.set {res} (i32.or (i32.shl {nbytes} (i32.const 1)) (i32.const 1)))")
            self.w("  (br $fastprim))")
            return
        ix = self.get(args[1])
        self.w(f"  (br_if $slowprim (i32.eqz (i32.and {ix} (i32.const 1))))")
        self.w(f"  (local.set $idx (i32.shr_s {ix} (i32.const 1)))")
        self.w("  (br_if $slowprim (i32.lt_s (local.get $idx) (i32.const 1)))")
        if prim in (61, 64):  # stores: not into an immutable object (header bit 23)
            self.w(f"  (br_if $slowprim (i32.and (i32.load {rcv}) (i32.const 0x800000)))")
        if prim in (60, 61):  # slot idx-1 of a pointer object is at offset 8 + 4 * (idx - 1)
            addr = f"(i32.add {rcv} (i32.shl (local.get $idx) (i32.const 2)))"
            self.w(f"  (if {pointers} (then")
            self.w("    (br_if $slowprim (i32.gt_s (local.get $idx) (local.get $new)))")
            if prim == 60:
                self.w(f"    (local.set {res} (i32.load offset=4 {addr}))")
            else:
                self.w(f"    (i32.store offset=4 {addr} {self.get(args[2])})")
                self.w(f"    (local.set {res} {self.get(args[2])})")
            self.w("    (br $fastprim)))")
        # byte idx-1 of a byte object is at offset 8 + idx - 1
        self.w(f"  (br_if $slowprim {not_bytes})")
        self.w(f"  (br_if $slowprim (i32.gt_s (local.get $idx) {nbytes}))")
        addr = f"(i32.add {rcv} (local.get $idx))"
        if prim in (60, 63):  # a SmallInteger (60) or a Character (63, immediate: code << 2 | 2)
            shift, tag = (1, 1) if prim == 60 else (2, 2)
            self.w(f"  (local.set {res} (i32.or (i32.shl (i32.load8_u offset=7 {addr}) (i32.const {shift})) (i32.const {tag})))")
        else:                 # a SmallInteger 0-255 (61) or a Character below 256 (64)
            v = self.get(args[2])
            shift, tag, mask = (1, 1, 1) if prim == 61 else (2, 2, 3)
            self.w(f"  (br_if $slowprim (i32.ne (i32.and {v} (i32.const {mask})) (i32.const {tag})))")
            self.w(f"  (br_if $slowprim (i32.gt_u (i32.shr_u {v} (i32.const {shift})) (i32.const 255)))")
            self.w(f"  (i32.store8 offset=7 {addr} (i32.shr_u {v} (i32.const {shift})))")
            self.w(f"  (local.set {res} {v})")
        self.w("  (br $fastprim))")

    def depth_guard(self, i: Instr):
        """Too deep in WASM activations: hand the frame (already written back with the receiver
        and arguments on its stack) to the interpreter at the send bytecode, which performs the
        send without growing the native stack."""
        self.w(f"(if (i32.ge_u {self.F} {DEPTH_FRAME}) (then")
        self.w(f"  (i32.store offset=8 {self.F} (i32.const {i.attrs['site']}))")
        self.w("  (global.set $depthDeopt (i32.const 1))")
        self.deopt_return()
        self.w("))")

    def full_send(self, i: Instr, target: str):
        """A send: inline fast paths where the lowering has them, else the frame is written back
        (the GC's roots and the interpreter's view) and the target runs, called directly when
        the direct-call pass bound it, through the VM's send otherwise."""
        args = i.args[1:]
        prim_path = "prim" in i.attrs
        if prim_path:
            self.w("(block $fastprim")
            self.primitive_inline(i, args)
        sp = self.spill(i.attrs.get("live", []) + args, i.attrs["pc"])
        special = i.attrs.get("special")
        float_path = special is not None and special <= 9 and len(args) == 2
        if float_path:   # Float arithmetic and comparisons without a send (stack is written back)
            self.w(f"(local.set $r (call $float_special {self.F} (i32.const {special}) "
                   f"{self.get(args[0])} {self.get(args[1])}))")
            self.w("(if (i32.eqz (local.get $r)) (then")
        self.depth_guard(i)
        if "target" in i.attrs:
            self.direct_call(i, args, sp)
        elif "cases" in i.attrs:
            self.inline_cases(i, args, sp)
        elif "closure_class" in i.attrs:
            self.block_call(i, args, sp)
        if "super" in i.attrs:   # lookup starts in the superclass of the method's class
            self.w(f"(local.set $r (call $vm_send_super {self.F} (i32.add {self.F} (i32.const {sp})) "
                   f"{self.selector_of(i)} (i32.const {i.attrs['nargs']}) "
                   f"(i32.load offset=8 (i32.load offset=12 (i32.const {i.attrs['super']})))))")
        else:
            self.w(f"(local.set $r (call $vm_send {self.F} (i32.add {self.F} (i32.const {sp})) "
                   f"{self.selector_of(i)} (i32.const {i.attrs['nargs']})))")
        self.w(self.unless_answered())
        if "target" in i.attrs or "cases" in i.attrs or "closure_class" in i.attrs:
            self.w(")")      # closes the direct call's $called block
        self.written_check(i)
        if float_path:
            self.w("))")
        self.w(f"(local.set ${target} (local.get $r))")
        if prim_path:
            self.w(")")      # closes $fastprim

    def written_check(self, i: Instr):
        """After a send, when temps may live in locals (passes/temps_ssa.py): if the frame was
        written through its context meanwhile, hand it to the interpreter right after the send,
        with the send's result on its stack (ABI.md section 8, temporaries in locals)."""
        if not self.fn.annotations.get("temps_in_ssa"):
            return
        top = self.base + 4 * len(i.attrs.get("live", []))
        self.w(f"(if (i32.and (i32.load offset=24 {self.F}) (i32.const 0x800)) (then")
        self.w(f"  (i32.store offset={top} {self.F} (local.get $r))")
        self.w(f"  (i32.store offset=8 {self.F} (i32.const {i.attrs['pc']}))")
        self.w(f"  (i32.store offset=12 {self.F} (i32.add {self.F} (i32.const {top})))")
        self.deopt_return()
        self.w("))")

    INFO_TABLE = 0x460000     # wat/00_decls.wat: method info records, 16 bytes each
    STACK_LIMIT = 0x2900000

    def inline_value(self, kind: str, receiver: str) -> str:
        """The value an inlined trivial method answers (see passes/direct_call.py)."""
        if kind == "self":
            return self.get(receiver)
        if kind.startswith("ivar"):
            return f"(i32.load offset={8 + 4 * int(kind[4:])} {self.get(receiver)})"
        if kind in ("true", "false", "nil"):
            return self.oop(kind)
        return f"(i32.const {(int(kind) << 1) | 1})"

    def class_in(self, value: str, classes: list[int]) -> str:
        """An i32 condition: value's class index is one of classes."""
        cond = self.class_is(value, classes[0])
        for ci in classes[1:]:
            cond = f"(i32.or {cond} {self.class_is(value, ci)})"
        return cond

    def class_is(self, value: str, ci: int) -> str:
        """An i32 condition: value's class index is ci (ABI.md sections 1-3), computed inline."""
        v = self.get(value)
        if ci == 1:
            return f"(i32.and {v} (i32.const 1))"
        if ci == 2:
            return f"(i32.eq (i32.and {v} (i32.const 3)) (i32.const 2))"
        return (f"(if (result i32) (i32.and {v} (i32.const 3)) (then (i32.const 0)) "
                f"(else (i32.eq (i32.and (i32.load {v}) (i32.const 0x3FFFFF)) (i32.const {ci}))))")

    def inlined_frame(self, i: Instr, operands: list[str], method: int) -> str:
        """For frame_push and block_push: write the current frame back as at the inlined send
        (operands: its receiver and arguments), place the new frame (i's result) above that
        stack, or let the interpreter make the send when it does not fit (it reports the stack
        overflow); its caller and method words. Answers the new frame as a WAT expression."""
        sp = self.spill(i.attrs.get("live", []) + operands, i.attrs["pc"])
        new = f"(local.get ${i.result})"
        self.w(f"(local.set ${i.result} (i32.add {self.F} (i32.const {sp + 4})))")
        self.w(f"(if (i32.gt_u {new} (i32.const {self.STACK_LIMIT - 4 * (i.attrs['temps'] + 80)})) (then")
        self.w(f"  (i32.store offset=8 {self.F} (i32.const {i.attrs['site']}))")   # the send reports it
        self.deopt_return()
        self.w("))")
        self.w(f"(i32.store {new} {self.F})")
        self.w(f"(i32.store offset=4 {new} (i32.const {method}))")
        return new

    def frame_push(self, i: Instr):
        """The frame of an inlined method (passes/inline.py): the current frame is written back
        as at the send (the GC's roots, the interpreter's view should the inlined code
        deoptimize), then the callee's frame is built above it, as a direct call would, but not
        marked translated: no WASM activation of its own runs it (ABI.md section 8)."""
        args = i.args
        nargs, temps = i.attrs["nargs"], i.attrs["temps"]
        new = self.inlined_frame(i, args, i.attrs["target"])
        self.w(f"(i64.store offset=16 {new} (i64.const 0))")
        self.w(f"(i32.store offset=24 {new} (i32.const {nargs}))")
        for k, a in enumerate(args):
            self.w(f"(i32.store offset={28 + 4 * k} {new} {self.get(a)})")
        for k in range(nargs, temps):
            self.w(f"(i32.store offset={32 + 4 * k} {new} {self.oop('nil')})")
        self.w(f"(i64.store (i32.const {JIT_CELLS + 8}) (i64.add (i64.load (i32.const {JIT_CELLS + 8})) (i64.const 1)))")

    def installed(self) -> str | None:
        """An i32 condition, 0 or 1: this translation is still the one installed for its
        method (tiering uninstalls it when a target it bound changes); None when not known."""
        check = self.fn.annotations.get("installed_check")
        if not check:
            return None
        info_id, index = check
        if index < JIT_VALID_LIMIT:     # the core's byte for this table index: 1 or 0
            return f"(i32.load8_u (i32.const {JIT_VALID + index}))"
        return f"(i32.eq (i32.load (i32.const {self.INFO_TABLE + 16 * info_id + 8})) (i32.const {index}))"

    def installed_check(self):
        """Inside a $slow block: take the full send unless this translation is still installed."""
        cond = self.installed()
        if cond:
            self.w(f"  (br_if $slow (i32.eqz {cond}))")

    def guard_test(self, i: Instr) -> str:
        """is_class as an i32 condition; for the guard of inlined code (binding=1) also that
        this translation is still installed."""
        cond = self.class_is(i.args[0], i.attrs["class"])
        installed = self.installed() if i.attrs.get("binding") else None
        if installed and i.attrs["class"] == 1:
            # SmallInteger and still installed: the tag bit and the 0/1 answer, one and
            return f"(i32.and {self.get(i.args[0])} {installed})"
        if installed:
            cond = f"(i32.and {cond} {installed})"
        return cond

    def inline_cases(self, i: Instr, args: list[str], sp: int):
        """A polymorphic site (passes/direct_call.py): one class test per case, answering a
        trivial target's value inline or calling the target's translation; other classes (and
        targets not translated) take the full send."""
        self.w("(block $called (block $slow")
        self.installed_check()
        for case in i.attrs["cases"]:
            ci, kind = case.split(":", 1)
            self.w(f"  (if {self.class_is(args[0], int(ci))} (then")
            if kind.startswith("call:"):
                _, m, temps = kind.split(":")
                self.call_translation(args, sp, int(m), int(temps))
            else:
                self.w(f"    (local.set $r {self.inline_value(kind, args[0])})")
                self.w("    (br $called)")
            self.w("  ))")
        self.w("  (br $slow))")

    def direct_call(self, i: Instr, args: list[str], sp: int):
        """Guarded call of the target's translation (see passes/direct_call.py). Leaves the
        result in $r and skips the full send, or falls through to it. The callee's frame gets
        the header words the interpreter and the GC read (ABI.md section 8); FRAME_IP and
        FRAME_SP are the callee's to write before anything that reads them."""
        self.w("(block $called (block $slow")
        self.w(f"  (br_if $slow (i32.eqz {self.class_is(args[0], i.attrs['guard'])}))")
        self.installed_check()
        inline = i.attrs.get("inline")
        if inline is not None:     # an inlined accessor: no frame, no call
            self.w(f"  (local.set $r {self.inline_value(inline, args[0])})")
            self.w("  (br $called))")
            return
        self.call_translation(args, sp, i.attrs["target"], i.attrs["target_temps"])
        self.w(")")

    def call_translation(self, args: list[str], sp: int, m: int, temps: int):
        """Inside a direct call's $slow block, after its class test: when the target m is
        translated, build its frame above the written-back stack (top at sp) and call it;
        the result in $r, leave by $called. Else fall through (to $slow's end)."""
        nargs = len(args) - 1
        new = sp + 4
        recursive = m == self.fn.annotations.get("method_oop")
        if not (recursive and self.installed()):
            # the target's table index, from its method info record (0: not translated); a
            # send to this very method that checked it is still installed knows it
            self.w(f"  (local.set $idx (i32.and (i32.load (i32.const {m - 4})) (i32.const 0xFFFFFF)))")
            self.w("  (br_if $slow (i32.eqz (local.get $idx)))")
            self.w(f"  (local.set $idx (i32.load offset=8 (i32.add (i32.const {self.INFO_TABLE}) "
                   f"(i32.shl (local.get $idx) (i32.const 4)))))")
            self.w("  (br_if $slow (i32.eqz (local.get $idx)))")
        self.w(f"  (local.set $new (i32.add {self.F} (i32.const {new})))")
        self.w(f"  (br_if $slow (i32.gt_u (local.get $new) (i32.const {self.STACK_LIMIT - 4 * (temps + 80)})))")
        self.w(f"  (i32.store (local.get $new) {self.F})")
        self.w(f"  (i32.store offset=4 (local.get $new) (i32.const {m}))")
        self.w("  (i64.store offset=16 (local.get $new) (i64.const 0))")
        self.w(f"  (i32.store offset=24 (local.get $new) (i32.const {nargs | 0x400}))")
        for k, a in enumerate(args):
            self.w(f"  (i32.store offset={28 + 4 * k} (local.get $new) {self.get(a)})")
        for k in range(nargs, temps):
            self.w(f"  (i32.store offset={32 + 4 * k} (local.get $new) {self.oop('nil')})")
        self.w(f"  (i64.store (i32.const {JIT_CELLS + 8}) (i64.add (i64.load (i32.const {JIT_CELLS + 8})) (i64.const 1)))")
        if recursive:
            # a send to this very method: a plain call of this function
            self.w("  (local.set $r (call $method (local.get $new)))")
        else:
            self.w("  (local.set $r (call_indirect $table (type $jitfn) (local.get $new) (local.get $idx)))")
        self.w("  (if (i32.eqz (local.get $r)) (then")
        self.w(f"    (i32.store offset=24 (local.get $new) (i32.const {nargs}))")
        # an unwind that targets the callee's frame ends here, with its value (ABI.md section 8)
        self.w("    (if (global.get $unwinding) (then (local.set $r (call $vm_callee_unwound (local.get $new)))))")
        self.w("    (if (i32.eqz (local.get $r)) (then")
        self.w("      (if (i32.or (global.get $unwinding) (global.get $halt)) (then (return (call $jit_unwinding (local.get $fp)))))")
        self.w("      (local.set $r (call $vm_resume_frame (local.get $new)))")
        self.w(f"      {self.unless_answered()}))))")
        self.w("  (if (i32.load offset=16 (local.get $new)) (then (call $ctx_kill (i32.load offset=16 (local.get $new)))))")
        self.w("  (br $called)")

    # --- instructions ------------------------------------------------------------------------
    def block(self, lab: str):
        self.lab = lab
        instrs = [i for i in self.fn.blocks[lab].instrs if i.op != "phi"]
        fused = self.fusable_test(instrs)
        for i in instrs[:-2] if fused else instrs[:-1]:
            self.instr(lab, i)
        if fused:
            self.test_and_branch(lab, instrs[-2], instrs[-1])
        else:
            self.instr(lab, instrs[-1])

    BOOLEAN_KINDS = {"lt", "gt", "le", "ge", "eq", "ne"}

    def fusable_test(self, instrs: list[Instr]) -> bool:
        """A comparison right before the branch that is its only use: it is lowered as an i32
        condition for the branch, without making a Boolean object first."""
        if len(instrs) < 2 or instrs[-1].op != "branch":
            return False
        test, br = instrs[-2], instrs[-1]
        if not (test.op in ("identical", "is_class")
                or (test.op == "int_op" and test.attrs["kind"] in self.BOOLEAN_KINDS)):
            return False
        return br.args[0] == test.result and self.use_counts().get(test.result, 0) == 1

    def use_counts(self) -> dict[str, int]:
        """How often each value is used, as an operand or as a live stack value (deopt state)."""
        if self._uses is None:
            self._uses = {}
            for i in self.fn.instructions():
                for v in value_args(i) + list(i.attrs.get("live", [])):
                    self._uses[v] = self._uses.get(v, 0) + 1
        return self._uses

    def test_and_branch(self, lab: str, test: Instr, br: Instr):
        self.on_frame_of(test)
        _, t, f = br.args
        if test.op == "identical":
            self.w(f"(local.set $c (i32.eq {self.get(test.args[0])} {self.get(test.args[1])}))")
        elif test.op == "is_class":
            self.w(f"(local.set $c {self.guard_test(test)})")
        else:
            self.int_compare(test, br)
        self.w("(if (local.get $c) (then")
        self.goto(lab, t)
        self.w(") (else")
        self.goto(lab, f)
        self.w("))")
        self.w("(unreachable)")

    def int_compare(self, test: Instr, br: Instr):
        """$c := the comparison of two SmallIntegers (tagged words compare like their values),
        else the real send, whose answer must be a Boolean or the branch deoptimizes into
        the interpreter's mustBeBoolean."""
        a, b = self.get(test.args[1]), self.get(test.args[2])
        if self.both_smallints(test):
            self.w(f"(local.set $c ({TAGGED_COMPARE[test.attrs['kind']]} {a} {b}))")
            return
        self.w("(block $done (block $slow")
        self.w(f"  (br_if $slow (i32.eqz (i32.and (i32.and {a} {b}) (i32.const 1))))")
        self.w(f"  (local.set $c ({TAGGED_COMPARE[test.attrs['kind']]} {a} {b}))")
        self.w("  (br $done))")
        saved, self.lines = self.lines, []

        def float_result(cond):
            self.w(f"  (local.set $c {cond})")
            self.w("  (br $done)")
        self.float_path(test, test.attrs["kind"], float_result)
        self.full_send(test, test.result)
        self.w(f"(if (i32.eq {self.get(test.result)} {self.oop('true')}) (then (local.set $c (i32.const 1)) (br $done)))")
        self.w(f"(if (i32.eq {self.get(test.result)} {self.oop('false')}) (then (local.set $c (i32.const 0)) (br $done)))")
        self.spill(br.attrs.get("live", []) + [test.result], br.attrs["pc"])
        self.deopt_return()
        body, self.lines = self.lines, saved
        for line in body:
            self.w("  " + line)
        self.w(")")

    def both_smallints(self, i: Instr) -> bool:
        """Are an int_op's operands known to be SmallIntegers here (smallint_facts)?"""
        known = self.smallints.get(self.lab, frozenset())
        return i.args[1] in known and i.args[2] in known

    def on_frame_of(self, i: Instr):
        f = i.attrs.get("frame")
        if f is None:
            self.F, self.base = "(local.get $fp)", self.stack_base
        else:
            self.F, self.base = f"(local.get ${f})", self.frame_bases[f]

    def instr(self, lab: str, i: Instr):
        self.on_frame_of(i)
        op, r = i.op, i.result
        if op == "self":
            self.w(f"(local.set ${r} (i32.load offset=28 {self.F}))")
        elif op == "const":
            self.w(f"(local.set ${r} (i32.const {int(i.args[0]) & 0xFFFFFFFF}))")
        elif op == "load_temp":
            self.w(f"(local.set ${r} (i32.load offset={32 + 4 * i.attrs['index']} {self.F}))")
        elif op == "store_temp":
            self.w(f"(i32.store offset={32 + 4 * i.attrs['index']} {self.F} {self.get(i.args[0])})")
        elif op == "load_ivar":
            self.w(f"(local.set ${r} (i32.load offset={8 + 4 * i.attrs['index']} "
                   f"(i32.load offset=28 {self.F})))")
        elif op == "store_ivar":
            self.w(f"(i32.store offset={8 + 4 * i.attrs['index']} (i32.load offset=28 {self.F}) "
                   f"{self.get(i.args[0])})")
        elif op == "load_litvar":
            self.w(f"(local.set ${r} (i32.load offset=12 (i32.const {i.attrs['assoc']})))")
        elif op == "store_litvar":
            self.w(f"(i32.store offset=12 (i32.const {i.attrs['assoc']}) {self.get(i.args[0])})")
        elif op == "identical":
            self.w(f"(local.set ${r} (select {self.oop('true')} {self.oop('false')} "
                   f"(i32.eq {self.get(i.args[0])} {self.get(i.args[1])})))")
        elif op == "is_class":
            self.w(f"(local.set ${r} (select {self.oop('true')} {self.oop('false')} {self.guard_test(i)}))")
        elif op == "frame_push":
            self.frame_push(i)
        elif op == "frame_pop":
            f = self.get(i.args[0])
            self.w(f"(if (i32.load offset=16 {f}) (then (call $ctx_kill (i32.load offset=16 {f}))))")
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
            self.w(f"(if (i32.eq {self.get(v)} {self.oop('true')}) (then")
            self.goto(lab, t)
            self.w("))")
            self.w(f"(if (i32.eq {self.get(v)} {self.oop('false')}) (then")
            self.goto(lab, f)
            self.w("))")
            # guard failure: not a Boolean. Hand the frame to the interpreter at the jump,
            # with the value back on the stack; it sends #mustBeBoolean.
            self.spill(i.attrs.get("live", []) + [v], i.attrs["pc"])
            self.deopt_return()
        elif op == "ret":
            self.w(f"(return {self.get(i.args[0])})")
        elif op == "block_copy":
            # a pre-closure block (passes/lift_v3.py): the core makes the BlockContext, which
            # allocates, so the stack is written back first
            self.spill(i.attrs.get("live", []), i.attrs["pc"])
            self.w(f"(local.set ${r} (call $vm_block_copy {self.F} "
                   f"(i32.const {i.attrs['nargs']}) (i32.const {i.attrs['startpc']})))")
            self.w(f"(if (i32.eqz (local.get ${r})) (then (return (i32.const 0))))")
        elif op in self.CLOSURE_OPS:
            getattr(self, op)(i)
        else:
            raise LowerError(f"{self.fn.name}: cannot lower {op}")

    @staticmethod
    def overflowed(kind: str, x: str, y: str | int, r: str) -> str:
        """Did the 32-bit r = x + y (kind add) or x - y (sub) overflow? (sign-bit rule; for a
        constant y, an int, r went the wrong way from x)"""
        if isinstance(y, int):
            return f"({'i32.lt_s' if (y > 0) == (kind == 'add') else 'i32.gt_s'} {r} {x})"
        if kind == "add":
            return f"(i32.lt_s (i32.and (i32.xor {x} {r}) (i32.xor {y} {r})) (i32.const 0))"
        return f"(i32.lt_s (i32.and (i32.xor {x} {y}) (i32.xor {x} {r})) (i32.const 0))"

    def constant_operand(self, i: Instr) -> tuple[str, int | None]:
        """For a SmallInteger + or -: (the other operand, the constant's tagged word as a
        signed int) when the second operand is a constant SmallInteger (either, for +), else
        (first operand, None)."""
        def small(v):
            k = self.consts.get(v)
            if k is None or not k & 1:
                return None
            k &= 0xFFFFFFFF
            k = k - (1 << 32) if k & 0x80000000 else k
            # the step x +- (k - 1) must itself be an i32 (not so for - of the least SmallInteger)
            return k if 1 - k < (1 << 31) else None
        a, b = i.args[1], i.args[2]
        if (k := small(b)) is not None:
            return self.get(a), k
        if i.attrs["kind"] == "add" and (k := small(a)) is not None:
            return self.get(b), k
        return self.get(a), None

    @staticmethod
    def out_of_range(x: str) -> str:
        """Is the i64 value x outside the SmallInteger range -2^30 .. 2^30-1?"""
        return (f"(i64.gt_u (i64.add {x} (i64.const 1073741824)) (i64.const 2147483647))")

    FLOAT_OPS = {"add": "f64.add", "sub": "f64.sub", "mul": "f64.mul", "lt": "f64.lt", "gt": "f64.gt",
                 "le": "f64.le", "ge": "f64.ge", "eq": "f64.eq", "ne": "f64.ne"}
    FLOAT_ARITH = tuple(k for k in FLOAT_OPS if k not in TAGGED_COMPARE)

    def as_f64(self, v: str, dst: str) -> str:
        """Code that sets dst to the value of v as a double when v is a SmallInteger, a boxed
        Float or a Float kept unboxed (float_intermediates), else branches to $nofloat."""
        x = self.get(v)
        boxed = self.boxed_as_f64(x, dst)
        if v in self.unboxed:
            return f"(if (i32.eqz {x}) (then (local.set {dst} (local.get $f{v}))) (else {boxed}))"
        return boxed

    def boxed_as_f64(self, x: str, dst: str) -> str:
        return (f"(if (i32.and {x} (i32.const 1)) (then (local.set {dst} (f64.convert_i32_s (i32.shr_s {x} (i32.const 1)))))"
                f" (else (br_if $nofloat (i32.or (i32.and {x} (i32.const 3)) (i32.ne (i32.and (i32.load {x}) "
                f"(i32.const 0x3FFFFF)) (i32.const {self.fn.annotations['float_class']}))))"
                f" (local.set {dst} (f64.load offset=8 {x}))))")

    def float_path(self, i: Instr, kind: str, on_result):
        """Inline Float arithmetic or comparison for operands that are Floats or SmallIntegers
        (after the SmallInteger path declined): the result is boxed (arithmetic) or handed to
        on_result as an i32 condition (comparisons); anything else falls through to the send."""
        if kind not in self.FLOAT_OPS or "float_class" not in self.fn.annotations:
            return False
        self.w("(block $nofloat")
        # two SmallIntegers got here by overflowing: that is LargeInteger arithmetic
        self.w(f"  (br_if $nofloat (i32.and (i32.and {self.get(i.args[1])} {self.get(i.args[2])}) (i32.const 1)))")
        self.w("  " + self.as_f64(i.args[1], "$fx"))
        self.w("  " + self.as_f64(i.args[2], "$fy"))
        expr = f"({self.FLOAT_OPS[kind]} (local.get $fx) (local.get $fy))"
        if kind in TAGGED_COMPARE:
            on_result(expr)
        elif i.result in self.unboxed:
            # an intermediate its consumer reads as an f64: no object unless a send needs one
            self.w(f"  (local.set $f{i.result} {expr})")
            self.w("  (local.set $r (i32.const 0))")
            on_result(None)
        else:
            # boxing may collect: the values on the stack under the operands (already unboxed)
            # must be in the frame, the GC's roots
            self.spill(i.attrs.get("live", []), i.attrs["pc"])
            self.w(f"  (local.set $r (call $box_float {self.F} {expr}))")
            self.w("  (br_if $nofloat (i32.eqz (local.get $r)))")
            on_result(None)
        self.w(")")
        return True


    def float_intermediates(self) -> set[str]:
        """The int_op results that may stay unboxed: an arithmetic result all of whose uses are
        by later int_ops of its block that have a float path, as an operand or as a live stack
        value (under their operands). Its float path leaves the double in the f64 local $f<v>
        and 0 (never an object) in $v: those operations' float paths read the double, and a
        slow path that writes the stack back for its send boxes it there (spill). A result
        with any other use (a store, phi, return or send) needs the object anyway: it is boxed
        when made."""
        if "float_class" not in self.fn.annotations:
            return set()
        uses = self.use_counts()
        unboxed = set()
        for b in self.fn.blocks.values():
            made = {}      # this block's arithmetic results -> their uses by float-path int_ops
            for i in b.instrs:
                if i.op != "int_op" or i.attrs["kind"] not in self.FLOAT_OPS:
                    continue
                for v in value_args(i) + list(i.attrs.get("live", [])):
                    if v in made:
                        made[v] += 1
                if i.attrs["kind"] in self.FLOAT_ARITH:
                    made[i.result] = 0
            unboxed |= {v for v, n in made.items() if n == uses.get(v, 0)}
        return unboxed

    def int_op(self, i: Instr):
        """SmallInteger arithmetic and comparison inline when both operands are SmallIntegers
        and the result fits; otherwise the real send (primitives, LargeIntegers, Floats)."""
        kind = i.attrs["kind"]
        a, b = self.get(i.args[1]), self.get(i.args[2])
        r = i.result
        known = self.both_smallints(i)
        if known and kind in TAGGED_COMPARE:
            self.w(f"(local.set ${r} (select {self.oop('true')} {self.oop('false')} ({TAGGED_COMPARE[kind]} {a} {b})))")
            return
        self.w("(block $done (block $slow")
        if not known:
            self.w(f"  (br_if $slow (i32.eqz (i32.and (i32.and {a} {b}) (i32.const 1))))")
        if kind in TAGGED_COMPARE:
            self.w(f"  (local.set ${r} (select {self.oop('true')} {self.oop('false')} ({TAGGED_COMPARE[kind]} {a} {b})))")
        elif kind in ("and", "or"):     # the tag bits combine to a tag bit
            self.w(f"  (local.set ${r} (i32.{kind} {a} {b}))")
        elif kind in ("add", "sub"):
            # on the tagged words: (2p+1) +- 2q = 2(p+-q)+1; a 32-bit overflow is exactly a
            # result outside the 31-bit SmallInteger range
            x, k = self.constant_operand(i)
            if k is not None:
                # x +- 2q for a known q: it overflowed when it moved the wrong way from x
                step = k - 1 if kind == "add" else 1 - k
                self.w(f"  (local.set ${r} (i32.add {x} (i32.const {step})))")
                if step:
                    self.w(f"  (br_if $slow {self.overflowed('add', x, step, self.get(r))})")
            else:
                self.w(f"  (local.set $c (i32.sub {b} (i32.const 1)))")
                self.w(f"  (local.set ${r} ({TAGGED_ARITH[kind]} {a} (local.get $c)))")
                self.w(f"  (br_if $slow {self.overflowed(kind, a, '(local.get $c)', self.get(r))})")
        else:
            self.w(f"  (local.set $x (i64.extend_i32_s (i32.shr_s {a} (i32.const 1))))")
            self.w(f"  (local.set $y (i64.extend_i32_s (i32.shr_s {b} (i32.const 1))))")
            if kind in ("div", "mod"):
                self.w("  (br_if $slow (i64.eqz (local.get $y)))")
                q = "(i64.div_s (local.get $x) (local.get $y))"
                # floor division: adjust when the remainder is non-zero and the signs differ
                floor = (f"(i64.sub {q} (i64.extend_i32_u (i32.and (i64.ne (i64.rem_s (local.get $x) "
                         f"(local.get $y)) (i64.const 0)) (i64.lt_s (i64.xor (local.get $x) (local.get $y)) "
                         f"(i64.const 0)))))")
                expr = floor if kind == "div" else f"(i64.sub (local.get $x) (i64.mul {floor} (local.get $y)))"
            else:
                expr = INT_OPS[kind][0]
            self.w(f"  (local.set $x {expr})")
            self.w(f"  (br_if $slow {self.out_of_range('(local.get $x)')})")
            self.w(f"  (local.set ${r} (i32.or (i32.shl (i32.wrap_i64 (local.get $x)) (i32.const 1)) (i32.const 1)))")
        self.w("  (br $done))")
        saved, self.lines = self.lines, []

        def float_result(cond):
            if cond is None:
                self.w(f"  (local.set ${r} (local.get $r))")
            else:
                self.w(f"  (local.set ${r} (select {self.oop('true')} {self.oop('false')} {cond}))")
            self.w("  (br $done)")
        if not known:       # two SmallIntegers that overflow are LargeInteger arithmetic
            self.float_path(i, kind, float_result)
        self.full_send(i, r)
        body, self.lines = self.lines, saved
        for line in body:
            self.w("  " + line)
        self.w(")")


    # --- blocks, closures, contexts, arrays, non-local returns ----------------------------
    def block_call(self, i: Instr, args: list[str], sp: int):
        """`value`... on a BlockClosure whose method is translated (passes/block_call.py): the
        block activation's frame built here as push_block_frame builds it (ABI.md section 8),
        the translation called through the table (its entry dispatches on the closure). Leaves
        the result in $r and skips the full send, or falls through to it."""
        nargs, blk = i.attrs["nargs"], self.get(args[0])
        self.w("(block $called (block $slow")
        self.w(f"  (br_if $slow (i32.eqz {self.class_is(args[0], i.attrs['closure_class'])}))")
        self.installed_check()
        self.w(f"  (br_if $slow (i32.ne (i32.load offset=16 {blk}) (i32.const {(nargs << 1) | 1})))")
        # copied values: the closure's slots after outerContext, startpc, numArgs
        self.w(f"  (local.set $c (i32.load8_u offset=7 {blk}))")
        self.w("  (br_if $slow (i32.eq (local.get $c) (i32.const 255)))")
        self.w("  (local.set $c (i32.sub (local.get $c) (i32.const 3)))")
        # the home method (the method slot of outerContext, a MethodContext) and its
        # translation's table index
        self.w(f"  (local.set $new (i32.load offset=8 {blk}))")
        self.w("  (br_if $slow (i32.and (local.get $new) (i32.const 3)))")
        self.w(f"  (br_if $slow (i32.ne (i32.and (i32.load (local.get $new)) (i32.const 0x3FFFFF)) "
               f"(i32.const {i.attrs['context_class']})))")
        self.w("  (local.set $new (i32.load offset=20 (local.get $new)))")
        self.w("  (br_if $slow (i32.and (local.get $new) (i32.const 3)))")
        self.w("  (br_if $slow (i32.lt_u (i32.and (i32.load8_u offset=3 (local.get $new)) (i32.const 0x1F)) (i32.const 24)))")
        self.w("  (local.set $idx (i32.and (i32.load (i32.sub (local.get $new) (i32.const 4))) (i32.const 0xFFFFFF)))")
        self.w("  (br_if $slow (i32.eqz (local.get $idx)))")
        self.w(f"  (local.set $idx (i32.load offset=8 (i32.add (i32.const {self.INFO_TABLE}) "
               f"(i32.shl (local.get $idx) (i32.const 4)))))")
        self.w("  (br_if $slow (i32.eqz (local.get $idx)))")
        self.w(f"  (local.set $r (i32.add {self.F} (i32.const {sp + 4})))")
        self.w(f"  (br_if $slow (i32.gt_u (i32.add (local.get $r) (i32.shl (local.get $c) (i32.const 2))) "
               f"(i32.const {self.STACK_LIMIT - 4 * (nargs + 80)})))")
        self.w(f"  (i32.store (local.get $r) {self.F})")
        self.w("  (i32.store offset=4 (local.get $r) (local.get $new))")
        self.w(f"  (i32.store offset=8 (local.get $r) (i32.shr_s (i32.load offset=12 {blk}) (i32.const 1)))")
        self.w(f"  (i32.store offset=12 (local.get $r) (i32.add (i32.add (local.get $r) (i32.const {28 + 4 * nargs})) "
               "(i32.shl (local.get $c) (i32.const 2))))")
        self.w("  (i32.store offset=16 (local.get $r) (i32.const 0))")
        self.w(f"  (i32.store offset=20 (local.get $r) {blk})")
        self.w(f"  (i32.store offset=24 (local.get $r) (i32.const {nargs | 0x500}))")
        self.w(f"  (i32.store offset=28 (local.get $r) (i32.load offset=28 (i32.load offset=8 {blk})))")
        for k, a in enumerate(args[1:]):
            self.w(f"  (i32.store offset={32 + 4 * k} (local.get $r) {self.get(a)})")
        self.w(f"  (memory.copy (i32.add (local.get $r) (i32.const {32 + 4 * nargs})) (i32.add {blk} (i32.const 20)) "
               "(i32.shl (local.get $c) (i32.const 2)))")
        self.count_block_activation()
        self.w("  (local.set $new (local.get $r))")
        self.w("  (local.set $r (call_indirect $table (type $jitfn) (local.get $new) (local.get $idx)))")
        self.w("  (if (i32.eqz (local.get $r)) (then")
        self.w(f"    (i32.store offset=24 (local.get $new) (i32.const {nargs | 0x100}))")
        self.w("    (if (i32.or (global.get $unwinding) (global.get $halt)) (then (return (call $jit_unwinding (local.get $fp)))))")
        self.w("    (local.set $r (call $vm_resume_frame (local.get $new)))")
        self.w(f"    {self.unless_answered()}))")
        self.w("  (if (i32.load offset=16 (local.get $new)) (then (call $ctx_kill (i32.load offset=16 (local.get $new)))))")
        self.w("  (br $called))")

    @staticmethod
    def count_translated() -> str:
        return (f"(i64.store (i32.const {JIT_CELLS + 8}) "
                f"(i64.add (i64.load (i32.const {JIT_CELLS + 8})) (i64.const 1)))")

    def count_block_activation(self):
        """A block activation run by translated code: counted as a translated activation, and
        as a block's (the core's cell +16, stat translated_block_activations)."""
        self.w(self.count_translated())
        self.w(f"(i64.store (i32.const {JIT_CELLS + 16}) (i64.add (i64.load (i32.const {JIT_CELLS + 16})) (i64.const 1)))")

    CLOSURE_OPS = ("closure", "this_context", "new_array", "load_slot", "store_slot", "nlr",
                   "block_push")

    def unless_answered(self) -> str:
        """After a call that answers 0 (the run halted, or an unwind passes): leave, answering
        the unwind's value when this function's frame is its target (wat/42_jit_support.wat)."""
        return "(if (i32.eqz (local.get $r)) (then (return (call $jit_unwinding (local.get $fp)))))"

    def allocating(self, i: Instr, call: str):
        """An instruction done by a core helper that may collect: the frame is written back
        (the operands on top of the stack, where the helper reads them), call is the helper's
        name; it takes the frame, the stack top, then what extra_args gives."""
        sp = self.spill(i.attrs["live"] + i.args, i.attrs["pc"])
        self.w(f"(local.set ${i.result} (call {call} {self.F} "
               f"(i32.add {self.F} (i32.const {sp})) {self.extra_args(i)}))")
        self.w(f"(if (i32.eqz (local.get ${i.result})) (then (return (i32.const 0))))")   # halted

    @staticmethod
    def extra_args(i: Instr) -> str:
        if i.op == "closure":
            desc = (len(i.args) << 4) | i.attrs["nargs"]
            return f"(i32.const {desc}) (i32.const {i.attrs['startpc']})"
        if i.op == "new_array":
            return f"(i32.const {i.attrs['size']}) (i32.const {1 if i.args else 0})"
        return ""

    def closure(self, i: Instr):
        self.allocating(i, "$jit_closure")

    def this_context(self, i: Instr):
        self.allocating(i, "$jit_this_context")

    def new_array(self, i: Instr):
        self.allocating(i, "$jit_new_array")

    def load_slot(self, i: Instr):
        self.w(f"(local.set ${i.result} (i32.load offset={8 + 4 * i.attrs['index']} {self.get(i.args[0])}))")

    def store_slot(self, i: Instr):
        self.w(f"(i32.store offset={8 + 4 * i.attrs['index']} {self.get(i.args[0])} {self.get(i.args[1])})")

    def nlr(self, i: Instr):
        """^value from a block: unwind to the home method's frame; when the home is dead, the
        interpreter executes the return bytecode (it sends #cannotReturn:), a deoptimization
        that is not a failed guard."""
        self.spill(i.attrs["live"], i.attrs["pc"])
        self.w(f"(if (call $jit_nlr {self.F} {self.get(i.args[0])}) "
               "(then (return (call $jit_unwinding (local.get $fp)))))")
        self.w("(global.set $depthDeopt (i32.const 1))")
        self.deopt_return()

    def block_push(self, i: Instr):
        """The frame of an inlined block (passes/inline_blocks.py), as push_block_frame builds
        it: the current frame is written back as at the value send, then the block's frame is
        built above it (FRAME_CLOSURE the closure, receiver from its outer context, arguments
        and copied values), not marked translated, like an inlined method's (frame_push)."""
        nargs = i.attrs["nargs"]
        closure, args, copied = i.args[0], i.args[1:1 + nargs], i.args[1 + nargs:]
        new = self.inlined_frame(i, [closure, *args], i.attrs["method"])
        self.w(f"(i32.store offset=8 {new} (i32.const {i.attrs['startpc']}))")
        self.w(f"(i32.store offset=12 {new} (i32.add {new} (i32.const {28 + 4 * i.attrs['temps']})))")
        self.w(f"(i32.store offset=16 {new} (i32.const 0))")
        self.w(f"(i32.store offset=20 {new} {self.get(closure)})")
        self.w(f"(i32.store offset=24 {new} (i32.const {nargs | 0x100}))")
        self.w(f"(i32.store offset=28 {new} (i32.load offset=28 (i32.load offset=8 {self.get(closure)})))")
        for k, a in enumerate(args + copied):
            self.w(f"(i32.store offset={32 + 4 * k} {new} {self.get(a)})")
        self.count_block_activation()


def entry_function(startpcs: list[int]) -> list[str]:
    """The exported function of a method with blocks: a method frame runs `$method`; a block
    activation's frame (FRAME_CLOSURE set) runs the body its closure's startpc names."""
    out = ['  (func $entry (export "method") (param $fp i32) (result i32)',
           "    (local $c i32)",
           "    (local.set $c (i32.load offset=20 (local.get $fp)))",
           "    (if (i32.eqz (local.get $c)) (then (return_call $method (local.get $fp))))",
           "    (local.set $c (i32.load offset=12 (local.get $c)))"]
    for pc in startpcs:
        out.append(f"    (if (i32.eq (local.get $c) (i32.const {(pc << 1) | 1})) "
                   f"(then (return_call $b{pc} (local.get $fp))))")
    # not a block of this method: the interpreter runs the frame from its start (no guard failed)
    out += ["    (global.set $depthDeopt (i32.const 1))", "    (global.set $gfp (local.get $fp))",
            "    (i32.const 0))"]
    return out


def lower(fn: Function, module_name: str = "", blocks: list[Function] = ()) -> str:
    """The WAT text of a module whose export `method` is the translated method (with its block
    bodies, if any); module_name (e.g. m<method oop>) lets a trap's stack trace name it."""
    for f in (fn, *blocks):
        if not f.blocks:
            raise LowerError(f"{f.name}: no blocks")
    return Lowerer(fn, module_name).module(list(blocks))

