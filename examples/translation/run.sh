#!/usr/bin/env bash
# The main job: sets up and builds Loom, then compiles the translation
# example's spec and prints its fused loom IR.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/cmake/setup.sh"
spec="$root/examples/translation/model.yaml"
echo "== loomc compile $spec --emit=fused"
"$root/build/bin/loomc" compile "$spec" --emit=fused
