"""The LLM pass through the command line: `run --llm --stats` for every kind of answer (the
program's output unchanged, the counters in the --stats JSON), `compile --llm` and its
`=== llm ===` stage, `bench --tiers interp,jit,llm` against the canned fake server, and the
messages when the pass cannot run."""
import json
import os
import subprocess
import sys

import pytest

from catalyst.cli import main
from catalyst.llm.fake_server import FakeLLMServer
from test_llm_support import (CANNED_SETTINGS, CHECK, CHECK_VALUE, KEY, METHOD, SCENARIOS, WARM,
                              WARM_VALUE, config_file, expect)

PROGRAM = (METHOD + WARM[:-len(" t")] + " Transcript show: t printString; cr!\n"
           f"Transcript show: ({CHECK}) printString; cr!\n")
OUTPUT = f"{WARM_VALUE}\n{CHECK_VALUE}\n{CHECK_VALUE}\n"


@pytest.fixture
def env(monkeypatch, tmp_path):
    for var in ("CATALYST_LLM_URL", "CATALYST_LLM_MODEL", "CATALYST_LLM_KEY", "CATALYST_LLM_KEY_FILE",
                "CATALYST_LLM_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CATALYST_LLM_MODEL", "fake-model")
    monkeypatch.setenv("CATALYST_LLM_KEY", KEY)
    prog = tmp_path / "prog.st"
    prog.write_text(PROGRAM)
    return {"prog": str(prog), "config": config_file(tmp_path), "monkeypatch": monkeypatch,
            "tmp": tmp_path}


def run_cli(args, capfd):
    code = main(args)
    out, err = capfd.readouterr()
    return code, out, err


def stats_of(err: str) -> dict:
    line = [l for l in err.splitlines() if l.startswith("{")][-1]
    return json.loads(line)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_run_with_llm(env, capfd, scenario):
    with FakeLLMServer.scripted(scenario.replies, only="Integer>>llmSum") as srv:
        env["monkeypatch"].setenv("CATALYST_LLM_URL", srv.url)
        code, out, err = run_cli(["run", env["prog"], "-e", CHECK, "--llm",
                                  "--llm-config", env["config"], "--stats"], capfd)
    assert code == 0, err
    assert out == OUTPUT                                  # the program's output never changes
    stats = stats_of(err)
    expect(stats, scenario)
    assert stats["translated_activations"] > 0
    assert KEY not in out + err


def test_run_with_llm_in_a_subprocess(env, tmp_path):
    """The installed `catalyst` command, configured by the environment alone."""
    from test_llm_support import FAST, fenced
    with FakeLLMServer.scripted([fenced(FAST)], only="Integer>>llmSum") as srv:
        e = dict(os.environ, CATALYST_LLM_URL=srv.url, CATALYST_LLM_CONFIG=env["config"])
        p = subprocess.run([sys.executable, "-m", "catalyst.cli", "run", env["prog"], "-e", CHECK,
                            "--llm", "--stats"], env=e, capture_output=True,
                           text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout == OUTPUT
    expect(stats_of(p.stderr), SCENARIOS[0])
    assert KEY not in p.stdout + p.stderr


def test_llm_without_a_service_says_so_and_runs(env, capfd):
    code, out, err = run_cli(["eval", "--llm", "--stats", "3 + 4"], capfd)
    assert code == 0 and out == "7\n"
    assert "--llm: CATALYST_LLM_URL is not set" in err and "running without the LLM pass" in err
    assert "llm_attempts" not in stats_of(err)


def test_llm_with_a_readable_key_file_is_refused(env, capfd):
    key = env["tmp"] / "key"
    key.write_text(KEY)
    os.chmod(key, 0o644)
    env["monkeypatch"].delenv("CATALYST_LLM_KEY")
    env["monkeypatch"].setenv("CATALYST_LLM_URL", "http://127.0.0.1:9/v1")
    env["monkeypatch"].setenv("CATALYST_LLM_KEY_FILE", str(key))
    code, out, err = run_cli(["eval", "--llm", "--stats", "6 * 7"], capfd)
    assert code == 0 and out == "42\n"
    assert "readable by group or others" in err and "chmod 600" in err and KEY not in err


def test_compile_shows_the_llm_stage(env, capfd):
    from test_llm_support import FAST, fenced
    methods = env["tmp"] / "methods.st"
    methods.write_text(METHOD)
    dump = env["tmp"] / "dump"
    with FakeLLMServer.scripted([fenced(FAST)]) as srv:
        env["monkeypatch"].setenv("CATALYST_LLM_URL", srv.url)
        code, out, err = run_cli(["compile", "Integer>>llmSum", "--source", str(methods), "--warm", WARM,
                                  "--emit", "wat", "--llm", "--llm-config", env["config"],
                                  "--dump-dir", str(dump)], capfd)
    assert code == 0, err
    for part in ("=== wat ===", "=== llm ===", "--- analysis ---", "Category: arithmetic-kernel",
                 "--- inputs ---", "--- prompt ---", "# Method Integer>>llmSum", "--- answer ---",
                 "--- outcome ---", "installed:", "the baseline's speed", "llm_successes=1"):
        assert part in out, part
    assert out.index("=== wat ===") < out.index("=== llm ===")
    files = sorted(p.name for p in dump.iterdir())
    assert "llm-prompt.txt" in files and "llm-answer-1.txt" in files and "llm-outcome.txt" in files
    for p in dump.iterdir():
        assert KEY not in p.read_text()
    assert KEY not in out + err


def test_compile_llm_without_a_service_shows_the_prompt(env, capfd):
    code, out, err = run_cli(["compile", "Integer>>benchFib", "--emit", "wat", "--llm"], capfd)
    assert code == 0
    assert "=== llm ===" in out and "# Method Integer>>benchFib" in out and "## 8. Frames" in out
    assert "not sent: CATALYST_LLM_URL is not set" in out


def bench(env, capfd, tmp_path, tiers, names, methods):
    config = tmp_path / "bench.json"
    config.write_text(json.dumps({**CANNED_SETTINGS, "methods": methods,
                                  "cache_dir": str(tmp_path / "llm-cache")}))
    with FakeLLMServer() as srv:
        env["monkeypatch"].setenv("CATALYST_LLM_URL", srv.url)
        env["monkeypatch"].setenv("CATALYST_LLM_CONFIG", str(config))
        code, out, err = run_cli(["bench", *names, "--tiers", tiers, "--iterations", "2", "--warmup", "1",
                                  "--no-native", "--json", str(tmp_path / "b.json")], capfd)
    assert code == 0, err
    return out, json.loads((tmp_path / "b.json").read_text())


def test_bench_llm_tier_against_the_canned_server(env, capfd, tmp_path):
    out, entries = bench(env, capfd, tmp_path, "llm", ["tiny-sends"], "*>>benchFib")
    assert "tiny-sends     llm" in out and "llm tier:" in out
    assert "Integer>>benchFib: installed" in out
    llm = next(e for e in entries if e["tier"] == "llm")
    def bench_fib(n):
        return 1 if n < 2 else bench_fib(n - 1) + bench_fib(n - 2) + 1
    assert llm["llm"]["llm_successes"] == 1 and llm["answer"] == str(bench_fib(llm["size"]))
    assert llm["translated_activations"] > 0


@pytest.mark.slow
def test_bench_demonstration_in_three_tiers(env, capfd, tmp_path):
    """The demonstration of docs/LLM.md: the canned candidates beat the baseline translations."""
    out, entries = bench(env, capfd, tmp_path, "interp,jit,llm", ["tiny-sends", "sieve", "mandelbrot"],
                         "*>>benchFib,*>>sieve:size:,*>>mandelbrot:")
    for name in ("Integer>>benchFib", "BenchSieve>>sieve:size:", "BenchMandelbrot>>mandelbrot:"):
        assert f"{name}: installed" in out, out
    for bench_name in ("tiny-sends", "sieve", "mandelbrot"):
        jit = next(e for e in entries if e["tier"] == "jit" and e["benchmark"] == bench_name)
        llm = next(e for e in entries if e["tier"] == "llm" and e["benchmark"] == bench_name)
        assert llm["answer"] == jit["answer"]
        assert llm["median_s"] < jit["median_s"], (bench_name, llm["median_s"], jit["median_s"])


def test_bench_llm_tier_needs_a_service(env, capfd):
    code, out, err = run_cli(["bench", "tiny-sends", "--tiers", "interp,llm", "--no-native"], capfd)
    assert code == 2 and "tier llm: CATALYST_LLM_URL is not set" in err
    assert "python -m catalyst.llm.fake_server" in err
    code, out, err = run_cli(["bench", "tiny-sends", "--tiers", "interp,turbo"], capfd)
    assert code == 2 and "unknown tier(s) turbo" in err


def test_a_config_file_can_turn_the_pass_on(env, capfd):
    from test_llm_support import FAST, fenced
    cfg = env["tmp"] / "on.toml"
    with FakeLLMServer.scripted([fenced(FAST)], only="Integer>>llmSum") as srv:
        cfg.write_text(f'enabled = true\nurl = "{srv.url}"\nmethods = "Integer>>llmSum"\n'
                       f'max_attempts = 1\ncase_seconds = 0.05\ntiming_runs = 3\ntiming_target = 0.004\n'
                       f'cache_dir = "{env["tmp"] / "c"}"\n')
        env["monkeypatch"].setenv("CATALYST_LLM_CONFIG", str(cfg))
        code, out, err = run_cli(["run", env["prog"], "-e", CHECK, "--stats"], capfd)   # no --llm
    assert code == 0 and out == OUTPUT
    assert stats_of(err)["llm_successes"] == 1
    cfg.write_text("enabled = maybe\n")
    code, out, err = run_cli(["eval", "3 + 4"], capfd)
    assert code == 0 and out == "7\n" and "not valid TOML" in err and "running without the LLM pass" in err
