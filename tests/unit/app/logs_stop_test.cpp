// SPDX-License-Identifier: Apache-2.0
// `krayctl logs` and `krayctl stop` end to end on fakekube (the same
// cluster and RayJob as the submit tests): the log printed is the log the
// API server serves, byte for byte; stop says what it did, and did it.
#include <krayctl/app/apply.hpp>
#include <krayctl/app/logs.hpp>
#include <krayctl/app/stop.hpp>

#include "../../support/eventually.hpp"
#include "../../support/fakekube/yaml_json.hpp"
#include "submit_fixture.hpp"

#include <nlohmann/json.hpp>

#include <sstream>
#include <thread>

using kray::ErrorCode;
using Json = nlohmann::json;

using namespace submit_fixture;  // NOLINT(google-build-using-namespace)

namespace {

kray::app::LogsOptions logs_of(const std::string& target) {
  kray::app::LogsOptions o;
  o.target = target;
  o.kubeconfig.kubeconfig = "/k/config";
  return o;
}

kray::app::StopOptions stop_of(const std::string& target) {
  kray::app::StopOptions o;
  o.target = target;
  o.kubeconfig.kubeconfig = "/k/config";
  o.timeout = std::chrono::seconds(60);  // a safety net
  return o;
}

void clear(Fixture& f) {
  std::lock_guard<std::mutex> lock(f.d.console.mu);
  f.d.console.out_text.clear();
  f.d.console.err_text.clear();
}

// One Pod's log (its first container) as the API server serves it.
std::string pod_log(const Fixture& f, const std::string& pod, const std::string& query = "") {
  testing::HttpClient http(f.server, "admin");
  auto r = http.get("/api/v1/namespaces/default/pods/" + pod + "/log" + query);
  REQUIRE(r.status == 200);
  return r.body;
}

std::vector<std::string> pods_with(const Fixture& f,
                                   const std::string& key,
                                   const std::string& value) {
  std::vector<std::string> out;
  for (const auto& p : f.server.list("v1", "pods", "default")) {
    if (p["metadata"]["labels"].value(key, "") == value) {
      out.push_back(p["metadata"]["name"]);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Applies the RayJob as `krayctl apply` does (krayctl's field manager).
void apply_job(Fixture& f, const JobShape& shape = {}) {
  f.options(shape);  // writes /w/job.yaml
  kray::app::ApplyOptions a;
  a.inputs = {"/w/job.yaml"};
  a.kubeconfig.kubeconfig = "/k/config";
  REQUIRE(kray::app::run_apply(a, f.d.deps));
  clear(f);
}

std::string deploy_state(const Fixture& f, const std::string& name) {
  auto job = f.server.get("ray.io/v1", "rayjobs", "default", name);
  return job ? job->value("status", Json::object()).value("jobDeploymentStatus", "") : "<gone>";
}

}  // namespace

TEST_CASE("logs: a RayJob's driver log, its cluster's head, a group, every Pod; errors",
          "[logs][http]") {
  Fixture f;
  fakekube::RayJobScript script;
  script.logs = {"epoch 1 loss=0.9", "epoch 2 loss=0.5", "saved checkpoint"};
  f.sim.add_job_rule("train.py", script);
  REQUIRE(f.submit(f.options()));
  const std::string expected = f.submitter_logs("train");
  REQUIRE(contains(expected, "saved checkpoint"));

  clear(f);
  REQUIRE(kray::app::run_logs(logs_of("rayjob/train"), f.d.deps));
  CHECK(f.out() == expected);
  clear(f);
  auto tail = logs_of("rayjob/train");
  tail.tail = 2;
  auto r = kray::app::run_logs(tail, f.d.deps);
  REQUIRE(r);
  CHECK(f.out() ==
        pod_log(f, pods_with(f, "batch.kubernetes.io/job-name", "train").at(0), "?tailLines=2"));
  // -f on a finished job: the same log, then the end.
  clear(f);
  auto follow = logs_of("rayjob/train");
  follow.follow = true;
  r = kray::app::run_logs(follow, f.d.deps);
  INFO((r ? "" : r.error().to_string()));
  REQUIRE(r);
  CHECK(f.out() == expected);
  // In GitHub Actions: the workflow commands paused for the log, then on.
  clear(f);
  f.d.env.vars["GITHUB_ACTIONS"] = "true";
  REQUIRE(kray::app::run_logs(follow, f.d.deps));
  f.d.env.vars.erase("GITHUB_ACTIONS");
  CHECK(f.out() == expected);
  const std::string err = f.err();
  const auto stop = err.find("::stop-commands::");
  REQUIRE(stop != std::string::npos);
  CHECK(contains(err.substr(stop + 17), "\n::" + err.substr(stop + 17, 16) + "::\n"));
  // --attempt 1: that Pod's log alone.
  clear(f);
  auto first = logs_of("rayjob/train");
  first.attempt = 1;
  REQUIRE(kray::app::run_logs(first, f.d.deps));
  CHECK(f.out() == expected);
  // One attempt: --attempt 2 does not exist.
  clear(f);
  auto second = logs_of("rayjob/train");
  second.attempt = 2;
  r = kray::app::run_logs(second, f.d.deps);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::usage);
  CHECK(contains(r.error().message, "rayjob/train has 1 submitter attempt (--attempt 1)"));

  auto job = f.server.get("ray.io/v1", "rayjobs", "default", "train");
  REQUIRE(job);
  const std::string cluster = (*job)["status"]["rayClusterName"];
  const auto heads = pods_with(f, "ray.io/node-type", "head");
  const auto workers = pods_with(f, "ray.io/group", "gpu");
  REQUIRE(heads.size() == 1);
  REQUIRE(workers.size() == 1);
  clear(f);
  REQUIRE(kray::app::run_logs(logs_of("raycluster/" + cluster), f.d.deps));
  CHECK(f.out() == pod_log(f, heads[0]));
  CHECK(contains(f.out(), "Ray runtime started."));
  clear(f);
  auto group = logs_of("raycluster/" + cluster);
  group.group = "gpu";
  REQUIRE(kray::app::run_logs(group, f.d.deps));
  CHECK(f.out() == pod_log(f, workers[0]));
  // Every Pod: each line prefixed with its Pod and container, head first.
  clear(f);
  auto all = logs_of("raycluster/" + cluster);
  all.all = true;
  REQUIRE(kray::app::run_logs(all, f.d.deps));
  std::string prefixed;
  for (const auto& [pod, container] : {std::pair{heads[0], std::string("ray-head")},
                                       std::pair{workers[0], std::string("ray-worker")}}) {
    std::istringstream in(pod_log(f, pod));
    for (std::string line; std::getline(in, line);) {
      prefixed += "[pod/" + pod + "/" + container + "] " + line + "\n";
    }
  }
  CHECK(f.out() == prefixed);
  // A group that is not there: its name, the closest, the groups there are.
  group.group = "gpus";
  r = kray::app::run_logs(group, f.d.deps);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::usage);
  CHECK(
      contains(r.error().message, "has no worker group gpus (did you mean gpu?); its groups: gpu"));
  r = kray::app::run_logs(logs_of("rayjob/nope"), f.d.deps);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::not_found);
  r = kray::app::run_logs(logs_of("pod/x"), f.d.deps);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::usage);
}

TEST_CASE("logs -f: a running RayJob followed to its end, no line lost or repeated",
          "[logs][http]") {
  Fixture f;
  fakekube::RayJobScript script;
  script.run_seconds = 40;  // 2 s of real time: -f starts before the log ends
  for (int i = 0; i < 20; ++i) {
    script.logs.push_back("step " + std::to_string(i));
  }
  f.sim.add_job_rule("train.py", script);
  JobShape shape;
  apply_job(f, shape);
  auto follow = logs_of("rayjob/train");
  follow.follow = true;
  REQUIRE(kray::app::run_logs(follow, f.d.deps));
  INFO(f.err());
  CHECK(deploy_state(f, "train") == "Complete");
  const std::string expected = f.submitter_logs("train");
  CHECK(contains(expected, "step 19"));
  CHECK(f.out() == expected);
  CHECK(contains(f.err(), "log of pod/train-"));
}

TEST_CASE("logs: HTTPMode reads the dashboard's log", "[logs][http]") {
  Fixture f;
  fakekube::RayJobScript script;
  script.logs = {"one", "two", "three"};
  f.sim.add_job_rule("train.py", script);
  JobShape shape;
  shape.mode = "HTTPMode";
  REQUIRE(f.submit(f.options(shape)));
  const std::string submitted = f.out();
  REQUIRE(contains(submitted, "three\n"));
  clear(f);
  REQUIRE(kray::app::run_logs(logs_of("rayjob/train"), f.d.deps));
  CHECK(f.out() + (f.out().empty() || f.out().back() == '\n' ? "" : "\n") == submitted);
  clear(f);
  auto tail = logs_of("rayjob/train");
  tail.tail = 1;
  REQUIRE(kray::app::run_logs(tail, f.d.deps));
  CHECK(contains(f.out(), "three"));
  CHECK_FALSE(contains(f.out(), "two"));
}

TEST_CASE("stop: suspends a RayJob that can be, deletes one that cannot, says which",
          "[stop][http]") {
  Fixture f;
  fakekube::RayJobScript script;
  script.run_seconds = 600;  // 30 s of real time: still running when stopped
  f.sim.add_job_rule("train.py", script);

  SECTION("suspended: the spec says so, the RayJob stays") {
    apply_job(f);
    REQUIRE(testing::eventually(f.server, [&] { return deploy_state(f, "train") == "Running"; }));
    auto o = stop_of("rayjob/train");
    o.wait = true;  // until KubeRay has deleted the cluster: Suspended
    REQUIRE(kray::app::run_stop(o, f.d.deps));
    CHECK(contains(f.out(), "rayjob/train suspended (spec.suspend: true)"));
    CHECK(contains(f.out(), "rayjob/train suspended (Suspended)\n"));
    auto job = f.server.get("ray.io/v1", "rayjobs", "default", "train");
    REQUIRE(job);
    CHECK((*job)["spec"]["suspend"] == true);
    CHECK((*job)["status"]["jobDeploymentStatus"] == "Suspended");
    CHECK(f.server.list("ray.io/v1", "rayclusters", "default").empty());
    // Again: nothing more to do.
    clear(f);
    REQUIRE(kray::app::run_stop(stop_of("rayjob/train"), f.d.deps));
    CHECK(contains(f.out(), "rayjob/train is suspended already"));
  }
  SECTION("--delete, and --wait until it is gone") {
    apply_job(f);
    REQUIRE(testing::eventually(f.server, [&] { return deploy_state(f, "train") == "Running"; }));
    auto o = stop_of("rayjob/train");
    o.remove = true;
    o.wait = true;
    REQUIRE(kray::app::run_stop(o, f.d.deps));
    CHECK(contains(f.out(),
                   "rayjob/train deleted, not suspended (--delete): KubeRay stops its "
                   "Ray job; its RayCluster goes with it\n"));
    CHECK(contains(f.out(), "rayjob/train deleted\n"));
    CHECK_FALSE(f.server.get("ray.io/v1", "rayjobs", "default", "train"));
  }
  SECTION("in a Kueue queue: deleted, since Kueue owns spec.suspend") {
    JobShape shape;
    shape.queue = "team-a";
    apply_job(f, shape);
    REQUIRE(testing::eventually(f.server, [&] { return deploy_state(f, "train") == "Running"; }));
    REQUIRE(kray::app::run_stop(stop_of("rayjob/train"), f.d.deps));
    CHECK(contains(f.out(),
                   "rayjob/train deleted, not suspended (Kueue owns spec.suspend of a "
                   "job in its queue \"team-a\")"));
  }
  SECTION("not created by krayctl: refused, unchanged; --force stops it") {
    f.options();  // writes /w/job.yaml; created here by another client
    auto parsed = fakekube::parse_yaml(f.d.fs.files.at("/w/job.yaml"));
    REQUIRE(parsed);
    REQUIRE(f.server.create("ray.io/v1", "rayjobs", "default", *parsed));
    auto r = kray::app::run_stop(stop_of("rayjob/train"), f.d.deps);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::usage);
    CHECK(contains(r.error().message, "was not created by krayctl"));
    auto job = f.server.get("ray.io/v1", "rayjobs", "default", "train");
    REQUIRE(job);
    CHECK_FALSE((*job)["spec"].contains("suspend"));
    auto o = stop_of("rayjob/train");
    o.force = true;
    REQUIRE(kray::app::run_stop(o, f.d.deps));
    CHECK(contains(f.out(), "rayjob/train suspended"));
  }
}

TEST_CASE("stop: a RayJob that keeps its cluster is deleted; a finished one is left",
          "[stop][http]") {
  Fixture f;
  f.options();
  // shutdownAfterJobFinishes: false cannot be suspended (KubeRay refuses).
  std::string yaml = f.d.fs.files.at("/w/job.yaml");
  const auto at = yaml.find("shutdownAfterJobFinishes: true");
  REQUIRE(at != std::string::npos);
  yaml.replace(at, 30, "shutdownAfterJobFinishes: false");
  const auto ttl = yaml.find("  ttlSecondsAfterFinished: 600\n");
  REQUIRE(ttl != std::string::npos);
  yaml.erase(ttl, 30);
  f.d.fs.with_file("/w/job.yaml", yaml);
  fakekube::RayJobScript script;
  script.run_seconds = 600;
  f.sim.add_job_rule("train.py", script);
  kray::app::ApplyOptions a;
  a.inputs = {"/w/job.yaml"};
  a.kubeconfig.kubeconfig = "/k/config";
  REQUIRE(kray::app::run_apply(a, f.d.deps));
  REQUIRE(testing::eventually(f.server, [&] { return deploy_state(f, "train") == "Running"; }));
  clear(f);
  auto o = stop_of("rayjob/train");
  o.wait = true;
  REQUIRE(kray::app::run_stop(o, f.d.deps));
  CHECK(contains(f.out(),
                 "rayjob/train deleted, not suspended (suspending needs "
                 "shutdownAfterJobFinishes: true)"));
  CHECK_FALSE(f.server.get("ray.io/v1", "rayjobs", "default", "train"));

  // A finished RayJob: nothing to stop, nothing changed.
  Fixture g;
  REQUIRE(g.submit(g.options()));
  clear(g);
  REQUIRE(kray::app::run_stop(stop_of("rayjob/train"), g.d.deps));
  CHECK(g.out() == "rayjob/train has finished (Complete, SUCCEEDED): nothing to stop\n");
  CHECK(g.server.get("ray.io/v1", "rayjobs", "default", "train"));
}
