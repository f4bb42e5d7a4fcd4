// SPDX-License-Identifier: Apache-2.0
// `krayctl submit` (and `wait`) end to end: the simulated API server, scheduler,
// kubelet, Job controller, KubeRay operator and Ray dashboard (fakekube,
// 20 times real speed), the real libcurl transport. Each scenario checks
// the exit status, the line that explains it, and that stdout holds the
// job's log exactly: every line once, none lost.
#include <krayctl/app/submit.hpp>
#include <krayctl/app/wait.hpp>
#include <krayctl/io/interrupts.hpp>
#include <krayctl/util/base64.hpp>

#include "submit_fixture.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

using kray::ErrorCode;
using Json = nlohmann::json;

using namespace submit_fixture;  // NOLINT(google-build-using-namespace)

TEST_CASE("submit: a job that succeeds, its whole log, a JSON summary and a JUnit report",
          "[submit][http]") {
  Fixture f;
  fakekube::RayJobScript script;
  script.logs = {"epoch 1 loss=0.9", "epoch 2 loss=0.5", "saved checkpoint"};
  f.sim.add_job_rule("train.py", script);
  auto o = f.options();
  o.output = "json";
  o.junit = "/w/report.xml";
  auto r = f.submit(o);
  INFO(f.err());
  REQUIRE(r);
  const std::string out = f.out();
  const std::string logs = f.submitter_logs("train");
  CHECK(contains(logs, "epoch 2 loss=0.5"));
  // stdout: the log, then one JSON object.
  REQUIRE(out.size() > logs.size());
  CHECK(out.substr(0, logs.size()) == logs);
  const Json summary = Json::parse(out.substr(logs.size()));
  CHECK(summary["result"] == "SUCCEEDED");
  CHECK(summary["exitCode"] == 0);
  CHECK(summary["jobStatus"] == "SUCCEEDED");
  CHECK(summary["logTail"].back() ==
        logs.substr(logs.rfind('\n', logs.size() - 2) + 1,
                    logs.size() - logs.rfind('\n', logs.size() - 2) - 2));
  CHECK(summary["durationSeconds"].contains("run"));
  // stderr: the apply, progress, the end, the cluster's fate.
  const std::string err = f.err();
  CHECK(contains(err, "rayjob.ray.io/train created"));
  CHECK(contains(err, "rayjob/train Running"));
  CHECK(contains(err, "rayjob/train SUCCEEDED"));
  CHECK(contains(err, "the operator deletes it 10m after the job ended"));
  auto junit = f.d.fs.read_file("/w/report.xml");
  REQUIRE(junit);
  CHECK(contains(*junit, "tests=\"1\" failures=\"0\""));
  CHECK(contains(*junit, "name=\"train\""));
}

TEST_CASE("submit: a FAILED job exits 1 with Ray's message and the log tail", "[submit][http]") {
  Fixture f;
  fakekube::RayJobScript script;
  script.status = "FAILED";
  script.logs = {"epoch 1", "Traceback (most recent call last):", "ValueError: bad shard"};
  f.sim.add_job_rule("train.py", script);
  auto o = f.options();
  o.junit = "/w/report.xml";
  auto r = f.submit(o);
  INFO(f.err());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::workload_failed);
  CHECK(r.error().reported);
  CHECK(f.out() == f.submitter_logs("train"));
  CHECK(contains(f.err(), "rayjob/train FAILED (AppFailed)"));
  CHECK(contains(f.err(), "Ray job message: Job entrypoint command failed with exit code 1"));
  auto junit = f.d.fs.read_file("/w/report.xml");
  REQUIRE(junit);
  CHECK(contains(*junit, "failures=\"1\""));
  CHECK(contains(*junit, "ValueError: bad shard"));
}

TEST_CASE("submit: in GitHub Actions, an ::error annotation, the step summary, the log fenced",
          "[submit][http]") {
  Fixture f;
  fakekube::RayJobScript script;
  script.status = "FAILED";
  // A job's line that looks like a workflow command, and one with a fence.
  script.logs = {"::add-mask::hunter2", "``` not a fence", "ValueError: bad | shard"};
  f.sim.add_job_rule("train.py", script);
  f.d.env.vars["GITHUB_ACTIONS"] = "true";
  f.d.env.vars["GITHUB_STEP_SUMMARY"] = "/w/summary.md";
  f.d.fs.with_file("/w/summary.md", "earlier step text\n");
  auto r = f.submit(f.options());
  INFO(f.err());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::workload_failed);
  CHECK(f.out() == f.submitter_logs("train"));  // stdout is the log, nothing else
  // The commands are paused before the first log line and resumed after.
  const std::string err = f.err();
  const auto stop = err.find("::stop-commands::");
  REQUIRE(stop != std::string::npos);
  const std::string token = err.substr(stop + 17, 16);
  CHECK(token.find_first_not_of("0123456789abcdef") == std::string::npos);
  const auto resume = err.find("::" + token + "::\n");
  REQUIRE(resume != std::string::npos);
  const auto annotation =
      err.find("::error title=krayctl submit rayjob/train::rayjob/train FAILED");
  REQUIRE(annotation != std::string::npos);
  CHECK(stop < resume);
  CHECK(resume < annotation);
  auto summary = f.d.fs.read_file("/w/summary.md");
  REQUIRE(summary);
  CHECK(summary->rfind("earlier step text\n### krayctl submit rayjob/train: FAILED\n", 0) == 0);
  CHECK(contains(*summary, "| Result | FAILED (exit 1) |"));
  CHECK(contains(*summary, "ValueError: bad | shard"));  // in the fence, as it was
  CHECK(contains(*summary, "\n````text\n"));             // longer than the log's ```
  // Success: no annotation, a summary without the log.
  Fixture g;
  g.d.env.vars["GITHUB_ACTIONS"] = "true";
  g.d.env.vars["GITHUB_STEP_SUMMARY"] = "/w/summary.md";
  REQUIRE(g.submit(g.options()));
  CHECK_FALSE(contains(g.err(), "::error"));
  summary = g.d.fs.read_file("/w/summary.md");
  REQUIRE(summary);
  CHECK(contains(*summary, "| Result | SUCCEEDED (exit 0) |"));
  CHECK_FALSE(contains(*summary, "<details>"));
}

TEST_CASE("submit: RBAC refusals: the apply (exit 4, nothing made), the log (waits on without)",
          "[submit][http]") {
  Fixture f;
  // A user who may read but not write: the apply is refused, said with who.
  f.d.fs.with_file("/k/viewer", f.server.kubeconfig("viewer"));
  auto o = f.options();
  o.kubeconfig.kubeconfig = "/k/viewer";
  auto r = f.submit(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::forbidden);
  INFO(r.error().to_string());
  CHECK(contains(r.error().to_string(), "forbidden"));
  CHECK(contains(r.error().to_string(), "User \"viewer\" cannot patch resource \"rayjobs\""));
  CHECK_FALSE(f.server.get("ray.io/v1", "rayjobs", "default", "train"));
  // pods/log refused (a Role without it): said once, the job followed to
  // its end without its log, exit 0.
  fakekube::Fault no_logs;
  no_logs.method = "GET";
  no_logs.path_prefix = "/api/v1/namespaces/default/pods/train-";
  no_logs.code = 403;
  no_logs.times = 1000;
  f.server.add_fault(no_logs);
  r = f.submit(f.options());
  INFO(f.err());
  REQUIRE(r);
  CHECK(f.out().empty());
  CHECK(contains(f.err(), "cannot read the driver log ("));
  CHECK(contains(f.err(), "); waiting on without it"));
  CHECK(contains(f.err(), "rayjob/train SUCCEEDED"));
}

TEST_CASE("submit: on a terminal, the progress is one live line; the log is untouched",
          "[submit][http]") {
  Fixture f;
  f.d.console.terminal = true;
  fakekube::RayJobScript script;
  script.logs = {"epoch 1", "epoch 2"};
  f.sim.add_job_rule("train.py", script);
  REQUIRE(f.submit(f.options()));
  CHECK(f.out() == f.submitter_logs("train"));
  const std::string err = f.err();
  // Drawn in place (carriage return, erase line), with the time elapsed...
  CHECK(contains(err, "\r\x1b[Krayjob/train "));
  CHECK(contains(err, "s)"));
  // ...never as a line of its own, and cleared before the summary.
  std::istringstream lines(err);
  for (std::string line; std::getline(lines, line);) {
    const auto last_draw = line.rfind("\r\x1b[K");
    const std::string visible = last_draw == std::string::npos ? line : line.substr(last_draw + 4);
    INFO(line);
    CHECK_FALSE(visible.rfind("rayjob/train Initializing", 0) == 0);
    CHECK_FALSE(visible.rfind("rayjob/train Running", 0) == 0);
  }
  CHECK(contains(err, "\r\x1b[Krayjob/train SUCCEEDED"));
  CHECK(err.back() == '\n');
}

TEST_CASE("submit: --log-format json, one object per log line, then -o json's summary",
          "[submit][http]") {
  Fixture f;
  fakekube::RayJobScript script;
  script.logs = {"epoch 1 \"quoted\"", "epoch 2\ttab"};
  f.sim.add_job_rule("train.py", script);
  auto o = f.options();
  o.log_format = "json";
  o.output = "json";
  REQUIRE(f.submit(o));
  std::istringstream lines(f.out());
  std::string joined;
  std::string line;
  std::vector<Json> objects;
  while (std::getline(lines, line)) {
    objects.push_back(Json::parse(line));
  }
  REQUIRE(objects.size() >= 2);
  const Json summary = objects.back();
  objects.pop_back();
  CHECK(summary["result"] == "SUCCEEDED");
  for (const auto& e : objects) {
    CHECK(e["source"].get<std::string>().rfind("pod/train-", 0) == 0);
    CHECK(e["time"].get<std::string>().size() == 20);  // 2026-01-12T09:14:03Z
    joined += e["line"].get<std::string>() + "\n";
  }
  CHECK(joined == f.submitter_logs("train"));
  CHECK(contains(joined, "epoch 1 \"quoted\"\n"));
}

TEST_CASE("submit: deadlines: before Running, with what held it back; while running",
          "[submit][http]") {
  {
    // GPUs no node has: never Running; preRunningDeadlineSeconds ends it.
    Fixture f;
    JobShape shape;
    shape.worker_gpus = 16;
    shape.extra_spec = "  preRunningDeadlineSeconds: 60\n";
    auto r = f.submit(f.options(shape));
    INFO(f.err());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::workload_failed);
    CHECK(contains(f.err(),
                   "rayjob/train Failed (PreRunningDeadlineExceeded): it was not Running "
                   "within preRunningDeadlineSeconds (1m); stalled meanwhile: "));
    CHECK(contains(f.err(), "Insufficient nvidia.com/gpu"));
    CHECK(contains(f.err(),
                   "Ray job message: The RayJob has passed the "
                   "preRunningDeadlineSeconds. StartTime: "));
  }
  {
    // A job that runs longer than activeDeadlineSeconds: no retry.
    Fixture f;
    fakekube::RayJobScript script;
    script.run_seconds = 600;
    script.logs = {"step 1"};
    f.sim.add_job_rule("train.py", script);
    JobShape shape;
    shape.backoff_limit = 2;
    shape.extra_spec = "  activeDeadlineSeconds: 90\n";
    auto r = f.submit(f.options(shape));
    INFO(f.err());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::workload_failed);
    CHECK(contains(f.err(),
                   "(DeadlineExceeded): it ran past activeDeadlineSeconds (1m30s from "
                   "its start; KubeRay does not retry a deadline)"));
    auto job = f.server.get("ray.io/v1", "rayjobs", "default", "train");
    REQUIRE(job);
    CHECK((*job)["status"]["failed"] == 1);  // backoffLimit 2, and no retry
    CHECK(f.out() == f.submitter_logs("train"));
  }
}

TEST_CASE("submit: a STOPPED job is not a success", "[submit][http]") {
  Fixture f;
  fakekube::RayJobScript script;
  script.status = "STOPPED";
  f.sim.add_job_rule("train.py", script);
  auto r = f.submit(f.options());
  INFO(f.err());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::workload_failed);
  CHECK(contains(f.err(), "rayjob/train STOPPED"));
  CHECK(f.out() == f.submitter_logs("train"));
}

TEST_CASE("submit: retries are shown as attempts; exhausted, exit 1", "[submit][http]") {
  Fixture f;
  fakekube::RayJobScript script;
  script.status = "FAILED";
  script.logs = {"attempt output"};
  f.sim.add_job_rule("train.py", script);
  JobShape shape;
  shape.backoff_limit = 1;
  auto r = f.submit(f.options(shape));
  INFO(f.err());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::workload_failed);
  CHECK(contains(f.err(), "attempt 1 failed (AppFailed)"));
  CHECK(contains(f.err(), "attempt 2 of 2"));
  CHECK(contains(f.err(), "rayjob/train FAILED"));
  // Both attempts' logs, each once (the first attempt's submitter Job is
  // deleted by the retry; what was printed of it stays printed).
  // `ray job submit` says "submitted successfully" once per run.
  const std::string out = f.out();
  std::size_t n = 0;
  for (auto at = out.find("' submitted successfully\n"); at != std::string::npos;
       at = out.find("' submitted successfully\n", at + 1)) {
    ++n;
  }
  CHECK(n == 2);
  // The second attempt's log as the server has it ends stdout.
  const std::string last = f.submitter_logs("train");
  REQUIRE_FALSE(last.empty());
  CHECK(out.size() > last.size());
  CHECK(out.substr(out.size() - last.size()) == last);
}

TEST_CASE("submit: a refused submission is SubmissionFailed, exit 1", "[submit][http]") {
  Fixture f;
  JobShape shape;
  shape.submitter_backoff_limit = 0;
  // Every dashboard request fails: the submitter's `ray job submit` too.
  f.sim.fail_dashboard_requests(1'000'000);
  auto o = f.options(shape);
  o.output = "json";
  auto r = f.submit(o);
  INFO(f.err());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::workload_failed);
  CHECK(contains(f.err(), "rayjob/train Failed (SubmissionFailed)"));
  const std::string out = f.out();
  const std::string logs = f.submitter_logs("train");
  CHECK(contains(logs, "503"));
  REQUIRE(out.size() > logs.size());
  CHECK(out.substr(0, logs.size()) == logs);
  const Json summary = Json::parse(out.substr(logs.size()));
  CHECK(summary["result"] == "Failed");  // the deployment failed, not the Ray job
  CHECK(summary["reason"] == "SubmissionFailed");
  CHECK(summary["exitCode"] == 1);
}

TEST_CASE("submit: GPUs no node has: the scheduler's words, then the timeout (exit 3)",
          "[submit][http]") {
  Fixture f;
  JobShape shape;
  shape.worker_gpus = 16;  // the nodes have 8
  auto o = f.options(shape);
  // Long enough for the cluster's Pods to be created under a sanitizer on
  // a loaded machine (3 s was not: the head was not even created).
  o.timeout = std::chrono::seconds(10);
  auto r = f.submit(o);
  INFO(f.err());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::timeout);
  CHECK(
      contains(f.err(), "stalled: worker group gpu: 1 Pod Unschedulable: 0/3 nodes are available"));
  CHECK(contains(f.err(), "Insufficient nvidia.com/gpu"));
  CHECK(contains(f.err(), "timed out after 10s"));
  // Said once, not on every change.
  const std::string err = f.err();
  CHECK(err.find("Z stalled: worker group gpu") == err.rfind("Z stalled: worker group gpu"));
  CHECK(f.out().empty());
  // The job is left running.
  CHECK(f.server.get("ray.io/v1", "rayjobs", "default", "train"));
}

TEST_CASE("submit: an image that cannot be pulled ends the wait (exit 1)", "[submit][http]") {
  Fixture f;
  JobShape shape;
  shape.image = "registry.example.com/team/ray:nope";
  f.sim.remove_image("registry.example.com/*");
  auto r = f.submit(f.options(shape));
  INFO(f.err());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::workload_failed);
  CHECK((contains(f.err(), "stalled: head: ErrImagePull") ||
         contains(f.err(), "stalled: head: ImagePullBackOff")));
  CHECK(contains(f.err(), "cannot progress"));
  CHECK(contains(f.err(), "krayctl delete rayjob/train"));
}

TEST_CASE("submit: a missing Secret is a configuration error, named (exit 1)", "[submit][http]") {
  Fixture f;
  JobShape shape;
  shape.head_env =
      "            - name: HF_TOKEN\n"
      "              valueFrom: {secretKeyRef: {name: hf, key: token}}\n";
  auto r = f.submit(f.options(shape));
  INFO(f.err());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::workload_failed);
  CHECK(contains(f.err(), "CreateContainerConfigError"));
  CHECK(contains(f.err(), "secret \"hf\" not found"));
}

TEST_CASE("submit: no operator acting on the RayJob is named, then the timeout", "[submit][http]") {
  fakekube::SimOptions so;
  so.operator_ = false;
  Fixture f(so);
  auto o = f.options();
  o.timeout = std::chrono::seconds(3);
  auto r = f.submit(o);
  INFO(f.err());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::timeout);
  CHECK(contains(f.err(), "no KubeRay operator has acted on it"));
}

TEST_CASE("submit: a finished RayJob of the same name is refused; --name-suffix runs anew",
          "[submit][http]") {
  Fixture f;
  REQUIRE(f.submit(f.options()));
  const std::size_t requests = f.server.requests().size();
  auto r = f.submit(f.options());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::usage);
  CHECK(contains(r.error().message, "exists and has finished (Complete, SUCCEEDED)"));
  CHECK(contains(r.error().message, "--name-suffix auto"));
  for (std::size_t i = requests; i < f.server.requests().size(); ++i) {
    CHECK(f.server.requests()[i].method == "GET");  // nothing written
  }
  auto o = f.options();
  o.name_suffix = "r2";
  REQUIRE(f.submit(o));
  CHECK(contains(f.err(), "rayjob.ray.io/train-r2 created"));
  CHECK(f.out() == f.submitter_logs("train-r2"));
}

TEST_CASE("submit: Ctrl-C leaves the job running; with --cancel-on-interrupt it is deleted",
          "[submit][http]") {
  for (const bool cancel : {false, true}) {
    INFO("cancel " << cancel);
    Fixture f;
    fakekube::RayJobScript script;
    script.run_seconds = 600;  // runs until interrupted
    f.sim.add_job_rule("train.py", script);
    auto o = f.options();
    o.cancel_on_interrupt = cancel;
    kray::Result<void> r;
    std::thread t([&] { r = f.submit(o); });
    for (int i = 0; i < 1000 && !contains(f.err(), "Ray job RUNNING"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    f.interrupts.interrupt();
    t.join();
    INFO(f.err());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::interrupted);
    CHECK(f.interrupts.armed());
    const bool exists = static_cast<bool>(f.server.get("ray.io/v1", "rayjobs", "default", "train"));
    if (cancel) {
      CHECK_FALSE(exists);
      CHECK(contains(f.err(), "rayjob/train deleted"));
    } else {
      CHECK(exists);
      CHECK(contains(f.err(), "keeps running"));
      CHECK(contains(f.err(), "its log: krayctl logs -f rayjob/train -n default"));
      CHECK(contains(f.err(), "krayctl status --watch rayjob/train"));
    }
  }
}

TEST_CASE("submit: a Kueue-suspended RayJob waits, named, then runs once admitted",
          "[submit][http]") {
  Fixture f;
  JobShape shape;
  shape.queue = "team-a";
  shape.suspend = true;
  auto o = f.options(shape);
  o.output = "json";
  const std::string waiting =
      "suspended (spec.suspend: true): waiting for Kueue to admit it from queue team-a "
      "(kubectl get workloads shows its admission)";
  const std::string suspension = "stalled: " + waiting;
  kray::Result<void> r;
  std::thread t([&] { r = f.submit(o); });
  for (int i = 0; i < 1000 && !contains(f.err(), suspension); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Held a while longer (1.5 s of the submit's clock): the wait shows in
  // the summary's admission time, not as the cluster's start.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // Nothing runs while it is suspended.
  CHECK(f.server.list("ray.io/v1", "rayclusters", "default").empty());
  // Kueue admits it: a merge patch of spec.suspend.
  testing::HttpClient kueue(f.server, "admin");
  const long patched =
      kueue
          .request("PATCH", "/apis/ray.io/v1/namespaces/default/rayjobs/train?fieldManager=kueue",
                   R"({"spec":{"suspend":false}})", "application/merge-patch+json")
          .status;
  t.join();
  INFO(f.err());
  CHECK(patched == 200);
  REQUIRE(r);
  const std::string err = f.err();
  CHECK(err.find(suspension) != std::string::npos);
  CHECK(err.find(suspension) == err.rfind(suspension));  // said once
  CHECK(contains(err, "rayjob/train Suspended"));
  CHECK(contains(err, "rayjob/train SUCCEEDED"));
  const std::string out = f.out();
  const std::string logs = f.submitter_logs("train");
  REQUIRE_FALSE(logs.empty());
  REQUIRE(out.size() > logs.size());
  CHECK(out.substr(0, logs.size()) == logs);
  const Json summary = Json::parse(out.substr(logs.size()));
  CHECK(summary["result"] == "SUCCEEDED");
  CHECK(summary["exitCode"] == 0);
  CHECK(summary["durationSeconds"]["admission"].get<long long>() >= 1);
  const std::vector<std::string> stalls = summary["stalls"];
  CHECK(std::count(stalls.begin(), stalls.end(), waiting) == 1);
}

TEST_CASE("submit: a RayJob created suspended is admitted when it resumes, not at Initializing",
          "[submit][http]") {
  // KubeRay's first pass takes a RayJob created suspended to Initializing,
  // the next to Suspending (rayjob_controller.go, Reconcile). The operator
  // is off: the test writes those states, so that submit sees each.
  fakekube::SimOptions so;
  so.operator_ = false;
  Fixture f(so);
  JobShape shape;
  shape.queue = "team-a";
  shape.suspend = true;
  auto o = f.options(shape);
  o.output = "json";
  kray::Result<void> r;
  std::thread t([&] { r = f.submit(o); });
  const auto shown = [&](const std::string& text) {
    for (int i = 0; i < 1000 && !contains(f.err(), text); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return contains(f.err(), text);
  };
  const auto set_status = [&](const Json& status) {
    auto job = f.server.get("ray.io/v1", "rayjobs", "default", "train");
    if (!job) {
      return false;
    }
    Json copy = *job;
    copy["status"] = status;
    return f.server.update_status("ray.io/v1", "rayjobs", "default", copy).has_value();
  };
  const bool created = shown("rayjob.ray.io/train created");
  const bool initializing = set_status({{"jobDeploymentStatus", "Initializing"},
                                        {"jobStatus", ""},
                                        {"rayClusterName", "train-aaaaa"},
                                        {"jobId", "train-bbbbb"}}) &&
                            shown("rayjob/train Initializing");
  const bool suspended = set_status({{"jobDeploymentStatus", "Suspended"}, {"jobStatus", ""}}) &&
                         shown("rayjob/train Suspended");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // suspended a while
  testing::HttpClient kueue(f.server, "admin");
  const long patched =
      kueue
          .request("PATCH", "/apis/ray.io/v1/namespaces/default/rayjobs/train?fieldManager=kueue",
                   R"({"spec":{"suspend":false}})", "application/merge-patch+json")
          .status;
  const bool resumed = set_status({{"jobDeploymentStatus", "Initializing"},
                                   {"jobStatus", ""},
                                   {"rayClusterName", "train-ccccc"},
                                   {"jobId", "train-ddddd"}}) &&
                       shown("rayjob/train Initializing: cluster train-ccccc");
  const bool ended = set_status({{"jobDeploymentStatus", "Complete"},
                                 {"jobStatus", "SUCCEEDED"},
                                 {"rayClusterName", "train-ccccc"},
                                 {"jobId", "train-ddddd"}});
  t.join();
  INFO(f.err());
  CHECK(created);
  CHECK(initializing);
  CHECK(suspended);
  CHECK(patched == 200);
  CHECK(resumed);
  CHECK(ended);
  REQUIRE(r);
  const Json summary = Json::parse(f.out());
  // Admitted at the second Initializing, over 1.5 s in; not at the first.
  CHECK(summary["durationSeconds"]["admission"].get<long long>() >= 1);
}

TEST_CASE("submit: dropped watches and 410s mid-wait lose and repeat nothing", "[submit][http]") {
  Fixture f;
  fakekube::RayJobScript script;
  script.logs = {"one", "two", "three", "four"};
  f.sim.add_job_rule("train.py", script);
  f.server.drop_watches_after(2);
  f.server.gone_on_watch_resume(2);
  auto r = f.submit(f.options());
  INFO(f.err());
  REQUIRE(r);
  CHECK(f.out() == f.submitter_logs("train"));
}

TEST_CASE("submit: nothing is sent for an invalid RayJob or one without a RayJob",
          "[submit][http]") {
  Fixture f;
  auto o = f.options();
  f.d.fs.with_file("/w/job.yaml", rayjob_manifest({}) + "  bogusField: 1\n");
  auto r = f.submit(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::invalid_spec);
  f.d.fs.with_file("/w/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
  o.inputs = {"/w/cm.yaml"};
  r = f.submit(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::usage);
  CHECK(contains(r.error().message, "submit needs a RayJob"));
  for (const auto& req : f.server.requests()) {
    CHECK(req.method == "GET");
  }
}

TEST_CASE("submit: HTTPMode, the driver log from the dashboard, polled, across 503s",
          "[submit][http]") {
  Fixture f;
  fakekube::RayJobScript script;
  script.run_seconds = 60;  // 3 s of real time: several polls see the log grow
  for (int i = 0; i < 30; ++i) {
    script.logs.push_back("step " + std::to_string(i));
  }
  f.sim.add_job_rule("train.py", script);
  JobShape shape;
  shape.mode = "HTTPMode";
  auto o = f.options(shape);
  kray::Result<void> r;
  std::thread t([&] { r = f.submit(o); });
  // Once the log has begun, the dashboard answers 503 for a while.
  for (int i = 0; i < 1000 && !contains(f.out(), "step 3\n"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  f.sim.fail_dashboard_requests(4);
  t.join();
  INFO(f.err());
  REQUIRE(r);
  auto job = f.server.get("ray.io/v1", "rayjobs", "default", "train");
  REQUIRE(job);
  const std::string url = (*job)["status"]["dashboardURL"];
  const std::string service = url.substr(0, url.find('.'));
  testing::HttpClient http(f.server, "admin");
  auto logs = http.get("/api/v1/namespaces/default/services/" + service + ":8265/proxy/api/jobs/" +
                       (*job)["status"]["jobId"].get<std::string>() + "/logs");
  REQUIRE(logs.status == 200);
  const std::string expected = Json::parse(logs.body)["logs"];
  CHECK(contains(expected, "step 29"));
  CHECK(f.out() == expected + (expected.back() == '\n' ? "" : "\n"));
  CHECK(contains(f.err(), "log of Ray job train-"));
}

TEST_CASE("wait: ready, complete and deleted, from the status model, on a watch",
          "[submit][wait][http]") {
  Fixture f;
  REQUIRE(f.submit(f.options()));
  const auto wait = [&](const std::string& target, const std::string& cond, int timeout_s = 0) {
    std::lock_guard<std::mutex> lock(f.d.console.mu);
    f.d.console.out_text.clear();
    kray::app::WaitOptions w;
    w.target = target;
    w.condition = cond;
    w.timeout = std::chrono::seconds(timeout_s);
    w.kubeconfig.kubeconfig = "/k/config";
    return w;
  };
  auto r = kray::app::run_wait(wait("rayjob/train", "complete"), f.d.deps);
  REQUIRE(r);
  CHECK(f.out() == "rayjob/train complete (Complete, SUCCEEDED)\n");
  auto job = f.server.get("ray.io/v1", "rayjobs", "default", "train");
  REQUIRE(job);
  const std::string cluster = (*job)["status"]["rayClusterName"];
  r = kray::app::run_wait(wait("raycluster/" + cluster, "ready"), f.d.deps);
  REQUIRE(r);
  CHECK(f.out() == "raycluster/" + cluster + " ready (ready)\n");
  // Complete is for RayJobs; an object that stays: exit 3, its state named.
  r = kray::app::run_wait(wait("raycluster/" + cluster, "complete"), f.d.deps);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::usage);
  r = kray::app::run_wait(wait("rayjob/train", "deleted", 1), f.d.deps);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::timeout);
  CHECK(contains(r.error().to_string(), "timed out waiting for rayjob/train to be deleted"));
  REQUIRE(f.server.remove("ray.io/v1", "rayjobs", "default", "train"));
  r = kray::app::run_wait(wait("rayjob/train", "deleted", 30), f.d.deps);
  REQUIRE(r);
  CHECK(f.out() == "rayjob/train deleted\n");
}

TEST_CASE("wait: a failed RayJob will never complete well: exit 1 with its reason",
          "[submit][wait][http]") {
  Fixture f;
  fakekube::RayJobScript script;
  script.status = "FAILED";
  f.sim.add_job_rule("train.py", script);
  REQUIRE_FALSE(f.submit(f.options()));
  kray::app::WaitOptions w;
  w.target = "rayjob/train";
  w.condition = "complete";
  w.kubeconfig.kubeconfig = "/k/config";
  auto r = kray::app::run_wait(w, f.d.deps);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::workload_failed);
  CHECK(contains(r.error().message, "rayjob/train failed (Failed, FAILED): AppFailed"));
}

TEST_CASE("apply --wait: RayJobs complete, RayClusters ready, a failure exits 1",
          "[submit][wait][http]") {
  Fixture f;
  f.options();  // writes /w/job.yaml
  kray::app::ApplyOptions a;
  a.inputs = {"/w/job.yaml"};
  a.kubeconfig.kubeconfig = "/k/config";
  a.wait = true;
  auto r = kray::app::run_apply(a, f.d.deps);
  INFO(f.err());
  REQUIRE(r);
  CHECK(contains(f.out(), "rayjob.ray.io/train created\n"));
  CHECK(contains(f.out(), "rayjob/train complete (Complete, SUCCEEDED)\n"));
  fakekube::RayJobScript script;
  script.status = "FAILED";
  f.sim.add_job_rule("bad.py", script);
  JobShape shape;
  shape.name = "bad";
  shape.entrypoint = "python bad.py";
  f.d.fs.with_file("/w/bad.yaml", rayjob_manifest(shape));
  a.inputs = {"/w/bad.yaml"};
  r = kray::app::run_apply(a, f.d.deps);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::workload_failed);
  CHECK(contains(r.error().message, "rayjob/bad failed (Failed, FAILED)"));
}

TEST_CASE("submit: a worker that is OOMKilled or crash-loops ends the wait (exit 1)",
          "[submit][http]") {
  for (const std::string behavior : {"oom", "crash-loop"}) {
    INFO(behavior);
    Fixture f;
    JobShape shape;
    shape.worker_behavior = behavior;
    auto r = f.submit(f.options(shape));
    INFO(f.err());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::workload_failed);
    CHECK(contains(f.err(), behavior == "oom"
                                ? "stalled: worker group gpu: 1 Pod OOMKilled"
                                : "stalled: worker group gpu: 1 Pod CrashLoopBackOff"));
    CHECK(contains(f.err(), "rayjob/train cannot progress"));
    CHECK(f.out().empty());  // no submitter ran
  }
}
