// SPDX-License-Identifier: Apache-2.0
// `krayctl apply`, `delete` and `status` (app/) end to end: in-memory
// inputs and kubeconfig, the real libcurl transport, the simulated API
// server.
#include <krayctl/app/apply.hpp>
#include <krayctl/app/delete.hpp>
#include <krayctl/app/status.hpp>
#include <krayctl/util/base64.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakekube/server.hpp"
#include "../../support/fakekube/sim.hpp"
#include "../../support/fakes.hpp"
#include "../../support/http_client.hpp"

#include <thread>

using kray::ErrorCode;
using kray::app::ApplyOptions;
using kray::app::DryRun;

namespace {

const char* const k_cluster = R"(apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: rc
spec:
  rayVersion: "2.52.0"
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.52.0
          resources:
            limits: {cpu: "2", memory: 8Gi}
            requests: {cpu: "2", memory: 8Gi}
)";

struct Fixture {
  fakekube::ApiServer server;
  kray::test::FakeDeps d;

  explicit Fixture(fakekube::ServerOptions o = {}) : server(o) {
    server.start();
    d.fs.with_file(
        "/k/config",
        "clusters:\n- name: fk\n  cluster:\n    server: " + server.url() +
            "\n    certificate-authority-data: " + kray::util::base64_encode(server.ca_pem()) +
            "\nusers:\n- name: t\n  user:\n    token: " + server.identity("token").token +
            "\ncontexts:\n- name: fk\n  context: {cluster: fk, user: t, namespace: default}\n"
            "current-context: fk\n");
    d.fs.with_file("/w/rc.yaml", k_cluster);
  }

  kray::Result<void> apply(const std::vector<std::string>& inputs,
                           DryRun dry = DryRun::none,
                           bool force = false) {
    d.console.out_text.clear();
    d.console.err_text.clear();
    ApplyOptions o;
    o.inputs = inputs;
    o.dry_run = dry;
    o.force_conflicts = force;
    o.kubeconfig.kubeconfig = "/k/config";
    return kray::app::run_apply(o, d.deps);
  }
};

}  // namespace

TEST_CASE("app::run_apply: created, unchanged, configured", "[apply][http]") {
  Fixture f;
  REQUIRE(f.apply({"/w/rc.yaml"}));
  CHECK(f.d.console.out_text == "raycluster.ray.io/rc created\n");
  auto rc = f.server.get("ray.io/v1", "rayclusters", "default", "rc");
  REQUIRE(rc);
  CHECK((*rc)["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "krayctl");
  CHECK((*rc)["metadata"]["managedFields"][0]["manager"] == "krayctl");
  CHECK((*rc)["metadata"]["managedFields"][0]["operation"] == "Apply");
  REQUIRE(f.apply({"/w/rc.yaml"}));
  CHECK(f.d.console.out_text == "raycluster.ray.io/rc unchanged\n");
  std::string changed = k_cluster;
  changed.replace(changed.find("2.52.0\""), 7, "2.53.0\"");
  f.d.fs.with_file("/w/rc.yaml", changed);
  REQUIRE(f.apply({"/w/rc.yaml"}));
  CHECK(f.d.console.out_text == "raycluster.ray.io/rc configured\n");
  // The token never shows, on stdout or stderr.
  const std::string token = f.server.identity("token").token;
  CHECK(f.d.console.out_text.find(token) == std::string::npos);
  CHECK(f.d.console.err_text.find(token) == std::string::npos);
  for (const auto& r : f.server.requests()) {
    if (r.method == "PATCH") {
      CHECK(r.content_type == "application/apply-patch+yaml");
      CHECK(r.query.find("fieldManager=krayctl") != std::string::npos);
      CHECK(r.user_agent.rfind("krayctl/", 0) == 0);
    }
  }
}

TEST_CASE("app::run_apply: a conflict names the other manager; --force-conflicts takes over",
          "[apply][http]") {
  Fixture f;
  REQUIRE(f.apply({"/w/rc.yaml"}));
  testing::HttpClient other(f.server, "admin");
  REQUIRE(
      other
          .request("PATCH",
                   "/apis/ray.io/v1/namespaces/default/rayclusters/rc?fieldManager=kubectl-edit",
                   R"({"spec":{"rayVersion":"2.40.0"}})", "application/merge-patch+json")
          .status == 200);
  std::string changed = k_cluster;
  changed.replace(changed.find("2.52.0\""), 7, "2.53.0\"");
  f.d.fs.with_file("/w/rc.yaml", changed);
  auto r = f.apply({"/w/rc.yaml"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::conflict);
  const std::string msg = r.error().to_string();
  CHECK(msg.rfind(
            "raycluster.ray.io/rc: Apply failed with 1 conflict: conflict with \"kubectl-edit\"",
            0) == 0);
  CHECK(msg.find(".spec.rayVersion") != std::string::npos);
  CHECK(msg.find("--force-conflicts") != std::string::npos);
  REQUIRE(f.apply({"/w/rc.yaml"}, DryRun::none, true));
  CHECK(f.d.console.out_text == "raycluster.ray.io/rc configured\n");
  CHECK((*f.server.get("ray.io/v1", "rayclusters", "default", "rc"))["spec"]["rayVersion"] ==
        "2.53.0");
}

TEST_CASE("app::run_apply: dry runs", "[apply][http]") {
  Fixture f;
  SECTION("server: checked by the API server, nothing stored") {
    REQUIRE(f.apply({"/w/rc.yaml"}, DryRun::server));
    CHECK(f.d.console.out_text == "raycluster.ray.io/rc created (server dry run)\n");
    CHECK_FALSE(f.server.get("ray.io/v1", "rayclusters", "default", "rc"));
    bool dry = false;
    for (const auto& r : f.server.requests()) {
      dry = dry || (r.method == "PATCH" && r.query.find("dryRun=All") != std::string::npos);
    }
    CHECK(dry);
  }
  SECTION("client: nothing sent at all") {
    REQUIRE(f.apply({"/w/rc.yaml"}, DryRun::client));
    CHECK(f.d.console.out_text == "raycluster.ray.io/rc valid (client dry run, nothing sent)\n");
    CHECK(f.server.requests().empty());
  }
}

TEST_CASE("app::run_apply: one invalid document and nothing is sent", "[apply][http]") {
  Fixture f;
  std::string bad = k_cluster;
  bad.replace(bad.find("rayVersion"), 10, "rayVersio");
  f.d.fs.with_file("/w/bad.yaml", bad);
  auto r = f.apply({"/w/rc.yaml", "/w/bad.yaml"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::invalid_spec);
  CHECK(r.error().message == "nothing was sent");
  CHECK(f.d.console.err_text.find("/w/bad.yaml:6:3: error") != std::string::npos);
  CHECK(f.server.requests().empty());
  CHECK_FALSE(f.server.get("ray.io/v1", "rayclusters", "default", "rc"));
}

TEST_CASE("app::run_apply: without the KubeRay CRDs, the message says what to do",
          "[apply][http]") {
  fakekube::ServerOptions o;
  o.kuberay_crds = false;
  Fixture f(o);
  auto r = f.apply({"/w/rc.yaml"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::not_found);
  CHECK(r.error().to_string().rfind("raycluster.ray.io/rc: the KubeRay CRDs are not installed",
                                    0) == 0);
}

namespace {

kray::Result<void> remove(Fixture& f,
                          const std::vector<std::string>& targets,
                          const std::vector<std::string>& files = {},
                          bool force = false,
                          bool wait = false,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  f.d.console.out_text.clear();
  kray::app::DeleteOptions o;
  o.targets = targets;
  o.files = files;
  o.force = force;
  o.wait = wait;
  o.timeout = timeout;
  o.kubeconfig.kubeconfig = "/k/config";
  return kray::app::run_delete(o, f.d.deps);
}

const std::string k_unmanaged_pod =
    R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"theirs"},"spec":{"containers":[]}})";

}  // namespace

TEST_CASE("app::run_delete: what krayctl applied, by name or by file", "[delete][http]") {
  Fixture f;
  REQUIRE(f.apply({"/w/rc.yaml"}));
  SECTION("by KIND/NAME") {
    REQUIRE(remove(f, {"raycluster/rc"}));
    CHECK(f.d.console.out_text == "raycluster.ray.io/rc deleted\n");
    CHECK_FALSE(f.server.get("ray.io/v1", "rayclusters", "default", "rc"));
  }
  SECTION("by the file that applied it") {
    REQUIRE(remove(f, {}, {"/w/rc.yaml"}));
    CHECK_FALSE(f.server.get("ray.io/v1", "rayclusters", "default", "rc"));
  }
  SECTION("not found, unless --ignore-not-found") {
    auto r = remove(f, {"rayjob/nope"});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::not_found);
    CHECK(r.error().to_string() ==
          "rayjob.ray.io/nope: rayjobs.ray.io \"nope\" not found (404 NotFound)");
  }
  SECTION("a KIND krayctl does not know") {
    auto r = remove(f, {"widget/x"});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::usage);
  }
}

TEST_CASE("app::run_delete: objects krayctl did not create are left alone", "[delete][http]") {
  Fixture f;
  REQUIRE(f.apply({"/w/rc.yaml"}));
  testing::HttpClient other(f.server, "admin");
  REQUIRE(other.request("POST", "/api/v1/namespaces/default/pods", k_unmanaged_pod).status == 201);
  auto r = remove(f, {"raycluster/rc", "pod/theirs"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::usage);
  CHECK(r.error().message.rfind("pod/theirs was not created by krayctl", 0) == 0);
  // Checked before anything was deleted: the managed cluster is still there.
  CHECK(f.server.get("ray.io/v1", "rayclusters", "default", "rc"));
  CHECK(f.server.get("v1", "pods", "default", "theirs"));
  REQUIRE(remove(f, {"pod/theirs"}, {}, true));
  CHECK_FALSE(f.server.get("v1", "pods", "default", "theirs"));
}

TEST_CASE("app::run_delete --wait: until the finalizers let go, or the timeout", "[delete][http]") {
  Fixture f;
  REQUIRE(f.apply({"/w/rc.yaml"}));
  testing::HttpClient other(f.server, "admin");
  REQUIRE(other
              .request("PATCH", "/apis/ray.io/v1/namespaces/default/rayclusters/rc",
                       R"({"metadata":{"finalizers":["example.com/hold"]}})",
                       "application/merge-patch+json")
              .status == 200);
  SECTION("released by another client: --wait returns once it is gone") {
    std::thread releaser([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      testing::HttpClient c(f.server, "admin");
      (void)c.request("PATCH", "/apis/ray.io/v1/namespaces/default/rayclusters/rc",
                      R"({"metadata":{"finalizers":null}})", "application/merge-patch+json");
    });
    auto r = remove(f, {"raycluster/rc"}, {}, false, true);
    releaser.join();
    CHECK(r);
    CHECK_FALSE(f.server.get("ray.io/v1", "rayclusters", "default", "rc"));
    bool watched = false;
    for (const auto& q : f.server.requests()) {
      watched = watched || q.query.find("watch=true") != std::string::npos;
    }
    CHECK(watched);  // a watch, not polling
  }
  SECTION("never released: exit 3 after --timeout") {
    auto r = remove(f, {"raycluster/rc"}, {}, false, true, std::chrono::milliseconds(1500));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::timeout);
  }
}

TEST_CASE("app::run_status: the table and one object, with the operator simulated",
          "[status][http]") {
  fakekube::ServerOptions o;
  o.speed = 50;
  o.nodes = "2x8gpu";
  Fixture f(o);
  fakekube::Simulation sim(f.server);
  sim.start();
  REQUIRE(f.apply({"/w/rc.yaml"}));
  kray::app::StatusOptions s;
  s.kubeconfig.kubeconfig = "/k/config";
  std::string table;
  for (int i = 0; i < 200; ++i) {
    f.d.console.out_text.clear();
    REQUIRE(kray::app::run_status(s, f.d.deps));
    table = f.d.console.out_text;
    if (table.find("ready") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(table.rfind("NAME            STATE   WORKERS   GPUS   JOB   AGE", 0) == 0);
  CHECK(table.find("raycluster/rc   ready   0/0") != std::string::npos);
  f.d.console.out_text.clear();
  s.target = "raycluster/rc";
  REQUIRE(kray::app::run_status(s, f.d.deps));
  CHECK(f.d.console.out_text.find("HeadPodReady=True") != std::string::npos);
  CHECK(f.d.console.out_text.find("headgroup  rc-head-") != std::string::npos);
  CHECK(f.d.console.out_text.find("services/rc-head-svc:dashboard/proxy/") != std::string::npos);
  sim.stop();
}

TEST_CASE("app::run_status: no KubeRay CRDs is one clear error", "[status][http]") {
  fakekube::ServerOptions o;
  o.kuberay_crds = false;
  Fixture f(o);
  kray::app::StatusOptions s;
  s.kubeconfig.kubeconfig = "/k/config";
  auto r = kray::app::run_status(s, f.d.deps);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.rfind("the KubeRay CRDs are not installed", 0) == 0);
}

TEST_CASE("app::run_apply: rejected credentials are named, never shown", "[apply][http]") {
  Fixture f;
  const std::string old_token = f.server.identity("token").token;
  (void)f.server.rotate_token("token");  // the kubeconfig's token has expired
  auto r = f.apply({"/w/rc.yaml"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::unauthorized);
  CHECK(r.error().to_string() ==
        "raycluster.ray.io/rc: the API server rejected the credentials (401 Unauthorized): user "
        "\"t\" (bearer token) of context \"fk\"");
  CHECK(r.error().to_string().find(old_token) == std::string::npos);
}

TEST_CASE("app::run_status: pending workers give their reason, to the cluster and its RayJob",
          "[status][http]") {
  fakekube::ServerOptions o;
  o.speed = 50;
  o.nodes = "1x8gpu";
  Fixture f(o);
  fakekube::Simulation sim(f.server);
  sim.start();
  // Two 8-GPU workers on one 8-GPU node: the second stays Pending.
  f.d.fs.with_file("/w/job.yaml", R"(apiVersion: ray.io/v1
kind: RayJob
metadata: {name: train}
spec:
  entrypoint: python train.py
  rayClusterSpec:
    rayVersion: "2.52.0"
    headGroupSpec:
      rayStartParams: {}
      template:
        spec:
          containers:
          - name: ray-head
            image: rayproject/ray:2.52.0
            resources: {limits: {cpu: "1", memory: 2Gi}, requests: {cpu: "1", memory: 2Gi}}
    workerGroupSpecs:
    - groupName: gpu
      replicas: 2
      minReplicas: 2
      maxReplicas: 2
      rayStartParams: {}
      template:
        spec:
          containers:
          - name: ray-worker
            image: rayproject/ray:2.52.0
            resources: {limits: {nvidia.com/gpu: "8", cpu: "8", memory: 64Gi},
                        requests: {nvidia.com/gpu: "8", cpu: "8", memory: 64Gi}}
)");
  REQUIRE(f.apply({"/w/job.yaml"}));
  kray::app::StatusOptions s;
  s.kubeconfig.kubeconfig = "/k/config";
  std::string table;
  for (int i = 0; i < 300; ++i) {
    f.d.console.out_text.clear();
    REQUIRE(kray::app::run_status(s, f.d.deps));
    table = f.d.console.out_text;
    if (table.find("Unschedulable") != std::string::npos &&
        table.find("rayjob/train") != std::string::npos &&
        table.find("cluster train-") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  INFO(table);
  CHECK(table.find("worker gpu: Unschedulable: 0/1 nodes are available: 1 Insufficient "
                   "nvidia.com/gpu.") != std::string::npos);
  CHECK(table.find("Initializing   1/2") != std::string::npos);
  CHECK(table.find("cluster train-") != std::string::npos);
  sim.stop();
}
