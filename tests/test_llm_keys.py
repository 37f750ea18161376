"""The API key never leaves the Authorization header: not in logs, dumps, stats, exceptions or
the cache, even when the service echoes it back in answers and error messages."""
import json
import os

import pytest

from catalyst.cli import main
from catalyst.llm.client import ChatClient, LLMError
from catalyst.llm.config import LLMConfig
from catalyst.llm.fake_server import FakeLLMServer, Reply
from test_llm_support import CHECK, FAST, KEY, METHOD, WARM, config_file, fenced

ECHOING = [f"I cannot help; your key {KEY} is not authorised for WAT.",
           fenced(FAST.replace("(local.set $r", f";; written for {KEY}\n  (local.set $r", 1))]


@pytest.fixture
def keyed(monkeypatch, tmp_path):
    for var in ("CATALYST_LLM_URL", "CATALYST_LLM_MODEL", "CATALYST_LLM_KEY", "CATALYST_LLM_KEY_FILE",
                "CATALYST_LLM_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    key = tmp_path / "key"
    key.write_text(KEY + "\n")
    os.chmod(key, 0o600)
    monkeypatch.setenv("CATALYST_LLM_KEY_FILE", str(key))
    monkeypatch.setenv("CATALYST_LLM_MODEL", "fake-model")
    prog = tmp_path / "prog.st"
    prog.write_text(METHOD + WARM[:-len(" t")] + " Transcript show: t printString; cr!\n")
    return monkeypatch, tmp_path, str(prog), config_file(tmp_path)


def everything_written(tmp_path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in tmp_path.rglob("*")
                     if p.is_file() and p.name not in ("key", "prog.st"))


def test_key_stays_out_of_stats_logs_and_cache(keyed, capfd):
    monkeypatch, tmp_path, prog, config = keyed
    with FakeLLMServer.scripted(ECHOING, only="Integer>>llmSum") as srv:
        monkeypatch.setenv("CATALYST_LLM_URL", srv.url)
        code = main(["run", prog, "-e", CHECK, "--llm", "--llm-config", config, "--stats"])
        headers = [h for h, _ in srv.requests]
    out, err = capfd.readouterr()
    assert code == 0
    assert all(h["Authorization"] == f"Bearer {KEY}" for h in headers)   # it was used...
    stats = json.loads(err.strip().splitlines()[-1])
    assert stats["llm_successes"] == 1 and stats["llm_validation_failures"] == 1
    assert KEY not in out and KEY not in err                             # ...and shown nowhere
    cached = everything_written(tmp_path)
    assert '"function"' in cached and KEY not in cached and "***" in cached


def test_key_stays_out_of_compile_dumps(keyed, capfd):
    monkeypatch, tmp_path, prog, config = keyed
    methods = tmp_path / "methods.st"
    methods.write_text(METHOD)
    dump = tmp_path / "dump"
    with FakeLLMServer.scripted(ECHOING) as srv:
        monkeypatch.setenv("CATALYST_LLM_URL", srv.url)
        code = main(["compile", "Integer>>llmSum", "--source", str(methods), "--warm", WARM, "--emit", "ir",
                     "--llm", "--llm-config", config, "--dump-dir", str(dump)])
    out, err = capfd.readouterr()
    assert code == 0 and "--- answer ---" in out and "your key *** is not authorised" in out
    assert KEY not in out + err
    assert (dump / "llm-answer-1.txt").exists() and KEY not in everything_written(tmp_path)


def test_key_stays_out_of_errors(keyed, capfd):
    monkeypatch, tmp_path, prog, config = keyed
    answers = [Reply(f'{{"error": "key {KEY} revoked"}}', status=401)]
    with FakeLLMServer.scripted(answers, only="Integer>>llmSum") as srv:
        monkeypatch.setenv("CATALYST_LLM_URL", srv.url)
        code = main(["run", prog, "-e", CHECK, "--llm", "--llm-config", config, "--stats"])
    with FakeLLMServer.scripted([Reply(f"forbidden for {KEY}", status=403)]) as srv:
        monkeypatch.setenv("CATALYST_LLM_URL", srv.url)
        cfg = LLMConfig.from_env()
        with pytest.raises(LLMError, match="HTTP 403") as e:
            ChatClient(cfg).complete([])
    out, err = capfd.readouterr()
    assert code == 0
    stats = json.loads(err.strip().splitlines()[-1])
    assert "HTTP 401" in stats["llm_results"][0]["reason"] and "key *** revoked" in stats["llm_results"][0]["reason"]
    assert KEY not in err and KEY not in str(e.value) and KEY not in repr(cfg) and KEY not in str(cfg)
    assert KEY not in everything_written(tmp_path)
