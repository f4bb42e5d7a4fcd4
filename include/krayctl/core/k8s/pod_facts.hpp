// SPDX-License-Identifier: Apache-2.0
// What a Pod template asks of its node, read the way the API server and
// the kubelet read it: GPUs and RDMA devices (extended resources, Kubernetes
// "Resource Management for Pods and Containers"), the IPC_LOCK capability,
// and the /dev/shm a Ray container gets. Shared by the lints and
// `nccl-check --spec`, so that both say the same about one template. Values
// of the wrong type read as absent: these run on documents the schema may
// have refused.
#pragma once

#include <krayctl/core/k8s/quantity.hpp>
#include <krayctl/core/yaml/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kray::core {

// containers[0] of a pod template's spec: the Ray container by KubeRay's
// convention (ray-operator/controllers/ray/utils/constant.go,
// RayContainerIndex, at v1.6.2).
const Json* ray_container(const Json* pod_template);

// resources.requests or resources.limits (`which`) of a container.
const Json* container_resources(const Json* container, std::string_view which);
// The quantity of `name` in requests or limits (as the API server reads
// it), or nullopt when absent or unreadable.
std::optional<Quantity> resource_quantity(const Json* container,
                                          std::string_view which,
                                          std::string_view name);
// Extended resources the container asks for (a domain other than
// kubernetes.io), by name, requests then limits.
std::vector<std::string> extended_resources(const Json* container);

// GPUs the container asks for (limits, else requests), any GPU resource:
// nvidia.com/gpu, amd.com/gpu, gpu.intel.com/i915, nvidia.com/mig-1g.5gb.
double gpu_limit(const Json* container);
// RDMA resources the container asks for (rdma/..., nvidia.com/sriov_rdma ...).
std::vector<std::string> rdma_resources(const Json* container);
bool requests_rdma(const Json* container);
// The IPC_LOCK capability (or privileged, or ALL).
bool has_ipc_lock(const Json* container);

// What /dev/shm a Ray container gets under the KubeRay v1.6.2 operator
// (ray-operator/controllers/ray/common/pod.go): unless rayStartParams holds
// plasma-directory or the container mounts /dev/shm itself, the operator
// adds a memory emptyDir sized to the container's memory limit (else
// request).
struct ShmSetup {
  enum class Kind {
    operator_adds,  // no mount of its own: the operator's memory emptyDir
    memory,         // its own memory-backed emptyDir
    not_memory,     // its own mount, on disk (emptyDir without Memory, hostPath, a PVC ...)
    none,           // plasma-directory set: the operator adds nothing, 64 MiB runtime default
  };
  Kind kind = Kind::operator_adds;
  const Json* volume = nullptr;  // the volume mounted at /dev/shm, when its own
  std::optional<double> size;    // its sizeLimit in bytes (memory), when set
  std::optional<double> memory;  // the container's memory limit, else request
};
ShmSetup shm_setup(const Json* pod_spec, const Json* container, const Json* ray_start_params);

// A count as a user writes it: "8", "0.5".
std::string format_amount(double v);
// "64Gi", "512Mi", "1.5Gi": bytes as a Kubernetes user writes them.
std::string format_bytes(double bytes);

// NCCL_IB_* settings that turn InfiniBand on (not NCCL_IB_DISABLE).
bool sets_nccl_ib(const Json* container);
// NCCL_IB_* (other than NCCL_IB_DISABLE) or NCCL_NET_GDR_LEVEL set.
bool sets_nccl_rdma_env(const Json* container);

}  // namespace kray::core
