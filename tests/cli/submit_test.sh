#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# krayctl submit through the binary, against the fakekube binary (API
# server, KubeRay operator, scheduler, kubelet and Ray dashboard
# simulated): exit codes, the driver log on stdout and nothing else there,
# and Ctrl-C as a terminal sends it (a real SIGINT to the process): the
# first leaves the job running and says how to come back, or with
# --cancel-on-interrupt deletes it (a second SIGINT: tests/unit/io).
source "$(dirname "$0")/lib.sh"
: "${FAKEKUBE:?set FAKEKUBE to the fakekube binary}"

cat >"$tmp/scenario.yaml" <<'YAML'
jobs:
- match: long.py
  runSeconds: 6000
  logs: ["step 1"]
- match: fail.py
  status: FAILED
  logs: ["loading data", "Traceback (most recent call last):", "RuntimeError: out of shards"]
- match: ok.py
  logs: ["hello from the driver"]
YAML
start_fakekube --nodes 2x8gpu,1xcpu --speed 30 --scenario "$tmp/scenario.yaml"

spec() {  # spec NAME ENTRYPOINT: a small CPU RayJob spec
  printf 'kind: RayJob\nname: %s\nhead: {cpu: 1, memory: 2Gi}\njob:\n  entrypoint: python %s\n' \
    "$1" "$2" >"$tmp/$1.yaml"
}

# Success: exit 0, the driver log on stdout, the result on stderr.
spec ok ok.py
expect_rc 0 "submit of a job that succeeds" "$KRAYCTL" submit "$tmp/ok.yaml" --timeout 2m
expect_contains "$tmp/out" "hello from the driver" "the driver log on stdout"
expect_contains "$tmp/err" "rayjob/ok SUCCEEDED" "the result on stderr"
grep -q "rayjob/ok " "$tmp/out" && fail "krayctl's own lines stay off stdout: $(head -c 300 "$tmp/out")"

# Run again: refused (finished), then under a suffix.
expect_rc 2 "submit of a finished RayJob" "$KRAYCTL" submit "$tmp/ok.yaml"
expect_contains "$tmp/err" "--name-suffix auto" "how to run it again"
expect_rc 0 "submit --name-suffix auto" "$KRAYCTL" submit "$tmp/ok.yaml" --name-suffix auto \
  -o json
tail -n 1 "$tmp/out" | grep -q '"result":"SUCCEEDED"' || fail "-o json: the summary last: $(tail -c 300 "$tmp/out")"

# Failure: exit 1, Ray's message, the traceback on stdout.
spec bad fail.py
expect_rc 1 "submit of a job that fails" "$KRAYCTL" submit "$tmp/bad.yaml" --timeout 2m \
  --junit "$tmp/junit.xml"
expect_contains "$tmp/out" "RuntimeError: out of shards" "the traceback on stdout"
expect_contains "$tmp/err" "rayjob/bad FAILED" "the result"
expect_contains "$tmp/junit.xml" "<failure" "the JUnit failure"

# Timeout: exit 3, the job runs on.
spec slow long.py
expect_rc 3 "submit --timeout 3s" "$KRAYCTL" submit "$tmp/slow.yaml" --timeout 3s
expect_contains "$tmp/err" "timed out after 3s" "the timeout named"
expect_contains "$tmp/err" "It keeps running" "the job left running"

# Ctrl-C: the first SIGINT leaves the job running and says how to come back.
spec long long.py
"$KRAYCTL" submit "$tmp/long.yaml" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 200); do grep -q "Ray job RUNNING" "$tmp/err" && break; sleep 0.05; done
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" = 130 ] || fail "SIGINT: exit $rc, want 130: $(tail -c 400 "$tmp/err")"
expect_contains "$tmp/err" "keeps running" "how to come back"
"$KRAYCTL" status rayjob/long >"$tmp/status" 2>&1 || true
expect_contains "$tmp/status" "Running" "the job still runs after Ctrl-C"

# --cancel-on-interrupt: the RayJob is deleted (and waited for).
"$KRAYCTL" submit "$tmp/long.yaml" --name-suffix three --cancel-on-interrupt \
  >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 200); do grep -q "Ray job RUNNING" "$tmp/err" && break; sleep 0.05; done
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" = 130 ] || fail "SIGINT with --cancel-on-interrupt: exit $rc, want 130"
expect_contains "$tmp/err" "rayjob/long-three deleted" "the RayJob deleted"

finish
