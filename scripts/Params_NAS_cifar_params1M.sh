#!/usr/bin/env bash
# ZEN CIFAR preset: XXBL, params <= 1M, Params proxy, 480k iterations
# Usage: scripts/Params_NAS_cifar_params1M.sh [--dry-run] [more evolution_search.py flags]
# Env: SAVE_DIR (default save_dir/Params_NAS_cifar_params1M), EXTRA_ARGS (more flags), PYTHON (default python)
exec "$(dirname "$0")/lib/run_preset.sh" Params_NAS_cifar_params1M "$@"
