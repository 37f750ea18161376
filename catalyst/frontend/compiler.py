"""Code generator: Smalltalk AST -> CompiledMethodSpec in the V3PlusClosures bytecode set.

Two passes over a method:
1. Scope analysis: every variable reference is resolved (temporary, instance variable, global
   or class variable binding, pseudo-variable); blocks that the compiler inlines (ifTrue:,
   and:, whileTrue:, to:do:, ifNil:...) are marked; each temporary learns whether a non-inlined
   block captures it and whether it is assigned after the capture or inside a block. Those live
   in a temp vector (Squeak's closure compiler rule); others are copied into the closures.
2. Emission into a list of instructions with symbolic jumps, then jump relaxation chooses the
   short forms where they reach, and the bytes are laid out. Literals are numbered in order of
   first use; the selector and the method class binding come last, as Squeak orders them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from catalyst.frontend import ast
from catalyst.frontend.bytecodes import SPECIAL_SELECTORS
from catalyst.frontend.errors import CompileError
from catalyst.frontend.literals import Binding, MethodClassBinding, Sym, literal_key
from catalyst.frontend.parser import parse_doit, parse_method

SPECIAL_INDEX = {sel: (i, n) for i, (sel, n) in enumerate(SPECIAL_SELECTORS)}
PSEUDO = ("self", "super", "true", "false", "nil", "thisContext")


@dataclass
class ClassScope:
    """What the compiler needs to know about the class a method is compiled in."""
    name: str = "UndefinedObject"
    inst_vars: list[str] = field(default_factory=list)
    class_vars: set[str] = field(default_factory=set)
    is_global: Callable[[str], bool] = lambda name: False


@dataclass
class CompiledMethodSpec:
    selector: str
    header: int
    literals: list
    bytecodes: bytes
    num_args: int
    num_temps: int
    primitive: int
    frame_size: int
    source: str = ""
    trailer: bytes = b"\x00"
    class_name: str = ""

    @property
    def num_literals(self) -> int:
        return len(self.literals)


# --- scope analysis ---------------------------------------------------------------------------

class TempVar:
    """A temporary or argument; `scope` is the real (non-inlined) scope that owns it."""

    def __init__(self, name: str, scope: "RealScope", is_arg: bool = False):
        self.name, self.scope, self.is_arg = name, scope, is_arg
        self.captured = False          # read or written by a nested real block
        self.written_in_block = False  # assigned from a nested real block
        self.first_capture = None      # order number of the first capture
        self.writes: list[int] = []    # order numbers of assignments in its own scope
        self.capture_in_loop = False
        self.remote = False
        self.index = -1                # slot in its scope (non-remote)
        self.vector_index = -1         # index inside the scope's temp vector (remote)


class RealScope:
    """A method or a block that is compiled as a closure."""

    def __init__(self, parent: "RealScope | None", node):
        self.parent, self.node = parent, node
        self.args: list[TempVar] = []
        self.locals: list[TempVar] = []     # declared temps, then inlined blocks' args and temps
        self.copied: list = []              # TempVars (or scope vectors) copied into a closure
        self.vector_slot = -1
        self.children: list[RealScope] = []

    @property
    def remote_vars(self):
        return [v for v in self.args + self.locals if v.remote]

    def depth(self) -> int:
        return 0 if self.parent is None else 1 + self.parent.depth()


class VectorRef:
    """The temp vector of a scope, as a value that closures copy."""

    def __init__(self, scope: RealScope):
        self.scope = scope


INLINE_0 = {"ifTrue:", "ifFalse:", "ifTrue:ifFalse:", "ifFalse:ifTrue:", "and:", "or:",
            "whileTrue:", "whileFalse:", "whileTrue", "whileFalse", "repeat"}


def inlined_blocks(send: ast.Send) -> list[ast.Block] | None:
    """The literal blocks of a send the compiler inlines, or None when it is a real send."""
    sel, args, rcv = send.selector, send.args, send.receiver

    def blk(n, nargs=(0,)):
        return isinstance(n, ast.Block) and len(n.args) in nargs

    if sel in ("ifTrue:", "ifFalse:", "and:", "or:") and blk(args[0]):
        return [args[0]]
    if sel in ("ifTrue:ifFalse:", "ifFalse:ifTrue:") and blk(args[0]) and blk(args[1]):
        return [args[0], args[1]]
    if sel in ("whileTrue:", "whileFalse:") and blk(rcv) and blk(args[0]):
        return [rcv, args[0]]
    if sel in ("whileTrue", "whileFalse", "repeat") and blk(rcv):
        return [rcv]
    if sel == "to:do:" and blk(args[1], (1,)):
        return [args[1]]
    if sel == "to:by:do:" and blk(args[2], (1,)) and isinstance(args[1], ast.Literal) \
            and isinstance(args[1].value, int) and args[1].value != 0:
        return [args[2]]
    if sel == "ifNil:" and blk(args[0]):
        return [args[0]]
    if sel == "ifNotNil:" and blk(args[0], (0, 1)):
        return [args[0]]
    if sel in ("ifNil:ifNotNil:", "ifNotNil:ifNil:") and blk(args[0], (0, 1)) and blk(args[1], (0, 1)):
        nil_blk = args[0] if sel == "ifNil:ifNotNil:" else args[1]
        if nil_blk.args:
            return None
        return [args[0], args[1]]
    return None


class Analyzer:
    """Pass 1: resolve names, mark inlined blocks, decide which temps are remote."""

    def __init__(self, method: ast.Method, cls: ClassScope, compiler: "MethodCompiler"):
        self.cls, self.c = cls, compiler
        self.order = 0
        self.loop_depth = 0
        self.inlined: set[int] = set()          # id() of inlined Block nodes
        self.refs: dict[int, object] = {}       # id(Var node) -> TempVar | ('ivar', i) | ...
        self.block_scopes: dict[int, RealScope] = {}
        self.root = RealScope(None, method)

    def run(self, method: ast.Method) -> RealScope:
        env: list[dict] = [{}]
        for a in method.args:
            v = TempVar(a, self.root, is_arg=True)
            self.root.args.append(v)
            env[-1][a] = v
        temps = list(method.temps)
        if method.error_temp and method.error_temp not in temps:
            temps.insert(0, method.error_temp)
        for t in temps:
            self.declare(env, t, self.root)
        self.statements(method.body, env, self.root)
        return self.root

    def declare(self, env, name, scope):
        v = TempVar(name, scope)
        v.decl_loop_depth = self.loop_depth
        scope.locals.append(v)
        env[-1][name] = v
        return v

    def lookup(self, env, name):
        for frame in reversed(env):
            if name in frame:
                return frame[name]
        return None

    def statements(self, stmts, env, scope):
        for s in stmts:
            self.expr(s, env, scope)

    def expr(self, n, env, scope):
        self.order += 1
        if isinstance(n, ast.Var):
            self.reference(n, env, scope, write=False)
        elif isinstance(n, ast.Assign):
            self.expr(n.value, env, scope)
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
            self.real_block(n, env, scope)
        elif isinstance(n, ast.Brace):
            if len(n.elements) > 127:
                raise self.c.error("brace array with more than 127 elements", n)
            for e in n.elements:
                self.expr(e, env, scope)
        elif isinstance(n, (ast.Literal, ast.CascadeReceiver)):
            pass
        else:  # pragma: no cover
            raise self.c.error(f"unexpected node {type(n).__name__}", n)

    def send(self, n: ast.Send, env, scope):
        blocks = inlined_blocks(n)
        if n.receiver is not None and not (blocks and n.receiver is blocks[0] and
                                           n.selector in ("whileTrue:", "whileFalse:", "whileTrue",
                                                          "whileFalse", "repeat")):
            self.expr(n.receiver, env, scope)
        loop = n.selector in ("whileTrue:", "whileFalse:", "whileTrue", "whileFalse", "repeat",
                              "to:do:", "to:by:do:")
        for arg in n.args:
            if blocks and arg in [b for b in blocks]:
                continue
            self.expr(arg, env, scope)
        if blocks is None:
            return
        if n.selector in ("to:do:", "to:by:do:"):
            lim = n.args[0]
            if not (isinstance(lim, ast.Literal) and type(lim.value) is int):
                hidden = TempVar(f"<limit{len(scope.locals)}>", scope)
                scope.locals.append(hidden)
                self.c.an_hidden[id(n)] = hidden
        if loop:
            self.loop_depth += 1
        for b in blocks:
            self.inlined.add(id(b))
            env.append({})
            for a in b.args:
                self.declare(env, a, scope).decl_node = b
            for t in b.temps:
                self.declare(env, t, scope)
            self.statements(b.body, env, scope)
            env.pop()
        if loop:
            self.loop_depth -= 1

    def real_block(self, b: ast.Block, env, scope):
        inner = RealScope(scope, b)
        scope.children.append(inner)
        self.block_scopes[id(b)] = inner
        env.append({})
        for a in b.args:
            v = TempVar(a, inner, is_arg=True)
            inner.args.append(v)
            env[-1][a] = v
        for t in b.temps:
            self.declare(env, t, inner)
        self.statements(b.body, env, inner)
        env.pop()

    def reference(self, var: ast.Var, env, scope, write: bool):
        name = var.name
        if name in PSEUDO:
            if write:
                raise self.c.error(f"cannot assign to {name}", var)
            self.refs[id(var)] = ("pseudo", name)
            return
        v = self.lookup(env, name)
        if v is not None:
            if write and v.is_arg:
                raise self.c.error(f"cannot assign to argument {name}", var)
            if v.scope is not scope:
                v.captured = True
                if v.first_capture is None:
                    v.first_capture = self.order
                if self.loop_depth > getattr(v, "decl_loop_depth", 0):
                    v.capture_in_loop = True     # a later iteration may write after a capture
                if write:
                    v.written_in_block = True
            elif write:
                v.writes.append(self.order)
            self.refs[id(var)] = v
            return
        if name in self.cls.inst_vars:
            if write is False or True:
                self.refs[id(var)] = ("ivar", self.cls.inst_vars.index(name))
            return
        if name in self.cls.class_vars or self.cls.is_global(name) or \
                (self.c.is_doit and name[:1].isupper()):
            self.refs[id(var)] = ("global", name)
            return
        raise self.c.error(f"undeclared variable {name}", var)

    def decide_remote(self, scope: RealScope):
        for v in scope.args + scope.locals:
            if v.captured and not v.is_arg:
                v.remote = (v.written_in_block or
                            any(w > (v.first_capture or 0) for w in v.writes) or
                            (v.capture_in_loop and bool(v.writes)))
        for child in scope.children:
            self.decide_remote(child)


# --- emission ---------------------------------------------------------------------------------

@dataclass
class Label:
    pos: int = -1


@dataclass
class Jump:
    kind: str        # "jump", "false", "true"
    target: Label
    size: int = 1    # 1 short, 2 long

    def can_be_short(self, distance: int) -> bool:
        return self.kind in ("jump", "false") and 1 <= distance <= 8


@dataclass
class ClosureHead:
    desc: int
    end: Label


class Emitter:
    """Instructions of one method (closure bodies inline), with stack depth tracking."""

    def __init__(self):
        self.items: list = []
        self.depth = 0
        self.max_depth = 0

    def emit(self, *bs: int, effect: int = 0):
        self.items.append(bytes(bs))
        self.adjust(effect)

    def adjust(self, effect: int):
        self.depth += effect
        self.max_depth = max(self.max_depth, self.depth)

    def jump(self, kind: str, target: Label):
        self.items.append(Jump(kind, target))
        if kind != "jump":
            self.adjust(-1)

    def label(self, lab: Label):
        self.items.append(lab)

    def assemble(self) -> bytes:
        jumps = [i for i in self.items if isinstance(i, Jump)]
        for j in jumps:
            j.size = 1
        for _ in range(100):
            self._layout()
            changed = False
            for idx, item in enumerate(self.items):
                if isinstance(item, Jump):
                    dist = item.target.pos - (self._pos[idx] + item.size)
                    want = 1 if item.can_be_short(dist) else 2
                    if want > item.size:
                        item.size = want
                        changed = True
            if not changed:
                break
        out = bytearray()
        for idx, item in enumerate(self.items):
            if isinstance(item, bytes):
                out += item
            elif isinstance(item, Jump):
                dist = item.target.pos - (self._pos[idx] + item.size)
                if item.size == 1:
                    out.append((144 if item.kind == "jump" else 152) + dist - 1)
                elif item.kind == "jump":
                    if not -1024 <= dist <= 1023:
                        raise ValueError("jump too far")
                    out += bytes([160 + ((dist + 1024) >> 8), (dist + 1024) & 255])
                else:
                    if not 0 <= dist <= 1023:
                        raise ValueError("conditional jump too far")
                    out += bytes([(168 if item.kind == "true" else 172) + (dist >> 8), dist & 255])
            elif isinstance(item, ClosureHead):
                size = item.end.pos - (self._pos[idx] + 4)
                if size > 0xFFFF:
                    raise ValueError("block too large")
                out += bytes([143, item.desc, size >> 8, size & 255])
        return bytes(out)

    def _layout(self):
        pos = 0
        self._pos = []
        for item in self.items:
            self._pos.append(pos)
            if isinstance(item, bytes):
                pos += len(item)
            elif isinstance(item, Jump):
                pos += item.size
            elif isinstance(item, ClosureHead):
                pos += 4
            elif isinstance(item, Label):
                item.pos = pos


class MethodCompiler:
    def __init__(self, source: str, cls: ClassScope, filename: str, line_offset: int, doit: bool):
        self.source, self.cls, self.filename, self.line_offset = source, cls, filename, line_offset
        self.is_doit = doit
        self.literals: list = []
        self.literal_index: dict = {}
        self.em = Emitter()
        self.an_hidden: dict = {}

    def error(self, msg: str, node) -> CompileError:
        return CompileError.at(msg, self.source, getattr(node, "pos", 0), self.filename, self.line_offset)

    # --- literals ---------------------------------------------------------------------------
    def lit(self, value) -> int:
        key = literal_key(value)
        if key not in self.literal_index:
            if len(self.literals) >= 254:   # the longest encodings reach literal 255
                raise self.error("method too large: more than 254 literals", self.method)
            self.literal_index[key] = len(self.literals)
            self.literals.append(value)
        return self.literal_index[key]

    # --- top level --------------------------------------------------------------------------
    def compile(self) -> CompiledMethodSpec:
        parse = parse_doit if self.is_doit else parse_method
        m = parse(self.source, self.filename, self.line_offset)
        self.method = m
        an = Analyzer(m, self.cls, self)
        self.an = an
        root = an.run(m)
        an.decide_remote(root)
        self.assign_slots(root)
        if m.named_primitive:
            module, name = m.named_primitive
            from catalyst.frontend.literals import LitArray
            self.lit(LitArray((module, name, 0, 0)))
        em = self.em
        if m.primitive:
            em.emit(139, m.primitive & 255, m.primitive >> 8)
        self.scope_prologue(root)
        self.scope = root
        body = m.body
        if self.is_doit:
            if body and not isinstance(body[-1], ast.Return):
                for s in body[:-1]:
                    self.gen_effect(s)
                self.gen_value(body[-1])
                em.emit(124, effect=-1)
            else:
                for s in body:
                    self.gen_effect(s)
                if not body:
                    em.emit(123)
        else:
            for s in body:
                self.gen_effect(s)
            if not body or not isinstance(body[-1], ast.Return):
                em.emit(120)
        try:
            code = em.assemble()
        except ValueError as e:   # jumps or blocks beyond what the bytecode set can encode
            raise self.error(f"method too large: {e}", m) from None
        self.literals.append(Sym(m.selector))      # always second to last, as Squeak has it
        self.literals.append(MethodClassBinding())
        num_temps = len(root.args) + len(root.locals_slots)
        frame = num_temps + em.max_depth
        nlits = len(self.literals)
        if nlits > 0x7FFF:
            raise self.error("too many literals", m)
        if len(m.args) > 15 or num_temps > 63:
            raise self.error("too many arguments or temporaries", m)
        header = (nlits | ((1 if m.primitive else 0) << 16) | ((1 if frame > 16 else 0) << 17)
                  | (num_temps << 18) | (len(m.args) << 24))
        return CompiledMethodSpec(m.selector, header, self.literals, code, len(m.args), num_temps,
                                  m.primitive, frame, self.source, class_name=self.cls.name)

    def assign_slots(self, scope: RealScope):
        """Slots: args, (blocks) copied values, locals (non-remote), then the temp vector."""
        idx = len(scope.args)
        for v in scope.args:
            v.index = scope.args.index(v)
        if scope.parent is not None:
            scope.copied = self.free_values(scope)
            idx += len(scope.copied)
        scope.locals_slots = []
        for v in scope.locals:
            if not v.remote:
                v.index = idx
                scope.locals_slots.append(v)
                idx += 1
        remote = [v for v in scope.locals if v.remote]
        for k, v in enumerate(remote):
            v.vector_index = k
        if remote:
            scope.vector_slot = idx
            scope.locals_slots.append(VectorRef(scope))
            idx += 1
        for child in scope.children:
            self.assign_slots(child)

    def free_values(self, scope: RealScope) -> list:
        """Outer values a closure copies: non-remote outer temps and outer temp vectors, in order
        of first reference inside the closure (nested closures included)."""
        found: list = []
        seen: set = set()

        def visit(n):
            if isinstance(n, ast.Var):
                v = self.an.refs.get(id(n))
                if isinstance(v, TempVar) and self.outside(v.scope, scope):
                    val = VectorRef(v.scope) if v.remote else v
                    key = ("vec", id(v.scope)) if v.remote else ("var", id(v))
                    if key not in seen:
                        seen.add(key)
                        found.append(val)
                return
            for child in children(n):
                visit(child)

        for s in scope.node.body:
            visit(s)
        return found

    @staticmethod
    def outside(owner: RealScope, scope: RealScope) -> bool:
        """True when owner is a strict ancestor of scope (its values must be copied in)."""
        s = scope.parent
        while s is not None:
            if s is owner:
                return True
            s = s.parent
        return False

    def scope_prologue(self, scope: RealScope):
        """Blocks push nil for their locals; every scope with remote temps makes its vector."""
        em = self.em
        if scope.parent is not None:
            for v in scope.locals_slots:
                if not isinstance(v, VectorRef):
                    em.emit(115, effect=1)
        remote = [v for v in scope.locals if v.remote]
        if remote:
            em.emit(138, len(remote), effect=1)
            if scope.parent is not None:
                pass   # the vector stays on the stack as the block's last local slot
            else:
                self.emit_store_temp(scope.vector_slot, pop=True)

    # --- variable access --------------------------------------------------------------------
    def slot_of(self, value) -> int:
        """Slot in the current scope holding a TempVar's value or a scope's temp vector."""
        scope = self.scope
        if isinstance(value, VectorRef):
            if value.scope is scope:
                return scope.vector_slot
            for k, c in enumerate(scope.copied):
                if isinstance(c, VectorRef) and c.scope is value.scope:
                    return len(scope.args) + k
        else:
            if value.scope is scope:
                return value.index
            for k, c in enumerate(scope.copied):
                if c is value:
                    return len(scope.args) + k
        raise AssertionError("variable not reachable from scope")

    def emit_push_temp(self, i: int):
        if i <= 15:
            self.em.emit(16 + i, effect=1)
        else:
            self.em.emit(128, 0x40 | i, effect=1)

    def emit_store_temp(self, i: int, pop: bool):
        if pop and i <= 7:
            self.em.emit(104 + i, effect=-1)
        else:
            self.em.emit(130 if pop else 129, 0x40 | i, effect=-1 if pop else 0)

    def push_var(self, node: ast.Var):
        ref = self.an.refs[id(node)]
        em = self.em
        if isinstance(ref, TempVar):
            if ref.remote:
                em.emit(140, ref.vector_index, self.slot_of(VectorRef(ref.scope)), effect=1)
            else:
                self.emit_push_temp(self.slot_of(ref))
            return
        kind, val = ref
        if kind == "pseudo":
            code = {"self": 112, "super": 112, "true": 113, "false": 114, "nil": 115,
                    "thisContext": 137}[val]
            em.emit(code, effect=1)
        elif kind == "ivar":
            if val <= 15:
                em.emit(val, effect=1)
            elif val <= 63:
                em.emit(128, val, effect=1)
            else:
                em.emit(132, 2 << 5, val, effect=1)
        else:
            j = self.lit(Binding(val))
            if j <= 31:
                em.emit(64 + j, effect=1)
            elif j <= 63:
                em.emit(128, 0xC0 | j, effect=1)
            else:
                em.emit(132, 4 << 5, j, effect=1)

    def store_var(self, node: ast.Var, pop: bool):
        ref = self.an.refs[id(node)]
        em = self.em
        if isinstance(ref, TempVar):
            if ref.remote:
                em.emit(142 if pop else 141, ref.vector_index, self.slot_of(VectorRef(ref.scope)),
                        effect=-1 if pop else 0)
            else:
                self.emit_store_temp(self.slot_of(ref), pop)
            return
        kind, val = ref
        if kind == "ivar":
            if pop and val <= 7:
                em.emit(96 + val, effect=-1)
            elif val <= 63:
                em.emit(130 if pop else 129, val, effect=-1 if pop else 0)
            else:
                em.emit(132, (6 if pop else 5) << 5, val, effect=-1 if pop else 0)
        else:
            j = self.lit(Binding(val))
            if j <= 63:
                em.emit(130 if pop else 129, 0xC0 | j, effect=-1 if pop else 0)
            else:
                em.emit(132, 7 << 5, j, effect=0)
                if pop:
                    em.emit(135, effect=-1)

    def push_literal(self, value):
        em = self.em
        if value is True:
            em.emit(113, effect=1)
        elif value is False:
            em.emit(114, effect=1)
        elif value is None:
            em.emit(115, effect=1)
        elif type(value) is int and -1 <= value <= 2:
            em.emit(117 + value, effect=1)
        else:
            j = self.lit(value)
            if j <= 31:
                em.emit(32 + j, effect=1)
            elif j <= 63:
                em.emit(128, 0x80 | j, effect=1)
            else:
                em.emit(132, 3 << 5, j, effect=1)

    def emit_send(self, selector: str, nargs: int, super_: bool = False):
        em = self.em
        if not super_ and selector in SPECIAL_INDEX and SPECIAL_INDEX[selector][1] == nargs:
            em.emit(176 + SPECIAL_INDEX[selector][0], effect=-nargs)
            return
        j = self.lit(Sym(selector))
        if super_:
            if j <= 31 and nargs <= 7:
                em.emit(133, (nargs << 5) | j, effect=-nargs)
            else:
                em.emit(132, (1 << 5) | nargs, j, effect=-nargs)
            return
        if nargs <= 2 and j <= 15:
            em.emit(208 + 16 * nargs + j, effect=-nargs)
        elif j <= 31 and nargs <= 7:
            em.emit(131, (nargs << 5) | j, effect=-nargs)
        elif j <= 63 and nargs <= 3:
            em.emit(134, (nargs << 6) | j, effect=-nargs)
        else:
            em.emit(132, nargs, j, effect=-nargs)

    # --- statements and expressions ---------------------------------------------------------
    def gen_effect(self, n):
        """Generate n for its effect only (nothing left on the stack)."""
        if isinstance(n, ast.Assign):
            self.gen_value(n.value)
            self.store_var(n.var, pop=True)
        elif isinstance(n, ast.Return):
            self.gen_return(n)
        elif isinstance(n, (ast.Literal, ast.Var)) and not (isinstance(n, ast.Var) and
                                                              self.an.refs.get(id(n)) == ("pseudo", "thisContext")):
            pass    # a value nobody uses: nothing to do
        else:
            self.gen_value(n)
            self.em.emit(135, effect=-1)

    def gen_return(self, n: ast.Return):
        v = n.value
        em = self.em
        if isinstance(v, ast.Var) and self.an.refs.get(id(v)) == ("pseudo", "self"):
            em.emit(120)
        elif isinstance(v, ast.Literal) and v.value is True:
            em.emit(121)
        elif isinstance(v, ast.Literal) and v.value is False:
            em.emit(122)
        elif isinstance(v, ast.Literal) and v.value is None:
            em.emit(123)
        else:
            self.gen_value(v)
            em.emit(124, effect=-1)

    def gen_value(self, n):
        em = self.em
        if isinstance(n, ast.Literal):
            self.push_literal(n.value)
        elif isinstance(n, ast.Var):
            self.push_var(n)
        elif isinstance(n, ast.Assign):
            self.gen_value(n.value)
            self.store_var(n.var, pop=False)
        elif isinstance(n, ast.Send):
            self.gen_send(n)
        elif isinstance(n, ast.Cascade):
            self.gen_value(n.receiver)
            for part in n.parts[:-1]:
                em.emit(136, effect=1)
                self.gen_cascade_part(part)
                em.emit(135, effect=-1)
            self.gen_cascade_part(n.parts[-1])
        elif isinstance(n, ast.Block):
            self.gen_closure(n)
        elif isinstance(n, ast.Brace):
            for e in n.elements:
                self.gen_value(e)
            em.emit(138, 0x80 | len(n.elements), effect=1 - len(n.elements))
        elif isinstance(n, ast.Return):
            self.gen_return(n)
            em.adjust(1)     # unreachable continuation; keep the depth bookkeeping consistent
        elif isinstance(n, ast.CascadeReceiver):
            pass
        else:  # pragma: no cover
            raise self.error(f"cannot compile {type(n).__name__}", n)

    def gen_cascade_part(self, part):
        """A cascade part: a send chain whose innermost receiver is the CascadeReceiver."""
        if isinstance(part, ast.CascadeReceiver):
            return
        self.gen_cascade_part(part.receiver)
        for a in part.args:
            self.gen_value(a)
        self.emit_send(part.selector, len(part.args))

    def gen_send(self, n: ast.Send):
        blocks = inlined_blocks(n)
        if blocks is not None:
            return self.gen_inlined(n, blocks)
        is_super = isinstance(n.receiver, ast.Var) and self.an.refs.get(id(n.receiver)) == ("pseudo", "super")
        self.gen_value(n.receiver)
        for a in n.args:
            self.gen_value(a)
        self.emit_send(n.selector, len(n.args), super_=is_super)

    def gen_body(self, b: ast.Block):
        """The statements of an inlined block, leaving the value of the last (nil if empty)."""
        if not b.body:
            self.em.emit(115, effect=1)
            return
        for s in b.body[:-1]:
            self.gen_effect(s)
        self.gen_value(b.body[-1])

    def gen_body_effect(self, b: ast.Block):
        for s in b.body:
            self.gen_effect(s)

    def store_temp_var(self, v: TempVar, pop: bool):
        if v.remote:
            self.em.emit(142 if pop else 141, v.vector_index, self.slot_of(VectorRef(v.scope)),
                         effect=-1 if pop else 0)
        else:
            self.emit_store_temp(self.slot_of(v), pop)

    def push_temp_var(self, v: TempVar):
        if v.remote:
            self.em.emit(140, v.vector_index, self.slot_of(VectorRef(v.scope)), effect=1)
        else:
            self.emit_push_temp(self.slot_of(v))

    def gen_inlined(self, n: ast.Send, blocks):
        em = self.em
        sel = n.selector
        if sel in ("ifTrue:", "ifFalse:", "ifTrue:ifFalse:", "ifFalse:ifTrue:"):
            self.gen_value(n.receiver)
            if sel == "ifTrue:ifFalse:":
                yes, no = blocks
            elif sel == "ifFalse:ifTrue:":
                no, yes = blocks
            elif sel == "ifTrue:":
                yes, no = blocks[0], None
            else:
                yes, no = None, blocks[0]
            l_else, l_end = Label(), Label()
            em.jump("false", l_else)
            d = em.depth
            if yes is not None:
                self.gen_body(yes)
            else:
                em.emit(115, effect=1)
            em.jump("jump", l_end)
            em.depth = d
            em.label(l_else)
            if no is not None:
                self.gen_body(no)
            else:
                em.emit(115, effect=1)
            em.label(l_end)
            return
        if sel in ("and:", "or:"):
            self.gen_value(n.receiver)
            l_short, l_end = Label(), Label()
            em.jump("false" if sel == "and:" else "true", l_short)
            d = em.depth
            self.gen_body(blocks[0])
            em.jump("jump", l_end)
            em.depth = d
            em.label(l_short)
            em.emit(114 if sel == "and:" else 113, effect=1)
            em.label(l_end)
            return
        if sel in ("whileTrue:", "whileFalse:", "whileTrue", "whileFalse"):
            l_top, l_end = Label(), Label()
            em.label(l_top)
            self.gen_body(blocks[0])
            em.jump("false" if sel.startswith("whileTrue") else "true", l_end)
            if len(blocks) > 1:
                self.gen_body_effect(blocks[1])
            em.jump("jump", l_top)
            em.label(l_end)
            em.emit(115, effect=1)
            return
        if sel == "repeat":
            l_top = Label()
            em.label(l_top)
            self.gen_body_effect(blocks[0])
            em.jump("jump", l_top)
            em.emit(115, effect=1)
            return
        if sel in ("to:do:", "to:by:do:"):
            body = blocks[0]
            step = n.args[1].value if sel == "to:by:do:" else 1
            var = self.decl_of(body, 0)
            self.gen_value(n.receiver)
            self.store_temp_var(var, pop=True)
            limit = n.args[0]
            limit_var = None
            if not (isinstance(limit, ast.Literal) and type(limit.value) is int):
                limit_var = self.hidden_temp(n)
                self.gen_value(limit)
                self.store_temp_var(limit_var, pop=True)
            l_top, l_end = Label(), Label()
            em.label(l_top)
            self.push_temp_var(var)
            if limit_var is None:
                self.push_literal(limit.value)
            else:
                self.push_temp_var(limit_var)
            em.emit(180 if step > 0 else 181, effect=-1)
            em.jump("false", l_end)
            self.gen_body_effect(body)
            self.push_temp_var(var)
            self.push_literal(step)
            em.emit(176, effect=-1)
            self.store_temp_var(var, pop=True)
            em.jump("jump", l_top)
            em.label(l_end)
            em.emit(115, effect=1)
            return
        # ifNil: family
        self.gen_value(n.receiver)
        if sel == "ifNil:":
            nil_blk, other = blocks[0], None
        elif sel == "ifNotNil:":
            nil_blk, other = None, blocks[0]
        elif sel == "ifNil:ifNotNil:":
            nil_blk, other = blocks
        else:
            other, nil_blk = blocks
        em.emit(136, effect=1)
        em.emit(115, effect=1)
        em.emit(198, effect=-1)
        l_notnil, l_end = Label(), Label()
        em.jump("false", l_notnil)
        d = em.depth
        if nil_blk is not None:
            em.emit(135, effect=-1)
            self.gen_body(nil_blk)
        em.jump("jump", l_end)
        em.depth = d
        em.label(l_notnil)
        if other is not None:
            if other.args:
                self.store_temp_var(self.decl_of(other, 0), pop=True)
            else:
                em.emit(135, effect=-1)
            self.gen_body(other)
        em.label(l_end)

    def decl_of(self, b: ast.Block, i: int) -> TempVar:
        """The TempVar the analyzer made for argument i of inlined block b."""
        for v in self.scope.locals:
            if v.name == b.args[i] and getattr(v, "decl_node", None) is b:
                return v
        raise AssertionError(f"no declaration for {b.args[i]}")

    def hidden_temp(self, n) -> TempVar:
        return self.an_hidden[id(n)]

    def gen_closure(self, b: ast.Block):
        scope = self.an.block_scopes[id(b)]
        em = self.em
        for c in scope.copied:
            self.emit_push_temp(self.slot_of(c))
        if len(scope.copied) > 15 or len(b.args) > 15:
            raise self.error("block has too many arguments or copied values", b)
        end = Label()
        em.items.append(ClosureHead((len(scope.copied) << 4) | len(b.args), end))
        em.adjust(1 - len(scope.copied))
        outer_scope, outer_depth = self.scope, em.depth
        self.scope = scope
        em.depth = 0
        self.scope_prologue(scope)
        body = b.body
        if not body:
            em.emit(115, effect=1)
            em.emit(125, effect=-1)
        else:
            for s in body[:-1]:
                self.gen_effect(s)
            last = body[-1]
            if isinstance(last, ast.Return):
                self.gen_return(last)
            else:
                self.gen_value(last)
                em.emit(125, effect=-1)
        em.label(end)
        self.scope = outer_scope
        em.depth = outer_depth


def children(n):
    if isinstance(n, ast.Assign):
        return [n.var, n.value]
    if isinstance(n, ast.Return):
        return [n.value]
    if isinstance(n, ast.Send):
        return [n.receiver, *n.args]
    if isinstance(n, ast.Cascade):
        return [n.receiver, *n.parts]
    if isinstance(n, ast.Block):
        return list(n.body)
    if isinstance(n, ast.Brace):
        return list(n.elements)
    return []


def compile_method(source: str, cls: ClassScope | None = None, filename: str = "<input>",
                   line_offset: int = 0) -> CompiledMethodSpec:
    """Compile a method definition (`selector args | temps | statements`)."""
    return MethodCompiler(source, cls or ClassScope(), filename, line_offset, doit=False).compile()


def compile_doit(source: str, cls: ClassScope | None = None, filename: str = "<doit>",
                 line_offset: int = 0) -> CompiledMethodSpec:
    """Compile an expression (temporaries allowed) as a method `DoIt` answering its value."""
    return MethodCompiler(source, cls or ClassScope(), filename, line_offset, doit=True).compile()
