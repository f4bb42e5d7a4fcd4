#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `kubectl kray ...` finds the kubectl-kray link next to the binary.
source "$(dirname "$0")/lib.sh"
command -v kubectl >/dev/null || skip "kubectl is not installed"
: "${KRAYCTL_BIN_DIR:?}"
[ -x "$KRAYCTL_BIN_DIR/kubectl-kray" ] || fail "no kubectl-kray in $KRAYCTL_BIN_DIR"
export PATH="$KRAYCTL_BIN_DIR:$PATH"
export KUBECONFIG="$tmp/none"  # kubectl must not need a cluster for this
expect_rc 0 "kubectl kray version" kubectl kray version
expect_contains "$tmp/out" "(KubeRay v1.6.2 CRDs)" "kubectl kray version"
expect_rc 0 "kubectl kray render" kubectl kray render examples/quickstart.yaml
expect_contains "$tmp/out" "kind: RayCluster" "kubectl kray render"
expect_rc 0 "kubectl kray --help" kubectl kray --help
expect_contains "$tmp/out" "kubectl kray" "help names the plugin"
finish
