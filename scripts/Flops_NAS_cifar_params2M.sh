#!/usr/bin/env bash
# ZEN CIFAR preset: XXBL, params <= 2M, Flops proxy, 480k iterations
# Usage: scripts/Flops_NAS_cifar_params2M.sh [--dry-run] [more evolution_search.py flags]
# Env: SAVE_DIR (default save_dir/Flops_NAS_cifar_params2M), EXTRA_ARGS (more flags), PYTHON (default python)
exec "$(dirname "$0")/lib/run_preset.sh" Flops_NAS_cifar_params2M "$@"
