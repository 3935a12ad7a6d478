"""Every registered block, parametrized over the registry: a new block file is tested with no new test.

For each block's example token: parse -> str round trip, forward output shape equals the declared
out channels and resolution, exact params == numel of the built module, exact MACs == MACs counted
from the real module, under each construction flag.
"""

from __future__ import annotations

import pytest

from tests.conftest import check_block_example, count_true_macs
from zennas.block import Options
from zennas.blocks import BLOCKS
from zennas.structure import parse, to_str

NAMES = sorted(BLOCKS.names())
VARIANTS = [Options(), Options(no_reslink=True), Options(use_se=True), Options(no_BN=True)]
RES = 16


def test_all_43_zen_names_registered():
    zen = {"ConvKX", "ConvKXG2", "ConvKXG4", "ConvKXG8", "ConvKXG16", "ConvKXG32", "ConvDW", "BN", "RELU", "Swish",
           "SE", "Linear", "AdaptiveAvgPool", "MaxPool", "Flatten", "PlainNetBasicBlockClass", "ResBlock",
           "ResBlockProj", "MultiSumBlock", "MultiCatBlock", "Sequential"}
    zen |= {f"SuperConvK{k}BNRELU" for k in (1, 3, 5, 7)}
    zen |= {f"SuperResK{k}K{k}" for k in (3, 5, 7)} | {f"SuperResK1K{k}K1" for k in (3, 5, 7)}
    zen |= {f"SuperResIDWE{e}K{k}" for e in (1, 2, 4, 6) for k in (3, 5, 7)}
    assert len(zen) == 43
    assert zen <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_round_trip(name):
    ex = BLOCKS.get(name).example()
    blocks = parse(ex)
    s = to_str(blocks)
    assert to_str(parse(s)) == s
    assert name in s
    # labels and whitespace are accepted and dropped by the canonical form
    spaced = s.replace("(", " ( lab| ", 1).replace(",", " , ")
    assert to_str(parse(" " + spaced + " ")) == s


@pytest.mark.parametrize("opts", VARIANTS, ids=["plain", "no_reslink", "use_se", "no_BN"])
@pytest.mark.parametrize("name", NAMES)
def test_forward_shape_params_macs(name, opts):
    blk, module, cost, x = check_block_example(name, opts, RES)
    if not BLOCKS.get(name).FORWARD:
        with pytest.raises(RuntimeError):
            module(x)
        return
    r = blk.out_res_exact(RES)
    if RES % 4 == 0:  # ZEN floor bookkeeping agrees with PyTorch on even sizes
        assert blk.out_res(RES) == r
    assert count_true_macs(module, x) == cost.exact_macs
    assert cost.mac > 0 or cost.exact_params == 0 or name == "BN"  # fused BN/activations move no memory


@pytest.mark.parametrize("name", NAMES)
def test_costs_are_deterministic_and_nonnegative(name):
    (blk,) = parse(BLOCKS.get(name).example())
    c1, c2 = blk.cost(RES), blk.cost(RES)
    assert c1 == c2
    for v in c1.as_dict().values():
        assert v >= 0
