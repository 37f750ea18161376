"""A small client for OpenAI-compatible chat completions (standard library only).

`ChatClient(config).complete(messages)` POSTs `{"model", "messages", "temperature": 0}` to
`{url}/chat/completions` with the key as a bearer token and answers the first choice's text.
A 429 (honouring Retry-After, capped) or a 5xx answer, or a refused connection, is retried up to
`retries` times with exponential backoff. Other HTTP errors, malformed answers and answers over
`max_bytes` raise LLMError. A request that takes longer than `timeout` in total (connecting,
waiting, or trickling the answer) raises LLMUnavailable at once: a slow service is not asked
again and again. Error texts never contain the key.
"""
from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request

from catalyst.llm.config import LLMConfig

RETRY_AFTER_CAP = 10.0


class LLMError(Exception):
    pass


class LLMUnavailable(LLMError):
    pass


class ChatClient:
    def __init__(self, config: LLMConfig, timeout: float | None = None, retries: int | None = None,
                 backoff: float | None = None, max_bytes: int = 1024 * 1024):
        self.config = config
        self.timeout = config.timeout if timeout is None else timeout
        self.retries = config.retries if retries is None else retries
        self.backoff = config.backoff if backoff is None else backoff
        self.max_bytes = max_bytes
        self.retried = 0          # extra HTTP requests made after errors
        self.requests = 0

    def complete(self, messages: list[dict]) -> str:
        body = json.dumps({"model": self.config.model, "messages": messages,
                           "temperature": 0}).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.config.key:
            headers["Authorization"] = f"Bearer {self.config.key}"
        url = f"{self.config.url}/chat/completions"
        delay = self.backoff
        for attempt in range(self.retries + 1):
            self.requests += 1
            try:
                return self._content(self._post(url, body, headers))
            except urllib.error.HTTPError as e:
                retry = e.code == 429 or e.code >= 500
                detail = _excerpt(e)
                if not retry or attempt == self.retries:
                    raise LLMError(self.config.scrub(f"HTTP {e.code} {e.reason} from {url}{detail}")) from None
                wait = delay
                after = (e.headers.get("Retry-After") or "").strip()
                if e.code == 429 and after.replace(".", "", 1).isdigit():
                    wait = min(float(after), RETRY_AFTER_CAP)
            except (socket.timeout, TimeoutError):
                raise LLMUnavailable(f"{url} did not answer within {self.timeout:g} s") from None
            except (urllib.error.URLError, ConnectionError, OSError) as e:
                reason = getattr(e, "reason", e)
                if isinstance(reason, (socket.timeout, TimeoutError)):
                    raise LLMUnavailable(f"{url} did not answer within {self.timeout:g} s") from None
                if attempt == self.retries:
                    raise LLMUnavailable(self.config.scrub(f"{url} is unreachable: {reason}")) from None
                wait = delay
            self.retried += 1
            time.sleep(wait)
            delay *= 2
        raise LLMUnavailable(f"{url}: no answer")   # pragma: no cover (the loop returns or raises)

    def _post(self, url: str, body: bytes, headers: dict) -> bytes:
        """The answer's bytes, read against one deadline for the whole request."""
        deadline = time.monotonic() + self.timeout
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            chunks, size = [], 0
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                sock = getattr(getattr(resp, "fp", None), "raw", None)
                sock = getattr(sock, "_sock", None)
                if sock is not None:
                    sock.settimeout(left)
                chunk = resp.read1(64 * 1024) if hasattr(resp, "read1") else resp.read(64 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_bytes:
                    raise LLMError(f"the answer is larger than {self.max_bytes} bytes")
                chunks.append(chunk)
        return b"".join(chunks)

    def _content(self, raw: bytes) -> str:
        try:
            data = json.loads(raw)
            content = data["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMError("the answer is not a chat completion (no choices[0].message.content)") from None
        if not isinstance(content, str):
            raise LLMError("the answer's message content is not text")
        return content


def _excerpt(e: urllib.error.HTTPError) -> str:
    try:
        text = e.read(300).decode("utf-8", "replace").strip()
    except Exception:
        text = ""
    return f": {text[:200]}" if text else ""
