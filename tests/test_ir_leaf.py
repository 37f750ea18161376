"""ir/leaf.py: the ways of a method's first comparison that answer at once, found in its own IR."""
import pytest

from catalyst.ir.ir import parse_function
from catalyst.ir.leaf import leaf_shapes

# ^self < 2 ifTrue: [1] ifFalse: [self foo]
MERGE = """function T>>fib args=0 temps=0
b0: ; preds:
  v1 = self
  v2 = const 5
  v3 = int_op #< v1 v2 kind=lt live=[] nargs=1 pc=20 sel=0 site=19 special=2
  branch v3 b1 b2 live=[] pc=20
b1: ; preds: b0
  v4 = const 3
  jump b3
b2: ; preds: b0
  v5 = send #foo v1 live=[] nargs=0 pc=28 sel=0 site=27
  jump b3
b3: ; preds: b1, b2
  v6 = phi v4:b1 v5:b2
  ret v6
"""

# n >= 2 ifFalse: [^self]. ^n foo
RET = """function T>>at: args=1 temps=1
b0: ; preds:
  v1 = load_temp index=0
  v2 = const 5
  v3 = int_op #>= v1 v2 kind=ge live=[] nargs=1 pc=20 sel=0 site=19 special=2
  branch v3 b1 b2 live=[] pc=20
b1: ; preds: b0
  v4 = send #foo v1 live=[] nargs=0 pc=28 sel=0 site=27
  ret v4
b2: ; preds: b0
  v5 = self
  ret v5
"""


def test_a_way_that_returns_a_constant_through_the_merge():
    (s,) = leaf_shapes(parse_function(MERGE))
    assert (s.leaf, s.other, s.leaf_true) == ("b1", "b2", True)
    assert (s.value, s.constant, s.merge) == ("v4", 3, "b3")
    assert [i.result for i in s.consts] == ["v2"] and s.test.result == "v3"


def test_a_way_that_returns_the_receiver_by_ret_answers_no_constant():
    (s,) = leaf_shapes(parse_function(RET))
    assert (s.leaf, s.other, s.leaf_true) == ("b2", "b1", False)
    assert (s.value, s.constant, s.merge) == ("v5", None, None)


@pytest.mark.parametrize("text,old,new", [
    (MERGE, "  branch v3 b1 b2",                         # a send after the comparison
     "  v9 = send #foo v3 live=[] nargs=0 pc=21 sel=0 site=20\n  branch v3 b1 b2"),
    (MERGE, "kind=lt", "kind=add"),                      # not a comparison
    (MERGE, "  jump b3\nb2", "  ret v3\nb2"),            # the comparison used twice
    (MERGE, "  v4 = const 3\n", "  v4 = const 3\n  v8 = load_temp index=0\n"),   # a temp, not an argument
    (MERGE, "  ret v6", "  v7 = send #bar v6 live=[] nargs=0 pc=30 sel=0 site=29\n  ret v7"),
    (RET, "  v1 = load_temp index=0", "  v1 = load_temp index=1"),
    (RET, "  ret v4\nb2", "  jump b2\nb2"),              # the leaf entered from elsewhere too
])
def test_other_shapes_have_no_leaf(text, old, new):
    assert old in text
    assert leaf_shapes(parse_function(text.replace(old, new))) == []
