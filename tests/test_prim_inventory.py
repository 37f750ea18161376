"""The inventory of what the VM core implements, and a test of the tests: every bytecode of the
V3PlusClosures set and every primitive the core implements must have a test.

* Bytecodes: the opcodes run by the `CASES` of the test_bytecodes_*.py modules (decoded from
  the bytes each case runs) must cover the whole set; 126/127 are not in it and are tested as
  bad methods.
* Primitives: `PRIMITIVES` names every number the core's dispatch functions handle (read from
  the WAT sources, so a primitive added to the core without a line here fails), and every one
  must be named by a `covers(...)` mark on a test (test_om_support.covers) in the core's test
  modules. `OWNED_ELSEWHERE` lists numbers another area implements and tests.
* Issue 2's list of primitives: each item is implemented (`ISSUE_ITEMS`), and the items that
  are Smalltalk-level behaviour rather than a number have a test marked with their name.
"""
from __future__ import annotations

import importlib
import re
from pathlib import Path

from catalyst.frontend import bytecodes as B

ROOT = Path(__file__).resolve().parent.parent


def _names(first, *names):
    return {first + i: n for i, n in enumerate(names)}


INTEGER_OPS = ("+", "-", "<", ">", "<=", ">=", "=", "~=", "*", "/", "\\\\", "//", "quo:",
               "bitAnd:", "bitOr:", "bitXor:", "bitShift:")
FLOAT_OPS = ("+", "-", "<", ">", "<=", ">=", "=", "~=", "*", "/", "truncated", "fractionPart",
             "exponent", "timesTwoPower:", "sqrt", "sin", "arctan", "ln", "exp")

PRIMITIVES: dict[int, str] = {
    **{n: f"SmallInteger {op}" for n, op in _names(1, *INTEGER_OPS).items()},
    18: "Number @ (makePoint)",
    **{n: f"LargeInteger {op} (64-bit)" for n, op in _names(21, *INTEGER_OPS).items()},
    38: "Float basicAt: (most significant word first)", 39: "Float basicAt:put:",
    40: "SmallInteger asFloat",
    **{n: f"Float {op}" for n, op in _names(41, *FLOAT_OPS).items()},
    60: "at: / basicAt:", 61: "at:put: / basicAt:put:", 62: "size / basicSize",
    63: "stringAt: (Characters)", 64: "stringAt:put:",
    68: "CompiledMethod objectAt:", 69: "CompiledMethod objectAt:put:",
    70: "basicNew", 71: "basicNew:",
    73: "instVarAt: (named slots)", 74: "instVarAt:put:", 75: "identityHash",
    83: "perform:[with:...]", 84: "perform:withArguments:", 89: "flushCache",
    100: "perform:withArguments:inSuperclass:",
    105: "replaceFrom:to:with:startingAt:",
    110: "==", 111: "class / objectClass:", 112: "bytesLeft", 113: "quit",
    116: "flushCacheByMethod", 117: "named primitive (the host's)", 119: "flushCacheBySelector",
    121: "imageName (fails: the kernel answers)",
    129: "specialObjectsOop", 130: "garbageCollect", 131: "incrementalGC", 132: "objectPointsTo:",
    135: "millisecondClockValue", 137: "secondsClock", 138: "someObject", 139: "nextObject",
    145: "constantFill:", 148: "shallowCopy", 169: "~~",
    170: "Character value: / asCharacter", 171: "Character value / asInteger",
    173: "slotAt: (every slot)", 174: "slotAt:put:", 175: "behaviorHash",
    198: "ensure: / ifCurtailed: marker (fails)", 199: "on:do: marker (fails)",
    **{n: f"BlockClosure {s}" for n, s in _names(
        201, "value", "value:", "value:value:", "value:value:value:", "value:value:value:value:",
        "valueWithArguments:").items()},
    210: "MethodContext tempAt: / at:", 211: "MethodContext tempAt:put:", 212: "MethodContext size",
    221: "BlockClosure valueNoContextSwitch", 222: "BlockClosure valueNoContextSwitch:",
    240: "utcMicrosecondClock", 241: "localMicrosecondClock",
    256: "quick: ^self", 257: "quick: ^true", 258: "quick: ^false", 259: "quick: ^nil",
    260: "quick: ^-1", 261: "quick: ^0", 262: "quick: ^1", 263: "quick: ^2",
    **{n: f"quick: ^instance variable {n - 264}" for n in range(264, 520)},
    9001: "Catalyst: write bytes to stdout", 9002: "Catalyst: unhandled error (halt 1)",
    9003: "Catalyst: compare bytes", 9004: "Catalyst: hash bytes", 9005: "Catalyst: Float repr",
    9006: "Catalyst: write bytes to stderr", 9010: "Catalyst: context primReturn:",
    9011: "Catalyst: CompiledMethod primitive",
}

# Numbers that another area implements and tests (the images helper: processes, semaphores,
# pre-closure BlockContexts; tests/test_image_*.py).
OWNED_ELSEWHERE = {n: "images: processes and semaphores" for n in (85, 86, 87, 88, 136, 167, 230)}
OWNED_ELSEWHERE.update({n: "images: pre-closure BlockContext" for n in (80, 81, 82)})
OWNED_ELSEWHERE[76] = "images: MethodContext stackp: (Spur)"

# Issue 2's list of primitives: item -> the numbers that implement it (all must be in
# PRIMITIVES), or () when it is Smalltalk-level behaviour a test marks with the item's name.
ISSUE_ITEMS: dict[str, tuple] = {
    "SmallInteger arithmetic, comparison and bit operations": tuple(range(1, 18)),
    "LargeInteger arithmetic": tuple(range(21, 38)),
    "LargeInteger arithmetic beyond 64 bits (100 factorial)": (),
    "Float arithmetic and comparison": tuple(range(41, 51)),
    "truncated": (51,), "fractionPart": (52,), "exponent": (53,), "timesTwoPower:": (54,),
    "sqrt": (55,), "sin": (56,), "cos": (), "arctan": (57,), "ln": (58,), "exp": (59,),
    "at:": (60,), "at:put:": (61,), "size": (62,), "basicNew": (70,), "basicNew:": (71,),
    "new and new:": (), "==": (110,), "class": (111,), "identityHash": (75,),
    "instVarAt:": (73,), "instVarAt:put:": (74,), "shallowCopy": (148,),
    "replaceFrom:to:with:startingAt:": (105,), "string comparison and hashing": (9003, 9004),
    "perform: and its variants": (83, 84, 100),
    "the value primitives of BlockClosure": (201, 202, 203, 204, 205, 206, 221, 222),
    "numArgs": (), "Character value:": (170,), "asCharacter": (170,), "asInteger": (171,),
    "Symbol interning": (), "millisecond and microsecond clocks": (135, 240, 241),
    "quit": (113,), "unknown primitives fail cleanly": (),
}

# The test modules of the core's areas (the ones `covers` marks are looked for in)
CORE_TEST_MODULES = ("test_prim_*", "test_om_*", "test_gc_*", "test_bytecodes_*", "test_frames_*",
                     "test_ic_*", "test_interp_*")
DISPATCHERS = re.compile(r"^\$(prim_dispatch\w*|\w*primitive)$")   # $primitive, $process_primitive...


def _functions(text: str):
    starts = [m.start() for m in re.finditer(r"^\(func ", text, re.M)]
    for i, s in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        yield re.match(r"\(func (\$\S+)", text[s:]).group(1), text[s:end]


def implemented_primitives() -> set[int]:
    """Every primitive number the core's dispatch functions compare against: `$primitive`
    (40_send.wat), the `$..._primitive` functions it calls and every `$prim_dispatch*`
    function, with their ranges."""
    arg = r"\(local\.get \$prim\) \(i32\.const (\d+)\)"
    found: set[int] = set()
    for path in sorted((ROOT / "wat").glob("*.wat")):
        for name, body in _functions(path.read_text()):
            if not DISPATCHERS.match(name):
                continue
            body = re.sub(r";;.*", "", body)
            found.update(int(n) for n in re.findall(r"i32\.eq " + arg, body))
            for lo, hi in re.findall(r"i32\.ge_u " + arg + r"\)\s*\(i32\.le_u " + arg, body):
                found.update(range(int(lo), int(hi) + 1))
            # $prim_dispatch's upper bound alone (`prim <= 17`, 0 having been refused before;
            # elsewhere such a bound only narrows a range checked earlier)
            if name == "$prim_dispatch":
                for hi in re.findall(r"\(if \(i32\.le_u " + arg + r"\)", body):
                    found.update(range(1, int(hi) + 1))
    return found


def _core_test_modules():
    for pattern in CORE_TEST_MODULES:
        for path in sorted((ROOT / "tests").glob(pattern + ".py")):
            yield importlib.import_module(path.stem)


def covered_items() -> dict:
    """item (primitive number or issue item) -> names of the tests that cover it."""
    out: dict = {}
    for mod in _core_test_modules():
        for name, fn in vars(mod).items():
            for item in getattr(fn, "covers", ()):
                out.setdefault(item, []).append(f"{mod.__name__}.{name}")
    return out


def bytecode_cases():
    for mod in _core_test_modules():
        if mod.__name__.startswith("test_bytecodes_"):
            yield from getattr(mod, "CASES", ())


# --- the tests -------------------------------------------------------------------------------

def test_the_wat_scan_finds_the_dispatchers():
    found = implemented_primitives()
    assert {1, 17, 41, 60, 83, 110, 201, 9001} <= found and len(found) > 150


def test_every_implemented_primitive_is_in_the_inventory():
    missing = implemented_primitives() - set(PRIMITIVES) - set(OWNED_ELSEWHERE)
    assert not missing, f"primitives the core implements without an inventory line: {runs(missing)}"


def test_every_inventory_primitive_is_implemented():
    gone = set(PRIMITIVES) - implemented_primitives()
    assert not gone, f"inventory lines for primitives the core does not implement: {runs(gone)}"


def runs(numbers) -> str:
    """'1-17, 21, 40-59': sorted numbers with consecutive runs collapsed."""
    out, nums = [], sorted(numbers)
    while nums:
        lo = hi = nums.pop(0)
        while nums and nums[0] == hi + 1:
            hi = nums.pop(0)
        out.append(str(lo) if lo == hi else f"{lo}-{hi}")
    return ", ".join(out)


def test_runs():
    assert runs([3, 1, 2, 7, 9, 10]) == "1-3, 7, 9-10" and runs([]) == ""


def test_every_primitive_has_a_test():
    covered = covered_items()
    untested = [n for n in PRIMITIVES if n not in covered]
    assert not untested, f"primitives without a test marked covers(n): {runs(untested)}"


def test_every_item_of_the_issue_list_is_implemented_and_tested():
    covered = covered_items()
    for item, numbers in ISSUE_ITEMS.items():
        assert set(numbers) <= set(PRIMITIVES), (item, set(numbers) - set(PRIMITIVES))
        if not numbers:
            assert item in covered, f"no test marked covers({item!r})"


def test_every_bytecode_has_a_test():
    run = set()
    for case in bytecode_cases():
        run |= case.opcodes()
    undefined = {op for op in range(256) if B.family_of(op).op == "unknown"}
    assert undefined == {126, 127}
    missing = sorted(set(range(256)) - undefined - run)
    assert not missing, f"opcodes no bytecode case runs: {missing}"


def test_cases_of_each_family_exist_for_every_operand_range():
    """Beyond the opcodes: the extended forms are run with indices past the short forms'."""
    seen = {}
    for case in bytecode_cases():
        for ins in case.instructions():
            seen.setdefault(ins.op, set()).add(ins.args)
    kinds = {args[0] for args in seen["ext_push"]}
    assert kinds == {"rcvr_var", "temp", "lit_const", "lit_var"}
    assert {sub for sub, _i, _n in seen["double_ext"]} == {
        "send", "super_send", "push_rcvr_var", "push_lit_const", "push_lit_var", "store_rcvr_var",
        "pop_store_rcvr_var", "store_lit_var"}
    assert max(i for _k, i in seen["ext_push"]) >= 63
    assert max(i for sub, i, _n in seen["double_ext"] if sub == "send") > 63
    assert max(n for _lit, n in seen["send"]) >= 7
    assert {a for a in seen["push_new_array"]} >= {(0, False), (3, True), (127, False)}
