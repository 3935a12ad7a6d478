"""Gather-Excite (PlainNet/gather_excite.py, ZENNAS_SPEC §9.2) and the GE WRN zoo entries.

Hand derivations from the spec's table (§9.2) and the WRN layout of BayesWatch/pytorch-GENet (seed 004).
"""

import pytest
import torch

import PlainNet
from PlainNet.gather_excite import ge_blocks, parse_use_ge
from zennas.block import Options
from zennas.structure import parse_block


def numel(m):
    return sum(p.numel() for p in m.parameters())


@pytest.mark.parametrize("tok", ["GEMinus(16,0)", "GEMinus(16,2)", "GEMinus(16,4)", "GEMinus(16,8)",
                                 "GETheta(16,0,16)", "GETheta(16,2,0)", "GETheta(16,4,16)", "GETheta(16,8,16)",
                                 "GEPlus(32,0,16)", "GEPlus(32,2,16)", "GEPlus(32,4,16)", "GEPlus(32,8,16)"])
def test_tokens_roundtrip_forward_numel(tok):
    b = parse_block(tok)
    assert str(b) == tok
    m = b.build(Options()).eval()
    c = b.cost(16)
    assert numel(m) == c.exact_params == c.params
    assert c.mac > 0
    x = torch.randn(2, b.in_channels, 16, 16)
    with torch.no_grad():
        assert m(x).shape == x.shape


def test_examples_registered():
    for n in ("GEMinus", "GETheta", "GEPlus"):
        assert parse_block(PlainNet.BLOCKS.get(n).EXAMPLE).NAME == n


def test_hand_costs():
    # GE-theta global on C=16, H=16: DW kernel 16x16 (no padding) -> 1x1, + BN
    c = parse_block("GETheta(16,0,16)").cost(16)
    assert c.exact_params == 16 * 16 * 16 + 2 * 16 == 4128  # C*H^2 + 2C
    assert c.exact_macs == 16 * 16 * 16  # C*H^2
    assert c.flops == 4096 + 16 * 1 + 16 * 256  # conv + BN on the 1x1 map + gating multiply C*H^2
    # MAC: conv read C*H^2, write C*1, weights C*H^2; excite read C*1 + C*H^2, write C*H^2
    assert c.mac == (16 * 256 + 16 + 4096) + (16 + 2 * 16 * 256)
    # GE-theta-plus extent 4 on C=32, H=16: two DW 3x3 s2 convs (+BN each) + MLP 32 -> 2 -> 32
    p = parse_block("GEPlus(32,4,16)").cost(16)
    assert p.exact_params == 2 * (9 * 32 + 2 * 32) + 2 * 32 * 2 == 832  # log2(e)(9C + 2C) + 2 C^2/16
    assert p.exact_macs == 9 * 32 * 8 * 8 + 9 * 32 * 4 * 4 + 2 * 32 * 2 * 4 * 4 == 25088
    # GE-theta-minus extent 2: no params; MAC pool (C*H^2 + C*(H/2)^2) + excite (C*(H/2)^2 + 2*C*H^2)
    mnus = parse_block("GEMinus(16,2)").cost(16)
    assert (mnus.exact_params, mnus.exact_macs) == (0, 0)
    assert mnus.mac == (16 * 256 + 16 * 64) + (16 * 64 + 2 * 16 * 256)


def test_global_minus_is_se_without_fc():
    m = parse_block("GEMinus(8,0)").build(Options())
    x = torch.randn(2, 8, 5, 5)
    assert torch.allclose(m(x), x * torch.sigmoid(x.mean((2, 3), keepdim=True)))


def test_extent_gather_shapes():
    m = parse_block("GETheta(8,4,0)").build(Options()).eval()
    assert m.gather(torch.randn(1, 8, 16, 16)).shape[-1] == 4
    m = parse_block("GEMinus(8,8)").build(Options())
    assert m.gather(torch.randn(1, 8, 16, 16)).shape[-1] == 2


def test_use_ge_option():
    assert parse_use_ge(None) is None
    assert parse_use_ge("minus") == ("minus", 0)
    assert parse_use_ge("theta:2") == ("theta", 2)
    assert parse_use_ge("plus:8") == ("plus", 8)
    with pytest.raises(ValueError, match="resolution"):
        parse_use_ge("theta:global")
    with pytest.raises(ValueError):
        parse_use_ge("theta:3")
    assert [str(b) for b in ge_blocks(32, Options().evolve(use_ge="plus:4"))] == ["GEPlus(32,4,0)"]
    # the GS and sandglass families insert it at the end of every unit branch (before the addition)
    for tok in ("SuperResGSK3(8,16,2,8,1)", "SuperResSGK3(16,16,1,8,2)"):
        b = parse_block(tok)
        plain = b.cost(16, Options())
        ge = b.cost(16, Options().evolve(use_ge="theta:2"))
        assert ge.exact_params > plain.exact_params
        m = b.build(Options().evolve(use_ge="theta:2")).eval()
        assert numel(m) == ge.exact_params


# ---------------------------------------------------------------------------------- GE WRN zoo
def _wrn16_8_params_hand():
    # WRN-16-8: n = 2 blocks per stage, widths 128/256/512; 3x3 convs no bias, BN 2/channel, 1x1
    # shortcut (no bias, no BN) on the first block of each stage, final BN, FC 512 -> 10 with bias.
    conv1 = 3 * 16 * 9
    s1 = (2 * 16 + 16 * 128 * 9 + 2 * 128 + 128 * 128 * 9 + 16 * 128) + (2 * 128 + 128 * 128 * 9) * 2
    s2 = (2 * 128 + 128 * 256 * 9 + 2 * 256 + 256 * 256 * 9 + 128 * 256) + (2 * 256 + 256 * 256 * 9) * 2
    s3 = (2 * 256 + 256 * 512 * 9 + 2 * 512 + 512 * 512 * 9 + 256 * 512) + (2 * 512 + 512 * 512 * 9) * 2
    return conv1 + s1 + s2 + s3 + 2 * 512 + 512 * 10 + 10


def test_ge_wrn_params_hand():
    from zennas.costs import compute_costs
    from zennas.zoo import get_zoo_entry

    base = _wrn16_8_params_hand()
    assert base == 10_961_370
    e = get_zoo_entry("gather_excite_wrn16_8_theta_minus_cifar10")
    assert compute_costs(e.structure, 32, 10).exact_params == base  # GE-theta-minus adds nothing
    assert e.top1 == 94.76
    # GE-theta global adds C*H^2 + 2C per block, 2 blocks per stage at (C, H) = (128,32), (256,16), (512,8)
    theta = base + 2 * (128 * 32 * 32 + 256) + 2 * (256 * 16 * 16 + 512) + 2 * (512 * 8 * 8 + 1024)
    e2 = get_zoo_entry("gather_excite_wrn16_8_theta_cifar10")
    assert compute_costs(e2.structure, 32, 10).exact_params == theta == 11_423_706


def test_ge_wrn_forward_matches_reference_layout():
    from zennas.zoo import build_zoo_model

    m = build_zoo_model("gather_excite_wrn16_8_theta_minus_cifar10").eval()
    assert numel(m) == 10_961_370
    with torch.no_grad():
        assert m(torch.randn(1, 3, 32, 32)).shape == (1, 10)
