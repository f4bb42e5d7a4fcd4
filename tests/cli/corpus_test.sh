#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every input of the fuzz corpus (tests/fuzz/corpus, including the inputs
# that once crashed or hung krayctl) renders or is refused cleanly: exit 0
# or 2, within seconds. Never 70 (an escaped exception), a signal, or a hang.
source "$(dirname "$0")/lib.sh"
command -v timeout >/dev/null || skip "timeout (coreutils) is not installed"
for input in tests/fuzz/corpus/*; do
  timeout 20 "$KRAYCTL" render "$input" >/dev/null 2>"$tmp/err"
  rc=$?
  case "$rc" in
    0 | 2) ;;
    124) fail "$input: no answer within 20 s" ;;
    *) fail "$input: exit code $rc: $(head -c 300 "$tmp/err")" ;;
  esac
done
finish
