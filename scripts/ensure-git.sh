#!/bin/sh
# Test fixtures need Git's own smart HTTP server (git-http-backend) and the git CLI to make commits; mesh
# itself never runs git. Installs Debian's git package only when one of them is missing (idempotent).
set -eu
backend=$(git --exec-path 2>/dev/null)/git-http-backend || true
if command -v git >/dev/null 2>&1 && [ -x "$backend" ]; then exit 0; fi
echo "installing git (for the Git server used by the tests)…" >&2
if [ "$(id -u)" -ne 0 ]; then echo "git is missing and this user cannot apt-get install it: install Debian's git package" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends git >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y --no-install-recommends git >/dev/null; }
git --version >&2
