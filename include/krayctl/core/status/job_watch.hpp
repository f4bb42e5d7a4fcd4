// SPDX-License-Identifier: Apache-2.0
// What `submit` (and `wait`) show of one RayJob while they wait on it: its
// progress (phase, head, worker groups, GPUs, attempt), why it stalls, one
// line per cause, and how it ended. Pure: the RayJob and the Pods of its
// cluster and submitter in, text out. The state machine read is KubeRay
// v1.6.2's (ray-operator/controllers/ray/rayjob_controller.go, Reconcile;
// ray-operator/apis/ray/v1/rayjob_types.go).
#pragma once

#include <krayctl/core/yaml/json.hpp>

#include <string>
#include <vector>

namespace kray::core {

struct GroupProgress {
  std::string name;
  int ready = 0;
  int pods = 0;
};

struct JobProgress {
  std::string state;       // jobDeploymentStatus: New, Initializing, Running, Retrying, ...
  std::string job_status;  // the Ray job's: PENDING, RUNNING, SUCCEEDED, ...
  std::string cluster;     // status.rayClusterName
  int attempt = 1;         // status.failed + 1 while it runs
  int attempts = 1;        // spec.backoffLimit + 1
  int head_pods = 0;
  bool head_ready = false;
  std::vector<GroupProgress> groups;  // worker groups, by name
  double gpus_ready = 0;              // GPUs of the ready cluster Pods
  double gpus = 0;                    // GPUs of all the cluster's Pods
};

// `pods`: the Pods of the job's cluster (label ray.io/cluster) and of its
// submitter (batch.kubernetes.io/job-name), in any order; others are
// ignored.
JobProgress job_progress(const Json& job, const std::vector<Json>& pods);

// One line: "Initializing, attempt 2 of 3: cluster train-x7k2p, head
// ready, gpu-group 2/4, GPUs 16/32".
std::string progress_text(const JobProgress& p);

struct Stall {
  // What it is about ("worker group gpu-group|Unschedulable"): a stall is
  // reported when it starts and again only when its text changes.
  std::string key;
  std::string text;  // one line, cause first
  // Passes by itself while a cluster starts (an init container waiting
  // for the GCS, a readiness probe not passing yet): worth saying only
  // once it lasts (the caller's grace period).
  bool settling = false;
  // Waiting will not cure it (pod_problem's `permanent`).
  bool permanent = false;
};

// Why the job does not progress now, from its status and its Pods'
// problems (core::pod_problem), Pods with the same problem in one group
// counted in one line: "worker group gpu-group: 2 Pods Unschedulable: 0/4
// nodes are available: 4 Insufficient nvidia.com/gpu."
std::vector<Stall> job_stalls(const Json& job, const std::vector<Json>& pods);

// How the RayJob ended, in its own words: "SUCCEEDED", "FAILED
// (AppFailed)", "STOPPED", "Failed (SubmissionFailed)" (the deployment
// failed while the Ray job had not ended). Its message is separate
// (status.message).
std::string job_result_text(const Json& job);

}  // namespace kray::core
