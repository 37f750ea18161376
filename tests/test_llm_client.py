"""The LLM client, key handling, answer parsing and cache, against a real local HTTP server on
127.0.0.1 started by the tests (no other network)."""
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from catalyst.llm.cache import LLMCache
from catalyst.llm.client import ChatClient, LLMError, LLMUnavailable
from catalyst.llm.config import LLMConfig, LLMConfigError
from catalyst.llm.parse import RejectedAnswer, extract_function

KEY = "sk-test-secret-123"
GOOD = "(func $method (param $fp i32) (result i32)\n  (i32.load offset=28 (local.get $fp)))"


class FakeLLM(BaseHTTPRequestHandler):
    script: list = []       # answers to give, in order: (status, body, headers, delay)
    seen: list = []

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        FakeLLM.seen.append((self.headers.get("Authorization"), json.loads(self.rfile.read(n))))
        status, body, headers, delay = FakeLLM.script.pop(0) if FakeLLM.script else (500, "", {}, 0)
        time.sleep(delay)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def chat(text):
    return json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}]})


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), FakeLLM)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    FakeLLM.script, FakeLLM.seen = [], []
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    srv.shutdown()
    srv.server_close()


def client(url, **kw):
    return ChatClient(LLMConfig(url, "test-model", KEY), **{"timeout": 1.0, "backoff": 0.01, **kw})


def test_answer_and_key_sent(server):
    FakeLLM.script = [(200, chat("```wat\n" + GOOD + "\n```"), {}, 0)]
    text = client(server).complete([{"role": "user", "content": "hi"}])
    assert extract_function(text) == GOOD
    auth, body = FakeLLM.seen[0]
    assert auth == f"Bearer {KEY}" and body["model"] == "test-model"


def test_server_error_then_rate_limit_then_success(server):
    FakeLLM.script = [(500, "", {}, 0), (429, "", {"Retry-After": "0"}, 0), (200, chat(GOOD), {}, 0)]
    c = client(server)
    assert c.complete([]) == GOOD and c.retried == 2


def test_persistent_errors_raise_without_the_key(server):
    FakeLLM.script = [(500, "", {}, 0)] * 5
    with pytest.raises(LLMError) as e:
        client(server, retries=2).complete([])
    assert KEY not in str(e.value) and "HTTP 500" in str(e.value)


def test_hang_past_the_timeout_is_unavailable(server):
    FakeLLM.script = [(200, chat(GOOD), {}, 2.0)]
    t0 = time.monotonic()
    with pytest.raises(LLMUnavailable):
        client(server, timeout=0.3, retries=0).complete([])
    assert time.monotonic() - t0 < 1.5


def test_unreachable_service():
    with pytest.raises(LLMUnavailable):
        client("http://127.0.0.1:9/v1", timeout=0.3, retries=0).complete([])


def test_huge_answer_is_refused(server):
    FakeLLM.script = [(200, chat("x" * 300000), {}, 0)]
    with pytest.raises(LLMError, match="larger than"):
        client(server).complete([])


@pytest.mark.parametrize("answer,reason", [
    ("I would rather not write code today.", "no WAT function"),
    (GOOD + "\n" + GOOD.replace("$method", "$other"), "2 functions"),
    ("(func $method (param i32) (param i32) (result i32) (i32.const 0))", "wrong signature"),
    ("(func $method (param $fp i32) (i32.const 0)", "unbalanced"),
])
def test_bad_answers_are_rejected_with_a_reason(answer, reason):
    with pytest.raises(RejectedAnswer, match=reason):
        extract_function(answer)


def test_key_file_must_be_private(tmp_path):
    f = tmp_path / "key"
    f.write_text(KEY)
    os.chmod(f, 0o644)
    env = {"CATALYST_LLM_URL": "http://127.0.0.1:1/v1", "CATALYST_LLM_MODEL": "m",
           "CATALYST_LLM_KEY_FILE": str(f)}
    with pytest.raises(LLMConfigError, match="readable by group or others"):
        LLMConfig.from_env(env)
    os.chmod(f, 0o600)
    cfg = LLMConfig.from_env(env)
    assert cfg.key == KEY and KEY not in str(cfg) and KEY not in repr(cfg)


def test_cache_is_keyed_and_holds_no_key(tmp_path):
    cache = LLMCache(str(tmp_path))
    k = cache.key(b"\x70\x7c", "2", "m")
    assert k != cache.key(b"\x70\x7c", "2", "other") and cache.get(k) is None
    cache.put(k, {"function": GOOD, "model": "m"})
    assert cache.get(k)["function"] == GOOD
    assert all(KEY not in p.read_text() for p in (tmp_path / "llm").iterdir())
