"""Budgets: order, counters, latency estimators (measured on CPU, pluggable predictor)."""

from __future__ import annotations

import pytest

from zennas.costs import compute_costs
from zennas.latency import measure_latency
from zennas.search import (
    BudgetSet,
    Candidate,
    EvolutionSearch,
    FlopsBudget,
    LatencyBudget,
    LatencyPredictor,
    LayersBudget,
    MacBudget,
    MeasuredLatency,
    ParamsBudget,
    build_config,
)
from zennas.search.outputs import read_candidates
from zennas.structure import parse

S0 = ("SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,1,8,1)SuperResK3K3(16,32,2,16,1)"
      "SuperResK3K3(32,64,2,32,1)SuperResK3K3(64,64,2,32,1)SuperConvK1BNRELU(64,128,1,1)")


def cand(s=S0, res=16, nc=10):
    return Candidate(parse(s), s, res, nc)


def test_order_and_values():
    c = compute_costs(S0, 16, 10)
    bs = BudgetSet([MacBudget(1e12), FlopsBudget(1e12), LayersBudget(100), ParamsBudget(1e12, "exact")])
    assert [b.name for b in bs] == ["max_layers", "budget_model_size", "budget_flops", "budget_mac"]
    assert bs.all_values(cand()) == {"max_layers": c.layers, "budget_model_size": c.exact_params,
                                     "budget_flops": c.flops, "budget_mac": c.mac}
    rej = BudgetSet([FlopsBudget(1), ParamsBudget(1)]).first_violation(cand())
    assert rej.budget.name == "budget_model_size"  # params checked before FLOPs
    assert "params" in rej.reason and "zen mode" in rej.reason
    assert FlopsBudget(1, "exact").value(cand()) == c.exact_macs


def test_layers_rejection_needs_no_costs():
    x = cand()
    assert BudgetSet([LayersBudget(1), ParamsBudget(1)]).first_violation(x).budget.name == "max_layers"
    assert x._costs is None  # nothing else was computed


def test_measure_latency_cpu():
    from zennas.masternet import build_model

    r = measure_latency(build_model(S0, 10), resolution=16, batch_size=2, warmup=1, repeats=3)
    assert r.per_image == pytest.approx(r.per_batch / 2) and len(r.runs) == 3 and r.per_image > 0
    assert r.device == "cpu" and r.torch_version
    est = MeasuredLatency(device="cpu", batch_size=2, warmup=1, repeats=2, num_classes=10)
    assert est.estimate(cand()) > 0
    assert not MeasuredLatency(device="cuda:99").available()[0] or True


class Predictor(LatencyPredictor):
    """Toy predictor: 1 ms per 1M zen FLOPs."""

    def predict(self, blocks, resolution):
        return compute_costs(blocks, resolution, 10).flops * 1e-9


def test_latency_predictor_plugs_in(tmp_path):
    cfg = build_config(("t", dict(zero_shot_score="Params", plainnet_struct=S0, input_image_size=16, num_classes=10,
                                  budget_latency="4ms", population_size=8, evolution_max_iter=80, seed=0,
                                  save_dir=str(tmp_path), tensorboard=False, plots=False, progress=False)))
    budgets = BudgetSet([LatencyBudget(cfg.budget_latency, Predictor())])
    EvolutionSearch(cfg, budgets=budgets).run()
    recs = list(read_candidates(tmp_path / "candidates.jsonl"))
    assert {r["status"] for r in recs} >= {"accepted"}
    for r in recs:
        if r["status"] == "accepted":
            assert r["latency"] <= 4e-3
        if r["status"] == "rejected":
            assert "budget_latency" in r["reason"]


def test_measured_latency_budget_in_search(tmp_path):
    cfg = build_config(("t", dict(zero_shot_score="Params", plainnet_struct=S0, input_image_size=8, num_classes=10,
                                  budget_latency=10.0, latency_device="cpu", latency_batch_size=1,
                                  latency_repeats=1, latency_warmup=0, population_size=4, evolution_max_iter=6,
                                  seed=0, save_dir=str(tmp_path), tensorboard=False, plots=False, progress=False)))
    res = EvolutionSearch(cfg).run()
    assert res.counters["n_scored"] >= 1
    assert all("latency" in r for r in read_candidates(tmp_path / "candidates.jsonl") if r["status"] == "accepted")
