;; 40_send.wat: sends, activation (primitives, translated code, interpreted frames), the control
;; primitives (blocks, perform, contexts, halting), and the entry points vm_run and vm_send.
;;
;; All functions here work on the globals $fp/$sp/$ip; they answer 1 when the interpreter loop
;; that called them must stop (the run halted, or an unwind left that loop), else 0.

;; (selector, numArgs, super?, pc of the send) send to the receiver under the arguments.
(func $send (param $sel i32) (param $nargs i32) (param $super i32) (param $pc i32) (result i32)
  (local $rcvr i32) (local $cls i32) (local $m i32) (local $caller i32) (local $target i32)
  (local.set $rcvr (i32.load (i32.sub (global.get $sp) (i32.shl (local.get $nargs) (i32.const 2)))))
  (local.set $caller (i32.load offset=4 (global.get $fp)))
  (global.set $statSends (i64.add (global.get $statSends) (i64.const 1)))
  (if (local.get $super)
    (then   ;; the superclass of the method's class (value of the last literal's binding)
      (local.set $cls (i32.load offset=8 (i32.load offset=12
        (call $mh_literal (local.get $caller) (i32.sub (call $mh_num_literals (local.get $caller)) (i32.const 1)))))))
    (else
      (local.set $cls (call $om_class_of (local.get $rcvr)))
      (local.set $target (call $ic_record (local.get $caller) (local.get $pc) (call $om_class_index (local.get $rcvr))))))
  (local.set $m (call $lookup (local.get $cls) (local.get $sel)))
  ;; remember the target at the send site for the loop's fast path (not for doesNotUnderstand:):
  ;; the method and its info record (created here if need be; none when the table is full)
  (if (i32.and (i32.ne (local.get $target) (i32.const 0)) (i32.ne (local.get $m) (i32.const 0)))
    (then (i32.store offset=4 (local.get $target) (call $method_info (local.get $m)))
          (if (i32.load offset=4 (local.get $target))
            (then (i32.store (local.get $target) (local.get $m))))))
  (if (i32.eqz (local.get $m))
    (then
      (local.set $m (call $prepare_dnu (local.get $sel) (local.get $nargs) (local.get $cls)))
      (if (i32.eqz (local.get $m)) (then (return (i32.const 1))))
      (local.set $nargs (i32.const 1))))
  (call $activate (local.get $m) (local.get $nargs)))

;; (selector, numArgs, lookup class) Replace the arguments by a Message and answer the
;; #doesNotUnderstand: method, or 0 (run halted with code 5) if there is none.
(func $prepare_dnu (param $sel i32) (param $nargs i32) (param $cls i32) (result i32)
  (local $args i32) (local $msg i32) (local $m i32)
  (local.set $args (call $om_instantiate (call $special (i32.const 7)) (local.get $nargs)))
  (if (i32.eqz (local.get $args)) (then (call $halt (i32.const 3) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
  (memory.copy (i32.add (local.get $args) (i32.const 8))
               (i32.sub (i32.add (global.get $sp) (i32.const 4)) (i32.shl (local.get $nargs) (i32.const 2)))
               (i32.shl (local.get $nargs) (i32.const 2)))
  (i32.store offset=8 (global.get $vmRoots) (local.get $args))
  (local.set $msg (call $om_instantiate (call $special (i32.const 15)) (i32.const 0)))
  (if (i32.eqz (local.get $msg)) (then (call $halt (i32.const 3) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
  (i32.store offset=8 (local.get $msg) (local.get $sel))
  (i32.store offset=12 (local.get $msg) (local.get $args))
  (if (i32.ge_u (call $om_num_slots (local.get $msg)) (i32.const 3))
    (then (i32.store offset=16 (local.get $msg) (local.get $cls))))
  (i32.store offset=8 (global.get $vmRoots) (i32.const 0))
  (global.set $sp (i32.sub (global.get $sp) (i32.shl (local.get $nargs) (i32.const 2))))
  (global.set $sp (i32.add (global.get $sp) (i32.const 4)))
  (i32.store (global.get $sp) (local.get $msg))
  (local.set $m (call $lookup (call $om_class_of (i32.load (i32.sub (global.get $sp) (i32.const 4)))) (call $special (i32.const 20))))
  (if (i32.eqz (local.get $m))
    (then (global.set $dnuSelector (local.get $sel))
          (call $halt (i32.const 5) (i32.const 0) (i32.const 0))))
  (local.get $m))

;; The selector that nothing understood when a run halts with code 5 (for the host's message).
(global $dnuSelector (export "dnu_selector") (mut i32) (i32.const 0))

;; (method, numArgs) Run a method on the receiver and arguments at the stack top.
(func $activate (param $m i32) (param $nargs i32) (result i32)
  (local $rec i32) (local $prim i32) (local $r i32) (local $jit i32)
  (local.set $rec (call $method_info (local.get $m)))
  (if (i32.lt_s (i32.load offset=8 (local.get $m)) (i32.const 0))
    (then (call $halt (i32.const 5) (i32.const 0) (i32.const 0)) (return (i32.const 1))))
  (local.set $prim (call $mh_primitive (local.get $m)))
  (if (local.get $prim)
    (then
      (global.set $statPrimCalls (i64.add (global.get $statPrimCalls) (i64.const 1)))
      (local.set $r (call $primitive (local.get $prim) (local.get $nargs) (local.get $m)))
      (if (i32.eq (local.get $r) (i32.const 2)) (then (return (i32.const 1))))
      (if (local.get $r) (then (return (i32.const 0))))))
  ;; an activation of the method's code (a primitive that succeeded is not counted)
  (if (local.get $rec) (then (call $count_activation (local.get $m) (local.get $rec))))
  (if (local.get $rec) (then (local.set $jit (i32.load offset=8 (local.get $rec)))))
  (if (local.get $jit)
    (then (return (call $call_translated (local.get $m) (local.get $nargs) (local.get $jit)))))
  (if (i32.eqz (call $push_frame (local.get $m) (local.get $nargs) (i32.const 0)))
    (then (call $halt (i32.const 4) (i32.const 0) (i32.const 0)) (return (i32.const 1))))
  (global.set $statInterpreted (i64.add (global.get $statInterpreted) (i64.const 1)))
  (i32.const 0))

;; (method, numArgs, table index) Build the frame and call the translated function.
(func $call_translated (param $m i32) (param $nargs i32) (param $index i32) (result i32)
  (local $r i32) (local $frame i32)
  (local.set $frame (i32.add (global.get $sp) (i32.const 4)))
  (if (i32.eqz (call $push_frame (local.get $m) (local.get $nargs) (global.get $FLAG_TRANSLATED)))
    (then (call $halt (i32.const 4) (i32.const 0) (i32.const 0)) (return (i32.const 1))))
  (call $count_translated)
  (local.set $r (call $run_translated (global.get $fp) (local.get $index)))
  ;; the translated activation is over: the frame (if still there) is the interpreter's now
  (i32.store offset=24 (local.get $frame)
             (i32.and (i32.load offset=24 (local.get $frame))
                      (i32.xor (i32.or (global.get $FLAG_TRANSLATED) (global.get $FLAG_WRITTEN)) (i32.const -1))))
  ;; translated code does not keep $fp (ABI.md section 8): after a normal return it is $frame
  (if (local.get $r) (then (global.set $fp (local.get $frame))
                           (return (call $return_from_frame (local.get $r)))))
  (if (global.get $haltCode) (then (return (i32.const 1))))
  (if (global.get $unwinding) (then (return (call $continue_unwind))))
  ;; deoptimized: the frames from $frame up to $fp are in interpreter layout; continue the top
  ;; one from its FRAME_IP. A translation whose guards keep failing is uninstalled (the host
  ;; records it).
  (call $prepare_resume (local.get $frame) (i32.const 0))
  (i32.const 0))

;; Continue an unwind that crossed a nested run, from the current frame (or the process switch
;; that waits for the outermost loop: 46_process.wat).
(func $continue_unwind (result i32)
  (if (i32.eq (global.get $unwinding) (global.get $UNWIND_SWITCH)) (then (return (call $switch_continue))))
  (call $unwind_and_return (global.get $unwindTarget) (i32.load (global.get $vmRoots))))

;; --- control primitives -------------------------------------------------------------------
;; (index, numArgs, method) -> 1 success (result pushed), 0 failure, 2 stop the loop,
;; 3 a new frame was activated (the loop continues in it).

(func $primitive (param $prim i32) (param $nargs i32) (param $m i32) (result i32)
  (local $rcvr i32) (local $arg i32) (local $n i32) (local $i i32) (local $cls i32) (local $meth i32)
  (local $fp i32) (local $lc i32)
  (local.set $rcvr (i32.load (i32.sub (global.get $sp) (i32.shl (local.get $nargs) (i32.const 2)))))
  ;; blockCopy: and BlockContext value... (pre-closure images, 45_blockcontext.wat)
  (if (i32.and (i32.ge_u (local.get $prim) (i32.const 80)) (i32.le_u (local.get $prim) (i32.const 82)))
    (then (local.set $n (call $bctx_primitive (local.get $prim) (local.get $nargs)))
          (if (i32.ge_s (local.get $n) (i32.const 0)) (then (return (local.get $n))))))
  ;; BlockClosure value, value:, value:value:, value:value:value:, value:value:value:value:, and
  ;; valueNoContextSwitch(:) (221/222: the same as value(:) here)
  (if (i32.or (i32.and (i32.ge_u (local.get $prim) (i32.const 201)) (i32.le_u (local.get $prim) (i32.const 205)))
              (i32.or (i32.eq (local.get $prim) (i32.const 221)) (i32.eq (local.get $prim) (i32.const 222))))
    (then
      (if (i32.ne (call $om_class_of (local.get $rcvr)) (call $special (i32.const 36))) (then (return (i32.const 0))))
      (if (i32.eqz (call $push_block_frame (local.get $rcvr) (local.get $nargs) (i32.const 0)))
        (then (return (i32.const 0))))
      ;; the block's translation runs it when its method is translated (42_jit_support.wat)
      (return (call $jit_block_entry))))
  ;; valueWithArguments: (206, and 82 for old images)
  (if (i32.or (i32.eq (local.get $prim) (i32.const 206)) (i32.eq (local.get $prim) (i32.const 82)))
    (then
      (if (i32.ne (local.get $nargs) (i32.const 1)) (then (return (i32.const 0))))
      (if (i32.ne (call $om_class_of (local.get $rcvr)) (call $special (i32.const 36))) (then (return (i32.const 0))))
      (local.set $n (call $spread_arguments (i32.shr_s (i32.load offset=16 (local.get $rcvr)) (i32.const 1))))
      (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (i32.const 0))))
      (if (i32.eqz (call $push_block_frame (local.get $rcvr) (local.get $n) (i32.const 0)))
        (then (call $halt (i32.const 4) (i32.const 0) (i32.const 0)) (return (i32.const 2))))
      (return (call $jit_block_entry))))
  ;; perform: and perform:with:... (83), perform:withArguments: (84),
  ;; perform:withArguments:inSuperclass: (100, the lookup starts at a class of the receiver's chain)
  (if (i32.or (i32.or (i32.eq (local.get $prim) (i32.const 83)) (i32.eq (local.get $prim) (i32.const 84)))
              (i32.eq (local.get $prim) (i32.const 100)))
    (then
      (if (i32.eqz (local.get $nargs)) (then (return (i32.const 0))))   ;; no selector
      (local.set $arg (i32.load (i32.sub (global.get $sp) (i32.shl (i32.sub (local.get $nargs) (i32.const 1)) (i32.const 2)))))
      (local.set $lc (call $om_class_of (local.get $rcvr)))
      (if (i32.eq (local.get $prim) (i32.const 100))
        (then
          (if (i32.ne (local.get $nargs) (i32.const 3)) (then (return (i32.const 0))))
          (local.set $lc (i32.load (global.get $sp)))
          (if (i32.eqz (call $inherits_from (call $om_class_of (local.get $rcvr)) (local.get $lc)))
            (then (return (i32.const 0))))))
      (if (i32.ne (local.get $prim) (i32.const 83))
        (then
          (if (i32.ne (local.get $nargs) (select (i32.const 3) (i32.const 2) (i32.eq (local.get $prim) (i32.const 100))))
            (then (return (i32.const 0))))
          ;; the arguments Array, just above the selector
          (local.set $cls (i32.load (i32.sub (global.get $sp) (i32.shl (i32.sub (local.get $nargs) (i32.const 2)) (i32.const 2)))))
          (if (i32.ne (call $om_class_of (local.get $cls)) (call $special (i32.const 7))) (then (return (i32.const 0))))
          (local.set $n (call $om_num_slots (local.get $cls)))
          (if (i32.gt_u (local.get $n) (i32.const 15)) (then (return (i32.const 0))))   ;; no selector takes more
          (local.set $meth (call $lookup (local.get $lc) (local.get $arg)))
          (if (i32.and (i32.ne (local.get $meth) (i32.const 0))
                       (i32.ne (call $mh_num_args (local.get $meth)) (local.get $n)))
            (then (return (i32.const 0))))
          (global.set $sp (i32.sub (global.get $sp) (i32.shl (local.get $nargs) (i32.const 2))))
          (memory.copy (i32.add (global.get $sp) (i32.const 4)) (i32.add (local.get $cls) (i32.const 8))
                       (i32.shl (local.get $n) (i32.const 2)))
          (global.set $sp (i32.add (global.get $sp) (i32.shl (local.get $n) (i32.const 2)))))
        (else
          (local.set $n (i32.sub (local.get $nargs) (i32.const 1)))
          (local.set $meth (call $lookup (local.get $lc) (local.get $arg)))
          (if (i32.and (i32.ne (local.get $meth) (i32.const 0))
                       (i32.ne (call $mh_num_args (local.get $meth)) (local.get $n)))
            (then (return (i32.const 0))))
          ;; drop the selector: shift the remaining arguments down one slot
          (local.set $i (i32.sub (global.get $sp) (i32.shl (local.get $n) (i32.const 2))))
          (memory.copy (local.get $i) (i32.add (local.get $i) (i32.const 4)) (i32.shl (local.get $n) (i32.const 2)))
          (global.set $sp (i32.sub (global.get $sp) (i32.const 4)))))
      (if (i32.eqz (local.get $meth))
        (then (local.set $meth (call $prepare_dnu (local.get $arg) (local.get $n) (local.get $lc)))
              (if (i32.eqz (local.get $meth)) (then (return (i32.const 2))))
              (local.set $n (i32.const 1))))
      (if (call $activate (local.get $meth) (local.get $n)) (then (return (i32.const 2))))
      (return (i32.const 3))))
  ;; flushCache, flushCacheByMethod, flushCacheBySelector: succeed answering the receiver
  (if (i32.or (i32.eq (local.get $prim) (i32.const 89))
              (i32.or (i32.eq (local.get $prim) (i32.const 116)) (i32.eq (local.get $prim) (i32.const 119))))
    (then (call $interp_gc_flush)
          (global.set $sp (i32.sub (global.get $sp) (i32.shl (local.get $nargs) (i32.const 2))))
          ;; 119 is Symbol>>flushCache: only sends of that selector are affected
          (call $host_code_changed (select (local.get $rcvr) (i32.const 0) (i32.eq (local.get $prim) (i32.const 119))))
          (return (i32.const 1))))
  ;; contexts: instVarAt: / instVarAt:put: (73/74), at: / at:put: / size (210-212)
  (if (call $is_context (local.get $rcvr))
    (then
      ;; (a method declared with one of these numbers but another argument count fails)
      (if (i32.and (i32.or (i32.or (i32.eq (local.get $prim) (i32.const 73)) (i32.eq (local.get $prim) (i32.const 74)))
                           (i32.and (i32.ge_u (local.get $prim) (i32.const 210)) (i32.le_u (local.get $prim) (i32.const 212))))
                   (i32.ne (local.get $nargs)
                           (select (i32.const 2) (select (i32.const 0) (i32.const 1) (i32.eq (local.get $prim) (i32.const 212)))
                                   (i32.or (i32.eq (local.get $prim) (i32.const 74)) (i32.eq (local.get $prim) (i32.const 211))))))
        (then (return (i32.const 0))))
      (if (i32.or (i32.eq (local.get $prim) (i32.const 73)) (i32.eq (local.get $prim) (i32.const 210)))
        (then
          (local.set $arg (i32.load (global.get $sp)))
          (if (i32.eqz (i32.and (local.get $arg) (i32.const 1))) (then (return (i32.const 0))))
          (local.set $i (i32.sub (i32.shr_s (local.get $arg) (i32.const 1)) (i32.const 1)))
          (if (i32.eq (local.get $prim) (i32.const 210))
            (then (if (i32.ge_u (local.get $i) (call $ctx_stackp (local.get $rcvr))) (then (return (i32.const 0))))
                  (local.set $i (i32.add (local.get $i) (i32.const 6)))))
          ;; instVarAt: reaches the 6 named slots only (as 73/74 on other objects); the
          ;; arguments, temps and stack are tempAt:'s
          (if (i32.or (i32.lt_s (local.get $i) (i32.const 0))
                      (i32.ge_s (local.get $i) (select (call $om_num_slots (local.get $rcvr)) (i32.const 6)
                                                       (i32.ge_u (local.get $prim) (i32.const 210)))))
            (then (return (i32.const 0))))
          (local.set $arg (call $ctx_fetch (local.get $rcvr) (local.get $i)))
          (if (i32.eqz (local.get $arg)) (then (return (i32.const 0))))
          (global.set $sp (i32.sub (global.get $sp) (i32.const 4)))
          (i32.store (global.get $sp) (local.get $arg))
          (return (i32.const 1))))
      (if (i32.or (i32.eq (local.get $prim) (i32.const 74)) (i32.eq (local.get $prim) (i32.const 211)))
        (then
          (local.set $arg (i32.load (i32.sub (global.get $sp) (i32.const 4))))
          (if (i32.eqz (i32.and (local.get $arg) (i32.const 1))) (then (return (i32.const 0))))
          (local.set $i (i32.sub (i32.shr_s (local.get $arg) (i32.const 1)) (i32.const 1)))
          (if (i32.eq (local.get $prim) (i32.const 211))
            (then (if (i32.ge_u (local.get $i) (call $ctx_stackp (local.get $rcvr))) (then (return (i32.const 0))))
                  (local.set $i (i32.add (local.get $i) (i32.const 6)))))
          ;; instVarAt: reaches the 6 named slots only (as 73/74 on other objects); the
          ;; arguments, temps and stack are tempAt:'s
          (if (i32.or (i32.lt_s (local.get $i) (i32.const 0))
                      (i32.ge_s (local.get $i) (select (call $om_num_slots (local.get $rcvr)) (i32.const 6)
                                                       (i32.ge_u (local.get $prim) (i32.const 210)))))
            (then (return (i32.const 0))))
          (if (i32.eqz (call $ctx_store (local.get $rcvr) (local.get $i) (i32.load (global.get $sp))))
            (then (return (i32.const 0))))
          (local.set $arg (i32.load (global.get $sp)))
          (global.set $sp (i32.sub (global.get $sp) (i32.const 8)))
          (i32.store (global.get $sp) (local.get $arg))
          (return (i32.const 1))))
      ;; 76 stackp: (Spur's MethodContext>>stackp:) -- new stack slots become nil
      (if (i32.eq (local.get $prim) (i32.const 76))
        (then
          (if (i32.ne (local.get $nargs) (i32.const 1)) (then (return (i32.const 0))))
          (local.set $arg (i32.load (global.get $sp)))
          (if (i32.eqz (i32.and (local.get $arg) (i32.const 1))) (then (return (i32.const 0))))
          (local.set $n (i32.shr_s (local.get $arg) (i32.const 1)))
          (if (i32.or (i32.lt_s (local.get $n) (i32.const 0))
                      (i32.gt_s (local.get $n) (i32.sub (call $om_num_slots (local.get $rcvr)) (i32.const 6))))
            (then (return (i32.const 0))))
          (local.set $fp (call $ctx_frame (local.get $rcvr)))
          (if (local.get $fp)
            (then (if (i32.eqz (call $ctx_detach (local.get $rcvr) (local.get $fp))) (then (return (i32.const 0))))))
          (local.set $i (i32.shr_s (i32.load offset=16 (local.get $rcvr)) (i32.const 1)))
          (if (i32.eqz (i32.and (i32.load offset=16 (local.get $rcvr)) (i32.const 1))) (then (local.set $i (i32.const 0))))
          (block $filled
            (loop $fill
              (br_if $filled (i32.ge_s (local.get $i) (local.get $n)))
              (i32.store offset=32 (i32.add (local.get $rcvr) (i32.shl (local.get $i) (i32.const 2))) (global.get $nil))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $fill)))
          (i32.store offset=16 (local.get $rcvr) (local.get $arg))
          (global.set $sp (i32.sub (global.get $sp) (i32.const 4)))
          (return (i32.const 1))))
      (if (i32.eq (local.get $prim) (i32.const 212))
        (then
          (i32.store (global.get $sp) (i32.or (i32.shl (call $ctx_stackp (local.get $rcvr)) (i32.const 1)) (i32.const 1)))
          (return (i32.const 1))))))
  ;; 9010 Catalyst: aContext primReturn: value -- unwind to the context (running ensure blocks)
  ;; and return value from it to its sender
  (if (i32.eq (local.get $prim) (i32.const 9010))
    (then
      (if (i32.ne (local.get $nargs) (i32.const 1)) (then (return (i32.const 0))))
      (if (i32.or (i32.and (local.get $rcvr) (i32.const 3))
                  (i32.ne (call $om_class_of (local.get $rcvr)) (call $special (i32.const 10))))
        (then (return (i32.const 0))))
      (local.set $fp (call $ctx_frame (local.get $rcvr)))
      (if (i32.eqz (local.get $fp)) (then (return (i32.const 0))))
      (if (call $unwind_and_return (local.get $fp) (i32.load (global.get $sp))) (then (return (i32.const 2))))
      (return (i32.const 3))))
  ;; 9011 Catalyst: CompiledMethod>>primitive (the index, 0 for none)
  (if (i32.eq (local.get $prim) (i32.const 9011))
    (then (if (i32.or (i32.and (local.get $rcvr) (i32.const 3)) (local.get $nargs)) (then (return (i32.const 0))))
          (if (i32.lt_u (call $om_format (local.get $rcvr)) (i32.const 24)) (then (return (i32.const 0))))
          (i32.store (global.get $sp) (i32.or (i32.shl (call $mh_primitive (local.get $rcvr)) (i32.const 1)) (i32.const 1)))
          (return (i32.const 1))))
  ;; 9002 Catalyst: report an unhandled error (argument: its description) and halt
  (if (i32.eq (local.get $prim) (i32.const 9002))
    (then (i32.store offset=12 (global.get $vmRoots) (i32.load (global.get $sp)))
          ;; the halted frame shows the pc after this send, as every other frame of the stack
          (i32.store offset=8 (global.get $fp) (call $pc_of (i32.load offset=4 (global.get $fp)) (global.get $ip)))
          (global.set $haltCode (i32.const 1))
          (return (i32.const 2))))
  ;; 113 quit
  (if (i32.eq (local.get $prim) (i32.const 113))
    (then (call $host_quit (i32.const 0)) (global.set $haltCode (i32.const 2)) (return (i32.const 2))))
  ;; 117 named primitive: literal 0 is (moduleName primitiveName ...)
  (if (i32.eq (local.get $prim) (i32.const 117))
    (then
      (local.set $arg (call $mh_literal (local.get $m) (i32.const 0)))
      (if (i32.or (i32.and (local.get $arg) (i32.const 3)) (i32.lt_u (call $om_num_slots (local.get $arg)) (i32.const 2)))
        (then (return (i32.const 0))))
      (if (i32.eqz (call $host_named_prim (i32.load offset=8 (local.get $arg)) (i32.load offset=12 (local.get $arg))
                                         (global.get $sp) (local.get $nargs)))
        (then (return (i32.const 0))))
      (global.set $sp (i32.sub (global.get $sp) (i32.shl (local.get $nargs) (i32.const 2))))
      (return (i32.const 1))))
  ;; processes and semaphores (46_process.wat)
  (local.set $n (call $process_primitive (local.get $prim) (local.get $nargs)))
  (if (i32.ge_s (local.get $n) (i32.const 0)) (then (return (local.get $n))))
  ;; markers and primitives that always fail into their Smalltalk code
  (if (i32.or (i32.eq (local.get $prim) (i32.const 198)) (i32.eq (local.get $prim) (i32.const 199)))
    (then (return (i32.const 0))))
  (call $prim_dispatch (local.get $prim) (local.get $nargs)))

;; (context) -> its stackp: the frame's while married, else the SmallInteger in slot 2 (0 when
;; that is nil, as in a context made by new:), never more than the context has slots for.
(func $ctx_stackp (param $ctx i32) (result i32)
  (local $fp i32) (local $n i32)
  (local.set $fp (call $ctx_frame (local.get $ctx)))
  (if (local.get $fp) (then (return (call $frame_stackp (local.get $fp)))))
  (local.set $n (i32.load offset=16 (local.get $ctx)))
  (if (i32.eqz (i32.and (local.get $n) (i32.const 1))) (then (return (i32.const 0))))
  (local.set $n (i32.shr_s (local.get $n) (i32.const 1)))
  (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (i32.const 0))))
  (if (i32.gt_s (local.get $n) (i32.sub (call $om_num_slots (local.get $ctx)) (i32.const 6)))
    (then (return (i32.sub (call $om_num_slots (local.get $ctx)) (i32.const 6)))))
  (local.get $n))

;; (class, ancestor) -> 1 when ancestor is class or one of its superclasses.
(func $inherits_from (param $c i32) (param $ancestor i32) (result i32)
  (block $no
    (loop $up
      (call $interrupt_trap)
      (br_if $no (i32.or (i32.eqz (local.get $c)) (i32.eq (local.get $c) (global.get $nil))))
      (if (i32.eq (local.get $c) (local.get $ancestor)) (then (return (i32.const 1))))
      (local.set $c (i32.load offset=8 (local.get $c)))
      (br $up)))
  (i32.const 0))

;; --- entry points ---------------------------------------------------------------------------

;; (receiver, method, arguments Array or nil) -> the method's result, or 0 when the run halted
;; ($haltCode says why; the frames stay in place for the host to describe).
(func $vm_run (export "vm_run") (param $rcvr i32) (param $m i32) (param $args i32) (result i32)
  (local $n i32) (local $r i32)
  (global.set $haltCode (i32.const 0))
  (global.set $unwinding (i32.const 0))
  (i32.store (global.get $jitCells) (i32.const 0))
  (call $refresh_hot_limit)
  (global.set $fp (i32.const 0))
  (global.set $sp (global.get $stackBase))
  (global.set $runProcess (call $scheduled_process))
  (i32.store (global.get $sp) (local.get $rcvr))
  (if (i32.ne (local.get $args) (global.get $nil))
    (then (local.set $n (call $om_num_slots (local.get $args)))
          (memory.copy (i32.add (global.get $sp) (i32.const 4)) (i32.add (local.get $args) (i32.const 8))
                       (i32.shl (local.get $n) (i32.const 2)))
          (global.set $sp (i32.add (global.get $sp) (i32.shl (local.get $n) (i32.const 2))))))
  (if (i32.ne (call $mh_num_args (local.get $m)) (local.get $n))
    (then (call $halt (i32.const 5) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
  (if (i32.eqz (call $push_frame (local.get $m) (local.get $n) (global.get $FLAG_BASE)))
    (then (call $halt (i32.const 4) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
  (drop (call $method_info (local.get $m)))
  (local.set $r (call $run_outermost))
  (if (global.get $unwinding)
    (then (global.set $unwinding (i32.const 0)) (call $halt (i32.const 6) (i32.const 0) (i32.const 0))
          (return (i32.const 0))))
  (local.get $r))

;; (fp, sp, selector, numArgs) -> result of a full send (for translated code). The receiver and
;; arguments end at sp in the frame fp (which becomes the current frame). Runs the callee to completion (a nested
;; interpreter loop when it is interpreted). 0 when the run halted or an unwind is passing.
(func $vm_send (export "vm_send") (param $fp i32) (param $sp i32) (param $sel i32) (param $nargs i32) (result i32)
  (call $vm_send_super (local.get $fp) (local.get $sp) (local.get $sel) (local.get $nargs)
        (call $om_class_of (i32.load (i32.sub (local.get $sp) (i32.shl (local.get $nargs) (i32.const 2)))))))

;; (fp, sp, selector, numArgs, lookup class) -> like vm_send, looking the method up from a given class
;; (the superclass of the sender's method class for super sends).
(func $vm_send_super (export "vm_send_super") (param $fp i32) (param $sp i32) (param $sel i32) (param $nargs i32) (param $cls i32) (result i32)
  (local $m i32) (local $d i32)
  (global.set $fp (local.get $fp))
  (global.set $sp (local.get $sp))
  ;; the interpreter's ip for the frame, from the FRAME_IP translated code wrote: activating the
  ;; callee stores the caller's pc from it
  (global.set $ip (call $addr_of_pc (i32.load offset=4 (local.get $fp)) (i32.load offset=8 (local.get $fp))))
  (global.set $statSends (i64.add (global.get $statSends) (i64.const 1)))
  (local.set $m (call $lookup (local.get $cls) (local.get $sel)))
  (if (i32.eqz (local.get $m))
    (then (local.set $m (call $prepare_dnu (local.get $sel) (local.get $nargs) (local.get $cls)))
          (if (i32.eqz (local.get $m)) (then (return (i32.const 0))))
          (local.set $nargs (i32.const 1))))
  (local.set $d (call $native_from (local.get $fp)))
  (local.set $m (call $vm_activate_nested (local.get $m) (local.get $nargs)))
  (call $jit_depth_add (i32.sub (i32.const 0) (local.get $d)))
  (local.get $m))

;; (method, numArgs) run a method to completion from translated code or the host; answers its
;; result (the receiver+argument slots are replaced by it and $sp points there), or 0.
(func $vm_activate_nested (export "vm_activate") (param $m i32) (param $nargs i32) (result i32)
  (local $caller i32) (local $savedIp i32) (local $prim i32) (local $r i32) (local $rec i32) (local $dest i32)
  (local.set $caller (global.get $fp))
  (local.set $savedIp (global.get $ip))
  (local.set $dest (i32.sub (global.get $sp) (i32.shl (local.get $nargs) (i32.const 2))))
  (local.set $rec (call $method_info (local.get $m)))
  (local.set $prim (call $mh_primitive (local.get $m)))
  (if (local.get $prim)
    (then
      (local.set $r (call $primitive (local.get $prim) (local.get $nargs) (local.get $m)))
      (if (i32.eq (local.get $r) (i32.const 1)) (then (return (i32.load (global.get $sp)))))
      (if (i32.eq (local.get $r) (i32.const 2)) (then (return (i32.const 0))))
      (if (i32.eq (local.get $r) (i32.const 3))
        (then
          ;; a control primitive (block value, perform) activated a frame: run it to its return
          ;; as a base frame; if it completed at once (a primitive), its result is on the stack
          (if (i32.eq (global.get $fp) (local.get $caller)) (then (return (i32.load (global.get $sp)))))
          ;; the frame the primitive activated (a deoptimized translation may have left frames
          ;; of inlined code above it: the interpreter runs from the top one)
          (local.set $dest (call $frame_above (local.get $caller)))
          (i32.store offset=24 (local.get $dest) (i32.or (i32.load offset=24 (local.get $dest)) (global.get $FLAG_BASE)))
          (call $jit_depth_add (i32.const 1))
          (local.set $r (call $interpret))
          (call $jit_depth_add (i32.const -1))
          (global.set $ip (local.get $savedIp))
          (return (local.get $r))))))
  ;; an activation of the method's code (a primitive that succeeded is not counted)
  (if (local.get $rec) (then (call $count_activation (local.get $m) (local.get $rec))))
  (if (i32.and (i32.ne (local.get $rec) (i32.const 0)) (i32.ne (i32.load offset=8 (local.get $rec)) (i32.const 0)))
    (then
      (local.set $dest (i32.add (global.get $sp) (i32.const 4)))   ;; the new frame
      (if (i32.eqz (call $push_frame (local.get $m) (local.get $nargs) (global.get $FLAG_TRANSLATED)))
        (then (call $halt (i32.const 4) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
      (call $count_translated)
      (local.set $r (call $run_translated (global.get $fp) (i32.load offset=8 (local.get $rec))))
      (i32.store offset=24 (local.get $dest)
                 (i32.and (i32.load offset=24 (local.get $dest))
                          (i32.xor (i32.or (global.get $FLAG_TRANSLATED) (global.get $FLAG_WRITTEN)) (i32.const -1))))
      (if (i32.and (i32.eqz (local.get $r)) (global.get $unwinding))
        (then (local.set $r (call $vm_callee_unwound (local.get $dest)))
              (if (local.get $r)
                (then (global.set $fp (local.get $caller)) (global.set $ip (local.get $savedIp))
                      (return (local.get $r))))))
      (if (local.get $r)
        (then (global.set $fp (local.get $dest))
              (drop (call $return_from_frame (local.get $r)))
              (global.set $fp (local.get $caller)) (global.set $ip (local.get $savedIp))
              (return (local.get $r))))
      (if (i32.or (global.get $haltCode) (global.get $unwinding)) (then (return (i32.const 0))))
      ;; deoptimized callee: finish it in the interpreter as a base frame
      (call $prepare_resume (local.get $dest) (i32.const 1)))
    (else
      (if (i32.eqz (call $push_frame (local.get $m) (local.get $nargs) (global.get $FLAG_BASE)))
        (then (call $halt (i32.const 4) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
      (global.set $statInterpreted (i64.add (global.get $statInterpreted) (i64.const 1)))))
  (call $jit_depth_add (i32.const 1))
  (local.set $r (call $interpret))
  (call $jit_depth_add (i32.const -1))
  (global.set $ip (local.get $savedIp))
  (local.get $r))

;; Describe the halt for the host: the oop that 9002 reported (its description String).
(func $halt_object (export "halt_object") (result i32)
  (i32.load offset=12 (global.get $vmRoots)))

;; (frame) Finish a frame that translated code built and whose translation answered 0 without an
;; unwind or a halt (it deoptimized): run it in the interpreter as a base frame, from the top
;; frame the translation left in $fp, and answer its result (0 when the run halted or an unwind
;; passes).
;; (frame) A translation that ran frame answered 0 after writing its frames back: frame, and
;; above it the frames of methods it had inlined, the topmost of which it made $fp (ABI.md
;; section 8). Count the bailout, make frame the interpreter's (a base frame if asked: its return
;; ends the interpreter run that finishes it) and set the interpreter registers to continue the
;; top frame.
(func $prepare_resume (param $frame i32) (param $base i32)
  (global.set $statBailouts (i64.add (global.get $statBailouts) (i64.const 1)))
  (if (global.get $depthDeopt)
    (then (global.set $depthDeopt (i32.const 0)))
    (else (call $note_bailout (i32.load offset=4 (local.get $frame)))))
  (i32.store offset=24 (local.get $frame)
             (i32.or (i32.and (i32.load offset=24 (local.get $frame))
                              (i32.xor (i32.or (global.get $FLAG_TRANSLATED) (global.get $FLAG_WRITTEN)) (i32.const -1)))
                     (select (global.get $FLAG_BASE) (i32.const 0) (local.get $base))))
  (global.set $ip (call $addr_of_pc (i32.load offset=4 (global.get $fp)) (i32.load offset=8 (global.get $fp))))
  (global.set $sp (i32.load offset=12 (global.get $fp))))

(func $vm_resume_frame (export "vm_resume_frame") (param $frame i32) (result i32)
  (local $savedIp i32) (local $r i32) (local $d i32)
  (local.set $savedIp (global.get $ip))
  (call $refresh_hot_limit)
  (call $prepare_resume (local.get $frame) (i32.const 1))
  (local.set $d (call $native_from (local.get $frame)))
  (call $jit_depth_add (i32.const 1))
  (local.set $r (call $interpret))
  (call $jit_depth_add (i32.sub (i32.const -1) (local.get $d)))
  (global.set $ip (local.get $savedIp))
  (local.get $r))

(func $ctx_kill_export (export "ctx_kill") (param $ctx i32)
  (call $ctx_kill (local.get $ctx)))

;; (method) count a guard failure of its translation; after 16 the method goes back to the
;; interpreter for good (bits 8-31 of the info record's flags word count them).
(global $repeatedBailoutLimit i32 (i32.const 16))
(func $note_bailout (param $m i32)
  (local $rec i32) (local $n i32)
  (local.set $rec (call $method_info (local.get $m)))
  (if (i32.eqz (local.get $rec)) (then (return)))
  (local.set $n (i32.add (i32.load offset=12 (local.get $rec)) (i32.const 0x100)))
  (i32.store offset=12 (local.get $rec) (local.get $n))
  (if (i32.gt_u (i32.shr_u (local.get $n) (i32.const 8)) (global.get $repeatedBailoutLimit))
    (then (call $set_jit_index (local.get $rec) (i32.const 0)))))

(func $method_bailouts (export "method_bailouts") (param $m i32) (result i32)
  (local $rec i32)
  (local.set $rec (call $method_info (local.get $m)))
  (if (result i32) (local.get $rec) (then (i32.shr_u (i32.load offset=12 (local.get $rec)) (i32.const 8)))
    (else (i32.const 0))))
