#!/usr/bin/env bash
# GSNet-style preset (PROPOSAL): adlik space over the GS blocks, params <= 6.6M, FLOPs <= 800M, layers <= 30, MAC <= 60M elements at 224 (detection-backbone scale, cf. GSmodel-L 6.61M)
# Usage: scripts/Zen_NAS_GSNet_params6M_mac.sh [--dry-run] [more evolution_search.py flags]
# Env: SAVE_DIR (default save_dir/Zen_NAS_GSNet_params6M_mac), EXTRA_ARGS (more flags), PYTHON (default python)
exec "$(dirname "$0")/lib/run_preset.sh" Zen_NAS_GSNet_params6M_mac "$@"
