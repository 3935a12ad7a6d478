"""Latency: synchronised measurement, a per-device look-up table of timed units, and a predictor.

=============  ===========================================================================
module         content
=============  ===========================================================================
``measure``    :func:`measure_latency` (warm-up, synchronised timed runs, median / p90 / min),
               device description and fingerprint, dtype / device parsing
``units``      a structure as table units: first / repeat sub-layer of each super block, head
``lut``        :class:`LatencyTable` (JSON per device, atomic saves), :class:`Setting`, timing
``predictor``  :class:`TablePredictor`: sum of entries + calibrated per-network overhead,
               interpolation of missing units (pure) or on-demand measurement
``build``      sampling the units a space produces around a budget, building and calibrating a table
=============  ===========================================================================

A measurement depends on the machine's load (not a pure function); a prediction from a table without a
timer is a pure function of (table, structure), so it is deterministic and cheap in any worker.
"""

from zennas.latency.lut import LatencyTable, Setting, Timer, default_table_path, fill_table, table_dir
from zennas.latency.measure import (
    CLOCKS,
    LatencyError,
    LatencyResult,
    describe_device,
    device_fingerprint,
    measure_latency,
    native_bf16,
    resolve_device,
    resolve_dtype,
)
from zennas.latency.predictor import TablePredictor, percentage_errors
from zennas.latency.units import Unit, network_units

__all__ = ["CLOCKS", "LatencyError", "LatencyResult", "LatencyTable", "Setting", "TablePredictor", "Timer", "Unit",
           "default_table_path", "describe_device", "device_fingerprint", "fill_table", "measure_latency",
           "native_bf16", "network_units", "percentage_errors", "resolve_device", "resolve_dtype", "table_dir"]
