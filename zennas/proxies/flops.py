"""FLOPs baseline (ZEN's "Flops"; linear scale, higher = "better" as in ZEN's search).

Structure string: ``compute_costs(structure, resolution, ..., no_reslink=True).flops`` (ZEN's
``get_FLOPs``: conv/linear MACs + BN elements, no_reslink model, no projection terms).
nn.Module: Conv2d/Linear multiply-accumulates of one forward at ``resolution`` counted with forward
hooks (:func:`zennas.proxies.macs.count_macs`; BN/activation/pooling not counted), so module and string values differ
slightly by design.
"""

from __future__ import annotations

from zennas.proxies import Proxy, ProxyInfo, count_macs, register_proxy
from zennas.proxies.params import structure_costs


@register_proxy
class FLOPs(Proxy):
    info = ProxyInfo(
        name="FLOPs", aliases=("Flops", "macs"), formula="conv/linear MACs at the input resolution (ZEN count)",
        needs_data=False, needs_model=False, bn_mode="n/a", init="n/a", stochastic=False, default_batch_size=1,
        cost_field="flops",
    )

    def compute_structure(self, structure, ctx, build_kwargs):
        return float(structure_costs(structure, ctx, build_kwargs).flops), {"source": "compute_costs"}

    def compute(self, model, ctx):
        return float(count_macs(model, ctx.resolution)), {"source": "hooked conv/linear MACs"}
