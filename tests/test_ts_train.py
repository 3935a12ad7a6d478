"""Teacher-student training: a student distilled from the digits-trained teacher (the session's digits run)
trains, logs both distillation terms, and its checkpoint rebuilds with model_from_checkpoint."""

from __future__ import annotations

import pytest
import torch
from test_train_e2e import independent_top1
from train_helpers import DIGITS_RECIPE, metrics, run_cli

from zennas.checkpoint import load_checkpoint, model_from_checkpoint

STUDENT = "SuperConvK3BNRELU(3,8,1,1)SuperResK3K3(8,16,2,8,1)SuperResK3K3(16,32,2,16,1)SuperConvK1BNRELU(32,64,1,1)"


def test_student_distilled_from_digits_teacher(digits_run, digits_dir, tmp_path):
    recipe = list(DIGITS_RECIPE)
    recipe[recipe.index("--epochs") + 1] = "3"
    r = run_cli("ts_train_image_classification.py", "--dataset", "imagefolder", "--data_dir", str(digits_dir),
                "--plainnet_struct", STUDENT, "--save_dir", str(tmp_path), *recipe,
                "--teacher_load_parameters_from", str(digits_run / "best-params_rank0.pth"),
                "--teacher_feature_weight", "1.0", "--teacher_logit_weight", "1.0", "--teacher_logit_temperature", "2",
                "--target_downsample_ratio", "4", "--ts_proj_no_relu")
    assert r.returncode == 0, r.stderr[-3000:]
    recs = metrics(tmp_path)
    for rec in recs:
        assert rec["train_distill_feature_loss"] > 0 and rec["train_distill_logit_loss"] > 0
    assert recs[-1]["train_distill_logit_loss"] < recs[0]["train_distill_logit_loss"]
    log = (tmp_path / "train_image_classification.log").read_text()
    assert "1 distilled stages, feature weight 1, logit weight 1 (T=2)" in log
    student = load_checkpoint(tmp_path / "student_best-params_rank0.pth")
    assert "projections" not in student and student["model"]["structure"] == STUDENT
    model, spec, pre, _ = model_from_checkpoint(student)
    assert spec.num_classes == 10 and pre.class_names == [str(i) for i in range(10)]
    acc = independent_top1(model, pre, digits_dir / "val")
    assert acc == pytest.approx(student["top1_acc"], abs=1e-9) and acc > 50.0
    best = torch.load(tmp_path / "best-params_rank0.pth", weights_only=True)
    assert set(best["projections"]) and best["teacher"]["source"].endswith("best-params_rank0.pth")
    latest = torch.load(tmp_path / "latest-params_rank0.pth", weights_only=True)
    assert "optimizer" in latest and "projections" in latest
