#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `krayctl submit` against the simulated cluster (fakekube --speed 1, so
# that time is real time), three figures, each beside a peer in the same run:
#  1. from the RayJob's completion to krayctl's exit: the completion is
#     when an independent watcher (kubectl get rayjob -w, its lines stamped
#     as they arrive) sees jobDeploymentStatus Complete; the exit is
#     stamped when krayctl returns. The watcher's own delivery delay is in
#     the figure (it can only make it smaller).
#  2. requests krayctl makes while a job runs for 20 s and 60 s (its -v
#     trace, one line per finished request, streams included): constant,
#     not growing with time, when it does not poll.
#  3. from the command to the first line of the driver log: `krayctl
#     submit SPEC` beside what a kubectl user runs for the same
#     (`kubectl apply --server-side` of the rendered manifest, `kubectl
#     wait` for the submitter Job's Pod, `kubectl logs -f job/NAME`).
#   bench/submit.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
krayctl="$PWD/$build/src/krayctl"
tmp=$(mktemp -d)
cat >"$tmp/scenario.yaml" <<'YAML'
jobs:
- match: short.py
  pendingSeconds: 1
  runSeconds: 3
  logs: ["first driver line", "second driver line"]
- match: s20.py
  runSeconds: 20
  logs: ["working"]
- match: s60.py
  runSeconds: 60
  logs: ["working"]
YAML
"$build/tests/fakekube" --kubeconfig-out "$tmp/kubeconfig" --nodes 4x8gpu,2xcpu --speed 1 \
  --scenario "$tmp/scenario.yaml" >"$tmp/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -s "$tmp/kubeconfig" ] && break; sleep 0.1; done
export KUBECONFIG="$tmp/kubeconfig"
now() { date +%s.%N; }
spec() {  # spec NAME ENTRYPOINT
  printf 'kind: RayJob\nname: %s\nhead: {cpu: 1, memory: 2Gi}\njob:\n  entrypoint: python %s\n' \
    "$1" "$2" >"$tmp/$1.yaml"
}

echo "== 1. the RayJob's completion to krayctl's exit (3 runs)"
for i in 1 2 3; do
  spec "done$i" short.py
  "$krayctl" submit "$tmp/done$i.yaml" >/dev/null 2>"$tmp/err.$i" &
  pid=$!
  # The independent watcher: each line stamped on arrival.
  (kubectl get rayjob "done$i" -w -o jsonpath='{.status.jobDeploymentStatus}{"\n"}' 2>/dev/null |
    while IFS= read -r line; do echo "$(now) $line"; done >"$tmp/watch.$i") &
  watcher=$!
  wait "$pid"
  exited=$(now)
  sleep 0.5
  kill "$watcher" 2>/dev/null || true
  pkill -f "kubectl get rayjob done$i" 2>/dev/null || true
  complete=$(awk '$2 == "Complete" {print $1; exit}' "$tmp/watch.$i")
  if [ -n "$complete" ]; then
    printf '  run %s: %.0f ms\n' "$i" "$(echo "($exited - $complete) * 1000" | bc -l)"
  else
    echo "  run $i: the watcher saw no Complete"
  fi
done

echo "== 2. requests while waiting (krayctl -v submit; lists / watches / log follows / other)"
for s in 20 60; do
  spec "s$s" "s$s.py"
  "$krayctl" -v submit "$tmp/s$s.yaml" >/dev/null 2>"$tmp/trace.$s" || true
  total=$(grep -c '^I .* in [0-9]* ms' "$tmp/trace.$s" || true)
  lists=$(grep -c '^I GET .*limit=500' "$tmp/trace.$s" || true)
  watches=$(grep -c '^I GET .*watch=true' "$tmp/trace.$s" || true)
  logs=$(grep -c '^I GET .*/log?' "$tmp/trace.$s" || true)
  printf '  job of %2s s: %3s requests (%s lists, %s watches, %s log follows, %s other)\n' \
    "$s" "$total" "$lists" "$watches" "$logs" "$((total - lists - watches - logs))"
done

echo "== 3. from the command to the first driver log line (3 runs each)"
first_line() {  # first_line FILE PATTERN START: ms until PATTERN appears in FILE
  local file=$1 pattern=$2 start=$3
  for _ in $(seq 3000); do
    if grep -q "$pattern" "$file" 2>/dev/null; then
      printf '%.0f' "$(echo "($(now) - $start) * 1000" | bc -l)"
      return
    fi
    sleep 0.01
  done
  echo "never"
}
for i in 1 2 3; do
  spec "k$i" short.py
  start=$(now)
  "$krayctl" submit "$tmp/k$i.yaml" >"$tmp/kout.$i" 2>/dev/null &
  pid=$!
  k=$(first_line "$tmp/kout.$i" "first driver line" "$start")
  wait "$pid" || true

  spec "c$i" short.py
  "$krayctl" render "$tmp/c$i.yaml" >"$tmp/c$i.manifest.yaml"
  start=$(now)
  (
    kubectl apply --server-side -f "$tmp/c$i.manifest.yaml" >/dev/null
    # The submitter Job appears once the cluster is ready; wait for it,
    # then for its Pod, then follow its log.
    until kubectl get job "c$i" >/dev/null 2>&1; do sleep 0.2; done
    kubectl wait --for=condition=Ready pod -l "batch.kubernetes.io/job-name=c$i" --timeout=120s \
      >/dev/null 2>&1 || true
    kubectl logs -f "job/c$i"
  ) >"$tmp/cout.$i" 2>/dev/null &
  pid=$!
  c=$(first_line "$tmp/cout.$i" "first driver line" "$start")
  wait "$pid" || true
  printf '  run %s: krayctl submit %s ms; kubectl apply + wait + logs -f %s ms\n' "$i" "$k" "$c"
done
