#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on an embedded default: install, build, render every example
# into KubeRay manifests on stdout, validate the examples and the KubeRay
# v1.6.2 samples (the report on stderr), then run two of them on the
# simulated cluster (fakekube: an API server with a KubeRay operator,
# scheduler and kubelet on 4 DGX-shaped GPU nodes, time 30x faster):
# `krayctl submit` of the seed's RayJob (its driver log, progress and result),
# `krayctl apply` of a RayCluster, then `krayctl status`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build >&2
build/src/krayctl render examples/*.yaml
build/src/krayctl validate examples tests/data/kuberay-v1.6.2/samples >&2

tmp=$(mktemp -d)
build/tests/fakekube --kubeconfig-out "$tmp/kubeconfig" --nodes 4x8gpu,2xcpu --namespaces ml \
  --speed 30 >&2 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -s "$tmp/kubeconfig" ] && break; sleep 0.1; done
export KUBECONFIG="$tmp/kubeconfig"

echo "== krayctl submit examples/rl-train.yaml --timeout 5m (simulated cluster; stderr shown too)"
build/src/krayctl submit examples/rl-train.yaml --timeout 5m 2>&1
echo "== krayctl logs rayjob/rl-train -n ml --tail 5"
build/src/krayctl logs rayjob/rl-train -n ml --tail 5
echo "== krayctl apply examples/quickstart.yaml"
build/src/krayctl apply examples/quickstart.yaml 2>/dev/null
echo "== krayctl status -A"
build/src/krayctl status -A
echo "== krayctl status rayjob/rl-train -n ml"
build/src/krayctl status rayjob/rl-train -n ml
