;; 32_loop.wat: the bytecode interpreter loop (V3PlusClosures; bytecodes.py has the table).
;;
;; Dispatch is a br_table on the opcode whose 256 entries name 32 groups of 8 opcodes; each group
;; decodes the rest. (Indexing by the opcode itself rather than by opcode >> 3 takes the shift
;; out of the load-to-jump chain: benchFib 8% faster, the sieve 7%, measured with
;; benchmarks/core_ab.py. Giving push self and the SmallInteger constants entries of their own,
;; though fewer instructions, made benchFib 5% slower.)
;; Sends and returns leave the groups through the $do_send / $do_return / $do_nlr blocks at the
;; bottom of the loop. The loop answers the value returned by the base frame it was started on
;; (FLAG_BASE), or 0 when the run halted ($haltCode) or an unwind left this loop ($unwinding).
;;
;; Why one function with a br_table, not handlers that tail-call each other (threaded code):
;; measured with wasmtime 50 on the same 8-opcode bytecode loop, return_call_indirect
;; threading ran 4x slower than the br_table loop (each call pays a table check, a signature
;; check and a frame). What the loop does instead to save dispatches is fuse frequent pairs:
;; a push goes on into the following pushes, arithmetic, jumps and returns ($pushed), a
;; SmallInteger sum into a following store, send or return, a comparison into the following
;; conditional jump ($do_compared).

;; The values of bytecodes 113-119 (true, false, nil, -1, 0, 1, 2) as a table at $jitCells+36
;; (+32, self's place, is unused): a load from it is cheaper than choosing among the globals.
;; Comparisons and conditional jumps read true and false from it too (a global read needs the
;; instance pointer in a register, and the loop has none to spare).
(func $fill_push_constants
  (local $k i32)
  (i32.store offset=36 (global.get $jitCells) (global.get $true))
  (i32.store offset=40 (global.get $jitCells) (global.get $false))
  (i32.store offset=44 (global.get $jitCells) (global.get $nil))
  (local.set $k (i32.const 4))
  (loop $ints
    (i32.store offset=32 (i32.add (global.get $jitCells) (i32.shl (local.get $k) (i32.const 2)))
               (i32.sub (i32.shl (local.get $k) (i32.const 1)) (i32.const 9)))   ;; tagged k-4
    (local.set $k (i32.add (local.get $k) (i32.const 1)))
    (br_if $ints (i32.lt_u (local.get $k) (i32.const 8)))))

;; The loop's registers while it calls out: no local of the loop is live across a call (before
;; one, fp, sp, ip and tb are written here and to the globals; after it, read back), so the
;; register allocator keeps them in registers from bytecode to bytecode instead of in stack
;; slots (with some 50 calls in the loop and 5 callee-saved registers, it spilled them).
(global $tbSaved (mut i32) (i32.const 0))
;; tb of the frame in $fp after a call that may have changed it (a send, a return)
(func $reload_tb (global.set $tbSaved (call $temp_base (global.get $fp))))

(func $interpret (result i32)
  (local $fp i32) (local $sp i32) (local $ip i32) (local $op i32)
  (local $a i32) (local $b i32) (local $t i32) (local $x i64) (local $fa f64) (local $fb f64)
  (local $sel i32) (local $nargs i32) (local $super i32) (local $sendIp i32) (local $m i32)
  (local $ci i32) (local $e i32) (local $h i32) (local $c i32)
  ;; $tb: where the running frame's temporaries are (the frame, or for a BlockContext frame its
  ;; home's frame or context: 45_blockcontext.wat)
  (local $tb i32)
  (local $k i32)   ;; a helper's answer (read after the registers are back)
  (call $fill_push_constants)
  (call $reload_tb)
  (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
  (loop $next
    ;; Nothing but fp, sp, ip and tb lives from one bytecode to the next: starting the scratch
    ;; locals afresh tells the compiler so (a read of one that some path leaves unwritten would
    ;; otherwise carry it around the loop, and the register allocator spills what it carries).
    (local.set $op (i32.const 0)) (local.set $a (i32.const 0)) (local.set $b (i32.const 0))
    (local.set $t (i32.const 0)) (local.set $x (i64.const 0)) (local.set $fa (f64.const 0))
    (local.set $fb (f64.const 0)) (local.set $sel (i32.const 0)) (local.set $nargs (i32.const 0))
    (local.set $super (i32.const 0)) (local.set $sendIp (i32.const 0)) (local.set $m (i32.const 0))
    (local.set $ci (i32.const 0)) (local.set $e (i32.const 0)) (local.set $h (i32.const 0))
    (local.set $c (i32.const 0))
    ;; $slow_send: the full send ($send); super sends and bad bytecodes (sel 0) go there directly
    (block $slow_send
    (block $do_send
    (block $do_send1
    (block $do_special
    (block $do_return
    (block $do_nlr
    (block $do_jump
    (block $do_compared
    (block $g31 (block $g30 (block $g29 (block $g28 (block $g27 (block $g26 (block $g25 (block $g24
    (block $g23 (block $g22 (block $g21 (block $g20 (block $g19 (block $g18 (block $g17 (block $g16
    (block $g15 (block $pushed (block $g14 (block $g13 (block $g12 (block $g11 (block $g10 (block $g9 (block $g8
    (block $g7 (block $g6 (block $g5 (block $g4 (block $g3 (block $g2 (block $g1 (block $g0
      (local.set $op (i32.load8_u (local.get $ip)))
      (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
      (br_table $g0 $g0 $g0 $g0 $g0 $g0 $g0 $g0 $g1 $g1 $g1 $g1 $g1 $g1 $g1 $g1 $g2 $g2 $g2 $g2 $g2 $g2 $g2 $g2 $g3 $g3 $g3 $g3 $g3 $g3 $g3 $g3
                $g4 $g4 $g4 $g4 $g4 $g4 $g4 $g4 $g5 $g5 $g5 $g5 $g5 $g5 $g5 $g5 $g6 $g6 $g6 $g6 $g6 $g6 $g6 $g6 $g7 $g7 $g7 $g7 $g7 $g7 $g7 $g7
                $g8 $g8 $g8 $g8 $g8 $g8 $g8 $g8 $g9 $g9 $g9 $g9 $g9 $g9 $g9 $g9 $g10 $g10 $g10 $g10 $g10 $g10 $g10 $g10 $g11 $g11 $g11 $g11 $g11 $g11 $g11 $g11
                $g12 $g12 $g12 $g12 $g12 $g12 $g12 $g12 $g13 $g13 $g13 $g13 $g13 $g13 $g13 $g13 $g14 $g14 $g14 $g14 $g14 $g14 $g14 $g14 $g15 $g15 $g15 $g15 $g15 $g15 $g15 $g15
                $g16 $g16 $g16 $g16 $g16 $g16 $g16 $g16 $g17 $g17 $g17 $g17 $g17 $g17 $g17 $g17 $g18 $g18 $g18 $g18 $g18 $g18 $g18 $g18 $g19 $g19 $g19 $g19 $g19 $g19 $g19 $g19
                $g20 $g20 $g20 $g20 $g20 $g20 $g20 $g20 $g21 $g21 $g21 $g21 $g21 $g21 $g21 $g21 $g22 $g22 $g22 $g22 $g22 $g22 $g22 $g22 $g23 $g23 $g23 $g23 $g23 $g23 $g23 $g23
                $g24 $g24 $g24 $g24 $g24 $g24 $g24 $g24 $g25 $g25 $g25 $g25 $g25 $g25 $g25 $g25 $g26 $g26 $g26 $g26 $g26 $g26 $g26 $g26 $g27 $g27 $g27 $g27 $g27 $g27 $g27 $g27
                $g28 $g28 $g28 $g28 $g28 $g28 $g28 $g28 $g29 $g29 $g29 $g29 $g29 $g29 $g29 $g29 $g30 $g30 $g30 $g30 $g30 $g30 $g30 $g30 $g31 $g31 $g31 $g31 $g31 $g31 $g31 $g31
                (local.get $op)))
    ;; 0-7 push receiver variable
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.load offset=8 (i32.add (i32.load offset=28 (local.get $fp))
                                                          (i32.shl (i32.and (local.get $op) (i32.const 15)) (i32.const 2)))))
    (br $pushed))
    ;; 8-15 push receiver variable
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.load offset=8 (i32.add (i32.load offset=28 (local.get $fp))
                                                          (i32.shl (i32.and (local.get $op) (i32.const 15)) (i32.const 2)))))
    (br $pushed))
    ;; 16-23 push temporary
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.load offset=32 (i32.add (local.get $tb) (i32.shl (i32.and (local.get $op) (i32.const 15)) (i32.const 2)))))
    (br $pushed))
    ;; 24-31 push temporary
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.load offset=32 (i32.add (local.get $tb) (i32.shl (i32.and (local.get $op) (i32.const 15)) (i32.const 2)))))
    (br $pushed))
    ;; 32-63 push literal constant
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.load offset=12 (i32.add (i32.load offset=4 (local.get $fp))
                                                           (i32.shl (i32.and (local.get $op) (i32.const 31)) (i32.const 2)))))
    (br $pushed))
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.load offset=12 (i32.add (i32.load offset=4 (local.get $fp))
                                                           (i32.shl (i32.and (local.get $op) (i32.const 31)) (i32.const 2)))))
    (br $pushed))
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.load offset=12 (i32.add (i32.load offset=4 (local.get $fp))
                                                           (i32.shl (i32.and (local.get $op) (i32.const 31)) (i32.const 2)))))
    (br $pushed))
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.load offset=12 (i32.add (i32.load offset=4 (local.get $fp))
                                                           (i32.shl (i32.and (local.get $op) (i32.const 31)) (i32.const 2)))))
    (br $pushed))
    ;; 64-95 push literal variable (the value of an association)
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.load offset=12 (i32.load offset=12 (i32.add (i32.load offset=4 (local.get $fp))
                                                           (i32.shl (i32.and (local.get $op) (i32.const 31)) (i32.const 2))))))
    (br $next))
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.load offset=12 (i32.load offset=12 (i32.add (i32.load offset=4 (local.get $fp))
                                                           (i32.shl (i32.and (local.get $op) (i32.const 31)) (i32.const 2))))))
    (br $next))
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.load offset=12 (i32.load offset=12 (i32.add (i32.load offset=4 (local.get $fp))
                                                           (i32.shl (i32.and (local.get $op) (i32.const 31)) (i32.const 2))))))
    (br $next))
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (i32.load offset=12 (i32.load offset=12 (i32.add (i32.load offset=4 (local.get $fp))
                                                           (i32.shl (i32.and (local.get $op) (i32.const 31)) (i32.const 2))))))
    (br $next))
    ;; 96-103 pop into receiver variable
    (i32.store offset=8 (i32.add (i32.load offset=28 (local.get $fp)) (i32.shl (i32.and (local.get $op) (i32.const 7)) (i32.const 2)))
               (i32.load (local.get $sp)))
    (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
    (br $next))
    ;; 104-111 pop into temporary
    (i32.store offset=32 (i32.add (local.get $tb) (i32.shl (i32.and (local.get $op) (i32.const 7)) (i32.const 2)))
               (i32.load (local.get $sp)))
    (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
    (br $next))
    ;; 112-119 push self, true, false, nil, -1, 0, 1, 2: the constants from the table at
    ;; $jitCells+32 ($interpret fills it), self by a select rather than a second indirect jump
    (local.set $t (i32.shl (i32.and (local.get $op) (i32.const 7)) (i32.const 2)))
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp)
      (select (i32.load offset=32 (i32.add (global.get $jitCells) (local.get $t)))
              (i32.load offset=28 (local.get $fp))
              (local.get $t))))
    ;; --- $pushed: after a push (0-63, 112-119). An arithmetic or comparison special send next
    ;; (as in `i + 1` or `n < 2`) goes on in its handler, and a push of a temporary, self or a
    ;; constant (as in `self - 1` or `i <= n`) is done here, without a dispatch of its own.
    (loop $pushed_next
      ;; $ip stays on the next bytecode until it is taken (one increment on each way in)
      (local.set $op (i32.load8_u (local.get $ip)))
      (local.set $t (i32.shr_u (local.get $op) (i32.const 3)))
      (if (i32.eq (local.get $t) (i32.const 22))
        (then (local.set $ip (i32.add (local.get $ip) (i32.const 1))) (br $g22)))
      (if (i32.eq (local.get $t) (i32.const 14))
        (then (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
              (local.set $t (i32.shl (i32.and (local.get $op) (i32.const 7)) (i32.const 2)))
              (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
              (i32.store (local.get $sp)
                (select (i32.load offset=32 (i32.add (global.get $jitCells) (local.get $t)))
                        (i32.load offset=28 (local.get $fp))
                        (local.get $t)))
              (br $pushed_next)))
      (if (i32.eq (i32.and (local.get $op) (i32.const 0xF0)) (i32.const 16))
        (then (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
              (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
              (i32.store (local.get $sp) (i32.load offset=32 (i32.add (local.get $tb) (i32.shl (i32.and (local.get $op) (i32.const 15)) (i32.const 2)))))
              (br $pushed_next)))
      ;; `c ifTrue: [1] ifFalse: [...]` and `^x`: the jump or the return after the push
      (if (i32.eq (local.get $t) (i32.const 20))
        (then (local.set $ip (i32.add (local.get $ip) (i32.const 1))) (br $g20)))
      (if (i32.eq (local.get $t) (i32.const 18))
        (then (local.set $ip (i32.add (local.get $ip) (i32.const 1))) (br $g18)))
      (if (i32.eq (local.get $t) (i32.const 15))
        (then (local.set $ip (i32.add (local.get $ip) (i32.const 1))) (br $g15)))
      (if (i32.eq (local.get $t) (i32.const 24))   ;; at: at:put: size ... ==
        (then (local.set $ip (i32.add (local.get $ip) (i32.const 1))) (br $g24))))
    (br $next))
    ;; 120-127 returns: self, true, false, nil, top (method returns), 125 block return
    (block $r5 (block $r4 (block $r3 (block $r2 (block $r1 (block $r0 (block $bad
      (br_table $r0 $r1 $r2 $r3 $r4 $r5 $bad $bad (i32.and (local.get $op) (i32.const 7))))
      (local.set $ip (i32.sub (local.get $ip) (i32.const 1)))
      (local.set $sel (i32.const 0))
      (br $slow_send))   ;; unknown bytecode: reported by the send path (sel 0)
      (local.set $a (i32.load offset=28 (local.get $fp))) (br $do_nlr))
      (local.set $a (global.get $true)) (br $do_nlr))
      (local.set $a (global.get $false)) (br $do_nlr))
      (local.set $a (global.get $nil)) (br $do_nlr))
      (local.set $a (i32.load (local.get $sp))) (br $do_nlr))
    (local.set $a (i32.load (local.get $sp)))
    (br $do_return))
    ;; 128-135 extended push/store/pop, extended sends, pop
    (local.set $b (i32.load8_u (local.get $ip)))
    (block $e7 (block $e6 (block $e5 (block $e4 (block $e3 (block $e2 (block $e1 (block $e0
      (br_table $e0 $e1 $e2 $e3 $e4 $e5 $e6 $e7 (i32.and (local.get $op) (i32.const 7))))
      ;; 128 push (type, index)
      (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
      (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
      (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip)) (global.set $tbSaved (local.get $tb))
      (local.set $a (call $ext_fetch (global.get $fp) (global.get $tbSaved) (local.get $b)))
      (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
      (i32.store (local.get $sp) (local.get $a))
      (br $next))
      ;; 129 store (type, index); a store into a literal constant (type 2) is not a valid
      ;; instruction: reported as a bad method by the send path (sel 0)
      (if (i32.eq (i32.shr_u (local.get $b) (i32.const 6)) (i32.const 2))
        (then (local.set $ip (i32.sub (local.get $ip) (i32.const 1))) (local.set $sel (i32.const 0)) (br $slow_send)))
      (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
      (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip)) (global.set $tbSaved (local.get $tb))
      (call $ext_store (global.get $fp) (global.get $tbSaved) (local.get $b) (i32.load (global.get $sp)))
      (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
      (br $next))
      ;; 130 pop and store
      (if (i32.eq (i32.shr_u (local.get $b) (i32.const 6)) (i32.const 2))
        (then (local.set $ip (i32.sub (local.get $ip) (i32.const 1))) (local.set $sel (i32.const 0)) (br $slow_send)))
      (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
      (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip)) (global.set $tbSaved (local.get $tb))
      (call $ext_store (global.get $fp) (global.get $tbSaved) (local.get $b) (i32.load (global.get $sp)))
      (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
      (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
      (br $next))
      ;; 131 single extended send: 3 bits args, 5 bits literal
      (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
      (local.set $sel (i32.load offset=12 (i32.add (i32.load offset=4 (local.get $fp)) (i32.shl (i32.and (local.get $b) (i32.const 31)) (i32.const 2)))))
      (local.set $nargs (i32.shr_u (local.get $b) (i32.const 5)))
      (local.set $super (i32.const 0))
      (local.set $sendIp (i32.sub (local.get $ip) (i32.const 2)))
      (br $do_send))
      ;; 132 double extended do-anything
      (local.set $t (i32.load8_u offset=1 (local.get $ip)))
      (local.set $ip (i32.add (local.get $ip) (i32.const 2)))
      (local.set $op (i32.shr_u (local.get $b) (i32.const 5)))
      (if (i32.le_u (local.get $op) (i32.const 1))
        (then (local.set $sel (i32.load offset=12 (i32.add (i32.load offset=4 (local.get $fp)) (i32.shl (local.get $t) (i32.const 2)))))
              (local.set $nargs (i32.and (local.get $b) (i32.const 31)))
              (local.set $super (local.get $op))
              (local.set $sendIp (i32.sub (local.get $ip) (i32.const 3)))
              (br_if $slow_send (local.get $super))
              (br $do_send)))
      (if (i32.eq (local.get $op) (i32.const 2))
        (then (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
              ;; receiver variable t (0-255): the byte is an index, not an ext_fetch kind+index
              (i32.store (local.get $sp) (i32.load offset=8 (i32.add (i32.load offset=28 (local.get $fp))
                                                                    (i32.shl (local.get $t) (i32.const 2)))))
              (br $next)))
      (if (i32.eq (local.get $op) (i32.const 3))
        (then (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
              (i32.store (local.get $sp) (i32.load offset=12 (i32.add (i32.load offset=4 (local.get $fp)) (i32.shl (local.get $t) (i32.const 2)))))
              (br $next)))
      (if (i32.eq (local.get $op) (i32.const 4))
        (then (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
              (i32.store (local.get $sp) (i32.load offset=12 (i32.load offset=12 (i32.add (i32.load offset=4 (local.get $fp)) (i32.shl (local.get $t) (i32.const 2))))))
              (br $next)))
      (if (i32.le_u (local.get $op) (i32.const 6))
        (then (i32.store offset=8 (i32.add (i32.load offset=28 (local.get $fp)) (i32.shl (local.get $t) (i32.const 2)))
                         (i32.load (local.get $sp)))
              (if (i32.eq (local.get $op) (i32.const 6))
                (then (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))))
              (br $next)))
      (i32.store offset=12 (i32.load offset=12 (i32.add (i32.load offset=4 (local.get $fp)) (i32.shl (local.get $t) (i32.const 2)))) (i32.load (local.get $sp)))
      (br $next))
      ;; 133 single extended super send
      (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
      (local.set $sel (i32.load offset=12 (i32.add (i32.load offset=4 (local.get $fp)) (i32.shl (i32.and (local.get $b) (i32.const 31)) (i32.const 2)))))
      (local.set $nargs (i32.shr_u (local.get $b) (i32.const 5)))
      (local.set $super (i32.const 1))
      (local.set $sendIp (i32.sub (local.get $ip) (i32.const 2)))
      (br $slow_send))
      ;; 134 second extended send: 2 bits args, 6 bits literal
      (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
      (local.set $sel (i32.load offset=12 (i32.add (i32.load offset=4 (local.get $fp)) (i32.shl (i32.and (local.get $b) (i32.const 63)) (i32.const 2)))))
      (local.set $nargs (i32.shr_u (local.get $b) (i32.const 6)))
      (local.set $super (i32.const 0))
      (local.set $sendIp (i32.sub (local.get $ip) (i32.const 2)))
      (br $do_send))
    ;; 135 pop
    (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
    (br $next))
    ;; 136-143 dup, thisContext, new array, callPrimitive, remote temps, closure
    (block $c7 (block $c6 (block $c5 (block $c4 (block $c3 (block $c2 (block $c1 (block $c0
      (br_table $c0 $c1 $c2 $c3 $c4 $c5 $c6 $c7 (i32.and (local.get $op) (i32.const 7))))
      ;; 136 dup
      (i32.store offset=4 (local.get $sp) (i32.load (local.get $sp)))
      (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
      (br $next))
      ;; 137 push thisContext
      (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip)) (global.set $tbSaved (local.get $tb))
      (local.set $a (call $ctx_of_frame (global.get $fp)))
      (if (i32.eqz (local.get $a)) (then (call $halt (i32.const 3) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
      (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
      (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
      (i32.store (local.get $sp) (local.get $a))
      (br $next))
      ;; 138 push new array (size), or pop size values into a new array (cons)
      (local.set $b (i32.load8_u (local.get $ip)))
      (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
      (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip)) (global.set $tbSaved (local.get $tb))
      (local.set $t (i32.and (local.get $b) (i32.const 127)))
      (local.set $a (call $om_instantiate (i32.load offset=36 (global.get $specialObjects)) (local.get $t)))
      (if (i32.eqz (local.get $a)) (then (call $halt (i32.const 3) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
      (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
      (if (i32.and (local.get $b) (i32.const 128))
        (then (local.set $sp (i32.sub (local.get $sp) (i32.shl (local.get $t) (i32.const 2))))
              (memory.copy (i32.add (local.get $a) (i32.const 8)) (i32.add (local.get $sp) (i32.const 4))
                           (i32.shl (local.get $t) (i32.const 2)))))
      (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
      (i32.store (local.get $sp) (local.get $a))
      (br $next))
      ;; 139 callPrimitive: reached only when the primitive failed; skip its index
      (local.set $ip (i32.add (local.get $ip) (i32.const 2)))
      (br $next))
      ;; 140 push remote temp: (index in vector, temp holding the vector)
      (local.set $b (i32.load8_u (local.get $ip)))
      (local.set $t (i32.load8_u offset=1 (local.get $ip)))
      (local.set $ip (i32.add (local.get $ip) (i32.const 2)))
      (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
      (i32.store (local.get $sp) (i32.load offset=8 (i32.add (i32.load offset=32 (i32.add (local.get $fp) (i32.shl (local.get $t) (i32.const 2))))
                                                            (i32.shl (local.get $b) (i32.const 2)))))
      (br $next))
      ;; 141 store remote temp
      (local.set $b (i32.load8_u (local.get $ip)))
      (local.set $t (i32.load8_u offset=1 (local.get $ip)))
      (local.set $ip (i32.add (local.get $ip) (i32.const 2)))
      (i32.store offset=8 (i32.add (i32.load offset=32 (i32.add (local.get $fp) (i32.shl (local.get $t) (i32.const 2))))
                                   (i32.shl (local.get $b) (i32.const 2)))
                 (i32.load (local.get $sp)))
      (br $next))
      ;; 142 pop and store remote temp
      (local.set $b (i32.load8_u (local.get $ip)))
      (local.set $t (i32.load8_u offset=1 (local.get $ip)))
      (local.set $ip (i32.add (local.get $ip) (i32.const 2)))
      (i32.store offset=8 (i32.add (i32.load offset=32 (i32.add (local.get $fp) (i32.shl (local.get $t) (i32.const 2))))
                                   (i32.shl (local.get $b) (i32.const 2)))
                 (i32.load (local.get $sp)))
      (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
      (br $next))
    ;; 143 push closure: (numCopied << 4 | numArgs), block size (2 bytes, big-endian)
    (local.set $b (i32.load8_u (local.get $ip)))
    (local.set $t (i32.or (i32.shl (i32.load8_u offset=1 (local.get $ip)) (i32.const 8))
                          (i32.load8_u offset=2 (local.get $ip))))
    (local.set $ip (i32.add (local.get $ip) (i32.const 3)))
    (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip)) (global.set $tbSaved (local.get $tb))
    (local.set $a (call $make_closure (global.get $fp) (local.get $b)
                        (i32.sub (i32.sub (global.get $ip) (i32.load offset=4 (global.get $fp))) (i32.const 7))))
    (if (i32.eqz (local.get $a)) (then (call $halt (i32.const 3) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
    (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
    (local.set $sp (i32.sub (local.get $sp) (i32.shl (i32.shr_u (local.get $b) (i32.const 4)) (i32.const 2))))
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (i32.store (local.get $sp) (local.get $a))
    (local.set $ip (i32.add (local.get $ip) (local.get $t)))
    (br $next))
    ;; 144-151 short jump; one that lands on a return of the top (the end of an `ifTrue:ifFalse:`
    ;; that is the method's value) returns without a dispatch of its own, as do long jumps
    (local.set $ip (i32.add (local.get $ip) (i32.add (i32.and (local.get $op) (i32.const 7)) (i32.const 1))))
    (br_if $next (i32.ne (i32.load8_u (local.get $ip)) (i32.const 124)))
    (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
    (local.set $a (i32.load (local.get $sp)))
    (br $do_nlr))
    ;; 152-159 short jump if false ($do_jump decodes it)
    (local.set $a (i32.load (local.get $sp)))
    (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
    (br $do_jump))
    ;; 160-167 long jump (signed); a backward jump counts for the hot-method counter
    (local.set $t (i32.add (i32.shl (i32.sub (i32.and (local.get $op) (i32.const 7)) (i32.const 4)) (i32.const 8))
                           (i32.load8_u (local.get $ip))))
    (local.set $ip (i32.add (i32.add (local.get $ip) (i32.const 1)) (local.get $t)))
    (if (i32.ge_s (local.get $t) (i32.const 0))
      (then (br_if $next (i32.ne (i32.load8_u (local.get $ip)) (i32.const 124)))
            (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
            (local.set $a (i32.load (local.get $sp)))
            (br $do_nlr)))
    ;; a back-edge: where a running loop sees the host's interrupt request (as at activations)
    (if (i32.atomic.load offset=24 (global.get $jitCells))
      (then (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip))
            (call $interrupt_check)
            (unreachable)))
    ;; count it in the method's info record (which its activation created);
    ;; only crossing the hot threshold calls out
    (local.set $m (i32.load offset=4 (local.get $fp)))
    (local.set $e (i32.and (i32.load (i32.sub (local.get $m) (i32.const 4))) (i32.const 0xFFFFFF)))
    (br_if $next (i32.eqz (local.get $e)))
    (local.set $e (i32.add (global.get $infoTable) (i32.shl (local.get $e) (i32.const 4))))
    (local.set $c (i32.add (i32.load offset=4 (local.get $e)) (i32.const 1)))
    (i32.store offset=4 (local.get $e) (local.get $c))
    (br_if $next (i32.lt_u (local.get $c) (i32.load offset=80 (global.get $jitCells))))
    (br_if $next (i32.load offset=12 (local.get $e)))
    (i32.store offset=4 (local.get $e) (i32.sub (local.get $c) (i32.const 1)))
    (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip))
    (call $count_activation (local.get $m) (local.get $e))
    (call $reload_tb) (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
    (br $next))
    ;; 168-175 long jump if true (168-171) / if false (172-175) ($do_jump decodes it)
    (local.set $a (i32.load (local.get $sp)))
    (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
    (br $do_jump))
    ;; 176-183 arithmetic special sends: + - < > <= >= = ~=
    (local.set $a (i32.load (i32.sub (local.get $sp) (i32.const 4))))
    (local.set $b (i32.load (local.get $sp)))
    (if (i32.and (i32.and (local.get $a) (local.get $b)) (i32.const 1))
      (then
        (local.set $t (i32.and (local.get $op) (i32.const 7)))
        (if (i32.le_u (local.get $t) (i32.const 1))
          (then
            ;; two 31-bit values: the i32 sum or difference is exact; it must fit 31 bits
            (local.set $c (if (result i32) (local.get $t)
                            (then (i32.sub (i32.shr_s (local.get $a) (i32.const 1)) (i32.shr_s (local.get $b) (i32.const 1))))
                            (else (i32.add (i32.shr_s (local.get $a) (i32.const 1)) (i32.shr_s (local.get $b) (i32.const 1))))))
            (local.set $h (i32.or (i32.shl (local.get $c) (i32.const 1)) (i32.const 1)))
            (if (i32.eq (i32.shr_s (local.get $h) (i32.const 1)) (local.get $c))
              (then (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
                    (i32.store (local.get $sp) (local.get $h))
                    ;; `i := i + 1` and `^a + b`: a pop into a temporary or a return of
                    ;; the sum goes on without a dispatch of its own
                    (local.set $op (i32.load8_u (local.get $ip)))
                    (if (i32.eq (i32.and (local.get $op) (i32.const 0xF8)) (i32.const 104))
                      (then (i32.store offset=32 (i32.add (local.get $tb) (i32.shl (i32.and (local.get $op) (i32.const 7)) (i32.const 2)))
                                       (local.get $h))
                            (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
                            (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
                            (br $next)))
                    ;; `(n - 1) fib`: a send of a literal selector, decoded as 208-255 do
                    (if (i32.ge_u (local.get $op) (i32.const 208))
                      (then (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
                            (local.set $sel (i32.const -1))
                            (local.set $nargs (i32.shr_u (i32.sub (local.get $op) (i32.const 208)) (i32.const 4)))
                            (local.set $super (i32.const 0))
                            (br $do_send1)))
                    (br_if $next (i32.ne (i32.and (local.get $op) (i32.const 0xFE)) (i32.const 124)))
                    (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
                    (local.set $a (local.get $h))
                    (br_if $do_nlr (i32.eq (local.get $op) (i32.const 124)))
                    (br $do_return))))
          (else
            ;; compare: the three-way order k of the operands (0 a<b, 1 a=b, 2 a>b; tagged
            ;; SmallIntegers compare as their values) picks bit k of the operator's truth
            ;; table; the tables of < > <= >= = ~= (t = 2..7) are packed 3 bits each at bit 3t
            (local.set $c (i32.and (i32.shr_u (i32.const 0xAB3840)
                                              (i32.add (i32.mul (local.get $t) (i32.const 3))
                                                       (i32.add (i32.gt_s (local.get $a) (local.get $b))
                                                                (i32.ge_s (local.get $a) (local.get $b)))))
                                   (i32.const 1)))
            (local.set $a (select (i32.load offset=36 (global.get $jitCells)) (i32.load offset=40 (global.get $jitCells)) (local.get $c)))
            (br $do_compared)))))
    ;; Floats (or a Float with a SmallInteger)
    (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip)) (global.set $tbSaved (local.get $tb))
    (local.set $k (call $float_operands (local.get $a) (local.get $b)))
    (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
    (if (local.get $k)
      (then
        (local.set $fa (global.get $floatA)) (local.set $fb (global.get $floatB))
        (local.set $t (i32.and (local.get $op) (i32.const 7)))
        (if (i32.le_u (local.get $t) (i32.const 1))
          (then
            (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip)) (global.set $tbSaved (local.get $tb))
            (local.set $a (call $om_float (select (f64.sub (local.get $fa) (local.get $fb))
                                                  (f64.add (local.get $fa) (local.get $fb)) (local.get $t))))
            (if (i32.eqz (local.get $a)) (then (call $halt (i32.const 3) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
            (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
            (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
            (i32.store (local.get $sp) (local.get $a))
            (br $next)))
        (local.set $a
          (select (global.get $true) (global.get $false)
            (block $fcmp (result i32)
              (block $c7 (block $c6 (block $c5 (block $c4 (block $c3 (block $c2
                (br_table $c2 $c3 $c4 $c5 $c6 $c7 (i32.sub (local.get $t) (i32.const 2))))
                (br $fcmp (f64.lt (local.get $fa) (local.get $fb))))
                (br $fcmp (f64.gt (local.get $fa) (local.get $fb))))
                (br $fcmp (f64.le (local.get $fa) (local.get $fb))))
                (br $fcmp (f64.ge (local.get $fa) (local.get $fb))))
                (br $fcmp (f64.eq (local.get $fa) (local.get $fb))))
              (f64.ne (local.get $fa) (local.get $fb)))))
        (br $do_compared)))
    (br $do_special))
    ;; 184-191: * / \\ @ bitShift: // bitAnd: bitOr:
    (local.set $a (i32.load (i32.sub (local.get $sp) (i32.const 4))))
    (local.set $b (i32.load (local.get $sp)))
    (if (i32.and (i32.and (local.get $a) (local.get $b)) (i32.const 1))
      (then
        (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip)) (global.set $tbSaved (local.get $tb))
        (local.set $t (call $small_arith (local.get $op)
                            (i32.shr_s (local.get $a) (i32.const 1)) (i32.shr_s (local.get $b) (i32.const 1))))
        (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
        (if (local.get $t)
          (then (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
                (i32.store (local.get $sp) (local.get $t))
                (br $next)))))
    (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip)) (global.set $tbSaved (local.get $tb))
    (local.set $k (call $float_operands (local.get $a) (local.get $b)))
    (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
    (if (i32.and (i32.le_u (local.get $op) (i32.const 185)) (local.get $k))
      (then (if (i32.and (i32.eq (local.get $op) (i32.const 185)) (f64.eq (global.get $floatB) (f64.const 0)))
              (then (local.set $op (i32.const 0))))))   ;; x / 0.0: the real send signals ZeroDivide
    (if (i32.and (i32.and (i32.ge_u (local.get $op) (i32.const 184)) (i32.le_u (local.get $op) (i32.const 185)))
                 (local.get $k))
      (then
        (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip)) (global.set $tbSaved (local.get $tb))
        (local.set $a (call $om_float (select (f64.mul (global.get $floatA) (global.get $floatB))
                                              (f64.div (global.get $floatA) (global.get $floatB))
                                              (i32.eq (local.get $op) (i32.const 184)))))
        (if (i32.eqz (local.get $a)) (then (call $halt (i32.const 3) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
        (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
        (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
        (i32.store (local.get $sp) (local.get $a))
        (br $next)))
    (br $do_special))
    ;; 192-199: at: at:put: size next nextPut: atEnd == class
    (if (i32.eq (local.get $op) (i32.const 198))
      (then (local.set $a (select (global.get $true) (global.get $false)
                                  (i32.eq (i32.load (i32.sub (local.get $sp) (i32.const 4))) (i32.load (local.get $sp)))))
            (br $do_compared)))
    (if (i32.eq (local.get $op) (i32.const 199))
      (then (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip)) (global.set $tbSaved (local.get $tb))
            (local.set $a (call $om_class_of (i32.load (global.get $sp))))
            (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
            (i32.store (local.get $sp) (local.get $a))
            (br $next)))
    (br $do_special))
    ;; 200-207: blockCopy: value value: do: new new: x y
    (br $do_special))
    ;; 208-255 sends of literal selectors with 0, 1 or 2 arguments: six handlers that differ
    ;; only in nargs (one handler computing nargs made the sieve 4% slower). The selector is
    ;; left to the full send (-1: the literal the send byte names): the fast path needs none.
    (local.set $sel (i32.const -1))
    (local.set $nargs (i32.const 0)) (local.set $super (i32.const 0))
    (br $do_send1))
    (local.set $sel (i32.const -1))
    (local.set $nargs (i32.const 0)) (local.set $super (i32.const 0))
    (br $do_send1))
    (local.set $sel (i32.const -1))
    (local.set $nargs (i32.const 1)) (local.set $super (i32.const 0))
    (br $do_send1))
    (local.set $sel (i32.const -1))
    (local.set $nargs (i32.const 1)) (local.set $super (i32.const 0))
    (br $do_send1))
    (local.set $sel (i32.const -1))
    (local.set $nargs (i32.const 2)) (local.set $super (i32.const 0))
    (br $do_send1))
    (local.set $sel (i32.const -1))
    (local.set $nargs (i32.const 2)) (local.set $super (i32.const 0))
    (br $do_send1))
    ;; --- $do_compared: $a is the Boolean answer of a comparison whose two operands are still on
    ;; the stack. A conditional jump next (the usual case) takes it without pushing it and
    ;; without a dispatch of its own.
    (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
    (local.set $h (i32.load8_u (local.get $ip)))
    (if (i32.or (i32.lt_u (i32.sub (local.get $h) (i32.const 152)) (i32.const 8))
                (i32.lt_u (i32.sub (local.get $h) (i32.const 168)) (i32.const 8)))
      (then (local.set $op (local.get $h))
            (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
            (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
            (br $do_jump)))
    (i32.store (local.get $sp) (local.get $a))
    (br $next))
    ;; --- $do_jump: the conditional jump $op (152-159 short if false, 168-171 long if true,
    ;; 172-175 long if false; $ip is just after its opcode) on the value $a popped off the stack
    (if (i32.lt_u (local.get $op) (i32.const 160))
      (then (local.set $t (i32.add (i32.and (local.get $op) (i32.const 7)) (i32.const 1)))
            (local.set $b (i32.load offset=40 (global.get $jitCells))))
      (else (local.set $t (i32.add (i32.shl (i32.and (local.get $op) (i32.const 3)) (i32.const 8))
                                   (i32.load8_u (local.get $ip))))
            (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
            (local.set $b (select (i32.load offset=40 (global.get $jitCells)) (i32.load offset=36 (global.get $jitCells)) (i32.ge_u (local.get $op) (i32.const 172))))))
    (if (i32.eq (local.get $a) (local.get $b))
      (then (local.set $ip (i32.add (local.get $ip) (local.get $t))) (br $next)))
    (br_if $next (i32.or (i32.eq (local.get $a) (i32.load offset=36 (global.get $jitCells))) (i32.eq (local.get $a) (i32.load offset=40 (global.get $jitCells)))))
    ;; not a Boolean: put it back and send it #mustBeBoolean
    (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
    (local.set $sel (i32.load offset=108 (global.get $specialObjects)))
    (local.set $sendIp (i32.sub (i32.sub (local.get $ip) (i32.const 1)) (i32.ge_u (local.get $op) (i32.const 160))))
    (local.set $nargs (i32.const 0)) (local.set $super (i32.const 0))
    (br $do_send))
    ;; --- $do_nlr: a method return (120-124). In a block it returns from the home method.
    (if (i32.and (i32.load offset=24 (local.get $fp)) (i32.or (global.get $FLAG_BLOCK) (global.get $FLAG_BCTX)))
      (then
        ;; (a method's own return writes the registers back only if it takes the slow path)
        (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip)) (global.set $tbSaved (local.get $tb))
        (local.set $t (call $home_frame (global.get $fp)))
        (if (i32.eqz (local.get $t))
          (then   ;; the home context is dead: send #cannotReturn: to the block's context
            (local.set $b (call $ctx_of_frame (global.get $fp)))
            (if (i32.eqz (local.get $b)) (then (call $halt (i32.const 3) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
            (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
            (local.set $sp (i32.add (global.get $sp) (i32.const 4)))
            (i32.store (local.get $sp) (local.get $b))
            (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
            (i32.store (local.get $sp) (local.get $a))
            (local.set $sel (i32.load offset=92 (global.get $specialObjects)))
            (local.set $nargs (i32.const 1)) (local.set $super (i32.const 0))
            (br $do_send1)))
        (if (call $unwind_and_return (local.get $t) (local.get $a))
          (then (return (call $loop_exit_value))))
        (call $reload_tb) (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
        (br $next)))
    (br $do_return))
    ;; --- $do_return: return $a from the current frame to its caller
    ;; Fast path: no married context to kill, not a base frame, and the caller directly below
    ;; (it made the send, so its receiver slot is just under this frame).
    (block $slow_return
      (local.set $t (i32.load offset=24 (local.get $fp)))   ;; FRAME_FLAGS
      (br_if $slow_return (i32.and (local.get $t) (global.get $FLAG_BASE)))
      (br_if $slow_return (i32.load offset=16 (local.get $fp)))   ;; FRAME_CONTEXT
      (local.set $b (i32.load (local.get $fp)))   ;; FRAME_CALLER
      (br_if $slow_return (i32.ne (i32.add (i32.load offset=12 (local.get $b)) (i32.const 4)) (local.get $fp)))
      (br_if $slow_return (i32.and (i32.load offset=24 (local.get $b)) (global.get $FLAG_BCTX)))
      (local.set $sp (i32.sub (local.get $fp) (i32.shl (i32.add (i32.and (local.get $t) (i32.const 255)) (i32.const 1)) (i32.const 2))))
      (i32.store (local.get $sp) (local.get $a))
      (local.set $fp (local.get $b))
      (local.set $tb (local.get $b))
      (local.set $ip (i32.add (i32.add (i32.load offset=4 (local.get $b)) (i32.const 7)) (i32.load offset=8 (local.get $b))))
      (br $next))
    (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip))
    (if (call $return_from_frame (local.get $a)) (then (return (local.get $a))))
    (call $reload_tb) (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
    (br $next))
    ;; --- $do_special: the special send 176-207 just before $ip, as a real send: its selector
    ;; and argument count from the special selectors array (special object 23, inline: no
    ;; call in the loop). The opcode is read again ($op may have been changed on the way).
    (local.set $t (i32.add (i32.load offset=100 (global.get $specialObjects))   ;; 8 + 4 * 23
                           (i32.shl (i32.sub (i32.load8_u (i32.sub (local.get $ip) (i32.const 1))) (i32.const 176))
                                    (i32.const 3))))
    (local.set $sel (i32.load offset=8 (local.get $t)))
    (local.set $nargs (i32.shr_s (i32.load offset=12 (local.get $t)) (i32.const 1)))
    (local.set $super (i32.const 0)))
    ;; --- $do_send1: a one-byte send bytecode (just before $ip)
    (local.set $sendIp (i32.sub (local.get $ip) (i32.const 1))))
    ;; --- $do_send: send $sel to the receiver under $nargs arguments ($super: lookup in the
    ;; superclass of the method's class)
    ;; Fast path: the send site's inline cache knows the method for the receiver's class, and
    ;; the method is interpreted, has no primitive and does not get hot now: build its frame
    ;; here (ABI.md section 8) and go on in it. Everything else takes $send below.
      (local.set $a (i32.load (i32.sub (local.get $sp) (i32.shl (local.get $nargs) (i32.const 2)))))
      (local.set $ci (if (result i32) (i32.and (local.get $a) (i32.const 3))
                       (then (select (i32.const 1) (i32.const 2) (i32.and (local.get $a) (i32.const 1))))
                       (else (i32.and (i32.load (local.get $a)) (i32.const 0x3FFFFF)))))
      ;; the site's record: its index is the send's bytecode address as $ic_index computes it
      ;; (inline: no call on every send), and it holds the site when it names that address
      (local.set $e (i32.and (local.get $sendIp) (i32.const 0xFFFF)))
      (local.set $b (i32.add (global.get $icTable) (i32.shl (local.get $e) (i32.const 5))))
      (br_if $slow_send (i32.ne (i32.load offset=28 (local.get $b)) (local.get $sendIp)))
      (local.set $e (i32.add (global.get $icTargets) (i32.shl (local.get $e) (i32.const 5))))
      ;; the slot of the receiver's class among the (up to 4) recorded ones
      (block $hit
        (br_if $hit (i32.eq (i32.load offset=12 (local.get $b)) (local.get $ci)))
        (local.set $e (i32.add (local.get $e) (i32.const 8)))
        (br_if $hit (i32.eq (i32.load offset=16 (local.get $b)) (local.get $ci)))
        (local.set $e (i32.add (local.get $e) (i32.const 8)))
        (br_if $hit (i32.eq (i32.load offset=20 (local.get $b)) (local.get $ci)))
        (local.set $e (i32.add (local.get $e) (i32.const 8)))
        (br_if $hit (i32.eq (i32.load offset=24 (local.get $b)) (local.get $ci)))
        (br $slow_send))
      ;; the target method (0: not cached) and its info record
      (local.set $m (i32.load (local.get $e)))
      (br_if $slow_send (i32.eqz (local.get $m)))
      (local.set $e (i32.load offset=4 (local.get $e)))
      (local.set $h (i32.load offset=8 (local.get $m)))
      ;; header: the alternate bytecode set takes the slow path (it halts)
      (br_if $slow_send (i32.lt_s (local.get $h) (i32.const 0)))
      ;; the first bytecode (after the callPrimitive, if any)
      (local.set $x (i64.extend_i32_u (i32.add (i32.add (local.get $m) (i32.const 12))
                              (i32.shl (i32.and (i32.shr_u (local.get $h) (i32.const 1)) (i32.const 0x7FFF)) (i32.const 2)))))
      (if (i32.and (local.get $h) (i32.const 0x20000))
        (then
          ;; a primitive: only the object memory's simple ones are run from here; the control
          ;; primitives (blocks, perform, contexts...) need $primitive
          (local.set $b (i32.wrap_i64 (local.get $x)))
          (br_if $slow_send (i32.ne (i32.load8_u (local.get $b)) (i32.const 139)))
          (local.set $b (i32.load16_u offset=1 (local.get $b)))   ;; primitive index
          (br_if $slow_send (i32.eqz (i32.or (i32.and (i32.le_u (local.get $b) (i32.const 72))
                                                      (i32.ne (local.get $b) (i32.const 19)))
                                             (i32.or (i32.eq (local.get $b) (i32.const 110))
                                                     (i32.eq (local.get $b) (i32.const 111))))))
          ;; a primitive that succeeds is not an activation of the method's code: it is not
          ;; counted (a translation would only replace the code that runs when it fails)
          (i64.store offset=72 (global.get $jitCells) (i64.add (i64.load offset=72 (global.get $jitCells)) (i64.const 1)))
          ;; at: and at:put: on an Array with a SmallInteger index in range, inline
          (block $general
            (br_if $general (i32.eqz (i32.and (i32.eq (local.get $b) (i32.const 60)) (i32.eq (local.get $nargs) (i32.const 1)))))
            (local.set $a (i32.load (i32.sub (local.get $sp) (i32.const 4))))
            (br_if $general (i32.and (local.get $a) (i32.const 3)))
            (br_if $general (i32.ne (i32.and (i32.load8_u offset=3 (local.get $a)) (i32.const 0x1F)) (i32.const 2)))
            (local.set $t (i32.load (local.get $sp)))
            (br_if $general (i32.eqz (i32.and (local.get $t) (i32.const 1))))
            (local.set $t (i32.shr_s (local.get $t) (i32.const 1)))
            (local.set $c (i32.load8_u offset=7 (local.get $a)))
            (if (i32.eq (local.get $c) (i32.const 255)) (then (local.set $c (i32.load (i32.sub (local.get $a) (i32.const 8))))))
            (br_if $general (i32.or (i32.lt_s (local.get $t) (i32.const 1)) (i32.gt_s (local.get $t) (local.get $c))))
            (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
            (i32.store (local.get $sp) (i32.load offset=4 (i32.add (local.get $a) (i32.shl (local.get $t) (i32.const 2)))))
            (br $next))
          (block $general
            (br_if $general (i32.eqz (i32.and (i32.eq (local.get $b) (i32.const 61)) (i32.eq (local.get $nargs) (i32.const 2)))))
            (local.set $a (i32.load (i32.sub (local.get $sp) (i32.const 8))))
            (br_if $general (i32.and (local.get $a) (i32.const 3)))
            ;; format 2, not immutable (bit 23 of the first header word)
            (br_if $general (i32.ne (i32.and (i32.load offset=0 (local.get $a)) (i32.const 0x1F800000)) (i32.const 0x02000000)))
            (local.set $t (i32.load (i32.sub (local.get $sp) (i32.const 4))))
            (br_if $general (i32.eqz (i32.and (local.get $t) (i32.const 1))))
            (local.set $t (i32.shr_s (local.get $t) (i32.const 1)))
            (local.set $c (i32.load8_u offset=7 (local.get $a)))
            (if (i32.eq (local.get $c) (i32.const 255)) (then (local.set $c (i32.load (i32.sub (local.get $a) (i32.const 8))))))
            (br_if $general (i32.or (i32.lt_s (local.get $t) (i32.const 1)) (i32.gt_s (local.get $t) (local.get $c))))
            (i32.store offset=4 (i32.add (local.get $a) (i32.shl (local.get $t) (i32.const 2))) (i32.load (local.get $sp)))
            (i32.store (i32.sub (local.get $sp) (i32.const 8)) (i32.load (local.get $sp)))
            (local.set $sp (i32.sub (local.get $sp) (i32.const 8)))
            (br $next))
          (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip)) (global.set $tbSaved (local.get $tb))
          (local.set $k (call $prim_dispatch (local.get $b) (local.get $nargs)))
          (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
          (br_if $next (local.get $k))
          ;; the primitive failed: activate the method's Smalltalk code after the callPrimitive
          ;; (the activation below counts the send once more: take it back)
          (global.set $statSends (i64.sub (global.get $statSends) (i64.const 1)))
          (local.set $x (i64.add (local.get $x) (i64.const 3)))))
      (br_if $slow_send (i32.load offset=8 (local.get $e)))   ;; translated: call it there
      (br_if $slow_send (i32.atomic.load offset=24 (global.get $jitCells)))   ;; the host interrupts
      ;; count the activation; crossing the hot threshold is the slow path's business
      (local.set $c (i32.add (i32.load offset=4 (local.get $e)) (i32.const 1)))
      (br_if $slow_send (i32.and (i32.ge_u (local.get $c) (i32.load offset=80 (global.get $jitCells)))
                                 (i32.eqz (i32.load offset=12 (local.get $e)))))
      ;; the frame at fp' = sp + 4 needs stack room for its temps and 80 stack slots
      (local.set $t (i32.and (i32.shr_u (local.get $h) (i32.const 19)) (i32.const 63)))   ;; numTemps
      (br_if $slow_send (i32.gt_u (i32.add (local.get $sp) (i32.shl (i32.add (local.get $t) (i32.const 81)) (i32.const 2)))
                                  (global.get $stackLimit)))
      (i32.store offset=4 (local.get $e) (local.get $c))
      (local.set $e (i32.add (local.get $sp) (i32.const 4)))
      (i64.store offset=64 (global.get $jitCells) (i64.add (i64.load offset=64 (global.get $jitCells)) (i64.const 1)))
      ;; the caller's FRAME_IP and FRAME_SP (it is not the running frame any more)
      (i32.store offset=8 (local.get $fp)
                 (i32.sub (i32.sub (local.get $ip) (i32.load offset=4 (local.get $fp))) (i32.const 7)))
      (i32.store offset=12 (local.get $fp) (local.get $sp))
      (i32.store (local.get $e) (local.get $fp))
      (i32.store offset=4 (local.get $e) (local.get $m))
      (i64.store offset=16 (local.get $e) (i64.const 0))   ;; FRAME_CONTEXT, FRAME_CLOSURE
      (i32.store offset=24 (local.get $e) (local.get $nargs))
      ;; receiver and arguments, copied from the caller's stack
      (local.set $b (i32.sub (local.get $sp) (i32.shl (local.get $nargs) (i32.const 2))))
      (i32.store offset=28 (local.get $e) (i32.load (local.get $b)))
      (local.set $a (i32.add (local.get $e) (i32.const 32)))
      (block $copied
        (loop $copy
          (br_if $copied (i32.ge_u (local.get $b) (local.get $sp)))
          (local.set $b (i32.add (local.get $b) (i32.const 4)))
          (i32.store (local.get $a) (i32.load (local.get $b)))
          (local.set $a (i32.add (local.get $a) (i32.const 4)))
          (br $copy)))
      ;; temporaries (after the arguments) start as nil
      (local.set $sp (i32.add (i32.add (local.get $e) (i32.const 28)) (i32.shl (local.get $t) (i32.const 2))))
      (block $filled
        (loop $fill
          (br_if $filled (i32.gt_u (local.get $a) (local.get $sp)))
          (i32.store (local.get $a) (global.get $nil))
          (local.set $a (i32.add (local.get $a) (i32.const 4)))
          (br $fill)))
      (local.set $fp (local.get $e))
      (local.set $tb (local.get $e))
      (local.set $ip (i32.wrap_i64 (local.get $x)))
      (br $next))
    (global.set $fp (local.get $fp)) (global.set $sp (local.get $sp)) (global.set $ip (local.get $ip))
    (call $interrupt_check)
    ;; a send of a literal selector (208-255) leaves the selector for here: the fast path needs none
    (if (i32.eq (local.get $sel) (i32.const -1))
      (then (local.set $sel (i32.load offset=12 (i32.add (i32.load offset=4 (global.get $fp))
                                                        (i32.shl (i32.and (i32.load8_u (local.get $sendIp)) (i32.const 15)) (i32.const 2)))))))
    (if (i32.eqz (local.get $sel))
      (then (call $halt (i32.const 5) (i32.const 0) (i32.const 0)) (return (i32.const 0))))
    (if (call $send (local.get $sel) (local.get $nargs) (local.get $super)
                    (i32.sub (i32.sub (local.get $sendIp) (i32.load offset=4 (global.get $fp))) (i32.const 7)))
      (then (return (call $loop_exit_value))))
    (call $reload_tb) (local.set $fp (global.get $fp)) (local.set $sp (global.get $sp)) (local.set $ip (global.get $ip)) (local.set $tb (global.get $tbSaved))
    (br $next))
  (unreachable))

;; When a helper tells the loop to stop: the value to answer (0 on halt or unwinding, else the
;; base frame's result now at the stack top).
(func $loop_exit_value (result i32)
  (if (result i32) (i32.or (global.get $haltCode) (global.get $unwinding))
    (then (i32.const 0))
    (else (i32.load (global.get $sp)))))

;; (block frame) -> the frame of the block's home method if it is still live, else 0.
(func $home_frame (param $fp i32) (result i32)
  (local $ctx i32) (local $c i32)
  (local.set $c (i32.load offset=20 (local.get $fp)))
  (if (i32.and (i32.load offset=24 (local.get $fp)) (global.get $FLAG_BCTX))   ;; a BlockContext's home
    (then (return (call $ctx_frame (i32.load offset=28 (local.get $c))))))
  (local.set $ctx (i32.load offset=8 (local.get $c)))   ;; outerContext
  (block $found
    (loop $out
      (local.set $c (call $ctx_fetch (local.get $ctx) (i32.const 4)))   ;; closureOrNil
      (br_if $found (i32.or (i32.eq (local.get $c) (global.get $nil)) (i32.eqz (local.get $c))))
      (local.set $ctx (i32.load offset=8 (local.get $c)))
      (br $out)))
  (call $ctx_frame (local.get $ctx)))

;; (frame, temp base, byte) operand of the extended push/store bytecodes: 2 bits kind, 6 bits index
(func $ext_fetch (param $fp i32) (param $tb i32) (param $b i32) (result i32)
  (local $i i32) (local $kind i32)
  (local.set $i (i32.and (local.get $b) (i32.const 63)))
  (local.set $kind (i32.shr_u (local.get $b) (i32.const 6)))
  (if (i32.eqz (local.get $kind))
    (then (return (i32.load offset=8 (i32.add (i32.load offset=28 (local.get $fp)) (i32.shl (local.get $i) (i32.const 2)))))))
  (if (i32.eq (local.get $kind) (i32.const 1))
    (then (return (i32.load offset=32 (i32.add (local.get $tb) (i32.shl (local.get $i) (i32.const 2)))))))
  (if (i32.eq (local.get $kind) (i32.const 2))
    (then (return (call $mh_literal (i32.load offset=4 (local.get $fp)) (local.get $i)))))
  (i32.load offset=12 (call $mh_literal (i32.load offset=4 (local.get $fp)) (local.get $i))))

(func $ext_store (param $fp i32) (param $tb i32) (param $b i32) (param $v i32)
  (local $i i32) (local $kind i32)
  (local.set $i (i32.and (local.get $b) (i32.const 63)))
  (local.set $kind (i32.shr_u (local.get $b) (i32.const 6)))
  (if (i32.eqz (local.get $kind))
    (then (i32.store offset=8 (i32.add (i32.load offset=28 (local.get $fp)) (i32.shl (local.get $i) (i32.const 2))) (local.get $v))
          (return)))
  (if (i32.eq (local.get $kind) (i32.const 1))
    (then (i32.store offset=32 (i32.add (local.get $tb) (i32.shl (local.get $i) (i32.const 2))) (local.get $v))
          (return)))
  (i32.store offset=12 (call $mh_literal (i32.load offset=4 (local.get $fp)) (local.get $i)) (local.get $v)))


;; Float operands of the last $float_operands test
(global $floatA (mut f64) (f64.const 0))
(global $floatB (mut f64) (f64.const 0))

;; (a, b) -> 1 if both are numbers and at least one is a Float; their values in $floatA/B.
(func $float_operands (param $a i32) (param $b i32) (result i32)
  (local $fa i32) (local $fb i32)
  (local.set $fa (call $om_is_float (local.get $a)))
  (local.set $fb (call $om_is_float (local.get $b)))
  (if (i32.eqz (i32.or (local.get $fa) (local.get $fb))) (then (return (i32.const 0))))
  (if (local.get $fa)
    (then (global.set $floatA (call $om_float_value (local.get $a))))
    (else (if (i32.and (local.get $a) (i32.const 1))
            (then (global.set $floatA (f64.convert_i32_s (i32.shr_s (local.get $a) (i32.const 1)))))
            (else (return (i32.const 0))))))
  (if (local.get $fb)
    (then (global.set $floatB (call $om_float_value (local.get $b))))
    (else (if (i32.and (local.get $b) (i32.const 1))
            (then (global.set $floatB (f64.convert_i32_s (i32.shr_s (local.get $b) (i32.const 1)))))
            (else (return (i32.const 0))))))
  (i32.const 1))

;; (opcode 184-191, a, b untagged SmallIntegers) -> tagged result, or 0 to take the full send
(func $small_arith (param $op i32) (param $a i32) (param $b i32) (result i32)
  (local $x i64) (local $q i32)
  (block $slow
    (block $o7 (block $o6 (block $o5 (block $o4 (block $o3 (block $o2 (block $o1 (block $o0
      (br_table $o0 $o1 $o2 $o3 $o4 $o5 $o6 $o7 (i32.and (local.get $op) (i32.const 7))))
      ;; 184 *
      (local.set $x (i64.mul (i64.extend_i32_s (local.get $a)) (i64.extend_i32_s (local.get $b))))
      (br_if $slow (i32.eqz (call $om_fits_small (local.get $x))))
      (return (i32.or (i32.shl (i32.wrap_i64 (local.get $x)) (i32.const 1)) (i32.const 1))))
      ;; 185 / (exact only)
      (br_if $slow (i32.eqz (local.get $b)))
      (br_if $slow (i32.rem_s (local.get $a) (local.get $b)))
      (local.set $x (i64.div_s (i64.extend_i32_s (local.get $a)) (i64.extend_i32_s (local.get $b))))
      (br_if $slow (i32.eqz (call $om_fits_small (local.get $x))))
      (return (i32.or (i32.shl (i32.wrap_i64 (local.get $x)) (i32.const 1)) (i32.const 1))))
      ;; 186 \\ (modulo, sign of the divisor)
      (br_if $slow (i32.eqz (local.get $b)))
      (local.set $q (i32.rem_s (local.get $a) (local.get $b)))
      (if (i32.and (i32.ne (local.get $q) (i32.const 0))
                   (i32.lt_s (i32.xor (local.get $q) (local.get $b)) (i32.const 0)))
        (then (local.set $q (i32.add (local.get $q) (local.get $b)))))
      (return (i32.or (i32.shl (local.get $q) (i32.const 1)) (i32.const 1))))
      ;; 187 @
      (br $slow))
      ;; 188 bitShift:
      (br_if $slow (i32.gt_s (local.get $b) (i32.const 31)))
      (br_if $slow (i32.lt_s (local.get $b) (i32.const -31)))
      (local.set $x (if (result i64) (i32.ge_s (local.get $b) (i32.const 0))
                      (then (i64.shl (i64.extend_i32_s (local.get $a)) (i64.extend_i32_s (local.get $b))))
                      (else (i64.shr_s (i64.extend_i32_s (local.get $a)) (i64.extend_i32_s (i32.sub (i32.const 0) (local.get $b)))))))
      (br_if $slow (i32.eqz (call $om_fits_small (local.get $x))))
      (return (i32.or (i32.shl (i32.wrap_i64 (local.get $x)) (i32.const 1)) (i32.const 1))))
      ;; 189 // (floor division)
      (br_if $slow (i32.eqz (local.get $b)))
      (local.set $x (call $floor_div (i64.extend_i32_s (local.get $a)) (i64.extend_i32_s (local.get $b))))
      (br_if $slow (i32.eqz (call $om_fits_small (local.get $x))))
      (return (i32.or (i32.shl (i32.wrap_i64 (local.get $x)) (i32.const 1)) (i32.const 1))))
      ;; 190 bitAnd:
      (return (i32.or (i32.shl (i32.and (local.get $a) (local.get $b)) (i32.const 1)) (i32.const 1))))
    ;; 191 bitOr:
    (return (i32.or (i32.shl (i32.or (local.get $a) (local.get $b)) (i32.const 1)) (i32.const 1))))
  (i32.const 0))

;; floor division (toward negative infinity), b != 0
(func $floor_div (param $a i64) (param $b i64) (result i64)
  (local $q i64)
  (local.set $q (i64.div_s (local.get $a) (local.get $b)))
  (if (i32.and (i64.ne (i64.rem_s (local.get $a) (local.get $b)) (i64.const 0))
               (i64.lt_s (i64.xor (local.get $a) (local.get $b)) (i64.const 0)))
    (then (local.set $q (i64.sub (local.get $q) (i64.const 1)))))
  (local.get $q))

;; (frame, descriptor byte (numCopied << 4 | numArgs), startpc) -> a BlockClosure whose copied
;; values are the top numCopied stack values (still on the stack: the caller pops them).
(func $make_closure (param $fp i32) (param $desc i32) (param $startpc i32) (result i32)
  (local $ctx i32) (local $ncopied i32) (local $c i32)
  (local.set $ncopied (i32.shr_u (local.get $desc) (i32.const 4)))
  (local.set $ctx (call $ctx_of_frame (local.get $fp)))
  (if (i32.eqz (local.get $ctx)) (then (return (i32.const 0))))
  (i32.store offset=4 (global.get $vmRoots) (local.get $ctx))
  ;; format 3 with 3 named slots whatever the class says (the headless image declares its
  ;; BlockClosure class with fixed slots only, and its VM adds the copied values anyway)
  (local.set $c (call $om_alloc (call $om_ensure_class_index (call $special (i32.const 36)))
                      (i32.const 3) (i32.add (local.get $ncopied) (i32.const 3))))
  (if (i32.eqz (local.get $c)) (then (return (i32.const 0))))
  (i32.store offset=8 (local.get $c) (local.get $ctx))
  (i32.store offset=12 (local.get $c) (i32.or (i32.shl (local.get $startpc) (i32.const 1)) (i32.const 1)))
  (i32.store offset=16 (local.get $c) (i32.or (i32.shl (i32.and (local.get $desc) (i32.const 15)) (i32.const 1)) (i32.const 1)))
  (memory.copy (i32.add (local.get $c) (i32.const 20))
               (i32.sub (i32.add (global.get $sp) (i32.const 4)) (i32.shl (local.get $ncopied) (i32.const 2)))
               (i32.shl (local.get $ncopied) (i32.const 2)))
  (local.get $c))

;; (special selector index 0-9, a, b) -> the result of + - < > <= >= = ~= * / on two numbers of
;; which at least one is a Float, computed as the interpreter's fast path does; 0 when the full
;; send is needed (not Floats, division by zero, out of memory). Translated code calls it after
;; writing its stack back (the boxed result may need a collection).
;; (fp, x) -> a new boxed Float for translated code's inline Float arithmetic (fp's frame is
;; written back: the allocation may collect); 0 when the heap is full (the caller then takes the
;; full send, which reports it).
(func $box_float (export "box_float") (param $fp i32) (param $x f64) (result i32)
  (global.set $fp (local.get $fp))
  (global.set $sp (i32.load offset=12 (local.get $fp)))   ;; the GC scans fp's frame up to its top
  (call $om_float (local.get $x)))

(func $float_special (export "float_special") (param $fp i32) (param $op i32) (param $a i32) (param $b i32) (result i32)
  (local $x f64) (local $y f64)
  (global.set $fp (local.get $fp))    ;; the boxed result may make the GC run: fp's frame is a root
  (global.set $sp (i32.load offset=12 (local.get $fp)))   ;; up to its top, as written back
  (if (i32.eqz (call $float_operands (local.get $a) (local.get $b))) (then (return (i32.const 0))))
  (local.set $x (global.get $floatA))
  (local.set $y (global.get $floatB))
  (block $arith
    (block $c9 (block $c8 (block $c7 (block $c6 (block $c5 (block $c4 (block $c3 (block $c2 (block $c1 (block $c0
      (br_table $c0 $c1 $c2 $c3 $c4 $c5 $c6 $c7 $c8 $c9 (local.get $op)))
      (return (call $om_float (f64.add (local.get $x) (local.get $y)))))
      (return (call $om_float (f64.sub (local.get $x) (local.get $y)))))
      (return (select (global.get $true) (global.get $false) (f64.lt (local.get $x) (local.get $y)))))
      (return (select (global.get $true) (global.get $false) (f64.gt (local.get $x) (local.get $y)))))
      (return (select (global.get $true) (global.get $false) (f64.le (local.get $x) (local.get $y)))))
      (return (select (global.get $true) (global.get $false) (f64.ge (local.get $x) (local.get $y)))))
      (return (select (global.get $true) (global.get $false) (f64.eq (local.get $x) (local.get $y)))))
      (return (select (global.get $true) (global.get $false) (f64.ne (local.get $x) (local.get $y)))))
      (return (call $om_float (f64.mul (local.get $x) (local.get $y)))))
    (if (f64.eq (local.get $y) (f64.const 0)) (then (return (i32.const 0))))
    (return (call $om_float (f64.div (local.get $x) (local.get $y)))))
  (i32.const 0))
