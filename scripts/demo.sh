#!/usr/bin/env bash
# The README's main job: install, build, train the bundled iris sample, then explain one test row.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/@tensorflow/tfjs-core ] || npm ci --no-audit --no-fund
npm run build
run_dir="$(node dist/engine.js train samples/iris.kernel.json | tail -n 1)"
echo "Run: $run_dir"
node dist/engine.js explain "$run_dir" --row 0 --top 5
