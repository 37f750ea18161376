"""Evaluating expressions against converted real images (ImageVM: the image's own classes,
globals, Symbols and printString)."""
import subprocess
import sys

import pytest

from catalyst.frontend.image_load import open_image


def _image(name):
    from tests.conftest import images_dir
    path = images_dir() / name
    if not path.exists():
        pytest.skip(f"real image {name} not found in {images_dir()} (set CATALYST_IMAGES)")
    return path


@pytest.fixture(scope="module")
def mini():
    return open_image(_image("mini.image"))


@pytest.fixture(scope="module")
def headless():
    return open_image(_image("headless.image"))


@pytest.mark.parametrize("expr, expected", [
    ("3 + 4", "7"), ("20 benchFib", "21891"), ("2 raisedTo: 100", "1267650600228229401496703205376"),
    ("'abc' , 'def'", "'abcdef'"), ("#foo", "foo"), ("3 @ 4", "3@4"), ("Object", "Object"),
    ("1.5 + 1", "2.5"), ("(3 @ 4) x", "3")])
def test_eval_mini(mini, expr, expected):
    assert mini.eval(expr) == expected


@pytest.mark.parametrize("expr, expected", [
    ("3 + 4", "7"), ("12345 printString size", "5"), ("'abc' , 'def'", "'abcdef'"),
    ("2 raisedTo: 100", "1267650600228229401496703205376"), ("Object", "Object"),
    ("[:x | x * 2] value: 21", "42"), ("| s | s := 0. 1 to: 10 do: [:i | s := s + i]. s", "55")])
def test_eval_headless(headless, expr, expected):
    assert headless.eval(expr) == expected


def test_image_layout_discovered(mini, headless):
    assert mini.class_scope_names(mini.class_named("Point")) == ["x", "y"]
    assert headless.class_scope_names(headless.class_named("Point")) == ["x", "y"]
    assert mini.heap.class_name(mini.heap.class_of(mini.class_named("Object"))) == "Object class"


def test_resume_headless_process(headless):
    """The headless image's active process logs through ConsolePlugin's primitiveLog:level:
    and quits."""
    from catalyst.frontend.image_load import open_image
    vm = open_image(_image("headless.image"))
    vm.output = []
    with pytest.raises(SystemExit) as e:
        vm.resume()
    assert e.value.code == 0
    assert vm.output == ["Smalltalk image fired up!", "Fixing the world", "3 + 4 = 7"]


def test_classes_outside_the_globals(headless):
    # the headless image's Smalltalk lacks SmallInteger; the image's classes still answer
    assert headless.heap.class_name(headless.class_named("SmallInteger")) == "SmallInteger"
    with pytest.raises(KeyError):
        headless.class_named("NoSuchClass")


def test_cli_disasm_with_image():
    r = subprocess.run([sys.executable, "-m", "catalyst.cli", "disasm", "--image",
                        str(_image("headless.image")), "SmallInteger>>+"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "callPrimitive: 1" in lines[1] and lines[-1].endswith("returnTop")   # no trailer junk


def test_frames_are_named_from_the_method_dictionaries(mini):
    classes, conv = mini.image_classes, mini.converted
    m = conv.oop_of[classes.method("Integer>>benchFib")]
    assert mini.method_name(m) == "Integer>>benchFib"
    m = conv.oop_of[classes.method("Object class>>new")] if "new" in classes.methods(
        classes.named("Object class")) else conv.oop_of[classes.method("Behavior>>new")]
    assert mini.method_name(m).endswith(">>new")
