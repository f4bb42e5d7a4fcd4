// SPDX-License-Identifier: Apache-2.0
// The RayJob every submit, logs and stop test runs, and the cluster it runs
// on: fakekube's API server and simulation (20 times real speed, two 8-GPU
// nodes and a CPU node), a kubeconfig for it, and the console read back.
#pragma once

#include <krayctl/app/submit.hpp>
#include <krayctl/io/interrupts.hpp>
#include <krayctl/util/base64.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakekube/server.hpp"
#include "../../support/fakekube/sim.hpp"
#include "../../support/fakes.hpp"
#include "../../support/http_client.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace submit_fixture {

using Json = nlohmann::json;

struct JobShape {
  std::string name = "train";
  int worker_gpus = 8;
  std::string image = "rayproject/ray:2.52.0-gpu";
  std::string entrypoint = "python train.py";
  std::string head_env;  // extra YAML for the head container's env list
  int backoff_limit = 0;
  int submitter_backoff_limit = 2;
  std::string mode;             // submissionMode; "" for the default (K8sJobMode)
  std::string worker_behavior;  // fakekube.io/behavior of the worker Pods ("oom", ...)
  std::string queue;            // the kueue.x-k8s.io/queue-name label
  bool suspend = false;         // spec.suspend
  std::string extra_spec;       // more spec lines, indented: "  activeDeadlineSeconds: 9\n"
};

inline std::string rayjob_manifest(const JobShape& s) {
  std::string yaml =
      R"(apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: )" +
      s.name + (s.queue.empty() ? "" : "\n  labels: {kueue.x-k8s.io/queue-name: " + s.queue + "}") +
      R"(
spec:
  entrypoint: )" +
      s.entrypoint + (s.suspend ? "\n  suspend: true" : "") + "\n" + s.extra_spec +
      R"(  shutdownAfterJobFinishes: true
  ttlSecondsAfterFinished: 600
  backoffLimit: )" +
      std::to_string(s.backoff_limit) + (s.mode.empty() ? "" : "\n  submissionMode: " + s.mode) +
      R"(
  submitterConfig:
    backoffLimit: )" +
      std::to_string(s.submitter_backoff_limit) +
      R"(
  rayClusterSpec:
    rayVersion: "2.52.0"
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - name: ray-head
            image: )" +
      s.image +
      R"(
            resources:
              limits: {cpu: "2", memory: 8Gi}
              requests: {cpu: "2", memory: 8Gi}
)";
  if (!s.head_env.empty()) {
    yaml += "            env:\n" + s.head_env;
  }
  yaml += R"(    workerGroupSpecs:
    - groupName: gpu
      replicas: 1
      minReplicas: 1
      maxReplicas: 1
      rayStartParams: {}
      template:
)" +
          (s.worker_behavior.empty()
               ? std::string()
               : "        metadata:\n          annotations: {fakekube.io/behavior: " +
                     s.worker_behavior + "}\n") +
          R"(        spec:
          containers:
          - name: ray-worker
            image: )" +
          s.image +
          R"(
            resources:
              limits: {cpu: "16", memory: 64Gi, nvidia.com/gpu: )" +
          std::to_string(s.worker_gpus) + R"(}
              requests: {cpu: "16", memory: 64Gi, nvidia.com/gpu: )" +
          std::to_string(s.worker_gpus) + R"(}
            volumeMounts:
            - {name: shm, mountPath: /dev/shm}
          volumes:
          - name: shm
            emptyDir: {medium: Memory, sizeLimit: 16Gi}
)";
  return yaml;
}

struct Fixture {
  fakekube::ApiServer server;
  fakekube::Simulation sim;
  kray::test::FakeDeps d;
  kray::io::FakeInterrupts interrupts;

  explicit Fixture(fakekube::SimOptions sim_options = {})
      : server(server_options()), sim(server, sim_options) {
    server.start();
    sim.start();
    d.deps.interrupts = &interrupts;
    d.fs.with_file(
        "/k/config",
        "clusters:\n- name: fk\n  cluster:\n    server: " + server.url() +
            "\n    certificate-authority-data: " + kray::util::base64_encode(server.ca_pem()) +
            "\nusers:\n- name: t\n  user:\n    token: " + server.identity("token").token +
            "\ncontexts:\n- name: fk\n  context: {cluster: fk, user: t, namespace: default}\n"
            "current-context: fk\n");
  }
  static fakekube::ServerOptions server_options() {
    fakekube::ServerOptions o;
    o.speed = 20;
    o.nodes = "2x8gpu,1xcpu";
    return o;
  }

  kray::app::SubmitOptions options(const JobShape& shape = {}) {
    d.fs.with_file("/w/job.yaml", rayjob_manifest(shape));
    kray::app::SubmitOptions o;
    o.inputs = {"/w/job.yaml"};
    o.kubeconfig.kubeconfig = "/k/config";
    o.timeout = std::chrono::seconds(60);  // a safety net: no scenario needs it
    o.settle_grace = std::chrono::milliseconds(500);
    o.operator_grace = std::chrono::milliseconds(1500);
    o.fail_fast_after = std::chrono::milliseconds(1500);
    return o;
  }

  kray::Result<void> submit(const kray::app::SubmitOptions& o) {
    {
      std::lock_guard<std::mutex> lock(d.console.mu);
      d.console.out_text.clear();
      d.console.err_text.clear();
    }
    return kray::app::run_submit(o, d.deps);
  }

  std::string err() const { return d.console.err_now(); }
  std::string out() const { return d.console.out_now(); }

  // The logs of the RayJob's submitter Pods, oldest first, as the API
  // server serves them: what stdout must hold, exactly.
  std::string submitter_logs(const std::string& job) const {
    testing::HttpClient http(server, "admin");
    std::vector<std::pair<std::string, std::string>> pods;  // created, name
    for (const auto& p : server.list("v1", "pods", "default")) {
      if (p["metadata"]["labels"].value("batch.kubernetes.io/job-name", "") == job) {
        pods.emplace_back(p["metadata"]["creationTimestamp"].get<std::string>(),
                          p["metadata"]["name"].get<std::string>());
      }
    }
    std::sort(pods.begin(), pods.end());
    std::string all;
    for (const auto& [created, name] : pods) {
      auto r = http.get("/api/v1/namespaces/default/pods/" + name + "/log");
      REQUIRE(r.status == 200);
      all += r.body;
      if (!r.body.empty() && r.body.back() != '\n') {
        all += "\n";
      }
    }
    return all;
  }
};

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace submit_fixture
