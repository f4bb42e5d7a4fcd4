#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The repository stands alone (issue 15): no tracked file points at a
# folder outside it. Sources are cited by their upstream name (a KubeRay
# file and function at a tag, a Kubernetes documentation page), which any
# reader can open; a sibling folder of the developers' machine is not.
source "$(dirname "$0")/lib.sh"

# The needle is spelled in two pieces so that this file does not match.
needle='\.\./'"shared"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git grep -nE "$needle" -- . >"$tmp/hits"
else  # an unpacked release tarball: every file
  grep -rnE "$needle" --exclude-dir='build*' --exclude-dir=.git . >"$tmp/hits"
fi
if [ -s "$tmp/hits" ]; then
  sed 's/^/  /' "$tmp/hits" >&2
  fail "files cite a folder outside the repository; cite the upstream source instead"
fi

# The check can fail: a file holding the needle is found.
printf 'see %s/reference\n' "../""shared" >"$tmp/probe.txt"
grep -qE "$needle" "$tmp/probe.txt" || fail "the pattern does not find what it looks for"
finish
