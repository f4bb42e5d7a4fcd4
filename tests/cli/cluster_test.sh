#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# krayctl apply / status / status --watch / delete through the binary,
# against the fakekube binary (API server, KubeRay operator, scheduler and
# kubelet simulated): exit codes, what is printed where, a partial apply
# refused, bad kubeconfigs (exit 4, one message), and every credential
# (client key, tokens, an exec plugin's output) absent from all output,
# -vvv request traces included.
source "$(dirname "$0")/lib.sh"
: "${FAKEKUBE:?set FAKEKUBE to the fakekube binary}"

start_fakekube --nodes 2x8gpu,1xcpu --speed 30
kc="$KUBECONFIG"
all="$tmp/all-output"  # everything krayctl printed, searched for secrets at the end
: >"$all"
run() {  # run WANT DESCRIPTION ARGS...: krayctl ARGS, output kept in $tmp/out, $tmp/err, $all
  local want=$1 what=$2
  shift 2
  expect_rc "$want" "$what" "$KRAYCTL" "$@"
  cat "$tmp/out" "$tmp/err" >>"$all"
}

# apply: created, then unchanged; the CPU-only quickstart fits the cpu node.
run 0 "apply" apply examples/quickstart.yaml
expect_contains "$tmp/out" "raycluster.ray.io/raycluster-quickstart created" "apply output"
run 0 "apply again" apply examples/quickstart.yaml
expect_contains "$tmp/out" "raycluster.ray.io/raycluster-quickstart unchanged" "second apply"

# One bad document among good ones: exit 2, nothing sent.
printf 'name: good-one\nhead: {cpu: 1, memory: 2Gi}\n' >"$tmp/good.yaml"
printf 'name: bad-one\nhead: {cpu: 1, memry: 2Gi}\n' >"$tmp/bad.yaml"
run 2 "apply with a bad document" apply "$tmp/good.yaml" "$tmp/bad.yaml"
expect_contains "$tmp/err" "bad.yaml:2:" "the bad document's location"
run 4 "the good one was not sent" status raycluster/good-one
expect_contains "$tmp/err" "not found" "status of an object never created"

# status: the table, then --watch piped (one line per change) until --timeout.
for _ in $(seq 100); do
  "$KRAYCTL" status >"$tmp/table" 2>/dev/null
  grep -q "raycluster/raycluster-quickstart   ready" "$tmp/table" && break
  sleep 0.1
done
expect_contains "$tmp/table" "raycluster/raycluster-quickstart   ready   2/2" "status table"
run 0 "status --watch --timeout 2s" status --watch --timeout 2s
expect_contains "$tmp/out" "NAME " "the watch's header"
[ "$(grep -c raycluster-quickstart "$tmp/out")" = 1 ] || fail "an unchanging object is one line"
run 0 "status --watch -o json" status --watch --timeout 1s -o json
expect_contains "$tmp/out" '"type":"ADDED"' "a JSON line per object"
run 2 "status --watch -o yaml" status --watch -o yaml
expect_contains "$tmp/err" "-o yaml cannot be streamed" "yaml with --watch"

# Completion of names from the cluster, as kubectl completes them.
"$KRAYCTL" __complete status raycluster/ >"$tmp/complete" 2>&1
expect_contains "$tmp/complete" "raycluster/raycluster-quickstart" "names completed from the cluster"
"$KRAYCTL" __complete delete raycluster "" >"$tmp/complete" 2>&1
expect_contains "$tmp/complete" "raycluster-quickstart" "names after a type word"

# delete: only what krayctl manages; --wait until gone.
run 0 "delete --wait" delete raycluster/raycluster-quickstart --wait --timeout 30s
expect_contains "$tmp/out" "raycluster.ray.io/raycluster-quickstart deleted" "delete output"
run 4 "gone" status raycluster/raycluster-quickstart

# delete --wait of several targets, the first held by a finalizer: its watch
# is stopped at the DELETED event and the next DELETE goes out on a new
# connection (issue 12, item 2: that TLS resumption was refused).
cat >"$tmp/held.yaml" <<'EOF2'
apiVersion: v1
kind: ConfigMap
metadata: {name: held, finalizers: [example.com/hold]}
data: {a: "1"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: free}
data: {a: "1"}
EOF2
run 0 "apply two ConfigMaps, one with a finalizer" apply "$tmp/held.yaml"
"$KRAYCTL" -v delete configmap/held configmap/free --wait --timeout 30s >"$tmp/del.out" 2>"$tmp/del.err" &
del_pid=$!
# The held one's list is done: the watch resumes from its resourceVersion,
# so the release below reaches it as a DELETED event however late the watch
# starts. (A watch is logged when it ends: at its timeoutSeconds, real
# seconds whatever --speed says, or at that event.)
for _ in $(seq 100); do grep -q "fieldSelector=metadata.name%3Dheld" "$tmp/del.err" && break; sleep 0.1; done
grep -q "fieldSelector=metadata.name%3Dheld" "$tmp/del.err" || fail "delete --wait never listed: $(cat "$tmp/del.err")"
sed '/finalizers/s/, finalizers: \[example.com\/hold\]//' "$tmp/held.yaml" >"$tmp/released.yaml"
run 0 "release the finalizer" apply "$tmp/released.yaml"
wait "$del_pid"
del_rc=$?
cat "$tmp/del.out" "$tmp/del.err" >>"$all"
[ "$del_rc" = 0 ] || fail "delete --wait of two targets: exit $del_rc: $(tail -3 "$tmp/del.err")"
grep -q "watch=true" "$tmp/del.err" || fail "delete --wait never watched: $(cat "$tmp/del.err")"
expect_contains "$tmp/del.out" "configmap/free deleted" "the second target deleted"

# Bad kubeconfigs: exit 4, one message, nothing else.
run 4 "a missing kubeconfig" --kubeconfig "$tmp/nope" status
expect_contains "$tmp/err" "$tmp/nope" "names the file"
printf 'apiVersion: v1\nclusters:\n- name: x\n  cluster: [unclosed\n' >"$tmp/garbled"
run 4 "a garbled kubeconfig" --kubeconfig "$tmp/garbled" status
grep -qE "garbled:[0-9]+:[0-9]+: " "$tmp/err" || fail "file:line:col of the garbled kubeconfig: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" -le 3 ] || fail "one message, not a wall: $(cat "$tmp/err")"
run 4 "an unknown context" --context nope status
expect_contains "$tmp/err" 'context "nope"' "names the context"
sed "s|server: https://127.0.0.1:[0-9]*|server: https://127.0.0.1:1|" "$kc" >"$tmp/unreachable"
run 4 "an unreachable server" --kubeconfig "$tmp/unreachable" status
expect_contains "$tmp/err" "cannot connect to the API server at https://127.0.0.1:1" "unreachable"
python3 - "$kc" "$tmp/wrongca" <<'PY' || fail "could not write the wrong-CA kubeconfig"
import sys, re
text = open(sys.argv[1]).read()
# Another CA: the client certificate's own data, which is not a CA of the server.
cert = re.search(r"client-certificate-data: (\S+)", text).group(1)
open(sys.argv[2], "w").write(re.sub(r"certificate-authority-data: \S+",
                                    "certificate-authority-data: " + cert, text))
PY
run 4 "a wrong CA" --kubeconfig "$tmp/wrongca" status
expect_contains "$tmp/err" "cannot trust the API server" "wrong CA"

# An exec plugin that hands out the token user's token; -vvv traces.
token=$(sed -n '/- name: token/,/- name: viewer/s/ *token: //p' "$kc" | head -1)
[ -n "$token" ] || fail "no token in the fakekube kubeconfig"
cat >"$tmp/plugin.sh" <<EOF
#!/bin/sh
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$token"
EOF
chmod +x "$tmp/plugin.sh"
python3 - "$kc" "$tmp/exec" "$tmp/plugin.sh" <<'PY' || fail "could not write the exec kubeconfig"
import sys
text = open(sys.argv[1]).read()
text = text.replace("current-context: fakekube\n", "current-context: fakekube-exec\n")
text = text.replace("contexts:\n", "contexts:\n- name: fakekube-exec\n  context:\n    cluster: fakekube\n"
                    "    user: exec\n    namespace: default\n", 1)
text = text.replace("users:\n", "users:\n- name: exec\n  user:\n    exec:\n      apiVersion: "
                    "client.authentication.k8s.io/v1\n      command: " + sys.argv[3] +
                    "\n      interactiveMode: Never\n", 1)
open(sys.argv[2], "w").write(text)
PY
run 0 "apply -vvv as the exec user" --kubeconfig "$tmp/exec" -vvv apply examples/quickstart.yaml
expect_contains "$tmp/err" "Authorization: Bearer <masked>" "-vvv shows the header, masked"
expect_contains "$tmp/err" "PATCH https://127.0.0.1:" "-vvv shows the requests"
expect_contains "$tmp/err" "Response body:" "-vvv shows bodies"
run 0 "status -vv with the token user" --context fakekube-token -vv status
run 0 "status -vvv --watch as admin" -vvv status --watch --timeout 1s
run 0 "config view --raw is the one place credentials are asked for" config view
run 0 "delete -vvv" --kubeconfig "$tmp/exec" -vvv delete raycluster/raycluster-quickstart --wait

# No credential anywhere in what krayctl printed.
secrets="$tmp/secrets"
{
  echo "$token"
  sed -n '/- name: viewer/,/contexts:/s/ *token: //p' "$kc"
  sed -n 's/ *client-key-data: //p' "$kc"
  # The decoded key's base64 lines, which a careless trace would print.
  sed -n 's/ *client-key-data: //p' "$kc" | base64 -d | grep -v -- '-----'
} | grep -v '^$' >"$secrets"
[ "$(wc -l <"$secrets")" -ge 4 ] || fail "too few secrets collected: $(wc -l <"$secrets")"
[ -s "$all" ] || fail "no output captured"
if grep -qF -f "$secrets" "$all"; then
  fail "a credential appears in krayctl's output: $(grep -nF -f "$secrets" "$all" | cut -c1-60 | head -3)"
fi
finish
