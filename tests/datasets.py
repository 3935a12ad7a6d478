"""Small on-disk datasets for tests (written into tmp dirs; nothing is downloaded)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np


def write_fake_cifar(root: str | Path, n_train: int = 50, n_test: int = 20, num_classes: int = 10,
                     seed: int = 0) -> Path:
    """A tiny CIFAR-10/100 in torchvision's on-disk format (python pickles with str keys, uint8 rows of 3072 =
    3x32x32 planes): ``root/cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta}`` for 10
    classes, ``root/cifar-100-python/{train,test,meta}`` for 100.  Labels cycle through the classes
    and every image is a constant colour per class plus noise (learnable).  Returns ``root``."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    colours = rng.integers(0, 256, (num_classes, 3))

    def batch(n: int, offset: int) -> dict:
        labels = [(offset + i) % num_classes for i in range(n)]
        base = colours[labels][:, :, None].repeat(1024, axis=2)
        data = np.clip(base + rng.integers(-20, 21, base.shape), 0, 255).astype(np.uint8).reshape(n, 3072)
        key = "labels" if num_classes == 10 else "fine_labels"
        return {"data": data, key: labels, "filenames": [f"{offset + i}.png" for i in range(n)]}

    def dump(obj: dict, path: Path) -> None:
        with open(path, "wb") as f:
            pickle.dump(obj, f)

    if num_classes == 10:
        d = root / "cifar-10-batches-py"
        d.mkdir(parents=True, exist_ok=True)
        per = max(1, n_train // 5)
        for b in range(5):
            dump(batch(per, b * per), d / f"data_batch_{b + 1}")
        dump(batch(n_test, 0), d / "test_batch")
        dump({"label_names": [f"class{c}" for c in range(10)]}, d / "batches.meta")
    elif num_classes == 100:
        d = root / "cifar-100-python"
        d.mkdir(parents=True, exist_ok=True)
        dump(batch(n_train, 0), d / "train")
        dump(batch(n_test, 0), d / "test")
        dump({"fine_label_names": [f"class{c}" for c in range(100)]}, d / "meta")
    else:
        raise ValueError("num_classes must be 10 or 100 (CIFAR-10 / CIFAR-100)")
    return root
