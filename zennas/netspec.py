"""A network to work on, as the command-line tools name it: a zoo entry or a structure string.

:class:`NetSpec` holds the label, the structure (in its dialect), resolution, classes and build flags;
``blocks()`` parses it, ``build()`` makes the module (the zoo family's own builder for zoo entries,
else :class:`~zennas.masternet.MasterNet`).
"""

from __future__ import annotations

from dataclasses import dataclass

from zennas.block import Block
from zennas.blocks import DEFAULT_DIALECT
from zennas.errors import UsageError
from zennas.structure import parse, read_structures


@dataclass
class NetSpec:
    """One network to process: a label for output, its structure, and how to build it."""

    name: str
    structure: str
    resolution: int
    num_classes: int
    use_se: bool = False
    no_BN: bool = False
    no_reslink: bool = False
    dialect: str = DEFAULT_DIALECT
    zoo_name: str | None = None
    rechain: bool = False  # repair the channel chaining of a published string (zennas.structure.parse)

    def blocks(self) -> list[Block]:
        """The parsed structure (in its dialect)."""
        return parse(self.structure, dialect=self.dialect, rechain=self.rechain)

    def build(self):
        """The network as a module: the zoo family's own builder for zoo entries, else MasterNet."""
        if self.zoo_name and not (self.no_BN or self.no_reslink):
            from zennas.zoo import build_zoo_model, get_zoo_entry

            if get_zoo_entry(self.zoo_name).num_classes == self.num_classes:
                return build_zoo_model(self.zoo_name)
        from zennas.masternet import MasterNet

        return MasterNet(self.blocks(), self.num_classes, use_se=self.use_se, no_BN=self.no_BN,
                         no_reslink=self.no_reslink)


def resolve_nets(*, arch: str | None = None, plainnet_struct: str | None = None, plainnet_struct_txt: str | None = None,
                 input_image_size: int | None = None, num_classes: int | None = None, use_se: bool = False,
                 no_BN: bool = False, no_reslink: bool = False, rechain: bool = False) -> list[NetSpec]:
    """The networks the original scripts' options name: a zoo ``arch``, a structure string, or a file of
    structures (one per line); ``arch`` ``Masternet.py:MasterNet`` / ``PlainNet`` names the network class of
    the structure.  Exactly one source; defaults: the zoo entry's resolution/classes, else 224 / 1000.
    Bad usage raises :class:`~zennas.errors.UsageError`."""
    from zennas.models import is_masternet_arch

    if arch and is_masternet_arch(arch):  # the network class, not a network
        if not (plainnet_struct or plainnet_struct_txt):
            raise UsageError(f"--arch {arch} needs a structure", "give --plainnet_struct or --plainnet_struct_txt")
        arch = None
    given = [x for x, v in (("--arch", arch), ("--plainnet_struct", plainnet_struct),
                            ("--plainnet_struct_txt", plainnet_struct_txt)) if v]
    if len(given) != 1:
        raise UsageError("no network given" if not given else f"both {' and '.join(given)} given",
                         "give exactly one of --arch NAME, --plainnet_struct STR, --plainnet_struct_txt FILE")
    flags = dict(use_se=use_se, no_BN=no_BN, no_reslink=no_reslink, rechain=rechain)
    res, nc = input_image_size, num_classes
    if arch:
        from zennas.errors import one_line
        from zennas.registry import RegistryError
        from zennas.zoo import get_zoo_entry

        try:
            e = get_zoo_entry(arch)
        except RegistryError as exc:
            raise UsageError(one_line(exc), "list the zoo with `python -m zennas.cli.zoo`") from None
        flags["use_se"] = use_se or e.use_se
        return [NetSpec(e.name, e.structure, res or e.resolution, nc or e.num_classes, dialect=e.dialect,
                        zoo_name=e.name, **flags)]
    res, nc = res or 224, nc or 1000
    if plainnet_struct:
        return [NetSpec("structure", plainnet_struct.strip(), res, nc, **flags)]
    path = plainnet_struct_txt
    try:
        lines = read_structures(path)
    except FileNotFoundError:
        raise UsageError(f"structure file {path!r} not found", "check --plainnet_struct_txt") from None
    except IsADirectoryError:
        raise UsageError(f"--plainnet_struct_txt {path!r} is a folder, not a file") from None
    except UnicodeDecodeError:
        raise UsageError(f"structure file {path!r} is not text", "give a file with one structure per line") from None
    if not lines:
        raise UsageError(f"structure file {path!r} holds no structure", "write one structure string per line")
    return [NetSpec(f"line{i + 1}", s, res, nc, **flags) for i, s in enumerate(lines)]


__all__ = ["NetSpec", "resolve_nets"]
