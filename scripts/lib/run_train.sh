#!/usr/bin/env bash
# Shared body of the training scripts (scripts/*_train*.sh, scripts/train_*.sh): expand a training-command
# template (placeholders in zennas/presets/recipes.py) and run it, or print it with --dry-run.
# Usage: run_train.sh NAME TEMPLATE [--dry-run] [extra training flags...]
# Env: SAVE_DIR (default save_dir/NAME), STRUCTURE (default SAVE_DIR/best_structure.txt), PYTHON (default
#      .venv/bin/python, else python3), TRAIN_ARGS, DATA_DIR / CIFAR10_DIR / CIFAR100_DIR / IMAGENET_DIR
#      (default: the original's ~/data/... roots), NPROC (GPUs, default 8), TEACHER_ARGS.
set -euo pipefail
NAME=$1; TEMPLATE=$2; shift 2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
if [[ -z "${PYTHON:-}" ]]; then if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi; fi
export PYTHON
SAVE_DIR=${SAVE_DIR:-save_dir/$NAME}
DRY=0; EXTRA=()
for a in "$@"; do
  if [[ "$a" == "--dry-run" || "$a" == "--dry_run" ]]; then DRY=1; else EXTRA+=("$a"); fi
done
CHECK=(--check); if [[ $DRY == 1 ]]; then CHECK=(); fi
CMDS_TXT=$("$PYTHON" -m zennas.presets.recipes --command "$TEMPLATE" --save_dir "$SAVE_DIR" "${CHECK[@]}" -- "${EXTRA[@]}")
mapfile -t CMDS <<< "$CMDS_TXT"
for c in "${CMDS[@]}"; do
  if [[ $DRY == 1 ]]; then echo "$c"; else echo "+ $c"; eval "$c"; fi
done
