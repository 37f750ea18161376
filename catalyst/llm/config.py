"""Where the optional LLM pass finds its service: endpoint, model and API key.

CATALYST_LLM_URL (an OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1),
CATALYST_LLM_MODEL, and the key from CATALYST_LLM_KEY or CATALYST_LLM_KEY_FILE. A key file that
group or others can read is refused. The key never appears in errors or logs: `scrub` removes it
from any text that leaves this package.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field


class LLMConfigError(Exception):
    pass


@dataclass
class LLMConfig:
    url: str
    model: str
    key: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, env=None) -> "LLMConfig":
        env = os.environ if env is None else env
        url = env.get("CATALYST_LLM_URL", "").rstrip("/")
        if not url:
            raise LLMConfigError("CATALYST_LLM_URL is not set (an OpenAI-compatible base URL)")
        model = env.get("CATALYST_LLM_MODEL", "")
        if not model:
            raise LLMConfigError("CATALYST_LLM_MODEL is not set")
        key = env.get("CATALYST_LLM_KEY", "")
        path = env.get("CATALYST_LLM_KEY_FILE", "")
        if not key and path:
            key = read_key_file(path)
        return cls(url, model, key)

    def scrub(self, text: str) -> str:
        """text with the key replaced, for anything that may be shown or stored."""
        return text.replace(self.key, "***") if self.key else text

    def __str__(self) -> str:
        return f"LLMConfig(url={self.url}, model={self.model}, key={'set' if self.key else 'none'})"


def read_key_file(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError as e:
        raise LLMConfigError(f"key file {path}: {e.strerror}") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise LLMConfigError(f"key file {path} is readable by group or others "
                             f"(mode {stat.S_IMODE(st.st_mode):o}); chmod 600 it")
    with open(path) as f:
        return f.read().strip()
