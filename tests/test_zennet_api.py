"""The original's Python API: ZenNet.get_ZenNet (cache directory, checksums, clear errors) and
Masternet.MasterNet with the original keyword names."""

from __future__ import annotations

import hashlib

import pytest
import torch

import Masternet
import ZenNet
from zennas.masternet import MasterNet as CoreMasterNet

NAME = "zennet_cifar10_model_size05M_res32"
S = "SuperConvK3BNRELU(3,8,2,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)"


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ZENNET_PRETRAINED_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _weights(path, seed=0):
    torch.manual_seed(seed)
    m = ZenNet.get_ZenNet(NAME)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": m.state_dict()}, path)
    return m


def test_table_matches_the_original_layout():
    t = ZenNet.zennet_model_zoo
    assert len(t) == 15
    e = t["zennet_imagenet1k_latency12ms_res224"]
    assert e["pth_path"] == "iccv2021_zennet_imagenet1k_latency12ms_res224/student_best-params_rank0.pth"
    assert e["crop_image_size"] == 380 and e["resolution"] == 224 and e["num_classes"] == 1000
    assert t[NAME]["pretrained_pth_url"].endswith(f"/ZenNet/pretrained_models/{NAME}/best-params_rank0.pth")
    assert t["zennet_imagenet1k_flops400M_SE_res224"]["use_SE"] is True


def test_missing_published_weights_name_the_expected_file(cache):
    with pytest.raises(ZenNet.WeightsError) as e:
        ZenNet.get_ZenNet(NAME, pretrained=True)
    assert f"expected {cache}/{NAME}/best-params_rank0.pth" in str(e.value) and "download=True" in str(e.value)
    with pytest.raises(ValueError, match="model name not found.*zennet_cifar10_model_size1M_res32"):
        ZenNet.get_ZenNet("zennet_cifar10_model_size3M_res32")


def test_loads_from_the_cache_and_from_a_local_file(cache, tmp_path):
    ref = _weights(cache / NAME / "best-params_rank0.pth", seed=3)
    m = ZenNet.get_ZenNet(NAME, pretrained=True)
    x = torch.randn(2, 3, 32, 32)
    assert torch.equal(m.eval()(x), ref.eval()(x))
    other = _weights(tmp_path / "mine.pth", seed=4)
    m2 = ZenNet.get_ZenNet(NAME, pretrained=tmp_path / "mine.pth")
    assert torch.equal(m2.eval()(x), other.eval()(x)) and not torch.equal(m2(x), m(x))


def test_checksums_are_verified(cache, tmp_path):
    p = tmp_path / "w.pth"
    _weights(p)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    ZenNet.get_ZenNet(NAME, pretrained=str(p), sha256=digest)
    with pytest.raises(ValueError, match="checksum mismatch"):
        ZenNet.get_ZenNet(NAME, pretrained=str(p), sha256="0" * 64)
    # a checksum recorded beside a cached file (as written after a download) is checked too
    cached = cache / NAME / "best-params_rank0.pth"
    _weights(cached)
    (cached.parent / "best-params_rank0.pth.sha256").write_text("f" * 64 + "\n")
    with pytest.raises(ValueError, match="checksum mismatch"):
        ZenNet.get_ZenNet(NAME, pretrained=True)


def test_weights_that_do_not_fit_are_a_clear_error(tmp_path):
    p = tmp_path / "w.pth"
    torch.save(CoreMasterNet(S, 10).state_dict(), p)
    with pytest.raises(ValueError, match="do not fit the network"):
        ZenNet.get_ZenNet(NAME, pretrained=str(p))


def test_masternet_accepts_the_original_keywords():
    torch.manual_seed(0)
    a = Masternet.MasterNet(num_classes=7, plainnet_struct=S, no_reslink=True, no_BN=False, use_se=True)
    torch.manual_seed(0)
    b = CoreMasterNet(S, 7, no_reslink=True, use_se=True)
    assert isinstance(a, CoreMasterNet) and str(a) == S and a.num_classes == 7
    assert a.opts.no_reslink and a.opts.use_se and not a.opts.no_BN
    assert list(a.state_dict()) == list(b.state_dict())
    x = torch.randn(2, 3, 32, 32)
    assert torch.equal(a.eval()(x), b.eval()(x))
    assert Masternet.MasterNet(plainnet_struct=S).num_classes == 1000  # original default: from opt -> 1000


def test_masternet_keeps_the_zennas_call_and_ignores_argv_opt_with_a_warning():
    import argparse

    m = Masternet.MasterNet(S, 10, no_BN=True)
    assert m.num_classes == 10 and m.opts.no_BN
    with pytest.warns(UserWarning, match="argv, opt ignored"):
        m = Masternet.MasterNet(argv=["--foo"], opt=argparse.Namespace(num_classes=3), num_classes=5, plainnet_struct=S)
    assert m.num_classes == 5
    with pytest.warns(UserWarning, match="argv ignored"):  # the original's positional argv
        Masternet.MasterNet(["--plainnet_struct", S], plainnet_struct=S)
    with pytest.raises(TypeError, match="needs a structure"):
        Masternet.MasterNet(num_classes=10)
    with pytest.raises(TypeError, match="once"):
        Masternet.MasterNet(S, plainnet_struct=S)
