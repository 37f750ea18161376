"""Code generator: a parsed method -> bytecodes and literals, as Squeak's compiler lays them out.

Each expression is compiled either for its value (it leaves one value on the stack) or for its
effect (it leaves nothing), which is what lets Squeak-style code skip useless pushes and pops:
a statement `x := 3` is `push 3; popIntoTemp`, an `ifTrue:` statement jumps over its body, etc.
The shapes of the inlined control structures follow Squeak's MessageNode code generation (see
inlining.py for which sends are inlined):

* if for value: `cond; jumpFalse L1; then; jump L2; L1: else; L2:` (no jump after an arm
  that ends in `^`); for effect with one empty arm: `cond; jumpFalse/jumpTrue L; arm; L:`;
  for effect with two real arms, the same shape with each arm compiled for effect (each arm
  pops its own value, as the methods of Squeak-compiled images show).
* while: `L1: cond; jumpFalse L2; body; jump L1; L2:` (`nil` pushed when the value is used).
* to:do:: `[limit; popIntoTemp lim]; rcvr; popIntoTemp i; L1: i; lim; <=; jumpFalse L2; body;
  i; step; +; popIntoTemp i; jump L1; L2:` (for value the receiver stays as the result).
* ifNil: `rcvr; [dup]; nil; ==; jumpFalse L; [pop]; arm; L:`.

Blocks that are not inlined become closures (push closure), or, for classes of pre-closure
images (`ClassScope.block_contexts`), BlockContexts as Squeak 1.x-3.x compiled them:
`thisContext; push numArgs; send blockCopy:; long jump L; popIntoTemp arg (last first)...;
body; blockReturn; L:`, every block argument and temporary a temporary of the method (not reset
between activations, as in those images), and brace arrays built with `Array new:` and
`at:put:` (the closure set's push-new-array bytecode does not exist there).

Literals are numbered in order of first use; the selector and the class binding are appended.
"""
from __future__ import annotations

from catalyst.frontend import ast
from catalyst.frontend.emitter import Emitter, EncodingError, Label
from catalyst.frontend.inlining import ConstArm, arm_returns, is_nil_arm, plan_for, \
    statement_returns
from catalyst.frontend.literals import Binding, LitArray, MethodClassBinding, Sym, literal_key
from catalyst.frontend.scopes import Analysis, Scope, TempVar, Vector, assign_slots, \
    collect_references

class CodeGenerator:
    def __init__(self, method: ast.Method, cls, errors, optimized_selectors: bool = False,
                 quick_primitives: bool = False):
        self.m, self.cls, self.errors = method, cls, errors
        self.block_contexts = getattr(cls, "block_contexts", False)
        self.quick_primitives = quick_primitives
        self.literals: list = []
        self.literal_index: dict = {}
        self.em = Emitter()
        # Squeak 5+ also lists the selectors it inlined (ifTrue:, to:do:...) after the other
        # literals, so that "senders of" finds them; off by default (Catalyst's literal layout)
        self.note_optimized = optimized_selectors
        self.optimized: list[str] = []

    # --- entry point ------------------------------------------------------------------
    def generate(self):
        """Answer (bytecodes, literals, num_temps, max_depth)."""
        m = self.m
        self.an = Analysis(self.errors, self.block_contexts)
        root = self.an.run(m)
        collect_references(root, self.an, m)
        assign_slots(root)
        self.root = self.scope = root
        if m.named_primitive:
            module, name = m.named_primitive
            self.lit(LitArray((Sym(module), Sym(name), 0, 0)))
        em = self.em
        if self.quick_primitives and not m.primitive:
            m.primitive = self.quick_primitive(m)
        if m.primitive:
            em.call_primitive(m.primitive)
            if m.error_temp is not None:   # the VM stores the failure code through this store
                ec = next(v for v in root.vars if v.name == m.error_temp)
                if ec.remote:
                    raise self.errors.error(f"the primitive error code {ec.name} cannot be "
                                            "assigned inside a block", m)
                em.store_temp(self.slot(ec), pop=False)
        self.vector_prologue(root)
        body = m.body
        if m.is_doit:
            self.doit_body(body)
        else:
            self.method_body(body)
        code = em.assemble()
        for sel in self.optimized:
            self.lit(Sym(sel))
        self.literals.append(Sym(m.selector))
        self.literals.append(MethodClassBinding())
        num_temps = len(root.args) + len(root.slots)
        return code, self.literals, num_temps, em.max_depth

    def quick_primitive(self, m: ast.Method) -> int:
        """Squeak marks argument-less methods that only answer self, a constant or an instance
        variable with a quick primitive: 256 self, 257-263 true false nil -1 0 1 2, 264+i the
        instance variable i (0 when the method is not quick)."""
        if m.args or m.temps or m.is_doit or len(m.body) != 1 or \
                not isinstance(m.body[0], ast.Return):
            return 0
        v = m.body[0].value
        if isinstance(v, ast.Var):
            ref = self.an.refs.get(id(v))
            if ref in (("pseudo", "self"), ("pseudo", "super")):
                return 256
            if isinstance(ref, tuple) and ref[0] == "pseudo" and ref[1] in ("true", "false", "nil"):
                return {"true": 257, "false": 258, "nil": 259}[ref[1]]
            if isinstance(ref, tuple) and ref[0] == "ivar" and ref[1] < 256:
                return 264 + ref[1]
        if isinstance(v, ast.Literal) and type(v.value) is int and -1 <= v.value <= 2:
            return 261 + v.value
        return 0

    def method_body(self, body):
        self.statements_but_last(body)
        if not body:
            self.em.return_special("self")
            return
        last = body[-1]
        if isinstance(last, ast.Return):
            self.gen_return(last)
        elif statement_returns(last):
            self.value(last)           # both arms return: nothing follows
            self.em.adjust(-1)
        else:
            self.effect(last)
            self.em.return_special("self")

    def doit_body(self, body):
        self.statements_but_last(body)
        if not body:
            self.em.return_special(None)
            return
        last = body[-1]
        if isinstance(last, ast.Return):
            self.gen_return(last)
        else:
            self.value(last)
            if not statement_returns(last):
                self.em.return_top()
            else:
                self.em.adjust(-1)

    def statements_but_last(self, body):
        for s in body[:-1]:
            self.effect(s)

    # --- literals ---------------------------------------------------------------------
    def lit(self, value) -> int:
        key = literal_key(value)
        if key not in self.literal_index:
            self.literal_index[key] = len(self.literals)
            self.literals.append(value)
        return self.literal_index[key]

    # --- variables --------------------------------------------------------------------
    def slot(self, v) -> int:
        """Slot of a TempVar or Vector as seen from the current real scope."""
        scope = self.scope
        home = v.scope.actual
        if home is scope:
            return v.index
        for k, c in enumerate(scope.copied):
            if c is v:
                return len(scope.args) + k
        raise AssertionError(f"{v!r} is not reachable from this block")

    def push_temp_var(self, v: TempVar):
        if v.remote:
            self.em.push_remote(v.vector_index, self.slot(v.scope.vector))
        else:
            self.em.push_temp(self.slot(v))

    def store_temp_var(self, v: TempVar, pop: bool):
        if v.remote:
            self.em.store_remote(v.vector_index, self.slot(v.scope.vector), pop)
        else:
            self.em.store_temp(self.slot(v), pop)

    def push_var(self, node: ast.Var):
        ref = self.an.refs[id(node)]
        if isinstance(ref, TempVar):
            return self.push_temp_var(ref)
        kind, val = ref
        if kind == "pseudo":
            self.em.push_special({"self": "self", "super": "self", "true": True, "false": False,
                                  "nil": None, "thisContext": "thisContext"}[val])
        elif kind == "ivar":
            self.em.push_ivar(val)
        else:
            self.em.push_literal_var(self.lit(Binding(val)))

    def store_var(self, node: ast.Var, pop: bool):
        ref = self.an.refs[id(node)]
        if isinstance(ref, TempVar):
            return self.store_temp_var(ref, pop)
        kind, val = ref
        if kind == "ivar":
            self.em.store_ivar(val, pop)
        else:
            self.em.store_literal_var(self.lit(Binding(val)), pop)

    def push_literal(self, value):
        if value is None or value is True or value is False or \
                (type(value) is int and -1 <= value <= 2):
            self.em.push_special(value)
        else:
            self.em.push_literal(self.lit(value))

    def vector_prologue(self, scope: Scope):
        """A method or inlined block with remote temps makes its vector on entry."""
        if scope.vector is not None:
            self.em.new_array(len(scope.vector.vars), cons=False)
            self.em.store_temp(self.slot(scope.vector), pop=True)

    # --- expressions ------------------------------------------------------------------
    def value(self, n):
        em = self.em
        if isinstance(n, ast.Literal):
            self.push_literal(n.value)
        elif isinstance(n, ast.Var):
            self.push_var(n)
        elif isinstance(n, ast.Assign):
            self.value(n.value)
            self.store_var(n.var, pop=False)
        elif isinstance(n, ast.Send):
            self.send(n, for_value=True)
        elif isinstance(n, ast.Cascade):
            self.value(n.receiver)
            for part in n.parts[:-1]:
                em.dup()
                self.send(part, for_value=True)
                em.pop()
            self.send(n.parts[-1], for_value=True)
        elif isinstance(n, ast.Block):
            self.block_context(n) if self.block_contexts else self.closure(n)
        elif isinstance(n, ast.Brace) and self.block_contexts:
            self.brace_by_sends(n)
        elif isinstance(n, ast.Brace):
            if len(n.elements) > 127:
                raise self.errors.error("a brace array has more than 127 elements", n)
            for e in n.elements:
                self.value(e)
            em.new_array(len(n.elements), cons=True)
        elif isinstance(n, ast.CascadeReceiver):
            pass                      # already on the stack (duplicated by the cascade)
        elif isinstance(n, ConstArm):
            self.push_literal(n.value)
        else:  # pragma: no cover
            raise self.errors.error(f"cannot compile {type(n).__name__}", n)

    def effect(self, n):
        if isinstance(n, ast.Assign):
            self.value(n.value)
            self.store_var(n.var, pop=True)
        elif isinstance(n, ast.Return):
            self.gen_return(n)
        elif isinstance(n, (ast.Literal, ast.Var, ConstArm)):
            pass                      # a value nobody uses costs nothing
        elif isinstance(n, ast.Send) and plan_for(n) is not None:
            self.send(n, for_value=False)
        else:
            self.value(n)
            self.em.pop()

    def gen_return(self, r: ast.Return):
        v, em = r.value, self.em
        if statement_returns(v):      # `^c ifTrue: [^a] ifFalse: [^b]`: the arms return
            self.value(v)
            em.adjust(-1)
            return
        ref = self.an.refs.get(id(v)) if isinstance(v, ast.Var) else None
        if ref in (("pseudo", "self"), ("pseudo", "super")):
            em.return_special("self")
        elif ref in (("pseudo", "true"), ("pseudo", "false"), ("pseudo", "nil")):
            em.return_special({"true": True, "false": False, "nil": None}[ref[1]])
        elif isinstance(v, ast.Literal) and (v.value is None or v.value is True or
                                             v.value is False):
            em.return_special(v.value)
        else:
            self.value(v)
            em.return_top()

    # --- sends ------------------------------------------------------------------------
    def send(self, n: ast.Send, for_value: bool):
        plan = plan_for(n)
        if plan is not None:
            if self.note_optimized:
                # Squeak notes the bodyless loops under their one-argument selectors
                noted = {"whileTrue": "whileTrue:", "whileFalse": "whileFalse:"}.get(
                    n.selector, n.selector)
                if noted not in self.optimized:
                    self.optimized.append(noted)
            depth = self.em.depth
            getattr(self, "inline_" + plan.kind)(plan, n, for_value)
            self.em.depth = depth + (1 if for_value else 0)
            return
        rcv = n.receiver
        is_super = isinstance(rcv, ast.Var) and self.an.refs.get(id(rcv)) == ("pseudo", "super")
        self.value(rcv)
        for a in n.args:
            self.value(a)
        self.emit_send(n.selector, len(n.args), is_super)
        if not for_value:
            self.em.pop()

    def emit_send(self, selector: str, nargs: int, is_super: bool = False):
        if is_super:
            self.em.super_send(self.lit(Sym(selector)), nargs)
        elif not self.em.send_special(selector, nargs):
            self.em.send(self.lit(Sym(selector)), nargs)

    # --- inlined arms -----------------------------------------------------------------
    def arm_value(self, arm):
        """An inlined block's statements, leaving the last one's value (nil when empty)."""
        if isinstance(arm, ConstArm):
            return self.push_literal(arm.value)
        self.inlined_prologue(arm)
        if not arm.body:
            return self.em.push_special(None)
        self.statements_but_last(arm.body)
        last = arm.body[-1]
        if isinstance(last, ast.Return):
            self.gen_return(last)
            self.em.adjust(1)         # the fall-through never happens; keep the bookkeeping
        else:
            self.value(last)

    def arm_effect(self, arm):
        if isinstance(arm, ConstArm):
            return
        self.inlined_prologue(arm)
        for s in arm.body:
            self.effect(s)

    def inlined_prologue(self, block: ast.Block):
        self.vector_prologue(self.an.scope_of_block[id(block)])

    # --- inlined control structures ---------------------------------------------------
    def if_shape(self, then, other, for_value: bool):
        """The test value is on the stack; compile the two arms."""
        em = self.em
        if for_value:
            l_else, l_end = Label(), Label()
            em.jump("false", l_else)
            d = em.depth
            self.arm_value(then)
            if not arm_returns(then):
                em.jump("jump", l_end)
            em.depth = d
            em.label(l_else)
            self.arm_value(other)
            em.label(l_end)
        elif is_nil_arm(other):
            skip = Label()
            em.jump("false", skip)
            self.arm_effect(then)
            em.label(skip)
        elif is_nil_arm(then):
            skip = Label()
            em.jump("true", skip)
            self.arm_effect(other)
            em.label(skip)
        else:                            # two real arms, each compiled for effect
            l_else, l_end = Label(), Label()
            em.jump("false", l_else)
            self.arm_effect(then)
            if not arm_returns(then):
                em.jump("jump", l_end)
            em.label(l_else)
            self.arm_effect(other)
            em.label(l_end)

    def inline_if(self, plan, n, for_value):
        self.value(plan.receiver)
        self.if_shape(plan.arms[0], plan.arms[1], for_value)

    def inline_ifnil(self, plan, n, for_value):
        em = self.em
        self.value(plan.receiver)
        if for_value:
            em.dup()
        em.push_special(None)
        em.send_special("==", 1)
        skip = Label()
        em.jump("false", skip)
        if for_value:
            em.pop()
            self.arm_value(plan.arms[0])
        else:
            self.arm_effect(plan.arms[0])
        em.label(skip)

    def inline_ifnilnotnil(self, plan, n, for_value):
        em = self.em
        nil_arm, other = plan.arms
        self.value(plan.receiver)
        if isinstance(other, ast.Block) and other.args:
            var = self.an.scope_of_block[id(other)].vars[0]
            self.store_temp_var(var, pop=False)
        em.push_special(None)
        em.send_special("==", 1)
        self.if_shape(nil_arm, other, for_value)

    def inline_while(self, plan, n, for_value):
        em = self.em
        top, out = Label(), Label()
        em.label(top)
        self.arm_value(plan.cond)
        em.jump("true" if plan.jump_on else "false", out)
        self.arm_effect(plan.body)
        em.jump("jump", top)
        em.label(out)
        if for_value:
            em.push_special(None)

    def inline_repeat(self, plan, n, for_value):
        em = self.em
        top = Label()
        em.label(top)
        self.arm_effect(plan.body)
        em.jump("jump", top)
        if for_value:
            em.push_special(None)

    def inline_todo(self, plan, n, for_value):
        em = self.em
        block = plan.body
        scope = self.an.scope_of_block[id(block)]
        var = next(v for v in scope.vars if v.name == block.args[0])
        limit_var = self.an.hidden_limits.get(id(n))
        if limit_var is not None:        # Squeak evaluates a computed limit first
            self.value(plan.limit)
            self.store_temp_var(limit_var, pop=True)
        self.value(plan.receiver)
        self.store_temp_var(var, pop=not for_value)
        top, out = Label(), Label()
        em.label(top)
        self.push_temp_var(var)
        if limit_var is None:
            self.value(plan.limit)       # a literal, an argument or self
        else:
            self.push_temp_var(limit_var)
        em.send_special("<=" if plan.step > 0 else ">=", 1)
        em.jump("false", out)
        self.arm_effect(block)
        self.push_temp_var(var)
        self.push_literal(plan.step)
        em.send_special("+", 1)
        self.store_temp_var(var, pop=True)
        em.jump("jump", top)
        em.label(out)

    # --- pre-closure blocks and braces ---------------------------------------------------
    def block_context(self, b: ast.Block):
        em = self.em
        scope = self.an.scope_of_block[id(b)]
        args = [v for v in scope.vars if v.is_arg]
        em.push_special("thisContext")
        self.push_literal(len(args))
        em.send_special("blockCopy:", 1)
        end = Label()
        em.long_jump(end)
        after = em.depth
        em.depth = len(args)              # the BlockContext's own stack starts with them
        em.adjust(0)
        for v in reversed(args):
            em.store_temp(self.slot(v), pop=True)
        self.block_body(b)
        em.label(end)
        em.depth = after

    def brace_by_sends(self, n: ast.Brace):
        em = self.em
        em.push_literal_var(self.lit(Binding("Array")))
        self.push_literal(len(n.elements))
        em.send_special("new:", 1)
        for k, e in enumerate(n.elements):
            em.dup()
            self.push_literal(k + 1)
            self.value(e)
            em.send_special("at:put:", 2)
            em.pop()

    def block_body(self, b: ast.Block):
        """The statements of a block, ending in a block return of the last one's value."""
        em = self.em
        if not b.body:
            em.push_special(None)
            em.block_return()
            return
        self.statements_but_last(b.body)
        last = b.body[-1]
        if isinstance(last, ast.Return):
            self.gen_return(last)
        else:
            self.value(last)
            em.block_return()

    # --- closures ---------------------------------------------------------------------
    def closure(self, b: ast.Block):
        em = self.em
        scope = self.an.scope_of_block[id(b)]
        outer_scope, outer_depth = self.scope, em.depth
        for c in scope.copied:
            if isinstance(c, Vector):
                em.push_temp(self.slot(c))
            else:
                self.push_temp_var(c)
        end = Label()
        try:
            em.closure(len(scope.copied), len(b.args), end)
        except EncodingError as e:
            raise self.errors.error(str(e), b) from None
        after = em.depth
        # Squeak counts a block's frame on top of the enclosing stack
        self.scope = scope
        em.depth = outer_depth + len(b.args) + len(scope.copied)
        em.adjust(0)
        for s in scope.slots:
            if isinstance(s, Vector) and s.scope is scope:
                em.new_array(len(s.vars), cons=False)
            else:
                em.push_special(None)
        self.block_body(b)
        em.label(end)
        self.scope = outer_scope
        em.depth = after
