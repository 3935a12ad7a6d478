#!/usr/bin/env bash
# ZEN CIFAR preset: XXBL, params <= 1M, Zen proxy, 480k iterations
# Usage: scripts/Zen_NAS_cifar_params1M.sh [--dry-run] [more evolution_search.py flags]
# Env: SAVE_DIR (default save_dir/Zen_NAS_cifar_params1M), EXTRA_ARGS (more flags), PYTHON (default python)
exec "$(dirname "$0")/lib/run_preset.sh" Zen_NAS_cifar_params1M "$@"
