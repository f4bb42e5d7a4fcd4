#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Requests made by `krayctl status -A --watch` while the simulated cluster
# changes (a RayJob and a RayCluster starting, at real speed): counted from
# its -v traces (one line per finished request, streams included) after 15,
# 30 and 60 s, run side by side. The issue's target: constant, not growing
# with time. Beside it, kubectl's own watch of one collection (`kubectl get
# rayclusters -A -w -v=6`, which can watch one kind at a time) over 60 s.
#   bench/watch_requests.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d)
"$build/tests/fakekube" --kubeconfig-out "$tmp/kubeconfig" --nodes 4x8gpu,2xcpu --namespaces ml \
  --speed 1 >"$tmp/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -s "$tmp/kubeconfig" ] && break; sleep 0.1; done
export KUBECONFIG="$tmp/kubeconfig"
"$build/src/krayctl" apply examples/rl-train.yaml examples/quickstart.yaml >/dev/null 2>&1
pids=()
for s in 15 30 60; do
  "$build/src/krayctl" -v status -A --watch --timeout "${s}s" >"$tmp/out.$s" 2>"$tmp/trace.$s" &
  pids+=($!)
done
if command -v kubectl >/dev/null; then
  timeout 60 kubectl get rayclusters -A -w -v=6 >/dev/null 2>"$tmp/kubectl.trace" &
  pids+=($!)
fi
for p in "${pids[@]}"; do wait "$p" || true; done
printf '%-44s %8s %10s\n' "command" "seconds" "requests"
for s in 15 30 60; do
  printf '%-44s %8s %10s\n' "krayctl status -A --watch" "$s" \
    "$(grep -c '^I .* in [0-9]* ms' "$tmp/trace.$s" || true)"
  printf '%-44s %8s %10s\n' "  of which lists / watches" "" \
    "$(grep -c '^I GET .*limit=500' "$tmp/trace.$s" || true) / $(grep -c '^I GET .*watch=true' "$tmp/trace.$s" || true)"
  printf '%-44s %8s %10s\n' "  lines printed (changes shown)" "" "$(wc -l <"$tmp/out.$s")"
done
if [ -s "$tmp/kubectl.trace" ]; then
  printf '%-44s %8s %10s\n' "kubectl get rayclusters -A -w (one kind)" 60 \
    "$(grep -c 'round_trippers.go.*\(GET\|POST\) https' "$tmp/kubectl.trace" || true)"
fi
