#!/usr/bin/env bash
# ZEN ImageNet preset: XXBL, latency <= 0.1 ms/image (V100-style: CUDA, fp16, batch 64), Zen
# Usage: scripts/Zen_NAS_ImageNet_latency0.1ms.sh [--dry-run] [more evolution_search.py flags]
# Env: SAVE_DIR (default save_dir/Zen_NAS_ImageNet_latency0.1ms), EXTRA_ARGS (more flags), PYTHON (default python)
exec "$(dirname "$0")/lib/run_preset.sh" Zen_NAS_ImageNet_latency0.1ms "$@"
