"""The optional LLM-assisted optimization: ask a model for a better translation, trust nothing.

For a translated method the complexity analysis marks as worth it, `LLMOptimizer` builds a
prompt (a category and plain-English description from simple pattern recognition on the IR, the
bytecode listing, the IR, the frame ABI contract and the baseline WAT), asks the service, and
validates the answer: exactly one function with the translated-method signature; the module
assembles and binaryen validates it; on generated inputs (receivers and arguments of the classes
the method is for) the candidate agrees with the interpreter; and it runs faster than the
baseline translation. Only then is it installed; otherwise the baseline stays. Failures are
retried with the specific error in the prompt, up to a bound. Results are cached on disk.

Requests run between top-level evaluations (`process_pending`), never inside a running program.
"""
from __future__ import annotations

import re
import time
from importlib import resources

from catalyst.backend.install import InstallError, assemble
from catalyst.ir.ir import print_function
from catalyst.llm.cache import LLMCache
from catalyst.llm.client import ChatClient, LLMError, LLMUnavailable
from catalyst.llm.config import LLMConfig
from catalyst.llm.parse import RejectedAnswer, extract_function

INTEGER_CLASSES = ("SmallInteger", "Integer", "Number", "Magnitude", "Object")
SAMPLE_INTS = (0, 1, 2, 3, 7, 10, 25, 100)


def analyse(fn) -> tuple[str, str]:
    """(category, description) of a method from its IR."""
    ops = [i.op for i in fn.instructions()]
    sends = [i for i in fn.instructions() if i.op == "send"]
    loops = len(fn.loops())
    rets = [i for i in fn.instructions() if i.op == "ret"]
    if len(ops) <= 3 and "load_ivar" in ops:
        return "accessor", "answers one of the receiver's instance variables"
    if rets and all(i.op == "ret" for i in rets) and not sends and loops == 0 and ops.count("int_op") == 0:
        return "constant", "answers a constant or the receiver"
    arith = ops.count("int_op")
    if loops and any(s.attrs.get("special") in (16, 17) for s in fn.instructions() if s.op == "send"):
        return "indexed-loop", f"loops over an indexable object with at:/at:put: ({loops} loop(s))"
    if loops and arith:
        return "arithmetic-kernel", (f"a loop of SmallInteger arithmetic ({arith} operations, "
                                     f"{len(sends)} other sends)")
    if any(s.args[0] == "#" + fn.name.split(">>")[-1] for s in sends):
        return "recursive", f"calls itself recursively ({len(sends)} sends)"
    if arith and not sends:
        return "arithmetic", f"SmallInteger arithmetic ({arith} operations)"
    return "general", f"{len(ops)} IR instructions, {len(sends)} sends, {loops} loops"


def abi_contract() -> str:
    text = resources.files("catalyst.wat").joinpath("ABI.md").read_text()
    start = text.find("## 8. Frames")
    end = text.find("## 9.")
    return text[start:end] if start >= 0 else text[:4000]


class LLMOptimizer:
    def __init__(self, tiering, config: LLMConfig | None = None, max_attempts: int = 3,
                 timeout: float = 30.0, cache_dir: str | None = None):
        self.t = tiering
        self.vm = tiering.vm   # the VM evaluates inputs between runs (see VM.between_runs)
        self.config = config or LLMConfig.from_env()
        self.client = ChatClient(self.config, timeout=timeout, retries=2)
        self.cache = LLMCache(cache_dir)
        self.max_attempts = max_attempts
        self.pending: list[tuple[int, object, str]] = []
        self.done: set[int] = set()
        self.stats = {"llm_attempts": 0, "llm_successes": 0, "llm_validation_failures": 0,
                      "llm_retries": 0, "llm_unavailable": 0}
        self.log: list[str] = []

    # called by the tiering code after a baseline translation was installed
    def consider(self, method: int, fn, wat: str):
        if method not in self.done and fn.annotations.get("worth"):
            self.pending.append((method, fn, wat))

    def process_pending(self):
        while self.pending:
            method, fn, wat = self.pending.pop(0)
            if method in self.done or method not in self.t.translated:
                continue
            self.done.add(method)
            try:
                self.improve(method, fn, wat)
            except LLMUnavailable as e:
                self.stats["llm_unavailable"] += 1
                self.log.append(self.config.scrub(str(e)))
                self.pending.clear()     # the service is down: keep the baselines, stop asking
            except LLMError as e:
                self.log.append(self.config.scrub(str(e)))

    # --- one method -----------------------------------------------------------------------
    def prompt(self, m, fn, wat: str, error: str | None) -> list[dict]:
        from catalyst.frontend.disasm import disassemble
        category, description = analyse(fn)
        listing = disassemble(m.bytecodes, m.literal_names, m.first_pc)
        text = (f"Method {m.name} ({category}): {description}.\n\n"
                f"Bytecode:\n{listing}\n\nIR:\n{print_function(fn)}\n"
                f"Frame ABI contract:\n{abi_contract()}\n\n"
                f"Baseline WAT translation (the module's imports are fixed):\n{wat}\n\n"
                "Answer with exactly one WAT function `(func $method (param $fp i32) (result i32) ...)`"
                " that computes the same result faster, using only the imports above.")
        if error:
            text += f"\n\nYour previous answer was rejected: {error}"
        return [{"role": "system", "content": "You optimize WebAssembly for a Smalltalk VM."},
                {"role": "user", "content": text}]

    def candidate_module(self, baseline_wat: str, func: str) -> str:
        func = re.sub(r"^\(func(\s+\$[^\s()]+)?(\s*\(export\s+\"[^\"]*\"\))?", '(func $method (export "method")', func)
        start = baseline_wat.index("  (func $method")
        return baseline_wat[:start] + "  " + func + "\n)\n"

    def improve(self, method: int, fn, wat: str) -> bool:
        m = self.t.method_input(method)
        key = self.cache.key(m.bytecodes, "llm1", self.config.model)
        cached = self.cache.get(key)
        if cached is not None:
            if cached.get("function"):
                return self.install(method, self.candidate_module(wat, cached["function"]), m)
            return False
        error = None
        for attempt in range(self.max_attempts):
            if attempt:
                self.stats["llm_retries"] += 1
            self.stats["llm_attempts"] += 1
            answer = self.client.complete(self.prompt(m, fn, wat, error))
            try:
                func = extract_function(answer)
                module = self.candidate_module(wat, func)
                wasm = assemble(module)
                self.check(method, m, wasm)
            except (RejectedAnswer, InstallError, CandidateRejected) as e:
                self.stats["llm_validation_failures"] += 1
                error = self.config.scrub(str(e))
                self.log.append(f"{m.name}: {error}")
                continue
            self.cache.put(key, {"function": func, "model": self.config.model})
            self.stats["llm_successes"] += 1
            return True
        self.cache.put(key, {"function": None, "reason": error, "model": self.config.model})
        return False

    # --- validation ------------------------------------------------------------------------
    def inputs(self, m):
        cls = m.name.split(">>")[0]
        if cls not in INTEGER_CLASSES:
            raise CandidateRejected(f"no input generator for receivers of class {cls}")
        return [(r, [a] * m.num_args) for r in SAMPLE_INTS for a in (SAMPLE_INTS[:3] if m.num_args else [0])]

    def run_all(self, m, cases) -> list[str]:
        sel = m.name.split(">>")[1]
        keywords = sel.split(":")[:-1] if ":" in sel else None
        out = []
        for r, args in cases:
            expr = f"{r} {sel}" if not keywords else f"{r} " + " ".join(
                f"{k}: {a}" for k, a in zip(keywords, args))
            try:
                out.append(self.vm.eval(expr))
            except Exception as e:      # a trap or an error is a result too
                out.append(f"<{type(e).__name__}>")
        return out

    def time_all(self, m, cases, repeat: int = 3) -> float:
        sel = m.name.split(">>")[1]
        keywords = sel.split(":")[:-1] if ":" in sel else None
        r, args = cases[-1]
        expr = f"{r} {sel}" if not keywords else f"{r} " + " ".join(f"{k}: {a}" for k, a in zip(keywords, args))
        src = f"1 to: 2000 do: [:i | {expr}]"
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            self.vm.eval(src)
            times.append(time.perf_counter() - t0)
        return sorted(times)[len(times) // 2]

    def check(self, method: int, m, wasm: bytes):
        """Install the candidate if it agrees with the interpreter and beats the baseline."""
        core = self.t.core
        cases = self.inputs(m)
        baseline_index = core.call("method_jit_index", method)
        core.call("method_uninstall", method)
        expected = self.run_all(m, cases)
        core.call("method_install", method, baseline_index)
        baseline_time = self.time_all(m, cases)
        index = self.t.installer.install(method, wasm)
        got = self.run_all(m, cases)
        if got != expected:
            core.call("method_install", method, baseline_index)
            raise CandidateRejected(f"wrong results: {got[:4]} where the interpreter answers {expected[:4]}")
        candidate_time = self.time_all(m, cases)
        if candidate_time >= baseline_time:
            core.call("method_install", method, baseline_index)
            raise CandidateRejected(f"not faster: {candidate_time * 1000:.2f} ms against the "
                                    f"baseline's {baseline_time * 1000:.2f} ms")
        self.t.translated[method] = index

    def install(self, method: int, module_wat: str, m) -> bool:
        try:
            wasm = assemble(module_wat)
            self.check(method, m, wasm)
            return True
        except (InstallError, CandidateRejected):
            return False


class CandidateRejected(Exception):
    pass
