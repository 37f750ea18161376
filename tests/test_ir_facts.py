"""ir/facts.py: what a block may assume about its values, and what the backend saves by it."""
from catalyst.backend.lower import lower
from catalyst.ir.facts import smallint_facts
from catalyst.ir.ir import parse_function

TEXT = """function T>>t args=0 temps=0
b0: ; preds:
  v1 = self
  v2 = const 5
  v3 = is_class v1 class=1
  branch v3 b1 b2 live=[] pc=20
b1: ; preds: b0
  v4 = int_op #- v1 v2 kind=sub live=[] nargs=1 pc=21 sel=0 site=20 special=1
  jump b3
b2: ; preds: b0
  v5 = int_op #- v1 v2 kind=sub live=[] nargs=1 pc=22 sel=0 site=21 special=1
  jump b3
b3: ; preds: b1, b2
  v6 = phi v4:b1 v5:b2
  ret v6
"""


def test_a_class_test_makes_its_value_known_where_it_branched_to():
    facts = smallint_facts(parse_function(TEXT))
    assert facts["b0"] == {"v2"}            # the literal 2
    assert facts["b1"] == {"v1", "v2"}      # self passed the SmallInteger test
    assert facts["b2"] == {"v2"}            # the other way: anything
    assert facts["b3"] == {"v2"}            # after the merge: anything again


def test_arithmetic_on_known_small_integers_skips_the_tag_check():
    wat = lower(parse_function(TEXT))
    b1 = wat[wat.index(";; b1"):wat.index(";; b2")]
    b2 = wat[wat.index(";; b2"):wat.index(";; b3")]
    tag_check = "(i32.and (i32.and (local.get $v1) (local.get $v2)) (i32.const 1))"
    assert tag_check not in b1 and tag_check in b2
    # the overflow check stays: the difference may leave the SmallInteger range (v2 is the
    # constant 2, so the check is the one comparison of the result with v1)
    assert "(br_if $slow (i32.gt_s (local.get $v4) (local.get $v1)))" in b1
