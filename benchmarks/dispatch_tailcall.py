"""Micro-benchmark behind wat/32_loop.wat's dispatch: the same 8-opcode bytecode loop run by a br_table
loop and by handlers that tail-call each other (return_call_indirect), in wasmtime.

    python benchmarks/dispatch_tailcall.py
"""
import statistics
import time

import wasmtime

# bytecodes: 0 push temp k(next byte), 1 push const k, 2 add, 3 pop into temp k, 4 lt -> push 1/0,
# 5 jump-if-false rel(next byte, forward), 6 jump back rel, 7 halt(return top temp 0)
# program: t0 := 0. t1 := 0. [t0 < t2] whileTrue: [t1 := t1 + t0. t0 := t0 + 1]. ^t1 (t2 = N);
# 13 bytecodes per iteration
N = 3_000_000
prog = [1,0, 3,0, 1,0, 3,1,
        0,0, 0,2, 4, 5,16,
        0,1, 0,0, 2, 3,1,
        0,0, 1,1, 2, 3,0,
        6,23, 7]
data = bytes(prog)
hexdata = "".join(f"\\{b:02x}" for b in data)
common = f'(memory (export "mem") 1) (data (i32.const 0) "{hexdata}")'
# state: ip (address), sp (address of top), fp (temps at 1024)
A = f"""(module {common}
 (func (export "run") (result i32)
  (local $ip i32) (local $sp i32) (local $fp i32) (local $op i32) (local $a i32)
  (local.set $sp (i32.const 2048)) (local.set $fp (i32.const 1024))
  (loop $next
   (block $h7 (block $h6 (block $h5 (block $h4 (block $h3 (block $h2 (block $h1 (block $h0
    (local.set $op (i32.load8_u (local.get $ip)))
    (br_table $h0 $h1 $h2 $h3 $h4 $h5 $h6 $h7 $h7 (local.get $op)))
    ;; push temp
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.load (i32.add (local.get $fp) (i32.shl (i32.load8_u offset=1 (local.get $ip)) (i32.const 2)))))
    (local.set $ip (i32.add (local.get $ip) (i32.const 2))) (br $next))
    ;; push const
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.load8_u offset=1 (local.get $ip)))
    (local.set $ip (i32.add (local.get $ip) (i32.const 2))) (br $next))
    ;; add
    (local.set $a (i32.load (local.get $sp))) (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.add (i32.load (local.get $sp)) (local.get $a)))
    (local.set $ip (i32.add (local.get $ip) (i32.const 1))) (br $next))
    ;; pop into temp
    (i32.store (i32.add (local.get $fp) (i32.shl (i32.load8_u offset=1 (local.get $ip)) (i32.const 2))) (i32.load (local.get $sp)))
    (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
    (local.set $ip (i32.add (local.get $ip) (i32.const 2))) (br $next))
    ;; lt
    (local.set $a (i32.load (local.get $sp))) (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.lt_s (i32.load (local.get $sp)) (local.get $a)))
    (local.set $ip (i32.add (local.get $ip) (i32.const 1))) (br $next))
    ;; jump if false
    (local.set $a (i32.load (local.get $sp))) (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
    (local.set $ip (i32.add (i32.add (local.get $ip) (i32.const 2))
                            (select (i32.const 0) (i32.load8_u offset=1 (local.get $ip)) (local.get $a))))
    (br $next))
    ;; jump back
    (local.set $ip (i32.sub (i32.add (local.get $ip) (i32.const 2)) (i32.load8_u offset=1 (local.get $ip))))
    (br $next))
  (return (i32.load offset=4 (local.get $fp))))
  (unreachable))
 (func (export "init") (param i32) (i32.store offset=8 (i32.const 1024) (local.get 0))))
"""
def fn(name, body, nxt=True):
    tail = ("(return_call_indirect (type $h) (local.get $ip) (local.get $sp) (local.get $fp) "
            "(i32.load8_u (local.get $ip)))") if nxt else ""
    return f"(func ${name} (type $h) (param $ip i32) (param $sp i32) (param $fp i32) (result i32) (local $a i32) {body} {tail})"
B = f"""(module {common}
 (type $h (func (param $ip i32) (param $sp i32) (param $fp i32) (result i32)))
 (table 8 funcref) (elem (i32.const 0) $h0 $h1 $h2 $h3 $h4 $h5 $h6 $h7)
 {fn("h0", "(local.set $sp (i32.add (local.get $sp) (i32.const 4))) (i32.store (local.get $sp) (i32.load (i32.add (local.get $fp) (i32.shl (i32.load8_u offset=1 (local.get $ip)) (i32.const 2))))) (local.set $ip (i32.add (local.get $ip) (i32.const 2)))")}
 {fn("h1", "(local.set $sp (i32.add (local.get $sp) (i32.const 4))) (i32.store (local.get $sp) (i32.load8_u offset=1 (local.get $ip))) (local.set $ip (i32.add (local.get $ip) (i32.const 2)))")}
 {fn("h2", "(local.set $a (i32.load (local.get $sp))) (local.set $sp (i32.sub (local.get $sp) (i32.const 4))) (i32.store (local.get $sp) (i32.add (i32.load (local.get $sp)) (local.get $a))) (local.set $ip (i32.add (local.get $ip) (i32.const 1)))")}
 {fn("h3", "(i32.store (i32.add (local.get $fp) (i32.shl (i32.load8_u offset=1 (local.get $ip)) (i32.const 2))) (i32.load (local.get $sp))) (local.set $sp (i32.sub (local.get $sp) (i32.const 4))) (local.set $ip (i32.add (local.get $ip) (i32.const 2)))")}
 {fn("h4", "(local.set $a (i32.load (local.get $sp))) (local.set $sp (i32.sub (local.get $sp) (i32.const 4))) (i32.store (local.get $sp) (i32.lt_s (i32.load (local.get $sp)) (local.get $a))) (local.set $ip (i32.add (local.get $ip) (i32.const 1)))")}
 {fn("h5", "(local.set $a (i32.load (local.get $sp))) (local.set $sp (i32.sub (local.get $sp) (i32.const 4))) (local.set $ip (i32.add (i32.add (local.get $ip) (i32.const 2)) (select (i32.const 0) (i32.load8_u offset=1 (local.get $ip)) (local.get $a))))")}
 {fn("h6", "(local.set $ip (i32.sub (i32.add (local.get $ip) (i32.const 2)) (i32.load8_u offset=1 (local.get $ip))))")}
 (func $h7 (type $h) (param $ip i32) (param $sp i32) (param $fp i32) (result i32) (i32.load offset=4 (local.get $fp)))
 (func (export "run") (result i32) (call $h1 (i32.const 0) (i32.const 2048) (i32.const 1024)))
 (func (export "init") (param i32) (i32.store offset=8 (i32.const 1024) (local.get 0))))
"""
cfg = wasmtime.Config(); cfg.wasm_tail_call = True; cfg.cranelift_opt_level = "speed"
eng = wasmtime.Engine(cfg)
res, answers = {}, set()
for name, text in (("br_table", A), ("tail_call", B)):
    store = wasmtime.Store(eng)
    inst = wasmtime.Instance(store, wasmtime.Module(eng, text), [])
    inst.exports(store)["init"](store, N)
    ts = []
    for _ in range(7):
        t = time.perf_counter(); r = inst.exports(store)["run"](store); ts.append(time.perf_counter() - t)
    res[name] = statistics.median(ts)
    answers.add(r)
    print(name, r, f"{statistics.median(ts)*1000:.1f} ms", f"{N*13/statistics.median(ts)/1e6:.0f} M bytecodes/s")
assert len(answers) == 1, answers      # both ran the same program to the same answer
print(f"tail-call threading takes {res['tail_call'] / res['br_table']:.2f}x the br_table loop's time")
