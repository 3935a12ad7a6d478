"""Module surgery and hooks for proxies: init, BN statistics, state restoration, hooks, features.

Every helper leaves a module as it found it (modes, ``requires_grad``, BN momentum, hooks removed),
also after an exception: ``gaussian_init`` (ZEN's init: conv/linear weights N(0,1), biases 0, BN/GN
gamma 1 / beta 0), ``preserve_module_state``, ``forward_hooks``, ``single_value_bn_in_eval``,
``override_activations``, ``pre_gap_features`` (``forward_pre_GAP`` or, for arbitrary modules, the
input of the last global-pooling module).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

import torch
from torch import nn

from zennas.proxies.base import ProxyError

if TYPE_CHECKING:
    from zennas.proxies.context import ProxyContext


class _StopForward(Exception):
    """Raised inside a hook to end a forward pass early once the wanted features are captured."""


@torch.no_grad()
def normal_init(model: nn.Module, generator: torch.Generator, std_of: Callable[[torch.Tensor], float],
                modules: Iterable[nn.Module] | None = None) -> nn.Module:
    """Conv2d/Linear weight ~ N(0, std_of(weight)²) drawn on the CPU from ``generator``, their bias 0;
    BatchNorm/GroupNorm weight 1, bias 0 (the shared body of :func:`gaussian_init` and Kaiming init).
    ``modules``: ``list(model.modules())`` when the caller already has it (one walk per score, not one per
    helper)."""
    for m in (model.modules() if modules is None else modules):
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            w = m.weight
            draw = torch.randn(w.shape, generator=generator, dtype=torch.float32)
            std = std_of(w)
            w.copy_((draw if std == 1.0 else draw * std).to(w.device, w.dtype))
            if m.bias is not None:
                m.bias.zero_()
        elif isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.GroupNorm)):
            if m.weight is not None:
                m.weight.fill_(1.0)
            if m.bias is not None:
                m.bias.zero_()
    return model


def gaussian_init(model: nn.Module, generator: torch.Generator, modules: Iterable[nn.Module] | None = None
                  ) -> nn.Module:
    """ZEN's ``network_weight_gaussian_init`` with a private generator: Conv2d/Linear weight ~ N(0,1)
    (unit variance, not fan-scaled), their bias 0; BatchNorm/GroupNorm weight 1, bias 0."""
    return normal_init(model, generator, _unit_std, modules)


def _unit_std(w: torch.Tensor) -> float:
    return 1.0


def maybe_gaussian_init(model: nn.Module, ctx: "ProxyContext", modules: Iterable[nn.Module] | None = None) -> None:
    """Gaussian init unless the caller passed ``init="none"`` (keep the module's own weights, e.g. for
    hand-checked tests or pretrained-weight studies)."""
    mode = ctx.opt("init", "gaussian")
    if mode == "gaussian":
        gaussian_init(model, ctx.generator, modules)
    elif mode not in ("none", "default"):
        raise ValueError(f"init must be 'gaussian' or 'none', not {mode!r}")


def batchnorms(model: nn.Module, modules: Iterable[nn.Module] | None = None) -> list[nn.modules.batchnorm._BatchNorm]:
    return [m for m in (model.modules() if modules is None else modules)
            if isinstance(m, nn.modules.batchnorm._BatchNorm)]


def reset_bn_stats(model: nn.Module, bns: Iterable[nn.Module] | None = None) -> None:
    """Running mean 0, var 1, counter 0 (a freshly built BN) for every BatchNorm (or those in ``bns``)."""
    for m in (batchnorms(model) if bns is None else bns):
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


__all__ = ["batchnorms", "forward_hooks", "gaussian_init", "logits_of", "maybe_gaussian_init", "override_activations",
           "pre_gap_features", "preserve_module_state", "relu_modules", "reset_bn_stats", "single_value_bn_in_eval",
           "weight_layers"]
