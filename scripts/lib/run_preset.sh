#!/usr/bin/env bash
# Shared body of scripts/*_NAS_*.sh: search with the packaged preset zennas/presets/<preset>.yaml, analyze
# the winner, then train it with the preset's published recipe (train_command; placeholders in
# zennas/presets/recipes.py).  Usage: run_preset.sh PRESET [evolution_search.py flags...]
# Env: SAVE_DIR (default save_dir/PRESET), EXTRA_ARGS (extra search flags, word-split), PYTHON (default
#      .venv/bin/python, else python3), NO_TRAIN=1 (stop after the analysis), TRAIN_ARGS (extra training
#      flags), DATA_DIR / CIFAR10_DIR / CIFAR100_DIR / IMAGENET_DIR (default: the original's ~/data/... roots),
#      NPROC (GPUs for torchrun, default 8), TEACHER_ARGS (replaces the distillation teacher options).
# --dry-run is passed through to the search, which prints the resolved config as JSON on stdout; the
# training commands are printed on stderr and nothing else runs.
set -euo pipefail
PRESET=$1; shift
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
if [[ -z "${PYTHON:-}" ]]; then if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi; fi
export PYTHON
SAVE_DIR=${SAVE_DIR:-save_dir/$PRESET}
DRY=0
for a in "$@" ${EXTRA_ARGS:-}; do
  if [[ "$a" == "--dry-run" || "$a" == "--dry_run" ]]; then DRY=1; fi
done
# the training commands are resolved first (cheap, no torch import)
TRAIN=()
if [[ "${NO_TRAIN:-0}" != 1 ]]; then
  TRAIN_TXT=$("$PYTHON" -m zennas.presets.recipes --config "$PRESET" --save_dir "$SAVE_DIR")
  if [[ -n "$TRAIN_TXT" ]]; then mapfile -t TRAIN <<< "$TRAIN_TXT"; fi
fi
# shellcheck disable=SC2086
"$PYTHON" evolution_search.py --config "$PRESET" --save_dir "$SAVE_DIR" ${EXTRA_ARGS:-} "$@"
if [[ $DRY == 1 ]]; then
  for c in "${TRAIN[@]}"; do echo "train (not run in --dry-run): $c" >&2; done
  exit 0
fi
# analyze flags come from the preset
PRESET_KEY='import sys; from zennas.search.config import load_yaml; v = load_yaml(sys.argv[1]).get(sys.argv[2])'
mapfile -t ANALYZE < <("$PYTHON" -c "$PRESET_KEY"'; [print(a) for a in v or []]' "$PRESET" analyze_args)
"$PYTHON" analyze_model.py --plainnet_struct_txt "$SAVE_DIR/best_structure.txt" "${ANALYZE[@]}"
echo
echo "Best structure: $SAVE_DIR/best_structure.txt"
if [[ ${#TRAIN[@]} == 0 ]]; then
  echo "Training skipped (NO_TRAIN=1 or no train_command in preset $PRESET)"
  exit 0
fi
for c in "${TRAIN[@]}"; do
  echo "+ $c"
  eval "$c"
done
