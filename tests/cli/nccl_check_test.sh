#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `krayctl nccl-check` through the binary: logs (--log, stdin) and a node
# (--root, a fixture tree); exit 0 when no check fails, 1 when one does, 2
# on usage errors; -o json.
source "$(dirname "$0")/lib.sh"
d=tests/data/nccl

# IB with GDRDMA, but 88 GB/s over 8 NICs: the log alone cannot say OK
# (issue 12, item 22); with --min-busbw it can.
expect_rc 0 "an IB run, busbw not judged" "$KRAYCTL" nccl-check --log "$d/ib-gdr-healthy.log"
expect_contains "$tmp/out" "OK with warnings: NET/IB on mlx5_0..7 with GDRDMA, busbw 88.2 GB/s" "the summary"
expect_contains "$tmp/out" "WARN  expected-busbw busbw 88.2 GB/s at 8 GiB through 8 NICs (mlx5_0..7) is 11.0 GB/s per NIC; 8 NDR 400G links would carry about 368 GB/s" "set beside what the links could carry"
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

# The node: a fixture tree under --root (a healthy 2-GPU, 2-HCA pod), then
# broken; the environment's NCCL_* settings are part of the check.
node="$tmp/node"
mk() { mkdir -p "$(dirname "$node/$1")"; printf '%s\n' "${2:-}" >"$node/$1"; }
for i in 0 1; do
  mk "dev/nvidia$i"
  mk "proc/driver/nvidia/gpus/0000:1$i:00.0/information" "Model: NVIDIA H100 80GB HBM3"
  mk "dev/infiniband/uverbs$i"
  p="sys/class/infiniband/mlx5_$i/ports/1"
  mk "$p/state" "4: ACTIVE"; mk "$p/phys_state" "5: LinkUp"
  mk "$p/rate" "400 Gb/sec (4X NDR)"; mk "$p/link_layer" "InfiniBand"
done
mk sys/module/nvidia_peermem/version "550.90.07"
mk proc/mounts "tmpfs /dev/shm tmpfs rw,size=8g 0 0"
mk proc/self/limits "Max locked memory         unlimited            unlimited            bytes"
mk proc/self/status "CapEff:	00000000a80465fb"
mk sys/class/net/eth0/operstate up
expect_rc 0 "a healthy node" env -u NCCL_IB_HCA "$KRAYCTL" nccl-check --root "$node" --gpus 2
expect_contains "$tmp/out" "OK: 2 GPUs (NVIDIA H100 80GB HBM3), 2 ports ACTIVE, LinkUp, 400 Gb/sec (4X NDR)" "node OK line"
expect_rc 1 "more GPUs requested than visible" "$KRAYCTL" nccl-check --root "$node" --gpus 4
expect_contains "$tmp/out" "2 GPUs visible, 4 requested" "the GPU count"
expect_rc 1 "NCCL_IB_HCA naming a missing device" env NCCL_IB_HCA=mlx5_7 "$KRAYCTL" nccl-check --root "$node"
expect_contains "$tmp/out" "NCCL_IB_HCA names mlx5_7, which matches nothing here (mlx5_0..1)" "the HCA"
mk proc/mounts "shm /dev/shm tmpfs rw,size=65536k 0 0"
expect_rc 1 "a 64 MiB /dev/shm" "$KRAYCTL" nccl-check --root "$node" -o json
expect_contains "$tmp/out" '"/dev/shm is 64 MiB' "shm in JSON"
expect_rc 2 "a --root that is not there" "$KRAYCTL" nccl-check --root "$tmp/nope"
expect_contains "$tmp/err" "not a directory" "says what is wrong"
expect_rc 2 "a missing file" "$KRAYCTL" nccl-check --log "$tmp/nope.log"
expect_contains "$tmp/err" "nope.log" "names the file"
expect_rc 2 "a bad --min-busbw" "$KRAYCTL" nccl-check --log "$d/ib-gdr-healthy.log" --min-busbw -3
expect_rc 2 "a bad -o" "$KRAYCTL" nccl-check --log "$d/ib-gdr-healthy.log" -o yaml
# --run with a stand-in all_reduce_perf that prints a recorded run and
# keeps what it was given.
mk proc/mounts "tmpfs /dev/shm tmpfs rw,size=8g 0 0"
cat >"$tmp/all_reduce_perf" <<EOF
#!/bin/sh
echo "\$*" >"$tmp/args"
env | grep '^NCCL_' | sort >"$tmp/env"
cat "$PWD/$d/through-nic.log"
EOF
chmod +x "$tmp/all_reduce_perf"
expect_rc 0 "--run through the NICs" "$KRAYCTL" nccl-check --run --root "$node" --nccl-tests "$tmp/all_reduce_perf"
expect_contains "$tmp/out" "OK: NET/IB on mlx5_0..1 with GDRDMA, busbw 47.1 GB/s at 8 GiB, 94% of one NDR 400G link" "run OK"
expect_contains "$tmp/args" "-b 1G -e 8G -f 2 -g 2" "nccl-tests arguments"
expect_contains "$tmp/env" "NCCL_DEBUG=INFO" "NCCL_DEBUG set"
expect_contains "$tmp/env" "NCCL_P2P_DISABLE=1" "through the NICs"
expect_contains "$tmp/err" "running: NCCL_DEBUG=INFO" "says what it runs"
expect_rc 0 "--run --save" "$KRAYCTL" nccl-check --run --root "$node" --nccl-tests "$tmp/all_reduce_perf" --save "$tmp/run.log"
cmp -s "$tmp/run.log" "$d/through-nic.log" || fail "--save keeps the raw output as it came"
expect_rc 0 "the saved run judged again" "$KRAYCTL" nccl-check --log "$tmp/run.log"
expect_rc 2 "--save without --run" "$KRAYCTL" nccl-check --log "$d/memlock.log" --save "$tmp/x.log"
expect_rc 2 "--run without nccl-tests" env PATH=/usr/bin:/bin "$KRAYCTL" nccl-check --run --root "$node"
expect_contains "$tmp/err" "build nccl-tests" "says how to get it"

# A manifest before anything runs: the seed's RL job, rendered as apply would.
expect_rc 0 "--spec: the seed's GPU workers" "$KRAYCTL" nccl-check --spec examples/rl-train.yaml --group gpu-workers
expect_contains "$tmp/out" "OK: worker group gpu-workers: 8 GPUs, requests rdma/rdma_shared_device_a: 1" "spec OK"
expect_rc 1 "--spec: the head has no GPU nor RDMA" "$KRAYCTL" nccl-check --spec examples/rl-train.yaml --group head
expect_rc 2 "--spec: a group that is not there" "$KRAYCTL" nccl-check --spec examples/rl-train.yaml --group gpu
expect_contains "$tmp/err" 'has no group "gpu" (its groups: head, gpu-workers)' "lists the groups"
# Without --group: the one group with GPUs (issue 12, item 23).
expect_rc 0 "--spec without --group" "$KRAYCTL" nccl-check --spec examples/rl-train.yaml
expect_contains "$tmp/out" "group gpu-workers" "the GPU group chosen"
# Flags that mean nothing to the chosen check are refused, not ignored.
expect_rc 2 "--cluster with --log" "$KRAYCTL" nccl-check --cluster c --group g --log "$d/ib-gdr-healthy.log"
expect_contains "$tmp/err" "give one of --log" "one check at a time"
expect_rc 2 "--log with --group" "$KRAYCTL" nccl-check --log "$d/ib-gdr-healthy.log" --group g
expect_contains "$tmp/err" "--group means nothing to --log" "names the flag"
expect_rc 2 "--keep alone" "$KRAYCTL" nccl-check --keep
expect_rc 2 "--intra-node without --run" "$KRAYCTL" nccl-check --log "$d/ib-gdr-healthy.log" --intra-node
expect_rc 2 "--cluster without --group" "$KRAYCTL" nccl-check --cluster c
printf 'name: bad\nhead: {cpu: 1, memry: 2Gi}\n' >"$tmp/bad.yaml"
expect_rc 2 "--spec that does not validate" "$KRAYCTL" nccl-check --spec "$tmp/bad.yaml" --group head
expect_contains "$tmp/err" "bad.yaml:2:" "the validation error with its place"
finish
