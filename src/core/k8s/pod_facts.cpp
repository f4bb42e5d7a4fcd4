// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/k8s/pod_facts.hpp>

#include "../yaml/json_read.hpp"

#include <algorithm>
#include <cmath>

namespace kray::core {

using namespace detail;

namespace {

// GPU resource names (device plugins): nvidia.com/gpu, amd.com/gpu,
// gpu.intel.com/i915, nvidia.com/mig-1g.5gb ...
bool is_gpu_resource(std::string_view name) {
  return name.find("gpu") != std::string_view::npos || name.find("mig-") != std::string_view::npos;
}

bool is_rdma_resource(std::string_view name) {
  return name.find("rdma") != std::string_view::npos;
}

// A resource the kubelet cannot overcommit: anything outside the
// kubernetes.io domain with a domain at all (hugepages- too, but those
// need requests == limits by a different rule).
bool is_extended_resource(std::string_view name) {
  const auto slash = name.find('/');
  if (slash == std::string_view::npos) {
    return false;
  }
  const std::string_view domain = name.substr(0, slash);
  return domain != "kubernetes.io" && !domain.ends_with(".kubernetes.io");
}

}  // namespace

const Json* ray_container(const Json* pod_template) {
  return child(child(child(pod_template, "spec"), "containers"), std::size_t{0});
}

const Json* container_resources(const Json* container, std::string_view which) {
  return child(child(container, "resources"), which);
}

// The quantity of `name` in requests or limits (as the API server reads
// it), or nullopt when absent or unreadable.
std::optional<Quantity> resource_quantity(const Json* container,
                                          std::string_view which,
                                          std::string_view name) {
  const Json* v = child(container_resources(container, which), name);
  if (v == nullptr) {
    return std::nullopt;
  }
  auto q = parse_quantity_value(*v);
  return q ? std::optional<Quantity>(*q) : std::nullopt;
}

// Extended resources the container asks for, by name.
std::vector<std::string> extended_resources(const Json* container) {
  std::vector<std::string> names;
  for (const char* which : {"requests", "limits"}) {
    const Json* map = container_resources(container, which);
    if (map == nullptr || !map->is_object()) {
      continue;
    }
    for (auto it = map->begin(); it != map->end(); ++it) {
      if (is_extended_resource(it.key()) &&
          std::find(names.begin(), names.end(), it.key()) == names.end()) {
        names.push_back(it.key());
      }
    }
  }
  return names;
}

double gpu_limit(const Json* container) {
  double total = 0;
  for (const auto& name : extended_resources(container)) {
    if (is_gpu_resource(name)) {
      auto q = resource_quantity(container, "limits", name);
      if (!q) {
        q = resource_quantity(container, "requests", name);
      }
      total += q ? q->value : 0;
    }
  }
  return total;
}

std::vector<std::string> rdma_resources(const Json* container) {
  std::vector<std::string> out;
  for (const auto& n : extended_resources(container)) {
    if (is_rdma_resource(n)) {
      out.push_back(n);
    }
  }
  return out;
}

std::string format_amount(double v) {
  if (std::fabs(v) < 1e15 && v == std::floor(v)) {  // range first: the cast is UB beyond it
    return std::to_string(static_cast<long long>(v));
  }
  return Json(v).dump();
}

// "64Gi", "512Mi", "1.5Gi": bytes as a Kubernetes user writes them.
std::string format_bytes(double b) {
  const char* units[] = {"", "Ki", "Mi", "Gi", "Ti"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  std::string n = b == std::floor(b) ? format_amount(b) : Json(std::round(b * 10) / 10).dump();
  return n + units[u];
}

ShmSetup shm_setup(const Json* pod_spec, const Json* container, const Json* params) {
  ShmSetup out;
  auto memory = resource_quantity(container, "limits", "memory");
  if (!memory) {
    memory = resource_quantity(container, "requests", "memory");
  }
  if (memory) {
    out.memory = memory->value;
  }
  const Json* volumes = child(pod_spec, "volumes");
  const Json* mounts = child(container, "volumeMounts");
  for (std::size_t i = 0; i < array_size(mounts); ++i) {
    const Json* m = child(mounts, i);
    if (string_of(child(m, "mountPath")) != "/dev/shm") {
      continue;
    }
    out.kind = ShmSetup::Kind::not_memory;
    const std::string name = string_of(child(m, "name"));
    for (std::size_t j = 0; j < array_size(volumes); ++j) {
      const Json* v = child(volumes, j);
      if (string_of(child(v, "name")) != name) {
        continue;
      }
      out.volume = v;
      if (string_of(child(child(v, "emptyDir"), "medium")) == "Memory") {
        out.kind = ShmSetup::Kind::memory;
        if (const Json* limit = child(child(v, "emptyDir"), "sizeLimit")) {
          if (auto q = parse_quantity_value(*limit)) {
            out.size = q->value;
          }
        }
      }
    }
    return out;
  }
  out.kind = child(params, "plasma-directory") != nullptr ? ShmSetup::Kind::none
                                                          : ShmSetup::Kind::operator_adds;
  return out;
}

// NCCL_IB_* settings that turn InfiniBand on (NCCL_IB_DISABLE=1 turns it off).
bool sets_nccl_ib(const Json* container) {
  const Json* env = child(container, "env");
  for (std::size_t i = 0; i < array_size(env); ++i) {
    const std::string name = string_of(child(child(env, i), "name"));
    if (name.rfind("NCCL_IB_", 0) == 0 && name != "NCCL_IB_DISABLE") {
      return true;
    }
  }
  return false;
}

bool sets_nccl_rdma_env(const Json* container) {
  return sets_nccl_ib(container) || env_entry(container, "NCCL_NET_GDR_LEVEL") != nullptr;
}

bool requests_rdma(const Json* container) {
  return !rdma_resources(container).empty();
}

bool has_ipc_lock(const Json* container) {
  const Json* security = child(container, "securityContext");
  if (is_true(child(security, "privileged"))) {
    return true;
  }
  const Json* add = child(child(security, "capabilities"), "add");
  for (std::size_t i = 0; i < array_size(add); ++i) {
    const std::string cap = string_of(child(add, i));
    if (cap == "IPC_LOCK" || cap == "CAP_IPC_LOCK" || cap == "ALL") {
      return true;
    }
  }
  return false;
}

}  // namespace kray::core
