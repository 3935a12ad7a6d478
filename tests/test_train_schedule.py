"""The per-sample LR schedule (ZENNAS_SPEC §6.2): the formulas, recomputed here independently, at chosen
sample counts, and the LR the engine actually sets before every optimizer step."""

from __future__ import annotations

import math

import pytest
import torch
from torch.utils.data import TensorDataset

from zennas.checkpoint import Preprocess
from zennas.train import build_config
from zennas.train.data import DataBundle
from zennas.train.engine import Trainer
from zennas.train.optim import LRSchedule

BASE, TARGET, SPE, EPOCHS, WARM = 0.4, 0.01, 1000, 10, 2
W, T = WARM * SPE, EPOCHS * SPE


@pytest.mark.parametrize("n, expected", [
    (0, BASE * 1 / 2000), (999, BASE * 1000 / 2000), (1999, BASE * 2000 / 2000),  # warm-up: base (n+1)/W
])
def test_warmup(n, expected):
    for mode in ("cosine", "linear"):
        assert LRSchedule(mode, BASE, TARGET, WARM, EPOCHS, SPE)(n) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("n", [2000, 2001, 5999, 6000, 9999])
def test_cosine_and_linear_after_warmup(n):
    r = (n - W + 1) / (T - W)
    cos = BASE + (TARGET - BASE) * (1 - math.cos(math.pi * r)) / 2
    lin = BASE + (TARGET - BASE) * r
    assert LRSchedule("cosine", BASE, TARGET, WARM, EPOCHS, SPE)(n) == pytest.approx(cos, rel=1e-12)
    assert LRSchedule("linear", BASE, TARGET, WARM, EPOCHS, SPE)(n) == pytest.approx(lin, rel=1e-12)


def test_cosine_end_points():
    s = LRSchedule("cosine", BASE, TARGET, 0, EPOCHS, SPE)
    assert s(0) == pytest.approx(BASE + (TARGET - BASE) * (1 - math.cos(math.pi / T)) / 2)
    assert s(T - 1) == pytest.approx(TARGET)


@pytest.mark.parametrize("n, m", [
    (2000, 0), (3000, 0), (3001, 1), (6000, 1), (6001, 2), (9999, 2),  # boundaries 3, 6: epoch <= b keeps the stage
])
def test_stagedecay(n, m):
    s = LRSchedule("stagedecay", BASE, TARGET, WARM, EPOCHS, SPE, (3.0, 6.0), 0.1)
    assert s(n) == pytest.approx(BASE * 0.1 ** m, rel=1e-12)
    assert s(1500) == pytest.approx(BASE * 1501 / W)  # warm-up first


def tiny_bundle(n_train=96, n_val=32, size=8, k=4):
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n_train) % k
    x = torch.randn(n_train, 3, size, size, generator=g) + y.view(-1, 1, 1, 1).float()
    yv = torch.arange(n_val) % k
    xv = torch.randn(n_val, 3, size, size, generator=g) + yv.view(-1, 1, 1, 1).float()
    return DataBundle(TensorDataset(x, y), TensorDataset(xv, yv), [str(i) for i in range(k)], Preprocess(size))


TINY = "SuperConvK3BNRELU(3,8,2,1)SuperResK3K3(8,16,2,8,1)SuperConvK1BNRELU(16,32,1,1)"


def test_engine_sets_the_schedule_before_every_step(tmp_path):
    seen = []
    cfg = build_config(("test", dict(plainnet_struct=TINY, input_image_size=8, epochs=3, batch_size_per_gpu=16,
                                     lr_per_256=0.8, target_lr_per_256=0.016, warmup=1, lr_mode="linear",
                                     save_dir=str(tmp_path), seed=0, workers_per_gpu=0, tensorboard=False)))
    Trainer(cfg, data=tiny_bundle(), callbacks=(seen.append,)).fit()
    spe, steps = 96, 96 // 16
    base, target = 0.8 * 16 / 256, 0.016 * 16 / 256
    assert len(seen) == 3 * steps
    for ev in seen:
        n = ev["epoch"] * spe + ev["step"] * 16
        assert ev["samples"] == n
        if n < spe:
            want = base * (n + 1) / spe
        else:
            want = base + (target - base) * (n - spe + 1) / (3 * spe - spe)
        assert ev["lr"] == pytest.approx(want, rel=1e-12), ev
