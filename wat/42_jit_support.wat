;; 42_jit_support.wat: what translated code cannot do inline (ABI.md section 8, "Translated
;; blocks"): closures, thisContext and brace arrays (they allocate, so they may collect),
;; non-local returns and the end of an unwind, and running a block activation's translation.
;;
;; The allocating helpers take the frame and the address of its top stack slot: translated code
;; has written its operand stack back (the GC's roots, and the interpreter's view if the run
;; halts there), with the values the instruction consumes on top, as the interpreter has them.
;; They answer 0 when the heap is exhausted, after halting the run with code 3 as the
;; interpreter does; translated code then answers 0 and its callers see $haltCode.

;; Block activations run by translated code (a block body's translation, or inlined): counted
;; at $jitCells+16 (i64), where translated code counts them too.
(func $count_translated_block
  (i64.store offset=16 (global.get $jitCells) (i64.add (i64.load offset=16 (global.get $jitCells)) (i64.const 1))))
(func $translated_block_activations (export "translated_block_activations") (result i64)
  (i64.load offset=16 (global.get $jitCells)))

(func $jit_enter (param $fp i32) (param $sp i32)
  (global.set $fp (local.get $fp))
  (global.set $sp (local.get $sp)))

(func $jit_out_of_memory (param $oop i32) (result i32)
  (if (i32.eqz (local.get $oop)) (then (call $halt (i32.const 3) (i32.const 0) (i32.const 0))))
  (local.get $oop))

;; (frame, x) -> x boxed as a Float, for an intermediate Float that translated code kept
;; unboxed until a send needed the object (backend/lower.py, float_intermediates): no fallback
;; can recompute it, so an exhausted heap halts the run. The frame is written back (FRAME_SP).
(func $jit_box_float (export "jit_box_float") (param $fp i32) (param $x f64) (result i32)
  (call $jit_out_of_memory (call $box_float (local.get $fp) (local.get $x))))

;; (frame, sp, descriptor (numCopied << 4 | numArgs), startpc) -> a BlockClosure over the frame's
;; context whose copied values are the top numCopied stack values.
(func $jit_closure (export "jit_closure") (param $fp i32) (param $sp i32) (param $desc i32) (param $startpc i32) (result i32)
  (call $jit_enter (local.get $fp) (local.get $sp))
  (call $jit_out_of_memory (call $make_closure (local.get $fp) (local.get $desc) (local.get $startpc))))

;; (frame, sp) -> the frame's MethodContext, married to it (made on first request).
(func $jit_this_context (export "jit_this_context") (param $fp i32) (param $sp i32) (result i32)
  (call $jit_enter (local.get $fp) (local.get $sp))
  (call $jit_out_of_memory (call $ctx_of_frame (local.get $fp))))

;; (frame, sp, size, cons) -> a new Array of size nils, or (cons = 1) of the top size values.
(func $jit_new_array (export "jit_new_array") (param $fp i32) (param $sp i32) (param $size i32) (param $cons i32) (result i32)
  (local $a i32)
  (call $jit_enter (local.get $fp) (local.get $sp))
  (local.set $a (call $jit_out_of_memory (call $om_instantiate (call $special (i32.const 7)) (local.get $size))))
  (if (i32.and (i32.ne (local.get $a) (i32.const 0)) (local.get $cons))
    (then (memory.copy (i32.add (local.get $a) (i32.const 8))
                       (i32.sub (i32.add (local.get $sp) (i32.const 4)) (i32.shl (local.get $size) (i32.const 2)))
                       (i32.shl (local.get $size) (i32.const 2)))))
  (local.get $a))

;; (frame, stack top, class, SmallInteger size, primitive) basicNew (70) or basicNew: (71) for
;; translated code, with the primitive's own checks; 0 when the primitive would fail, and the
;; caller then makes the full send, which runs the primitive and the method's fallback code (out
;; of memory included). Allocating may collect: the frame is written back up to stack top.
(func $jit_instantiate (export "jit_instantiate") (param $fp i32) (param $sp i32) (param $class i32)
      (param $n i32) (param $prim i32) (result i32)
  (call $jit_enter (local.get $fp) (local.get $sp))
  (if (i32.eqz (call $om_is_behavior (local.get $class))) (then (return (i32.const 0))))
  (if (i32.eq (local.get $prim) (i32.const 70))
    (then (return (call $om_instantiate (local.get $class) (i32.const 0)))))
  (if (i32.eqz (i32.and (local.get $n) (i32.const 1))) (then (return (i32.const 0))))
  (if (i32.le_u (call $om_inst_spec (local.get $class)) (i32.const 1)) (then (return (i32.const 0))))
  (call $om_instantiate (local.get $class) (i32.shr_s (local.get $n) (i32.const 1))))

;; (block frame, value) A `^value` inside a block run by translated code. When the home
;; method's frame is live, sets up the unwind to it as the interpreter's return does ($unwinding,
;; $unwindTarget, the value in vmRoots slot 0, $fp at this frame) and answers 1: the translated
;; code then leaves through $jit_unwinding like after any call that answered 0 while unwinding.
;; When the home is dead it answers 0: the translated code hands the frame to the interpreter at
;; the return bytecode, which sends #cannotReturn:.
(func $jit_nlr (export "jit_nlr") (param $fp i32) (param $value i32) (result i32)
  (local $home i32)
  (local.set $home (call $home_frame (local.get $fp)))
  (if (i32.eqz (local.get $home)) (then (return (i32.const 0))))
  (i32.store (global.get $vmRoots) (local.get $value))
  (global.set $unwindTarget (local.get $home))
  (global.set $unwinding (i32.const 1))
  (global.set $fp (local.get $fp))
  (i32.const 1))

;; (frame) Called by the translated code running frame when a call it made answered 0: the run
;; halted, or an unwind (a non-local return, a context return) is passing. Finishes discarding
;; the frames above this one (activations that have returned already, and frames of code
;; inlined into this translation, which are not marked translated), then: answers the unwind's
;; value when this frame is its target (the unwind is over: the translated code returns that
;; value from its frame), else 0 (the translated code answers 0 and its caller continues the
;; unwind from this frame, whose translated bit is cleared here). When the target was one of
;; the inlined frames, the unwind ends there: the value is returned from it to the frame below,
;; as written back at the inlined send, and answering 0 without $unwinding (with depth_deopt)
;; hands that frame to the interpreter like a deoptimization.
(func $jit_unwinding (export "jit_unwinding") (param $fp i32) (result i32)
  ;; not an unwind (1): the run halted, or a process switch is pending (2, 46_process.wat)
  (if (i32.or (global.get $haltCode) (i32.ne (global.get $unwinding) (i32.const 1)))
    (then (return (i32.const 0))))
  (if (i32.ne (global.get $fp) (local.get $fp))
    (then ;; stops at this frame: it is marked translated
      (drop (call $unwind_and_return (global.get $unwindTarget) (i32.load (global.get $vmRoots))))
      (if (global.get $haltCode) (then (return (i32.const 0))))
      (if (i32.eqz (global.get $unwinding))
        (then (i32.store offset=12 (global.get $fp) (global.get $sp))   ;; the value on its stack
              (global.set $depthDeopt (i32.const 1))
              (return (i32.const 0))))))
  (if (i32.eq (global.get $unwindTarget) (local.get $fp))
    (then (global.set $unwinding (i32.const 0))
          (global.set $fp (local.get $fp))
          (return (i32.load (global.get $vmRoots)))))
  (i32.store offset=24 (local.get $fp)
             (i32.and (i32.load offset=24 (local.get $fp)) (i32.xor (global.get $FLAG_TRANSLATED) (i32.const -1))))
  (i32.const 0))

;; The block value primitives call this right after push_block_frame made the block frame
;; current. When the block's method is translated (its module's entry dispatches block frames
;; to the block bodies by startpc: ABI.md section 8), the translation runs the activation as
;; call_translated runs a method's. Answers the $primitive code: 3 the interpreter continues in
;; the frame ($fp: there was no translation, or it deoptimized), 1 the activation completed and
;; its value replaced the block and arguments, 2 the loop that called must stop (halt, or an
;; unwind crossed it).
(func $jit_block_entry (result i32)
  (local $frame i32) (local $m i32) (local $rec i32) (local $index i32) (local $r i32)
  (local.set $frame (global.get $fp))
  (local.set $m (i32.load offset=4 (local.get $frame)))
  (local.set $rec (call $method_info (local.get $m)))
  (if (local.get $rec) (then (local.set $index (i32.load offset=8 (local.get $rec)))))
  (if (i32.eqz (local.get $index))
    (then (global.set $statInterpreted (i64.add (global.get $statInterpreted) (i64.const 1)))
          (return (i32.const 3))))
  (i32.store offset=24 (local.get $frame)
             (i32.or (i32.load offset=24 (local.get $frame)) (global.get $FLAG_TRANSLATED)))
  (call $count_translated)
  (call $count_translated_block)
  (local.set $r (call $run_translated (local.get $frame) (local.get $index)))
  (i32.store offset=24 (local.get $frame)
             (i32.and (i32.load offset=24 (local.get $frame))
                      (i32.xor (i32.or (global.get $FLAG_TRANSLATED) (global.get $FLAG_WRITTEN)) (i32.const -1))))
  (if (local.get $r)
    (then (global.set $fp (local.get $frame))
          (drop (call $return_from_frame (local.get $r)))
          (return (i32.const 1))))
  (if (global.get $haltCode) (then (return (i32.const 2))))
  (if (global.get $unwinding)
    (then (return (select (i32.const 2) (i32.const 3) (call $continue_unwind)))))
  ;; deoptimized: the frame (and frames of code inlined into it, up to $fp) are in interpreter
  ;; layout; the interpreter continues from the top one
  (call $prepare_resume (local.get $frame) (i32.const 0))
  (i32.const 3))
;; (frame) The frame directly above frame on the chain from $fp (frame's callee), or $fp when
;; there is none: a deoptimized translation may leave frames of inlined code above the one its
;; caller built, and the interpreter continues from the topmost (ABI.md section 8).
(func $frame_above (param $frame i32) (result i32)
  (local $f i32)
  (local.set $f (global.get $fp))
  (block $found
    (loop $down
      (br_if $found (i32.eqz (local.get $f)))
      (if (i32.eq (i32.load (local.get $f)) (local.get $frame)) (then (return (local.get $f))))
      (local.set $f (i32.load (local.get $f)))
      (br $down)))
  (global.get $fp))
