// SPDX-License-Identifier: Apache-2.0
// fakekube's kubelet and container runtime: what a container runs decides
// what its Pod shows. Each test has a client that gets it wrong and is
// caught: a missing Secret, an image the registry lacks, a failing init
// container, a probe nothing answers, `ray start` without --block, a worker
// whose --address leads nowhere.
#include "../../support/fakekube/container_runtime.hpp"
#include "../../support/fakekube/sim.hpp"

#include "../../support/catch.hpp"
#include "../../support/eventually.hpp"
#include "../../support/http_client.hpp"

using fakekube::ApiServer;
using fakekube::Json;
using fakekube::Simulation;

namespace {

struct Node {
  ApiServer server;
  Simulation sim;
  Node() : server(options()), sim(server) {
    server.start();
    sim.start();
  }
  static fakekube::ServerOptions options() {
    fakekube::ServerOptions o;
    o.speed = 50;
    o.nodes = "1xcpu";
    return o;
  }
  Json create(const std::string& resource, const Json& object) {
    auto made = server.create("v1", resource, "default", object);
    REQUIRE(made);
    return *made;
  }
  Json pod(const std::string& name) { return *server.get("v1", "pods", "default", name); }
  // Waits until the Pod satisfies `done`; the Pod as last read.
  Json until(const std::string& name, const std::function<bool(const Json&)>& done) {
    Json last;
    const bool ok = testing::eventually(server, [&] {
      auto p = server.get("v1", "pods", "default", name);
      if (!p) {
        return false;
      }
      last = *p;
      return done(last);
    });
    INFO(last.dump());
    REQUIRE(ok);
    return last;
  }
  // The events about `name`: "reason: message" -> count.
  std::map<std::string, int> events(const std::string& name) {
    std::map<std::string, int> out;
    for (const auto& e : server.list("v1", "events", "default")) {
      if (e["involvedObject"]["name"] == name) {
        out[e.value("reason", "") + ": " + e.value("message", "")] += e.value("count", 1);
      }
    }
    return out;
  }
  bool has_event(const std::string& name, const std::string& text, int at_least = 1) {
    for (const auto& [k, n] : events(name)) {
      if (k.find(text) != std::string::npos && n >= at_least) {
        return true;
      }
    }
    return false;
  }
};

Json container(const std::string& name, const std::string& image = "busybox:1.36") {
  return {{"name", name}, {"image", image}};
}

Json make_pod(const std::string& name, const Json& containers, const Json& extra = Json::object()) {
  Json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}, {"labels", {{"app", name}}}}},
            {"spec", {{"containers", containers}}}};
  for (auto it = extra.begin(); it != extra.end(); ++it) {
    p["spec"][it.key()] = it.value();
  }
  return p;
}

const Json& status_of(const Json& pod, const std::string& container, bool init = false) {
  static const Json none = Json::object();
  const Json& st = pod.contains("status") && pod["status"].is_object() ? pod["status"] : none;
  const char* list = init ? "initContainerStatuses" : "containerStatuses";
  if (!st.contains(list)) {
    return none;
  }
  for (const auto& cs : st[list]) {
    if (cs.value("name", "") == container) {
      return cs;
    }
  }
  return none;
}

std::string waiting_reason(const Json& pod, const std::string& c, bool init = false) {
  const Json& cs = status_of(pod, c, init);
  return cs.contains("state") && cs["state"].contains("waiting")
             ? cs["state"]["waiting"].value("reason", "")
             : "";
}

bool condition(const Json& pod, const std::string& type) {
  for (const auto& c : pod.value("status", Json::object()).value("conditions", Json::array())) {
    if (c["type"] == type) {
      return c["status"] == "True";
    }
  }
  return false;
}

std::string phase(const Json& pod) {
  return pod.value("status", Json::object()).value("phase", "");
}

// A Pod whose init container NAME behaves as `behavior` (fakekube.io/behavior.NAME).
Json init_pod(const std::string& name, const std::string& behavior, const Json& extra = {}) {
  Json spec = {{"initContainers", Json::array({container(name)})}};
  for (auto it = extra.begin(); it != extra.end(); ++it) {
    spec[it.key()] = it.value();
  }
  Json p = make_pod("p", Json::array({container("app")}), spec);
  p["metadata"]["annotations"] = {{"fakekube.io/behavior." + name, behavior}};
  return p;
}

// A Ray container running `script` under bash, as KubeRay writes it, with
// KubeRay's exec readiness probe of the raylet (< Ray 2.53).
Json ray_container(const std::string& name, const std::string& script) {
  Json c = container(name, "rayproject/ray:2.52.0");
  c["command"] = {"/bin/bash", "-c", "--"};
  c["args"] = {script};
  c["readinessProbe"] = {
      {"exec",
       {{"command",
         {"bash", "-c",
          "wget --tries 1 -T 2 -q -O- http://localhost:52365/api/local_raylet_healthz | grep "
          "success"}}}},
      {"periodSeconds", 1}};
  return c;
}

std::string log_of(ApiServer& server, const std::string& pod, const std::string& query) {
  testing::HttpClient http(server, "admin");
  return http.get("/api/v1/namespaces/default/pods/" + pod + "/log?" + query).body;
}

}  // namespace

TEST_CASE("fakekube kubelet: a missing Secret stalls the container until it exists", "[fakekube]") {
  Node n;
  Json c = container("app");
  c["env"] =
      Json::array({{{"name", "TOKEN"},
                    {"valueFrom", {{"secretKeyRef", {{"name", "creds"}, {"key", "token"}}}}}}});
  n.create("pods", make_pod("p", Json::array({c})));
  Json p = n.until(
      "p", [](const Json& q) { return waiting_reason(q, "app") == "CreateContainerConfigError"; });
  CHECK(status_of(p, "app")["state"]["waiting"]["message"] == "secret \"creds\" not found");
  CHECK(phase(p) == "Pending");
  CHECK(n.has_event("p", "Failed: Error: secret \"creds\" not found"));

  // The Secret without the key: still stalled, with the key named.
  n.create("secrets", {{"apiVersion", "v1"},
                       {"kind", "Secret"},
                       {"metadata", {{"name", "creds"}}},
                       {"stringData", {{"other", "x"}}}});
  p = n.until("p", [](const Json& q) {
    return status_of(q, "app")
               .value("state", Json::object())
               .value("waiting", Json::object())
               .value("message", "") == "couldn't find key token in Secret default/creds";
  });
  CHECK(phase(p) == "Pending");

  // With the key the container starts.
  Json secret = *n.server.get("v1", "secrets", "default", "creds");
  secret["data"]["token"] = "dG9rZW4=";
  REQUIRE(n.server.update("v1", "secrets", "default", secret));
  p = n.until("p", [](const Json& q) { return condition(q, "Ready"); });
  CHECK(phase(p) == "Running");
}

TEST_CASE("fakekube kubelet: a missing ConfigMap volume keeps the Pod in ContainerCreating",
          "[fakekube]") {
  Node n;
  n.create("pods",
           make_pod("p", Json::array({container("app")}),
                    {{"volumes",
                      Json::array({{{"name", "conf"}, {"configMap", {{"name", "settings"}}}}})}}));
  REQUIRE(testing::eventually(n.server, [&] {
    return n.has_event("p",
                       "FailedMount: MountVolume.SetUp failed for volume \"conf\" : configmap "
                       "\"settings\" not found");
  }));
  Json p = n.pod("p");
  CHECK(waiting_reason(p, "app") == "ContainerCreating");
  CHECK_FALSE(condition(p, "PodReadyToStartContainers"));
  CHECK_FALSE(p["status"].contains("podIP"));

  n.create("configmaps", {{"apiVersion", "v1"},
                          {"kind", "ConfigMap"},
                          {"metadata", {{"name", "settings"}}},
                          {"data", {{"a", "b"}}}});
  n.until("p", [](const Json& q) { return condition(q, "Ready"); });
}

TEST_CASE("fakekube kubelet: an image the registry lacks fails to pull, then backs off",
          "[fakekube]") {
  Node n;
  n.create("pods", make_pod("typo", Json::array({container("app", "rayproject/rya:2.52.0")})));
  n.create("pods", make_pod("tag", Json::array({container("app", "rayproject/ray:9.9")})));
  n.create("pods", make_pod("good", Json::array({container("app", "rayproject/ray:2.52.0")})));
  Json p =
      n.until("typo", [](const Json& q) { return waiting_reason(q, "app") == "ErrImagePull"; });
  CHECK(status_of(p, "app")["state"]["waiting"]["message"].get<std::string>().find(
            "pull access denied, repository does not exist") != std::string::npos);
  p = n.until("typo", [](const Json& q) { return waiting_reason(q, "app") == "ImagePullBackOff"; });
  CHECK(status_of(p, "app")["state"]["waiting"]["message"] ==
        "Back-off pulling image \"rayproject/rya:2.52.0\"");
  CHECK(n.has_event("typo",
                    "Failed: Failed to pull image \"rayproject/rya:2.52.0\": rpc error: "
                    "code = Unknown desc = failed to pull and unpack image "
                    "\"docker.io/rayproject/rya:2.52.0\""));
  CHECK(n.has_event("typo", "BackOff: Back-off pulling image \"rayproject/rya:2.52.0\""));
  // A repository that exists, a tag that does not: NotFound.
  n.until("tag", [](const Json& q) {
    const Json& w = status_of(q, "app").value("state", Json::object()).value("waiting", Json());
    return w.is_object() && w.value("message", "").find("code = NotFound") != std::string::npos &&
           w.value("message", "").find("docker.io/rayproject/ray:9.9: not found") !=
               std::string::npos;
  });
  n.until("good", [](const Json& q) { return condition(q, "Ready"); });
  CHECK(n.has_event("good", "Pulled: Successfully pulled image \"rayproject/ray:2.52.0\""));

  // The image appears in the registry: the next attempt pulls it.
  n.sim.add_image("rayproject/rya:2.52.0");
  n.until("typo", [](const Json& q) { return condition(q, "Ready"); });
  CHECK(n.has_event("typo", "Pulling: Pulling image \"rayproject/rya:2.52.0\"", 2));
}

TEST_CASE("fakekube kubelet: init containers run first, one after another", "[fakekube]") {
  Node n;
  SECTION("a failing init container fails a Pod that is never restarted") {
    Json p = make_pod("p", Json::array({container("app")}),
                      {{"restartPolicy", "Never"},
                       {"initContainers", Json::array({container("setup"), container("check")})}});
    p["metadata"]["annotations"] = {{"fakekube.io/behavior.check", "exit:3:1"}};
    n.create("pods", p);
    p = n.until("p", [](const Json& q) { return phase(q) == "Failed"; });
    CHECK(status_of(p, "setup", true)["state"]["terminated"]["reason"] == "Completed");
    CHECK(status_of(p, "check", true)["state"]["terminated"]["exitCode"] == 3);
    CHECK(waiting_reason(p, "app") == "PodInitializing");
    CHECK_FALSE(condition(p, "Initialized"));
  }
  SECTION("a hanging init container keeps the Pod Pending, with the reason") {
    Json p = init_pod("wait", "run");
    n.create("pods", p);
    p = n.until("p", [](const Json& q) {
      return status_of(q, "wait", true).value("state", Json::object()).contains("running");
    });
    CHECK(phase(p) == "Pending");
    CHECK(waiting_reason(p, "app") == "PodInitializing");
    bool found = false;
    for (const auto& c : p["status"]["conditions"]) {
      if (c["type"] == "Initialized") {
        found = true;
        CHECK(c["reason"] == "ContainersNotInitialized");
        CHECK(c["message"] == "containers with incomplete status: [wait]");
      }
    }
    CHECK(found);
  }
  SECTION("a failing init container is restarted with back-off under restartPolicy Always") {
    Json p = init_pod("flaky", "exit:1:0");
    n.create("pods", p);
    p = n.until("p", [](const Json& q) {
      return waiting_reason(q, "flaky", true) == "CrashLoopBackOff" &&
             status_of(q, "flaky", true).value("restartCount", 0) >= 2;
    });
    CHECK(phase(p) == "Pending");
    CHECK(status_of(p, "flaky", true)["lastState"]["terminated"]["exitCode"] == 1);
  }
}

TEST_CASE("fakekube kubelet: readiness follows the probe; Running is not Ready", "[fakekube]") {
  Node n;
  Json c = container("web");
  c["readinessProbe"] = {{"httpGet", {{"path", "/ready"}, {"port", 8080}}},
                         {"periodSeconds", 1},
                         {"initialDelaySeconds", 2}};
  n.create("pods", make_pod("p", Json::array({c})));
  REQUIRE(testing::eventually(n.server, [&] {
    return n.has_event("p", "Unhealthy: Readiness probe failed: Get \"http://", 2);
  }));
  Json p = n.pod("p");
  CHECK(phase(p) == "Running");
  CHECK_FALSE(condition(p, "Ready"));
  CHECK(n.has_event("p", ":8080/ready\": dial tcp "));
  // Something answers on the port: Ready.
  n.server.listen("default", "p", 8080, [](const fakekube::ProxyRequest&) {
    return fakekube::ProxyResponse{200, "ok", "text/plain"};
  });
  n.until("p", [](const Json& q) { return condition(q, "Ready"); });
  n.server.unlisten("default", "p", 8080);
}

TEST_CASE("fakekube kubelet: a failed liveness probe restarts the container; previous logs stay",
          "[fakekube]") {
  Node n;
  Json c = container("app");
  c["livenessProbe"] = {
      {"tcpSocket", {{"port", 9000}}}, {"periodSeconds", 1}, {"failureThreshold", 2}};
  Json p = make_pod("p", Json::array({c}));
  n.create("pods", p);
  n.server.append_log("default", "p", "app", "before");  // the first run's output
  p = n.until("p", [](const Json& q) { return status_of(q, "app").value("restartCount", 0) >= 1; });
  CHECK(status_of(p, "app")["lastState"]["terminated"]["exitCode"] == 137);
  CHECK(n.has_event("p", "Killing: Container app failed liveness probe, will be restarted"));
  CHECK(n.has_event("p", "Unhealthy: Liveness probe failed: dial tcp "));
  CHECK(log_of(n.server, "p", "previous=true").find("before") != std::string::npos);
  CHECK(log_of(n.server, "p", "").find("before") == std::string::npos);
  testing::HttpClient http(n.server, "admin");
  n.create("pods", make_pod("fresh", Json::array({container("app")})));
  n.until("fresh", [](const Json& q) { return condition(q, "Ready"); });
  auto none = http.get("/api/v1/namespaces/default/pods/fresh/log?previous=true");
  CHECK(none.status == 400);
  CHECK(
      none.body.find("previous terminated container \\\"app\\\" in pod \\\"fresh\\\" not found") !=
      std::string::npos);
}

TEST_CASE("fakekube kubelet: `ray start` without --block exits, and the Pod is never Ready",
          "[fakekube]") {
  Node n;
  Json c = ray_container("ray-head",
                         "ulimit -n 65536; ray start --head --dashboard-host=0.0.0.0 --num-cpus=1");
  n.create("pods", make_pod("head", Json::array({c})));
  Json p = n.until(
      "head", [](const Json& q) { return status_of(q, "ray-head").value("restartCount", 0) >= 2; });
  CHECK_FALSE(condition(p, "Ready"));
  CHECK(status_of(p, "ray-head")["lastState"]["terminated"]["reason"] == "Completed");
  CHECK(log_of(n.server, "head", "previous=true").find("Ray runtime started.") !=
        std::string::npos);

  // The same with --block runs, answers its probe, and is Ready.
  c["args"] = {"ulimit -n 65536; ray start --head --dashboard-host=0.0.0.0 --num-cpus=1 --block"};
  n.create("pods", make_pod("blocking", Json::array({c})));
  p = n.until("blocking", [](const Json& q) { return condition(q, "Ready"); });
  CHECK(status_of(p, "ray-head").value("restartCount", 0) == 0);
  CHECK(n.server.listening("default", "blocking", 8265));
  CHECK(n.server.listening("default", "blocking", 6379));
}

TEST_CASE("fakekube kubelet: a Ray worker joins only the head its --address reaches",
          "[fakekube]") {
  Node n;
  Json head =
      ray_container("ray-head", "ray start --head --dashboard-host=0.0.0.0 --num-cpus=1 --block");
  Json head_pod = make_pod("head", Json::array({head}));
  head_pod["metadata"]["labels"] = {{"ray.io/node-type", "head"}};
  n.create("pods", head_pod);
  n.create("services", {{"apiVersion", "v1"},
                        {"kind", "Service"},
                        {"metadata", {{"name", "head-svc"}}},
                        {"spec",
                         {{"clusterIP", "None"},
                          {"selector", {{"ray.io/node-type", "head"}}},
                          {"ports", Json::array({{{"name", "gcs"}, {"port", 6379}}})}}}});
  auto worker = [&](const std::string& name, const std::string& address) {
    Json w = ray_container(
        "ray-worker", "ulimit -n 65536; ray start --address=" + address + " --num-cpus=1 --block");
    n.create("pods", make_pod(name, Json::array({w})));
  };
  worker("right", "head-svc.default.svc.cluster.local:6379");
  worker("wrong-name", "head-service:6379");
  worker("wrong-port", "head-svc:6380");
  Json p = n.until("right", [](const Json& q) { return condition(q, "Ready"); });
  CHECK(log_of(n.server, "right", "").find("Ray runtime started.") != std::string::npos);
  for (const char* name : {"wrong-name", "wrong-port"}) {
    // The log is written as the container runs; the Pod's status reaches the
    // API at the kubelet's next sync, as with a real kubelet. Wait for both.
    p = n.until(name, [&](const Json& q) {
      return phase(q) == "Running" &&
             log_of(n.server, name, "").find("Failed to connect to GCS at address") !=
                 std::string::npos;
    });
    CHECK_FALSE(condition(p, "Ready"));
    CHECK(log_of(n.server, name, "").find("Ray runtime started.") == std::string::npos);
  }
}

TEST_CASE("fakekube image registry: references, patterns, errors", "[fakekube]") {
  using fakekube::normalize_image;
  CHECK(normalize_image("busybox") == "docker.io/library/busybox:latest");
  CHECK(normalize_image("rayproject/ray:2.52.0") == "docker.io/rayproject/ray:2.52.0");
  CHECK(normalize_image("localhost:5000/app") == "localhost:5000/app:latest");
  CHECK(normalize_image("nvcr.io/nvidia/pytorch:24.01-py3") == "nvcr.io/nvidia/pytorch:24.01-py3");
  CHECK(normalize_image("busybox@sha256:abc") == "docker.io/library/busybox@sha256:abc");
  fakekube::ImageRegistry r;
  CHECK(r.exists("rayproject/ray:2.52.0"));
  CHECK(r.exists("rayproject/ray-ml:2.46.0.0e19ea-py39-gpu"));
  CHECK(r.exists("rayproject/ray:nightly"));
  CHECK(r.exists("busybox:1.36"));
  CHECK(r.exists("myorg/app:1.3.0"));
  CHECK(r.exists("nvcr.io/nvidia/pytorch:24.01-py3"));
  CHECK_FALSE(r.exists("rayproject/rya:2.52.0"));
  CHECK_FALSE(r.exists("rayproject/ray:v2.52.0"));
  CHECK_FALSE(r.exists("pyhton:3.11"));
  r.remove("myorg/*");
  CHECK_FALSE(r.exists("myorg/app:1.3.0"));
  r.add("myorg/app:1.3.0");
  CHECK(r.exists("myorg/app:1.3.0"));
  CHECK_FALSE(r.exists("myorg/app:1.3.1"));
  r.remove("rayproject/ray:2.52.0");
  CHECK_FALSE(r.exists("rayproject/ray:2.52.0"));
  CHECK(r.pull_error("rayproject/ray:2.52.0").find("code = NotFound") == 0);
  CHECK(r.pull_error("rayproject/rya:1").find("code = Unknown") == 0);
}
