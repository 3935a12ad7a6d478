"""Every preset script in scripts/ passes in dry-run mode and resolves to the space, flags and budgets of
the original script (ZENNAS_SPEC §4.3; cf. idstcv/ZenNAS #5: a script once used the wrong space).

Each script is run through bash with PYTHON pointing at a shim that records the command line (fast: no
torch import per script); the recorded command is then resolved in-process exactly as the CLI does
and dry-run with 0 iterations.  Two scripts are also run end to end (real interpreter, 2 iterations).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p for p in (ROOT / "scripts").glob("*.sh") if "run_preset.sh" in p.read_text())

CIFAR_S0 = "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,1,8,1)"
FLOPS_S0 = "SuperConvK3BNRELU(3,8,2,1)SuperResIDWE6K3(8,32,2,8,1)"
LAT_S0 = "SuperConvK3BNRELU(3,32,2,1)SuperResK3K3(32,64,2,32,1)"
PROXY = {"Zen": "Zen", "Flops": "FLOPs", "GradNorm": "GradNorm", "NASWOT": "NASWOT", "Params": "Params",
         "Random": "Random", "Syncflow": "SynFlow", "TE": "TE-NAS"}


def expected(name: str) -> dict:
    m = re.fullmatch(r"(\w+?)_NAS_cifar_params([12])M", name)
    if m:
        return dict(proxy=PROXY[m.group(1)], space="XXBL", res=32, classes=100, s0=CIFAR_S0,
                    batch=8 if m.group(1) == "NASWOT" else 64,
                    budgets={"budget_model_size": float(m.group(2)) * 1e6,
                             "max_layers": 18 if m.group(2) == "1" else 20})
    m = re.fullmatch(r"Zen_NAS_ImageNet_flops(\d+)M", name)
    if m:
        return dict(proxy="Zen", space="IDW_fixfc", res=224, classes=1000, s0=FLOPS_S0, batch=64,
                    budgets={"budget_flops": float(m.group(1)) * 1e6,
                             "max_layers": {"400": 14, "600": 14, "800": 16}[m.group(1)]})
    m = re.fullmatch(r"Zen_NAS_ImageNet_latency([\d.]+)ms", name)
    if m:
        layers = {"0.1": 10, "0.2": 13, "0.3": 16, "0.5": 20, "0.8": 25, "1.2": 30}[m.group(1)]
        return dict(proxy="Zen", space="XXBL", res=224, classes=1000, s0=LAT_S0, batch=64,
                    budgets={"budget_latency": float(m.group(1)) * 1e-3, "max_layers": layers})
    m = re.fullmatch(r"Zen_NAS_GSNet_params(\d+)M_mac", name)
    if m:
        return dict(proxy="Zen", space="adlik", res=None, classes=None, s0="SuperGSConvK3(3,", batch=64,
                    budgets={"budget_model_size": None, "budget_flops": None, "budget_mac": None,
                             "max_layers": None})
    raise AssertionError(f"no expectation for preset script {name}")


def test_every_original_preset_has_a_script():
    names = {p.stem for p in SCRIPTS}
    for proxy in PROXY:
        for size in ("1M", "2M"):
            assert f"{proxy}_NAS_cifar_params{size}" in names
    for f in ("400M", "600M", "800M"):
        assert f"Zen_NAS_ImageNet_flops{f}" in names
    for lat in ("0.1", "0.2", "0.3", "0.5", "0.8", "1.2"):
        assert f"Zen_NAS_ImageNet_latency{lat}ms" in names
    assert any("GSNet" in n for n in names)
    from zennas import presets

    for p in SCRIPTS:
        assert presets.path(p.stem) is not None, p.stem  # packaged with zennas
        assert os.access(p, os.X_OK)


@pytest.fixture(scope="module")
def shim(tmp_path_factory):
    d = tmp_path_factory.mktemp("shim")
    py = d / "python"
    py.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$SHIM_OUT"\n')
    py.chmod(0o755)
    return py


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_script_dry_run_resolves_to_original_preset(script, shim, tmp_path):
    from zennas.cli.search import config_from_args
    from zennas.search import EvolutionSearch

    out = tmp_path / "argv.txt"
    env = {**os.environ, "PYTHON": str(shim), "SHIM_OUT": str(out), "SAVE_DIR": str(tmp_path / "save"),
           "EXTRA_ARGS": "--seed 5"}
    r = subprocess.run(["bash", str(script), "--dry-run"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    argv = out.read_text().splitlines()
    assert argv[0] == "evolution_search.py" and "--dry-run" in argv and "analyze_model.py" not in argv
    cfg, _ = config_from_args(argv[1:] + ["--set", "dry_run_iterations=0"])
    assert cfg.dry_run and cfg.seed == 5 and cfg.save_dir == str(tmp_path / "save")
    exp = expected(script.stem)
    eng = EvolutionSearch(cfg)
    res = eng.run()
    assert res.stopped_by == "dry_run"
    resolved = res.resolved
    assert resolved["proxy"] == exp["proxy"]
    assert cfg.search_space == exp["space"] and exp["space"] in resolved["space"]
    assert resolved["initial_structure"].startswith(exp["s0"])
    assert cfg.batch_size == exp["batch"] and cfg.population_size == 512 and cfg.evolution_max_iter == 480000
    if exp["res"]:
        assert cfg.input_image_size == exp["res"] and cfg.num_classes == exp["classes"]
    got = {b["name"]: b["limit"] for b in resolved["budgets"]}
    assert set(got) == set(exp["budgets"])
    for k, v in exp["budgets"].items():
        if v is not None:
            assert got[k] == pytest.approx(v)
    if exp["space"] == "adlik":
        assert cfg.search_space_list == ["zennas.blocks.gs_super"] and resolved["mutation"] == "adlik"
    # budgets are listed cheapest first
    order = ["max_layers", "budget_model_size", "budget_flops", "budget_mac", "budget_peak", "budget_latency"]
    assert [b["name"] for b in resolved["budgets"]] == [n for n in order if n in got]


@pytest.mark.parametrize("name", ["Params_NAS_cifar_params1M", "Zen_NAS_GSNet_params1M_mac"])
def test_script_dry_run_end_to_end(name, tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "SAVE_DIR": str(tmp_path / "s"),
           "EXTRA_ARGS": "--batch_size 4" if "GSNet" in name else ""}
    r = subprocess.run(["bash", str(ROOT / "scripts" / f"{name}.sh"), "--dry-run"], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["dry_run"]["iterations"] == 2
    assert report["resolved"]["initial_costs"]["params"] <= report["config"]["budget_model_size"]
    assert not (tmp_path / "s").exists()  # a dry run writes nothing into SAVE_DIR
