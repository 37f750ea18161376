"""Which message sends the compiler inlines, and in what shape (Squeak's macro transformations).

`plan_for(send)` answers an `Inline` describing how to compile a send without sending it, or None
for a real send. Both the closure analysis (scopes.py) and the code generator (codegen.py) ask this
one function, so they always agree on which blocks are inlined.

Squeak's rules, reproduced here:
* `ifTrue:`, `ifFalse:`, `ifTrue:ifFalse:`, `ifFalse:ifTrue:`, `and:`, `or:` with literal
  0-argument blocks become one two-armed "if": `and:` is `ifTrue: [..] ifFalse: [false]`, `or:` is
  `ifTrue: [true] ifFalse: [..]`, a missing arm is `[nil]`.
* `whileTrue:`, `whileFalse:` (literal 0-arg blocks as receiver and argument), `whileTrue`,
  `whileFalse` (body `[nil]`) and `repeat` become loops.
* `to:do:` and `to:by:do:` with a literal 1-argument block (and, for `by:`, a literal non-zero
  number step) become counted loops, unless the block assigns the limit variable.
* `ifNil:` alone compiles a test of the receiver against nil; `ifNotNil:`, `ifNil:ifNotNil:` and
  `ifNotNil:ifNil:` become `(arg := receiver) == nil ifTrue: [..] ifFalse: [..]` (the assignment
  only when the not-nil block takes an argument).
* `timesRepeat:` is a real send, as in Squeak. Cascade parts are never inlined.
"""
from __future__ import annotations

from dataclasses import dataclass

from catalyst.frontend import ast


@dataclass(frozen=True)
class ConstArm:
    """An arm the compiler synthesizes: `[nil]`, `[true]` or `[false]`."""
    value: object


@dataclass
class Inline:
    kind: str                 # "if", "ifnil", "ifnilnotnil", "while", "repeat", "todo"
    receiver: object = None   # the tested / looped-over expression (not for while/repeat)
    arms: tuple = ()          # if: (then, else); ifnil: (block,); ifnilnotnil: (nil, notnil)
    cond: object = None       # while: the condition block
    body: object = None       # while / repeat / todo: the body block (or ConstArm(None))
    jump_on: bool = False     # while: the condition value that leaves the loop
    limit: object = None      # todo
    step: object = 1          # todo: a number


def is_block(node, nargs=(0,)) -> bool:
    return isinstance(node, ast.Block) and len(node.args) in nargs


def is_nil_arm(arm) -> bool:
    """Squeak's `isJust: NodeNil`: `[]`, `[nil]` or the synthesized nil arm."""
    if isinstance(arm, ConstArm):
        return arm.value is None
    if isinstance(arm, ast.Block) and not arm.temps:
        if not arm.body:
            return True
        if len(arm.body) == 1:
            s = arm.body[0]
            return (isinstance(s, ast.Var) and s.name == "nil") or \
                (isinstance(s, ast.Literal) and s.value is None)
    return False


def _assigns(node, name: str) -> bool:
    """Whether an assignment to `name` occurs anywhere inside node."""
    if isinstance(node, ast.Assign) and node.var.name == name:
        return True
    return any(_assigns(c, name) for c in ast.children(node))


def plan_for(send: ast.Send) -> Inline | None:
    sel, args, rcv = send.selector, send.args, send.receiver
    if isinstance(rcv, ast.CascadeReceiver) or getattr(send, "in_cascade", False):
        return None
    if sel in ("ifTrue:", "ifFalse:", "and:", "or:") and is_block(args[0]):
        arm = args[0]
        then, other = {"ifTrue:": (arm, ConstArm(None)), "ifFalse:": (ConstArm(None), arm),
                       "and:": (arm, ConstArm(False)), "or:": (ConstArm(True), arm)}[sel]
        return Inline("if", rcv, (then, other))
    if sel in ("ifTrue:ifFalse:", "ifFalse:ifTrue:") and is_block(args[0]) and is_block(args[1]):
        arms = (args[0], args[1]) if sel == "ifTrue:ifFalse:" else (args[1], args[0])
        return Inline("if", rcv, arms)
    if sel in ("whileTrue:", "whileFalse:") and is_block(rcv) and is_block(args[0]):
        return Inline("while", cond=rcv, body=args[0], jump_on=(sel == "whileFalse:"))
    if sel in ("whileTrue", "whileFalse") and is_block(rcv):
        return Inline("while", cond=rcv, body=ConstArm(None), jump_on=(sel == "whileFalse"))
    if sel == "repeat" and is_block(rcv):
        return Inline("repeat", body=rcv)
    if sel in ("to:do:", "to:by:do:") and is_block(args[-1], (1,)):
        step = 1
        if sel == "to:by:do:":
            s = args[1]
            if not (isinstance(s, ast.Literal) and type(s.value) in (int, float) and s.value != 0):
                return None
            step = s.value
        limit = args[0]
        if isinstance(limit, ast.Var) and _assigns(args[-1], limit.name):
            return None
        return Inline("todo", rcv, body=args[-1], limit=limit, step=step)
    if sel == "ifNil:" and is_block(args[0]):
        return Inline("ifnil", rcv, (args[0],))
    if sel == "ifNotNil:" and is_block(args[0], (0, 1)):
        return Inline("ifnilnotnil", rcv, (ConstArm(None), args[0]))
    if sel in ("ifNil:ifNotNil:", "ifNotNil:ifNil:"):
        nil_arm, other = (args[0], args[1]) if sel == "ifNil:ifNotNil:" else (args[1], args[0])
        if is_block(nil_arm) and is_block(other, (0, 1)):
            return Inline("ifnilnotnil", rcv, (nil_arm, other))
    return None


def inlined_blocks(plan: Inline) -> list:
    """The literal blocks of the source that the plan compiles in line (no closures)."""
    found = list(plan.arms) + [plan.cond, plan.body]
    return [b for b in found if isinstance(b, ast.Block)]


def arm_returns(arm) -> bool:
    """Whether evaluating an arm always ends in a `^` (Squeak's BlockNode>>returns)."""
    return isinstance(arm, ast.Block) and bool(arm.body) and statement_returns(arm.body[-1])


def statement_returns(stmt) -> bool:
    """A `^` statement, or an inlined if whose two arms both return."""
    if isinstance(stmt, ast.Return):
        return True
    if isinstance(stmt, ast.Send):
        plan = plan_for(stmt)
        if plan is not None and plan.kind in ("if", "ifnilnotnil"):
            return all(arm_returns(a) for a in plan.arms)
    return False
