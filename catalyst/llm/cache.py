"""On-disk cache of LLM results, keyed by the method's bytes, the pipeline version and the
model, so a method is asked about once. Entries hold the accepted function (or the reason for
none) and never the API key."""
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
    def key(method_bytes: bytes, pipeline_version: str, model: str) -> str:
        return hashlib.sha256(method_bytes + f"|{pipeline_version}|{model}".encode()).hexdigest()

    def get(self, key: str) -> dict | None:
        path = self.dir / f"{key}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def put(self, key: str, entry: dict) -> None:
        path = self.dir / f"{key}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(entry))
        tmp.replace(path)
