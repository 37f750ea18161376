"""Name resolution and closure analysis (which temporaries live in temp vectors).

Every method and every block is a `Scope`. A block the compiler inlines (see inlining.py) is an
*inlined* scope: its arguments and temporaries become slots of the nearest real scope (the method
or a block compiled as a closure), its `actual` scope.

The analysis follows Squeak's closure compiler:
* References are numbered by a location counter that advances at every block entry and exit, so
  "before" and "after" a block are comparable.
* A temporary must live in a temp vector (be *remote*) when it is written from a real scope other
  than the one that owns it, or when it is read from another real scope at a location not after
  its latest write (a write after the capture, which a copy would miss).
* After an inlined loop, each temporary written inside the loop gets an extra write at the loop's
  end: the next iteration writes after any capture made inside the loop.
* Arguments (of methods, blocks and inlined blocks, including the to:do: limit) are never remote.
* A scope's remote temporaries share one vector, made when the scope is entered (for inlined
  loop bodies, on every iteration, so each iteration's closures see their own variables).

`analyse(method, resolver)` answers the root `Scope` with every reference resolved in `refs`.
"""
from __future__ import annotations

from catalyst.frontend import ast
from catalyst.frontend.inlining import ConstArm, plan_for

PSEUDO = ("self", "super", "true", "false", "nil", "thisContext")


class TempVar:
    """An argument or temporary, declared by `scope` (real or inlined)."""

    def __init__(self, name: str, scope: "Scope", kind: str, node=None):
        self.name, self.scope, self.kind, self.node = name, scope, kind, node
        self.reads: list[tuple[Scope, int]] = []
        self.writes: list[tuple[Scope, int]] = []
        self.remote = False
        self.index = -1          # slot in scope.actual (when not remote)
        self.vector_index = -1   # index in scope's temp vector (when remote)

    @property
    def is_arg(self) -> bool:
        return self.kind != "temp"

    def sort_key(self):
        # Squeak's tempSortBlock: by slot index, ties broken by the outer scope first
        return (self.index, self.scope.actual.depth)

    def __repr__(self):
        return f"<{self.kind} {self.name}{' remote' if self.remote else ''}>"


class Vector:
    """The temp vector holding the remote temporaries of one scope."""

    def __init__(self, scope: "Scope"):
        self.scope = scope
        self.vars: list[TempVar] = []
        self.index = -1          # slot in scope.actual

    def sort_key(self):
        return (self.index, self.scope.actual.depth)


class Scope:
    def __init__(self, node, parent: "Scope | None", inlined: bool):
        self.node, self.parent, self.inlined = node, parent, inlined
        self.vars: list[TempVar] = []      # declared here, in order (args first)
        self.children: list[Scope] = []
        self.vector: Vector | None = None
        # real scopes only:
        self.copied: list = []             # TempVars / Vectors copied into the closure
        self.slots: list = []              # locals after args (and copied): TempVar / Vector
        if parent is not None:
            parent.children.append(self)

    @property
    def actual(self) -> "Scope":
        s = self
        while s.inlined:
            s = s.parent
        return s

    @property
    def depth(self) -> int:
        return 0 if self.parent is None else self.parent.depth + (0 if self.inlined else 1)

    @property
    def args(self) -> list[TempVar]:
        return [v for v in self.vars if v.kind == "arg"]

    def real_children(self) -> list["Scope"]:
        """Real scopes directly nested in this real scope (through inlined ones)."""
        out = []
        for c in self.children:
            out.extend([c] if not c.inlined else c.real_children())
        return out

    def inlined_descendants(self) -> list["Scope"]:
        """Inlined scopes whose actual scope is this one, in source order."""
        out = []
        for c in self.children:
            if c.inlined:
                out.append(c)
                out.extend(c.inlined_descendants())
        return out


class Analysis:
    """Walks a method: resolves names (via `resolver`), builds scopes, decides remote temps."""

    def __init__(self, resolver, block_contexts: bool = False):
        self.resolver = resolver          # resolver(name, node) -> ('ivar', i) | ('global', name)
        # pre-closure blocks: every block's arguments and temporaries are slots of the method
        # (a BlockContext uses its home's), as if every block were inlined; nothing is remote
        self.block_contexts = block_contexts
        self.refs: dict[int, object] = {}   # id(Var node) -> TempVar | ('pseudo'|'ivar'|'global', x)
        self.scope_of_block: dict[int, Scope] = {}
        self.hidden_limits: dict[int, TempVar] = {}   # id(to:do: Send) -> limit temp
        self.location = 0
        self.open_loops: list[set] = []
        self.temps: list[TempVar] = []

    # --- declarations ------------------------------------------------------------------
    def declare(self, env: list[dict], scope: Scope, name: str, kind: str, node) -> TempVar:
        if name in PSEUDO:
            raise self.resolver.error(f"cannot use {name} as a variable name", node)
        if name in env[-1]:
            raise self.resolver.error(f"{name} is declared twice", node)
        v = TempVar(name, scope, kind, node)
        scope.vars.append(v)
        env[-1][name] = v
        self.temps.append(v)
        return v

    @staticmethod
    def lookup(env, name):
        for frame in reversed(env):
            if name in frame:
                return frame[name]
        return None

    # --- walking -----------------------------------------------------------------------
    def run(self, method: ast.Method) -> Scope:
        root = Scope(method, None, inlined=False)
        env: list[dict] = [{}]
        for a in method.args:
            self.declare(env, root, a, "arg", method)
        for t in method.temps:
            self.declare(env, root, t, "temp", method)
        self.body(method.body, env, root)
        for v in self.temps:
            self.decide(v)
        return root

    def body(self, stmts, env, scope):
        for s in stmts:
            self.expr(s, env, scope)

    def enter(self):
        self.location += 1

    def expr(self, n, env, scope):
        if isinstance(n, ast.Var):
            self.reference(n, env, scope, write=False)
        elif isinstance(n, ast.Assign):
            self.expr(n.value, env, scope)       # the value is computed before the store
            self.reference(n.var, env, scope, write=True)
        elif isinstance(n, ast.Return):
            self.expr(n.value, env, scope)
        elif isinstance(n, ast.Send):
            self.send(n, env, scope)
        elif isinstance(n, ast.Cascade):
            self.expr(n.receiver, env, scope)
            for part in n.parts:
                self.expr(part, env, scope)
        elif isinstance(n, ast.Block):
            self.block(n, env, scope, inlined=False)
        elif isinstance(n, ast.Brace):
            for e in n.elements:
                self.expr(e, env, scope)
        elif isinstance(n, (ast.Literal, ast.CascadeReceiver, ConstArm)) or n is None:
            pass
        else:  # pragma: no cover - the parser makes no other nodes
            raise self.resolver.error(f"unexpected node {type(n).__name__}", n)

    def send(self, n: ast.Send, env, scope):
        plan = plan_for(n)
        if plan is None:
            self.expr(n.receiver, env, scope)
            for a in n.args:
                self.expr(a, env, scope)
            return
        if plan.kind == "todo":
            self.expr(plan.receiver, env, scope)
            self.expr(plan.limit, env, scope)
            self.loop([plan.body], env, scope, todo=n)
        elif plan.kind == "while":
            self.loop([plan.cond, plan.body], env, scope)
        elif plan.kind == "repeat":
            self.loop([plan.body], env, scope)
        else:   # if, ifnil, ifnilnotnil
            self.expr(plan.receiver, env, scope)
            for arm in plan.arms:
                if isinstance(arm, ast.Block):
                    self.block(arm, env, scope, inlined=True, binds_receiver=plan.kind == "ifnilnotnil")

    def loop(self, blocks, env, scope, todo=None):
        written: set = set()
        self.open_loops.append(written)
        for b in blocks:
            if isinstance(b, ast.Block):
                self.block(b, env, scope, inlined=True, todo=todo)
        self.open_loops.pop()
        for v in written:      # the next iteration writes after this iteration's captures
            if not v.is_arg:
                v.writes.append((v.scope, self.location))
        if self.open_loops:
            self.open_loops[-1].update(written)

    def block(self, b: ast.Block, env, scope, inlined: bool, todo=None, binds_receiver=False):
        inlined = inlined or self.block_contexts
        inner = Scope(b, scope, inlined)
        self.scope_of_block[id(b)] = inner
        self.enter()
        env.append({})
        if inlined:
            if todo is not None and self.limit_needs_temp(todo.args[0]):
                # Squeak keeps the limit in a hidden temp, ahead of the loop variable
                self.hidden_limits[id(todo)] = self.declare(env, inner, f"<limit of {b.args[0]}>",
                                                            "inlined_arg", b)
            for a in b.args:
                self.declare(env, inner, a, "inlined_arg", b)
        else:
            for a in b.args:
                self.declare(env, inner, a, "arg", b)
        for t in b.temps:
            self.declare(env, inner, t, "temp", b)
        self.body(b.body, env, inner)
        env.pop()
        self.enter()

    def limit_needs_temp(self, limit) -> bool:
        """A to:do: limit is re-read each iteration only when it cannot change: a literal
        number, an argument or self (what Squeak's compiler does; temps are copied)."""
        if isinstance(limit, ast.Literal):
            return type(limit.value) not in (int, float)
        if isinstance(limit, ast.Var):
            ref = self.refs.get(id(limit))
            return not (ref == ("pseudo", "self") or (isinstance(ref, TempVar) and ref.is_arg))
        return True

    def reference(self, var: ast.Var, env, scope: Scope, write: bool):
        name = var.name
        if name in PSEUDO:
            if write:
                raise self.resolver.error(f"cannot assign to {name}", var)
            self.refs[id(var)] = ("pseudo", name)
            return
        v = self.lookup(env, name)
        if v is None:
            self.refs[id(var)] = self.resolver(name, var, write)
            return
        if write and v.is_arg:
            what = "argument" if v.kind == "arg" else "block argument"
            raise self.resolver.error(f"cannot assign to {what} {name}", var)
        (v.writes if write else v.reads).append((scope, self.location))
        if write:
            for w in self.open_loops:
                w.add(v)
        self.refs[id(var)] = v

    # --- the closure rule -----------------------------------------------------------------
    @staticmethod
    def decide(v: TempVar):
        if v.is_arg:
            return
        home = v.scope.actual
        if any(s.actual is not home for s, _ in v.writes):
            v.remote = True            # written from another closure
            return
        latest = max((pos for _, pos in v.writes), default=-1)
        v.remote = any(s.actual is not home and pos <= latest for s, pos in v.reads)


def assign_slots(scope: Scope):
    """Slot numbers: args, copied values (blocks), then the locals of the scope and of its
    inlined scopes in source order, each group's temp vector after its plain temporaries."""
    assert not scope.inlined
    n = len(scope.args)
    for i, a in enumerate(scope.args):
        a.index = i
    if scope.parent is not None:
        scope.copied = sorted(free_values(scope), key=lambda c: c.sort_key())
        n += len(scope.copied)
    scope.slots = []
    for group in [scope] + scope.inlined_descendants():
        remote = []
        for v in group.vars:
            if v.kind == "arg":
                continue
            if v.remote:
                remote.append(v)
            else:
                v.index = n
                scope.slots.append(v)
                n += 1
        if remote:
            group.vector = Vector(group)
            group.vector.vars = remote
            for k, v in enumerate(remote):
                v.vector_index = k
            group.vector.index = n
            scope.slots.append(group.vector)
            n += 1
    for child in scope.real_children():
        assign_slots(child)


def free_values(scope: Scope) -> list:
    """Values a closure must copy: outer non-remote temps and outer temp vectors that it or
    the closures nested in it use."""
    found: dict[int, object] = {}
    for v in scope.referenced:
        if _defined_outside(v, scope):
            val = v.scope.vector if v.remote else v
            found.setdefault(id(val), val)
    return list(found.values())


def _defined_outside(v: TempVar, scope: Scope) -> bool:
    s = scope.parent
    while s is not None:
        if s is v.scope:
            return True
        s = s.parent
    return False


def collect_references(root: Scope, analysis: Analysis, method: ast.Method):
    """Give every scope the list of TempVars referenced within its extent (nested included)."""
    def walk(node, stack: list[Scope]):
        if isinstance(node, ast.Block):
            s = analysis.scope_of_block.get(id(node))
            if s is not None:
                s.referenced = []
                stack = stack + [s]
        if isinstance(node, ast.Var):
            v = analysis.refs.get(id(node))
            if isinstance(v, TempVar):
                for s in stack:
                    s.referenced.append(v)
        for c in ast.children(node):
            walk(c, stack)

    root.referenced = []
    for s in method.body:
        walk(s, [root])
