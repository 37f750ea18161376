;; 29_gc_bench.wat: a driver for benchmarks/gc_cycles.py that allocates without the interpreter.

;; (pairs) -> 1 after allocating `pairs` pairs of one-slot Arrays that point at each other, each
;; pair dropped when the next is made; 0 when an allocation failed (heap limit). The pair being
;; built is held in the last $vmRoots slot so a collection triggered by the second allocation
;; cannot free the first; the slot is cleared at the end so the last pair becomes garbage too.
(func $gc_bench_pairs (export "gc_bench_pairs") (param $pairs i32) (result i32)
  (local $root i32) (local $array i32) (local $a i32) (local $b i32)
  (local.set $root (i32.add (global.get $vmRoots)
                            (i32.shl (i32.sub (global.get $vmRootsSize) (i32.const 1)) (i32.const 2))))
  (local.set $array (call $om_hash (call $special (i32.const 7))))
  (block $done
    (loop $pair
      (br_if $done (i32.eqz (local.get $pairs)))
      (local.set $a (call $om_alloc (local.get $array) (i32.const 2) (i32.const 1)))
      (if (i32.eqz (local.get $a)) (then (i32.store (local.get $root) (i32.const 0)) (return (i32.const 0))))
      (i32.store (local.get $root) (local.get $a))
      (local.set $b (call $om_alloc (local.get $array) (i32.const 2) (i32.const 1)))
      (if (i32.eqz (local.get $b)) (then (i32.store (local.get $root) (i32.const 0)) (return (i32.const 0))))
      (i32.store offset=8 (local.get $a) (local.get $b))
      (i32.store offset=8 (local.get $b) (local.get $a))
      (local.set $pairs (i32.sub (local.get $pairs) (i32.const 1)))
      (br $pair)))
  (i32.store (local.get $root) (i32.const 0))
  (i32.const 1))
