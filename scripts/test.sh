#!/usr/bin/env bash
# The README's test command. On a fresh machine it installs everything the tests need (npm packages,
# Debian's chromium, code-server for the end-to-end tests), builds all bundles, then runs every suite
# with Node's built-in test runner, which prints the pass/fail counts.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/@tensorflow/tfjs-core ] || npm ci --no-audit --no-fund
bash scripts/install-chromium.sh
bash scripts/setup-code-server.sh
npm run build
# The code as the repository keeps it: strict types, ESLint, Prettier.
npm run -s typecheck
npm run -s lint
shopt -s globstar nullglob
# Unit (engine maths, data, CLI), engine process, webview in Chromium, then the extension in code-server.
# --test-force-exit: a test file whose tests have all finished exits even if a stray handle would keep
# its event loop alive (once seen, not reproduced), so CI cannot hang after the results are in.
node --import tsx --test --test-concurrency=1 --test-force-exit --test-reporter=spec \
  test/unit/**/*.test.ts test/engine/**/*.test.ts test/webview/**/*.test.ts test/e2e/**/*.test.ts
