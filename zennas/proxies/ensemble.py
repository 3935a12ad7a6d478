"""The rank ensemble as a proxy: every component proxy on one network, combined by the population.

``compute_proxy("Ensemble", model, components="MeCo,SynFlow")`` runs each component proxy (each with
its own default batch size and precision, and the per-component protocol of the NAS-Bench-201
benchmark, :data:`COMPONENT_SETTINGS`) and reports the component values in ``extra``, keyed by the
component names (``"MeCo"``, ``"AZ-NAS:expressivity"``...).  The ensemble score itself is
population-relative (:class:`~zennas.proxies.ranking.RankEnsemble`: ``Σ_m log(rank_m / n)``), so for one
network alone it is the score of a population of one: ``log(1/1) = 0``.  The search ranks its
population by the components (``ProxyInfo.relative``); ``RankEnsemble.scores`` ranks any list of results.

A component that fails makes the candidate fail (the error names the component), so no NaN or −9999
enters a ranking silently.
"""

from __future__ import annotations

import copy
from typing import Any, Sequence

import torch

from zennas.proxies.base import PROXIES, Proxy, ProxyError, ProxyInfo, register_proxy
from zennas.proxies.compute import compute_proxy
from zennas.proxies.context import ProxyContext
from zennas.proxies.ranking import RankEnsemble

#: the default components: what ``benchmarks/proxy_ranking.py --select_ensemble 100`` chose (greedy
#: forward selection) on the first 100 cells of the 200-cell NAS-Bench-201 sample with the offline digits
#: data; Spearman 0.946 on the held-out cells 101-200 vs 0.909 for the best single proxy (README)
DEFAULT_ENSEMBLE: tuple[str, ...] = ("MeCo", "jacob_cov", "SynFlow", "TE-NAS", "AZ-NAS:complexity",
                                     "AZ-NAS:expressivity", "ZiCo", "AZ-NAS:progressivity")

#: per-component protocol (the setting of the paper that published the proxy's NAS-Bench-201
#: correlation, as benchmarked): ``init: none`` keeps the network's default init, ``strip_bn`` replaces
#: BatchNorm by identities (Abdelfattah et al.'s SynFlow), ``batch_size`` overrides the proxy default
COMPONENT_SETTINGS: dict[str, dict[str, Any]] = {
    "SynFlow": {"init": "none", "strip_bn": True},
    "GradNorm": {"init": "none"},
    "NASWOT": {"init": "none"},
    "TE-NAS": {"batch_size": 16},  # 16 per-sample backward passes instead of 64
}


def parse_components(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"MeCo, SynFlow"`` / a list -> checked component names (proxy display names; ``proxy:key`` kept).
    ValueError for an unknown proxy (with suggestions) or a population-relative component."""
    if value is None or value == "" or value == ():
        return DEFAULT_ENSEMBLE
    items = value.split(",") if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        name, sep, key = item.partition(":")
        try:
            cls = PROXIES.get(name)
        except KeyError as exc:
            raise ValueError(f"ensemble component {item!r}: {exc}") from None
        if cls.info.relative:
            raise ValueError(f"ensemble component {item!r} is itself population-relative")
        out.append(cls.info.name + (sep + key if sep else ""))
    if not out:
        raise ValueError("the ensemble needs at least one component (e.g. components=MeCo,SynFlow)")
    if len(set(out)) != len(out):
        raise ValueError(f"ensemble components repeat: {', '.join(out)}")
    return tuple(out)


def strip_bn(model: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``model`` with every BatchNorm replaced by an identity."""
    model = copy.deepcopy(model)
    for parent in list(model.modules()):
        for cname, child in list(parent.named_children()):
            if isinstance(child, torch.nn.modules.batchnorm._BatchNorm):
                setattr(parent, cname, torch.nn.Identity())
    return model


@register_proxy
class Ensemble(Proxy):
    info = ProxyInfo(
        name="Ensemble", aliases=("rank-ensemble", "rank_ensemble"),
        formula="Σ_m log(rank_m / n) over the population, components m (default: the selected eight); "
                "one network alone: 0",
        needs_data=True, needs_labels=True, needs_backward=True, scale="linear", bn_mode="train",
        init="default", default_batch_size=64, stochastic=False, relative=True, options=("components",),
    )

    def compute(self, model, ctx: ProxyContext):
        components = parse_components(ctx.opt("components", None))
        values: dict[str, Any] = {}
        seconds: dict[str, float] = {}
        for name in RankEnsemble(components).proxies:
            opts = dict(COMPONENT_SETTINGS.get(name, {}))
            net = strip_bn(model) if opts.pop("strip_bn", False) else model
            seed = int(torch.randint(0, 2**62, (1,), generator=ctx.generator).item())
            r = compute_proxy(name, net, resolution=ctx.resolution, num_classes=ctx.num_classes, device=ctx.device,
                              seed=seed, dataloader=ctx.dataloader, repeat=ctx.repeat, gamma=ctx.gamma, **opts)
            if not r.ok:
                raise ProxyError(f"component {name} failed: {r.error}")
            seconds[name] = r.seconds
            for c in components:
                base, _, key = c.partition(":")
                if base == name:
                    v = r.extra.get(key) if key else r.score
                    if not isinstance(v, (int, float)):
                        raise ProxyError(f"component {c}: {name} reports no numeric {key!r} "
                                         f"(it has {', '.join(sorted(r.extra)) or 'no extras'})")
                    values[c] = float(v)
        return 0.0, {**values, "components": list(components), "component_seconds": seconds}


__all__ = ["COMPONENT_SETTINGS", "DEFAULT_ENSEMBLE", "Ensemble", "parse_components", "strip_bn"]
