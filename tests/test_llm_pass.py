"""The LLM pass end to end against a local fake server: only a correct and faster candidate is
installed, the program's output never changes, and the stats count attempts, successes,
validation failures and retries."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from catalyst.llm.config import LLMConfig
from catalyst.llm.llm_pass import LLMOptimizer
from catalyst.vm.vm import VM

FAST = """(func $method (param $fp i32) (result i32) (local $r i32) (local $n i32)
  (local.set $r (i32.load offset=28 (local.get $fp)))
  (if (i32.eqz (i32.and (local.get $r) (i32.const 1))) (then (return (i32.const 0))))
  (local.set $n (i32.shr_s (local.get $r) (i32.const 1)))
  (if (i32.or (i32.lt_s (local.get $n) (i32.const 0)) (i32.gt_s (local.get $n) (i32.const 30000)))
    (then (return (i32.const 0))))
  (i32.or (i32.shl (i32.div_s (i32.mul (local.get $n) (i32.add (local.get $n) (i32.const 1))) (i32.const 2))
                   (i32.const 1)) (i32.const 1)))"""
WRONG = "(func $method (param $fp i32) (result i32) (i32.const 1))"
INVALID = "(func $method (param $fp i32) (result i32) (i64.const 1))"
SLOW = FAST.replace("(local.set $r", "(local.set $n (i32.const 200000)) (loop $spin (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $spin (local.get $n)))\n  (local.set $r", 1)


class Fake(BaseHTTPRequestHandler):
    answers: list = []
    status = 200

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = Fake.answers.pop(0) if Fake.answers else ""
        self.send_response(Fake.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"choices": [{"message": {"content": body}}]}).encode())

    def log_message(self, *a):
        pass


@pytest.fixture
def url():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    Fake.answers, Fake.status = [], 200
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    srv.shutdown()
    srv.server_close()


def run(url, tmp_path, answers, status=200):
    Fake.answers, Fake.status = list(answers), status
    vm = VM.default(jit="on", threshold=10 ** 9)
    vm.file_in_text("!Integer methodsFor: 'llm'!\ntriangle\n\t| s |\n\ts := 0.\n"
                    "\t1 to: self do: [:i | s := s + i].\n\t^s! !\n")
    vm.jit.llm = LLMOptimizer(vm.jit, LLMConfig(url, "fake", "sk-x"), timeout=2.0,
                              cache_dir=str(tmp_path))
    vm.jit.llm.client.backoff = 0.01
    m = vm.lookup_method(vm.class_named("Integer"), "triangle")
    assert vm.jit.translate(m)
    baseline = vm.core.call("method_jit_index", m)
    assert vm.eval("100 triangle") == "5050"          # processes the pending request
    assert vm.eval("100 triangle") == "5050" and vm.eval("-3 triangle") == "0"
    return vm, m, baseline, vm.stats()


def test_correct_faster_candidate_is_installed(url, tmp_path):
    vm, m, baseline, s = run(url, tmp_path, [FAST])
    assert s["llm_successes"] == 1 and s["llm_attempts"] == 1
    assert vm.core.call("method_jit_index", m) != baseline
    assert vm.eval("20000 triangle") == "200010000"


@pytest.mark.parametrize("answers,reason", [
    ([INVALID] * 3, "validate"), ([WRONG] * 3, "wrong results"), ([SLOW] * 3, "not faster"),
    (["Sure! Here is some prose, no code."] * 3, "no WAT function"),
])
def test_bad_candidates_keep_the_baseline(url, tmp_path, answers, reason):
    vm, m, baseline, s = run(url, tmp_path, answers)
    assert s["llm_successes"] == 0 and s["llm_validation_failures"] == 3 and s["llm_retries"] == 2
    assert vm.core.call("method_jit_index", m) == baseline
    assert any(reason in line for line in vm.jit.llm.log)


def test_server_errors_keep_the_baseline(url, tmp_path):
    vm, m, baseline, s = run(url, tmp_path, [], status=500)
    assert s["llm_successes"] == 0 and vm.core.call("method_jit_index", m) == baseline


def test_results_are_cached(url, tmp_path):
    run(url, tmp_path, [FAST])
    vm, m, baseline, s = run(url, tmp_path, [])        # no answers left: must come from the cache
    assert s["llm_attempts"] == 0 and vm.core.call("method_jit_index", m) != baseline
