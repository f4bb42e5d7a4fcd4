// SPDX-License-Identifier: Apache-2.0
// Private to src/app: what `status` and `status --watch` share, from
// objects to table rows.
#pragma once

#include <krayctl/app/status.hpp>
#include <krayctl/core/json.hpp>
#include <krayctl/core/status.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/kubeconfig.hpp>
#include <krayctl/kube/resources.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace kray::app::detail {

std::string now_rfc3339();

// Every item of a collection, in pages of 500.
Result<std::vector<core::Json>> list_all(kube::Client& client, const std::string& path);

// (Kind, the word users type): RayCluster/raycluster, ...
const std::vector<std::pair<std::string, std::string>>& ray_kinds();

// KIND/NAME of a KubeRay object: raycluster/x, rayjobs/y, ...
Result<std::pair<kube::ResourceRef, std::string>> parse_target(const std::string& target);

// Why a Pod is not running: its waiting or terminated reason, or the
// scheduler's; "" when none.
std::string pod_reason(const core::Json& pod);

// Worker Pods that are not Running: where a cluster's missing workers are.
inline constexpr const char* k_waiting_workers =
    "labelSelector=ray.io%2Fnode-type%3Dworker&fieldSelector=status.phase%21%3DRunning";

// namespace -> cluster -> why its first waiting worker waits.
using WorkerReasons = std::map<std::string, std::map<std::string, std::string>>;
void note_worker(WorkerReasons& reasons, const core::Json& pod);

// Reasons from the workers, a RayJob or RayService still starting shows
// its cluster's, and the order of the table (namespace, kind, name).
void explain(std::vector<core::WorkloadStatus>& rows, const WorkerReasons& reasons);

// `status --watch` (status_watch.cpp).
[[nodiscard]] Result<void> watch_status(const StatusOptions& options,
                                        const Deps& deps,
                                        const kube::ResolvedConfig& resolved);

}  // namespace kray::app::detail
