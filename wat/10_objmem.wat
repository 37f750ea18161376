;; 10_objmem.wat: the object memory. Layout in ABI.md sections 1-5.
;;
;; Allocation takes a chunk from the free lists that the sweep fills, else bumps $heapEnd,
;; growing linear memory up to $heapLimit. Any allocation may run the collector (20_gc.wat), so
;; a caller must not hold the only reference to an object it allocated earlier across another
;; allocation: store it into a frame slot, the stack or a $vmRoots slot first. Objects never move.

(global $gcThreshold (export "gc_threshold") (mut i32) (i32.const 0x800000))   ;; collect after 8 MB of allocation (see $gcMinThreshold)
(global $allocatedSinceGC (export "allocated_since_gc") (mut i32) (i32.const 0))
(global $peakHeapEnd (export "peak_heap_end") (mut i32) (i32.const 0x3000000))
(global $allocCount (export "alloc_count") (mut i64) (i64.const 0))
(global $outOfMemory (export "out_of_memory") (mut i32) (i32.const 0))

;; Free lists: $freeSmall + 4*(bytes/8) heads chunks of exactly that size (16..1016 bytes);
;; $freeLarge heads a first-fit list of bigger chunks. A free chunk has class index 0; its size
;; is at chunk+8 and the next free chunk at chunk+12.
(global $freeSmall i32 (i32.const 0x2A00000))
;; Bytes on the free lists (u32) and the peak of bytes in use (u32). They live in linear memory
;; next to the list heads, not in globals, so a heap snapshot (memory up to $heapEnd) keeps them
;; consistent with the lists.
(global $freeBytesAddr i32 (i32.const 0x2A00400))
(global $peakUsedAddr i32 (i32.const 0x2A00404))
;; Largest slot count an allocation may ask for: 2^28 slots (1 GB), far past any heap limit, so
;; that byte counts computed from it never wrap around 32 bits.
(global $maxSlots i32 (i32.const 0x10000000))
(global $freeLarge (export "free_large") (mut i32) (i32.const 0))
(global $smallLimit i32 (i32.const 1024))

;; --- header access ---------------------------------------------------------------------

;; (oop) -> class index, immediates included (SmallInteger 1, Character 2).
(func $om_class_index (export "class_index") (param $oop i32) (result i32)
  (if (i32.and (local.get $oop) (i32.const 1)) (then (return (i32.const 1))))
  (if (i32.and (local.get $oop) (i32.const 2)) (then (return (i32.const 2))))
  (i32.and (i32.load (local.get $oop)) (i32.const 0x3FFFFF)))

;; (oop) -> class oop, through the class table.
(func $om_class_of (export "class_of") (param $oop i32) (result i32)
  (i32.load (i32.add (global.get $classTable)
                     (i32.shl (call $om_class_index (local.get $oop)) (i32.const 2)))))

(func $om_format (param $oop i32) (result i32)
  (i32.and (i32.shr_u (i32.load (local.get $oop)) (i32.const 24)) (i32.const 31)))

(func $om_num_slots (export "num_slots") (param $oop i32) (result i32)
  (local $n i32)
  (local.set $n (i32.load8_u (i32.add (local.get $oop) (i32.const 7))))
  (if (result i32) (i32.eq (local.get $n) (i32.const 255))
    (then (i32.load (i32.sub (local.get $oop) (i32.const 8))))
    (else (local.get $n))))

;; (oop) -> identity hash (22 bits). For a class this is its class index.
(func $om_hash (export "identity_hash") (param $oop i32) (result i32)
  (i32.and (i32.load (i32.add (local.get $oop) (i32.const 4))) (i32.const 0x3FFFFF)))

;; (oop) -> 1 if the object's slots hold oops (formats 0-5); 0 for immediates.
(func $om_is_pointers (param $oop i32) (result i32)
  (if (i32.and (local.get $oop) (i32.const 3)) (then (return (i32.const 0))))
  (i32.lt_u (call $om_format (local.get $oop)) (i32.const 6)))

;; (oop) -> size in bytes of the body's data (exact for byte objects).
(func $om_byte_size (export "byte_size") (param $oop i32) (result i32)
  (local $fmt i32) (local $bytes i32)
  (local.set $fmt (call $om_format (local.get $oop)))
  (local.set $bytes (i32.shl (call $om_num_slots (local.get $oop)) (i32.const 2)))
  (if (i32.ge_u (local.get $fmt) (i32.const 16))
    (then (return (i32.sub (local.get $bytes) (i32.and (local.get $fmt) (i32.const 3))))))
  (if (i32.ge_u (local.get $fmt) (i32.const 12))
    (then (return (i32.sub (local.get $bytes)
                           (i32.shl (i32.and (local.get $fmt) (i32.const 1)) (i32.const 1))))))
  (local.get $bytes))

;; (class) -> number of named instance variables (Spur format word: instSpec << 16 | instSize).
(func $om_fixed_size (param $class i32) (result i32)
  (i32.and (i32.shr_s (i32.load offset=16 (local.get $class)) (i32.const 1)) (i32.const 0xFFFF)))

(func $om_inst_spec (param $class i32) (result i32)
  (i32.and (i32.shr_s (i32.load offset=16 (local.get $class)) (i32.const 17)) (i32.const 31)))

;; (oop) -> number of indexable elements: the slots after the named ones, words, 16-bit
;; halves, bytes; for a CompiledMethod every byte of its body (Squeak counts the header and
;; literals in a method's size; 51_prims_indexing.wat). 0 for immediates and other formats.
(func $om_indexable_size (param $oop i32) (result i32)
  (local $fmt i32)
  (if (i32.and (local.get $oop) (i32.const 3)) (then (return (i32.const 0))))
  (local.set $fmt (call $om_format (local.get $oop)))
  (if (i32.ge_u (local.get $fmt) (i32.const 16)) (then (return (call $om_byte_size (local.get $oop)))))
  (if (i32.ge_u (local.get $fmt) (i32.const 12))
    (then (return (i32.shr_u (call $om_byte_size (local.get $oop)) (i32.const 1)))))
  (if (i32.eq (local.get $fmt) (i32.const 10)) (then (return (call $om_num_slots (local.get $oop)))))
  (if (i32.or (i32.lt_u (local.get $fmt) (i32.const 2)) (i32.gt_u (local.get $fmt) (i32.const 4)))
    (then (return (i32.const 0))))
  (i32.sub (call $om_num_slots (local.get $oop))
           (call $om_fixed_size (call $om_class_of (local.get $oop)))))

;; (oop) -> 1 if it is a class or a metaclass (a Behavior), recognised from the shape every
;; Smalltalk-80 hierarchy has: with m := the class of its class (Metaclass for a class,
;; Metaclass class for a metaclass), the class of the class of m is m again. Anything else
;; (immediates, ordinary objects) answers 0; no slot of the object itself is read.
(func $om_is_behavior (param $oop i32) (result i32)
  (local $m i32)
  (if (i32.and (local.get $oop) (i32.const 3)) (then (return (i32.const 0))))
  (local.set $m (call $om_class_of (call $om_class_of (local.get $oop))))
  (i32.and (i32.ne (local.get $m) (i32.const 0))
           (i32.eq (call $om_class_of (call $om_class_of (local.get $m))) (local.get $m))))

;; (oop) -> 1 if the object is immutable (header bit 23): primitives refuse to store into it.
(func $om_is_immutable (param $oop i32) (result i32)
  (if (i32.and (local.get $oop) (i32.const 3)) (then (return (i32.const 0))))
  (i32.shr_u (i32.and (i32.load (local.get $oop)) (i32.const 0x800000)) (i32.const 23)))

;; --- identity hashes and class indices --------------------------------------------------

;; -> a fresh non-zero 22-bit identity hash (a linear congruential sequence).
(func $om_new_hash (result i32)
  (local $h i32)
  (global.set $lastHash (i32.add (i32.mul (global.get $lastHash) (i32.const 1103515245))
                                 (i32.const 12345)))
  (local.set $h (i32.and (i32.shr_u (global.get $lastHash) (i32.const 8)) (i32.const 0x3FFFFF)))
  (if (result i32) (local.get $h) (then (local.get $h)) (else (i32.const 1))))

;; (class) -> its class index, entering it in the class table on first use (as Spur does: a
;; class's identity hash becomes its index). 0 when the table is full.
(func $om_ensure_class_index (export "ensure_class_index") (param $class i32) (result i32)
  (local $h i32) (local $i i32) (local $w1 i32)
  (local.set $h (call $om_hash (local.get $class)))
  (if (i32.eq (i32.load (i32.add (global.get $classTable) (i32.shl (local.get $h) (i32.const 2))))
              (local.get $class))
    (then (return (local.get $h))))
  (local.set $i (i32.const 16))
  (block $done
    (loop $scan
      (br_if $done (i32.ge_u (local.get $i) (global.get $classTableSize)))
      (if (i32.eqz (i32.load (i32.add (global.get $classTable) (i32.shl (local.get $i) (i32.const 2)))))
        (then
          (i32.store (i32.add (global.get $classTable) (i32.shl (local.get $i) (i32.const 2)))
                     (local.get $class))
          (local.set $w1 (i32.load offset=4 (local.get $class)))
          (i32.store offset=4 (local.get $class)
                     (i32.or (i32.and (local.get $w1) (i32.const 0xFFC00000)) (local.get $i)))
          (return (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $scan)))
  (i32.const 0))

;; --- allocation -------------------------------------------------------------------------

;; (limitBytes) reset the heap to empty (the builder then writes objects from $heapStart).
(func $om_init (export "om_init") (param $limit i32)
  (global.set $heapEnd (global.get $heapStart))
  (global.set $peakHeapEnd (global.get $heapStart))
  (global.set $heapLimit (local.get $limit))
  (global.set $freeLarge (i32.const 0))
  (memory.fill (global.get $freeSmall) (i32.const 0) (i32.const 1024))
  (i32.store (global.get $freeBytesAddr) (i32.const 0))
  (i32.store (global.get $peakUsedAddr) (i32.const 0))
  (global.set $allocatedSinceGC (i32.const 0))
  (global.set $outOfMemory (i32.const 0)))

;; () -> bytes of the heap in use: allocated chunks between $heapStart and $heapEnd, free-list
;; chunks excluded.
(func $om_heap_used (export "heap_used") (result i32)
  (i32.sub (i32.sub (global.get $heapEnd) (global.get $heapStart))
           (i32.load (global.get $freeBytesAddr))))

;; () -> the largest $om_heap_used seen by the allocator since om_init.
(func $om_peak_used (export "peak_heap_used") (result i32)
  (i32.load (global.get $peakUsedAddr)))

;; () start measuring the peak of heap use afresh from the current use (benchmarks).
(func $om_reset_peak (export "reset_peak_heap_used")
  (i32.store (global.get $peakUsedAddr) (call $om_heap_used))
  (global.set $peakHeapEnd (global.get $heapEnd)))

;; () -> bytes on the free lists.
(func $om_free_bytes (export "free_bytes") (result i32)
  (i32.load (global.get $freeBytesAddr)))

;; () -> bytes the heap may still grow by: $heapLimit is the most the heap may take (bytes
;; from $heapStart), so this is $heapStart + $heapLimit - $heapEnd, 0 if a heap written by
;; the host is already bigger. In 64 bits: the sum may pass 4 GB.
(func $om_bytes_left (result i64)
  (local $left i64)
  (local.set $left (i64.sub (i64.add (i64.extend_i32_u (global.get $heapStart)) (i64.extend_i32_u (global.get $heapLimit)))
                            (i64.extend_i32_u (global.get $heapEnd))))
  (select (local.get $left) (i64.const 0) (i64.gt_s (local.get $left) (i64.const 0))))

;; (bytes) -> 1 if linear memory covers $heapEnd + bytes (growing it within $heapLimit).
(func $om_ensure_room (param $bytes i32) (result i32)
  (local $need i32) (local $have i32)
  (if (i64.gt_u (i64.extend_i32_u (local.get $bytes)) (call $om_bytes_left)) (then (return (i32.const 0))))
  (local.set $need (i32.add (global.get $heapEnd) (local.get $bytes)))
  (local.set $have (i32.shl (memory.size) (i32.const 16)))
  (if (i32.le_u (local.get $need) (local.get $have)) (then (return (i32.const 1))))
  ;; grow by at least 16 MB at a time to keep growth rare
  (i32.ne (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $need) (local.get $have))
                                           (i32.const 0x1000000)) (i32.const 16)))
          (i32.const -1)))

;; (bytes) -> a chunk of exactly that many bytes (multiple of 8), or 0. Never collects.
(func $om_take (param $size i32) (result i32)
  (local $head i32) (local $prev i32) (local $chunk i32) (local $csize i32) (local $rest i32)
  (if (i32.lt_u (local.get $size) (global.get $smallLimit))
    (then
      (local.set $head (i32.add (global.get $freeSmall) (i32.shr_u (local.get $size) (i32.const 1))))
      (local.set $chunk (i32.load (local.get $head)))
      (if (local.get $chunk)
        (then (i32.store (local.get $head) (i32.load offset=12 (local.get $chunk)))
              (call $om_count_free (i32.sub (i32.const 0) (local.get $size)))
              (return (local.get $chunk))))))
  ;; first fit in the large list, splitting off the rest when it is big enough to be a chunk
  (local.set $prev (i32.const 0))
  (local.set $chunk (global.get $freeLarge))
  (block $nofit
    (loop $walk
      (br_if $nofit (i32.eqz (local.get $chunk)))
      (local.set $csize (i32.load offset=8 (local.get $chunk)))
      (local.set $rest (i32.sub (local.get $csize) (local.get $size)))
      (if (i32.or (i32.eqz (local.get $rest)) (i32.ge_s (local.get $rest) (i32.const 16)))
        (then
          (if (local.get $prev)
            (then (i32.store offset=12 (local.get $prev) (i32.load offset=12 (local.get $chunk))))
            (else (global.set $freeLarge (i32.load offset=12 (local.get $chunk)))))
          (call $om_count_free (i32.sub (i32.const 0) (local.get $csize)))
          (if (local.get $rest)
            (then (call $om_free_chunk (i32.add (local.get $chunk) (local.get $size)) (local.get $rest))))
          (return (local.get $chunk))))
      (local.set $prev (local.get $chunk))
      (local.set $chunk (i32.load offset=12 (local.get $chunk)))
      (br $walk)))
  (if (i32.eqz (call $om_ensure_room (local.get $size))) (then (return (i32.const 0))))
  (local.set $chunk (global.get $heapEnd))
  (global.set $heapEnd (i32.add (global.get $heapEnd) (local.get $size)))
  (if (i32.gt_u (global.get $heapEnd) (global.get $peakHeapEnd))
    (then (global.set $peakHeapEnd (global.get $heapEnd))))
  (local.get $chunk))

;; (delta) add delta (negative when a chunk leaves a list) to the free-list byte count.
(func $om_count_free (param $delta i32)
  (i32.store (global.get $freeBytesAddr)
             (i32.add (i32.load (global.get $freeBytesAddr)) (local.get $delta))))

;; (chunk, bytes) format a free chunk and put it on its free list.
(func $om_free_chunk (param $chunk i32) (param $size i32)
  (local $head i32)
  (call $om_count_free (local.get $size))
  (i32.store (local.get $chunk) (i32.const 0))
  (i32.store offset=4 (local.get $chunk) (i32.const 0))
  (i32.store offset=8 (local.get $chunk) (local.get $size))
  (if (i32.lt_u (local.get $size) (global.get $smallLimit))
    (then
      (local.set $head (i32.add (global.get $freeSmall) (i32.shr_u (local.get $size) (i32.const 1))))
      (i32.store offset=12 (local.get $chunk) (i32.load (local.get $head)))
      (i32.store (local.get $head) (local.get $chunk)))
    (else
      (i32.store offset=12 (local.get $chunk) (global.get $freeLarge))
      (global.set $freeLarge (local.get $chunk)))))

;; (numSlots, format) -> bytes of the chunk of such an object, prefix included.
(func $om_chunk_size (param $numSlots i32) (param $format i32) (result i32)
  (local $body i32)
  (local.set $body (i32.and (i32.add (i32.shl (local.get $numSlots) (i32.const 2)) (i32.const 7))
                            (i32.const -8)))
  (if (i32.lt_u (local.get $body) (i32.const 8)) (then (local.set $body (i32.const 8))))
  (i32.add (i32.add (local.get $body) (i32.const 8))
           (select (i32.const 8) (i32.const 0)
                   (i32.or (i32.ge_u (local.get $numSlots) (i32.const 255))
                           (i32.ge_u (local.get $format) (i32.const 24))))))

;; (classIndex, format, numSlots) -> a new object with pointer slots nil and others 0, or 0
;; when the heap limit is reached even after a collection (then $outOfMemory is 1), or when the
;; class index is not 1 .. table size - 1 or the format not 0 .. 31 (a caller's bug: nothing is
;; allocated). May collect first.
(func $om_alloc (export "alloc") (param $classIndex i32) (param $format i32) (param $numSlots i32) (result i32)
  (local $size i32) (local $chunk i32) (local $oop i32) (local $fill i32) (local $used i32)
  (if (i32.or (i32.or (i32.eqz (local.get $classIndex))
                      (i32.ge_u (local.get $classIndex) (global.get $classTableSize)))
              (i32.gt_u (local.get $format) (i32.const 31)))
    (then (return (i32.const 0))))
  ;; a slot count this large cannot fit any heap, and its byte count would wrap 32 bits
  (if (i32.ge_u (local.get $numSlots) (global.get $maxSlots))
    (then (global.set $outOfMemory (i32.const 1)) (return (i32.const 0))))
  (local.set $size (call $om_chunk_size (local.get $numSlots) (local.get $format)))
  (if (i32.gt_u (global.get $allocatedSinceGC) (global.get $gcThreshold))
    (then (drop (call $gc_collect))))
  (local.set $chunk (call $om_take (local.get $size)))
  (if (i32.eqz (local.get $chunk))
    (then
      (drop (call $gc_collect))
      (local.set $chunk (call $om_take (local.get $size)))
      (if (i32.eqz (local.get $chunk))
        (then (global.set $outOfMemory (i32.const 1)) (return (i32.const 0))))))
  (global.set $allocatedSinceGC (i32.add (global.get $allocatedSinceGC) (local.get $size)))
  (global.set $allocCount (i64.add (global.get $allocCount) (i64.const 1)))
  (local.set $used (call $om_heap_used))
  (if (i32.gt_u (local.get $used) (i32.load (global.get $peakUsedAddr)))
    (then (i32.store (global.get $peakUsedAddr) (local.get $used))))
  (local.set $oop (local.get $chunk))
  (if (i32.or (i32.ge_u (local.get $numSlots) (i32.const 255)) (i32.ge_u (local.get $format) (i32.const 24)))
    (then
      (i32.store (local.get $chunk) (local.get $numSlots))
      (i32.store offset=4 (local.get $chunk) (i32.const 0xFF000000))
      (local.set $oop (i32.add (local.get $chunk) (i32.const 8)))
      (i32.store offset=4 (local.get $oop)
                 (i32.or (call $om_new_hash) (i32.const 0xFF000000))))
    (else
      (i32.store offset=4 (local.get $oop)
                 (i32.or (call $om_new_hash) (i32.shl (local.get $numSlots) (i32.const 24))))))
  (i32.store (local.get $oop)
             (i32.or (local.get $classIndex) (i32.shl (local.get $format) (i32.const 24))))
  (local.set $fill (select (global.get $nil) (i32.const 0) (i32.lt_u (local.get $format) (i32.const 6))))
  (if (i32.eqz (local.get $fill))
    (then (memory.fill (i32.add (local.get $oop) (i32.const 8)) (i32.const 0)
                       (i32.sub (i32.add (local.get $chunk) (local.get $size))
                                (i32.add (local.get $oop) (i32.const 8)))))
    (else (call $om_fill_slots (local.get $oop) (local.get $numSlots) (local.get $fill))))
  (local.get $oop))

(func $om_fill_slots (param $oop i32) (param $n i32) (param $value i32)
  (local $p i32) (local $end i32)
  (local.set $p (i32.add (local.get $oop) (i32.const 8)))
  (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
  (block $done
    (loop $fill
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (i32.store (local.get $p) (local.get $value))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $fill)))
  ;; the padding word of an odd slot count stays 0 so the GC never reads garbage
  (if (i32.and (local.get $n) (i32.const 1)) (then (i32.store (local.get $end) (i32.const 0)))))

;; (classIndex, byteSize) -> a zeroed byte object (a CompiledMethod when the class is
;; CompiledMethod's, special object 16).
(func $om_alloc_bytes (export "alloc_bytes") (param $classIndex i32) (param $nbytes i32) (result i32)
  (local $slots i32) (local $fmt i32)
  (local.set $slots (i32.shr_u (i32.add (local.get $nbytes) (i32.const 3)) (i32.const 2)))
  (local.set $fmt (i32.add (i32.const 16)
                           (i32.sub (i32.shl (local.get $slots) (i32.const 2)) (local.get $nbytes))))
  (if (i32.eq (local.get $classIndex)
              (call $om_hash (call $special (i32.const 16))))
    (then (local.set $fmt (i32.add (local.get $fmt) (i32.const 8)))))
  (call $om_alloc (local.get $classIndex) (local.get $fmt) (local.get $slots)))

;; (class, indexableSize) -> a new instance as `basicNew:` makes it, or 0 (not instantiable or
;; out of memory).
(func $om_instantiate (export "instantiate") (param $class i32) (param $size i32) (result i32)
  (local $spec i32) (local $fixed i32) (local $ci i32)
  (if (i32.lt_s (local.get $size) (i32.const 0)) (then (return (i32.const 0))))
  (if (i32.and (local.get $class) (i32.const 3)) (then (return (i32.const 0))))
  (local.set $spec (call $om_inst_spec (local.get $class)))
  (local.set $fixed (call $om_fixed_size (local.get $class)))
  (local.set $ci (call $om_ensure_class_index (local.get $class)))
  (if (i32.eqz (local.get $ci)) (then (return (i32.const 0))))
  (if (i32.le_u (local.get $spec) (i32.const 1))
    (then (return (call $om_alloc (local.get $ci)
                        (select (i32.const 1) (i32.const 0) (local.get $fixed)) (local.get $fixed)))))
  (if (i32.le_u (local.get $spec) (i32.const 5))
    (then (return (call $om_alloc (local.get $ci) (local.get $spec)
                        (i32.add (local.get $fixed) (local.get $size))))))
  (if (i32.eq (local.get $spec) (i32.const 10))
    (then (return (call $om_alloc (local.get $ci) (i32.const 10) (local.get $size)))))
  ;; 16-bit elements: two a slot, format 12 + the unused half of an odd count
  (if (i32.and (i32.ge_u (local.get $spec) (i32.const 12)) (i32.le_u (local.get $spec) (i32.const 15)))
    (then (return (call $om_alloc (local.get $ci) (i32.add (i32.const 12) (i32.and (local.get $size) (i32.const 1)))
                        (i32.shr_u (i32.add (local.get $size) (i32.const 1)) (i32.const 1))))))
  (if (i32.ge_u (local.get $spec) (i32.const 16))
    (then (return (call $om_alloc_bytes (local.get $ci) (local.get $size)))))
  (i32.const 0))

;; --- numbers ----------------------------------------------------------------------------

;; (index) -> special object at that index of the special objects array.
(func $special (param $i i32) (result i32)
  (i32.load (i32.add (i32.add (global.get $specialObjects) (i32.const 8))
                     (i32.shl (local.get $i) (i32.const 2)))))

(func $om_float (param $x f64) (result i32)
  (local $oop i32)
  (local.set $oop (call $om_alloc (call $om_hash (call $special (i32.const 9))) (i32.const 10) (i32.const 2)))
  (if (local.get $oop) (then (f64.store offset=8 (local.get $oop) (local.get $x))))
  (local.get $oop))

(func $om_float_value (param $oop i32) (result f64)
  (f64.load offset=8 (local.get $oop)))

;; (oop) -> 1 if it is a boxed Float.
(func $om_is_float (param $oop i32) (result i32)
  (if (i32.and (local.get $oop) (i32.const 3)) (then (return (i32.const 0))))
  (i32.eq (call $om_class_index (local.get $oop)) (call $om_hash (call $special (i32.const 9)))))

;; (v) -> 1 if v fits a SmallInteger.
(func $om_fits_small (param $v i64) (result i32)
  (i32.and (i64.ge_s (local.get $v) (i64.const -1073741824))
           (i64.le_s (local.get $v) (i64.const 1073741823))))

(func $om_int (param $v i32) (result i32)
  (call $om_int64 (i64.extend_i32_s (local.get $v))))

;; (v) -> a SmallInteger or a normalized LargePositive/NegativeInteger (0 if out of memory).
(func $om_int64 (param $v i64) (result i32)
  (local $mag i64) (local $n i32) (local $oop i32) (local $cls i32) (local $i i32)
  (if (call $om_fits_small (local.get $v))
    (then (return (i32.or (i32.shl (i32.wrap_i64 (local.get $v)) (i32.const 1)) (i32.const 1)))))
  (local.set $cls (call $special (i32.const 13)))
  (local.set $mag (local.get $v))
  (if (i64.lt_s (local.get $v) (i64.const 0))
    (then (local.set $cls (call $special (i32.const 42)))
          (local.set $mag (i64.sub (i64.const 0) (local.get $v)))))
  ;; bytes needed: at least 4 (Squeak keeps LargeIntegers a multiple of... any size; use exact)
  (local.set $n (i32.sub (i32.const 8) (i32.shr_u (i32.wrap_i64 (i64.clz (local.get $mag))) (i32.const 3))))
  (local.set $oop (call $om_alloc_bytes (call $om_ensure_class_index (local.get $cls)) (local.get $n)))
  (if (i32.eqz (local.get $oop)) (then (return (i32.const 0))))
  (i64.store offset=8 (local.get $oop) (local.get $mag))
  ;; clear the bytes past n that the 8-byte store wrote into the padding
  (local.set $i (local.get $n))
  (block $done
    (loop $clear
      (br_if $done (i32.ge_u (local.get $i) (i32.const 8)))
      (if (i32.lt_u (local.get $i) (i32.shl (call $om_num_slots (local.get $oop)) (i32.const 2)))
        (then (i32.store8 (i32.add (i32.add (local.get $oop) (i32.const 8)) (local.get $i)) (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $clear)))
  (local.get $oop))

;; Failure flag for $om_int_value on operands that are not integers of at most 63 bits.
(global $intFail (mut i32) (i32.const 0))

;; (oop) -> its integer value for SmallIntegers and LargeIntegers of at most 8 bytes (magnitude
;; below 2^63); sets $intFail otherwise.
(func $om_int_value (param $oop i32) (result i64)
  (local $ci i32) (local $n i32) (local $mag i64) (local $i i32)
  (if (i32.and (local.get $oop) (i32.const 1))
    (then (return (i64.extend_i32_s (i32.shr_s (local.get $oop) (i32.const 1))))))
  (if (i32.and (local.get $oop) (i32.const 2))
    (then (global.set $intFail (i32.const 1)) (return (i64.const 0))))
  (local.set $ci (call $om_class_index (local.get $oop)))
  (if (i32.and (i32.ne (local.get $ci) (call $om_hash (call $special (i32.const 13))))
               (i32.ne (local.get $ci) (call $om_hash (call $special (i32.const 42)))))
    (then (global.set $intFail (i32.const 1)) (return (i64.const 0))))
  (local.set $n (call $om_byte_size (local.get $oop)))
  ;; ignore high zero bytes (non-normalized large integers)
  (block $trimmed
    (loop $trim
      (br_if $trimmed (i32.le_u (local.get $n) (i32.const 8)))
      (br_if $trimmed (i32.load8_u (i32.add (i32.add (local.get $oop) (i32.const 7)) (local.get $n))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $trim)))
  (if (i32.gt_u (local.get $n) (i32.const 8))
    (then (global.set $intFail (i32.const 1)) (return (i64.const 0))))
  (local.set $i (local.get $n))
  (block $done
    (loop $acc
      (br_if $done (i32.eqz (local.get $i)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (local.set $mag (i64.or (i64.shl (local.get $mag) (i64.const 8))
                              (i64.load8_u (i32.add (i32.add (local.get $oop) (i32.const 8)) (local.get $i)))))
      (br $acc)))
  (if (i64.lt_s (local.get $mag) (i64.const 0))
    (then (global.set $intFail (i32.const 1)) (return (i64.const 0))))
  (if (i32.eq (local.get $ci) (call $om_hash (call $special (i32.const 42))))
    (then (return (i64.sub (i64.const 0) (local.get $mag)))))
  (local.get $mag))

;; --- host handles (GC roots the Python host holds) --------------------------------------

(global $handleNext (export "handle_next") (mut i32) (i32.const 1))

(func $handle_new (export "handle_new") (param $oop i32) (result i32)
  ;; Expects any oop. Answers the index (1 ..) of a free handle slot now holding it, a GC root
  ;; until handle_free; 0 when every slot is taken. Slot 0 is never used, so 0 means failure.
  (local $i i32)
  (local.set $i (select (global.get $handleNext) (i32.const 1) (global.get $handleNext)))
  (block $found
    (loop $scan
      (br_if $found (i32.ge_u (local.get $i) (global.get $handlesSize)))
      (br_if $found (i32.eqz (i32.load (i32.add (global.get $handles) (i32.shl (local.get $i) (i32.const 2))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $scan)))
  (if (i32.ge_u (local.get $i) (global.get $handlesSize)) (then (return (i32.const 0))))
  (i32.store (i32.add (global.get $handles) (i32.shl (local.get $i) (i32.const 2))) (local.get $oop))
  (global.set $handleNext (i32.add (local.get $i) (i32.const 1)))
  (local.get $i))

;; (index) -> the oop held by a handle; 0 for a free slot or an index outside 1 .. size-1.
(func $handle_get (export "handle_get") (param $i i32) (result i32)
  (if (i32.or (i32.eqz (local.get $i)) (i32.ge_u (local.get $i) (global.get $handlesSize)))
    (then (return (i32.const 0))))
  (i32.load (i32.add (global.get $handles) (i32.shl (local.get $i) (i32.const 2)))))

;; (index) release a handle (its object may then be collected). Indices outside 1 .. size-1
;; are ignored rather than written, so a host bug cannot overwrite memory past the table.
(func $handle_free (export "handle_free") (param $i i32)
  (if (i32.or (i32.eqz (local.get $i)) (i32.ge_u (local.get $i) (global.get $handlesSize)))
    (then (return)))
  (i32.store (i32.add (global.get $handles) (i32.shl (local.get $i) (i32.const 2))) (i32.const 0))
  (if (i32.lt_u (local.get $i) (global.get $handleNext)) (then (global.set $handleNext (local.get $i)))))
