"""Datasets, transforms and loaders (torchvision; nothing is ever downloaded).

* ``cifar10`` / ``cifar100``: torchvision's on-disk layout under ``--data_dir``
  (``cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta}``, ``cifar-100-python/{train,test,meta}``).
  torchvision's classes md5-check every file; here presence and array shapes are checked instead, so a
  re-packed copy works and a missing or malformed folder is one line naming it and the layout.
* ``imagenet`` / ``myimagenet100`` / ``imagefolder``: ``DIR/train/<class>/*`` and ``DIR/val/<class>/*``,
  or a flat ``DIR/val/*`` with a ``val_list.txt`` of ``<file> <label>`` lines (label: index or class name).

Transforms (ZENNAS_SPEC §6.3).  ImageNet train: RandomResizedCrop(bicubic) -> flip -> AutoAugment(ImageNet)
or ColorJitter(0.4, 0.4, 0.4) -> tensor -> PCA lighting noise (std 0.1) -> normalise -> [RandomErasing].
CIFAR train: RandomCrop(32, pad 4) (or resize to size/0.75 + RandomResizedCrop(scale 0.8-1) above 32 px)
-> flip -> [AutoAugment(CIFAR-10)] -> tensor -> normalise -> [RandomErasing].  Validation: the
:class:`zennas.checkpoint.Preprocess` transform stored in the checkpoints.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Subset

from zennas.checkpoint import CIFAR_MEAN, CIFAR_STD, IMAGENET_MEAN, IMAGENET_STD, Preprocess
from zennas.data.cifar import DEFAULT_ROOTS
from zennas.train.config import DataOptions

logger = logging.getLogger("zennas.train")
DEFAULT_DIRS = {**DEFAULT_ROOTS, "imagenet": "~/data/imagenet", "myimagenet100": "~/data/myimagenet100"}
FOLDER_LAYOUT = ("{d}/train/<class>/<image> and {d}/val/<class>/<image> (or a flat {d}/val/ with "
                 "val_list.txt lines '<file> <label>')")
# AlexNet PCA lighting noise (Krizhevsky et al. 2012; values as in fb.resnet.torch / the original code)
PCA_EIGVAL = (0.2175, 0.0188, 0.0045)
PCA_EIGVEC = ((-0.5675, 0.7192, 0.4009), (-0.5808, -0.0045, -0.8140), (-0.5836, -0.6948, 0.4203))


class DataError(ValueError):
    """A dataset folder is missing or malformed (the message names it and the expected layout)."""


class Lighting:
    """AlexNet-style PCA colour noise on a CHW tensor in [0, 1]: ``x + V (alpha * eigval)``, alpha ~ N(0, std)."""

    def __init__(self, std: float = 0.1) -> None:
        self.std = std
        self.eigval = torch.tensor(PCA_EIGVAL)
        self.eigvec = torch.tensor(PCA_EIGVEC)

    def __call__(self, img: torch.Tensor) -> torch.Tensor:
        if self.std == 0:
            return img
        alpha = torch.randn(3) * self.std
        rgb = (self.eigvec * alpha * self.eigval).sum(dim=1)
        return img + rgb.view(3, 1, 1)


@dataclass
class DataBundle:
    train: Dataset
    val: Dataset
    class_names: list[str]
    preprocess: Preprocess  # evaluation pre-processing, stored in checkpoints

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def is_cifar(dataset: str | None) -> bool:
    return dataset in ("cifar10", "cifar100")


def train_transform(d: DataOptions, size: int, cifar: bool):
    from torchvision import transforms as T

    AA = T.AutoAugmentPolicy
    if cifar:
        steps = [T.RandomCrop(32, padding=4)] if size == 32 else [
            T.Resize(int(size / 0.75)), T.RandomResizedCrop(size, scale=(0.8, 1.0))]
        steps.append(T.RandomHorizontalFlip())
        if d.auto_augment:
            steps.append(T.AutoAugment(AA.CIFAR10))
        steps += [T.ToTensor(), T.Normalize(CIFAR_MEAN, CIFAR_STD)]
    else:
        steps = [T.RandomResizedCrop(size, interpolation=T.InterpolationMode.BICUBIC), T.RandomHorizontalFlip(),
                 T.AutoAugment(AA.IMAGENET) if d.auto_augment else T.ColorJitter(0.4, 0.4, 0.4),
                 T.ToTensor(), Lighting(0.1), T.Normalize(IMAGENET_MEAN, IMAGENET_STD)]
    if d.random_erase:
        steps.append(T.RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0))
    return T.Compose(steps)


def _cifar_dataset(root: Path, num_classes: int, train: bool, transform):
    """CIFAR-10/100 from torchvision's on-disk layout (:func:`zennas.data.cifar.cifar_dataset`: presence
    and shapes are checked instead of md5s; nothing is downloaded)."""
    from zennas.data.cifar import CifarLayoutError, cifar_dataset

    try:
        return cifar_dataset(root, "cifar10" if num_classes == 10 else "cifar100", train, transform)
    except CifarLayoutError as exc:
        raise DataError(str(exc)) from None


class FlatListDataset(Dataset):
    """Images of one folder labelled by a list file of ``<file> <label>`` lines."""

    def __init__(self, root: Path, list_file: Path, class_names: list[str], transform=None) -> None:
        from torchvision.datasets.folder import default_loader

        self.loader, self.transform, self.samples = default_loader, transform, []
        index = {c: i for i, c in enumerate(class_names)}
        for ln, line in enumerate(list_file.read_text().splitlines(), 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                raise DataError(f"{list_file}:{ln}: expected '<file> <label>', got {line!r}")
            name, lab = parts
            label = int(lab) if lab.lstrip("-").isdigit() else index.get(lab)
            if label is None or not 0 <= label < len(class_names):
                raise DataError(f"{list_file}:{ln}: label {lab!r} is neither a class index < {len(class_names)} "
                                f"nor a class folder name of the training set")
            if not (root / name).is_file():
                raise DataError(f"{list_file}:{ln}: image {root / name} not found")
            self.samples.append((str(root / name), label))
        self.targets = [t for _, t in self.samples]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> tuple[Any, int]:
        path, target = self.samples[i]
        img = self.loader(path)
        return (self.transform(img) if self.transform else img), target


def _folder_datasets(root: Path, d: DataOptions, train_tf, val_tf):
    from torchvision.datasets import ImageFolder

    layout = FOLDER_LAYOUT.format(d=root)
    if not (root / "train").is_dir() or not (root / "val").is_dir():
        raise DataError(f"image folder dataset not found in {root}: expected {layout}")
    try:
        train = ImageFolder(str(root / "train"), transform=train_tf)
    except (FileNotFoundError, RuntimeError) as exc:
        raise DataError(f"{root / 'train'}: {exc}; expected {layout}") from None
    val_dir = root / "val"
    lists = [Path(d.val_list).expanduser()] if d.val_list else [val_dir / "val_list.txt", root / "val_list.txt"]
    list_file = next((p for p in lists if p.is_file()), None)
    has_class_dirs = any(p.is_dir() for p in val_dir.iterdir())
    if list_file is not None and (d.val_list or not has_class_dirs):
        val = FlatListDataset(val_dir, list_file, train.classes, val_tf)
    else:
        try:
            val = ImageFolder(str(val_dir), transform=val_tf)
        except (FileNotFoundError, RuntimeError) as exc:
            raise DataError(f"{val_dir}: {exc}; expected {layout}") from None
        if val.classes != train.classes:
            diff = sorted(set(val.classes) ^ set(train.classes))[:5]
            raise DataError(f"{val_dir} and {root / 'train'} have different class folders (e.g. {diff}); class "
                            "indices would not line up")
    return train, val, list(train.classes)


def build_datasets(d: DataOptions, size: int, *, model_size: int | None = None) -> DataBundle:
    """Datasets at load resolution ``size``; ``model_size`` (default ``size``) is what the model sees
    (teacher-student runs load at the larger of the two sizes)."""
    if d.dataset is None:
        raise DataError("--dataset is required: cifar10, cifar100, imagenet, myimagenet100 or imagefolder")
    if d.dataset == "imagefolder" and not d.data_dir:
        raise DataError("--dataset imagefolder needs --data_dir DIR holding DIR/train and DIR/val")
    root = Path(d.data_dir or DEFAULT_DIRS[d.dataset]).expanduser()
    model_size = model_size or size
    if is_cifar(d.dataset):
        pre = Preprocess.cifar(size)
        pre.input_image_size = model_size
        val_tf = pre.transform()
        k = 10 if d.dataset == "cifar10" else 100
        train = _cifar_dataset(root, k, True, val_tf if d.no_data_augment else train_transform(d, size, True))
        val = _cifar_dataset(root, k, False, val_tf)
        names = list(train.classes)
    else:
        pre = Preprocess.imagenet(size, d.input_image_crop)
        pre.input_image_size = model_size
        val_tf = pre.transform()
        train, val, names = _folder_datasets(root, d, val_tf if d.no_data_augment else train_transform(d, size, False),
                                             val_tf)
    if d.dataloader_testing:
        train, val = Subset(train, range(0, len(train), 100)), Subset(val, range(0, len(val), 10))
    if len(train) == 0 or len(val) == 0:
        raise DataError(f"{root}: empty {'training' if len(train) == 0 else 'validation'} set")
    pre.class_names = names
    logger.info("data: %s from %s, %d train / %d val images, %d classes, load size %d", d.dataset, root,
                len(train), len(val), len(names), size)
    return DataBundle(train, val, names, pre)


def make_loaders(bundle: DataBundle, *, batch_size: int, workers: int, world: int, rank: int, seed: int,
                 pin_memory: bool = False) -> tuple[DataLoader, DistributedSampler, DataLoader, torch.Generator]:
    """Train loader (DistributedSampler over ``world`` shards, shuffled with ``seed`` + epoch, drop_last)
    and a validation loader over this rank's contiguous shard.  The returned generator seeds the
    workers (its state is checkpointed)."""
    workers = max(0, min(workers, os.cpu_count() or 1))
    sampler = DistributedSampler(bundle.train, num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=True)
    if len(sampler) < batch_size:
        raise DataError(f"batch size {batch_size} per process is larger than the {len(sampler)} training images "
                        f"of each of the {world} process(es)")
    gen = torch.Generator().manual_seed(seed + rank)
    # workers are not persistent: each epoch's workers are seeded from ``gen``, whose state is checkpointed
    kw: dict[str, Any] = dict(num_workers=workers, pin_memory=pin_memory)
    train = DataLoader(bundle.train, batch_size=batch_size, sampler=sampler, drop_last=True, generator=gen, **kw)
    n = len(bundle.val)
    shard = Subset(bundle.val, range(rank * n // world, (rank + 1) * n // world))
    val = DataLoader(shard, batch_size=batch_size, shuffle=False, generator=torch.Generator().manual_seed(0), **kw)
    return train, sampler, val, gen

