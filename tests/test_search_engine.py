"""Evolutionary search engine: determinism, resume after SIGKILL/SIGTERM, budgets, failures, errors.

CPU-only and small: forward-free proxies (Params/FLOPs) where the proxy does not matter, resolution
16, tiny populations.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from zennas.costs import compute_costs
from zennas.search import (
    ConfigError,
    EvolutionSearch,
    Population,
    Score,
    SearchError,
    build_config,
    derive_seed,
    run_search,
)
from zennas.search.outputs import TIMING_FIELDS, pareto_front, read_candidates
from zennas.structure import parse, to_str

ROOT = Path(__file__).resolve().parents[1]
S0 = ("SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,1,8,1)SuperResK3K3(16,32,2,16,1)"
      "SuperResK3K3(32,64,2,32,1)SuperResK3K3(64,64,2,32,1)SuperConvK1BNRELU(64,128,1,1)")


def tiny(**kw) -> dict:
    d = dict(zero_shot_score="Params", search_space="XXBL", plainnet_struct=S0, budget_model_size=2e5,
             max_layers=12, input_image_size=16, num_classes=10, population_size=16, evolution_max_iter=200,
             seed=1, tensorboard=False, plots=False, progress=False, checkpoint_every=40, log_every=100)
    d.update(kw)
    return d


def strip(recs):
    return [{k: v for k, v in r.items() if k not in TIMING_FIELDS} for r in recs]


def cli(*args, env=None, **kw):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, str(ROOT / "evolution_search.py"), *args], cwd=ROOT, env=e,
                          capture_output=True, text=True, **kw)


# ---------------------------------------------------------------------------------------------- population
def test_population_remove_worst_first_occurrence_and_best():
    p = Population()
    for i, s in enumerate([3.0, 1.0, 5.0, 1.0, 5.0]):
        p.add(f"s{i}", s, i)
    assert p.best.structure == "s2"  # highest, first inserted on ties
    assert p.remove_worst().structure == "s1"  # first occurrence of the minimum
    assert p.remove_worst().structure == "s3"
    assert sorted(m.structure for m in p) == ["s0", "s2", "s4"]
    assert [m.pos for m in p.members] == [0, 1, 2]
    rng = np.random.default_rng(0)
    assert p.choose_uniform(rng) in p.members
    state = p.state()
    q = Population.from_state(state)
    assert [m.structure for m in q] == [m.structure for m in p] and q.next_seq == p.next_seq
    assert q.remove_worst().structure == p.remove_worst().structure


def test_population_against_reference_list_implementation():
    rng = np.random.default_rng(3)
    p, ref = Population(), []  # ref: ZEN's list in insertion order
    for i in range(2000):
        s = float(rng.integers(0, 30))
        p.add(str(i), s, i)
        ref.append((str(i), s))
        while len(ref) > 50:
            j = min(range(len(ref)), key=lambda k: ref[k][1])
            assert p.remove_worst().structure == ref.pop(j)[0]
        best = max(ref, key=lambda x: x[1])
        assert p.best.structure == best[0]
    assert sorted(m.structure for m in p) == sorted(x[0] for x in ref)


def test_pareto_front():
    fx, fy = pareto_front([3, 1, 2, 4], [5, 1, 4, 2])
    assert fx == [1, 2, 3] and fy == [1, 4, 5]


# ---------------------------------------------------------------------------------------------- determinism
def test_same_seed_identical_candidates(tmp_path):
    a = run_search(tiny(save_dir=str(tmp_path / "a")))
    b = run_search(tiny(save_dir=str(tmp_path / "b")))
    ra = strip(read_candidates(tmp_path / "a" / "candidates.jsonl"))
    rb = strip(read_candidates(tmp_path / "b" / "candidates.jsonl"))
    assert len(ra) == 200 and ra == rb
    assert a.best_structure == b.best_structure and a.population == b.population
    statuses = {r["status"] for r in ra}
    assert "accepted" in statuses and "rejected" in statuses
    run_search(tiny(save_dir=str(tmp_path / "c"), seed=2))
    assert strip(read_candidates(tmp_path / "c" / "candidates.jsonl")) != ra
    assert (tmp_path / "a" / "best_structure.txt").read_text().strip() == a.best_structure
    best = json.loads((tmp_path / "a" / "best_structure.json").read_text())
    assert best["seed"] == 1 and best["input_image_size"] == 16 and best["finished"]
    assert (tmp_path / "a" / "search_config.yaml").exists()
    pop = [json.loads(x) for x in (tmp_path / "a" / "population.jsonl").read_text().splitlines()]
    assert pop[0]["structure"] == a.best_structure and len(pop) == len(a.population)


def test_same_seed_across_processes_and_hash_seeds(tmp_path):
    outs = []
    for i, hs in enumerate(("0", "12345")):
        d = tmp_path / f"p{i}"
        r = cli("--zero_shot_score", "FLOPs", "--plainnet_struct", S0, "--budget_flops", "4e6", "--max_layers", "12",
                "--input_image_size", "16", "--num_classes", "10", "--population_size", "16",
                "--evolution_max_iter", "150", "--seed", "7", "--save_dir", str(d), "--no-tensorboard",
                "--no-plots", env={"PYTHONHASHSEED": hs}, timeout=300)
        assert r.returncode == 0, r.stderr
        outs.append(strip(read_candidates(d / "candidates.jsonl")))
    assert len(outs[0]) == 150 and outs[0] == outs[1]


def test_cache_scores_each_structure_once_and_duplicates_reinserted(tmp_path):
    calls = []

    from zennas.search.evaluator import Scorer

    inner = Scorer("Params", resolution=16, batch_size=1, num_classes=10, device="cpu")

    def scorer(cand, seed):
        calls.append(cand.structure)
        assert seed == derive_seed(1, cand.structure)
        return inner(cand, seed)

    cfg = build_config(("t", tiny(save_dir=str(tmp_path), evolution_max_iter=400, population_size=8)))
    res = EvolutionSearch(cfg, scorer=scorer).run()
    assert len(calls) == len(set(calls)) == res.counters["n_scored"]
    recs = list(read_candidates(tmp_path / "candidates.jsonl"))
    first = {}
    for r in recs:
        if r["status"] == "accepted":
            first.setdefault(r["structure"], r["score"])
    dups = [r for r in recs if r["status"] == "duplicate"]
    assert dups, "expected some duplicates with a population of 8"
    assert all(first[r["structure"]] == r["score"] for r in dups)
    # the cache is transparent: a run whose scorer is not wrapped reaches the same population
    res2 = EvolutionSearch(build_config(("t", tiny(save_dir=str(tmp_path / "again"), evolution_max_iter=400,
                                                   population_size=8))), scorer=inner).run()
    assert res2.population == res.population
    # ADLIK-style: duplicates skipped -> every member is a distinct structure
    res3 = run_search(tiny(save_dir=str(tmp_path / "skip"), evolution_max_iter=400, population_size=8,
                           duplicates="skip"))
    structs = [m["structure"] for m in res3.population]
    assert len(structs) == len(set(structs))


# ---------------------------------------------------------------------------------------------- budgets
def test_admitted_candidates_satisfy_every_budget_recounted(tmp_path):
    import torch  # noqa: F401

    from zennas.masternet import build_model

    budgets = dict(budget_model_size=1.5e5, budget_flops=3e6, budget_mac=4e5, max_layers=10)
    run_search(tiny(save_dir=str(tmp_path), evolution_max_iter=250, **budgets))
    recs = list(read_candidates(tmp_path / "candidates.jsonl"))
    acc = [r for r in recs if r["status"] in ("accepted", "duplicate")]
    assert len(acc) > 10
    checked = set()
    for r in acc:
        s = r["structure"]
        c = compute_costs(parse(s), 16, 10)
        assert c.params <= budgets["budget_model_size"] and r["params"] == c.params
        assert c.flops <= budgets["budget_flops"] and c.mac <= budgets["budget_mac"]
        assert c.layers <= budgets["max_layers"]
        if s not in checked and len(checked) < 6:  # built module agrees with the exact counter
            checked.add(s)
            numel = sum(p.numel() for p in build_model(s, 10).parameters())
            assert numel == c.exact_params and c.params <= numel
    rej = [r for r in recs if r["status"] == "rejected"]
    assert rej and all(r["reason"] for r in rej)


def test_initial_structure_over_budget_is_a_clear_error(tmp_path):
    with pytest.raises(SearchError, match=r"initial structure is over budget: params .* budget_model_size"):
        run_search(tiny(save_dir=str(tmp_path), budget_model_size=5e4))
    r = cli("--zero_shot_score", "Params", "--plainnet_struct", S0, "--budget_model_size", "5e4",
            "--input_image_size", "16", "--save_dir", str(tmp_path / "cli"), timeout=120)
    assert r.returncode == 1 and "budget_model_size" in r.stderr and "Traceback" not in r.stderr


class _HugeSpace:
    """Every child is far over any reasonable budget."""

    def mutate(self, blocks, rng, num_replaces):
        rng.integers(10)
        return parse(S0.replace("SuperConvK1BNRELU(64,128,1,1)", "SuperConvK1BNRELU(64,4096,1,1)"))


def test_unmeetable_budget_stops_with_clear_error(tmp_path):
    cfg = build_config(("t", tiny(save_dir=str(tmp_path), max_consecutive_rejections=50)))
    with pytest.raises(SearchError, match=r"50 consecutive .*budget_model_size: smallest params"):
        EvolutionSearch(cfg, space=_HugeSpace()).run()


# ---------------------------------------------------------------------------------------------- failures
def _failing_scorer(every: int):
    n = [0]

    def scorer(cand, seed):
        n[0] += 1
        if n[0] % every == 0:
            return Score(False, float("nan"), "ValueError: boom")
        return Score(True, float(len(cand.structure)))

    return scorer


def test_failures_counted_not_inserted(tmp_path):
    cfg = build_config(("t", tiny(save_dir=str(tmp_path), evolution_max_iter=120)))
    res = EvolutionSearch(cfg, scorer=_failing_scorer(5)).run()
    recs = list(read_candidates(tmp_path / "candidates.jsonl"))
    failed = {r["structure"] for r in recs if r["status"] == "failed"}
    assert res.counters["n_failed"] > 0 and failed
    assert not failed & {m["structure"] for m in res.population}
    assert all(r["reason"] == "ValueError: boom" for r in recs if r["status"] == "failed")


def test_failure_rate_threshold_and_zen_compat(tmp_path):
    cfg = build_config(("t", tiny(save_dir=str(tmp_path / "a"), max_failure_rate=0.3, failure_min_count=5)))
    with pytest.raises(SearchError, match="max_failure_rate"):
        EvolutionSearch(cfg, scorer=_failing_scorer(2)).run()
    # generation_size 1: the trajectory this was written for ends on an inserted failure
    cfg = build_config(("t", tiny(save_dir=str(tmp_path / "b"), zen_compat_failures=True, evolution_max_iter=60,
                                  generation_size=1)))
    res = EvolutionSearch(cfg, scorer=_failing_scorer(2)).run()
    assert any(m["score"] == -9999 for m in res.population)


# ---------------------------------------------------------------------------------------------- resume
@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("ref")
    r = cli(*RESUME_ARGS, "--save_dir", str(d), timeout=600)
    assert r.returncode == 0, r.stderr
    return d


RESUME_ARGS = ["--zero_shot_score", "Params", "--plainnet_struct", S0, "--budget_model_size", "2e5",
               "--max_layers", "12", "--input_image_size", "16", "--num_classes", "10", "--population_size", "16",
               "--evolution_max_iter", "1000", "--seed", "3", "--checkpoint_every", "50", "--no-tensorboard",
               "--no-plots"]


def _kill_after_checkpoints(d: Path, sig: int, min_iter: int):
    p = subprocess.Popen([sys.executable, str(ROOT / "evolution_search.py"), *RESUME_ARGS, "--save_dir", str(d)],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ck = d / "checkpoint.json"
    deadline = time.time() + 240
    while time.time() < deadline and p.poll() is None:
        try:
            if json.loads(ck.read_text())["iteration"] >= min_iter:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    assert p.poll() is None, "search finished before it could be killed: " + p.stderr.read()[-2000:]
    p.send_signal(sig)
    p.communicate(timeout=120)
    return p.returncode


# the signal arrives once the checkpoint shows at least this iteration (fixed: a failure reproduces)
KILL_AFTER = {signal.SIGKILL: 150, signal.SIGTERM: 250}


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_and_resumed_equals_uninterrupted(tmp_path, sig, reference_run):
    ref = reference_run
    d = tmp_path / "killed"
    rc = _kill_after_checkpoints(d, sig, min_iter=KILL_AFTER[sig])
    if sig == signal.SIGTERM:
        assert rc == 130
        assert (d / "population.jsonl").exists()  # an interrupted run saves what it has
    else:
        assert rc == -signal.SIGKILL
    # a plain re-run refuses to clobber
    r = cli(*RESUME_ARGS, "--save_dir", str(d), timeout=120)
    assert r.returncode == 1 and "--resume" in r.stderr
    r = cli(*RESUME_ARGS, "--save_dir", str(d), "--resume", timeout=600)
    assert r.returncode == 0, r.stderr
    assert (d / "best_structure.txt").read_text() == (ref / "best_structure.txt").read_text()
    assert (d / "population.jsonl").read_text() == (ref / "population.jsonl").read_text()
    a = strip(read_candidates(d / "candidates.jsonl"))
    b = strip(read_candidates(ref / "candidates.jsonl"))
    assert [r["iteration"] for r in a] == list(range(1000)) and a == b


def test_resume_with_changed_config_is_refused(tmp_path):
    cfg = tiny(save_dir=str(tmp_path), evolution_max_iter=80)
    run_search(cfg)
    with pytest.raises(SearchError, match="budget_model_size"):
        run_search({**cfg, "resume": True, "budget_model_size": 3e5})
    res = run_search({**cfg, "resume": True, "evolution_max_iter": 120})  # more iterations is allowed
    assert res.iterations == 120
    assert len(list(read_candidates(tmp_path / "candidates.jsonl"))) == 120


def test_refuses_existing_result_unless_overwrite(tmp_path):
    run_search(tiny(save_dir=str(tmp_path), evolution_max_iter=20))
    with pytest.raises(SearchError, match="--resume .*--overwrite"):
        run_search(tiny(save_dir=str(tmp_path), evolution_max_iter=20))
    res = run_search(tiny(save_dir=str(tmp_path), evolution_max_iter=20, overwrite=True))
    assert res.iterations == 20 and len(list(read_candidates(tmp_path / "candidates.jsonl"))) == 20


def test_stop_criteria(tmp_path):
    res = run_search(tiny(save_dir=str(tmp_path / "p"), evolution_max_iter=5000, patience=30))
    assert res.stopped_by == "patience" and res.iterations < 5000
    res = run_search(tiny(save_dir=str(tmp_path / "t"), evolution_max_iter=10**7, time_budget=1.0))
    assert res.stopped_by == "time_budget"


# ---------------------------------------------------------------------------------------------- config errors
def test_config_errors(tmp_path, capsys):
    from zennas.cli.search import main

    with pytest.raises(ConfigError, match=r"unknown proxy 'Zenn'.*did you mean 'Zen'"):
        build_config(("t", {"zero_shot_score": "Zenn"}))
    with pytest.raises(ConfigError, match=r"unknown config key 'budget_flop'.*did you mean 'budget_flops'"):
        build_config(("t", {"budget_flop": 1}))
    with pytest.raises(ConfigError, match="budget_flops: cannot read 'lots'"):
        build_config(("t", {"budget_flops": "lots"}))
    assert build_config(("t", {"budget_flops": "400M", "budget_latency": "0.1ms"})).budget_flops == 400e6
    bad = tmp_path / "bad.yaml"
    bad.write_text("zero_shot_score: [Zen\n")
    cases = [(["--config", str(bad)], "not valid YAML"),
             (["--config", str(bad.with_name("missing.yaml"))], "not found"),
             (["--zero_shot_score", "Zenn", "--plainnet_struct", S0, "--dry-run"], "did you mean 'Zen'"),
             (["--plainnet_struct", "SuperConvK3BNRELU(3,8,1)", "--dry-run"], "initial structure"),
             (["--search_space", "XXLB", "--plainnet_struct", S0, "--dry-run"], "search_space"),
             (["--plainnet_struct", S0, "--budget_flop", "1"], "unrecognized arguments")]
    for argv, msg in cases:
        capsys.readouterr()
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse
            rc = exc.code
        err = capsys.readouterr().err
        assert rc == 2 and msg in err and "Traceback" not in err, (argv, err)


def test_zen_proxy_path_tiny(tmp_path):
    res = run_search(tiny(save_dir=str(tmp_path), zero_shot_score="Zen", batch_size=2, input_image_size=8,
                          evolution_max_iter=4, budget_model_size=1e6))
    assert res.counters["n_scored"] >= 1 and res.best_score is not None and res.counters["n_failed"] == 0


def test_outputs_plots_and_tensorboard(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run_search(tiny(save_dir=str(tmp_path), plots=True, tensorboard=True, evolution_max_iter=120, log_every=40))
    for name in ("best_score.png", "score_vs_params.png", "score_vs_flops.png"):
        assert (tmp_path / "plots" / name).stat().st_size > 1000
    ea = EventAccumulator(str(tmp_path / "tensorboard"))
    ea.Reload()
    assert {"score/best", "population/size", "count/rejected"} <= set(ea.Tags()["scalars"])
    steps = [e.step for e in ea.Scalars("score/best")]
    assert steps == [40, 80, 120]  # every log_every iterations, and the final state
    best = [e.value for e in ea.Scalars("score/best")]  # the best never decreases and ends below the final best
    assert best == sorted(best) and best[-1] <= json.loads((tmp_path / "best_structure.json").read_text())["score"]


def test_child_is_split_twice_and_s0_never_scored(tmp_path):
    res = run_search(tiny(save_dir=str(tmp_path), evolution_max_iter=60))
    recs = list(read_candidates(tmp_path / "candidates.jsonl"))
    s0 = to_str(parse(S0))
    assert all(r["structure"] != s0 or r["status"] != "accepted" or r["iteration"] > 0 for r in recs)
    for r in recs:
        blocks = parse(r["structure"])
        assert to_str([x for b in blocks for x in b.split(6)]) == r["structure"]
    assert res.iterations == 60


def test_adlik_random_initialisation_and_gs_space(tmp_path):
    """ADLIK: no fixed initial structure -> random structures of the space seed the population."""
    res = run_search(dict(zero_shot_score="Params", search_space="adlik", input_image_size=16, num_classes=10,
                          budget_model_size=3e6, population_size=12, evolution_max_iter=60, seed=0,
                          save_dir=str(tmp_path / "a"), tensorboard=False, plots=False, progress=False))
    assert res.resolved["fix_initialize"] is False and res.resolved["mutation"] == "adlik"
    assert res.counters["n_scored"] > 0
    gs = ("SuperGSConvK3(3,8,1,1)SuperResGSK3(8,16,1,8,1)SuperResGSK3(16,32,2,16,1)SuperResGSK3(32,64,2,32,1)"
          "SuperGSConvK1(64,128,1,1)")
    res = run_search(dict(zero_shot_score="Params", search_space="adlik", search_space_list=["PlainNet/AABC_Block.py"],
                          plainnet_struct=gs, input_image_size=16, num_classes=10, budget_model_size=3e5,
                          budget_mac=2e6, max_layers=12, population_size=12, evolution_max_iter=60, seed=0,
                          save_dir=str(tmp_path / "g"), tensorboard=False, plots=False, progress=False))
    assert res.resolved["fix_initialize"] is True
    for m in res.population:
        assert m["params"] <= 3e5 and m["mac"] <= 2e6 and m["layers"] <= 12
