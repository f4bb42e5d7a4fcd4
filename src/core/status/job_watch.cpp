// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/status/job_watch.hpp>

#include "../yaml/json_read.hpp"

#include <krayctl/core/k8s/pod_facts.hpp>
#include <krayctl/core/k8s/pod_problem.hpp>
#include <krayctl/core/status/status.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace kray::core {

namespace {

using detail::member;
using detail::string_member;

std::string label(const Json& pod, const char* key) {
  return string_member(member(member(pod, "metadata"), "labels"), key);
}

bool pod_ready(const Json& pod) {
  const Json& conditions = member(member(pod, "status"), "conditions");
  if (!conditions.is_array()) {
    return false;
  }
  return std::any_of(conditions.begin(), conditions.end(), [](const Json& c) {
    return string_member(c, "type") == "Ready" && string_member(c, "status") == "True";
  });
}

double pod_gpus(const Json& pod) {
  double n = 0;
  const Json& containers = member(member(pod, "spec"), "containers");
  if (containers.is_array()) {
    for (const auto& c : containers) {
      n += gpu_limit(&c);
    }
  }
  return n;
}

long long integer(const Json& object, const char* key, long long otherwise) {
  const Json& v = member(object, key);
  return v.is_number_integer() ? v.get<long long>() : otherwise;
}

// Who a Pod is to the job: "head", "worker group G", "submitter"; "" for
// a Pod of another cluster or job.
std::string role(const Json& pod, const std::string& job_name, const std::string& cluster) {
  if (!job_name.empty() && label(pod, "batch.kubernetes.io/job-name") == job_name) {
    return "submitter";
  }
  if (cluster.empty() || label(pod, "ray.io/cluster") != cluster) {
    return "";
  }
  if (label(pod, "ray.io/node-type") == "head") {
    return "head";
  }
  return "worker group " + label(pod, "ray.io/group");
}

std::string format_gpus(double n) {
  if (std::floor(n) == n) {
    return std::to_string(static_cast<long long>(n));
  }
  std::string s = std::to_string(n);
  while (!s.empty() && s.back() == '0') {
    s.pop_back();
  }
  return s;
}

}  // namespace

JobProgress job_progress(const Json& job, const std::vector<Json>& pods) {
  JobProgress p;
  const Json& st = member(job, "status");
  const Json& spec = member(job, "spec");
  p.state = string_member(st, "jobDeploymentStatus");
  if (p.state.empty()) {
    p.state = "New";
  }
  p.job_status = string_member(st, "jobStatus");
  p.cluster = string_member(st, "rayClusterName");
  p.attempts = static_cast<int>(integer(spec, "backoffLimit", 0)) + 1;
  const auto failed = static_cast<int>(integer(st, "failed", 0));
  // Failed counts its last attempt already (status.failed is incremented
  // at the transition); otherwise the job is in the attempt after its
  // failures (Retrying: the one coming).
  p.attempt = std::clamp(p.state == "Failed" ? failed : failed + 1, 1, std::max(p.attempts, 1));
  const std::string name = string_member(member(job, "metadata"), "name");
  std::map<std::string, GroupProgress> groups;
  for (const auto& pod : pods) {
    const std::string who = role(pod, name, p.cluster);
    if (who.empty() || who == "submitter") {
      continue;
    }
    const bool ready = pod_ready(pod);
    const double gpus = pod_gpus(pod);
    p.gpus += gpus;
    p.gpus_ready += ready ? gpus : 0;
    if (who == "head") {
      ++p.head_pods;
      p.head_ready = p.head_ready || ready;
      continue;
    }
    GroupProgress& g = groups[label(pod, "ray.io/group")];
    g.name = label(pod, "ray.io/group");
    ++g.pods;
    g.ready += ready ? 1 : 0;
  }
  for (auto& [n, g] : groups) {
    p.groups.push_back(std::move(g));
  }
  return p;
}

std::string progress_text(const JobProgress& p) {
  std::string text = p.state;
  if (!p.job_status.empty()) {
    text += " (Ray job " + p.job_status + ")";
  }
  if (p.attempts > 1) {
    text += ", attempt " + std::to_string(p.attempt) + " of " + std::to_string(p.attempts);
  }
  if (p.cluster.empty()) {
    return text;
  }
  text += ": cluster " + p.cluster + ", head " +
          (p.head_pods == 0 ? "not created"
           : p.head_ready   ? "ready"
                            : "not ready");
  for (const auto& g : p.groups) {
    text += ", " + g.name + " " + std::to_string(g.ready) + "/" + std::to_string(g.pods);
  }
  if (p.gpus > 0) {
    text += ", GPUs " + format_gpus(p.gpus_ready) + "/" + format_gpus(p.gpus);
  }
  return text;
}

std::vector<Stall> job_stalls(const Json& job, const std::vector<Json>& pods) {
  std::vector<Stall> stalls;
  const Json& st = member(job, "status");
  const Json& spec = member(job, "spec");
  const Json& meta = member(job, "metadata");
  const std::string state = string_member(st, "jobDeploymentStatus");
  const std::string name = string_member(meta, "name");
  if (detail::is_true(&member(spec, "suspend")) || state == "Suspended" || state == "Suspending") {
    const std::string queue = string_member(member(meta, "labels"), "kueue.x-k8s.io/queue-name");
    stalls.push_back(
        {"suspend",
         queue.empty()
             ? "suspended (spec.suspend: true): nothing runs until it is set to false"
             : "suspended (spec.suspend: true): waiting for Kueue to admit it from queue " + queue +
                   " (kubectl get workloads shows its admission)",
         false, false});
  }
  if (state == "Retrying") {
    const std::string why = one_line(string_member(st, "message"));
    const std::string reason = string_member(st, "reason");
    stalls.push_back({"retry|" + std::to_string(integer(st, "failed", 0)),
                      "attempt " + std::to_string(integer(st, "failed", 0)) + " failed" +
                          (reason.empty() ? "" : " (" + reason + ")") +
                          (why.empty() ? "" : ": " + why) + "; the operator retries",
                      false, false});
  }
  const Json& cluster_status = member(st, "rayClusterStatus");
  const Json& conditions = member(cluster_status, "conditions");
  if (conditions.is_array()) {
    for (const auto& c : conditions) {
      if (string_member(c, "type") == "ReplicaFailure" && string_member(c, "status") == "True") {
        stalls.push_back({"cluster|ReplicaFailure",
                          "cluster " + string_member(st, "rayClusterName") +
                              " cannot create its Pods: " + string_member(c, "reason") + ": " +
                              one_line(string_member(c, "message")),
                          false, false});
      }
    }
  }
  // Pods: one line per group and problem, with the count.
  const std::string cluster = string_member(st, "rayClusterName");
  std::map<std::tuple<std::string, std::string, std::string>, std::pair<int, PodProblem>> seen;
  std::vector<std::tuple<std::string, std::string, std::string>> order;
  for (const auto& pod : pods) {
    const std::string who = role(pod, name, cluster);
    if (who.empty()) {
      continue;
    }
    PodProblem problem = pod_problem(pod);
    if (problem.ok() || problem.kind == PodProblemKind::starting) {
      continue;
    }
    // A submitter that ended badly is the Job controller's to retry
    // (submitterConfig.backoffLimit) and the RayJob's status to judge
    // (SubmissionFailed): its failed Pods stay while the next one runs.
    if (who == "submitter" &&
        (problem.kind == PodProblemKind::exited || problem.kind == PodProblemKind::oom_killed)) {
      continue;
    }
    auto key = std::make_tuple(who, problem.reason, problem.summary());
    auto [it, added] = seen.try_emplace(key, 0, problem);
    ++it->second.first;
    if (added) {
      order.push_back(key);
    }
  }
  for (const auto& key : order) {
    const auto& [count, problem] = seen.at(key);
    const std::string& who = std::get<0>(key);
    const std::string pods_word = who == "head" ? ""
                                  : count == 1  ? "1 Pod "
                                                : std::to_string(count) + " Pods ";
    Stall s;
    s.key = who + "|" + problem.reason;
    s.text = who + ": " + pods_word + problem.summary();
    // The scheduler's verdict holds for the nodes there are; a cluster
    // autoscaler may add one, so an unschedulable Pod is waited for (up to
    // --timeout), not given up on.
    s.permanent = problem.permanent && problem.kind != PodProblemKind::unschedulable;
    s.settling =
        problem.kind == PodProblemKind::not_ready || problem.kind == PodProblemKind::init_stuck;
    stalls.push_back(std::move(s));
  }
  return stalls;
}

std::string job_result_text(const Json& job) {
  const Json& st = member(job, "status");
  const std::string state = string_member(st, "jobDeploymentStatus");
  const std::string job_status = string_member(st, "jobStatus");
  const std::string reason = string_member(st, "reason");
  // A deployment that failed before the Ray job ended says so itself
  // (SubmissionFailed with the Ray job still RUNNING, a deadline).
  std::string text = job_status;
  if (job_status.empty() || ((state == "Failed" || state == "ValidationFailed") &&
                             job_status != "FAILED" && job_status != "STOPPED")) {
    text = state;
  }
  return reason.empty() ? text : text + " (" + reason + ")";
}

}  // namespace kray::core
