"""Hand-written candidate translations the fake LLM service answers with (demonstration, tests).

Each is a genuinely correct WAT `$method` for one benchmark method, for every receiver and
argument: it checks what it relies on at entry (SmallInteger arguments, an Array of Booleans
large enough, a result that stays a SmallInteger) and otherwise gives up before changing
anything (FRAME_IP = the first bytecode, FRAME_SP = the empty operand stack, answer 0: the
interpreter runs the method from its start). They are faster than the baseline because they
do the work in native WASM values instead of sends and boxed objects; the pass still validates
and times them like any other answer. The first pc and the frame size come from the prompt, as
a model would read them.

- `Integer>>benchFib`: the recursion 1, 1, 3, 5, 9, ... computed iteratively as 2*fib(n+1)-1;
- `BenchSieve>>sieve:size:`: the sieve over the Array of flags with loads and stores;
- `BenchMandelbrot>>mandelbrot:`: the escape-time loop in f64 locals, the same IEEE operations
  in the same order as the Smalltalk code.
"""
from __future__ import annotations

import re

DEOPT = """  ;; give up before changing anything: the interpreter runs the method from its start
  (i32.store offset=8 (local.get $fp) (i32.const {first_pc}))
  (i32.store offset=12 (local.get $fp) (i32.add (local.get $fp) (i32.const {sp_offset})))
  (global.set $gfp (local.get $fp))
  (i32.const 0))"""

BENCH_FIB = """(func $method (param $fp i32) (result i32)
  (local $r i32) (local $n i32) (local $i i32) (local $a i64) (local $b i64) (local $t i64)
  (local.set $r (i32.load offset=28 (local.get $fp)))
  (block $deopt
    (br_if $deopt (i32.eqz (i32.and (local.get $r) (i32.const 1))))
    (local.set $n (i32.shr_s (local.get $r) (i32.const 1)))
    (if (i32.lt_s (local.get $n) (i32.const 2)) (then (return (i32.const 3))))
    ;; benchFib(n) = 2 * fib(n + 1) - 1; b walks fib(2), fib(3), ... fib(n + 1)
    (local.set $a (i64.const 1))
    (local.set $b (i64.const 1))
    (local.set $i (i32.const 2))
    (loop $next
      (local.set $t (i64.add (local.get $a) (local.get $b)))
      (local.set $a (local.get $b))
      (local.set $b (local.get $t))
      ;; 2b - 1 must stay a SmallInteger (at most 2^30 - 1)
      (br_if $deopt (i64.gt_s (local.get $b) (i64.const 536870912)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.le_s (local.get $i) (local.get $n))))
    ;; the tagged SmallInteger 2b - 1 is (2b - 1) * 2 + 1 = 4b - 1
    (return (i32.wrap_i64 (i64.sub (i64.shl (local.get $b) (i64.const 2)) (i64.const 1)))))
""" + DEOPT

SIEVE = """(func $method (param $fp i32) (result i32)
  (local $flags i32) (local $size i32) (local $n i32) (local $slots i32) (local $i i32)
  (local $k i32) (local $count i32) (local $p i32) (local $end i32) (local $v i32)
  (local.set $flags (i32.load offset=32 (local.get $fp)))
  (local.set $size (i32.load offset=36 (local.get $fp)))
  (block $deopt
    (br_if $deopt (i32.eqz (i32.and (local.get $size) (i32.const 1))))
    (local.set $n (i32.shr_s (local.get $size) (i32.const 1)))
    ;; 2 to: size do: [...] does nothing for size < 2: the answer is 0 whatever flags is
    (if (i32.lt_s (local.get $n) (i32.const 2)) (then (return (i32.const 1))))
    ;; flags must be an Array (special object 7) with at least size - 1 slots
    (br_if $deopt (i32.and (local.get $flags) (i32.const 3)))
    (br_if $deopt (i32.ne (call $class_of (local.get $flags)) (i32.load offset=36 (global.get $specials))))
    (local.set $slots (i32.shr_u (i32.load offset=4 (local.get $flags)) (i32.const 24)))
    (if (i32.eq (local.get $slots) (i32.const 255))
      (then (local.set $slots (i32.load (i32.sub (local.get $flags) (i32.const 8))))))
    (br_if $deopt (i32.gt_u (i32.sub (local.get $n) (i32.const 1)) (local.get $slots)))
    ;; every flag the loop reads must be true or false (ifTrue: on anything else is a send)
    (local.set $p (i32.add (local.get $flags) (i32.const 8)))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 2))))
    (block $checked
      (loop $check
        (br_if $checked (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (i32.load (local.get $p)))
        (br_if $deopt (i32.and (i32.ne (local.get $v) (global.get $true))
                               (i32.ne (local.get $v) (global.get $false))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $check)))
    ;; element j (1-based) is at flags + 8 + 4(j - 1): flags at: i - 1 is at flags + 4i
    (local.set $i (i32.const 2))
    (loop $outer
      (if (i32.eq (i32.load (i32.add (local.get $flags) (i32.shl (local.get $i) (i32.const 2))))
                  (global.get $true))
        (then
          (local.set $count (i32.add (local.get $count) (i32.const 1)))
          (local.set $k (i32.add (local.get $i) (local.get $i)))
          (block $done
            (loop $inner
              (br_if $done (i32.gt_s (local.get $k) (local.get $n)))
              (i32.store (i32.add (local.get $flags) (i32.shl (local.get $k) (i32.const 2)))
                         (global.get $false))
              (local.set $k (i32.add (local.get $k) (local.get $i)))
              (br $inner)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.le_s (local.get $i) (local.get $n))))
    (return (i32.or (i32.shl (local.get $count) (i32.const 1)) (i32.const 1))))
""" + DEOPT

MANDELBROT = """(func $method (param $fp i32) (result i32)
  (local $arg i32) (local $n i32) (local $y i32) (local $x i32) (local $z i32) (local $escape i32)
  (local $sum i32) (local $acc i32) (local $bits i32)
  (local $fn f64) (local $ci f64) (local $cr f64) (local $zr f64) (local $zi f64)
  (local $zrzr f64) (local $zizi f64)
  (local.set $arg (i32.load offset=32 (local.get $fp)))
  (block $deopt
    (br_if $deopt (i32.eqz (i32.and (local.get $arg) (i32.const 1))))
    (local.set $n (i32.shr_s (local.get $arg) (i32.const 1)))
    ;; 0 to: n - 1 do: [...] does nothing for n < 1: the answer is 0
    (if (i32.lt_s (local.get $n) (i32.const 1)) (then (return (i32.const 1))))
    (local.set $fn (f64.convert_i32_s (local.get $n)))
    (loop $rows
      ;; ci := (2.0 * y / n) - 1.0
      (local.set $ci (f64.sub (f64.div (f64.mul (f64.const 2.0) (f64.convert_i32_s (local.get $y)))
                                       (local.get $fn)) (f64.const 1.0)))
      (local.set $x (i32.const 0))
      (loop $cols
        (local.set $zrzr (f64.const 0)) (local.set $zi (f64.const 0)) (local.set $zizi (f64.const 0))
        (local.set $cr (f64.sub (f64.div (f64.mul (f64.const 2.0) (f64.convert_i32_s (local.get $x)))
                                         (local.get $fn)) (f64.const 1.5)))
        (local.set $z (i32.const 0))
        (local.set $escape (i32.const 0))
        (block $out
          (loop $iter
            (br_if $out (i32.ge_s (local.get $z) (i32.const 50)))
            (local.set $zr (f64.add (f64.sub (local.get $zrzr) (local.get $zizi)) (local.get $cr)))
            (local.set $zi (f64.add (f64.mul (f64.mul (f64.const 2.0) (local.get $zr)) (local.get $zi))
                                    (local.get $ci)))
            (local.set $zrzr (f64.mul (local.get $zr) (local.get $zr)))
            (local.set $zizi (f64.mul (local.get $zi) (local.get $zi)))
            (local.set $z (i32.add (local.get $z) (i32.const 1)))
            (if (f64.gt (f64.add (local.get $zrzr) (local.get $zizi)) (f64.const 4.0))
              (then (local.set $escape (i32.const 1)) (br $out)))
            (br $iter)))
        (local.set $acc (i32.add (i32.shl (local.get $acc) (i32.const 1)) (local.get $escape)))
        (local.set $bits (i32.add (local.get $bits) (i32.const 1)))
        (if (i32.eq (local.get $bits) (i32.const 8))
          (then (local.set $sum (i32.xor (local.get $sum) (local.get $acc)))
                (local.set $acc (i32.const 0)) (local.set $bits (i32.const 0)))
          (else
            (if (i32.eq (local.get $x) (i32.sub (local.get $n) (i32.const 1)))
              (then (local.set $acc (i32.shl (local.get $acc) (i32.sub (i32.const 8) (local.get $bits))))
                    (local.set $sum (i32.xor (local.get $sum) (local.get $acc)))
                    (local.set $acc (i32.const 0)) (local.set $bits (i32.const 0))))))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br_if $cols (i32.lt_s (local.get $x) (local.get $n))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_s (local.get $y) (local.get $n))))
    (return (i32.or (i32.shl (local.get $sum) (i32.const 1)) (i32.const 1))))
""" + DEOPT

CANDIDATES = {
    "Integer>>benchFib": BENCH_FIB,
    "BenchSieve>>sieve:size:": SIEVE,
    "BenchMandelbrot>>mandelbrot:": MANDELBROT,
}


def frame_facts(text: str) -> dict | None:
    """first_pc and sp_offset (FRAME_SP of the empty stack) read from a prompt's listing and IR."""
    pc = re.search(r"^## Bytecode[^\n]*\n\s*(\d+) <", text, re.M)
    temps = re.search(r"^function \S+ args=\d+ temps=(\d+)", text, re.M)
    if not pc or not temps:
        return None
    return {"first_pc": int(pc.group(1)), "sp_offset": 32 + 4 * int(temps.group(1)) - 4}


def candidate_for(name: str, request: dict) -> str | None:
    """The canned function for a method, filled in from the request's prompt, or None."""
    template = CANDIDATES.get(name)
    if template is None:
        return None
    text = "\n".join(str(m.get("content", "")) for m in request.get("messages", []))
    facts = frame_facts(text)
    return None if facts is None else template.format(**facts)
