"""Tiering: when the VM reports a hot method, push it through the pipeline and install it.

`Tiering(vm, mode, threshold)` hooks `Core.on_method_hot`. mode "on": methods that cross the
threshold; "always": threshold 1, so every method is translated before its first interpreted
activation; a failure at any phase leaves the method interpreted and adds a structured record
(phase, method, bytecodes, error, and the WAT for backend failures). A cache keyed by the
method's bytes and the pipeline configuration avoids translating the same code twice.
"""
from __future__ import annotations

import hashlib
import time

from catalyst.backend.install import Installer, InstallError, assemble
from catalyst.backend.lower import LowerError, lower
from catalyst.frontend import bytecodes as B
from catalyst.passes.lift import BlockBody, LiftError, MethodInput, block_bodies, lift
from catalyst.passes.manager import PassError, PassManager
from catalyst.passes import registry

PIPELINE_VERSION = "2"


def trivial_body(code: bytes):
    """What a method does when it only answers a value: ("ivar", i), ("self",), ("const", oop)
    for true/false/nil/-1/0/1/2; None for anything else."""
    ins = list(B.decode(code)) if code else []
    if len(ins) == 1 and ins[0].op == "return_const":
        return ("self",) if ins[0].args[0] == "self" else ("const", ins[0].args[0])
    if len(ins) == 2 and ins[1].op == "return_top":
        first = ins[0]
        if first.op == "push_rcvr_var":
            return ("ivar", first.args[0])
        if first.op == "push_self":
            return ("self",)
    return None


class Tiering:
    def __init__(self, vm, mode: str = "on", threshold: int | None = None, llm: bool = False,
                 passes=registry.DEFAULT_PIPELINE, optimize: int = 0, validate: int = 0):
        self.vm = vm
        self.core = vm.core
        self.mode = mode
        self.passes = tuple(passes)
        self.optimize = optimize
        self.installer = Installer(self.core)
        self.translated: dict[int, int] = {}        # method oop -> table index
        self.failures: list[dict] = []
        self.cache: dict[str, bytes] = {}
        self._block_selectors = None
        self.pass_times: dict[str, float] = {}
        self.translate_seconds = 0.0
        self.wasm_bytes = 0
        self.latencies: list[float] = []
        self.validator = None
        self.validating = False
        if validate:
            from catalyst.jit.validate import Validator
            self.validator = Validator(self, validate)
        self.llm = None
        if llm:
            from catalyst.llm.config import LLMConfigError
            from catalyst.llm.llm_pass import LLMOptimizer
            try:
                self.llm = LLMOptimizer(self)
            except LLMConfigError as e:      # no service configured: translate without the pass
                self.failures.append({"type": "llm_config", "phase": "llm", "method": "-",
                                      "error": str(e), "fallback": "baseline translations"})
        self._specials = None
        self._resolved: dict = {}
        # optimized callee bodies by (method, depth) for passes/inline.py, which copies them
        # into each caller: a callee inlined into many methods is lifted and optimized once.
        # Emptied when code changes, like the lookups above (its bindings may be stale).
        self._callees: dict = {}
        self.dependencies: dict[int, set[int]] = {}  # method oop -> selectors whose targets it bound
        self.invalidated = 0
        self.inlined = {"frame_push": 0, "block_push": 0}    # inlined frames in installed translations
        self.core.on_method_hot = self.on_hot
        self.core.on_code_changed = self.on_code_changed
        self.core.call("set_jit_enabled", 1)
        self.core.call("set_hot_threshold", 1 if mode == "always" else (threshold or 1000))

    # --- reading a method out of the heap --------------------------------------------------
    def method_input(self, method: int) -> MethodInput:
        h = self.vm.heap
        header = h.slot(method, 0) >> 1
        nlits = header & 0x7FFF
        lits = [h.slot(method, 1 + i) for i in range(nlits)]
        names = []
        for o in lits:
            try:
                names.append(h.string_of(o) if not o & 3 and 16 <= h.fmt(o) < 24 else "?")
            except Exception:
                names.append("?")
        data = h.bytes_of(method)[4 * (1 + nlits):]
        code = B.bytecodes_only(data)
        if hasattr(self.vm, "method_name"):          # a real image's own naming (image_vm.py)
            name = self.vm.method_name(method)
        else:
            mcls = h.method_class(method)
            name = f"{h.class_name(mcls) if mcls else '?'}>>{h.method_selector(method)}"
        oops = {"true": self.core.global_value("true"), "false": self.core.global_value("false"),
                "nil": self.core.global_value("nil")}
        return MethodInput(name, code, lits, names, (header >> 24) & 15, (header >> 18) & 63,
                           4 * (1 + nlits) + 1, oops, method,
                           getattr(self.vm, "bytecode_set", B.V3_PLUS_CLOSURES), self.special_selectors())

    def float_class_index(self) -> int:
        """Float's class index (its identity hash, ABI.md section 2): inline Float arithmetic
        recognizes boxed Floats by it."""
        return self.core.u32(self.vm.special(9) + 4) & 0x3FFFFF

    def special_selectors(self) -> list[int]:
        """The oops of the 32 special selectors (special objects array slot 23: selector and
        argument count pairs)."""
        if self._specials is None:
            arr = self.core.u32(self.core.global_value("special_objects") + 8 + 4 * 23)
            self._specials = [self.core.u32(arr + 8 + 8 * k) for k in range(32)]
        return self._specials

    VALUE_SELECTORS = ("value", "value:", "value:value:", "value:value:value:", "value:value:value:value:")

    def block_selectors(self) -> dict[int, int]:
        """{selector oop: numArgs} of value, value:... where BlockClosure's method is the value
        primitive (201-205), read from its method dictionary (no allocation: this runs inside
        the hot hook, while the interpreter holds oops)."""
        if self._block_selectors is None:
            h, core = self.vm.heap, self.core
            cls = self.vm.special(36)
            md = h.slot(cls, 1)
            out = {}
            for k in range(h.num_slots(md) - 2):
                sel = h.slot(md, 2 + k)
                if sel == self.vm.nil or sel & 3 or not 16 <= h.fmt(sel) < 24:
                    continue
                name = h.string_of(sel)
                if name in self.VALUE_SELECTORS:
                    n = self.VALUE_SELECTORS.index(name)
                    if core.call("method_primitive", core.call("lookup", cls, sel)) == 201 + n:
                        out[sel] = n
            self._block_selectors = out
        return self._block_selectors

    def class_index_of(self, special: int) -> int:
        """The class index of the class at that index of the special objects array."""
        return self.core.call("ensure_class_index", self.vm.special(special))

    def feedback(self, method: int):
        """(send-site pc) -> (receiver class indices, megamorphic?) from the site's inline
        cache record (ABI.md section 9: method, pc, count with 5 = megamorphic, 4 classes)."""
        core = self.core

        def site(pc):
            rec = core.call("ic_record_address", method, pc)
            if core.u32(rec) != method or core.u32(rec + 4) != pc:
                return [], False
            n = core.u32(rec + 8)
            return [core.u32(rec + 12 + 4 * k) for k in range(min(n, 4))], n == 5
        return site

    def resolve(self, class_index: int, selector: int):
        """(method, numArgs, numTemps, first pc after any callPrimitive) of the method a receiver
        of that class runs for selector, when it has no primitive; else None. Remembered until
        method dictionaries change (on_code_changed)."""
        key = (class_index, selector)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(class_index, selector)
        return self._resolved[key]

    def resolve_primitive(self, class_index: int, selector: int):
        """(method, primitive index) of the method a receiver of that class runs for selector,
        when it has a primitive; else None. Remembered like resolve()."""
        m, prim = self._lookup(class_index, selector)
        return (m, prim) if prim else None

    def _lookup(self, class_index: int, selector: int) -> tuple[int, int]:
        """(method oop or 0, its primitive index) a receiver of that class runs for selector;
        remembered until method dictionaries change, as resolve()'s answers."""
        key = ("lookup", class_index, selector)
        if key not in self._resolved:
            cls = self.core.u32(0x10000 + 4 * class_index)
            m = self.core.call("lookup", cls, selector) if cls else 0
            self._resolved[key] = (m, self.core.call("method_primitive", m) if m else 0)
        return self._resolved[key]

    def _resolve(self, class_index: int, selector: int):
        m, prim = self._lookup(class_index, selector)
        if not m or prim:
            return None
        header = self.vm.heap.slot(m, 0) >> 1
        if header & 0x80000000 or header < 0:
            return None
        nlits = header & 0x7FFF
        code = B.bytecodes_only(self.vm.heap.bytes_of(m)[4 * (1 + nlits):])
        return m, (header >> 24) & 15, (header >> 18) & 63, 4 * (1 + nlits) + 1, trivial_body(code)

    # --- the pipeline ---------------------------------------------------------------------------
    def compile(self, method: int, manager: PassManager | None = None):
        """(function, wat, wasm) for a method and its block bodies (all or nothing); raises
        LiftError/PassError/LowerError/InstallError."""
        m = self.method_input(method)
        pm = manager or PassManager(self.passes)
        shared = {"depends_on": set()}     # the method's and its blocks' functions share these
        info_id = self.core.u32(method - 4) & 0xFFFFFF
        if info_id:
            # translated code checks that it is still installed (at this table index) before
            # it relies on a target it bound: see on_code_changed
            shared["installed_check"] = (info_id, self.installer.next_index)
        fn, *blocks = [self.optimized(m, method, body, pm, shared) for body in [None, *block_bodies(m)]]
        for k, v in pm.times.items():
            self.pass_times[k] = self.pass_times.get(k, 0.0) + v
        fn.annotations["block_functions"] = len(blocks)
        fn.annotations["inlined"] = {op: sum(1 for f in (fn, *blocks) for i in f.instructions() if i.op == op)
                                     for op in self.inlined}
        wat = lower(fn, module_name=f"m{method}", blocks=blocks)
        key = hashlib.sha256(f"{PIPELINE_VERSION}|{self.passes}|{self.optimize}|{wat}".encode()).hexdigest()
        wasm = self.cache.get(key)
        if wasm is None:
            wasm = assemble(wat, self.optimize)
            self.cache[key] = wasm
        return fn, wat, wasm

    def optimized(self, m: MethodInput, method: int, body: BlockBody | None, pm: PassManager,
                  shared: dict):
        """The method's (or one block body's) IR after the pass pipeline."""
        fn = lift(m, body)
        self.annotate(fn, m, method)
        fn.annotations.update(shared)
        pm.run(fn)
        return fn

    def annotate(self, fn, m: MethodInput, method: int):
        """What the passes read besides the IR (see each pass's docstring)."""
        fn.annotations.update(
            feedback_source=self.feedback(method), resolve=self.resolve, oops=m.oops,
            method_oop=method, float_class=self.float_class_index(), depends_on=set(),
            lift_callee=self.lift_callee, block_source=self.block_source,
            resolve_primitive=self.resolve_primitive,
            array_class=self.class_index_of(7),          # Array
            closure_class=self.class_index_of(36),       # BlockClosure
            context_class=self.class_index_of(10),       # MethodContext
            block_selectors=self.block_selectors())

    def optimized_body(self, method: int, body: BlockBody | None, **annotations):
        """A method's or block body's IR through the pipeline (without the LLM pass), to be
        inlined into another function; None when it cannot be lifted or optimized."""
        m = self.method_input(method)
        try:
            fn = lift(m, body)
            self.annotate(fn, m, method)
            fn.annotations.update(annotations)
            PassManager([p for p in self.passes if p != "llm"]).run(fn)
        except (LiftError, PassError):
            return None
        return fn

    def lift_callee(self, method: int, depth: int):
        """The optimized IR of a method to inline into another (passes/inline.py), with its own
        inline caches' feedback; None when it cannot be lifted."""
        key = (method, depth)
        if key not in self._callees:
            self._callees[key] = self.optimized_body(method, None, inline_depth=depth)
        return self._callees[key]

    def block_source(self, method: int, startpc: int, depth: int):
        """The optimized IR of one block body of a method, to inline at a value send
        (passes/inline_blocks.py); None when there is no such block or it cannot be lifted.
        Callees are not inlined into it (it runs in a frame that is inlined already)."""
        body = next((b for b in block_bodies(self.method_input(method)) if b.startpc == startpc), None)
        if body is None:
            return None
        return self.optimized_body(method, body, inline_depth=0, block_depth=depth)

    def translate(self, method: int) -> bool:
        if method in self.translated:
            return True
        t0 = time.perf_counter()
        wat = ""
        try:
            fn, wat, wasm = self.compile(method)
            index = self.installer.install(method, wasm)
            self.translated[method] = index
            self.dependencies[method] = fn.annotations["depends_on"]
            for op, n in fn.annotations["inlined"].items():
                self.inlined[op] += n
            if self.llm is not None and not fn.annotations.get("block_functions"):
                # the LLM pass rewrites one function; a method with blocks has several
                self.llm.consider(method, fn, wat)
            if self.validator is not None:
                real = self.core.table.get(self.core.store, index)
                self.core.table.set(self.core.store, index,
                                    self.validator.trampoline(method, index, real))
            self.wasm_bytes += len(wasm)
            return True
        except LiftError as e:
            self.record("lift", method, e.reason)
        except PassError as e:
            self.record(f"pass:{e.pass_name}", method, str(e.error))
        except LowerError as e:
            self.record("lower", method, str(e))
        except InstallError as e:
            self.record(e.phase, method, str(e), wat)
        finally:
            dt = time.perf_counter() - t0
            self.translate_seconds += dt
            self.latencies.append(dt)
        return False

    def record(self, phase: str, method: int, error: str, wat: str = ""):
        try:
            m = self.method_input(method)
            name, code = m.name, m.bytecodes.hex()
        except Exception:
            name, code = f"method@{method:#x}", ""
        rec = {"type": "translation_failure", "phase": phase, "method": name,
               "bytecodes": code, "error": error, "fallback": "interpreter",
               "passes": list(self.passes)}
        if wat:
            rec["wat"] = wat
        self.failures.append(rec)

    def on_hot(self, method: int):
        self.translate(method)

    def on_code_changed(self, selector: int):
        """Method dictionaries changed for selector (0: for any): translations that bound a
        target of such a send (a direct call, an inlined method) are uninstalled, so they are
        not entered again, and re-armed, so they are translated anew when they get hot again.
        Activations still running check that they are installed before using such a binding."""
        self._resolved.clear()
        self._callees.clear()
        self._block_selectors = None        # BlockClosure's value methods may have changed
        for method, deps in list(self.dependencies.items()):
            if deps and (selector == 0 or selector in deps) and method in self.translated:
                self.uninstall(method)
                self.core.call("method_rearm", method)
                self.invalidated += 1

    def uninstall(self, method: int):
        self.core.call("method_uninstall", method)
        self.translated.pop(method, None)
        self.dependencies.pop(method, None)

    def check_uninstalled(self):
        """Record translations the VM dropped after repeated guard failures."""
        for method in list(self.translated):
            if not self.core.call("method_jit_index", method):
                self.translated.pop(method)
                self.failures.append({
                    "type": "uninstalled", "phase": "run", "method": self.method_input(method).name,
                    "error": f"guard failed {self.core.call('method_bailouts', method)} times",
                    "fallback": "interpreter"})

    def uninstall_trapped(self, trap) -> list[str]:
        """After a trap: uninstall the translations whose code was on the trapping stack."""
        names = []
        frames = getattr(trap, "frames", None) or []
        by_module = {f"m{m}": m for m in self.translated}
        for fr in frames:
            m = by_module.get(getattr(fr, "module_name", None) or "")
            if m is not None:
                rec_name = self.method_input(m).name
                self.uninstall(m)
                self.failures.append({"type": "trap", "phase": "run", "method": rec_name,
                                      "error": str(trap), "fallback": "interpreter"})
                names.append(rec_name)
        return names

    def stats(self) -> dict:
        self.check_uninstalled()
        by_phase: dict[str, int] = {}
        for f in self.failures:
            by_phase[f["phase"]] = by_phase.get(f["phase"], 0) + 1
        out = {"methods_translated": len(self.translated),
                "translation_failures": len(self.failures),
                "translation_failures_by_phase": by_phase,
                "translations_invalidated": self.invalidated,
                "inlined_methods": self.inlined["frame_push"],
                "inlined_blocks": self.inlined["block_push"],
                "translation_seconds": self.translate_seconds,
                "wasm_bytes": self.wasm_bytes,
                "pass_seconds": self.pass_times,
                "failures": self.failures}
        if self.llm is not None:
            out.update(self.llm.stats)
        if self.validator is not None:
            out["validated_activations"] = self.validator.validated
            out["validation_mismatches"] = len(self.validator.mismatches)
        return out
