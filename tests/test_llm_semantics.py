"""Semantic analysis on real kernel methods (and the benchmark suite's): categories, recognized
patterns, the plain-English description, the pseudocode; the prompt built from them."""
import pytest

from catalyst.bench.runner import suite_files
from catalyst.llm.llm_pass import prompt_for, prompt_parts
from catalyst.llm.prompt import abi_sections, build_messages
from catalyst.llm.semantics import class_table, operand_classes
from catalyst.vm.vm import VM


@pytest.fixture(scope="module")
def jvm():
    vm = VM.default(jit="on", threshold=10 ** 9)
    for path in suite_files()[:3]:          # harness, small and float benchmarks
        vm.file_in(path)
    # run some of them interpreted, so the inline caches hold receiver classes
    vm.eval("15 benchFib. 12 isPrime. (BenchSieve new) benchmark. #(3 4 5) indexOf: 5. 20 factorial")
    return vm


def analysis_of(vm, name):
    cls, sel = name.split(">>")
    method = vm.lookup_method(vm.class_named(cls), sel)
    assert method, name
    fn, wat, _ = vm.jit.compile(method)
    m, analysis, listing, ir_text, _ = prompt_parts(vm.jit, method, fn)
    return analysis, fn, method, wat


@pytest.mark.parametrize("name,category,phrases", [
    ("Integer>>benchFib", "recursive",
     ["calls itself recursively (#benchFib)", "answers 1 when self < 2",
      "(((self - 1) benchFib) + ((self - 2) benchFib)) + 1 when not self < 2"]),
    ("Integer>>factorial", "arithmetic-kernel",
     ["counts t2 from 2 to self by 1", "accumulates t1 := t1 * t2",
      "self error: 'factorial of a negative number' when self < 0"]),
    ("Integer>>gcd:", "arithmetic-kernel",
     ["The loop at b1 repeats until t2 = 0: t3 := t1 \\\\ t2; t1 := t2; t2 := t3", "t1 := self abs"]),
    ("SequenceableCollection>>indexOf:", "indexed-loop",
     ["loops over an indexable object with at:", "counts t2 from 1 to t1 by 1",
      "answers t2 when (self at: t2) = arg1; or 0 when not t2 <= t1"]),
    ("BenchSieve>>sieve:size:", "indexed-loop",
     ["at:, at:put:", "It stores into indexable objects: arg1 at: (t2 - 1) put: false",
      "arg1 at: (t3 - 1) -> Array"]),
    ("BenchMandelbrot>>mandelbrot:", "arithmetic-kernel",
     ["Float constants", "t4 := ((2.0 * t14) / arg1) - 1.0", "runs the loop at b3",
      "The loop at b5 repeats while t11"]),
    ("Integer>>isPrime", "predicate",
     ["answers a Boolean", "answers false when self < 2", "true when not (t1 * t1) <= self"]),
    ("Magnitude>>between:and:", "predicate", ["self <= arg2 when self >= arg1"]),
    ("Association>>key:", "setter", ["sets the instance variable key to arg1 and answers the receiver"]),
    ("Association>>key", "accessor", ["answers the instance variable key"]),
    ("Object>>isNil", "constant", ["answers the constant false"]),
    ("BenchPermute>>swap:with:", "indexed-access",
     ["v at: arg1 put: (v at: arg2)", "reads instance variables v"]),
    ("Point>>dist:", "arithmetic",
     ["answers (((x - (arg1 x)) squared) + ((y - (arg1 y)) squared)) sqrt", "Full message sends (through vm_send): #sqrt, #squared, #x, #y"]),
])
def test_categories_and_descriptions(jvm, name, category, phrases):
    analysis, fn, _, _ = analysis_of(jvm, name)
    text = analysis.text()
    assert analysis.category == category, text
    for p in phrases:
        assert p in text, (p, text)
    assert analysis.description.startswith(name.split(">>")[0]) or ">>" in analysis.description


def test_pseudocode_follows_the_blocks(jvm):
    analysis, fn, _, _ = analysis_of(jvm, "Integer>>gcd:")
    code = "\n".join(analysis.pseudocode)
    assert code.index("b0:") < code.index("b1: (loop header; repeated from b2)") < code.index("b3:")
    assert "if t2 = 0 then go to b3 else go to b2" in code and "answer t1" in code


def test_operand_classes_come_from_the_inline_caches(jvm):
    _, fn, _, _ = analysis_of(jvm, "BenchSieve>>sieve:size:")
    seen = operand_classes(fn)
    array = next(i for i, c in class_table(jvm.core) if c == jvm.special(7))
    assert seen["self"] == set() and seen[1] == set() and seen[0] == {array}
    _, fn, _, _ = analysis_of(jvm, "Integer>>benchFib")
    assert operand_classes(fn)["self"] <= {1, 3}


def test_prompt_holds_every_part(jvm):
    _, fn, method, wat = analysis_of(jvm, "BenchSieve>>sieve:size:")
    text = prompt_for(jvm.jit, method, fn, wat)
    order = ["# Method BenchSieve>>sieve:size:", "## What it does (semantic analysis)",
             "Category: indexed-loop", "## Bytecode", "send: at:put:", "## IR after the regular",
             "function BenchSieve>>sieve:size: args=2 temps=5", "## Frame ABI contract",
             "## 1. Values", "## 2. Object layout", "## 8. Frames", "## Baseline WAT translation",
             wat.splitlines()[0], "## Task", "Exactly one function"]
    positions = [text.find(p) for p in order]
    assert -1 not in positions, [p for p, i in zip(order, positions) if i < 0]
    assert positions == sorted(positions)
    assert "## 9. Method info" not in text          # only the sections the method needs


def test_prompt_for_plain_arithmetic_leaves_out_the_object_layout(jvm):
    _, fn, method, wat = analysis_of(jvm, "Integer>>benchFib")
    text = prompt_for(jvm.jit, method, fn, wat)
    assert "## 8. Frames" in text and "## 2. Object layout" not in text


def test_retry_prompt_carries_the_error(jvm):
    _, fn, method, wat = analysis_of(jvm, "Integer>>benchFib")
    m, analysis, listing, ir_text, _ = prompt_parts(jvm.jit, method, fn)
    msgs = build_messages(m.name, analysis, listing, ir_text, wat, "wrong result: on input (3)...")
    assert msgs[0]["role"] == "system" and "exactly one WAT function" in msgs[0]["content"]
    assert msgs[-1]["content"].endswith("Fix that and answer again with one function.")
    assert "wrong result: on input (3)..." in msgs[-1]["content"]


def test_abi_sections_are_read_from_the_contract():
    text = abi_sections(["8. Frames"])
    assert text.startswith("## 8. Frames") and "FRAME_IP" in text and "## 9." not in text
