"""The fake service's canned candidates (catalyst/llm/canned.py) are genuinely correct and
faster: the pass validates and installs each one, and then, on many more inputs than the pass
generated (edges, wrong classes, errors), the installed translation answers exactly what the
interpreter answers (differential testing in one VM: the method installed, then uninstalled)."""
import json

import pytest

from catalyst.bench.runner import suite_files
from catalyst.llm.config import LLMConfig
from catalyst.llm.fake_server import FakeLLMServer
from catalyst.llm.llm_pass import LLMOptimizer
from catalyst.vm.vm import SmalltalkError, VM
from test_llm_support import CANNED_SETTINGS

METHODS = {"Integer>>benchFib": "20 benchFib",
           "BenchSieve>>sieve:size:": "BenchSieve new benchmark",
           "BenchMandelbrot>>mandelbrot:": "BenchMandelbrot new mandelbrot: 24"}
INPUTS = {
    "Integer>>benchFib": [f"{n} benchFib" for n in list(range(-3, 27)) + [1073741823 * 0 - 1073741824]]
    + ["$a benchFib", "nil benchFib"],
    "BenchSieve>>sieve:size:": [f"BenchSieve new sieve: ((Array new: {n}) atAllPut: true; yourself) size: {n}"
                                for n in (0, 1, 2, 3, 4, 10, 97, 1000)]
    + ["BenchSieve new sieve: ((Array new: 10) atAllPut: true; yourself) size: 11",      # too short
       "BenchSieve new sieve: ((Array new: 10) atAllPut: true; at: 4 put: 3; yourself) size: 10",
       "BenchSieve new sieve: #(true true false true) size: 5",
       "BenchSieve new sieve: 'not an array' size: 5",
       "BenchSieve new sieve: ((Array new: 10) atAllPut: true; yourself) size: 3.5",
       "BenchSieve new sieve: nil size: 1",
       "BenchSieve new sieve: ((OrderedCollection new: 12) addAll: ((Array new: 12) atAllPut: true; yourself); yourself) size: 12"],
    "BenchMandelbrot>>mandelbrot:": [f"BenchMandelbrot new mandelbrot: {n}"
                                     for n in (-4, 0, 1, 2, 7, 8, 9, 15, 16, 17, 40)]
    + ["BenchMandelbrot new mandelbrot: 5.0", "BenchMandelbrot new mandelbrot: nil"],
}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    vm = VM.default(jit="on")
    for path in suite_files()[:3]:                    # harness, small, float benchmarks
        vm.file_in(path)
    settings = {**CANNED_SETTINGS, "methods": ",".join(METHODS),
                "cache_dir": str(tmp_path_factory.mktemp("llm-cache"))}
    with FakeLLMServer() as srv:
        vm.jit.llm = LLMOptimizer(vm.jit, LLMConfig(srv.url, "fake"), **settings)
        for expr in METHODS.values():
            vm.eval(expr)                             # hot, translated, then the pass asks
    return vm


def outcome(vm, expr):
    try:
        return vm.eval(expr)
    except SmalltalkError as e:
        return f"error: {e.text}"


def test_every_canned_candidate_is_installed(installed):
    s = installed.stats()
    results = {r["method"]: r for r in s["llm_results"]}
    assert set(results) == set(METHODS), json.dumps(s["llm_results"], indent=1)
    for name, r in results.items():
        assert r["outcome"] == "installed" and r["speedup"] >= 1.05, r
    assert s["llm_successes"] == 3
    # on a loaded machine a timing may come out under min_speedup and the (same) answer is
    # asked again; never for any other reason
    assert s["llm_attempts"] == 3 + s["llm_validation_failures"]
    assert all("not faster" in line for line in s["llm_log"] if "rejected" in line or "attempt" in line)


@pytest.mark.parametrize("name", list(METHODS))
def test_candidate_agrees_with_the_interpreter(installed, name):
    vm = installed
    cls, sel = name.split(">>")
    method = vm.lookup_method(vm.class_named(cls), sel)
    index = vm.core.call("method_jit_index", method)
    assert index == vm.jit.translated[method]
    before = vm.stats()["translated_activations"]
    translated = [outcome(vm, e) for e in INPUTS[name]]
    ran = vm.stats()["translated_activations"] - before
    vm.core.call("method_uninstall", method)
    try:
        interpreted = [outcome(vm, e) for e in INPUTS[name]]
    finally:
        vm.core.call("method_install", method, index)
    assert ran >= len(INPUTS[name]) - 4          # the candidate ran (not every input reaches it)
    for expr, t, i in zip(INPUTS[name], translated, interpreted):
        assert t == i, (expr, t, i)
    if name == "Integer>>benchFib":
        fib = [1, 1]
        for _ in range(40):
            fib.append(fib[-1] + fib[-2])
        for n in range(2, 27):
            assert translated[n + 3] == str(2 * fib[n] - 1)
