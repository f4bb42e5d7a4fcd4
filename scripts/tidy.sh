#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# clang-tidy (the checks of .clang-tidy) on every source of src/, with the
# compile commands of BUILD_DIR (default: build); fails on any finding.
#   scripts/tidy.sh [BUILD_DIR] [FILE_REGEX]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
filter=${2:-"$PWD/src/"}
runner=$(command -v run-clang-tidy-14 || command -v run-clang-tidy || true)
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
if [ -z "$runner" ] || [ -z "$tidy" ]; then
  echo "tidy: clang-tidy-14 is not installed (scripts/install-deps.sh installs it)" >&2
  exit 2
fi
[ -f "$build/compile_commands.json" ] || { echo "tidy: no $build/compile_commands.json" >&2; exit 2; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# run-clang-tidy's exit code does not always reflect findings in headers:
# count the diagnostics instead.
"$runner" -clang-tidy-binary "$tidy" -p "$build" -j "$(nproc)" -quiet "$filter" >"$log" 2>&1 || true
findings=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error): ' | sort -u || true)
if [ -n "$findings" ]; then
  echo "$findings"
  echo "tidy: $(echo "$findings" | wc -l) finding(s)" >&2
  exit 1
fi
if grep -qE "^Error|clang-tidy.*(crashed|not found)" "$log"; then
  cat "$log" >&2
  exit 1
fi
echo "tidy: no findings (${filter#"$PWD"/})"
