// SPDX-License-Identifier: Apache-2.0
// One status model for RayCluster, RayJob and RayService objects, as
// KubeRay v1.6.2 writes them (raycluster_types.go, rayjob_types.go and
// rayservice_types.go in ray-operator/apis/ray/v1/; the controllers in
// ray-operator/controllers/ray/): what `status` prints and what waits will
// evaluate. Pure: objects in, rows out.
#pragma once

#include <krayctl/core/yaml/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kray::core {

struct WorkloadStatus {
  std::string kind;  // RayCluster, RayJob, RayService
  std::string ns;
  std::string name;
  std::string state;       // ready, provisioning, suspended, Running, Complete, Failed, ...
  int ready_workers = -1;  // -1: unknown
  int desired_workers = -1;
  std::string gpus;        // desired GPUs of the cluster ("16"), "" when none
  std::string job_status;  // RayJob: PENDING, RUNNING, SUCCEEDED, ...
  std::string created;     // metadata.creationTimestamp
  std::string uid;         // metadata.uid (events of this object, not of an earlier one)
  std::string reason;      // why it is not healthy, when it is not
  // Where it should be: a ready cluster, a running or succeeded job, a
  // ready service. Not healthy is not failed: a job still starting is
  // neither.
  bool healthy = false;
  // The workload failed (exit 1): a RayJob Failed or ValidationFailed, or
  // Complete with its Ray job STOPPED or FAILED; a RayCluster whose Pods
  // cannot be created (ReplicaFailure); a RayService whose Serve
  // applications failed (DEPLOY_FAILED, UNHEALTHY) or that cannot start
  // (ValidationFailed, InitializingTimeout).
  bool failed = false;
  // No further change will come from the operator: a RayJob Complete,
  // Failed or ValidationFailed (`status --watch KIND/NAME` ends there).
  bool finished = false;
  bool waiting_for_workers = false;  // head ready, workers not: their Pods say why
  std::string cluster;               // the RayCluster behind it ("" when none yet)
};

// Whether any of `rows` failed: the exit status of `status` (1 when so).
bool any_failed(const std::vector<WorkloadStatus>& rows);

// The first line of a message, and its last when it has several (a Serve
// traceback ends with the exception): for a table cell.
std::string one_line(const std::string& message);

// The status of one KubeRay object as the operator reports it; an object
// without status yet is "no status yet (is the KubeRay operator running?)".
WorkloadStatus workload_status(const Json& object);

// "5s", "3m", "2h", "4d" between two RFC 3339 times (kubectl's short age);
// "" when either is unreadable.
std::string short_age(const std::string& from, const std::string& now);

// The table `krayctl status` prints, columns aligned; NAMESPACE first when
// `all_namespaces`.
std::string format_status_table(const std::vector<WorkloadStatus>& rows,
                                bool all_namespaces,
                                const std::string& now);

Json to_json(const WorkloadStatus& s);

}  // namespace kray::core
