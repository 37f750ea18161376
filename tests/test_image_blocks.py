"""Pre-closure blocks on mini.image (Squeak 2.0: blockCopy: and BlockContexts, ABI.md section 7):
activation with arguments, the home's temporaries (also after the home returned), block and
non-local returns, cannotReturn:, thisContext, argument-count errors; each interpreted and
with every method translated first (--jit always), which must agree. DoIts are compiled in
the image's block style."""
import pytest

from catalyst.frontend import bytecodes as B
from catalyst.frontend.compiler import ClassScope, compile_doit
from tests.image_support import evaluate, open_vm

CASES = [
    ("[:x | x * 2] value: 21", "42"),
    ("[:a :b | a + b] valueWithArguments: #(3 4)", "7"),
    ("[] value", "nil"),
    ("| s | s := 0. #(1 2 3) do: [:e | s := s + e]. s", "6"),
    ("(1 to: 10) collect: [:x | x * x]", "(1 4 9 16 25 36 49 64 81 100 )"),
    ("(1 to: 3) collect: [:i | (1 to: i) inject: 0 into: [:a :b | a + b]]", "(1 3 6 )"),
    # a block made in a method that has returned (the default sortBlock) reads its arguments
    # from its dead home's temporaries
    ("#(3 1 2) asSortedCollection asArray", "(1 2 3 )"),
    ("(#(3 1 2) asSortedCollection: [:a :b | a > b]) asArray", "(3 2 1 )"),
    ("#(1 2 3) detect: [:x | x > 1]", "2"),                      # ^ from the image's block
    ("#(1 2 3) detect: [:x | x > 5] ifNone: ['none']", "'none'"),
    ("#(1 2 3) do: [:x | x = 2 ifTrue: [^x * 10]]. 0", "20"),     # ^ from the DoIt's block
    ("[^3] value. 4", "3"),
    ("| b n | n := 0. b := [n < 5]. b whileTrue: [n := n + 1]. n", "5"),   # not inlined
    ("[:x | thisContext] value: 1", "[] in UndefinedObject>>DoIt"),
    ("[thisContext home == thisContext sender] value", "true"),
    # block temporaries are the method's and keep their values between activations, as in
    # the images that compiled blocks this way
    ("(1 to: 3) collect: [:i | | t | t isNil ifTrue: [t := 0]. t := t + i]", "(1 3 6 )"),
    ("{1. 2 + 3. #x}", "(1 5 x )"),
    ("(1 to: 3000) inject: 0 into: [:a :b | a + b printString size]", "10893"),
    ("100 factorial printString size", "158"),
    ("'hello' reversed", "'olleh'"),
]


@pytest.fixture(scope="module")
def translated():
    return open_vm("mini.image", jit="always")


@pytest.fixture(scope="module", params=["off", "always"])
def mini(request, translated):
    return translated if request.param == "always" else open_vm("mini.image")


@pytest.mark.parametrize("source, expected", CASES)
def test_blocks(mini, source, expected):
    assert evaluate(mini, source) == expected


def test_translated_methods_with_blocks_run(translated):
    before = translated.stats()["translated_activations"]
    assert evaluate(translated, "(1 to: 50) inject: 0 into: [:a :b | a + b]") == "1275"
    assert translated.stats()["translated_activations"] > before
    # inject:into: makes a BlockContext (blockCopy:) and Interval>>do: values one: both run
    # translated, the blocks' code in the interpreter
    names = {translated.method_name(m) for m in translated.jit.translated}
    assert {"Collection>>inject:into:", "Interval>>do:"} <= names


def test_block_outlives_its_doit(mini):
    evaluate(mini, "Smalltalk at: #CatalystTestBlock put: [:x | x + 1]")
    assert evaluate(mini, "(Smalltalk at: #CatalystTestBlock) value: 41") == "42"


def test_cannot_return_from_dead_home(mini):
    evaluate(mini, "Smalltalk at: #CatalystTestBlock put: [:x | ^x]")
    # Squeak 2.0 has no cannotReturn: method: the VM's send of it is not understood
    assert evaluate(mini, "(Smalltalk at: #CatalystTestBlock) value: 3") == \
        "ERR Message not understood: cannotReturn:"


def test_wrong_argument_count(mini):
    assert evaluate(mini, "[:x | x] value").startswith("ERR ")
    assert evaluate(mini, "[:x | x] value: 1 value: 2").startswith("ERR ")


def test_block_is_not_reentrant(mini):
    # a BlockContext cannot run twice at once (primitive 81 fails while it runs), so a block
    # that calls itself fails in the image's own error code, as in Squeak 2.0
    result = evaluate(mini, "| f | f := [:n | n < 2 ifTrue: [1] ifFalse: [n * (f value: n - 1)]]. "
                            "f value: 5")
    assert result.startswith("ERR ")


def test_doits_use_the_image_block_style():
    spec = compile_doit("#(1 2) collect: [:x | x + 1]", ClassScope(block_contexts=True))
    ops = [ins.op for ins in B.decode(spec.bytecodes, B.V3)]
    code = list(spec.bytecodes)
    assert "push_closure" not in ops
    at = code.index(137)                           # thisContext; push 1; blockCopy:; long jump
    assert code[at + 1:at + 3] == [118, 200] and 160 <= code[at + 3] <= 167
    assert 104 in code and 125 in code             # pop the argument into its temp; blockReturn
    closure = compile_doit("#(1 2) collect: [:x | x + 1]", ClassScope())
    assert "push_closure" in [ins.op for ins in B.decode(closure.bytecodes)]
