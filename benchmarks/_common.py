"""Shared by the search benchmarks: CPU emulation flags, machine facts, the two regimes' settings.

``--no-native-bf16`` sets ``ZENNAS_NATIVE_BF16=0``: this engine takes the policy of a CPU without native
bf16 (fp32 channels_last); the kernels stay the machine's.  ``--emulate-avx2`` goes further: it re-runs
the benchmark with ``ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2`` (set before torch starts), so
oneDNN's convolutions and torch's own kernels run their AVX2 code (fp32 AVX2 kernels; bf16 convolutions
~10x slower than fp32, as on a real AVX2 CPU) - for the original baseline too.  It does not emulate
an AVX2 CPU's clock, caches or memory bandwidth.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PRESET = "Zen_NAS_cifar_params1M"
#: ZenNet CIFAR 1M-params (zennet_cifar_model_size1M_res32.txt), the steady-state start
CIFAR_1M = ("SuperConvK3BNRELU(3,88,1,1)SuperResK1K7K1(88,120,1,16,1)SuperResK1K7K1(120,192,2,16,3)"
            "SuperResK1K5K1(192,224,1,24,4)SuperResK1K5K1(224,96,2,24,2)SuperResK1K3K1(96,168,2,40,3)"
            "SuperResK1K3K1(168,112,1,48,3)SuperConvK1BNRELU(112,512,1,1)")
AVX2_ENV = {"ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2", "ZENNAS_NATIVE_BF16": "0"}


def add_cpu_flags(p) -> None:
    p.add_argument("--no-native-bf16", action="store_true",
                   help="this engine's policy as on a CPU without native bf16 (ZENNAS_NATIVE_BF16=0; kernels unchanged)")
    p.add_argument("--emulate-avx2", action="store_true",
                   help="re-run with oneDNN and torch limited to AVX2 kernels (ONEDNN_MAX_CPU_ISA=AVX2 "
                        "ATEN_CPU_CAPABILITY=avx2), baseline included")


def apply_cpu_flags(a) -> None:
    """Before torch is imported: re-exec under the AVX2 emulation, or set the policy override."""
    if a.emulate_avx2 and any(os.environ.get(k) != v for k, v in AVX2_ENV.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **AVX2_ENV})
    if a.no_native_bf16:
        os.environ["ZENNAS_NATIVE_BF16"] = "0"


def machine(threads: int | None = None) -> dict:
    import torch

    from zennas.proxies import cpu_features
    from zennas.search.executor import usable_cpus

    f = cpu_features()
    f.update(python=platform.python_version(), torch=torch.__version__,
             processor=_cpu_model() or platform.processor() or platform.machine(), usable_cpus=usable_cpus(),
             load_average=list(os.getloadavg()), emulate_avx2=os.environ.get("ONEDNN_MAX_CPU_ISA") == "AVX2")
    if threads is not None:
        f["threads"] = threads
    return f


def _cpu_model() -> str | None:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_line(m: dict) -> str:
    return (f"CPU: {m['processor']}, torch capability {m['capability']}, oneDNN native bf16 "
            f"{m['onednn_native_bf16']}, this engine's bf16 policy {'on' if m['policy_native_bf16'] else 'off'}"
            f"{' (AVX2 emulation)' if m['emulate_avx2'] else ''}; {m['usable_cpus']} usable CPUs; load average "
            f"{', '.join(f'{x:.2f}' for x in m['load_average'])}")


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


__all__ = ["AVX2_ENV", "CIFAR_1M", "PRESET", "ROOT", "add_cpu_flags", "apply_cpu_flags", "cpu_line", "load", "machine"]
