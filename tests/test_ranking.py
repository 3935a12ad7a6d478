"""Rank statistics, the log-rank ensemble (AZ-NAS rule), greedy component selection, proxy data."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

import zennas.proxies as ZP
from tests.datasets import write_fake_cifar
from zennas.data.proxy import cifar10_batches, digits_batches, proxy_batches
from zennas.proxies.ranking import (
    EnsemblePopulation,
    RankEnsemble,
    bootstrap_ci,
    component_value,
    greedy_components,
    kendall,
    rankdata,
    spearman,
)


def test_rankdata_ties_and_nan():
    assert rankdata([3, 1, 2, 2, float("nan"), float("-inf")]).tolist() == [6, 3, 4.5, 4.5, 1.5, 1.5]


def test_spearman_kendall_match_scipy_with_ties():
    rng = np.random.default_rng(0)
    a = rng.normal(size=150).round(1)
    b = a + rng.normal(size=150)
    assert spearman(a, b) == pytest.approx(stats.spearmanr(a, b)[0], abs=1e-12)
    assert kendall(a, b, chunk=7) == pytest.approx(stats.kendalltau(a, b)[0], abs=1e-12)  # tau-b
    assert spearman([1, 2, 3], [3, 2, 1]) == -1.0 and math.isnan(spearman([1, 1, 1], [1, 2, 3]))


def test_bootstrap_ci_seeded_and_brackets_estimate():
    rng = np.random.default_rng(1)
    a = rng.normal(size=80)
    b = a + rng.normal(size=80)
    lo, hi = bootstrap_ci(a, b, n_boot=300, seed=3)
    assert (lo, hi) == bootstrap_ci(a, b, n_boot=300, seed=3)
    assert lo < spearman(a, b) < hi and hi - lo < 0.5


def test_log_rank_ensemble_by_hand():
    ens = RankEnsemble(("A", "B"))
    table = np.array([[1.0, 3.0], [2.0, 1.0], [3.0, 2.0]])  # ranks A: 1,2,3; B: 3,1,2; n = 3
    expected = [math.log(1 / 3) + math.log(3 / 3), math.log(2 / 3) + math.log(1 / 3),
                math.log(3 / 3) + math.log(2 / 3)]
    assert ens.scores_from_table(table) == pytest.approx(expected)
    w = RankEnsemble(("A", "B"), weights=(2.0, 0.5)).scores_from_table(table)
    assert w[0] == pytest.approx(2 * math.log(1 / 3) + 0.5 * math.log(1.0))
    with pytest.raises(ValueError, match="weights"):
        RankEnsemble(("A",), weights=(1.0, 2.0))


def test_components_read_scores_extras_and_failures():
    ok = ZP.ProxyResult("AZ-NAS", 1.0, extra={"trainability": -0.5})
    failed = ZP.ProxyResult("ZiCo", float("nan"), ok=False, error="boom")
    res = {"AZ-NAS": ok, "ZiCo": failed}
    assert component_value(res, "AZ-NAS") == 1.0 and component_value(res, "AZ-NAS:trainability") == -0.5
    assert math.isnan(component_value(res, "ZiCo")) and math.isnan(component_value(res, "MeCo"))
    assert math.isnan(component_value({"AZ-NAS": ok.to_dict()}, "AZ-NAS:nope"))
    ens = RankEnsemble(("ZiCo", "AZ-NAS"))
    pop = [{"ZiCo": ZP.ProxyResult("ZiCo", 5.0), "AZ-NAS": ok}, res]
    s = ens.scores(pop)
    assert s[0] > s[1]  # the failed ZiCo ranks lowest
    assert RankEnsemble.aznas().proxies == ["AZ-NAS"] and len(RankEnsemble.aznas().components) == 4


def test_population_order_independent_and_deterministic():
    ens = RankEnsemble(("P", "Q"))
    rows = {f"s{i}": {"P": {"score": float(i % 4), "ok": True}, "Q": {"score": float((7 * i) % 5), "ok": True}}
            for i in range(12)}
    a, b = EnsemblePopulation(ens), EnsemblePopulation(ens)
    for k in rows:
        a.add(k, rows[k])
    for k in reversed(list(rows)):
        b.add(k, rows[k])
    assert a.scores() == pytest.approx(b.scores()) and a.worst() == b.worst() and a.best(3) == b.best(3)
    worst = a.worst()
    a.remove(worst)
    assert worst not in a.scores() and len(a) == 11


def test_greedy_components_picks_the_informative_columns():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=200), rng.normal(size=200)
    table = {"x": x + 0.3 * rng.normal(size=200), "y": y + 0.3 * rng.normal(size=200), "noise": rng.normal(size=200)}
    assert sorted(greedy_components(table, x + y)) == ["x", "y"]


def test_digits_fallback_is_deterministic_and_labelled():
    a, b = digits_batches(resolution=16, batch_size=8, num_batches=3), digits_batches(resolution=16, batch_size=8,
                                                                                     num_batches=3)
    assert torch.equal(a.x, b.x) and a.x.shape == (24, 3, 16, 16) and len(a) == 3
    assert "offline fallback" in a.description and a.iterations == 0
    first = [xb for xb, _ in a]
    assert a.iterations == 1 and torch.equal(next(iter(a))[0], first[0])
    assert abs(float(a.x.mean())) < 1e-5 and float(a.x.std()) == pytest.approx(1.0, rel=1e-4)
    assert "offline" in proxy_batches(None, resolution=8, batch_size=4, num_batches=1).description


def test_cifar10_batches_layout_and_errors(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="cifar-10-batches-py"):
        cifar10_batches(tmp_path / "none")
    from torchvision.datasets import CIFAR10

    write_fake_cifar(tmp_path)
    import torchvision.datasets.cifar as tv_cifar

    monkeypatch.setattr(CIFAR10, "_check_integrity", lambda self: True)  # fake files lack the published md5
    monkeypatch.setattr(tv_cifar, "check_integrity", lambda *a, **k: True)
    b = cifar10_batches(tmp_path, resolution=16, batch_size=8, num_batches=2)
    x, y = next(iter(b))
    assert x.shape == (8, 3, 16, 16) and y.dtype == torch.long and "cifar10:" in b.description
    again = cifar10_batches(tmp_path, resolution=16, batch_size=8, num_batches=2)
    assert torch.equal(b.x, again.x) and b.fingerprint() == again.fingerprint()
    assert b.fingerprint() != cifar10_batches(tmp_path, resolution=16, batch_size=8, num_batches=2, seed=1).fingerprint()
