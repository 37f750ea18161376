"""Extract the one WAT function of an LLM's answer, or say why there is none.

Accepted: a single `(func ...)` with the translated-method signature (one i32 parameter, an
i32 result), in a code fence or bare. Rejected with a reason: no code, several functions, a
wrong signature, unbalanced parentheses, an answer that is too big.
"""
from __future__ import annotations

import re

MAX_CHARS = 64 * 1024


class RejectedAnswer(Exception):
    pass


def _balanced_end(text: str, start: int) -> int:
    depth = 0
    i = start
    while i < len(text):
        c = text[i]
        if c == ";" and text.startswith(";;", i):
            i = text.find("\n", i)
            if i < 0:
                break
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise RejectedAnswer("unbalanced parentheses in the function")


def extract_function(answer: str) -> str:
    if len(answer) > MAX_CHARS:
        raise RejectedAnswer(f"answer too large ({len(answer)} characters)")
    fences = re.findall(r"```[a-zA-Z]*\n(.*?)```", answer, re.S)
    code = "\n".join(fences) if fences else answer
    starts = [m.start() for m in re.finditer(r"\(func\b", code)]
    if not starts:
        raise RejectedAnswer("no WAT function in the answer")
    if len(starts) > 1:
        raise RejectedAnswer(f"{len(starts)} functions in the answer; exactly one is wanted")
    func = code[starts[0]:_balanced_end(code, starts[0])]
    head = func[:func.find("(local") if "(local" in func else len(func)]
    params = re.findall(r"\(param\b([^)]*)\)", head)
    types = " ".join(params).split()
    types = [t for t in types if not t.startswith("$")]
    results = re.findall(r"\(result\b([^)]*)\)", head)
    if types != ["i32"] or [r.strip() for r in results[:1]] != ["i32"] or len(results) != 1:
        raise RejectedAnswer("wrong signature: the function must take one i32 (the frame) and "
                             "answer one i32 (the result oop, or 0)")
    return func
