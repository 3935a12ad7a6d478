"""Device names as the command lines take them (``auto``, ``cpu``, ``cuda``, ``cuda:N``, legacy ``--gpu N``),
checked before any work starts so a missing GPU is one clear message, not a driver error halfway."""

from __future__ import annotations


class DeviceError(ValueError):
    """The requested device does not exist here (the message says which and what to use)."""

    exit_code = 2


def resolve_device(device: str | None = "auto", gpu: int | None = None) -> str:
    """The torch device string to use: ``gpu`` (legacy ``--gpu N``) wins and means ``cuda:N``; ``auto`` is
    ``cuda`` when available, else ``cpu``.  Raises :class:`DeviceError` for CUDA without a usable GPU, a
    CUDA index that does not exist, or a name torch does not know."""
    import torch

    name = f"cuda:{gpu}" if gpu is not None else str(device or "auto")
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        dev = torch.device(name)
    except (RuntimeError, ValueError) as exc:
        raise DeviceError(f"device {name!r} is not a device name ({exc}); use cpu, cuda or cuda:N") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"device {name!r}: CUDA is not available on this machine (no GPU or driver, or a "
                              f"CPU-only torch {torch.__version__}); use --device cpu")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise DeviceError(f"device {name!r}: this machine has {torch.cuda.device_count()} CUDA device(s) "
                              f"(cuda:0 .. cuda:{torch.cuda.device_count() - 1})")
    return name


__all__ = ["DeviceError", "resolve_device"]
