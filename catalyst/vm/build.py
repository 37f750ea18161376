"""Assemble the VM core from the WAT sources under wat/ (catalyst.wat in an installed wheel).

The files are module fields only; they are concatenated in name order inside one `(module ...)`,
assembled by wasmtime's wat2wasm (which reports syntax errors with file-relative positions through
`CoreBuildError`), validated by binaryen, optionally optimized by binaryen, and cached by content
hash so that later starts skip the work.
"""
from __future__ import annotations

import hashlib
import os
import re
from importlib import resources
from pathlib import Path

import wasmtime

from catalyst.backend import binaryen


class CoreBuildError(Exception):
    """The WAT sources of the core do not assemble or validate."""


def wat_sources() -> list[tuple[str, str]]:
    """(file name, text) of every wat/*.wat file, in name order."""
    root = resources.files("catalyst.wat")
    files = sorted(p for p in root.iterdir() if p.name.endswith(".wat"))
    return [(p.name, p.read_text()) for p in files]


def module_text() -> tuple[str, list[tuple[str, int]]]:
    """The whole module's text and a line map [(file, first line in the module text)]."""
    parts, line_map, line = ["(module\n"], [], 2
    for name, text in wat_sources():
        line_map.append((name, line))
        parts.append(text)
        if not text.endswith("\n"):
            parts.append("\n")
        line += text.count("\n") + (0 if text.endswith("\n") else 1)
    parts.append(")\n")
    return "".join(parts), line_map


def _locate(message: str, line_map) -> str:
    """Rewrite 'wasm:LINE:COL' positions in an assembler error to 'file.wat:line:col'."""
    def repl(m):
        n = int(m.group(1))
        name, first = "module", 1
        for fname, start in line_map:
            if start <= n:
                name, first = fname, start
        return f"{name}:{n - first + 1}:{m.group(2)}"
    return re.sub(r"(?:wasm|input|<anon>):(\d+):(\d+)", repl, message)


def cache_dir() -> Path:
    d = Path(os.environ.get("CATALYST_CACHE", Path.home() / ".cache" / "catalyst"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def core_wasm(optimize: int = 0) -> bytes:
    """The validated core module as binary WASM (cached on disk by source hash and options)."""
    text, line_map = module_text()
    key = hashlib.sha256(f"{optimize}\n{binaryen.LIBRARY}\n{text}".encode()).hexdigest()[:24]
    path = cache_dir() / f"core-{key}.wasm"
    if path.exists():
        return path.read_bytes()
    try:
        wasm = bytes(wasmtime.wat2wasm(text))
    except wasmtime.WasmtimeError as e:
        raise CoreBuildError(_locate(str(e), line_map)) from None
    try:
        wasm = binaryen.optimize(wasm, optimize) if optimize else (binaryen.validate(wasm) or wasm)
    except binaryen.ValidationError as e:
        raise CoreBuildError(f"binaryen rejected the core module:\n{e}") from None
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(wasm)
    tmp.replace(path)
    return wasm
