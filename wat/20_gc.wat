;; 20_gc.wat: garbage collector (owner OM). PLACEHOLDER until OM implements it.
(func $gc_collect (export "gc") (result i32) unreachable)
