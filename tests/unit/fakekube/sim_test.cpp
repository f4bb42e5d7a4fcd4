// SPDX-License-Identifier: Apache-2.0
// fakekube's simulations: scheduler, kubelet, Job controller, the KubeRay
// operator and the Ray dashboard, on a clock 50 times faster than real time.
#include "../../support/fakekube/sim.hpp"

#include "../../support/catch.hpp"
#include "../../support/http_client.hpp"

#include <algorithm>
#include <thread>

using fakekube::ApiServer;
using fakekube::Json;
using fakekube::Simulation;

namespace {

struct Cluster {
  ApiServer server;
  Simulation sim;
  explicit Cluster(fakekube::SimOptions o = {}, const std::string& nodes = "2x8gpu,1xcpu")
      : server(options(nodes)), sim(server, o) {
    server.start();
    sim.start();
  }
  static fakekube::ServerOptions options(const std::string& nodes) {
    fakekube::ServerOptions o;
    o.speed = 50;
    o.nodes = nodes;
    return o;
  }

  // Polls `get` until `done` holds (10 s of real time at most); the last
  // object read.
  Json wait(const std::string& api,
            const std::string& resource,
            const std::string& name,
            const std::function<bool(const Json&)>& done) {
    Json last;
    for (int i = 0; i < 1000; ++i) {
      auto o = server.get(api, resource, "default", name);
      if (o) {
        last = *o;
        if (done(last)) {
          return last;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("timed out waiting for " << resource << "/" << name << ": " << last.dump());
    return last;
  }

  std::vector<Json> events_for(const std::string& name) {
    std::vector<Json> out;
    for (const auto& e : server.list("v1", "events", "default")) {
      if (e["involvedObject"]["name"] == name) {
        out.push_back(e);
      }
    }
    return out;
  }
};

Json pod(const std::string& name,
         const std::string& gpus = "",
         const std::string& behavior = "",
         const std::string& restart = "Always") {
  Json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}}},
            {"spec",
             {{"restartPolicy", restart},
              {"containers", Json::array({{{"name", "main"}, {"image", "busybox"}}})}}}};
  if (!gpus.empty()) {
    p["spec"]["containers"][0]["resources"] = {{"limits", {{"nvidia.com/gpu", gpus}}}};
  }
  if (!behavior.empty()) {
    p["metadata"]["annotations"] = {{"fakekube.io/behavior", behavior}};
  }
  return p;
}

std::string phase(const Json& p) {
  return p.value("status", Json::object()).value("phase", "");
}

Json container_state(const Json& p) {
  const Json st = p.value("status", Json::object());
  if (!st.contains("containerStatuses") || st["containerStatuses"].empty()) {
    return Json::object();
  }
  return st["containerStatuses"][0];
}

bool has_condition(const Json& o, const std::string& type, const std::string& status) {
  for (const auto& c : o.value("status", Json::object()).value("conditions", Json::array())) {
    if (c["type"] == type && c["status"] == status) {
      return true;
    }
  }
  return false;
}

const char* const k_cluster = R"({"apiVersion":"ray.io/v1","kind":"RayCluster",
  "metadata":{"name":"rc"},
  "spec":{"headGroupSpec":{"rayStartParams":{},"template":{"spec":{"containers":[
    {"name":"ray-head","image":"rayproject/ray:2.52.0","ports":[{"name":"dashboard","containerPort":8265}],
     "resources":{"requests":{"cpu":"2","memory":"4Gi"}}}]}}},
  "workerGroupSpecs":[{"groupName":"gpu","replicas":2,"minReplicas":0,"maxReplicas":4,"rayStartParams":{},
    "template":{"spec":{"containers":[{"name":"ray-worker","image":"rayproject/ray:2.52.0",
      "resources":{"limits":{"nvidia.com/gpu":"8","cpu":"16","memory":"64Gi"}}}]}}}]}})";

}  // namespace

TEST_CASE("fakekube sim: the scheduler binds what fits and explains what does not",
          "[fakekube][sim]") {
  Cluster c;
  REQUIRE(c.server.create("v1", "pods", "default", pod("fits", "8")));
  REQUIRE(c.server.create("v1", "pods", "default", pod("too-big", "16")));
  Json running = c.wait("v1", "pods", "fits", [](const Json& p) { return phase(p) == "Running"; });
  CHECK(running["spec"]["nodeName"].get<std::string>().rfind("gpu-node-", 0) == 0);
  CHECK(running["status"]["podIP"].is_string());
  CHECK(has_condition(running, "Ready", "True"));
  Json pending = c.wait("v1", "pods", "too-big",
                        [](const Json& p) { return has_condition(p, "PodScheduled", "False"); });
  CHECK(phase(pending) == "Pending");
  std::string message;
  for (const auto& cond : pending["status"]["conditions"]) {
    if (cond["type"] == "PodScheduled") {
      CHECK(cond["reason"] == "Unschedulable");
      message = cond["message"];
    }
  }
  CHECK(message.rfind("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.", 0) == 0);
  bool event = false;
  for (const auto& e : c.events_for("too-big")) {
    event = event || (e["reason"] == "FailedScheduling" && e["type"] == "Warning" &&
                      e["message"] == message);
  }
  CHECK(event);
  // The 8-GPU pod took one node's GPUs: a second one still fits, a third not.
  REQUIRE(c.server.create("v1", "pods", "default", pod("second", "8")));
  REQUIRE(c.server.create("v1", "pods", "default", pod("third", "8")));
  c.wait("v1", "pods", "second", [](const Json& p) { return phase(p) == "Running"; });
  c.wait("v1", "pods", "third",
         [](const Json& p) { return has_condition(p, "PodScheduled", "False"); });
}

TEST_CASE("fakekube sim: the kubelet's failure modes", "[fakekube][sim]") {
  Cluster c;
  SECTION("image pull: ErrImagePull, then ImagePullBackOff") {
    REQUIRE(c.server.create("v1", "pods", "default", pod("pull", "", "image-pull-error")));
    Json p = c.wait("v1", "pods", "pull", [](const Json& o) {
      return container_state(o).value("state", Json::object()).contains("waiting") &&
             container_state(o)["state"]["waiting"]["reason"] == "ImagePullBackOff";
    });
    CHECK(phase(p) == "Pending");
    CHECK(container_state(p)["state"]["waiting"]["message"] ==
          "Back-off pulling image \"busybox\"");
  }
  SECTION("crash loop: restarts and CrashLoopBackOff") {
    REQUIRE(c.server.create("v1", "pods", "default", pod("crash", "", "crash-loop")));
    Json p = c.wait("v1", "pods", "crash", [](const Json& o) {
      return container_state(o).value("restartCount", 0) >= 1 &&
             container_state(o)["state"].contains("waiting");
    });
    CHECK(container_state(p)["state"]["waiting"]["reason"] == "CrashLoopBackOff");
    CHECK(container_state(p)["lastState"]["terminated"]["exitCode"] == 1);
    CHECK(phase(p) == "Running");
    CHECK_FALSE(has_condition(p, "Ready", "True"));
  }
  SECTION("OOMKilled, not restarted with restartPolicy Never") {
    REQUIRE(c.server.create("v1", "pods", "default", pod("oom", "", "oom", "Never")));
    Json p = c.wait("v1", "pods", "oom", [](const Json& o) { return phase(o) == "Failed"; });
    CHECK(container_state(p)["state"]["terminated"]["reason"] == "OOMKilled");
    CHECK(container_state(p)["state"]["terminated"]["exitCode"] == 137);
  }
}

TEST_CASE("fakekube sim: batch/v1 Jobs finish", "[fakekube][sim]") {
  Cluster c;
  auto job = [](const std::string& name, const std::string& behavior, int backoff) {
    Json t = {{"metadata", {{"annotations", {{"fakekube.io/behavior", behavior}}}}},
              {"spec",
               {{"restartPolicy", "Never"},
                {"containers", Json::array({{{"name", "main"}, {"image", "busybox"}}})}}}};
    return Json{{"apiVersion", "batch/v1"},
                {"kind", "Job"},
                {"metadata", {{"name", name}}},
                {"spec", {{"backoffLimit", backoff}, {"template", t}}}};
  };
  REQUIRE(c.server.create("batch/v1", "jobs", "default", job("ok", "exit:0:1", 0)));
  REQUIRE(c.server.create("batch/v1", "jobs", "default", job("bad", "exit:3:1", 1)));
  Json ok = c.wait("batch/v1", "jobs", "ok",
                   [](const Json& j) { return has_condition(j, "Complete", "True"); });
  CHECK(has_condition(ok, "SuccessCriteriaMet", "True"));
  CHECK(ok["status"]["succeeded"] == 1);
  Json bad = c.wait("batch/v1", "jobs", "bad",
                    [](const Json& j) { return has_condition(j, "Failed", "True"); });
  CHECK(has_condition(bad, "FailureTarget", "True"));
  CHECK(bad["status"]["failed"] == 2);  // backoffLimit 1: two tries
  int job_pods = 0;
  for (const auto& p : c.server.list("v1", "pods", "default")) {
    if (p["metadata"]["labels"].value("batch.kubernetes.io/job-name", "") == "bad") {
      ++job_pods;
      CHECK(container_state(p)["state"]["terminated"]["exitCode"] == 3);
    }
  }
  CHECK(job_pods == 2);
}

TEST_CASE("fakekube sim: the operator expands a RayCluster and reports it ready",
          "[fakekube][sim]") {
  Cluster c;
  REQUIRE(c.server.create("ray.io/v1", "rayclusters", "default", Json::parse(k_cluster)));
  Json rc = c.wait("ray.io/v1", "rayclusters", "rc", [](const Json& o) {
    return o.value("status", Json::object()).value("state", "") == "ready";
  });
  const Json& st = rc["status"];
  CHECK(st["desiredWorkerReplicas"] == 2);
  CHECK(st["readyWorkerReplicas"] == 2);
  CHECK(st["desiredGPU"] == "16");
  CHECK(st["desiredCPU"] == "34");
  CHECK(st["desiredMemory"] == "132Gi");
  CHECK(st["endpoints"]["dashboard"] == "8265");
  CHECK(st["endpoints"]["metrics"] == "8080");
  CHECK(st["head"]["serviceName"] == "rc-head-svc");
  CHECK(has_condition(rc, "HeadPodReady", "True"));
  CHECK(has_condition(rc, "RayClusterProvisioned", "True"));
  int heads = 0;
  int workers = 0;
  for (const auto& p : c.server.list("v1", "pods", "default")) {
    const Json l = p["metadata"]["labels"];
    CHECK(l["ray.io/cluster"] == "rc");
    CHECK(p["metadata"]["ownerReferences"][0]["uid"] == rc["metadata"]["uid"]);
    if (l["ray.io/node-type"] == "head") {
      ++heads;
      CHECK(p["metadata"]["name"].get<std::string>().rfind("rc-head-", 0) == 0);
      CHECK(l["ray.io/group"] == "headgroup");
    } else {
      ++workers;
      CHECK(p["metadata"]["name"].get<std::string>().rfind("rc-gpu-worker-", 0) == 0);
      CHECK(l["ray.io/group"] == "gpu");
    }
  }
  CHECK(heads == 1);
  CHECK(workers == 2);
  auto svc = c.server.get("v1", "services", "default", "rc-head-svc");
  REQUIRE(svc);
  CHECK((*svc)["spec"]["clusterIP"] == "None");
  CHECK((*svc)["spec"]["selector"]["ray.io/node-type"] == "head");
  SECTION("scaling down deletes workers; the sticky ready state stays") {
    Json smaller = rc;
    smaller["spec"]["workerGroupSpecs"][0]["replicas"] = 1;
    REQUIRE(c.server.update("ray.io/v1", "rayclusters", "default", smaller));
    Json after = c.wait("ray.io/v1", "rayclusters", "rc", [](const Json& o) {
      return o["status"]["desiredWorkerReplicas"] == 1 && o["status"]["readyWorkerReplicas"] == 1;
    });
    CHECK(after["status"]["state"] == "ready");
  }
  SECTION("deleting the cluster takes its pods and service with it") {
    // The garbage collector works after the DELETE; the kubelet stops the
    // Pods it deletes (graceful deletion) before they go.
    REQUIRE(c.server.remove("ray.io/v1", "rayclusters", "default", "rc"));
    bool gone = false;
    for (int i = 0; i < 1000 && !gone; ++i) {
      gone = c.server.list("v1", "pods", "default").empty() &&
             !c.server.get("v1", "services", "default", "rc-head-svc");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(gone);
  }
}

TEST_CASE("fakekube sim: without the operator nothing happens; an invalid spec is an event",
          "[fakekube][sim]") {
  SECTION("no operator") {
    fakekube::SimOptions o;
    o.operator_ = false;
    Cluster c(o);
    REQUIRE(c.server.create("ray.io/v1", "rayclusters", "default", Json::parse(k_cluster)));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // 15 simulated seconds
    CHECK_FALSE(c.server.get("ray.io/v1", "rayclusters", "default", "rc")->contains("status"));
    CHECK(c.server.list("v1", "pods", "default").empty());
  }
  SECTION("invalid spec") {
    Cluster c;
    Json bad = Json::parse(k_cluster);
    bad["spec"]["workerGroupSpecs"][0]["minReplicas"] = 5;
    REQUIRE(c.server.create("ray.io/v1", "rayclusters", "default", bad));
    for (int i = 0; i < 200 && c.events_for("rc").empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const auto events = c.events_for("rc");
    REQUIRE(events.size() == 1);
    CHECK(events[0]["type"] == "Warning");
    CHECK(events[0]["reason"] == "InvalidRayClusterSpec");
    CHECK(c.server.list("v1", "pods", "default").empty());
  }
}

namespace {

Json rayjob(const std::string& name, const std::string& entrypoint, const std::string& mode) {
  Json j = {{"apiVersion", "ray.io/v1"},
            {"kind", "RayJob"},
            {"metadata", {{"name", name}}},
            {"spec",
             {{"entrypoint", entrypoint},
              {"submissionMode", mode},
              {"shutdownAfterJobFinishes", true},
              {"rayClusterSpec", Json::parse(k_cluster)["spec"]}}}};
  j["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]["replicas"] = 1;
  return j;
}

bool deployment_done(const Json& j) {
  const std::string d = j.value("status", Json::object()).value("jobDeploymentStatus", "");
  return d == "Complete" || d == "Failed";
}

std::string deployment(const Json& j) {
  return j.value("status", Json::object()).value("jobDeploymentStatus", "");
}

// RayJob `name`'s jobDeploymentStatus at each write while `act` runs on a
// thread, until it is `until`. From a watch that starts at the
// resourceVersion of a list taken before `act`, so it sees every write
// however late it connects (polling could miss a short state).
std::vector<std::string> deployment_states(Cluster& c,
                                           const std::string& name,
                                           const std::function<void()>& act,
                                           const std::string& until) {
  testing::HttpClient http(c.server, "admin");
  const auto listed = http.get("/apis/ray.io/v1/namespaces/default/rayjobs");
  REQUIRE(listed.status == 200);
  const std::string rv =
      Json::parse(listed.body)["metadata"].value("resourceVersion", std::string());
  REQUIRE_FALSE(rv.empty());
  std::vector<std::string> seen;
  std::thread actor(act);
  std::string buffer;
  http.stream("/apis/ray.io/v1/namespaces/default/rayjobs?watch=true&resourceVersion=" + rv,
              [&](const std::string& piece) {
                buffer += piece;
                for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
                  const Json e = Json::parse(buffer.substr(0, nl));
                  buffer.erase(0, nl + 1);
                  if (e["object"]["metadata"].value("name", "") != name) {
                    continue;
                  }
                  const std::string d = deployment(e["object"]);
                  if (seen.empty() || seen.back() != d) {
                    seen.push_back(d);
                  }
                  if (d == until) {
                    return false;
                  }
                }
                return true;
              });
  actor.join();
  return seen;
}

// Empty as KubeRay leaves a status field it resets: absent, "", or {}.
bool blank(const Json& st, const char* key) {
  return !st.contains(key) || st[key].is_null() || st[key] == "" ||
         (st[key].is_object() && st[key].empty());
}

}  // namespace

TEST_CASE("fakekube sim: a RayJob runs to the end", "[fakekube][sim]") {
  Cluster c;
  c.sim.add_job_rule("fail.py", {"FAILED",
                                 1,
                                 2,
                                 "Job entrypoint command failed with exit code 1",
                                 {"Traceback (most recent call last):", "RuntimeError: boom"}});
  SECTION("K8sJobMode: a cluster, a submitter Job, SUCCEEDED and Complete; the cluster goes") {
    REQUIRE(c.server.create("ray.io/v1", "rayjobs", "default",
                            rayjob("train", "python train.py", "K8sJobMode")));
    Json j = c.wait("ray.io/v1", "rayjobs", "train", deployment_done);
    const Json& st = j["status"];
    CHECK(st["jobDeploymentStatus"] == "Complete");
    CHECK(st["jobStatus"] == "SUCCEEDED");
    CHECK(st["succeeded"] == 1);
    CHECK(st["jobId"].get<std::string>().rfind("train-", 0) == 0);
    const std::string cluster = st["rayClusterName"];
    CHECK(cluster.rfind("train-", 0) == 0);
    CHECK(st["dashboardURL"] == cluster + "-head-svc.default.svc.cluster.local:8265");
    CHECK(j["metadata"]["finalizers"][0] == "ray.io/rayjob-finalizer");
    auto submitter = c.server.get("batch/v1", "jobs", "default", "train");
    REQUIRE(submitter);
    CHECK(has_condition(*submitter, "Complete", "True"));
    CHECK((*submitter)["spec"]["template"]["spec"]["containers"][0]["name"] == "ray-job-submitter");
    // The submitter's log carries the Ray job's.
    std::string pod_name;
    for (const auto& p : c.server.list("v1", "pods", "default")) {
      if (p["metadata"]["labels"].value("job-name", "") == "train") {
        pod_name = p["metadata"]["name"];
      }
    }
    REQUIRE_FALSE(pod_name.empty());
    testing::HttpClient http(c.server, "admin");
    const std::string log = http.get("/api/v1/namespaces/default/pods/" + pod_name + "/log").body;
    const std::string id = st["jobId"];
    CHECK(log.find("Running entrypoint for job " + id +
                   ": python train.py\nRunning "
                   "entrypoint\nJob finished\n") != std::string::npos);
    CHECK(log.find("Job '" + id + "' succeeded") != std::string::npos);
    // shutdownAfterJobFinishes with no TTL: the cluster is deleted.
    for (int i = 0; i < 200 && c.server.get("ray.io/v1", "rayclusters", "default", cluster); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK_FALSE(c.server.get("ray.io/v1", "rayclusters", "default", cluster));
  }
  SECTION("HTTPMode, a failing entrypoint: FAILED, Failed/AppFailed") {
    REQUIRE(c.server.create("ray.io/v1", "rayjobs", "default",
                            rayjob("broken", "python fail.py", "HTTPMode")));
    Json j = c.wait("ray.io/v1", "rayjobs", "broken", deployment_done);
    CHECK(j["status"]["jobDeploymentStatus"] == "Failed");
    CHECK(j["status"]["jobStatus"] == "FAILED");
    CHECK(j["status"]["reason"] == "AppFailed");
    CHECK(j["status"]["message"] == "Job entrypoint command failed with exit code 1");
    CHECK_FALSE(c.server.get("batch/v1", "jobs", "default", "broken"));
  }
}

TEST_CASE("fakekube sim: a RayService becomes Ready", "[fakekube][sim]") {
  Cluster c;
  Json svc = {{"apiVersion", "ray.io/v1"},
              {"kind", "RayService"},
              {"metadata", {{"name", "llm"}}},
              {"spec",
               {{"serveConfigV2",
                 "applications:\n- name: llm\n  import_path: serve:app\n  route_prefix: /\n"
                 "  deployments:\n  - name: VLLMDeployment\n"},
                {"rayClusterConfig", Json::parse(k_cluster)["spec"]}}}};
  // KubeRay builds the serve Service from the head's port named `serve`.
  svc["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"][0]["ports"]
      .push_back({{"name", "serve"}, {"containerPort", 8000}});
  REQUIRE(c.server.create("ray.io/v1", "rayservices", "default", svc));
  // Ready once a serve endpoint is (KubeRay counts them); the workers'
  // readiness probes pass one after the other, so wait for both.
  Json s = c.wait("ray.io/v1", "rayservices", "llm", [](const Json& o) {
    return has_condition(o, "Ready", "True") && o["status"].value("numServeEndpoints", 0) == 2;
  });
  CHECK(s["status"]["serviceStatus"] == "Running");
  CHECK(s["status"]["activeServiceStatus"]["applicationStatuses"]["llm"]["status"] == "RUNNING");
  CHECK(s["status"]["activeServiceStatus"]["applicationStatuses"]["llm"]["serveDeploymentStatuses"]
         ["VLLMDeployment"]["status"] == "HEALTHY");
  CHECK(s["status"]["pendingServiceStatus"].empty());
  auto serve = c.server.get("v1", "services", "default", "llm-serve-svc");
  REQUIRE(serve);
  CHECK((*serve)["spec"]["selector"]["ray.io/serve"] == "true");
  CHECK((*serve)["metadata"]["ownerReferences"][0]["kind"] == "RayService");
  auto head = c.server.get("v1", "services", "default", "llm-head-svc");
  REQUIRE(head);
  CHECK((*head)["metadata"]["labels"]["ray.io/originated-from-crd"] == "RayService");
}

TEST_CASE("fakekube sim: the Ray dashboard behind the service proxy", "[fakekube][sim]") {
  Cluster c;
  c.sim.add_job_rule("sleep", {"SUCCEEDED", 1, 1000, "", {"tick"}});
  REQUIRE(c.server.create("ray.io/v1", "rayclusters", "default", Json::parse(k_cluster)));
  c.wait("ray.io/v1", "rayclusters", "rc", [](const Json& o) {
    return o.value("status", Json::object()).value("state", "") == "ready";
  });
  testing::HttpClient http(c.server, "admin");
  const std::string base = "/api/v1/namespaces/default/services/rc-head-svc:dashboard/proxy";
  auto submitted = http.request("POST", base + "/api/jobs/",
                                R"({"entrypoint":"python sleep.py","submission_id":"s1"})");
  REQUIRE(submitted.status == 200);
  CHECK(Json::parse(submitted.body)["submission_id"] == "s1");
  auto again =
      http.request("POST", base + "/api/jobs/", R"({"entrypoint":"x","submission_id":"s1"})");
  CHECK(again.status == 500);
  CHECK(again.body.find("Please use a different submission_id") != std::string::npos);
  Json info = Json::parse(http.get(base + "/api/jobs/s1").body);
  CHECK((info["status"] == "PENDING" || info["status"] == "RUNNING"));
  CHECK(info["entrypoint"] == "python sleep.py");
  CHECK(http.get(base + "/api/jobs/nope").status == 404);
  auto stop = http.request("POST", base + "/api/jobs/s1/stop", "");
  CHECK(Json::parse(stop.body)["stopped"] == true);
  CHECK(Json::parse(http.get(base + "/api/jobs/s1").body)["status"] == "STOPPED");
  CHECK(Json::parse(http.get(base + "/api/jobs/").body).size() == 1);
  CHECK(Json::parse(http.get(base + "/api/jobs/s1/logs").body).contains("logs"));
}

TEST_CASE("fakekube sim: scenario files", "[fakekube][sim]") {
  ApiServer server;
  Simulation sim(server);
  CHECK(
      sim.load_scenario("images:\n- match: bad-image\n  behavior: image-pull-error\n"
                        "jobs:\n- match: fail\n  status: FAILED\n  runSeconds: 5\n"
                        "serve:\n  status: DEPLOY_FAILED\n"));
  auto unknown = sim.load_scenario("image: []\n");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message ==
        "unknown scenario key \"image\" (images, jobs, serve, faults, registry)");
  auto bad_fault = sim.load_scenario("faults: [warning=x, latency=soon]\n");
  REQUIRE_FALSE(bad_fault);
  CHECK(bad_fault.error().message ==
        "faults[1]: fault \"latency=soon\": MS must be a whole number");
  CHECK_FALSE(sim.load_scenario("faults: warning=x\n"));
  CHECK_FALSE(sim.load_scenario("images:\n- match: x\n  behavior: explode\n"));
  CHECK_FALSE(sim.load_scenario("jobs:\n- match: x\n  status: MAYBE\n"));
  CHECK_FALSE(sim.load_scenario("[unclosed\n"));
  CHECK(fakekube::parse_behavior("exit:3:2.5")->exit_code == 3);
  CHECK_FALSE(fakekube::parse_behavior("exit:x"));
}

TEST_CASE("fakekube sim: a scenario's faults are switched on", "[fakekube][sim]") {
  ApiServer server;
  Simulation sim(server);
  server.start();
  testing::HttpClient http(server, "admin");
  CHECK(http.get("/api/v1/namespaces").headers.count("warning") == 0);
  REQUIRE(
      sim.load_scenario("faults:\n- warning=from the scenario\n"
                        "- status=503:GET:/api/v1/nodes\n"));
  const auto answer = http.get("/api/v1/namespaces");
  REQUIRE(answer.headers.count("warning") == 1);
  CHECK(answer.headers.find("warning")->second == "299 - \"from the scenario\"");
  CHECK(http.get("/api/v1/nodes").status == 503);
  CHECK(http.get("/api/v1/nodes").status == 200);
}

TEST_CASE("fakekube sim: a RayJob within backoffLimit goes through Retrying, never Failed",
          "[fakekube][sim]") {
  Cluster c;
  c.sim.add_job_rule("fail.py", {"FAILED", 0, 1, "boom", {"boom"}});
  Json j = rayjob("flaky", "python fail.py", "HTTPMode");
  j["spec"]["backoffLimit"] = 1;
  // Every status write, from a watch (polling could miss a short state).
  // The watch starts at the resourceVersion of a list taken before the
  // create, so it sees every write however late it connects (a watch
  // without one starts at "now" and missed Retrying on a loaded machine).
  std::vector<std::string> seen;
  int failed_count = 0;
  testing::HttpClient http(c.server, "admin");
  const auto listed = http.get("/apis/ray.io/v1/namespaces/default/rayjobs");
  REQUIRE(listed.status == 200);
  const std::string rv =
      Json::parse(listed.body)["metadata"].value("resourceVersion", std::string());
  REQUIRE_FALSE(rv.empty());
  bool created = false;  // Catch2 assertions stay on the test's thread
  std::thread creator(
      [&] { created = c.server.create("ray.io/v1", "rayjobs", "default", j).has_value(); });
  std::string buffer;
  http.stream("/apis/ray.io/v1/namespaces/default/rayjobs?watch=true&resourceVersion=" + rv,
              [&](const std::string& piece) {
                buffer += piece;
                for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
                  const Json e = Json::parse(buffer.substr(0, nl));
                  buffer.erase(0, nl + 1);
                  const Json st = e["object"].value("status", Json::object());
                  const std::string d = st.value("jobDeploymentStatus", "");
                  if (seen.empty() || seen.back() != d) {
                    seen.push_back(d);
                  }
                  if (d == "Failed") {
                    failed_count = st.value("failed", 0);
                    return false;
                  }
                }
                return true;
              });
  creator.join();
  CHECK(created);
  CHECK(failed_count == 2);  // two attempts: backoffLimit 1
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.back() == "Failed");
  const auto retrying = std::find(seen.begin(), seen.end(), "Retrying");
  CHECK(retrying != seen.end());
  // Failed only once, at the end: the first failure was Retrying.
  CHECK(std::count(seen.begin(), seen.end(), "Failed") == 1);
}

TEST_CASE(
    "fakekube sim: a running RayJob suspended gives up its cluster and runs anew once resumed",
    "[fakekube][sim]") {
  Cluster c;
  c.sim.add_job_rule("long.py", {"SUCCEEDED", 1, 100000, "", {"tick"}});
  testing::HttpClient http(c.server, "admin");
  const auto patch = [&](const std::string& body) {
    return http.request("PATCH", "/apis/ray.io/v1/namespaces/default/rayjobs/train", body,
                        "application/merge-patch+json")
               .status == 200;
  };
  REQUIRE(c.server.create("ray.io/v1", "rayjobs", "default",
                          rayjob("train", "python long.py", "K8sJobMode")));
  const Json running = c.wait("ray.io/v1", "rayjobs", "train", [](const Json& o) {
    return deployment(o) == "Running" && o["status"].value("jobStatus", "") == "RUNNING";
  });
  const std::string cluster = running["status"]["rayClusterName"];
  const std::string id = running["status"]["jobId"];
  REQUIRE(c.server.get("ray.io/v1", "rayclusters", "default", cluster));
  REQUIRE(c.server.get("batch/v1", "jobs", "default", "train"));
  bool suspended = false;  // Catch2 assertions stay on the test's thread
  const auto seen = deployment_states(
      c, "train", [&] { suspended = patch(R"({"spec":{"suspend":true}})"); }, "Suspended");
  CHECK(suspended);
  CHECK(seen == std::vector<std::string>{"Running", "Suspending", "Suspended"});
  // Suspended only once the cluster and the submitter Job are gone, the
  // status that described them reset.
  CHECK_FALSE(c.server.get("ray.io/v1", "rayclusters", "default", cluster));
  CHECK_FALSE(c.server.get("batch/v1", "jobs", "default", "train"));
  const Json held = *c.server.get("ray.io/v1", "rayjobs", "default", "train");
  const Json& st = held["status"];
  CHECK(st["jobStatus"] == "");
  for (const char* key : {"rayClusterName", "rayClusterStatus", "dashboardURL", "jobId", "message",
                          "reason", "rayJobInfo"}) {
    INFO(key);
    CHECK(blank(st, key));
  }
  bool cluster_event = false;
  bool submitter_event = false;
  for (const auto& e : c.events_for("train")) {
    cluster_event = cluster_event || (e["reason"] == "DeletedRayCluster" &&
                                      e["message"] == "Deleted cluster default/" + cluster);
    submitter_event =
        submitter_event || (e["reason"] == "DeletedRayJobSubmitter" &&
                            e["message"] == "Deleted submitter K8s Job default/train");
  }
  CHECK(cluster_event);
  CHECK(submitter_event);
  // It stays so: 15 simulated seconds, nothing created.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(deployment(*c.server.get("ray.io/v1", "rayjobs", "default", "train")) == "Suspended");
  CHECK(c.server.list("ray.io/v1", "rayclusters", "default").empty());
  CHECK(c.server.list("batch/v1", "jobs", "default").empty());
  // Resumed, it starts from New: a new cluster, a new job id. (The
  // entrypoint changes with it only so that the simulated job ends soon.)
  REQUIRE(patch(R"({"spec":{"suspend":false,"entrypoint":"python train.py"}})"));
  const Json done = c.wait("ray.io/v1", "rayjobs", "train", deployment_done);
  CHECK(done["status"]["jobDeploymentStatus"] == "Complete");
  CHECK(done["status"]["jobStatus"] == "SUCCEEDED");
  CHECK(done["status"]["succeeded"] == 1);
  const std::string again = done["status"]["rayClusterName"];
  CHECK(again.rfind("train-", 0) == 0);
  CHECK(again != cluster);
  CHECK(done["status"]["jobId"] != id);
}

TEST_CASE("fakekube sim: a RayJob created suspended never gets a cluster", "[fakekube][sim]") {
  Cluster c;
  Json j = rayjob("held", "python train.py", "K8sJobMode");
  j["spec"]["suspend"] = true;
  const auto never_started = [&] {
    // 15 simulated seconds: still nothing created.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(c.server.list("ray.io/v1", "rayclusters", "default").empty());
    CHECK(c.server.list("batch/v1", "jobs", "default").empty());
    for (const auto& e : c.events_for("held")) {
      CHECK(e["reason"] != "CreatedRayCluster");
    }
  };
  bool created = false;  // Catch2 assertions stay on the test's thread
  const auto create = [&] {
    created = c.server.create("ray.io/v1", "rayjobs", "default", j).has_value();
  };
  SECTION("New, Initializing, Suspending, Suspended, and there it stays") {
    const auto seen = deployment_states(c, "held", create, "Suspended");
    CHECK(created);
    CHECK(seen == std::vector<std::string>{"", "Initializing", "Suspending", "Suspended"});
    never_started();
    const Json held = *c.server.get("ray.io/v1", "rayjobs", "default", "held");
    CHECK(deployment(held) == "Suspended");
    CHECK(blank(held["status"], "rayClusterName"));
    CHECK(blank(held["status"], "jobId"));
  }
  SECTION("ValidationFailed where KubeRay cannot suspend it") {
    std::string why;
    SECTION("shutdownAfterJobFinishes false") {
      j["spec"]["shutdownAfterJobFinishes"] = false;
      why =
          "The RayJob spec is invalid: a RayJob with shutdownAfterJobFinishes set to false is not "
          "allowed to be suspended";
    }
    SECTION("clusterSelector") {
      j["spec"].erase("rayClusterSpec");
      j["spec"]["clusterSelector"] = {{"ray.io/cluster", "rc"}};
      why =
          "The RayJob spec is invalid: the ClusterSelector mode doesn't support the suspend "
          "operation";
    }
    const auto seen = deployment_states(c, "held", create, "ValidationFailed");
    CHECK(created);
    CHECK(seen == std::vector<std::string>{"", "ValidationFailed"});
    never_started();
    const Json held = *c.server.get("ray.io/v1", "rayjobs", "default", "held");
    CHECK(deployment(held) == "ValidationFailed");
    CHECK(held["status"]["reason"] == "ValidationFailed");
    CHECK(held["status"]["message"] == why);
    const auto events = c.events_for("held");
    REQUIRE(events.size() == 1);
    CHECK(events[0]["type"] == "Warning");
    CHECK(events[0]["reason"] == "InvalidRayJobSpec");
    CHECK(events[0]["message"] == "default/held: " + why);
  }
}

TEST_CASE("fakekube sim: the dashboard goes with its cluster; HeadPodReady mirrors Ready",
          "[fakekube][sim]") {
  Cluster c;
  REQUIRE(c.server.create("ray.io/v1", "rayclusters", "default", Json::parse(k_cluster)));
  c.wait("ray.io/v1", "rayclusters", "rc", [](const Json& o) {
    return o.value("status", Json::object()).value("state", "") == "ready";
  });
  testing::HttpClient http(c.server, "admin");
  const std::string jobs =
      "/api/v1/namespaces/default/services/rc-head-svc:dashboard/proxy/api/jobs/";
  CHECK(http.get(jobs).status == 200);
  CHECK(http.get("/api/v1/namespaces/default/services/rc-head-svc:nosuch/proxy/api/jobs/").status ==
        503);
  REQUIRE(c.server.remove("ray.io/v1", "rayclusters", "default", "rc"));
  int status = 200;
  for (int i = 0; i < 200 && status != 404; ++i) {
    status = static_cast<int>(http.get(jobs).status);  // 404 once the Service has gone
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(status == 404);
  // A head that cannot be scheduled has no Ready condition: Unknown.
  Json big = Json::parse(k_cluster);
  big["metadata"]["name"] = "big";
  big["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["resources"] = {
      {"limits", {{"nvidia.com/gpu", "64"}}}};
  REQUIRE(c.server.create("ray.io/v1", "rayclusters", "default", big));
  // (The first status, written in the pass that creates the head Pod, says
  // HeadPodNotFound: wait for the one written once the Pod is seen.)
  Json st = c.wait("ray.io/v1", "rayclusters", "big", [](const Json& o) {
    return has_condition(o, "HeadPodReady", "False") &&
           o["status"].value("head", Json::object()).contains("podName");
  });
  for (const auto& cond : st["status"]["conditions"]) {
    if (cond["type"] == "HeadPodReady") {
      CHECK(cond["reason"] == "Unknown");
    }
  }
}

namespace {

// Only the endpoints controllers run: Pod status is the test's to write.
struct EndpointsOnly {
  ApiServer server;
  Simulation sim;
  EndpointsOnly() : sim(server, options()) {
    server.start();
    sim.start();
  }
  testing::HttpClient http() const { return testing::HttpClient(server, "admin"); }
  static fakekube::SimOptions options() {
    fakekube::SimOptions o;
    o.scheduler = false;
    o.jobs = false;
    o.operator_ = false;
    return o;
  }
  // A Pod labelled app=web with a container port named http (8080).
  void web_pod(const std::string& name, const std::string& ip, bool ready) {
    if (!server.get("v1", "pods", "default", name)) {
      Json p = pod(name);
      p["metadata"]["labels"] = {{"app", "web"}};
      p["spec"]["nodeName"] = "gpu-node-0";
      p["spec"]["containers"][0]["ports"] = {{{"name", "http"}, {"containerPort", 8080}}};
      REQUIRE(server.create("v1", "pods", "default", p));
    }
    Json p = *server.get("v1", "pods", "default", name);
    p["status"] = {{"phase", "Running"},
                   {"podIP", ip},
                   {"podIPs", {{{"ip", ip}}}},
                   {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}};
    REQUIRE(server.update_status("v1", "pods", "default", p));
  }
  void service(const std::string& name, const Json& spec) {
    REQUIRE(server.create("v1", "services", "default",
                          {{"apiVersion", "v1"},
                           {"kind", "Service"},
                           {"metadata", {{"name", name}, {"labels", {{"tier", "front"}}}}},
                           {"spec", spec}}));
  }
  // Waits (5 s at most) until the Endpoints named `name` satisfy `done`.
  Json endpoints(const std::string& name, const std::function<bool(const Json&)>& done) {
    Json last;
    for (int i = 0; i < 500; ++i) {
      if (auto e = server.get("v1", "endpoints", "default", name)) {
        last = *e;
        if (done(last)) {
          return last;
        }
      }
      server.wait_for_change(server.resource_version(), std::chrono::milliseconds(10));
    }
    FAIL("timed out waiting for endpoints/" << name << ": " << last.dump());
    return last;
  }
  // Waits (5 s at most) until the Service's EndpointSlices satisfy `done`.
  std::vector<Json> slices(const std::string& service,
                           const std::function<bool(const std::vector<Json>&)>& done) {
    std::vector<Json> last;
    for (int i = 0; i < 500; ++i) {
      last = slices(service);
      if (done(last)) {
        return last;
      }
      server.wait_for_change(server.resource_version(), std::chrono::milliseconds(10));
    }
    FAIL("timed out waiting for the endpointslices of " << service);
    return last;
  }
  std::vector<Json> slices(const std::string& service) {
    std::vector<Json> out;
    for (const auto& s : server.list("discovery.k8s.io/v1", "endpointslices", "default")) {
      if (s["metadata"]["labels"].value("kubernetes.io/service-name", "") == service) {
        out.push_back(s);
      }
    }
    return out;
  }
};

std::vector<std::string> ips_of(const Json& endpoints, const char* which) {
  std::vector<std::string> out;
  for (const auto& ss : endpoints.value("subsets", Json::array())) {
    for (const auto& a : ss.value(which, Json::array())) {
      out.push_back(a["ip"]);
    }
  }
  return out;
}

const Json k_web_spec = {
    {"selector", {{"app", "web"}}},
    {"ports", {{{"name", "http"}, {"port", 80}, {"targetPort", "http"}, {"protocol", "TCP"}}}}};

}  // namespace

TEST_CASE("fakekube sim: Endpoints and EndpointSlices follow the selector and Pod readiness",
          "[fakekube][sim]") {
  EndpointsOnly c;
  c.web_pod("web-1", "10.244.0.11", true);
  c.web_pod("web-2", "10.244.0.12", false);
  c.service("web", k_web_spec);
  Json e = c.endpoints("web", [](const Json& o) { return !ips_of(o, "addresses").empty(); });
  CHECK(ips_of(e, "addresses") == std::vector<std::string>{"10.244.0.11"});
  CHECK(ips_of(e, "notReadyAddresses") == std::vector<std::string>{"10.244.0.12"});
  REQUIRE(e["subsets"].size() == 1);
  CHECK(e["subsets"][0]["ports"] ==
        Json::parse(R"([{"name":"http","port":8080,"protocol":"TCP"}])"));  // the named port
  const Json a = e["subsets"][0]["addresses"][0];
  CHECK(a["targetRef"]["kind"] == "Pod");
  CHECK(a["targetRef"]["name"] == "web-1");
  CHECK(a["nodeName"] == "gpu-node-0");
  CHECK(e["metadata"]["labels"]["tier"] == "front");
  // The Service got a clusterIP.
  const Json svc = *c.server.get("v1", "services", "default", "web");
  const std::string cluster_ip = svc["spec"].value("clusterIP", "");
  CHECK(cluster_ip.rfind("10.96.", 0) == 0);

  // The EndpointSlice: conditions per endpoint, labels, owner.
  std::vector<Json> slices = c.slices("web", [](const std::vector<Json>& l) {
    return l.size() == 1 && l[0]["endpoints"].size() == 2;
  });
  REQUIRE(slices.size() == 1);
  const Json& s = slices[0];
  CHECK(s["addressType"] == "IPv4");
  CHECK(s["metadata"]["name"].get<std::string>().rfind("web-", 0) == 0);
  CHECK(s["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] ==
        "endpointslice-controller.k8s.io");
  CHECK(s["metadata"]["ownerReferences"][0]["kind"] == "Service");
  CHECK(s["metadata"]["ownerReferences"][0]["uid"] == svc["metadata"]["uid"]);
  CHECK(s["ports"] == Json::parse(R"([{"name":"http","port":8080,"protocol":"TCP"}])"));
  REQUIRE(s["endpoints"].size() == 2);
  CHECK(s["endpoints"][0]["addresses"] == Json::array({"10.244.0.11"}));
  CHECK(s["endpoints"][0]["conditions"] ==
        Json::parse(R"({"ready":true,"serving":true,"terminating":false})"));
  CHECK(s["endpoints"][1]["conditions"] ==
        Json::parse(R"({"ready":false,"serving":false,"terminating":false})"));

  // Watched: web-2 becomes ready, web-1 is deleted.
  const std::string rv = std::to_string(c.server.resource_version());
  c.web_pod("web-2", "10.244.0.12", true);
  REQUIRE(c.server.remove("v1", "pods", "default", "web-1"));
  // Terminating (no kubelet here finishes it): out of the Endpoints, in the
  // slice as terminating; gone once deleted with grace 0.
  c.slices("web", [](const std::vector<Json>& l) {
    return l.size() == 1 && l[0]["endpoints"].size() == 2 &&
           l[0]["endpoints"][0]["conditions"] ==
               Json::parse(R"({"ready":false,"serving":true,"terminating":true})");
  });
  fakekube::DeleteRequest now;
  now.grace_period_seconds = 0;
  REQUIRE(c.server.remove("v1", "pods", "default", "web-1", now));
  e = c.endpoints("web", [](const Json& o) {
    return ips_of(o, "addresses") == std::vector<std::string>{"10.244.0.12"};
  });
  CHECK(ips_of(e, "notReadyAddresses").empty());
  c.slices("web", [](const std::vector<Json>& l) {
    return l.size() == 1 && l[0]["endpoints"].size() == 1 &&
           l[0]["endpoints"][0]["conditions"]["ready"] == true;
  });
  auto watched = [&](const std::string& path) {
    std::vector<Json> events;
    const auto body =
        c.http().get(path + "?watch=true&timeoutSeconds=1&resourceVersion=" + rv).body;
    std::size_t from = 0;
    for (auto nl = body.find('\n'); nl != std::string::npos; nl = body.find('\n', from)) {
      events.push_back(Json::parse(body.substr(from, nl - from)));
      from = nl + 1;
    }
    return events;
  };
  auto eps_events = watched("/api/v1/namespaces/default/endpoints");
  REQUIRE_FALSE(eps_events.empty());
  CHECK(eps_events.back()["type"] == "MODIFIED");
  CHECK(ips_of(eps_events.back()["object"], "addresses") ==
        std::vector<std::string>{"10.244.0.12"});
  auto slice_events = watched("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices");
  REQUIRE_FALSE(slice_events.empty());
  const Json last = slice_events.back()["object"];
  REQUIRE(last["endpoints"].size() == 1);
  CHECK(last["endpoints"][0]["conditions"]["ready"] == true);
  // Listed over HTTP too.
  const Json list = Json::parse(c.http().get("/api/v1/namespaces/default/endpoints").body);
  CHECK(list["kind"] == "EndpointsList");

  // publishNotReadyAddresses: a not-ready Pod is an address all the same.
  c.web_pod("web-2", "10.244.0.12", false);
  c.endpoints("web", [](const Json& o) { return ips_of(o, "addresses").empty(); });
  Json patched = *c.server.get("v1", "services", "default", "web");
  patched["spec"]["publishNotReadyAddresses"] = true;
  REQUIRE(c.server.update("v1", "services", "default", patched));
  c.endpoints("web", [](const Json& o) {
    return ips_of(o, "addresses") == std::vector<std::string>{"10.244.0.12"};
  });

  // Settled: the controllers write nothing more (no rewrite of an equal
  // object).
  c.slices("web", [](const std::vector<Json>& l) {
    return l.size() == 1 && l[0]["endpoints"].size() == 1 &&
           l[0]["endpoints"][0]["conditions"]["ready"] == true;
  });
  const auto settled = c.server.resource_version();
  CHECK(c.server.wait_for_change(settled, std::chrono::milliseconds(300)) == settled);

  // The Service goes: so do its Endpoints and EndpointSlices.
  REQUIRE(c.server.remove("v1", "services", "default", "web"));
  for (int i = 0; i < 500 && (c.server.get("v1", "endpoints", "default", "web").has_value() ||
                              !c.slices("web").empty());
       ++i) {
    c.server.wait_for_change(c.server.resource_version(), std::chrono::milliseconds(10));
  }
  CHECK_FALSE(c.server.get("v1", "endpoints", "default", "web"));
  CHECK(c.slices("web").empty());
}

TEST_CASE("fakekube sim: the service proxy reaches a Pod's listener only through ready endpoints",
          "[fakekube][sim]") {
  EndpointsOnly c;
  c.web_pod("web-1", "10.244.0.11", false);
  c.service("web", k_web_spec);
  Json spec = k_web_spec;
  spec["selector"] = {{"app", "nothing"}};
  c.service("wrong", spec);  // a selector that matches no Pod
  spec = k_web_spec;
  spec["ports"][0]["targetPort"] = "nosuch";  // a port the container lacks
  c.service("noport", spec);
  spec = k_web_spec;
  spec["ports"][0]["targetPort"] = 9090;  // a number: whatever the container declares
  c.service("numbered", spec);
  c.server.listen("default", "web-1", 8080, [](const fakekube::ProxyRequest& r) {
    return fakekube::ProxyResponse{200, "hello from " + r.path, "text/plain"};
  });
  const std::string svcs = "/api/v1/namespaces/default/services/";
  c.endpoints("web", [](const Json& o) { return !ips_of(o, "notReadyAddresses").empty(); });
  // Not ready: not an endpoint to the proxy.
  auto r = c.http().get(svcs + "web:http/proxy/x");
  CHECK(r.status == 503);
  CHECK(Json::parse(r.body)["message"] == "no endpoints available for service \"web:http\"");
  c.web_pod("web-1", "10.244.0.11", true);
  c.endpoints("web", [](const Json& o) { return !ips_of(o, "addresses").empty(); });
  r = c.http().get(svcs + "web:http/proxy/x");
  CHECK(r.status == 200);
  CHECK(r.body == "hello from /x");
  CHECK(c.http().get(svcs + "web:80/proxy/x").status == 200);
  CHECK(c.http().get("/api/v1/namespaces/default/pods/web-1:8080/proxy/x").status == 200);
  // No Pod matches: no endpoints.
  c.endpoints("wrong", [](const Json&) { return true; });
  r = c.http().get(svcs + "wrong:http/proxy/x");
  CHECK(r.status == 503);
  CHECK(Json::parse(r.body)["message"] == "no endpoints available for service \"wrong\"");
  // A targetPort the container does not declare: the Pod is no endpoint.
  c.endpoints("noport", [](const Json&) { return true; });
  r = c.http().get(svcs + "noport:http/proxy/x");
  CHECK(r.status == 503);
  CHECK(Json::parse(r.body)["message"] == "no endpoints available for service \"noport\"");
  // A numbered targetPort where nothing listens.
  c.endpoints("numbered", [](const Json& o) { return !ips_of(o, "addresses").empty(); });
  r = c.http().get(svcs + "numbered:http/proxy/x");
  CHECK(r.status == 503);
  CHECK(Json::parse(r.body)["message"] ==
        "error trying to reach service: dial tcp 10.244.0.11:9090: connect: connection refused");
}

TEST_CASE("fakekube sim: cluster DNS names a Service's clusterIP, or a headless one's Pods",
          "[fakekube][sim]") {
  EndpointsOnly c;
  c.web_pod("web-1", "10.244.0.11", true);
  c.web_pod("web-2", "10.244.0.12", true);
  c.web_pod("web-3", "10.244.0.13", false);
  c.service("web", k_web_spec);
  Json headless = k_web_spec;
  headless["clusterIP"] = "None";
  c.service("head-svc", headless);
  REQUIRE(c.server.create(
      "v1", "namespaces", "",
      {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "ml"}}}}));
  c.endpoints("head-svc", [](const Json& o) { return ips_of(o, "addresses").size() == 2; });
  std::string ip;
  for (int i = 0; i < 500 && ip.empty(); ++i) {
    ip = c.server.get("v1", "services", "default", "web")->at("spec").value("clusterIP", "");
    c.server.wait_for_change(c.server.resource_version(), std::chrono::milliseconds(10));
  }
  REQUIRE_FALSE(ip.empty());
  using V = std::vector<std::string>;
  for (const char* name : {"web", "web.default", "web.default.svc", "web.default.svc.cluster.local",
                           "web.default.svc.cluster.local."}) {
    INFO(name);
    CHECK(fakekube::cluster_dns(c.server, "default", name) == V{ip});
  }
  CHECK(fakekube::cluster_dns(c.server, "ml", "web.default") == V{ip});
  CHECK(fakekube::cluster_dns(c.server, "ml", "web").empty());  // another namespace's
  CHECK(fakekube::cluster_dns(c.server, "default", "head-svc") ==
        (V{"10.244.0.11", "10.244.0.12"}));  // ready Pods only
  CHECK(fakekube::cluster_dns(c.server, "default", "nosuch").empty());
  CHECK(fakekube::cluster_dns(c.server, "default", "web.default.svc.cluster").empty());
  CHECK(fakekube::cluster_dns(c.server, "default", "web.default.pod").empty());
}

TEST_CASE("fakekube sim: the operator's dashboard listens on the head Pod's dashboard port",
          "[fakekube][sim]") {
  Cluster c;
  REQUIRE(c.server.create("ray.io/v1", "rayclusters", "default", Json::parse(k_cluster)));
  Json rc = c.wait("ray.io/v1", "rayclusters", "rc", [](const Json& o) {
    return o.value("status", Json::object()).value("state", "") == "ready";
  });
  const std::string head = rc["status"]["head"]["podName"];
  // The dashboard starts listening in the operator's pass that sees the
  // head running, which may come after the status says ready.
  for (int i = 0; i < 500 && !c.server.listening("default", head, 8265); ++i) {
    c.server.wait_for_change(c.server.resource_version(), std::chrono::milliseconds(10));
  }
  CHECK(c.server.listening("default", head, 8265));
  testing::HttpClient http(c.server, "admin");
  CHECK(http.get("/api/v1/namespaces/default/pods/" + head + ":8265/proxy/api/version").status ==
        200);
  // Not on the Service: a Service of the test's own that selects the head
  // Pod reaches it too, and one that selects nothing does not.
  for (const auto& [name, selector] : std::vector<std::pair<std::string, Json>>{
           {"mine", {{"ray.io/node-type", "head"}}}, {"none", {{"ray.io/node-type", "nope"}}}}) {
    REQUIRE(c.server.create(
        "v1", "services", "default",
        {{"apiVersion", "v1"},
         {"kind", "Service"},
         {"metadata", {{"name", name}}},
         {"spec",
          {{"selector", selector},
           {"ports", {{{"name", "dash"}, {"port", 80}, {"targetPort", "dashboard"}}}}}}}));
  }
  c.wait("v1", "endpoints", "mine", [](const Json& o) { return o.contains("subsets"); });
  c.wait("v1", "endpoints", "none", [](const Json&) { return true; });
  CHECK(http.get("/api/v1/namespaces/default/services/mine:dash/proxy/api/version").status == 200);
  CHECK(http.get("/api/v1/namespaces/default/services/none:dash/proxy/api/version").status == 503);
  REQUIRE(c.server.remove("ray.io/v1", "rayclusters", "default", "rc"));
  for (int i = 0; i < 500 && c.server.listening("default", head, 8265); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK_FALSE(c.server.listening("default", head, 8265));
}

TEST_CASE("fakekube sim: what the simulations write is stamped with the wall clock",
          "[fakekube][sim]") {
  fakekube::ServerOptions o;
  o.speed = 10;
  o.nodes = "1xcpu";
  ApiServer server(o);
  Simulation sim(server);
  server.start();
  sim.start();
  // Ten simulated seconds pass: a clock that ran ahead would stamp 10 s late.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  REQUIRE(server.create("v1", "pods", "default", pod("p")));
  Json p = Json::object();
  for (int i = 0; i < 500 && phase(p) != "Running"; ++i) {
    p = *server.get("v1", "pods", "default", "p");
    server.wait_for_change(server.resource_version(), std::chrono::milliseconds(10));
  }
  REQUIRE(phase(p) == "Running");
  const auto now = std::chrono::system_clock::now();
  const std::string low = fakekube::to_rfc3339(now - std::chrono::seconds(3));
  const std::string high = fakekube::to_rfc3339(now + std::chrono::seconds(1));
  std::vector<std::string> stamps = {p["metadata"]["creationTimestamp"], p["status"]["startTime"]};
  for (const auto& cond : p["status"]["conditions"]) {
    stamps.push_back(cond["lastTransitionTime"]);
  }
  stamps.push_back(container_state(p)["state"]["running"]["startedAt"]);
  for (const auto& e : server.list("v1", "events", "default")) {
    stamps.push_back(e["lastTimestamp"]);
  }
  for (const auto& s : stamps) {
    INFO(s << " within [" << low << ", " << high << "]");
    CHECK(s >= low);
    CHECK(s <= high);
  }
}
