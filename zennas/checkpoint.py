"""Training checkpoints: one format, written atomically, read back with ``weights_only=True``.

Layout (ZENNAS_SPEC §6.5 plus what is needed to rebuild and resume; every value is a tensor, a
container or a plain Python scalar/string so ``torch.load(weights_only=True)`` reads it)::

    {
      "format": "zennas.checkpoint/1",
      "epoch": int,                       # epochs completed
      "state_dict": {...},                # model weights, no "module." prefix
      "top1_acc": float, "top5_acc": float,
      "training_status_info": {best_acc1, best_acc5, best_acc1_at_epoch, best_acc5_at_epoch,
                               training_elasped_time, validation_elasped_time},   # spelled as the original
      "model": ModelSpec.to_dict(),       # zennas.models: how to rebuild the network
      "preprocess": Preprocess.to_dict(), # how evaluation inputs are prepared (val.py, predict.py, export)
      "config": {...},                    # the resolved training configuration (plain types)
      # latest-params only (resume): "optimizer", "scaler", "ema", "rng", "schedule", ... (trainer-owned)
    }

:func:`save_checkpoint` writes ``path.tmp-<pid>``, fsyncs and renames over ``path``: a crash mid-write
leaves the previous file intact.  :func:`load_checkpoint` turns a missing, truncated or foreign file
into a :class:`CheckpointError` that names the file.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

FORMAT = "zennas.checkpoint/1"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2023, 0.1994, 0.2010)


class CheckpointError(RuntimeError):
    """A checkpoint file is missing, unreadable or lacks what the caller needs (bad input: exit status 2)."""

    exit_code = 2


@dataclass
class Preprocess:
    """Evaluation pre-processing: [resize shorter side to ``resize`` (bicubic)] -> [center-crop ``crop``]
    -> tensor -> normalise(mean, std); the model then sees a bilinear resize to ``input_image_size`` if
    the crop differs.  ``class_names[i]`` is the label of output ``i`` (sorted class folders)."""

    input_image_size: int
    mean: tuple[float, ...] = IMAGENET_MEAN
    std: tuple[float, ...] = IMAGENET_STD
    resize: int | None = None
    crop: int | None = None
    class_names: list[str] = field(default_factory=list)

    @classmethod
    def imagenet(cls, size: int, crop_ratio: float = 0.875, class_names: list[str] | None = None) -> "Preprocess":
        return cls(size, IMAGENET_MEAN, IMAGENET_STD, math.ceil(size / crop_ratio), size, list(class_names or []))

    @classmethod
    def cifar(cls, size: int = 32, class_names: list[str] | None = None) -> "Preprocess":
        return cls(size, CIFAR_MEAN, CIFAR_STD, None if size == 32 else size, None, list(class_names or []))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["mean"], d["std"] = list(self.mean), list(self.std)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Preprocess":
        known = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in known}
        d["mean"], d["std"] = tuple(d.get("mean", IMAGENET_MEAN)), tuple(d.get("std", IMAGENET_STD))
        return cls(**d)

    def transform(self):
        """The torchvision eval transform (PIL image -> normalised tensor)."""
        from torchvision import transforms as T

        steps = []
        if self.resize:
            steps.append(T.Resize(self.resize, interpolation=T.InterpolationMode.BICUBIC))
        if self.crop:
            steps.append(T.CenterCrop(self.crop))
        steps += [T.ToTensor(), T.Normalize(self.mean, self.std)]
        return T.Compose(steps)


def save_checkpoint(obj: dict[str, Any], path: str | os.PathLike) -> Path:
    """Atomically write ``obj`` (with ``format`` filled in) to ``path``."""
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            torch.save({"format": FORMAT, **obj}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    try:  # make the rename durable
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass
    return path


def load_checkpoint(path: str | os.PathLike, map_location: str = "cpu") -> dict[str, Any]:
    """Read a checkpoint (or a raw state dict) safely; errors name the file and the likely cause."""
    import torch

    p = Path(path).expanduser()
    if not p.is_file():
        raise CheckpointError(f"checkpoint not found: {p}")
    try:
        obj = torch.load(p, map_location=map_location, weights_only=True)
    except Exception as exc:  # truncated zip, pickle of foreign objects, not a torch file ...
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        first = first.split(". ")[0][:160]  # torch's weights-only message goes on for a paragraph
        raise CheckpointError(f"cannot read checkpoint {p} ({p.stat().st_size} bytes): truncated, corrupt or not "
                              f"a weights-only torch file ({first}); check the path or copy the file again") from None
    if not isinstance(obj, dict):
        raise CheckpointError(f"{p} holds a {type(obj).__name__}, not a checkpoint dict or state dict")
    return obj


def state_dict_of(ckpt: dict[str, Any]) -> dict[str, Any]:
    """The model weights of a checkpoint or raw state dict, without a DDP ``module.`` prefix."""
    sd = ckpt.get("state_dict", ckpt)
    return {k[7:] if k.startswith("module.") else k: v for k, v in sd.items()}


def model_from_checkpoint(ckpt: dict[str, Any] | str | os.PathLike, *, strict: bool = True):
    """Rebuild the network of a training checkpoint and load its weights.

    Returns ``(model, spec, preprocess, ckpt)``; raises :class:`CheckpointError` when the file has
    no model description (a bare state dict: pass the network explicitly instead)."""
    from zennas.models import ModelSpec, create_model

    if not isinstance(ckpt, dict):
        ckpt = load_checkpoint(ckpt)
    if "model" not in ckpt:
        raise CheckpointError("checkpoint has no model description (a bare state dict?): give the network with "
                              "--arch / --plainnet_struct as well")
    spec = ModelSpec.from_dict(ckpt["model"])
    pre = Preprocess.from_dict(ckpt.get("preprocess") or {"input_image_size": spec.input_image_size})
    model = create_model(spec)
    try:
        model.load_state_dict(state_dict_of(ckpt), strict=strict)
    except RuntimeError as exc:
        raise CheckpointError(f"checkpoint weights do not fit the network it describes: {exc}") from None
    return model, spec, pre, ckpt
