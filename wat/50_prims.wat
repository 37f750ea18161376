;; 50_prims.wat: numbered primitives that need no frame switching (Squeak's numbering).
;;
;; $prim_dispatch(index, argCount) -> 1 on success, 0 on failure. The receiver is at
;; $sp - 4*argCount with the arguments above it. On success the receiver and arguments are
;; replaced by the result ($prim_answer); on failure the stack is untouched so the method's
;; Smalltalk code runs. Unknown numbers fail.

;; (argCount, result) pop receiver and arguments, push result, succeed.
(func $prim_answer (param $nargs i32) (param $v i32) (result i32)
  (if (i32.eqz (local.get $v)) (then (return (i32.const 0))))   ;; allocation failed
  (global.set $sp (i32.sub (global.get $sp) (i32.shl (local.get $nargs) (i32.const 2))))
  (i32.store (global.get $sp) (local.get $v))
  (i32.const 1))

(func $prim_bool (param $nargs i32) (param $b i32) (result i32)
  (call $prim_answer (local.get $nargs) (select (global.get $true) (global.get $false) (local.get $b))))

;; argument n (0 = receiver) of the current primitive
(func $prim_arg (param $nargs i32) (param $n i32) (result i32)
  (i32.load (i32.add (i32.sub (global.get $sp) (i32.shl (local.get $nargs) (i32.const 2)))
                     (i32.shl (local.get $n) (i32.const 2)))))

;; seconds from 1901-01-01 (Squeak's epoch) to 1970-01-01 (the host's)
(global $squeakEpochSeconds i64 (i64.const 2177452800))

;; integer arguments (SmallIntegers or LargeIntegers of at most 63 bits) of primitives 1-17
(global $ia (mut i64) (i64.const 0))
(global $ib (mut i64) (i64.const 0))

(func $prim_int_operands (param $a i32) (param $b i32) (result i32)
  (global.set $intFail (i32.const 0))
  (global.set $ia (call $om_int_value (local.get $a)))
  (global.set $ib (call $om_int_value (local.get $b)))
  (i32.eqz (global.get $intFail)))

;; (value) -> 1 when a result of 63-bit arithmetic can be trusted (|v| < 2^62)
(func $safe62 (param $v i64) (result i32)
  (i32.and (i64.lt_s (local.get $v) (i64.const 0x4000000000000000))
           (i64.gt_s (local.get $v) (i64.const -0x4000000000000000))))

;; (small, value) answer an integer result: with small = 1 only a SmallInteger, failing on
;; overflow as Squeak's SmallInteger primitives do; with small = 0 a LargeInteger when needed.
;; $prim_dispatch passes 0 for 1-17 too: Catalyst's kernel computes LargeInteger arithmetic
;; (largeAdd: and friends) with SmallInteger sends that may overflow, and recurses without end
;; when 1-17 fail on overflow. Answering the exact LargeInteger is the same value, faster.
(func $prim_answer_int (param $small i32) (param $v i64) (result i32)
  (if (i32.and (local.get $small) (i32.eqz (call $om_fits_small (local.get $v))))
    (then (return (i32.const 0))))
  (call $prim_answer (i32.const 1) (call $om_int64 (local.get $v))))

;; (prim 1-17, argCount, small) the integer primitives. With small = 1 both operands must be
;; SmallIntegers and results must be (Squeak's 1-17); with small = 0 (21-37, called with
;; prim - 20) operands may be LargeIntegers below 2^62 in magnitude and results anything up to
;; that. Beyond, the primitive fails and the Smalltalk code computes the answer.
(func $prim_integer (param $prim i32) (param $nargs i32) (param $small i32) (result i32)
  (local $a i64) (local $b i64) (local $r i64) (local $q i64)
  (if (i32.ne (local.get $nargs) (i32.const 1)) (then (return (i32.const 0))))
  (if (i32.and (local.get $small)
               (i32.eqz (i32.and (i32.and (call $prim_arg (i32.const 1) (i32.const 0))
                                          (call $prim_arg (i32.const 1) (i32.const 1)))
                                 (i32.const 1))))
    (then (return (i32.const 0))))
  (if (i32.eqz (call $prim_int_operands (call $prim_arg (i32.const 1) (i32.const 0))
                                         (call $prim_arg (i32.const 1) (i32.const 1))))
    (then (return (i32.const 0))))
  (local.set $a (global.get $ia))
  (local.set $b (global.get $ib))
  (if (i32.eqz (i32.and (call $safe62 (local.get $a)) (call $safe62 (local.get $b)))) (then (return (i32.const 0))))
  (block $fail
    (block $p17 (block $p16 (block $p15 (block $p14 (block $p13 (block $p12 (block $p11 (block $p10
    (block $p9 (block $p8 (block $p7 (block $p6 (block $p5 (block $p4 (block $p3 (block $p2 (block $p1
      (br_table $p1 $p1 $p2 $p3 $p4 $p5 $p6 $p7 $p8 $p9 $p10 $p11 $p12 $p13 $p14 $p15 $p16 $p17 $fail
                (local.get $prim)))
      (return (call $prim_answer_int (local.get $small) (i64.add (local.get $a) (local.get $b)))))
      (return (call $prim_answer_int (local.get $small) (i64.sub (local.get $a) (local.get $b)))))
      (return (call $prim_bool (i32.const 1) (i64.lt_s (local.get $a) (local.get $b)))))
      (return (call $prim_bool (i32.const 1) (i64.gt_s (local.get $a) (local.get $b)))))
      (return (call $prim_bool (i32.const 1) (i64.le_s (local.get $a) (local.get $b)))))
      (return (call $prim_bool (i32.const 1) (i64.ge_s (local.get $a) (local.get $b)))))
      (return (call $prim_bool (i32.const 1) (i64.eq (local.get $a) (local.get $b)))))
      (return (call $prim_bool (i32.const 1) (i64.ne (local.get $a) (local.get $b)))))
      ;; 9 *: only when both fit 31 bits, so the product is exact in 63
      (br_if $fail (i32.eqz (i32.and (call $om_fits_small (local.get $a)) (call $om_fits_small (local.get $b)))))
      (return (call $prim_answer_int (local.get $small) (i64.mul (local.get $a) (local.get $b)))))
      ;; 10 / exact
      (br_if $fail (i64.eqz (local.get $b)))
      (br_if $fail (i64.ne (i64.rem_s (local.get $a) (local.get $b)) (i64.const 0)))
      (return (call $prim_answer_int (local.get $small) (i64.div_s (local.get $a) (local.get $b)))))
      ;; 11 \\ modulo (floored)
      (br_if $fail (i64.eqz (local.get $b)))
      (local.set $r (i64.sub (local.get $a) (i64.mul (call $floor_div (local.get $a) (local.get $b)) (local.get $b))))
      (return (call $prim_answer_int (local.get $small) (local.get $r))))
      ;; 12 // floored division
      (br_if $fail (i64.eqz (local.get $b)))
      (return (call $prim_answer_int (local.get $small) (call $floor_div (local.get $a) (local.get $b)))))
      ;; 13 quo: truncated division
      (br_if $fail (i64.eqz (local.get $b)))
      (return (call $prim_answer_int (local.get $small) (i64.div_s (local.get $a) (local.get $b)))))
      ;; 14 bitAnd:
      (return (call $prim_answer_int (local.get $small) (i64.and (local.get $a) (local.get $b)))))
      ;; 15 bitOr:
      (return (call $prim_answer_int (local.get $small) (i64.or (local.get $a) (local.get $b)))))
      ;; 16 bitXor:
      (return (call $prim_answer_int (local.get $small) (i64.xor (local.get $a) (local.get $b)))))
    ;; 17 bitShift:
    (if (i64.ge_s (local.get $b) (i64.const 0))
      (then
        (br_if $fail (i64.gt_s (local.get $b) (i64.const 61)))
        (local.set $r (i64.shl (local.get $a) (local.get $b)))
        (br_if $fail (i64.ne (i64.shr_s (local.get $r) (local.get $b)) (local.get $a)))
        (br_if $fail (i32.eqz (call $safe62 (local.get $r)))))
      (else
        (local.set $r (i64.shr_s (local.get $a)
                                 (select (i64.const 63) (i64.sub (i64.const 0) (local.get $b))
                                         (i64.lt_s (local.get $b) (i64.const -63)))))))
    (return (call $prim_answer_int (local.get $small) (local.get $r))))
  (i32.const 0))

;; Float primitives 40-59 (40: SmallInteger asFloat)
(func $prim_float (param $prim i32) (param $nargs i32) (result i32)
  (local $r i32) (local $a f64) (local $b f64) (local $bits i64) (local $e i32)
  (local.set $r (call $prim_arg (local.get $nargs) (i32.const 0)))
  (if (i32.eq (local.get $prim) (i32.const 40))
    (then (if (i32.eqz (i32.and (local.get $r) (i32.const 1))) (then (return (i32.const 0))))
          (return (call $prim_answer (local.get $nargs)
                        (call $om_float (f64.convert_i32_s (i32.shr_s (local.get $r) (i32.const 1))))))))
  (if (i32.eqz (call $om_is_float (local.get $r))) (then (return (i32.const 0))))
  (local.set $a (call $om_float_value (local.get $r)))
  (if (i32.le_u (local.get $prim) (i32.const 50))
    (then
      (if (i32.ne (local.get $nargs) (i32.const 1)) (then (return (i32.const 0))))
      (if (i32.eqz (call $float_operands (local.get $r) (call $prim_arg (i32.const 1) (i32.const 1))))
        (then (return (i32.const 0))))
      (local.set $b (global.get $floatB))
      (block $p50 (block $p49 (block $p48 (block $p47 (block $p46 (block $p45 (block $p44 (block $p43 (block $p42 (block $p41
        (br_table $p41 $p42 $p43 $p44 $p45 $p46 $p47 $p48 $p49 $p50 (i32.sub (local.get $prim) (i32.const 41))))
        (return (call $prim_answer (i32.const 1) (call $om_float (f64.add (local.get $a) (local.get $b))))))
        (return (call $prim_answer (i32.const 1) (call $om_float (f64.sub (local.get $a) (local.get $b))))))
        (return (call $prim_bool (i32.const 1) (f64.lt (local.get $a) (local.get $b)))))
        (return (call $prim_bool (i32.const 1) (f64.gt (local.get $a) (local.get $b)))))
        (return (call $prim_bool (i32.const 1) (f64.le (local.get $a) (local.get $b)))))
        (return (call $prim_bool (i32.const 1) (f64.ge (local.get $a) (local.get $b)))))
        (return (call $prim_bool (i32.const 1) (f64.eq (local.get $a) (local.get $b)))))
        (return (call $prim_bool (i32.const 1) (f64.ne (local.get $a) (local.get $b)))))
        (return (call $prim_answer (i32.const 1) (call $om_float (f64.mul (local.get $a) (local.get $b))))))
      (if (f64.eq (local.get $b) (f64.const 0)) (then (return (i32.const 0))))   ;; ZeroDivide in Smalltalk
      (return (call $prim_answer (i32.const 1) (call $om_float (f64.div (local.get $a) (local.get $b)))))))
  ;; 51 truncated
  (if (i32.eq (local.get $prim) (i32.const 51))
    (then (if (i32.eqz (f64.lt (f64.abs (local.get $a)) (f64.const 1073741824))) (then (return (i32.const 0))))
          (return (call $prim_answer (local.get $nargs) (call $om_int (i32.trunc_f64_s (local.get $a)))))))
  ;; 52 fractionPart, as C's modf: the sign of the receiver (-3.0 answers -0.0) and 0 for
  ;; infinities (inf - inf would be NaN)
  (if (i32.eq (local.get $prim) (i32.const 52))
    (then (return (call $prim_answer (local.get $nargs)
                        (call $om_float (f64.copysign
                                          (select (f64.const 0) (f64.sub (local.get $a) (f64.trunc (local.get $a)))
                                                  (f64.eq (f64.abs (local.get $a)) (f64.const inf)))
                                          (local.get $a)))))))
  ;; 53 exponent: e with |x| = 1.f * 2^e, subnormals included. Squeak's primitive answers C's
  ;; frexp exponent - 1, which is -1 for zero, infinities and NaN (frexp leaves 0 for them).
  (if (i32.eq (local.get $prim) (i32.const 53))
    (then
      (local.set $bits (i64.reinterpret_f64 (local.get $a)))
      (local.set $e (i32.wrap_i64 (i64.and (i64.shr_u (local.get $bits) (i64.const 52)) (i64.const 0x7FF))))
      (local.set $bits (i64.and (local.get $bits) (i64.const 0xFFFFFFFFFFFFF)))   ;; the fraction
      (if (i32.or (i32.eq (local.get $e) (i32.const 0x7FF))
                  (i32.and (i32.eqz (local.get $e)) (i64.eqz (local.get $bits))))
        (then (return (call $prim_answer (local.get $nargs) (call $om_int (i32.const -1))))))
      ;; a subnormal f * 2^-1074: the exponent of the fraction's highest set bit
      (if (i32.eqz (local.get $e))
        (then (return (call $prim_answer (local.get $nargs)
                            (call $om_int (i32.sub (i32.sub (i32.const 63) (i32.wrap_i64 (i64.clz (local.get $bits))))
                                                   (i32.const 1074)))))))
      (return (call $prim_answer (local.get $nargs) (call $om_int (i32.sub (local.get $e) (i32.const 1023)))))))
  ;; 54 timesTwoPower:
  (if (i32.eq (local.get $prim) (i32.const 54))
    (then
      (local.set $e (call $prim_arg (i32.const 1) (i32.const 1)))
      (if (i32.eqz (i32.and (local.get $e) (i32.const 1))) (then (return (i32.const 0))))
      (return (call $prim_answer (i32.const 1)
                    (call $om_float (call $times_two_power (local.get $a) (i32.shr_s (local.get $e) (i32.const 1))))))))
  (if (i32.eq (local.get $prim) (i32.const 55))
    (then (return (call $prim_answer (local.get $nargs) (call $om_float (f64.sqrt (local.get $a)))))))
  ;; 56 sin, 57 arctan, 58 ln, 59 exp through the host's libm (op 0, 2, 3, 4)
  (if (i32.and (i32.ge_u (local.get $prim) (i32.const 56)) (i32.le_u (local.get $prim) (i32.const 59)))
    (then (return (call $prim_answer (local.get $nargs)
                        (call $om_float (call $host_math1
                              (select (i32.const 0) (i32.sub (local.get $prim) (i32.const 55)) (i32.eq (local.get $prim) (i32.const 56)))
                              (local.get $a)))))))
  (i32.const 0))

;; (x, n) -> x * 2^n rounded once, as C's ldexp. 2^n itself must be a normal double, so larger
;; exponents are applied in steps. Upward steps of 2^1023 are exact until the result overflows.
;; Downward steps use 2^-969 (= 2^-1022 * 2^53): the intermediate stays exact whenever the
;; final result can still be non-zero, so the last multiply is the only rounding (no double
;; rounding in the subnormal range). Past two steps the result is certainly 0 or infinite, so
;; clamping n changes nothing.
(func $times_two_power (param $x f64) (param $n i32) (result f64)
  (if (i32.gt_s (local.get $n) (i32.const 1023))
    (then
      (local.set $x (f64.mul (local.get $x) (f64.const 0x1p1023)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1023)))
      (if (i32.gt_s (local.get $n) (i32.const 1023))
        (then
          (local.set $x (f64.mul (local.get $x) (f64.const 0x1p1023)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1023)))
          (if (i32.gt_s (local.get $n) (i32.const 1023)) (then (local.set $n (i32.const 1023))))))))
  (if (i32.lt_s (local.get $n) (i32.const -1022))
    (then
      (local.set $x (f64.mul (local.get $x) (f64.const 0x1p-969)))
      (local.set $n (i32.add (local.get $n) (i32.const 969)))
      (if (i32.lt_s (local.get $n) (i32.const -1022))
        (then
          (local.set $x (f64.mul (local.get $x) (f64.const 0x1p-969)))
          (local.set $n (i32.add (local.get $n) (i32.const 969)))
          (if (i32.lt_s (local.get $n) (i32.const -1022)) (then (local.set $n (i32.const -1022))))))))
  (f64.mul (local.get $x)
           (f64.reinterpret_i64 (i64.shl (i64.extend_i32_u (i32.add (local.get $n) (i32.const 1023))) (i64.const 52)))))

;; (oop) -> 1 if it is a byte object (String, Symbol, ByteArray, LargeInteger...)
(func $is_bytes (param $oop i32) (result i32)
  (if (i32.and (local.get $oop) (i32.const 3)) (then (return (i32.const 0))))
  (i32.and (i32.ge_u (call $om_format (local.get $oop)) (i32.const 16))
           (i32.lt_u (call $om_format (local.get $oop)) (i32.const 24))))

;; 148 shallowCopy
(func $prim_shallow_copy (param $nargs i32) (result i32)
  (local $r i32) (local $c i32) (local $n i32)
  (local.set $r (call $prim_arg (local.get $nargs) (i32.const 0)))
  (if (i32.and (local.get $r) (i32.const 3)) (then (return (call $prim_answer (local.get $nargs) (local.get $r)))))
  (local.set $n (call $om_num_slots (local.get $r)))
  (local.set $c (call $om_alloc (call $om_class_index (local.get $r)) (call $om_format (local.get $r)) (local.get $n)))
  (if (i32.eqz (local.get $c)) (then (return (i32.const 0))))
  ;; the receiver is still on the stack, so it survived any collection the allocation made
  (local.set $r (call $prim_arg (local.get $nargs) (i32.const 0)))
  (memory.copy (i32.add (local.get $c) (i32.const 8)) (i32.add (local.get $r) (i32.const 8))
               (i32.shl (local.get $n) (i32.const 2)))
  (call $prim_answer (local.get $nargs) (local.get $c)))

;; (oop) -> a new String with the same bytes (for the host and 9005)
(func $new_string_from (param $ptr i32) (param $len i32) (result i32)
  (local $s i32)
  (local.set $s (call $om_alloc_bytes (call $om_ensure_class_index (call $special (i32.const 6))) (local.get $len)))
  (if (local.get $s) (then (memory.copy (i32.add (local.get $s) (i32.const 8)) (local.get $ptr) (local.get $len))))
  (local.get $s))

;; bytes compare (9003): -1, 0 or 1 ordering by bytes then size
(func $bytes_compare (param $a i32) (param $b i32) (result i32)
  (local $na i32) (local $nb i32) (local $i i32) (local $x i32) (local $y i32)
  (local.set $na (call $om_byte_size (local.get $a)))
  (local.set $nb (call $om_byte_size (local.get $b)))
  (block $done
    (loop $each
      (br_if $done (i32.or (i32.ge_u (local.get $i) (local.get $na)) (i32.ge_u (local.get $i) (local.get $nb))))
      (local.set $x (i32.load8_u offset=8 (i32.add (local.get $a) (local.get $i))))
      (local.set $y (i32.load8_u offset=8 (i32.add (local.get $b) (local.get $i))))
      (if (i32.lt_u (local.get $x) (local.get $y)) (then (return (i32.const -1))))
      (if (i32.gt_u (local.get $x) (local.get $y)) (then (return (i32.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $each)))
  (if (i32.lt_u (local.get $na) (local.get $nb)) (then (return (i32.const -1))))
  (if (i32.gt_u (local.get $na) (local.get $nb)) (then (return (i32.const 1))))
  (i32.const 0))

;; bytes hash (9004): FNV-1a folded to 28 bits
(func $bytes_hash (param $a i32) (result i32)
  (local $n i32) (local $i i32) (local $h i32)
  (local.set $n (call $om_byte_size (local.get $a)))
  (local.set $h (i32.const 0x811C9DC5))
  (block $done
    (loop $each
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u offset=8 (i32.add (local.get $a) (local.get $i))))
                             (i32.const 16777619)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $each)))
  (i32.and (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 28))) (i32.const 0xFFFFFFF)))

(func $prim_dispatch (param $prim i32) (param $nargs i32) (result i32)
  (local $r i32) (local $a i32) (local $n i32) (local $want i32)
  (if (i32.eqz (local.get $prim)) (then (return (i32.const 0))))
  (local.set $want (call $prim_expected_args (local.get $prim)))
  (if (i32.and (i32.ge_s (local.get $want) (i32.const 0)) (i32.ne (local.get $want) (local.get $nargs)))
    (then (return (i32.const 0))))
  (local.set $r (call $prim_arg (local.get $nargs) (i32.const 0)))
  (if (i32.le_u (local.get $prim) (i32.const 17)) (then (return (call $prim_integer (local.get $prim) (local.get $nargs) (i32.const 0)))))
  (if (i32.and (i32.ge_u (local.get $prim) (i32.const 21)) (i32.le_u (local.get $prim) (i32.const 37)))
    (then (return (call $prim_integer (i32.sub (local.get $prim) (i32.const 20)) (local.get $nargs) (i32.const 0)))))
  (if (i32.and (i32.ge_u (local.get $prim) (i32.const 40)) (i32.le_u (local.get $prim) (i32.const 59)))
    (then (return (call $prim_float (local.get $prim) (local.get $nargs)))))
  ;; indexing: 38/39, 60-64, 73/74, 105, 173/174 (51_prims_indexing.wat)
  (if (i32.or (i32.or (i32.and (i32.ge_u (local.get $prim) (i32.const 60)) (i32.le_u (local.get $prim) (i32.const 64)))
                      (i32.or (i32.eq (local.get $prim) (i32.const 38)) (i32.eq (local.get $prim) (i32.const 39))))
              (i32.or (i32.or (i32.eq (local.get $prim) (i32.const 73)) (i32.eq (local.get $prim) (i32.const 74)))
                      (i32.or (i32.eq (local.get $prim) (i32.const 105))
                              (i32.or (i32.eq (local.get $prim) (i32.const 173)) (i32.eq (local.get $prim) (i32.const 174))))))
    (then (return (call $prim_dispatch_indexing (local.get $prim) (local.get $nargs)))))
  ;; 18 @
  (if (i32.eq (local.get $prim) (i32.const 18))
    (then (local.set $a (call $om_instantiate (call $special (i32.const 12)) (i32.const 0)))
          (if (i32.eqz (local.get $a)) (then (return (i32.const 0))))
          (i32.store offset=8 (local.get $a) (call $prim_arg (i32.const 1) (i32.const 0)))
          (i32.store offset=12 (local.get $a) (call $prim_arg (i32.const 1) (i32.const 1)))
          (return (call $prim_answer (i32.const 1) (local.get $a)))))
  ;; 70 basicNew, 71 basicNew: (of classes only: a method may declare them anywhere)
  (if (i32.and (i32.or (i32.eq (local.get $prim) (i32.const 70)) (i32.eq (local.get $prim) (i32.const 71)))
               (i32.eqz (call $om_is_behavior (local.get $r))))
    (then (return (i32.const 0))))
  (if (i32.eq (local.get $prim) (i32.const 70))
    (then (return (call $prim_answer (local.get $nargs) (call $om_instantiate (local.get $r) (i32.const 0))))))
  (if (i32.eq (local.get $prim) (i32.const 71))
    (then (local.set $a (call $prim_arg (i32.const 1) (i32.const 1)))
          (if (i32.eqz (i32.and (local.get $a) (i32.const 1))) (then (return (i32.const 0))))
          (if (i32.le_u (call $om_inst_spec (local.get $r)) (i32.const 1)) (then (return (i32.const 0))))
          (return (call $prim_answer (i32.const 1) (call $om_instantiate (local.get $r) (i32.shr_s (local.get $a) (i32.const 1)))))))
  ;; 75 identityHash / asOop, 175 behaviorHash
  (if (i32.or (i32.eq (local.get $prim) (i32.const 75)) (i32.eq (local.get $prim) (i32.const 175)))
    (then (if (i32.and (local.get $r) (i32.const 3)) (then (return (i32.const 0))))
          (return (call $prim_answer (local.get $nargs) (call $om_int (call $om_hash (local.get $r)))))))
  ;; 110 ==, 169 ~~, 111 class
  (if (i32.eq (local.get $prim) (i32.const 110))
    (then (return (call $prim_bool (i32.const 1) (i32.eq (local.get $r) (call $prim_arg (i32.const 1) (i32.const 1)))))))
  (if (i32.eq (local.get $prim) (i32.const 169))
    (then (return (call $prim_bool (i32.const 1) (i32.ne (local.get $r) (call $prim_arg (i32.const 1) (i32.const 1)))))))
  ;; 111 class; with one argument (Squeak's mirror objectClass:) the class of the argument
  (if (i32.eq (local.get $prim) (i32.const 111))
    (then (if (i32.gt_u (local.get $nargs) (i32.const 1)) (then (return (i32.const 0))))
          (return (call $prim_answer (local.get $nargs)
                        (call $om_class_of (call $prim_arg (local.get $nargs) (local.get $nargs)))))))
  ;; 112 bytesLeft
  (if (i32.eq (local.get $prim) (i32.const 112))
    (then (return (call $prim_answer (local.get $nargs) (call $om_int64 (call $om_bytes_left))))))
  ;; 129 specialObjectsOop
  (if (i32.eq (local.get $prim) (i32.const 129))
    (then (return (call $prim_answer (local.get $nargs) (global.get $specialObjects)))))
  ;; 130 / 131 garbage collect: answer bytes free
  (if (i32.or (i32.eq (local.get $prim) (i32.const 130)) (i32.eq (local.get $prim) (i32.const 131)))
    (then (drop (call $gc_collect))
          (return (call $prim_answer (local.get $nargs) (call $om_int64 (call $om_bytes_left))))))
  ;; clocks, as Squeak's: 135 a millisecond clock (the host's monotonic one, wrapping at 2^30),
  ;; 137 seconds and 240/241 microseconds since 1 January 1901 (the host's time_us counts from
  ;; 1970, UTC; Catalyst has no time zone, so local time is UTC)
  (if (i32.eq (local.get $prim) (i32.const 135))
    (then (return (call $prim_answer (local.get $nargs)
                        (call $om_int (i32.and (i32.wrap_i64 (call $host_time_ms)) (i32.const 0x3FFFFFFF)))))))
  (if (i32.eq (local.get $prim) (i32.const 137))
    (then (return (call $prim_answer (local.get $nargs)
                        (call $om_int64 (i64.add (i64.div_u (call $host_time_us) (i64.const 1000000))
                                                 (global.get $squeakEpochSeconds)))))))
  (if (i32.or (i32.eq (local.get $prim) (i32.const 240)) (i32.eq (local.get $prim) (i32.const 241)))
    (then (return (call $prim_answer (local.get $nargs)
                        (call $om_int64 (i64.add (call $host_time_us)
                                                 (i64.mul (global.get $squeakEpochSeconds) (i64.const 1000000))))))))
  (if (i32.eq (local.get $prim) (i32.const 148)) (then (return (call $prim_shallow_copy (local.get $nargs)))))
  ;; 170 Character value: (class side), 171 Character value
  (if (i32.eq (local.get $prim) (i32.const 170))
    (then (local.set $a (call $prim_arg (local.get $nargs) (local.get $nargs)))
          (if (i32.eqz (i32.and (local.get $a) (i32.const 1))) (then (return (i32.const 0))))
          (if (i32.or (i32.lt_s (local.get $a) (i32.const 0)) (i32.gt_s (local.get $a) (i32.const 0x21FFFF))) (then (return (i32.const 0))))
          (return (call $prim_answer (local.get $nargs) (i32.or (i32.shl (i32.shr_s (local.get $a) (i32.const 1)) (i32.const 2)) (i32.const 2))))))
  (if (i32.eq (local.get $prim) (i32.const 171))
    (then (if (i32.ne (i32.and (local.get $r) (i32.const 3)) (i32.const 2)) (then (return (i32.const 0))))
          (return (call $prim_answer (local.get $nargs) (i32.or (i32.shl (i32.shr_u (local.get $r) (i32.const 2)) (i32.const 1)) (i32.const 1))))))
  ;; 9001 / 9006: write a String's bytes to stdout / stderr, answer the receiver
  (if (i32.or (i32.eq (local.get $prim) (i32.const 9001)) (i32.eq (local.get $prim) (i32.const 9006)))
    (then (local.set $a (call $prim_arg (i32.const 1) (i32.const 1)))
          (if (i32.eqz (call $is_bytes (local.get $a))) (then (return (i32.const 0))))
          (call $host_write (i32.add (local.get $a) (i32.const 8)) (call $om_byte_size (local.get $a))
                (select (i32.const 1) (i32.const 2) (i32.eq (local.get $prim) (i32.const 9001))))
          (return (call $prim_answer (i32.const 1) (local.get $r)))))
  ;; 9003 compare bytes, 9004 hash bytes
  (if (i32.eq (local.get $prim) (i32.const 9003))
    (then (local.set $a (call $prim_arg (i32.const 1) (i32.const 1)))
          (if (i32.eqz (i32.and (call $is_bytes (local.get $r)) (call $is_bytes (local.get $a)))) (then (return (i32.const 0))))
          (return (call $prim_answer (i32.const 1) (call $om_int (call $bytes_compare (local.get $r) (local.get $a)))))))
  (if (i32.eq (local.get $prim) (i32.const 9004))
    (then (if (i32.eqz (call $is_bytes (local.get $r))) (then (return (i32.const 0))))
          (return (call $prim_answer (local.get $nargs) (call $om_int (call $bytes_hash (local.get $r)))))))
  ;; 9005 Float repr
  (if (i32.eq (local.get $prim) (i32.const 9005))
    (then (if (i32.eqz (call $om_is_float (local.get $r))) (then (return (i32.const 0))))
          (local.set $n (call $host_float_repr (call $om_float_value (local.get $r)) (global.get $scratch)))
          (return (call $prim_answer (local.get $nargs) (call $new_string_from (global.get $scratch) (local.get $n))))))
  (call $prim_dispatch_objects (local.get $prim) (local.get $nargs)))
