"""llm (optimization slot): the optional LLM-assisted pass (issue 8) plugs in here.

Off by default; when enabled and the optional package `catalyst.llm` provides `llm_pass.run`,
it is called with the function; otherwise this pass changes nothing.
"""
from catalyst.ir.ir import Function

name = "llm"
description = "optional LLM-assisted optimization (off unless enabled)"
requires = ("complexity",)
preserves = ("all",)
enabled = False


def run(fn: Function) -> bool:
    if not enabled:
        return False
    try:
        from catalyst.llm import llm_pass
    except ImportError:
        return False
    return llm_pass.run(fn)
