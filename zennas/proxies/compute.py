"""``compute_proxy``: the one entry point of every proxy, and the failure policy.

It builds a structure string (``no_reslink=True`` as the original search) or works on a copy of any
``nn.Module``, seeds a private generator, resolves device and dtype, and turns every failure into a
result: NaN/Inf or an exception give ``ProxyResult(ok=False, error=...)`` (never a silent -9999); a
CUDA out-of-memory is retried with the batch processed in 2, 4, ... chunks.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import time
import traceback
from typing import Any, Iterable

import torch
from torch import nn

from zennas.proxies.base import PROXIES, Proxy, ProxyError, ProxyResult, check_options, get_proxy
from zennas.proxies.context import ProxyContext, parse_dtype, resolve_device
from zennas.proxies.hooks import preserve_module_state

logger = logging.getLogger("zennas.proxies")

MAX_OOM_SPLIT = 16


def is_oom(exc: BaseException) -> bool:
    oom_types = tuple(t for t in (getattr(torch.cuda, "OutOfMemoryError", None),
                                  getattr(torch, "OutOfMemoryError", None)) if t is not None)
    return isinstance(exc, oom_types) or "out of memory" in str(exc).lower()


def _new_seed() -> int:
    return int.from_bytes(os.urandom(4), "little") & 0x7FFFFFFF


def _build_from_structure(structure: str, num_classes: int, build_kwargs: dict) -> nn.Module:
    try:
        from zennas.masternet import build_model
    except ImportError as exc:  # pragma: no cover - depends on the core package
        raise ProxyError(f"cannot build a structure string: zennas.masternet unavailable ({exc})") from exc
    return build_model(structure, num_classes, **build_kwargs)


def compute_proxy(
    name: str,
    model_or_structure: nn.Module | str,
    *,
    resolution: int,
    batch_size: int | None = None,
    num_classes: int | None = None,
    device: Any = "cpu",
    dtype: Any = None,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    dataloader: Iterable | None = None,
    repeat: int = 1,
    gamma: float = 0.01,
    channels_last: bool | None = None,
    no_reslink: bool = True,
    use_se: bool = False,
    inplace: bool = False,
    macs: float | None = None,
    native_bf16: bool | None = None,
    **proxy_options: Any,
) -> ProxyResult:
    """Score a structure string or any ``nn.Module`` with proxy ``name`` (case-insensitive; original
    names accepted).  Never raises for a scoring failure: returns ``ProxyResult(ok=False, error=...)``.

    * structure strings are built with ``build_model(..., no_reslink=True)`` as the original search
      does (``no_reslink``/``use_se`` override); a user module is deep-copied unless ``inplace=True``
      (then proxies that re-initialise weights overwrite it; modes/requires_grad are still restored).
    * randomness comes from ``generator`` or a private generator seeded with ``seed`` (a fresh seed
      is drawn from os.urandom and recorded when neither is given); the global torch/numpy/random
      states are not touched (``torch.random.fork_rng`` guards code that uses the global generator).
    * NaN/Inf or an exception -> ok=False, score=nan, error=reason (traceback in extra).  A CUDA OOM is
      retried with the batch processed in 2, 4, ... chunks (``extra['split']``) up to 16.
    * ``proxy_options`` are the proxy's declared ``ProxyInfo.options``; any other name raises
      :class:`~zennas.proxies.base.ProxyOptionError` (a usage error, before any work).
    * ``macs`` (multiply-accumulates per image; computed here for a structure string) lets a "fast"
      proxy pick its CPU layout by network size; ``native_bf16`` fixes the bf16 policy instead of
      detecting it (a search decides once so that every worker computes alike).
    """
    t0 = time.perf_counter()
    label = name
    gen_seed: int | None
    if proxy_options and name in PROXIES:  # a typo is a usage error (raised), not a scoring failure
        check_options(get_proxy(name), proxy_options)
    try:
        cls = get_proxy(name)
        label = cls.info.name
        if generator is None:
            gen_seed = _new_seed() if seed is None else int(seed)
            generator = torch.Generator().manual_seed(gen_seed)
        else:
            gen_seed = seed
        dev = resolve_device(device)
        if num_classes is None and isinstance(model_or_structure, str):
            raise ProxyError("num_classes is required to build a structure string")
        ctx = ProxyContext(
            resolution=int(resolution), batch_size=int(batch_size or cls.info.default_batch_size),
            num_classes=num_classes, device=dev, generator=generator, dtype=parse_dtype(dtype),
            channels_last=channels_last, dataloader=dataloader, repeat=int(repeat), gamma=float(gamma),
            options=dict(proxy_options), macs=macs, native_bf16=native_bf16,
        )
        if ctx.macs is None and isinstance(model_or_structure, str) and cls.info.needs_model:
            ctx.macs = _macs_of(model_or_structure, ctx, no_reslink, use_se)
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        return _failure(label, exc, t0, seed)

    proxy = cls()
    build_kwargs = {"no_reslink": no_reslink, "use_se": use_se}
    fork_devices = [dev.index or 0] if dev.type == "cuda" else []
    # seed for anything that still uses the global generator (default init of a build, dropout)
    inner_seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator).item())
    gen_state = generator.get_state()
    while True:
        try:
            with torch.random.fork_rng(devices=fork_devices):
                seed_global_rng(inner_seed, dev)
                score, extra = _run_once(proxy, model_or_structure, ctx, build_kwargs, inplace)
            break
        except Exception as exc:  # noqa: BLE001 - turned into a failed result
            if is_oom(exc) and ctx.split < MAX_OOM_SPLIT and ctx.batch_size // (ctx.split * 2) >= 1:
                ctx.split *= 2
                logger.warning("%s: out of memory, retrying with the batch split in %d", label, ctx.split)
                if dev.type == "cuda":
                    torch.cuda.empty_cache()
                generator.set_state(gen_state)  # the retry sees the same random draws
                continue
            return _failure(label, exc, t0, gen_seed, split=ctx.split)
    seconds = time.perf_counter() - t0
    if ctx.split > 1:
        extra["split"] = ctx.split
    score = float(score)
    if not math.isfinite(score):
        msg = f"non-finite score {score!r}"
        logger.warning("%s: %s", label, msg)
        return ProxyResult(label, float("nan"), False, msg, seconds, gen_seed, extra)
    return ProxyResult(label, score, True, None, seconds, gen_seed, extra)


def seed_global_rng(seed: int, device: torch.device) -> None:
    """Seed torch's global CPU generator (and ``device``'s when CUDA).  Not ``torch.manual_seed``: that
    also queues lazy seeding of every accelerator backend, capturing a Python stack each time
    (about 1 ms per call, a few percent of a small network's score)."""
    torch.default_generator.manual_seed(seed)
    if device.type == "cuda":
        with torch.cuda.device(device):
            torch.cuda.manual_seed(seed)


def _macs_of(structure: str, ctx: ProxyContext, no_reslink: bool, use_se: bool) -> float | None:
    try:
        from zennas.costs import compute_costs

        return float(compute_costs(structure, ctx.resolution, ctx.num_classes or 1000, no_reslink=no_reslink,
                                   use_se=use_se).exact_macs)
    except Exception:  # noqa: BLE001 - a bad string fails later with its own message
        return None


def _run_once(proxy: Proxy, obj: nn.Module | str, ctx: ProxyContext, build_kwargs: dict, inplace: bool):
    if isinstance(obj, str):
        if proxy.compute_structure is not None:
            return proxy.compute_structure(obj, ctx, build_kwargs)
        model = _build_from_structure(obj, ctx.num_classes, build_kwargs)
        return proxy.compute(model, ctx)
    if not isinstance(obj, nn.Module):
        raise ProxyError(f"expected a structure string or an nn.Module, got {type(obj).__name__}")
    if not proxy.info.needs_model:
        return proxy.compute(obj, ctx)  # e.g. Params/Random: read-only
    model = obj if inplace else copy.deepcopy(obj)
    with preserve_module_state(model):
        return proxy.compute(model, ctx)


def _failure(name: str, exc: BaseException, t0: float, seed: int | None, split: int = 1) -> ProxyResult:
    err = f"{type(exc).__name__}: {exc}"
    logger.warning("proxy %s failed: %s", name, err)
    extra: dict[str, Any] = {"traceback": traceback.format_exc()}
    if split > 1:
        extra["split"] = split
    return ProxyResult(name, float("nan"), False, err, time.perf_counter() - t0, seed, extra)


__all__ = ["MAX_OOM_SPLIT", "compute_proxy", "is_oom", "seed_global_rng"]
