// SPDX-License-Identifier: Apache-2.0
// The status model (core/status/status.hpp) on status objects shaped as KubeRay
// v1.6.2 writes them (raycluster_types.go, rayjob_types.go and
// rayservice_types.go in ray-operator/apis/ray/v1/, and the controllers in
// ray-operator/controllers/ray/).
#include <krayctl/core/status/status.hpp>

#include "../../support/catch.hpp"

using kray::core::Json;
using kray::core::workload_status;

namespace {

Json object(const std::string& kind, const Json& status) {
  Json o = {{"apiVersion", "ray.io/v1"},
            {"kind", kind},
            {"metadata",
             {{"name", "x"}, {"namespace", "ml"}, {"creationTimestamp", "2026-11-26T10:00:00Z"}}}};
  if (!status.is_null()) {
    o["status"] = status;
  }
  return o;
}

}  // namespace

TEST_CASE("core::workload_status: RayCluster", "[status]") {
  auto w = workload_status(object("RayCluster", nullptr));
  CHECK(w.state == "unknown");
  CHECK(w.reason == "no status yet (is the KubeRay operator running?)");
  CHECK_FALSE(w.healthy);
  w = workload_status(object("RayCluster", Json::parse(R"({"state":"ready","readyWorkerReplicas":3,
      "desiredWorkerReplicas":4,"desiredGPU":"32","conditions":[
      {"type":"HeadPodReady","status":"True","reason":"HeadPodRunningAndReady"},
      {"type":"RayClusterProvisioned","status":"True"}]})")));
  CHECK(w.healthy);  // the sticky ready state: provisioned once
  CHECK(w.state == "ready");
  CHECK(w.ready_workers == 3);
  CHECK(w.desired_workers == 4);
  CHECK(w.gpus == "32");
  w = workload_status(object("RayCluster", Json::parse(R"({"conditions":[
      {"type":"HeadPodReady","status":"False","reason":"ImagePullBackOff",
       "message":"Back-off pulling image \"rayproject/ray:9\""}]})")));
  CHECK(w.state == "provisioning");
  CHECK(w.reason == "ImagePullBackOff: Back-off pulling image \"rayproject/ray:9\"");
  w = workload_status(object("RayCluster", Json::parse(R"({"state":"ready","conditions":[
      {"type":"HeadPodReady","status":"True"},
      {"type":"ReplicaFailure","status":"True","reason":"FailedCreateWorkerPod","message":"quota"}]})")));
  CHECK(w.state == "failing");
  CHECK(w.reason == "FailedCreateWorkerPod: quota");
  CHECK_FALSE(w.healthy);
  CHECK(workload_status(object("RayCluster", Json::parse(R"({"state":"suspended"})"))).state ==
        "suspended");
}

TEST_CASE("core::workload_status: RayJob and RayService", "[status]") {
  auto w = workload_status(object("RayJob", Json::parse(R"({"jobDeploymentStatus":"Failed",
      "jobStatus":"FAILED","reason":"AppFailed","message":"Job entrypoint command failed",
      "rayClusterStatus":{"readyWorkerReplicas":1,"desiredWorkerReplicas":2}})")));
  CHECK(w.state == "Failed");
  CHECK(w.job_status == "FAILED");
  CHECK(w.reason == "AppFailed: Job entrypoint command failed");
  CHECK_FALSE(w.healthy);
  CHECK(w.ready_workers == 1);
  w = workload_status(object(
      "RayJob", Json::parse(R"({"jobDeploymentStatus":"Complete","jobStatus":"SUCCEEDED"})")));
  CHECK(w.healthy);
  CHECK(w.reason.empty());
  w = workload_status(object("RayService", Json::parse(R"({"conditions":[
      {"type":"Ready","status":"False","reason":"ZeroServeEndpoints"}]})")));
  CHECK(w.state == "NotReady");
  CHECK(w.reason == "ZeroServeEndpoints");
  w = workload_status(object("RayService", Json::parse(R"({"serviceStatus":"Running","conditions":[
      {"type":"Ready","status":"True"},{"type":"UpgradeInProgress","status":"True"}]})")));
  CHECK(w.state == "Ready,Upgrading");
  CHECK(w.healthy);
}

TEST_CASE("core::format_status_table and short_age", "[status]") {
  CHECK(kray::core::short_age("2026-11-26T10:00:00Z", "2026-11-26T10:00:42Z") == "42s");
  CHECK(kray::core::short_age("2026-11-26T10:00:00Z", "2026-11-26T10:30:00Z") == "30m");
  CHECK(kray::core::short_age("2026-11-26T10:00:00Z", "2026-11-27T20:00:00Z") == "34h");
  CHECK(kray::core::short_age("2026-11-20T10:00:00Z", "2026-11-26T10:00:00Z") == "6d");
  CHECK(kray::core::short_age("nonsense", "2026-11-26T10:00:00Z").empty());
  auto w = workload_status(object("RayJob", Json::parse(R"({"jobDeploymentStatus":"Running",
      "jobStatus":"RUNNING","rayClusterStatus":{"readyWorkerReplicas":2,"desiredWorkerReplicas":2,
      "desiredGPU":"16"}})")));
  CHECK(kray::core::format_status_table({w}, true, "2026-11-26T10:05:00Z") ==
        "NAMESPACE   NAME       STATE     WORKERS   GPUS   JOB       AGE   REASON\n"
        "ml          rayjob/x   Running   2/2       16     RUNNING   5m\n");
}

// Issue 14, finding 2: the status is read through references. A copy of a
// status nested 200,000 levels deep (`object.value("status", ...)`)
// recursed once per level and overflowed the stack. (Servers' JSON is
// refused past 500 levels when parsed; this holds for any object.)
TEST_CASE("core::workload_status: a status nested 200,000 levels is read, not copied",
          "[core][status]") {
  Json deep = Json::array();
  for (int i = 0; i < 200'000; ++i) {
    Json outer = Json::array();
    outer.push_back(std::move(deep));
    deep = std::move(outer);
  }
  for (const char* kind : {"RayCluster", "RayJob", "RayService"}) {
    Json status = {{"conditions", Json::array()},
                   {"activeServiceStatus", {{"applicationStatuses", Json::object()}}}};
    Json o = object(kind, status);
    // Last: ordered_json's members are a vector, and one more key copies
    // those before it when the vector grows.
    o["status"]["deep"] = std::move(deep);
    const auto w = workload_status(o);
    CHECK(w.kind == kind);
    deep = std::move(o["status"]["deep"]);  // nlohmann destroys deep trees without recursion
  }
}
