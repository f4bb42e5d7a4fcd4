// SPDX-License-Identifier: Apache-2.0
// What a GPU pod can see of its node, and whether NCCL can use RDMA there
// (Linux's drivers/infiniband/core/sysfs.c; NCCL's src/transport/net_ib/
// and its env.html docs): GPUs, RDMA devices and their ports, GPUDirect
// RDMA support, /dev/shm, the locked-memory limit and IPC_LOCK, and the
// NCCL_* settings matched against the devices and interfaces present. The
// facts are gathered by app/ (files under a root); the verdicts here are
// pure.
#pragma once

#include <krayctl/core/nccl/nccl_check.hpp>
#include <krayctl/core/nccl/nccl_log.hpp>
#include <krayctl/core/yaml/json.hpp>
#include <krayctl/util/error.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kray::core {

struct RdmaPort {
  std::string device;  // mlx5_0
  int port = 1;
  std::string state;       // "4: ACTIVE"
  std::string phys_state;  // "5: LinkUp"
  std::string rate;        // "400 Gb/sec (4X NDR)"
  std::string link_layer;  // InfiniBand, Ethernet
};

struct NodeFacts {
  std::string root;                       // "/" or a fixture tree
  int gpu_devices = 0;                    // /dev/nvidia[0-9]+
  std::vector<std::string> gpu_models;    // /proc/driver/nvidia/gpus/*/information
  std::string driver;                     // /proc/driver/nvidia/version, first line
  bool open_kernel_module = false;        // "Open Kernel Module" in it (DMA-BUF possible)
  std::vector<std::string> rdma_devices;  // /sys/class/infiniband/*
  std::vector<RdmaPort> ports;
  int uverbs = 0;       // /dev/infiniband/uverbs*
  std::string peermem;  // where GPUDirect RDMA support was found; "" none
  bool shm_mounted = false;
  std::optional<long long> shm_bytes;     // tmpfs size=; nullopt: no size (half the RAM)
  std::optional<long long> memory_bytes;  // MemTotal
  bool memlock_known = false;
  std::optional<long long> memlock_bytes;  // nullopt with memlock_known: unlimited
  std::optional<bool> ipc_lock;            // CAP_IPC_LOCK in CapEff
  std::vector<std::string> interfaces;     // /sys/class/net/*
  std::map<std::string, std::string> env;  // NCCL_*, NVIDIA_VISIBLE_DEVICES, CUDA_VISIBLE_DEVICES
};

struct NodeExpectations {
  std::optional<int> gpus;  // --gpus: the pod's nvidia.com/gpu request
};

// Adds the node's checks to `report` (gpus, rdma-devices, rdma-ports, gdr,
// shm, memlock, nccl-env).
void evaluate_node(const NodeFacts& facts, const NodeExpectations& expect, NcclReport& report);

// What a node has, for matching NCCL_IB_HCA and NCCL_SOCKET_IFNAME.
struct PresentDevices {
  std::vector<std::string> rdma;
  std::map<std::string, std::set<int>> ports;  // device -> port numbers
  std::vector<std::string> interfaces;
};

// The NCCL_* settings: what forces TCP or turns GPUDirect RDMA off fails,
// NCCL_IB_HCA and NCCL_SOCKET_IFNAME are matched against `present` (when
// given: a node; not for a manifest), debugging variables warn. Adds the
// "nccl-env" checks (a pass only when `report_pass`).
void nccl_env_checks(const std::map<std::string, std::string>& env,
                     const PresentDevices* present,
                     NcclReport& report,
                     bool report_pass = true);

// "400 Gb/sec (4X NDR)" -> 400 and "NDR 400G"; nullopt when unreadable.
struct LinkRate {
  double gbps = 0;
  std::string label;
};
std::optional<LinkRate> parse_link_rate(const std::string& rate);

// nccl-tests' busbw at the largest size against one link's line rate (the
// active ports NCCL used), when the run went through the NICs: a ring
// through the NICs is bounded by one link per hop (nccl-tests'
// doc/PERFORMANCE.md; 46-48 GB/s on NDR 400G, 92-96% of its 50 GB/s, per
// NVIDIA/nccl-tests#290). Pass from 80%, warn from 60%, fail below. When
// the NICs were not used, an INFO saying so.
void expected_busbw_check(const NodeFacts& node,
                          const NcclLogFacts& log,
                          const NcclTestsResult& tests,
                          NcclReport& report);

// NCCL_IB_HCA / NCCL_SOCKET_IFNAME syntax (NCCL's env.html docs): a comma
// list of name prefixes, `^` excludes, `=` exact names, `:port` a port (IB
// only).
struct DeviceFilter {
  bool exclude = false;
  bool exact = false;
  struct Entry {
    std::string name;
    int port = -1;  // -1: any
  };
  std::vector<Entry> entries;
};
DeviceFilter parse_device_filter(const std::string& value);
// Whether `name` matches `entry` as NCCL compares (prefix unless exact).
bool filter_matches(const DeviceFilter& filter,
                    const DeviceFilter::Entry& entry,
                    const std::string& name);
// The names among `names` NCCL would use under `filter`.
std::vector<std::string> filter_select(const DeviceFilter& filter,
                                       const std::vector<std::string>& names);

}  // namespace kray::core
