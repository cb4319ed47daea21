#!/usr/bin/env bash
# Builds the test cluster's binaries from Go modules, pinned, into a stable cache folder.
#
# Why from source: no registry we can reach ships kube-apiserver, etcd, kwok or the Spark Operator as a binary
# (see docs/kubernetes.md, "The test cluster"). Each binary gets a stamp beside it recording how it was built and
# the binary's own checksum; a rebuild with a matching stamp and an unchanged binary does nothing.
#
# Usage: test/cluster/build.sh            build what is missing or stale
#        test/cluster/build.sh --check    exit 0 when every binary is present and current, 1 otherwise
set -euo pipefail

KUBE_VERSION=v1.35.4
KUBE_STAGING_VERSION=v0.35.4
ETCD_VERSION=v3.6.17
KWOK_VERSION=v0.8.0
OPERATOR_VERSION=v2.5.2

CACHE="${SPARKLANE_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sparklane/test-cluster}"
BIN="$CACHE/bin"
WORK="$CACHE/work"
export GOTOOLCHAIN=local GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0

if ! command -v go >/dev/null 2>&1; then
  echo "test cluster: Go is not installed (needed to build kube-apiserver, etcd, kwok and the Spark Operator)" >&2
  exit 3
fi
GO_VERSION="$(go env GOVERSION)"
mkdir -p "$BIN" "$WORK"

# Recipe of each binary: what goes into its stamp. Changing a version (or Go) makes the stamp stale.
recipe() { echo "$1 $2 go=$GO_VERSION cgo=0"; }

# current NAME VERSION: the binary exists, its stamp names this recipe and the binary's checksum still matches.
current() {
  local bin="$BIN/$1" stamp="$BIN/$1.stamp"
  [ -x "$bin" ] && [ -f "$stamp" ] || return 1
  local want have
  want="$(recipe "$1" "$2")"
  have="$(sed -n 1p "$stamp")"
  [ "$want" = "$have" ] || return 1
  [ "$(sed -n 2p "$stamp")" = "$(stat -c '%s %Y' "$bin")" ] || return 1
}

stamp() { { recipe "$1" "$2"; stat -c '%s %Y' "$BIN/$1"; } >"$BIN/$1.stamp.tmp" && mv "$BIN/$1.stamp.tmp" "$BIN/$1.stamp"; }

all_current() {
  current etcd "$ETCD_VERSION" && current kube-apiserver "$KUBE_VERSION" &&
    current kube-controller-manager "$KUBE_VERSION" && current kube-scheduler "$KUBE_VERSION" &&
    current kwok "$KWOK_VERSION" && current spark-operator "$OPERATOR_VERSION"
}

if [ "${1:-}" = "--check" ]; then
  all_current && exit 0 || exit 1
fi

# One build at a time on this machine: a second caller waits, then finds the stamps current.
exec 9>"$CACHE/build.lock"
flock 9
if all_current; then
  echo "test cluster: binaries current in $BIN"
  exit 0
fi

log() { echo "test cluster build [$(date -u +%H:%M:%S)]: $*"; }
# mod_file MODULE@VERSION: path of that module's go.mod in the module cache (downloads the module).
mod_dir() { go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'; }

build_kube() {
  local dir="$WORK/kube-$KUBE_VERSION" src
  mkdir -p "$dir"
  src="$(mod_dir "k8s.io/kubernetes@$KUBE_VERSION")"
  # Upstream replaces its staging modules with local folders, which `go install` refuses; a scratch module
  # requiring k8s.io/kubernetes replaces each with the published module of the same release instead.
  {
    echo "module sparklane.local/test-cluster/kube"
    echo
    echo "go 1.25"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    sed -n 's#^\s*\(k8s\.io/[^ ]*\) => \./staging/src/.*$#\t\1 => \1 '"$KUBE_STAGING_VERSION"'#p' "$src/go.mod"
    echo ")"
  } >"$dir/go.mod"
  local n
  n="$(grep -c '=> k8s.io/' "$dir/go.mod")"
  [ "$n" -ge 30 ] || { echo "test cluster: expected about 31 staging replaces in k8s.io/kubernetes go.mod, found $n" >&2; exit 1; }
  cat >"$dir/tools.go" <<'GO'
//go:build tools

// Keeps the three commands in this scratch module's build list for `go mod tidy`.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
GO
  (cd "$dir" && go mod tidy -e >/dev/null 2>&1 || go mod tidy)
  local ld="-s -w"
  local v
  for v in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $v.gitVersion=$KUBE_VERSION -X $v.gitMajor=1 -X $v.gitMinor=35 -X $v.gitTreeState=clean"
  done
  local cmd
  for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
    if current "$cmd" "$KUBE_VERSION"; then continue; fi
    log "building $cmd $KUBE_VERSION"
    (cd "$dir" && nice go build -trimpath -ldflags "$ld" -o "$BIN/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd")
    mv "$BIN/$cmd.tmp" "$BIN/$cmd"
    stamp "$cmd" "$KUBE_VERSION"
  done
}

build_etcd() {
  current etcd "$ETCD_VERSION" && return 0
  log "building etcd $ETCD_VERSION"
  local dir="$WORK/etcd-$ETCD_VERSION"
  mkdir -p "$dir"
  # etcd's own main module is not served by the proxy; its server module exports the same entry point.
  cat >"$dir/go.mod" <<MOD
module sparklane.local/test-cluster/etcd

go 1.25

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
MOD
  cat >"$dir/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$dir" && go mod tidy)
  (cd "$dir" && nice go build -trimpath -ldflags "-s -w" -o "$BIN/etcd.tmp" .)
  mv "$BIN/etcd.tmp" "$BIN/etcd"
  stamp etcd "$ETCD_VERSION"
}

build_kwok() {
  current kwok "$KWOK_VERSION" && return 0
  log "building kwok $KWOK_VERSION"
  local dir="$WORK/kwok-$KWOK_VERSION"
  mkdir -p "$dir"
  (cd "$dir" && GOBIN="$dir" nice go install -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION")
  mv "$dir/kwok" "$BIN/kwok"
  stamp kwok "$KWOK_VERSION"
}

build_operator() {
  current spark-operator "$OPERATOR_VERSION" && return 0
  log "building spark-operator $OPERATOR_VERSION"
  local dir="$WORK/spark-operator-$OPERATOR_VERSION" src
  mkdir -p "$dir"
  src="$(mod_dir "github.com/kubeflow/spark-operator/v2@$OPERATOR_VERSION")"
  # The operator's go.mod pins k8s.io/* through replace directives, which only a main module's go.mod applies.
  {
    echo "module sparklane.local/test-cluster/spark-operator"
    echo
    echo "go 1.25"
    echo
    echo "require github.com/kubeflow/spark-operator/v2 $OPERATOR_VERSION"
    echo
    awk '/^replace \($/{on=1} on{print} on&&/^\)$/{on=0}' "$src/go.mod"
    grep -E '^replace [^(]' "$src/go.mod" || true
  } >"$dir/go.mod"
  cat >"$dir/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/kubeflow/spark-operator/v2/cmd/operator"
GO
  (cd "$dir" && go mod tidy)
  (cd "$dir" && nice go build -trimpath -ldflags "-s -w" -o "$BIN/spark-operator.tmp" github.com/kubeflow/spark-operator/v2/cmd/operator)
  mv "$BIN/spark-operator.tmp" "$BIN/spark-operator"
  # The CRDs and webhook rules come from the same module version as the binary.
  rm -rf "$BIN/spark-operator-crds"
  cp -r "$src/charts/spark-operator-chart/crds" "$BIN/spark-operator-crds.tmp"
  chmod -R u+w "$BIN/spark-operator-crds.tmp"
  mv "$BIN/spark-operator-crds.tmp" "$BIN/spark-operator-crds"
  stamp spark-operator "$OPERATOR_VERSION"
}

start=$(date +%s)
# The API server first: it is the long one, and nothing can be tried without it.
build_kube
build_etcd
build_kwok
build_operator
log "done in $(($(date +%s) - start)) s; binaries in $BIN"
