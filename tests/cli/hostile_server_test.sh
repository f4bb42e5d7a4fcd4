#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A server that answers every request with 503 and `Retry-After: 999999`
# (issue 14, finding 4): status, apply and delete end within --timeout
# (exit 3), never asleep past it. Each run is under `timeout 60`, so a
# regression fails instead of hanging the suite; the server listens on
# 127.0.0.1 on a port the kernel picks and is stopped on exit.
source "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "no python3"
python3 - "$tmp/port" <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        body = b'{"kind":"Status","apiVersion":"v1","status":"Failure","code":503}'
        self.send_response(503)
        self.send_header("Retry-After", "999999")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_PATCH = do_POST = do_DELETE = do_PUT = answer
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
__import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
PY
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -f "$tmp/port" ] && break; sleep 0.1; done
[ -f "$tmp/port" ] || fail "the test server did not start"
cat >"$tmp/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:$(cat "$tmp/port")"}}]
users: [{name: u, user: {}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]
current-context: x
YAML

t() { timeout 60 "$@"; }
within() {  # within SECONDS DESCRIPTION CMD...: exit 3, and no later than SECONDS
  local limit=$1 what=$2
  shift 2
  local started=$SECONDS
  expect_rc 3 "$what" t "$@"
  [ $((SECONDS - started)) -le "$limit" ] || fail "$what took $((SECONDS - started)) s"
  expect_contains "$tmp/err" "--timeout" "$what: the message names --timeout"
}
within 30 "status --timeout 2s" "$KRAYCTL" --kubeconfig "$tmp/kubeconfig" status --timeout 2s
within 30 "status NAME --timeout 2s" "$KRAYCTL" --kubeconfig "$tmp/kubeconfig" status rayjob/x --timeout 2s
within 30 "apply --timeout 2s" "$KRAYCTL" --kubeconfig "$tmp/kubeconfig" apply examples/quickstart.yaml --timeout 2s
within 30 "delete --timeout 2s" "$KRAYCTL" --kubeconfig "$tmp/kubeconfig" delete raycluster/x --timeout 2s
kill $server

# delete --wait lists, then reads a watch stream (kube::wait_for): a line
# without end, or nested past 500 levels, ends the wait with a message
# (findings 2 and 5), not memory without bound or a crash.
cat >"$tmp/watch_server.py" <<'PY'
import http.server, json, os, sys
obj = json.dumps({"apiVersion": "ray.io/v1", "kind": "RayCluster",
                  "metadata": {"name": "x", "namespace": "default", "uid": "u1", "resourceVersion": "1",
                               "labels": {"app.kubernetes.io/managed-by": "krayctl"}}}).encode()
deep = sys.argv[2] == "deep"
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if "watch=true" not in self.path:
            if "?" in self.path:  # the list the wait begins with
                return self.ok(json.dumps({"apiVersion": "ray.io/v1", "kind": "RayClusterList",
                                           "metadata": {"resourceVersion": "1"},
                                           "items": [json.loads(obj)]}).encode())
            return self.ok(obj)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        if deep:
            self.wfile.write(b'{"type":"DELETED","object":{"a":' + b"[" * 200000 + b"]" * 200000 + b"}}\n")
        else:
            chunk = b"a" * (1 << 20)
            for _ in range(40):
                self.wfile.write(chunk)
    def do_DELETE(self):
        self.ok(obj)
    def ok(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
PY
for mode in long deep; do
  rm -f "$tmp/port2"
  python3 "$tmp/watch_server.py" "$tmp/port2" "$mode" 2>/dev/null &
  server=$!
  for _ in $(seq 100); do [ -f "$tmp/port2" ] && break; sleep 0.1; done
  sed "s/:$(cat "$tmp/port")\"/:$(cat "$tmp/port2")\"/" "$tmp/kubeconfig" >"$tmp/kubeconfig2"
  expect_rc 4 "delete --wait, a watch line: $mode" t "$KRAYCTL" --kubeconfig "$tmp/kubeconfig2" delete raycluster/x --wait --timeout 30s
  if [ "$mode" = long ]; then
    expect_contains "$tmp/err" "longer than 16 MiB" "the line limit named"
  else
    expect_contains "$tmp/err" "500" "the depth limit named"
  fi
  kill $server
done
finish
