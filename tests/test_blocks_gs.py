"""GS (ghost-shuffle) family: PlainNet/gs_blocks.py + PlainNet/AABC_Block.py (ZENNAS_SPEC §9.5, §9.6).

Hand derivations use the spec's formulas (§2.2 zen conventions, §9.5 GS module, §9.6 MAC), not the code.
"""

import pytest
import torch

import PlainNet
from tests.conftest import check_block_example, numel
from zennas.block import Options
from zennas.structure import parse, parse_block, to_str

GS_NAMES = ["SuperGSConvK1", "SuperGSConvK3", "SuperResGSK3", "SuperResGSK5", "SuperResGSK7"]
BASIC = ["GSModule", "ChannelShuffle", "Identity"]


def test_load_module_returns_gs_super_blocks():
    assert PlainNet.load_module("PlainNet/AABC_Block.py") == GS_NAMES


@pytest.mark.parametrize("name", GS_NAMES + BASIC)
@pytest.mark.parametrize("opts", [Options(), Options(no_reslink=True), Options(no_BN=True),
                                  Options(use_se=True), Options().evolve(use_ge="theta:2")])
def test_roundtrip_forward_numel(name, opts):
    b, _, c, _ = check_block_example(name, opts)
    assert str(b) == PlainNet.BLOCKS.get(name).EXAMPLE
    assert c.mac > 0 or name == "Identity"


def test_gs_module_hand_costs():
    # GSModule(8,16,3,2,5,1) at H=16: m = ceil(16/2) = 8, Ho = 8
    c = parse_block("GSModule(8,16,3,2,5,1)").cost(16)
    # zen: C_in*m*k^2*Ho^2 + m*Ho^2 + m*d^2*Ho^2 + m*Ho^2
    assert c.flops == 8 * 8 * 9 * 64 + 8 * 64 + 8 * 25 * 64 + 8 * 64 == 50688
    assert c.params == 8 * 8 * 9 + 8 + 8 * 25 + 8 == 792
    # exact: MACs = Ho^2*m*(C_in*k^2 + d^2); params = m*(C_in*k^2 + d^2) + 4m
    assert c.exact_macs == 64 * 8 * (8 * 9 + 25) == 49664
    assert c.exact_params == 8 * (8 * 9 + 25) + 4 * 8 == 808
    # MAC: conv (in*H^2 + out*Ho^2 + w) + dw (m*Ho^2 + m*Ho^2 + m*d^2) + concat 0 + shuffle 2*C*Ho^2
    assert c.mac == (8 * 256 + 8 * 64 + 576) + (8 * 64 + 8 * 64 + 200) + 0 + 2 * 16 * 64 == 6408
    fused = parse_block("GSModule(8,16,3,2,5,1)").cost(16, Options().evolve(fuse_shuffle=True))
    assert fused.mac == 6408 - 2048


def test_super_res_gs_hand_costs():
    # SuperResGSK3(8,16,2,8,1) at H=16, zen mode: two units, first in ResBlockProj.
    b = parse_block("SuperResGSK3(8,16,2,8,1)")
    # params  unit A: GSM(8->8,k1): m=4: 8*4+4+4*25+4 = 140; DW(8,k3) 72; BN 8; GSM(8->16): m=8: 64+8+200+8 = 280;
    #         projection 8*16+16 = 144            -> 644
    #         unit B: GSM(16->8): 64+4+100+4 = 172; DW 72; BN 8; GSM(8->16) 280 -> 532
    assert b.cost(16).params == 644 + 532
    # FLOPs   unit A: GSM1 at 16: 8*4*256 + 4*256 + 4*25*256 + 4*256 = 35840; DW s2: 8*9*256//4 = 4608;
    #         BN(8) at 8: 512; GSM2 at 8: 8*8*64 + 8*64 + 8*25*64 + 8*64 = 17920; proj (8*16+16)*(8/2)^2 = 2304
    #         unit B at 8: GSM(16->8): 16*4*64 + 4*64 + 4*25*64 + 4*64 = 11008; DW 4608; BN 512; GSM2 17920
    assert b.cost(16).flops == (35840 + 4608 + 512 + 17920 + 2304) + (11008 + 4608 + 512 + 17920)
    assert b.cost(16, Options(no_reslink=True)).params == 644 + 532 - 144
    assert b.num_layers() == 1


def test_channel_shuffle_semantics():
    b = parse_block("GSModule(4,6,1,1,5,0)")
    m = b.build(Options()).eval()
    shuffle = m.module_list[-1]
    a, c = torch.arange(3.0).view(1, 3, 1, 1), 10 + torch.arange(3.0).view(1, 3, 1, 1)
    y = shuffle(torch.cat([a, c], 1)).flatten().tolist()
    assert y == [0.0, 10.0, 1.0, 11.0, 2.0, 12.0]  # channel 2j = primary j, 2j+1 = cheap j
    odd = parse_block("ChannelShuffle(6,2,5)").build(Options())
    assert odd(torch.cat([a, c], 1)).flatten().tolist() == [0.0, 10.0, 1.0, 11.0, 2.0]


def test_split_and_rechain():
    b = parse_block("SuperResGSK5(16,32,2,16,7)")
    assert to_str(b.split(6)) == "SuperResGSK5(16,32,2,16,3)SuperResGSK5(32,32,1,16,4)"
    assert str(b.with_in_channels(24)) == "SuperResGSK5(24,32,2,16,7)"


def test_gs_network_costs_and_forward():
    from zennas.costs import compute_costs
    from zennas.masternet import MasterNet

    s = "SuperGSConvK3(3,16,2,1)SuperResGSK3(16,32,2,16,1)SuperResGSK7(32,64,2,16,2)SuperConvK1BNRELU(64,128,1,1)"
    c = compute_costs(s, 32, 10)
    net = MasterNet(s, 10).eval()
    assert numel(net) == c.exact_params
    assert c.layers == 5 and c.mac > 0
    assert net(torch.randn(1, 3, 32, 32)).shape == (1, 10)
    assert to_str(parse(s)) == s


def test_gs_search_respects_mac_budget(tmp_path):
    import zennas.search as search
    import zennas.search.evolution as evo
    from zennas.search.config import SearchConfig
    budget_mac, budget_params, budget_flops = 400_000, 60_000, 6e6
    cfg = SearchConfig(zero_shot_score="Params", search_space="adlik",
                       search_space_list=["PlainNet/AABC_Block.py"],
                       plainnet_struct="SuperGSConvK3(3,8,2,1)SuperResGSK3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)",
                       budget_mac=budget_mac, budget_model_size=budget_params, budget_flops=budget_flops, max_layers=10,
                       evolution_max_iter=60, population_size=16, input_image_size=32, num_classes=10,
                       batch_size=2, device="cpu")
    result = evo.EvolutionSearch(cfg).run(tmp_path / "search")
    from zennas.costs import compute_costs

    structures = [m["structure"] for m in result.population]
    assert result.best_structure and structures
    assert result.iterations > 0
    for s in structures:
        c = compute_costs(s, 32, 10)
        assert c.mac <= budget_mac and c.params <= budget_params and c.flops <= budget_flops and c.layers <= 10
    assert search is not None
