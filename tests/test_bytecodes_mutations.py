"""The core's tests have teeth: each mutant below is the core built with one deliberate bug (most
of them in corners the kernel itself never reaches, so only the targeted tests can notice), and
the cases of the test that guards that corner must fail on it while passing on the real core.

A mutant core is built from the WAT sources with one replacement (build.wat_sources patched,
the compiled-module cache emptied); the VMs made meanwhile restore the kernel snapshot the real
core saved (its key is computed from the files on disk), and saving one is disabled meanwhile.
"""
from contextlib import contextmanager

import pytest
import wasmtime

from catalyst.vm import build
from catalyst.vm import core as core_module
from catalyst.vm.vm import VM
from test_bytecodes_control import CASES as CONTROL_CASES
from test_bytecodes_push_store import CASES as PUSH_CASES
from test_bytecodes_sends import CASES as SEND_CASES
from test_bytecodes_support import BytecodeVM


@contextmanager
def mutant(monkeypatch, file, old, new):
    sources = build.wat_sources()
    assert [t.count(old) for n, t in sources if n == file] == [1], f"{old!r} not once in {file}"
    patched = [(n, t.replace(old, new) if n == file else t) for n, t in sources]
    VM.default(jit="off")                     # the real core's snapshot exists before any mutant
    saved = dict(core_module._MODULES)
    monkeypatch.setattr(build, "wat_sources", lambda: patched)
    monkeypatch.setattr(VM, "_save_snapshot", lambda self: None)   # (if a restore ever failed)
    # a mutant that does not validate must fail here: binaryen would end the process on it
    wasm = wasmtime.wat2wasm(build.module_text()[0])
    try:
        wasmtime.Module.validate(core_module.engine(), wasm)
    except wasmtime.WasmtimeError as e:
        monkeypatch.undo()
        raise AssertionError(f"the mutant core does not validate (update the mutant): {e}") from None
    core_module._MODULES.clear()
    try:
        yield
    finally:
        core_module._MODULES.clear()
        core_module._MODULES.update(saved)
        monkeypatch.undo()


def failing_cases(cases):
    """The names of the cases that do not answer what they expect on a new BytecodeVM."""
    bvm = BytecodeVM()
    bad = []
    for case in cases:
        try:
            ok = bvm.run(case) == case.expect
        except Exception:                      # a trap or any other failure counts as caught
            ok = False
        if not ok:
            bad.append(case.name)
    return bad


def evals_disagree(pairs, vm=None):
    """Whether some expression's printString differs from the one expected (or fails)."""
    vm = vm or VM.default(jit="off")
    for expr, want in pairs:
        try:
            if vm.eval(expr) != want:
                return True
        except Exception:
            return True
    return False


def cases(source, *names):
    found = [c for c in source if c.name in names]
    assert len(found) == len(names), names
    return found


MUTANTS = {
    "doubly extended push reads the index byte as kind+index (the bug this suite found)": (
        "32_loop.wat",
        "(i32.store (local.get $sp) (i32.load offset=8 (i32.add (i32.load offset=28 (local.get $fp))\n"
        "                                                                    (i32.shl (local.get $t) (i32.const 2)))))",
        "(i32.store (local.get $sp) (call $ext_fetch (local.get $fp) (local.get $fp) (local.get $t)))",
        lambda: failing_cases(cases(PUSH_CASES, "dext push_rcvr_var 69"))),
    "short conditional jumps go one byte too far": (
        "32_loop.wat",
        "(then (local.set $t (i32.add (i32.and (local.get $op) (i32.const 7)) (i32.const 1)))",
        "(then (local.set $t (i32.add (i32.and (local.get $op) (i32.const 7)) (i32.const 2)))",
        lambda: evals_disagree([("3 > 2 ifTrue: [1] ifFalse: [2]", "1")])),
    "the bitShift: fast path wraps around instead of overflowing into a LargeInteger": (
        "32_loop.wat",
        "(i32.sub (i32.const 0) (local.get $b)))))))\n      (br_if $slow (i32.eqz (call $om_fits_small (local.get $x))))",
        "(i32.sub (i32.const 0) (local.get $b)))))))",
        lambda: failing_cases(cases(SEND_CASES, "1 bitShift: 30", "-1 bitShift: 30", "5 bitShift: -1"))),
    "a returned context forgets its temps": (
        "30_interp.wat",
        "(memory.copy (i32.add (local.get $ctx) (i32.const 32)) (i32.add (local.get $fp) (i32.const 32))",
        "(memory.copy (i32.add (local.get $ctx) (i32.const 32)) (i32.add (local.get $fp) (i32.const 32))\n"
        "                   (i32.const 0)) (drop",
        lambda: failing_cases(cases(PUSH_CASES, "push thisContext"))
        or evals_disagree([("| c | c := [:x | | y | y := x. thisContext] value: 7. c tempAt: 1", "7")])),
    "inline caches go megamorphic at the fourth class": (
        "30_interp.wat", "(if (i32.eq (local.get $n) (i32.const 4))\n    (then (i32.store offset=8 (local.get $e) (i32.const 5))",
        "(if (i32.eq (local.get $n) (i32.const 3))\n    (then (i32.store offset=8 (local.get $e) (i32.const 5))",
        lambda: _megamorphic_after(4)),
    "Float words in memory order": (
        "51_prims_indexing.wat", "(then (local.set $index (i32.sub (i32.const 3) (local.get $index)))))",
        "(then (local.set $index (local.get $index))))",
        lambda: evals_disagree([("(1.5 + 0) basicAt: 1", "1073217536")])),
    "16-bit elements refuse values above 32767": (
        "51_prims_indexing.wat", "(if (i32.gt_u (local.get $w) (i32.const 0xFFFF))",
        "(if (i32.gt_u (local.get $w) (i32.const 0x7FFF))", lambda: _shorts_take(40000)),
    "quick instance-variable primitives read one slot further": (
        "52_prims_objects.wat", "(local.set $i (i32.sub (local.get $prim) (i32.const 264)))",
        "(local.set $i (i32.sub (local.get $prim) (i32.const 263)))",
        lambda: failing_cases(cases(CONTROL_CASES, "quick primitive: instance variable 69"))),
}


def _megamorphic_after(n):
    vm = VM.default(jit="off")
    vm.file_in_text("!Object methodsFor: 'm'!\nmutSend: x ^x printString! !\n")
    m = vm.lookup_method(vm.class_named("Object"), "mutSend:")
    for value in ["1", "$a", "nil", "'s'"][:n]:
        vm.eval(f"nil mutSend: {value}")
    pcs = [pc for pc in range(1, 40) if vm.core.call("ic_count", m, pc)]
    return not pcs or vm.core.call("ic_count", m, pcs[0]) != n or vm.core.call("ic_megamorphic", m, pcs[0])


def _shorts_take(value):
    vm = VM.default(jit="off")
    vm.file_in_text("ArrayedCollection variableWordSubclass: #MutShorts instanceVariableNames: '' "
                    "classVariableNames: '' poolDictionaries: '' category: 'T'!\n")
    vm.evaluate("MutShorts instVarAt: 3 put: (12 bitShift: 16)")
    return evals_disagree([(f"(MutShorts new: 1) at: 1 put: {value}; at: 1", str(value))], vm)


DEFAULT = ["doubly extended push reads the index byte as kind+index (the bug this suite found)",
           "Float words in memory order"]


def _check(monkeypatch, name):
    file, old, new, caught = MUTANTS[name]
    with mutant(monkeypatch, file, old, new):
        assert caught(), f"the mutant '{name}' was not caught"
    assert not caught(), f"the check for '{name}' fails on the real core too"


@pytest.mark.parametrize("name", DEFAULT)
def test_mutants_are_caught(monkeypatch, name):
    _check(monkeypatch, name)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in MUTANTS if n not in DEFAULT])
def test_more_mutants_are_caught(monkeypatch, name):
    _check(monkeypatch, name)
