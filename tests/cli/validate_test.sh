#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Black-box tests of `krayctl validate`: the KubeRay samples, the report
# formats, exit codes, stdin, directories and silencing.
source "$(dirname "$0")/lib.sh"
samples=tests/data/kuberay-v1.6.2/samples

# Every KubeRay v1.6.2 sample validates with zero errors (warnings are fine):
# a new false error anywhere in the corpus fails here.
expect_rc 0 "samples" "$KRAYCTL" validate "$samples" -o json
python3 - "$tmp/out" <<'PY' || fail "samples: report"
import json, sys
r = json.load(open(sys.argv[1]))
errors = [d for d in r["diagnostics"] if d["severity"] == "error"]
for d in errors:
    print(f"{d['file']}:{d['line']}:{d['column']}: {d['message']}", file=sys.stderr)
assert r["errors"] == 0 and not errors, "false errors on the samples"
assert r["files"] == 58, r["files"]
assert r["objects"] == 55, r["objects"]
assert r["skipped"] == 55, r["skipped"]
PY

# The seed document's manifests carry its failure modes (RDMA without
# IPC_LOCK, serving without GCS FT; no /dev/shm of their own, which the
# KubeRay v1.6.2 operator adds, so not a failure there); the compact specs
# for the same workloads render manifests without them.
expect_rc 0 "seed manifests" "$KRAYCTL" validate -o json tests/data/seed
python3 - "$tmp/out" <<'PY' || fail "seed lints"
import json, sys
r = json.load(open(sys.argv[1]))
found = sorted((d["file"].split("/")[-1], d["rule"]) for d in r["diagnostics"])
want = sorted([("rayjob-rl-train.yaml", "rdma-without-ipc-lock"),
               ("rayservice-qwen3-serve.yaml", "no-gcs-ft")])
assert found == want, found
PY
expect_rc 0 "seed specs" "$KRAYCTL" validate --strict examples/rl-train.yaml examples/qwen3-serve.yaml
expect_contains "$tmp/out" "2 KubeRay objects in 2 files: no problems" "seed specs are clean"
# Every example passes --strict: what the project shows is what it asks for.
expect_rc 0 "examples --strict" "$KRAYCTL" validate --strict examples
expect_contains "$tmp/out" ": no problems" "examples are clean"

# Text: one line per problem, a summary; exit 2 on errors, nothing sent.
cat >"$tmp/bad.yaml" <<'YAML'
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: demo
spec:
  rayVersion: "2.55.1"
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
          - name: ray-head
            image: rayproject/ray:2.55.1
  workerGroupSpecs:
    - groupName: gpu
      minReplicas: 4
      maxReplicas: 2
      template:
        spec:
          containers:
            - name: ray-worker
              image: rayproject/ray:2.55.1
              resources:
                limits: {nvidia.com/gpu: 8}
                requests: {nvidia.com/gpu: 4}
---
apiVersion: v1
kind: Service
metadata: {name: not-ray}
YAML
expect_rc 1 "errors exit 1" "$KRAYCTL" validate "$tmp/bad.yaml"
expect_contains "$tmp/out" "bad.yaml:16:20: error[kuberay]: worker group gpu has minReplicas 4 greater than maxReplicas 2 (spec.workerGroupSpecs[0].minReplicas)" "text line"
expect_contains "$tmp/out" "error[resource-requests-limits]" "lint"
expect_contains "$tmp/out" "error[resource-requests-limits]" "error lint"
expect_contains "$tmp/out" "1 KubeRay object in 1 file (1 document skipped: not KubeRay): 2 errors" "summary"
expect_empty "$tmp/err" "errors: stderr"

# A typo in a ray.io kind or version is what the API server refuses ("no
# matches for kind"), not "not KubeRay" (issue 13, item 1).
for bad in "ray.io/v1 RayClusterr RayCluster" "ray.io/v1 raycluster RayCluster" \
           "ray.io/V1 RayCluster ray.io/v1" "ray.io/v2 RayJob ray.io/v1"; do
  set -- $bad
  printf 'apiVersion: %s\nkind: %s\nmetadata: {name: x}\n' "$1" "$2" >"$tmp/kind.yaml"
  expect_rc 1 "$1 $2" "$KRAYCTL" validate "$tmp/kind.yaml"
  expect_contains "$tmp/out" "error[schema]: no matches for kind '$2' in version '$1'" "$1 $2 refused"
  expect_contains "$tmp/out" "did you mean '$3'?" "$1 $2: the closest"
done
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' >"$tmp/cm.yaml"
expect_rc 0 "another group is skipped" "$KRAYCTL" validate --strict "$tmp/cm.yaml"

# Files with no document are skipped, as kubectl skips them (issue 13, item 3).
: >"$tmp/empty.yaml"
printf '# only a comment\n' >"$tmp/comment.yaml"
printf -- '---\n---\n' >"$tmp/dashes.yaml"
expect_rc 0 "files without a document" "$KRAYCTL" validate --strict "$tmp/empty.yaml" "$tmp/comment.yaml" "$tmp/dashes.yaml"
expect_contains "$tmp/out" "0 KubeRay objects in 3 files (3 files without a document): no problems" "counted, not errors"

# CR-only line endings are line breaks, as YAML says (issue 13, item 8);
# control characters of a quoted line never reach the terminal raw (item 10).
printf 'name: x\rhead: {cpuu: 1}\r' >"$tmp/cr.yaml"
expect_rc 1 "CR line endings" "$KRAYCTL" validate "$tmp/cr.yaml"
expect_contains "$tmp/out" "cr.yaml:2:8: error[spec]: unknown key 'cpuu'" "read line by line"
printf 'name: x\nhead: {cpuu: "\033[2J\001"}\n' >"$tmp/esc.yaml"
expect_rc 1 "control characters" "$KRAYCTL" validate "$tmp/esc.yaml"
if grep -q "$(printf '\033')" "$tmp/out"; then fail "an ESC reached the output"; fi
expect_contains "$tmp/out" '"?[2J?"' "escaped, one ? each"

# Links in a walked folder (issue 13, item 4): reported under the path
# walked, never the path resolved; a file reached twice validated once;
# what is not followed said.
mkdir -p "$tmp/links/repo/clusters" "$tmp/links/other"
printf 'name: linked\nhead: {cpuu: 1}\n' >"$tmp/links/other/linked.yaml"
ln -s ../../other/linked.yaml "$tmp/links/repo/clusters/link.yaml"
ln -s ../other "$tmp/links/repo/otherdir"
ln -s clusters "$tmp/links/repo/again"
ln -s nowhere.yaml "$tmp/links/repo/dangling.yaml"
(cd "$tmp/links" && "$KRAYCTL" validate repo >"$tmp/out" 2>"$tmp/err")
expect_contains "$tmp/out" "repo/clusters/link.yaml:2:8: error[spec]: unknown key 'cpuu'" "the walked path"
[ "$(grep -c "unknown key 'cpuu'" "$tmp/out")" = 1 ] || fail "a file reached three ways is validated once: $(cat "$tmp/out")"
if grep -q '\.\./' "$tmp/out"; then fail "a resolved path leaked: $(grep '\.\./' "$tmp/out")"; fi
expect_contains "$tmp/out" "repo/again: warning[input]: not followed: a link to a folder walked already" "a second link to a folder"
expect_contains "$tmp/out" "repo/dangling.yaml: warning[input]: not followed: a link to nothing" "a dangling link"

# CI formats (issue 13, item 12): GitHub annotations, JUnit XML, -q.
printf 'name: typo\nwrokers: [{name: w}]\n' >"$tmp/typo.yaml"
expect_rc 1 "-o github" "$KRAYCTL" validate -o github "$tmp/typo.yaml" examples/quickstart.yaml
expect_contains "$tmp/out" "::error file=$tmp/typo.yaml,line=2,col=1,title=krayctl spec::unknown key 'wrokers'" "an annotation"
expect_rc 1 "-o junit" "$KRAYCTL" validate -o junit "$tmp/typo.yaml" examples/quickstart.yaml
python3 - "$tmp/out" <<'PY' || fail "junit: $(head -c 400 "$tmp/out")"
import sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot().find("testsuite")
assert suite.get("tests") == "2" and suite.get("failures") == "1", suite.attrib
cases = {c.get("name"): c for c in suite.findall("testcase")}
assert any(n.endswith("typo.yaml") and c.find("failure") is not None for n, c in cases.items())
assert cases["examples/quickstart.yaml"].find("failure") is None
PY
# In a GitHub Actions job, annotations by default; an explicit -o wins.
GITHUB_ACTIONS=true expect_rc 1 "GITHUB_ACTIONS" "$KRAYCTL" validate "$tmp/typo.yaml"
expect_contains "$tmp/out" "::error file=$tmp/typo.yaml,line=2,col=1" "annotations in Actions"
GITHUB_ACTIONS=true expect_rc 1 "GITHUB_ACTIONS with -o text" "$KRAYCTL" validate -o text "$tmp/typo.yaml"
if grep -q '^::error' "$tmp/out"; then fail "-o text in Actions wrote annotations"; fi
# -v lists what was skipped, and why, on stderr.
mkdir -p "$tmp/skip/chart/templates"
printf 'name: c\nversion: 1.0.0\n' >"$tmp/skip/chart/Chart.yaml"
printf 'a: {{ .Values.x }}\n' >"$tmp/skip/chart/templates/d.yaml"
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\n' >"$tmp/skip/svc.yaml"
: >"$tmp/skip/empty.yaml"
cp examples/quickstart.yaml "$tmp/skip/x.tmpl.yaml"
expect_rc 0 "-v" "$KRAYCTL" validate -v --exclude '*.tmpl.yaml' "$tmp/skip"
expect_contains "$tmp/err" "skipped: $tmp/skip/svc.yaml: document 1: not KubeRay (v1/Service)" "a Service"
expect_contains "$tmp/err" "skipped: $tmp/skip/empty.yaml: no YAML document in it" "an empty file"
expect_contains "$tmp/err" "skipped: $tmp/skip/x.tmpl.yaml: excluded (--exclude)" "an excluded file"
expect_contains "$tmp/err" "skipped: $tmp/skip/chart/templates/d.yaml: a Helm chart template" "a template"
expect_rc 0 "without -v" "$KRAYCTL" validate --exclude '*.tmpl.yaml' "$tmp/skip"
expect_empty "$tmp/err" "no list without -v"
expect_rc 0 "-q on a clean file" "$KRAYCTL" validate -q examples/quickstart.yaml
expect_empty "$tmp/out" "-q prints nothing when there is nothing wrong"
[ -f .pre-commit-hooks.yaml ] || fail "no .pre-commit-hooks.yaml"

# A clean file exits 0; --strict fails on its warnings; --disable silences.
cat >"$tmp/warn.yaml" <<'YAML'
apiVersion: ray.io/v1
kind: RayService
metadata: {name: demo}
spec:
  rayClusterConfig:
    headGroupSpec:
      template:
        spec:
          containers: [{name: ray-head, image: "rayproject/ray:2.55.1"}]
YAML
expect_rc 0 "warnings only" "$KRAYCTL" validate "$tmp/warn.yaml"
expect_contains "$tmp/out" "warning[no-gcs-ft]" "warning shown"
expect_rc 1 "--strict" "$KRAYCTL" validate --strict "$tmp/warn.yaml"
expect_rc 0 "--disable" "$KRAYCTL" validate --strict --disable no-gcs-ft "$tmp/warn.yaml"
expect_contains "$tmp/out" "no problems" "--disable: summary"
expect_rc 2 "--disable typo" "$KRAYCTL" validate --disable no-gcs-fft "$tmp/warn.yaml"
expect_contains "$tmp/err" "unknown lint 'no-gcs-fft'; did you mean 'no-gcs-ft'?" "--disable typo message"

# stdin, and the compact spec format.
expect_rc 0 "stdin" "$KRAYCTL" validate - <"$tmp/warn.yaml"
expect_contains "$tmp/out" "<stdin>:5:3: warning[no-gcs-ft]" "stdin name"
expect_rc 0 "compact spec" "$KRAYCTL" validate examples/rl-train.yaml
expect_contains "$tmp/out" "1 KubeRay object in 1 file: no problems" "compact spec summary"

# Problems in what a spec renders are located at the spec key behind them.
cat >"$tmp/spec.yaml" <<'YAML'
name: demo
annotations: {krayctl.io/disable-lints: no-gcs-ft}
ray: {version: "2.55.1", image: "rayproject/ray:2.55.1-py311"}
workers:
  - name: cpu
    min: 1
    max: 2
  - name: odd
    image: rayproject/ray:2.55.1-py39
    min: 1
    max: 1
YAML
expect_rc 0 "spec lint location" "$KRAYCTL" validate "$tmp/spec.yaml"
expect_contains "$tmp/out" "spec.yaml:8:5: warning[image-mismatch]: in the rendered RayCluster: worker group odd runs" "spec lint location"

# A kubectl List (what `render -o json` writes for several manifests).
"$KRAYCTL" render -o json examples/rl-train.yaml examples/qwen3-serve.yaml >"$tmp/list.json" 2>/dev/null
expect_rc 0 "List" "$KRAYCTL" validate --disable no-gcs-ft "$tmp/list.json"
expect_contains "$tmp/out" "2 KubeRay objects in 1 file: no problems" "List items validated"

# SARIF 2.1.0: the shape code-scanning tools read.
expect_rc 1 "sarif" "$KRAYCTL" validate -o sarif "$tmp/bad.yaml"
python3 - "$tmp/out" <<'PY' || fail "sarif shape"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["version"] == "2.1.0"
run = s["runs"][0]
rules = run["tool"]["driver"]["rules"]
ids = [r["id"] for r in rules]
assert "kuberay" in ids and "gpu-without-shm" in ids
for res in run["results"]:
    assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    assert res["level"] in ("error", "warning")
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("bad.yaml")
    assert loc["region"]["startLine"] >= 1
assert any(r["ruleId"] == "kuberay" and r["locations"][0]["physicalLocation"]["region"]["startLine"] == 16 for r in run["results"])
PY

# SARIF for GitHub code scanning (issue 13, item 6), checked against what
# GitHub documents ("SARIF support for code scanning"): a run in a subfolder
# of a repository, a file reached through a link, a space, non-ASCII text
# before the column, stdin.
mkdir -p "$tmp/sarif/repo/.git" "$tmp/sarif/repo/clu sters/ñ" "$tmp/sarif/repo/sub"
printf 'name: x\nhead: {image: "é😀x", cpuu: 1}\n' >"$tmp/sarif/repo/clu sters/ñ/a b.yaml"
ln -s "../clu sters" "$tmp/sarif/repo/sub/link"
root=$PWD
cd "$tmp/sarif/repo/sub" && expect_rc 1 "sarif from a subfolder" "$KRAYCTL" validate -o sarif "../clu sters//ñ/../ñ/a b.yaml" link - <"$tmp/sarif/repo/clu sters/ñ/a b.yaml"; cd "$root"
cp "$tmp/out" "$tmp/sarif/first.sarif"
cp "$tmp/sarif/repo/clu sters/ñ/a b.yaml" "$tmp/sarif/before-edit.yaml"
printf '# a comment above\n' | cat - "$tmp/sarif/repo/clu sters/ñ/a b.yaml" >"$tmp/sarif/x" && mv "$tmp/sarif/x" "$tmp/sarif/repo/clu sters/ñ/a b.yaml"
cd "$tmp/sarif/repo/sub" && expect_rc 1 "sarif after an edit elsewhere" "$KRAYCTL" validate -o sarif "../clu sters/ñ/a b.yaml"; cd "$root"
python3 - "$tmp/sarif/first.sarif" "$tmp/out" "$tmp/sarif/repo" "$tmp/sarif/before-edit.yaml" <<'PY' || fail "sarif for GitHub: $(head -c 600 "$tmp/sarif/first.sarif")"
import json, os, sys, urllib.parse
first, second, repo = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
assert first["version"] == "2.1.0" and first["$schema"].endswith("sarif-2.1.0.json")
run = first["runs"][0]
driver = run["tool"]["driver"]
assert driver["name"] == "krayctl" and driver["semanticVersion"]
for rule in driver["rules"]:
    assert urllib.parse.urlparse(rule["helpUri"]).scheme, rule["id"]
    assert rule["help"]["text"] and rule["shortDescription"]["text"], rule["id"]
assert run.get("columnKind", "utf16CodeUnits") == "utf16CodeUnits"
base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
assert base.startswith("file:///") and base.endswith("/"), base
assert os.path.samefile(urllib.parse.unquote(base[len("file://"):]), repo), base
uris = []
for res in run["results"]:
    assert res["ruleId"] and res["message"]["text"] and res["level"] in ("error", "warning", "note")
    assert res["partialFingerprints"] and all(isinstance(v, str) and v for v in res["partialFingerprints"].values())
    loc = res["locations"][0]["physicalLocation"]
    uri, region = loc["artifactLocation"]["uri"], loc["region"]
    assert region["startLine"] >= 1
    uris.append(uri)
    if uri == "stdin":
        continue
    # A repository-relative, normalised, percent-encoded URI of a file git has.
    assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%", loc
    assert urllib.parse.quote(urllib.parse.unquote(uri), safe="/~") == uri, uri
    assert not uri.startswith(("/", "./")) and "//" not in uri and ".." not in uri.split("/"), uri
    path = os.path.join(repo, urllib.parse.unquote(uri))
    assert os.path.isfile(path) and not os.path.islink(os.path.dirname(path)), uri
    # The column counts UTF-16 code units: it lands on the key.
    line = open(sys.argv[4], encoding="utf-8").read().split("\n")[region["startLine"] - 1]
    units = line.encode("utf-16-le")[: (region["startColumn"] - 1) * 2].decode("utf-16-le")
    assert line[len(units):].startswith("cpuu"), (line, region)
assert uris == ["clu%20sters/%C3%B1/a%20b.yaml", "stdin", "clu%20sters/%C3%B1/a%20b.yaml"], uris
# Fingerprints: two findings at one place differ; an edit elsewhere in
# the file moves the line, not the fingerprint.
fps = [r["partialFingerprints"] for r in run["results"]]
assert fps[0] != fps[2]
after = second["runs"][0]["results"][0]
assert after["partialFingerprints"] == fps[0]
assert after["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
PY
expect_rc 1 "--sarif-root" "$KRAYCTL" validate -o sarif --sarif-root "$tmp/sarif" "$tmp/sarif/repo/clu sters/ñ/a b.yaml"
expect_contains "$tmp/out" '"uri": "repo/clu%20sters/%C3%B1/a%20b.yaml"' "relative to the root given"

# YAML that is neither a manifest nor shaped like a spec (Helm values, CI
# workflows, Compose, conda) is skipped, in a directory and named
# explicitly (with a note), as `git diff --name-only | xargs krayctl
# validate` hands such files over (issue 13, item 2).
mkdir -p "$tmp/repo/charts" "$tmp/repo/.hidden"
printf 'replicaCount: 2\nimage: {tag: x}\n' >"$tmp/repo/charts/values.yaml"
cp examples/quickstart.yaml "$tmp/repo/cluster.yml"
cp "$tmp/bad.yaml" "$tmp/repo/.hidden/ignored.yaml"
printf 'not yaml at all: [\n' >"$tmp/repo/notes.txt"
expect_rc 0 "directory" "$KRAYCTL" validate "$tmp/repo"
expect_contains "$tmp/out" "1 KubeRay object in 2 files (1 document skipped: not KubeRay)" "directory summary"
expect_rc 0 "values.yaml named explicitly" "$KRAYCTL" validate "$tmp/repo/charts/values.yaml"
expect_contains "$tmp/out" "values.yaml: skipped: neither a KubeRay manifest nor a compact spec" "a note"
mkdir -p "$tmp/other"
printf 'name: env\nchannels: [conda-forge]\ndependencies: [python=3.11]\n' >"$tmp/other/environment.yml"
printf 'name: CI\non: [push]\njobs: {build: {runs-on: ubuntu-latest}}\n' >"$tmp/other/ci.yml"
printf 'name: Validate\ndescription: x\nruns: {using: node20}\n' >"$tmp/other/action.yml"
printf 'name: app\nservices: {web: {image: nginx}}\n' >"$tmp/other/compose.yaml"
printf 'name: myapp\nimage: {tag: "1"}\nserviceAccount: {create: true}\n' >"$tmp/other/values.yaml"
for dir_or_files in "$tmp/other" "$tmp/other/environment.yml $tmp/other/ci.yml $tmp/other/action.yml $tmp/other/compose.yaml $tmp/other/values.yaml"; do
  # shellcheck disable=SC2086
  expect_rc 0 "other YAML: $dir_or_files" "$KRAYCTL" validate --strict $dir_or_files
  expect_contains "$tmp/out" "0 KubeRay objects in 5 files (5 documents skipped: not KubeRay): no problems" "all skipped"
done
# A spec with a typo in a top-level key is still read as a spec.
printf 'name: typo\nwrokers: [{name: w}]\n' >"$tmp/other/typo.yaml"
expect_rc 1 "a spec with a typo, in a folder" "$KRAYCTL" validate "$tmp/other"
expect_contains "$tmp/out" "unknown key 'wrokers'; did you mean 'workers'?" "the typo shown"

# --exclude (issue 13, item 11): a folder name at any depth, a file-name
# glob, `**` across folders; what is left out is counted, never read.
mkdir -p "$tmp/ex/vendor/deep" "$tmp/ex/charts/a"
cp "$tmp/bad.yaml" "$tmp/ex/vendor/deep/bad.yaml"
cp "$tmp/bad.yaml" "$tmp/ex/x.tmpl.yaml"
cp "$tmp/bad.yaml" "$tmp/ex/charts/a/values.yaml"
cp examples/quickstart.yaml "$tmp/ex/ok.yaml"
expect_rc 1 "--exclude: nothing left out" "$KRAYCTL" validate "$tmp/ex"
expect_rc 0 "--exclude" "$KRAYCTL" validate "$tmp/ex" --exclude vendor --exclude '*.tmpl.yaml' --exclude 'charts/*/values.yaml'
expect_contains "$tmp/out" "(3 files excluded)" "counted"
expect_rc 0 "--exclude **" "$KRAYCTL" validate "$tmp/ex" --exclude '**/deep/**' --exclude '*.tmpl.yaml' --exclude 'charts/**'
expect_rc 1 "* stays in one folder" "$KRAYCTL" validate "$tmp/ex" --exclude 'vendor/*.yaml' --exclude '*.tmpl.yaml' --exclude 'charts/**'
expect_contains "$tmp/out" "vendor/deep/bad.yaml" "vendor/*.yaml does not reach vendor/deep/"
expect_rc 0 "--exclude -o json" "$KRAYCTL" validate -o json "$tmp/ex" --exclude vendor --exclude '*.tmpl.yaml' --exclude charts
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["excluded"]==3 and r["files"]==1, r' "$tmp/out" || fail "excluded in JSON: $(cat "$tmp/out")"

# The config file (issue 13, item 11): found walking up from the working
# directory; flags over the file over the defaults.
root=$PWD
mkdir -p "$tmp/cfg/clusters/vendor"
cp "$tmp/warn.yaml" "$tmp/cfg/clusters/warn.yaml"
cp "$tmp/bad.yaml" "$tmp/cfg/clusters/vendor/bad.yaml"
printf 'validate:\n  exclude: [vendor]\n  strict: true\n' >"$tmp/cfg/.krayctl.yaml"
cd "$tmp/cfg/clusters" && expect_rc 1 "config: strict from the file" "$KRAYCTL" validate .; cd "$root"
expect_contains "$tmp/out" "(1 file excluded)" "config: exclude from the file"
cd "$tmp/cfg/clusters" && expect_rc 0 "--no-strict over the file" "$KRAYCTL" validate --no-strict .; cd "$root"
cd "$tmp/cfg/clusters" && expect_rc 1 "--no-config" "$KRAYCTL" validate --no-config --no-strict .; cd "$root"
expect_contains "$tmp/out" "vendor/bad.yaml" "--no-config reads no exclude"
printf 'validate:\n  severity: {no-gcs-ft: error}\n' >"$tmp/cfg/.krayctl.yaml"
cd "$tmp/cfg/clusters" && expect_rc 1 "config: a lint raised" "$KRAYCTL" validate warn.yaml; cd "$root"
expect_contains "$tmp/out" "error[no-gcs-ft]" "raised by the file"
cd "$tmp/cfg/clusters" && expect_rc 0 "--warning over the file's severity" "$KRAYCTL" validate --warning no-gcs-ft warn.yaml; cd "$root"
printf 'validate:\n  exclude: [vendor]\n  strict: true\n' >"$tmp/cfg/.krayctl.yaml"
cd "$tmp" && expect_rc 1 "--config" "$KRAYCTL" validate --config cfg/.krayctl.yaml cfg/clusters; cd "$root"
printf 'validate:\n  disable: [no-gcs-ft]\n  severity: {resource-requests-limits: warning}\n' >"$tmp/cfg/.krayctl.yaml"
cd "$tmp/cfg/clusters" && expect_rc 0 "config: disable and severity" "$KRAYCTL" validate --strict warn.yaml; cd "$root"
cd "$tmp/cfg/clusters" && expect_rc 1 "--error over the file's disable" "$KRAYCTL" validate --error no-gcs-ft warn.yaml; cd "$root"
expect_contains "$tmp/out" "error[no-gcs-ft]" "raised to an error"
cd "$tmp/cfg/clusters" && expect_rc 2 "--error and --warning of one lint" "$KRAYCTL" validate --error no-gcs-ft --warning no-gcs-ft warn.yaml; cd "$root"
cd "$tmp/cfg/clusters" && expect_rc 2 "--error with an unknown lint" "$KRAYCTL" validate --error no-gcs-fft warn.yaml; cd "$root"
expect_contains "$tmp/err" "did you mean 'no-gcs-ft'" "the typo named"
printf 'validate:\n  strict: true\n  exclude: vendor\n  disabel: [x]\n' >"$tmp/cfg/.krayctl.yaml"
cd "$tmp/cfg/clusters" && expect_rc 2 "a config file with a typo" "$KRAYCTL" validate warn.yaml; cd "$root"
expect_contains "$tmp/err" "cfg/.krayctl.yaml:4:3: unknown key 'disabel'; did you mean 'disable'?" "where"
expect_empty "$tmp/out" "nothing checked with a bad config"
cd "$tmp" && expect_rc 2 "--config missing" "$KRAYCTL" validate --config nope.yaml cfg/clusters/warn.yaml; cd "$root"

# Unreadable input and an empty directory are errors with a location.
expect_rc 2 "missing file" "$KRAYCTL" validate "$tmp/nope.yaml"
expect_contains "$tmp/out" "nope.yaml: error[input]: cannot read" "missing file message"
mkdir "$tmp/empty"
expect_rc 2 "empty dir" "$KRAYCTL" validate "$tmp/empty"
expect_contains "$tmp/out" "no *.yaml or *.yml files" "empty dir message"
# Exit codes as linters have them (issue 13, item 14): 1 problems found, 2
# could not run (an input missing beside a bad one; stdin twice; a bad flag).
expect_rc 2 "a missing file beside a bad one" "$KRAYCTL" validate "$tmp/bad.yaml" "$tmp/nope.yaml"
expect_contains "$tmp/out" "bad.yaml:" "the bad file is still reported"
expect_rc 2 "stdin twice" "$KRAYCTL" validate - - </dev/null
expect_rc 2 "a bad flag" "$KRAYCTL" validate --nope "$tmp/bad.yaml"
expect_rc 2 "a bad format" "$KRAYCTL" validate -o xml "$tmp/bad.yaml"
finish
