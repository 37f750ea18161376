"""`catalyst compile`: stage headers, pass selection, and the whole-image report."""
import json
import subprocess
import sys


def run(*args):
    return subprocess.run([sys.executable, "-m", "catalyst.cli", *args], capture_output=True,
                          text=True, timeout=300)


def test_stages_have_headers():
    r = run("compile", "Integer>>benchFib", "--dump-after", "all")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.index("=== bytecode ===") < out.index("=== after smallint") < out.index("=== wat ===")
    assert "int_op #+" in out and "(func $method" in out


def test_unknown_pass_is_a_usage_error():
    r = run("compile", "Integer>>benchFib", "--passes", "nonsense")
    assert r.returncode == 2 and "unknown pass" in r.stderr


def test_compile_all_reports_counts(tmp_path):
    report = tmp_path / "all.json"
    r = run("compile", "--all", "--json", str(report))
    assert r.returncode == 0, r.stderr
    data = json.loads(report.read_text())
    assert data["total"] > 500 and data["validated"] > 0.8 * data["total"]
    assert all({"method", "phase", "reason"} <= set(f) for f in data["failures"])
