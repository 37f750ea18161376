;; 00_decls.wat: what every other file of the core shares. Read ABI.md first.
;;
;; Linear memory map (addresses are fixed so the host, the GC and translated code agree):
;;
;;   0x0000_0000 .. 0x0000_0FFF  never used (address 0 is "no object")
;;   0x0000_1000 .. 0x0000_FFFF  $scratch: buffer for strings passed to and from the host
;;   0x0001_0000 .. 0x0001_FFFF  $classTable: 16384 class oops (ABI.md section 3)
;;   0x0002_0000 .. 0x0005_FFFF  $methodCache: the interpreter's global lookup cache
;;   0x0006_0000 .. 0x0045_FFFF  $icTable: per-send-site inline caches (interpreter): 2 MB of
;;                               records, then 2 MB of cached targets (30_interp.wat)
;;   0x0046_0000 .. 0x0085_FFFF  $infoTable: method info records (interpreter; ABI.md section 9)
;;   0x0086_0000 .. 0x008D_FFFF  $handles: roots held by the host (GC roots)
;;   0x008E_0000 .. 0x008E_00FF  $jitCells: state translated code reads and writes at fixed
;;                               addresses (cheaper for it than imported globals): +0 the native
;;                               nesting depth (i32), +4 the frame address from which sends
;;                               go to the interpreter (i32), +28 the frame the running
;;                               translation was entered on (i32), +8 translated activations (i64),
;;                               +16 translated block activations (i64), +24 the host's
;;                               interrupt request (i32, 30_interp.wat), +32..+63 the push
;;                               constants (32_loop.wat), +64 and +72 the interpreter's
;;                               fast-path counts (i64), +80 its hot limit (30_interp.wat)
;;   0x008E_0100 .. 0x008E_FFFF  $jitValid: a byte per table index, 1 while it is an installed
;;                               translation (30_interp.wat, $set_jit_index)
;;   0x008F_0000 .. 0x008F_03FF  $vmRoots: 256 oop slots the GC marks (interpreter's own roots)
;;   0x0090_0000 .. 0x0290_FFFF  frame stack ($stackBase .. $stackLimit, 32 MB, grows up)
;;   0x0300_0000 ..              the object heap ($heapStart .. $heapEnd, grows up to $heapLimit)

(import "host" "method_hot" (func $host_method_hot (param i32)))
(import "host" "write" (func $host_write (param i32 i32 i32)))
(import "host" "time_ms" (func $host_time_ms (result i64)))
(import "host" "time_us" (func $host_time_us (result i64)))
(import "host" "math1" (func $host_math1 (param i32 f64) (result f64)))
(import "host" "quit" (func $host_quit (param i32)))
;; a flushCache primitive ran: method dictionaries changed for this selector (0: any selector);
;; the host drops translations that bound a target of such a send
(import "host" "code_changed" (func $host_code_changed (param i32)))
;; write Python's shortest round-trip repr of a double as ASCII at ptr; answer its length
(import "host" "float_repr" (func $host_float_repr (param f64 i32) (result i32)))
;; named primitives the host implements: (module name oop, primitive name oop, receiver+args sp,
;; argument count) -> 1 when it succeeded (result stored at the receiver slot), 0 when it failed
(import "host" "named_prim" (func $host_named_prim (param i32 i32 i32 i32) (result i32)))

;; 1024 pages = 64 MB to start; the heap grows with memory.grow up to $heapLimit.
(memory $mem (export "memory") 1024 65536)

;; The signature of every translated method (ABI.md section 8).
(type $jitfn (func (param i32) (result i32)))
(table $jit_table (export "jit_table") 256 funcref)

(global $scratch i32 (i32.const 0x1000))
(global $scratchSize i32 (i32.const 0xF000))
(global $classTable i32 (i32.const 0x10000))
(global $classTableSize i32 (i32.const 16384))
(global $methodCache i32 (i32.const 0x20000))
(global $icTable i32 (i32.const 0x60000))
(global $infoTable i32 (i32.const 0x460000))
(global $handles i32 (i32.const 0x860000))
(global $handlesSize i32 (i32.const 0x20000))  ;; entries (4 bytes each)
(global $jitCells (export "jit_cells") i32 (i32.const 0x8E0000))
(global $vmRoots (export "vm_roots") i32 (i32.const 0x8F0000))
(global $vmRootsSize i32 (i32.const 256))
(global $stackBase (export "stack_base") i32 (i32.const 0x900000))
(global $stackLimit (export "stack_limit") i32 (i32.const 0x2900000))
(global $heapStart (export "heap_start") i32 (i32.const 0x3000000))

;; Object memory state (owned by the object memory and GC files)
(global $heapEnd (export "heap_end") (mut i32) (i32.const 0x3000000))   ;; end of used heap
(global $heapLimit (export "heap_limit") (mut i32) (i32.const 0x40000000))
(global $nil (export "nil") (mut i32) (i32.const 0))
(global $false (export "false") (mut i32) (i32.const 0))
(global $true (export "true") (mut i32) (i32.const 0))
(global $specialObjects (export "special_objects") (mut i32) (i32.const 0))
(global $lastHash (export "last_hash") (mut i32) (i32.const 0))   ;; identity hash generator state

;; Interpreter registers (owned by the interpreter); the GC reads them as roots.
(global $fp (export "fp") (mut i32) (i32.const 0))   ;; current frame
(global $sp (export "sp") (mut i32) (i32.const 0))   ;; top stack slot of the current frame
(global $unwinding (export "unwinding") (mut i32) (i32.const 0))
(global $haltCode (export "halt_code") (mut i32) (i32.const 0))   ;; non-zero: the run stopped
(global $hotThreshold (export "hot_threshold") (mut i32) (i32.const 1000))

;; Frame layout (ABI.md section 8); WAT has no constants, so these are documented here and the
;; numbers are used literally with these names in comments:
;;   FRAME_CALLER 0, FRAME_METHOD 4, FRAME_IP 8, FRAME_SP 12, FRAME_CONTEXT 16,
;;   FRAME_CLOSURE 20, FRAME_FLAGS 24, FRAME_RECEIVER 28, FRAME_SLOTS 32
