"""The newer proxies (ZiCo, MeCo, SWAP, AZ-NAS, jacob_cov, SNIP): values computed by hand on tiny nets.

Expected values come from the papers' formulas evaluated here in closed form / NumPy, never from the
code under test. The parametrized tests in test_proxies.py cover the shared contract (finite scores,
seeding, hooks and modes restored, global RNG untouched, torchvision ResNet-18, structure strings).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

import zennas.proxies as ZP
from zennas.proxies.swap import count_patterns, pattern_codes
from zennas.spaces.nb201 import arch_to_ops, ops_to_structure

NEW = ["ZiCo", "MeCo", "SWAP", "AZ-NAS", "jacob_cov", "SNIP"]
BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"
TINY201 = ops_to_structure(arch_to_ops(BEST), C=4, N=5)  # the NB201 skeleton at width 4 (fast)


def test_registered_with_metadata():
    for name in NEW:
        info = ZP.get_proxy(name).info
        assert info.higher_is_better and info.formula and info.scale in ("log", "linear")
    assert ZP.get_proxy("zico").info.needs_labels and ZP.get_proxy("SNIP").info.needs_labels
    assert not ZP.get_proxy("AZ-NAS").info.needs_data and not ZP.get_proxy("MeCo").info.needs_backward
    assert ZP.get_proxy("swap").info.default_batch_size == 16 and ZP.get_proxy("MeCo").info.default_batch_size == 1


def _linear_net(w: np.ndarray) -> nn.Module:
    net = nn.Sequential(nn.Flatten(), nn.Linear(w.shape[1], w.shape[0], bias=False))
    with torch.no_grad():
        net[1].weight.copy_(torch.tensor(w, dtype=torch.float32))
    return net


def _ce_grad(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """d mean-CE / dW of logits = x W^T: (softmax - onehot)^T x / N."""
    z = x @ w.T
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p.T @ x / len(y)


def _batches(rng, n=5, k=3):
    out = []
    for _ in range(2):
        x = rng.normal(size=(n, 3, 2, 2)).astype(np.float32)
        out.append((torch.tensor(x), torch.tensor(rng.integers(0, k, n))))
    return out


def test_zico_hand_computed():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 12))
    data = _batches(rng)
    g = np.stack([_ce_grad(w, x.reshape(5, -1).numpy().astype(np.float64), y.numpy()) for x, y in data]).reshape(2, -1)
    std, mean_abs = g.std(0), np.abs(g).mean(0)
    expected = math.log(float((mean_abs[std > 0] / std[std > 0]).sum()))
    r = ZP.compute_proxy("ZiCo", _linear_net(w), resolution=2, batch_size=5, num_classes=3, seed=0, dataloader=data)
    assert r.ok, r.error
    assert r.score == pytest.approx(expected, rel=1e-4) and r.extra["layers"] == 1
    assert r.extra["data"] == "list"  # a plain list of batches carries no description
    one = ZP.compute_proxy("ZiCo", _linear_net(w), resolution=2, batch_size=5, num_classes=3, seed=0,
                           dataloader=data[:1])
    assert not one.ok and "needs 2" in one.error


def test_snip_hand_computed():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, 12))
    data = _batches(rng)[:1]
    x, y = data[0]
    expected = float(np.abs(w * _ce_grad(w, x.reshape(5, -1).numpy().astype(np.float64), y.numpy())).sum())
    r = ZP.compute_proxy("SNIP", _linear_net(w), resolution=2, batch_size=5, num_classes=3, seed=0, dataloader=data)
    assert r.ok and r.score == pytest.approx(expected, rel=1e-4)
    lg = ZP.compute_proxy("SNIP", _linear_net(w), resolution=2, batch_size=5, num_classes=3, seed=0,
                          dataloader=data, log=True)
    assert lg.score == pytest.approx(math.log(expected), rel=1e-5)


def test_jacob_cov_hand_computed():
    # a linear net: every sample's input Jacobian is the weight row, so the correlation matrix is all
    # ones: eigenvalues N and N-1 zeros -> -(log(N+k) + 1/(N+k)) - (N-1)(log k + 1/k)
    n, k = 6, 1e-5
    w = np.random.default_rng(2).normal(size=(1, 12))
    x = torch.randn(n, 3, 2, 2, generator=torch.Generator().manual_seed(0))
    expected = -(math.log(n + k) + 1 / (n + k)) - (n - 1) * (math.log(k) + 1 / k)
    r = ZP.compute_proxy("jacob_cov", _linear_net(w), resolution=2, batch_size=n, num_classes=1, seed=0,
                         dataloader=[(x, torch.zeros(n, dtype=torch.long))])
    assert r.ok and r.score == pytest.approx(expected, rel=1e-6)


def _conv_net(*weights: np.ndarray, relu: bool = False) -> nn.Module:
    layers: list[nn.Module] = []
    for w in weights:
        conv = nn.Conv2d(w.shape[1], w.shape[0], 1, bias=False)
        with torch.no_grad():
            conv.weight.copy_(torch.tensor(w, dtype=torch.float32).view(*w.shape, 1, 1))
        layers.append(conv)
    if relu:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def test_meco_hand_computed():
    # identity 1x1 conv: the feature is the input; channels [1,2,3,4] and [1,3,2,4] have Pearson r = 0.8,
    # so the 2x2 correlation matrix has eigenvalues 1.8 and 0.2. The Sequential returns the conv's own
    # tensor: counted once.
    x = torch.tensor([[1.0, 2, 3, 4], [1, 3, 2, 4]]).view(1, 2, 1, 4)
    r = ZP.compute_proxy("MeCo", _conv_net(np.eye(2)), resolution=4, num_classes=2, seed=0,
                         dataloader=[(x, torch.zeros(1, dtype=torch.long))])
    assert r.ok and r.score == pytest.approx(0.2, abs=1e-6) and r.extra["layers"] == 1
    # two stacked layers, the second swaps the channels (same correlation): 0.4
    r2 = ZP.compute_proxy("MeCo", _conv_net(np.eye(2), np.eye(2)[::-1].copy()), resolution=4, num_classes=2, seed=0,
                          dataloader=[(x, torch.zeros(1, dtype=torch.long))])
    assert r2.score == pytest.approx(0.4, abs=1e-6) and r2.extra["layers"] == 2


def test_swap_hand_computed_and_regularised():
    # ReLU on the input itself (1x1 conv weight 1); 3 samples x 4 units. Unit patterns over the samples:
    # (1,1,0), (1,1,0), (0,1,0), (0,0,0) -> 3 distinct
    x = torch.tensor([[1.0, 1, -1, -1], [1, 1, 1, -1], [-1, -1, -1, -1]]).view(3, 1, 1, 4)
    net = _conv_net(np.ones((1, 1)), relu=True)
    kw = dict(resolution=4, batch_size=3, num_classes=1, seed=0, init="none",
              dataloader=[(x, torch.zeros(3, dtype=torch.long))])
    r = ZP.compute_proxy("SWAP", net, **kw)
    assert r.ok and r.extra["swap"] == 3 and r.score == pytest.approx(math.log(3)) and not r.extra["saturated"]
    reg = ZP.compute_proxy("SWAP", net, mu=2.0, sigma=4.0, **kw)  # 1 parameter = 0.001 thousand
    assert reg.score == pytest.approx(math.log(3) - (0.001 - 2.0) ** 2 / 4.0)
    assert reg.extra["log_regulariser"] == pytest.approx(-(0.001 - 2.0) ** 2 / 4.0)


def test_swap_pattern_codes_beyond_63_samples():
    rng = np.random.default_rng(0)
    active = rng.random((100, 500)) < 0.5
    active[:, 1] = active[:, 0]  # a duplicate unit
    expected = len({tuple(col) for col in active.T})
    assert count_patterns([pattern_codes(torch.tensor(active))]) == expected == 499
    small = torch.tensor(active[:5])
    assert count_patterns([pattern_codes(small)]) == len({tuple(c) for c in active[:5].T}) == 32


def test_aznas_expressivity_progressivity_complexity_by_hand():
    # two identity-like 1x1 convs (W1 = I, W2 = 2I); features = the two conv outputs (generic module).
    # channel 0 = [1,-1,1,-1], channel 1 = [2,2,-2,-2]: covariance diag(1, 4) -> p = (0.2, 0.8) for both
    x = torch.tensor([[1.0, -1, 1, -1], [2, 2, -2, -2]]).view(1, 2, 1, 4)
    h = -(0.2 * math.log(0.2) + 0.8 * math.log(0.8))
    r = ZP.compute_proxy("AZ-NAS", _conv_net(np.eye(2), 2 * np.eye(2)), resolution=4, batch_size=1, num_classes=2,
                         seed=0, init="none", dataloader=[(x, torch.zeros(1, dtype=torch.long))])
    assert r.ok, r.error
    assert r.score == pytest.approx(2 * h) == r.extra["expressivity"]
    assert r.extra["progressivity"] == pytest.approx(0.0, abs=1e-12)
    assert r.extra["complexity"] == 2 * (2 * 2 * 4)  # two 1x1 convs 2 -> 2 on a 1 x 4 map


def test_aznas_trainability_by_hand():
    # 1 channel: f2 = 3 f1, so g_in = 3 g_out and M = 3 * mean(g^2) = 3 for a +-1 cotangent: sigma = 3
    net = _conv_net(np.ones((1, 1)), 3 * np.ones((1, 1)))
    dl = [(torch.randn(2, 1, 4, 4, generator=torch.Generator().manual_seed(0)), torch.zeros(2, dtype=torch.long))]
    r = ZP.compute_proxy("AZ-NAS", net, resolution=4, batch_size=2, num_classes=1, seed=0, init="none",
                         component="trainability", dataloader=dl)
    assert r.ok and r.score == pytest.approx(-3 - 1 / 3 + 2, rel=1e-5) and r.extra["pairs"] == 1
    ident = ZP.compute_proxy("AZ-NAS", _conv_net(np.ones((1, 1)), np.ones((1, 1))), resolution=4, batch_size=2,
                             num_classes=1, seed=0, init="none", dataloader=dl)
    assert ident.ok and ident.extra["trainability"] == float("-inf")  # identity Jacobian, as the authors
    bad = ZP.compute_proxy("AZ-NAS", net, resolution=4, num_classes=1, seed=0, component="nope", dataloader=dl)
    assert not bad.ok and "component" in bad.error


def test_aznas_feature_points_on_nb201():
    r = ZP.compute_proxy("AZ-NAS", TINY201, resolution=16, batch_size=4, num_classes=10, seed=0,
                         no_reslink=False)
    assert r.ok and r.extra["features"] == 18 and r.extra["pairs"] == 17  # stem + 15 cells + 2 reductions
    assert r.extra["feature_points"] == "MasterNet primary blocks" and r.extra["complexity"] > 0


def test_aznas_dead_cell_ranks_lowest_instead_of_failing():
    dead = ops_to_structure((0,) * 6, C=4, N=5)  # no input -> output path: every cell outputs zeros
    kw = dict(resolution=16, batch_size=4, num_classes=10, seed=0, no_reslink=False)
    d, a = ZP.compute_proxy("AZ-NAS", dead, **kw), ZP.compute_proxy("AZ-NAS", TINY201, **kw)
    assert d.ok and a.ok, (d.error, a.error)
    for comp in ("expressivity", "trainability"):
        assert d.extra[comp] < a.extra[comp]
    assert d.extra["trainability"] < -1e4 and d.extra["entropies"][-1] == 0.0


@pytest.mark.parametrize("name", NEW)
def test_data_source_recorded(name):
    from zennas.data.proxy import digits_batches

    dl = digits_batches(resolution=16, batch_size=8, num_batches=2)
    r = ZP.compute_proxy(name, TINY201, resolution=16, batch_size=8, num_classes=10, seed=0,
                         no_reslink=False, dataloader=dl)
    assert r.ok, r.error
    assert "offline fallback" in r.extra["data"] and dl.iterations >= 1
    g = ZP.compute_proxy(name, TINY201, resolution=16, batch_size=8, num_classes=10, seed=0,
                         no_reslink=False)
    assert g.extra["data"] == "gaussian N(0,1)"
