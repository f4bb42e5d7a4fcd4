// SPDX-License-Identifier: Apache-2.0
// `krayctl nccl-check`: whether NCCL can use, and did use, RDMA with
// GPUDirect rather than a silent TCP fallback. Without --log: the node as
// this pod sees it (GPUs, RDMA devices and ports, GPUDirect support,
// /dev/shm, memlock, NCCL_* settings). With --log: an NCCL_DEBUG=INFO log,
// nccl-tests output, or both interleaved (all_reduce_perf's stdout with
// NCCL_DEBUG=INFO). With --spec/--group: a manifest's group. With --run:
// all_reduce_perf launched here, judged with the node's facts. --cluster
// comes later (issue 6).
#pragma once

#include <krayctl/app/connection.hpp>
#include <krayctl/app/deps.hpp>
#include <krayctl/app/kubeconfig.hpp>
#include <krayctl/util/error.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace kray::app {

struct NcclCheckOptions {
  std::string log;          // a file, or "-" for stdin; "": check the node
  std::string root = "/";   // where the node's /dev, /sys and /proc are (tests: a copy)
  std::optional<int> gpus;  // --gpus: the pod's nvidia.com/gpu request
  std::string spec;         // --spec: a spec or manifest file
  std::string group;        // --group: with --spec
  bool run = false;         // --run: launch nccl-tests here
  std::string nccl_tests;   // --nccl-tests: all_reduce_perf, or its directory
  bool intra_node = false;  // --intra-node: let NCCL use NVLink/PCIe, not the NICs
  std::string cluster;      // --cluster: a RayCluster (with --group)
  bool keep = false;        // --keep: leave the check Job for a look
  std::string save;         // --save: the raw output of --run or --cluster
  std::chrono::milliseconds timeout{600'000};  // --timeout: how long the check Pod may take
  KubeconfigOptions kubeconfig;
  TransportFactory transport;
  std::optional<double> min_busbw;  // GB/s
  std::string output = "text";      // text, json
};

// Prints the report on stdout. Fails with ErrorCode::check_failed (already
// reported) when a check fails.
[[nodiscard]] Result<void> run_nccl_check(const NcclCheckOptions& options, const Deps& deps);

}  // namespace kray::app
