"""Running real images from the command line: `catalyst eval --image` on mini.image's own
protocol (tinyBenchmarks interpreted and translated), `catalyst run --image PATH --resume`
(the headless image's startup; mini's, which stops at a display primitive), --timeout for
images that never quit, and clear errors for files that are not usable images."""
import re

import pytest

from tests.image_support import catalyst, image_or_skip, open_vm, stats_of

TINY = re.compile(r"^'\d+ bytecodes/sec; \d+ sends/sec'$")


@pytest.mark.parametrize("expr, expected", [
    ("100 factorial printString size", "158"),
    ("(1 to: 10) asOrderedCollection", "OrderedCollection (1 2 3 4 5 6 7 8 9 10 )"),
])
def test_cli_eval_mini(expr, expected):
    r = catalyst("eval", "--jit", "off", "--image", image_or_skip("mini.image"), expr)
    assert (r.returncode, r.stdout.strip()) == (0, expected), r.stderr


@pytest.mark.parametrize("expr, expected", [
    ("3 + 4", "7"), ("27 benchFib", "635621"), ("'hello' reversed", "'olleh'"),
    ("'hello world' asUppercase", "'HELLO WORLD'"), ("#(3 1 2) asSortedCollection asArray", "(1 2 3 )"),
    ("(1 to: 10) asOrderedCollection printString", "'OrderedCollection (1 2 3 4 5 6 7 8 9 10 )'"),
    ("'a:b:c' findTokens: ':'", "OrderedCollection ('a' 'b' 'c' )"),
    ("(Dictionary new at: #a put: 1; at: #b put: 2; yourself) keys asSortedCollection asArray", "(a b )"),
    ("(1 to: 30) select: [:x | x odd]", "(1 3 5 7 9 11 13 15 17 19 21 23 25 27 29 )"),
    ("'hello' copyReplaceAll: 'l' with: 'L'", "'heLLo'"), ("(2 raisedTo: 100) printString size", "31"),
])
def test_eval_mini(expr, expected):
    vm = _mini()
    assert vm.eval(expr) == expected


_vms = {}


def _mini():
    if "mini" not in _vms:
        _vms["mini"] = open_vm("mini.image")
    return _vms["mini"]


def test_unhandled_error_reported():
    r = catalyst("eval", "--image", image_or_skip("mini.image"), "3 zork")
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert lines[0] == "Error: Message not understood: zork"
    assert any("SmallInteger(Object)>>doesNotUnderstand:" in line for line in lines)


def test_tiny_benchmarks_translated():
    r = catalyst("eval", "--jit", "on", "--stats", "--image", image_or_skip("mini.image"),
                 "0 tinyBenchmarks")
    assert r.returncode == 0, r.stderr
    assert TINY.match(r.stdout.strip()), r.stdout
    stats = stats_of(r)
    assert stats["translated_activations"] > 1_000_000 and stats["translation_failures"] == 0


def test_tiny_benchmarks_interpreted():
    r = catalyst("eval", "--jit", "off", "--stats", "--image", image_or_skip("mini.image"),
                 "0 tinyBenchmarks")
    assert r.returncode == 0, r.stderr
    assert TINY.match(r.stdout.strip()), r.stdout
    assert stats_of(r)["translated_activations"] == 0


def test_resume_headless():
    r = catalyst("run", "--image", image_or_skip("headless.image"), "--resume")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "Smalltalk image fired up!" and lines[-1] == "3 + 4 = 7"


def test_image_run_is_resume():
    r = catalyst("image", "run", image_or_skip("headless.image"), "--jit", "always")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "3 + 4 = 7"


def test_resume_mini_runs_its_startup():
    """mini.image was saved inside snapshot:andQuit: under its user interface: resuming goes
    on from there (frames rebuilt for the whole chain, BlockContexts included) until its
    startup asks for a display primitive Catalyst does not have."""
    r = catalyst("run", "--image", image_or_skip("mini.image"), "--resume", "--timeout", "60")
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert lines[0] == "Error: a primitive has failed"
    frames = "\n".join(lines)
    for name in ("Cursor>>beCursor", "SystemDictionary>>snapshot:andQuit:",
                 "ScreenController(Controller)>>controlLoop", "[] in BlockContext>>newProcess"):
        assert name in frames


def test_timeout_stops_a_run():
    r = catalyst("run", "--image", image_or_skip("mini.image"), "-e", "[true] whileTrue",
                 "--timeout", "1")
    assert r.returncode == 3
    assert r.stderr.splitlines()[:2] == ["catalyst run: stopped after 1 s (--timeout): still running",
                                         "  UndefinedObject>>DoIt (pc 13)"]


@pytest.mark.parametrize("jit", ["off", "always"])
def test_timeout_stops_a_resumed_process(jit):
    """A process that never quits: the active process made to run a loop."""
    from catalyst.frontend.image_vm import RunTimeout
    vm = open_vm("mini.image", jit=jit)
    vm.install_method(vm.class_named("Object"), "catalystLoop [true] whileTrue: [3 + 4]")
    ctx = vm.evaluate("MethodContext sender: nil receiver: 5 method: "
                      "(Object compiledMethodAt: #catalystLoop) arguments: #()")
    process = vm.heap.slot(vm.heap.slot(vm.special(3), 1), 1)
    vm.core.set_u32(process + 12, ctx)
    with pytest.raises(RunTimeout) as e:
        vm.resume(timeout=0.5)
    assert e.value.stack[0].startswith("SmallInteger(Object)>>catalystLoop")
    assert vm.eval("3 + 4") == "7"              # the VM is usable after the interrupt


def test_resume_needs_an_image():
    r = catalyst("run", "--resume")
    assert r.returncode == 2 and "--image" in r.stderr


@pytest.mark.parametrize("name, keep, message", [
    ("mini.image", 40, "too short for an image header"), ("mini.image", 0.5, "truncated"),
    ("headless.image", 0.5, "truncated")])
def test_unusable_images_are_refused(tmp_path, name, keep, message):
    from catalyst.frontend.image_format import ImageFormatError
    from catalyst.frontend.image_load import open_image
    data = image_or_skip(name).read_bytes()
    bad = tmp_path / "cut.image"
    bad.write_bytes(data[:keep if type(keep) is int else int(len(data) * keep)])
    with pytest.raises(ImageFormatError, match=f"{message}.*offset"):
        open_image(bad)


def test_cli_refuses_unusable_images(tmp_path):
    data = image_or_skip("mini.image").read_bytes()
    bad = tmp_path / "cut.image"
    bad.write_bytes(data[:len(data) // 2])
    for argv in (["eval", "--image", bad, "3 + 4"], ["run", "--image", bad, "--resume"],
                 ["compile", "--image", bad, "--all"]):
        r = catalyst(*argv)
        assert r.returncode == 2, (argv, r.stdout, r.stderr)
        assert "truncated" in r.stderr and "offset" in r.stderr and r.stdout == ""


def test_not_an_image(tmp_path):
    bad = tmp_path / "junk.image"
    bad.write_bytes(b"\x00\x01\x02\x03" * 64)
    r = catalyst("eval", "--image", bad, "3 + 4")
    assert r.returncode == 2 and "not a usable image" in r.stderr and r.stdout == ""
