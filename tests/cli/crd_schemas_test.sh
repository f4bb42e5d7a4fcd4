#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# schemas/crds/*.json are generated from KubeRay's CRDs by tools/crd_compact
# and committed; regenerating them from the CRDs must give the same bytes.
# The CRDs: $KRAYCTL_KUBERAY_DIR/crds, by default tests/data's verbatim copy
# of KubeRay v1.6.2's ray-operator/config/crd/bases
# (github.com/ray-project/kuberay, tag v1.6.2).
source "$(dirname "$0")/lib.sh"
: "${CRD_COMPACT:?set CRD_COMPACT to the crd_compact binary}"
crds=${KRAYCTL_KUBERAY_DIR:-tests/data/kuberay-v1.6.2}/crds
[ -f "$crds/ray.io_rayclusters.yaml" ] || skip "no KubeRay CRDs at $crds"
mkdir "$tmp/out.d"
"$CRD_COMPACT" "$tmp/out.d" "$crds"/ray.io_{rayclusters,rayjobs,rayservices,raycronjobs}.yaml \
  >/dev/null || fail "crd_compact failed"
for f in raycluster rayjob rayservice raycronjob raycluster-v1alpha1 rayjob-v1alpha1 rayservice-v1alpha1; do
  cmp -s "$tmp/out.d/$f.json" "schemas/crds/$f.json" ||
    fail "schemas/crds/$f.json is stale: cmake --build build --target update-crd-schemas"
done
finish
