#!/usr/bin/env bash
# ZEN ImageNet preset: IDW_fixfc, FLOPs <= 600M at 224, Zen, 480k iterations (train with SE)
# Usage: scripts/Zen_NAS_ImageNet_flops600M.sh [--dry-run] [more evolution_search.py flags]
# Env: SAVE_DIR (default save_dir/Zen_NAS_ImageNet_flops600M), EXTRA_ARGS (more flags), PYTHON (default python)
exec "$(dirname "$0")/lib/run_preset.sh" Zen_NAS_ImageNet_flops600M "$@"
