#!/usr/bin/env bash
# Build Horovod 0.28.1 (PyTorch frontend, Gloo controller; no TensorFlow/MXNet/MPI) from its sdist into
# the project venv, for `--dist_mode horovod` / `horovodrun`.
#
# The released sdist does not compile against torch 2.x (its CMake files ask for C++14/C++11; torch's
# headers need C++17), so this script patches three places before building (ENVIRONMENT.md):
#   CMakeLists.txt                 CMAKE_CXX_STANDARD 14 -> 17
#   horovod/torch/CMakeLists.txt   CMAKE_CXX_STANDARD 14 -> 17
#   third_party/gloo/CMakeLists.txt  -std=c++11 -> -std=c++17
# and builds without build isolation so CMake finds the venv's torch.  About 5-6 minutes on 2 cores.
# Without HOROVOD_GPU_OPERATIONS / HOROVOD_GPU_ALLREDUCE / HOROVOD_GPU set it is a CPU (Gloo) build: the
# CUDA-enabled torch wheel plus a CUDA toolkit on the machine would otherwise make Horovod's CMake add
# CUDA support it cannot configure, so cmake/Modules/FindPytorch.cmake is told torch has no CUDA.
#
# Usage: scripts/install_horovod.sh            (PYTHON=path/to/python to target another venv)
# GPU machines: export HOROVOD_GPU_OPERATIONS=NCCL (and HOROVOD_NCCL_HOME if needed) first; every
# HOROVOD_* variable you set is passed to the build.  Note: `uv sync` (scripts/setup.sh) removes
# packages that are not in uv.lock, so run this script again after a setup.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
VERSION=0.28.1
SHA256=92a43f5a94c43907a56805bad15f19700c62ffc83b7ca483f9e104e229f67ef0  # PyPI sdist horovod-0.28.1.tar.gz

if [ ! -x "$PY" ]; then
  echo "[horovod] $PY not found: run scripts/setup.sh first (or set PYTHON)" >&2
  exit 1
fi
if "$PY" -c "import horovod, horovod.torch, sys; sys.exit(horovod.__version__ != '$VERSION')" 2>/dev/null; then
  echo "[horovod] horovod $VERSION already installed in $PY" >&2
  exit 0
fi
if command -v uv >/dev/null 2>&1; then UV=uv; elif [ -x .tools/bin/uv ]; then UV=.tools/bin/uv; else
  echo "[horovod] uv not found: run scripts/setup.sh first" >&2
  exit 1
fi
for tool in cmake c++ make; do
  command -v "$tool" >/dev/null 2>&1 || { echo "[horovod] building Horovod needs '$tool' (apt-get install cmake g++ make)" >&2; exit 1; }
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "[horovod] downloading the horovod $VERSION sdist ..." >&2
if python3 -m pip --version >/dev/null 2>&1; then
  python3 -m pip download --quiet --no-deps --no-binary :all: "horovod==$VERSION" -d "$WORK"
else
  "$UV" tool run pip download --quiet --no-deps --no-binary :all: "horovod==$VERSION" -d "$WORK"
fi
echo "$SHA256  $WORK/horovod-$VERSION.tar.gz" | sha256sum -c --quiet - || {
  echo "[horovod] checksum mismatch for horovod-$VERSION.tar.gz" >&2; exit 1; }
tar -xzf "$WORK/horovod-$VERSION.tar.gz" -C "$WORK"
SRC="$WORK/horovod-$VERSION"

echo "[horovod] patching C++14/C++11 -> C++17 (torch 2.x headers) ..." >&2
sed -i 's/set(CMAKE_CXX_STANDARD 14)/set(CMAKE_CXX_STANDARD 17)/' "$SRC/CMakeLists.txt" "$SRC/horovod/torch/CMakeLists.txt"
sed -i 's/-std=c++11/-std=c++17/' "$SRC/third_party/gloo/CMakeLists.txt"
if [ -z "${HOROVOD_GPU_OPERATIONS:-}${HOROVOD_GPU_ALLREDUCE:-}${HOROVOD_GPU:-}" ]; then
  echo "[horovod] CPU build (set HOROVOD_GPU_OPERATIONS=NCCL for GPU collectives)" >&2
  sed -i 's/print(True if ((torch.version.cuda is not None) and (CUDA_HOME is not None)) else False)/print(False)/' \
    "$SRC/cmake/Modules/FindPytorch.cmake"
  grep -q 'print(False)' "$SRC/cmake/Modules/FindPytorch.cmake" || { echo "[horovod] CPU patch did not apply" >&2; exit 1; }
fi
grep -q 'CMAKE_CXX_STANDARD 17' "$SRC/CMakeLists.txt" && grep -q 'CMAKE_CXX_STANDARD 17' "$SRC/horovod/torch/CMakeLists.txt" \
  && grep -q 'std=c++17' "$SRC/third_party/gloo/CMakeLists.txt" || { echo "[horovod] patch did not apply" >&2; exit 1; }

echo "[horovod] installing build requirements into $PY ..." >&2
"$UV" pip install --quiet --python "$PY" setuptools wheel cloudpickle psutil pyyaml packaging cffi

echo "[horovod] building (Gloo only, PyTorch frontend; several minutes) ..." >&2
export HOROVOD_WITH_PYTORCH=1 HOROVOD_WITHOUT_TENSORFLOW=1 HOROVOD_WITHOUT_MXNET=1 HOROVOD_WITH_GLOO=1
export HOROVOD_WITHOUT_MPI=${HOROVOD_WITHOUT_MPI:-1}
export MAKEFLAGS="-j${HOROVOD_BUILD_JOBS:-$(nproc)}"
"$UV" pip install --python "$PY" --no-build-isolation --no-cache "$SRC"
"$PY" -c "import horovod.torch as hvd; print('[horovod] ok: horovod', __import__('horovod').__version__, 'gloo built:', hvd.gloo_built())" >&2
