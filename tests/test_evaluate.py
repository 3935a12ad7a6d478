"""val.py / val_cifar.py on checkpoints written in the training format, the CIFAR reader, and clean CLI errors.

The checkpoints are trained here with hand-written loops (tests/trained.py); the expected top-1 is computed
in the test from the in-memory arrays, independently of val.py's loaders.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from tests.conftest import ROOT
from tests.datasets import write_fake_cifar
from tests.trained import STRUCTURE, cached_digits_run, normalise
from zennas.checkpoint import Preprocess, load_checkpoint, model_from_checkpoint, save_checkpoint
from zennas.data.cifar import CifarLayoutError, cifar_dataset, read_cifar
from zennas.data.digits import digits_arrays, split_indices
from zennas.models import create_model, resolve_model_spec


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    return cached_digits_run(tmp_path_factory)


def independent_top1(ckpt_path, images: np.ndarray, labels: np.ndarray) -> float:
    model, _, pre, _ = model_from_checkpoint(ckpt_path)
    with torch.no_grad():
        pred = model.eval()(normalise(images, pre)).argmax(1).numpy()
    return 100.0 * float((pred == labels).mean())


def test_val_py_on_a_training_checkpoint_reports_the_true_top1(digits):
    img, y = digits_arrays(32)
    _, va = split_indices(y)
    expected = independent_top1(digits.checkpoint, img[va], y[va])
    assert expected >= 90  # a real, trained network
    r = subprocess.run([sys.executable, "val.py", "--data", str(digits.data / "val"), "--weights",
                        str(digits.checkpoint), "--input_image_size", "32", "--json", "--workers", "0"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1
    out = json.loads(lines[0])
    assert out["images"] == len(va)
    assert out["top1"] == pytest.approx(expected, abs=1e-9)
    assert out["top1"] <= out["top5"] <= 100
    assert out["checkpoint_top1"] == pytest.approx(load_checkpoint(digits.checkpoint)["top1_acc"])


def test_val_finds_val_subfolder_and_prints_a_summary(digits, capsys):
    from zennas.cli.val import main

    assert main(["--data", str(digits.data), "--weights", str(digits.checkpoint), "--workers", "0",
                 "--batch_size", "100", "--fp16"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"masternet ({digits.checkpoint}): top-1 ") and "on 359 images" in line


def test_val_refuses_class_folders_that_differ_from_the_checkpoint(digits, tmp_path, capsys):
    from zennas.cli.val import main

    ck = load_checkpoint(digits.checkpoint)
    ck["preprocess"]["class_names"] = [f"digit{i}" for i in range(10)]
    p = save_checkpoint(ck, tmp_path / "renamed.pth")
    assert main(["--data", str(digits.data), "--weights", str(p), "--workers", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "class 0 is '0' but the checkpoint was trained with 'digit0'" in err[0]


# ---- CIFAR ----------------------------------------------------------------------------------------------
def test_cifar_reader_shapes_labels_and_names(tmp_path):
    write_fake_cifar(tmp_path, n_train=50, n_test=20)
    x, y, names = read_cifar(tmp_path, "cifar10", train=True)
    assert x.shape == (50, 32, 32, 3) and x.dtype == np.uint8 and y.tolist() == [i % 10 for i in range(50)]
    assert names == [f"class{i}" for i in range(10)]
    ds = cifar_dataset(tmp_path / "cifar-10-batches-py", "cifar10", train=False)  # the inner folder works too
    img, label = ds[3]
    assert len(ds) == 20 and label == 3 and img.size == (32, 32)
    # the PIL image holds the stored planes in HWC order: pixel (r, c) = (R, G, B) planes at r * 32 + c
    import pickle

    with open(tmp_path / "cifar-10-batches-py" / "test_batch", "rb") as f:
        row = pickle.load(f)["data"][3]
    assert np.asarray(img)[5, 7].tolist() == [row[5 * 32 + 7], row[1024 + 5 * 32 + 7], row[2048 + 5 * 32 + 7]]
    write_fake_cifar(tmp_path / "c100", n_train=30, n_test=10, num_classes=100)
    x100, y100, n100 = read_cifar(tmp_path / "c100", "cifar100", train=False)
    assert x100.shape == (10, 32, 32, 3) and len(n100) == 100 and y100.max() < 100


def test_cifar_reader_rejects_missing_and_malformed_folders(tmp_path):
    with pytest.raises(CifarLayoutError, match=r"not found; expected .*cifar-10-batches-py/\{data_batch_1\.\.5"):
        read_cifar(tmp_path / "nope", "cifar10", train=False)
    write_fake_cifar(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(CifarLayoutError, match="lacks data_batch_3"):
        read_cifar(tmp_path, "cifar10", train=True)
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(b"not a pickle")
    with pytest.raises(CifarLayoutError, match="cannot read CIFAR file"):
        read_cifar(tmp_path, "cifar10", train=False)
    import pickle

    with open(tmp_path / "cifar-10-batches-py" / "test_batch", "wb") as f:
        pickle.dump({"data": np.zeros((4, 100), np.uint8), "labels": [0, 1, 2, 3]}, f)
    with pytest.raises(CifarLayoutError, match="expected uint8 data of shape N x 3072"):
        read_cifar(tmp_path, "cifar10", train=False)


@pytest.fixture(scope="module")
def cifar_run(tmp_path_factory):
    """A tiny network trained on the fake CIFAR-10 train split, saved as a training checkpoint."""
    root = write_fake_cifar(tmp_path_factory.mktemp("cifar"), n_train=100, n_test=30)
    x, y, names = read_cifar(root, "cifar10", train=True)
    pre = Preprocess.cifar(32, class_names=names)
    spec = resolve_model_spec(None, structure=STRUCTURE, num_classes=10, input_image_size=32)
    torch.manual_seed(0)
    model = create_model(spec)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    xt, yt = normalise(x, pre), torch.from_numpy(y)
    for _ in range(40):
        loss = torch.nn.functional.cross_entropy(model.train()(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    ck = save_checkpoint({"epoch": 40, "state_dict": model.state_dict(), "model": spec.to_dict(),
                          "preprocess": pre.to_dict(), "config": {"dataset": "cifar10"}, "top1_acc": None},
                         root / "run" / "best-params_rank0.pth")
    return root, ck


def test_val_cifar_on_a_checkpoint_reports_the_true_top1(cifar_run, capsys):
    from zennas.cli.val_cifar import main

    root, ck = cifar_run
    x, y, _ = read_cifar(root, "cifar10", train=False)
    expected = independent_top1(ck, x, y)
    assert main(["--weights", str(ck), "--data_dir", str(root), "--json", "--workers", "0", "--batch_size", "7"]) == 0
    out = json.loads(capsys.readouterr().out.strip())
    assert out["dataset"] == "cifar10" and out["images"] == 30
    assert out["top1"] == pytest.approx(expected, abs=1e-9) and expected > 50  # learnable colours


def test_val_cifar_zoo_name_with_published_weights_from_the_cache(tmp_path, monkeypatch, capsys):
    from zennas.cli.val_cifar import main
    from zennas.zoo import build_zoo_model

    root = write_fake_cifar(tmp_path / "data", n_train=10, n_test=12, num_classes=100)
    monkeypatch.setenv("ZENNET_PRETRAINED_DIR", str(tmp_path / "cache"))
    name = "zennet_cifar100_model_size05M_res32"
    assert main(["--arch", name, "--data_dir", str(root), "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert f"expected {tmp_path}/cache/{name}/best-params_rank0.pth" in err
    torch.manual_seed(1)
    m = build_zoo_model(name).eval()
    dest = tmp_path / "cache" / name / "best-params_rank0.pth"
    dest.parent.mkdir(parents=True)
    torch.save({"state_dict": m.state_dict()}, dest)
    assert main(["--arch", name, "--data_dir", str(root), "--workers", "0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    x, y, _ = read_cifar(root, "cifar100", train=False)
    with torch.no_grad():
        pred = m(normalise(x, Preprocess.cifar(32))).argmax(1).numpy()
    assert out["dataset"] == "cifar100" and out["weights"] == str(dest)
    assert out["top1"] == pytest.approx(100.0 * float((pred == y).mean()))


# ---- bad input: one line, non-zero, no traceback --------------------------------------------------------
def _one_line_error(rc: int, err: str) -> str:
    lines = err.strip().splitlines()
    assert rc != 0 and len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_missing_checkpoint_is_one_line_from_the_real_entry_point(tmp_path):
    r = subprocess.run([sys.executable, "val.py", "--weights", str(tmp_path / "none.pth"), "--data", str(tmp_path)],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "checkpoint not found" in _one_line_error(r.returncode, r.stderr)


def test_truncated_checkpoint_and_missing_data_are_one_line(digits, tmp_path, capsys):
    from zennas.cli.val import main
    from zennas.cli.val_cifar import main as main_cifar

    bad = tmp_path / "best-params_rank0.pth"
    data = digits.checkpoint.read_bytes()
    bad.write_bytes(data[: len(data) // 3])
    assert main(["--weights", str(bad), "--data", str(digits.data)]) == 2
    assert "truncated" in _one_line_error(2, capsys.readouterr().err)
    assert main(["--weights", str(digits.checkpoint), "--data", str(tmp_path / "nodata")]) == 2
    msg = _one_line_error(2, capsys.readouterr().err)
    assert f"data folder {tmp_path}/nodata not found" in msg and "DIR/val/<class>/<image>" in msg
    assert main_cifar(["--weights", str(digits.checkpoint), "--data_dir", str(tmp_path / "nocifar"),
                       "--dataset", "cifar10"]) == 2
    msg = _one_line_error(2, capsys.readouterr().err)
    assert f"CIFAR folder {tmp_path}/nocifar not found" in msg and "cifar-10-batches-py" in msg


def test_bare_state_dict_needs_the_network(digits, tmp_path, capsys):
    from zennas.cli.val import main

    sd = tmp_path / "student_best-params_rank0.pth"
    torch.save(load_checkpoint(digits.checkpoint)["state_dict"], sd)
    assert main(["--weights", str(sd), "--data", str(digits.data)]) == 2
    assert "bare state dict" in _one_line_error(2, capsys.readouterr().err)
    # ... and works with it (ImageNet-style preprocessing for a plain structure)
    assert main(["--weights", str(sd), "--plainnet_struct_txt", str(digits.structure_txt), "--num_classes", "10",
                 "--input_image_size", "32", "--data", str(digits.data), "--workers", "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["images"] == 359
