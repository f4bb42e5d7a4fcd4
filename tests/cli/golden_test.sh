#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Golden tests of `krayctl render`, byte for byte:
#   golden_test.sh render   CASE  tests/golden/render/CASE.spec.yaml -> CASE.expected.yaml
#   golden_test.sh examples NAME  examples/NAME.yaml -> tests/golden/examples/NAME.expected.yaml
#   golden_test.sh errors   CASE  tests/golden/errors/CASE.spec.yaml -> CASE.stderr, exit 2, no stdout
# In render and examples mode, lint warnings on stderr are golden too: the
# expected file with .warnings in place of .yaml (absent = no stderr).
# An optional CASE.args holds extra arguments (one line, split on spaces).
# KRAYCTL_UPDATE_GOLDEN=1 rewrites the expected files; review the diff.
source "$(dirname "$0")/lib.sh"
mode=$1
name=$2
root=$(pwd)
case "$mode" in
  render) dir=tests/golden/render input=$name.spec.yaml expected=$root/$dir/$name.expected.yaml ;;
  examples) dir=examples input=$name.yaml expected=$root/tests/golden/examples/$name.expected.yaml ;;
  errors) dir=tests/golden/errors input=$name.spec.yaml expected=$root/$dir/$name.stderr ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
args=()
if [ -f "$dir/$name.args" ]; then
  read -r -a args <"$dir/$name.args"
fi
(cd "$dir" && "$KRAYCTL" render "$input" "${args[@]}") >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?

if [ "$mode" = errors ]; then
  actual=$tmp/err
  [ "$rc" -eq 2 ] || fail "$input: exit code $rc, want 2"
  expect_empty "$tmp/out" "$input: stdout"
else
  actual=$tmp/out
  [ "$rc" -eq 0 ] || fail "$input: exit code $rc, want 0"
  warnings=${expected%.yaml}.warnings
  if [ -n "${KRAYCTL_UPDATE_GOLDEN:-}" ]; then
    if [ -s "$tmp/err" ]; then cp "$tmp/err" "$warnings"; else rm -f "$warnings"; fi
  elif [ -f "$warnings" ]; then
    diff -u "$warnings" "$tmp/err" >&2 || fail "$input: stderr differs from $(basename "$warnings")"
  else
    expect_empty "$tmp/err" "$input: stderr"
  fi
fi

if [ -n "${KRAYCTL_UPDATE_GOLDEN:-}" ]; then
  cp "$actual" "$expected"
  echo "updated $expected"
elif [ ! -f "$expected" ]; then
  fail "$expected does not exist (run with KRAYCTL_UPDATE_GOLDEN=1 to create it)"
elif ! diff -u "$expected" "$actual" >&2; then
  fail "$input: output differs from $(basename "$expected")"
fi
finish
