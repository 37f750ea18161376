"""Primitives given the wrong receivers and arguments: every primitive of the inventory, with
receivers of every kind (immediates, each object format, classes, methods, blocks, contexts)
and arguments of every kind, must either answer or fail with the stack untouched (so that the
method's Smalltalk code runs), and never trap; the control primitives, run from methods, must
run their fallback code; and the VM works afterwards."""
import random

import pytest

from catalyst.vm.core import VMTrap
from catalyst.vm.vm import VM
from test_om_support import Harness, PrimFailed, char, covers, tag
from test_prim_inventory import PRIMITIVES

# the receivers, made afresh for each primitive (some primitives store into them)
RECEIVERS = ("{nil. true. 3. -1. $a. 'abc' copy. #sym. (Array with: 1 with: 2 with: 3). Object new. "
             "3 @ 4. 1.5 + 0. (2 raisedTo: 40). (2 raisedTo: 40) negated. Bitmap new: 2. "
             "ByteArray new: 2. Object subclass: #PfThrowaway instanceVariableNames: 'a' "
             "classVariableNames: '' poolDictionaries: '' category: 'T'. "
             "(Object compiledMethodAt: #printString) copy. [:x | x]. MethodContext new: 4. "
             "PfDead new context. String new: 0}")
# the control primitives (40_send.wat's $primitive) need a method and a frame: run from methods
CONTROL = {83, 84, 89, 100, 113, 116, 117, 119, 198, 199, 201, 202, 203, 204, 205, 206, 210, 211,
           212, 221, 222, 9002, 9010, 9011}
# left out of the cross product: 113 quits, 9001/9006 write to stdout/stderr, 130/131 collect
# (their arguments do not matter and each costs a collection); they have tests of their own
SKIP = {113, 9001, 9006, 130, 131}
# quick primitives 264-519 are one rule: a sample stands for the rest
OBJECT_PRIMS = sorted(n for n in PRIMITIVES if n not in CONTROL | SKIP and not 270 <= n < 515)


@pytest.fixture(scope="module")
def h():
    vm = VM.default(jit="off")
    vm.file_in_text("Object subclass: #PfDead instanceVariableNames: '' classVariableNames: '' "
                    "poolDictionaries: '' category: 'T'!\n!PfDead methodsFor: 't'!\ncontext ^thisContext! !\n")
    harness = Harness(vm)
    harness.args = [tag(1), tag(0), tag(-1), tag(1 << 29), harness.nil, char("a"),
                    harness.obj("'xyz'"), harness.obj("2.5 + 0"), harness.obj("2 raisedTo: 40"),
                    harness.obj("#(1 2)")]
    yield harness
    harness.close()


def run_cross_product(h, prim, sample=None):
    """Run prim on every receiver with no argument, each argument, and pairs of them (or on
    `sample` of those calls, chosen at random with a seed of the primitive's number)."""
    receivers = h.obj(RECEIVERS)
    calls = [(i, args) for i in range(h.core.call("num_slots", receivers))
             for args in [()] + [(a,) for a in h.args] + [(a, b) for a in h.args for b in h.args[:4]]]
    if sample:
        calls = random.Random(prim).sample(calls, sample)
    failed = 0
    for i, args in calls:
        try:
            h.prim(prim, h.heap.slot(receivers, i), *args)   # checks the stack discipline either way
        except PrimFailed:
            failed += 1
    if not 256 <= prim <= 263:                     # only the constant quick primitives take all
        assert failed > 0
    assert h.vm.eval("3 + 4") == "7"


@covers("unknown primitives fail cleanly")
@pytest.mark.parametrize("prim", OBJECT_PRIMS)
def test_bad_receivers_and_arguments_fail_cleanly(h, prim):
    run_cross_product(h, prim, sample=60)


@pytest.mark.slow
@pytest.mark.parametrize("prim", OBJECT_PRIMS)
def test_bad_receivers_and_arguments_fail_cleanly_all_combinations(h, prim):
    run_cross_product(h, prim)


@covers("unknown primitives fail cleanly")
def test_unknown_numbers_fail_into_the_method_code(h):
    h.vm.file_in_text("!Object methodsFor: 't'!\n"
                      + "".join(f"pfUnknown{n} <primitive: {n}> ^#fallback{n}!\n" for n in (19, 65, 1000, 8000, 65535))
                      + "! !\n")
    for n in (19, 65, 1000, 8000, 65535):
        assert h.vm.eval(f"3 pfUnknown{n}") == f"#fallback{n}"


def _control_method(prim, nargs):
    sel = f"pfC{prim}" if nargs == 0 else f"pfC{prim}:" + "with:" * (nargs - 1)
    header = sel if nargs == 0 else " ".join(f"{k}: a{i}" for i, k in enumerate(sel.split(":")[:-1]))
    return sel, f"{header}\n\t<primitive: {prim}>\n\t^#fallback!\n"


@covers(*(CONTROL - {113, 9002}))
def test_control_primitives_with_bad_receivers_and_arguments(h):
    vm = h.vm
    prims = sorted(CONTROL - {113, 9002, 9010})   # quit and the error halt stop the run;
    methods = {}                                   # primReturn: on thisContext would return
    src = "!Object methodsFor: 'fuzz'!\n"
    for prim in prims:
        for nargs in range(3):
            sel, text = _control_method(prim, nargs)
            methods[(prim, nargs)] = sel
            src += text
    vm.file_in_text(src + "! !\n")
    values = "#(nil 3 #(1 2))"
    for (prim, nargs), sel in methods.items():
        parts = sel.split(":")[:-1]
        send = sel if nargs == 0 else " ".join(f"{k}: (args at: {i + 1})" for i, k in enumerate(parts))
        try:
            out = vm.eval(f"| args rs | rs := {RECEIVERS}. "
                          f"rs collect: [:r | {values} collect: [:a | args := Array with: a with: a. "
                          f"[(r {send}) == #fallback ifTrue: [#fallback] ifFalse: [#ok]] "
                          f"on: Error do: [:e | #error]]]")
        except VMTrap as e:
            raise AssertionError(f"primitive {prim} with {nargs} arguments trapped: {e}")
        # every call answered (its own or the fallback's value) or signalled an Error
        assert set(out.replace("#(", " ").replace(")", " ").split()) <= {"#ok", "#fallback", "#error"}, \
            (prim, nargs, out[:200])
    assert vm.eval("3 + 4") == "7"


# primitive, argument count of the method, Smalltalk receiver and arguments that make it fail
FALLBACKS = [
    (1, 1, "3", ["nil"]), (1, 0, "3", []), (1, 2, "3", ["4", "5"]), (9, 1, "3", ["'x'"]),
    (10, 1, "7", ["0"]), (17, 1, "1", ["1.5"]), (21, 1, "3", ["nil"]), (41, 1, "1.5", ["nil"]),
    (41, 1, "3", ["1.5"]), (50, 1, "1.5", ["0"]), (51, 0, "1.0e300", []), (54, 1, "1.0", ["1.5"]),
    (60, 1, "Object new", ["1"]), (60, 1, "#(1 2)", ["3"]), (60, 1, "#(1 2)", ["nil"]),
    (61, 2, "'ab' copy", ["1", "300"]), (61, 2, "#(1) copy", ["2", "0"]), (62, 0, "3", []),
    (63, 1, "'ab'", ["0"]), (68, 1, "#(1 2)", ["1"]), (70, 0, "3", []), (71, 1, "Array", ["-1"]),
    (71, 1, "Point", ["2"]), (73, 1, "3 @ 4", ["3"]), (74, 2, "3", ["1", "2"]),
    (105, 4, "'abc' copy", ["1", "3", "#(1 2 3)", "1"]), (110, 0, "3", []),
    (145, 1, "'abc' copy", ["nil"]), (170, 1, "Character", ["-5"]), (171, 0, "3", []),
    (9003, 1, "'abc'", ["3"]), (9004, 0, "3", []), (9005, 0, "3", []),
]


@covers("unknown primitives fail cleanly")
def test_failing_primitives_run_the_methods_smalltalk_code(h):
    src = "!Object methodsFor: 'fallbacks'!\n"
    calls = []
    for i, (prim, nargs, rcvr, args) in enumerate(FALLBACKS):
        sel = f"pfF{i}" if nargs == 0 else f"pfF{i}:" + "with:" * (nargs - 1)
        keywords = sel.split(":")[:-1]
        header = sel if nargs == 0 else " ".join(f"{k}: a{j}" for j, k in enumerate(keywords))
        src += f"{header}\n\t<primitive: {prim}>\n\t^#fallback!\n"
        send = sel if nargs == 0 else " ".join(f"{k}: ({a})" for k, a in zip(keywords, args))
        calls.append(f"({rcvr}) {send}")
    h.vm.file_in_text(src + "! !\n")
    got = h.vm.eval("{" + ". ".join(calls) + "}")
    assert got == "#(" + " ".join(["#fallback"] * len(FALLBACKS)) + ")"
