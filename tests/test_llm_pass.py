"""The LLM pass end to end through the Python API, against a real HTTP server on 127.0.0.1:
for each kind of answer the right thing is installed (or nothing), the program's output never
changes, and the stats count attempts, successes, validation failures and retries."""
import json

import pytest

from catalyst.llm.config import LLMConfig
from catalyst.llm.fake_server import FakeLLMServer
from catalyst.llm.llm_pass import LLMOptimizer
from catalyst.vm.vm import VM
from test_llm_support import (CHECK, CHECK_VALUE, EDGES, FAST, KEY, METHOD, SANDBOX_SCENARIOS,
                              SCENARIOS, SETTINGS, WARM, WARM_VALUE, WRONG, expect, fenced)


def start(replies):
    srv = FakeLLMServer.scripted(replies)
    srv.start()
    return srv


def program(url, tmp_path, **overrides):
    """A VM that has run llmSum interpreted (the inline caches hold feedback), then
    translated it: the baseline is installed and the method waits for the LLM pass."""
    vm = VM.default(jit="on", threshold=10 ** 9)
    vm.file_in_text(METHOD)
    settings = {**SETTINGS, "cache_dir": str(tmp_path), **overrides}
    vm.jit.llm = LLMOptimizer(vm.jit, LLMConfig(url, "fake-model", KEY), **settings)
    assert vm.eval(WARM) == WARM_VALUE
    m = vm.lookup_method(vm.class_named("Integer"), "llmSum")
    assert vm.jit.translate(m)
    return vm, m, vm.core.call("method_jit_index", m)


def run_scenario(url, tmp_path, **overrides):
    vm, m, baseline = program(url, tmp_path, **overrides)
    assert vm.eval(CHECK) == CHECK_VALUE        # runs the baseline, then the pass (between runs)
    before = vm.stats()["translated_activations"]
    assert vm.eval(CHECK) == CHECK_VALUE        # whatever the pass installed
    for expr, value in EDGES.items():
        assert vm.eval(expr) == value, expr
    after = vm.stats()
    assert after["translated_activations"] - before >= 301   # translated code ran the method
    return vm, m, baseline, after


@pytest.mark.parametrize("scenario", SCENARIOS + SANDBOX_SCENARIOS, ids=lambda s: s.name)
def test_scenario(tmp_path, scenario):
    srv = start(scenario.replies)
    try:
        vm, m, baseline, stats = run_scenario(srv.url, tmp_path)
    finally:
        srv.stop()
    expect(stats, scenario)
    installed = vm.core.call("method_jit_index", m)
    assert (installed != baseline) == scenario.installed
    assert vm.jit.translated[m] == installed
    outcome = stats["llm_results"][0]["outcome"]
    assert outcome.startswith("installed") == scenario.installed
    json.dumps(stats)                            # the stats stay JSON


def test_installed_candidate_is_the_one_that_runs(tmp_path):
    srv = start([fenced(FAST)])
    try:
        vm, m, baseline, stats = run_scenario(srv.url, tmp_path)
    finally:
        srv.stop()
    rec = stats["llm_results"][0]
    assert rec["outcome"] == "installed" and rec["speedup"] >= 1.05, stats["llm_log"]
    # the candidate gives up where the answer is no SmallInteger: the interpreter answers
    assert vm.eval("1073741000 llmSum") == str(1073741000 + 80200)
    assert vm.eval("1073600000 llmSum") == str(1073600000 + 80200)
    assert stats["llm_validation_runs"] > 16     # reference, candidate and timing runs


def test_sandbox_leaves_no_trace(tmp_path):
    """Validation runs do not show in the program's statistics or output, and the heap is as
    it was: everything the candidate and the interpreter did was undone."""
    srv = start([fenced(WRONG), fenced(FAST)])
    try:
        vm, m, baseline = program(srv.url, tmp_path)
        s0 = vm.stats()
        heap0 = vm.core.global_value("heap_end")
        vm.between_runs()
        s1 = vm.stats()
    finally:
        srv.stop()
    assert s1["llm_successes"] == 1 and s1["llm_validation_runs"] > 0, s1["llm_log"]
    for k in ("interpreted_activations", "translated_activations", "sends", "bailouts", "gc_count"):
        assert s1[k] == s0[k], k
    assert vm.core.global_value("heap_end") <= heap0 + 64 * 1024   # only the pass's own inputs


def test_results_are_cached_and_revalidated(tmp_path):
    srv = start([fenced(FAST)])
    try:
        run_scenario(srv.url, tmp_path)
    finally:
        srv.stop()
    srv = start([])                  # no answers left: the second VM must use the cache
    try:
        vm, m, baseline, s = run_scenario(srv.url, tmp_path)
    finally:
        srv.stop()
    assert s["llm_attempts"] == 0 and s["llm_cache_hits"] == 1 and s["llm_successes"] == 1, s["llm_log"]
    assert vm.core.call("method_jit_index", m) != baseline and not srv.requests
    # a cache entry edited to hold a wrong function is validated like any answer: rejected
    entry = next((tmp_path / "llm").glob("*.json"))
    data = json.loads(entry.read_text())
    data["function"] = WRONG
    entry.write_text(json.dumps(data))
    srv = start([])
    try:
        vm, m, baseline, s = run_scenario(srv.url, tmp_path)
    finally:
        srv.stop()
    assert s["llm_successes"] == 0 and s["llm_validation_failures"] == 1
    assert vm.core.call("method_jit_index", m) == baseline
    entry.write_text("{ not json")                     # a corrupt entry is a miss
    srv = start([fenced(FAST)])
    try:
        vm, m, baseline, s = run_scenario(srv.url, tmp_path)
    finally:
        srv.stop()
    assert s["llm_attempts"] == 1 and s["llm_successes"] == 1


def test_unreachable_service_disables_the_pass(tmp_path):
    vm, m, baseline = program("http://127.0.0.1:9/v1", tmp_path)
    assert vm.eval(CHECK) == CHECK_VALUE
    s = vm.stats()
    assert s["llm_unavailable"] == 1 and "unavailable" in s["llm_disabled"]
    assert vm.core.call("method_jit_index", m) == baseline
    vm.jit.llm.consider(m, None, "")            # asked again later: ignored, nothing queued
    assert not vm.jit.llm.pending


def test_request_carries_the_prompt_and_the_key(tmp_path):
    srv = start([fenced(WRONG), fenced(FAST)])
    try:
        run_scenario(srv.url, tmp_path)
    finally:
        srv.stop()
    (h1, b1), (h2, b2) = srv.requests
    assert h1["Authorization"] == f"Bearer {KEY}" and b1["model"] == "fake-model"
    text = b1["messages"][-1]["content"]
    for part in ("# Method Integer>>llmSum", "## What it does", "Category: arithmetic-kernel",
                 "counts t2 from 1 to 400 by 1", "accumulates t1 := t1 + t2",
                 "## Bytecode", "pushConstant: 400", "## IR after", "function Integer>>llmSum",
                 "## 8. Frames", "FRAME_IP", "## Baseline WAT", "(func $method"):
        assert part in text, part
    retry = b2["messages"][-1]["content"]
    assert "## Your previous answer was rejected" in retry and "wrong result" in retry
    assert KEY not in text and KEY not in retry


def test_runtime_validation_watches_llm_translations(tmp_path):
    """With --validate N, an installed LLM translation is compared with the interpreter on its
    first N activations, like the JIT's own translations."""
    srv = start([fenced(FAST)])
    try:
        vm = VM.default(jit="on", threshold=10 ** 9, validate=5)
        vm.file_in_text(METHOD)
        vm.jit.llm = LLMOptimizer(vm.jit, LLMConfig(srv.url, "fake-model", KEY),
                                  **{**SETTINGS, "cache_dir": str(tmp_path)})
        assert vm.eval(WARM) == WARM_VALUE
        m = vm.lookup_method(vm.class_named("Integer"), "llmSum")
        assert vm.jit.translate(m)
        assert vm.eval(CHECK) == CHECK_VALUE and vm.eval(CHECK) == CHECK_VALUE
    finally:
        srv.stop()
    s = vm.stats()
    assert s["llm_successes"] == 1, s["llm_log"]
    assert s["validated_activations"] >= 5 and s["validation_mismatches"] == 0


ONE = """(func $method (param $fp i32) (result i32)
  (if (i32.eqz (i32.and (i32.load offset=28 (local.get $fp)) (i32.const 1))) (then (return (i32.const 0))))
  (i32.const 2001))"""      # 1000: what 1000 times `self llmOne` adds up to while llmOne answers 1


def test_candidates_are_dropped_when_what_they_rely_on_changes(tmp_path):
    """A candidate is a black box that may have folded in what its sends find; when a method
    dictionary changes for one of its selectors, it is uninstalled like a translation that
    bound that send, and the program sees the new method."""
    srv = FakeLLMServer.scripted([fenced(ONE)], only="Integer>>llmTwice")
    srv.start()
    try:
        vm = VM.default(jit="on", threshold=10 ** 9)
        vm.file_in_text("!Integer methodsFor: 'llm'!\nllmOne\n\t^1!\nllmTwice\n\t| s |\n\ts := 0.\n"
                        "\t1 to: 1000 do: [:i | s := s + self llmOne].\n\t^s! !\n")
        vm.jit.llm = LLMOptimizer(vm.jit, LLMConfig(srv.url, "fake-model", KEY),
                                  **{**SETTINGS, "methods": "Integer>>llmTwice", "cache_dir": str(tmp_path)})
        assert vm.eval("(1 to: 30) inject: 0 into: [:a :k | a + k llmTwice]") == "30000"
        m = vm.lookup_method(vm.class_named("Integer"), "llmTwice")
        assert vm.jit.translate(m)
        assert vm.eval("7 llmTwice") == "1000"
    finally:
        srv.stop()
    assert vm.stats()["llm_successes"] == 1 and m in vm.jit.translated
    vm.file_in_text("!Integer methodsFor: 'llm'!\nllmOne\n\t^2! !\n")
    assert m not in vm.jit.translated and vm.core.call("method_jit_index", m) == 0
    assert vm.eval("7 llmTwice") == "2000"
