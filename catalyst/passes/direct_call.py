"""direct-call (optimization): monomorphic sends call the target's translation directly.

Requires: type-feedback, and `fn.annotations["resolve"]`, a callable (class index, selector
oop) -> (method oop, numArgs, numTemps, initial pc) or None, provided by the tiering code.
Guarantees: a send whose inline cache saw exactly one receiver class, whose target method has no
primitive, gets `guard=<class index>` and the target's frame shape. The lowering then checks the
receiver's class and the target's installed table index at run time and, when both hold, builds
the callee frame itself and calls the translation through the table; otherwise (another class,
target not translated) it falls back to the full send. Results are the same either way.
Targets that only answer an instance variable or self (accessors) are inlined: behind the same
class guard the lowering loads the value instead of calling. A site that saw two to four
classes, all with such targets, gets `cases=[class:kind ...]`: one class test per case, kind a
trivial body (as above) or `call:<method>:<numTemps>`, a direct call of that target. A target whose primitive the
lowering knows (INLINE_PRIMITIVES: at:, at:put:, size on pointer and byte objects, String's
at: and at:put:, basicNew and basicNew:), at a site whose receiver classes (up to the inline
cache's four) all run that same method, gets `prim=<index> guards=[class indices]` instead:
behind a test for those classes the lowering does the primitive inline for the shapes it
handles and makes the full send otherwise (which runs the primitive, and its fallback code if
it fails). `at:` and `at:put:` sends without such feedback get `guards=[<Array's index>]` when
Array's lookup answers primitive 60/61. The selectors of all such sends
go into `fn.annotations["depends_on"]`: the translation is valid only while their lookups
answer the same methods (catalyst/jit/tiering.py drops it when they change).

Requires also `resolve_primitive` (class index, selector) -> (method, primitive) or None, and
`array_class`, from the tiering code (both optional).
"""
from catalyst.ir.ir import Function

name = "direct-call"
description = "guarded direct calls to translated targets of monomorphic sends"
requires = ("type-feedback",)
preserves = ("cfg",)
# primitive index -> its number of arguments (backend/lower.py, primitive_inline)
INLINE_PRIMITIVES = {60: 1, 61: 2, 62: 0, 63: 1, 64: 2, 70: 0, 71: 1}


def run(fn: Function) -> bool:
    resolve = fn.annotations.get("resolve")
    if resolve is None:
        return False
    changed = False
    # the selectors whose lookup this translation now assumes (tiering drops it when they change)
    depends = fn.annotations.setdefault("depends_on", set())
    for i in fn.instructions():
        if i.op != "send" or "super" in i.attrs or "sel" not in i.attrs:
            continue     # super sends, and special selectors whose oop the lifter did not know
        fb = i.attrs.get("feedback") or []
        if fb and not i.attrs.get("mega") and _bind_primitive(fn, i, fb, depends):
            changed = True
            continue
        if i.attrs.get("special") in (16, 17):
            changed |= _array_path(fn, i, depends)
        if i.attrs.get("mega") or not fb:
            continue
        if len(fb) > 1:
            # a small polymorphic site: one class test per case, each either the trivial
            # target's value (accessors, constants, self) or a direct call of its translation
            cases = []
            for ci in fb:
                t = resolve(ci, i.attrs["sel"])
                if t is None or t[1] != i.attrs["nargs"]:
                    cases = []
                    break
                if t[4] is not None and t[1] == 0:
                    cases.append(f"{ci}:{_kind(t[4])}")
                else:
                    cases.append(f"{ci}:call:{t[0]}:{t[2]}")
            if cases:
                i.attrs["cases"] = cases
                depends.add(i.attrs["sel"])
                changed = True
            continue
        target = resolve(fb[0], i.attrs["sel"])
        if target is None:
            continue
        method, nargs, ntemps, first_pc, trivial = target
        if nargs != i.attrs["nargs"]:
            continue
        i.attrs.update(guard=fb[0], target=method, target_temps=ntemps, target_pc=first_pc)
        depends.add(i.attrs["sel"])
        if trivial is not None and nargs == 0:
            # an accessor, a constant or `^self`: inline it behind the class guard
            i.attrs["inline"] = _kind(trivial)
        changed = True
    return changed


def _kind(trivial) -> str:
    """Text form of a trivial body: self, ivarN, or true/false/nil/-1/0/1/2."""
    if trivial[0] == "self":
        return "self"
    if trivial[0] == "ivar":
        return f"ivar{trivial[1]}"
    return str(trivial[1])


def _bind_primitive(fn: Function, i, classes: list[int], depends: set, wanted=None) -> bool:
    """A send whose receiver classes all run the same method, with a primitive the lowering
    does inline (wanted: only that one)."""
    resolve_primitive = fn.annotations.get("resolve_primitive")
    if resolve_primitive is None or not classes or min(classes) <= 2:
        return False        # SmallIntegers and Characters: never the receivers of these
    found = {resolve_primitive(ci, i.attrs["sel"]) for ci in classes}
    if len(found) != 1 or None in found:
        return False
    (_, prim), = found
    if INLINE_PRIMITIVES.get(prim) != i.attrs["nargs"] or wanted not in (None, prim):
        return False
    i.attrs.update(prim=prim, guards=sorted(classes))
    depends.add(i.attrs["sel"])
    return True


def _array_path(fn: Function, i, depends: set) -> bool:
    """at: / at:put: at a site without one receiver class: an inline path for Arrays, when
    Array's lookup answers the primitive (60 or 61) that path does."""
    array = fn.annotations.get("array_class")
    return bool(array) and _bind_primitive(fn, i, [array], depends, {16: 60, 17: 61}[i.attrs["special"]])
