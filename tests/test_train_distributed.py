"""Multi-process training on CPU: torchrun (DDP, gloo) and, when Horovod is installed, horovodrun.
Both ranks must end with identical parameters, and the logged metrics must be the all-reduced ones."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from train_helpers import ROOT, TINY_STRUCT, cli_env

from zennas.checkpoint import Preprocess, model_from_checkpoint

DRIVER = str(ROOT / "tests" / "dist_train_driver.py")


def train_args(data, save_dir, *extra):
    return ["--dataset", "cifar10", "--data_dir", str(data), "--plainnet_struct", TINY_STRUCT, "--epochs", "2",
            "--batch_size_per_gpu", "16", "--save_dir", str(save_dir), "--seed", "1", "--workers_per_gpu", "0",
            "--no_progress", "--no_tensorboard", "--mixup", "--weight_init", "custom", *extra]


def full_val_top1(ckpt_path, data) -> float:
    """Top-1 of the saved model on the WHOLE CIFAR test split, computed here in one process."""
    from zennas.data.cifar import CifarDataset
    from zennas.train.data import _cifar_dataset

    model, _, pre, _ = model_from_checkpoint(ckpt_path)
    ds = _cifar_dataset(Path(data), 10, False, Preprocess.cifar(32).transform())
    assert isinstance(ds, CifarDataset) and pre.input_image_size == 32
    x = torch.stack([ds[i][0] for i in range(len(ds))])
    y = torch.tensor([ds[i][1] for i in range(len(ds))])
    with torch.no_grad():
        return 100.0 * (model.eval()(x).argmax(1) == y).sum().item() / len(y)


def check_ranks(out: Path, save_dir: Path, data) -> None:
    r0, r1 = (torch.load(out / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert (r0["rank"], r1["rank"], r0["world_size"]) == (0, 1, 2)
    for k, v in r0["state_dict"].items():
        assert torch.equal(v, r1["state_dict"][k]), f"rank 0 and rank 1 differ in {k}"
    for h0, h1 in zip(r0["history"], r1["history"]):
        # all-reduced: both ranks log the same numbers, and they are the mean over both ranks' batches
        for key in ("train_loss", "train_top1", "val_top1", "val_top5", "val_loss", "train_images"):
            assert h0[key] == h1[key], key
        assert h0["train_loss"] == pytest.approx((h0["train_loss_local"] + h1["train_loss_local"]) / 2, rel=1e-12)
        assert h0["train_top1"] == pytest.approx((h0["train_top1_local"] + h1["train_top1_local"]) / 2, rel=1e-12)
        assert h0["train_loss_local"] != h1["train_loss_local"]  # the ranks saw different shards
        assert h0["train_images"] == 2 * (200 // 2 // 16) * 16
    # the validation shards of both ranks together = the whole test split
    last = r0["history"][-1]
    assert last["val_images"] == 40
    assert full_val_top1(save_dir / "latest-params_rank0.pth", data) == pytest.approx(last["val_top1"], abs=1e-9)
    assert not (save_dir / "latest-params_rank1.pth").exists()  # only rank 0 writes


def test_torchrun_ddp_two_processes(fake_cifar10, tmp_path):
    out, save = tmp_path / "out", tmp_path / "run"
    out.mkdir()
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nnodes", "1", "--nproc_per_node", "2",
           DRIVER, str(out), *train_args(fake_cifar10, save)]
    r = subprocess.run(cmd, cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    check_ranks(out, save, fake_cifar10)
    assert "processes: torchrun, rank 0/2, device cpu" in (save / "train_image_classification.log").read_text()


@pytest.mark.skipif(importlib.util.find_spec("horovod") is None and not os.environ.get("ZENNAS_REQUIRE_HOROVOD"),
                    reason="horovod is not installed (scripts/install_horovod.sh builds it; .ci/run does)")
def test_horovodrun_two_processes(fake_cifar10, tmp_path):
    # .ci/run sets ZENNAS_REQUIRE_HOROVOD=1 after building Horovod, so a broken build fails instead of skipping
    import horovod.torch  # noqa: F401
    horovodrun = shutil.which("horovodrun", path=str(Path(sys.executable).parent)) or shutil.which("horovodrun")
    assert horovodrun, "horovod is importable but horovodrun is not on PATH"
    out, save = tmp_path / "out", tmp_path / "run"
    out.mkdir()
    cmd = [horovodrun, "-np", "2", "-H", "localhost:2", sys.executable, DRIVER, str(out),
           *train_args(fake_cifar10, save, "--dist_mode", "horovod", "--batches_per_allreduce", "1",
                       "--fp16_allreduce")]
    r = subprocess.run(cmd, cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    check_ranks(out, save, fake_cifar10)
    assert "processes: horovod, rank 0/2, device cpu" in (save / "train_image_classification.log").read_text()


def test_torchrun_independent_training_keeps_separate_copies(fake_cifar10, tmp_path):
    save = tmp_path / "run"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nnodes", "1", "--nproc_per_node", "2",
           str(ROOT / "train_image_classification.py"),
           *train_args(fake_cifar10, save, "--independent_training", "--epochs", "1")]
    r = subprocess.run(cmd, cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    a, b = (torch.load(save / f"latest-params_rank{i}.pth", weights_only=True) for i in (0, 1))
    w = "fc_linear.netblock.weight"
    assert not torch.equal(a["state_dict"][w], b["state_dict"][w])  # own init (seed + rank), own data order
    m0, m1 = ([json.loads(x) for x in (save / n).read_text().splitlines()] for n in ("metrics.jsonl",
                                                                                      "metrics_rank1.jsonl"))
    # no sharding: each copy trains on the whole training set and validates on the whole test split
    assert m0[0]["train_images"] == m1[0]["train_images"] == (200 // 16) * 16
    assert m0[0]["val_images"] == m1[0]["val_images"] == 40
