// SPDX-License-Identifier: Apache-2.0
// `nccl-check --spec FILE --group NAME`: whether a group's Pod template can
// use RDMA, before anything runs. The rules are the lints' (the pod facts of
// core/k8s/pod_facts.hpp), said as checks with fixes.
#include <krayctl/core/nccl/nccl_spec.hpp>

#include <krayctl/core/nccl/nccl_node.hpp>

#include <krayctl/core/k8s/pod_facts.hpp>
#include <krayctl/core/k8s/quantity.hpp>

#include "../yaml/json_read.hpp"

#include <fmt/format.h>

namespace kray::core {

using namespace detail;

namespace {

// The RayCluster spec inside a KubeRay manifest.
const Json* cluster_spec_of(const Json& manifest) {
  const std::string kind = string_of(child(&manifest, "kind"));
  const Json* spec = child(&manifest, "spec");
  if (kind == "RayCluster") {
    return spec;
  }
  if (kind == "RayJob") {
    return child(spec, "rayClusterSpec");
  }
  if (kind == "RayService") {
    return child(spec, "rayClusterConfig");
  }
  return nullptr;
}

std::string amount(const Json* v) {
  if (v == nullptr) {
    return "?";
  }
  return v->is_string() ? v->get<std::string>() : v->dump();
}

}  // namespace

Result<const Json*> group_of(const Json& manifest,
                             const std::string& group,
                             const std::string& source) {
  const std::string name = string_of(child(child(&manifest, "metadata"), "name"));
  const Json* spec = cluster_spec_of(manifest);
  if (spec == nullptr) {
    return make_error(ErrorCode::usage,
                      source + ": " + string_of(child(&manifest, "kind")) + " " + name +
                          " has no cluster of its own to check (a RayJob with clusterSelector "
                          "runs on an existing RayCluster: check that one)");
  }
  const Json* g = nullptr;
  std::vector<std::string> names = {"head"};
  if (group == "head") {
    g = child(spec, "headGroupSpec");
  }
  const Json* groups = child(spec, "workerGroupSpecs");
  for (std::size_t i = 0; i < array_size(groups); ++i) {
    const std::string n = string_of(child(child(groups, i), "groupName"));
    names.push_back(n);
    if (n == group && g == nullptr) {
      g = child(groups, i);
    }
  }
  if (g == nullptr) {
    std::string list;
    for (const auto& n : names) {
      list += (list.empty() ? "" : ", ") + n;
    }
    return make_error(ErrorCode::usage, source + ": " + name + " has no group \"" + group +
                                            "\" (its groups: " + list + ")");
  }
  return g;
}

Result<std::string> only_gpu_group(const Json& manifest, const std::string& source) {
  const std::string kind = string_of(child(&manifest, "kind"));
  const Json* spec = child(&manifest, "spec");
  if (kind == "RayJob") {
    spec = child(spec, "rayClusterSpec");
  } else if (kind == "RayService") {
    spec = child(spec, "rayClusterConfig");
  }
  std::vector<std::string> gpu_groups;
  std::vector<std::string> all = {"head"};
  if (const Json* head = child(spec, "headGroupSpec"); head != nullptr && group_gpus(*head) > 0) {
    gpu_groups.emplace_back("head");
  }
  const Json* groups = child(spec, "workerGroupSpecs");
  for (std::size_t i = 0; i < array_size(groups); ++i) {
    const Json* g = child(groups, i);
    const std::string name = string_of(child(g, "groupName"));
    all.push_back(name);
    if (group_gpus(*g) > 0) {
      gpu_groups.push_back(name);
    }
  }
  if (gpu_groups.size() == 1) {
    return gpu_groups.front();
  }
  std::string list;
  for (const auto& n : gpu_groups.empty() ? all : gpu_groups) {
    list += (list.empty() ? "" : ", ") + n;
  }
  return make_error(ErrorCode::usage,
                    source + ": " +
                        (gpu_groups.empty() ? "no group asks for GPUs; give --group (its groups: "
                                            : "several groups ask for GPUs; give --group (") +
                        list + ")");
}

int group_gpus(const Json& group_spec) {
  return static_cast<int>(gpu_limit(ray_container(child(&group_spec, "template"))));
}

Result<void> evaluate_group(const Json& manifest,
                            const std::string& group,
                            const std::string& source,
                            NcclReport& r) {
  KRAY_TRY_ASSIGN(const Json* g, group_of(manifest, group, source));
  const std::string what = group == "head" ? "the head" : "worker group " + group;
  const Json* pod = child(g, "template");
  const Json* pod_spec = child(pod, "spec");
  const Json* container = ray_container(pod);

  const double gpus = gpu_limit(container);
  if (gpus > 0) {
    r.checks.push_back({"gpus", CheckStatus::pass,
                        what + ": " + fmt::format("{:g}", gpus) + " GPU" + (gpus > 1 ? "s" : ""),
                        "", 0});
  } else {
    r.checks.push_back({"gpus", CheckStatus::fail,
                        what + " requests no GPU: NCCL has nothing to connect",
                        "set gpus: in the group (nvidia.com/gpu in the container's limits)", 0});
  }
  const auto rdma = rdma_resources(container);
  const bool serving = string_of(child(&manifest, "kind")) == "RayService";
  if (rdma.empty() && serving && gpus <= 1) {
    // A replica on one GPU shards nothing across Pods: NCCL stays inside
    // the Pod, if it runs at all.
    r.checks.push_back({"rdma-resource", CheckStatus::info,
                        what + " serves on one GPU per Pod: no inter-node fabric is needed", "",
                        0});
  } else if (rdma.empty()) {
    r.checks.push_back({"rdma-resource", CheckStatus::fail,
                        what + " requests no RDMA device: NCCL will find none and fall back to TCP "
                               "sockets",
                        rdma_fix(), 0});
  } else {
    std::string list;
    for (const auto& n : rdma) {
      const Json* limit = child(child(child(container, "resources"), "limits"), n);
      const Json* request = child(child(child(container, "resources"), "requests"), n);
      list += (list.empty() ? "" : ", ") + n + ": " + amount(limit != nullptr ? limit : request);
      if (request != nullptr && limit == nullptr) {
        r.checks.push_back({"rdma-resource", CheckStatus::fail,
                            n + " is requested without a limit: Kubernetes rejects the Pod",
                            "set limits equal to requests", 0});
      }
    }
    r.checks.push_back({"rdma-resource", CheckStatus::pass, "requests " + list, "", 0});
  }
  if (has_ipc_lock(container)) {
    r.checks.push_back(
        {"ipc-lock", CheckStatus::pass, "IPC_LOCK in the container's capabilities", "", 0});
  } else if (!rdma.empty()) {
    r.checks.push_back(
        {"ipc-lock", CheckStatus::fail,
         what + " lacks the IPC_LOCK capability: registering memory with the NIC fails",
         "add securityContext.capabilities.add: [IPC_LOCK] to the Ray container "
         "(`rdma:` in a krayctl spec adds it)",
         0});
  }
  // /dev/shm by the lints' model: the operator adds a memory emptyDir
  // unless the group mounts its own or sets plasma-directory.
  const ShmSetup shm = shm_setup(pod_spec, container, child(g, "rayStartParams"));
  const std::string fix =
      "mount an emptyDir {medium: Memory, sizeLimit: 16Gi} at /dev/shm (`shm:` "
      "in a krayctl spec), or leave /dev/shm to the operator";
  switch (shm.kind) {
    case ShmSetup::Kind::operator_adds:
      r.checks.push_back({"shm", CheckStatus::pass,
                          "/dev/shm: the KubeRay operator adds a memory-backed emptyDir" +
                              (shm.memory ? " of " + format_bytes(*shm.memory) +
                                                " (the memory "
                                                "limit)"
                                          : std::string(" without a size (no memory limit)")),
                          "", 0});
      break;
    case ShmSetup::Kind::memory: {
      std::string msg = "/dev/shm: a memory-backed emptyDir";
      CheckStatus status = CheckStatus::pass;
      if (shm.size) {
        msg += " of " + format_bytes(*shm.size);
        if (*shm.size < 256.0 * 1024 * 1024) {
          status = CheckStatus::fail;
          msg += ": too small for NCCL's segments";
        }
      }
      r.checks.push_back(
          {"shm", status, msg,
           status == CheckStatus::fail ? "raise sizeLimit to a few GiB (16Gi is usual)" : "", 0});
      break;
    }
    case ShmSetup::Kind::not_memory:
      r.checks.push_back({"shm", CheckStatus::fail,
                          what + " mounts its own /dev/shm, not memory-backed, so the operator "
                                 "adds none: NCCL's segments go to disk",
                          fix, 0});
      break;
    case ShmSetup::Kind::none:
      r.checks.push_back({"shm", CheckStatus::fail,
                          what + " sets plasma-directory, so the operator adds no /dev/shm: NCCL "
                                 "gets the container runtime's 64 MiB",
                          fix, 0});
      break;
  }
  std::map<std::string, std::string> env;
  const Json* entries = child(container, "env");
  for (std::size_t i = 0; i < array_size(entries); ++i) {
    const Json* e = child(entries, i);
    const Json* value = child(e, "value");
    if (value != nullptr && value->is_string()) {
      env[string_of(child(e, "name"))] = value->get<std::string>();
    }
  }
  const bool unnamed = !rdma.empty() && !sets_nccl_rdma_env(container);
  nccl_env_checks(env, nullptr, r, !unnamed);
  if (unnamed) {
    r.checks.push_back(
        {"nccl-env", CheckStatus::warn,
         what + " sets no NCCL_IB_HCA (or other NCCL_IB_*) nor NCCL_NET_GDR_LEVEL: "
                "NCCL picks devices itself, which is fine on a rail-optimised node "
                "and wrong where some HCAs are for storage",
         "name the HCAs NCCL should use, exactly: NCCL_IB_HCA set to =mlx5_0,mlx5_1,...", 0});
  }
  return {};
}

}  // namespace kray::core
