"""Benchmark suite smoke run: every benchmark verifies its own answer in both tiers (tiny sizes),
and the translated tier really runs translated code."""
from catalyst.bench import runner


def test_suite_is_correct_in_both_tiers():
    lines = []
    entries, _ = runner.run(None, ("interp", "jit"), iterations=1, warmup=0, smoke=True,
                            native=False, out=lines.append)
    names = {e["benchmark"] for e in entries}
    assert names == set(runner.BY_NAME)
    assert all(e["translated_activations"] > 0 for e in entries if e["tier"] == "jit")
    assert "geometric mean" in lines[-1]
    for e in entries:
        assert {"benchmark", "tier", "median_s", "min_s", "runs"} <= set(e)
