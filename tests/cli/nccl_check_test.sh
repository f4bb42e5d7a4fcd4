#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `krayctl nccl-check --log` through the binary: exit 0 when no check
# fails, 1 when one does, 2 on usage errors; -o json; stdin.
source "$(dirname "$0")/lib.sh"
d=tests/data/nccl

expect_rc 0 "a healthy IB run" "$KRAYCTL" nccl-check --log "$d/ib-gdr-healthy.log"
expect_contains "$tmp/out" "OK: NET/IB on mlx5_0..7 with GDRDMA, busbw 88.2 GB/s" "the OK line"
expect_empty "$tmp/err" "nothing on stderr"
expect_rc 0 "above --min-busbw" "$KRAYCTL" nccl-check --log "$d/ib-gdr-healthy.log" --min-busbw 80
expect_rc 1 "below --min-busbw" "$KRAYCTL" nccl-check --log "$d/ib-gdr-healthy.log" --min-busbw 100
expect_contains "$tmp/out" "FAIL  busbw" "the busbw check fails"

expect_rc 1 "a TCP fallback" "$KRAYCTL" nccl-check --log "$d/socket-fallback.log"
expect_contains "$tmp/out" "FAIL: NCCL used NET/Socket (TCP): no RDMA device visible in the pod" "the FAIL line"
expect_empty "$tmp/err" "the report is the output, not an error message"

expect_rc 1 "-o json" "$KRAYCTL" nccl-check --log "$d/roce-no-gdr.log" -o json
python3 - "$tmp/out" <<'PY' || fail "the JSON report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] is False, r
gdr = [c for c in r["checks"] if c["id"] == "gdr"][0]
assert gdr["status"] == "fail" and gdr["line"] == 8 and "fix" in gdr, gdr
PY

expect_rc 1 "from stdin" bash -c "\"$KRAYCTL\" nccl-check --log - < $d/memlock.log"
expect_contains "$tmp/out" "nccl-check <stdin>" "stdin is named"
expect_contains "$tmp/out" "FAIL  memlock" "memlock from stdin"

expect_rc 2 "no --log" "$KRAYCTL" nccl-check
expect_contains "$tmp/err" "give --log FILE" "says what to give"
expect_rc 2 "a missing file" "$KRAYCTL" nccl-check --log "$tmp/nope.log"
expect_contains "$tmp/err" "nope.log" "names the file"
expect_rc 2 "a bad --min-busbw" "$KRAYCTL" nccl-check --log "$d/ib-gdr-healthy.log" --min-busbw -3
expect_rc 2 "a bad -o" "$KRAYCTL" nccl-check --log "$d/ib-gdr-healthy.log" -o yaml
finish
