"""Crash safety: SIGKILL during training + --auto_resume ends with the same parameters as an uninterrupted
run; a truncated checkpoint is a one-line error; a failed write leaves the previous checkpoint intact."""

from __future__ import annotations

import io
import signal
import subprocess
import time

import pytest
import torch
from train_helpers import ROOT, TINY_STRUCT, cli_cmd, cli_env, metrics, run_cli

from zennas.checkpoint import CheckpointError, load_checkpoint, save_checkpoint

EPOCHS = 4


def args(data, save_dir, *extra):
    # every RNG consumer on: mixup (Beta + permutation), AutoAugment, RandomErasing, random crops/flips in
    # 2 DataLoader workers, EMA, GradScaler state (disabled on CPU fp32 but saved), momentum buffers
    return ["--dataset", "cifar10", "--data_dir", str(data), "--plainnet_struct", TINY_STRUCT, "--epochs", str(EPOCHS),
            "--batch_size_per_gpu", "32", "--save_freq", "1", "--save_dir", str(save_dir), "--device", "cpu",
            "--mixup", "--label_smoothing", "--auto_augment", "--random_erase", "--ema", "--ema_decay", "0.9",
            "--weight_init", "custom", "--bn_momentum", "0.01", "--nesterov", "--warmup", "1", "--seed", "3",
            "--workers_per_gpu", "2", "--no_progress", *extra]


def test_sigkill_then_auto_resume_equals_uninterrupted(fake_cifar10, tmp_path):
    killed, full = tmp_path / "killed", tmp_path / "full"
    uninterrupted = subprocess.Popen(cli_cmd("train_image_classification.py", *args(fake_cifar10, full)), cwd=ROOT,
                                     env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    proc = subprocess.Popen(cli_cmd("train_image_classification.py", *args(fake_cifar10, killed)), cwd=ROOT,
                            env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    latest = killed / "latest-params_rank0.pth"
    deadline = time.time() + 300
    try:
        while time.time() < deadline and proc.poll() is None:  # kill right after the epoch-2 checkpoint appears
            if latest.exists() and torch.load(latest, weights_only=True)["epoch"] >= 2:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert not (killed / "train_image_classification.done").exists()
    at_kill = torch.load(latest, weights_only=True)["epoch"]
    assert 2 <= at_kill < EPOCHS
    r = run_cli("train_image_classification.py", *args(fake_cifar10, killed, "--auto_resume"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"resumed from {latest} at epoch {at_kill}" in (killed / "train_image_classification.log").read_text()
    assert uninterrupted.wait(300) == 0, uninterrupted.stderr.read()[-2000:]
    a = torch.load(killed / "latest-params_rank0.pth", weights_only=True)
    b = torch.load(full / "latest-params_rank0.pth", weights_only=True)
    assert a["epoch"] == b["epoch"] == EPOCHS
    for k, v in b["state_dict"].items():
        torch.testing.assert_close(a["state_dict"][k], v, rtol=0, atol=1e-6, msg=k)
    for k, v in b["ema"]["state_dict"].items():
        torch.testing.assert_close(a["ema"]["state_dict"][k], v, rtol=0, atol=1e-6, msg=k)
    assert a["training_status_info"]["best_acc1"] == b["training_status_info"]["best_acc1"]
    # metrics.jsonl: every epoch once (the epochs after the checkpoint were re-trained, not duplicated)
    assert [m["epoch"] for m in metrics(killed)] == list(range(1, EPOCHS + 1))
    assert [m["val_top1"] for m in metrics(killed)] == [m["val_top1"] for m in metrics(full)]


def test_truncated_checkpoint_is_one_clear_line(fake_cifar10, tmp_path, capsys):
    p = tmp_path / "latest-params_rank0.pth"
    save_checkpoint({"epoch": 1, "state_dict": {"w": torch.zeros(20000)}}, p)
    p.write_bytes(p.read_bytes()[:30000])
    with pytest.raises(CheckpointError, match="truncated"):
        load_checkpoint(p)
    from zennas.cli.train import main

    assert main(["--dataset", "cifar10", "--data_dir", str(fake_cifar10), "--plainnet_struct", TINY_STRUCT,
                 "--save_dir", str(tmp_path), "--auto_resume", "--epochs", "1", "--batch_size_per_gpu", "16",
                 "--workers_per_gpu", "0", "--no_tensorboard"]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("error: cannot read checkpoint") and str(p) in lines[-1]
    assert "Traceback" not in err


def test_failed_write_leaves_previous_checkpoint_intact(fake_cifar10, tmp_path, monkeypatch):
    from zennas.train import build_config
    from zennas.train.engine import Trainer

    real_save = torch.save

    def failing_save(obj, f, *a, **kw):  # the epoch-2 latest checkpoint dies half-way through the write
        if isinstance(obj, dict) and obj.get("epoch") == 2 and "optimizer" in obj:
            buf = io.BytesIO()
            real_save(obj, buf)
            f.write(buf.getvalue()[: len(buf.getvalue()) // 2])
            raise OSError(28, "No space left on device")
        return real_save(obj, f, *a, **kw)

    cfg = build_config(("test", dict(dataset="cifar10", data_dir=str(fake_cifar10), plainnet_struct=TINY_STRUCT,
                                     epochs=3, batch_size_per_gpu=32, save_freq=1, save_dir=str(tmp_path), seed=0,
                                     workers_per_gpu=0, tensorboard=False, progress=False)))
    monkeypatch.setattr(torch, "save", failing_save)
    with pytest.raises(OSError, match="No space left"):
        Trainer(cfg).fit()
    monkeypatch.setattr(torch, "save", real_save)
    ck = load_checkpoint(tmp_path / "latest-params_rank0.pth")
    assert ck["epoch"] == 1 and "optimizer" in ck
    assert not list(tmp_path.glob("*.tmp-*"))
    # and the run resumes from it
    res = Trainer(cfg.replace(auto_resume=True)).fit()
    assert res.history[0]["epoch"] == 1 and [r["epoch"] for r in res.history] == [1, 2, 3]
