"""Top-1/top-5 evaluation on an ImageFolder validation set or the CIFAR test split (val.py, val_cifar.py).

Pre-processing is the model's (:class:`zennas.checkpoint.Preprocess`: from the training checkpoint, or
the zoo table), then on the device a bilinear resize to the model resolution when the crop differs
(the original val.py: crop 320 -> 224).  The class folders must match the model's classes (count, and
names when the checkpoint records them): the original silently reported 0 % otherwise (ZenNAS #20).
``fp16`` runs under ``torch.autocast`` (float16 on CUDA, bfloat16 on CPU); NVIDIA apex is replaced by it.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from zennas.checkpoint import Preprocess
from zennas.inference import LoadedModel

logger = logging.getLogger(__name__)


class DataFolderError(FileNotFoundError):
    """The evaluation data folder is missing or does not fit the model."""


def eval_transform(pre: Preprocess):
    """``pre.transform()``; images are first resized to the model resolution when ``pre`` neither resizes
    nor crops (e.g. CIFAR statistics applied to an ImageFolder), so a batch always has one size."""
    from torchvision import transforms as T

    tf = pre.transform()
    if pre.resize or pre.crop:
        return tf
    s = pre.input_image_size
    return T.Compose([T.Resize((s, s), interpolation=T.InterpolationMode.BICUBIC), tf])


def load_image(path: str):
    """An RGB PIL image; an unreadable file is a ValueError naming it (not a PIL traceback from a worker)."""
    from PIL import Image

    try:
        with open(path, "rb") as f:
            return Image.open(f).convert("RGB")
    except (OSError, ValueError, SyntaxError) as exc:  # PIL raises all three for broken files
        raise ValueError(f"cannot read image {path} ({type(exc).__name__}: {exc}); remove or replace the file") from None


def imagefolder_dataset(data: str | Path, transform):
    """``data/val`` if it exists, else ``data``, as a torchvision ImageFolder (sorted class folders)."""
    from torchvision import datasets

    root = Path(data).expanduser()
    layout = "DIR/<class>/<image> or DIR/val/<class>/<image>"
    if not root.is_dir():
        raise DataFolderError(f"data folder {root} not found (expected {layout})")
    d = root / "val" if (root / "val").is_dir() else root
    try:
        return datasets.ImageFolder(str(d), transform=transform, loader=load_image)
    except (FileNotFoundError, RuntimeError) as exc:  # no class folders / no images
        raise DataFolderError(f"{d} is not an image folder ({str(exc).splitlines()[0]}; expected {layout})") from None


def check_classes(lm: LoadedModel, classes: list[str], where: str) -> None:
    """The data's classes must be the model's: same count, and the same names when a training checkpoint
    records them (sorted class folders define class indices)."""
    n = lm.spec.num_classes
    if len(classes) != n:
        raise DataFolderError(f"{where} has {len(classes)} class folders but the model has {n} classes; class "
                              f"indices would not line up (sorted folder names are class 0..N-1)")
    names = lm.preprocess.class_names
    if lm.checkpoint is not None and names and list(names) != list(classes):
        bad = next(i for i, (a, b) in enumerate(zip(names, classes)) if a != b)
        raise DataFolderError(f"{where}: class {bad} is {classes[bad]!r} but the checkpoint was trained with "
                              f"{names[bad]!r} as class {bad}; class indices would not line up")


def evaluate(model, loader, *, resolution: int, device: str = "cpu", fp16: bool = False,
             log_every: int = 100) -> dict:
    """``{"images", "top1", "top5", "seconds"}`` (percent) of ``model`` over ``loader``."""
    import torch
    import torch.nn.functional as F

    dev = torch.device(device)
    model = model.to(dev).eval()
    n = top1 = top5 = 0
    amp_dtype = torch.float16 if dev.type == "cuda" else torch.bfloat16
    t0 = time.perf_counter()
    with torch.inference_mode(), torch.autocast(dev.type, dtype=amp_dtype, enabled=fp16):
        for i, (x, y) in enumerate(loader):
            x, y = x.to(dev, non_blocking=True), y.to(dev, non_blocking=True)
            if x.shape[-2:] != (resolution, resolution):
                x = F.interpolate(x, size=(resolution, resolution), mode="bilinear", align_corners=False)
            logits = model(x).float()
            pred = logits.topk(min(5, logits.shape[1]), dim=1).indices
            top1 += (pred[:, 0] == y).sum().item()
            top5 += (pred == y[:, None]).any(dim=1).sum().item()
            n += y.numel()
            if log_every and (i + 1) % log_every == 0:
                logger.info("%d images: top-1 %.3f%% top-5 %.3f%%", n, 100 * top1 / n, 100 * top5 / n)
    return {"images": n, "top1": 100.0 * top1 / max(1, n), "top5": 100.0 * top5 / max(1, n),
            "seconds": round(time.perf_counter() - t0, 3)}


def _run(lm: LoadedModel, ds, where: str, *, batch_size: int, workers: int, device: str, fp16: bool) -> dict:
    import torch

    check_classes(lm, list(ds.classes), where)
    loader = torch.utils.data.DataLoader(ds, batch_size=batch_size, shuffle=False, num_workers=workers,
                                         pin_memory=device.startswith("cuda"))
    r = evaluate(lm.model, loader, resolution=lm.preprocess.input_image_size, device=device, fp16=fp16)
    r.update(arch=lm.label, weights=lm.weights, resolution=lm.preprocess.input_image_size,
             crop=lm.preprocess.crop)
    if lm.checkpoint is not None and lm.checkpoint.get("top1_acc") is not None:
        r["checkpoint_top1"] = float(lm.checkpoint["top1_acc"])
    return r


def evaluate_imagefolder(lm: LoadedModel, data: str | Path, *, batch_size: int = 128, workers: int = 4,
                         device: str = "cpu", fp16: bool = False) -> dict:
    ds = imagefolder_dataset(data, eval_transform(lm.preprocess))
    return _run(lm, ds, str(Path(ds.root)), batch_size=batch_size, workers=workers, device=device, fp16=fp16)


def cifar_name(lm: LoadedModel, dataset: str | None) -> str:
    """The CIFAR variant to evaluate on: ``dataset``, else the zoo name's / checkpoint's, else by classes."""
    from zennas.inference import dataset_of

    ds = dataset or (lm.checkpoint or {}).get("config", {}).get("dataset") or dataset_of(lm.spec)
    if ds not in ("cifar10", "cifar100"):
        ds = {10: "cifar10", 100: "cifar100"}.get(lm.spec.num_classes)
    if ds is None:
        raise DataFolderError(f"cannot tell CIFAR-10 from CIFAR-100 for a {lm.spec.num_classes}-class model: "
                              "give --dataset")
    return ds


def evaluate_cifar(lm: LoadedModel, data_dir: str | None, dataset: str, *, batch_size: int = 512,
                   workers: int = 4, device: str = "cpu", fp16: bool = False) -> dict:
    """The CIFAR test split (torchvision's on-disk layout under ``data_dir``): tensor + the model's
    normalisation, resized on the device when the model resolution is not 32."""
    from torchvision import transforms as T

    from zennas.data.cifar import DEFAULT_ROOTS, cifar_dataset

    pre = lm.preprocess
    tf = T.Compose([T.ToTensor(), T.Normalize(pre.mean, pre.std)])
    root = data_dir or DEFAULT_ROOTS[dataset]
    ds = cifar_dataset(root, dataset, train=False, transform=tf)
    r = _run(lm, ds, f"{root} ({dataset} test split)", batch_size=batch_size, workers=workers, device=device,
             fp16=fp16)
    r["dataset"] = dataset
    return r


def resolve_device(device: str, gpu: int | None) -> str:
    """``--gpu N`` (legacy) wins over ``--device``; a CUDA device without a GPU is a DeviceError."""
    from zennas.devices import resolve_device as check

    return check(device, gpu)

