#!/bin/sh
# The official Lambda runtime interface client (npm aws-lambda-ric, used by the "as deployed" tests) builds a
# native addon on install: curl with autotools, aws-lambda-cpp with cmake, the addon with node-gyp (make, g++,
# python3). Installs Debian's packages only for the tools that are missing (idempotent), like ensure-git.sh.
set -eu
missing=""
for tool in cmake:cmake autoreconf:autoconf automake:automake libtoolize:libtool make:make g++:g++ python3:python3; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing="$missing ${tool#*:}"
done
[ -z "$missing" ] && exit 0
echo "installing$missing (to build the Lambda runtime interface client's native addon)…" >&2
if [ "$(id -u)" -ne 0 ]; then echo "missing$missing and this user cannot apt-get install them: install these Debian packages" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # one word per package
apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y --no-install-recommends $missing >/dev/null; }
