#!/usr/bin/env bash
# Shared body of scripts/*_NAS_*.sh: search with the packaged preset zennas/presets/<preset>.yaml, analyze
# the winner, print the training command.  Usage: run_preset.sh PRESET [evolution_search.py flags...]
# Env: SAVE_DIR (default save_dir/PRESET), EXTRA_ARGS (extra flags, word-split), PYTHON (default .venv/bin/python, else python3).
# --dry-run is passed through to the search, which prints the resolved config as JSON; analysis is skipped.
set -euo pipefail
PRESET=$1; shift
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
if [[ -z "${PYTHON:-}" ]]; then if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi; fi
SAVE_DIR=${SAVE_DIR:-save_dir/$PRESET}
DRY=0
for a in "$@" ${EXTRA_ARGS:-}; do
  if [[ "$a" == "--dry-run" || "$a" == "--dry_run" ]]; then DRY=1; fi
done
# shellcheck disable=SC2086
"$PYTHON" evolution_search.py --config "$PRESET" --save_dir "$SAVE_DIR" ${EXTRA_ARGS:-} "$@"
if [[ $DRY == 1 ]]; then exit 0; fi
# analyze flags and the training command come from the preset
PRESET_KEY='import sys; from zennas.search.config import load_yaml; v = load_yaml(sys.argv[1]).get(sys.argv[2])'
mapfile -t ANALYZE < <("$PYTHON" -c "$PRESET_KEY"'; [print(a) for a in v or []]' "$PRESET" analyze_args)
TRAIN=$("$PYTHON" -c "$PRESET_KEY"'; print((v or "").replace("{save_dir}", sys.argv[3]))' "$PRESET" train_command "$SAVE_DIR")
"$PYTHON" analyze_model.py --plainnet_struct_txt "$SAVE_DIR/best_structure.txt" "${ANALYZE[@]}"
echo
echo "Best structure: $SAVE_DIR/best_structure.txt"
if [[ -n "$TRAIN" ]]; then
  echo "Train the winner with:"
  echo "  $TRAIN"
fi
