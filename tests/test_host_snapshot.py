"""The snapshot format: sparse page runs, round trips through a core, and refusal of damage."""
import json
import struct
import zlib

import pytest

from catalyst.vm import snapshot
from catalyst.vm.core import Core
from catalyst.vm.snapshot import PAGE, SnapshotError, decode, encode, nonzero_runs


def test_nonzero_runs_merge_adjacent_pages():
    data = bytearray(10 * PAGE + 100)
    data[5] = 1                      # page 0
    data[PAGE + 7] = 1               # page 1: merges with page 0
    data[4 * PAGE] = 1               # page 4 alone
    data[10 * PAGE + 99] = 1         # the short last page
    assert nonzero_runs(bytes(data)) == [(0, 2 * PAGE), (4 * PAGE, PAGE), (10 * PAGE, 100)]
    assert nonzero_runs(bytes(3 * PAGE)) == []


def fake_heap(core: Core) -> int:
    start = core.global_value("heap_start")
    core.write_bytes(start, bytes(range(256)) * 40)
    core.write_bytes(0x10000 + 64, b"\x11\x22\x33\x44")       # a class table entry
    end = start + 256 * 40
    core.set_global("heap_end", end)
    core.set_global("nil", start)
    core.set_global("last_hash", 4242)
    return end


def test_round_trip_into_a_fresh_core(tmp_path):
    a = Core()
    end = fake_heap(a)
    path = tmp_path / "s.snap"
    assert snapshot.save(a, path)
    b = Core()
    assert snapshot.restore(b, path)
    assert b.read_bytes(0, end) == a.read_bytes(0, end)
    for g in ("heap_end", "nil", "last_hash"):
        assert b.global_value(g) == a.global_value(g)
    assert len(path.read_bytes()) < 20000          # tens of MB of zeros are not stored


def build(globals_, runs, payload):
    head = json.dumps({"globals": globals_, "runs": runs}).encode()
    return snapshot.MAGIC + struct.pack("<I", len(head)) + head + zlib.compress(payload)


@pytest.fixture
def good():
    core = Core()
    fake_heap(core)
    raw = encode(core)
    n = struct.unpack_from("<I", raw, 8)[0]
    head = json.loads(raw[12:12 + n])
    return head["globals"], head["runs"], zlib.decompress(raw[12 + n:])


def test_decode_accepts_what_encode_wrote(good):
    g, runs, payload = good
    globals_, pieces = decode(build(g, runs, payload))
    assert globals_ == g and [a for a, _ in pieces] == [r[0] for r in runs]


@pytest.mark.parametrize("damage,message", [
    (lambda g, r, p: (g, r, p[:-1]), "payload"),
    (lambda g, r, p: (g, list(reversed(r)), p), "out of order"),
    (lambda g, r, p: ({**g, "heap_end": 10}, r, p), "past the heap end"),
    (lambda g, r, p: ({k: v for k, v in g.items() if k != "nil"}, r, p), "globals"),
    (lambda g, r, p: (g, [[0, "x"]], p), "bad run"),
])
def test_decode_refuses_inconsistent_snapshots(good, damage, message):
    with pytest.raises(SnapshotError, match=message):
        decode(build(*damage(*good)))


@pytest.mark.parametrize("raw", [b"", b"CATSNAP2", b"CATSNAP2\xff\xff\xff\xff{", b"XXXXXXXX" * 10])
def test_decode_refuses_garbage(raw):
    with pytest.raises(SnapshotError):
        decode(raw)


def test_restore_removes_a_damaged_file(tmp_path):
    path = tmp_path / "s.snap"
    path.write_bytes(b"CATSNAP2 nonsense")
    assert not snapshot.restore(Core(), path)
    assert not path.exists()
    assert not snapshot.restore(Core(), tmp_path / "absent.snap")


def test_the_cache_key_follows_the_core_actually_built(monkeypatch):
    # benchmarks/core_ab.py builds cores from other WAT sources: each needs its own snapshot
    # (another core's inline-cache targets in the snapshot sent the send fast path astray)
    from catalyst.vm import build
    from catalyst.vm.vm import VM
    key = VM._cache_key()
    sources = build.wat_sources()
    changed = sources[:-1] + [(sources[-1][0], sources[-1][1] + "\n;; another core\n")]
    monkeypatch.setattr(build, "wat_sources", lambda: changed)
    assert VM._cache_key() != key
    monkeypatch.setattr(build, "wat_sources", lambda: sources)
    assert VM._cache_key() == key
