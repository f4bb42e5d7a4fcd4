// SPDX-License-Identifier: Apache-2.0
// Private to src/app: what `status` and `status --watch` share, from
// objects to table rows.
#pragma once

#include <krayctl/app/status/status.hpp>
#include <krayctl/core/status/status.hpp>
#include <krayctl/core/yaml/json.hpp>
#include <krayctl/io/clock.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/kubeconfig.hpp>
#include <krayctl/kube/resources.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace kray::app::detail {

// Every item of a collection, in pages of 500.
Result<std::vector<core::Json>> list_all(kube::Client& client, const std::string& path);

// (Kind, the word users type): RayCluster/raycluster, ...
const std::vector<std::pair<std::string, std::string>>& ray_kinds();

// What `status` shows: every KubeRay object, one kind, or one object.
struct StatusFilter {
  std::string kind;  // "" for all: RayCluster, RayJob, RayService
  std::string name;  // "" for all of `kind`
  bool selects(const core::WorkloadStatus& row) const {
    return (kind.empty() || row.kind == kind) && (name.empty() || row.name == name);
  }
};

// The filter `status` ARGS name (app/targets.hpp: rayjob/x, rayjob.ray.io/x,
// rayjob x, rayjobs); a usage error for other kinds or several objects.
Result<StatusFilter> status_filter(const std::vector<std::string>& args);

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
// its cluster's, and the order of the table (namespace, kind, name). `rows`
// hold every RayCluster that a RayJob or RayService of theirs names and
// that exists: one that is missing was deleted, so the workers its owner
// copied from it are no longer shown.
void explain(std::vector<core::WorkloadStatus>& rows, const WorkerReasons& reasons);

// The exit status of `status`: a reported workload_failed error when a
// row failed (the output already says which and why), else success.
Result<void> status_result(const std::vector<core::WorkloadStatus>& rows);

// `status --watch` (status_watch.cpp).
[[nodiscard]] Result<void> watch_status(const StatusOptions& options,
                                        const StatusFilter& filter,
                                        const Deps& deps,
                                        const kube::ResolvedConfig& resolved);

}  // namespace kray::app::detail
