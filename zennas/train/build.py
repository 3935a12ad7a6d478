"""Networks from the training options (student and teacher alike), on top of :mod:`zennas.models`.

``--arch`` may be a zoo name, a torchvision model name or ``Masternet.py:MasterNet`` / ``PlainNet``
with ``--plainnet_struct[_txt]``; ``--pretrained`` (torchvision only) takes torchvision's published
weights; ``--load_parameters_from`` loads a raw state dict or a checkpoint's ``state_dict``.
"""

from __future__ import annotations

import logging

from torch import nn

from zennas.checkpoint import CheckpointError, load_checkpoint, state_dict_of
from zennas.models import ModelSpec, ModelSpecError, create_model, resolve_model_spec

logger = logging.getLogger("zennas.train")


def read_structure(struct: str | None, struct_txt: str | None, option: str = "--plainnet_struct_txt") -> str | None:
    """The structure string given inline or as the first structure line of a file."""
    if struct:
        return struct.strip()
    if not struct_txt:
        return None
    from zennas.structure import read_structures

    try:
        lines = read_structures(struct_txt)
    except OSError as exc:
        raise ModelSpecError(f"{option} {struct_txt}: {exc.strerror or exc}") from None
    if not lines:
        raise ModelSpecError(f"{option} {struct_txt} holds no structure line")
    return lines[0]


def default_resolution(arch: str | None, cifar: bool) -> int:
    """Resolution when --input_image_size is not given: the zoo entry's, 32 for CIFAR, else 224."""
    if arch:
        from zennas.registry import RegistryError
        from zennas.zoo import get_zoo_entry

        try:
            return get_zoo_entry(arch).resolution
        except RegistryError:
            pass
    return 32 if cifar else 224


def make_spec(arch: str | None, structure: str | None, num_classes: int, size: int, *, no_BN: bool = False,
              no_reslink: bool = False, use_se: bool = False) -> ModelSpec:
    return resolve_model_spec(arch, structure=structure, num_classes=num_classes, input_image_size=size,
                              no_BN=no_BN, no_reslink=no_reslink, use_se=use_se)


def build_network(spec: ModelSpec, *, pretrained: bool = False) -> nn.Module:
    model = create_model(spec)
    if pretrained:
        if spec.kind != "torchvision":
            raise ModelSpecError(f"--pretrained applies to torchvision models; for {spec.label} give the weights "
                                 "with --load_parameters_from FILE")
        import torchvision

        try:
            sd = torchvision.models.get_model_weights(spec.name).DEFAULT.get_state_dict(progress=False)
        except Exception as exc:
            raise ModelSpecError(f"torchvision weights of {spec.name} are not in the torch hub cache and could not "
                                 f"be downloaded ({type(exc).__name__}); use --load_parameters_from FILE") from None
        load_weights(model, sd, strict=False, source=f"torchvision {spec.name} weights")
    return model


def load_weights(model: nn.Module, state_dict: dict, *, strict: bool, source: str) -> None:
    """Load a state dict; non-strict loading skips missing/unexpected keys and shape mismatches (logged)."""
    sd = {k[7:] if k.startswith("module.") else k: v for k, v in state_dict.items()}
    if strict:
        try:
            model.load_state_dict(sd, strict=True)
        except RuntimeError as exc:
            first = str(exc).strip().splitlines()[0]
            raise CheckpointError(f"{source} does not match the network (--strict_load): {first}") from None
        return
    own = model.state_dict()
    fit = {k: v for k, v in sd.items() if k in own and tuple(v.shape) == tuple(own[k].shape)}
    skipped = sorted(k for k in sd if k in own and k not in fit)
    result = model.load_state_dict(fit, strict=False)
    logger.info("loaded %d/%d tensors from %s", len(fit), len(own), source)
    for what, keys in (("shape mismatch, kept initial", skipped), ("missing, kept initial", result.missing_keys),
                       ("unexpected, ignored", [k for k in sd if k not in own])):
        if keys:
            logger.warning("%s: %d keys %s (e.g. %s)", source, len(keys), what, ", ".join(keys[:3]))


def load_parameters_from(model: nn.Module, path: str, *, strict: bool) -> None:
    load_weights(model, state_dict_of(load_checkpoint(path)), strict=strict, source=str(path))
