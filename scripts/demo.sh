#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on an embedded default: install, build, render every example
# into KubeRay manifests on stdout, validate the examples and the KubeRay
# v1.6.2 samples (the report on stderr), then run two of them on the
# simulated cluster (fakekube: an API server with a KubeRay operator,
# scheduler and kubelet on 4 DGX-shaped GPU nodes, time 30x faster):
# `krayctl apply`, then `krayctl status` until the RayJob finishes.
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

echo "== krayctl apply examples/rl-train.yaml examples/quickstart.yaml (simulated cluster)"
build/src/krayctl apply examples/rl-train.yaml examples/quickstart.yaml 2>/dev/null
for _ in $(seq 40); do
  build/src/krayctl status -A -o json | grep -q '"jobStatus": "SUCCEEDED"' && break
  sleep 0.5
done
echo "== krayctl status -A"
build/src/krayctl status -A
echo "== krayctl status rayjob/rl-train -n ml"
build/src/krayctl status rayjob/rl-train -n ml
