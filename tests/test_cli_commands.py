"""The command line: output and exit codes."""
import json
import subprocess
import sys


def run(*args):
    return subprocess.run([sys.executable, "-m", "catalyst.cli", *args], capture_output=True,
                          text=True, timeout=120)


def test_eval_prints_result():
    r = run("eval", "3 + 4")
    assert r.returncode == 0 and r.stdout.strip() == "7"


def test_unhandled_error_exit_1_with_stack():
    r = run("eval", "nil foo")
    assert r.returncode == 1
    assert r.stderr.startswith("Error: MessageNotUnderstood: UndefinedObject>>foo")
    assert "UndefinedObject>>DoIt" in r.stderr


def test_syntax_error_exit_2_with_position():
    r = run("eval", "3 + + 4")
    assert r.returncode == 2
    assert "<doit>:1:5:" in r.stderr


def test_stats_json():
    r = run("eval", "--stats", "--jit", "off", "10 benchFib")
    stats = json.loads(r.stderr.strip().splitlines()[-1])
    for key in ("methods_translated", "translation_failures", "translated_activations",
                "interpreted_activations", "bailouts"):
        assert key in stats
    assert stats["interpreted_activations"] > 100


def test_run_files_in_and_transcript(tmp_path):
    src = tmp_path / "hello.st"
    src.write_text("Object subclass: #Greeter\n\tinstanceVariableNames: ''\n\tclassVariableNames: ''\n"
                   "\tpoolDictionaries: ''\n\tcategory: 'Demo'!\n\n!Greeter methodsFor: 'demo'!\n"
                   "greet\n\tTranscript show: 'hello'; cr.\n\t^42! !\n")
    r = run("run", str(src), "-e", "Greeter new greet")
    assert r.returncode == 0
    assert r.stdout == "hello\n42\n"


def test_run_reports_syntax_error_in_file(tmp_path):
    src = tmp_path / "bad.st"
    src.write_text("Object subclass: #Bad\n\tinstanceVariableNames: ''\n\tclassVariableNames: ''\n"
                   "\tpoolDictionaries: ''\n\tcategory: 'Demo'!\n\n!Bad methodsFor: 'x'!\nfoo\n\t^3 +! !\n")
    r = run("run", str(src))
    assert r.returncode == 2
    assert f"{src}:9:" in r.stderr


def test_disasm():
    r = run("disasm", "Integer>>benchFib")
    assert r.returncode == 0
    assert "send: #benchFib" in r.stdout and "returnTop" in r.stdout
