"""Shared material of the LLM tests (no tests here): a program whose hot method the pass is asked
about, fake answers for it (a correct faster function, invalid WAT, a valid but wrong function,
a slower one, prose, a huge answer, a trapping one, a looping one, a forbidden one) and the
scenarios the API and CLI tests both run against a local fake server."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from catalyst.llm.fake_server import Reply

KEY = "sk-test-secret-4711"

# Integer>>llmSum: self + (1 + 2 + ... + 400), by a loop of SmallInteger additions
METHOD = ("!Integer methodsFor: 'llm'!\nllmSum\n\t| s |\n\ts := self.\n"
          "\t1 to: 400 do: [:i | s := s + i].\n\t^s! !\n")
SUM = 400 * 401 // 2
WARM = "| t | t := 0. 1 to: 60 do: [:k | t := t + k llmSum]. t"
WARM_VALUE = str(sum(k + SUM for k in range(1, 61)))
CHECK = "(0 to: 300) inject: 0 into: [:a :k | a + k llmSum]"
CHECK_VALUE = str(sum(k + SUM for k in range(301)))
EDGES = {"-5 llmSum": str(SUM - 5), "1073741823 llmSum": str(1073741823 + SUM),
         "(2 raisedTo: 40) llmSum": str(2 ** 40 + SUM)}

# answer 0 before touching anything: the frame is as the caller built it (FRAME_IP at the first
# bytecode), so the interpreter runs the method from its start (other receivers, overflow)
FAST = """(func $method (param $fp i32) (result i32) (local $r i32) (local $n i64)
  (local.set $r (i32.load offset=28 (local.get $fp)))
  (if (i32.eqz (i32.and (local.get $r) (i32.const 1))) (then (return (i32.const 0))))
  (local.set $n (i64.add (i64.extend_i32_s (i32.shr_s (local.get $r) (i32.const 1))) (i64.const 80200)))
  (if (i64.gt_s (local.get $n) (i64.const 1073741823)) (then (return (i32.const 0))))
  (i32.wrap_i64 (i64.or (i64.shl (local.get $n) (i64.const 1)) (i64.const 1))))"""
WRONG = FAST.replace("(i64.const 80200)", "(i64.const 80100)")
INVALID = "(func $method (param $fp i32) (result i32) (i64.const 1))"    # binaryen refuses it
UNPARSABLE = "(func $method (param $fp i32) (result i32) (i32.bogus 1))"
SLOW = FAST.replace("(local.set $r", "(local.set $n (i64.const 30000)) (loop $spin (local.set $n "
                    "(i64.sub (local.get $n) (i64.const 1))) (br_if $spin (i32.wrap_i64 (local.get $n))))\n  (local.set $r", 1)
TRAP = FAST.replace("(local.set $n (i64.add", "(if (i32.gt_s (local.get $r) (i32.const 11)) (then (unreachable)))\n  (local.set $n (i64.add", 1)
LOOP = FAST.replace("(local.set $n (i64.add", "(if (i32.eq (local.get $r) (i32.const 15)) (then (loop $forever (br $forever))))\n  (local.set $n (i64.add", 1)
FORBIDDEN = FAST.replace("(local.set $r", "(global.set $nil (i32.const 0))\n  (local.set $r", 1)
HUGE = "```wat\n" + FAST[:-1] + "\n" + ";; padding to make the answer too big\n" * 3000 + ")\n```"
PROSE = "Sure! The method sums the integers up to the receiver; a closed form would be faster."


def fenced(func: str) -> str:
    return f"Here is a faster version:\n\n```wat\n{func}\n```\n"


@dataclass
class Scenario:
    name: str
    replies: list
    installed: bool
    counts: dict                 # expected llm_* counters
    reason: str = ""             # in the log / the results' reason
    extra: dict = field(default_factory=dict)


ATTEMPTS = 2
REJECTED = {"llm_attempts": 2, "llm_successes": 0, "llm_validation_failures": 2, "llm_retries": 1}
SCENARIOS = [
    Scenario("faster", [fenced(FAST)], True,
             {"llm_attempts": 1, "llm_successes": 1, "llm_validation_failures": 0, "llm_retries": 0}),
    Scenario("retry-then-faster", [fenced(WRONG), fenced(FAST)], True,
             {"llm_attempts": 2, "llm_successes": 1, "llm_validation_failures": 1, "llm_retries": 1},
             "wrong result"),
    Scenario("invalid-wat", [fenced(INVALID)] * 2, False, REJECTED, "validate: [wasm-validator"),
    Scenario("unparsable-wat", [fenced(UNPARSABLE)] * 2, False, REJECTED, "assemble"),
    Scenario("wrong", [fenced(WRONG)] * 2, False, REJECTED, "wrong result"),
    Scenario("slower", [fenced(SLOW)] * 2, False, REJECTED, "not faster"),
    Scenario("prose", [PROSE] * 2, False, REJECTED, "no WAT function"),
    Scenario("huge", [HUGE] * 2, False, REJECTED, "answer too large"),
    Scenario("error-status", [Reply("overloaded", status=500)] * 3, False,
             {"llm_attempts": 1, "llm_successes": 0, "llm_validation_failures": 0, "llm_retries": 0},
             "HTTP 500", {"llm_http_retries": 2}),
    Scenario("hang", [Reply(fenced(FAST), delay=2.0)], False,
             {"llm_attempts": 1, "llm_successes": 0, "llm_validation_failures": 0, "llm_retries": 0},
             "did not answer within", {"llm_unavailable": 1}),
]
SANDBOX_SCENARIOS = [
    Scenario("trap", [fenced(TRAP)] * 2, False, REJECTED, "trapped"),
    Scenario("infinite-loop", [fenced(LOOP)] * 2, False, REJECTED, "did not finish"),
    Scenario("forbidden", [fenced(FORBIDDEN)] * 2, False, REJECTED, "sets the global $nil"),
]

# settings that keep a scenario short: few attempts, short limits, a quick timing
SETTINGS = {"timeout": 0.5, "retries": 2, "backoff": 0.01, "max_attempts": ATTEMPTS,
            "methods": "Integer>>llmSum",
            "case_seconds": 0.05, "timing_runs": 3, "timing_target": 0.006, "timed_cases": 4,
            "cases": 16}
# for the canned benchmark candidates: the defaults' limits and timing (the quicker ones above
# can leave only trivial inputs to time on a loaded machine, where both translations just return)
CANNED_SETTINGS = {**SETTINGS, "case_seconds": 0.25, "timing_runs": 5, "timing_target": 0.01,
                   "timed_cases": 6}


def config_file(tmp_path) -> str:
    """A config file with SETTINGS and a cache of LLM results private to the test."""
    path = tmp_path / "llm.json"
    path.write_text(json.dumps({**SETTINGS, "cache_dir": str(tmp_path / "llm-cache")}))
    return str(path)


def expect(stats: dict, scenario: Scenario, method: str = "Integer>>llmSum"):
    """The counters are the scenario's for `method` plus, for every other method the pass asked
    about (the fake server refuses those in prose), two rejected attempts."""
    others = [r for r in stats["llm_results"] if r["method"] != method]
    assert all(r["outcome"] == "rejected" and "no WAT function" in r["reason"] for r in others), others
    n = len(others)
    extra = {"llm_attempts": 2 * n, "llm_validation_failures": 2 * n, "llm_retries": n}
    for k, v in {**scenario.counts, **scenario.extra}.items():
        want = v + extra.get(k, 0)
        assert stats[k] == want, (scenario.name, k, stats[k], want, stats["llm_results"], stats["llm_log"])
    mine = [r for r in stats["llm_results"] if r["method"] == method]
    assert len(mine) == 1, stats["llm_results"]
    assert mine[0]["outcome"].startswith("installed") == scenario.installed, mine
    said = " ".join(r.get("reason", "") for r in stats["llm_results"]) + " ".join(stats["llm_log"])
    assert scenario.reason in said, (scenario.name, scenario.reason, stats["llm_results"], stats["llm_log"])
