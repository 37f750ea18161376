"""llm (analysis): marks the methods the optional LLM-assisted pass (issue 8) may ask about.

Requires: complexity. Guarantees: `fn.annotations["llm_candidate"]` is True when the complexity
analysis marks the method worth translating and its estimated cost is at least `MIN_COST`
(a loop or a few sends; asking about a three-instruction method wastes a request). The IR is
not changed. The LLM pass itself (`catalyst/llm/llm_pass.py`) runs only when enabled (`--llm`),
after the baseline translation of a marked method is installed: it needs that baseline WAT and
the live VM to validate candidates against the interpreter.
"""
from catalyst.ir.ir import Function

name = "llm"
description = "mark methods worth asking the optional LLM pass about (off unless --llm)"
requires = ("complexity",)
preserves = ("all",)
MIN_COST = 40


def run(fn: Function) -> bool:
    a = fn.annotations
    a["llm_candidate"] = bool(a.get("worth")) and a.get("cost", 0) >= MIN_COST
    return False
