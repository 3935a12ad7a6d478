"""The original's Python API: ``ZenNet.get_ZenNet(name, pretrained=...)`` and the ``zennet_model_zoo`` table.

Thin over :mod:`zennas.zoo` (structures, resolutions, crops) and :mod:`zennas.pretrained` (the cache
directory ~/.cache/pytorch/checkpoints/zennet_pretrained/, checksums).  Unlike the original, nothing is
downloaded unless ``download=True`` or a URL is passed::

    import ZenNet
    model = ZenNet.get_ZenNet("zennet_imagenet1k_latency02ms_res224", pretrained=True)   # cached file
    model = ZenNet.get_ZenNet("zennet_cifar10_model_size1M_res32", pretrained="my/best-params_rank0.pth")
"""

from __future__ import annotations

from pathlib import Path

from zennas.pretrained import PUBLISHED_WEIGHTS, WeightsError, cache_dir, load_weights, published_weights
from zennas.zoo import build_zoo_model, get_zoo_entry

__all__ = ["get_ZenNet", "zennet_model_zoo", "pretrain_model_pth_dir", "WeightsError"]

#: the original's cache directory (``ZENNET_PRETRAINED_DIR`` overrides it)
pretrain_model_pth_dir = str(cache_dir())


def _info(name: str) -> dict:
    e = get_zoo_entry(name)
    path, url = published_weights(name)
    return {"plainnet_str": e.structure, "pth_path": PUBLISHED_WEIGHTS[e.name], "num_classes": e.num_classes,
            "use_SE": e.use_se, "resolution": e.resolution, "crop_image_size": e.crop or e.resolution,
            "pretrained_pth_url": url}


#: name -> the original table's fields (plainnet_str instead of the .txt file name)
zennet_model_zoo = {name: _info(name) for name in PUBLISHED_WEIGHTS}


def get_ZenNet(model_name: str, pretrained: bool | str | Path = False, *, sha256: str | None = None,
               download: bool = False):
    """The ZenNet ``model_name`` (a MasterNet), optionally with weights: ``pretrained=True`` loads the
    published file from the cache directory (``download=True`` fetches it when absent), a path or URL
    loads that file; checksum-verified when ``sha256`` (or a recorded checksum) is known."""
    if model_name not in zennet_model_zoo:
        raise ValueError(f"ZenNet model name not found: {model_name!r}; choose one of: {', '.join(zennet_model_zoo)}")
    model = build_zoo_model(model_name)
    if pretrained is not False and pretrained is not None:
        load_weights(model, model_name, str(pretrained) if isinstance(pretrained, Path) else pretrained,
                     sha256=sha256, download=download)
    return model
