"""A real trained checkpoint for the evaluation/export/predict tests, made without the training engine.

A tiny MasterNet is trained with a hand-written torch loop on scikit-learn's digits (32 x 32 RGB, the
train split of :func:`zennas.data.digits.write_digits_imagefolder`) and saved with
:func:`zennas.checkpoint.save_checkpoint` in the training-checkpoint format.  The run is cached once per
pytest session across xdist workers (file lock in the shared base temp dir).
"""

from __future__ import annotations

import fcntl
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from zennas.checkpoint import Preprocess, save_checkpoint
from zennas.data.digits import digits_arrays, split_indices, write_digits_imagefolder
from zennas.models import create_model, resolve_model_spec

STRUCTURE = ("SuperConvK3BNRELU(3,16,2,1)SuperResK3K3(16,32,2,16,1)SuperResK3K3(32,48,2,24,1)"
             "SuperConvK1BNRELU(48,96,1,1)")
CLASS_NAMES = [str(i) for i in range(10)]  # the ImageFolder's sorted class folders


@dataclass
class DigitsRun:
    data: Path  # ImageFolder root (train/, val/)
    checkpoint: Path  # best-params_rank0.pth
    structure_txt: Path


def normalise(img: np.ndarray, pre: Preprocess) -> torch.Tensor:
    """uint8 N x H x W x 3 -> the tensors ``pre.transform()`` makes of the same PNGs."""
    x = torch.from_numpy(img).permute(0, 3, 1, 2).float() / 255.0
    mean, std = torch.tensor(pre.mean).view(1, 3, 1, 1), torch.tensor(pre.std).view(1, 3, 1, 1)
    return (x - mean) / std


def train_digits(out: Path, epochs: int = 4, seed: int = 0) -> DigitsRun:
    torch.manual_seed(seed)
    data = write_digits_imagefolder(out / "digits", size=32)
    img, y = digits_arrays(32)
    tr, va = split_indices(y)
    pre = Preprocess.cifar(32, class_names=CLASS_NAMES)
    spec = resolve_model_spec(None, structure=STRUCTURE, num_classes=10, input_image_size=32)
    model = create_model(spec)
    x_tr, y_tr = normalise(img[tr], pre), torch.from_numpy(y[tr])
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    steps = epochs * ((len(tr) + 63) // 64)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=steps)
    t0 = time.perf_counter()
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        for b in torch.randperm(len(tr), generator=g).split(64):
            loss = torch.nn.functional.cross_entropy(model(x_tr[b]), y_tr[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    with torch.no_grad():
        pred = model(normalise(img[va], pre)).argmax(1).numpy()
    top1 = 100.0 * float((pred == y[va]).mean())
    run = out / "run"
    info = {"best_acc1": top1, "best_acc5": 100.0, "best_acc1_at_epoch": epochs - 1, "best_acc5_at_epoch": epochs - 1,
            "training_elasped_time": time.perf_counter() - t0, "validation_elasped_time": 0.0}
    ckpt = save_checkpoint({"epoch": epochs, "state_dict": model.state_dict(), "top1_acc": top1, "top5_acc": 100.0,
                            "training_status_info": info, "model": spec.to_dict(), "preprocess": pre.to_dict(),
                            "config": {"dataset": "imagefolder", "epochs": epochs, "input_image_size": 32}},
                           run / "best-params_rank0.pth")
    txt = run / "best_structure.txt"
    txt.write_text(STRUCTURE + "\n")
    return DigitsRun(data, ckpt, txt)


def cached_digits_run(tmp_path_factory) -> DigitsRun:
    """One trained run per test session, shared by the xdist workers."""
    root = tmp_path_factory.getbasetemp()
    root = root.parent if root.name.startswith("popen-gw") else root
    out = root / "digits_trained"
    out.mkdir(exist_ok=True)
    with open(out / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = out / ".done"
        if not done.exists():
            train_digits(out)
            done.write_text("ok\n")
    return DigitsRun(out / "digits", out / "run" / "best-params_rank0.pth", out / "run" / "best_structure.txt")
