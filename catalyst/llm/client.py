"""A small client for OpenAI-compatible chat completions (standard library only).

`ChatClient(config, timeout, retries, backoff).complete(messages)` POSTs to
`{url}/chat/completions` and answers the first choice's text. 429 (honouring Retry-After, capped)
and 5xx are retried with exponential backoff; other HTTP errors, malformed answers and answers
over `max_bytes` raise LLMError; an unreachable or slow service raises LLMUnavailable after the
timeout. Error texts never contain the key.
"""
from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request

from catalyst.llm.config import LLMConfig


class LLMError(Exception):
    pass


class LLMUnavailable(LLMError):
    pass


class ChatClient:
    def __init__(self, config: LLMConfig, timeout: float = 30.0, retries: int = 3,
                 backoff: float = 0.5, max_bytes: int = 256 * 1024):
        self.config, self.timeout, self.retries = config, timeout, retries
        self.backoff, self.max_bytes = backoff, max_bytes
        self.retried = 0

    def complete(self, messages: list[dict]) -> str:
        body = json.dumps({"model": self.config.model, "messages": messages,
                           "temperature": 0}).encode()
        headers = {"Content-Type": "application/json"}
        if self.config.key:
            headers["Authorization"] = f"Bearer {self.config.key}"
        url = f"{self.config.url}/chat/completions"
        delay = self.backoff
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    raw = resp.read(self.max_bytes + 1)
                if len(raw) > self.max_bytes:
                    raise LLMError(f"the answer is larger than {self.max_bytes} bytes")
                return self._content(raw)
            except urllib.error.HTTPError as e:
                retry = e.code == 429 or e.code >= 500
                if not retry or attempt == self.retries:
                    raise LLMError(self.config.scrub(f"HTTP {e.code} from {url}: {e.reason}")) from None
                wait = delay
                if e.code == 429 and e.headers.get("Retry-After", "").isdigit():
                    wait = min(float(e.headers["Retry-After"]), 10.0)
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as e:
                reason = getattr(e, "reason", e)
                if attempt == self.retries:
                    raise LLMUnavailable(self.config.scrub(f"{url} is unreachable or slow: {reason}")) from None
                wait = delay
            self.retried += 1
            time.sleep(wait)
            delay *= 2
        raise LLMUnavailable(f"{url}: no answer")   # pragma: no cover

    def _content(self, raw: bytes) -> str:
        try:
            data = json.loads(raw)
            return data["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMError("the answer is not a chat completion") from None
