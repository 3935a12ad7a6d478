"""Shared machinery of the zero-shot proxies (the ONE helper module; proxy files hold only formulas).

Everything a proxy needs besides its formula lives here:

* ``ProxyInfo`` (metadata: direction, data/labels/backward needs, BN mode, scale, formula) and the
  ``Proxy`` base class; ``PROXIES`` is the case-insensitive registry, ``register_proxy`` registers a
  class under its name and its aliases.
* ``ProxyContext``: resolution, batch size, device, precision, a *private* seeded ``torch.Generator``
  (the global RNG state is never read or changed), optional dataloader, repeat, gamma, OOM split.
* ``gaussian_init`` (ZEN's init: conv/linear weights N(0,1), biases 0, BN/GN gamma 1 / beta 0),
  ``forward_hooks`` (context manager that always removes its hooks), ``preserve_module_state``
  (restores every module's train/eval mode, every parameter's ``requires_grad``, BN momentum),
  ``autocast_context`` / ``prepare_model`` (device, dtype, channels_last), ``pre_gap_features``
  (``forward_pre_GAP`` or, for arbitrary modules, the input of the last global-pooling module).
* ``compute_proxy``: the one entry point; NaN/Inf and exceptions become ``ProxyResult(ok=False)``,
  CUDA out-of-memory is retried with the batch processed in 2, 4, ... chunks.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import logging
import math
import os
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterable, Iterator

import torch
from torch import nn

from zennas.registry import Registry

logger = logging.getLogger("ZeroShotProxy")

PROXIES: Registry[type["Proxy"]] = Registry("proxy", case_sensitive=False)

MAX_OOM_SPLIT = 16


# ----------------------------------------------------------------------------- metadata / results
@dataclass(frozen=True)
class ProxyInfo:
    """Static description of a proxy (what the README table is generated from)."""

    name: str
    formula: str
    aliases: tuple[str, ...] = ()
    higher_is_better: bool = True  # always True for ``score`` (the library's normalisation)
    needs_data: bool = True
    needs_labels: bool = False
    needs_backward: bool = False
    needs_model: bool = True  # False: a structure string is scored without building a module
    bn_mode: str = "train"  # "train" (batch statistics), "n/a"
    init: str = "gaussian"  # "gaussian" (ZEN 5.0), "default" (as built / as given), "n/a"
    scale: str = "linear"  # "log" or "linear"
    stochastic: bool = True  # different seed -> different score
    default_batch_size: int = 64
    original_sign: str = "+"  # how the original ZEN code returned it, for docs


@dataclass
class ProxyResult:
    """Outcome of one scoring call.  ``score`` is oriented so that higher = better."""

    name: str
    score: float
    ok: bool = True
    error: str | None = None
    seconds: float = 0.0
    seed: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class ProxyError(RuntimeError):
    """A proxy cannot score this model (the message says why and what to change)."""


class _StopForward(Exception):
    """Raised inside a hook to end a forward pass early once the wanted features are captured."""


# ----------------------------------------------------------------------------- context
_PRECISIONS = {
    "auto": None, "float32": torch.float32, "fp32": torch.float32, "float": torch.float32,
    "bfloat16": torch.bfloat16, "bf16": torch.bfloat16, "float16": torch.float16, "fp16": torch.float16,
    "half": torch.float16, "float64": torch.float64, "double": torch.float64, "fp64": torch.float64,
}


def parse_dtype(dtype: Any) -> torch.dtype | None:
    """``None``/"auto" -> None (the proxy's default); strings like "bf16" or torch dtypes otherwise."""
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    key = str(dtype).lower().replace("torch.", "")
    if key not in _PRECISIONS:
        raise ValueError(f"unknown dtype {dtype!r}; use one of {sorted(_PRECISIONS)}")
    return _PRECISIONS[key]


def cpu_has_fast_bf16() -> bool:
    """True when oneDNN reports native bf16 support (AVX-512 bf16 / AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:  # noqa: BLE001 - any failure means "don't use it"
        return False


@dataclass
class ProxyContext:
    """Per-call settings handed to ``Proxy.compute``; random draws come from ``generator`` only."""

    resolution: int
    batch_size: int
    num_classes: int | None
    device: torch.device
    generator: torch.Generator
    dtype: torch.dtype | None = None  # None: proxy default; float32; bfloat16/float16 (autocast); float64
    channels_last: bool | None = None  # None: proxy default
    dataloader: Iterable | None = None
    repeat: int = 1
    gamma: float = 0.01
    split: int = 1  # >1 after an out-of-memory: process the batch in this many chunks
    options: dict[str, Any] = field(default_factory=dict)

    def randn(self, *shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """N(0,1) tensor drawn on the CPU from the private generator, then moved (device-independent)."""
        return torch.randn(*shape, generator=self.generator, dtype=dtype).to(self.device)

    def randint(self, high: int, n: int) -> torch.Tensor:
        return torch.randint(0, high, (n,), generator=self.generator).to(self.device)

    def input_shape(self, batch: int | None = None) -> tuple[int, int, int, int]:
        return (batch or self.batch_size, 3, self.resolution, self.resolution)

    def chunks(self, t: torch.Tensor) -> list[torch.Tensor]:
        """The batch in ``split`` chunks (one chunk unless an OOM forced a split)."""
        return list(torch.chunk(t, max(1, self.split), dim=0)) if self.split > 1 else [t]

    def data_batch(self, need_labels: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(images, labels): the first batch of ``dataloader`` if given, else N(0,1) images and
        uniform random labels in [0, num_classes) as the original."""
        if self.dataloader is not None:
            batch = next(iter(self.dataloader))
            x, y = (batch[0], batch[1]) if isinstance(batch, (list, tuple)) else (batch, None)
            x = x[: self.batch_size].to(self.device, torch.float32)
            if y is not None:
                y = y[: self.batch_size].to(self.device)
            if need_labels and y is None:
                raise ProxyError("this proxy needs labels but the dataloader yields images only")
            return x, y
        x = self.randn(*self.input_shape())
        y = None
        if need_labels:
            if not self.num_classes:
                raise ProxyError("num_classes is required to draw random labels")
            y = self.randint(self.num_classes, self.batch_size)
        return x, y

    def opt(self, key: str, default: Any) -> Any:
        return self.options.get(key, default)


# ----------------------------------------------------------------------------- model helpers
@torch.no_grad()
def gaussian_init(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """ZEN's ``network_weight_gaussian_init`` with a private generator: Conv2d/Linear weight ~ N(0,1)
    (unit variance, not fan-scaled), their bias 0; BatchNorm/GroupNorm weight 1, bias 0."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            w = m.weight
            w.copy_(torch.randn(w.shape, generator=generator, dtype=torch.float32).to(w.device, w.dtype))
            if m.bias is not None:
                m.bias.zero_()
        elif isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.GroupNorm)):
            if m.weight is not None:
                m.weight.fill_(1.0)
            if m.bias is not None:
                m.bias.zero_()
    return model


def maybe_gaussian_init(model: nn.Module, ctx: "ProxyContext") -> None:
    """Gaussian init unless the caller passed ``init="none"`` (keep the module's own weights, e.g. for
    hand-checked tests or pretrained-weight studies)."""
    mode = ctx.opt("init", "gaussian")
    if mode == "gaussian":
        gaussian_init(model, ctx.generator)
    elif mode not in ("none", "default"):
        raise ValueError(f"init must be 'gaussian' or 'none', not {mode!r}")


def batchnorms(model: nn.Module) -> list[nn.modules.batchnorm._BatchNorm]:
    return [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


def reset_bn_stats(model: nn.Module) -> None:
    """Running mean 0, var 1, counter 0 (a freshly built BN) for every BatchNorm."""
    for m in batchnorms(model):
        if m.track_running_stats:
            m.reset_running_stats()


@contextlib.contextmanager
def preserve_module_state(model: nn.Module) -> Iterator[nn.Module]:
    """Restore each module's ``training`` flag, each parameter's ``requires_grad`` and each BN's
    ``momentum`` on exit (also after an exception)."""
    modes = [(m, m.training) for m in model.modules()]
    req = [(p, p.requires_grad) for p in model.parameters()]
    moms = [(m, m.momentum) for m in batchnorms(model)]
    try:
        yield model
    finally:
        for m, t in modes:
            m.training = t
        for p, r in req:
            p.requires_grad_(r)
        for m, mom in moms:
            m.momentum = mom


@contextlib.contextmanager
def forward_hooks(modules: Iterable[nn.Module], hook: Callable, *, pre: bool = False) -> Iterator[list]:
    """Register ``hook`` on every module; the handles are removed on exit, whatever happens."""
    handles = []
    try:
        for m in modules:
            handles.append(m.register_forward_pre_hook(hook) if pre else m.register_forward_hook(hook))
        yield handles
    finally:
        for h in handles:
            h.remove()


def override_activations(model: nn.Module, to: str | None) -> int:
    """Replace saturating activations (nn.ReLU6, nn.Hardtanh) by nn.ReLU in the working copy when
    ``to == "relu"`` (spec section 9: unit-variance init makes ReLU6 clip everything).  Returns the count."""
    if not to:
        return 0
    if to.lower() != "relu":
        raise ValueError(f"activation override {to!r} not supported (only 'relu')")
    n = 0
    for parent in list(model.modules()):
        for cname, child in list(parent.named_children()):
            if isinstance(child, (nn.ReLU6, nn.Hardtanh)):
                setattr(parent, cname, nn.ReLU(inplace=getattr(child, "inplace", False)))
                n += 1
    return n


@contextlib.contextmanager
def single_value_bn_in_eval(model: nn.Module) -> Iterator[list]:
    """A training-mode BatchNorm that would see ONE value per channel (batch 1 at 1x1 resolution, e.g.
    SynFlow's single input on a small-resolution ResNet) raises in PyTorch; such layers run in eval
    mode (running statistics) for that call instead.  Nothing changes for any other layer.  Yields the
    list of affected layers (for ``extra``); modes are restored on exit."""
    hit: list[nn.Module] = []

    def pre(m, inp):
        x = inp[0]
        if m.training and x.dim() >= 2 and x.numel() // x.shape[1] == 1:
            m.training = False
            hit.append(m)

    def post(m, inp, out):
        if m in hit:
            m.training = True

    bns = batchnorms(model)
    with forward_hooks(bns, pre, pre=True), forward_hooks(bns, post):
        yield hit


def relu_modules(model: nn.Module) -> list[nn.Module]:
    """Modules whose output sign defines the activation pattern: nn.ReLU (and subclasses such as a
    legacy PlainNet ``RELU`` if it subclasses nn.ReLU).  Functional ReLUs are invisible to hooks."""
    return [m for m in model.modules() if isinstance(m, nn.ReLU)]


def resolve_device(device: Any) -> torch.device:
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ProxyError(f"device {device!r} requested but CUDA is not available; use --device cpu")
    return dev


def effective_precision(ctx: ProxyContext, default: str) -> tuple[torch.dtype, bool]:
    """(compute dtype, channels_last) for this call.  ``default`` is the proxy's choice when the user
    gave no dtype: "fast" = bf16 autocast + channels_last on a CPU with native bf16, else fp32;
    "fp32"; "fp64"."""
    dtype = ctx.dtype
    if dtype is None:
        if default == "fast" and ctx.device.type == "cpu" and cpu_has_fast_bf16():
            dtype = torch.bfloat16
        elif default == "fp64":
            dtype = torch.float64
        else:
            dtype = torch.float32
    cl = ctx.channels_last
    if cl is None:
        cl = ctx.device.type == "cpu" and dtype != torch.float64
    return dtype, cl


def prepare_model(model: nn.Module, ctx: ProxyContext, dtype: torch.dtype, channels_last: bool) -> nn.Module:
    """Move to the device; float64 converts the module, bf16/fp16 stay fp32 weights under autocast."""
    model = model.to(ctx.device)
    if dtype == torch.float64:
        model = model.double()
    # set the layout explicitly both ways: a module left channels_last by an earlier in-place proxy
    # would otherwise run a slow mixed-layout path with contiguous inputs
    model = model.to(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
    return model


def to_input(x: torch.Tensor, dtype: torch.dtype, channels_last: bool) -> torch.Tensor:
    if dtype == torch.float64:
        x = x.double()
    if channels_last and x.dim() == 4:
        x = x.contiguous(memory_format=torch.channels_last)
    return x


def autocast_context(device: torch.device, dtype: torch.dtype):
    """Autocast for bf16/fp16, a no-op context otherwise."""
    if dtype in (torch.bfloat16, torch.float16):
        return torch.autocast(device_type=device.type, dtype=dtype)
    return contextlib.nullcontext()


def _last_pool_module(model: nn.Module) -> nn.Module | None:
    pools = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.AvgPool2d)
    found = None
    for m in model.modules():
        if isinstance(m, pools):
            found = m
    return found


def pre_gap_features(model: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, str]:
    """Features before global pooling: ``model.forward_pre_GAP(x)`` when it exists; otherwise the input
    of the model's last pooling module (AdaptiveAvgPool2d etc., e.g. torchvision's ``avgpool``), the
    rest of the forward is skipped; otherwise the model output.  Returns (features, how)."""
    if hasattr(model, "forward_pre_GAP"):
        return model.forward_pre_GAP(x), "forward_pre_GAP"
    pool = _last_pool_module(model)
    if pool is None:
        return model(x), "output"
    box: list[torch.Tensor] = []

    def grab(_m, inp):
        box.append(inp[0])
        raise _StopForward

    with forward_hooks([pool], grab, pre=True):
        try:
            model(x)
        except _StopForward:
            pass
    if not box:
        raise ProxyError("the pooling module was never called; define forward_pre_GAP on the model")
    return box[0], f"input of {type(pool).__name__}"


def logits_of(out: Any) -> torch.Tensor:
    """Models returning (features, logits) tuples (NB201 style) -> logits."""
    if isinstance(out, (tuple, list)):
        return out[-1]
    return out


def weight_layers(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


@torch.no_grad()
def count_macs(model: nn.Module, resolution: int, device: torch.device | str = "cpu") -> int:
    """Conv2d/Linear multiply-accumulates of one (1, 3, H, W) forward, counted with forward hooks:
    conv = out.numel() * (C_in / groups) * k_h * k_w, linear = out.numel() * in_features.
    BN, activations, pooling and element-wise ops are not counted.  The model is run in eval mode on
    a deepcopy-free path: modes are restored afterwards."""
    total = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            total[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        else:
            total[0] += out.numel() * m.in_features

    p = next(model.parameters(), None)
    dev = p.device if p is not None else torch.device(device)
    dt = p.dtype if p is not None else torch.float32
    with preserve_module_state(model), forward_hooks(weight_layers(model), hook):
        model.eval()
        model(torch.zeros(1, 3, resolution, resolution, device=dev, dtype=dt))
    return int(total[0])


# ----------------------------------------------------------------------------- proxy base / registry
class Proxy:
    """Base class.  Subclasses set ``info`` and implement ``compute(model, ctx) -> (score, extra)``.
    ``model`` is a private working module (fresh build or deepcopy): the proxy may re-initialise it.
    Optionally ``compute_structure(structure, ctx, build_kwargs)`` scores a string without a build."""

    info: ClassVar[ProxyInfo]

    def compute(self, model: nn.Module, ctx: ProxyContext) -> tuple[float, dict[str, Any]]:
        raise NotImplementedError

    compute_structure: ClassVar[Callable | None] = None


def register_proxy(cls: type[Proxy]) -> type[Proxy]:
    """Class decorator: register under ``info.name`` and every alias (case-insensitive)."""
    PROXIES.register(cls.info.name, cls)
    for alias in cls.info.aliases:
        PROXIES.register(alias, cls)
    return cls


def get_proxy(name: str) -> type[Proxy]:
    return PROXIES.get(name)


def list_proxies() -> list[type[Proxy]]:
    """Each registered proxy class once (aliases folded), in registration order."""
    out: list[type[Proxy]] = []
    for _n, cls in PROXIES.items():
        if cls not in out:
            out.append(cls)
    return out


# ----------------------------------------------------------------------------- entry point
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
    """
    t0 = time.perf_counter()
    label = name
    gen_seed: int | None
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
            options=dict(proxy_options),
        )
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
                torch.manual_seed(inner_seed)
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


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman rank correlation (average ranks for ties); no SciPy needed."""
    def ranks(v: list[float]) -> torch.Tensor:
        t = torch.tensor(v, dtype=torch.float64)
        order = torch.argsort(t)
        r = torch.empty_like(t)
        r[order] = torch.arange(len(v), dtype=torch.float64)
        for val in torch.unique(t):  # average ties
            m = t == val
            if int(m.sum()) > 1:
                r[m] = r[m].mean()
        return r

    ra, rb = ranks(list(a)), ranks(list(b))
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = float(ra.norm() * rb.norm())
    return float((ra * rb).sum()) / den if den > 0 else float("nan")
