#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The built binary end to end: exit codes, stdout and stderr.
source "$(dirname "$0")/lib.sh"

expect_rc 0 "version" "$KRAYCTL" version
expect_contains "$tmp/out" "(KubeRay v1.6.2 CRDs)" "version"
expect_rc 0 "--version" "$KRAYCTL" --version
expect_contains "$tmp/out" "krayctl " "--version"

expect_rc 2 "no command" "$KRAYCTL"
expect_contains "$tmp/err" "--help" "no command"
expect_rc 0 "--help" "$KRAYCTL" --help
expect_contains "$tmp/out" "Exit codes:" "--help"
expect_rc 2 "render without a file" "$KRAYCTL" render
expect_rc 2 "unknown command" "$KRAYCTL" frobnicate

# stdin gives the same bytes as the file
"$KRAYCTL" render examples/quickstart.yaml >"$tmp/file.yaml" || fail "render quickstart"
expect_rc 0 "render stdin" "$KRAYCTL" render - <examples/quickstart.yaml
cmp -s "$tmp/out" "$tmp/file.yaml" || fail "render - differs from render FILE"

# several files: one stream, in order, separated by ---
expect_rc 0 "render two files" "$KRAYCTL" render examples/quickstart.yaml examples/rl-train.yaml
[ "$(grep -c '^---$' "$tmp/out")" -eq 1 ] || fail "two files: want one --- separator"
[ "$(grep -c '^kind: ' "$tmp/out")" -eq 2 ] || fail "two files: want two objects"

# JSON
expect_rc 0 "render -o json" "$KRAYCTL" render examples/quickstart.yaml -o json
[ "$(head -c 1 "$tmp/out")" = "{" ] || fail "-o json does not start with {"
expect_contains "$tmp/out" '"kind": "RayCluster"' "-o json"
expect_rc 2 "render -o xml" "$KRAYCTL" render examples/quickstart.yaml -o xml

# all or nothing: a good file and a bad one give no stdout at all
printf 'name: ok\n' >"$tmp/good.yaml"
printf 'name: bad\nworkers: [{name: w, gpus: lots}]\n' >"$tmp/bad.yaml"
expect_rc 2 "good + bad" "$KRAYCTL" render "$tmp/good.yaml" "$tmp/bad.yaml"
expect_empty "$tmp/out" "good + bad: stdout"
expect_contains "$tmp/err" "bad.yaml:2:27: error[spec]: expected an integer, got string 'lots'" "good + bad"

expect_rc 2 "missing file" "$KRAYCTL" render "$tmp/nope.yaml"
expect_contains "$tmp/err" "No such file or directory" "missing file"
expect_empty "$tmp/out" "missing file: stdout"

# --templates must be a directory
expect_rc 2 "--templates not a dir" "$KRAYCTL" render examples/quickstart.yaml --templates "$tmp/nope"

# a bad -n is a usage error, not an invalid manifest
expect_rc 2 "bad -n" "$KRAYCTL" render -n Team_A examples/quickstart.yaml
expect_contains "$tmp/err" "--namespace 'Team_A': must be a DNS-1123 label" "bad -n message"

# a repeatable flag takes one value: files may follow it
expect_rc 0 "--set between files" "$KRAYCTL" render examples/quickstart.yaml --set workers[0].gpus=1 examples/rl-train.yaml
[ "$(grep -c '^kind: Ray' "$tmp/out")" -eq 2 ] || fail "--set between files: two manifests expected"

# colour only on a terminal: never in a pipe
expect_rc 2 "no colour in pipes" "$KRAYCTL" render "$tmp/bad.yaml"
if grep -q $'\033' "$tmp/err"; then fail "ANSI escapes in piped stderr"; fi
finish
