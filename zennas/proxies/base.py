"""Proxy metadata, results, the ``Proxy`` base class and the registry (``PROXIES``).

A proxy is ONE class: subclass :class:`Proxy`, set ``info = ProxyInfo(...)``, implement
``compute(model, ctx) -> (score, extra)`` and decorate with :func:`register_proxy`.  ``score`` is
oriented so that higher = better; the metadata says what the proxy needs (data, labels, a backward
pass, a built module) so callers never branch on proxy names.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from zennas.registry import Registry

if TYPE_CHECKING:
    from torch import nn

    from zennas.proxies.context import ProxyContext

PROXIES: Registry[type["Proxy"]] = Registry("proxy", case_sensitive=False)


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
    #: for a structure the score IS this field of ``compute_costs(..., no_reslink=True)`` (Params:
    #: "params", FLOPs: "flops"), so a search that has the parsed blocks scores without a proxy call
    cost_field: str | None = None
    #: the keyword options ``compute`` reads with ``ctx.opt`` (``compute_proxy`` and the search reject any
    #: other name, with close matches); proxies that build a module also take :data:`COMMON_OPTIONS`
    options: tuple[str, ...] = ()
    #: population-relative (the rank ensemble): ``extra`` holds per-candidate component values and the score
    #: of a candidate depends on the others, so the search ranks its population by them (a network alone: 0)
    relative: bool = False

    def accepted_options(self) -> tuple[str, ...]:
        return tuple(sorted({*self.options, *(COMMON_OPTIONS if self.needs_model else ())}))


#: options every proxy that builds a module accepts (``init``: ``"gaussian"`` or ``"none"``, see
#: :func:`zennas.proxies.hooks.maybe_gaussian_init`)
COMMON_OPTIONS = ("init",)


class ProxyOptionError(ValueError):
    """An option the proxy does not take (a typo, usually); the message lists the accepted ones."""


def check_options(cls: type["Proxy"], options: dict[str, Any] | Any) -> None:
    """Raise :class:`ProxyOptionError` when ``options`` holds a name proxy ``cls`` does not read."""
    import difflib

    accepted = cls.info.accepted_options()
    unknown = sorted(k for k in options if k not in accepted)
    if unknown:
        close = {k: difflib.get_close_matches(k, accepted, n=2, cutoff=0.6) for k in unknown}
        hint = "".join(f"; did you mean {' or '.join(repr(c) for c in v)} for {k!r}?" for k, v in close.items() if v)
        raise ProxyOptionError(f"proxy {cls.info.name} has no option {', '.join(repr(k) for k in unknown)} "
                               f"(accepted: {', '.join(accepted) or 'none'}){hint}")


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


class Proxy:
    """Base class.  Subclasses set ``info`` and implement ``compute(model, ctx) -> (score, extra)``.
    ``model`` is a private working module (fresh build or deepcopy): the proxy may re-initialise it.
    Optionally ``compute_structure(structure, ctx, build_kwargs)`` scores a string without a build."""

    info: ClassVar[ProxyInfo]

    def compute(self, model: "nn.Module", ctx: "ProxyContext") -> tuple[float, dict[str, Any]]:
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


__all__ = ["COMMON_OPTIONS", "PROXIES", "Proxy", "ProxyError", "ProxyInfo", "ProxyOptionError", "ProxyResult",
           "check_options", "get_proxy", "list_proxies", "register_proxy"]
