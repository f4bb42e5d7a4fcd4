#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on an embedded default: install, build, then render every
# example into KubeRay manifests on stdout, and validate the examples and
# the KubeRay v1.6.2 samples (the report on stderr).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build >&2
build/src/krayctl render examples/*.yaml
build/src/krayctl validate examples tests/data/kuberay-v1.6.2/samples >&2
