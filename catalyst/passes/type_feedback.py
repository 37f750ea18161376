"""type-feedback (analysis): import the receiver classes the VM's inline caches saw.

Requires: `fn.annotations["feedback_source"]`, a callable (send-site pc) -> (class indices,
megamorphic?), provided by the tiering code from the core's ic_* exports. Guarantees: every
send gets `feedback=[class indices]` (empty when the site never ran) and `mega=1` when the site
went megamorphic.
"""
from catalyst.ir.ir import Function

name = "type-feedback"
description = "receiver classes seen by the inline caches, per send site"
requires: tuple = ()
preserves = ("all",)


def run(fn: Function) -> bool:
    source = fn.annotations.get("feedback_source")
    if source is None:
        return False
    changed = False
    for i in fn.instructions():
        if i.op == "send" and "frame" not in i.attrs:    # inlined code keeps its own feedback
            classes, mega = source(i.attrs["site"])
            i.attrs["feedback"] = list(classes)
            if mega:
                i.attrs["mega"] = 1
            changed = True
    return changed
