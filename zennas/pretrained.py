"""Published ZenNet weights: where the original caches them, and checksum-verified loading.

The original ``ZenNet.get_ZenNet(name, pretrained=True)`` reads
``~/.cache/pytorch/checkpoints/zennet_pretrained/<dir>/<file>.pth`` and downloads it from the authors'
bucket when absent.  Here nothing is downloaded unless asked (``download=True`` / ``--download``) or
a URL is given explicitly; a missing file is an error naming the expected path and its URL.
The relative paths and URLs are facts from idstcv/ZenNAS ``ZenNet/__init__.py`` (``pth_path``,
``pretrained_pth_url``).  ``ZENNET_PRETRAINED_DIR`` overrides the cache directory.

Checksums: the expected SHA-256 is, in order, the ``sha256`` argument, the zoo entry's ``sha256``,
or the ``<file>.sha256`` written beside a file this module downloaded; a mismatch is an error.
The authors publish no checksums, so a file placed in the cache by hand is loaded unverified (logged).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

_BUCKET = "https://idstcv.oss-cn-zhangjiakou.aliyuncs.com"
#: zoo name -> path relative to the cache dir (= relative to the bucket's pretrained_models/ folder)
PUBLISHED_WEIGHTS: dict[str, str] = {
    **{f"zennet_cifar{k}_model_size{s}_res32": f"zennet_cifar{k}_model_size{s}_res32/best-params_rank0.pth"
       for k in (10, 100) for s in ("05M", "1M", "2M")},
    "zennet_imagenet1k_flops400M_SE_res224": "iccv2021_zennet_imagenet1k_flops400M_SE_res224/student_best-params_rank0.pth",
    "zennet_imagenet1k_flops600M_SE_res224": "iccv2021_zennet_imagenet1k_flops600M_SE_res224/student_best-params_rank0.pth",
    "zennet_imagenet1k_flops900M_SE_res224": "zennet_imagenet1k_flops900M_SE_res224/student_best-params_rank0.pth",
    **{f"zennet_imagenet1k_latency{t}ms_res224": f"iccv2021_zennet_imagenet1k_latency{t}ms_res224/student_best-params_rank0.pth"
       for t in ("01", "02", "03", "05", "08", "12")},
}
#: the one URL that lacks the ZenNet/ prefix in the original table
_URL_EXCEPTIONS = {"zennet_imagenet1k_flops400M_SE_res224": f"{_BUCKET}/pretrained_models/"}


class WeightsError(FileNotFoundError):
    """Published weights are unknown for a network, or absent from the cache."""


def cache_dir() -> Path:
    """The original's cache directory (``ZENNET_PRETRAINED_DIR`` overrides it)."""
    return Path(os.environ.get("ZENNET_PRETRAINED_DIR") or "~/.cache/pytorch/checkpoints/zennet_pretrained").expanduser()


def _canonical(name: str) -> str:
    from zennas.zoo import get_zoo_entry

    return get_zoo_entry(name).name


def published_weights(name: str) -> tuple[Path, str]:
    """``(cache path, URL)`` of a zoo network's published weights; :class:`WeightsError` when the
    original publishes none for it."""
    key = _canonical(name)
    if key not in PUBLISHED_WEIGHTS:
        raise WeightsError(f"no published weights are known for {key}; give a weights file (--pretrained PATH)")
    rel = PUBLISHED_WEIGHTS[key]
    return cache_dir() / rel, _URL_EXCEPTIONS.get(key, f"{_BUCKET}/ZenNet/pretrained_models/") + rel


def _download(url: str, dest: Path) -> Path:
    from torch.hub import download_url_to_file

    dest.parent.mkdir(parents=True, exist_ok=True)
    logger.info("downloading %s -> %s", url, dest)
    download_url_to_file(url, str(dest), progress=False)
    from zennas.zoo import _sha256

    Path(f"{dest}.sha256").write_text(_sha256(dest) + "\n")
    return dest


def resolve_weights(name: str | None, pretrained: bool | str, *, download: bool = False) -> Path:
    """The local file to load: ``pretrained`` a path, a URL (downloaded into the cache dir, kept) or
    ``True`` for the published weights of zoo network ``name`` in the cache directory."""
    if isinstance(pretrained, str) and pretrained.startswith(("http://", "https://")):
        cached = None
        if name is not None and _canonical(name) in PUBLISHED_WEIGHTS:
            p, url = published_weights(name)
            cached = p if url == pretrained else None
        dest = cached or cache_dir() / "downloads" / Path(pretrained).name
        return dest if dest.is_file() else _download(pretrained, dest)
    if isinstance(pretrained, (str, os.PathLike)):
        p = Path(pretrained).expanduser()
        if not p.is_file():
            raise WeightsError(f"weights file not found: {p}")
        return p
    if name is None:
        raise WeightsError("pretrained=True needs a zoo network name")
    path, url = published_weights(name)
    if path.is_file():
        return path
    if download:
        return _download(url, path)
    raise WeightsError(f"published weights for {_canonical(name)} not found: expected {path} "
                       f"(download {url} there, pass download=True / --download, or give the file's path)")


def expected_sha256(path: Path, sha256: str | None = None, name: str | None = None) -> str | None:
    """The checksum a weights file must have (see the module docstring), or ``None`` if none is known."""
    if sha256:
        return sha256.lower()
    if name is not None:
        from zennas.zoo import get_zoo_entry

        if get_zoo_entry(name).sha256:
            return get_zoo_entry(name).sha256.lower()
    side = Path(f"{path}.sha256")
    return side.read_text().split()[0].lower() if side.is_file() and side.read_text().strip() else None


def load_weights(model, name: str | None, pretrained: bool | str, *, sha256: str | None = None,
                 download: bool = False, strict: bool = True) -> Path:
    """Resolve, verify and load weights into ``model`` (a raw state dict or one under ``state_dict``,
    ``module.`` prefixes stripped).  Returns the file used.  Errors: :class:`WeightsError` (absent),
    ``ValueError`` (checksum mismatch, weights that do not fit), ``CheckpointError`` (unreadable)."""
    from zennas.checkpoint import load_checkpoint, state_dict_of
    from zennas.zoo import _sha256

    path = resolve_weights(name, pretrained, download=download)
    digest = expected_sha256(path, sha256, name)
    if digest is None:
        logger.info("no checksum known for %s: loaded unverified (pass sha256= / --sha256 to check it)", path)
    elif _sha256(path) != digest:
        raise ValueError(f"checksum mismatch for {path}: expected sha256 {digest}, got {_sha256(path)}; the file is "
                         f"damaged or another version: copy it again or pass its own --sha256")
    state = state_dict_of(load_checkpoint(path))  # CheckpointError (unreadable) passes through as it is
    try:
        model.load_state_dict(state, strict=strict)
    except RuntimeError as exc:  # missing/unexpected keys or shapes
        msg = " ".join(str(exc).split())
        raise ValueError(f"weights in {path} do not fit the network: {msg[:400]}") from None
    return path
