#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Local files that are devices, FIFOs or huge (issue 14, finding 9): each
# is refused at once with the file and the reason or limit named, instead
# of growing to gigabytes or hanging. Every run is under `timeout`, so a
# regression fails instead of hanging the suite.
source "$(dirname "$0")/lib.sh"

t() { timeout 60 "$@"; }

mkfifo "$tmp/fifo.yaml"
# validate reports unreadable inputs among its problems, on stdout.
expect_rc 2 "validate /dev/zero" t "$KRAYCTL" validate /dev/zero
expect_contains "$tmp/out" "cannot read /dev/zero: it is a character device, and krayctl reads only regular files" \
  "validate /dev/zero message"
expect_rc 2 "validate a FIFO" t "$KRAYCTL" validate "$tmp/fifo.yaml"
expect_contains "$tmp/out" "it is a FIFO, and krayctl reads only regular files" "validate FIFO message"

expect_rc 4 "--kubeconfig /dev/zero" t "$KRAYCTL" --kubeconfig /dev/zero config view
expect_contains "$tmp/err" "cannot read /dev/zero: it is a character device" "--kubeconfig /dev/zero message"
expect_rc 4 "--kubeconfig FIFO" t "$KRAYCTL" --kubeconfig "$tmp/fifo.yaml" config view
expect_contains "$tmp/err" "it is a FIFO" "--kubeconfig FIFO message"
: >"$tmp/huge"
truncate -s 100M "$tmp/huge"
expect_rc 4 "a 100 MB kubeconfig" t "$KRAYCTL" --kubeconfig "$tmp/huge" config view
expect_contains "$tmp/err" \
  "cannot read $tmp/huge: larger than 4 MiB, the limit for kubeconfig, certificate, key and token files" \
  "100 MB kubeconfig message"

cat >"$tmp/ca-zero" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:9", certificate-authority: /dev/zero}
users:
- name: u
  user: {token: t}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
YAML
expect_rc 4 "certificate-authority: /dev/zero" t "$KRAYCTL" --kubeconfig "$tmp/ca-zero" status
expect_contains "$tmp/err" "certificate-authority /dev/zero: cannot read /dev/zero: it is a character device" \
  "certificate-authority message"

expect_rc 2 "nccl-check --log /dev/zero" t "$KRAYCTL" nccl-check --log /dev/zero
expect_contains "$tmp/err" "cannot read /dev/zero: it is a character device" "--log /dev/zero message"
finish
