"""The search's latency budget (latency_mode measure | lut | predictor | auto, latency_verify_top) and the
benchmark_network_latency.py command line (measure, --build_lut, --predict, one-line errors)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest
import torch

from tests.conftest import ROOT
from tests.test_latency import CPU1, NETS, synthetic_table
from zennas.cli.latency import main as latency_main
from zennas.latency import LatencyTable, TablePredictor
from zennas.search import EvolutionSearch, MeasuredLatency, build_config
from zennas.search.latency import StructureSampler, TableLatency, make_estimator
from zennas.search.outputs import read_candidates
from zennas.structure import parse

S0 = NETS[0]


@pytest.fixture(autouse=True)
def _restore_threads():
    """A search with ``threads`` pins torch's threads for the process: give the next test what it had."""
    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)


def search_cfg(tmp_path, **kw):
    base = dict(zero_shot_score="Params", plainnet_struct=S0, input_image_size=16, num_classes=10,
                population_size=8, evolution_max_iter=60, seed=0, save_dir=str(tmp_path / "run"), threads=1,
                latency_batch_size=1, tensorboard=False, plots=False, progress=False)
    return build_config(("test", {**base, **kw}))


def predictor_table(tmp_path):
    """A synthetic table (t = f(operators, MACs), offset 1e-4 s) over the structures the search visits."""
    cfg = search_cfg(tmp_path, max_layers=12)
    table = synthetic_table([S0, *StructureSampler(cfg, seed=3)(40)])
    pred = TablePredictor(table, CPU1)
    nets = [parse(s) for s in NETS]
    pred.calibrate(nets, [pred.network_features(b, 16, 10)[0] + 1e-4 for b in nets], 16, 10)
    path = tmp_path / "table.json"
    table.save(path)
    return path, pred


def test_predictor_budget_search_never_admits_a_candidate_predicted_over_budget(tmp_path):
    path, pred = predictor_table(tmp_path)
    s0_lat = pred.predict(parse(S0), 16, 10)
    budget = 1.6 * s0_lat
    runs = []
    for i in range(2):
        cfg = search_cfg(tmp_path, budget_latency=budget, latency_mode="predictor", latency_lut=str(path),
                         save_dir=str(tmp_path / f"run{i}"))
        engine = EvolutionSearch(cfg)
        est = engine.budgets.budgets[-1].estimator
        assert isinstance(est, TableLatency) and est.mode == "predictor" and est.predictor.timer is None
        engine.run()
        runs.append(list(read_candidates(tmp_path / f"run{i}" / "candidates.jsonl")))
    recs = runs[0]
    fresh = TablePredictor(LatencyTable.load(path), CPU1)
    accepted = [r for r in recs if r["status"] == "accepted"]
    rejected = [r for r in recs if r.get("budget") == "budget_latency"]
    assert accepted and rejected
    for r in accepted:
        assert r["latency"] <= budget
        assert fresh.predict(parse(r["structure"]), 16, 10) == pytest.approx(r["latency"], rel=1e-12)
    for r in rejected:
        assert fresh.predict(parse(r["structure"]), 16, 10) > budget
    strip = [[(r["structure"], r["status"], r.get("latency")) for r in rs] for rs in runs]
    assert strip[0] == strip[1]  # a pure function of (table, structure): the same search twice


def test_verify_top_times_the_best_and_reports_those_over_budget(tmp_path, caplog):
    path, pred = predictor_table(tmp_path)
    table = LatencyTable.load(path)  # scale every entry down 1000x: predictions far below what is measured
    for e in table.entries(CPU1).values():
        e["median"] /= 1000
        e["min"] /= 1000
    table.data["settings"][CPU1.key]["calibration"] = {}
    table.save(path)
    budget = 2 * TablePredictor(table, CPU1).predict(parse(S0), 16, 10)
    cfg = search_cfg(tmp_path, budget_latency=budget, latency_mode="predictor", latency_lut=str(path),
                     latency_verify_top=2, latency_repeats=2, latency_warmup=1, evolution_max_iter=20)
    with caplog.at_level(logging.WARNING, logger="zennas.search"):
        EvolutionSearch(cfg).run()
    rep = json.loads((tmp_path / "run" / "latency_verify.json").read_text())
    assert rep["budget_latency"] == budget and len(rep["structures"]) == 2
    for row in rep["structures"]:
        assert row["measured"] > 0 and row["over_budget"] == (row["measured"] > budget) and row["over_budget"]
        assert row["predicted"] <= budget
    assert "latency_verify_top: measured" in caplog.text and "no calibration" in caplog.text


def test_lut_mode_starts_and_grows_the_table(tmp_path):
    path = tmp_path / "grown.json"
    cfg = search_cfg(tmp_path, budget_latency=1.0, latency_mode="lut", latency_lut=str(path), latency_repeats=2,
                     latency_warmup=1, evolution_max_iter=6, input_image_size=8)
    engine = EvolutionSearch(cfg)
    assert engine.budgets.budgets[-1].estimator.mode == "lut"
    engine.run()
    table = LatencyTable.load(path)
    entries = table.entries(CPU1)
    assert entries and all(e["runs"] == 2 for e in entries.values())
    recs = [r for r in read_candidates(tmp_path / "run" / "candidates.jsonl") if r["status"] == "accepted"]
    assert recs and all(r["latency"] > 0 for r in recs)


def test_auto_mode_uses_a_table_when_there_is_one(tmp_path, caplog):
    cfg = search_cfg(tmp_path, budget_latency=1.0, latency_mode="auto")
    with caplog.at_level(logging.WARNING, logger="zennas.search"):
        est = make_estimator(cfg, "cpu")
    assert isinstance(est, MeasuredLatency)  # no table (tests use an empty ZENNAS_LATENCY_DIR)
    assert "build one on the target device with: benchmark_network_latency.py --build_lut" in caplog.text
    path, _ = predictor_table(tmp_path)
    est = make_estimator(search_cfg(tmp_path, budget_latency=1.0, latency_lut=str(path)), "cpu")
    assert isinstance(est, TableLatency) and est.mode == "predictor"


def test_predictor_mode_without_a_table_names_the_command(tmp_path):
    from zennas.search.config import ConfigError

    with pytest.raises(ConfigError, match="latency_mode predictor: no latency table at .*--build_lut"):
        make_estimator(search_cfg(tmp_path, budget_latency=1.0, latency_mode="predictor"), "cpu")


def test_latency_preset_without_a_gpu_says_how_to_build_a_table(no_cuda):
    from zennas.search.config import config_path, load_yaml

    cfg = build_config(("preset", load_yaml(config_path("Zen_NAS_ImageNet_latency0.1ms"))))
    assert cfg.latency_mode == "auto" and cfg.latency_verify_top == 5
    ok, why = make_estimator(cfg, "cpu").available()
    assert not ok and "latency device 'cuda' is not available" in why and "--latency_lut" in why
    assert ("benchmark_network_latency.py --build_lut --config Zen_NAS_ImageNet_latency0.1ms --input_image_size 224"
            " --num_classes 1000 --batch_size 64 --dtype float16 --device cuda") in why


# ------------------------------------------------------------------------------------------------ CLI
def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "benchmark_network_latency.py", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_cli_measures_a_structure_file_as_json_lines(tmp_path):
    f = tmp_path / "s.txt"
    f.write_text("\n".join(NETS[:2]) + "\n")
    r = run("--plainnet_struct_txt", str(f), "--input_image_size", "16", "--num_classes", "10", "--batch_size", "2",
            "--repeat_times", "3", "--warmup", "1", "--threads", "1", "--channels_last", "--json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["structure"] for x in rows] == NETS[:2]
    for x in rows:
        assert x["median_ms"] > 0 and x["p90_ms"] >= x["median_ms"] and x["per_image_ms"] == pytest.approx(
            x["median_ms"] / 2)
        assert (x["batch_size"], x["dtype"], x["device"], x["threads"], x["channels_last"]) == (2, "float32", "cpu", 1,
                                                                                               True)


def test_cli_builds_a_table_resumes_it_and_predicts(tmp_path):
    lut, f = tmp_path / "t.json", tmp_path / "s.txt"
    build = ("--build_lut", str(lut), "--search_space", "XXBL", "--plainnet_struct", S0, "--input_image_size", "8",
             "--num_classes", "10", "--batch_size", "1", "--threads", "1", "--lut_structures", "6", "--calibrate",
             "3", "--repeat_times", "3", "--warmup", "1", "--budget_model_size", "5e4", "--no_progress", "--json")
    r = run(*build)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.splitlines()[-1])
    assert out["structures"] == 6 and out["timed_now"] == out["entries"] == out["units"] > 0
    assert out["model"] in ("offset", "units", "affine") and out["setting"] == "b1/float32/nchw/t1"
    again = json.loads(run(*build).stdout.splitlines()[-1])
    assert again["timed_now"] == 0 and again["entries"] == out["entries"]  # same sample: nothing new to time
    f.write_text("\n".join(NETS) + "\n")
    r = run("--predict", "--lut", str(lut), "--plainnet_struct_txt", str(f), "--input_image_size", "8",
            "--num_classes", "10", "--batch_size", "1", "--json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["structure"] for x in rows] == NETS
    for x in rows:
        assert x["predicted_ms"] > 0 and x["per_image_ms"] == x["predicted_ms"] and x["batch_size"] == 1
        assert x["dtype"] == "float32" and "cpu" in x["device"] and x["stated_error"]["mape"] >= 0


@pytest.mark.parametrize("args, msg", [
    (["--batch_size", "0"], "batch_size must be a positive integer, got 0"),
    (["--dtype", "int8"], "unknown dtype 'int8'"),
    (["--threads", "0"], "threads must be a positive integer"),
    (["--warmup", "-1"], "--warmup must be >= 0"),
    (["--clock", "cycles"], "unknown clock 'cycles'"),
    (["--predict", "--lut", "/nonexistent/t.json"], "latency table '/nonexistent/t.json' not found"),
    (["--device", "cuda"], "CUDA is not available"),
    (["--gpu", "0", "--fp16"], "device 'cuda:0': CUDA is not available"),
])
def test_cli_bad_input_is_one_line_and_a_nonzero_exit(args, msg, capsys, no_cuda):
    rc = latency_main(["--plainnet_struct", S0, "--input_image_size", "8", "--num_classes", "10", *args])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc != 0 and len(err) == 1 and err[0].startswith("error: ") and msg in err[0], err
    assert "Traceback" not in err[0]
