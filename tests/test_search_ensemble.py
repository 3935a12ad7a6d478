"""The rank ensemble in the evolutionary search (population-relative scores) and the images the search
gives data-dependent proxies.

Small: 16 px, batch 8, tiny XXBL networks, cheap components (Params, NASWOT, SynFlow).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from zennas.masternet import build_model
from zennas.proxies import compute_proxy
from zennas.proxies.ranking import rankdata
from zennas.search import run_search
from zennas.search.config import ConfigError
from zennas.search.evaluator import ScoringSpec, score_structure
from zennas.search.outputs import TIMING_FIELDS, read_candidates
from zennas.search.population import RankedPopulation

S0 = ("SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,1,8,1)SuperResK3K3(16,32,2,16,1)"
      "SuperConvK1BNRELU(32,64,1,1)")
COMPONENTS = ("Params", "NASWOT")


def by_hand(values: np.ndarray) -> np.ndarray:
    """Σ_m log(rank_m / n), ranks from scratch (ties averaged) - the formula, not the library's table code."""
    n = values.shape[0]
    total = np.zeros(n)
    for j in range(values.shape[1]):
        col = values[:, j]
        ranks = np.array([(col < v).sum() + ((col == v).sum() + 1) / 2 for v in col])
        total += np.log(ranks / n)
    return total


def test_ranked_population_scores_are_the_formula_and_do_not_depend_on_order():
    rng = np.random.default_rng(0)
    vals = rng.integers(0, 6, size=(12, 2)).astype(float)  # many ties
    names = [f"s{i}" for i in range(12)]
    a, b = RankedPopulation(("x", "y")), RankedPopulation(("x", "y"))
    for i in range(12):
        a.add(names[i], 0.0, i, components={"x": vals[i, 0], "y": vals[i, 1]})
    for i in reversed(range(12)):
        b.add(names[i], 0.0, i, components={"x": vals[i, 0], "y": vals[i, 1]})
    want = dict(zip(names, by_hand(vals)))
    for pop in (a, b):
        assert {m.structure: m.score for m in pop} == pytest.approx(want)
    lowest = min(want.values())
    w = a.remove_worst()
    assert want[w.structure] == lowest and len(a) == 11
    rest = np.array([vals[names.index(m.structure)] for m in a])  # re-ranked without the removed one
    assert [m.score for m in a] == pytest.approx(list(by_hand(rest)))
    assert a.best.score == max(m.score for m in a)
    # a NaN component (e.g. a failed measurement) ranks lowest
    assert rankdata([1.0, math.nan, 0.5])[1] == 1.0
    # checkpoint round trip keeps members, order and scores
    c = RankedPopulation.from_state(json.loads(json.dumps(a.state())))
    assert [(m.structure, m.score) for m in c] == [(m.structure, m.score) for m in a]


def test_ensemble_proxy_alone_reports_its_components():
    m = build_model(S0, 10)
    r = compute_proxy("Ensemble", m, resolution=16, num_classes=10, seed=1, components="Params,NASWOT")
    assert r.ok and r.score == 0.0  # a population of one: log(1/1)
    assert r.extra["Params"] == compute_proxy("Params", m, resolution=16, num_classes=10).score
    assert r.extra["NASWOT"] > 0
    r2 = compute_proxy("Ensemble", m, resolution=16, num_classes=10, seed=1, components="Params,NASWOT")
    assert r2.extra["NASWOT"] == r.extra["NASWOT"]  # seeded
    bad = compute_proxy("Ensemble", m, resolution=16, num_classes=10, seed=1, components="Params,NASWTO")
    assert not bad.ok and "NASWTO" in bad.error


def cfg(tmp, **kw):
    d = dict(zero_shot_score="Ensemble", proxy_options={"components": ",".join(COMPONENTS)}, search_space="XXBL",
             plainnet_struct=S0, budget_model_size=2e5, max_layers=12, input_image_size=16, num_classes=10,
             batch_size=8, population_size=6, evolution_max_iter=24, seed=3, tensorboard=False, plots=False,
             progress=False, checkpoint_every=5, log_every=1000, save_dir=str(tmp))
    d.update(kw)
    return d


def strip(path):
    return [{k: v for k, v in r.items() if k not in TIMING_FIELDS} for r in read_candidates(path)]


@pytest.fixture(scope="module")
def ensemble_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ens")
    return out, run_search(cfg(out))


def test_ensemble_search_ranks_its_population_by_the_components(ensemble_run):
    out, res = ensemble_run
    recs = read_candidates(out / "candidates.jsonl")
    assert all(set(r["components"]) == set(COMPONENTS) for r in recs if r["status"] in ("accepted", "duplicate"))
    pop = [json.loads(x) for x in (out / "population.jsonl").read_text().splitlines()]
    assert 1 < len(pop) <= 7
    vals = np.array([[m["components"][c] for c in COMPONENTS] for m in pop])
    assert [m["score"] for m in pop] == pytest.approx(list(by_hand(vals)))  # the final population's ranking
    assert res.best_structure == pop[0]["structure"] and pop[0]["score"] == max(m["score"] for m in pop)
    assert (out / "best_structure.txt").read_text().strip() == res.best_structure
    # an accepted child's logged score is its rank score at insertion: max 0, and 0 only when it is top on both
    assert all(r["score"] <= 0 for r in recs if r["status"] == "accepted")
    assert res.resolved["ensemble_components"] == list(COMPONENTS)


def test_ensemble_search_resumes_bit_for_bit(ensemble_run, tmp_path):
    out, _ = ensemble_run
    run_search(cfg(tmp_path, evolution_max_iter=12))
    run_search(cfg(tmp_path, resume=True))
    assert strip(tmp_path / "candidates.jsonl") == strip(out / "candidates.jsonl")
    assert (tmp_path / "population.jsonl").read_text() == (out / "population.jsonl").read_text()


def test_bad_ensemble_components_are_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="NASWTO"):
        run_search(cfg(tmp_path, proxy_options={"components": "Params,NASWTO"}))
    with pytest.raises(ConfigError, match="population-relative"):
        run_search(cfg(tmp_path, proxy_options={"components": "Params,Ensemble"}))


def test_data_dependent_proxies_get_the_fixed_images(tmp_path):
    spec = dict(proxy="MeCo", resolution=16, batch_size=8, num_classes=10, device="cpu")
    digits = ScoringSpec(**spec, data=("digits", None, 2))
    noise = ScoringSpec(**spec)
    a, b, n = (score_structure(s, S0, 7) for s in (digits, digits, noise))
    assert a.ok and n.ok and a.score == b.score and a.score != n.score
    with pytest.raises(ConfigError, match="proxy_data_dir"):
        run_search(cfg(tmp_path, zero_shot_score="MeCo", proxy_options={}, proxy_data="cifar10"))
    with pytest.raises(ConfigError, match="cifar-10-batches-py"):
        run_search(cfg(tmp_path, zero_shot_score="MeCo", proxy_options={}, proxy_data_dir=str(tmp_path)))
    res = run_search(cfg(tmp_path / "m", zero_shot_score="MeCo", proxy_options={}, evolution_max_iter=3))
    assert res.resolved["proxy_data"].startswith("digits")
