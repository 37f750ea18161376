"""Where the optional LLM pass finds its service, and how hard it tries.

Sources, later ones winning: a config file (TOML or JSON) named by CATALYST_LLM_CONFIG (the
`--llm-config FILE` option sets it; with `enabled = true` in it the command line needs no
`--llm`), then the environment: CATALYST_LLM_URL (an
OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1), CATALYST_LLM_MODEL, and the key from
CATALYST_LLM_KEY or CATALYST_LLM_KEY_FILE. A config file holds the settings below and may name
a `key_file`, but may not hold the key itself. A key file that group or others can read is
refused. The key never appears in errors, logs or reprs: `scrub` removes it from any text that
leaves this package.
"""
from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field, fields

ENV = {"url": "CATALYST_LLM_URL", "model": "CATALYST_LLM_MODEL",
       "key_file": "CATALYST_LLM_KEY_FILE"}
CONFIG_ENV = "CATALYST_LLM_CONFIG"


class LLMConfigError(Exception):
    pass


@dataclass
class LLMConfig:
    url: str
    model: str
    key: str = field(default="", repr=False)
    timeout: float = 60.0          # seconds for one request (connect, send, the whole answer)
    retries: int = 2               # extra tries of one request after a 429 or 5xx answer
    backoff: float = 0.5           # seconds before the first of those, doubling each time
    max_attempts: int = 3          # answers asked for per method (the retries with the error)
    max_methods: int = 16          # methods asked about per VM, most promising first
    methods: str = "*"             # only methods matching these patterns ('Integer>>*,*>>sieve*')
    cases: int = 24                # generated validation inputs per method
    case_seconds: float = 0.25     # time limit of one validation run in the interpreter
    min_speedup: float = 1.05      # candidate median must beat the baseline's by this factor
    timing_runs: int = 5           # timed samples per translation and input (medians compared)
    timing_target: float = 0.01    # seconds one timed sample of the baseline takes
    timed_cases: int = 8           # inputs timed (spread from cheap to costly)
    cache_dir: str | None = None
    enabled: bool = False          # in a config file: turn the pass on without --llm

    @classmethod
    def from_env(cls, env=None) -> "LLMConfig":
        env = os.environ if env is None else env
        values: dict = {}
        if env.get(CONFIG_ENV):
            values.update(read_config_file(env[CONFIG_ENV]))
        for name, var in ENV.items():
            if env.get(var):
                values[name] = env[var]
        key_file = values.pop("key_file", "")
        key = env.get("CATALYST_LLM_KEY", "") or (read_key_file(key_file) if key_file else "")
        url = str(values.pop("url", "")).rstrip("/")
        if not url:
            raise LLMConfigError("CATALYST_LLM_URL is not set (an OpenAI-compatible base URL, "
                                 "e.g. http://127.0.0.1:8080/v1)")
        if not url.startswith(("http://", "https://")):
            raise LLMConfigError(f"CATALYST_LLM_URL must start with http:// or https://, not {url[:40]!r}")
        model = str(values.pop("model", ""))
        if not model:
            raise LLMConfigError("CATALYST_LLM_MODEL is not set (the model name the service expects)")
        return cls(url, model, key, **values)

    def scrub(self, text: str) -> str:
        """text with the key replaced, for anything that may be shown or stored."""
        return text.replace(self.key, "***") if self.key else text

    def __str__(self) -> str:
        return f"LLMConfig(url={self.url}, model={self.model}, key={'set' if self.key else 'none'})"


SETTINGS = {f.name: f.type for f in fields(LLMConfig) if f.name not in ("url", "model", "key")}


def read_config_file(path: str) -> dict:
    """Settings from a TOML (.toml) or JSON file; unknown names and a key in it are errors."""
    path = os.path.expanduser(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as e:
        raise LLMConfigError(f"LLM config file {path}: {e.strerror}") from None
    try:
        if path.endswith(".json"):
            data = json.loads(raw)
        else:
            import tomllib
            data = tomllib.loads(raw.decode())
    except ImportError:
        raise LLMConfigError(f"LLM config file {path}: TOML needs Python 3.11; use a .json file") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise LLMConfigError(f"LLM config file {path}: not valid {'JSON' if path.endswith('.json') else 'TOML'}: "
                             f"{str(e)[:200]}") from None
    if not isinstance(data, dict):
        raise LLMConfigError(f"LLM config file {path}: expected a table of settings")
    if "key" in data or "api_key" in data:
        raise LLMConfigError(f"LLM config file {path}: do not put the key in the config file; "
                             "name a key file (key_file = ..., chmod 600) or set CATALYST_LLM_KEY")
    out = {}
    for name, value in data.items():
        if name in ("url", "model", "key_file"):
            out[name] = os.path.expanduser(str(value)) if name == "key_file" else str(value)
        elif name in SETTINGS:
            out[name] = _setting(path, name, value)
        else:
            raise LLMConfigError(f"LLM config file {path}: unknown setting {name!r}; known: "
                                 f"url, model, key_file, {', '.join(SETTINGS)}")
    return out


def _setting(path: str, name: str, value):
    kind = SETTINGS[name]
    if name == "enabled":
        if not isinstance(value, bool):
            raise LLMConfigError(f"LLM config file {path}: enabled must be true or false, not {value!r}")
        return value
    try:
        if "int" in str(kind):
            v = int(value)
        elif "float" in str(kind):
            v = float(value)
        elif name == "methods":
            return str(value)
        else:
            return os.path.expanduser(str(value))
    except (TypeError, ValueError):
        raise LLMConfigError(f"LLM config file {path}: {name} must be a number, not {value!r}") from None
    if v <= 0 and name != "retries":
        raise LLMConfigError(f"LLM config file {path}: {name} must be positive, not {v}")
    return v


def read_key_file(path: str) -> str:
    path = os.path.expanduser(path)
    try:
        st = os.stat(path)
    except OSError as e:
        raise LLMConfigError(f"key file {path}: {e.strerror}") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise LLMConfigError(f"key file {path} is readable by group or others "
                             f"(mode {stat.S_IMODE(st.st_mode):o}); chmod 600 it")
    with open(path) as f:
        key = f.read().strip()
    if not key:
        raise LLMConfigError(f"key file {path} is empty")
    return key
