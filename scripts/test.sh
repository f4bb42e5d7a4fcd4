#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install, build (warnings are errors in a checkout), and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
ctest --test-dir build -j2 --output-on-failure
