#!/usr/bin/env bash
# Installs what the end-to-end tests need, offline-safe and idempotent (docs: testing-in-vscode.md):
# Debian packages (libkrb5-dev for code-server's kerberos module, ripgrep, chromium) and
# code-server 4.99.4 (the last line accepting Node 20) in .code-server/, outside the project's dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

CODE_SERVER_VERSION=4.99.4
RG_VERSION=1.15.11

need_apt=()
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need_apt[*]}"
  apt-get -o DPkg::Lock::Timeout=600 update
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${need_apt[@]}"
fi

bin=.code-server/node_modules/code-server/out/node/entry.js
installed="$(node -p "try{require('./.code-server/node_modules/code-server/package.json').version}catch{''}" 2>/dev/null || true)"
if [ -f "$bin" ] && [ "$installed" = "$CODE_SERVER_VERSION" ]; then
  echo "code-server $CODE_SERVER_VERSION already installed in .code-server/"
  exit 0
fi

# code-server's bundled @vscode/ripgrep downloads rg from GitHub unless its cache already holds the archive:
# seed the cache with Debian's rg.
cache="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RG_VERSION"
archive="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$archive" ]; then
  mkdir -p "$cache/stage" && cp "$(command -v rg)" "$cache/stage/rg"
  tar czf "$archive" -C "$cache/stage" rg
fi

mkdir -p .code-server
cd .code-server
# npm init would name the package after the folder, which is not a valid name.
[ -f package.json ] || echo '{"name": "kernel-lens-code-server", "private": true}' > package.json
npm_config_yes=true npm_config_unsafe_perm=true npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION"
echo "code-server $CODE_SERVER_VERSION installed in .code-server/"
