#!/usr/bin/env bash
# Regenerates src/inject/k8s-schema.json — the Go struct shapes istioctl decodes workloads into — by running
# scripts/istio/k8s-schema/main.go against the Kubernetes and OpenShift API modules at the versions the pinned
# istio.io/istio module requires (its own go.mod and go.sum, from the module cache; `go mod download` of the pinned
# module or scripts/istio/build.sh puts it there; the API modules come from the Go module proxy).
# Usage: scripts/istio/gen-k8s-schema.sh [--check]   (--check: exit 1 when the committed file differs)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ISTIO_MODULE_VERSION=$(sed -n "s/^export const ISTIO_MODULE_VERSION = '\(.*\)';$/\1/p" "$ROOT/src/cluster/versions.ts")
CACHE_ROOT="${MESH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mesh}"
export GOMODCACHE="${GOMODCACHE:-$CACHE_ROOT/go/mod}"
export GOCACHE="${GOCACHE:-$CACHE_ROOT/go/build}"
export GOFLAGS="-modcacherw -mod=mod"
export GOTOOLCHAIN=local
export CGO_ENABLED=0
ISTIO_MOD="$GOMODCACHE/istio.io/istio@$ISTIO_MODULE_VERSION"
OUTPUT="$ROOT/src/inject/k8s-schema.json"

if [[ ! -s "$ISTIO_MOD/go.mod" ]]; then
  (cd /tmp && go mod download "istio.io/istio@$ISTIO_MODULE_VERSION") >&2 \
    || { echo "gen-k8s-schema: istio.io/istio@$ISTIO_MODULE_VERSION is not in the module cache and cannot be downloaded" >&2; exit 1; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed 's|^module istio.io/istio$|module local/k8sschema|' "$ISTIO_MOD/go.mod" > "$work/go.mod"
cp "$ISTIO_MOD/go.sum" "$work/go.sum"
cp "$HERE/k8s-schema/main.go" "$work/"
(cd "$work" && go run . > schema.json)

if [[ "${1:-}" == "--check" ]]; then
  cmp -s "$work/schema.json" "$OUTPUT" || { echo "gen-k8s-schema: src/inject/k8s-schema.json is not what the pinned modules give; run scripts/istio/gen-k8s-schema.sh" >&2; exit 1; }
  exit 0
fi
cp "$work/schema.json" "$OUTPUT"
echo "src/inject/k8s-schema.json"
