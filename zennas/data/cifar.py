"""CIFAR-10/100 read from torchvision's on-disk layout, never downloaded.

torchvision's ``CIFAR10``/``CIFAR100`` classes md5-check every file and offer to download when the check
fails; here a folder is accepted when its files are present and hold the expected shapes (so a copy
re-pickled by another tool, or a small test fixture, works too).  Layouts (``root`` may also be the
inner folder itself)::

    root/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}
    root/cifar-100-python/{train, test, meta}

Each batch is a pickled dict with ``data`` (uint8, N x 3072 = 3 planes of 32 x 32, row-major) and
``labels`` (CIFAR-10) or ``fine_labels`` (CIFAR-100); the meta file holds ``label_names`` /
``fine_label_names``.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Callable

import numpy as np

#: dataset name -> (folder, train files, test files, meta file, label key, names key, classes)
LAYOUTS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], str, str, str, int]] = {
    "cifar10": ("cifar-10-batches-py", tuple(f"data_batch_{i}" for i in range(1, 6)), ("test_batch",),
                "batches.meta", "labels", "label_names", 10),
    "cifar100": ("cifar-100-python", ("train",), ("test",), "meta", "fine_labels", "fine_label_names", 100),
}
#: the original scripts' hard-coded roots (ZENNAS_SPEC §6.1)
DEFAULT_ROOTS = {"cifar10": "~/data/pytorch_cifar10", "cifar100": "~/data/pytorch_cifar100"}


class CifarLayoutError(FileNotFoundError):
    """The folder is missing, incomplete or holds something else than CIFAR batches."""


def _expected(name: str, root: Path) -> str:
    folder, tr, te, meta = LAYOUTS[name][:4]
    files = ", ".join((*tr, *te, meta)) if len(tr) < 3 else f"data_batch_1..5, {te[0]}, {meta}"
    return f"{root}/{folder}/{{{files}}} (torchvision's CIFAR layout; nothing is downloaded)"


def _load(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            obj = pickle.load(f, encoding="latin1")
    except Exception as exc:
        raise CifarLayoutError(f"cannot read CIFAR file {path}: {type(exc).__name__}: {exc}") from None
    if not isinstance(obj, dict):
        raise CifarLayoutError(f"CIFAR file {path} holds a {type(obj).__name__}, not a dict")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in obj.items()}


def find_cifar_folder(root: str | Path, name: str, train: bool | None = None) -> Path:
    """The folder holding the batch files (``root/<inner>`` or ``root`` itself) with the files of the
    split (``None``: both) and the meta file; raises :class:`CifarLayoutError` naming the expected layout."""
    if name not in LAYOUTS:
        raise ValueError(f"unknown CIFAR dataset {name!r} (known: {', '.join(LAYOUTS)})")
    root = Path(root).expanduser()
    folder = LAYOUTS[name][0]
    if not root.is_dir():
        raise CifarLayoutError(f"CIFAR folder {root} not found; expected {_expected(name, root)}")
    d = root if root.name == folder else root / folder
    _, tr, te, meta = LAYOUTS[name][:4]
    need = (*(tr if train is not False else ()), *(te if train is not True else ()), meta)
    missing = [f for f in need if not (d / f).is_file()]
    if missing:
        raise CifarLayoutError(f"{d} lacks {', '.join(missing)}; expected {_expected(name, root)}")
    return d


def read_cifar(root: str | Path, name: str, train: bool) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(images uint8 N x 32 x 32 x 3, labels int64 N, class names)`` of one split."""
    d = find_cifar_folder(root, name, train)
    _, tr, te, meta, label_key, names_key, k = LAYOUTS[name]
    xs, ys = [], []
    for f in tr if train else te:
        b = _load(d / f)
        data, labels = b.get("data"), b.get(label_key)
        if data is None or labels is None:
            raise CifarLayoutError(f"{d / f} has no 'data'/'{label_key}' entries (keys: {sorted(b)})")
        data = np.asarray(data)
        if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
            raise CifarLayoutError(f"{d / f}: expected uint8 data of shape N x 3072 with N labels, got "
                                   f"{data.dtype} {data.shape} and {len(labels)} labels")
        xs.append(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        ys.append(np.asarray(labels, dtype=np.int64))
    x, y = np.concatenate(xs), np.concatenate(ys)
    if y.size and (y.min() < 0 or y.max() >= k):
        raise CifarLayoutError(f"{d}: labels outside 0..{k - 1} (is this {name}?)")
    names = [str(n) for n in _load(d / meta).get(names_key, [])]
    if len(names) != k:
        names = [str(i) for i in range(k)]
    return np.ascontiguousarray(x), y, names


class CifarDataset:
    """A map-style dataset (``torch.utils.data.Dataset`` protocol): ``(transform(PIL image), label)``.
    Attributes as torchvision's: ``data`` (N x 32 x 32 x 3 uint8), ``targets``, ``classes``."""

    def __init__(self, data: np.ndarray, targets: np.ndarray, classes: list[str],
                 transform: Callable | None = None) -> None:
        self.data, self.targets, self.classes, self.transform = data, [int(t) for t in targets], classes, transform

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i: int):
        from PIL import Image

        img = Image.fromarray(self.data[i])
        return (self.transform(img) if self.transform else img), self.targets[i]


def cifar_dataset(root: str | Path | None, name: str, train: bool, transform: Callable | None = None
                  ) -> CifarDataset:
    """The train or test split of ``name`` ("cifar10" / "cifar100") under ``root`` (default: the
    original's ``~/data/pytorch_<name>``)."""
    name = name.lower()
    x, y, classes = read_cifar(root or DEFAULT_ROOTS.get(name, "."), name, train)
    return CifarDataset(x, y, classes, transform)
