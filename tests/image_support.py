"""Helpers of the real-image tests (tests/test_image_*.py): finding an image or skipping with a
message naming it, opening a VM on one, running the CLI on one."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, images_dir


def image_or_skip(name: str) -> Path:
    path = images_dir() / name
    if not path.exists():
        pytest.skip(f"real image {name} not found in {images_dir()} (set CATALYST_IMAGES)")
    return path


def open_vm(name: str, jit: str = "off", threshold: int | None = None):
    from catalyst.frontend.image_load import open_image
    return open_image(image_or_skip(name), jit=jit, threshold=threshold)


def evaluate(vm, source: str) -> str:
    """The printString of source's value, or 'ERR <text>' for an unhandled error."""
    from catalyst.vm.vm import SmalltalkError
    try:
        return vm.eval(source)
    except SmalltalkError as e:
        return "ERR " + e.text


def catalyst(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `catalyst ARGS...` in a fresh process (from the project root)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "catalyst.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout)


def stats_of(result: subprocess.CompletedProcess) -> dict:
    """The JSON object `--stats` printed on the last line of stderr."""
    return json.loads(result.stderr.strip().splitlines()[-1])
