#!/usr/bin/env bash
# GSNet-style preset (PROPOSAL): adlik space over the GS blocks, params <= 1M, FLOPs <= 150M, layers <= 18, MAC <= 8M elements, CIFAR-size
# Usage: scripts/Zen_NAS_GSNet_params1M_mac.sh [--dry-run] [more evolution_search.py flags]
# Env: SAVE_DIR (default save_dir/Zen_NAS_GSNet_params1M_mac), EXTRA_ARGS (more flags), PYTHON (default python)
exec "$(dirname "$0")/lib/run_preset.sh" Zen_NAS_GSNet_params1M_mac "$@"
