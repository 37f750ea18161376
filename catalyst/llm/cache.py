"""On-disk cache of LLM results, so a method is asked about once.

Keyed by the method (its name, bytecodes and literals: the same bytecodes with other literals
are another method), the pipeline and prompt versions and the model. An entry holds the
accepted function, or none and the reason; never the API key (the caller scrubs what it
stores). A cached function is validated again before it is installed: the cache is a file
anyone could edit. A corrupt entry is a miss, not an error.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


class LLMCache:
    def __init__(self, directory: str | None = None):
        base = directory or os.environ.get("CATALYST_CACHE") or str(Path.home() / ".cache" / "catalyst")
        self.dir = Path(base) / "llm"
        self.dir.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key(method_bytes: bytes, pipeline_version: str, model: str, method_text: str = "") -> str:
        h = hashlib.sha256()
        for part in (method_bytes, method_text.encode(), pipeline_version.encode(), model.encode()):
            h.update(len(part).to_bytes(8, "little") + part)
        return h.hexdigest()

    def get(self, key: str) -> dict | None:
        path = self.dir / f"{key}.json"
        try:
            entry = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) else None

    def put(self, key: str, entry: dict) -> None:
        path = self.dir / f"{key}.json"
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entry, indent=1))
        tmp.replace(path)
