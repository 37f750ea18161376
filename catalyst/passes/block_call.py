"""block-call (optimization): `value`, `value:`... sends call a block's translation directly.

Requires: type-feedback (optional), and `fn.annotations["closure_class"]` and
`["context_class"]`, the class indices of BlockClosure and MethodContext, and
`["block_selectors"]` ({selector oop: numArgs} of the value selectors whose BlockClosure method
is the value primitive; see passes/inline.py), provided by the tiering code. Guarantees: a send of value, value:, value:value:, value:value:value: or
value:value:value:value: whose site never saw a receiver that is not a BlockClosure (or has not
run yet) gets `closure_class=<index> context_class=<index>`. The lowering then checks at run
time that the receiver is a BlockClosure taking that many arguments whose method has a
translation, builds the block activation's frame itself (as the value primitives do, ABI.md
section 8) and calls the translation through the table; anything else takes the full send,
so the result is the same either way.
"""
from catalyst.ir.ir import Function

name = "block-call"
description = "direct calls of block translations for value, value:, ... sends"
requires = ("type-feedback",)
preserves = ("cfg",)
SELECTORS = {"#value": 0, "#value:": 1, "#value:value:": 2, "#value:value:value:": 3,
             "#value:value:value:value:": 4}


def run(fn: Function) -> bool:
    ci, cj = fn.annotations.get("closure_class"), fn.annotations.get("context_class")
    selectors = fn.annotations.get("block_selectors")
    if ci is None or cj is None:
        return False
    changed = False
    for i in fn.instructions():
        if i.op != "send" or "super" in i.attrs or SELECTORS.get(i.args[0]) != i.attrs["nargs"]:
            continue
        if selectors is not None and selectors.get(i.attrs.get("sel")) != i.attrs["nargs"]:
            continue     # BlockClosure's method for it is not (any more) the value primitive
        fb = i.attrs.get("feedback") or []
        if i.attrs.get("mega") or any(c != ci for c in fb) or "guard" in i.attrs:
            continue
        i.attrs.update(closure_class=ci, context_class=cj)
        # this assumes BlockClosure's value primitive answers the send (tiering drops the
        # translation when that selector is redefined)
        fn.annotations.setdefault("depends_on", set()).add(i.attrs.get("sel"))
        changed = True
    return changed
