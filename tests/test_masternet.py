"""MasterNet: forward paths, ZEN state-dict naming, flags, stage features, custom init."""

from __future__ import annotations

import torch

import Masternet
from zennas.costs import compute_costs
from zennas.masternet import MasterNet, build_model
from zennas.modules import ResidualBlock

S = "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,2,8,1)SuperResK1K3K1(16,24,2,8,1)SuperConvK1BNRELU(24,32,1,1)"


def test_forward_shapes_and_legacy_entry_point():
    m = Masternet.build_model(S, num_classes=10)
    assert isinstance(m, MasterNet)
    x = torch.randn(2, 3, 32, 32)
    assert m(x).shape == (2, 10)
    assert m.forward_pre_GAP(x).shape == (2, 32, 8, 8)
    assert str(m) == S


def test_state_dict_follows_zen_naming():
    keys = set(build_model(S, 10).state_dict())
    assert "module_list.0.module_list.0.netblock.weight" in keys  # stem conv
    assert "module_list.0.module_list.1.netblock.running_var" in keys  # stem BN
    assert "module_list.1.module_list.0.proj.0.weight" in keys  # ResBlockProj projection conv
    assert "module_list.1.module_list.0.proj.0.bias" in keys
    assert "module_list.1.module_list.0.proj.1.weight" in keys  # projection BN
    assert "fc_linear.netblock.weight" in keys and "fc_linear.netblock.bias" in keys
    se_keys = set(build_model(S, 10, use_se=True).state_dict())
    assert any(k.endswith("netblock.1.weight") for k in se_keys)  # SE: pool, conv, BN, ReLU, conv, BN, sigmoid


def test_flags_change_the_module_like_the_costs():
    for flags in ({}, {"no_reslink": True}, {"use_se": True}, {"no_BN": True}):
        m = build_model(S, 10, **flags)
        assert sum(p.numel() for p in m.parameters()) == compute_costs(S, 32, 10, **flags).exact_params
    plain = build_model(S, 10, no_reslink=True)
    assert not any(isinstance(mod, ResidualBlock) for mod in plain.modules())
    # no_BN drops every BN of the super blocks; only projection BNs remain (as in ZEN)
    nobn = build_model(S, 10, no_BN=True)
    assert all(".proj.1" in n for n, mod in nobn.named_modules() if isinstance(mod, torch.nn.BatchNorm2d))
    assert not any(isinstance(mod, torch.nn.BatchNorm2d) for mod in build_model(S, 10, no_BN=True, no_reslink=True).modules())
    assert all(mod.eps == 1e-3 for mod in build_model(S, 10).modules() if isinstance(mod, torch.nn.BatchNorm2d))
    assert any(isinstance(mod, torch.nn.ReLU) for mod in plain.modules())  # hookable ReLU modules


def test_stage_features_and_split():
    m = build_model(S, 10)
    feats, logit = m.extract_stage_features_and_logit(torch.randn(1, 3, 32, 32), target_downsample_ratio=2)
    assert [f.shape[-1] for f in feats] == [16, 8]
    assert logit.shape == (1, 10)
    assert build_model("SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,2,8,7)", 10).split(6) == (
        "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,2,8,3)SuperResK3K3(16,16,1,8,4)")


def test_custom_init_zeroes_last_bn_of_residual_branches():
    m = build_model(S, 10)
    m.init_parameters()
    res = [mod for mod in m.modules() if isinstance(mod, ResidualBlock)]
    assert res
    for r in res:
        bns = [sub.netblock for sub in r.module_list if hasattr(sub, "netblock")
               and isinstance(sub.netblock, torch.nn.BatchNorm2d)]
        assert torch.all(bns[-1].weight == 0) and torch.all(bns[0].weight == 1)
