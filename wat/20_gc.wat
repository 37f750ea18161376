;; 20_gc.wat: a precise, non-moving mark-sweep collector.
;;
;; Roots: the special objects array, the class table, the host's handles, $vmRoots, and every
;; frame from $fp down the FRAME_CALLER chain (method, context, closure, receiver, and the slots
;; up to the frame's stack top: $sp for the running frame, FRAME_SP for the others).
;; Marking uses an explicit stack; if it overflows, the heap is rescanned for marked objects
;; whose children may be unmarked until nothing is left. Sweeping rebuilds the free lists,
;; coalescing neighbouring free chunks, and gives a free tail back to the bump pointer.

(global $markStack i32 (i32.const 0x2A01000))
(global $markStackEnd i32 (i32.const 0x2FFF000))
(global $markTop (mut i32) (i32.const 0))
(global $markOverflow (mut i32) (i32.const 0))
(global $gcCount (export "gc_count") (mut i32) (i32.const 0))
(global $gcFreed (export "gc_bytes_freed") (mut i64) (i64.const 0))
(global $gcLive (export "gc_live_bytes") (mut i32) (i32.const 0))
;; The least allocation between two collections (bytes). Sweeping costs in proportion to the
;; heap's extent, so a small live heap collects often and cheaply with a low value.
(global $gcMinThreshold (export "gc_min_threshold") (mut i32) (i32.const 0x800000))

;; (oop) mark it and push it for scanning if it is an unmarked object.
(func $gc_mark (param $oop i32)
  (local $w1 i32)
  (if (i32.or (i32.and (local.get $oop) (i32.const 3)) (i32.eqz (local.get $oop))) (then (return)))
  (if (i32.or (i32.lt_u (local.get $oop) (global.get $heapStart))
              (i32.ge_u (local.get $oop) (global.get $heapEnd))) (then (return)))
  (local.set $w1 (i32.load offset=4 (local.get $oop)))
  (if (i32.and (local.get $w1) (i32.const 0x800000)) (then (return)))
  (i32.store offset=4 (local.get $oop) (i32.or (local.get $w1) (i32.const 0x800000)))
  (if (i32.ge_u (global.get $markTop) (global.get $markStackEnd))
    (then (global.set $markOverflow (i32.const 1)) (return)))
  (i32.store (global.get $markTop) (local.get $oop))
  (global.set $markTop (i32.add (global.get $markTop) (i32.const 4))))

;; (oop) mark every oop the object holds.
(func $gc_scan (param $oop i32)
  (local $fmt i32) (local $n i32) (local $p i32) (local $end i32)
  (local.set $fmt (call $om_format (local.get $oop)))
  (if (i32.lt_u (local.get $fmt) (i32.const 6))
    (then (local.set $n (call $om_num_slots (local.get $oop))))
    (else
      (if (i32.ge_u (local.get $fmt) (i32.const 24))
        (then (local.set $n (i32.add (i32.and (i32.shr_s (i32.load offset=8 (local.get $oop)) (i32.const 1))
                                              (i32.const 0x7FFF)) (i32.const 1))))
        (else (return)))))
  (local.set $p (i32.add (local.get $oop) (i32.const 8)))
  (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
  (block $done
    (loop $each
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (call $gc_mark (i32.load (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $each))))

(func $gc_drain
  (local $oop i32)
  (block $empty
    (loop $pop
      (br_if $empty (i32.le_u (global.get $markTop) (global.get $markStack)))
      (global.set $markTop (i32.sub (global.get $markTop) (i32.const 4)))
      (call $gc_scan (i32.load (global.get $markTop)))
      (br $pop))))

;; (start, end) mark every word in [start, end) as a root (regions that hold only oops).
(func $gc_mark_range (param $p i32) (param $end i32)
  (block $done
    (loop $each
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (call $gc_mark (i32.load (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $each))))

(func $gc_mark_frames
  (local $fp i32) (local $sp i32)
  (local.set $fp (global.get $fp))
  (local.set $sp (global.get $sp))
  (block $done
    (loop $frame
      (br_if $done (i32.eqz (local.get $fp)))
      (call $gc_mark (i32.load offset=4 (local.get $fp)))
      (call $gc_mark (i32.load offset=16 (local.get $fp)))
      (call $gc_mark (i32.load offset=20 (local.get $fp)))
      (call $gc_mark_range (i32.add (local.get $fp) (i32.const 28)) (i32.add (local.get $sp) (i32.const 4)))
      (local.set $fp (i32.load (local.get $fp)))
      (if (local.get $fp) (then (local.set $sp (i32.load offset=12 (local.get $fp)))))
      (br $frame))))

;; (chunk) -> the oop of the object in the chunk (past a prefix).
(func $gc_oop_at (param $c i32) (result i32)
  (if (result i32) (i32.eq (i32.load8_u (i32.add (local.get $c) (i32.const 7))) (i32.const 255))
    (then (i32.add (local.get $c) (i32.const 8)))
    (else (local.get $c))))

;; (chunk) -> its size in bytes (free chunk or object).
(func $gc_chunk_size (param $c i32) (result i32)
  (local $oop i32)
  (local.set $oop (call $gc_oop_at (local.get $c)))
  (if (i32.and (i32.eq (local.get $oop) (local.get $c))
               (i32.eqz (i32.and (i32.load (local.get $c)) (i32.const 0x3FFFFF))))
    (then (return (i32.load offset=8 (local.get $c)))))
  (i32.add (i32.sub (local.get $oop) (local.get $c))
           (i32.sub (call $om_chunk_size (call $om_num_slots (local.get $oop)) (i32.const 0))
                    (select (i32.const 8) (i32.const 0)
                            (i32.ge_u (call $om_num_slots (local.get $oop)) (i32.const 255))))))

;; After an overflow: push the children of every marked object again until none overflows.
(func $gc_rescan
  (local $c i32) (local $oop i32)
  (block $stable
    (loop $again
      (br_if $stable (i32.eqz (global.get $markOverflow)))
      (global.set $markOverflow (i32.const 0))
      (local.set $c (global.get $heapStart))
      (block $end
        (loop $walk
          (br_if $end (i32.ge_u (local.get $c) (global.get $heapEnd)))
          (local.set $oop (call $gc_oop_at (local.get $c)))
          (if (i32.and (i32.load offset=4 (local.get $oop)) (i32.const 0x800000))
            (then (call $gc_scan (local.get $oop)) (call $gc_drain)))
          (local.set $c (i32.add (local.get $c) (call $gc_chunk_size (local.get $c))))
          (br $walk)))
      (br $again))))

(func $gc_sweep
  ;; Expects every reachable object marked. Leaves them unmarked, every other chunk in a free
  ;; list (neighbours joined into one chunk), a free run at the end of the heap given back to
  ;; the bump pointer, $gcFreed/$gcLive updated, and $interp_method_died told the info id of
  ;; every dead CompiledMethod. The chunk decoding of $gc_oop_at/$gc_chunk_size is written out
  ;; here because this loop visits every chunk of the heap.
  (local $c i32) (local $oop i32) (local $size i32) (local $w1 i32) (local $n i32) (local $ci i32)
  (local $end i32) (local $runStart i32) (local $runSize i32) (local $freed i64) (local $live i32)
  (local $info i32)
  (global.set $freeLarge (i32.const 0))
  (memory.fill (global.get $freeSmall) (i32.const 0) (i32.const 1024))
  (i32.store (global.get $freeBytesAddr) (i32.const 0))   ;; the lists are rebuilt below
  (local.set $c (global.get $heapStart))
  (local.set $end (global.get $heapEnd))
  (block $done
    (loop $walk
      (br_if $done (i32.ge_u (local.get $c) (local.get $end)))
      (local.set $w1 (i32.load offset=4 (local.get $c)))
      (if (i32.eq (i32.shr_u (local.get $w1) (i32.const 24)) (i32.const 255))
        (then   ;; prefix: slot count at c, the object 8 bytes on
          (local.set $oop (i32.add (local.get $c) (i32.const 8)))
          (local.set $n (i32.load (local.get $c)))
          (local.set $w1 (i32.load offset=4 (local.get $oop)))
          (local.set $ci (i32.and (i32.load (local.get $oop)) (i32.const 0x3FFFFF)))
          (local.set $size (i32.const 16)))
        (else
          (local.set $oop (local.get $c))
          (local.set $n (i32.shr_u (local.get $w1) (i32.const 24)))
          (local.set $ci (i32.and (i32.load (local.get $oop)) (i32.const 0x3FFFFF)))
          (local.set $size (i32.const 8))))
      (if (local.get $ci)
        (then (local.set $size (i32.add (local.get $size)
                                        (select (i32.and (i32.add (i32.shl (local.get $n) (i32.const 2)) (i32.const 7))
                                                         (i32.const -8))
                                                (i32.const 8)
                                                (i32.gt_u (local.get $n) (i32.const 2))))))
        (else (local.set $size (i32.load offset=8 (local.get $c)))))   ;; a free chunk
      (if (i32.and (i32.ne (local.get $ci) (i32.const 0))
                   (i32.ne (i32.and (local.get $w1) (i32.const 0x800000)) (i32.const 0)))
        (then   ;; live: unmark, close any run of free chunks
          (i32.store offset=4 (local.get $oop) (i32.and (local.get $w1) (i32.const 0xFF7FFFFF)))
          (local.set $live (i32.add (local.get $live) (local.get $size)))
          (if (local.get $runSize)
            (then (call $om_free_chunk (local.get $runStart) (local.get $runSize))
                  (local.set $runSize (i32.const 0)))))
        (else   ;; dead or already free: join the current run
          (if (local.get $ci)
            (then
              (local.set $freed (i64.add (local.get $freed) (i64.extend_i32_u (local.get $size))))
              (if (i32.ge_u (call $om_format (local.get $oop)) (i32.const 24))
                (then
                  (local.set $info (i32.and (i32.load (i32.sub (local.get $oop) (i32.const 4))) (i32.const 0xFFFFFF)))
                  (if (local.get $info) (then (call $interp_method_died (local.get $info))))))))
          (if (i32.eqz (local.get $runSize)) (then (local.set $runStart (local.get $c))))
          (local.set $runSize (i32.add (local.get $runSize) (local.get $size)))))
      (local.set $c (i32.add (local.get $c) (local.get $size)))
      (br $walk)))
  ;; a free run at the very end goes back to the bump allocator
  (if (local.get $runSize) (then (global.set $heapEnd (local.get $runStart))))
  (global.set $gcFreed (i64.add (global.get $gcFreed) (local.get $freed)))
  (global.set $gcLive (local.get $live)))

;; () -> bytes freed. A full collection.
(func $gc_collect (export "gc") (result i32)
  (local $before i64)
  (local.set $before (global.get $gcFreed))
  (global.set $markTop (global.get $markStack))
  (global.set $markOverflow (i32.const 0))
  (call $gc_mark (global.get $specialObjects))
  (call $gc_mark_range (global.get $classTable)
        (i32.add (global.get $classTable) (i32.shl (global.get $classTableSize) (i32.const 2))))
  (call $gc_mark_range (global.get $handles)
        (i32.add (global.get $handles) (i32.shl (global.get $handlesSize) (i32.const 2))))
  (call $gc_mark_range (global.get $vmRoots)
        (i32.add (global.get $vmRoots) (i32.shl (global.get $vmRootsSize) (i32.const 2))))
  (call $gc_mark_frames)
  (call $gc_drain)
  (call $gc_rescan)
  (call $gc_sweep)
  (call $interp_gc_flush)
  (global.set $gcCount (i32.add (global.get $gcCount) (i32.const 1)))
  (global.set $allocatedSinceGC (i32.const 0))
  ;; collect again only after as many bytes as are live now have been allocated (at least
  ;; $gcMinThreshold): the work of a collection is then paid for by that much allocation
  (global.set $gcThreshold (select (global.get $gcLive) (global.get $gcMinThreshold)
                                   (i32.gt_u (global.get $gcLive) (global.get $gcMinThreshold))))
  (i32.wrap_i64 (i64.sub (global.get $gcFreed) (local.get $before))))
