"""Compiler entry points: Smalltalk source -> CompiledMethodSpec (V3PlusClosures, Spur header).

`compile_method(source, cls)` compiles a method definition, `compile_doit(source, cls)` an
expression (optionally with `| temps |`) as a method `DoIt` answering its last statement's value.
`ClassScope` tells the compiler about the class: its instance variables (superclasses' first),
class variables, and a callable saying whether a name is a global.

The header follows ABI.md section 5 (Spur layout): numLiterals in bits 0-14, hasPrimitive bit 16,
largeFrame bit 17 (when temps + stack depth exceed 16 slots), numTemps bits 18-23, numArgs bits
24-27. Nothing is compiled when there is an error: a CompileError names file, line and column.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from catalyst.frontend.codegen import CodeGenerator
from catalyst.frontend.emitter import EncodingError
from catalyst.frontend.errors import CompileError
from catalyst.frontend.parser import parse_doit, parse_method

SMALL_FRAME = 16      # Squeak's CompiledMethod smallFrameSize: more needs a large frame


@dataclass
class ClassScope:
    """What the compiler needs to know about the class a method is compiled in."""
    name: str = "UndefinedObject"
    inst_vars: list[str] = field(default_factory=list)
    class_vars: set[str] = field(default_factory=set)
    is_global: Callable[[str], bool] = lambda name: False
    # blocks as pre-closure images make them (`thisContext blockCopy:` and BlockContexts; see
    # codegen.py) instead of closures: for DoIts and methods compiled into such images
    block_contexts: bool = False


@dataclass
class CompiledMethodSpec:
    selector: str
    header: int
    literals: list
    bytecodes: bytes
    num_args: int
    num_temps: int
    primitive: int
    frame_size: int           # temps + the deepest operand stack (Squeak's frame size)
    source: str = ""
    trailer: bytes = b"\x00"
    class_name: str = ""

    @property
    def num_literals(self) -> int:
        return len(self.literals)

    @property
    def max_depth(self) -> int:
        return self.frame_size - self.num_temps

    @property
    def large_frame(self) -> bool:
        return bool(self.header & (1 << 17))

    @property
    def initial_pc(self) -> int:
        """Squeak's pc of the first bytecode (ABI.md section 5)."""
        return 4 * (1 + len(self.literals)) + 1


class Resolver:
    """Resolves names that are not temporaries and makes CompileErrors for one source."""

    def __init__(self, source: str, cls: ClassScope, filename: str, line_offset: int, doit: bool):
        self.source, self.cls, self.filename = source, cls, filename
        self.line_offset, self.doit = line_offset, doit

    def error(self, message: str, node) -> CompileError:
        return CompileError.at(message, self.source, getattr(node, "pos", 0), self.filename,
                               self.line_offset)

    def __call__(self, name: str, node, write: bool):
        if name in self.cls.inst_vars:
            # the last definition wins, as a subclass's variable shadows nothing in Squeak
            return ("ivar", len(self.cls.inst_vars) - 1 - self.cls.inst_vars[::-1].index(name))
        if name in self.cls.class_vars or self.cls.is_global(name):
            return ("global", name)
        if self.doit and name[:1].isupper():
            return ("global", name)      # looked up at run time through its binding
        raise self.error(f"undeclared variable {name}", node)


def _compile(source: str, cls: ClassScope, filename: str, line_offset: int, doit: bool,
             optimized_selectors: bool = False, quick_primitives: bool = False
             ) -> CompiledMethodSpec:
    cls = cls or ClassScope()
    parse = parse_doit if doit else parse_method
    method = parse(source, filename, line_offset)
    resolver = Resolver(source, cls, filename, line_offset, doit)
    try:
        code, literals, num_temps, depth = CodeGenerator(
            method, cls, resolver, optimized_selectors, quick_primitives).generate()
    except EncodingError as e:
        raise resolver.error(f"method too large: {e}", method) from None
    nargs = len(method.args)
    if nargs > 15:
        raise resolver.error("more than 15 arguments", method)
    if num_temps > 63:
        raise resolver.error(f"more than 63 temporaries ({num_temps})", method)
    if len(literals) > 255:
        raise resolver.error(f"more than 255 literals ({len(literals)})", method)
    frame = num_temps + depth
    header = (len(literals) | (1 << 16 if method.primitive else 0)
              | (1 << 17 if frame > SMALL_FRAME else 0) | (num_temps << 18) | (nargs << 24))
    return CompiledMethodSpec(method.selector, header, literals, code, nargs, num_temps,
                              method.primitive, frame, source, class_name=cls.name)


def compile_method(source: str, cls: ClassScope | None = None, filename: str = "<input>",
                   line_offset: int = 0, optimized_selectors: bool = False,
                   quick_primitives: bool = False) -> CompiledMethodSpec:
    """Compile a method definition (`selector args <pragmas> | temps | statements`).

    Two options reproduce what Squeak 5+ does beyond Catalyst's needs: optimized_selectors lists
    the inlined selectors (#ifTrue:...) before the selector; quick_primitives gives methods that
    only answer self, a constant or an instance variable a quick primitive (256-519)."""
    return _compile(source, cls, filename, line_offset, False, optimized_selectors,
                    quick_primitives)


def compile_doit(source: str, cls: ClassScope | None = None, filename: str = "<doit>",
                 line_offset: int = 0, optimized_selectors: bool = False) -> CompiledMethodSpec:
    """Compile an expression (temporaries allowed) as a method `DoIt` answering its value."""
    return _compile(source, cls, filename, line_offset, True, optimized_selectors)
