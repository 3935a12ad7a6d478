#!/usr/bin/env bash
# One-time (idempotent) set-up: find or bootstrap uv, then create .venv from the committed uv.lock.
# uv is taken from PATH, else installed into a private venv (.tools/) - never `pip install --user`,
# which fails on distributions whose system Python is externally managed (PEP 668).
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v uv >/dev/null 2>&1; then
  UV=uv
else
  if [ ! -x .tools/bin/uv ]; then
    echo "[setup] bootstrapping uv into .tools/ ..." >&2
    python3 -m venv .tools
    .tools/bin/pip install --quiet --disable-pip-version-check uv
  fi
  UV=.tools/bin/uv
fi
echo "[setup] $($UV --version); syncing .venv from uv.lock (first run downloads PyTorch: a few minutes) ..." >&2
"$UV" sync --frozen --quiet
echo "[setup] ready: .venv/bin/python" >&2
