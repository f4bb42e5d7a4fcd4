#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Whole-process benchmarks, each beside a peer in the same run so that the
# ratio means something on any machine.
#   bench/run.sh [BUILD_DIR] [RUNS]
# Needs a Release-like build (the default RelWithDebInfo is fine).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-300}
bench="$build/bench/krayctl_proc_bench"
krayctl="$build/src/krayctl"
[ -x "$bench" ] && [ -x "$krayctl" ] || { echo "build first: cmake --build $build" >&2; exit 2; }

peer=()
if command -v kubectl >/dev/null; then
  peer=(--cmd "$(command -v kubectl) version --client")
else
  echo "kubectl not found: no peer, absolute figures only" >&2
fi

echo "== render: the seed RayJob spec (examples/rl-train.yaml), whole process"
"$bench" --runs "$runs" \
  --cmd "$krayctl render examples/rl-train.yaml" \
  --cmd "$krayctl render examples/rl-train.yaml -o json" \
  --cmd "$krayctl version" \
  "${peer[@]}"

echo "== validate: the 58 KubeRay v1.6.2 samples (tests/data), and one spec, whole process"
"$bench" --runs "$runs" \
  --cmd "$krayctl validate tests/data/kuberay-v1.6.2/samples" \
  --cmd "$krayctl validate examples/rl-train.yaml" \
  --cmd "$krayctl validate tests/data/kuberay-v1.6.2/samples/ray-cluster.complete.yaml" \
  "${peer[@]}"
