"""End to end on real offline data: scikit-learn digits (32x32 RGB ImageFolder), trained once per session
with the interface command of the issue; the best checkpoint is checked by an independent evaluation."""

from __future__ import annotations

import json

import pytest
import torch
import yaml
from train_helpers import DIGITS_STRUCT, metrics

from zennas.checkpoint import load_checkpoint, model_from_checkpoint


def independent_top1(model, preprocess, val_dir) -> float:
    from torchvision.datasets import ImageFolder

    ds = ImageFolder(str(val_dir), transform=preprocess.transform())
    loader = torch.utils.data.DataLoader(ds, batch_size=100)
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
    return 100.0 * correct / len(ds)


def test_digits_reaches_90_percent_and_best_checkpoint_is_what_it_says(digits_run, digits_dir):
    done = json.loads((digits_run / "train_image_classification.done").read_text())
    assert done["best_acc1"] >= 90.0, done
    ck = load_checkpoint(digits_run / "best-params_rank0.pth")
    assert ck["epoch"] == done["best_acc1_at_epoch"] and ck["top1_acc"] == pytest.approx(done["best_acc1"])
    model, spec, pre, _ = model_from_checkpoint(ck)
    assert (spec.kind, spec.structure, spec.num_classes, spec.input_image_size) == ("masternet", DIGITS_STRUCT, 10, 32)
    assert pre.class_names == [str(i) for i in range(10)]
    assert independent_top1(model, pre, digits_dir / "val") == pytest.approx(ck["top1_acc"], abs=1e-9)
    assert "optimizer" not in ck


def test_checkpoint_contents_and_resolved_config(digits_run):
    raw = torch.load(digits_run / "latest-params_rank0.pth", weights_only=True)  # no code unpickled
    for key in ("model", "preprocess", "config", "optimizer", "scaler", "ema", "rng", "schedule",
                "training_status_info", "top1_acc", "top5_acc", "epoch", "state_dict"):
        assert key in raw, key
    assert set(raw["training_status_info"]) >= {"best_acc1", "best_acc5", "best_acc1_at_epoch", "best_acc5_at_epoch",
                                                "training_elasped_time", "validation_elasped_time"}
    cfg = raw["config"]
    on_disk = yaml.safe_load((digits_run / "train_config.yaml").read_text())
    assert cfg == on_disk
    # resolved values: lr from lr_per_256 * 64 / 256, the structure inlined, the lr mode filled in
    assert cfg["lr"] == pytest.approx(0.4 * 64 / 256) and cfg["lr_mode"] == "cosine"
    assert cfg["plainnet_struct"] == DIGITS_STRUCT and cfg["num_classes"] == 10 and cfg["seed"] == 0
    assert raw["epoch"] == 8 and raw["schedule"]["samples_seen"] == 8 * raw["schedule"]["samples_per_epoch"]
    assert (digits_run / "ema_best-params_rank0.pth").exists()


def test_observability_outputs(digits_run):
    recs = metrics(digits_run)
    assert [r["epoch"] for r in recs] == list(range(1, 9))
    for r in recs:
        assert {"train_loss", "train_top1", "val_top1", "val_top5", "lr", "images_per_s", "val_ema_top1"} <= set(r)
    assert recs[-1]["train_loss"] < recs[0]["train_loss"]
    log = (digits_run / "train_image_classification.log").read_text()
    assert "done: best top-1" in log and "epoch 8/8" in log
    assert list((digits_run / "tensorboard").glob("events.out.tfevents.*"))


def test_rerun_skips_and_evaluate_only_matches(digits_run, digits_dir, tmp_path, capsys):
    from zennas.cli.train import main

    before = (digits_run / "best-params_rank0.pth").stat().st_mtime_ns
    assert main(["--dataset", "imagefolder", "--data_dir", str(digits_dir), "--plainnet_struct", DIGITS_STRUCT,
                 "--save_dir", str(digits_run), "--epochs", "8", "--workers_per_gpu", "0"]) == 0
    assert capsys.readouterr().out.startswith("skip:")
    assert (digits_run / "best-params_rank0.pth").stat().st_mtime_ns == before
    best = load_checkpoint(digits_run / "best-params_rank0.pth")
    assert main(["--dataset", "imagefolder", "--data_dir", str(digits_dir), "--plainnet_struct", DIGITS_STRUCT,
                 "--input_image_size", "32", "--save_dir", str(tmp_path / "ev"), "--evaluate_only",
                 "--load_parameters_from", str(digits_run / "best-params_rank0.pth"), "--strict_load",
                 "--workers_per_gpu", "0", "--no_tensorboard"]) == 0
    assert f"top-1 {best['top1_acc']:.3f}%" in capsys.readouterr().out
