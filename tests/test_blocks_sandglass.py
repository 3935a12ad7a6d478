"""Sandglass family (PlainNet/sandglass.py) and the MobileNeXt-1.0 zoo model (zennas/zoo/mobilenext.py).

Hand derivations use ZENNAS_SPEC §9.1 (exact cost of the full unit), §2.2 (zen) and §9.6 (MAC).
"""

import pytest
import torch
from torch import nn

import PlainNet
from tests.conftest import check_block_example, numel
from zennas.block import Options
from zennas.structure import parse_block, to_str

NAMES = ["SuperResSGK3", "SuperResSGK5", "SuperResSGK7", "RELU6", "PartialResBlock"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("opts", [Options(), Options(no_reslink=True), Options(no_BN=True), Options(use_se=True),
                                  Options().evolve(identity_multiplier=0.5, sg_projection=True, sg_relu6=True),
                                  Options().evolve(use_ge="plus:2")])
def test_roundtrip_forward_numel(name, opts):
    b, _, _, _ = check_block_example(name, opts)
    assert str(b) == PlainNet.BLOCKS.get(name).EXAMPLE


def test_sandglass_unit_hand_costs():
    # SuperResSGK3(16,16,1,8,1) at H=8: one full unit, C_in = C_out = 16, M = 8, identity residual.
    c = parse_block("SuperResSGK3(16,16,1,8,1)").cost(8)
    # §9.1: MACs = H^2 (9 C_in + C_in M + M C_out) + 9 C_out Ho^2
    assert c.exact_macs == 64 * (9 * 16 + 16 * 8 + 8 * 16) + 9 * 16 * 64 == 34816
    # params = 9 C_in + C_in M + M C_out + 9 C_out + BN 2 (C_in + M + 2 C_out)
    assert c.exact_params == 9 * 16 + 16 * 8 + 8 * 16 + 9 * 16 + 2 * (16 + 8 + 2 * 16) == 656
    # zen: BN counts 1 per channel and c*H^2 FLOPs
    assert c.params == 144 + 16 + 128 + 8 + 128 + 16 + 144 + 16 == 600
    assert c.flops == 64 * 600
    # MAC: DW 16*64 + 16*64 + 144; PW 16*64 + 8*64 + 128; PW 8*64 + 16*64 + 128; DW again; add 3*16*64
    assert c.mac == 2192 + 1664 + 1664 + 2192 + 3072 == 10784
    half = parse_block("SuperResSGK3(16,16,1,8,1)").cost(8, Options().evolve(identity_multiplier=0.5))
    assert half.mac == 10784 - 3 * 8 * 64


def test_stride_and_shortcut_rules():
    b = parse_block("SuperResSGK3(16,24,2,8,2)")
    exp = b.expansion(Options())
    assert exp[0].NAME == "ConvDW"  # first unit changes shape: no shortcut (paper)
    assert exp[-1].NAME == "PartialResBlock"  # second unit: identity
    proj = b.expansion(Options().evolve(sg_projection=True))
    assert proj[0].NAME == "ResBlockProj"
    assert b.out_res(16) == 8 and b.num_layers() == 2
    assert to_str(parse_block("SuperResSGK5(16,24,2,8,7)").split(6)) == \
        "SuperResSGK5(16,24,2,8,3)SuperResSGK5(24,24,1,8,4)"


def test_partial_identity_forward():
    b = parse_block("PartialResBlock(4,1,ConvDW(4,3,1))")
    opts = Options().evolve(identity_multiplier=0.5)
    m = b.build(opts).eval()
    x = torch.randn(1, 4, 5, 5)
    body = m.module_list[0](x)
    y = m(x)
    assert torch.allclose(y[:, :2], body[:, :2] + x[:, :2]) and torch.allclose(y[:, 2:], body[:, 2:])


def test_relu6_and_score_override():
    b = parse_block("RELU6(8)")
    assert isinstance(b.build(Options()), nn.ReLU6)
    assert isinstance(b.build(Options().evolve(score_activation_override="relu")), nn.ReLU)
    x = torch.tensor([-1.0, 3.0, 9.0])
    assert b.build(Options())(x).tolist() == [0.0, 3.0, 6.0]


# ------------------------------------------------------------------------------- MobileNeXt-1.0
# Layout of the reference code (yitu-opensource/MobileNeXt mnext.py): per block (C_in, C_out, hidden,
# first DW?, last DW?, output resolution), derived by hand from the cfg
# (t,c,n,s) = (2,96,1,2) (6,144,1,1) (6,192,3,2) (6,288,3,2) (6,384,4,1) (6,576,4,2) (6,960,3,1) (6,1280,1,1):
# hidden = C_in // t, raised to make_divisible(ceil(C_out/6), 16) if smaller than C_out/6.
#   96: 32//2 = 16 (16 < 16 false)          144: 96//6 = 16 < 24 -> 32      192 (s2): 144//6 = 24 < 32 -> 32
#   192: 32                                 288 (s2): 32 < 48 -> 48         288: 48
#   384 (s1, C change): 48 < 64 -> 64       384: 64                         576 (s2): 64 < 96 -> 96
#   576: 96                                 960 (s1): 96 < 160 -> 160       960: 160
#   1280 (keep_3x3): 160 < 213.3 -> make_divisible(214, 16) = 208
MNEXT_BLOCKS = [  # (cin, cout, hidden, res_in, dw_in, dw_out, res_out)
    (32, 96, 16, 112, True, True, 56),
    (96, 144, 32, 56, True, True, 56),
    (144, 192, 32, 56, False, True, 28), (192, 192, 32, 28, True, True, 28), (192, 192, 32, 28, True, True, 28),
    (192, 288, 48, 28, False, True, 14), (288, 288, 48, 14, True, True, 14), (288, 288, 48, 14, True, True, 14),
    (288, 384, 64, 14, False, False, 14)] + [(384, 384, 64, 14, True, True, 14)] * 3 + [
    (384, 576, 96, 14, False, True, 7)] + [(576, 576, 96, 7, True, True, 7)] * 3 + [
    (576, 960, 160, 7, False, False, 7)] + [(960, 960, 160, 7, True, True, 7)] * 2 + [
    (960, 1280, 208, 7, True, True, 7)]


def _mobilenext_hand():
    w = 3 * 32 * 9
    bn = 32
    macs = w * 112 * 112
    for cin, cout, hid, hi, dw_in, dw_out, ho in MNEXT_BLOCKS:
        if dw_in:
            w += 9 * cin
            bn += cin
            macs += 9 * cin * hi * hi
        w += cin * hid + hid * cout
        bn += hid + cout
        macs += (cin * hid + hid * cout) * hi * hi
        if dw_out:
            w += 9 * cout
            bn += cout
            macs += 9 * cout * ho * ho
    fc_w, fc_b = 1280 * 1000, 1000
    return w + 2 * bn + fc_w + fc_b, macs + fc_w


def test_mobilenext_hand_numbers():
    from zennas.costs import compute_costs
    from zennas.zoo import get_zoo_entry

    params, macs = _mobilenext_hand()
    # the hand sums written out: 3,535,416 parameters (incl. BN affine and the 1280->1000 FC),
    # 311,342,592 conv+FC multiply-accumulates at 224x224
    assert (params, macs) == (3_535_416, 311_342_592)
    e = get_zoo_entry("mobilenext_1.0_res224")
    c = compute_costs(e.structure, 224, 1000)
    assert (c.exact_params, c.exact_macs) == (params, macs)
    assert e.top1 == 74.02
    assert len(MNEXT_BLOCKS) == 1 + 1 + 3 + 3 + 4 + 4 + 3 + 1


def test_mobilenext_forward():
    from zennas.zoo import build_zoo_model

    m = build_zoo_model("mobilenext_1.0_res224").eval()
    assert numel(m) == 3_535_416
    # stem + one after the second pointwise conv of each of the 20 blocks + one after the first DW of the 15
    # blocks that have it
    assert sum(isinstance(x, nn.ReLU6) for x in m.modules()) == 1 + 20 + 15
    with torch.no_grad():
        assert m(torch.randn(1, 3, 224, 224)).shape == (1, 1000)
