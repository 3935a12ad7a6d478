"""The model factory and the checkpoint format shared by training, val.py, export and predict."""

from __future__ import annotations

import pytest
import torch

from zennas.checkpoint import (
    CheckpointError,
    Preprocess,
    load_checkpoint,
    model_from_checkpoint,
    save_checkpoint,
)
from zennas.models import ModelSpec, ModelSpecError, create_model, resolve_model_spec

S = "SuperConvK3BNRELU(3,8,2,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)"


def test_resolve_forms_of_arch():
    for arch in (None, "PlainNet", "Masternet.py:MasterNet", "some/dir/Masternet.py:MasterNet"):
        s = resolve_model_spec(arch, structure=S, num_classes=10, input_image_size=32)
        assert (s.kind, s.structure, s.num_classes, s.input_image_size) == ("masternet", S, 10, 32)
    z = resolve_model_spec("zennet_cifar10_model_size05M_res32")
    assert (z.kind, z.num_classes, z.input_image_size) == ("zoo", 10, 32)
    t = resolve_model_spec("resnet18", num_classes=7)
    assert (t.kind, t.name, t.num_classes) == ("torchvision", "resnet18", 7)


@pytest.mark.parametrize("kw, msg", [
    (dict(arch="Masternet.py:MasterNet"), "needs a structure"),
    (dict(arch="zennet_cifar10_model_size05M_res32", structure=S), "both given"),
    (dict(arch="resnet19"), "did you mean"),
])
def test_resolve_errors_name_the_problem(kw, msg):
    arch = kw.pop("arch")
    with pytest.raises(ModelSpecError, match=msg):
        resolve_model_spec(arch, **kw)


def test_spec_round_trip_and_unknown_keys():
    s = resolve_model_spec(None, structure=S, num_classes=3, use_se=True)
    assert ModelSpec.from_dict(s.to_dict()) == s
    with pytest.raises(ModelSpecError, match="unknown model description keys"):
        ModelSpec.from_dict({**s.to_dict(), "bogus": 1})


def test_zoo_spec_with_other_classes_rebuilds_the_head():
    m = create_model(resolve_model_spec("zennet_cifar10_model_size05M_res32", num_classes=4))
    assert m(torch.randn(2, 3, 32, 32)).shape == (2, 4)


def test_checkpoint_round_trip_rebuilds_the_network(tmp_path):
    spec = resolve_model_spec(None, structure=S, num_classes=3, input_image_size=16)
    torch.manual_seed(0)
    model = create_model(spec).eval()
    pre = Preprocess.cifar(16, class_names=["a", "b", "c"])
    p = save_checkpoint({"epoch": 1, "state_dict": model.state_dict(), "model": spec.to_dict(),
                         "preprocess": pre.to_dict()}, tmp_path / "best-params_rank0.pth")
    assert not list(tmp_path.glob("*.tmp-*"))
    raw = torch.load(p, weights_only=True)  # loadable without unpickling code
    assert raw["format"] == "zennas.checkpoint/1"
    m2, spec2, pre2, _ = model_from_checkpoint(p)
    x = torch.randn(2, 3, 16, 16)
    assert spec2 == spec and pre2 == pre
    assert torch.equal(model(x), m2.eval()(x))


def test_truncated_or_missing_checkpoint_is_a_clear_error(tmp_path):
    p = tmp_path / "latest-params_rank0.pth"
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(p)
    save_checkpoint({"epoch": 1, "state_dict": {"w": torch.zeros(1000)}}, p)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        load_checkpoint(p)
    with pytest.raises(CheckpointError, match="no model description"):
        save_checkpoint({"state_dict": {}}, p)
        model_from_checkpoint(p)


def test_failed_write_leaves_the_previous_checkpoint(tmp_path):
    p = tmp_path / "ck.pth"
    save_checkpoint({"epoch": 1}, p)

    class Boom:
        def __reduce__(self):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        save_checkpoint({"epoch": 2, "x": Boom()}, p)
    assert load_checkpoint(p)["epoch"] == 1 and not list(tmp_path.glob("*.tmp-*"))


def test_offline_digits_imagefolder(tmp_path):
    from zennas.data.digits import write_digits_imagefolder

    root = write_digits_imagefolder(tmp_path / "digits", size=16)
    train = sorted(p.name for p in (root / "train").iterdir())
    assert train == [str(c) for c in range(10)]
    n_tr = sum(1 for _ in (root / "train").rglob("*.png"))
    n_va = sum(1 for _ in (root / "val").rglob("*.png"))
    assert (n_tr + n_va, round(n_va / (n_tr + n_va), 2)) == (1797, 0.2)  # load_digits() has 1,797 images
