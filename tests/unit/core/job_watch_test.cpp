// SPDX-License-Identifier: Apache-2.0
// core/status/job_watch: what submit shows of a RayJob, from objects as
// the API server returns them (KubeRay v1.6.2 status fields; Pod status
// as the kubelet and scheduler write it).
#include <krayctl/core/status/job_watch.hpp>

#include "../../support/catch.hpp"

using kray::core::Json;

namespace {

Json job(const std::string& state, Json status_extra = Json::object(), Json spec = Json::object()) {
  Json j = {{"kind", "RayJob"},
            {"metadata", {{"name", "train"}, {"namespace", "ml"}}},
            {"spec", spec},
            {"status", {{"jobDeploymentStatus", state}, {"rayClusterName", "train-abcde"}}}};
  for (auto& [k, v] : status_extra.items()) {
    j["status"][k] = v;
  }
  return j;
}

Json pod(const std::string& name,
         const std::string& type,
         const std::string& group,
         bool ready,
         int gpus = 0,
         Json status = Json::object()) {
  Json p = {{"metadata",
             {{"name", name},
              {"labels",
               {{"ray.io/cluster", "train-abcde"},
                {"ray.io/node-type", type},
                {"ray.io/group", group}}}}},
            {"spec", {{"containers", Json::array({{{"name", "ray"}}})}}},
            {"status", status}};
  if (gpus > 0) {
    p["spec"]["containers"][0]["resources"] = {{"limits", {{"nvidia.com/gpu", gpus}}}};
  }
  if (ready) {
    p["status"]["conditions"] = Json::array({{{"type", "Ready"}, {"status", "True"}}});
  }
  return p;
}

Json unschedulable(const std::string& message) {
  return {{"phase", "Pending"},
          {"conditions", Json::array({{{"type", "PodScheduled"},
                                       {"status", "False"},
                                       {"reason", "Unschedulable"},
                                       {"message", message}}})}};
}

}  // namespace

TEST_CASE("job_progress: head, groups, GPUs and the attempt", "[job_watch]") {
  const std::vector<Json> pods = {
      pod("h", "head", "headgroup", true), pod("w1", "worker", "gpu", true, 8),
      pod("w2", "worker", "gpu", false, 8), pod("c1", "worker", "cpu", true),
      // Another cluster's Pod is not counted.
      [] {
        Json p = pod("x", "worker", "gpu", true, 8);
        p["metadata"]["labels"]["ray.io/cluster"] = "other";
        return p;
      }()};
  auto p = kray::core::job_progress(job("Initializing"), pods);
  CHECK(p.head_ready);
  REQUIRE(p.groups.size() == 2);
  CHECK(kray::core::progress_text(p) ==
        "Initializing: cluster train-abcde, head ready, cpu 1/1, gpu 1/2, GPUs 8/16");
  // Retrying: the attempt coming; Failed: the last one.
  p = kray::core::job_progress(job("Retrying", {{"failed", 1}}), {});
  CHECK(kray::core::progress_text(p) == "Retrying: cluster train-abcde, head not created");
  p = kray::core::job_progress(job("Retrying", {{"failed", 1}}, {{"backoffLimit", 2}}), {});
  CHECK(p.attempt == 2);
  CHECK(p.attempts == 3);
  p = kray::core::job_progress(
      job("Failed", {{"failed", 3}, {"jobStatus", "FAILED"}}, {{"backoffLimit", 2}}), {});
  CHECK(kray::core::progress_text(p) ==
        "Failed (Ray job FAILED), attempt 3 of 3: cluster train-abcde, head not created");
  // No status yet.
  Json fresh = job("");
  fresh.erase("status");
  CHECK(kray::core::progress_text(kray::core::job_progress(fresh, {})) == "New");
}

TEST_CASE("job_stalls: Pods with one problem in one group are one line with their count",
          "[job_watch]") {
  const std::string why = "0/4 nodes are available: 4 Insufficient nvidia.com/gpu.";
  const std::vector<Json> pods = {pod("h", "head", "headgroup", true),
                                  pod("w1", "worker", "gpu", false, 8, unschedulable(why)),
                                  pod("w2", "worker", "gpu", false, 8, unschedulable(why)),
                                  pod("w3", "worker", "gpu", true, 8)};
  const auto stalls = kray::core::job_stalls(job("Initializing"), pods);
  REQUIRE(stalls.size() == 1);
  CHECK(stalls[0].text == "worker group gpu: 2 Pods Unschedulable: " + why);
  CHECK(stalls[0].key == "worker group gpu|Unschedulable");
  // Waited for, not given up on: a cluster autoscaler may add a node.
  CHECK_FALSE(stalls[0].permanent);
  CHECK_FALSE(stalls[0].settling);
}

TEST_CASE("job_stalls: what cannot heal, what settles, suspension, retries, quota", "[job_watch]") {
  const Json pull = {{"phase", "Pending"},
                     {"containerStatuses",
                      Json::array({{{"name", "ray"},
                                    {"state",
                                     {{"waiting",
                                       {{"reason", "ImagePullBackOff"},
                                        {"message", "Back-off pulling image \"r/x:1\""}}}}}}})}};
  auto stalls =
      kray::core::job_stalls(job("Initializing"), {pod("h", "head", "headgroup", false, 0, pull)});
  REQUIRE(stalls.size() == 1);
  CHECK(stalls[0].text == "head: ImagePullBackOff: Back-off pulling image \"r/x:1\"");
  CHECK(stalls[0].permanent);

  const Json waiting_init = {
      {"phase", "Pending"},
      {"initContainerStatuses",
       Json::array({{{"name", "wait-gcs-ready"},
                     {"state", {{"running", {{"startedAt", "2026-01-01T00:00:00Z"}}}}}}})}};
  Json worker = pod("w1", "worker", "gpu", false, 8, waiting_init);
  stalls = kray::core::job_stalls(job("Initializing"), {worker});
  // An init container that runs is starting, not stuck: nothing to say.
  CHECK(stalls.empty());

  Json suspended = job("Suspended", {}, {{"suspend", true}});
  suspended["metadata"]["labels"] = {{"kueue.x-k8s.io/queue-name", "gpu-queue"}};
  stalls = kray::core::job_stalls(suspended, {});
  REQUIRE(stalls.size() == 1);
  CHECK(stalls[0].text.find("waiting for Kueue to admit it from queue gpu-queue") !=
        std::string::npos);

  stalls =
      kray::core::job_stalls(job("Retrying", {{"failed", 1},
                                              {"reason", "AppFailed"},
                                              {"message", "Job entrypoint failed\nlast line"}}),
                             {});
  REQUIRE(stalls.size() == 1);
  CHECK(stalls[0].text ==
        "attempt 1 failed (AppFailed): Job entrypoint failed ... last line; the operator retries");

  stalls = kray::core::job_stalls(
      job("Initializing",
          {{"rayClusterStatus",
            {{"conditions",
              Json::array({{{"type", "ReplicaFailure"},
                            {"status", "True"},
                            {"reason", "FailedCreateWorkerPod"},
                            {"message", "pods \"w\" is forbidden: exceeded quota: gpu"}}})}}}}),
      {});
  REQUIRE(stalls.size() == 1);
  CHECK(stalls[0].text ==
        "cluster train-abcde cannot create its Pods: FailedCreateWorkerPod: pods \"w\" is "
        "forbidden: exceeded quota: gpu");
}

TEST_CASE("job_stalls: a failed submitter Pod is the Job controller's to retry, not a stall",
          "[job_watch]") {
  const Json failed = {
      {"phase", "Failed"},
      {"containerStatuses",
       Json::array({{{"name", "ray-job-submitter"},
                     {"state", {{"terminated", {{"exitCode", 1}, {"reason", "Error"}}}}}}})}};
  Json submitter = {
      {"metadata", {{"name", "train-x1"}, {"labels", {{"batch.kubernetes.io/job-name", "train"}}}}},
      {"spec", {{"containers", Json::array({{{"name", "ray-job-submitter"}}})}}},
      {"status", failed}};
  CHECK(kray::core::job_stalls(job("Running"), {submitter}).empty());
  // Its image not found is a stall (no retry fixes it).
  submitter["status"] = {
      {"phase", "Pending"},
      {"containerStatuses",
       Json::array(
           {{{"name", "ray-job-submitter"},
             {"state", {{"waiting", {{"reason", "ErrImagePull"}, {"message", "nope"}}}}}}})}};
  const auto stalls = kray::core::job_stalls(job("Running"), {submitter});
  REQUIRE(stalls.size() == 1);
  CHECK(stalls[0].text == "submitter: 1 Pod ErrImagePull: nope");
  CHECK(stalls[0].permanent);
}

TEST_CASE("job_result_text: the Ray job's status, or the deployment's when it failed first",
          "[job_watch]") {
  CHECK(kray::core::job_result_text(job("Complete", {{"jobStatus", "SUCCEEDED"}})) == "SUCCEEDED");
  CHECK(kray::core::job_result_text(job(
            "Failed", {{"jobStatus", "FAILED"}, {"reason", "AppFailed"}})) == "FAILED (AppFailed)");
  CHECK(kray::core::job_result_text(job("Complete", {{"jobStatus", "STOPPED"}})) == "STOPPED");
  CHECK(kray::core::job_result_text(
            job("Failed", {{"jobStatus", "RUNNING"}, {"reason", "SubmissionFailed"}})) ==
        "Failed (SubmissionFailed)");
  CHECK(kray::core::job_result_text(job("Failed", {{"reason", "DeadlineExceeded"}})) ==
        "Failed (DeadlineExceeded)");
}
