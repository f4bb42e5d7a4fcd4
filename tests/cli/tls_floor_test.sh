#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# TLS 1.2 or newer, whatever the system's OpenSSL allows (issue 14, finding
# 8). A server on 127.0.0.1 that speaks only TLS 1.1, and an OpenSSL
# configuration that permits it (OPENSSL_CONF, read by libcurl's OpenSSL
# at start): curl agrees to the handshake there (the control: this machine
# can produce the downgrade), krayctl refuses it, names the floor, and the
# token is never sent.
source "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || skip "no openssl"
command -v curl >/dev/null || skip "no curl for the control"
command -v python3 >/dev/null || skip "no python3"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null || fail "a certificate"
cat >"$tmp/permissive.cnf" <<'CNF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1
CipherString = DEFAULT@SECLEVEL=0
CNF
export OPENSSL_CONF="$tmp/permissive.cnf"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
openssl s_server -accept "127.0.0.1:$port" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' \
  -cert "$tmp/cert.pem" -key "$tmp/key.pem" -quiet >"$tmp/received" 2>"$tmp/server.err" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

# The control: a client without a floor of its own completes the handshake.
# 52 is "empty reply": the handshake went through, s_server answers nothing.
timeout 10 curl -s -o /dev/null --cacert "$tmp/cert.pem" "https://127.0.0.1:$port/" >/dev/null 2>&1
control=$?
case $control in
  0 | 52) ;;
  35) skip "this machine's OpenSSL refuses TLS 1.1 even when configured to allow it" ;;
  *) skip "the control could not reach the TLS 1.1 server (curl exit $control)" ;;
esac

cat >"$tmp/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:$port", certificate-authority: "$tmp/cert.pem"}}]
users: [{name: u, user: {token: SECRET-TOKEN-tls}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]
current-context: x
YAML
expect_rc 4 "TLS 1.1 refused" timeout 60 "$KRAYCTL" --kubeconfig "$tmp/kubeconfig" status --timeout 10s
expect_contains "$tmp/err" "requires TLS 1.2 or newer" "the floor named"
kill $server 2>/dev/null
wait $server 2>/dev/null
if grep -q "SECRET-TOKEN-tls" "$tmp/received"; then fail "the token reached a TLS 1.1 server"; fi
finish
