"""Params baseline: the parameter count (linear scale, higher = "better" as in ZEN's search).

Structure string: ``compute_costs(structure, ..., no_reslink=True).params`` (ZEN's ``get_model_size``
of the no_reslink model, as the original proxy; the budget uses the model WITH residual links).
nn.Module: ``sum(p.numel())``. Deterministic, no model build for strings.
"""

from __future__ import annotations

from zennas.proxies import Proxy, ProxyContext, ProxyInfo, register_proxy


def structure_costs(structure: str, ctx: ProxyContext, build_kwargs: dict):
    from zennas.costs import compute_costs

    return compute_costs(structure, ctx.resolution, ctx.num_classes, no_reslink=True,
                         use_se=build_kwargs.get("use_se", False))


@register_proxy
class Params(Proxy):
    info = ProxyInfo(
        name="Params", aliases=("model_size", "size"), formula="number of parameters (ZEN count, no_reslink)",
        needs_data=False, needs_model=False, bn_mode="n/a", init="n/a", stochastic=False, default_batch_size=1,
        cost_field="params",
    )

    def compute_structure(self, structure, ctx, build_kwargs):
        return float(structure_costs(structure, ctx, build_kwargs).params), {"source": "compute_costs"}

    def compute(self, model, ctx):
        return float(sum(p.numel() for p in model.parameters())), {"source": "numel"}
