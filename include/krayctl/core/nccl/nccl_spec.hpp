// SPDX-License-Identifier: Apache-2.0
// `nccl-check --spec`: what a KubeRay manifest's group asks of its nodes,
// checked before anything runs (src/core/nccl/nccl_spec.cpp).
#pragma once

#include <krayctl/core/nccl/nccl_check.hpp>
#include <krayctl/core/yaml/json.hpp>
#include <krayctl/util/error.hpp>

#include <string>

namespace kray::core {

// `nccl-check --spec`: whether group `group` ("head" or a worker group's
// name) of a KubeRay manifest (RayCluster, RayJob, RayService) can use
// RDMA: GPUs, the RDMA resource, IPC_LOCK, a memory /dev/shm, NCCL env.
// The same rules as the lints (rdma-without-ipc-lock, gpu-without-shm,
// rdma-without-nccl-env). A usage Error when the group is not there.
[[nodiscard]] Result<void> evaluate_group(const Json& manifest,
                                          const std::string& group,
                                          const std::string& source,
                                          NcclReport& report);

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

}  // namespace kray::core
