;; 45_blockcontext.wat: pre-closure blocks (Squeak 1.x-3.x images; ABI.md section 7).
;;
;; `thisContext blockCopy: n` (primitive 80) makes a BlockContext whose code is the bytes after
;; the send and the 2-byte jump that follows it (startpc = pc of the send + 3); its home is the
;; method context it was made in. `value`... (81) and `valueWithArguments:` (82) run it in a
;; frame flagged FLAG_BCTX: FRAME_METHOD is the home's method, FRAME_RECEIVER the home's
;; receiver, FRAME_CONTEXT and FRAME_CLOSURE the BlockContext (married to the frame), and the
;; frame's slots are the BlockContext's own stack, which starts with the arguments (the block's
;; first bytecodes pop them into the home's temporaries).
;;
;; The temporaries a BlockContext frame reads and writes are its home's: those of the home's
;; frame while the home is married to one, else the home context object's. A context's slot
;; 6+i is at oop + 32 + 4i, the same offset from the oop as a frame's slot i is from the frame,
;; so the interpreter addresses temporaries from one "temp base" either way ($temp_base).
;; A returned method context keeps its temporaries ($ctx_kill copies them from the frame).
;; A block return (125) goes to the frame's caller; `^` (120-124) returns from the home to its
;; sender ($home_frame), or sends #cannotReturn: when the home is not a live frame.

;; FRAME_FLAGS bit 12: the frame runs a BlockContext (30_interp.wat has the other bits)
(global $FLAG_BCTX i32 (i32.const 0x1000))

;; (frame) -> the address temporaries of the frame are addressed from (slot i at +32+4i).
(func $temp_base (param $fp i32) (result i32)
  (local $home i32) (local $hf i32)
  (if (i32.eqz (i32.and (i32.load offset=24 (local.get $fp)) (global.get $FLAG_BCTX)))
    (then (return (local.get $fp))))
  (local.set $home (i32.load offset=28 (i32.load offset=20 (local.get $fp))))   ;; slot 5 home
  (local.set $hf (call $ctx_frame (local.get $home)))
  (select (local.get $hf) (local.get $home) (local.get $hf)))

;; (oop) -> 1 when it is a BlockContext (pre-closure images only: special object 11).
(func $is_block_context (param $oop i32) (result i32)
  (if (i32.and (local.get $oop) (i32.const 3)) (then (return (i32.const 0))))
  (i32.and (i32.ne (call $special (i32.const 11)) (global.get $nil))
           (i32.eq (call $om_class_of (local.get $oop)) (call $special (i32.const 11)))))

;; (oop) -> 1 when it is a MethodContext or a BlockContext.
(func $is_context (param $oop i32) (result i32)
  (if (i32.and (local.get $oop) (i32.const 3)) (then (return (i32.const 0))))
  (i32.or (i32.eq (call $om_class_of (local.get $oop)) (call $special (i32.const 10)))
          (call $is_block_context (local.get $oop))))

;; (frame) -> its pc: the running frame's from $ip, the others' from FRAME_IP.
(func $frame_pc (param $fp i32) (result i32)
  (if (result i32) (i32.eq (local.get $fp) (global.get $fp))
    (then (call $pc_of (i32.load offset=4 (local.get $fp)) (global.get $ip)))
    (else (i32.load offset=8 (local.get $fp)))))

;; (primitive, numArgs) -> the result of primitives 80-82 as $primitive answers it (1 success,
;; 0 failure, 2 stop, 3 a frame was activated), or -1 when the receiver is not a BlockContext
;; and the primitive is 82 (BlockClosure's valueWithArguments: in 40_send.wat).
(func $bctx_primitive (param $prim i32) (param $nargs i32) (result i32)
  (local $rcvr i32) (local $n i32)
  (local.set $rcvr (i32.load (i32.sub (global.get $sp) (i32.shl (local.get $nargs) (i32.const 2)))))
  (if (i32.eq (local.get $prim) (i32.const 80))
    (then (if (i32.ne (local.get $nargs) (i32.const 1)) (then (return (i32.const 0))))
          (return (call $bctx_block_copy (local.get $rcvr) (i32.load (global.get $sp))))))
  (if (i32.eqz (call $is_block_context (local.get $rcvr)))
    (then (return (select (i32.const -1) (i32.const 0) (i32.eq (local.get $prim) (i32.const 82))))))
  (if (i32.eq (local.get $prim) (i32.const 82))
    (then (if (i32.ne (local.get $nargs) (i32.const 1)) (then (return (i32.const 0))))
          (local.set $n (call $spread_arguments (i32.shr_s (i32.load offset=20 (local.get $rcvr)) (i32.const 1))))
          (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (i32.const 0))))
          (local.set $nargs (local.get $n))))
  (call $bctx_activate (local.get $rcvr) (local.get $nargs)))

;; (expected count) Replace the Array at the stack top by its elements when it holds that many;
;; -1 (stack untouched) when the top is not an Array of that size.
(func $spread_arguments (param $want i32) (result i32)
  (local $arg i32) (local $n i32)
  (local.set $arg (i32.load (global.get $sp)))
  (if (i32.ne (call $om_class_of (local.get $arg)) (call $special (i32.const 7))) (then (return (i32.const -1))))
  (local.set $n (call $om_num_slots (local.get $arg)))
  (if (i32.ne (local.get $n) (local.get $want)) (then (return (i32.const -1))))
  (global.set $sp (i32.sub (global.get $sp) (i32.const 4)))
  (memory.copy (i32.add (global.get $sp) (i32.const 4)) (i32.add (local.get $arg) (i32.const 8))
               (i32.shl (local.get $n) (i32.const 2)))
  (global.set $sp (i32.add (global.get $sp) (i32.shl (local.get $n) (i32.const 2))))
  (local.get $n))

;; (context, numArgs) primitive 80: a new BlockContext for the code after the current send.
(func $bctx_block_copy (param $rcvr i32) (param $nargs i32) (result i32)
  (local $home i32) (local $b i32) (local $startpc i32)
  (if (i32.eqz (i32.and (local.get $nargs) (i32.const 1))) (then (return (i32.const 0))))
  (if (i32.eqz (call $is_context (local.get $rcvr))) (then (return (i32.const 0))))
  (local.set $home (local.get $rcvr))
  (if (call $is_block_context (local.get $rcvr))
    (then (local.set $home (i32.load offset=28 (local.get $rcvr)))))
  (if (i32.eqz (call $is_context (local.get $home))) (then (return (i32.const 0))))
  ;; the send is 1 byte and the jump over the block's code 2 bytes
  (local.set $startpc (i32.add (call $frame_pc (global.get $fp)) (i32.const 2)))
  (local.set $b (call $bctx_new (local.get $home) (local.get $startpc) (local.get $nargs)))
  (if (i32.eqz (local.get $b)) (then (call $halt (i32.const 3) (i32.const 0) (i32.const 0)) (return (i32.const 2))))
  (global.set $sp (i32.sub (global.get $sp) (i32.const 4)))
  (i32.store (global.get $sp) (local.get $b))
  (i32.const 1))

;; (home context, startpc, tagged numArgs) -> a new BlockContext as big as its home, or 0 when
;; out of memory. The home must be reachable from the caller's roots (it may collect).
(func $bctx_new (param $home i32) (param $startpc i32) (param $nargs i32) (result i32)
  (local $b i32)
  (local.set $b (call $om_alloc (call $om_ensure_class_index (call $special (i32.const 11)))
                      (i32.const 3) (call $om_num_slots (local.get $home))))
  (if (i32.eqz (local.get $b)) (then (return (i32.const 0))))
  (i32.store offset=12 (local.get $b) (i32.or (i32.shl (local.get $startpc) (i32.const 1)) (i32.const 1)))
  (i32.store offset=16 (local.get $b) (i32.const 1))   ;; stackp 0
  (i32.store offset=20 (local.get $b) (local.get $nargs))
  (i32.store offset=24 (local.get $b) (i32.or (i32.shl (local.get $startpc) (i32.const 1)) (i32.const 1)))
  (i32.store offset=28 (local.get $b) (local.get $home))
  (local.get $b))

;; (frame, numArgs, startpc) -> a BlockContext for translated code (the lifted blockCopy:
;; pattern): the frame's context is its home. The frame (written back) becomes the current one,
;; as for vm_send: its stack is what the collector scans. 0 when out of memory (the run halts).
(func $vm_block_copy (export "vm_block_copy") (param $fp i32) (param $nargs i32) (param $startpc i32) (result i32)
  (local $home i32) (local $b i32)
  (global.set $fp (local.get $fp))
  (global.set $sp (i32.load offset=12 (local.get $fp)))
  (local.set $home (call $ctx_of_frame (local.get $fp)))
  (if (i32.eqz (local.get $home)) (then (call $halt (i32.const 3) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
  (local.set $b (call $bctx_new (local.get $home) (local.get $startpc)
                      (i32.or (i32.shl (local.get $nargs) (i32.const 1)) (i32.const 1))))
  (if (i32.eqz (local.get $b)) (then (call $halt (i32.const 3) (i32.const 0) (i32.const 0))))
  (local.get $b))

;; (BlockContext, numArgs) Run the block on the arguments at the stack top (primitives 81, 82):
;; 3 when its frame is made current, 0 (primitive failure) when the argument count is not the
;; block's or the block is running already, 2 when the stack overflowed (the run halts).
(func $bctx_activate (param $b i32) (param $nargs i32) (result i32)
  (local $home i32) (local $m i32) (local $new i32) (local $caller i32) (local $startpc i32)
  (if (i32.ne (i32.load offset=20 (local.get $b)) (i32.or (i32.shl (local.get $nargs) (i32.const 1)) (i32.const 1)))
    (then (return (i32.const 0))))
  (if (i32.ne (i32.load offset=8 (local.get $b)) (global.get $nil)) (then (return (i32.const 0))))
  (local.set $home (i32.load offset=28 (local.get $b)))
  (if (i32.eqz (call $is_context (local.get $home))) (then (return (i32.const 0))))
  (if (i32.eqz (i32.and (i32.load offset=24 (local.get $b)) (i32.const 1))) (then (return (i32.const 0))))
  (local.set $startpc (i32.shr_s (i32.load offset=24 (local.get $b)) (i32.const 1)))
  (local.set $m (i32.load offset=20 (local.get $home)))
  (local.set $caller (global.get $fp))
  (local.set $new (i32.add (global.get $sp) (i32.const 4)))
  (if (i32.gt_u (i32.add (local.get $new) (i32.shl (i32.add (call $om_num_slots (local.get $b)) (i32.const 80)) (i32.const 2)))
                (global.get $stackLimit))
    (then (call $halt (i32.const 4) (i32.const 0) (i32.const 0)) (return (i32.const 2))))
  (if (local.get $caller)
    (then (i32.store offset=8 (local.get $caller) (call $frame_pc (local.get $caller)))
          (i32.store offset=12 (local.get $caller) (global.get $sp))))
  (i32.store (local.get $new) (local.get $caller))
  (i32.store offset=4 (local.get $new) (local.get $m))
  (i32.store offset=8 (local.get $new) (local.get $startpc))
  (i32.store offset=16 (local.get $new) (local.get $b))
  (i32.store offset=20 (local.get $new) (local.get $b))
  (i32.store offset=24 (local.get $new) (i32.or (local.get $nargs) (global.get $FLAG_BCTX)))
  (i32.store offset=28 (local.get $new) (i32.load offset=28 (local.get $home)))   ;; home's receiver
  (memory.copy (i32.add (local.get $new) (i32.const 32))
               (i32.sub (global.get $sp) (i32.shl (i32.sub (local.get $nargs) (i32.const 1)) (i32.const 2)))
               (i32.shl (local.get $nargs) (i32.const 2)))
  (global.set $fp (local.get $new))
  (global.set $sp (i32.add (i32.add (local.get $new) (i32.const 28)) (i32.shl (local.get $nargs) (i32.const 2))))
  (global.set $ip (call $addr_of_pc (local.get $m) (local.get $startpc)))
  (i32.store offset=12 (local.get $new) (global.get $sp))
  ;; married to its frame (ABI.md section 7)
  (i32.store offset=8 (local.get $b) (i32.or (i32.shl (local.get $new) (i32.const 1)) (i32.const 1)))
  (i32.store offset=12 (local.get $b) (global.get $nil))
  (global.set $statInterpreted (i64.add (global.get $statInterpreted) (i64.const 1)))
  (i32.const 3))

;; (frame of a translated callee that answered 0) A block's `^` may target a translated home
;; (a pre-closure method with a block is translated; its block runs in the interpreter): the
;; unwind then stops at the translated frames above it, each of whose functions answers 0, and
;; so does the home's own. Whoever called that function finishes the unwind here: when the
;; pending unwind targets this frame, the frames still above it are discarded (ensure: blocks
;; run) and the value is returned from it, which is the call's result; else 0 (the unwind goes
;; on below, or the run halted).
(func $vm_callee_unwound (export "vm_callee_unwound") (param $frame i32) (result i32)
  (if (i32.eqz (i32.and (i32.eq (global.get $unwinding) (i32.const 1))
                        (i32.eq (global.get $unwindTarget) (local.get $frame))))
    (then (return (i32.const 0))))
  (drop (call $unwind_and_return (local.get $frame) (i32.load (global.get $vmRoots))))
  (if (i32.or (global.get $haltCode) (global.get $unwinding)) (then (return (i32.const 0))))
  (i32.load (global.get $vmRoots)))
