// SPDX-License-Identifier: Apache-2.0
// core::pod_problem on Pod statuses shaped as the kubelet and the scheduler
// write them (Kubernetes "Pod Lifecycle" and "Debug Pods" pages).
#include <krayctl/core/k8s/pod_problem.hpp>

#include "../../support/catch.hpp"

using kray::core::Json;
using kray::core::pod_problem;
using kray::core::PodProblemKind;

namespace {

Json pod(const char* status, const char* spec = R"({"containers":[{"name":"ray-worker"}]})") {
  return Json{{"metadata", {{"name", "w-1"}}},
              {"spec", Json::parse(spec)},
              {"status", Json::parse(status)}};
}

}  // namespace

TEST_CASE("pod_problem: healthy, finished and unknown Pods have none") {
  CHECK(pod_problem(Json::object()).ok());
  CHECK(pod_problem(pod(R"({"phase":"Running","containerStatuses":[
      {"name":"ray-worker","ready":true,"state":{"running":{}}}]})"))
            .ok());
  CHECK(pod_problem(pod(R"({"phase":"Succeeded","containerStatuses":[
      {"name":"ray-worker","state":{"terminated":{"reason":"Completed","exitCode":0}}}]})"))
            .ok());
  CHECK(pod_problem(Json::parse(R"({"status":"not an object"})")).ok());
}

TEST_CASE("pod_problem: the scheduler's verdict comes first, with its message") {
  auto p = pod_problem(pod(R"({"phase":"Pending","conditions":[
      {"type":"PodScheduled","status":"False","reason":"Unschedulable",
       "message":"0/3 nodes are available: 3 Insufficient nvidia.com/gpu."}],
      "containerStatuses":[{"name":"ray-worker","state":{"waiting":{"reason":"ContainerCreating"}}}]})"));
  CHECK(p.kind == PodProblemKind::unschedulable);
  CHECK(p.permanent);
  CHECK(p.summary() == "Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");
  auto gated = pod_problem(pod(R"({"phase":"Pending","conditions":[
      {"type":"PodScheduled","status":"False","reason":"SchedulingGated","message":"gated"}]})"));
  CHECK(gated.kind == PodProblemKind::unschedulable);
  CHECK_FALSE(gated.permanent);
}

TEST_CASE("pod_problem: image pull and configuration errors are permanent") {
  auto p = pod_problem(pod(R"({"phase":"Pending","containerStatuses":[
      {"name":"ray-worker","state":{"waiting":{"reason":"ImagePullBackOff",
       "message":"Back-off pulling image \"rayproject/ray:9\""}}}]})"));
  CHECK(p.kind == PodProblemKind::image_pull);
  CHECK(p.permanent);
  CHECK(p.container == "ray-worker");
  CHECK(p.summary() == "ImagePullBackOff: Back-off pulling image \"rayproject/ray:9\"");
  auto c = pod_problem(pod(R"({"phase":"Pending","containerStatuses":[
      {"name":"ray-worker","state":{"waiting":{"reason":"CreateContainerConfigError"}}}]})"));
  CHECK(c.kind == PodProblemKind::config_error);
  CHECK(c.summary() == "CreateContainerConfigError: the container cannot start");
}

TEST_CASE("pod_problem: a crash loop names the container and its last exit code") {
  auto p = pod_problem(pod(R"({"phase":"Running","containerStatuses":[
      {"name":"sidecar","ready":true,"state":{"running":{}}},
      {"name":"ray-worker","ready":false,"restartCount":4,
       "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 1m20s"}},
       "lastState":{"terminated":{"reason":"Error","exitCode":1}}}]})"));
  CHECK(p.kind == PodProblemKind::crash_loop);
  CHECK(p.permanent);
  REQUIRE(p.exit_code);
  CHECK(*p.exit_code == 1);
  CHECK(p.summary() == "CrashLoopBackOff: container ray-worker keeps exiting with code 1");
}

TEST_CASE("pod_problem: OOMKilled, restarting or final") {
  auto looping = pod_problem(pod(R"({"phase":"Running","containerStatuses":[
      {"name":"ray-worker","state":{"waiting":{"reason":"CrashLoopBackOff"}},
       "lastState":{"terminated":{"reason":"OOMKilled","exitCode":137}}}]})"));
  CHECK(looping.kind == PodProblemKind::oom_killed);
  CHECK(looping.summary() ==
        "OOMKilled: container ray-worker passed its memory limit (exit code 137)");
  auto final_ = pod_problem(pod(R"({"phase":"Failed","containerStatuses":[
      {"name":"ray-worker","state":{"terminated":{"reason":"OOMKilled","exitCode":137}}}]})"));
  CHECK(final_.kind == PodProblemKind::oom_killed);
  CHECK(final_.permanent);
}

TEST_CASE("pod_problem: a container that exited with an error") {
  auto p = pod_problem(pod(R"({"phase":"Failed","containerStatuses":[
      {"name":"nccl","state":{"terminated":{"exitCode":3,"message":"NCCL WARN"}}}]})"));
  CHECK(p.kind == PodProblemKind::exited);
  CHECK(p.permanent);
  CHECK(p.summary() == "Error: container nccl exited with code 3: NCCL WARN");
}

TEST_CASE("pod_problem: init containers, running or stuck") {
  auto running = pod_problem(pod(R"({"phase":"Pending","initContainerStatuses":[
      {"name":"wait-gcs-ready","state":{"running":{}}}],
      "containerStatuses":[{"name":"ray-worker","state":{"waiting":{"reason":"PodInitializing"}}}]})"));
  CHECK(running.kind == PodProblemKind::starting);
  CHECK_FALSE(running.permanent);
  CHECK(running.summary() == "Init:0/1");
  auto stuck = pod_problem(pod(R"({"phase":"Pending","initContainerStatuses":[
      {"name":"a","state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
      {"name":"b","state":{"waiting":{"reason":"CrashLoopBackOff"}},
       "lastState":{"terminated":{"exitCode":2}}}]})"));
  CHECK(stuck.kind == PodProblemKind::init_stuck);
  CHECK(stuck.container == "b");
  CHECK(stuck.permanent);
  CHECK(stuck.summary() ==
        "init container b: CrashLoopBackOff: container b keeps exiting with code 2");
}

TEST_CASE("pod_problem: starting containers are not permanent") {
  auto p = pod_problem(pod(R"({"phase":"Pending","containerStatuses":[
      {"name":"ray-worker","state":{"waiting":{"reason":"ContainerCreating"}}}]})"));
  CHECK(p.kind == PodProblemKind::starting);
  CHECK_FALSE(p.permanent);
  CHECK(p.summary() == "ContainerCreating");
}

TEST_CASE("pod_problem: running but not ready names the probe") {
  auto p = pod_problem(pod(R"({"phase":"Running","containerStatuses":[
      {"name":"ray-worker","ready":false,"state":{"running":{}}}]})",
                           R"({"containers":[{"name":"ray-worker","readinessProbe":
             {"httpGet":{"port":52365,"path":"/api/gcs_healthz"}}}]})"));
  CHECK(p.kind == PodProblemKind::not_ready);
  CHECK_FALSE(p.permanent);
  CHECK(p.summary() ==
        "NotReady: container ray-worker runs but is not ready "
        "(readiness probe HTTP GET :52365/api/gcs_healthz)");
}
