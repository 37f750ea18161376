;; 51_prims_indexing.wat: indexed access to objects of every format (Squeak's numbering):
;; 60 at:, 61 at:put:, 62 size, 63 stringAt:, 64 stringAt:put:, 38/39 a Float's words,
;; 73/74 instVarAt:(put:), 173/174 slotAt:(put:), 105 replaceFrom:to:with:startingAt:.
;;
;; Elements by format (ABI.md section 2): pointer objects index the slots after their named ones
;; and hold any oop; words (10) hold 0 .. 2^32-1, a Float's two words numbered most significant
;; first as Squeak does; 16-bit (12-15) hold 0 .. 65535; bytes (16-23) 0 .. 255. A
;; CompiledMethod's bytes are numbered from the start of its body, as in Squeak, so that index i
;; is pc i, `size` counts the header and literals too, and indices below the first bytecode
;; cannot be reached (the literals are oops, read them with 68 objectAt:). Stores take Integers,
;; or Characters whose code fits the element. Everything else fails into Smalltalk code.

(global $elemKind (mut i32) (i32.const 0))    ;; of the last $element_address: 0 pointer,
                                              ;; 1 word, 2 byte, 3 16-bit
(global $elemWidth (mut i32) (i32.const 0))   ;; its width in bytes

;; (oop, tagged index) -> address of indexable element `index` (1-based), its kind and width in
;; $elemKind / $elemWidth; 0 when the object is not indexable or the index is not in range.
(func $element_address (param $oop i32) (param $index i32) (result i32)
  (local $fmt i32)
  (if (i32.and (local.get $oop) (i32.const 3)) (then (return (i32.const 0))))
  (if (i32.eqz (i32.and (local.get $index) (i32.const 1))) (then (return (i32.const 0))))
  (local.set $index (i32.shr_s (local.get $index) (i32.const 1)))
  (if (i32.lt_s (local.get $index) (i32.const 1)) (then (return (i32.const 0))))
  (if (i32.gt_s (local.get $index) (call $om_indexable_size (local.get $oop))) (then (return (i32.const 0))))
  (local.set $fmt (call $om_format (local.get $oop)))
  (if (i32.and (i32.ge_u (local.get $fmt) (i32.const 2)) (i32.le_u (local.get $fmt) (i32.const 4)))
    (then (global.set $elemKind (i32.const 0)) (global.set $elemWidth (i32.const 4))
          (return (i32.add (i32.add (local.get $oop) (i32.const 4))
                           (i32.shl (i32.add (call $om_fixed_size (call $om_class_of (local.get $oop)))
                                             (local.get $index))
                                    (i32.const 2))))))
  (if (i32.eq (local.get $fmt) (i32.const 10))
    (then (global.set $elemKind (i32.const 1)) (global.set $elemWidth (i32.const 4))
          ;; the f64 is stored little-endian: its most significant word (index 1) is the second
          (if (call $om_is_float (local.get $oop))
            (then (local.set $index (i32.sub (i32.const 3) (local.get $index)))))
          (return (i32.add (i32.add (local.get $oop) (i32.const 4)) (i32.shl (local.get $index) (i32.const 2))))))
  (if (i32.and (i32.ge_u (local.get $fmt) (i32.const 12)) (i32.le_u (local.get $fmt) (i32.const 15)))
    (then (global.set $elemKind (i32.const 3)) (global.set $elemWidth (i32.const 2))
          (return (i32.add (i32.add (local.get $oop) (i32.const 6)) (i32.shl (local.get $index) (i32.const 1))))))
  (if (i32.lt_u (local.get $fmt) (i32.const 16)) (then (return (i32.const 0))))
  (if (i32.ge_u (local.get $fmt) (i32.const 24))
    (then (if (i32.le_u (local.get $index)
                        (i32.shl (i32.add (call $mh_num_literals (local.get $oop)) (i32.const 1)) (i32.const 2)))
            (then (return (i32.const 0))))))
  (global.set $elemKind (i32.const 2)) (global.set $elemWidth (i32.const 1))
  (i32.add (i32.add (local.get $oop) (i32.const 7)) (local.get $index)))

;; (address, kind, as a Character?) -> the element as an oop; 0 when it cannot be answered
;; (a LargeInteger that cannot be allocated, or a word too big for a Character).
(func $elem_load (param $addr i32) (param $kind i32) (param $char i32) (result i32)
  (local $v i32)
  (if (i32.eqz (local.get $kind)) (then (return (i32.load (local.get $addr)))))
  (local.set $v (if (result i32) (i32.eq (local.get $kind) (i32.const 1))
                  (then (i32.load (local.get $addr)))
                  (else (if (result i32) (i32.eq (local.get $kind) (i32.const 3))
                          (then (i32.load16_u (local.get $addr)))
                          (else (i32.load8_u (local.get $addr)))))))
  (if (local.get $char)
    (then (if (i32.gt_u (local.get $v) (i32.const 0x3FFFFFFF)) (then (return (i32.const 0))))
          (return (i32.or (i32.shl (local.get $v) (i32.const 2)) (i32.const 2)))))
  (call $om_int64 (i64.extend_i32_u (local.get $v))))

;; (address, kind, value) -> 1 when value was stored into the element, 0 when it does not fit.
(func $elem_store (param $addr i32) (param $kind i32) (param $value i32) (result i32)
  (local $w i32)
  (if (i32.eqz (local.get $kind)) (then (i32.store (local.get $addr) (local.get $value)) (return (i32.const 1))))
  (if (i32.eq (i32.and (local.get $value) (i32.const 3)) (i32.const 2))
    (then (local.set $w (i32.shr_u (local.get $value) (i32.const 2))))
    (else (local.set $w (call $prim_word_value (local.get $value)))
          (if (global.get $intFail) (then (return (i32.const 0))))))
  (if (i32.eq (local.get $kind) (i32.const 1)) (then (i32.store (local.get $addr) (local.get $w)) (return (i32.const 1))))
  (if (i32.eq (local.get $kind) (i32.const 3))
    (then (if (i32.gt_u (local.get $w) (i32.const 0xFFFF)) (then (return (i32.const 0))))
          (i32.store16 (local.get $addr) (local.get $w))
          (return (i32.const 1))))
  (if (i32.gt_u (local.get $w) (i32.const 0xFF)) (then (return (i32.const 0))))
  (i32.store8 (local.get $addr) (local.get $w))
  (i32.const 1))

;; (oop, tagged index) -> address of slot `index` for 73/74 (named instance variables only,
;; as Squeak) or, with all = 1, for 173/174 (named then indexable: every slot of a pointer
;; object, the elements of others; not CompiledMethods, whose slots mix oops and bytes).
;; Contexts are read through their frames by the control primitives, never here.
(func $slot_address (param $oop i32) (param $index i32) (param $all i32) (result i32)
  (local $n i32)
  (if (i32.and (local.get $oop) (i32.const 3)) (then (return (i32.const 0))))
  (if (i32.eqz (i32.and (local.get $index) (i32.const 1))) (then (return (i32.const 0))))
  (if (i32.eq (call $om_class_of (local.get $oop)) (call $special (i32.const 10))) (then (return (i32.const 0))))
  (if (i32.eqz (call $om_is_pointers (local.get $oop)))
    (then (if (i32.or (i32.eqz (local.get $all)) (i32.ge_u (call $om_format (local.get $oop)) (i32.const 24)))
            (then (return (i32.const 0))))
          (return (call $element_address (local.get $oop) (local.get $index)))))
  (local.set $n (call $om_num_slots (local.get $oop)))
  (if (i32.eqz (local.get $all))
    (then (local.set $n (select (local.get $n) (call $om_fixed_size (call $om_class_of (local.get $oop)))
                                (i32.lt_u (local.get $n) (call $om_fixed_size (call $om_class_of (local.get $oop))))))))
  (local.set $index (i32.shr_s (local.get $index) (i32.const 1)))
  (if (i32.or (i32.lt_s (local.get $index) (i32.const 1)) (i32.gt_s (local.get $index) (local.get $n)))
    (then (return (i32.const 0))))
  (global.set $elemKind (i32.const 0)) (global.set $elemWidth (i32.const 4))
  (i32.add (i32.add (local.get $oop) (i32.const 4)) (i32.shl (local.get $index) (i32.const 2))))

;; (prim, element address) answer the element for the reading primitives, or fail (address 0)
(func $prim_answer_element (param $prim i32) (param $addr i32) (result i32)
  (if (i32.eqz (local.get $addr)) (then (return (i32.const 0))))
  (call $prim_answer (i32.const 1) (call $elem_load (local.get $addr) (global.get $elemKind)
                                         (i32.eq (local.get $prim) (i32.const 63)))))

;; (element address) store the last argument there for the writing primitives, answer it
(func $prim_store_element (param $addr i32) (result i32)
  (if (i32.eqz (local.get $addr)) (then (return (i32.const 0))))
  (if (call $om_is_immutable (call $prim_arg (i32.const 2) (i32.const 0))) (then (return (i32.const 0))))
  (if (i32.eqz (call $elem_store (local.get $addr) (global.get $elemKind) (call $prim_arg (i32.const 2) (i32.const 2))))
    (then (return (i32.const 0))))
  (call $prim_answer (i32.const 2) (call $prim_arg (i32.const 2) (i32.const 2))))

;; 105 replaceFrom: start to: stop with: source startingAt: srcStart -- elements of the same
;; kind (bytes with bytes, a method's bytecodes count as bytes); overlapping ranges as memmove.
;; Floats fail (their word order differs from memory order); the Smalltalk code copies them.
(func $prim_replace (result i32)
  (local $dst i32) (local $start i32) (local $stop i32) (local $src i32) (local $srcStart i32)
  (local $d i32) (local $s i32) (local $n i32) (local $kind i32)
  (local.set $dst (call $prim_arg (i32.const 4) (i32.const 0)))
  (local.set $start (call $prim_arg (i32.const 4) (i32.const 1)))
  (local.set $stop (call $prim_arg (i32.const 4) (i32.const 2)))
  (local.set $src (call $prim_arg (i32.const 4) (i32.const 3)))
  (local.set $srcStart (call $prim_arg (i32.const 4) (i32.const 4)))
  (if (i32.eqz (i32.and (i32.and (local.get $start) (local.get $stop)) (i32.and (local.get $srcStart) (i32.const 1))))
    (then (return (i32.const 0))))
  (if (i32.or (call $om_is_float (local.get $dst)) (call $om_is_float (local.get $src))) (then (return (i32.const 0))))
  (if (call $om_is_immutable (local.get $dst)) (then (return (i32.const 0))))
  (local.set $n (i32.add (i32.sub (i32.shr_s (local.get $stop) (i32.const 1)) (i32.shr_s (local.get $start) (i32.const 1))) (i32.const 1)))
  (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (i32.const 0))))
  (if (i32.eqz (local.get $n)) (then (return (call $prim_answer (i32.const 4) (local.get $dst)))))
  (local.set $d (call $element_address (local.get $dst) (local.get $start)))
  (if (i32.eqz (local.get $d)) (then (return (i32.const 0))))
  (local.set $kind (global.get $elemKind))
  (if (i32.eqz (call $element_address (local.get $dst) (local.get $stop))) (then (return (i32.const 0))))
  (local.set $s (call $element_address (local.get $src) (local.get $srcStart)))
  (if (i32.or (i32.eqz (local.get $s)) (i32.ne (global.get $elemKind) (local.get $kind))) (then (return (i32.const 0))))
  (if (i32.eqz (call $element_address (local.get $src)
                     (i32.or (i32.shl (i32.sub (i32.add (i32.shr_s (local.get $srcStart) (i32.const 1)) (local.get $n)) (i32.const 1)) (i32.const 1)) (i32.const 1))))
    (then (return (i32.const 0))))
  (memory.copy (local.get $d) (local.get $s) (i32.mul (local.get $n) (global.get $elemWidth)))
  (call $prim_answer (i32.const 4) (local.get $dst)))

;; The primitives of this file (same contract as $prim_dispatch, which routes them here).
(func $prim_dispatch_indexing (param $prim i32) (param $nargs i32) (result i32)
  (local $r i32)
  (local.set $r (call $prim_arg (local.get $nargs) (i32.const 0)))
  (if (i32.eq (local.get $prim) (i32.const 62))
    (then (if (i32.and (local.get $r) (i32.const 3)) (then (return (i32.const 0))))
          (return (call $prim_answer (i32.const 0) (call $om_int (call $om_indexable_size (local.get $r)))))))
  ;; 38 / 39: Float>>basicAt:(put:), the words of a Float only
  (if (i32.and (i32.or (i32.eq (local.get $prim) (i32.const 38)) (i32.eq (local.get $prim) (i32.const 39)))
               (i32.eqz (call $om_is_float (local.get $r))))
    (then (return (i32.const 0))))
  (if (i32.or (i32.or (i32.eq (local.get $prim) (i32.const 60)) (i32.eq (local.get $prim) (i32.const 63)))
              (i32.eq (local.get $prim) (i32.const 38)))
    (then (return (call $prim_answer_element (local.get $prim)
                        (call $element_address (local.get $r) (call $prim_arg (i32.const 1) (i32.const 1)))))))
  (if (i32.or (i32.or (i32.eq (local.get $prim) (i32.const 61)) (i32.eq (local.get $prim) (i32.const 64)))
              (i32.eq (local.get $prim) (i32.const 39)))
    (then (return (call $prim_store_element
                        (call $element_address (local.get $r) (call $prim_arg (i32.const 2) (i32.const 1)))))))
  (if (i32.or (i32.eq (local.get $prim) (i32.const 73)) (i32.eq (local.get $prim) (i32.const 173)))
    (then (return (call $prim_answer_element (local.get $prim)
                        (call $slot_address (local.get $r) (call $prim_arg (i32.const 1) (i32.const 1))
                              (i32.eq (local.get $prim) (i32.const 173)))))))
  (if (i32.or (i32.eq (local.get $prim) (i32.const 74)) (i32.eq (local.get $prim) (i32.const 174)))
    (then (return (call $prim_store_element
                        (call $slot_address (local.get $r) (call $prim_arg (i32.const 2) (i32.const 1))
                              (i32.eq (local.get $prim) (i32.const 174)))))))
  (if (i32.eq (local.get $prim) (i32.const 105)) (then (return (call $prim_replace))))
  (i32.const 0))
