"""stack_effect (analysis): maximum operand-stack depth per method, checked against the frame.

Requires: lifted IR (sends and branches carry their `live` stacks). Guarantees: annotates
`max_stack` (values on the operand stack at the deepest send) and `frame_ok`; raises when the
method would need more stack than the header's frame promises (56 slots for a large frame).
"""
from catalyst.ir.ir import Function

name = "stack-effect"
description = "maximum operand stack depth, checked against the method's frame size"
requires: tuple = ()
preserves = ("all",)


def run(fn: Function) -> bool:
    deepest = 0
    for i in fn.instructions():
        if "frame" in i.attrs:
            continue     # an inlined method's code uses its own frame
        if i.op in ("send", "frame_push"):
            deepest = max(deepest, len(i.attrs.get("live", [])) + i.attrs["nargs"] + 1)
        elif i.op == "branch":
            deepest = max(deepest, len(i.attrs.get("live", [])) + 1)
    fn.annotations["max_stack"] = deepest
    if fn.num_temps + deepest > 56 + 16:
        raise ValueError(f"{fn.name}: needs {fn.num_temps + deepest} frame slots")
    fn.annotations["frame_ok"] = True
    return False
