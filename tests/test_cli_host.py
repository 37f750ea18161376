"""The command line's error paths and exit codes (0 ok, 1 Smalltalk error, 2 usage/syntax)."""
import json
import subprocess
import sys


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "catalyst.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def test_image_option_reports_a_missing_file_without_a_traceback():
    r = run("eval", "--image", "/nonexistent/x.image", "3")
    assert r.returncode == 2
    assert "--image /nonexistent/x.image" in r.stderr and "Traceback" not in r.stderr


def test_image_option_reports_a_file_that_is_no_image(tmp_path):
    bad = tmp_path / "bad.image"
    bad.write_bytes(b"\0" * 200)
    r = run("eval", "--image", str(bad), "3")
    assert r.returncode == 2 and str(bad) in r.stderr and "Traceback" not in r.stderr


def test_threshold_must_be_positive():
    r = run("eval", "--threshold", "0", "3")
    assert r.returncode == 2 and "positive integer" in r.stderr


def test_run_without_anything_to_run():
    r = run("run")
    assert r.returncode == 2 and "nothing to run" in r.stderr


def test_run_missing_file_fails_before_running_others(tmp_path):
    ok = tmp_path / "ok.st"
    ok.write_text("Transcript show: 'ran'; cr!\n")
    r = run("run", str(ok), str(tmp_path / "missing.st"))
    assert r.returncode == 2 and "missing.st" in r.stderr and "ran" not in r.stdout


def test_error_in_a_doit_of_a_file_exits_1_with_the_stack(tmp_path):
    src = tmp_path / "boom.st"
    src.write_text("Transcript show: 'before'; cr!\n#() first!\nTranscript show: 'after'!\n")
    r = run("run", "--jit", "off", str(src))
    assert r.returncode == 1
    assert r.stdout == "before\n"
    first = r.stderr.splitlines()[0]
    assert first.startswith("Error: ") and ": " in first[7:]    # Error: <class>: <text>
    assert "UndefinedObject>>DoIt" in r.stderr


def test_stats_are_printed_after_an_error_too():
    r = run("eval", "--jit", "off", "--stats", "nil foo")
    assert r.returncode == 1
    stats = json.loads(r.stderr.strip().splitlines()[-1])
    assert stats["interpreted_activations"] > 0 and "bailouts" in stats


def test_latin1_source_file(tmp_path):
    src = tmp_path / "latin.st"
    src.write_bytes(b"Smalltalk at: #W put: 'caf\xe9' size!\n")
    r = run("run", "--jit", "off", str(src), "-e", "W")
    assert r.returncode == 0 and r.stdout.strip() == "4"


def test_class_side_disasm():
    r = run("disasm", "Object class>>new")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Object class>>new") and "send: #basicNew" in r.stdout
    r = run("disasm", "Nope>>x")
    assert r.returncode == 2 and "Nope" in r.stderr


def test_disasm_with_a_missing_image():
    r = run("disasm", "--image", "/nonexistent/x.image", "Object>>printString")
    assert r.returncode == 2 and "/nonexistent/x.image" in r.stderr


def test_unknown_command():
    r = run("frobnicate")
    assert r.returncode == 2
