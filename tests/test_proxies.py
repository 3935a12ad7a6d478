"""Zero-shot proxies: registry, formulas checked by hand, state hygiene, failure policy, CLI, calibration.

CPU only, tiny nets. Parametrized over the registry, so a new proxy file is tested automatically.
"""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest
import torch
from torch import nn

import zennas.proxies as ZP
from tests.conftest import SHARED
from zennas.proxies import PROXIES, ProxyInfo, count_macs, list_proxies, register_proxy, spearman

ALL = [cls.info.name for cls in list_proxies()]
SMALL = [  # small CIFAR-like structures (hand-written, XXBL-style)
    "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)",
    "SuperConvK3BNRELU(3,8,1,1)SuperResK1K3K1(8,16,2,8,1)SuperResK3K3(16,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)",
]
FAST = dict(resolution=16, batch_size=8, num_classes=10)


class TinyNet(nn.Module):
    """A plain conv net with BN, nn.ReLU modules and forward_pre_GAP (a stand-in MasterNet)."""

    def __init__(self, width: int = 8, depth: int = 2) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c = 3
        for _ in range(depth):
            layers += [nn.Conv2d(c, width, 3, padding=1, bias=False), nn.BatchNorm2d(width, eps=1e-3), nn.ReLU()]
            c = width
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(width, 10)

    def forward_pre_GAP(self, x):
        return self.body(x)

    def forward(self, x):
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(self.body(x), 1), 1))


def _masternet():
    import zennas.masternet

    return zennas.masternet


# ----------------------------------------------------------------------------- registry
def test_original_names_case_insensitive():
    for name in ["Zen", "GradNorm", "NASWOT", "Syncflow", "TE-NAS", "Flops", "Params", "Random",
                 "zen", "GRADNORM", "naswot", "syncflow", "SynFlow", "te-nas", "flops", "params", "random"]:
        assert name in PROXIES, name
    assert PROXIES.get("Syncflow") is PROXIES.get("SynFlow")
    # the built-ins are registered (plug-in proxies may add more)
    assert {"Zen", "GradNorm", "NASWOT", "SynFlow", "TE-NAS", "FLOPs", "Params", "Random"} <= set(ALL)


@pytest.mark.parametrize("name", ALL)
def test_metadata(name):
    info = PROXIES.get(name).info
    assert isinstance(info, ProxyInfo) and info.higher_is_better
    assert info.scale in ("log", "linear") and info.formula and info.bn_mode in ("train", "n/a")


# ----------------------------------------------------------------------------- every proxy scores
@pytest.mark.parametrize("name", ALL)
def test_finite_on_tiny_module_and_deterministic(name):
    info = PROXIES.get(name).info
    net = TinyNet()
    a = ZP.compute_proxy(name, net, seed=3, **FAST)
    b = ZP.compute_proxy(name, net, seed=3, **FAST)
    assert a.ok and math.isfinite(a.score), a.error
    assert a.score == b.score and a.seed == 3
    if info.stochastic and not a.extra.get("saturated"):  # SWAP at its 2^N pattern ceiling is constant
        c = ZP.compute_proxy(name, net, seed=4, **FAST)
        assert c.score != a.score


#: the rank ensemble's default eight components take ~45 s on a ResNet-18 at 32 px on 2 cores: the tests on
#: bigger networks give it cheap ones (its defaults run on TinyNet above; tests/test_search_ensemble.py)
OPTS = {"Ensemble": {"components": "Params,NASWOT,SynFlow"}}


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("structure", SMALL)
def test_finite_on_structures(name, structure):
    _masternet()
    r = ZP.compute_proxy(name, structure, **FAST, seed=0, **OPTS.get(name, {}))
    assert r.ok and math.isfinite(r.score), r.error


@pytest.mark.parametrize("name", ALL)
def test_torchvision_resnet18(name):
    import torchvision as tv
    net = tv.models.resnet18(num_classes=10)
    r = ZP.compute_proxy(name, net, resolution=32, batch_size=4, num_classes=10, seed=0, **OPTS.get(name, {}))
    assert r.ok and math.isfinite(r.score), r.error


@pytest.mark.parametrize("name", ALL)
def test_state_restored_and_no_global_rng_change(name):
    net = TinyNet()
    net.body[1].eval()  # a mixed-mode module
    net.fc.weight.requires_grad_(False)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    states = (torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate())
    r = ZP.compute_proxy(name, net, seed=1, **FAST)  # default: works on a copy
    assert r.ok, r.error
    assert torch.equal(states[0], torch.get_rng_state())
    assert np.array_equal(states[1], np.random.get_state()[1]) and states[2] == random.getstate()
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    # in place: weights may change (documented) but modes, requires_grad and hooks are restored
    ZP.compute_proxy(name, net, seed=1, inplace=True, **FAST)
    assert net.training and not net.body[1].training and net.body[0].training
    assert net.fc.weight.requires_grad is False and net.body[0].weight.requires_grad
    for m in net.modules():
        assert not m._forward_hooks and not m._forward_pre_hooks and not m._backward_hooks
    assert torch.equal(states[0], torch.get_rng_state())


# ----------------------------------------------------------------------------- formulas by hand
def test_synflow_hand_computed():
    # conv1x1 3->2 (w1), linear 2->1 (w2), all-ones 1x3x1x1 input, no BN:
    # R = sum_o |w2_o| sum_c |w1_oc|; dR/dw1_oc = |w2_o|, dR/dw2_o = sum_c |w1_oc|.
    # w1 = [[1,-2,3],[.5,.5,-1]], w2 = [[2,-1]]:
    # layer1: o=0: (1+2+3)*2 = 12, o=1: (.5+.5+1)*1 = 2 -> mean 7; layer2: 2*6 + 1*2 = 14 -> S = 21
    net = nn.Sequential(nn.Conv2d(3, 2, 1, bias=False), nn.Flatten(), nn.Linear(2, 1, bias=False))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, -2.0, 3.0], [0.5, 0.5, -1.0]]).view(2, 3, 1, 1))
        net[2].weight.copy_(torch.tensor([[2.0, -1.0]]))
    r = ZP.compute_proxy("SynFlow", net, resolution=1, num_classes=1, seed=0, init="none")
    assert r.ok, r.error
    assert r.extra["S"] == pytest.approx(21.0) and r.score == pytest.approx(math.log(21.0))
    raw = ZP.compute_proxy("Syncflow", net, resolution=1, num_classes=1, seed=0, init="none", log=False, negate=True)
    assert raw.score == pytest.approx(-21.0)  # the original's return value


def test_naswot_hand_computed():
    # conv1x1 with W = [[1,0,0],[0,1,0]] -> ReLU; 3 samples at 1x1 with fixed inputs
    net = nn.Sequential(nn.Conv2d(3, 2, 1, bias=False), nn.ReLU(), nn.Flatten(), nn.Linear(2, 2))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, 0, 0], [0, 1.0, 0]]).view(2, 3, 1, 1))
    x = torch.tensor([[1.0, 1.0, 0.0], [1.0, -1.0, 0.0], [-1.0, -1.0, 0.0]]).view(3, 3, 1, 1)
    codes = np.array([[1, 1], [1, 0], [0, 0]], dtype=float)  # sign of W x per sample
    k = codes @ codes.T + (1 - codes) @ (1 - codes).T  # [[2,1,0],[1,2,1],[0,1,2]], det 4
    expected = math.log(abs(np.linalg.det(k)))
    r = ZP.compute_proxy("NASWOT", net, resolution=1, batch_size=3, num_classes=2, seed=0, init="none",
                         dataloader=[(x, torch.zeros(3, dtype=torch.long))], dtype="float32")
    assert r.ok, r.error
    assert r.score == pytest.approx(expected) and expected == pytest.approx(math.log(4.0))
    assert r.extra["sign"] == 1.0


def test_zen_rises_with_width():
    _masternet()
    fam = ["SuperConvK3BNRELU(3,{0},1,1)SuperResK3K3({0},{1},2,{0},1)SuperConvK1BNRELU({1},{2},1,1)".format(
        8 * k, 16 * k, 32 * k) for k in (1, 2, 4)]
    scores = [ZP.compute_proxy("Zen", s, resolution=16, batch_size=16, num_classes=10, seed=0).score for s in fam]
    assert scores[0] < scores[1] < scores[2], scores


def test_zen_rises_with_depth():
    _masternet()
    fam = [f"SuperConvK3BNRELU(3,16,1,1)SuperResK3K3(16,16,2,16,{d})SuperConvK1BNRELU(16,32,1,1)" for d in (1, 2, 4)]
    scores = [ZP.compute_proxy("Zen", s, resolution=16, batch_size=16, num_classes=10, seed=0).score for s in fam]
    assert scores[0] < scores[1] < scores[2], scores


def test_zen_bn_modes():
    net = TinyNet()
    fresh = ZP.compute_proxy("Zen", net, seed=0, repeat=3, **FAST)
    carry = ZP.compute_proxy("Zen", net, seed=0, repeat=3, bn_stats="carry", **FAST)
    batch = ZP.compute_proxy("Zen", net, seed=0, bn_stats="batch", **FAST)
    assert fresh.ok and carry.ok and batch.ok
    assert len(fresh.extra["scores"]) == 3 and fresh.extra["std"] >= 0
    assert carry.extra["bn_term"][-1] > fresh.extra["bn_term"][-1]  # running_var drifts upward
    assert fresh.extra["scores"][0] == carry.extra["scores"][0]  # repeat 1 identical


@pytest.mark.parametrize("name,attr", [("Params", "params"), ("Flops", "flops")])
def test_params_flops_equal_core_costs(name, attr):
    import zennas.costs as costs
    s = SMALL[1]
    r = ZP.compute_proxy(name, s, resolution=32, num_classes=10)
    assert r.score == getattr(costs.compute_costs(s, 32, 10, no_reslink=True), attr)


def test_module_params_and_macs():
    net = TinyNet(width=4, depth=1)
    assert ZP.compute_proxy("Params", net, resolution=8).score == sum(p.numel() for p in net.parameters())
    assert count_macs(net, 8) == 8 * 8 * 4 * 3 * 9 + 4 * 10


def test_tenas_vectorised_equals_loop_and_ranks():
    from zennas.proxies.tenas import rank_combination

    net = TinyNet()
    a = ZP.compute_proxy("TE-NAS", net, seed=0, vectorize=True, **FAST)
    b = ZP.compute_proxy("TE-NAS", net, seed=0, vectorize=False, **FAST)
    assert a.ok and b.ok and a.score == pytest.approx(b.score, rel=1e-4)
    assert a.extra["linear_regions"] == 8 and a.score == -a.extra["kappa"]
    assert rank_combination([1.0, 3.0, 2.0], [5, 9, 1]) == [-3.0, -4.0, -5.0]


# ----------------------------------------------------------------------------- failure policy
class NaNNet(TinyNet):
    def forward_pre_GAP(self, x):
        return super().forward_pre_GAP(x) * float("nan")


def test_nan_and_exception_are_failures():
    r = ZP.compute_proxy("Zen", NaNNet(), seed=0, **FAST)
    assert not r.ok and math.isnan(r.score) and "non-finite" in r.error
    r = ZP.compute_proxy("Zen", nn.Linear(3, 3), seed=0, **FAST)
    assert not r.ok and r.error and math.isnan(r.score)
    r = ZP.compute_proxy("no-such-proxy", TinyNet(), seed=0, **FAST)
    assert not r.ok and "unknown proxy" in r.error


def test_oom_retry_with_split():
    calls = []

    class FakeOOM(ZP.Proxy):
        info = ProxyInfo(name="_FakeOOM", formula="test only")

        def compute(self, model, ctx):
            calls.append(ctx.split)
            if ctx.split < 4:
                raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
            return float(len(ctx.chunks(torch.zeros(ctx.batch_size)))), {}

    register_proxy(FakeOOM)
    try:
        r = ZP.compute_proxy("_fakeoom", TinyNet(), seed=0, **FAST)
    finally:
        PROXIES.unregister("_FakeOOM")
    assert r.ok and r.score == 4.0 and r.extra["split"] == 4 and calls == [1, 2, 4]


# ----------------------------------------------------------------------------- CLI
def test_cli_json_and_exit_code(capsys, tmp_path):
    _masternet()
    from zennas.cli.score import main

    f = tmp_path / "s.txt"
    f.write_text("\n".join(SMALL) + "\n")
    rc = main(["--plainnet_struct_txt", str(f), "--zero_shot_score", "syncflow", "--input_image_size", "16",
               "--num_classes", "10", "--seed", "0", "--json"])
    lines = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    assert rc == 0 and len(lines) == 2
    assert {"structure", "proxy", "score", "ok", "error", "seconds", "seed"} <= set(lines[0])
    assert lines[0]["proxy"] == "SynFlow" and lines[0]["seed"] == 0
    assert main(["--plainnet_struct", SMALL[0], "--zero_shot_score", "nope", "--input_image_size", "16"]) == 2  # usage
    assert "unknown proxy 'nope'" in capsys.readouterr().err


# ----------------------------------------------------------------------------- calibration
CALIB = SHARED / "reference" / "zennas_proxy_calibration.jsonl"


def test_calibration_against_original():
    """Our values vs the original implementation's (3 seeds each), batch 64 at 32x32.

    Tolerances, from the original's own seed-to-seed spread in the file: Zen |mean diff| <= 0.75
    (original seed std up to 0.46; scores 30..66), NASWOT <= 1.0 (std up to 0.64; scores ~700),
    GradNorm and SynFlow compared as log of the median over seeds within log(2.5) (their seed
    coefficients of variation reach 40% and 100%). Ranking over all 12: Spearman(Zen) >= 0.95.
    """
    if not CALIB.exists():
        pytest.skip("../shared/reference not present")
    _masternet()
    rows = [json.loads(x) for x in CALIB.read_text().splitlines() if x.strip()]
    ours_zen, orig_zen = [], []
    for i, row in enumerate(rows):
        orig = row["scores_by_seed"]
        kw = dict(resolution=32, batch_size=64, num_classes=10)
        z = [ZP.compute_proxy("Zen", row["structure"], seed=s, **kw).score for s in (0, 1)]
        ours_zen.append(float(np.mean(z)))
        orig_zen.append(float(np.mean(list(orig["Zen"].values()))))
        assert abs(ours_zen[-1] - orig_zen[-1]) <= 0.75, (i, ours_zen[-1], orig_zen[-1])
        if i % 4:  # the slower proxies on a subset
            continue
        nw = ZP.compute_proxy("NASWOT", row["structure"], seed=0, **kw)
        assert abs(nw.score - np.mean(list(orig["NASWOT"].values()))) <= 1.0
        gn = [ZP.compute_proxy("GradNorm", row["structure"], seed=s, **kw).score for s in (0, 1, 2)]
        assert abs(math.log(np.median(gn)) - math.log(np.median(list(orig["GradNorm"].values())))) <= math.log(2.5)
        sf = [ZP.compute_proxy("Syncflow", row["structure"], seed=s, **kw).extra["original_return"] for s in (0, 1, 2)]
        o = np.median(list(orig["Syncflow"].values()))
        assert abs(math.log(-np.median(sf)) - math.log(-o)) <= math.log(2.5)
    assert spearman(ours_zen, orig_zen) >= 0.95
