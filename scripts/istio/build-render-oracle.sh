#!/usr/bin/env bash
# Builds scripts/istio/render-oracle (Go's text/template with Istio's injection function map) against the
# Istio 1.31 module already in the module cache (scripts/istio/build.sh fetched it), into
# ~/.cache/mesh/render-oracle-<source hash>/render-oracle. Prints the binary's path; a no-op when built.
set -euo pipefail

ISTIO_MODULE_VERSION=v0.0.0-20260827124520-eed52ebb66ad
ISTIO_RELEASE=1.31
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE_ROOT="${MESH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mesh}"
ISTIO_SRC="$CACHE_ROOT/istio-${ISTIO_RELEASE}-${ISTIO_MODULE_VERSION##*-}/src"
HASH=$(cat "$HERE/render-oracle/main.go" "$0" | sha256sum | cut -c1-12)
OUT="$CACHE_ROOT/render-oracle-$HASH"

if [[ -x "$OUT/render-oracle" ]]; then echo "$OUT/render-oracle"; exit 0; fi
[[ -s "$ISTIO_SRC/go.mod" ]] || { echo "build-render-oracle: Istio $ISTIO_RELEASE modules are missing ($ISTIO_SRC); run scripts/istio/build.sh first" >&2; exit 1; }

export GOMODCACHE="$CACHE_ROOT/go/mod"
export GOCACHE="$CACHE_ROOT/go/build"
export GOFLAGS="-modcacherw -mod=mod"
export GOTOOLCHAIN=local
export CGO_ENABLED=0

work="$OUT.tmp"
rm -rf "$work" && mkdir -p "$work"
cp "$ISTIO_SRC/go.mod" "$ISTIO_SRC/go.sum" "$work/"
cp "$HERE/render-oracle/main.go" "$work/"
cd "$work"
go build -p "${MESH_BUILD_JOBS:-2}" -trimpath -ldflags "-s -w" -o render-oracle . >&2
mkdir -p "$OUT" && mv render-oracle "$OUT/render-oracle"
cd / && rm -rf "$work"
echo "$OUT/render-oracle"
