"""The pass registry: one line per pass (name -> module), and the default pipeline.

Every pass module has `name`, `description`, `requires`, `preserves` and `run(function) ->
changed`. `catalyst compile --passes a,b,c` runs any of them by name.
"""
from catalyst.passes import (block_call, complexity, constant_fold, cse, dce, direct_call,
                             llm_slot, smallint, stack_effect, type_feedback)

PASSES = {m.name: m for m in (
    stack_effect,     # analysis: operand stack depth vs frame size
    complexity,       # analysis: size, loops, sends, cost
    type_feedback,    # analysis: receiver classes from the inline caches
    smallint,         # SmallInteger specialization with guards
    direct_call,      # guarded direct calls for monomorphic sends
    block_call,       # direct calls of block translations for value, value:, ...
    constant_fold,    # fold constant SmallInteger arithmetic
    cse,              # local value numbering
    dce,              # dead code elimination
    llm_slot,         # optional LLM pass (off by default)
)}

DEFAULT_PIPELINE = ("stack-effect", "complexity", "type-feedback", "smallint", "direct-call",
                    "block-call", "constant-fold", "cse", "dce", "llm")


def get(name: str):
    if name not in PASSES:
        raise KeyError(f"unknown pass {name!r}; known passes: {', '.join(PASSES)}")
    return PASSES[name]
