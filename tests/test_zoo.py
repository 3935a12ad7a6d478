"""Model zoo: every network builds, runs and has the published / reference parameter counts; the zoo CLI;
weights loading with checksums (nothing is downloaded)."""

import hashlib
import json

import pytest
import torch

from zennas.cli import zoo as zoo_cli
from zennas.zoo import build_zoo_model, entry_costs, get_zoo_entry, list_zoo, load_pretrained

ENTRIES = list_zoo()
NAMES = [e.name for e in ENTRIES]

# ZEN-formula params of the published ZenNet structures (ZENNAS_SPEC §2.6 golden table, verified against
# the original code) and reference figures of the other families (GENet: shared zoo reference table;
# MobileNeXt / GE-WRN: hand derivations in tests/test_blocks_sandglass.py / test_blocks_gather_excite.py).
ZEN_PARAMS = {
    "zennet_cifar10_model_size05M_res32": 494217, "zennet_cifar100_model_size05M_res32": 540297,
    "zennet_cifar10_model_size1M_res32": 985105, "zennet_cifar100_model_size1M_res32": 1031185,
    "zennet_cifar10_model_size2M_res32": 1969001, "zennet_cifar100_model_size2M_res32": 2015081,
    "zennet_imagenet1k_flops400M_SE_res224": 7441649, "zennet_imagenet1k_flops600M_SE_res224": 11273745,
    "zennet_imagenet1k_flops900M_SE_res224": 19300757, "zennet_imagenet1k_latency01ms_res224": 30050273,
    "zennet_imagenet1k_latency02ms_res224": 49651521, "zennet_imagenet1k_latency03ms_res224": 85333321,
    "zennet_imagenet1k_latency05ms_res224": 118113153, "zennet_imagenet1k_latency08ms_res224": 182399457,
    "zennet_imagenet1k_latency12ms_res224": 180473441,
    "genet_gpu_large": 31025985, "genet_gpu_normal": 21108545, "genet_gpu_light": 8155485,
}
TORCH_PARAMS = {"genet_gpu_large": 31078280, "genet_gpu_normal": 21142920, "genet_gpu_light": 8173761,
                "mobilenext_1.0_res224": 3535416, "gather_excite_wrn16_8_theta_minus_cifar10": 10961370}
# forward every network of the families added beside ZenNet up to this many MACs, plus the smallest of
# every family (ZenNet's depthwise 7x7 nets take ~7 s each on a 2-core CPU; tests/test_masternet.py and
# the ZenNet tests cover them)
FORWARD_MAX_MACS = 700e6


def numel(m):
    return sum(p.numel() for p in m.parameters())


def test_every_family_listed():
    fams = {e.family for e in ENTRIES}
    assert {"ZenNet", "GENet", "MobileNeXt", "GatherExcite", "GSNet"} <= fams


@pytest.mark.parametrize("name", NAMES)
def test_build_params(name):
    e = get_zoo_entry(name)
    c = entry_costs(e)
    if name in ZEN_PARAMS:
        assert c.params == ZEN_PARAMS[name]
    if name in TORCH_PARAMS:
        assert c.exact_params == TORCH_PARAMS[name]
    m = build_zoo_model(name)
    assert numel(m) == c.exact_params


def _forward_set():
    chosen, smallest = set(), {}
    for e in ENTRIES:
        macs = entry_costs(e).exact_macs
        if macs <= FORWARD_MAX_MACS and e.family != "ZenNet":
            chosen.add(e.name)
        if e.family not in smallest or macs < smallest[e.family][0]:
            smallest[e.family] = (macs, e.name)
    return sorted(chosen | {n for _, n in smallest.values()})


@pytest.mark.parametrize("name", _forward_set())
def test_forward(name):
    e = get_zoo_entry(name)
    m = build_zoo_model(name).eval()
    with torch.no_grad():
        y = m(torch.randn(1, 3, e.resolution, e.resolution))
    assert y.shape == (1, e.num_classes)


def test_published_top1_present_where_sources_give_it():
    assert get_zoo_entry("GENet_large").top1 == 81.3
    assert get_zoo_entry("mobilenext_1.0_res224").top1 == 74.02
    assert get_zoo_entry("gather_excite_wrn16_8_theta_minus_cifar10").top1 == 94.76
    assert get_zoo_entry("gsnet_example_cifar10").top1 is None


def test_load_pretrained_checksum(tmp_path):
    m = build_zoo_model("gsnet_example_cifar10")
    p = tmp_path / "w.pth"
    torch.save({"state_dict": {"module." + k: v for k, v in m.state_dict().items()}}, p)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    m2 = build_zoo_model("gsnet_example_cifar10", pretrained_path=str(p), sha256=digest)
    for (k, a), b in zip(m.state_dict().items(), m2.state_dict().values()):
        assert torch.equal(a, b), k
    with pytest.raises(ValueError, match="checksum"):
        load_pretrained(build_zoo_model("gsnet_example_cifar10"), str(p), sha256="0" * 64)
    with pytest.raises(FileNotFoundError):
        load_pretrained(m, str(tmp_path / "missing.pth"))


def test_cli_table_json_and_name(capsys):
    assert zoo_cli.main([]) == 0
    out = capsys.readouterr().out
    for n in NAMES:
        assert n in out
    assert zoo_cli.main(["--json", "--family", "GENet"]) == 0
    recs = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in recs} == {"genet_gpu_large", "genet_gpu_normal", "genet_gpu_light"}
    assert zoo_cli.main(["--name", "GENet_large", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert (rec["zen_params"], rec["zen_flops"], rec["layers"], rec["exact_params"]) == \
        (31025985, 4565037056, 20, 31078280)
    assert rec["published_top1"] == 81.3 and rec["resolution"] == 256
    assert zoo_cli.main(["--name", "no_such_net"]) == 2
