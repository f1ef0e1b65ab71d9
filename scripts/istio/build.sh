#!/usr/bin/env bash
# Builds real Istio — istioctl and pilot-discovery (istiod) — from the Go module istio.io/istio into the same
# per-user cache as the control plane (scripts/cluster/build.sh), then renders the default profile's cluster
# manifest with the built istioctl so that `mesh cluster up` can install it without running istioctl again.
# A second run finds everything and exits at once.
#
# The module proxy serves istio.io/istio only as pseudo-versions (Istio's tags have no "v"), so the pin is a
# pseudo-version; its VERSION file says which release branch it is.
#
# Usage: scripts/istio/build.sh [RELEASE]  (prints the output directory on the last line of stdout)
#        RELEASE is 1.31 (default: what `mesh cluster up` runs) or 1.30 (the second, canary revision the tests run
#        beside it, so that injection is checked against two Istio versions).
# Env:   MESH_CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/mesh), MESH_BUILD_JOBS (go build -p, default 2)
set -euo pipefail

# Keep these in step with src/cluster/versions.ts (a unit test checks that they agree).
ISTIO_MODULE_VERSION=v0.0.0-20260827124520-eed52ebb66ad
ISTIO_RELEASE=1.31
ISTIO_CANARY_MODULE_VERSION=v0.0.0-20260826214018-9739e10eb9d7
ISTIO_CANARY_RELEASE=1.30

# The 1.30 pseudo-version's go.mod names pseudo-versions of istio.io/api, istio.io/client-go, go-control-plane and
# agentgateway that the module proxy refuses ("This module version is not available"). They are replaced by served
# versions: the 1.30 branch's later patch release of Istio's API modules, and the proxy libraries that 1.31 builds
# with. The injector (pkg/kube/inject and the charts' templates) is 1.30's own code either way.
REPLACES=()
case "${1:-$ISTIO_RELEASE}" in
  "$ISTIO_RELEASE") ;;
  "$ISTIO_CANARY_RELEASE")
    ISTIO_MODULE_VERSION=$ISTIO_CANARY_MODULE_VERSION ISTIO_RELEASE=$ISTIO_CANARY_RELEASE
    REPLACES=(
      istio.io/api=istio.io/api@v1.30.8
      istio.io/client-go=istio.io/client-go@v1.30.8
      github.com/envoyproxy/go-control-plane/envoy=github.com/envoyproxy/go-control-plane/envoy@v1.37.1-0.20260713214202-ca8ce173c36f
      github.com/envoyproxy/go-control-plane/contrib=github.com/envoyproxy/go-control-plane/contrib@v1.36.1-0.20260713214202-ca8ce173c36f
      github.com/agentgateway/agentgateway/api=github.com/agentgateway/agentgateway/api@v0.0.0-20260501213430-773586679f1c
    )
    ;;
  *) echo "scripts/istio/build.sh: unknown Istio release '$1' (known: $ISTIO_RELEASE, $ISTIO_CANARY_RELEASE)" >&2; exit 2 ;;
esac

CACHE_ROOT="${MESH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mesh}"
OUT="$CACHE_ROOT/istio-${ISTIO_RELEASE}-${ISTIO_MODULE_VERSION##*-}"
BIN="$OUT/bin"

export GOMODCACHE="$CACHE_ROOT/go/mod"
export GOCACHE="$CACHE_ROOT/go/build"
export GOFLAGS="-modcacherw"
export GOTOOLCHAIN=local
export CGO_ENABLED=0
JOBS="${MESH_BUILD_JOBS:-2}"

log() { printf '[mesh istio build %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

complete() { [[ -x "$BIN/istioctl" && -x "$BIN/pilot-discovery" && -s "$OUT/manifest.yaml" ]]; }

if complete; then
  log "istio $ISTIO_RELEASE already built in $OUT"
  echo "$OUT"
  exit 0
fi

command -v go >/dev/null || { log "go is not on PATH; istioctl and istiod are built from Go modules"; exit 1; }
mkdir -p "$BIN"
START=$(date +%s)

progress() {
  local label=$1 total=${2:-?}
  awk -v label="$label" -v total="$total" '{ n++; printf "[%s %d/%s] %s\n", label, n, total, $0; fflush() }' >&2
}

ISTIOCTL=istio.io/istio/istioctl/cmd/istioctl
PILOT=istio.io/istio/pilot/cmd/pilot-discovery

if [[ ! -x "$BIN/istioctl" || ! -x "$BIN/pilot-discovery" ]]; then
  dir="$OUT/src"
  rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
  go mod init local/istiobin >/dev/null 2>&1
  for r in "${REPLACES[@]}"; do go mod edit -replace "$r"; done
  log "istio $ISTIO_RELEASE ($ISTIO_MODULE_VERSION): resolving modules"
  go get -tool "$ISTIOCTL@$ISTIO_MODULE_VERSION" "$PILOT@$ISTIO_MODULE_VERSION" 2>&1 | progress "istio modules"
  moddir=$(go list -m -f '{{.Dir}}' istio.io/istio)
  [[ "$(cat "$moddir/VERSION" 2>/dev/null || true)" == "$ISTIO_RELEASE" ]] \
    || log "warning: $ISTIO_MODULE_VERSION says VERSION $(cat "$moddir/VERSION" 2>/dev/null), expected $ISTIO_RELEASE"
  # istioctl and istiod report this as their version (istioctl version, the istiod build info).
  stamp="-X istio.io/istio/pkg/version.buildVersion=${ISTIO_RELEASE}-module-proxy-${ISTIO_MODULE_VERSION##*-}"
  stamp="$stamp -X istio.io/istio/pkg/version.buildGitRevision=${ISTIO_MODULE_VERSION##*-}"
  stamp="$stamp -X istio.io/istio/pkg/version.buildStatus=Clean -X istio.io/istio/pkg/version.buildTag=$ISTIO_RELEASE"
  total=$(go list -deps "$ISTIOCTL" "$PILOT" 2>/dev/null | grep -c . || echo '?')
  log "istio $ISTIO_RELEASE: compiling istioctl and pilot-discovery"
  mkdir -p "$OUT/tmpbin"
  go build -p "$JOBS" -v -trimpath -ldflags "-s -w $stamp" -o "$OUT/tmpbin/" "$ISTIOCTL" "$PILOT" 2>&1 \
    | progress istio "$total"
  mv "$OUT/tmpbin/istioctl" "$BIN/istioctl"
  mv "$OUT/tmpbin/pilot-discovery" "$BIN/pilot-discovery"
  rmdir "$OUT/tmpbin"
fi

# The default profile as this istioctl renders it, offline. hub/tag name images nobody pulls here (kwok runs
# no containers) but keep them realistic: what a team on this release would see in its pods.
log "istio $ISTIO_RELEASE: rendering the default profile (istioctl manifest generate)"
KUBECONFIG=/dev/null timeout 300 "$BIN/istioctl" manifest generate --set "values.global.hub=docker.io/istio" \
  --set "values.global.tag=${ISTIO_RELEASE}.0" > "$OUT/manifest.yaml.tmp"
mv "$OUT/manifest.yaml.tmp" "$OUT/manifest.yaml"

complete || { log "build finished but files are missing from $OUT"; exit 1; }
log "done in $(( $(date +%s) - START ))s: $OUT"
echo "$OUT"
