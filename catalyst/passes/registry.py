"""The pass registry: one line per pass (name -> module), and the default pipeline.

Every pass module has `name`, `description`, `requires`, `preserves` and `run(function) ->
changed`. `catalyst compile --passes a,b,c` runs any of them by name.
"""
from catalyst.passes import (block_call, complexity, constant_fold, cse, dce, direct_call, inline,
                             inline_blocks, llm_slot, peel_leaf, smallint, stack_effect, temps_ssa,
                             type_feedback)

PASSES = {m.name: m for m in (
    stack_effect,     # analysis: operand stack depth vs frame size
    complexity,       # analysis: size, loops, sends, cost
    type_feedback,    # analysis: receiver classes from the inline caches
    temps_ssa,        # temporaries as SSA values
    smallint,         # SmallInteger specialization with guards
    direct_call,      # guarded direct calls for monomorphic sends
    inline,           # small monomorphic callees inlined with their own frame
    peel_leaf,        # a direct call's constant-answering first test before the call
    inline_blocks,    # known closures' bodies inlined at their value sends
    block_call,       # direct calls of block translations for value, value:, ...
    constant_fold,    # fold constant SmallInteger arithmetic
    cse,              # local value numbering
    dce,              # dead code elimination
    llm_slot,         # optional LLM pass (off by default)
)}

# temps-ssa is not in the default pipeline: with the sends' slow paths inline, values held in
# locals across a loop are spilled around those calls by the register allocator, which costs
# more than the frame loads it saves (measured: the sieve 30% slower); see passes/temps_ssa.py
DEFAULT_PIPELINE = ("stack-effect", "complexity", "type-feedback", "smallint", "direct-call", "inline",
                    "peel-leaf", "inline-blocks", "block-call", "constant-fold", "cse", "dce", "llm")


def get(name: str):
    if name not in PASSES:
        raise KeyError(f"unknown pass {name!r}; known passes: {', '.join(PASSES)}")
    return PASSES[name]
