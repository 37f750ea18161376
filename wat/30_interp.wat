;; 30_interp.wat: the interpreter (owner INTERP). PLACEHOLDERS for the functions the GC calls.
(func $interp_gc_flush)
(func $interp_method_died (param $infoId i32))
