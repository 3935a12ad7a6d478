"""GENet (GPU-Efficient Networks) dialect (zennas/genet.py) and zoo (zennas/zoo/genet.py).

Reference figures (ZEN-formula params/FLOPs/layers and PyTorch numel of the three published GENet
structures of idstcv/GPU-Efficient-Networks) are copied from the project's shared zoo reference table.
"""

import pytest
import torch

from zennas.block import Options
from zennas.costs import compute_costs
from zennas.genet import GENET_BLOCKS, parse_genet
from zennas.structure import StructureParseError, to_str
from zennas.zoo import build_zoo_model, get_zoo_entry

REFERENCE = {  # name: (resolution, zen params, zen FLOPs, layers, torch numel)
    "GENet_large": (256, 31025985, 4565037056, 20, 31078280),
    "GENet_normal": (192, 21108545, 2211925504, 16, 21142920),
    "GENet_small": (192, 8155485, 549171840, 16, 8173761),
}


def numel(m):
    return sum(p.numel() for p in m.parameters())


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reference_costs(name):
    res, params, flops, layers, torch_params = REFERENCE[name]
    e = get_zoo_entry(name)
    assert e.resolution == res and e.dialect == "genet"
    c = compute_costs(parse_genet(e.structure), res, 1000)
    assert (c.params, c.flops, c.layers, c.exact_params) == (params, flops, layers, torch_params)


@pytest.mark.parametrize("name", ["genet_gpu_large", "genet_gpu_normal", "genet_gpu_light"])
def test_zoo_build_numel(name):
    e = get_zoo_entry(name)
    m = build_zoo_model(name)
    ref = {"genet_gpu_large": "GENet_large", "genet_gpu_normal": "GENet_normal", "genet_gpu_light": "GENet_small"}
    assert numel(m) == REFERENCE[ref[name]][4]
    assert get_zoo_entry(ref[name]) is e


def test_light_forward_and_state_dict_layout():
    m = build_zoo_model("genet_gpu_light").eval()
    keys = list(m.state_dict())
    assert "module_list.0.netblock.weight" in keys
    assert "module_list.3.conv_list.0.0.weight" in keys and "module_list.3.shortcut_list.0.0.weight" in keys
    with torch.no_grad():
        assert m(torch.randn(1, 3, 192, 192)).shape == (1, 1000)
    # a checkpoint in GENet's own layout (fc_linear.weight, DataParallel prefix, state_dict wrapper) loads
    sd = {("module." + k.replace("fc_linear.netblock.", "fc_linear.")): v for k, v in m.state_dict().items()}
    m2 = build_zoo_model("genet_gpu_light")
    m2.load_state_dict({k[7:]: v for k, v in sd.items()})


def test_dialect_parse_roundtrip_and_floats():
    s = "SuperResK1KXK1(lab|48,384,3,2,0.25,7)SuperResK1DW(384,384,5,1,1.0,1)"
    blocks = parse_genet(s)
    assert to_str(blocks) == "SuperResK1KXK1(48,384,3,2,0.25,7)SuperResK1DW(384,384,5,1,1.0,1)"
    assert blocks[0].arg("expansion") == 0.25 and blocks[0].num_layers() == 7
    with pytest.raises(StructureParseError):
        parse_genet("SuperResK1DW(8,8,3,1,2.0,1)")  # expansion must be 1
    with pytest.raises(StructureParseError):
        parse_genet("SuperResK3K3(8,8,1,8,1)")  # ZEN-only name
    assert "ResBlock" in GENET_BLOCKS and "SuperResKXKX" in GENET_BLOCKS


def test_unit_hand_costs():
    # SuperResK1DWK1(8,16,3,2,3.0,1) at H=16: M = round(16*3) = 48, one unit with a 1x1 s2 shortcut.
    b = parse_genet("SuperResK1DWK1(8,16,3,2,3.0,1)")[0]
    c = b.cost(16)
    # FLOPs: 1x1 8*48*256 + BN 48*256 + DW 48*9*256/4 + BN 48*64 + 1x1 48*16*64 + BN 16*64
    #        + shortcut ConvKX(8,16,1,2) 8*16*256/4 + BN 16*64
    assert c.flops == 98304 + 12288 + 27648 + 3072 + 49152 + 1024 + 8192 + 1024 == 200704
    assert c.params == 384 + 48 + 432 + 48 + 768 + 16 + 128 + 16 == 1840
    assert c.exact_params == 384 + 432 + 768 + 128 + 2 * (48 + 48 + 16 + 16) == 1968
    assert c.mac > 0


@pytest.mark.parametrize("tok", ["SuperResKXKX(8,16,3,2,1.0,2)", "SuperResK1KX(8,16,3,2,0.5,2)",
                                 "SuperResK1KXK1(8,16,3,2,0.25,2)", "SuperResK1DWK1(8,16,3,2,3.0,2)",
                                 "SuperResK1DW(8,16,3,2,1.0,2)", "ResBlock(16,2,ConvKX(16,16,3,2)BN(16))"])
@pytest.mark.parametrize("opts", [Options(), Options(no_reslink=True), Options(no_BN=True)])
def test_blocks_forward_numel(tok, opts):
    b = parse_genet(tok)[0]
    assert str(b) == tok
    m = b.build(opts).eval()
    assert numel(m) == b.cost(16, opts).exact_params
    with torch.no_grad():
        y = m(torch.randn(2, b.in_channels, 16, 16))
    assert y.shape == (2, b.out_channels, b.out_res_exact(16), b.out_res_exact(16))


def test_genet_resblock_avgpool_shortcut():
    b = parse_genet("ResBlock(4,2,ConvKX(4,4,3,2))")[0]
    m = b.build(Options()).eval()
    x = torch.randn(1, 4, 8, 8)
    body = m.module_list[0](x)
    ref = body + torch.nn.functional.avg_pool2d(x, 3, 2, 1)
    assert torch.allclose(m(x), ref)
