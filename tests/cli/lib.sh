# SPDX-License-Identifier: Apache-2.0
# Shared helpers of the black-box tests (sourced). ctest runs each script
# from the project root with KRAYCTL set to the built binary. Exit code 125
# means "skipped" (ccache's SUITE_x_PROBE convention).
set -u
: "${KRAYCTL:?set KRAYCTL to the krayctl binary}"
# What changes krayctl's defaults from outside: the tests set it themselves
# (a CI runner of GitHub Actions sets GITHUB_ACTIONS=true).
unset GITHUB_ACTIONS
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

skip() {
  echo "SKIP: $*" >&2
  exit 125
}

# expect_rc WANT DESCRIPTION CMD...: runs CMD, keeps its output in $tmp/out
# and $tmp/err, and checks its exit code.
expect_rc() {
  local want=$1 what=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    fail "$what: exit code $rc, want $want"
    sed 's/^/  stderr: /' "$tmp/err" | head -20 >&2
  fi
}

expect_contains() {
  local file=$1 text=$2 what=$3
  grep -qF -- "$text" "$file" || fail "$what: '$text' not in $(basename "$file"): $(head -c 400 "$file")"
}

expect_empty() {
  local file=$1 what=$2
  [ ! -s "$file" ] || fail "$what: expected no output, got: $(head -c 400 "$file")"
}

# start_fakekube ARGS...: starts the fakekube binary ($FAKEKUBE) with ARGS,
# its kubeconfig at $tmp/kubeconfig (exported as KUBECONFIG), its output in
# $tmp/server.out, and stops it when the script exits. Fails the script
# when it does not serve within 10 s.
server_pid=""
start_fakekube() {
  : "${FAKEKUBE:?set FAKEKUBE to the fakekube binary}"
  export KUBECONFIG="$tmp/kubeconfig"
  "$FAKEKUBE" --kubeconfig-out "$KUBECONFIG" "$@" >"$tmp/server.out" 2>&1 &
  server_pid=$!
  trap 'kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
  for _ in $(seq 100); do [ -s "$KUBECONFIG" ] && break; sleep 0.1; done
  [ -s "$KUBECONFIG" ] || { cat "$tmp/server.out" >&2; fail "no kubeconfig after 10 s"; finish; }
}

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
  fi
  echo "ok"
  exit 0
}
