"""Model zoo: published networks by name.  One module per family in this package, auto-discovered.

Each entry records the structure string (a published fact, with its source), resolution, classes,
flags and the published figures (top-1, params, FLOPs) where the sources give them.  Weights are
never downloaded implicitly: :func:`load_pretrained` takes a user path (or URL, only when asked)
and checks a SHA-256 when one is given.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from zennas.registry import Registry, discover

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ZooEntry:
    name: str
    structure: str
    resolution: int
    num_classes: int
    family: str
    use_se: bool = False
    dialect: str = "zen"
    source: str = ""
    top1: float | None = None
    published_params: float | None = None
    published_flops: float | None = None
    crop: int | None = None
    sha256: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


ZOO: Registry[ZooEntry] = Registry("zoo network", case_sensitive=False)


def register_zoo_entry(entry: ZooEntry) -> ZooEntry:
    ZOO.register(entry.name, entry, module=__name__)
    return entry


def get_zoo_entry(name: str) -> ZooEntry:
    return ZOO.get(name)


def list_zoo() -> list[ZooEntry]:
    """Every zoo entry once (aliases share their entry), in registration order."""
    out: list[ZooEntry] = []
    seen: set[int] = set()
    for _, e in ZOO.items():
        if id(e) not in seen:
            seen.add(id(e))
            out.append(e)
    return out


def entry_aliases(e: ZooEntry) -> list[str]:
    """The other names of an entry."""
    return [n for n, v in ZOO.items() if v is e and n != e.name]


def entry_blocks(e: ZooEntry) -> list:
    """Parse an entry's structure in its dialect."""
    from zennas.structure import parse

    return parse(e.structure, dialect=e.dialect)


def entry_options(e: ZooEntry):
    """The build options an entry's costs depend on (SE, Gather-Excite, identity multiplier)."""
    from zennas.block import Options

    o = Options(use_se=e.use_se)
    extra = {k: v for k, v in e.options.items() if k in ("use_ge", "identity_multiplier")}
    return o.evolve(**extra) if extra else o


def entry_costs(e: ZooEntry, resolution: int | None = None):
    """Analytic costs of an entry at its resolution (or ``resolution``)."""
    from zennas.costs import compute_costs

    return compute_costs(entry_blocks(e), resolution or e.resolution, e.num_classes, opts=entry_options(e))


def entry_record(e: ZooEntry, *, costs: bool = True, structure: bool = False) -> dict:
    """One entry as a JSON-ready record: published figures and (optionally) computed costs."""
    rec = {
        "name": e.name, "aliases": entry_aliases(e), "family": e.family, "dialect": e.dialect,
        "resolution": e.resolution, "num_classes": e.num_classes, "use_se": e.use_se, "crop": e.crop,
        "published_top1": e.top1, "published_params": e.published_params, "published_flops": e.published_flops,
        "source": e.source,
    }
    if structure:
        rec["structure"] = e.structure
    if costs:
        c = entry_costs(e)
        rec.update(zen_params=c.params, zen_flops=c.flops, layers=c.layers, exact_params=c.exact_params,
                   exact_macs=c.exact_macs, mac=c.mac, peak=c.peak)
    return rec


def _fmt_num(v, scale: float, unit: str) -> str:
    return "-" if v is None else f"{v / scale:.2f}{unit}"


def format_table(records: list[dict]) -> str:
    """The zoo table (name, family, resolution, classes, published and computed figures)."""
    cols = [("name", 44), ("family", 12), ("res", 4), ("cls", 5), ("top1", 6), ("pub_params", 10),
            ("pub_flops", 9), ("zen_params", 10), ("zen_flops", 9), ("exact_params", 12), ("layers", 6)]
    lines = ["  ".join(n.ljust(w) if i < 2 else n.rjust(w) for i, (n, w) in enumerate(cols))]
    for r in records:
        vals = [
            r["name"] + (f" ({', '.join(r['aliases'])})" if r["aliases"] else ""),
            r["family"], str(r["resolution"]), str(r["num_classes"]),
            "-" if r["published_top1"] is None else f"{r['published_top1']:.2f}",
            _fmt_num(r["published_params"], 1e6, "M"), _fmt_num(r["published_flops"], 1e6, "M"),
            _fmt_num(r.get("zen_params"), 1e6, "M"), _fmt_num(r.get("zen_flops"), 1e6, "M"),
            _fmt_num(r.get("exact_params"), 1e6, "M"), str(r.get("layers", "-")),
        ]
        lines.append("  ".join(v.ljust(w) if i < 2 else v.rjust(w) for i, (v, (_, w)) in enumerate(zip(vals, cols))))
    return "\n".join(lines)


def build_zoo_model(name: str, *, pretrained_path: str | None = None, sha256: str | None = None, **kw):
    """Build a zoo network (MasterNet or the family's own builder) and optionally load weights."""
    e = get_zoo_entry(name)
    builder = e.options.get("builder")
    if builder is not None:
        model = builder(e, **kw)
    else:
        from zennas.masternet import MasterNet

        model = MasterNet(e.structure, e.num_classes, use_se=e.use_se, **kw)
    if pretrained_path:
        load_pretrained(model, pretrained_path, sha256=sha256 or e.sha256)
    return model


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_pretrained(model, path: str, *, sha256: str | None = None, strict: bool = True) -> None:
    """Load a state dict (raw or under ``state_dict``) from a local path, or a URL when explicitly
    given one; verify its SHA-256 when known; fail with the expected file name otherwise."""
    import torch

    if path.startswith(("http://", "https://")):
        from torch.hub import download_url_to_file

        dest = Path(torch.hub.get_dir()) / "zennas" / Path(path).name
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            download_url_to_file(path, str(dest))
        p = dest
    else:
        p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"pretrained weights not found: {p} (expected a .pth state dict file)")
    if sha256 and _sha256(p) != sha256.lower():
        raise ValueError(f"checksum mismatch for {p}: expected sha256 {sha256}")
    sd = torch.load(p, map_location="cpu", weights_only=True)
    if isinstance(sd, dict) and "state_dict" in sd:
        sd = sd["state_dict"]
    sd = {k[7:] if k.startswith("module.") else k: v for k, v in sd.items()}
    model.load_state_dict(sd, strict=strict)


discover(__name__)
