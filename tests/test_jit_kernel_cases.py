"""The kernel's behaviour cases (tests/test_kernel_*.py), run translated: before the first
activation (--jit always) and switching tier mid-run (--jit on, threshold 2, three rounds).
Every answer must be the one the interpreter gives. The exception cases (handlers, return:,
retry, pass, outer, resume:, ensure:, ifCurtailed:, on real contexts, so through translated
on:do:/ensure: frames) run by default; all of them with CATALYST_SLOW=1."""
import importlib
import os

import pytest

from catalyst.vm.vm import VM
from jit_cases import answer

MODULES = ("test_kernel_exceptions",) + (
    ("test_kernel_behaviour", "test_kernel_collections", "test_kernel_numbers",
     "test_kernel_objects") if os.environ.get("CATALYST_SLOW") else ())
CASES = [c[:2] for m in MODULES for c in importlib.import_module(m).CASES]


@pytest.mark.parametrize("mode,threshold,rounds", [("always", None, 1), ("on", 2, 3)])
def test_kernel_cases_give_the_same_answers_translated(mode, threshold, rounds):
    vm = VM.default(jit=mode, threshold=threshold)
    wrong = [(expr, got, expected) for _ in range(rounds) for expr, expected in CASES
             if (got := answer(vm, expr)) != expected]
    assert wrong == []
    s = vm.stats()
    assert s["translated_block_activations"] > 100 and s["translation_failures"] == 0
    handlers = [m for m in vm.jit.translated
                if vm.jit.method_input(m).name in ("BlockClosure>>valueWithHandler:do:",
                                                   "BlockClosure>>ensure:")]
    assert len(handlers) == 2          # the unwind-marked methods ran translated
