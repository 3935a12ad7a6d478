"""benchmarks/proxy_ranking.py end to end on a few NB201 cells (ImageNet16-120 head: 16 px, fast):
ranking.json shape, Markdown table, scatter PNGs, data recording, cache hits on rerun, CLI errors,
and the NB201 space inside the evolutionary search."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import proxy_ranking  # noqa: E402

ROWS = list(csv.DictReader((ROOT / "tests" / "data" / "nb201_sample200.csv").open()))[:4]


def _csv(tmp_path: Path) -> Path:
    p = tmp_path / "cells.csv"
    with p.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(ROWS[0]))
        w.writeheader()
        w.writerows(ROWS)
    return p


def test_end_to_end_and_cache(tmp_path):
    out = tmp_path / "out"
    args = ["--csv", str(_csv(tmp_path)), "--proxies", "Params,FLOPs,MeCo,SWAP,AZ-NAS", "--out", str(out),
            "--dataset", "ImageNet16-120", "--bootstrap", "50", "--ensemble", "AZ-NAS:expressivity,MeCo,Params"]
    assert proxy_ranking.main(args) == 0
    ranking = json.loads((out / "ranking.json").read_text())
    expected_rows = {"Params", "FLOPs", "MeCo", "SWAP", "SWAP-reg", "AZ-NAS", "AZ-NAS:expressivity",
                     "AZ-NAS:progressivity", "AZ-NAS:trainability", "AZ-NAS:complexity", "Ensemble"}
    assert set(ranking) == expected_rows
    for row in ranking.values():
        assert set(row) == {"acc_cifar10", "acc_cifar100", "acc_imagenet16"}
        for e in row.values():
            assert {"spearman", "kendall", "ci", "n"} <= set(e) and e["n"] == 4 and len(e["ci"]) == 2
    acc = [float(r["acc_cifar10"]) for r in ROWS]
    params = [float(r["params_c10_M_nb201"]) for r in ROWS]  # the 120-class head adds a constant
    assert ranking["Params"]["acc_cifar10"]["spearman"] == pytest.approx(stats.spearmanr(params, acc)[0])
    assert ranking["Params"]["acc_cifar10"]["kendall"] == pytest.approx(stats.kendalltau(params, acc)[0])
    assert "offline fallback" in ranking["MeCo"]["acc_cifar10"]["data"]
    assert ranking["Params"]["acc_cifar10"]["data"].startswith("synthetic")
    assert ranking["AZ-NAS"]["acc_cifar10"]["data"] == "gaussian N(0,1)"
    md = (out / "ranking.md").read_text()
    assert "| Ensemble |" in md and "load average" in md
    assert len(list((out / "scatter").glob("*.png"))) == len(expected_rows)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["cells_computed"] == 4 and meta["resolution"] == 16 and "cpu_capability" in meta
    lines = (out / "cache.jsonl").read_text().splitlines()
    assert len(lines) == 4 * 5
    # rerun: everything from the cache, same numbers
    assert proxy_ranking.main(args + ["--no_plots"]) == 0
    assert json.loads((out / "meta.json").read_text())["cells_computed"] == 0
    assert json.loads((out / "ranking.json").read_text()) == ranking
    # an interrupted run leaves a truncated last line: ignored, that record recomputed
    (out / "cache.jsonl").write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:20])
    assert proxy_ranking.main(args + ["--no_plots"]) == 0
    assert json.loads((out / "meta.json").read_text())["cells_computed"] == 1


def test_cli_errors(tmp_path, capsys):
    assert proxy_ranking.main(["--csv", str(tmp_path / "missing.csv"), "--out", str(tmp_path)]) == 2
    assert "no such CSV" in capsys.readouterr().err
    assert proxy_ranking.main(["--csv", str(_csv(tmp_path)), "--proxies", "Zico2", "--out", str(tmp_path)]) == 2
    assert "unknown proxy" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("arch,acc_cifar10\n|none~0|+|none~0|,1\n")
    assert proxy_ranking.main(["--csv", str(bad), "--out", str(tmp_path)]) == 2
    assert "row 2" in capsys.readouterr().err


def test_nb201_space_in_the_evolutionary_search(tmp_path):
    from zennas.costs import compute_costs
    from zennas.search import run_search
    from zennas.spaces.nb201 import ops_to_structure, structure_skeleton

    s0 = ops_to_structure((1, 1, 1, 1, 1, 1), C=8, N=1)
    res = run_search(dict(zero_shot_score="Params", search_space="NB201", plainnet_struct=s0, budget_model_size=3e4,
                          max_layers=10, input_image_size=16, num_classes=10, population_size=8,
                          evolution_max_iter=80, seed=1, tensorboard=False, plots=False, progress=False,
                          save_dir=str(tmp_path / "run")))
    ops, c, n = structure_skeleton(res.best_structure)
    assert (c, n) == (8, 1) and ops != (1,) * 6
    assert compute_costs(res.best_structure, 16, 10).params <= 3e4 < compute_costs(ops_to_structure((3,) * 6, 8, 1), 16,
                                                                                  10).params
    assert res.best_score > compute_costs(s0, 16, 10).params and np.isfinite(res.best_score)
