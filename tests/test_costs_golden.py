"""Analytic costs against published / reference figures (ZENNAS_SPEC §2.6, zoo reference table)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from tests.conftest import shared_file
from zennas.costs import block_table, compute_costs
from zennas.masternet import build_model
from zennas.structure import parse, to_str
from zennas.zoo import get_zoo_entry

REF = json.loads((Path(__file__).parent / "data" / "zennet_cost_reference.json").read_text())["networks"]

EX1 = "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)"
EX2 = ("SuperConvK3BNRELU(3,16,2,1)SuperResK1K3K1(16,32,2,16,1)SuperResIDWE2K5(32,48,2,24,2)"
       "SuperConvK1BNRELU(48,128,1,1)")


def test_worked_example_by_hand():
    # ZENNAS_SPEC §2.6, written out: stem 221,184 + 8,192; KXKX 147,456 + 2,048 + 294,912 + 4,096 + 9,216
    # (projection (8*16+16)*(16/2)^2); head 131,072 + 8,192; FC 320.
    flops = (221_184 + 8_192) + (147_456 + 2_048 + 294_912 + 4_096 + 9_216) + (131_072 + 8_192) + 320
    params = (216 + 8) + (576 + 8 + 1152 + 16 + 144) + (512 + 32) + 321
    c = compute_costs(EX1, 32, 10)
    assert (c.flops, c.params, c.layers) == (flops, params, 3) == (826_688, 2_985, 3)
    c = compute_costs(EX1, 32, 10, no_reslink=True)
    assert (c.flops, c.params) == (826_688 - 9_216, 2_985 - 144)


@pytest.mark.parametrize("flags,expected", [
    ({}, (5_106_816, 47_329)),
    ({"use_se": True}, (5_145_536, 59_905)),
    ({"no_reslink": True}, (4_830_464, 42_417)),
])
def test_second_golden_case(flags, expected):
    c = compute_costs(EX2, 64, 10, **flags)
    assert (c.flops, c.params, c.layers) == (*expected, 5)


def test_split_example():
    # §2.6: SuperResK1K3K1(16,32,2,8,7) between stem K3 16 and head K1 64 splits 3+4; params 19,521 -> 20,577
    s = "SuperConvK3BNRELU(3,16,1,1)SuperResK1K3K1(16,32,2,8,7)SuperConvK1BNRELU(32,64,1,1)"
    blocks = parse(s)
    split = [p for b in blocks for p in b.split(6)]
    assert to_str(split) == ("SuperConvK3BNRELU(3,16,1,1)SuperResK1K3K1(16,32,2,8,3)SuperResK1K3K1(32,32,1,8,4)"
                             "SuperConvK1BNRELU(32,64,1,1)")
    assert compute_costs(s, 32, 10).params == 19_521
    assert compute_costs(split, 32, 10).params == 20_577
    assert compute_costs(split, 32, 10).layers == compute_costs(s, 32, 10).layers


@pytest.mark.parametrize("row", REF, ids=[r["name"] for r in REF])
def test_zennet_zoo_zen_mode_and_exact_params(row):
    e = get_zoo_entry(row["name"])
    c = compute_costs(e.structure, row["resolution"], row["num_classes"], use_se=row["use_se"])
    assert c.params == row["params"]
    assert c.flops == row["flops"]
    assert c.layers == row["layers"]
    assert c.exact_params == row["torch_params"]
    with torch.device("meta"):  # build without allocating (the big latency nets have 180M params)
        m = build_model(e.structure, row["num_classes"], use_se=row["use_se"])
    assert sum(p.numel() for p in m.parameters()) == row["torch_params"]


def test_exact_macs_bounded_by_ptflops():
    # ptflops counts conv/linear MACs plus BN/activation/pool element-wise work, so it is an upper bound
    for row in REF:
        e = get_zoo_entry(row["name"])
        c = compute_costs(e.structure, row["resolution"], row["num_classes"], use_se=row["use_se"])
        assert 0.95 * row["ptflops_macs"] < c.exact_macs <= row["ptflops_macs"]


def test_reference_file_in_shared_matches_embedded_copy():
    ref = json.loads(shared_file("reference", "zoo_reference.json").read_text())
    shared = {n["name"]: n for n in ref["networks"] if n["family"] == "ZenNet"}
    for row in REF:
        s = shared[row["name"]]
        assert (s["params"], s["flops"], s["layers"], s["torch_params"]) == (
            row["params"], row["flops"], row["layers"], row["torch_params"])
        assert s["structure"] == get_zoo_entry(row["name"]).structure


def test_block_table_sums_to_totals():
    e = get_zoo_entry("zennet_cifar10_model_size1M_res32")
    rows = block_table(e.structure, 32, 10)
    c = compute_costs(e.structure, 32, 10)
    for key in ("params", "flops", "exact_params", "exact_macs", "mac"):
        assert sum(r[key] for r in rows) == getattr(c, key)
    assert rows[-1]["name"] == "head"


def test_mac_definition_on_a_1x1_conv():
    # ShuffleNet V2: MAC of a 1x1 conv = h*w*(c1 + c2) + c1*c2 (BN fused -> 0)
    c = parse("ConvKX(16,32,1,1)BN(32)")
    total = sum((b.cost(8).mac for b in c), 0)
    assert total == 8 * 8 * (16 + 32) + 16 * 32
    from zennas.block import Options

    unfused = sum((b.cost(8, Options(mac_unfused=True)).mac for b in c), 0)
    assert unfused == total + 2 * 32 * 8 * 8
