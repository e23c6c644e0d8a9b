#!/usr/bin/env bash
# Installs what Loom needs from Debian's packages (only what is missing) and
# configures and builds the project in build/. Safe to run again: a second run
# installs nothing and rebuilds only what changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  cmake g++ ninja-build
  libmlir-19-dev mlir-19-tools llvm-19-dev llvm-19-tools   # MLIR 19, FileCheck, lit
  libhalide14-0-dev libtbb-dev rapidjson-dev libgtest-dev  # kernels, runtime, unit tests
  python3-torch python3-numpy python3-yaml libopenblas0-pthread  # parity tests
  clang libclang-rt-14-dev   # libFuzzer targets (test/fuzz); sanitizers come with g++
  libsentencepiece-dev sentencepiece python3-sentencepiece  # translation: subwords
  python3-nltk python3-matplotlib  # translation: BLEU cross-check, plots
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "loom setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

mkdir -p "$root/build"
jobs="${LOOM_BUILD_JOBS:-$(nproc)}"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release > "$root/build/configure.log" 2>&1 \
  || { cat "$root/build/configure.log"; exit 1; }
echo "loom setup: building in $root/build ($jobs jobs)"
cmake --build "$root/build" -j "$jobs"
