"""Shared test configuration: where the real Squeak images are, and the slow-suite switch.

Real images are read from $CATALYST_IMAGES, else ../shared/images relative to the project root.
Tests that need one use the `image_path` fixture factory, which skips with a message naming the
missing file. Slow suites are marked `slow` and run only with CATALYST_SLOW=1 (or `-m slow`).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def images_dir() -> Path:
    env = os.environ.get("CATALYST_IMAGES")
    return Path(env) if env else ROOT.parent / "shared" / "images"


@pytest.fixture
def image_path():
    def find(name: str) -> Path:
        path = images_dir() / name
        if not path.exists():
            pytest.skip(f"real image {name} not found in {images_dir()} (set CATALYST_IMAGES)")
        return path
    return find


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CATALYST_SLOW") or "slow" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="slow suite: set CATALYST_SLOW=1 to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def vm():
    """One VM on the embedded kernel for read-mostly tests (interpreter only)."""
    from catalyst.vm.vm import VM
    return VM.default(jit="off")


@pytest.fixture
def fresh_vm():
    from catalyst.vm.vm import VM
    return VM.default(jit="off")
