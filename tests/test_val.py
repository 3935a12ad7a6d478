"""val.py on a synthetic ImageFolder: real loader, pretrained loading with checksum, class-count check."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from tests.conftest import ROOT
from zennas.masternet import build_model

S = "SuperConvK3BNRELU(3,8,2,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)"


@pytest.fixture()
def imagefolder(tmp_path):
    rng = np.random.default_rng(0)
    for c in range(3):
        d = tmp_path / "val" / f"class{c}"
        d.mkdir(parents=True)
        for i in range(4):
            Image.fromarray(rng.integers(0, 255, (20, 24, 3), dtype=np.uint8)).save(d / f"{i}.png")
    return tmp_path


def run(*args):
    return subprocess.run([sys.executable, "val.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_val_runs_with_checked_weights(imagefolder, tmp_path):
    torch.manual_seed(0)
    w = tmp_path / "w.pth"
    torch.save({"state_dict": build_model(S, 3).state_dict()}, w)
    digest = hashlib.sha256(w.read_bytes()).hexdigest()
    r = run("--plainnet_struct", S, "--num_classes", "3", "--input_image_size", "16", "--data", str(imagefolder),
            "--batch_size", "5", "--workers", "0", "--pretrained", str(w), "--sha256", digest, "--json", "--fp16")
    assert r.returncode == 0, r.stderr
    x = json.loads(r.stdout)
    assert x["images"] == 12 and 0 <= x["top1"] <= x["top5"] <= 100


def test_val_rejects_wrong_checksum(imagefolder, tmp_path):
    w = tmp_path / "w.pth"
    torch.save(build_model(S, 3).state_dict(), w)
    r = run("--plainnet_struct", S, "--num_classes", "3", "--input_image_size", "16", "--data", str(imagefolder),
            "--workers", "0", "--pretrained", str(w), "--sha256", "0" * 64)
    assert r.returncode != 0 and "checksum mismatch" in r.stderr


def test_val_fails_loudly_on_class_mismatch(imagefolder):
    r = run("--plainnet_struct", S, "--num_classes", "10", "--input_image_size", "16", "--data", str(imagefolder),
            "--workers", "0")
    assert r.returncode != 0 and "3 class folders but the model has 10 classes" in r.stderr
