"""Which network to run, with which weights and pre-processing: one resolver for val.py, val_cifar.py,
predict.py and export.py.

Three sources, as the original scripts name them:

* a training checkpoint (``--weights RUN/best-params_rank0.pth``): structure, classes, class names and
  pre-processing all come from the file (:func:`zennas.checkpoint.model_from_checkpoint`); a bare state
  dict (e.g. a published ``student_best-params_rank0.pth``) needs the network given as well;
* a zoo name (``--arch``): the published weights from the cache directory unless a file is given
  (:mod:`zennas.pretrained`); pre-processing from the zoo table (crop, CIFAR or ImageNet statistics);
* a structure (``--plainnet_struct[_txt]``): ImageNet-style pre-processing; weights optional.
"""

from __future__ import annotations

import argparse
import logging
import math
from dataclasses import dataclass, replace
from typing import Any

from zennas.checkpoint import CIFAR_MEAN, CIFAR_STD, IMAGENET_MEAN, IMAGENET_STD, Preprocess
from zennas.models import ModelSpec, create_model, resolve_model_spec

logger = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    model: Any  # nn.Module, eval mode
    spec: ModelSpec
    preprocess: Preprocess
    label: str  # zoo / torchvision name, or "masternet"
    weights: str | None  # file the weights came from (None: random initialisation)
    checkpoint: dict | None = None


def dataset_of(spec: ModelSpec) -> str | None:
    """"cifar10" / "cifar100" / "imagenet" when a zoo name or the class count says so."""
    n = spec.name.lower()
    for ds in ("cifar100", "cifar10", "imagenet"):
        if ds in n:
            return ds
    return "imagenet" if spec.kind == "zoo" and spec.num_classes == 1000 else None


def default_preprocess(spec: ModelSpec, crop: int | None = None, zoo_crop: int | None = None) -> Preprocess:
    """CIFAR statistics, no resize, for 32-px CIFAR networks; else the ImageNet evaluation of the
    original val.py: resize ceil(crop / 0.875) bicubic, center-crop ``crop`` (default: the zoo table's
    crop, else the model resolution), ImageNet statistics."""
    from zennas.data.labels import default_class_names

    ds = dataset_of(spec)
    names = default_class_names(spec.num_classes, ds) if ds else []
    res = spec.input_image_size
    if ds in ("cifar10", "cifar100") and not crop:
        return Preprocess(res, CIFAR_MEAN, CIFAR_STD, None if res == 32 else res, None, names)
    c = crop or zoo_crop or res
    return Preprocess(res, IMAGENET_MEAN, IMAGENET_STD, math.ceil(c / 0.875), c, names)


def load_model(*, weights: str | None = None, arch: str | None = None, structure: str | None = None,
               num_classes: int | None = None, input_image_size: int | None = None, no_BN: bool = False,
               no_reslink: bool = False, use_se: bool = False, pretrained: bool | str | None = None,
               sha256: str | None = None, download: bool = False, crop: int | None = None) -> LoadedModel:
    """Resolve the sources above into an eval-mode model.  ``pretrained``: ``None`` = published weights
    for zoo names, none otherwise; ``True`` = published; ``False`` = random init; a path or URL."""
    from zennas.checkpoint import CheckpointError, load_checkpoint, model_from_checkpoint

    if weights is not None:
        ckpt = load_checkpoint(weights)
        if "model" in ckpt:
            if arch or structure:
                logger.warning("%s describes its own network; --arch/--plainnet_struct are ignored", weights)
            model, spec, pre, ckpt = model_from_checkpoint(ckpt)
            if num_classes is not None and num_classes != spec.num_classes:
                raise CheckpointError(f"{weights} has {spec.num_classes} classes, not --num_classes {num_classes}")
            if input_image_size and input_image_size != pre.input_image_size:
                logger.warning("evaluating at %d px; %s was trained at %d px", input_image_size, weights,
                               pre.input_image_size)
                pre = replace(pre, input_image_size=input_image_size)
            return LoadedModel(model.eval(), spec, pre, spec.label, str(weights), ckpt)
        if not (arch or structure):
            raise CheckpointError(f"{weights} is a bare state dict without a model description: give the network "
                                  "with --arch or --plainnet_struct[_txt] as well")
        pretrained = weights
    spec = resolve_model_spec(arch, structure=structure, num_classes=num_classes,
                              input_image_size=input_image_size, no_BN=no_BN, no_reslink=no_reslink, use_se=use_se)
    model = create_model(spec)
    zoo_crop = None
    if spec.kind == "zoo":
        from zennas.zoo import get_zoo_entry

        zoo_crop = get_zoo_entry(spec.name).crop
    if pretrained is None:
        pretrained = spec.kind == "zoo"
    used = None
    if pretrained is not False:
        from zennas.pretrained import load_weights

        used = str(load_weights(model, spec.name if spec.kind == "zoo" else None, pretrained, sha256=sha256,
                                download=download))
    else:
        logger.warning("no weights given: running a randomly initialised network")
    return LoadedModel(model.eval(), spec, default_preprocess(spec, crop, zoo_crop), spec.label, used)


def load_from_args(args: argparse.Namespace, crop: int | None = None) -> LoadedModel:
    """:func:`load_model` from the options of :func:`zennas.cli.source_args.add_source_args`."""
    from zennas.models import ModelSpecError
    from zennas.structure import read_structures

    if args.plainnet_struct and args.plainnet_struct_txt:
        raise ModelSpecError("give one of --plainnet_struct, --plainnet_struct_txt")
    if not (args.weights or args.arch or args.plainnet_struct or args.plainnet_struct_txt):
        raise ModelSpecError("give --weights CHECKPOINT, a zoo --arch, or --plainnet_struct[_txt]")
    structure = args.plainnet_struct
    if args.plainnet_struct_txt:
        try:
            lines = read_structures(args.plainnet_struct_txt)
        except FileNotFoundError:
            raise ModelSpecError(f"structure file {args.plainnet_struct_txt} not found") from None
        if not lines:
            raise ModelSpecError(f"structure file {args.plainnet_struct_txt} holds no structure")
        structure = lines[0]
    pretrained = False if args.random_init else args.pretrained
    return load_model(weights=args.weights, arch=args.arch, structure=structure, num_classes=args.num_classes,
                      input_image_size=args.input_image_size, no_BN=args.no_BN, no_reslink=args.no_reslink,
                      use_se=args.use_se, pretrained=pretrained, sha256=args.sha256, download=args.download,
                      crop=crop)
