#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `krayctl status -A` over 1,000 RayClusters and 16,000 Pods on the
# simulated cluster, beside kubectl reading the same objects from the same
# server (issue 5's targets: at most 1 s, at most 100 MB, faster than
# kubectl). Whole process, wall time and peak RSS (bench/proc_bench.cpp).
#   bench/status.sh [BUILD_DIR] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-5}
tmp=$(mktemp -d)
"$build/tests/fakekube" --kubeconfig-out "$tmp/kubeconfig" --populate 1000x16/50 >&2 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 600); do [ -s "$tmp/kubeconfig" ] && break; sleep 0.1; done
peer=()
if command -v kubectl >/dev/null; then
  peer=(--cmd "$(command -v kubectl) --kubeconfig $tmp/kubeconfig get rayclusters,pods -A -o json")
fi
"$build/bench/krayctl_proc_bench" --runs "$runs" --warmup 1 \
  --cmd "$build/src/krayctl --kubeconfig $tmp/kubeconfig status -A" \
  --cmd "$build/src/krayctl --kubeconfig $tmp/kubeconfig status -A -o json" \
  "${peer[@]}"
