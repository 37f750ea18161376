;; 52_prims_objects.wat: the object-memory primitives beyond 50_prims.wat and
;; 51_prims_indexing.wat (Squeak's numbering): 68/69 CompiledMethod literals, 113 quit,
;; 121 imageName, 132 objectPointsTo:, 138/139 someObject/nextObject, 145 constantFill:,
;; 256-519 the quick primitives; the argument count each numbered primitive expects; and the
;; `prim_call` hook tests use to run a primitive on a frame they built themselves.

;; (prim) -> the argument count the primitive takes, or -1 when it takes several (or is not
;; OM's). $prim_dispatch fails a primitive called with another count, so a method declared with
;; the wrong primitive number fails into its Smalltalk code instead of reading past the stack.
(func $prim_expected_args (param $prim i32) (result i32)
  (if (i32.le_u (local.get $prim) (i32.const 18)) (then (return (i32.const 1))))
  (if (i32.and (i32.ge_u (local.get $prim) (i32.const 21)) (i32.le_u (local.get $prim) (i32.const 37)))
    (then (return (i32.const 1))))
  (if (i32.eq (local.get $prim) (i32.const 38)) (then (return (i32.const 1))))
  (if (i32.eq (local.get $prim) (i32.const 39)) (then (return (i32.const 2))))
  (if (i32.eq (local.get $prim) (i32.const 40)) (then (return (i32.const 0))))
  (if (i32.and (i32.ge_u (local.get $prim) (i32.const 41)) (i32.le_u (local.get $prim) (i32.const 50)))
    (then (return (i32.const 1))))
  (if (i32.eq (local.get $prim) (i32.const 54)) (then (return (i32.const 1))))
  (if (i32.and (i32.ge_u (local.get $prim) (i32.const 51)) (i32.le_u (local.get $prim) (i32.const 59)))
    (then (return (i32.const 0))))
  (if (i32.or (i32.eq (local.get $prim) (i32.const 60)) (i32.eq (local.get $prim) (i32.const 63)))
    (then (return (i32.const 1))))
  (if (i32.or (i32.eq (local.get $prim) (i32.const 61)) (i32.eq (local.get $prim) (i32.const 64)))
    (then (return (i32.const 2))))
  (if (i32.eq (local.get $prim) (i32.const 62)) (then (return (i32.const 0))))
  (if (i32.eq (local.get $prim) (i32.const 68)) (then (return (i32.const 1))))
  (if (i32.eq (local.get $prim) (i32.const 69)) (then (return (i32.const 2))))
  (if (i32.eq (local.get $prim) (i32.const 70)) (then (return (i32.const 0))))
  (if (i32.eq (local.get $prim) (i32.const 71)) (then (return (i32.const 1))))
  (if (i32.or (i32.eq (local.get $prim) (i32.const 73)) (i32.eq (local.get $prim) (i32.const 173)))
    (then (return (i32.const 1))))
  (if (i32.or (i32.eq (local.get $prim) (i32.const 74)) (i32.eq (local.get $prim) (i32.const 174)))
    (then (return (i32.const 2))))
  (if (i32.or (i32.eq (local.get $prim) (i32.const 75)) (i32.eq (local.get $prim) (i32.const 175)))
    (then (return (i32.const 0))))
  (if (i32.eq (local.get $prim) (i32.const 105)) (then (return (i32.const 4))))
  (if (i32.or (i32.eq (local.get $prim) (i32.const 110)) (i32.eq (local.get $prim) (i32.const 169)))
    (then (return (i32.const 1))))
  (if (i32.eq (local.get $prim) (i32.const 132)) (then (return (i32.const 1))))
  (if (i32.eq (local.get $prim) (i32.const 145)) (then (return (i32.const 1))))
  (if (i32.or (i32.eq (local.get $prim) (i32.const 9001))
              (i32.or (i32.eq (local.get $prim) (i32.const 9003)) (i32.eq (local.get $prim) (i32.const 9006))))
    (then (return (i32.const 1))))
  ;; 111 (class, or objectClass: with one argument) and 170 (SmallInteger asCharacter or
  ;; Character class value:) take 0 or 1; the unary rest take 0
  (if (i32.or (i32.eq (local.get $prim) (i32.const 111)) (i32.eq (local.get $prim) (i32.const 170)))
    (then (return (i32.const -1))))
  (if (i32.or (i32.or (i32.eq (local.get $prim) (i32.const 112)) (i32.eq (local.get $prim) (i32.const 113)))
              (i32.or (i32.eq (local.get $prim) (i32.const 121)) (i32.eq (local.get $prim) (i32.const 129))))
    (then (return (i32.const 0))))
  (if (i32.or (i32.or (i32.eq (local.get $prim) (i32.const 130)) (i32.eq (local.get $prim) (i32.const 131)))
              (i32.or (i32.eq (local.get $prim) (i32.const 135)) (i32.eq (local.get $prim) (i32.const 137))))
    (then (return (i32.const 0))))
  (if (i32.or (i32.or (i32.eq (local.get $prim) (i32.const 138)) (i32.eq (local.get $prim) (i32.const 139)))
              (i32.or (i32.eq (local.get $prim) (i32.const 148)) (i32.eq (local.get $prim) (i32.const 171))))
    (then (return (i32.const 0))))
  (if (i32.or (i32.or (i32.eq (local.get $prim) (i32.const 240)) (i32.eq (local.get $prim) (i32.const 241)))
              (i32.or (i32.eq (local.get $prim) (i32.const 9004)) (i32.eq (local.get $prim) (i32.const 9005))))
    (then (return (i32.const 0))))
  (i32.const -1))

;; (tagged value) -> the unsigned 32-bit word it stands for, with $intFail set when it is not an
;; Integer in 0 .. 2^32-1 (SmallInteger or LargePositiveInteger).
(func $prim_word_value (param $v i32) (result i32)
  (local $n i64)
  (global.set $intFail (i32.const 0))
  (local.set $n (call $om_int_value (local.get $v)))
  (if (i32.or (i64.lt_s (local.get $n) (i64.const 0)) (i64.gt_s (local.get $n) (i64.const 0xFFFFFFFF)))
    (then (global.set $intFail (i32.const 1))))
  (i32.wrap_i64 (local.get $n)))

;; 68 objectAt: / 69 objectAt:put: on a CompiledMethod: index 1 is the header, 2 .. numLiterals+1
;; the literals. 69 refuses to replace the header with anything but a SmallInteger, since the
;; interpreter decodes it.
(func $prim_object_at (param $prim i32) (param $nargs i32) (result i32)
  (local $m i32) (local $i i32) (local $addr i32) (local $v i32)
  (local.set $m (call $prim_arg (local.get $nargs) (i32.const 0)))
  (local.set $i (call $prim_arg (local.get $nargs) (i32.const 1)))
  (if (i32.and (local.get $m) (i32.const 3)) (then (return (i32.const 0))))
  (if (i32.lt_u (call $om_format (local.get $m)) (i32.const 24)) (then (return (i32.const 0))))
  (if (i32.eqz (i32.and (local.get $i) (i32.const 1))) (then (return (i32.const 0))))
  (local.set $i (i32.shr_s (local.get $i) (i32.const 1)))
  (if (i32.or (i32.lt_s (local.get $i) (i32.const 1))
              (i32.gt_s (local.get $i)
                        (i32.add (i32.and (i32.shr_s (i32.load offset=8 (local.get $m)) (i32.const 1))
                                          (i32.const 0x7FFF))
                                 (i32.const 1))))
    (then (return (i32.const 0))))
  (local.set $addr (i32.add (local.get $m) (i32.add (i32.const 4) (i32.shl (local.get $i) (i32.const 2)))))
  (if (i32.eq (local.get $prim) (i32.const 68))
    (then (return (call $prim_answer (i32.const 1) (i32.load (local.get $addr))))))
  (local.set $v (call $prim_arg (i32.const 2) (i32.const 2)))
  (if (i32.and (i32.eq (local.get $i) (i32.const 1)) (i32.eqz (i32.and (local.get $v) (i32.const 1))))
    (then (return (i32.const 0))))
  (i32.store (local.get $addr) (local.get $v))
  (call $prim_answer (i32.const 2) (local.get $v)))

;; 132 objectPointsTo: -> true when one of the receiver's oop slots (a CompiledMethod's header
;; and literals) is the argument, false otherwise (also for immediates and non-pointer objects).
(func $prim_points_to (param $nargs i32) (result i32)
  (local $r i32) (local $x i32) (local $p i32) (local $end i32) (local $fmt i32) (local $n i32)
  (local.set $r (call $prim_arg (i32.const 1) (i32.const 0)))
  (local.set $x (call $prim_arg (i32.const 1) (i32.const 1)))
  (if (i32.and (local.get $r) (i32.const 3)) (then (return (call $prim_bool (i32.const 1) (i32.const 0)))))
  (local.set $fmt (call $om_format (local.get $r)))
  (if (i32.lt_u (local.get $fmt) (i32.const 6))
    (then (local.set $n (call $om_num_slots (local.get $r))))
    (else (if (i32.ge_u (local.get $fmt) (i32.const 24))
            (then (local.set $n (i32.add (i32.and (i32.shr_s (i32.load offset=8 (local.get $r)) (i32.const 1))
                                                  (i32.const 0x7FFF)) (i32.const 1)))))))
  (local.set $p (i32.add (local.get $r) (i32.const 8)))
  (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
  (block $done
    (loop $each
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (if (i32.eq (i32.load (local.get $p)) (local.get $x))
        (then (return (call $prim_bool (i32.const 1) (i32.const 1)))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $each)))
  (call $prim_bool (i32.const 1) (i32.const 0)))

;; (chunk address) -> the oop of the first object at or after it, skipping free chunks; 0 at
;; the end of the heap.
(func $om_object_from (param $c i32) (result i32)
  (local $oop i32)
  (block $end
    (loop $walk
      (br_if $end (i32.ge_u (local.get $c) (global.get $heapEnd)))
      (local.set $oop (call $gc_oop_at (local.get $c)))
      (if (i32.and (i32.load (local.get $oop)) (i32.const 0x3FFFFF)) (then (return (local.get $oop))))
      (local.set $c (i32.add (local.get $c) (call $gc_chunk_size (local.get $c))))
      (br $walk)))
  (i32.const 0))

;; (oop) -> the next object in the heap after it (address order), or 0 after the last.
(func $om_next_object (export "next_object") (param $oop i32) (result i32)
  (local $c i32)
  ;; the chunk starts 8 bytes earlier when the object has a prefix
  (local.set $c (select (i32.sub (local.get $oop) (i32.const 8)) (local.get $oop)
                        (i32.eq (i32.load8_u (i32.add (local.get $oop) (i32.const 7))) (i32.const 255))))
  (call $om_object_from (i32.add (local.get $c) (call $gc_chunk_size (local.get $c)))))

;; 145 constantFill: -- store the argument into every indexable element: any value into
;; pointer objects, Integers 0-255 (or Characters below 256) into bytes, 0 .. 2^32-1 into words.
(func $prim_constant_fill (param $nargs i32) (result i32)
  (local $r i32) (local $v i32) (local $fmt i32) (local $n i32) (local $first i32) (local $w i32)
  (local.set $r (call $prim_arg (i32.const 1) (i32.const 0)))
  (local.set $v (call $prim_arg (i32.const 1) (i32.const 1)))
  (if (i32.and (local.get $r) (i32.const 3)) (then (return (i32.const 0))))
  (local.set $fmt (call $om_format (local.get $r)))
  (local.set $n (call $om_indexable_size (local.get $r)))
  (if (i32.and (i32.ge_u (local.get $fmt) (i32.const 2)) (i32.le_u (local.get $fmt) (i32.const 4)))
    (then
      (local.set $first (i32.add (local.get $r)
                                 (i32.add (i32.const 8)
                                          (i32.shl (call $om_fixed_size (call $om_class_of (local.get $r)))
                                                   (i32.const 2)))))
      (call $om_fill_words (local.get $first) (local.get $n) (local.get $v))
      (return (call $prim_answer (i32.const 1) (local.get $r)))))
  (if (i32.eq (local.get $fmt) (i32.const 10))
    (then
      (local.set $w (call $prim_word_value (local.get $v)))
      (if (global.get $intFail) (then (return (i32.const 0))))
      (call $om_fill_words (i32.add (local.get $r) (i32.const 8)) (local.get $n) (local.get $w))
      (return (call $prim_answer (i32.const 1) (local.get $r)))))
  (if (i32.and (i32.ge_u (local.get $fmt) (i32.const 16)) (i32.lt_u (local.get $fmt) (i32.const 24)))
    (then
      (if (i32.eq (i32.and (local.get $v) (i32.const 3)) (i32.const 2))
        (then (local.set $w (i32.shr_u (local.get $v) (i32.const 2))))
        (else (if (i32.and (local.get $v) (i32.const 1))
                (then (local.set $w (i32.shr_s (local.get $v) (i32.const 1))))
                (else (return (i32.const 0))))))
      (if (i32.gt_u (local.get $w) (i32.const 255)) (then (return (i32.const 0))))
      (memory.fill (i32.add (local.get $r) (i32.const 8)) (local.get $w) (local.get $n))
      (return (call $prim_answer (i32.const 1) (local.get $r)))))
  (i32.const 0))

;; (address, count, word) store word into count consecutive 32-bit words from address.
(func $om_fill_words (param $p i32) (param $n i32) (param $w i32)
  (block $done
    (loop $fill
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (i32.store (local.get $p) (local.get $w))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $fill))))

;; The numbered primitives of this file; called by $prim_dispatch for the numbers it does not
;; handle itself. Same contract: 1 and the stack popped/pushed on success, 0 and the stack
;; untouched on failure; unknown numbers fail.
(func $prim_dispatch_objects (param $prim i32) (param $nargs i32) (result i32)
  (local $r i32)
  (local.set $r (call $prim_arg (local.get $nargs) (i32.const 0)))
  (if (i32.or (i32.eq (local.get $prim) (i32.const 68)) (i32.eq (local.get $prim) (i32.const 69)))
    (then (return (call $prim_object_at (local.get $prim) (local.get $nargs)))))
  ;; 113 quit: the interpreter handles it before dispatching; here for callers like prim_call.
  ;; Tell the host, then stop the run with halt code 2.
  (if (i32.eq (local.get $prim) (i32.const 113))
    (then (call $host_quit (i32.const 0))
          (global.set $haltCode (i32.const 2))
          (return (call $prim_answer (local.get $nargs) (local.get $r)))))
  ;; 121 imageName: Catalyst has no image file name; fail so the kernel answers its own.
  (if (i32.eq (local.get $prim) (i32.const 121)) (then (return (i32.const 0))))
  (if (i32.eq (local.get $prim) (i32.const 132)) (then (return (call $prim_points_to (local.get $nargs)))))
  ;; 138 someObject: the first object of the heap; 139 nextObject: the next one, or
  ;; SmallInteger 0 after the last (as Squeak answers)
  (if (i32.eq (local.get $prim) (i32.const 138))
    (then (return (call $prim_answer (local.get $nargs) (call $om_object_from (global.get $heapStart))))))
  (if (i32.eq (local.get $prim) (i32.const 139))
    (then (if (i32.and (local.get $r) (i32.const 3)) (then (return (i32.const 0))))
          (local.set $r (call $om_next_object (local.get $r)))
          (return (call $prim_answer (local.get $nargs) (select (local.get $r) (i32.const 1) (local.get $r))))))
  (if (i32.eq (local.get $prim) (i32.const 145)) (then (return (call $prim_constant_fill (local.get $nargs)))))
  (if (i32.and (i32.ge_u (local.get $prim) (i32.const 256)) (i32.le_u (local.get $prim) (i32.const 519)))
    (then (return (call $prim_quick (local.get $prim) (local.get $nargs)))))
  (i32.const 0))

;; 256-519 Squeak's quick primitives, for methods that only answer something simple: 256 self,
;; 257 true, 258 false, 259 nil, 260-263 the SmallIntegers -1, 0, 1, 2, 264-519 the receiver's
;; instance variable prim - 264 (0-based). The instance variable form fails for immediates,
;; non-pointer objects, indices past the slots and contexts (whose slots live in their frames
;; while married); the method's bytecodes then answer the same thing.
(func $prim_quick (param $prim i32) (param $nargs i32) (result i32)
  (local $r i32) (local $i i32)
  (local.set $r (call $prim_arg (local.get $nargs) (i32.const 0)))
  (if (i32.eq (local.get $prim) (i32.const 256)) (then (return (call $prim_answer (local.get $nargs) (local.get $r)))))
  (if (i32.eq (local.get $prim) (i32.const 257)) (then (return (call $prim_answer (local.get $nargs) (global.get $true)))))
  (if (i32.eq (local.get $prim) (i32.const 258)) (then (return (call $prim_answer (local.get $nargs) (global.get $false)))))
  (if (i32.eq (local.get $prim) (i32.const 259)) (then (return (call $prim_answer (local.get $nargs) (global.get $nil)))))
  (if (i32.le_u (local.get $prim) (i32.const 263))
    (then (return (call $prim_answer (local.get $nargs) (call $om_int (i32.sub (local.get $prim) (i32.const 261)))))))
  (local.set $i (i32.sub (local.get $prim) (i32.const 264)))
  (if (i32.eqz (call $om_is_pointers (local.get $r))) (then (return (i32.const 0))))
  (if (i32.ge_u (local.get $i) (call $om_num_slots (local.get $r))) (then (return (i32.const 0))))
  (if (i32.eq (call $om_class_of (local.get $r)) (call $special (i32.const 10))) (then (return (i32.const 0))))
  (call $prim_answer (local.get $nargs) (i32.load offset=8 (i32.add (local.get $r) (i32.shl (local.get $i) (i32.const 2))))))

;; Test hook: run primitive `index` on the frame at $fp with receiver and `argCount` arguments
;; ending at $sp (tests set both through the exported globals). Answers 1 on success (result
;; at the new $sp), 0 on failure (stack untouched).
(func $prim_call (export "prim_call") (param $prim i32) (param $nargs i32) (result i32)
  (call $prim_dispatch (local.get $prim) (local.get $nargs)))
