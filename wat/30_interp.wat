;; 30_interp.wat: method info records, the lookup cache, inline caches, frames, sends, returns.
;; The bytecode loop itself is in 32_loop.wat. Frame layout: ABI.md section 8.
;;
;; Registers: $fp (current frame), $sp (address of its top stack slot) and $ip (address of its
;; next bytecode) are globals so that helpers can switch frames; the loop keeps them in locals
;; and writes them back before calling anything that may look at them (sends, allocation,
;; primitives). FRAME_IP of a frame that is not running holds its pc (Squeak convention).

(global $ip (export "ip") (mut i32) (i32.const 0))   ;; exported for describing the top frame
;; The counts of sends, interpreted activations and primitive calls the host reads (stats) are
;; these globals plus the loop's fast path's own counts at $jitCells+64 (interpreted methods it
;; activated: each a send and an activation) and +72 (primitives it ran: each a send and a
;; primitive call). One count per send there, not two: each increment of a global is a load and
;; a store the next one waits for (two of them cost benchFib 7%).
(global $statInterpreted (export "stat_interpreted_activations") (mut i64) (i64.const 0))
(global $statSends (export "stat_sends") (mut i64) (i64.const 0))
(global $statBailouts (export "stat_bailouts") (mut i64) (i64.const 0))
(global $statPrimCalls (export "stat_primitive_calls") (mut i64) (i64.const 0))
(func $fast_activations (result i64) (i64.load offset=64 (global.get $jitCells)))
(func $fast_primitives (result i64) (i64.load offset=72 (global.get $jitCells)))
(func $sends_total (export "sends_total") (result i64)
  (i64.add (global.get $statSends) (i64.add (call $fast_activations) (call $fast_primitives))))
(func $interpreted_activations_total (export "interpreted_activations_total") (result i64)
  (i64.add (global.get $statInterpreted) (call $fast_activations)))
(func $primitive_calls_total (export "primitive_calls_total") (result i64)
  (i64.add (global.get $statPrimCalls) (call $fast_primitives)))
(global $jitAlways (export "jit_always") (mut i32) (i32.const 0))
;; Nesting of WASM activations that run Smalltalk (translated functions and nested interpreter
;; loops), kept at $jitCells+0. Past $jitDepthLimit translated code stops calling and hands its
;; frame back to the interpreter at the send (which needs no WASM stack), so deep recursion never
;; exhausts the native stack. Translated activations are counted at $jitCells+8 (i64).
;; Translated code calls translated code directly without counting (a count up and down around
;; every call is a chain of dependent loads and stores): instead, $run_translated puts at +28
;; the frame a translation was entered on (the base) and at +4 the frame address past which its
;; sends go to the interpreter, $jitDepthLimit less the depth 32-byte frames above the base. A
;; directly called translation runs a frame at least 32 bytes (the header and the receiver)
;; above its caller's, so a frame below the address is that many activations deep at most. When
;; translated code calls the core to run Smalltalk ($vm_send_super, $vm_resume_frame), the depth
;; counts those frames ($native_from) while the call lasts. (ABI.md section 8.)
(global $jitDepthLimit (export "jit_depth_limit") i32 (i32.const 400))
(func $jit_depth_add (param $d i32)
  (i32.store (global.get $jitCells) (i32.add (i32.load (global.get $jitCells)) (local.get $d))))
;; (frame, table index) Call the translation on frame one activation deeper; answers its result.
(func $run_translated (param $frame i32) (param $index i32) (result i32)
  (local $base i32) (local $past i32) (local $room i32) (local $r i32)
  (local.set $base (i32.load offset=28 (global.get $jitCells)))
  (local.set $past (i32.load offset=4 (global.get $jitCells)))
  (call $jit_depth_add (i32.const 1))
  (local.set $room (i32.sub (global.get $jitDepthLimit) (i32.load (global.get $jitCells))))
  (i32.store offset=28 (global.get $jitCells) (local.get $frame))
  (i32.store offset=4 (global.get $jitCells)
             (i32.add (local.get $frame)
                      (select (i32.shl (local.get $room) (i32.const 5)) (i32.const 0)
                              (i32.gt_s (local.get $room) (i32.const 0)))))
  (local.set $r (call_indirect $jit_table (type $jitfn) (local.get $frame) (local.get $index)))
  (call $jit_depth_add (i32.const -1))
  (i32.store offset=28 (global.get $jitCells) (local.get $base))
  (i32.store offset=4 (global.get $jitCells) (local.get $past))
  (local.get $r))
;; (frame translated code calls the core from) Count the activations that translated code may
;; have called directly between its base and frame into the depth; answers that number, to be
;; taken off again (jit_depth_add) when the call is over.
(func $native_from (param $frame i32) (result i32)
  (local $d i32)
  (if (i32.or (i32.eqz (i32.load (global.get $jitCells)))
              (i32.le_u (local.get $frame) (i32.load offset=28 (global.get $jitCells))))
    (then (return (i32.const 0))))
  (local.set $d (i32.shr_u (i32.sub (local.get $frame) (i32.load offset=28 (global.get $jitCells))) (i32.const 5)))
  (call $jit_depth_add (local.get $d))
  (local.get $d))
(func $count_translated
  (i64.store offset=8 (global.get $jitCells) (i64.add (i64.load offset=8 (global.get $jitCells)) (i64.const 1))))
(func $translated_activations (export "translated_activations") (result i64)
  (i64.load offset=8 (global.get $jitCells)))
;; The host's interrupt request (a time limit ran out: Core.time_limit) is the i32 at
;; $jitCells+24, written by a host thread while Smalltalk runs. The interpreter looks at it at
;; every send and backward jump, translated code at its entry and loop heads (backend/lower.py),
;; the idle primitive while it waits: every unbounded run passes one of them, and a bytecode
;; that is neither costs nothing (wasmtime's epoch check, which this replaces, ran at every
;; bytecode). Its callers have the registers in the globals; the trap leaves the pc in the
;; frame, so the host names where the run stopped.
;; Loops that follow pointers of Smalltalk objects (a superclass chain, a process list) or wait
;; for the timer look at the request too: a corrupt image or program can make the chain
;; circular, and a time limit must still stop the run.
(func $interrupt_trap
  (if (i32.atomic.load offset=24 (global.get $jitCells)) (then (unreachable))))
(func $interrupt_check
  (if (i32.atomic.load offset=24 (global.get $jitCells))
    (then (i32.store offset=8 (global.get $fp)
                     (call $pc_of (i32.load offset=4 (global.get $fp)) (global.get $ip)))
          (unreachable))))
;; set by translated code when it hands a frame back because of depth, not a failed guard
(global $depthDeopt (export "depth_deopt") (mut i32) (i32.const 0))
(global $jitEnabled (export "jit_enabled") (mut i32) (i32.const 0))

;; Unwinding state (a non-local return or a context return crossing a nested interpreter run):
;; $unwinding is non-zero while frames are being discarded down to $unwindTarget; the value to
;; return is kept in $vmRoots slot 0 so that the GC sees it.
(global $unwindTarget (mut i32) (i32.const 0))

;; Frame flag bits (FRAME_FLAGS, offset 24)
;;   0-7 numArgs, 8 block activation, 9 base frame (its return leaves the interpreter loop)
(global $FLAG_BLOCK i32 (i32.const 0x100))
(global $FLAG_BASE i32 (i32.const 0x200))
;;   10 translated: a translated function is running this frame (its WASM activation is live)
(global $FLAG_TRANSLATED i32 (i32.const 0x400))
;;   11 written: a slot of this translated frame was stored through its context; translated code
;;      (which may hold temps in locals) deoptimizes after the send it is in (ABI.md section 8)
(global $FLAG_WRITTEN i32 (i32.const 0x800))

;; --- method headers -----------------------------------------------------------------------

(func $mh_header (param $m i32) (result i32)
  (i32.shr_s (i32.load offset=8 (local.get $m)) (i32.const 1)))
(func $mh_num_literals (param $m i32) (result i32)
  (i32.and (call $mh_header (local.get $m)) (i32.const 0x7FFF)))
(func $mh_num_temps (param $m i32) (result i32)
  (i32.and (i32.shr_u (call $mh_header (local.get $m)) (i32.const 18)) (i32.const 63)))
(func $mh_num_args (param $m i32) (result i32)
  (i32.and (i32.shr_u (call $mh_header (local.get $m)) (i32.const 24)) (i32.const 15)))
;; address of the first bytecode
(func $mh_start (param $m i32) (result i32)
  (i32.add (i32.add (local.get $m) (i32.const 12)) (i32.shl (call $mh_num_literals (local.get $m)) (i32.const 2))))
;; primitive index or 0 (read from the callPrimitive bytecode the header flag announces)
(func $mh_primitive (export "method_primitive") (param $m i32) (result i32)
  (local $s i32)
  (if (i32.eqz (i32.and (call $mh_header (local.get $m)) (i32.const 0x10000))) (then (return (i32.const 0))))
  (local.set $s (call $mh_start (local.get $m)))
  (if (i32.ne (i32.load8_u (local.get $s)) (i32.const 139)) (then (return (i32.const 0))))
  (i32.load16_u offset=1 (local.get $s)))
;; address of literal i (0-based)
(func $mh_literal (param $m i32) (param $i i32) (result i32)
  (i32.load (i32.add (i32.add (local.get $m) (i32.const 12)) (i32.shl (local.get $i) (i32.const 2)))))
;; pc (Squeak convention) <-> address of a bytecode in method m
(func $pc_of (param $m i32) (param $addr i32) (result i32)
  (i32.sub (i32.sub (local.get $addr) (local.get $m)) (i32.const 7)))
(func $addr_of_pc (param $m i32) (param $pc i32) (result i32)
  (i32.add (i32.add (local.get $m) (i32.const 7)) (local.get $pc)))

;; --- method info records (ABI.md section 9) -----------------------------------------------
;; 16 bytes each at $infoTable + 16*id: method, counter, jit table index, hot-hook fired.

(global $infoNext (export "info_next") (mut i32) (i32.const 1))
(global $infoFree (export "info_free") (mut i32) (i32.const 0))
(global $infoMax i32 (i32.const 262143))

;; (method) -> address of its info record, created on first use (0 if the table is full).
(func $method_info (param $m i32) (result i32)
  (local $id i32) (local $rec i32)
  (local.set $id (i32.and (i32.load (i32.sub (local.get $m) (i32.const 4))) (i32.const 0xFFFFFF)))
  (if (local.get $id)
    (then (return (i32.add (global.get $infoTable) (i32.shl (local.get $id) (i32.const 4))))))
  (if (global.get $infoFree)
    (then (local.set $id (global.get $infoFree))
          (global.set $infoFree (i32.load offset=4 (i32.add (global.get $infoTable) (i32.shl (local.get $id) (i32.const 4))))))
    (else
      (if (i32.ge_u (global.get $infoNext) (global.get $infoMax)) (then (return (i32.const 0))))
      (local.set $id (global.get $infoNext))
      (global.set $infoNext (i32.add (local.get $id) (i32.const 1)))))
  (local.set $rec (i32.add (global.get $infoTable) (i32.shl (local.get $id) (i32.const 4))))
  (i32.store (local.get $rec) (local.get $m))
  (i64.store offset=4 (local.get $rec) (i64.const 0))
  (i32.store offset=12 (local.get $rec) (i32.const 0))
  (i32.store (i32.sub (local.get $m) (i32.const 4)) (i32.or (i32.const 0xFF000000) (local.get $id)))
  (local.get $rec))

;; Called by the GC for a dead CompiledMethod: recycle its record.
(func $interp_method_died (param $id i32)
  (local $rec i32)
  (local.set $rec (i32.add (global.get $infoTable) (i32.shl (local.get $id) (i32.const 4))))
  (i32.store (local.get $rec) (i32.const 0))
  (call $set_jit_index (local.get $rec) (i32.const 0))
  (i32.store offset=4 (local.get $rec) (global.get $infoFree))
  (global.set $infoFree (local.get $id)))

(func $method_counter (export "method_counter") (param $m i32) (result i32)
  (local $rec i32)
  (local.set $rec (call $method_info (local.get $m)))
  (if (result i32) (local.get $rec) (then (i32.load offset=4 (local.get $rec))) (else (i32.const 0))))

(func $method_jit_index (export "method_jit_index") (param $m i32) (result i32)
  (local $rec i32)
  (local.set $rec (call $method_info (local.get $m)))
  (if (result i32) (local.get $rec) (then (i32.load offset=8 (local.get $rec))) (else (i32.const 0))))

;; (method, table index) -> 1 when installed: activations call jit_table[index] from now on.
(func $method_install (export "method_install") (param $m i32) (param $index i32) (result i32)
  (local $rec i32)
  (local.set $rec (call $method_info (local.get $m)))
  (if (i32.eqz (local.get $rec)) (then (return (i32.const 0))))
  (call $set_jit_index (local.get $rec) (local.get $index))
  (i32.const 1))

(func $method_uninstall (export "method_uninstall") (param $m i32)
  (local $rec i32)
  (local.set $rec (call $method_info (local.get $m)))
  (if (local.get $rec) (then (call $set_jit_index (local.get $rec) (i32.const 0)))))

;; The table index of the method's translation (0: none) is the word at +8 of its info record;
;; every change goes through here, which keeps $jitValid in step: its byte i is 1 exactly while
;; table index i (below $jitValidLimit) is some method's installed translation. Translated code
;; reads its own byte to know it is still installed: one load and no comparison
;; (backend/lower.py, Lowerer.installed).
(global $jitValid i32 (i32.const 0x8E0100))
(global $jitValidLimit (export "jit_valid_limit") i32 (i32.const 0xFF00))
(func $set_jit_index (param $rec i32) (param $index i32)
  (local $old i32)
  (local.set $old (i32.load offset=8 (local.get $rec)))
  (if (i32.lt_u (local.get $old) (global.get $jitValidLimit))
    (then (i32.store8 (i32.add (global.get $jitValid) (local.get $old)) (i32.const 0))))
  (if (i32.and (i32.ne (local.get $index) (i32.const 0)) (i32.lt_u (local.get $index) (global.get $jitValidLimit)))
    (then (i32.store8 (i32.add (global.get $jitValid) (local.get $index)) (i32.const 1))))
  (i32.store offset=8 (local.get $rec) (local.get $index)))

;; (method) the method may get hot again: its counter and hot flag start over (after the host
;; dropped a translation whose assumptions no longer hold)
(func $method_rearm (export "method_rearm") (param $m i32)
  (local $rec i32)
  (local.set $rec (call $method_info (local.get $m)))
  (if (local.get $rec)
    (then (i32.store offset=4 (local.get $rec) (i32.const 0))
          (i32.store offset=12 (local.get $rec) (i32.const 0)))))

(func $set_hot_threshold (export "set_hot_threshold") (param $n i32)
  (global.set $hotThreshold (local.get $n))
  (call $refresh_hot_limit))
(func $set_jit_enabled (export "set_jit_enabled") (param $on i32)
  (global.set $jitEnabled (local.get $on))
  (call $refresh_hot_limit))
;; The loop (and $count_activation) tests one word, at $jitCells+80, for "count past the hot
;; threshold with the JIT on": the threshold, or 2^32-1 (never) while the JIT is off. Reading the two globals instead
;; cost benchFib 5% (a global's address is one load away, and the loop has no register left to
;; keep it in). Set with them, and again whenever a run starts (the host may set the globals).
(func $refresh_hot_limit
  (i32.store offset=80 (global.get $jitCells)
             (select (global.get $hotThreshold) (i32.const -1) (global.get $jitEnabled))))

;; (method) count an activation or back-edge; tell the host once when the method gets hot.
(func $count_activation (param $m i32) (param $rec i32)
  (local $c i32)
  (local.set $c (i32.add (i32.load offset=4 (local.get $rec)) (i32.const 1)))
  (i32.store offset=4 (local.get $rec) (local.get $c))
  (if (i32.and (i32.ge_u (local.get $c) (i32.load offset=80 (global.get $jitCells)))   ;; hot limit
               (i32.eqz (i32.load offset=12 (local.get $rec))))
    (then
      (i32.store offset=12 (local.get $rec) (i32.const 1))
      (global.set $sp (global.get $sp))
      (call $host_method_hot (local.get $m)))))

;; --- lookup -------------------------------------------------------------------------------
;; Global cache: 4096 entries of (selector, class, method) at $methodCache.

(func $interp_gc_flush
  (memory.fill (global.get $methodCache) (i32.const 0) (i32.const 0x10000))
  ;; the send sites' cached targets (30_interp.wat, inline caches); the classes stay
  (memory.fill (global.get $icTargets) (i32.const 0) (i32.const 0x200000)))

(func $flush_method_cache (export "flush_method_cache")
  (call $interp_gc_flush))

;; (methodDict, selector) -> method or 0. Scans every key (see ABI.md section 4).
(func $dict_lookup (param $dict i32) (param $sel i32) (result i32)
  (local $n i32) (local $mask i32) (local $i i32) (local $count i32)
  (if (i32.or (i32.eq (local.get $dict) (global.get $nil)) (i32.and (local.get $dict) (i32.const 3)))
    (then (return (i32.const 0))))
  (local.set $n (i32.sub (call $om_num_slots (local.get $dict)) (i32.const 2)))
  (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i32.const 0))))
  (local.set $i (i32.rem_u (call $om_hash (local.get $sel)) (local.get $n)))
  (block $miss
    (loop $probe
      (br_if $miss (i32.ge_u (local.get $count) (local.get $n)))
      (if (i32.eq (i32.load offset=16 (i32.add (local.get $dict) (i32.shl (local.get $i) (i32.const 2))))
                  (local.get $sel))
        (then (return (i32.load offset=8 (i32.add (i32.load offset=12 (local.get $dict))
                                                   (i32.shl (local.get $i) (i32.const 2)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (if (i32.ge_u (local.get $i) (local.get $n)) (then (local.set $i (i32.const 0))))
      (local.set $count (i32.add (local.get $count) (i32.const 1)))
      (br $probe)))
  (i32.const 0))

;; (class, selector) -> method found along the superclass chain, or 0. nil is never a selector
;; (it marks the empty slots of method dictionaries), and a dictionary value that is not a
;; CompiledMethod is not run (Squeak would send it #run:with:in:): both look like a miss, so
;; the send becomes doesNotUnderstand:.
(func $lookup (export "lookup") (param $class i32) (param $sel i32) (result i32)
  (local $e i32) (local $c i32) (local $m i32)
  (if (i32.eq (local.get $sel) (global.get $nil)) (then (return (i32.const 0))))
  (local.set $e (i32.add (global.get $methodCache)
                         (i32.shl (i32.and (i32.shr_u (i32.xor (local.get $sel) (i32.mul (local.get $class) (i32.const 7)))
                                                      (i32.const 3)) (i32.const 4095)) (i32.const 4))))
  (if (i32.and (i32.eq (i32.load (local.get $e)) (local.get $sel))
               (i32.eq (i32.load offset=4 (local.get $e)) (local.get $class)))
    (then (return (i32.load offset=8 (local.get $e)))))
  (local.set $c (local.get $class))
  (block $notfound
    (loop $up
      (call $interrupt_trap)
      (br_if $notfound (i32.or (i32.eqz (local.get $c)) (i32.eq (local.get $c) (global.get $nil))))
      (local.set $m (call $dict_lookup (i32.load offset=12 (local.get $c)) (local.get $sel)))
      (if (local.get $m)
        (then
          (if (i32.or (i32.and (local.get $m) (i32.const 3)) (i32.lt_u (call $om_format (local.get $m)) (i32.const 24)))
            (then (return (i32.const 0))))
          (i32.store (local.get $e) (local.get $sel))
          (i32.store offset=4 (local.get $e) (local.get $class))
          (i32.store offset=8 (local.get $e) (local.get $m))
          (return (local.get $m))))
      (local.set $c (i32.load offset=8 (local.get $c)))
      (br $up)))
  (i32.const 0))

;; --- inline caches (type feedback and the interpreter's send-site cache) -------------------
;; 65536 records of 32 bytes at $icTable: method, pc, count (0-4, 5 = megamorphic), 4 class
;; indices, and the site's bytecode address (method + 7 + pc), whose low 16 bits are the
;; record's index. Beside them, at $icTable + 0x200000, 65536 target records of 32 bytes: per
;; recorded class, the method it found at that site and that method's info record (0 = not
;; known). The targets are only a cache: every flush of the method cache (GC, flushCache
;; primitives) zeroes them, while the classes stay as type feedback for the JIT. The
;; interpreter's send fast path ($interpret, $do_send) reads both: one compare of the site
;; address, one of the class, then the method and its record without further lookups (the GC
;; frees info records only with their methods, and it flushes the targets).

(global $icTargets i32 (i32.const 0x260000))   ;; $icTable + 0x200000

;; (method, pc) -> index of the site's record (records at $icTable + 32*i, targets + 32*i): the
;; send's bytecode address, so the sites of a method (and of methods near it) never collide
(func $ic_index (param $m i32) (param $pc i32) (result i32)
  (i32.and (call $ic_site (local.get $m) (local.get $pc)) (i32.const 0xFFFF)))

;; (method, pc) -> the send's bytecode address, which names the site in its record
(func $ic_site (param $m i32) (param $pc i32) (result i32)
  (i32.add (i32.add (local.get $m) (i32.const 7)) (local.get $pc)))

(func $ic_entry (param $m i32) (param $pc i32) (result i32)
  (i32.add (global.get $icTable) (i32.shl (call $ic_index (local.get $m) (local.get $pc)) (i32.const 5))))

;; (method, pc, receiver class index) record a receiver class seen at a send site. Answers the
;; address of the target word for that class (where the caller caches the method it finds), or
;; 0 when the site is megamorphic. A record that belonged to another site is taken over.
(func $ic_record (param $m i32) (param $pc i32) (param $ci i32) (result i32)
  (local $e i32) (local $n i32) (local $i i32) (local $t i32)
  (local.set $i (call $ic_index (local.get $m) (local.get $pc)))
  (local.set $e (i32.add (global.get $icTable) (i32.shl (local.get $i) (i32.const 5))))
  (local.set $t (i32.add (global.get $icTargets) (i32.shl (local.get $i) (i32.const 5))))
  (local.set $i (i32.const 0))
  ;; the record is the site's when it names the site's method, pc and address (the send fast
  ;; path looks at the address alone)
  (if (i32.or (i32.or (i32.ne (i32.load (local.get $e)) (local.get $m))
                      (i32.ne (i32.load offset=4 (local.get $e)) (local.get $pc)))
              (i32.ne (i32.load offset=28 (local.get $e)) (call $ic_site (local.get $m) (local.get $pc))))
    (then (i32.store (local.get $e) (local.get $m))
          (i32.store offset=4 (local.get $e) (local.get $pc))
          (i32.store offset=8 (local.get $e) (i32.const 1))
          (i32.store offset=12 (local.get $e) (local.get $ci))
          (i64.store offset=16 (local.get $e) (i64.const 0))
          (i32.store offset=24 (local.get $e) (i32.const 0))
          (i32.store offset=28 (local.get $e) (call $ic_site (local.get $m) (local.get $pc)))
          (memory.fill (local.get $t) (i32.const 0) (i32.const 32))
          (return (local.get $t))))
  (local.set $n (i32.load offset=8 (local.get $e)))
  (if (i32.ge_u (local.get $n) (i32.const 5)) (then (return (i32.const 0))))
  (block $new
    (loop $seen
      (br_if $new (i32.ge_u (local.get $i) (local.get $n)))
      (if (i32.eq (i32.load offset=12 (i32.add (local.get $e) (i32.shl (local.get $i) (i32.const 2))))
                  (local.get $ci))
        (then (return (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 3))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $seen)))
  (if (i32.eq (local.get $n) (i32.const 4))
    (then (i32.store offset=8 (local.get $e) (i32.const 5)) (return (i32.const 0))))
  (i32.store offset=12 (i32.add (local.get $e) (i32.shl (local.get $n) (i32.const 2))) (local.get $ci))
  (i32.store offset=8 (local.get $e) (i32.add (local.get $n) (i32.const 1)))
  (i32.add (local.get $t) (i32.shl (local.get $n) (i32.const 3))))

;; (method, pc) -> the address of the inline-cache record that would hold the site (the host
;; reads it directly: method, pc, count, classes; it holds the site when method and pc match)
(func $ic_record_address (export "ic_record_address") (param $m i32) (param $pc i32) (result i32)
  (call $ic_entry (local.get $m) (local.get $pc)))

(func $ic_count (export "ic_count") (param $m i32) (param $pc i32) (result i32)
  (local $e i32) (local $n i32)
  (local.set $e (call $ic_entry (local.get $m) (local.get $pc)))
  (if (i32.or (i32.ne (i32.load (local.get $e)) (local.get $m))
              (i32.ne (i32.load offset=4 (local.get $e)) (local.get $pc)))
    (then (return (i32.const 0))))
  (local.set $n (i32.load offset=8 (local.get $e)))
  (select (i32.const 4) (local.get $n) (i32.gt_u (local.get $n) (i32.const 4))))

(func $ic_megamorphic (export "ic_megamorphic") (param $m i32) (param $pc i32) (result i32)
  (local $e i32)
  (local.set $e (call $ic_entry (local.get $m) (local.get $pc)))
  (i32.and (i32.and (i32.eq (i32.load (local.get $e)) (local.get $m))
                    (i32.eq (i32.load offset=4 (local.get $e)) (local.get $pc)))
           (i32.eq (i32.load offset=8 (local.get $e)) (i32.const 5))))

;; (method, pc, i) -> the class index of the i-th receiver class the site recorded (0-based),
;; or 0 when i is not below its ic_count (nothing is read outside the site's record).
(func $ic_class (export "ic_class") (param $m i32) (param $pc i32) (param $i i32) (result i32)
  (if (i32.ge_u (local.get $i) (call $ic_count (local.get $m) (local.get $pc))) (then (return (i32.const 0))))
  (i32.load offset=12 (i32.add (call $ic_entry (local.get $m) (local.get $pc))
                               (i32.shl (local.get $i) (i32.const 2)))))

;; --- frames ------------------------------------------------------------------------------

;; Halt the current run with a code (TEAM.md) and a message written to stderr.
(func $halt (param $code i32) (param $msg i32) (param $len i32)
  (global.set $haltCode (local.get $code))
  (if (local.get $len) (then (call $host_write (local.get $msg) (local.get $len) (i32.const 2)))))

;; (method, numArgs, flags) Activate method on the receiver and arguments at the top of the
;; current stack: build the callee frame above them and make it current. 0 on stack overflow.
(func $push_frame (param $m i32) (param $nargs i32) (param $flags i32) (result i32)
  (local $caller i32) (local $sp i32) (local $new i32) (local $ntemps i32) (local $p i32) (local $end i32)
  (local.set $caller (global.get $fp))
  (local.set $sp (global.get $sp))
  (local.set $new (i32.add (local.get $sp) (i32.const 4)))
  (local.set $ntemps (call $mh_num_temps (local.get $m)))
  (if (i32.gt_u (i32.add (local.get $new) (i32.shl (i32.add (local.get $ntemps) (i32.const 80)) (i32.const 2)))
                (global.get $stackLimit))
    (then (return (i32.const 0))))
  (if (local.get $caller)
    (then (i32.store offset=8 (local.get $caller) (call $pc_of (i32.load offset=4 (local.get $caller)) (global.get $ip)))
          (i32.store offset=12 (local.get $caller) (local.get $sp))))
  (i32.store (local.get $new) (local.get $caller))
  (i32.store offset=4 (local.get $new) (local.get $m))
  (i32.store offset=16 (local.get $new) (i32.const 0))
  (i32.store offset=20 (local.get $new) (i32.const 0))
  (i32.store offset=24 (local.get $new) (i32.or (local.get $nargs) (local.get $flags)))
  ;; receiver and arguments
  (memory.copy (i32.add (local.get $new) (i32.const 28))
               (i32.sub (local.get $sp) (i32.shl (local.get $nargs) (i32.const 2)))
               (i32.shl (i32.add (local.get $nargs) (i32.const 1)) (i32.const 2)))
  ;; temporaries start as nil
  (local.set $p (i32.add (i32.add (local.get $new) (i32.const 32)) (i32.shl (local.get $nargs) (i32.const 2))))
  (local.set $end (i32.add (i32.add (local.get $new) (i32.const 32)) (i32.shl (local.get $ntemps) (i32.const 2))))
  (block $done
    (loop $fill
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (i32.store (local.get $p) (global.get $nil))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $fill)))
  (global.set $fp (local.get $new))
  (global.set $sp (i32.sub (local.get $end) (i32.const 4)))
  (global.set $ip (call $mh_start (local.get $m)))
  ;; skip the callPrimitive bytecode: the primitive has already failed
  (if (i32.eq (i32.load8_u (global.get $ip)) (i32.const 139))
    (then (global.set $ip (i32.add (global.get $ip) (i32.const 3)))))
  (i32.store offset=8 (local.get $new) (call $pc_of (local.get $m) (global.get $ip)))
  (i32.store offset=12 (local.get $new) (global.get $sp))
  (i32.const 1))

;; (context) mark a context whose frame is going away as dead, as Squeak leaves a returned
;; context: sender and pc nil, but its arguments, temporaries and stack (as many as it has
;; room for) and stackp kept, so that tempAt: still answers them and pre-closure blocks made in
;; a method activation read and write its temps there after it returned (45_blockcontext.wat).
;; A BlockContext's frame is not copied (its values live in the BlockContext and its home).
;; Called while the frame's slots are intact; they are roots up to its stack top, so every
;; value copied is live.
(func $ctx_kill (param $ctx i32)
  (local $fp i32) (local $n i32) (local $room i32)
  (local.set $fp (call $ctx_frame (local.get $ctx)))
  (if (i32.and (i32.ne (local.get $fp) (i32.const 0))
               (i32.eqz (i32.and (i32.load offset=24 (local.get $fp)) (global.get $FLAG_BCTX))))
    (then
      (local.set $n (call $frame_stackp (local.get $fp)))
      (local.set $room (i32.sub (call $om_num_slots (local.get $ctx)) (i32.const 6)))
      (if (i32.gt_s (local.get $n) (local.get $room)) (then (local.set $n (local.get $room))))
      (if (i32.lt_s (local.get $n) (i32.const 0)) (then (local.set $n (i32.const 0))))
      (memory.copy (i32.add (local.get $ctx) (i32.const 32)) (i32.add (local.get $fp) (i32.const 32))
                   (i32.shl (local.get $n) (i32.const 2)))
      (i32.store offset=16 (local.get $ctx) (i32.or (i32.shl (local.get $n) (i32.const 1)) (i32.const 1)))))
  (i32.store offset=8 (local.get $ctx) (global.get $nil))
  (i32.store offset=12 (local.get $ctx) (global.get $nil)))

;; (value) Return value from the current frame to its caller. Answers 1 if the frame was a
;; base frame (the interpreter loop that runs it must stop and answer the value).
(func $return_from_frame (param $value i32) (result i32)
  (local $fp i32) (local $flags i32) (local $dest i32) (local $caller i32)
  (local.set $fp (global.get $fp))
  (local.set $flags (i32.load offset=24 (local.get $fp)))
  (if (i32.load offset=16 (local.get $fp)) (then (call $ctx_kill (i32.load offset=16 (local.get $fp)))))
  (local.set $dest (i32.sub (local.get $fp) (i32.shl (i32.add (i32.and (local.get $flags) (i32.const 255)) (i32.const 1)) (i32.const 2))))
  (i32.store (local.get $dest) (local.get $value))
  (global.set $sp (local.get $dest))
  (local.set $caller (i32.load (local.get $fp)))
  (global.set $fp (local.get $caller))
  (if (i32.and (local.get $flags) (global.get $FLAG_BASE)) (then (return (i32.const 1))))
  (global.set $ip (call $addr_of_pc (i32.load offset=4 (local.get $caller)) (i32.load offset=8 (local.get $caller))))
  (i32.const 0))

;; (fp) -> the frame's MethodContext, made on first request (married to the frame), or 0 when
;; out of memory.
(func $ctx_of_frame (param $fp i32) (result i32)
  (local $ctx i32) (local $m i32) (local $size i32)
  (local.set $ctx (i32.load offset=16 (local.get $fp)))
  (if (local.get $ctx) (then (return (local.get $ctx))))
  (local.set $m (i32.load offset=4 (local.get $fp)))
  (local.set $size (select (i32.const 62) (i32.const 22)
                           (i32.and (call $mh_header (local.get $m)) (i32.const 0x20000))))
  (local.set $ctx (call $om_alloc (call $om_ensure_class_index (call $special (i32.const 10)))
                        (i32.const 3) (local.get $size)))
  (if (i32.eqz (local.get $ctx)) (then (return (i32.const 0))))
  (i32.store offset=8 (local.get $ctx) (i32.or (i32.shl (local.get $fp) (i32.const 1)) (i32.const 1)))
  (i32.store offset=20 (local.get $ctx) (local.get $m))
  (i32.store offset=24 (local.get $ctx)
             (select (i32.load offset=20 (local.get $fp)) (global.get $nil) (i32.load offset=20 (local.get $fp))))
  (i32.store offset=28 (local.get $ctx) (i32.load offset=28 (local.get $fp)))
  (i32.store offset=16 (local.get $fp) (local.get $ctx))
  (local.get $ctx))

;; (ctx) -> the live frame married to ctx, or 0.
(func $ctx_frame (param $ctx i32) (result i32)
  (local $s i32) (local $fp i32)
  (local.set $s (i32.load offset=8 (local.get $ctx)))
  (if (i32.eqz (i32.and (local.get $s) (i32.const 1))) (then (return (i32.const 0))))
  (local.set $fp (i32.shr_u (local.get $s) (i32.const 1)))
  (if (i32.or (i32.lt_u (local.get $fp) (global.get $stackBase))
              (i32.ge_u (local.get $fp) (global.get $stackLimit))) (then (return (i32.const 0))))
  (if (i32.ne (i32.load offset=16 (local.get $fp)) (local.get $ctx)) (then (return (i32.const 0))))
  (local.get $fp))

;; (frame) -> the number of values in its slots and stack (Squeak's stackp).
(func $frame_stackp (param $fp i32) (result i32)
  (local $top i32)
  (local.set $top (select (global.get $sp) (i32.load offset=12 (local.get $fp))
                          (i32.eq (local.get $fp) (global.get $fp))))
  (i32.shr_s (i32.sub (local.get $top) (i32.add (local.get $fp) (i32.const 28))) (i32.const 2)))

;; (ctx, index) -> slot index of a context, reading through to its frame when married.
;; Answers 0 only when out of memory (materializing a sender).
(func $ctx_fetch (param $ctx i32) (param $i i32) (result i32)
  (local $fp i32) (local $caller i32)
  (local.set $fp (call $ctx_frame (local.get $ctx)))
  (if (i32.eqz (local.get $fp))
    (then (return (i32.load offset=8 (i32.add (local.get $ctx) (i32.shl (local.get $i) (i32.const 2)))))))
  (if (i32.eqz (local.get $i))   ;; sender
    (then (local.set $caller (i32.load (local.get $fp)))
          (if (i32.eqz (local.get $caller)) (then (return (global.get $nil))))
          (return (call $ctx_of_frame (local.get $caller)))))
  (if (i32.eq (local.get $i) (i32.const 1))   ;; pc (a translated frame keeps its FRAME_IP current)
    (then (return (i32.or (i32.shl (select (call $pc_of (i32.load offset=4 (local.get $fp)) (global.get $ip))
                                           (i32.load offset=8 (local.get $fp))
                                           (i32.and (i32.eq (local.get $fp) (global.get $fp))
                                                    (i32.eqz (i32.and (i32.load offset=24 (local.get $fp))
                                                                      (global.get $FLAG_TRANSLATED)))))
                                   (i32.const 1)) (i32.const 1)))))
  (if (i32.eq (local.get $i) (i32.const 2))   ;; stackp
    (then (return (i32.or (i32.shl (call $frame_stackp (local.get $fp)) (i32.const 1)) (i32.const 1)))))
  (if (i32.lt_u (local.get $i) (i32.const 6))
    (then (return (i32.load offset=8 (i32.add (local.get $ctx) (i32.shl (local.get $i) (i32.const 2)))))))
  ;; stack slot i-6: args, temps, stack values
  (if (i32.ge_s (i32.sub (local.get $i) (i32.const 6)) (call $frame_stackp (local.get $fp)))
    (then (return (global.get $nil))))
  (i32.load offset=32 (i32.add (local.get $fp) (i32.shl (i32.sub (local.get $i) (i32.const 6)) (i32.const 2)))))

;; (ctx, index, value) store into a context slot, through to its frame when married. Storing
;; into sender, pc, stackp, method, closure or receiver of a married context detaches it from
;; its frame first (46_process.wat): the context then stands alone with the store, the frame
;; runs on as it was. 0 when that fails (out of memory; a slot index past the stack).
(func $ctx_store (param $ctx i32) (param $i i32) (param $v i32) (result i32)
  (local $fp i32)
  (local.set $fp (call $ctx_frame (local.get $ctx)))
  (if (i32.and (i32.ne (local.get $fp) (i32.const 0)) (i32.lt_u (local.get $i) (i32.const 6)))
    (then (if (i32.eqz (call $ctx_detach (local.get $ctx) (local.get $fp))) (then (return (i32.const 0))))
          (local.set $fp (i32.const 0))))
  (if (i32.eqz (local.get $fp))
    (then (i32.store offset=8 (i32.add (local.get $ctx) (i32.shl (local.get $i) (i32.const 2))) (local.get $v))
          (return (i32.const 1))))
  (if (i32.ge_s (i32.sub (local.get $i) (i32.const 6)) (call $frame_stackp (local.get $fp)))
    (then (return (i32.const 0))))
  (i32.store offset=32 (i32.add (local.get $fp) (i32.shl (i32.sub (local.get $i) (i32.const 6)) (i32.const 2)))
             (local.get $v))
  (if (i32.and (i32.load offset=24 (local.get $fp)) (global.get $FLAG_TRANSLATED))
    (then (i32.store offset=24 (local.get $fp) (i32.or (i32.load offset=24 (local.get $fp)) (global.get $FLAG_WRITTEN)))))
  (i32.const 1))

;; (closure, numArgs) Activate a BlockClosure with numArgs arguments on the stack above it.
;; 0 when the argument count is wrong (primitive failure) or the stack overflowed.
(func $push_block_frame (param $closure i32) (param $nargs i32) (param $flags i32) (result i32)
  (local $outer i32) (local $m i32) (local $ncopied i32) (local $new i32) (local $sp i32)
  (local $caller i32) (local $i i32)
  (if (i32.ne (i32.shr_s (i32.load offset=16 (local.get $closure)) (i32.const 1)) (local.get $nargs))
    (then (return (i32.const 0))))
  (local.set $outer (i32.load offset=8 (local.get $closure)))
  (local.set $m (call $ctx_fetch (local.get $outer) (i32.const 3)))
  (local.set $ncopied (i32.sub (call $om_num_slots (local.get $closure)) (i32.const 3)))
  (local.set $caller (global.get $fp))
  (local.set $sp (global.get $sp))
  (local.set $new (i32.add (local.get $sp) (i32.const 4)))
  (if (i32.gt_u (i32.add (local.get $new) (i32.shl (i32.add (i32.add (local.get $nargs) (local.get $ncopied)) (i32.const 80)) (i32.const 2)))
                (global.get $stackLimit))
    (then (return (i32.const 0))))
  (if (local.get $caller)
    (then (i32.store offset=8 (local.get $caller) (call $pc_of (i32.load offset=4 (local.get $caller)) (global.get $ip)))
          (i32.store offset=12 (local.get $caller) (local.get $sp))))
  (i32.store (local.get $new) (local.get $caller))
  (i32.store offset=4 (local.get $new) (local.get $m))
  (i32.store offset=16 (local.get $new) (i32.const 0))
  (i32.store offset=20 (local.get $new) (local.get $closure))
  (i32.store offset=24 (local.get $new) (i32.or (i32.or (local.get $nargs) (global.get $FLAG_BLOCK)) (local.get $flags)))
  (i32.store offset=28 (local.get $new) (call $ctx_fetch (local.get $outer) (i32.const 5)))
  (memory.copy (i32.add (local.get $new) (i32.const 32))
               (i32.sub (local.get $sp) (i32.shl (i32.sub (local.get $nargs) (i32.const 1)) (i32.const 2)))
               (i32.shl (local.get $nargs) (i32.const 2)))
  (memory.copy (i32.add (i32.add (local.get $new) (i32.const 32)) (i32.shl (local.get $nargs) (i32.const 2)))
               (i32.add (local.get $closure) (i32.const 20))
               (i32.shl (local.get $ncopied) (i32.const 2)))
  (global.set $fp (local.get $new))
  (global.set $sp (i32.add (i32.add (local.get $new) (i32.const 28))
                           (i32.shl (i32.add (local.get $nargs) (local.get $ncopied)) (i32.const 2))))
  (global.set $ip (call $addr_of_pc (local.get $m) (i32.shr_s (i32.load offset=12 (local.get $closure)) (i32.const 1))))
  (i32.store offset=8 (local.get $new) (i32.shr_s (i32.load offset=12 (local.get $closure)) (i32.const 1)))
  (i32.store offset=12 (local.get $new) (global.get $sp))
  (i32.const 1))

;; --- unwinding ------------------------------------------------------------------------------

;; (targetFp, value) Discard frames above targetFp, running the unwind block (argument 0) of
;; every frame whose method is marked with primitive 198 (ensure:, ifCurtailed:), then return
;; value from targetFp's frame. Answers 1 when the interpreter loop that called it must stop:
;; the returned-from frame was a base frame, or a base frame was crossed ($unwinding is set and
;; the unwind continues in the loop that runs the frames below).
(func $unwind_and_return (param $target i32) (param $value i32) (result i32)
  (local $f i32) (local $blk i32) (local $r i32)
  (i32.store (global.get $vmRoots) (local.get $value))
  (block $reached
    (loop $pop
      (local.set $f (global.get $fp))
      (if (i32.eqz (local.get $f))
        (then (global.set $unwinding (i32.const 0))
              (call $halt (i32.const 6) (i32.const 0) (i32.const 0))
              (return (i32.const 1))))
      ;; a frame run by translated code: its WASM activation must return first (it answers 0
      ;; when it sees $unwinding); the unwind continues from this frame afterwards
      (if (i32.and (i32.load offset=24 (local.get $f)) (global.get $FLAG_TRANSLATED))
        (then (global.set $unwinding (i32.const 1))
              (global.set $unwindTarget (local.get $target))
              (return (i32.const 1))))
      (br_if $reached (i32.eq (local.get $f) (local.get $target)))
      (if (i32.load offset=16 (local.get $f)) (then (call $ctx_kill (i32.load offset=16 (local.get $f)))))
      ;; an ensure:/ifCurtailed: frame: run its block with the frame still in place
      (if (i32.eq (call $mh_primitive (i32.load offset=4 (local.get $f))) (i32.const 198))
        (then
          (local.set $blk (i32.load offset=32 (local.get $f)))
          (i32.store offset=32 (local.get $f) (global.get $nil))   ;; run it once only
          (if (i32.ne (local.get $blk) (global.get $nil))
            (then
              (global.set $sp (i32.load offset=12 (local.get $f)))
              (local.set $r (call $call_block0 (local.get $blk)))
              (if (global.get $haltCode) (then (return (i32.const 1))))))))
      (if (i32.and (i32.load offset=24 (local.get $f)) (global.get $FLAG_BASE))
        (then   ;; leave this interpreter loop; the one below continues the unwind
          (global.set $fp (i32.load (local.get $f)))
          (if (global.get $fp) (then (global.set $sp (i32.load offset=12 (global.get $fp)))))
          (global.set $unwinding (i32.const 1))
          (global.set $unwindTarget (local.get $target))
          (return (i32.const 1))))
      (global.set $fp (i32.load (local.get $f)))
      (global.set $sp (i32.load offset=12 (global.get $fp)))
      (br $pop)))
  (global.set $unwinding (i32.const 0))
  (return_call $return_from_frame (i32.load (global.get $vmRoots))))

;; (block) -> the value of a BlockClosure with no arguments, run in a nested interpreter loop
;; above the current stack top. 0 when the run halted or an unwind passes through.
(func $call_block0 (param $blk i32) (result i32)
  (local $savedIp i32) (local $r i32)
  (local.set $savedIp (global.get $ip))
  (global.set $sp (i32.add (global.get $sp) (i32.const 4)))
  (i32.store (global.get $sp) (local.get $blk))
  (if (i32.eqz (call $push_block_frame (local.get $blk) (i32.const 0) (global.get $FLAG_BASE)))
    (then (global.set $sp (i32.sub (global.get $sp) (i32.const 4)))
          (call $halt (i32.const 4) (i32.const 0) (i32.const 0))
          (return (i32.const 0))))
  ;; no process switch while the unwind that runs this block is in progress (46_process.wat)
  (global.set $switchBlocked (i32.add (global.get $switchBlocked) (i32.const 1)))
  (local.set $r (call $interpret))
  (global.set $switchBlocked (i32.sub (global.get $switchBlocked) (i32.const 1)))
  (global.set $ip (local.get $savedIp))
  (if (i32.or (global.get $haltCode) (global.get $unwinding)) (then (return (i32.const 0))))
  (global.set $sp (i32.sub (global.get $sp) (i32.const 4)))
  (local.get $r))
