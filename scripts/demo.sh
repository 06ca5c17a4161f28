#!/usr/bin/env bash
# The first command a user runs: installs what qopt needs from Debian, builds it, then takes three
# trained float models (the Fashion-MNIST MLP and CNN, a scikit-learn digits classifier) through
# qopt-compile at fp32, fp16, bf16, int8 and mixed precision, runs every compiled model natively on
# its test set and times it, and prints one table per model: how much smaller, how much faster,
# and whether it is still right. Details and options: scripts/demo.py --help.
#   bash scripts/demo.sh                 # full test sets; a few minutes on 2 cores
#   bash scripts/demo.sh --quick         # 500 Fashion-MNIST test images, fewer timing runs
#   bash scripts/demo.sh --out DIR       # where models, reports and demo.json go (default build/demo)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in
  -h|--help) exec /usr/bin/python3 "$root/scripts/demo.py" --help ;;
esac
bash "$root/scripts/build.sh"
echo
# Debian's interpreter: it sees python3-numpy, python3-onnx and python3-sklearn.
exec /usr/bin/python3 "$root/scripts/demo.py" "$@"
