"""Rewriting pre-Spur Character methods: replaced instance variable reads, jumps re-encoded
(offsets, short jumps growing into long ones, backward jumps), and the converted image's
Characters answering their values."""
import pytest

from catalyst.frontend import bytecodes as B
from catalyst.frontend.image_rewrite import (RewriteError, rewrite_context_ivars,
                                             rewrite_inst_var_reads, send_literal)

REPL = bytes([112, 208])          # push self; send literal 0


def rw(code):
    out = rewrite_inst_var_reads(bytes(code), B.V3, REPL)
    list(B.decode(out, B.V3))     # still valid bytecodes
    return list(out)


def test_plain_replacement():
    assert rw([0, 124]) == [112, 208, 124]
    assert rw([128, 0, 124]) == [112, 208, 124]          # extended push of inst var 0
    assert rw([1, 124]) == [1, 124]                      # other inst vars are left alone


def test_forward_jump_offsets_grow():
    # push true; jump_if_false +2; push inst var 0; pop; push self; ^top
    assert rw([113, 153, 0, 135, 112, 124]) == [113, 154, 112, 208, 135, 112, 124]


def test_short_jump_becomes_long():
    code = [113, 159] + [0] * 8 + [112, 124]             # jump_if_false +8 over 8 reads
    assert rw(code) == [113, 172, 16] + [112, 208] * 8 + [112, 124]


def test_backward_jump():
    # push inst var 0; pop; jump -4 (back to the start)
    out = rw([0, 135, 163, 252])
    assert out == [112, 208, 135, 163, 251]
    ins = list(B.decode(bytes(out), B.V3))
    assert ins[-1].target == 0


def test_refuses_stores_and_super_sends():
    with pytest.raises(RewriteError, match="stores"):
        rewrite_inst_var_reads(bytes([112, 96, 120]), B.V3, REPL)
    with pytest.raises(RewriteError, match="super"):
        rewrite_inst_var_reads(bytes([112, 133, 0, 124]), B.V3, REPL)


def test_send_literal_forms():
    assert send_literal(3) == bytes([211])
    assert send_literal(20) == bytes([131, 20])
    assert send_literal(40) == bytes([132, 0, 40])


@pytest.fixture(scope="module")
def mini():
    from tests.conftest import images_dir
    path = images_dir() / "mini.image"
    if not path.exists():
        pytest.skip(f"real image mini.image not found in {images_dir()} (set CATALYST_IMAGES)")
    from catalyst.frontend.image_load import open_image
    return open_image(path)


@pytest.mark.parametrize("expr, expected", [
    ("$a asInteger", "97"), ("$a asciiValue", "97"), ("$a < $b", "true"), ("$b < $a", "false"),
    ("$a asUppercase", "$A"), ("$5 digitValue", "5"), ("$a isLetter", "true"),
    ("$  isSeparator", "true"), ("(Character value: 65) == $A", "true")])
def test_converted_characters(mini, expr, expected):
    assert mini.eval(expr) == expected


def test_character_methods_counted(mini):
    # asLowercase asUppercase digitValue hex isDigit isLetter isLowercase isSeparator isUppercase
    assert mini.converted.character_methods_rewritten == 9


# --- contexts ---------------------------------------------------------------------------------
def ctx_rw(code, temps=1):
    lits = ["instVarAt:", "instVarAt:put:"]
    return rewrite_context_ivars(bytes(code), B.V3, lambda name: lits.index(name), temps)


def test_context_reads_become_instVarAt():
    out = ctx_rw([0, 124])                        # ^sender
    assert list(out.code) == [112, 118, 224, 124]  # self; 1; send #instVarAt: (literal 0); ^
    assert list(ctx_rw([2, 124]).code) == [112, 119, 118, 176, 224, 124]   # stackp: index 2 + 1
    assert list(ctx_rw([3, 124]).code) == [3, 124]                         # method: unchanged


def test_context_stores_go_through_a_temp():
    # stackp := 5 (pop into receiver variable 2), then ^self
    out = ctx_rw([33, 98, 120], temps=2)
    assert list(out.code) == [33, 106, 112, 119, 118, 176, 18, 241, 135, 120]
    # store without pop keeps the value on the stack: instVarAt:put: answers it
    out = ctx_rw([33, 129, 1, 124], temps=0)
    assert list(out.code) == [33, 104, 112, 119, 16, 241, 124]


def test_context_rewrite_maps_pcs():
    # push sender; pop; jump back to the pop (a loop): every old instruction has a new place
    out = ctx_rw([0, 135, 163, 253])
    assert out.offsets == {0: 0, 1: 3, 2: 4, 4: 6}
    assert list(B.decode(out.code, B.V3))[-1].target == 3


def test_converted_context_methods(mini):
    conv = mini.converted
    assert conv.context_methods_rewritten > 20
    # a MethodContext married to a frame answers its sender through the frame
    assert mini.eval("[:x | thisContext sender == thisContext home] value: 1") == "true"
    assert mini.eval("thisContext sender") == "nil"
