"""The structure-string grammar: canonical form, labels, whitespace, containers, and precise errors."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zennas.structure import StructureParseError, canonical, parse, parse_block, to_str

ZEN_1M = ("SuperConvK3BNRELU(3,88,1,1)SuperResK1K7K1(88,120,1,16,1)SuperResK1K7K1(120,192,2,16,3)"
          "SuperResK1K5K1(192,224,1,24,4)SuperResK1K5K1(224,96,2,24,2)SuperResK1K3K1(96,168,2,40,3)"
          "SuperResK1K3K1(168,112,1,48,3)SuperConvK1BNRELU(112,512,1,1)")  # idstcv/ZenNAS ZenNet CIFAR 1M


def test_round_trip_published_structure():
    assert to_str(parse(ZEN_1M)) == ZEN_1M
    assert canonical(ZEN_1M) == ZEN_1M


def test_whitespace_and_labels_anywhere():
    s = " SuperConvK3BNRELU( stem| 3 , 8 ,1,1 )\n ResBlock( r1| ConvKX(c1|8,8,3,1) BN(bn|8) ) "
    assert canonical(s) == "SuperConvK3BNRELU(3,8,1,1)ResBlock(8,1,ConvKX(8,8,3,1)BN(8))"
    blocks = parse(s)
    assert blocks[0].label == "stem" and blocks[1].label == "r1"
    assert blocks[1].children[0].label == "c1"  # nested labels work (the original mis-parsed them)


def test_genet_style_uuid_labels():
    s = "ConvKX(uuid9d1dca0f098143aaa1a947acf1100787|3,32,3,2)BN(uuid7d10|32)RELU(uuidcc|32)"
    assert canonical(s) == "ConvKX(3,32,3,2)BN(32)RELU(32)"


def test_containers():
    s = "MultiSumBlock(ConvKX(8,16,3,2)BN(16);ConvKX(8,16,1,2))MultiCatBlock(ConvKX(16,8,1,1);ConvKX(16,8,3,1))"
    a, b = parse(s)
    assert (a.in_channels, a.out_channels, a.stride) == (8, 16, 2)
    assert (b.in_channels, b.out_channels) == (16, 16)
    assert canonical(s) == s
    r = parse_block("ResBlock(ConvKX(8,16,3,2)BN(16))")
    assert (r.in_channels, r.stride, r.has_projection) == (8, 2, True)
    r = parse_block("ResBlock(8,ConvKX(8,8,3,1)BN(8))")
    assert (r.in_channels, r.stride, r.has_projection) == (8, 1, False)
    assert str(r) == "ResBlock(8,1,ConvKX(8,8,3,1)BN(8))"
    seq = parse_block("Sequential(ConvKX(3,8,3,2)RELU(8))")  # ZEN's own parser could not read this
    assert seq.out_channels == 8 and seq.stride == 2


@pytest.mark.parametrize("text,offset,token,fragment", [
    ("", 0, "", "empty structure"),
    ("ConvKX(3,8,3,1", 14, None, "expected ')'"),
    ("ConvKX(3,8,3)", 0, "ConvKX", "expects 4 arguments (in, out, k, s), got 3"),
    ("ConvKX(3,8,3.5,1)", 11, "3.5", "must be an integer"),
    ("ConvKX(3,8,3,1)BN(8)junk", 20, "junk", "unknown block 'junk'"),
    ("ConvKX(3,8,3,1)BN 8", 18, "8", "expected '('"),
    ("ConvKX(3,8,3,1))", 15, ")", "unbalanced parenthesis"),
    ("ConvKX(3,8,3,1);BN(8)", 15, ";", "separates branches only"),
    ("SuperResK3K3(8,16,0,8,1)", 18, "0", "argument 3 (s) must be >= 1"),
    ("ConvKXG4(6,8,3,1)", 0, "ConvKXG4", "divisible by groups=4"),
    ("MultiSumBlock(ConvKX(8,8,3,2);ConvKX(8,8,3,1))", 0, "MultiSumBlock", "different resolutions"),
    ("ResBlock()", 9, ")", "at least one inner block"),
])
def test_errors_name_offset_and_token(text, offset, token, fragment):
    with pytest.raises(StructureParseError) as ei:
        parse(text)
    e = ei.value
    assert isinstance(e, ValueError)
    assert fragment in str(e)
    assert e.offset == offset
    if token is not None:
        assert e.token == token
    assert f"at offset {offset}" in str(e)


def test_unknown_block_suggests_close_names():
    with pytest.raises(StructureParseError) as ei:
        parse("SuperConvK3BNRELU(3,8,1,1)SuperResK1K3K(8,16,1,8,1)")
    e = ei.value
    assert e.offset == len("SuperConvK3BNRELU(3,8,1,1)")
    assert e.token == "SuperResK1K3K"
    assert "SuperResK1K3K1" in e.suggestions
    assert "did you mean" in str(e)
    with pytest.raises(StructureParseError, match="unknown block 'convkx'.*'ConvKX'"):
        parse("convkx(3,8,3,1)")


def test_depth_limit_is_an_error_not_a_crash():
    s = "Sequential(" * 200 + "RELU(8)" + ")" * 200
    with pytest.raises(StructureParseError, match="nesting deeper"):
        parse(s)


def test_never_eval():
    with pytest.raises(StructureParseError):
        parse("__import__('os').system('echo hi')")


VALID = [ZEN_1M, "ResBlock(ConvKX(8,16,3,2)BN(16))RELU(16)",
         "MultiCatBlock(ConvKX(16,8,1,1);ConvKX(16,8,3,1))SE(16)Linear(16,10,1)"]
ALPHABET = st.sampled_from(list("()|,;0123456789 -.+eE") + ["ConvKX", "BN", "ResBlock", "MultiSumBlock",
                                                            "SuperResK3K3", "Sequential", "RELU", "x"])


def _check(text: str) -> None:
    try:
        parse(text)
    except StructureParseError:
        pass  # the only acceptable failure


@settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_fuzz_random_text_raises_only_parse_errors(text):
    _check(text)


@settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 4), ALPHABET), max_size=4))
def test_fuzz_mutated_valid_strings_raise_only_parse_errors(base, edits):
    s = base
    for pos, kind, tok in edits:
        p = pos % (len(s) + 1)
        if kind == 0:
            s = s[:p] + s[p + 1:]  # delete a char
        elif kind == 1:
            s = s[:p] + tok + s[p:]  # insert a token
        elif kind == 2:
            s = s[:p] + tok + s[p + 1:]  # replace a char
        elif kind == 3:
            s = s[:p]  # truncate
        else:
            s = s[p:] + s[:p]  # rotate
    _check(s)


@settings(max_examples=200, deadline=2000)
@given(st.text(max_size=60))
def test_fuzz_arbitrary_unicode(text):
    _check(text)
