"""The `--llm` plumbing shared by `catalyst eval`, `run`, `compile` and `bench`.

`add_options(parser)` adds `--llm` (turn the pass on) and `--llm-config FILE` (a TOML or JSON
file of settings; implies `--llm`). `apply(args)` makes the config file the one the pass reads
(through CATALYST_LLM_CONFIG) and answers whether the pass is wanted. `explain_off(vm)` answers
why a VM asked for the pass runs without it (no service configured, a key file others can read,
the JIT off), or ''. `compile_stage(...)` is `catalyst compile --llm`'s `=== llm ===` stage: the
analysis, the prompt, each answer's outcome, and what was installed.
"""
from __future__ import annotations

import os

from catalyst.llm.config import CONFIG_ENV, LLMConfig, LLMConfigError, read_config_file


def add_options(p) -> None:
    p.add_argument("--llm", action="store_true",
                   help="enable the optional LLM optimization pass (service from CATALYST_LLM_URL, "
                        "CATALYST_LLM_MODEL, CATALYST_LLM_KEY or CATALYST_LLM_KEY_FILE)")
    p.add_argument("--llm-config", metavar="FILE", default=None,
                   help="LLM settings (TOML or JSON: url, model, key_file, timeout, max_attempts, "
                        "max_methods, ...); implies --llm")


def apply(args, warn=None) -> bool:
    """Is the pass wanted: --llm, --llm-config FILE, or a CATALYST_LLM_CONFIG file that says
    `enabled = true`? (A broken config file is reported through `warn` when --llm is absent;
    with --llm, creating the pass reports it.)"""
    path = getattr(args, "llm_config", None)
    if path:
        os.environ[CONFIG_ENV] = path
        args.llm = True
    if not getattr(args, "llm", False) and os.environ.get(CONFIG_ENV):
        try:
            args.llm = bool(read_config_file(os.environ[CONFIG_ENV]).get("enabled"))
        except LLMConfigError as e:
            if warn is not None:
                warn(f"catalyst: {e}; running without the LLM pass")
    return bool(getattr(args, "llm", False))


def explain_off(vm) -> str:
    jit = getattr(vm, "jit", None)
    if jit is None:
        return "the LLM pass needs the JIT (--jit on or always)"
    if getattr(jit, "llm", None) is not None:
        return ""
    for f in reversed(getattr(jit, "failures", [])):
        if f.get("type") == "llm_config":
            return f["error"]
    try:
        LLMConfig.from_env()
    except LLMConfigError as e:
        return str(e)
    return "the LLM pass is not available"


def warn_if_off(vm, out) -> None:
    reason = explain_off(vm)
    if reason:
        out(f"catalyst: --llm: {reason}; running without the LLM pass")


def compile_stage(vm, method: int, fn, wat: str, wasm: bytes, out=print, dump_dir=None) -> int:
    """`=== llm ===`: install the baseline, ask for a better translation and say what happened.
    Without a configured service it shows the prompt that would be sent and says why it was not.
    Answers the exit code: 0 whatever the model answered (the baseline stays when it fails)."""
    from catalyst.llm.llm_pass import LLMOptimizer
    out("=== llm ===")
    try:
        config = LLMConfig.from_env()
    except LLMConfigError as e:
        config, problem = None, str(e)
    jit = vm.jit
    index = jit.installer.install(method, wasm)
    jit.translated[method] = index
    counter = {"answer": 0}

    def report(section: str, text: str):
        if section == "answer":
            counter["answer"] += 1
            name = f"llm-answer-{counter['answer']}"
        else:
            name = f"llm-{section}"
        out(f"--- {section} ---")
        out(text)
        if dump_dir:
            os.makedirs(dump_dir, exist_ok=True)
            with open(os.path.join(dump_dir, name + ".txt"), "a") as fh:
                fh.write(text + "\n")

    if config is None:
        # no service: show what would be asked, so the prompt can be inspected offline
        from catalyst.llm.llm_pass import prompt_for
        report("prompt", prompt_for(jit, method, fn, wat))
        out(f"--- outcome ---\nnot sent: {problem}")
        return 0
    opt = LLMOptimizer(jit, config, report=report)
    jit.llm = opt
    try:
        opt.improve(method, fn, wat)
    except Exception as e:          # the service failed: say so, the baseline stays
        out(f"--- outcome ---\nno answer: {config.scrub(str(e))}")
    stats = {k: v for k, v in opt.stats.items() if k != "llm_results"}
    out("--- stats ---")
    out(" ".join(f"{k}={v}" for k, v in stats.items()))
    return 0
