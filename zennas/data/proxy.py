"""Small, fixed image batches for data-dependent zero-shot proxies (no downloads, ever).

* :func:`cifar10_batches` - CIFAR-10 from a folder in torchvision's layout (``cifar-10-batches-py``),
  normalised with the usual CIFAR-10 channel mean / std.
* :func:`digits_batches` - the OFFLINE FALLBACK: scikit-learn's bundled 8x8 handwritten digits
  (1,797 images, 10 classes; shipped inside the scikit-learn package) as ``zennas.data.digits`` gives
  them (bilinearly upsampled, 3 channels, uint8), standardised to zero mean and unit variance. Natural-image statistics are
  missing, so data-dependent proxies rank differently than on CIFAR (every result records which data
  it used).
* :func:`proxy_batches` - CIFAR-10 when ``data_dir`` is given, else the digits fallback.

All of them return a :class:`FixedBatches`: an iterable whose every ``iter()`` yields the same batches
in the same order (a seeded permutation drawn once), so every candidate of a ranking sees identical
inputs. ``description`` names the source; ``iterations`` counts how often it was iterated (to record
whether a proxy actually used the data).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import torch

logger = logging.getLogger(__name__)

CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


class FixedBatches:
    """Deterministic batches of (images N x 3 x H x W float32, labels N int64)."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, description: str) -> None:
        if x.shape[0] != y.shape[0] or x.dim() != 4:
            raise ValueError(f"FixedBatches: images {tuple(x.shape)} and labels {tuple(y.shape)} do not match")
        self.x, self.y, self.batch_size, self.description = x, y, int(batch_size), description
        self.iterations = 0

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        self.iterations += 1
        for i in range(0, self.x.shape[0] - self.batch_size + 1, self.batch_size):
            yield self.x[i:i + self.batch_size], self.y[i:i + self.batch_size]

    def __len__(self) -> int:
        return self.x.shape[0] // self.batch_size

    def __repr__(self) -> str:
        return f"<FixedBatches {self.description}: {len(self)} x {self.batch_size}>"

    def fingerprint(self) -> str:
        """Short hash of the images and labels (cache keys change when the data does)."""
        import hashlib

        h = hashlib.blake2b(digest_size=6)
        h.update(self.x.numpy().tobytes())
        h.update(self.y.numpy().tobytes())
        return h.hexdigest()


def _select(x: torch.Tensor, y: torch.Tensor, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    if n > x.shape[0]:
        raise ValueError(f"asked for {n} images, the dataset has {x.shape[0]}")
    perm = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(seed))[:n]
    return x[perm], y[perm]


def _resize(x: torch.Tensor, resolution: int) -> torch.Tensor:  # CIFAR at another resolution
    if x.shape[-1] == resolution:
        return x
    return torch.nn.functional.interpolate(x, size=(resolution, resolution), mode="bilinear", align_corners=False)


def digits_batches(resolution: int = 32, batch_size: int = 64, num_batches: int = 2, seed: int = 0) -> FixedBatches:
    """The offline fallback: scikit-learn digits upsampled (``zennas.data.digits``), standardised."""
    from zennas.data.digits import digits_arrays

    img, labels = digits_arrays(resolution)
    x = torch.from_numpy(img).permute(0, 3, 1, 2).float() / 255.0
    x, y = _select(x, torch.from_numpy(labels), batch_size * num_batches, seed)
    x = (x - x.mean()) / x.std()
    desc = f"digits-upsampled (offline fallback: sklearn 8x8 digits -> {resolution}px, seed {seed})"
    return FixedBatches(x.contiguous(), y, batch_size, desc)


def cifar10_batches(data_dir: str | Path, resolution: int = 32, batch_size: int = 64, num_batches: int = 2,
                    seed: int = 0, train: bool = True) -> FixedBatches:
    """CIFAR-10 images from ``data_dir`` (torchvision layout; never downloaded), normalised."""
    from torchvision.datasets import CIFAR10

    root = Path(data_dir).expanduser()
    try:
        ds = CIFAR10(str(root), train=train, download=False)
    except RuntimeError as exc:
        raise FileNotFoundError(f"no CIFAR-10 in {root} (expected {root / 'cifar-10-batches-py'} in "
                                f"torchvision's layout; nothing is downloaded): {exc}") from exc
    x = torch.from_numpy(ds.data).permute(0, 3, 1, 2).float() / 255.0
    y = torch.tensor(ds.targets, dtype=torch.long)
    x, y = _select(x, y, batch_size * num_batches, seed)
    mean, std = torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1), torch.tensor(CIFAR10_STD).view(1, 3, 1, 1)
    x = _resize((x - mean) / std, resolution)
    split = "train" if train else "test"
    return FixedBatches(x.contiguous(), y, batch_size, f"cifar10:{root} ({split}, {resolution}px, seed {seed})")


def proxy_batches(data_dir: str | Path | None = None, **kw) -> FixedBatches:
    """CIFAR-10 from ``data_dir`` when given, else the clearly labelled digits fallback."""
    if data_dir:
        return cifar10_batches(data_dir, **kw)
    logger.info("no --data_dir: data-dependent proxies use the offline digits fallback")
    return digits_batches(**kw)


__all__ = ["CIFAR10_MEAN", "CIFAR10_STD", "FixedBatches", "cifar10_batches", "digits_batches", "proxy_batches"]
