;; 46_process.wat: processes (ABI.md section 7): the scheduler primitives, switching between
;; processes, and running a context chain that has no frames (a resumed process).
;;
;; Squeak's layout (special object 3 is the association #Processor -> the scheduler):
;;   ProcessorScheduler: 0 quiescentProcessLists (Array of LinkedLists, priority p at p-1),
;;                       1 activeProcess
;;   LinkedList: 0 firstLink, 1 lastLink; Semaphore adds 2 excessSignals (a SmallInteger)
;;   Process (a Link): 0 nextLink, 1 suspendedContext, 2 priority, 3 myList
;;
;; Only the running process has frames. Switching (`$switch_now`) divorces every frame into its
;; context (sender, pc, stackp and slots written into the object, which then stands alone),
;; stores the top context as the old process's suspendedContext, and rebuilds frames from the
;; new process's context chain (`$rebuild`), which marries them again. A frame whose callee is
;; above it still holds the callee's receiver and arguments on its stack (ABI.md section 8);
;; its context's stackp leaves them out, as Squeak pops them at a send, and rebuilding puts
;; them back (the callee's return stores its result where the receiver was).
;;
;; A switch must not leave WASM activations that run Smalltalk (translated functions, nested
;; interpreter loops) pointing at frames that are gone. When one is asked for with the depth > 0
;; the scheduler's lists are updated at once, the switch is recorded ($switchTop, the process in
;; $vmRoots slot 16) and $unwinding is set to 2: every such activation answers 0 as for an
;; unwind, leaving its frame in interpreter layout, and the outermost loop performs the switch
;; when the unwind reaches it ($continue_unwind). Switches are refused while an unwind runs an
;; ensure: block ($switchBlocked).
;;
;; The timer (primitive 136) is checked when a process waits or is idle: nothing preempts a
;; running process when its time comes.

(global $switchTop (mut i32) (i32.const 0))        ;; the frame that asked for a pending switch
(global $switchBlocked (mut i32) (i32.const 0))    ;; > 0: inside an unwind's ensure: block
(global $timerDue (mut i32) (i32.const 0))         ;; millisecond clock value, 0 = no timer
(global $runProcess (mut i32) (i32.const 0))       ;; the process the current run started in
(global $UNWIND_SWITCH i32 (i32.const 2))          ;; $unwinding while a switch is pending

;; --- objects ---------------------------------------------------------------------------------

(func $scheduler (result i32)
  (i32.load offset=12 (call $special (i32.const 3))))
(func $active_process (result i32)
  (i32.load offset=12 (call $scheduler)))
;; -> the active process when special object 3 leads to a scheduler with a run queue Array and
;; a process, else 0 (heaps without processes, such as test heaps)
(func $scheduled_process (result i32)
  (local $a i32) (local $s i32)
  (local.set $a (call $special (i32.const 3)))
  (if (i32.eqz (call $has_slots (local.get $a) (i32.const 2))) (then (return (i32.const 0))))
  (local.set $s (i32.load offset=12 (local.get $a)))
  (if (i32.eqz (call $has_slots (local.get $s) (i32.const 2))) (then (return (i32.const 0))))
  (if (i32.eqz (call $has_slots (i32.load offset=8 (local.get $s)) (i32.const 1))) (then (return (i32.const 0))))
  (if (i32.eqz (call $has_slots (i32.load offset=12 (local.get $s)) (i32.const 4))) (then (return (i32.const 0))))
  (i32.load offset=12 (local.get $s)))
(func $priority_of (param $p i32) (result i32)
  (i32.shr_s (i32.load offset=16 (local.get $p)) (i32.const 1)))
;; (oop) -> 1 when it can serve as a LinkedList or Process here (non-immediate, enough slots)
(func $has_slots (param $oop i32) (param $n i32) (result i32)
  (if (i32.and (local.get $oop) (i32.const 3)) (then (return (i32.const 0))))
  (if (i32.eqz (call $om_is_pointers (local.get $oop))) (then (return (i32.const 0))))
  (i32.ge_u (call $om_num_slots (local.get $oop)) (local.get $n)))

;; --- linked lists ----------------------------------------------------------------------------

(func $list_empty (param $list i32) (result i32)
  (i32.eq (i32.load offset=8 (local.get $list)) (global.get $nil)))

(func $list_add_last (param $list i32) (param $p i32)
  (if (call $list_empty (local.get $list))
    (then (i32.store offset=8 (local.get $list) (local.get $p)))
    (else (i32.store offset=8 (i32.load offset=12 (local.get $list)) (local.get $p))))
  (i32.store offset=12 (local.get $list) (local.get $p))
  (i32.store offset=8 (local.get $p) (global.get $nil))
  (i32.store offset=20 (local.get $p) (local.get $list)))

(func $list_remove_first (param $list i32) (result i32)
  (local $first i32)
  (local.set $first (i32.load offset=8 (local.get $list)))
  (if (i32.eq (local.get $first) (i32.load offset=12 (local.get $list)))
    (then (i32.store offset=8 (local.get $list) (global.get $nil))
          (i32.store offset=12 (local.get $list) (global.get $nil)))
    (else (i32.store offset=8 (local.get $list) (i32.load offset=8 (local.get $first)))))
  (i32.store offset=8 (local.get $first) (global.get $nil))
  (local.get $first))

;; (list, process) -> 1 when the process was on the list (and is not any more)
(func $list_remove (param $list i32) (param $p i32) (result i32)
  (local $prev i32) (local $cur i32)
  (local.set $cur (i32.load offset=8 (local.get $list)))
  (local.set $prev (global.get $nil))
  (block $done
    (loop $walk
      (call $interrupt_trap)
      (if (i32.eq (local.get $cur) (global.get $nil)) (then (return (i32.const 0))))
      (br_if $done (i32.eq (local.get $cur) (local.get $p)))
      (local.set $prev (local.get $cur))
      (local.set $cur (i32.load offset=8 (local.get $cur)))
      (br $walk)))
  (if (i32.eq (local.get $prev) (global.get $nil))
    (then (i32.store offset=8 (local.get $list) (i32.load offset=8 (local.get $p))))
    (else (i32.store offset=8 (local.get $prev) (i32.load offset=8 (local.get $p)))))
  (if (i32.eq (i32.load offset=12 (local.get $list)) (local.get $p))
    (then (i32.store offset=12 (local.get $list) (local.get $prev))))
  (i32.store offset=8 (local.get $p) (global.get $nil))
  (i32.const 1))

;; --- the scheduler -------------------------------------------------------------------------

;; (process) put it at the back of the run queue of its priority
(func $put_to_sleep (param $p i32)
  (local $lists i32) (local $n i32) (local $i i32)
  (local.set $lists (i32.load offset=8 (call $scheduler)))
  (local.set $n (call $om_num_slots (local.get $lists)))
  (local.set $i (i32.sub (call $priority_of (local.get $p)) (i32.const 1)))
  (if (i32.lt_s (local.get $i) (i32.const 0)) (then (local.set $i (i32.const 0))))
  (if (i32.ge_s (local.get $i) (local.get $n)) (then (local.set $i (i32.sub (local.get $n) (i32.const 1)))))
  (call $list_add_last (i32.load offset=8 (i32.add (local.get $lists) (i32.shl (local.get $i) (i32.const 2))))
        (local.get $p)))

;; -> the highest-priority runnable process, taken off its queue, or 0 when there is none
(func $wake_highest (result i32)
  (local $lists i32) (local $i i32) (local $list i32)
  (local.set $lists (i32.load offset=8 (call $scheduler)))
  (local.set $i (call $om_num_slots (local.get $lists)))
  (block $none
    (loop $scan
      (br_if $none (i32.eqz (local.get $i)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (local.set $list (i32.load offset=8 (i32.add (local.get $lists) (i32.shl (local.get $i) (i32.const 2)))))
      (if (i32.eqz (call $list_empty (local.get $list)))
        (then (return (call $list_remove_first (local.get $list)))))
      (br $scan)))
  (i32.const 0))

;; (process, preempt?) make it runnable: -> the process to switch to now (when preempt and it
;; has a higher priority than the active one, which then goes back to its run queue), or 0
;; when it only joined its run queue
(func $make_runnable (param $p i32) (param $preempt i32) (result i32)
  (local $active i32)
  (local.set $active (call $active_process))
  (if (i32.and (local.get $preempt)
               (i32.gt_s (call $priority_of (local.get $p)) (call $priority_of (local.get $active))))
    (then (call $put_to_sleep (local.get $active))
          (return (local.get $p))))
  (call $put_to_sleep (local.get $p))
  (i32.const 0))

;; (semaphore, preempt?) -> as $make_runnable for the process it wakes, 0 when it only counted
;; the signal
(func $semaphore_signal (param $s i32) (param $preempt i32) (result i32)
  (if (call $list_empty (local.get $s))
    (then (i32.store offset=16 (local.get $s)
                     (i32.add (i32.load offset=16 (local.get $s)) (i32.const 2)))   ;; tagged + 1
          (return (i32.const 0))))
  (call $make_runnable (call $list_remove_first (local.get $s)) (local.get $preempt)))

;; (preempt?) -> as $semaphore_signal for the timer semaphore when its time has come, else 0
(func $check_timer (param $preempt i32) (result i32)
  (local $s i32)
  (if (i32.eqz (global.get $timerDue)) (then (return (i32.const 0))))
  (if (i32.lt_s (call $clock_ms) (global.get $timerDue)) (then (return (i32.const 0))))
  (global.set $timerDue (i32.const 0))
  (local.set $s (call $special (i32.const 29)))
  (if (i32.eqz (call $has_slots (local.get $s) (i32.const 3))) (then (return (i32.const 0))))
  (call $semaphore_signal (local.get $s) (local.get $preempt)))

;; the millisecond clock of primitive 135
(func $clock_ms (result i32)
  (i32.and (i32.wrap_i64 (call $host_time_ms)) (i32.const 0x3FFFFFFF)))

;; -> the next process to run after the active one stopped: the highest runnable, after the
;; timer is checked; waits for the timer when nothing runs before it. 0 when nothing can run.
(func $next_process (result i32)
  (local $p i32)
  (loop $again
    (call $interrupt_trap)
    (drop (call $check_timer (i32.const 0)))
    (local.set $p (call $wake_highest))
    (if (local.get $p) (then (return (local.get $p))))
    (br_if $again (global.get $timerDue)))
  (i32.const 0))

;; --- switching --------------------------------------------------------------------------------

;; -> the number of WASM activations running Smalltalk above the outermost loop (30_interp.wat)
(func $jit_depth (result i32)
  (i32.load (global.get $jitCells)))

;; (process, result code when no switch is needed) Switch to the process (0: none), from a
;; primitive whose result is already on the stack: 3 when its frames are current (switched at
;; once), 2 when the switch waits for the WASM activations above the outermost loop to return.
(func $transfer (param $p i32) (param $otherwise i32) (result i32)
  (if (i32.eqz (local.get $p)) (then (return (local.get $otherwise))))
  (i32.store offset=64 (global.get $vmRoots) (local.get $p))
  (global.set $switchTop (global.get $fp))
  (i32.store offset=8 (global.get $fp) (call $frame_pc (global.get $fp)))
  (i32.store offset=12 (global.get $fp) (global.get $sp))
  (if (call $jit_depth)
    (then (global.set $unwinding (global.get $UNWIND_SWITCH)) (return (i32.const 2))))
  (if (call $switch_now) (then (return (i32.const 2))))
  (i32.const 3))

;; Called by $continue_unwind while $unwinding is 2: 1 when the loop must go on leaving, 0 when
;; the switch was made here (the frames of the new process are current).
(func $switch_continue (result i32)
  (if (call $jit_depth) (then (return (i32.const 1))))
  (call $switch_now))

;; Perform the recorded switch: 0 done, 1 the run halted.
(func $switch_now (result i32)
  (local $old i32) (local $new i32) (local $ctx i32)
  (global.set $unwinding (i32.const 0))
  (local.set $old (call $active_process))
  (global.set $fp (global.get $switchTop))
  (global.set $sp (i32.load offset=12 (global.get $fp)))
  (local.set $ctx (call $divorce_frames (global.get $fp)))
  (if (i32.eqz (local.get $ctx)) (then (return (i32.const 1))))
  (if (call $has_slots (local.get $old) (i32.const 4))
    (then (i32.store offset=12 (local.get $old) (local.get $ctx))))
  (local.set $new (i32.load offset=64 (global.get $vmRoots)))
  (i32.store offset=64 (global.get $vmRoots) (i32.const 0))
  (i32.store offset=12 (call $scheduler) (local.get $new))
  (local.set $ctx (i32.load offset=12 (local.get $new)))
  (i32.store offset=12 (local.get $new) (global.get $nil))
  (i32.store offset=20 (local.get $new) (global.get $nil))
  (call $rebuild (local.get $ctx)))

;; (top frame) Write every frame from top down into its context and drop the frames
;; (global $fp becomes 0). -> the top context, or 0 when the run halted (out of memory, or a
;; frame holding more than its context can).
(func $divorce_frames (param $top i32) (result i32)
  (local $f i32) (local $callee i32)
  ;; every frame gets a context first (allocation may collect; the frames are the roots)
  (local.set $f (local.get $top))
  (block $made
    (loop $each
      (br_if $made (i32.eqz (local.get $f)))
      (if (i32.eqz (call $ctx_of_frame (local.get $f)))
        (then (call $halt (i32.const 3) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
      (local.set $f (i32.load (local.get $f)))
      (br $each)))
  (local.set $f (local.get $top))
  (block $done
    (loop $each
      (br_if $done (i32.eqz (local.get $f)))
      (if (i32.eqz (call $ctx_write_frame (local.get $f) (local.get $callee))) (then (return (i32.const 0))))
      (local.set $callee (local.get $f))
      (local.set $f (i32.load (local.get $f)))
      (br $each)))
  (global.set $fp (i32.const 0))
  (global.set $sp (global.get $stackBase))
  (i32.load offset=16 (local.get $top)))

;; (frame, the frame above it or 0) Write the frame's state into its context, which stops being
;; married to it: sender (its caller's context, which must exist, or nil), pc, stackp (without
;; the values the callee's activation consumes) and the slots. 0 (the run halts) when the
;; context is too small for them.
(func $ctx_write_frame (param $f i32) (param $callee i32) (result i32)
  (local $ctx i32) (local $n i32) (local $caller i32)
  (local.set $ctx (i32.load offset=16 (local.get $f)))
  (local.set $caller (i32.load (local.get $f)))
  (local.set $n (call $frame_stackp (local.get $f)))
  (if (local.get $callee)
    (then (local.set $n (i32.sub (local.get $n)
                                 (i32.add (i32.and (i32.load offset=24 (local.get $callee)) (i32.const 255)) (i32.const 1))))))
  (if (i32.or (i32.lt_s (local.get $n) (i32.const 0))
              (i32.gt_s (local.get $n) (i32.sub (call $om_num_slots (local.get $ctx)) (i32.const 6))))
    (then (call $halt (i32.const 4) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
  (memory.copy (i32.add (local.get $ctx) (i32.const 32)) (i32.add (local.get $f) (i32.const 32))
               (i32.shl (local.get $n) (i32.const 2)))
  (i32.store offset=8 (local.get $ctx)
             (if (result i32) (local.get $caller) (then (i32.load offset=16 (local.get $caller))) (else (global.get $nil))))
  (i32.store offset=12 (local.get $ctx) (i32.or (i32.shl (call $frame_pc (local.get $f)) (i32.const 1)) (i32.const 1)))
  (i32.store offset=16 (local.get $ctx) (i32.or (i32.shl (local.get $n) (i32.const 1)) (i32.const 1)))
  (i32.const 1))

;; (context, its frame) Detach a married context from its frame (a store into its sender, pc,
;; stackp...): it gets the frame's state and stands alone; the frame keeps running with it as
;; FRAME_CONTEXT but no longer married. 0 when out of memory (its sender's context is made).
(func $ctx_detach (param $ctx i32) (param $fp i32) (result i32)
  (local $caller i32) (local $f i32) (local $callee i32)
  (local.set $caller (i32.load (local.get $fp)))
  (if (local.get $caller)
    (then (if (i32.eqz (call $ctx_of_frame (local.get $caller))) (then (return (i32.const 0))))))
  ;; the frame above it, if any: the one whose caller it is
  (local.set $f (global.get $fp))
  (block $found
    (loop $up
      (br_if $found (i32.or (i32.eqz (local.get $f)) (i32.eq (local.get $f) (local.get $fp))))
      (local.set $callee (local.get $f))
      (local.set $f (i32.load (local.get $f)))
      (br $up)))
  (call $ctx_write_frame (local.get $fp) (local.get $callee)))

;; --- frames from contexts -----------------------------------------------------------------------

;; (context) -> its home (itself for a MethodContext)
(func $ctx_home (param $c i32) (result i32)
  (if (result i32) (call $is_block_context (local.get $c))
    (then (i32.load offset=28 (local.get $c))) (else (local.get $c))))

;; (context) -> the number of arguments of its activation (the values its caller pushed above
;; the receiver)
(func $ctx_num_args (param $c i32) (result i32)
  (local $closure i32)
  (if (call $is_block_context (local.get $c))
    (then (return (i32.shr_s (i32.load offset=20 (local.get $c)) (i32.const 1)))))
  (local.set $closure (i32.load offset=24 (local.get $c)))
  (if (i32.ne (local.get $closure) (global.get $nil))
    (then (return (i32.shr_s (i32.load offset=16 (local.get $closure)) (i32.const 1)))))
  (call $mh_num_args (i32.load offset=20 (local.get $c))))

;; (context) -> what its caller pushed as the receiver of its activation
(func $ctx_pushed_receiver (param $c i32) (result i32)
  (if (call $is_block_context (local.get $c)) (then (return (local.get $c))))
  (if (i32.ne (i32.load offset=24 (local.get $c)) (global.get $nil))
    (then (return (i32.load offset=24 (local.get $c)))))
  (i32.load offset=28 (local.get $c)))

;; (context) -> 1 when frames can be made for it: a method or block context with a pc, a
;; method, and a stackp within its size
(func $ctx_resumable (param $c i32) (result i32)
  (local $home i32) (local $n i32)
  (if (i32.eqz (call $is_context (local.get $c))) (then (return (i32.const 0))))
  (if (i32.eqz (i32.and (i32.load offset=12 (local.get $c)) (i32.const 1))) (then (return (i32.const 0))))
  (if (i32.eqz (i32.and (i32.load offset=16 (local.get $c)) (i32.const 1))) (then (return (i32.const 0))))
  (local.set $n (i32.shr_s (i32.load offset=16 (local.get $c)) (i32.const 1)))
  (if (i32.or (i32.lt_s (local.get $n) (i32.const 0))
              (i32.gt_s (local.get $n) (i32.sub (call $om_num_slots (local.get $c)) (i32.const 6))))
    (then (return (i32.const 0))))
  (local.set $home (call $ctx_home (local.get $c)))
  (if (i32.eqz (call $is_context (local.get $home))) (then (return (i32.const 0))))
  (local.set $n (i32.load offset=20 (local.get $home)))
  (if (i32.or (i32.and (local.get $n) (i32.const 3)) (i32.lt_u (call $om_format (local.get $n)) (i32.const 24)))
    (then (return (i32.const 0))))
  (i32.const 1))

;; (context, callee context or 0) -> bytes of the frame made for it
(func $ctx_frame_bytes (param $c i32) (param $callee i32) (result i32)
  (local $n i32)
  (local.set $n (i32.shr_s (i32.load offset=16 (local.get $c)) (i32.const 1)))
  (if (local.get $callee)
    (then (local.set $n (i32.add (local.get $n) (i32.add (call $ctx_num_args (local.get $callee)) (i32.const 1))))))
  (i32.add (i32.const 32) (i32.shl (local.get $n) (i32.const 2))))

;; (top context) Make frames for the chain of contexts from it down its senders (to nil) at the
;; bottom of the frame stack and marry them; the top one becomes current. The bottom frame is a
;; base frame (its return ends the run). 0 done, 1 the run halted (code 9: a context of the
;; chain cannot run; 4: the chain needs more stack than there is).
(func $rebuild (param $top i32) (result i32)
  (local $c i32) (local $callee i32) (local $total i32) (local $f i32) (local $n i32)
  (local $size i32) (local $home i32) (local $flags i32) (local $next i32) (local $k i32)
  (local $bottom i32)
  (if (i32.eqz (call $ctx_resumable (local.get $top)))
    (then (call $halt (i32.const 9) (i32.const 0) (i32.const 0)) (return (i32.const 1))))
  ;; sizes, top down (a frame's size depends on its callee's arguments)
  (local.set $c (local.get $top))
  (loop $measure
    (local.set $total (i32.add (local.get $total) (call $ctx_frame_bytes (local.get $c) (local.get $callee))))
    (local.set $callee (local.get $c))
    (local.set $c (i32.load offset=8 (local.get $c)))
    (if (i32.ne (local.get $c) (global.get $nil))
      (then (if (i32.eqz (call $ctx_resumable (local.get $c)))
              (then (call $halt (i32.const 9) (i32.const 0) (i32.const 0)) (return (i32.const 1))))
            (br $measure))))
  (local.set $bottom (local.get $callee))
  ;; room for the bottom activation's receiver and arguments under it, and 80 slots on top
  (local.set $total (i32.add (local.get $total)
                             (i32.shl (i32.add (call $ctx_num_args (local.get $bottom)) (i32.const 1)) (i32.const 2))))
  (if (i32.gt_u (i32.add (i32.add (global.get $stackBase) (local.get $total)) (i32.const 320))
                (global.get $stackLimit))
    (then (call $halt (i32.const 4) (i32.const 0) (i32.const 0)) (return (i32.const 1))))
  ;; frames, top down, from the end of the area
  (local.set $f (i32.add (global.get $stackBase) (local.get $total)))
  (local.set $c (local.get $top))
  (local.set $callee (i32.const 0))
  (block $built
    (loop $build
      (local.set $size (call $ctx_frame_bytes (local.get $c) (local.get $callee)))
      (local.set $f (i32.sub (local.get $f) (local.get $size)))
      (if (local.get $callee)   ;; the callee's frame is right above this one
        (then (i32.store (i32.add (local.get $f) (local.get $size)) (local.get $f))))
      (local.set $home (call $ctx_home (local.get $c)))
      (local.set $n (i32.shr_s (i32.load offset=16 (local.get $c)) (i32.const 1)))
      (local.set $flags (call $ctx_num_args (local.get $c)))
      (if (call $is_block_context (local.get $c))
        (then (local.set $flags (i32.or (local.get $flags) (global.get $FLAG_BCTX))))
        (else (if (i32.ne (i32.load offset=24 (local.get $c)) (global.get $nil))
                (then (local.set $flags (i32.or (local.get $flags) (global.get $FLAG_BLOCK)))))))
      (if (i32.eq (local.get $c) (local.get $bottom))
        (then (local.set $flags (i32.or (local.get $flags) (global.get $FLAG_BASE)))))
      (i32.store (local.get $f) (i32.const 0))
      (i32.store offset=4 (local.get $f) (i32.load offset=20 (local.get $home)))
      (i32.store offset=8 (local.get $f) (i32.shr_s (i32.load offset=12 (local.get $c)) (i32.const 1)))
      (i32.store offset=12 (local.get $f) (i32.add (local.get $f) (i32.sub (local.get $size) (i32.const 4))))
      (i32.store offset=16 (local.get $f) (local.get $c))
      (i32.store offset=20 (local.get $f)
                 (if (result i32) (i32.and (local.get $flags) (global.get $FLAG_BCTX))
                   (then (local.get $c))
                   (else (if (result i32) (i32.and (local.get $flags) (global.get $FLAG_BLOCK))
                           (then (i32.load offset=24 (local.get $c))) (else (i32.const 0))))))
      (i32.store offset=24 (local.get $f) (local.get $flags))
      (i32.store offset=28 (local.get $f) (i32.load offset=28 (local.get $home)))
      (memory.copy (i32.add (local.get $f) (i32.const 32)) (i32.add (local.get $c) (i32.const 32))
                   (i32.shl (local.get $n) (i32.const 2)))
      ;; the callee's receiver and arguments, as the send left them
      (if (local.get $callee)
        (then
          (local.set $k (i32.add (i32.add (local.get $f) (i32.const 32)) (i32.shl (local.get $n) (i32.const 2))))
          (i32.store (local.get $k) (call $ctx_pushed_receiver (local.get $callee)))
          (memory.copy (i32.add (local.get $k) (i32.const 4)) (i32.add (local.get $callee) (i32.const 32))
                       (i32.shl (call $ctx_num_args (local.get $callee)) (i32.const 2)))))
      (local.set $next (i32.load offset=8 (local.get $c)))
      ;; married: sender and pc live in the frame now
      (i32.store offset=8 (local.get $c) (i32.or (i32.shl (local.get $f) (i32.const 1)) (i32.const 1)))
      (i32.store offset=12 (local.get $c) (global.get $nil))
      (if (i32.eqz (local.get $callee))
        (then (global.set $fp (local.get $f))))
      (br_if $built (i32.eq (local.get $c) (local.get $bottom)))
      (local.set $callee (local.get $c))
      (local.set $c (local.get $next))
      (br $build)))
  ;; the bottom activation's receiver and arguments
  (local.set $k (i32.sub (local.get $f) (i32.shl (i32.add (call $ctx_num_args (local.get $bottom)) (i32.const 1)) (i32.const 2))))
  (i32.store (local.get $k) (call $ctx_pushed_receiver (local.get $bottom)))
  (memory.copy (i32.add (local.get $k) (i32.const 4)) (i32.add (local.get $f) (i32.const 32))
               (i32.shl (call $ctx_num_args (local.get $bottom)) (i32.const 2)))
  (global.set $sp (i32.load offset=12 (global.get $fp)))
  (global.set $ip (call $addr_of_pc (i32.load offset=4 (global.get $fp)) (i32.load offset=8 (global.get $fp))))
  (i32.const 0))

;; --- primitives ---------------------------------------------------------------------------------

;; (primitive, numArgs) -> the result of a scheduling primitive as $primitive answers it (1
;; success, 0 failure, 2 stop, 3 the frames of another process are current), or -1 when prim
;; is not one: 85 signal, 86 wait, 87 resume, 88 suspend, 167 yield, 136 signal:atMilliseconds:,
;; 230 relinquishProcessorForMicroseconds:.
(func $process_primitive (param $prim i32) (param $nargs i32) (result i32)
  (local $rcvr i32) (local $p i32) (local $list i32) (local $active i32) (local $until i32)
  (if (i32.eqz (i32.or (i32.or (i32.and (i32.ge_u (local.get $prim) (i32.const 85)) (i32.le_u (local.get $prim) (i32.const 88)))
                               (i32.eq (local.get $prim) (i32.const 167)))
                       (i32.or (i32.eq (local.get $prim) (i32.const 136)) (i32.eq (local.get $prim) (i32.const 230)))))
    (then (return (i32.const -1))))
  (local.set $rcvr (i32.load (i32.sub (global.get $sp) (i32.shl (local.get $nargs) (i32.const 2)))))
  (local.set $active (call $scheduled_process))
  (if (i32.eqz (local.get $active)) (then (return (i32.const 0))))
  ;; 136: the timer semaphore (nil or not a semaphore: no timer)
  (if (i32.eq (local.get $prim) (i32.const 136))
    (then (if (i32.ne (local.get $nargs) (i32.const 2)) (then (return (i32.const 0))))
          (local.set $p (i32.load (global.get $sp)))
          (local.set $list (i32.load (i32.sub (global.get $sp) (i32.const 4))))
          (if (i32.eqz (i32.and (local.get $p) (i32.const 1))) (then (return (i32.const 0))))
          (if (call $has_slots (local.get $list) (i32.const 3))
            (then (call $set_special (i32.const 29) (local.get $list))
                  (global.set $timerDue (i32.shr_s (local.get $p) (i32.const 1))))
            (else (call $set_special (i32.const 29) (global.get $nil))
                  (global.set $timerDue (i32.const 0))))
          (global.set $sp (i32.sub (global.get $sp) (i32.const 8)))
          (return (i32.const 1))))
  ;; 230: the idle process gives the processor away until the timer or its time is up
  (if (i32.eq (local.get $prim) (i32.const 230))
    (then (if (i32.ne (local.get $nargs) (i32.const 1)) (then (return (i32.const 0))))
          (if (i32.eqz (i32.and (i32.load (global.get $sp)) (i32.const 1))) (then (return (i32.const 0))))
          (if (i32.and (i32.eqz (global.get $timerDue)) (call $none_runnable))
            (then (call $halt (i32.const 8) (i32.const 0) (i32.const 0)) (return (i32.const 2))))
          (local.set $until (i32.add (call $clock_ms)
                                     (i32.div_s (i32.shr_s (i32.load (global.get $sp)) (i32.const 1)) (i32.const 1000))))
          (loop $idle
            (call $interrupt_check)
            (local.set $p (call $check_timer (i32.const 1)))
            (br_if $idle (i32.and (i32.eqz (local.get $p))
                                  (i32.and (i32.ne (global.get $timerDue) (i32.const 0))
                                           (i32.lt_s (call $clock_ms) (local.get $until))))))
          (global.set $sp (i32.sub (global.get $sp) (i32.const 4)))
          (return (call $transfer (local.get $p) (i32.const 1)))))
  (if (i32.ne (local.get $nargs) (i32.const 0)) (then (return (i32.const 0))))
  ;; 85 signal, 86 wait: the receiver is a Semaphore
  (if (i32.le_u (local.get $prim) (i32.const 86))
    (then
      (if (i32.eqz (call $has_slots (local.get $rcvr) (i32.const 3))) (then (return (i32.const 0))))
      (if (i32.eqz (i32.and (i32.load offset=16 (local.get $rcvr)) (i32.const 1))) (then (return (i32.const 0))))
      (if (i32.eq (local.get $prim) (i32.const 85))
        (then (return (call $transfer (call $semaphore_signal (local.get $rcvr) (i32.const 1)) (i32.const 1)))))
      (if (i32.gt_s (i32.load offset=16 (local.get $rcvr)) (i32.const 1))
        (then (i32.store offset=16 (local.get $rcvr) (i32.sub (i32.load offset=16 (local.get $rcvr)) (i32.const 2)))
              (return (i32.const 1))))
      (return (call $block_active_on (local.get $rcvr)))))
  ;; 87 resume, 88 suspend: the receiver is a Process
  (if (i32.eqz (call $has_slots (local.get $rcvr) (i32.const 4))) (then (return (i32.const 0))))
  (if (i32.eq (local.get $prim) (i32.const 87))
    (then (if (i32.eq (local.get $rcvr) (local.get $active)) (then (return (i32.const 0))))
          (if (i32.eqz (call $is_context (i32.load offset=12 (local.get $rcvr)))) (then (return (i32.const 0))))
          (return (call $transfer (call $make_runnable (local.get $rcvr) (i32.const 1)) (i32.const 1)))))
  (if (i32.eq (local.get $prim) (i32.const 88))
    (then
      (if (i32.eq (local.get $rcvr) (local.get $active))
        (then (i32.store (global.get $sp) (global.get $nil))
              (return (call $block_active_on (global.get $nil)))))
      (local.set $list (i32.load offset=20 (local.get $rcvr)))
      (if (i32.eqz (call $has_slots (local.get $list) (i32.const 2))) (then (return (i32.const 0))))
      (if (i32.eqz (call $list_remove (local.get $list) (local.get $rcvr))) (then (return (i32.const 0))))
      (i32.store offset=20 (local.get $rcvr) (global.get $nil))
      (i32.store (global.get $sp) (local.get $list))
      (return (i32.const 1))))
  ;; 167 yield: the active process goes behind the others of its priority
  (local.set $list (i32.load offset=8 (i32.add (i32.load offset=8 (call $scheduler))
                                               (i32.shl (i32.sub (call $priority_of (local.get $active)) (i32.const 1)) (i32.const 2)))))
  (if (call $list_empty (local.get $list)) (then (return (i32.const 1))))
  (call $put_to_sleep (local.get $active))
  (call $transfer (call $list_remove_first (local.get $list)) (i32.const 1)))

;; (semaphore or nil) The active process stops (waiting on the semaphore, or suspended) and the
;; next runnable one runs. Fails (0) when no other process can run and no timer is pending:
;; the image's own code then reports the wait that can never end.
(func $block_active_on (param $s i32) (result i32)
  (local $p i32)
  (if (global.get $switchBlocked) (then (return (i32.const 0))))
  (if (i32.and (i32.eqz (global.get $timerDue)) (call $none_runnable)) (then (return (i32.const 0))))
  (if (i32.ne (local.get $s) (global.get $nil))
    (then (call $list_add_last (local.get $s) (call $active_process))))
  (local.set $p (call $next_process))
  (if (i32.eqz (local.get $p))    ;; cannot happen after the checks above, but never run nothing
    (then (call $halt (i32.const 8) (i32.const 0) (i32.const 0)) (return (i32.const 2))))
  (call $transfer (local.get $p) (i32.const 1)))

;; -> 1 when every run queue is empty
(func $none_runnable (result i32)
  (local $lists i32) (local $i i32)
  (local.set $lists (i32.load offset=8 (call $scheduler)))
  (local.set $i (call $om_num_slots (local.get $lists)))
  (block $found
    (loop $scan
      (br_if $found (i32.eqz (local.get $i)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (if (i32.eqz (call $list_empty (i32.load offset=8 (i32.add (local.get $lists) (i32.shl (local.get $i) (i32.const 2))))))
        (then (return (i32.const 0))))
      (br $scan)))
  (i32.const 1))

(func $set_special (param $i i32) (param $v i32)
  (i32.store (i32.add (i32.add (global.get $specialObjects) (i32.const 8)) (i32.shl (local.get $i) (i32.const 2)))
             (local.get $v)))

;; --- entry point ----------------------------------------------------------------------------------

;; () -> Run the active process from its suspendedContext (a saved image's): frames are made
;; for its context chain and it runs until the bottom one returns (its result) or the run
;; halts (0; code 9: the process has no context that can run).
(func $vm_resume_process (export "vm_resume_process") (result i32)
  (local $p i32) (local $ctx i32)
  (global.set $haltCode (i32.const 0))
  (global.set $unwinding (i32.const 0))
  (i32.store (global.get $jitCells) (i32.const 0))   ;; native depth (30_interp.wat)
  (call $refresh_hot_limit)
  (global.set $fp (i32.const 0))
  (global.set $sp (global.get $stackBase))
  (local.set $p (call $scheduled_process))
  (if (i32.eqz (local.get $p))
    (then (call $halt (i32.const 9) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
  (local.set $ctx (i32.load offset=12 (local.get $p)))
  (if (call $rebuild (local.get $ctx)) (then (return (i32.const 0))))
  (i32.store offset=12 (local.get $p) (global.get $nil))
  (global.set $runProcess (local.get $p))
  (call $run_outermost))

;; -> Run the outermost interpreter loop of a run (vm_run, vm_resume_process) to the run's
;; result: when the bottom context of another process than the run's own returns, that
;; process is finished (its frames are gone) and the next runnable one goes on. 0 when the run
;; halted (code 8: the run's process waits and no other can run).
(func $run_outermost (result i32)
  (local $r i32) (local $p i32)
  (loop $more
    (local.set $r (call $interpret))
    (if (i32.or (global.get $haltCode) (global.get $unwinding)) (then (return (local.get $r))))
    (if (i32.or (i32.eqz (global.get $runProcess))
                (i32.eq (global.get $runProcess) (call $scheduled_process)))
      (then (return (local.get $r))))
    (local.set $p (call $next_process))
    (if (i32.eqz (local.get $p)) (then (call $halt (i32.const 8) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
    (i32.store offset=12 (call $scheduler) (local.get $p))
    (local.set $r (i32.load offset=12 (local.get $p)))
    (i32.store offset=12 (local.get $p) (global.get $nil))
    (i32.store offset=20 (local.get $p) (global.get $nil))
    (if (call $rebuild (local.get $r)) (then (return (i32.const 0))))
    (br $more))
  (unreachable))
