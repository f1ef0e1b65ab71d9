#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok)
# from the Go module proxy into a per-user cache keyed by version. A second run finds the binaries and exits
# at once; a rebuild after a version bump reuses GOMODCACHE/GOCACHE under the same cache root.
#
# Usage: scripts/cluster/build.sh            (prints the bin directory on the last line of stdout)
# Env:   MESH_CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/mesh), MESH_BUILD_JOBS (go build -p, default 2)
set -euo pipefail

# Keep these in step with src/cluster/versions.ts (a unit test checks that they agree).
ETCD_VERSION=3.6.16
K8S_VERSION=1.34.4
KWOK_VERSION=0.7.0

CACHE_ROOT="${MESH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mesh}"
KEY="k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}-kwok-${KWOK_VERSION}"
OUT="$CACHE_ROOT/$KEY"
BIN="$OUT/bin"
BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)

export GOMODCACHE="$CACHE_ROOT/go/mod"
export GOCACHE="$CACHE_ROOT/go/build"
export GOFLAGS="-modcacherw"
export GOTOOLCHAIN=local
export CGO_ENABLED=0
JOBS="${MESH_BUILD_JOBS:-2}"

log() { printf '[mesh cluster build %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

all_present() {
  local b
  for b in "${BINARIES[@]}"; do [[ -x "$BIN/$b" ]] || return 1; done
}

if all_present; then
  log "binaries already built in $BIN"
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { log "go is not on PATH; the local control plane is built from Go modules"; exit 1; }
mkdir -p "$BIN" "$OUT/src"
START=$(date +%s)

# go build -v prints each package as it is compiled; number them against the package count so a long cold
# build shows how far it is.
progress() {
  local label=$1 total=${2:-?}
  awk -v label="$label" -v total="$total" '{ n++; printf "[%s %d/%s] %s\n", label, n, total, $0; fflush() }' >&2
}

package_count() {
  go list -deps "$@" 2>/dev/null | grep -c . || echo '?'
}

# build_tool <binary> <module@version> <main package> [ldflags]: a wrapper module holding the tool, built alone.
build_tool() {
  local binary=$1 module=$2 pkg=$3 ldflags=${4:-}
  [[ -x "$BIN/$binary" ]] && return 0
  log "$binary ${module#*@}: resolving modules"
  local dir="$OUT/src/$binary"
  rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
  go mod init "local/${binary}bin" >/dev/null 2>&1
  go get -tool "$module" 2>&1 | progress "$binary modules"
  log "$binary ${module#*@}: compiling"
  go build -p "$JOBS" -v -trimpath -ldflags "-s -w $ldflags" -o "$BIN/$binary.tmp" "$pkg" 2>&1 \
    | progress "$binary" "$(package_count "$pkg")"
  mv "$BIN/$binary.tmp" "$BIN/$binary"
}

build_kubernetes() {
  local missing=0 b
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do [[ -x "$BIN/$b" ]] || missing=1; done
  [[ $missing == 0 ]] && return 0
  local dir="$OUT/src/kubernetes"
  rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
  log "kubernetes v$K8S_VERSION: downloading k8s.io/kubernetes to read its staging modules"
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')
  [[ -f "$gomod" ]] || { log "could not download k8s.io/kubernetes@v$K8S_VERSION"; exit 1; }
  go mod init local/k8sbin >/dev/null 2>&1
  # Match upstream's language version and GODEBUG defaults (only the main module's godebug line applies).
  go mod edit -go=1.24.0 -godebug=default=go1.24
  # Every staging module is required at v0.0.0 upstream and replaced by ./staging/...; map each to its
  # published v0.X.Y tag instead (https://github.com/kubernetes/kubernetes/issues/79384).
  local staging_version="v0.${K8S_VERSION#1.}" m
  for m in $(sed -n 's|^\s*\(k8s.io/[^ ]*\) => ./staging/.*|\1|p' "$gomod"); do
    go mod edit "-replace=$m=$m@$staging_version"
  done
  go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@v$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@v$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@v$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kubectl@v$K8S_VERSION" 2>&1 | progress "kubernetes modules"
  local minor=${K8S_VERSION#1.}; minor=${minor%%.*}
  local v="" pkg key value
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    for kv in "gitVersion=v$K8S_VERSION" gitMajor=1 "gitMinor=$minor" gitTreeState=clean \
      "buildDate=1970-01-01T00:00:00Z" "gitCommit=v$K8S_VERSION-module-proxy"; do
      v="$v -X $pkg.$kv"
    done
  done
  log "kubernetes v$K8S_VERSION: compiling kube-apiserver, kube-controller-manager, kube-scheduler, kubectl"
  mkdir -p "$OUT/tmpbin"
  local cmds=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
  go build -p "$JOBS" -v -trimpath -ldflags "-s -w$v" -o "$OUT/tmpbin/" "${cmds[@]}" 2>&1 \
    | progress kubernetes "$(package_count "${cmds[@]}")"
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do mv "$OUT/tmpbin/$b" "$BIN/$b"; done
  rmdir "$OUT/tmpbin"
}

build_tool etcd "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" go.etcd.io/etcd/server/v3
build_tool kwok "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
build_kubernetes

all_present || { log "build finished but binaries are missing from $BIN"; exit 1; }
log "done in $(( $(date +%s) - START ))s: $BIN"
echo "$BIN"
