"""The backend's control flow: reducible CFGs become nested blocks and loops along the dominator
tree; an irreducible one falls back to the state machine; both run and give the right answer."""
import pytest

from catalyst.backend import structure
from catalyst.backend.install import assemble
from catalyst.backend.lower import lower
from catalyst.ir.ir import parse_function
from catalyst.vm.vm import VM

# Tx>>irr: n -- i := 0; if n > 5 enter the two-block loop at b2, else at b1; b1 adds 1, b2 adds
# 2, until i >= 20; answer i. The loop has two entries: irreducible.
IRREDUCIBLE = """function Tx>>irr: args=1 temps=2
b0: ; preds:
  v1 = const 1
  store_temp v1 index=1
  v2 = load_temp index=0
  v3 = const 11
  v4 = int_op #> v2 v3 kind=gt live=[] nargs=1 pc=20 site=19 special=3
  branch v4 b2 b1 live=[] pc=21
b1: ; preds: b0, b2
  v5 = load_temp index=1
  v6 = const 3
  v7 = int_op #+ v5 v6 kind=add live=[] nargs=1 pc=25 site=24 special=0
  store_temp v7 index=1
  v8 = const 41
  v9 = int_op #>= v7 v8 kind=ge live=[] nargs=1 pc=28 site=27 special=5
  branch v9 b3 b2 live=[] pc=29
b2: ; preds: b0, b1
  v10 = load_temp index=1
  v11 = const 5
  v12 = int_op #+ v10 v11 kind=add live=[] nargs=1 pc=33 site=32 special=0
  store_temp v12 index=1
  jump b1
b3: ; preds: b1
  v13 = load_temp index=1
  ret v13
"""

REDUCIBLE = IRREDUCIBLE.replace("branch v4 b2 b1", "branch v4 b1 b1").replace(
    "b1: ; preds: b0, b2", "b1: ; preds: b0, b2")

SOURCE = """Object subclass: #Tx
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Tests'!

!Tx methodsFor: 't'!
irr: n
	| i |
	^n! !
"""


def expected(n: int) -> int:
    i, at = 0, ("b2" if n > 5 else "b1")
    while True:
        if at == "b1":
            i += 1
            if i >= 20:
                return i
            at = "b2"
        else:
            i += 2
            at = "b1"


def run_translated(ir_text: str, n: int) -> str:
    vm = VM.default(jit="on", threshold=10 ** 9)
    vm.file_in_text(SOURCE)
    m = vm.lookup_method(vm.class_named("Tx"), "irr:")
    vm.eval("Tx new irr: 0")          # creates the method's info record
    fn = parse_function(ir_text)
    vm.jit.installer.install(m, assemble(lower(fn)))
    before = vm.stats()["translated_activations"]
    answer = vm.eval(f"Tx new irr: {n}")
    assert vm.stats()["translated_activations"] > before
    return answer


def test_irreducible_cfg_is_detected():
    with pytest.raises(structure.Irreducible):
        structure.plan(parse_function(IRREDUCIBLE))
    assert "br_table" in lower(parse_function(IRREDUCIBLE))


@pytest.mark.parametrize("n", [3, 8])
def test_irreducible_cfg_runs_as_a_state_machine(n):
    assert run_translated(IRREDUCIBLE, n) == str(expected(n))


def test_reducible_cfg_is_structured_and_runs():
    fn = parse_function(REDUCIBLE)
    plan = structure.plan(fn)
    assert plan.loop_headers == {"b1"} and not plan.merges
    wat = lower(fn)
    assert "br_table" not in wat and "(loop $Lb1" in wat
    assert run_translated(REDUCIBLE, 8) == str(expected(0))
