#!/usr/bin/env bash
# Installs Debian's chromium for the headless webview tests. Idempotent: does nothing when it is present.
# The tests never download a browser (playwright-core only drives this one).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core
/usr/bin/chromium --version
