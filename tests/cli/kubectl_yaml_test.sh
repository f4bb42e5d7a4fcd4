#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# kubectl (a YAML 1.1 reader: sigs.k8s.io/yaml over go-yaml v2) reads
# krayctl's YAML into exactly the JSON krayctl means, for every example and
# for strings that YAML readers like to turn into booleans and numbers.
source "$(dirname "$0")/lib.sh"
command -v kubectl >/dev/null || skip "kubectl is not installed"
command -v python3 >/dev/null || skip "python3 is not installed (used to compare JSON)"
export KUBECONFIG="$tmp/none"

# kubectl_json FILE: how kubectl reads a manifest (removing a label that is
# not there changes nothing; --local needs no cluster).
kubectl_json() { kubectl label --local -f "$1" krayctl-test-none- -o json; }

same_json() {
  python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if a==b else 1)' "$1" "$2"
}

for example in examples/*.yaml; do
  "$KRAYCTL" render "$example" >"$tmp/m.yaml" || { fail "render $example"; continue; }
  "$KRAYCTL" render "$example" -o json >"$tmp/krayctl.json"
  kubectl_json "$tmp/m.yaml" >"$tmp/kubectl.json" || { fail "kubectl cannot read $example"; continue; }
  same_json "$tmp/krayctl.json" "$tmp/kubectl.json" || fail "$example: kubectl reads different JSON"
done

# Strings that must stay strings, as env values and labels.
cat >"$tmp/tricky.yaml" <<'SPEC'
name: tricky
labels: {a: "on", b: "yes", c: "y", d: "no", e: "1e3", f: "0x10", g: "08", h: "2.55.1", i: "8", j: "0o17", k: "1_000", l: "true", m: "null", "n": "0b11"}
head:
  env:
    A: "on"
    B: "yes"
    C: "y"
    D: "no"
    E: "1e3"
    F: "0x10"
    G: "08"
    H: "2.55.1"
    I: "8"
    J: ""
    K: "~"
    L: "1:20"
    M: "2001-12-14"
    "N": ".5"
    O: "-1"
    P: "a: b"
    Q: "#x"
    R: "multi\nline\n"
    S: " leading"
    T: "tab\there"
    U: "quote\"and\\backslash"
    V: "ünïcödé"
    W: "=mlx5_0"
    X: "^mlx5_2"
    "Y": "*"
    Z: "Off"
SPEC
"$KRAYCTL" render "$tmp/tricky.yaml" >"$tmp/t.yaml" || fail "render tricky"
"$KRAYCTL" render "$tmp/tricky.yaml" -o json >"$tmp/krayctl.json"
kubectl_json "$tmp/t.yaml" >"$tmp/kubectl.json" || fail "kubectl cannot read tricky output"
same_json "$tmp/krayctl.json" "$tmp/kubectl.json" || {
  fail "tricky strings: kubectl reads different JSON"
  diff <(python3 -m json.tool --sort-keys "$tmp/krayctl.json") <(python3 -m json.tool --sort-keys "$tmp/kubectl.json") >&2
}
# and every value really is the string we wrote
python3 - "$tmp/kubectl.json" <<'PY' || fail "tricky strings lost their type"
import json, sys
m = json.load(open(sys.argv[1]))
env = {e["name"]: e["value"] for e in m["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["env"]}
want = {"A": "on", "B": "yes", "C": "y", "D": "no", "E": "1e3", "F": "0x10", "G": "08", "H": "2.55.1",
        "I": "8", "J": "", "K": "~", "L": "1:20", "M": "2001-12-14", "N": ".5", "O": "-1", "P": "a: b",
        "Q": "#x", "R": "multi\nline\n", "S": " leading", "T": "tab\there", "U": "quote\"and\\backslash",
        "V": "ünïcödé", "W": "=mlx5_0", "X": "^mlx5_2", "Y": "*", "Z": "Off"}
bad = {k: (env.get(k), v) for k, v in want.items() if env.get(k) != v}
labels = m["metadata"]["labels"]
bad.update({k: (labels.get(k), "string") for k in "abcdefghijklmn" if not isinstance(labels.get(k), str)})
if bad:
    print(bad, file=sys.stderr)
    sys.exit(1)
PY
finish
