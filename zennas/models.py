"""One model factory for training, evaluation, export and prediction.

A :class:`ModelSpec` names a network the way the original scripts do and is stored inside every
training checkpoint, so a checkpoint alone is enough to rebuild its network:

* ``kind="masternet"``: a structure string (``--arch Masternet.py:MasterNet`` / ``PlainNet`` with
  ``--plainnet_struct[_txt]``) built by :class:`zennas.masternet.MasterNet`;
* ``kind="zoo"``: a zoo name (``--arch zennet_cifar10_model_size1M_res32``), built by the family's own
  builder; ``num_classes`` other than the entry's rebuilds its structure with a new head;
* ``kind="torchvision"``: a torchvision classification model name (``--arch resnet18``), built with
  ``weights=None`` (nothing is downloaded).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

#: ``--arch`` values that mean "a MasterNet from --plainnet_struct[_txt]" (the original scripts' forms).
MASTERNET_ARCHS = ("masternet", "plainnet", "masternet.py:masternet")


class ModelSpecError(ValueError):
    """The network description is incomplete or names nothing known."""


@dataclass
class ModelSpec:
    kind: str  # "masternet" | "zoo" | "torchvision"
    name: str = ""  # zoo or torchvision name ("" for masternet)
    structure: str | None = None
    num_classes: int = 1000
    input_image_size: int = 224
    no_BN: bool = False
    no_reslink: bool = False
    use_se: bool = False
    dialect: str = "zen"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ModelSpec":
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ModelSpecError(f"unknown model description keys {sorted(unknown)} (known: {sorted(known)})")
        return cls(**d)

    @property
    def label(self) -> str:
        return self.name or "masternet"


def is_masternet_arch(arch: str | None) -> bool:
    """True for ``--arch`` values that name the MasterNet class rather than a network (None too)."""
    return arch is None or arch.lower() in MASTERNET_ARCHS or arch.lower().endswith(".py:masternet")


def resolve_model_spec(arch: str | None = None, *, structure: str | None = None, num_classes: int | None = None,
                       input_image_size: int | None = None, no_BN: bool = False, no_reslink: bool = False,
                       use_se: bool = False) -> ModelSpec:
    """Turn the original scripts' model options into a :class:`ModelSpec`.

    Defaults for ``num_classes``/``input_image_size``: the zoo entry's, else 1000 / 224.
    """
    flags = dict(no_BN=no_BN, no_reslink=no_reslink, use_se=use_se)
    if is_masternet_arch(arch):
        if not structure:
            raise ModelSpecError(f"--arch {arch or '(none)'} needs a structure: give --plainnet_struct or "
                                 "--plainnet_struct_txt (or a zoo name / torchvision model as --arch)")
        return ModelSpec("masternet", "", structure.strip(), num_classes or 1000, input_image_size or 224, **flags)
    if structure:
        raise ModelSpecError(f"--arch {arch} and a structure were both given; use --arch Masternet.py:MasterNet "
                             "with --plainnet_struct[_txt], or --arch alone")
    from zennas.registry import RegistryError
    from zennas.zoo import get_zoo_entry

    try:
        e = get_zoo_entry(arch)
    except RegistryError:
        e = None
    if e is not None:
        return ModelSpec("zoo", e.name, e.structure, num_classes or e.num_classes, input_image_size or e.resolution,
                         dialect=e.dialect, **{**flags, "use_se": use_se or e.use_se})
    import torchvision

    names = set(torchvision.models.list_models(module=torchvision.models))
    if arch in names:
        return ModelSpec("torchvision", arch, None, num_classes or 1000, input_image_size or 224, **flags)
    from difflib import get_close_matches

    from zennas.zoo import list_zoo

    close = get_close_matches(arch, [z.name for z in list_zoo()] + sorted(names), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ModelSpecError(f"unknown --arch {arch!r}: not a zoo name (python -m zennas.cli.zoo), a torchvision "
                         f"model or Masternet.py:MasterNet{hint}")


def create_model(spec: ModelSpec):
    """Build the (untrained) ``nn.Module`` a spec describes."""
    if spec.kind == "torchvision":
        import torchvision

        return torchvision.models.get_model(spec.name, weights=None, num_classes=spec.num_classes)
    if spec.kind == "zoo":
        from zennas.zoo import build_zoo_model, get_zoo_entry

        e = get_zoo_entry(spec.name)
        if e.num_classes == spec.num_classes and not (spec.no_BN or spec.no_reslink) and spec.use_se == e.use_se:
            return build_zoo_model(spec.name)
        if e.dialect != "zen":
            raise ModelSpecError(f"zoo network {spec.name} ({e.dialect} dialect) can only be built as published "
                                 f"({e.num_classes} classes, no flags)")
    if spec.kind not in ("zoo", "masternet"):
        raise ModelSpecError(f"unknown model kind {spec.kind!r} (known: masternet, zoo, torchvision)")
    from zennas.masternet import MasterNet

    return MasterNet(spec.structure, spec.num_classes, no_reslink=spec.no_reslink, no_BN=spec.no_BN,
                     use_se=spec.use_se)
