"""Extract the one WAT function of an LLM's answer, or say why there is none; build the module.

`extract_function(answer)` accepts a single `(func ...)` with the translated-method signature
(one i32 parameter, one i32 result), in a code fence or bare. Rejected with a reason
(`RejectedAnswer`): an answer that is too big, no code, several functions, a wrong signature,
unbalanced parentheses, a function that imports or exports, and instructions a translated
method may not use (growing memory, changing tables, setting globals other than `$fp`, the
depth flag and the ones the baseline sets: `settable_globals(baseline_wat)`). `candidate_module(baseline_wat, func)` puts the function in place of the
baseline's `$method`, keeping the module's name, imports and type, with the interrupt checks
that bound its run time (`with_interrupt_checks`).
"""
from __future__ import annotations

import re

from catalyst.backend.lower import INTERRUPT_CHECK

MAX_CHARS = 64 * 1024
# globals any translation may set (ABI.md section 8: $fp when it deoptimizes, the depth flag);
# besides these, only the globals the baseline translation itself sets
ABI_SETTABLE = {"$gfp", "$depthDeopt"}
FORBIDDEN = ("memory.grow", "memory.init", "data.drop", "table.set", "table.grow", "table.fill",
             "table.copy", "table.init", "elem.drop")


class RejectedAnswer(Exception):
    pass


def _balanced_end(text: str, start: int) -> int:
    """Index just past the parenthesis closing the one at start (comments and strings skipped)."""
    depth = 0
    i = start
    while i < len(text):
        c = text[i]
        if text.startswith(";;", i):
            i = text.find("\n", i)
            if i < 0:
                break
            continue
        if text.startswith("(;", i):
            end = text.find(";)", i)
            if end < 0:
                break
            i = end + 2
            continue
        if c == '"':
            end = text.find('"', i + 1)
            if end < 0:
                break
            i = end + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise RejectedAnswer("unbalanced parentheses in the function")


def settable_globals(baseline_wat: str) -> set:
    return ABI_SETTABLE | set(re.findall(r"global\.set\s+(\$[^\s()]+)", baseline_wat))


def extract_function(answer: str, settable: set | None = None) -> str:
    if not isinstance(answer, str):
        raise RejectedAnswer("the answer is not text")
    if len(answer) > MAX_CHARS:
        raise RejectedAnswer(f"answer too large ({len(answer)} characters; at most {MAX_CHARS})")
    fences = re.findall(r"```[a-zA-Z0-9_-]*[ \t]*\n(.*?)```", answer, re.S)
    code = "\n".join(fences) if fences else answer
    starts = [m.start() for m in re.finditer(r"\(func\b", code)]
    if not starts:
        raise RejectedAnswer("no WAT function in the answer")
    if len(starts) > 1:
        raise RejectedAnswer(f"{len(starts)} functions in the answer; exactly one is wanted")
    func = code[starts[0]:_balanced_end(code, starts[0])]
    check_signature(func)
    check_policy(func, ABI_SETTABLE if settable is None else settable)
    return func


def _head(func: str) -> str:
    """The function's text up to its first local or instruction."""
    m = re.match(r"\(func(\s+\$[^\s()]+)?((\s*\((export|param|result)\b[^()]*\))*)", func)
    return m.group(0) if m else ""


def check_signature(func: str) -> None:
    head = _head(func)
    if re.match(r"\(func(\s+\$[^\s()]+)?\s*\(import\b", func):
        raise RejectedAnswer("the function is an import, not a definition")
    params = re.findall(r"\(param\b([^)]*)\)", head)
    types = [t for t in " ".join(params).split() if not t.startswith("$")]
    results = re.findall(r"\(result\b([^)]*)\)", head)
    if types != ["i32"] or len(results) != 1 or results[0].split() != ["i32"]:
        raise RejectedAnswer("wrong signature: the function must take one i32 (the frame) and "
                             "answer one i32 (the result oop, or 0)")


def check_policy(func: str, settable: set) -> None:
    body = re.sub(r";;[^\n]*", "", func)
    for word in FORBIDDEN:
        if re.search(re.escape(word) + r"\b", body):
            raise RejectedAnswer(f"the function uses {word}, which a translated method may not use")
    for target in re.findall(r"global\.set\s+(\S+?)[\s)]", body):
        if target not in settable:
            raise RejectedAnswer(f"the function sets the global {target}; a translated method may "
                                 f"only set {', '.join(sorted(settable))}")
    if re.search(r"\((import|export|memory|table|data|elem|start)\b", body[len(_head(func)):]):
        raise RejectedAnswer("the function declares module fields (import, export, memory, table, "
                             "data, elem or start) inside its body")


def candidate_module(baseline_wat: str, func: str) -> str:
    """The baseline module with its `$method` replaced by func (named and exported as method),
    instrumented for time limits (`with_interrupt_checks`)."""
    start = baseline_wat.find("(func $method")
    if start < 0:
        raise RejectedAnswer("the baseline module has no $method to replace")
    end = _balanced_end(baseline_wat, start)
    func = re.sub(r"^\(func(\s+\$[^\s()]+)?(\s*\(export\s+\"[^\"]*\"\))?",
                  '(func $method (export "method")', with_interrupt_checks(func))
    return baseline_wat[:start] + func + baseline_wat[end:]


# a `loop` instruction (folded or flat; not part of a label such as $loop), its label and the
# block type after it
_LOOP = re.compile(r"(?<![\w$.])loop(?![\w$.])(\s+\$[^\s()]+)?((\s*\((type|param|result)\b[^()]*\))*)")
_LOCALS = re.compile(r"(\s*\(local\b[^()]*\))*")


def with_interrupt_checks(func: str) -> str:
    """func with the host's interrupt request tested on entry and at the head of every loop,
    where the backend's own translations test it (backend/lower.py INTERRUPT_CHECK): the core
    runs without wasmtime's epoch checks, so a candidate's endless loop, or endless tail
    calls, would otherwise run past the sandbox's time limit forever. Comments go (a `loop` in
    one is not code)."""
    code = re.sub(r"\(;.*?;\)", " ", re.sub(r";;[^\n]*", "", func), flags=re.S)
    code = _LOOP.sub(lambda m: m.group(0) + " " + INTERRUPT_CHECK, code)
    body = len(_head(code))
    body += _LOCALS.match(code, body).end() - body
    return code[:body] + " " + INTERRUPT_CHECK + code[body:]
