"""The optional LLM-assisted optimization: ask a model for a better translation, trust nothing.

`LLMOptimizer(tiering)` is created by the tiering code when `--llm` is on. After a baseline
translation of a method the `llm` analysis pass marked (`llm_candidate`) is installed, the
tiering calls `consider`, which records the receiver and arguments of the activation that made
the method hot. Between top-level evaluations (`process_pending`, called by the VM, never inside
a running program) the most promising recorded methods (loops of arithmetic first, see
`PRIORITY`), up to `max_methods` per VM, go through `improve`:

1. semantic analysis (`semantics.analyse`) and the prompt (`prompt.build_messages`): category,
   description, bytecode listing, IR, frame ABI contract, baseline WAT;
2. validation inputs (`inputs.generate`) and their interpreter outcomes (`Checker.reference`);
   a method without inputs that finish in the interpreter is not asked about;
3. the request; the answer must hold exactly one function with the right signature and no
   forbidden instructions (`parse`), assemble and pass binaryen's validation (`assemble`),
   agree with the interpreter on every input (`Checker.verify`) and be faster than the baseline
   by `min_speedup` in a side-by-side timing (`Checker.time`, medians);
4. a rejected answer is retried with the specific reason in the prompt, up to `max_attempts`;
   an accepted one is installed in place of the baseline, and depends on the selectors the
   method sends (the tiering drops it when a method dictionary changes for one of them).
   The outcome is cached on disk.

An unreachable or slow service disables the pass for the VM; the baselines stay. The program's
results never depend on the pass: everything it runs happens in a `Sandbox`.
`stats` holds llm_attempts (answers asked for), llm_successes (candidates installed),
llm_validation_failures (answers rejected), llm_retries (requests after a method's first) and
more, and `results` one record per method.
"""
from __future__ import annotations

import fnmatch
import time

from catalyst.backend.install import InstallError, assemble
from catalyst.frontend.disasm import disassemble
from catalyst.ir.ir import print_function
from catalyst.jit.tiering import PIPELINE_VERSION
from catalyst.passes.lift import lift
from catalyst.passes.manager import PassManager
from catalyst.llm import inputs as gen
from catalyst.llm.cache import LLMCache
from catalyst.llm.client import ChatClient, LLMError, LLMUnavailable
from catalyst.llm.config import LLMConfig
from catalyst.llm.parse import RejectedAnswer, candidate_module, extract_function, settable_globals
from catalyst.llm.prompt import PROMPT_VERSION, build_messages
from catalyst.llm.sandbox import Unobserved
from catalyst.llm.semantics import Names, analyse
from catalyst.llm.validation import CandidateRejected, Checker, NoUsableInputs


ANALYSIS_PASSES = ("type-feedback", "smallint")
PRIORITY = ("arithmetic-kernel", "recursive", "indexed-loop", "loop", "arithmetic", "predicate",
            "indexed-access")


def sent_selectors(fn, specials: list[int]) -> set[int]:
    """Selector oops of every send of fn (special selectors through the specials table)."""
    out = set()
    for i in fn.instructions():
        if i.op in ("send", "int_op"):
            if "sel" in i.attrs:
                out.add(i.attrs["sel"])
            elif "special" in i.attrs and i.attrs["special"] < len(specials):
                out.add(specials[i.attrs["special"]])
    return out


class RawText(str):
    """A literal already printed as Smalltalk text (the disassembler shows it as it is)."""
    raw = True


def method_ir(tiering, m):
    """The method's own IR as the analysis describes it: lifted, with the classes the inline
    caches saw and SmallInteger arithmetic marked, before inlining or any other rewriting (the
    prompt shows the optimized IR separately)."""
    fn = lift(m)
    fn.annotations["feedback_source"] = tiering.feedback(m.method_oop)
    PassManager(ANALYSIS_PASSES).run(fn)
    return fn


def prompt_parts(tiering, method: int, fn):
    """(method input, analysis, bytecode listing, optimized IR text, literal texts)."""
    m = tiering.method_input(method)
    names = Names.from_vm(tiering.vm, m)
    analysis = analyse(method_ir(tiering, m), m, names)
    literals = [RawText(names.literals.get(o, "?")) for o in m.literals]
    listing = disassemble(m.bytecodes, literals, m.first_pc, m.bytecode_set)
    return m, analysis, listing, print_function(fn), literals


def prompt_for(tiering, method: int, fn, wat: str) -> str:
    """The user message the pass would send for method (first attempt)."""
    m, analysis, listing, ir_text, _ = prompt_parts(tiering, method, fn)
    return build_messages(m.name, analysis, listing, ir_text, wat)[-1]["content"]


class LLMOptimizer:
    def __init__(self, tiering, config: LLMConfig | None = None, report=None, **settings):
        self.t = tiering
        self.vm = tiering.vm
        self.config = config or LLMConfig.from_env()
        for k, v in settings.items():            # per-VM overrides (tests, compile --llm)
            setattr(self.config, k, v)
        self.client = ChatClient(self.config)
        self.cache = LLMCache(self.config.cache_dir)
        self.report = report or (lambda section, text: None)
        self.pending: dict[int, tuple] = {}      # method -> (fn, wat, captured)
        self.pool = gen.ValuePool(self.vm)       # generated input values, made once
        self.done: set[int] = set()
        self.disabled = ""
        self.results: list[dict] = []
        self.log: list[str] = []
        self.counts = {"llm_attempts": 0, "llm_successes": 0, "llm_validation_failures": 0,
                       "llm_retries": 0, "llm_unavailable": 0, "llm_cache_hits": 0,
                       "llm_methods_asked": 0, "llm_skipped": 0, "llm_validation_runs": 0}
        self.seconds = 0.0
        self.last_error = ""
        self.bare_baselines: dict[int, int] = {}   # method -> table index (see _timing_baseline)

    @property
    def stats(self) -> dict:
        out = dict(self.counts)
        out["llm_seconds"] = round(self.seconds, 3)
        out["llm_http_retries"] = self.client.retried
        out["llm_results"] = list(self.results)
        out["llm_log"] = self.log[-50:]
        if self.disabled:
            out["llm_disabled"] = self.disabled
        return out

    def note(self, text: str):
        self.log.append(self.config.scrub(text))

    # --- called by the tiering code (inside a running program: record only) ------------------
    def consider(self, method: int, fn, wat: str):
        if self.disabled or method in self.done or method in self.pending:
            return
        if not fn.annotations.get("llm_candidate", fn.annotations.get("worth")):
            return
        captured = None
        try:
            m = self.t.method_input(method)
            if not gen.installed_in_class(self.vm, m):
                return                  # a doIt, or a method replaced since: nobody calls it again
            if not any(fnmatch.fnmatchcase(m.name, p.strip()) for p in self.config.methods.split(",")):
                return
            words = gen.capture(self.vm, m)
            if words is not None:
                hold = gen.Held(self.vm)
                captured = (hold.hold(words[0]), [hold.hold(a) for a in words[1]], hold)
        except Exception:           # a frame we cannot read: no captured input, that is all
            captured = None
        self.pending[method] = (fn, wat, captured)

    # --- between runs ---------------------------------------------------------------------------
    def process_pending(self):
        for method in sorted(self.pending, key=self._priority):
            fn, wat, captured = self.pending.pop(method)
            try:
                if self.disabled or method in self.done or method not in self.t.translated:
                    continue
                if self.counts["llm_methods_asked"] >= self.config.max_methods:
                    self.disabled = f"asked about max_methods={self.config.max_methods} methods"
                    continue
                self.done.add(method)
                self.improve(method, fn, wat, captured)
            except LLMUnavailable as e:
                self.counts["llm_unavailable"] += 1
                self.disabled = self.config.scrub(f"service unavailable: {e}")
                self.note(self.disabled)
                self._result(method, "unavailable", str(e))
            except LLMError as e:
                self.note(f"{self._name(method)}: {e}")
                self._result(method, "service error", str(e))
            except Exception as e:      # a bug of the pass must not become the program's error
                self.disabled = self.config.scrub(f"internal error on {self._name(method)}: "
                                                  f"{type(e).__name__}: {e}")
                self.note(self.disabled)
                self._result(method, "internal error", f"{type(e).__name__}: {e}")
            finally:
                if captured is not None:
                    captured[2].release()

    def _priority(self, method: int):
        """Most promising first: loops of arithmetic, recursion, loops over indexable objects...
        then the costlier methods (a translated method's counter stops at the hot threshold,
        so activation counts cannot rank them)."""
        fn = self.pending[method][0]
        try:
            m = self.t.method_input(method)
            category = analyse(method_ir(self.t, m), m).category
        except Exception:
            category = "general"
        rank = PRIORITY.index(category) if category in PRIORITY else len(PRIORITY)
        return rank, -fn.annotations.get("cost", 0)

    def _name(self, method: int) -> str:
        try:
            return self.t.method_input(method).name
        except Exception:
            return f"method@{method:#x}"

    def _result(self, method: int, outcome: str, reason: str = "", **extra):
        rec = {"method": self._name(method), "outcome": outcome}
        if reason:
            rec["reason"] = self.config.scrub(reason)[:500]
        rec.update(extra)
        self.results.append(rec)

    # --- one method -------------------------------------------------------------------------
    def improve(self, method: int, fn, wat: str, captured=None) -> bool:
        """Ask for, validate and maybe install a better translation of method; True if installed."""
        t0 = time.perf_counter()
        try:
            return self._improve(method, fn, wat, captured)
        finally:
            self.seconds += time.perf_counter() - t0

    def _improve(self, method: int, fn, wat: str, captured) -> bool:
        cfg = self.config
        m, analysis, listing, ir_text, literals = prompt_parts(self.t, method, fn)
        self.report("analysis", analysis.text())
        key = self.cache.key(m.bytecodes, f"{PIPELINE_VERSION}|{PROMPT_VERSION}", cfg.model,
                             m.name + "|" + "|".join(literals))
        cached = self.cache.get(key)
        if cached is not None and not cached.get("function"):
            self.counts["llm_cache_hits"] += 1
            self._result(method, "rejected earlier (cached)", cached.get("reason", ""))
            self.report("outcome", f"cached: no accepted candidate ({cached.get('reason', '')})")
            return False
        baseline = self.t.core.call("method_jit_index", method)
        if not baseline:                  # uninstalled meanwhile (trapped, kept deoptimizing)
            return False
        with Unobserved(self.vm):
            cases = gen.generate(self.vm, m, method_ir(self.t, m), captured[:2] if captured else None,
                                 cfg.cases, self.pool)
            try:
                checker = Checker(self.vm, method, m, cases, cfg.case_seconds, cfg.timing_runs,
                                  cfg.timing_target, cfg.timed_cases)
            except BaseException:
                cases.release()
                raise
        try:
            if not self._reference(method, checker, cases):
                return False
            if cached is not None:
                self.counts["llm_cache_hits"] += 1
                return self._try(method, m, fn, wat, cached["function"], checker, baseline, 0,
                                 key, cached=True)
            return self._ask(method, m, fn, wat, checker, baseline, key,
                             lambda error: build_messages(m.name, analysis, listing, ir_text, wat, error))
        finally:
            cases.release()

    def _reference(self, method: int, checker: Checker, cases) -> bool:
        """The interpreter's outcomes on the inputs; False (and a record) when none finished."""
        try:
            checker.reference()
        except NoUsableInputs as e:
            self.counts["llm_skipped"] += 1
            self._result(method, "skipped", str(e))
            self.report("outcome", f"not asked: {e}")
            return False
        finally:
            self.counts["llm_validation_runs"] += checker.runs
            checker.runs = 0
        self.report("inputs", "\n".join(f"{c.label}: {o.kind} {o.text[:160]}" for c, o in
                                        zip(cases.cases, checker.reference_outcomes)))
        return True

    def _ask(self, method: int, m, fn, wat: str, checker: Checker, baseline: int, key: str,
             messages_for) -> bool:
        """Ask up to max_attempts times, each retry with the reason the last answer failed."""
        cfg = self.config
        self.counts["llm_methods_asked"] += 1
        error = None
        for attempt in range(1, cfg.max_attempts + 1):
            if attempt > 1:
                self.counts["llm_retries"] += 1
            self.counts["llm_attempts"] += 1
            messages = messages_for(error)
            self.report("prompt" if attempt == 1 else "retry", messages[-1]["content"]
                        if attempt == 1 else f"attempt {attempt}, with: {error}")
            answer = self.client.complete(messages)
            self.report("answer", cfg.scrub(answer))
            try:
                func = extract_function(answer, settable_globals(wat))
            except RejectedAnswer as e:
                error = self._reject(m, attempt, str(e))
                continue
            if self._try(method, m, fn, wat, func, checker, baseline, attempt, key):
                return True
            error = self.last_error
        self.cache.put(key, {"function": None, "reason": error, "model": cfg.model})
        self._result(method, "rejected", error or "", attempts=cfg.max_attempts)
        return False

    def _reject(self, m, attempt: int, reason: str) -> str:
        """Count and report a rejected answer (attempt 0: a cached function)."""
        self.counts["llm_validation_failures"] += 1
        reason = self.config.scrub(reason)
        what = f"attempt {attempt}" if attempt else "cached candidate"
        self.note(f"{m.name} {what}: {reason}")
        self.report("outcome", f"{what} rejected: {reason}")
        self.last_error = reason
        return reason

    def _try(self, method: int, m, fn, wat: str, func: str, checker: Checker, baseline: int,
             attempt: int, key: str, cached: bool = False) -> bool:
        """Validate one function; install it if it is correct and faster."""
        core = self.t.core
        try:
            if cached:                       # the cache is a file: check it like an answer
                func = extract_function(func, settable_globals(wat))
            wasm = assemble(candidate_module(wat, func))
            index = self.t.installer.install(method, wasm)
            core.call("method_install", method, baseline)   # only the sandbox runs it until accepted
            try:
                checker.verify(index)
                speedup, base_s, cand_s = checker.time(self._timing_baseline(method, wat, baseline), index)
            finally:
                self.counts["llm_validation_runs"] += checker.runs
                checker.runs = 0
            per_input = "; ".join(f"{label[:60]}: {b * 1000:.3f} -> {c * 1000:.3f} ms"
                                  for label, b, c in checker.timings)
            self.note(f"{m.name} timing: {per_input}")
            if speedup < self.config.min_speedup:
                raise CandidateRejected(
                    f"not faster: {speedup:.2f}x the baseline's speed (at least "
                    f"{self.config.min_speedup:.2f}x wanted; medians {cand_s * 1000:.3f} ms against "
                    f"{base_s * 1000:.3f} ms over {len(checker.timed_cases())} timed inputs)")
        except (RejectedAnswer, InstallError, CandidateRejected) as e:
            reason = self._reject(m, attempt, str(e))
            if cached:
                self._result(method, "cached candidate rejected", reason)
            return False
        self._install(method, index, len(wasm), fn)
        self.counts["llm_successes"] += 1
        rec = {"speedup": round(speedup, 2), "baseline_ms": round(base_s * 1000, 3),
               "candidate_ms": round(cand_s * 1000, 3), "attempts": attempt}
        self._result(method, "installed (cached)" if cached else "installed", **rec)
        self.report("outcome", f"installed: {speedup:.2f}x the baseline's speed (geometric mean "
                    f"over {len(checker.timed_cases())} timed inputs; medians {cand_s * 1000:.3f} ms "
                    f"against {base_s * 1000:.3f} ms), agreeing with the interpreter on "
                    f"{len(checker.usable)} inputs")
        if not cached:
            self.cache.put(key, {"function": self.config.scrub(func), "model": self.config.model,
                                 "speedup": round(speedup, 2)})
        return True

    def _timing_baseline(self, method: int, wat: str, baseline: int) -> int:
        """The baseline translation as it runs unobserved. Under --validate N the installed one
        may be a validation trampoline (a host function on every activation): timing that
        against the bare candidate would favour the candidate, so a bare copy is timed."""
        if getattr(self.t, "validator", None) is None:
            return baseline
        if method not in self.bare_baselines:
            self.bare_baselines[method] = self.t.installer.install(method, assemble(wat))
            self.t.core.call("method_install", method, baseline)
        return self.bare_baselines[method]

    def _install(self, method: int, index: int, nbytes: int, fn):
        core = self.t.core
        core.call("method_install", method, index)
        self.t.translated[method] = index
        # a candidate is a black box that may rely on what any of the method's sends find:
        # when method dictionaries change for one of those selectors, the tiering drops it
        self.t.dependencies[method] = sent_selectors(fn, self.t.special_selectors())
        self.counts["llm_wasm_bytes"] = self.counts.get("llm_wasm_bytes", 0) + nbytes
        validator = getattr(self.t, "validator", None)
        if validator is not None:        # --validate N checks LLM translations like any other
            real = core.table.get(core.store, index)
            core.table.set(core.store, index, validator.trampoline(method, index, real))
