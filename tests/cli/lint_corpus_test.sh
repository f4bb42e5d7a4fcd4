#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Lint noise as a failing test: the manifests in tests/data/lint-corpus
# (written in the styles of vendor blueprints, see its README.md) must give
# exactly the (file, rule) findings listed in its expected.txt. An extra
# finding is noise; a missing one is a lint that stopped firing.
source "$(dirname "$0")/lib.sh"
corpus=tests/data/lint-corpus

# Exit code 2 is expected: the corpus holds one deliberate operator error
# and one error-severity lint. Anything else (usage error, crash) is not.
"$KRAYCTL" validate -o json "$corpus" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "validate: exit code $rc: $(head -c 400 "$tmp/err")"

python3 - "$tmp/out" "$corpus/expected.txt" "$tmp/found" "$tmp/want" <<'PY' || fail "report"
import json, sys
report, expected, found_path, want_path = sys.argv[1:5]
r = json.load(open(report))
found = sorted(f"{d['file'].split('/')[-1]} {d['rule']}" for d in r["diagnostics"])
want = sorted(line.strip() for line in open(expected) if line.strip() and not line.startswith("#"))
open(found_path, "w").write("".join(line + "\n" for line in found))
open(want_path, "w").write("".join(line + "\n" for line in want))
# The corpus must stay free of schema, metadata and CEL errors: only the
# deliberate operator error and the lints may appear.
bad = [d for d in r["diagnostics"] if d["rule"] in ("schema", "metadata", "cel")]
for d in bad:
    print(f"{d['file']}:{d['line']}:{d['column']}: {d['rule']}: {d['message']}", file=sys.stderr)
assert not bad, "schema/metadata/cel errors in the lint corpus"
PY

if [ -f "$tmp/found" ] && ! cmp -s "$tmp/want" "$tmp/found"; then
  fail "findings differ from $corpus/expected.txt (+ extra = noise, - missing = lint stopped firing):
$(diff -u --label expected.txt --label krayctl "$tmp/want" "$tmp/found" | tail -n +3)"
  # The messages behind every (file, rule) whose count differs, to judge
  # them without a second run.
  python3 - "$tmp/out" "$tmp/want" <<'PY' >&2
import collections, json, sys
r = json.load(open(sys.argv[1]))
want = collections.Counter(l.strip() for l in open(sys.argv[2]) if l.strip())
by_key = collections.defaultdict(list)
for d in r["diagnostics"]:
    by_key[f"{d['file'].split('/')[-1]} {d['rule']}"].append(d)
for key in sorted(set(want) | set(by_key)):
    if len(by_key[key]) == want[key]:
        continue
    print(f"  {key}: krayctl reports {len(by_key[key])}, expected {want[key]}")
    for d in by_key[key]:
        print(f"    {d['line']}:{d['column']}: {d['message']}")
PY
fi
finish
