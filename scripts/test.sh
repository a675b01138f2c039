#!/usr/bin/env bash
# The README's test command: installs what the tests need, builds, then runs every test with Node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/@tensorflow/tfjs-core ] || npm ci --no-audit --no-fund
npm run build
shopt -s globstar nullglob
node --import tsx --test --test-concurrency=1 --test-reporter=spec test/unit/**/*.test.ts
