"""Snapshots of a core's memory: the cache that makes later starts of the embedded kernel fast.

A snapshot holds the core's linear memory from address 0 to `heap_end` (the class table, the
method-info and inline-cache tables and the heap) plus the globals the core needs to continue
(`SNAPSHOT_GLOBALS`). Most of that range is zero (the frame stack, unused table space), so only
the 64 KB pages holding a non-zero byte are stored, compressed. Restoring writes those pages back
into a freshly instantiated core, whose memory is all zero (the core module has no data
segments), so the skipped pages need no writing.

File layout: MAGIC, u32 length of a JSON header, the header ({"globals": {...}, "runs":
[[address, length], ...]}), then zlib of the runs' bytes concatenated. Anything that does not
check out raises `SnapshotError`; callers treat that as a cache miss.
"""
from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path

from catalyst.vm.core import Core

MAGIC = b"CATSNAP2"
PAGE = 65536
SNAPSHOT_GLOBALS = ("heap_end", "last_hash", "nil", "false", "true", "special_objects",
                    "info_next", "info_free", "free_large", "gc_threshold", "allocated_since_gc",
                    "handle_next", "heap_limit")
# restored as they were saved (heap_limit is the new VM's own setting)
RESTORED_GLOBALS = tuple(g for g in SNAPSHOT_GLOBALS if g != "heap_limit")


class SnapshotError(Exception):
    """A snapshot file cannot be used (truncated, corrupt, or written by another layout)."""


def nonzero_runs(data: bytes, page: int = PAGE) -> list[tuple[int, int]]:
    """(start, length) of the maximal runs of pages of data that hold a non-zero byte."""
    zero = bytes(page)
    view = memoryview(data)
    runs: list[tuple[int, int]] = []
    for start in range(0, len(data), page):
        chunk = view[start:start + page]
        if chunk == zero[:len(chunk)]:
            continue
        if runs and runs[-1][0] + runs[-1][1] == start:
            runs[-1] = (runs[-1][0], runs[-1][1] + len(chunk))
        else:
            runs.append((start, len(chunk)))
    return runs


def encode(core: Core) -> bytes:
    """The snapshot of core's memory and globals, as file contents."""
    end = core.global_value("heap_end")
    data = core.read_bytes(0, end)
    runs = nonzero_runs(data)
    payload = b"".join(data[s:s + n] for s, n in runs)
    head = json.dumps({"globals": {g: core.global_value(g) for g in SNAPSHOT_GLOBALS},
                       "runs": runs}).encode()
    return MAGIC + struct.pack("<I", len(head)) + head + zlib.compress(payload, 1)


def decode(raw: bytes) -> tuple[dict[str, int], list[tuple[int, bytes]]]:
    """(globals, [(address, bytes)]) of snapshot file contents, checked for consistency."""
    if not raw.startswith(MAGIC):
        raise SnapshotError("not a Catalyst snapshot (or one of an older format)")
    try:
        n = struct.unpack_from("<I", raw, len(MAGIC))[0]
        start = len(MAGIC) + 4
        head = json.loads(raw[start:start + n])
        payload = zlib.decompress(raw[start + n:])
        globals_, runs = head["globals"], head["runs"]
    except (struct.error, ValueError, zlib.error, KeyError, TypeError) as e:
        raise SnapshotError(f"unreadable snapshot: {e}") from None
    if not isinstance(globals_, dict) or set(globals_) != set(SNAPSHOT_GLOBALS) or \
            not all(isinstance(v, int) for v in globals_.values()):
        raise SnapshotError("snapshot globals do not match this host")
    end = globals_["heap_end"]
    pieces, offset, previous_end = [], 0, 0
    for run in runs:
        if not (isinstance(run, list) and len(run) == 2 and all(isinstance(x, int) for x in run)):
            raise SnapshotError(f"bad run {run!r}")
        addr, length = run
        if addr < previous_end or length <= 0 or addr + length > end:
            raise SnapshotError(f"run {addr:#x}+{length} is out of order or past the heap end")
        pieces.append((addr, payload[offset:offset + length]))
        offset += length
        previous_end = addr + length
    if offset != len(payload):
        raise SnapshotError(f"snapshot payload holds {len(payload)} bytes, its runs {offset}")
    return globals_, pieces


def save(core: Core, path: Path) -> bool:
    """Write core's snapshot to path (atomically); False if the cache cannot be written."""
    data = encode(core)
    # a per-process temporary name: concurrent first starts must not interleave their writes
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
        return True
    except OSError:          # a read-only or full cache only costs the next start a rebuild
        tmp.unlink(missing_ok=True)
        return False


def restore(core: Core, path: Path) -> bool:
    """Load the snapshot at path into core, which must be freshly instantiated. False (and a
    damaged file removed) when there is no usable snapshot."""
    try:
        raw = path.read_bytes()
    except OSError:
        return False
    try:
        globals_, pieces = decode(raw)
    except SnapshotError:
        path.unlink(missing_ok=True)
        return False
    need = (globals_["heap_end"] + (16 << 20)) // PAGE + 1
    have = core.memory.size(core.store)
    if need > have:
        core.memory.grow(core.store, need - have)
    for addr, data in pieces:
        core.write_bytes(addr, data)
    for g in RESTORED_GLOBALS:
        core.set_global(g, globals_[g])
    return True
