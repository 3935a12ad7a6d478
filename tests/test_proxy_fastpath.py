"""The Zen fast path and the CPU precision policy: the same quantity as the formula, the size rule, the
bf16 override, process-independent scores (seeded builds, memory reuse)."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

import zennas.proxies as ZP
from zennas.proxies.context import FAST_CL_MIN_MACS, ProxyContext, effective_precision
from zennas.search.evaluator import ScoringSpec, derive_seed, score_structure

SMALL = "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)"


class Plain(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6, eps=1e-3), nn.ReLU(),
                                  nn.Conv2d(6, 8, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(8, eps=1e-3),
                                  nn.ReLU())

    def forward_pre_GAP(self, x):
        return self.body(x)


@pytest.mark.parametrize("channels_last", [False, True])
def test_zen_is_the_formula(channels_last):
    """init='none' keeps the weights, so the only draws are the inner seed, x and eps (in this order):
    log mean_i ||f(x_i) - f(x_i + 0.01 eps_i)||_1 + sum_BN 0.5 log mean_c (0.81 + 0.09 v(x) + 0.1 v(x~))."""
    torch.manual_seed(0)
    net = Plain()
    g = torch.Generator().manual_seed(11)
    torch.randint(0, 2**31 - 1, (1,), generator=g)
    x = torch.randn(6, 3, 8, 8, generator=g)
    x2 = x + 0.01 * torch.randn(6, 3, 8, 8, generator=g)
    ref = Plain()
    ref.load_state_dict(net.state_dict())
    ref.train()
    with torch.no_grad():
        delta = (ref.forward_pre_GAP(x) - ref.forward_pre_GAP(x2)).abs().sum(dim=(1, 2, 3)).mean().item()
    bn = sum(0.5 * math.log(m.running_var.mean().item()) for m in ref.modules() if isinstance(m, nn.BatchNorm2d))
    r = ZP.compute_proxy("Zen", net, resolution=8, batch_size=6, seed=11, init="none", dtype="float32",
                         channels_last=channels_last)
    assert r.ok and r.score == pytest.approx(math.log(delta) + bn, rel=1e-5, abs=1e-5)
    assert r.extra["channels_last"] is channels_last


def ctx(**kw) -> ProxyContext:
    d = dict(resolution=32, batch_size=64, num_classes=10, device=torch.device("cpu"), generator=torch.Generator())
    d.update(kw)
    return ProxyContext(**d)


def test_precision_policy_by_capability_and_size():
    small, large = FAST_CL_MIN_MACS / 64 / 2, FAST_CL_MIN_MACS / 64 * 2
    assert effective_precision(ctx(native_bf16=True, macs=small), "fast") == (torch.bfloat16, False)
    assert effective_precision(ctx(native_bf16=True, macs=large), "fast") == (torch.bfloat16, True)
    assert effective_precision(ctx(native_bf16=True), "fast") == (torch.bfloat16, True)  # size unknown
    for macs in (small, large, None):  # no native bf16: fp32 channels_last at every size
        assert effective_precision(ctx(native_bf16=False, macs=macs), "fast") == (torch.float32, True)
    assert effective_precision(ctx(native_bf16=True, macs=small), "fp32") == (torch.float32, True)
    assert effective_precision(ctx(native_bf16=True, macs=small, dtype=torch.float32, channels_last=False),
                               "fast") == (torch.float32, False)
    assert effective_precision(ctx(native_bf16=True), "fp64") == (torch.float64, False)


def test_native_bf16_override(monkeypatch):
    monkeypatch.setenv("ZENNAS_NATIVE_BF16", "0")
    assert ZP.cpu_has_fast_bf16() is False
    r = ZP.compute_proxy("Zen", SMALL, resolution=16, batch_size=4, num_classes=10, seed=0)
    assert r.extra["dtype"] == "float32" and r.extra["channels_last"] is True
    monkeypatch.setenv("ZENNAS_NATIVE_BF16", "1")
    assert ZP.cpu_has_fast_bf16() is True
    r = ZP.compute_proxy("Zen", SMALL, resolution=16, batch_size=4, num_classes=10, seed=0)
    assert r.extra["dtype"] == "bfloat16" and r.extra["channels_last"] is False  # a small net: contiguous
    assert ZP.cpu_features()["policy_native_bf16"] is True


def test_prepare_model_sets_the_layout_both_ways():
    net = Plain().to(memory_format=torch.channels_last)
    c = ctx()
    ZP.prepare_model(net, c, torch.float32, False)
    assert all(p.is_contiguous() for p in net.parameters())
    ZP.prepare_model(net, c, torch.float32, True)
    assert all(p.is_contiguous(memory_format=torch.channels_last) for p in net.parameters() if p.dim() == 4)


def test_scores_do_not_depend_on_the_process_rng_or_memory_policy():
    """A worker's history must not change a score: the build is seeded from the candidate seed (TE-NAS keeps
    the default init), and keeping freed memory for reuse changes no value."""
    from zennas.search.worker import keep_freed_memory

    spec = ScoringSpec("TE-NAS", 16, 4, 10, "cpu")
    seed = derive_seed(0, SMALL)
    torch.manual_seed(1)
    a = score_structure(spec, SMALL, seed)
    torch.manual_seed(2)
    torch.randn(100)
    b = score_structure(spec, SMALL, seed)
    assert a.ok and a.score == b.score
    zen = ScoringSpec("Zen", 16, 8, 10, "cpu", native_bf16=False)
    before = score_structure(zen, SMALL, seed).score
    if keep_freed_memory():
        assert score_structure(zen, SMALL, seed).score == before
