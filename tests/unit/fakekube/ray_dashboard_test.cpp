// SPDX-License-Identifier: Apache-2.0
// fakekube's Ray dashboard (Ray 2.46-2.52's Jobs API): the class on its
// own, on a hand-driven clock, and through the Simulation and the API
// server's service proxy, with the K8sJobMode submitter.
#include "../../support/fakekube/ray_dashboard.hpp"
#include "../../support/fakekube/sim.hpp"

#include "../../support/catch.hpp"
#include "../../support/http_client.hpp"

#include <thread>

using fakekube::ApiServer;
using fakekube::Json;
using fakekube::ProxyRequest;
using fakekube::ProxyResponse;
using fakekube::RayDashboard;
using fakekube::RayJobScript;
using fakekube::Simulation;

namespace {

// A dashboard whose jobs follow `script` and whose wall clock is the
// simulated one (1000 ms a second from 0).
struct Dash {
  RayJobScript script;
  RayDashboard dash{{[](double t) { return static_cast<long long>(t * 1000); },
                     [this](const std::string&) { return script; },
                     [] { return fakekube::ServeOutcome{}; }}};

  ProxyResponse call(const std::string& method,
                     const std::string& path,
                     double t,
                     const std::string& body = "") {
    return dash.handle(ProxyRequest{method, path, "", body, "application/json"}, t);
  }
  Json get(const std::string& path, double t) {
    const auto r = call("GET", path, t);
    REQUIRE(r.status == 200);
    return Json::parse(r.body);
  }
};

// The last line of a Python traceback body.
std::string last_line(const std::string& body) {
  std::string text = body;
  while (!text.empty() && text.back() == '\n') {
    text.pop_back();
  }
  return text.substr(text.rfind('\n') + 1);
}

}  // namespace

TEST_CASE("ray dashboard: a malformed submission gets Ray's 400 and TypeError",
          "[fakekube][dashboard]") {
  Dash d;
  const std::vector<std::pair<std::string, std::string>> wrong = {
      {R"({"entrypoint":"python a.py","runtime_env":"notadict"})",
       "TypeError: runtime_env must be a dict, got <class 'str'>"},
      {R"({"entrypoint":"python a.py","metadata":[1,2]})",
       "TypeError: metadata must be a dict, got <class 'list'>"},
      {R"({"entrypoint":"python a.py","metadata":{"a":1}})",
       "TypeError: metadata values must be strings, got <class 'int'>"},
      {R"({"entrypoint":"python a.py","entrypoint_num_gpus":"one"})",
       "TypeError: entrypoint_num_gpus must be a number, got <class 'str'>"},
      {R"({"entrypoint":"python a.py","entrypoint_memory":1.5})",
       "TypeError: entrypoint_memory must be an integer, got <class 'float'>"},
      {R"({"entrypoint":"python a.py","entrypoint_resources":{"TPU":"1"}})",
       "TypeError: entrypoint_resources values must be numbers, got <class 'str'>"},
      {R"({"entrypoint":"python a.py","retry_policy":{}})",
       "TypeError: JobSubmitRequest.__init__() got an unexpected keyword argument "
       "'retry_policy'"},
      {R"({"entrypoint":7})", "TypeError: entrypoint must be a string, got <class 'int'>"},
      {R"({"submission_id":"x"})",
       "TypeError: JobSubmitRequest.__init__() missing 1 required positional argument: "
       "'entrypoint'"},
      {R"({"entrypoint":"x","submission_id":5})",
       "TypeError: submission_id must be a string if provided, got <class 'int'>"},
  };
  for (const auto& [body, error] : wrong) {
    INFO(body);
    const auto r = d.call("POST", "/api/jobs/", 0, body);
    CHECK(r.status == 400);
    CHECK(r.content_type == "text/plain");
    CHECK(r.body.rfind("Traceback (most recent call last):\n", 0) == 0);
    CHECK(last_line(r.body) == error);
  }
  // Not JSON: the handler's parse raises outside its try, aiohttp answers 500.
  CHECK(d.call("POST", "/api/jobs/", 0, "{entrypoint").status == 500);
  CHECK(d.get("/api/jobs/", 0).empty());

  // The right client: nulls are dropped before the checks; job_id in the
  // answer is the submission id; a generated one looks like Ray's.
  const auto ok = d.call("POST", "/api/jobs/", 0,
                         R"({"entrypoint":"python a.py","runtime_env":null,"submission_id":"s1",
                             "entrypoint_num_cpus":true,"entrypoint_memory":1024})");
  REQUIRE(ok.status == 200);
  CHECK(Json::parse(ok.body) == Json{{"job_id", "s1"}, {"submission_id", "s1"}});
  const auto generated = d.call("POST", "/api/jobs/", 0, R"({"entrypoint":"python b.py"})");
  REQUIRE(generated.status == 200);
  const std::string id = Json::parse(generated.body)["submission_id"];
  CHECK(id.rfind("raysubmit_", 0) == 0);
  CHECK(id.size() == 26);
  CHECK(id.find_first_of("IlOo0", 10) == std::string::npos);
  // The same id again: the head wraps the agent's ValueError in a 500.
  const auto again = d.call("POST", "/api/jobs/", 0, R"({"entrypoint":"x","submission_id":"s1"})");
  CHECK(again.status == 500);
  CHECK(again.body.find("Please use a different submission_id") != std::string::npos);
}

TEST_CASE("ray dashboard: entrypoint resources wait for what the cluster registered",
          "[fakekube][dashboard]") {
  Dash d;
  d.script.pending_seconds = 1;
  d.script.run_seconds = 10;
  d.dash.set_cluster_resources({{"CPU", 4}, {"memory", 8e9}});
  REQUIRE(d.call("POST", "/api/jobs/", 0,
                 R"({"entrypoint":"python train.py","submission_id":"gpu",
                     "entrypoint_num_gpus":8,"runtime_env":{"pip":["torch"]}})")
              .status == 200);
  REQUIRE(d.call("POST", "/api/jobs/", 0, R"({"entrypoint":"python cpu.py","submission_id":"cpu",
                     "entrypoint_num_cpus":2})")
              .status == 200);
  // The CPU job fits at once and runs.
  CHECK(d.get("/api/jobs/cpu", 5)["status"] == "RUNNING");
  Json gpu = d.get("/api/jobs/gpu", 100);
  CHECK(gpu["status"] == "PENDING");
  CHECK(gpu["message"] ==
        "Job has not started yet. It may be waiting for resources (CPUs, GPUs, memory, custom "
        "resources) to become available. It may be waiting for the runtime environment to be set "
        "up.");
  CHECK(gpu["job_id"].is_null());
  CHECK(gpu["driver_info"].is_null());
  CHECK(d.get("/api/jobs/gpu/logs", 100)["logs"] == "");
  CHECK(d.get("/api/jobs/cpu", 100)["status"] == "SUCCEEDED");

  // A GPU node registers: the job is scheduled, sets up, runs.
  d.dash.set_cluster_resources({{"CPU", 20}, {"GPU", 8}, {"memory", 8e9}});
  CHECK(d.get("/api/jobs/gpu", 200)["status"] == "PENDING");  // scheduled now, env setup
  gpu = d.get("/api/jobs/gpu", 201.5);
  CHECK(gpu["status"] == "RUNNING");
  CHECK(gpu["message"] == "Job is currently running.");
  // A second 8-GPU job waits for the first to end.
  REQUIRE(
      d.call("POST", "/api/jobs/", 202,
             R"({"entrypoint":"python more.py","submission_id":"gpu2","entrypoint_num_gpus":8})")
          .status == 200);
  CHECK(d.get("/api/jobs/gpu2", 205)["status"] == "PENDING");
  CHECK(d.get("/api/jobs/gpu", 212)["status"] == "SUCCEEDED");
  CHECK(d.get("/api/jobs/gpu2", 212.5)["status"] == "PENDING");
  CHECK(d.get("/api/jobs/gpu2", 214)["status"] == "RUNNING");

  // Never fitting: Ray's start timeout fails it after 900 s.
  REQUIRE(
      d.call("POST", "/api/jobs/", 300,
             R"({"entrypoint":"python huge.py","submission_id":"huge","entrypoint_num_gpus":64})")
          .status == 200);
  CHECK(d.get("/api/jobs/huge", 1199)["status"] == "PENDING");
  const Json huge = d.get("/api/jobs/huge", 1200);
  CHECK(huge["status"] == "FAILED");
  CHECK(huge["error_type"] == "JOB_SUPERVISOR_ACTOR_START_TIMEOUT");
  CHECK(huge["message"].get<std::string>().rfind(
            "Job supervisor actor failed to start within 900.0 seconds.", 0) == 0);
  CHECK(huge["end_time"] == 1200000);
}

TEST_CASE("ray dashboard: JobDetails as Ray 2.52 serializes it", "[fakekube][dashboard]") {
  Dash d;
  d.script.pending_seconds = 1;
  d.script.run_seconds = 2;
  d.script.logs = {"epoch 1", "epoch 2"};
  d.dash.set_head_node("10.244.0.9", std::string(56, 'a'));
  d.dash.set_cluster_resources({{"CPU", 1}});
  REQUIRE(d.call("POST", "/api/jobs/", 10,
                 R"({"entrypoint":"python t.py","submission_id":"s1","entrypoint_num_cpus":1,
                     "metadata":{"team":"ml"}})")
              .status == 200);
  Json pending = d.get("/api/jobs/s1", 10.5);
  CHECK(pending["type"] == "SUBMISSION");
  CHECK(pending["start_time"] == 10000);
  CHECK(pending["end_time"].is_null());
  CHECK(pending["runtime_env"].is_null());  // a raw REST submit without one
  CHECK(pending["metadata"] == Json{{"team", "ml"}});
  Json running = d.get("/api/jobs/s1", 11.5);
  CHECK(running["status"] == "RUNNING");
  CHECK(running["job_id"] == "01000000");
  CHECK(running["driver_info"]["id"] == "01000000");
  CHECK(running["driver_info"]["node_ip_address"] == "10.244.0.9");
  CHECK(running["driver_agent_http_address"] == "http://10.244.0.9:52365");
  CHECK(running["driver_node_id"] == std::string(56, 'a'));
  CHECK(running["driver_exit_code"].is_null());
  // Stored but not serialized: JobDetails has no entrypoint_num_* fields.
  CHECK_FALSE(running.contains("entrypoint_num_cpus"));
  CHECK_FALSE(running.contains("entrypoint_resources"));
  // The Ray job id finds it as well as the submission id.
  CHECK(d.get("/api/jobs/01000000", 11.5)["submission_id"] == "s1");
  Json done = d.get("/api/jobs/s1", 20);
  CHECK(done["status"] == "SUCCEEDED");
  CHECK(done["message"] == "Job finished successfully.");
  CHECK(done["driver_exit_code"] == 0);
  CHECK(done["end_time"] == 13000);
  CHECK(d.get("/api/jobs/s1/logs", 20)["logs"] ==
        "1970-01-01 00:00:10,000\tINFO job_manager.py:568 -- Runtime env is setting up.\n"
        "Running entrypoint for job s1: python t.py\nepoch 1\nepoch 2\n");
  const Json list = d.get("/api/jobs/", 20);
  REQUIRE(list.size() == 1);
  CHECK(list[0]["submission_id"] == "s1");
  CHECK(d.call("GET", "/api/jobs/nope", 20).body == "Job nope does not exist");
  CHECK(d.call("GET", "/api/jobs/nope", 20).status == 404);
}

TEST_CASE("ray dashboard: a failing entrypoint's message carries its last log lines",
          "[fakekube][dashboard]") {
  Dash d;
  d.script.status = "FAILED";
  d.script.logs = {"Traceback (most recent call last):", "RuntimeError: boom"};
  REQUIRE(d.call("POST", "/api/jobs/", 0, R"({"entrypoint":"python f.py","submission_id":"f"})")
              .status == 200);
  const Json f = d.get("/api/jobs/f", 100);
  CHECK(f["status"] == "FAILED");
  CHECK(f["error_type"] == "JOB_ENTRYPOINT_COMMAND_ERROR");
  CHECK(f["driver_exit_code"] == 1);
  CHECK(f["message"] ==
        "Job entrypoint command failed with exit code 1, last available logs (truncated to "
        "20,000 chars):\n1970-01-01 00:00:00,000\tINFO job_manager.py:568 -- Runtime env is "
        "setting up.\nRunning entrypoint for job f: python f.py\nTraceback (most recent call "
        "last):\nRuntimeError: boom\n");
}

TEST_CASE("ray dashboard: stop, and delete only what is terminal", "[fakekube][dashboard]") {
  Dash d;
  d.script.run_seconds = 100;
  REQUIRE(d.call("POST", "/api/jobs/", 0, R"({"entrypoint":"python s.py","submission_id":"s"})")
              .status == 200);
  REQUIRE(d.get("/api/jobs/s", 5)["status"] == "RUNNING");
  const auto refused = d.call("DELETE", "/api/jobs/s", 5);
  CHECK(refused.status == 500);
  CHECK(last_line(refused.body) ==
        "RuntimeError: Attempted to delete job 's', but it is in a non-terminal state RUNNING.");
  CHECK(d.get("/api/jobs/s", 5)["status"] == "RUNNING");

  const auto stop = d.call("POST", "/api/jobs/s/stop", 6);
  CHECK(Json::parse(stop.body) == Json{{"stopped", true}});
  const Json stopped = d.get("/api/jobs/s", 7);
  CHECK(stopped["status"] == "STOPPED");
  CHECK(stopped["message"] == "Job was intentionally stopped.");
  CHECK(stopped["driver_exit_code"].is_null());
  CHECK(stopped["end_time"] == 6000);
  // Already terminal: nothing to stop.
  CHECK(Json::parse(d.call("POST", "/api/jobs/s/stop", 8).body) == Json{{"stopped", false}});

  const auto deleted = d.call("DELETE", "/api/jobs/s", 9);
  CHECK(deleted.status == 200);
  CHECK(Json::parse(deleted.body) == Json{{"deleted", true}});
  CHECK(d.call("GET", "/api/jobs/s", 9).status == 404);
}

namespace {

struct Cluster {
  ApiServer server;
  Simulation sim;
  Cluster() : server(options()), sim(server) {
    server.start();
    sim.start();
  }
  static fakekube::ServerOptions options() {
    fakekube::ServerOptions o;
    o.speed = 50;
    o.nodes = "2x8gpu,1xcpu";
    return o;
  }
  Json wait(const std::string& api,
            const std::string& resource,
            const std::string& name,
            const std::function<bool(const Json&)>& done) {
    Json last;
    for (int i = 0; i < 1500; ++i) {
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
  std::string submitter_log(const std::string& job) {
    testing::HttpClient http(server, "admin");
    std::string all;
    for (const auto& p : server.list("v1", "pods", "default")) {
      if (p["metadata"]["labels"].value("job-name", "") == job) {
        all += http.get("/api/v1/namespaces/default/pods/" +
                        p["metadata"]["name"].get<std::string>() + "/log")
                   .body;
      }
    }
    return all;
  }
};

const char* const k_cpu_cluster = R"({"headGroupSpec":{"rayStartParams":{},"template":{"spec":{
    "containers":[{"name":"ray-head","image":"rayproject/ray:2.52.0",
      "ports":[{"name":"dashboard","containerPort":8265}],
      "resources":{"limits":{"cpu":"2","memory":"4Gi"}}}]}}}, "rayVersion":"2.52.0"})";

Json rayjob(const std::string& name, const std::string& entrypoint) {
  return {{"apiVersion", "ray.io/v1"},
          {"kind", "RayJob"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"entrypoint", entrypoint},
            {"submissionMode", "K8sJobMode"},
            {"rayClusterSpec", Json::parse(k_cpu_cluster)}}}};
}

std::string deployment(const Json& j) {
  return j.value("status", Json::object()).value("jobDeploymentStatus", "");
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("ray dashboard: the transient fault answers 503 to the next N requests",
          "[fakekube][dashboard][sim]") {
  Cluster c;
  Json rc = {{"apiVersion", "ray.io/v1"},
             {"kind", "RayCluster"},
             {"metadata", {{"name", "rc"}}},
             {"spec", Json::parse(k_cpu_cluster)}};
  REQUIRE(c.server.create("ray.io/v1", "rayclusters", "default", rc));
  c.wait("ray.io/v1", "rayclusters", "rc", [](const Json& o) {
    return o.value("status", Json::object()).value("state", "") == "ready";
  });
  testing::HttpClient http(c.server, "admin");
  const std::string version =
      "/api/v1/namespaces/default/services/rc-head-svc:dashboard/proxy/api/version";
  for (int i = 0; i < 50 && http.get(version).status != 200; ++i) {  // the listener
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(http.get(version).status == 200);
  REQUIRE(c.sim.load_scenario("faults: [dashboard-unavailable=2]\n"));
  CHECK(http.get(version).status == 503);
  CHECK(http.get(version).status == 503);
  CHECK(http.get(version).status == 200);
  CHECK_FALSE(c.sim.load_scenario("faults: [dashboard-unavailable=many]\n"));
  // The cluster registered its head's resources: 2 CPUs, 4Gi, no GPU.
  auto post = [&](const std::string& body) {
    return http.request(
        "POST", "/api/v1/namespaces/default/services/rc-head-svc:dashboard/proxy/api/jobs/", body);
  };
  REQUIRE(
      post(R"({"entrypoint":"python g.py","submission_id":"g","entrypoint_num_gpus":8})").status ==
      200);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // 10 simulated seconds
  const Json g = Json::parse(
      http.get("/api/v1/namespaces/default/services/rc-head-svc:dashboard/proxy/api/jobs/g").body);
  CHECK(g["status"] == "PENDING");
}

TEST_CASE("ray dashboard: the K8sJobMode submitter prints what ray job submit prints",
          "[fakekube][dashboard][sim]") {
  Cluster c;
  c.sim.add_job_rule("fail.py", {"FAILED", 1, 2, "", {"RuntimeError: boom"}});
  SECTION("a job that succeeds: the CLI's lines around the driver log, exit 0") {
    REQUIRE(c.server.create("ray.io/v1", "rayjobs", "default", rayjob("ok", "python ok.py")));
    const Json j = c.wait("ray.io/v1", "rayjobs", "ok",
                          [](const Json& o) { return deployment(o) == "Complete"; });
    const std::string id = j["status"]["jobId"];
    const std::string log = c.submitter_log("ok");
    INFO(log);
    CHECK(has(log, "\tINFO cli.py:41 -- Job submission server address: http://" +
                       j["status"]["dashboardURL"].get<std::string>() + "\n"));
    CHECK(has(log, "\tSUCC cli.py:66 -- Job '" + id + "' submitted successfully\n"));
    CHECK(has(log, "\tINFO cli.py:291 -- Next steps\n"));
    CHECK(has(log, "Running entrypoint for job " + id + ": python ok.py\n"));
    CHECK(has(log, "\tSUCC cli.py:66 -- Job '" + id + "' succeeded\n"));
    CHECK(log.find("submitted successfully") < log.find("Running entrypoint for job"));
    CHECK(log.find("Running entrypoint for job") < log.find("' succeeded"));
    auto submitter = c.server.get("batch/v1", "jobs", "default", "ok");
    REQUIRE(submitter);
    const Json& c0 = (*submitter)["spec"]["template"]["spec"]["containers"][0];
    CHECK(c0["command"] == Json::array({"/bin/bash", "-ce", "--"}));
    CHECK(has(c0["args"][0].get<std::string>(), "--submission-id " + id + " -- python ok.py ;"));
    // The RayJob's own head Service (KubeRay's BuildHeadServiceForRayJob).
    auto head = c.server.get("v1", "services", "default", "ok-head-svc");
    REQUIRE(head);
    CHECK((*head)["metadata"]["labels"]["ray.io/originated-from-crd"] == "RayJob");
    CHECK((*head)["spec"]["selector"]["ray.io/cluster"] == j["status"]["rayClusterName"]);
  }
  SECTION("a job that fails: the CLI says so and exits 0; the RayJob fails with AppFailed") {
    REQUIRE(c.server.create("ray.io/v1", "rayjobs", "default", rayjob("bad", "python fail.py")));
    const Json j = c.wait("ray.io/v1", "rayjobs", "bad",
                          [](const Json& o) { return deployment(o) == "Failed"; });
    CHECK(j["status"]["reason"] == "AppFailed");
    CHECK(j["status"]["jobStatus"] == "FAILED");
    const std::string id = j["status"]["jobId"];
    const std::string log = c.submitter_log("bad");
    INFO(log);
    CHECK(has(log, "\tERR cli.py:72 -- Job '" + id + "' failed\n"));
    CHECK(has(log,
              "\tINFO cli.py:74 -- Status message: Job entrypoint command failed with exit "
              "code 1, last available logs"));
    auto submitter = c.server.get("batch/v1", "jobs", "default", "bad");
    REQUIRE(submitter);
    CHECK((*submitter)["status"].value("succeeded", 0) == 1);
  }
}

TEST_CASE("ray dashboard: a refused submission fails the submitter and the RayJob",
          "[fakekube][dashboard][sim]") {
  Cluster c;
  // The dashboard answers 503 long enough for every submitter attempt.
  REQUIRE(c.sim.load_scenario("faults: [dashboard-unavailable=100000]\n"));
  Json j = rayjob("refused", "python ok.py");
  j["spec"]["submitterConfig"] = {{"backoffLimit", 1}};
  REQUIRE(c.server.create("ray.io/v1", "rayjobs", "default", j));
  const Json done = c.wait("ray.io/v1", "rayjobs", "refused",
                           [](const Json& o) { return deployment(o) == "Failed"; });
  CHECK(done["status"]["reason"] == "SubmissionFailed");
  CHECK(done["status"]["message"] ==
        "Job submission has failed. Reason: BackoffLimitExceeded. Message: Job has reached the "
        "specified backoff limit");
  const std::string log = c.submitter_log("refused");
  INFO(log);
  CHECK(has(log, "RuntimeError: Request failed with status code 503: 503: Service Unavailable.\n"));
  CHECK_FALSE(has(log, "submitted successfully"));
  auto submitter = c.server.get("batch/v1", "jobs", "default", "refused");
  REQUIRE(submitter);
  CHECK((*submitter)["status"].value("failed", 0) == 2);
  c.sim.fail_dashboard_requests(0);
}

TEST_CASE("ray dashboard: an 8-GPU entrypoint on a CPU-only cluster stays PENDING",
          "[fakekube][dashboard][sim]") {
  Cluster c;
  Json j = rayjob("gpu", "python train.py");
  j["spec"]["entrypointNumGpus"] = 8;
  REQUIRE(c.server.create("ray.io/v1", "rayjobs", "default", j));
  const Json pending = c.wait("ray.io/v1", "rayjobs", "gpu", [](const Json& o) {
    return o.value("status", Json::object()).value("jobStatus", "") == "PENDING";
  });
  CHECK(pending["status"]["message"] ==
        "Job has not started yet. It may be waiting for resources (CPUs, GPUs, memory, custom "
        "resources) to become available.");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // 20 simulated seconds
  const auto now = c.server.get("ray.io/v1", "rayjobs", "default", "gpu");
  REQUIRE(now);
  CHECK((*now)["status"]["jobStatus"] == "PENDING");
  CHECK(deployment(*now) == "Running");
  auto submitter = c.server.get("batch/v1", "jobs", "default", "gpu");
  REQUIRE(submitter);
  CHECK(has((*submitter)["spec"]["template"]["spec"]["containers"][0]["args"][0].get<std::string>(),
            "--entrypoint-num-gpus 8.000000 -- python train.py"));
}

TEST_CASE("ray dashboard: deleting a RayJob stops its Ray job", "[fakekube][dashboard][sim]") {
  Cluster c;
  c.sim.add_job_rule("long.py", {"SUCCEEDED", 1, 100000, "", {"tick"}});
  Json rc = {{"apiVersion", "ray.io/v1"},
             {"kind", "RayCluster"},
             {"metadata", {{"name", "rc"}}},
             {"spec", Json::parse(k_cpu_cluster)}};
  REQUIRE(c.server.create("ray.io/v1", "rayclusters", "default", rc));
  Json j = {{"apiVersion", "ray.io/v1"},
            {"kind", "RayJob"},
            {"metadata", {{"name", "long"}}},
            {"spec",
             {{"entrypoint", "python long.py"},
              {"submissionMode", "HTTPMode"},
              {"clusterSelector", {{"ray.io/cluster", "rc"}}}}}};
  REQUIRE(c.server.create("ray.io/v1", "rayjobs", "default", j));
  const Json running = c.wait("ray.io/v1", "rayjobs", "long", [](const Json& o) {
    return o.value("status", Json::object()).value("jobStatus", "") == "RUNNING";
  });
  const std::string id = running["status"]["jobId"];
  REQUIRE(c.server.remove("ray.io/v1", "rayjobs", "default", "long"));
  for (int i = 0; i < 500 && c.server.get("ray.io/v1", "rayjobs", "default", "long"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE_FALSE(c.server.get("ray.io/v1", "rayjobs", "default", "long"));
  testing::HttpClient http(c.server, "admin");
  const auto got =
      http.get("/api/v1/namespaces/default/services/rc-head-svc:dashboard/proxy/api/jobs/" + id);
  REQUIRE(got.status == 200);
  CHECK(Json::parse(got.body)["status"] == "STOPPED");
}
