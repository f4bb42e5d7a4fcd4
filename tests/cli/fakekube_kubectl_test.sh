#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The real kubectl against the fakekube binary (issue 4): discovery, nodes,
# server-side apply of a KubeRay sample (again: no change; a conflict with
# another field manager; --force-conflicts), a watch, logs, RBAC for the
# read-only and token users, graceful and forced Pod deletion, delete, and a
# clean stop on SIGTERM. kubectl
# is the honest client here: what it accepts, a real API server answered.
source "$(dirname "$0")/lib.sh"
: "${FAKEKUBE:?set FAKEKUBE to the fakekube binary}"
command -v kubectl >/dev/null || skip "kubectl is not installed"
command -v python3 >/dev/null || skip "python3 is not installed (used to compare JSON)"

start_fakekube --nodes 2x8gpu,1xcpu --speed 20
expect_contains "$tmp/server.out" "fakekube: serving https://127.0.0.1:" "startup line"

k() { kubectl --request-timeout=20s "$@"; }
json_get() {  # json_get FILE PYTHON-EXPRESSION-ON-d
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# Discovery and nodes.
expect_rc 0 "get --raw /apis/ray.io/v1" k get --raw /apis/ray.io/v1
expect_contains "$tmp/out" '"name":"rayclusters/status"' "ray.io discovery"
expect_rc 0 "get nodes" k get nodes -o json
cp "$tmp/out" "$tmp/nodes.json"
[ "$(json_get "$tmp/nodes.json" 'len(d["items"])')" = 3 ] || fail "3 nodes expected"
[ "$(json_get "$tmp/nodes.json" '[n for n in d["items"] if n["metadata"]["name"] == "gpu-node-0"][0]["status"]["capacity"]["nvidia.com/gpu"]')" = 8 ] ||
  fail "an 8gpu node has 8 nvidia.com/gpu"

# Server-side apply of a real KubeRay sample.
sample=tests/data/kuberay-v1.6.2/samples/ray-cluster.complete.yaml
expect_rc 0 "apply --server-side" k apply --server-side -f "$sample"
expect_contains "$tmp/out" "raycluster.ray.io/raycluster-complete serverside-applied" "apply output"
k get raycluster raycluster-complete -o json >"$tmp/rc1.json" || fail "get after apply"
expect_rc 0 "apply again" k apply --server-side -f "$sample"
k get raycluster raycluster-complete -o json >"$tmp/rc2.json"
# The operator writes status meanwhile (the head's probes pass over
# simulated seconds), so the resourceVersion may move: what must not is the
# object's generation and the applier's managed fields entry.
applied='[(d["metadata"]["generation"], m["time"], m["fieldsV1"]) for m in d["metadata"]["managedFields"] if m["operation"] == "Apply"]'
[ "$(json_get "$tmp/rc1.json" "$applied")" = "$(json_get "$tmp/rc2.json" "$applied")" ] ||
  fail "an unchanged apply must not write (generation or the Apply entry moved)"
# Everything the sample has is stored (the CRD's defaults may add fields,
# as ports' protocol: TCP; nothing is pruned).
python3 - "$sample" "$tmp/rc1.json" <<'PY' || fail "the stored spec is not the sample's"
import json, sys, yaml
def within(part, whole):
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(k in whole and within(v, whole[k]) for k, v in part.items())
    if isinstance(part, list):
        return isinstance(whole, list) and len(part) == len(whole) and all(map(within, part, whole))
    return part == whole
want = yaml.safe_load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))
sys.exit(0 if within(want["spec"], got["spec"]) else 1)
PY
k get raycluster raycluster-complete -o json --show-managed-fields >"$tmp/mf.json"
[ "$(json_get "$tmp/mf.json" 'd["metadata"]["managedFields"][0]["manager"]')" = kubectl ] ||
  fail "kubectl's field manager is recorded"

# Another manager changes a field kubectl applied: apply conflicts, force wins.
expect_rc 0 "patch by another manager" \
  k patch raycluster raycluster-complete --type=merge --field-manager=other \
  -p '{"spec":{"rayVersion":"2.0.0"}}'
expect_rc 1 "apply over another manager's field" k apply --server-side -f "$sample"
expect_contains "$tmp/err" 'conflict with "other"' "conflict message"
expect_contains "$tmp/err" ".spec.rayVersion" "conflict field"
expect_rc 0 "apply --force-conflicts" k apply --server-side --force-conflicts -f "$sample"

# A watch sees pods come and go.
cat >"$tmp/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: watched}
spec: {containers: [{name: main, image: busybox}]}
YAML
# Bounded waits on what the watch printed, not sleeps: under a sanitizer
# kubectl may take seconds to start (a one-second sleep flaked there).
timeout 60 kubectl get pods --watch --output-watch-events -o json >"$tmp/watch.out" 2>"$tmp/watch.err" &
watch_pid=$!
for _ in $(seq 200); do grep -q '"ADDED"' "$tmp/watch.out" && break; sleep 0.1; done  # the head's Pod
expect_rc 0 "create a pod" k create -f "$tmp/pod.yaml"
expect_rc 0 "label it" k label pod watched stage=one
expect_rc 0 "delete it" k delete pod watched --wait=false
for _ in $(seq 200); do
  grep -q '"DELETED"' "$tmp/watch.out" && grep -qE '"stage": ?"one"' "$tmp/watch.out" && break
  sleep 0.1
done
kill "$watch_pid" 2>/dev/null
wait "$watch_pid" 2>/dev/null
python3 - "$tmp/watch.out" <<'PY' || fail "watch events: $(head -c 600 "$tmp/watch.out")"
import json, sys
text = open(sys.argv[1]).read()
dec, i, types = json.JSONDecoder(), 0, []
while i < len(text):
    if text[i].isspace():
        i += 1
        continue
    obj, i = dec.raw_decode(text, i)
    if obj["object"]["metadata"]["name"] == "watched":  # not the cluster's own Pods
        types.append(obj["type"])
# ADDED, then changes (the label, the scheduler, the kubelet), then DELETED.
sys.exit(0 if types[0] == "ADDED" and types[-1] == "DELETED" and "MODIFIED" in types else 1)
PY

# Graceful deletion: a Pod whose container ignores SIGTERM stays, with a
# deletionTimestamp, until its grace period ends (120 s on a clock 20 times
# fast); `kubectl delete` waits until it is gone. --force --grace-period=0
# removes one at once.
cat >"$tmp/slow.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: slow, annotations: {fakekube.io/sigterm: ignore}}
spec: {terminationGracePeriodSeconds: 120, containers: [{name: main, image: busybox}]}
YAML
wait_running() {  # wait_running POD
  for _ in $(seq 100); do
    [ "$(k get pod "$1" -o jsonpath='{.status.phase}' 2>/dev/null)" = Running ] && return 0
    sleep 0.1
  done
  fail "pod $1 is not Running"
}
expect_rc 0 "create a pod that ignores SIGTERM" k create -f "$tmp/slow.yaml"
wait_running slow
expect_rc 0 "delete it without waiting" k delete pod slow --wait=false
expect_rc 0 "get the terminating pod" k get pod slow -o jsonpath='{.metadata.deletionGracePeriodSeconds}'
expect_contains "$tmp/out" "120" "deletionGracePeriodSeconds"
expect_rc 1 "re-create while it terminates" k create -f "$tmp/slow.yaml"
expect_contains "$tmp/err" 'object is being deleted: pods "slow" already exists' "AlreadyExists while terminating"
expect_rc 0 "delete waits until it is gone" k delete pod slow
expect_rc 1 "get after the wait" k get pod slow
expect_contains "$tmp/err" 'pods "slow" not found' "gone after kubectl's wait"
expect_rc 0 "create it again" k create -f "$tmp/slow.yaml"
wait_running slow
expect_rc 0 "force delete" k delete pod slow --force --grace-period=0
expect_rc 1 "get after force delete" k get pod slow
expect_contains "$tmp/err" 'pods "slow" not found' "gone at once"

# A pod no node can take: Unschedulable with the scheduler's message, and
# its logs refused as the real server refuses them.
cat >"$tmp/stuck.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: stuck}
spec:
  containers:
  - name: main
    image: busybox
    resources: {limits: {nvidia.com/gpu: "16"}}
YAML
expect_rc 0 "create an unschedulable pod" k create -f "$tmp/stuck.yaml"
for _ in $(seq 50); do
  k get pod stuck -o jsonpath='{.status.conditions[0].reason}' >"$tmp/reason" 2>/dev/null
  grep -q Unschedulable "$tmp/reason" && break
  sleep 0.1
done
expect_rc 0 "get the pending pod" k get pod stuck -o jsonpath='{.status.conditions[0].message}'
expect_contains "$tmp/out" "0/3 nodes are available: 3 Insufficient nvidia.com/gpu." "unschedulable message"
expect_rc 1 "logs of a waiting container" k logs stuck
expect_contains "$tmp/err" 'is waiting to start: ContainerCreating' "logs message"
expect_rc 0 "events" k get events --field-selector involvedObject.name=stuck -o json
expect_contains "$tmp/out" '"reason": "FailedScheduling"' "FailedScheduling event"

# The kubelet reads what a container needs and runs: a missing Secret
# stalls it (the waiting reason, and describe shows why); `ray start`
# without --block exits, so the Pod restarts and is never ready, and the
# previous run's log is there for `kubectl logs --previous`.
cat >"$tmp/kubelet.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: secretless}
spec:
  containers:
  - name: main
    image: busybox
    env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: creds, key: token}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: noblock}
spec:
  containers:
  - name: ray-head
    image: rayproject/ray:2.52.0
    command: [/bin/bash, -c, --]
    args: ["ulimit -n 65536; ray start --head --dashboard-host=0.0.0.0 --num-cpus=1"]
YAML
expect_rc 0 "create the kubelet pods" k create -f "$tmp/kubelet.yaml"
for _ in $(seq 100); do
  k get pod secretless noblock -o jsonpath='{range .items[*]}{.status.containerStatuses[0].state.waiting.reason}/{.status.containerStatuses[0].restartCount} {end}' >"$tmp/status" 2>/dev/null
  grep -q 'CreateContainerConfigError/0 .*/[1-9]' "$tmp/status" && break
  sleep 0.1
done
expect_rc 0 "get the stalled pod" k get pod secretless -o jsonpath='{.status.containerStatuses[0].state.waiting}'
expect_contains "$tmp/out" '"reason":"CreateContainerConfigError"' "a Pod missing its Secret waits"
expect_rc 0 "describe it" k describe pod secretless
expect_contains "$tmp/out" 'Error: secret "creds" not found' "describe shows the kubelet's event"
expect_rc 0 "logs of the previous run" k logs noblock --previous
expect_contains "$tmp/out" "Ray runtime started." "ray start's lines in the previous log"
expect_rc 0 "ready column" k get pod noblock -o jsonpath='{.status.containerStatuses[0].ready}'
expect_contains "$tmp/out" "false" "a ray start without --block is never ready"

# The operator brings the applied cluster up: head and worker pods run, the
# sticky state is ready.
for _ in $(seq 100); do
  [ "$(k get raycluster raycluster-complete -o jsonpath='{.status.state}' 2>/dev/null)" = ready ] && break
  sleep 0.1
done
expect_rc 0 "cluster state" k get raycluster raycluster-complete -o jsonpath='{.status.state}'
expect_contains "$tmp/out" "ready" "RayCluster state"
expect_rc 0 "ray pods" k get pods -l ray.io/cluster=raycluster-complete -o jsonpath='{range .items[*]}{.metadata.labels.ray\.io/node-type}={.status.phase}{"\n"}{end}'
expect_contains "$tmp/out" "head=Running" "head pod running"
expect_contains "$tmp/out" "worker=Running" "worker pod running"

# AGE is the wall clock's: --speed 20 makes the simulation act faster, it
# does not move creationTimestamp into the future (kubectl shows <invalid>).
expect_rc 0 "get pods (table)" k get pods -l ray.io/cluster=raycluster-complete
expect_contains "$tmp/out" "AGE" "AGE column"
if grep -q "<invalid>" "$tmp/out"; then fail "AGE <invalid>: $(cat "$tmp/out")"; fi

# Endpoints and EndpointSlices of the head Service, the dashboard through
# the service proxy (the head Pod's port, reached through its endpoints).
svc=raycluster-complete-head-svc
expect_rc 0 "get endpoints" k get endpoints "$svc" -o jsonpath='{.subsets[0].addresses[0].targetRef.name}'
expect_contains "$tmp/out" "raycluster-complete-head-" "the head Pod is the Service's endpoint"
expect_rc 0 "get endpoints (table)" k get endpoints "$svc"
expect_contains "$tmp/out" "$svc" "endpoints listed"
expect_rc 0 "get endpointslices" k get endpointslices -l "kubernetes.io/service-name=$svc" \
  -o jsonpath='{.items[0].endpoints[0].conditions.ready} {.items[0].metadata.labels.endpointslice\.kubernetes\.io/managed-by}'
expect_contains "$tmp/out" "true endpointslice-controller.k8s.io" "endpointslice ready, managed by the controller"
expect_rc 0 "get --raw through the service proxy" \
  k get --raw "/api/v1/namespaces/default/services/$svc:dashboard/proxy/api/version"
expect_contains "$tmp/out" '"ray_version"' "the dashboard answers through the proxy"
expect_rc 0 "get --raw with the port number" \
  k get --raw "/api/v1/namespaces/default/services/$svc:8265/proxy/api/version"
expect_rc 1 "a port the endpoints lack" \
  k get --raw "/api/v1/namespaces/default/services/$svc:nosuch/proxy/api/version"
expect_contains "$tmp/err" "no endpoints available for service \"$svc:nosuch\"" "503 message"

# RBAC: the read-only user reads and is refused writes; the token user writes.
expect_rc 0 "viewer reads" k --context fakekube-viewer get rayclusters
expect_rc 1 "viewer deletes" k --context fakekube-viewer delete raycluster raycluster-complete
expect_contains "$tmp/err" 'User "viewer" cannot delete resource "rayclusters" in API group "ray.io"' \
  "403 message"
expect_rc 0 "token user writes" k --context fakekube-token label raycluster raycluster-complete x=y

# Bad input: a name that breaks DNS rules, a namespace that does not exist.
expect_rc 1 "invalid name" k create configmap Bad_Name
expect_contains "$tmp/err" "Invalid value: \"Bad_Name\"" "422 message"
expect_rc 1 "missing namespace" k -n nowhere create configmap cm
expect_contains "$tmp/err" 'namespaces "nowhere" not found' "404 namespace"

# Validation as the API server's: an invalid Pod gets its 422 message, a
# typo under --validate=strict its 400 naming the field, a Pod's command
# cannot change.
cat >"$tmp/invalid.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: invalid}
spec:
  restartPolicy: Sometimes
  containers: [{name: main, image: busybox}]
YAML
expect_rc 1 "create an invalid pod" k create -f "$tmp/invalid.yaml"
expect_contains "$tmp/err" 'The Pod "invalid" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"' \
  "422 message of validation"
cat >"$tmp/typo.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: typo}
spec:
  containers: [{name: main, image: busybox, comand: [sleep, "1"]}]
YAML
expect_rc 1 "apply --validate=strict of a typo" k apply --validate=strict -f "$tmp/typo.yaml"
expect_contains "$tmp/err" 'strict decoding error: unknown field "spec.containers[0].comand"' \
  "strict field validation"
expect_rc 1 "the typo was not stored" k get pod typo
expect_rc 0 "apply --validate=warn of a typo" k apply --validate=warn -f "$tmp/typo.yaml"
expect_contains "$tmp/err" 'unknown field "spec.containers[0].comand"' "field validation warning"
expect_rc 1 "patch a pod's command" k patch pod typo --type=merge \
  -p '{"spec":{"containers":[{"name":"main","image":"busybox","command":["true"]}]}}'
expect_contains "$tmp/err" 'spec: Forbidden: pod updates may not change fields other than' \
  "immutable pod spec"

# A RayCluster against its CRD's schema: a misspelled field fails kubectl's
# strict validation with the server's 400, is dropped with a warning under
# --validate=warn; a wrong type is 422.
cat >"$tmp/typo.yaml" <<'YAML'
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: typo
spec:
  headGroupSpec:
    rayStartParam: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.52.0
YAML
expect_rc 1 "apply --validate=strict, a misspelled field" k apply --validate=strict -f "$tmp/typo.yaml"
expect_contains "$tmp/err" 'strict decoding error: unknown field "spec.headGroupSpec.rayStartParam"' \
  "strict decoding error"
expect_rc 0 "apply --validate=warn, a misspelled field" k apply --validate=warn -f "$tmp/typo.yaml"
expect_contains "$tmp/err" 'Warning: unknown field "spec.headGroupSpec.rayStartParam"' "unknown field warning"
sed -e 's/name: typo/name: typed/' -e 's/rayStartParam: {}/rayStartParams: {num-cpus: 1}/' \
  "$tmp/typo.yaml" >"$tmp/typed.yaml"
expect_rc 1 "create, a number for a string" k create -f "$tmp/typed.yaml"
expect_contains "$tmp/err" 'The RayCluster "typed" is invalid' "422 for a custom resource"
expect_contains "$tmp/err" \
  'spec.headGroupSpec.rayStartParams.num-cpus in body must be of type string: "integer"' "type message"

# Delete, and the object is gone.
expect_rc 0 "delete" k delete raycluster raycluster-complete
expect_rc 1 "get after delete" k get raycluster raycluster-complete
expect_contains "$tmp/err" 'rayclusters.ray.io "raycluster-complete" not found' "NotFound"

# --fault: a bad one exits 2 with one message; a good one acts.
expect_rc 2 "a bad --fault" "$FAKEKUBE" --kubeconfig-out "$tmp/kc2" --fault gone-after=0
expect_contains "$tmp/err" 'fakekube: --fault: fault "gone-after=0": N must be a whole number of 1 or more' \
  "--fault message"
[ ! -e "$tmp/kc2" ] || fail "no kubeconfig after a bad --fault"
expect_rc 2 "a bad dashboard fault" "$FAKEKUBE" --kubeconfig-out "$tmp/kc2" \
  --fault dashboard-unavailable=x
expect_contains "$tmp/err" "dashboard-unavailable takes a count of requests" \
  "--fault dashboard-unavailable message"
[ ! -e "$tmp/kc2" ] || fail "no kubeconfig after a bad dashboard fault"
"$FAKEKUBE" --kubeconfig-out "$tmp/kc2" --nodes 1xcpu --fault 'warning=fakekube says hello' \
  --fault status=503:GET:/api/v1/namespaces/default/configmaps:1 >"$tmp/server2.out" 2>&1 &
server2_pid=$!
for _ in $(seq 100); do [ -s "$tmp/kc2" ] && break; sleep 0.1; done
expect_rc 1 "a 503 from --fault status=" kubectl --kubeconfig "$tmp/kc2" get configmaps
expect_rc 0 "spent after one" kubectl --kubeconfig "$tmp/kc2" get configmaps
expect_contains "$tmp/err" "Warning: fakekube says hello" "--fault warning="
kill "$server2_pid" 2>/dev/null
wait "$server2_pid" 2>/dev/null

# SIGTERM stops it cleanly.
kill -TERM "$server_pid"
wait "$server_pid"
rc=$?
server_pid=""
[ "$rc" -eq 0 ] || fail "fakekube exit code after SIGTERM: $rc"
expect_contains "$tmp/server.out" "fakekube: stopping" "stop line"
finish
