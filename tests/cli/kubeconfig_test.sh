#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# krayctl reads kubeconfig files as kubectl does (issue 5): the same JSON
# from `krayctl config view` and `kubectl config view` for merged KUBECONFIG
# lists, --minify, --raw, --context/--cluster/--user, relative paths and
# exec users; and the same refusals.
source "$(dirname "$0")/lib.sh"
command -v kubectl >/dev/null || skip "kubectl is not installed"
command -v python3 >/dev/null || skip "python3 is not installed (used to compare JSON)"

mkdir -p "$tmp/a/certs" "$tmp/b"
ca=$(printf 'fake CA PEM' | base64 -w0)
cat >"$tmp/a/config" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443
    certificate-authority: certs/ca.crt
- name: shared
  cluster:
    server: https://first.example
    tls-server-name: api.first.example
users:
- name: red-user
  user:
    token: red-token
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/get-token
      args: [--cluster, prod]
      env: [{name: REGION, value: eu}]
      interactiveMode: Never
contexts:
- name: prod
  context: {cluster: prod, user: exec-user, namespace: ml}
current-context: ""
YAML
cat >"$tmp/b/config" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: shared
  cluster:
    server: https://second.example
    insecure-skip-tls-verify: true
- name: dev
  cluster:
    server: https://dev.example
    certificate-authority-data: $ca
users:
- name: red-user
  user:
    token: blue-token
    username: ignored-because-the-first-file-wins
- name: cert-user
  user:
    client-certificate: ../a/certs/client.crt
    client-key: /abs/client.key
contexts:
- name: dev
  context: {cluster: dev, user: cert-user}
- name: shared
  context: {cluster: shared, user: red-user, namespace: team}
current-context: dev
YAML

same() {  # same DESCRIPTION ARGS...: both print the same JSON, or both fail
  local what=$1
  shift
  "$KRAYCTL" config view -o json "$@" >"$tmp/k.json" 2>"$tmp/k.err"
  local krc=$?
  kubectl config view -o json "$@" >"$tmp/c.json" 2>"$tmp/c.err"
  local crc=$?
  if [ "$krc" -ne 0 ] || [ "$crc" -ne 0 ]; then
    [ "$krc" -ne 0 ] && [ "$crc" -ne 0 ] ||
      fail "$what: krayctl exit $krc, kubectl exit $crc: $(cat "$tmp/k.err" "$tmp/c.err")"
    return
  fi
  python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])) == json.load(open(sys.argv[2])) else 1)' \
    "$tmp/k.json" "$tmp/c.json" || {
    fail "$what: krayctl and kubectl differ"
    diff "$tmp/k.json" "$tmp/c.json" | head -20 >&2
  }
}

export KUBECONFIG="$tmp/a/config:$tmp/b/config:$tmp/missing"
same "merged, first file wins"
same "merged, raw" --raw
same "minify (current context from the second file)" --minify
same "minify raw" --minify --raw
same "minify another context" --minify --context prod
same "minify with --cluster and --user" --minify --context shared --cluster dev --user cert-user
same "an unknown context" --minify --context nope
export KUBECONFIG="$tmp/b/config:$tmp/a/config"
same "merged the other way round" --raw
same "minify the other way round" --minify --context shared --raw
unset KUBECONFIG
same "--kubeconfig alone" --kubeconfig "$tmp/a/config" --raw
(cd "$tmp" && KUBECONFIG=b/config:a/config same "relative KUBECONFIG entries" --raw)

# Credentials are hidden unless --raw.
KUBECONFIG="$tmp/a/config:$tmp/b/config" "$KRAYCTL" config view >"$tmp/view.yaml"
grep -q "red-token" "$tmp/view.yaml" && fail "a token appears without --raw"
grep -q "REDACTED" "$tmp/view.yaml" || fail "tokens are shown as REDACTED"

# Refusals: exit 4, one message with the file and position.
expect_rc 4 "missing --kubeconfig" "$KRAYCTL" --kubeconfig "$tmp/nope" config view
expect_contains "$tmp/err" "kubeconfig $tmp/nope: no such file" "missing file message"
printf 'clusters:\n- name: x\n  cluster:\n    server: [1, 2]\n' >"$tmp/bad"
expect_rc 4 "wrong type" "$KRAYCTL" --kubeconfig "$tmp/bad" config view
expect_contains "$tmp/err" "$tmp/bad:4:13: kubeconfig clusters[0].cluster.server: must be a string" \
  "wrong type message"
printf 'users:\n- name: x\n  user:\n    client-key-data: "not*base64"\n' >"$tmp/bad64"
expect_rc 4 "bad base64" "$KRAYCTL" --kubeconfig "$tmp/bad64" config view
expect_contains "$tmp/err" "client-key-data: not base64 (illegal base64 data at input byte 3)" \
  "base64 message"
finish
