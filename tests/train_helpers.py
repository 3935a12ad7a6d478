"""Shared set-up for the training tests: on-disk datasets and ONE digits training run, made once per
test session even under pytest-xdist (a file lock in the directory the workers share)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
# a small searched-style XXBL structure (32 px input: strides 1, 2, 4)
DIGITS_STRUCT = ("SuperConvK3BNRELU(3,16,1,1)SuperResK3K3(16,32,2,16,1)SuperResK3K3(32,64,2,32,1)"
                 "SuperConvK1BNRELU(64,128,1,1)")
# quick recipe: 8 epochs reach >= 93 % val top-1 on the digits (about 1 s per epoch on 2 cores, idle)
DIGITS_RECIPE = ["--epochs", "8", "--batch_size_per_gpu", "64", "--no_data_augment", "--weight_init", "custom",
                 "--lr_per_256", "0.4", "--wd", "5e-4", "--warmup", "1", "--nesterov", "--workers_per_gpu", "0",
                 "--input_image_size", "32", "--num_classes", "10", "--seed", "0"]
TINY_STRUCT = "SuperConvK3BNRELU(3,8,2,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)"


def shared_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def cli_cmd(script: str, *args: str) -> list[str]:
    return [sys.executable, str(ROOT / script), *args]


def cli_env(**extra: str) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **extra}


def run_cli(script: str, *args: str, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run a top-level script (one thread per training process: pytest -n 2 already runs two)."""
    return subprocess.run(cli_cmd(script, *args), cwd=ROOT, env=cli_env(**(env or {})), capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="session")
def fake_cifar10(tmp_path_factory) -> Path:
    """A 200/40-image CIFAR-10 in torchvision's on-disk layout (tests/datasets.py)."""
    from datasets import write_fake_cifar

    root = shared_dir(tmp_path_factory)
    with FileLock(str(root / "cifar.lock")):
        d = root / "fake_cifar10"
        if not (d / "cifar-10-batches-py" / "batches.meta").exists():
            write_fake_cifar(d, n_train=200, n_test=40)
        return d


@pytest.fixture(scope="session")
def digits_dir(tmp_path_factory) -> Path:
    from zennas.data.digits import write_digits_imagefolder

    root = shared_dir(tmp_path_factory)
    with FileLock(str(root / "digits.lock")):
        return write_digits_imagefolder(root / "digits", size=32)


@pytest.fixture(scope="session")
def digits_run(tmp_path_factory, digits_dir) -> Path:
    """save_dir of one finished training of DIGITS_STRUCT on the digits (the interface command + recipe)."""
    root = shared_dir(tmp_path_factory)
    run = root / "digits_run"
    with FileLock(str(root / "digits_run.lock")):
        if not (run / "train_image_classification.done").exists():
            (root / "digits_struct.txt").write_text(DIGITS_STRUCT + "\n")
            r = run_cli("train_image_classification.py", "--dataset", "imagefolder", "--data_dir", str(digits_dir),
                        "--plainnet_struct_txt", str(root / "digits_struct.txt"), "--save_dir", str(run),
                        "--device", "cpu", "--ema", "--ema_decay", "0.9", *DIGITS_RECIPE)
            assert r.returncode == 0, r.stderr[-3000:]
    return run


def metrics(save_dir: Path) -> list[dict]:
    return [json.loads(ln) for ln in (Path(save_dir) / "metrics.jsonl").read_text().splitlines() if ln.strip()]
