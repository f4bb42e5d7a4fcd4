// SPDX-License-Identifier: Apache-2.0
// What a GPU pod can see of its node, and whether NCCL can use RDMA there
// (Linux's drivers/infiniband/core/sysfs.c; NCCL's src/transport/net_ib/
// and its env.html docs): GPUs, RDMA devices and their ports, GPUDirect
// RDMA support, /dev/shm, the locked-memory limit and IPC_LOCK, and the
// NCCL_* settings matched against the devices and interfaces present. The
// facts are gathered by app/ (files under a root); the verdicts here are
// pure.
#pragma once

#include <krayctl/core/json.hpp>
#include <krayctl/core/nccl_check.hpp>
#include <krayctl/core/nccl_log.hpp>
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

// `nccl-check --spec`: whether group `group` ("head" or a worker group's
// name) of a KubeRay manifest (RayCluster, RayJob, RayService) can use
// RDMA: GPUs, the RDMA resource, IPC_LOCK, a memory /dev/shm, NCCL env.
// The same rules as the lints (rdma-without-ipc-lock, gpu-without-shm,
// rdma-without-nccl-env). A usage Error when the group is not there.
// The group's spec (headGroupSpec or a workerGroupSpecs item) inside a
// KubeRay manifest; a usage Error naming the groups there when absent.
[[nodiscard]] Result<const Json*> group_of(const Json& manifest,
                                           const std::string& group,
                                           const std::string& source);

// The GPUs the group's Ray container asks for (any GPU resource).
int group_gpus(const Json& group_spec);

// The name of the one group ("head" or a worker group) whose Ray container
// asks for GPUs, for `--spec` without `--group`; a usage Error naming the
// candidates when there are none or several.
[[nodiscard]] Result<std::string> only_gpu_group(const Json& manifest, const std::string& source);

// The Job `nccl-check --cluster` creates in `ns`: the group's own Pod
// template (resources, env, capabilities, volumes, scheduling,
// annotations such as Multus networks) with the Ray container alone, its
// command replaced by `script`, probes, init and sidecar containers and
// the ray.io labels dropped (the operator must not count it as a member),
// restartPolicy Never, no retries, a deadline, cleaned up after 10
// minutes, and krayctl's managed-by label.
Json check_job(const Json& group_spec,
               const std::string& cluster,
               const std::string& group,
               const std::string& ns,
               const std::string& script,
               long deadline_seconds);

[[nodiscard]] Result<void> evaluate_group(const Json& manifest,
                                          const std::string& group,
                                          const std::string& source,
                                          NcclReport& report);

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

// What the check Pod of `nccl-check --cluster` prints: the files the node
// checks read (device nodes as empty files), NCCL_* of its environment,
// and a run's output, between "=== krayctl ..." markers.
struct NodeBundle {
  bool begun = false;     // the first marker came (the script ran)
  bool complete = false;  // the last one came (it ran to its end)
  std::map<std::string, std::string> files;
  std::map<std::string, std::string> env;
  std::optional<std::string> run_output;
  std::optional<int> run_exit;
};
NodeBundle parse_node_bundle(std::string_view text);

// The POSIX sh script that prints a NodeBundle, run in the group's own
// image: only sh, cat, env and grep are needed there. With `nccl_tests`
// (a path in the image), it also runs all_reduce_perf on `gpus` GPUs,
// through the NICs when `through_nic`.
std::string node_bundle_script(const std::string& nccl_tests, int gpus, bool through_nic);

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
