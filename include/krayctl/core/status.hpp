// SPDX-License-Identifier: Apache-2.0
// One status model for RayCluster, RayJob and RayService objects
// (../shared/reference/kuberay-v1.6.2.md §D): what `status` prints and
// what waits will evaluate. Pure: objects in, rows out.
#pragma once

#include <krayctl/core/json.hpp>

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
  std::string reason;      // why it is not healthy, when it is not
  bool healthy = false;
  bool waiting_for_workers = false;  // head ready, workers not: their Pods say why
  std::string cluster;               // the RayCluster behind it ("" when none yet)
};

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
