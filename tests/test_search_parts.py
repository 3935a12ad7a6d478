"""The parts of the search on their own: the strategy's state (with the RNG), the evaluator's typed records,
scoring as a pure function (same score in another process), the config's derived types and flags."""

from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from zennas.search import (
    BudgetSet,
    CandidateRecord,
    Evaluator,
    EvolutionStrategy,
    LayersBudget,
    ParamsBudget,
    Score,
    Scorer,
    ScoringSpec,
    Status,
    build_config,
    derive_seed,
    score_structure,
)
from zennas.spaces import get_space
from zennas.structure import parse, to_str

S0 = ("SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,1,8,1)SuperResK3K3(16,32,2,16,1)"
      "SuperResK3K3(32,64,2,32,1)SuperResK3K3(64,64,2,32,1)SuperConvK1BNRELU(64,128,1,1)")


def strategy(seed=0, **kw):
    cfg = build_config(("t", dict(population_size=6, input_image_size=16, num_classes=10, **kw)))
    return EvolutionStrategy.from_config(cfg, get_space("XXBL"), np.random.default_rng(seed), s0_blocks=parse(S0),
                                         fix_initialize=True)


def test_strategy_state_dict_continues_identically():
    a = strategy()
    for t in range(30):
        a.trim()
        child = a.propose()
        a.insert(to_str(child), float(len(to_str(child))), t, {}, child)
    b = strategy(seed=99)  # a different RNG and an empty population, then restored
    b.load_state_dict(pickle.loads(pickle.dumps(a.state_dict())))
    assert [m.structure for m in b.population] == [m.structure for m in a.population]
    for t in range(30, 60):  # the same children from here on (parent choice and mutation draws)
        for s in (a, b):
            s.trim()
        ca, cb = a.propose(), b.propose()
        assert to_str(ca) == to_str(cb)
        for s, c in ((a, ca), (b, cb)):
            s.insert(to_str(c), float(t % 7), t, {}, c)


def test_strategy_seed_phase_mutates_s0_and_splits():
    s = strategy()
    child = s.propose()  # empty population: a 1-replacement mutation of S0, split twice
    assert to_str([x for b in child for x in b.split(6)]) == to_str(child)
    assert len(child) == len(parse(S0))


def test_evaluator_records_are_typed_and_cached():
    calls = []

    def scorer(cand, seed):
        calls.append((cand.structure, seed))
        return Score(True, 1.5)

    budgets = BudgetSet([ParamsBudget(2e5), LayersBudget(12)])
    ev = Evaluator(budgets, scorer, seed=7, resolution=16, num_classes=10)
    ok = ev.evaluate(parse(S0), S0)
    assert isinstance(ok, CandidateRecord) and ok.status is Status.ACCEPTED and ok.stage == "proxy" and ok.scored
    assert ok.score == 1.5 and ok.proxy_seed == derive_seed(7, S0) and calls == [(S0, derive_seed(7, S0))]
    again = ev.evaluate(parse(S0), S0)
    assert again.status is Status.DUPLICATE and again.stage == "cache" and again.score == 1.5 and len(calls) == 1
    big = S0.replace("SuperConvK1BNRELU(64,128,1,1)", "SuperConvK1BNRELU(64,4096,1,1)")
    rej = ev.evaluate(parse(big), big)
    assert rej.status is Status.REJECTED and rej.budget == "budget_model_size"  # typed, not parsed
    assert rej.rejection.value > rej.rejection.budget.limit == 2e5
    cached = ev.evaluate(parse(big), big)
    assert cached.status is Status.REJECTED and cached.budget == "budget_model_size" and cached.rejection is None
    log = rej.to_log(3, 0.5)
    assert log["budget"] == "budget_model_size" and "proxy_seed" not in log and log["status"] == "rejected"
    # a rebuilt cache (resume) gives the same verdicts
    ev2 = Evaluator(budgets, scorer, seed=7, resolution=16, num_classes=10)
    ev2.restore([ok.to_log(0, 0.0), rej.to_log(1, 0.0)])
    assert ev2.evaluate(parse(S0), S0).status is Status.DUPLICATE
    assert ev2.evaluate(parse(big), big).budget == "budget_model_size" and len(calls) == 1


def _score_in_worker(args):
    spec, structure, seed = args
    return score_structure(spec, structure, seed).score


def test_scoring_is_a_pure_function_that_runs_in_a_worker_process():
    s = "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)"
    scorer = Scorer("Zen", resolution=16, batch_size=4, num_classes=10, device="cpu")
    seed = derive_seed(0, s)
    here = score_structure(scorer.spec, parse(s), seed).score
    assert isinstance(scorer.spec, ScoringSpec) and pickle.loads(pickle.dumps(scorer.spec)) == scorer.spec
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        there = pool.submit(_score_in_worker, (scorer.spec, s, seed)).result(timeout=300)
    assert there == here  # bit for bit, from the structure string alone
    # a forward-free proxy is read from its metadata's cost field
    p = score_structure(ScoringSpec("Params", 16, 1, 10, "cpu"), s, 0)
    from zennas.costs import compute_costs

    assert p.ok and p.score == compute_costs(s, 16, 10, no_reslink=True).params


def test_config_types_and_flags_come_from_the_dataclass():
    from zennas.cli.search_args import make_parser
    from zennas.search.config import FIELDS, KINDS, RESUME_FREE_KEYS, RUNTIME_KEYS

    assert set(KINDS) == set(FIELDS)
    assert KINDS["budget_flops"] is float and KINDS["population_size"] is int and KINDS["plugins"] is list
    assert set(RUNTIME_KEYS) == {"resume", "overwrite", "dry_run", "dry_run_iterations"}
    assert {"evolution_max_iter", "time_budget", "device"} <= RESUME_FREE_KEYS and "budget_flops" not in RESUME_FREE_KEYS
    cfg = build_config(("t", {"budget_latency": "0.1ms", "population_size": "1e3", "tensorboard": "off"}))
    assert cfg.budget_latency == pytest.approx(1e-4) and cfg.population_size == 1000 and cfg.tensorboard is False
    flags = {a.dest for a in make_parser()._actions}
    assert {"budget_model_size", "search_space_list", "plugins", "fix_initialize", "zen_compat_failures"} <= flags
    args = make_parser().parse_args(["--search_space_list", "a", "b", "--fix_initialize"])
    assert args.search_space_list == ["a", "b"] and args.fix_initialize is True
