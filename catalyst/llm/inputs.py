"""Validation inputs for one method: receivers and arguments of the classes the inline caches saw.

`generate(vm, m, fn, captured)` answers `Inputs`: cases (receiver, arguments) whose values are
live objects held by host handles until `release()`. The receiver classes are those the inline
caches saw for `self` (`semantics.operand_classes`), then the method's class and its subclasses;
argument classes likewise from the sends to each argument, else a default mix. Values per class
come from `GENERATORS`: SmallIntegers around 0 and the 2^30 edges, LargeIntegers, Floats with
NaN, infinities and -0.0, Fractions, Strings, Symbols, Arrays, ByteArrays, collections, Points,
Characters, Booleans and nil; a class without a generator gets `new` instances. A receiver is
kept only if sending the selector to it really runs this method. `captured`, the receiver and
arguments of the activation that made the method hot (read by `capture`), comes first: it is
the input the program itself uses.
"""
from __future__ import annotations

from dataclasses import dataclass

from catalyst.llm.semantics import class_table, operand_classes
from catalyst.vm.heap import tag_char, tag_int

SMALL = [0, 1, 2, 3, 7, 10, 25, 100, -1, -7, 1073741823, -1073741824, 1073741822, 65536]
GENERATORS = {
    "SmallInteger": SMALL,
    "LargePositiveInteger": ["1073741824", "(2 raisedTo: 62)", "30 factorial"],
    "LargeNegativeInteger": ["-1073741825", "(2 raisedTo: 64) negated"],
    "Float": ["0.0", "-0.0", "1.5", "-2.75", "3.0e100", "Float nan", "Float infinity",
              "Float infinity negated", "0.1"],
    "Fraction": ["1/3", "-7/2"],
    "String": ["''", "'a'", "'hello world'", "'Catalyst'"],
    "ByteString": ["''", "'a'", "'hello world'"],
    "Symbol": ["#foo", "#with:with:"],
    "Array": ["#()", "#(1 2 3)", "#(3 1 2)", "(Array new: 5)", "#(1 $a 'str' #sym 2.5 nil)",
              "(Array new: 64) atAllPut: true; yourself", "(1 to: 20) asArray"],
    "ByteArray": ["#[]", "#[1 2 255]", "ByteArray new: 8"],
    "OrderedCollection": ["OrderedCollection new", "OrderedCollection new add: 1; add: 2; yourself"],
    "Interval": ["(1 to: 5)", "(10 to: 1 by: -3)"],
    "Point": ["3@4", "-1@2.5"],
    "Association": ["#a -> 1"],
    "Dictionary": ["Dictionary new at: 1 put: 2; yourself"],
    "Set": ["Set new add: 3; yourself"],
    "Character": ["$a", "$Z", "$ "],
    "True": ["true"], "False": ["false"], "UndefinedObject": ["nil"],
}
# arguments of a method whose sends never told us their classes
DEFAULT_ARGS = [0, 1, 2, 3, 7, -1, 100, 1073741823, -1073741824, "nil", "2.5", "'abc'",
                "#(1 2 3)", "$a", "true"]
MAX_CLASSES = 6


@dataclass
class Case:
    receiver: int
    args: list
    label: str
    captured: bool = False       # the program's own input, read at the hot hook


class Held:
    """Objects kept alive by host handles (GC roots) until `release()`."""

    def __init__(self, vm):
        self.vm = vm
        self.handles: list = []

    def hold(self, oop: int) -> int:
        if not oop & 3:
            self.handles.append(self.vm.core.call("handle_new", oop))
        return oop

    def release(self):
        for h in self.handles:
            self.vm.core.call("handle_free", h)
        self.handles.clear()


class Inputs(Held):
    """The cases for one method; their values (and whatever else `hold` is given) live until
    `release()`."""

    def __init__(self, vm):
        super().__init__(vm)
        self.cases: list[Case] = []
        self.pool = None               # a ValuePool made for these inputs alone

    def release(self):
        super().release()
        if self.pool is not None:
            self.pool.release()


class ValuePool(Held):
    """Generated values, made once per VM and kept (held by handles) for every later method:
    validation runs cannot change them for good (each run is undone), the program never sees
    them. A class's expressions are evaluated in one doIt when they all work."""

    def __init__(self, vm):
        super().__init__(vm)
        self.values: dict = {}

    def key(self, spec):
        if isinstance(spec, str) and spec.endswith(" new"):
            return spec, self.vm.global_value(spec[:-4])     # a class redefined: new instances
        return spec

    def get(self, specs) -> list:
        """(oop, label) of each spec that evaluates (a Python int, $c, or an expression)."""
        missing = [s for s in specs if isinstance(s, str) and not _char(s) and self.key(s) not in self.values]
        if missing:
            self._make(missing)
        out = []
        for spec in specs:
            if isinstance(spec, int):
                out.append((tag_int(spec) & 0xFFFFFFFF, str(spec)))
            elif _char(spec):
                out.append((tag_char(ord(spec[1])), spec))
            elif self.values.get(self.key(spec)) is not None:
                out.append((self.values[self.key(spec)], spec))
        return out

    def _make(self, specs):
        vm = self.vm
        try:
            arr = vm.evaluate("{" + ". ".join(f"({s})" for s in specs) + "}")
            oops = [self.hold(vm.heap.slot(arr, k)) for k in range(len(specs))]
        except Exception:                 # one of them does not work here: one at a time
            oops = []
            for s in specs:
                try:
                    oops.append(self.hold(vm.evaluate(s)))
                except Exception:         # that class or expression does not exist in this image
                    oops.append(None)
        for spec, oop in zip(specs, oops):
            self.values[self.key(spec)] = oop

    def release(self):
        super().release()
        self.values.clear()


def _char(spec) -> bool:
    return isinstance(spec, str) and len(spec) == 2 and spec[0] == "$"


def capture(vm, m) -> tuple | None:
    """(receiver, args) of the activation that is making m hot, read from the frame stack at
    the hot hook: the method's own frame when a back-edge or a recursive call made it hot, else
    the receiver and arguments on the caller's stack. Only a receiver that really runs m counts."""
    core = vm.core
    try:
        fp, sp = core.global_value("fp"), core.global_value("sp")
        if fp and core.u32(fp + 4) == m.method_oop:
            words = [core.u32(fp + 28 + 4 * k) for k in range(m.num_args + 1)]
        elif sp:
            words = [core.u32(sp - 4 * (m.num_args - k)) for k in range(m.num_args + 1)]
        else:
            return None
        if not all(_plausible(vm, w) for w in words) or not runs_method(vm, m, words[0]):
            return None
        return words[0], words[1:]
    except Exception:
        return None


def _plausible(vm, oop: int) -> bool:
    core = vm.core
    if oop & 3:
        return True                  # a SmallInteger (...1) or a Character (..10)
    if not core.global_value("heap_start") <= oop < core.global_value("heap_end") or oop & 7:
        return False
    return core.u32(0x10000 + 4 * (core.u32(oop) & 0x3FFFFF)) != 0


def selector_oop(vm, m) -> int:
    """The method's selector, from its literals (the one before the class binding)."""
    return m.literals[-2] if len(m.literals) >= 2 else 0


def installed_in_class(vm, m) -> bool:
    """Is m the method its class's dictionary holds for its selector (not a doIt)?"""
    core = vm.core
    sel, cls = selector_oop(vm, m), vm.heap.method_class(m.method_oop)
    return bool(sel and cls) and core.call("lookup", cls, sel) == m.method_oop


def runs_method(vm, m, receiver: int) -> bool:
    core = vm.core
    sel = selector_oop(vm, m)
    return bool(sel) and core.call("lookup", core.call("class_of", receiver), sel) == m.method_oop


def _class_names(vm, indices) -> list[str]:
    table = dict(class_table(vm.core))
    return [vm.heap.class_name(table[i]) for i in sorted(indices) if i in table]


def _subclasses(vm, cls: int) -> list[str]:
    """Names of cls and the classes below it, those with generators first."""
    h = vm.heap
    names = [h.class_name(cls)]      # (a class made at run time enters the table when instantiated)
    for _, c in class_table(vm.core):
        s, steps = c, 0
        while s and s != vm.nil and steps < 100:
            if s == cls:
                names.append(h.class_name(c))
                break
            s, steps = h.slot(s, 0), steps + 1
    names = list(dict.fromkeys(names))
    return sorted(names, key=lambda n: (n not in GENERATORS, n != h.class_name(cls)))


def _values_for(pool: ValuePool, class_names, default=None) -> list:
    specs = []
    for name in class_names:
        if name.endswith(" class"):
            specs.append(name[:-6])                  # a class-side method: the class itself
        else:
            specs += GENERATORS.get(name) or [f"{name} new"]
    out = pool.get(specs)
    if not out and default:
        out = pool.get(default)
    return out


def generate(vm, m, fn, captured=None, limit: int = 24, pool: ValuePool | None = None) -> Inputs:
    inputs = Inputs(vm)
    own_pool = pool is None
    pool = pool or ValuePool(vm)
    seen = operand_classes(fn)
    sel = vm.heap.method_selector(m.method_oop)
    rclasses = _class_names(vm, seen["self"])
    mcls = vm.heap.method_class(m.method_oop)
    rclasses += [n for n in _subclasses(vm, mcls) if n not in rclasses]
    receivers = [v for v in _values_for(pool, rclasses[:MAX_CLASSES]) if runs_method(vm, m, v[0])]
    pools = [_values_for(pool, _class_names(vm, seen[k]), DEFAULT_ARGS) for k in range(m.num_args)]
    if captured is not None:
        rcv, args = captured
        label = _label(_short(vm, rcv), sel, [_short(vm, a) for a in args])
        inputs.cases.append(Case(inputs.hold(rcv), [inputs.hold(a) for a in args],
                                 f"{label} (the activation that made the method hot)", captured=True))
    if receivers and all(pools):
        n = max([len(receivers)] + [len(p) for p in pools])
        for i in range(min(n, limit - len(inputs.cases))):
            r = receivers[i % len(receivers)]
            args = [p[(i * (k + 1) + i // len(receivers)) % len(p)] for k, p in enumerate(pools)]
            inputs.cases.append(Case(r[0], [a[0] for a in args], _label(r[1], sel, [a[1] for a in args])))
    if own_pool:
        inputs.pool = pool              # released with the inputs
    return inputs


def _short(vm, oop: int) -> str:
    """A value as a label shows it: SmallIntegers and Characters by value, objects by class."""
    if oop & 1:
        v = (oop & 0xFFFFFFFF) >> 1
        return str(v - (1 << 31) if v & (1 << 30) else v)
    if oop & 3 == 2:
        return "$" + chr(oop >> 2)
    name = vm.heap.class_name(vm.heap.class_of(oop))
    return f"a{'n' if name[:1] in 'AEIOU' else ''} {name}"


def _label(rcv: str, sel: str, args: list[str]) -> str:
    if not args:
        return f"({rcv}) {sel}"
    if not sel[:1].isalpha():
        return f"({rcv}) {sel} ({args[0]})"
    return f"({rcv}) " + " ".join(f"{k}: ({a})" for k, a in zip(sel.split(":")[:-1], args))
