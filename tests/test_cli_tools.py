"""analyze_model.py and benchmark_network_latency.py as users call them (subprocess, real argv)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT
from zennas.costs import compute_costs

S1 = "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)"
S2 = "SuperConvK3BNRELU(3,16,2,1)SuperResK1K3K1(16,32,2,16,1)SuperConvK1BNRELU(32,64,1,1)"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_analyze_json_one_line_per_structure(tmp_path):
    f = tmp_path / "structs.txt"
    f.write_text(f"{S1}\n\n# a comment\n{S2}\n")
    r = run("analyze_model.py", "--plainnet_struct_txt", str(f), "--input_image_size", "32", "--num_classes", "10",
            "--json")
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["structure"] for x in lines] == [S1, S2]
    for x, s in zip(lines, (S1, S2)):
        c = compute_costs(s, 32, 10)
        assert (x["params"], x["flops"], x["layers"]) == (c.params, c.flops, c.layers)
        assert {"exact_params", "exact_macs", "mac"} <= set(x)
        assert x["ptflops_macs"] >= x["exact_macs"]  # ptflops adds element-wise work
    assert lines[0]["params"] == 2985 and lines[0]["flops"] == 826688  # ZENNAS_SPEC §2.6


def test_analyze_table_for_a_zoo_name():
    r = run("analyze_model.py", "--arch", "zennet_cifar10_model_size05M_res32", "--no_ptflops")
    assert r.returncode == 0, r.stderr
    assert "TOTAL" in r.stdout and "494.217K" in r.stdout  # zen params of the published 0.5M model


def test_analyze_reports_parse_errors_with_position():
    r = run("analyze_model.py", "--plainnet_struct", "SuperConvK3BNRELU(3,8,1,1)SuperResK3K(8,16,2,8,1)")
    assert r.returncode == 2
    assert "unknown block 'SuperResK3K' at offset 26" in r.stderr and "SuperResK3K3" in r.stderr


def test_analyze_unknown_zoo_name_suggests():
    r = run("analyze_model.py", "--arch", "zennet_cifar10_model_size1M_res3")
    assert r.returncode != 0 and "zennet_cifar10_model_size1M_res32" in r.stderr


def test_latency_json():
    r = run("benchmark_network_latency.py", "--plainnet_struct", S1, "--input_image_size", "16", "--num_classes",
            "10", "--batch_size", "2", "--repeat_times", "3", "--warmup", "1", "--json")
    assert r.returncode == 0, r.stderr
    x = json.loads(r.stdout)
    assert x["per_image"] > 0 and len(x["runs"]) == 3 and x["batch_size"] == 2
    assert abs(x["per_batch"] - sorted(x["runs"])[1]) < 1e-12  # the median


def test_proxy_cli_scores_a_genet_dialect_zoo_network():
    # GENet-light's true parameter count (idstcv/GPU-Efficient-Networks, reference table: 8,173,761)
    r = run("-m", "ZeroShotProxy", "--arch", "GENet_small", "--zero_shot_score", "params", "--json")
    assert r.returncode == 0, r.stderr
    x = json.loads(r.stdout.strip().splitlines()[-1])
    assert x["ok"] and x["score"] == 8_173_761
