"""Ship a trained network: fold BatchNorm into the preceding convolutions, export TorchScript and ONNX
(and optionally a ``torch.export`` program), and check every artefact against the torch model.

BN folding (eval mode, running statistics): a ``Conv2d`` whose output feeds only a ``BatchNorm2d``
becomes one convolution with

    s = gamma / sqrt(running_var + eps)
    W' = W * s  (per output channel)          b' = (b - running_mean) * s + beta    (b = 0 without bias)

and the BN is replaced by ``nn.Identity``.  Conv -> BN pairs are found on the ``torch.export`` graph of
the real forward (so residual adds, SE gates, shuffles and shape-dependent Python control flow are seen
as they run): a pair is folded only when the BN reads the convolution's output directly, that output has
no other user, and both modules are called exactly once.  The arithmetic is done in float64.

Parity: outputs of the folded model, the TorchScript module (reloaded from disk) and the ONNX file (run
by onnxruntime) are compared with the unfolded eval-mode model on the same inputs; the maximum absolute
difference of the logits is reported and checked against ``tol``.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

logger = logging.getLogger(__name__)

FORMATS = ("torchscript", "onnx", "pt2")
_SUFFIX = {"torchscript": ".torchscript.pt", "onnx": ".onnx", "pt2": ".pt2"}


class ExportError(RuntimeError):
    """Export failed or an exported artefact disagrees with the torch model."""


@contextlib.contextmanager
def _quiet():
    """Silence the exporters' deprecation chatter (torch.jit is deprecated upstream but is still the
    TorchScript path)."""
    with warnings.catch_warnings():
        for cat in (DeprecationWarning, FutureWarning, UserWarning):
            warnings.simplefilter("ignore", cat)
        yield


def _fold_pair(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> None:
    w = conv.weight.detach().double()
    b = conv.bias.detach().double() if conv.bias is not None else torch.zeros(w.shape[0], dtype=torch.float64)
    gamma = bn.weight.detach().double() if bn.weight is not None else torch.ones_like(b)
    beta = bn.bias.detach().double() if bn.bias is not None else torch.zeros_like(b)
    s = gamma / torch.sqrt(bn.running_var.detach().double() + bn.eps)
    new_w = w * s.reshape(-1, *([1] * (w.ndim - 1)))
    new_b = (b - bn.running_mean.detach().double()) * s + beta
    conv.weight = nn.Parameter(new_w.to(conv.weight.dtype), requires_grad=conv.weight.requires_grad)
    conv.bias = nn.Parameter(new_b.to(conv.weight.dtype), requires_grad=conv.weight.requires_grad)


def conv_bn_pairs(model: nn.Module, example: torch.Tensor) -> list[tuple[str, str]]:
    """``(conv name, bn name)`` of every foldable pair (see the module docstring) of ``model`` in eval mode."""
    with _quiet():
        ep = torch.export.export(model, (example,), strict=False)
    sig = ep.graph_signature
    fqn = {**sig.inputs_to_parameters, **sig.inputs_to_buffers}
    pairs = []
    for node in ep.graph.nodes:
        if node.op != "call_function" or node.target is not torch.ops.aten.batch_norm.default:
            continue
        src, weight, mean, training = node.args[0], node.args[1], node.args[3], node.args[5]
        if training or not isinstance(src, torch.fx.Node) or src.target is not torch.ops.aten.conv2d.default:
            continue
        conv_w = src.args[1]
        if len(src.users) != 1 or not isinstance(conv_w, torch.fx.Node) or len(conv_w.users) != 1:
            continue
        if not isinstance(mean, torch.fx.Node) or len(mean.users) != 1 or mean.name not in fqn:
            continue
        if conv_w.name not in fqn or not fqn[conv_w.name].endswith(".weight"):
            continue
        if weight is not None and isinstance(weight, torch.fx.Node) and len(weight.users) != 1:
            continue
        conv_name, bn_name = fqn[conv_w.name][: -len(".weight")], fqn[mean.name][: -len(".running_mean")]
        if isinstance(model.get_submodule(conv_name), nn.Conv2d) and \
                isinstance(model.get_submodule(bn_name), nn.BatchNorm2d):
            pairs.append((conv_name, bn_name))
    return pairs


def fold_batchnorm(model: nn.Module, example: torch.Tensor) -> tuple[nn.Module, int]:
    """A copy of ``model`` (eval mode) with every foldable BN folded; returns ``(copy, pairs folded)``."""
    folded = copy.deepcopy(model).eval()
    pairs = conv_bn_pairs(folded, example)
    for conv_name, bn_name in pairs:
        _fold_pair(folded.get_submodule(conv_name), folded.get_submodule(bn_name))
        parent, _, leaf = bn_name.rpartition(".")
        setattr(folded.get_submodule(parent) if parent else folded, leaf, nn.Identity())
    return folded, len(pairs)


def max_abs_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.detach().double() - b.detach().double()).abs().max())


@dataclass
class ExportReport:
    files: dict[str, str] = field(default_factory=dict)
    folded_bn: int = 0
    remaining_bn: int = 0
    max_abs_diff: dict[str, float] = field(default_factory=dict)  # artefact -> max |logits - torch logits|
    tol: float = 1e-4
    input_size: list[int] = field(default_factory=list)  # C, H, W (the batch is dynamic)
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(v <= self.tol for v in self.max_abs_diff.values())

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def _onnx_run(path: Path, x: torch.Tensor) -> torch.Tensor:
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise ImportError("the ONNX parity check needs onnxruntime: pip install 'zennas[export]'") from exc
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return torch.from_numpy(sess.run(None, {sess.get_inputs()[0].name: x.numpy()})[0])


def export_model(model: nn.Module, out_prefix: str | Path, *, input_size: tuple[int, int, int],
                 formats: tuple[str, ...] = ("torchscript", "onnx"), fold_bn: bool = True, tol: float = 1e-4,
                 opset: int | None = None, check_batch: int = 4, seed: int = 0,
                 metadata: dict[str, Any] | None = None) -> ExportReport:
    """Export ``model`` (CPU, float32) to ``<out_prefix>.torchscript.pt`` / ``.onnx`` / ``.pt2`` and
    ``<out_prefix>.json`` (the report plus ``metadata``, e.g. pre-processing and class names).  The
    ONNX and torch.export programs take a dynamic batch (traced at batch 2).  ``input_size`` is
    ``(channels, height, width)``.  Parity inputs: ``check_batch`` N(0,1) images drawn with ``seed``.  Raises :class:`ExportError` when an artefact exceeds ``tol``, ValueError for an unknown format."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown export format(s) {sorted(unknown)} (known: {', '.join(FORMATS)})")
    out_prefix = Path(out_prefix)
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    model = copy.deepcopy(model).cpu().float().eval()
    example = torch.randn(2, *input_size)
    x = torch.randn(check_batch, *input_size, generator=torch.Generator().manual_seed(seed))
    rep = ExportReport(tol=tol, input_size=list(input_size), versions={"torch": torch.__version__})
    with torch.no_grad():
        ref = model(x)
        net = model
        if fold_bn:
            net, rep.folded_bn = fold_batchnorm(model, example)
            rep.max_abs_diff["bn_folded"] = max_abs_diff(net(x), ref)
        rep.remaining_bn = sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in net.modules())
        for fmt in formats:
            path = Path(f"{out_prefix}{_SUFFIX[fmt]}")
            rep.files[fmt] = str(path)
            with _quiet():
                if fmt == "torchscript":
                    torch.jit.save(torch.jit.trace(net, example), str(path))
                    y = torch.jit.load(str(path))(x)
                elif fmt == "pt2":
                    batch = torch.export.Dim("batch", min=1)
                    torch.export.save(torch.export.export(net, (example,), dynamic_shapes=({0: batch},),
                                                          strict=False), str(path))
                    y = torch.export.load(str(path)).module()(x)
                else:
                    _onnx_export(net, example, path, opset)
                    y = _onnx_run(path, x)
                    rep.versions["onnxruntime"] = _ort_version()
            rep.max_abs_diff[fmt] = max_abs_diff(y, ref)
    Path(f"{out_prefix}.json").write_text(json.dumps({**rep.to_dict(), **(metadata or {})}, indent=2) + "\n")
    if not rep.ok:
        bad = {k: v for k, v in rep.max_abs_diff.items() if v > tol}
        raise ExportError(f"exported model disagrees with torch beyond {tol:g}: {bad} (report: {out_prefix}.json)")
    return rep


def _ort_version() -> str:
    import onnxruntime

    return onnxruntime.__version__


def _onnx_export(net: nn.Module, example: torch.Tensor, path: Path, opset: int | None) -> None:
    try:
        import onnxscript  # noqa: F401  (torch.onnx's exporter needs it)
    except ImportError as exc:
        raise ImportError("ONNX export needs onnx and onnxscript: pip install 'zennas[export]'") from exc
    for name in ("onnxscript", "onnx_ir"):  # their optimiser logs every pass at INFO
        logging.getLogger(name).setLevel(logging.WARNING)
    kw = {"opset_version": opset} if opset else {}
    batch = torch.export.Dim("batch", min=1)
    torch.onnx.export(net, (example,), str(path), dynamo=True, input_names=["input"], output_names=["logits"],
                      dynamic_shapes=({0: batch},), verbose=False, **kw)
