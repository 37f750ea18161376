"""The chat-completions client, the answer parser and the configuration, against a real local
HTTP server on 127.0.0.1 started by the tests (no other network)."""
import json
import os
import time

import pytest

from catalyst.llm.client import ChatClient, LLMError, LLMUnavailable
from catalyst.llm.config import LLMConfig, LLMConfigError
from catalyst.llm.fake_server import FakeLLMServer, Reply
from catalyst.llm.parse import RejectedAnswer, candidate_module, extract_function, settable_globals
from test_llm_support import FAST, KEY

GOOD = "(func $method (param $fp i32) (result i32)\n  (i32.load offset=28 (local.get $fp)))"
ENV = {"CATALYST_LLM_URL": "http://127.0.0.1:1/v1", "CATALYST_LLM_MODEL": "m"}


@pytest.fixture
def scripted():
    servers = []

    def make(replies):
        srv = FakeLLMServer.scripted(replies)
        srv.start()
        servers.append(srv)
        return srv
    yield make
    for s in servers:
        s.stop()


def client(url, **kw):
    cfg = LLMConfig(url, "test-model", KEY, timeout=kw.pop("timeout", 1.0), backoff=0.01,
                    retries=kw.pop("retries", 2))
    return ChatClient(cfg, **kw)


# --- the client ---------------------------------------------------------------------------------
def test_answer_and_key_sent(scripted):
    srv = scripted(["```wat\n" + GOOD + "\n```"])
    text = client(srv.url).complete([{"role": "user", "content": "hi"}])
    assert extract_function(text) == GOOD
    headers, body = srv.requests[0]
    assert headers["Authorization"] == f"Bearer {KEY}" and body["model"] == "test-model"
    assert body["messages"] == [{"role": "user", "content": "hi"}] and body["temperature"] == 0


def test_server_error_then_rate_limit_then_success(scripted):
    srv = scripted([Reply(status=500), Reply(status=429, headers={"Retry-After": "0"}), GOOD])
    c = client(srv.url)
    assert c.complete([]) == GOOD and c.retried == 2 and len(srv.requests) == 3


def test_retry_after_is_honoured(scripted):
    srv = scripted([Reply(status=429, headers={"Retry-After": "0.3"}), GOOD])
    t0 = time.monotonic()
    assert client(srv.url).complete([]) == GOOD
    assert time.monotonic() - t0 >= 0.3


def test_persistent_errors_raise_without_the_key(scripted):
    # the server even echoes the key in its error body: the message must not carry it
    srv = scripted([Reply(f"bad key {KEY}", status=500)] * 5)
    with pytest.raises(LLMError) as e:
        client(srv.url, retries=2).complete([])
    assert KEY not in str(e.value) and "HTTP 500" in str(e.value) and "***" in str(e.value)
    assert len(srv.requests) == 3


def test_client_errors_are_not_retried(scripted):
    srv = scripted([Reply("no such model", status=404)] * 3)
    with pytest.raises(LLMError, match="HTTP 404.*no such model"):
        client(srv.url).complete([])
    assert len(srv.requests) == 1


def test_hang_past_the_timeout_is_unavailable_at_once(scripted):
    srv = scripted([Reply(GOOD, delay=2.0)] * 3)
    t0 = time.monotonic()
    with pytest.raises(LLMUnavailable, match="did not answer within"):
        client(srv.url, timeout=0.3).complete([])
    assert time.monotonic() - t0 < 1.0 and len(srv.requests) == 1   # a slow service: not retried


def test_unreachable_service():
    with pytest.raises(LLMUnavailable, match="unreachable"):
        client("http://127.0.0.1:9/v1", timeout=0.3, retries=1).complete([])


def test_huge_answer_is_refused(scripted):
    srv = scripted(["x" * 300000])
    with pytest.raises(LLMError, match="larger than"):
        client(srv.url, max_bytes=256 * 1024).complete([])


@pytest.mark.parametrize("raw", ["not json", "{}", '{"choices": []}',
                                 '{"choices": [{"message": {"content": null}}]}'])
def test_malformed_answers(scripted, raw):
    srv = scripted([Reply(raw=raw)])
    with pytest.raises(LLMError, match="chat completion|not text"):
        client(srv.url).complete([])


# --- parsing answers -----------------------------------------------------------------------------
@pytest.mark.parametrize("answer,reason", [
    ("I would rather not write code today.", "no WAT function"),
    (GOOD + "\n" + GOOD.replace("$method", "$other"), "2 functions"),
    ("(func $method (param i32) (param i32) (result i32) (i32.const 0))", "wrong signature"),
    ("(func $method (param $fp i32) (result i64) (i64.const 0))", "wrong signature"),
    ("(func $method (param $fp i32) (i32.const 0))", "wrong signature"),
    ("(func $method (param $fp i32) (result i32) (i32.const 0)", "unbalanced"),
    ("(func $method (import \"core\" \"vm_send\") (param i32) (result i32))", "an import"),
    ("(func $m (param $fp i32) (result i32) (drop (memory.grow (i32.const 1))) (i32.const 1))",
     "memory.grow"),
    ("(func $m (param $fp i32) (result i32) (global.set $true (i32.const 0)) (i32.const 1))",
     "sets the global $true"),
    ("(func $m (param $fp i32) (result i32) (table.set $table (i32.const 1) (ref.null func)) (i32.const 1))",
     "table.set"),
    ("x" * 70000, "too large"),
])
def test_bad_answers_are_rejected_with_a_reason(answer, reason):
    with pytest.raises(RejectedAnswer, match=reason.replace("$", r"\$").replace("(", r"\(")):
        extract_function(answer)


def test_fenced_and_bare_functions_are_accepted():
    assert extract_function(f"Sure:\n```wasm\n{GOOD}\n```\nEnjoy.") == GOOD
    assert extract_function(f"prose first {GOOD} prose after") == GOOD
    commented = GOOD.replace("(i32.load", ";; a comment (with a paren\n  (i32.load")
    assert extract_function(commented) == commented
    assert "global.set $gfp" in extract_function(
        "(func $m (param $fp i32) (result i32) (global.set $gfp (local.get $fp)) (i32.const 0))")
    with pytest.raises(RejectedAnswer, match="sets the global .depth"):
        extract_function("(func $m (param $fp i32) (result i32) (global.set $depth (i32.const 0)) (i32.const 1))")
    assert "$depth" in settable_globals("(func $method (global.set $depth (i32.const 1)))")


def test_candidate_replaces_only_the_method():
    base = ('(module $m7\n  (import "core" "nil" (global $nil (mut i32)))\n'
            '  (func $method (export "method") (param $fp i32) (result i32)\n    (i32.const 1))\n)\n')
    module = candidate_module(base, FAST.replace("$method", "$fast"))
    assert module.startswith('(module $m7\n  (import "core" "nil"')
    assert '(func $method (export "method") (param $fp i32)' in module
    assert "(i32.const 1))\n)" not in module and module.rstrip().endswith(")")


# --- configuration and the key -----------------------------------------------------------------
def test_key_from_the_environment():
    cfg = LLMConfig.from_env({**ENV, "CATALYST_LLM_KEY": KEY})
    assert cfg.key == KEY and KEY not in str(cfg) and KEY not in repr(cfg)


def test_key_file_must_be_private(tmp_path):
    f = tmp_path / "key"
    f.write_text(KEY + "\n")
    env = {**ENV, "CATALYST_LLM_KEY_FILE": str(f)}
    for mode in (0o644, 0o640, 0o604):
        os.chmod(f, mode)
        with pytest.raises(LLMConfigError, match="readable by group or others") as e:
            LLMConfig.from_env(env)
        assert KEY not in str(e.value)
    os.chmod(f, 0o600)
    cfg = LLMConfig.from_env(env)
    assert cfg.key == KEY and KEY not in str(cfg) and KEY not in repr(cfg)
    f.write_text("")
    with pytest.raises(LLMConfigError, match="empty"):
        LLMConfig.from_env(env)
    with pytest.raises(LLMConfigError, match="No such file"):
        LLMConfig.from_env({**ENV, "CATALYST_LLM_KEY_FILE": str(tmp_path / "missing")})


@pytest.mark.parametrize("env,message", [
    ({}, "CATALYST_LLM_URL is not set"),
    ({"CATALYST_LLM_URL": "ftp://x"}, "must start with http"),
    ({"CATALYST_LLM_URL": "http://x/v1"}, "CATALYST_LLM_MODEL is not set"),
])
def test_missing_settings_say_what_is_missing(env, message):
    with pytest.raises(LLMConfigError, match=message):
        LLMConfig.from_env(env)


def test_config_file(tmp_path):
    key = tmp_path / "key"
    key.write_text(KEY)
    os.chmod(key, 0o600)
    toml = tmp_path / "llm.toml"
    toml.write_text(f'url = "http://127.0.0.1:8080/v1/"\nmodel = "local"\nkey_file = "{key}"\n'
                    'timeout = 5\nmax_attempts = 2\nmin_speedup = 1.2\n')
    cfg = LLMConfig.from_env({"CATALYST_LLM_CONFIG": str(toml)})
    assert (cfg.url, cfg.model, cfg.key, cfg.timeout, cfg.max_attempts, cfg.min_speedup) == \
        ("http://127.0.0.1:8080/v1", "local", KEY, 5.0, 2, 1.2)
    # the environment wins over the file
    cfg = LLMConfig.from_env({"CATALYST_LLM_CONFIG": str(toml), "CATALYST_LLM_MODEL": "other"})
    assert cfg.model == "other"
    js = tmp_path / "llm.json"
    js.write_text(json.dumps({"url": "http://h/v1", "model": "m", "cases": 8}))
    assert LLMConfig.from_env({"CATALYST_LLM_CONFIG": str(js)}).cases == 8


@pytest.mark.parametrize("text,message", [
    ('url = "http://h/v1"\nkey = "sk-1"\n', "do not put the key in the config file"),
    ('url = "http://h/v1"\nmodel = "m"\ncolour = "blue"\n', "unknown setting 'colour'"),
    ('url = "http://h/v1"\nmodel = "m"\ntimeout = "soon"\n', "timeout must be a number"),
    ('url = "http://h/v1"\nmodel = "m"\nmax_attempts = 0\n', "max_attempts must be positive"),
    ('url = = "x"', "not valid TOML"),
])
def test_bad_config_files(tmp_path, text, message):
    f = tmp_path / "llm.toml"
    f.write_text(text)
    with pytest.raises(LLMConfigError, match=message) as e:
        LLMConfig.from_env({"CATALYST_LLM_CONFIG": str(f)})
    assert "sk-1" not in str(e.value)


def test_fake_server_command_serves_canned_candidates():
    """`python -m catalyst.llm.fake_server`: canned functions for the methods it knows (filled
    in from the prompt), prose for the others."""
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-m", "catalyst.llm.fake_server", "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = line.split()[4]
        assert line.startswith("fake LLM service on http://127.0.0.1:") and url.endswith("/v1")
        c = client(url)
        prompt = ("# Method Integer>>benchFib\n\n## Bytecode (...)\n  17 <70> self\n\n"
                  "## IR\nfunction Integer>>benchFib args=0 temps=0\n")
        func = extract_function(c.complete([{"role": "user", "content": prompt}]))
        assert "(i32.const 17)" in func and "(i32.const 28)" in func      # first pc, empty stack
        with pytest.raises(RejectedAnswer, match="no WAT function"):
            extract_function(c.complete([{"role": "user", "content": "# Method Object>>foo\n"}]))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_candidates_get_the_interrupt_checks_of_translated_code():
    """The core runs without wasmtime's epoch checks, so every loop of a candidate, and its
    entry, test the host's interrupt request as translated code does."""
    from catalyst.backend.lower import INTERRUPT_CHECK
    from catalyst.llm.parse import with_interrupt_checks
    func = ("(func $m (param $fp i32) (result i32) (local $x i32) (local $loop i32) ;; a loop in a comment\n"
            " (loop $loop (br $loop)) (; loop ;) loop $l (result i32) (i32.const 1) end drop"
            " (block $b (loop (br 0))) (local.get $loop))")
    out = with_interrupt_checks(func)
    assert out.count(INTERRUPT_CHECK) == 4           # the entry and three loops
    assert "(local $loop i32) " + INTERRUPT_CHECK in out
    assert "(loop $loop " + INTERRUPT_CHECK in out
    assert "loop $l (result i32) " + INTERRUPT_CHECK in out
    assert "(loop " + INTERRUPT_CHECK in out
    assert "comment" not in out
    # and it still assembles and validates (the checks go where instructions may stand)
    from catalyst.backend.install import assemble
    assemble("(module (memory 256) " + out.replace("$m ", "$method ", 1) + ")")
