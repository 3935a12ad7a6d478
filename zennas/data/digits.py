"""Real, learnable image data that ships offline: scikit-learn's 8x8 digits (1,797 images, 10 classes;
UCI optical digits), upsampled to ``size`` x ``size`` RGB.

Used by the smoke trainings, the tests and the proxy-ranking benchmark's offline fallback.  Needs
scikit-learn (a dev dependency): ``uv sync`` installs it, or ``pip install scikit-learn``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def digits_arrays(size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)``: uint8 ``N x size x size x 3`` (bilinear upsampling of the 0..16 grey
    levels to 0..255, replicated to three channels) and int64 labels 0..9."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - dev dependency
        raise ImportError("the offline digits data needs scikit-learn: pip install scikit-learn") from exc
    import torch
    import torch.nn.functional as F

    d = load_digits()
    x = torch.from_numpy(d.images.astype(np.float32) / 16.0)[:, None]
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    img = (x.clamp(0, 1) * 255).round().to(torch.uint8).repeat(1, 3, 1, 1).permute(0, 2, 3, 1).numpy()
    return img, d.target.astype(np.int64)


def split_indices(labels: np.ndarray, val_fraction: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A stratified, seeded train/val split: ``(train_idx, val_idx)``, each sorted."""
    rng = np.random.default_rng(seed)
    tr, va = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        k = int(round(len(idx) * val_fraction))
        va.append(idx[:k])
        tr.append(idx[k:])
    return np.sort(np.concatenate(tr)), np.sort(np.concatenate(va))


def write_digits_imagefolder(root: str | Path, size: int = 32, val_fraction: float = 0.2, seed: int = 0) -> Path:
    """Write ``root/train/<class>/*.png`` and ``root/val/<class>/*.png`` (class folders ``0``..``9``);
    returns ``root``.  Idempotent: an existing complete tree is left as it is."""
    from PIL import Image

    root = Path(root)
    marker = root / ".digits_complete"
    if marker.exists():
        return root
    img, y = digits_arrays(size)
    tr, va = split_indices(y, val_fraction, seed)
    for split, idx in (("train", tr), ("val", va)):
        for i in idx:
            d = root / split / str(int(y[i]))
            d.mkdir(parents=True, exist_ok=True)
            Image.fromarray(img[i]).save(d / f"{i:04d}.png")
    marker.write_text(f"size={size} val_fraction={val_fraction} seed={seed}\n")
    return root
