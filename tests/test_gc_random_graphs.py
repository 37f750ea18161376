"""Random object graphs against the collector: exactly the objects reachable from the roots
survive (checked by walking the heap), their contents are intact after the freed space is
reused, and the heap always parses with the free-byte count matching the free chunks."""
import random

from hypothesis import given, settings, strategies as st

from catalyst.vm.vm import VM
from test_om_support import Harness, tag

_H = None


def harness() -> Harness:
    global _H
    if _H is None:
        _H = Harness(VM.default(jit="off"))
    return _H


def build(h, seed, n):
    """n objects of assorted sizes (pointer, byte and prefixed ones), random edges, random
    roots; answers (oops, edges, byte contents, roots)."""
    rnd = random.Random(seed)
    arr = h.core.call("identity_hash", h.special(7))
    ba = h.core.call("identity_hash", h.special(26))
    oops, kinds = [], []
    for _ in range(n):
        if rnd.random() < 0.25:
            size = rnd.choice([0, 1, 5, 300])
            oops.append(h.core.call("alloc_bytes", ba, size))
            kinds.append(("bytes", size))
        else:
            size = rnd.choice([1, 2, 3, 8, 40, 260])
            oops.append(h.core.call("alloc", arr, 2, size))
            kinds.append(("ptrs", size))
    edges = {}
    for i, (kind, size) in enumerate(kinds):
        if kind == "ptrs":
            targets = [rnd.randrange(n) if rnd.random() < 0.5 else None for _ in range(size)]
            edges[i] = [t for t in targets if t is not None]
            for s, t in enumerate(targets):
                h.core.set_u32(oops[i] + 8 + 4 * s, oops[t] if t is not None else tag(s))
        else:
            h.core.write_bytes(oops[i] + 8, bytes(rnd.randrange(256) for _ in range(size)))
    roots = [i for i in range(n) if rnd.random() < 0.05]
    return oops, edges, roots


def reachable(edges, roots):
    seen, todo = set(), list(roots)
    while todo:
        i = todo.pop()
        if i not in seen:
            seen.add(i)
            todo.extend(edges.get(i, ()))
    return seen


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2 ** 32), st.integers(20, 400))
def test_exactly_the_reachable_objects_survive(seed, n):
    h = harness()
    h.core.call("gc")
    oops, edges, roots = build(h, seed, n)
    handles = [h.core.call("handle_new", oops[i]) for i in roots]
    snapshot = {i: h.core.read_bytes(oops[i] + 8, 4 * h.core.call("num_slots", oops[i]))
                for i in range(n)}
    try:
        h.core.call("gc")
        live = set(h.walk()[0])
        want = reachable(edges, roots)
        assert {oops[i] for i in want} <= live
        assert not ({oops[i] for i in set(range(n)) - want} & live)
        # reuse the freed space, then check the survivors are untouched
        arr = h.core.call("identity_hash", h.special(7))
        for k in range(n):
            junk = h.core.call("alloc", arr, 2, [1, 2, 3, 8, 40, 260][k % 6])
            h.core.set_u32(junk + 8, tag(-7))
        for i in want:
            assert h.core.read_bytes(oops[i] + 8, len(snapshot[i])) == snapshot[i]
        h.core.call("gc")
        oops_after, free = h.walk()
        assert free == h.core.call("free_bytes")
        assert {oops[i] for i in want} <= set(oops_after)
    finally:
        for x in handles:
            h.core.call("handle_free", x)
