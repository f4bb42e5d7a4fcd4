// SPDX-License-Identifier: Apache-2.0
// fakekube's API server through HTTPS with libcurl: what an honest fake
// must answer as kube-apiserver does (Kubernetes API Concepts docs,
// apimachinery's Status errors, the apiserver's endpoint handlers). Each
// test starts its own server on 127.0.0.1 and a free port.
#include "../../support/fakekube/server.hpp"
#include "../../support/fakekube/yaml_json.hpp"

#include "../../support/catch.hpp"
#include "../../support/eventually.hpp"
#include "../../support/http_client.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <set>
#include <thread>

using fakekube::ApiServer;
using fakekube::Json;
using testing::HttpClient;
using testing::HttpResponse;

using testing::eventually;

namespace {

Json json_of(const HttpResponse& r) {
  Json j = Json::parse(r.body, nullptr, false);
  INFO(r.body);
  REQUIRE(!j.is_discarded());
  return j;
}

// The Status object of an error answer, checked for its shape.
Json status_of(const HttpResponse& r, long code, const std::string& reason) {
  INFO(r.body);
  CHECK(r.status == code);
  CHECK(r.content_type == "application/json");
  Json s = json_of(r);
  CHECK(s["kind"] == "Status");
  CHECK(s["apiVersion"] == "v1");
  CHECK(s["status"] == "Failure");
  CHECK(s["code"] == code);
  CHECK(s["reason"] == reason);
  return s;
}

std::string pod_json(const std::string& name, const std::string& extra_meta = "") {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name + "\"" + extra_meta +
         R"(},"spec":{"containers":[{"name":"main","image":"busybox"}]}})";
}

const char* const k_cluster = R"({"apiVersion":"ray.io/v1","kind":"RayCluster",
  "metadata":{"name":"rc","labels":{"team":"ml"}},
  "spec":{"headGroupSpec":{"rayStartParams":{},"template":{"spec":{"containers":[
    {"name":"ray-head","image":"rayproject/ray:2.52.0"}]}}},
  "workerGroupSpecs":[{"groupName":"gpu","replicas":2,"rayStartParams":{},
    "template":{"spec":{"containers":[{"name":"ray-worker","image":"rayproject/ray:2.52.0"}]}}}]}})";

const std::string k_pods = "/api/v1/namespaces/default/pods";
const std::string k_clusters = "/apis/ray.io/v1/namespaces/default/rayclusters";

struct Running {
  ApiServer server;
  explicit Running(fakekube::ServerOptions options = {}) : server(options) { server.start(); }
};

}  // namespace

TEST_CASE("fakekube: authentication and authorization", "[fakekube][http]") {
  Running r;
  SECTION("no credentials and a wrong token get 401 Unauthorized") {
    status_of(HttpClient(r.server, "").get("/api/v1/namespaces"), 401, "Unauthorized");
    HttpClient wrong(r.server, "token");
    wrong.token = "not-the-token";
    status_of(wrong.get("/api/v1/namespaces"), 401, "Unauthorized");
  }
  SECTION("the certificate user and the token user are served") {
    CHECK(HttpClient(r.server, "admin").get("/api/v1/namespaces").status == 200);
    CHECK(HttpClient(r.server, "token").get("/api/v1/namespaces").status == 200);
    const auto records = r.server.requests();
    REQUIRE(records.size() == 2);
    CHECK(records[0].user == "fakekube-admin");
    CHECK(records[1].user == "ci-bot");
    CHECK(records[0].user_agent == "fakekube-test/1.0");
  }
  SECTION("the read-only user reads, and gets RBAC's 403 for a write") {
    HttpClient viewer(r.server, "viewer");
    CHECK(viewer.get(k_pods).status == 200);
    Json s = status_of(viewer.request("POST", k_pods, pod_json("p")), 403, "Forbidden");
    CHECK(s["message"] ==
          "pods is forbidden: User \"viewer\" cannot create resource \"pods\" in API group \"\" "
          "in the namespace \"default\"");
    CHECK(s["details"]["kind"] == "pods");
    Json d = status_of(viewer.request("DELETE", "/api/v1/nodes/x"), 403, "Forbidden");
    CHECK(d["message"] ==
          "nodes \"x\" is forbidden: User \"viewer\" cannot delete resource \"nodes\" in API "
          "group \"\" at the cluster scope");
  }
  SECTION("a rotated token: the old one expires, the new one works") {
    HttpClient client(r.server, "token");
    const std::string fresh = r.server.rotate_token("token");
    status_of(client.get(k_pods), 401, "Unauthorized");
    client.token = fresh;
    CHECK(client.get(k_pods).status == 200);
  }
  SECTION("a certificate from another CA fails the TLS handshake") {
    fakekube::Pki other;
    fakekube::CertOptions o;
    o.common_name = "fakekube-admin";
    const auto stranger = other.issue(o);
    HttpClient client(r.server, "");
    client.client_cert_pem = stranger.cert_pem;
    client.client_key_pem = stranger.key_pem;
    const HttpResponse resp = client.get(k_pods);
    CHECK(resp.status == 0);
    CHECK_FALSE(resp.error.empty());
  }
  SECTION("an expired server certificate is refused by a verifying client") {
    fakekube::ServerOptions o;
    o.expired_server_cert = true;
    Running expired(o);
    const HttpResponse resp = HttpClient(expired.server, "admin").get("/version");
    CHECK(resp.status == 0);
    CHECK(resp.error.find("SSL") != std::string::npos);
  }
  SECTION("the server certificate is checked: another CA is refused") {
    fakekube::Pki other;
    HttpClient client(r.server, "admin");
    client.ca_pem = other.ca_pem();
    CHECK(client.get("/version").status == 0);
  }
}

TEST_CASE("fakekube: discovery", "[fakekube][http]") {
  SECTION("with the KubeRay CRDs") {
    Running r;
    HttpClient c(r.server, "admin");
    Json version = json_of(c.get("/version"));
    CHECK(version["major"] == "1");
    Json groups = json_of(c.get("/apis"));
    CHECK(groups["kind"] == "APIGroupList");
    std::vector<std::string> names;
    for (const auto& g : groups["groups"]) {
      names.push_back(g["name"]);
    }
    CHECK(names == std::vector<std::string>{"batch", "discovery.k8s.io", "ray.io"});
    Json ray = json_of(c.get("/apis/ray.io/v1"));
    CHECK(ray["groupVersion"] == "ray.io/v1");
    std::set<std::string> resources;
    for (const auto& res : ray["resources"]) {
      resources.insert(res["name"]);
    }
    for (const char* want : {"rayclusters", "rayclusters/status", "rayjobs", "rayjobs/status",
                             "rayservices", "rayservices/status"}) {
      CHECK(resources.count(want) == 1);
    }
    Json core = json_of(c.get("/api/v1"));
    std::set<std::string> core_resources;
    for (const auto& res : core["resources"]) {
      core_resources.insert(res["name"]);
    }
    for (const char* want : {"pods/log", "pods/proxy", "services/proxy", "endpoints"}) {
      CHECK(core_resources.count(want) == 1);
    }
    Json openapi = json_of(c.get("/openapi/v3"));
    CHECK(openapi["paths"].contains("apis/ray.io/v1"));
  }
  SECTION("without them: ray.io is not found, as on a cluster without the operator") {
    fakekube::ServerOptions o;
    o.kuberay_crds = false;
    Running r(o);
    HttpClient c(r.server, "admin");
    status_of(c.get("/apis/ray.io/v1"), 404, "NotFound");
    Json s = status_of(c.request("POST", k_clusters, k_cluster), 404, "NotFound");
    CHECK(s["message"] == "the server could not find the requested resource");
  }
}

TEST_CASE("fakekube: create, get, update and their errors", "[fakekube][http]") {
  Running r;
  HttpClient c(r.server, "admin");
  const HttpResponse created = c.request("POST", k_pods, pod_json("p1"));
  REQUIRE(created.status == 201);
  Json pod = json_of(created);
  CHECK(pod["metadata"]["uid"].is_string());
  CHECK(pod["metadata"]["creationTimestamp"].is_string());
  CHECK(pod["metadata"]["managedFields"][0]["manager"] == "fakekube-test");
  CHECK(pod["metadata"]["managedFields"][0]["operation"] == "Update");
  CHECK(!created.headers.find("audit-id")->second.empty());

  SECTION("409 AlreadyExists") {
    Json s = status_of(c.request("POST", k_pods, pod_json("p1")), 409, "AlreadyExists");
    CHECK(s["message"] == "pods \"p1\" already exists");
  }
  SECTION("404 for a namespace that does not exist") {
    Json s = status_of(c.request("POST", "/api/v1/namespaces/nope/pods", pod_json("p")), 404,
                       "NotFound");
    CHECK(s["message"] == "namespaces \"nope\" not found");
  }
  SECTION("422 Invalid with a cause for a name that breaks DNS rules") {
    Json s = status_of(c.request("POST", k_pods, pod_json("Bad_Name")), 422, "Invalid");
    CHECK(s["details"]["causes"][0]["field"] == "metadata.name");
    CHECK(s["details"]["causes"][0]["reason"] == "FieldValueInvalid");
  }
  SECTION("400 for malformed JSON, 415 for an unknown content type") {
    status_of(c.request("POST", k_pods, "{not json"), 400, "BadRequest");
    status_of(c.request("POST", k_pods, pod_json("p2"), "text/plain"), 415, "UnsupportedMediaType");
  }
  SECTION("malformed YAML is 400") {
    status_of(c.request("POST", k_pods, "metadata: [unclosed\n", "application/yaml"), 400,
              "BadRequest");
  }
  SECTION("YAML bodies are accepted") {
    const HttpResponse y =
        c.request("POST", k_pods,
                  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n"
                  "  - name: main\n    image: busybox\n",
                  "application/yaml");
    CHECK(y.status == 201);
  }
  SECTION("404 for unknown paths and resources, and a named GET that misses") {
    status_of(c.get("/apis/nothing.io/v1"), 404, "NotFound");
    status_of(c.get("/api/v1/namespaces/default/widgets"), 404, "NotFound");
    Json s = status_of(c.get(k_pods + "/nope"), 404, "NotFound");
    CHECK(s["message"] == "pods \"nope\" not found");
    CHECK(s["details"]["name"] == "nope");
  }
  SECTION("400 when the body's namespace is not the URL's") {
    status_of(c.request("POST", k_pods, pod_json("p3", R"(,"namespace":"kube-system")")), 400,
              "BadRequest");
  }
  SECTION("PUT with a stale resourceVersion gets 409 Conflict") {
    Json changed = pod;
    changed["metadata"]["labels"] = {{"a", "b"}};
    const HttpResponse ok = c.request("PUT", k_pods + "/p1", changed.dump());
    REQUIRE(ok.status == 200);
    CHECK(json_of(ok)["metadata"]["resourceVersion"] != pod["metadata"]["resourceVersion"]);
    Json s = status_of(c.request("PUT", k_pods + "/p1", changed.dump()), 409, "Conflict");
    CHECK(s["message"] ==
          "Operation cannot be fulfilled on pods \"p1\": the object has been modified; please "
          "apply your changes to the latest version and try again");
  }
  SECTION("generateName") {
    Json g =
        json_of(c.request("POST", k_pods,
                          R"({"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"w-"},)"
                          R"("spec":{"containers":[{"name":"main","image":"busybox"}]}})"));
    CHECK(g["metadata"]["name"].get<std::string>().rfind("w-", 0) == 0);
    CHECK(g["metadata"]["name"].get<std::string>().size() == 7);
  }
  SECTION("dryRun=All answers without storing or versioning") {
    const auto rv = r.server.resource_version();
    CHECK(c.request("POST", k_pods + "?dryRun=All", pod_json("dry")).status == 201);
    CHECK(r.server.resource_version() == rv);
    status_of(c.get(k_pods + "/dry"), 404, "NotFound");
  }
}

TEST_CASE("fakekube: /status and generation", "[fakekube][http]") {
  Running r;
  HttpClient c(r.server, "admin");
  Json rc = json_of(c.request("POST", k_clusters, k_cluster));
  CHECK(rc["metadata"]["generation"] == 1);
  CHECK_FALSE(rc.contains("status"));
  // A write to the object ignores status; one to /status ignores the rest.
  Json with_status = rc;
  with_status["status"] = {{"state", "ready"}};
  Json after = json_of(c.request("PUT", k_clusters + "/rc", with_status.dump()));
  CHECK_FALSE(after.contains("status"));
  CHECK(after["metadata"]["generation"] == 1);
  Json status_write = after;
  status_write["status"] = {{"state", "ready"}};
  status_write["spec"]["workerGroupSpecs"][0]["replicas"] = 9;
  Json st = json_of(c.request("PUT", k_clusters + "/rc/status", status_write.dump()));
  CHECK(st["status"]["state"] == "ready");
  CHECK(st["spec"]["workerGroupSpecs"][0]["replicas"] == 2);
  Json patched = json_of(c.request("PATCH", k_clusters + "/rc",
                                   R"({"spec":{"workerGroupSpecs":[{"groupName":"gpu","replicas":3,
                                   "rayStartParams":{},"template":{"spec":{"containers":[]}}}]}})",
                                   "application/merge-patch+json"));
  CHECK(patched["metadata"]["generation"] == 2);
  CHECK(patched["status"]["state"] == "ready");
}

TEST_CASE("fakekube: patches", "[fakekube][http]") {
  Running r;
  HttpClient c(r.server, "admin");
  REQUIRE(c.request("POST", k_clusters, k_cluster).status == 201);
  REQUIRE(c.request("POST", k_pods, pod_json("p", R"(,"labels":{"a":"1","b":"2"})")).status == 201);
  SECTION("JSON merge patch: null removes") {
    Json p =
        json_of(c.request("PATCH", k_pods + "/p", R"({"metadata":{"labels":{"a":null,"c":"3"}}})",
                          "application/merge-patch+json"));
    CHECK(p["metadata"]["labels"] == Json{{"b", "2"}, {"c", "3"}});
  }
  SECTION("JSON patch, and 422 when an operation fails") {
    Json p = json_of(c.request("PATCH", k_pods + "/p",
                               R"([{"op":"replace","path":"/metadata/labels/a","value":"x"},
                                   {"op":"replace","path":"/spec/containers/0/image","value":"alpine"}])",
                               "application/json-patch+json"));
    CHECK(p["metadata"]["labels"]["a"] == "x");
    CHECK(p["spec"]["containers"][0]["image"] == "alpine");
    status_of(c.request("PATCH", k_pods + "/p", R"([{"op":"remove","path":"/nope"}])",
                        "application/json-patch+json"),
              422, "Invalid");
  }
  SECTION("strategic merge patch merges containers by name; on a CRD it is 415") {
    Json p = json_of(c.request("PATCH", k_pods + "/p",
                               R"({"spec":{"containers":[{"name":"main","image":"alpine"}]}})",
                               "application/strategic-merge-patch+json"));
    CHECK(p["spec"]["containers"].size() == 1);
    CHECK(p["spec"]["containers"][0]["image"] == "alpine");
    status_of(c.request("PATCH", k_clusters + "/rc", R"({"spec":{}})",
                        "application/strategic-merge-patch+json"),
              415, "UnsupportedMediaType");
  }
  SECTION("a patch of something missing is 404; force without apply is 422") {
    status_of(c.request("PATCH", k_pods + "/nope", "{}", "application/merge-patch+json"), 404,
              "NotFound");
    status_of(c.request("PATCH", k_pods + "/p?force=true", "{}", "application/merge-patch+json"),
              422, "Invalid");
  }
}

TEST_CASE("fakekube: server-side apply", "[fakekube][http]") {
  Running r;
  HttpClient c(r.server, "admin");
  const std::string url = k_clusters + "/rc?fieldManager=krayctl";
  const std::string apply_ct = "application/apply-patch+yaml";
  const HttpResponse first = c.request("PATCH", url, k_cluster, apply_ct);
  REQUIRE(first.status == 201);
  Json rc = json_of(first);
  CHECK(rc["metadata"]["managedFields"][0]["manager"] == "krayctl");
  CHECK(rc["metadata"]["managedFields"][0]["operation"] == "Apply");
  CHECK(rc["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]["f:workerGroupSpecs"].is_object());

  SECTION("the same configuration again changes nothing") {
    const HttpResponse again = c.request("PATCH", url, k_cluster, apply_ct);
    CHECK(again.status == 200);
    CHECK(json_of(again)["metadata"]["resourceVersion"] == rc["metadata"]["resourceVersion"]);
  }
  SECTION("a field another manager changed conflicts; force takes it over") {
    REQUIRE(c.request("PATCH", k_clusters + "/rc?fieldManager=kubectl-edit",
                      R"({"metadata":{"labels":{"team":"infra"}}})", "application/merge-patch+json")
                .status == 200);
    Json s = status_of(c.request("PATCH", url, k_cluster, apply_ct), 409, "Conflict");
    // An Update manager is named with the time of its write.
    const std::string msg = s["message"];
    CHECK(msg.rfind("Apply failed with 1 conflict: conflict with \"kubectl-edit\" using ray.io/v1 "
                    "at 20",
                    0) == 0);
    CHECK(msg.size() > 30);
    CHECK(msg.substr(msg.size() - 24) == "Z: .metadata.labels.team");
    CHECK(s["details"]["causes"][0]["reason"] == "FieldManagerConflict");
    CHECK(s["details"]["causes"][0]["field"] == ".metadata.labels.team");
    Json forced = json_of(c.request("PATCH", url + "&force=true", k_cluster, apply_ct));
    CHECK(forced["metadata"]["labels"]["team"] == "ml");
  }
  SECTION("a field the applier stops sending is removed") {
    Json smaller = Json::parse(k_cluster);
    smaller["metadata"].erase("labels");
    Json after = json_of(c.request("PATCH", url, smaller.dump(), apply_ct));
    CHECK_FALSE(after["metadata"].contains("labels"));
  }
  SECTION("two appliers of one value share it without conflict") {
    const HttpResponse other =
        c.request("PATCH", k_clusters + "/rc?fieldManager=other",
                  R"({"apiVersion":"ray.io/v1","kind":"RayCluster","metadata":{"name":"rc",
                      "labels":{"team":"ml"}}})",
                  apply_ct);
    CHECK(other.status == 200);
  }
  SECTION("fieldManager is required; the name must match the URL") {
    status_of(c.request("PATCH", k_clusters + "/rc", k_cluster, apply_ct), 422, "Invalid");
    status_of(c.request("PATCH", k_clusters + "/other?fieldManager=krayctl", k_cluster, apply_ct),
              400, "BadRequest");
  }
  SECTION("YAML is read as YAML") {
    const HttpResponse y = c.request(
        "PATCH", "/api/v1/namespaces/default/configmaps/cm?fieldManager=krayctl",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  port: \"8265\"\n",
        apply_ct);
    CHECK(y.status == 201);
    CHECK(json_of(y)["data"]["port"] == "8265");
  }
}

TEST_CASE("fakekube: deletion, finalizers and garbage collection", "[fakekube][http]") {
  Running r;
  HttpClient c(r.server, "admin");
  Json rc = json_of(c.request("POST", k_clusters, k_cluster));
  const std::string owner = R"(,"ownerReferences":[{"apiVersion":"ray.io/v1","kind":"RayCluster",
      "name":"rc","uid":")" +
                            rc["metadata"]["uid"].get<std::string>() + R"(","controller":true}])";
  REQUIRE(c.request("POST", k_pods, pod_json("head", owner)).status == 201);
  REQUIRE(c.request("POST", k_pods, pod_json("worker", owner)).status == 201);
  REQUIRE(c.request("POST", k_pods, pod_json("unrelated")).status == 201);
  auto pod_names = [&] {
    std::vector<std::string> names;
    for (const auto& p : r.server.list("v1", "pods", "default")) {
      names.push_back(p["metadata"]["name"]);
    }
    return names;
  };
  SECTION("background (the default): the owner goes at once, then its dependents") {
    const HttpResponse d = c.request("DELETE", k_clusters + "/rc");
    CHECK(d.status == 200);
    CHECK(json_of(d)["kind"] == "RayCluster");  // custom resources return the object
    CHECK(
        eventually(r.server, [&] { return pod_names() == std::vector<std::string>{"unrelated"}; }));
  }
  SECTION("orphan: dependents stay, without the owner reference") {
    CHECK(c.request("DELETE", k_clusters + "/rc", R"({"propagationPolicy":"Orphan"})").status ==
          200);
    CHECK(eventually(r.server, [&] {
      return !json_of(c.get(k_pods + "/head"))["metadata"].contains("ownerReferences");
    }));
    CHECK(pod_names().size() == 3);
  }
  SECTION("foreground: dependents first, then the owner") {
    CHECK(c.request("DELETE", k_clusters + "/rc?propagationPolicy=Foreground").status / 100 == 2);
    CHECK(eventually(r.server, [&] { return c.get(k_clusters + "/rc").status == 404; }));
    CHECK(pod_names() == std::vector<std::string>{"unrelated"});
  }
  SECTION("a finalizer keeps the object, with deletionTimestamp, until removed") {
    REQUIRE(c.request("PATCH", k_clusters + "/rc",
                      R"({"metadata":{"finalizers":["ray.io/gcs-ft-redis-cleanup-finalizer"]}})",
                      "application/merge-patch+json")
                .status == 200);
    const HttpResponse d = c.request("DELETE", k_clusters + "/rc");
    CHECK(d.status == 200);  // 202 is only for a legacy orphanDependents case
    CHECK(json_of(d)["metadata"].contains("deletionTimestamp"));
    CHECK(c.get(k_clusters + "/rc").status == 200);
    CHECK(pod_names().size() == 3);
    REQUIRE(c.request("PATCH", k_clusters + "/rc", R"({"metadata":{"finalizers":null}})",
                      "application/merge-patch+json")
                .status == 200);
    status_of(c.get(k_clusters + "/rc"), 404, "NotFound");
    CHECK(
        eventually(r.server, [&] { return pod_names() == std::vector<std::string>{"unrelated"}; }));
  }
  SECTION("preconditions: a stale uid is 409") {
    Json s =
        status_of(c.request("DELETE", k_clusters + "/rc", R"({"preconditions":{"uid":"not-it"}})"),
                  409, "Conflict");
    CHECK(s["message"].get<std::string>().find("Precondition failed: UID in precondition: "
                                               "not-it") != std::string::npos);
  }
  SECTION("a ConfigMap's delete answers a Status Success") {
    REQUIRE(c.request("POST", "/api/v1/namespaces/default/configmaps",
                      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"}})")
                .status == 201);
    Json s = json_of(c.request("DELETE", "/api/v1/namespaces/default/configmaps/cm"));
    CHECK(s["kind"] == "Status");
    CHECK(s["status"] == "Success");
    CHECK(s["details"]["name"] == "cm");
  }
  SECTION("deleting a namespace deletes what is in it") {
    REQUIRE(c.request("POST", "/api/v1/namespaces",
                      R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}})")
                .status == 201);
    CHECK(r.server.list("v1", "serviceaccounts", "team").size() == 1);  // "default"
    REQUIRE(c.request("POST", "/api/v1/namespaces/team/pods", pod_json("x")).status == 201);
    CHECK(c.request("DELETE", "/api/v1/namespaces/team").status == 200);
    CHECK(r.server.list("v1", "pods", "team").empty());
    status_of(c.request("POST", "/api/v1/namespaces/team/pods", pod_json("y")), 404, "NotFound");
  }
}

TEST_CASE("fakekube: lists, pages and selectors", "[fakekube][http]") {
  Running r;
  HttpClient c(r.server, "admin");
  for (int i = 0; i < 7; ++i) {
    const std::string labels =
        i % 2 == 0 ? R"(,"labels":{"ray.io/group":"gpu"})" : R"(,"labels":{"ray.io/group":"cpu"})";
    REQUIRE(c.request("POST", k_pods, pod_json("p" + std::to_string(i), labels)).status == 201);
  }
  SECTION("limit and continue walk every item once; remainingItemCount counts down") {
    std::vector<std::string> names;
    std::string next = "/api/v1/pods?limit=3";
    Json first = json_of(c.get(next));
    CHECK(first["metadata"]["remainingItemCount"] == 4);
    CHECK(first["kind"] == "PodList");
    for (Json page = first;;) {
      for (const auto& item : page["items"]) {
        names.push_back(item["metadata"]["name"]);
      }
      const std::string token = page["metadata"].value("continue", "");
      if (token.empty()) {
        break;
      }
      page = json_of(c.get("/api/v1/pods?limit=3&continue=" + token));
    }
    CHECK(names.size() == 7);
    status_of(c.get("/api/v1/pods?limit=3&continue=garbage"), 400, "BadRequest");
  }
  SECTION("label selectors: =, !=, in, notin, exists") {
    auto count = [&](const std::string& sel) {
      return json_of(c.get(k_pods + "?labelSelector=" + sel))["items"].size();
    };
    CHECK(count("ray.io/group%3Dgpu") == 4);
    CHECK(count("ray.io/group!%3Dgpu") == 3);
    CHECK(count("ray.io/group%20in%20(cpu,gpu)") == 7);
    CHECK(count("ray.io/group%20notin%20(cpu)") == 4);
    CHECK(count("ray.io/group") == 7);
    CHECK(count("!ray.io/group") == 0);
  }
  SECTION("field selectors: supported fields, and 400 for the others") {
    CHECK(json_of(c.get(k_pods + "?fieldSelector=metadata.name%3Dp3"))["items"].size() == 1);
    CHECK(json_of(c.get(k_pods + "?fieldSelector=status.phase!%3DRunning"))["items"].size() == 7);
    Json s = status_of(c.get(k_pods + "?fieldSelector=spec.image%3Dx"), 400, "BadRequest");
    CHECK(s["message"] == "field label not supported: spec.image");
  }
  SECTION("resourceVersionMatch without resourceVersion is 422; a future version is 504") {
    status_of(c.get(k_pods + "?resourceVersionMatch=NotOlderThan"), 422, "Invalid");
    status_of(c.get(k_pods + "?resourceVersion=999999"), 504, "Timeout");
  }
}

namespace {

// Reads a watch stream until `enough` says so; returns the events.
std::vector<Json> watch_events(const HttpClient& c,
                               const std::string& path,
                               const std::function<bool(const std::vector<Json>&)>& enough,
                               HttpResponse* response = nullptr) {
  std::vector<Json> events;
  std::string buffer;
  HttpResponse resp = c.stream(path, [&](const std::string& piece) {
    buffer += piece;
    for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
      events.push_back(Json::parse(buffer.substr(0, nl)));
      buffer.erase(0, nl + 1);
    }
    return !enough(events);
  });
  if (response != nullptr) {
    *response = resp;
  }
  return events;
}

}  // namespace

TEST_CASE("fakekube: watch streams", "[fakekube][http]") {
  fakekube::ServerOptions o;
  o.bookmark_interval_s = 0.5;  // real seconds, as timeoutSeconds
  o.history = 20;
  Running r(o);
  HttpClient c(r.server, "admin");
  REQUIRE(c.request("POST", k_pods, pod_json("a")).status == 201);
  const std::string rv = std::to_string(r.server.resource_version());

  SECTION("without a version: synthetic ADDED, then changes as they happen") {
    r.server.compress_responses(true);
    c.accept_gzip = true;  // a compressor must not hold events back...
    c.timeout_s = 5;       // ...until the stream ends
    std::thread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      HttpClient w(r.server, "admin");
      (void)w.request("POST", k_pods, pod_json("b"));
      (void)w.request("DELETE", k_pods + "/a");
    });
    auto events = watch_events(c, k_pods + "?watch=true",
                               [](const std::vector<Json>& e) { return e.size() >= 4; });
    writer.join();
    REQUIRE(events.size() == 4);
    CHECK(events[0]["type"] == "ADDED");
    CHECK(events[0]["object"]["metadata"]["name"] == "a");
    CHECK(events[1]["type"] == "ADDED");
    CHECK(events[1]["object"]["metadata"]["name"] == "b");
    // A Pod is deleted in two writes, even with no grace period (no node):
    // deletionTimestamp first, then the removal.
    CHECK(events[2]["type"] == "MODIFIED");
    CHECK(events[2]["object"]["metadata"]["deletionGracePeriodSeconds"] == 0);
    CHECK(events[3]["type"] == "DELETED");
  }
  SECTION("from a version: only what came after, split across chunks when asked") {
    r.server.split_watch_events(true);
    REQUIRE(c.request("PATCH", k_pods + "/a", R"({"metadata":{"labels":{"x":"1"}}})",
                      "application/merge-patch+json")
                .status == 200);
    auto events = watch_events(c, k_pods + "?watch=true&resourceVersion=" + rv,
                               [](const std::vector<Json>& e) { return !e.empty(); });
    REQUIRE(events.size() == 1);
    CHECK(events[0]["type"] == "MODIFIED");
  }
  SECTION("a selector turns entering and leaving into ADDED and DELETED") {
    std::thread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      HttpClient w(r.server, "admin");
      (void)w.request("PATCH", k_pods + "/a", R"({"metadata":{"labels":{"x":"1"}}})",
                      "application/merge-patch+json");
      (void)w.request("PATCH", k_pods + "/a", R"({"metadata":{"labels":{"x":null}}})",
                      "application/merge-patch+json");
    });
    auto events = watch_events(c, k_pods + "?watch=true&labelSelector=x&resourceVersion=" + rv,
                               [](const std::vector<Json>& e) { return e.size() >= 2; });
    writer.join();
    REQUIRE(events.size() == 2);
    CHECK(events[0]["type"] == "ADDED");
    CHECK(events[1]["type"] == "DELETED");
  }
  SECTION("bookmarks when asked, and timeoutSeconds ends the stream cleanly") {
    HttpResponse resp;
    auto events = watch_events(
        c, k_pods + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=" + rv,
        [](const std::vector<Json>&) { return false; }, &resp);
    CHECK(resp.status == 200);
    CHECK(resp.error.empty());
    REQUIRE_FALSE(events.empty());
    CHECK(events[0]["type"] == "BOOKMARK");
    CHECK(events[0]["object"]["metadata"]["resourceVersion"] == rv);
  }
  SECTION("a client that goes away frees its stream") {
    auto events = watch_events(c, k_pods + "?watch=true",
                               [](const std::vector<Json>& e) { return !e.empty(); });
    REQUIRE(events.size() == 1);
    int open = 1;
    for (int i = 0; i < 100 && (open = r.server.open_streams()) != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(open == 0);  // not held until the 30-minute default timeout
  }
  SECTION("too old a version: 200, then an ERROR event with 410 Expired") {
    for (int i = 0; i < 25; ++i) {
      REQUIRE(c.request("POST", "/api/v1/namespaces/default/configmaps",
                        R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c)" +
                            std::to_string(i) + R"("}})")
                  .status == 201);
    }
    auto events = watch_events(c, k_pods + "?watch=true&resourceVersion=" + rv,
                               [](const std::vector<Json>& e) { return !e.empty(); });
    REQUIRE(events.size() == 1);
    CHECK(events[0]["type"] == "ERROR");
    CHECK(events[0]["object"]["code"] == 410);
    CHECK(events[0]["object"]["reason"] == "Expired");
    CHECK(events[0]["object"]["message"].get<std::string>().rfind(
              "too old resource version: " + rv + " (", 0) == 0);
  }
  SECTION("faults: 410 as the HTTP status on resume; a stream dropped after N events") {
    r.server.gone_on_watch_resume(1);
    status_of(c.get(k_pods + "?watch=true&resourceVersion=" + rv), 410, "Expired");
    r.server.drop_watches_after(1);
    REQUIRE(c.request("POST", k_pods, pod_json("b")).status == 201);
    HttpResponse resp;
    auto events = watch_events(
        c, k_pods + "?watch=true", [](const std::vector<Json>&) { return false; }, &resp);
    CHECK(events.size() == 1);
    CHECK_FALSE(resp.error.empty());  // the chunked body broke off
  }
}

TEST_CASE("fakekube: pods/log", "[fakekube][http]") {
  Running r;
  HttpClient c(r.server, "admin");
  REQUIRE(c.request("POST", k_pods, pod_json("p")).status == 201);
  Json s = status_of(c.get(k_pods + "/p/log"), 400, "BadRequest");
  CHECK(s["message"] == "container \"main\" in pod \"p\" is waiting to start: ContainerCreating");
  status_of(c.get(k_pods + "/p/log?container=other"), 400, "BadRequest");
  status_of(c.get(k_pods + "/nope/log"), 404, "NotFound");
  r.server.append_log("default", "p", "main", "line 1");
  r.server.append_log("default", "p", "main", "line 2");
  const HttpResponse plain = c.get(k_pods + "/p/log");
  CHECK(plain.status == 200);
  CHECK(plain.content_type == "text/plain");
  CHECK(plain.body == "line 1\nline 2\n");
  CHECK(c.get(k_pods + "/p/log?tailLines=1").body == "line 2\n");
  CHECK(c.get(k_pods + "/p/log?limitBytes=3").body == "lin");
  CHECK(c.get(k_pods + "/p/log?timestamps=true").body.find("Z line 1\n") != std::string::npos);
  SECTION("follow streams until the container stops") {
    r.server.compress_responses(true);
    c.accept_gzip = true;
    c.timeout_s = 5;
    std::thread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      r.server.append_log("default", "p", "main", "line 3");
      r.server.end_log("default", "p", "main");
    });
    std::string got;
    const HttpResponse f = c.stream(k_pods + "/p/log?follow=true", [&](const std::string& piece) {
      got += piece;
      return true;
    });
    writer.join();
    CHECK(f.status == 200);
    CHECK(f.error.empty());
    CHECK(got == "line 1\nline 2\nline 3\n");
  }
}

TEST_CASE("fakekube: the service proxy goes through Endpoints to what listens on the Pod",
          "[fakekube][http]") {
  Running r;
  HttpClient c(r.server, "admin");
  const std::string svc = "/api/v1/namespaces/default/services";
  // A port number is looked up on the Service; a name goes to the Endpoints.
  Json s = status_of(c.get(svc + "/head:8265/proxy/api/jobs/"), 404, "NotFound");
  CHECK(s["message"] == "services \"head\" not found");
  s = status_of(c.get(svc + "/head:dashboard/proxy/api/jobs/"), 404, "NotFound");
  CHECK(s["message"] == "endpoints \"head\" not found");
  s = status_of(c.get(svc + "/a:b:c:d/proxy/"), 400, "BadRequest");
  CHECK(s["message"] == "invalid service request \"a:b:c:d\"");
  // No selector: the Endpoints are this test's to write, as for any client.
  REQUIRE(c.request("POST", svc,
                    R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"head"},
                        "spec":{"ports":[{"name":"dashboard","port":8265,"targetPort":8265},
                                         {"name":"gcs","port":6379}]}})")
              .status == 201);
  s = status_of(c.get(svc + "/head:8266/proxy/"), 503, "ServiceUnavailable");
  CHECK(s["message"] == "no service port 8266 found for service \"head\"");
  const std::string eps = "/api/v1/namespaces/default/endpoints";
  REQUIRE(
      c.request("POST", eps, R"({"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"head"}})")
          .status == 201);
  s = status_of(c.get(svc + "/head:8265/proxy/api/jobs/"), 503, "ServiceUnavailable");
  CHECK(s["message"] == "no endpoints available for service \"head\"");
  // A running Pod with an IP, and an address for it.
  Json pod = Json::parse(pod_json("head-0"));
  pod["spec"]["containers"][0]["ports"] = {{{"name", "dashboard"}, {"containerPort", 8265}}};
  auto made = r.server.create("v1", "pods", "default", pod);
  REQUIRE(made);
  Json running = *made;
  running["status"] = {
      {"phase", "Running"}, {"podIP", "10.244.0.7"}, {"podIPs", {{{"ip", "10.244.0.7"}}}}};
  REQUIRE(r.server.update_status("v1", "pods", "default", running));
  auto endpoints_at = [&](const std::string& ip) {
    Json e = *r.server.get("v1", "endpoints", "default", "head");
    e["subsets"] = {
        {{"addresses",
          {{{"ip", ip},
            {"targetRef", {{"kind", "Pod"}, {"namespace", "default"}, {"name", "head-0"}}}}}},
         {"ports", {{{"name", "dashboard"}, {"port", 8265}}}}}};
    REQUIRE(r.server.update("v1", "endpoints", "default", e));
  };
  endpoints_at("10.244.0.7");
  // Nothing listens yet: what the proxy's dial says.
  s = status_of(c.get(svc + "/head:8265/proxy/api/jobs/"), 503, "ServiceUnavailable");
  CHECK(s["message"] ==
        "error trying to reach service: dial tcp 10.244.0.7:8265: connect: connection refused");
  fakekube::ProxyRequest seen;
  r.server.listen("default", "head-0", 8265, [&](const fakekube::ProxyRequest& req) {
    seen = req;
    return fakekube::ProxyResponse{200, R"({"job_id":"raysubmit_1"})", "application/json"};
  });
  CHECK(r.server.listening("default", "head-0", 8265));
  const HttpResponse p =
      c.request("POST", svc + "/head:8265/proxy/api/jobs/", R"({"entrypoint":"python x.py"})");
  CHECK(p.status == 200);
  CHECK(json_of(p)["job_id"] == "raysubmit_1");
  CHECK(seen.method == "POST");
  CHECK(seen.path == "/api/jobs");
  CHECK(seen.body == R"({"entrypoint":"python x.py"})");
  CHECK(c.get(svc + "/head:dashboard/proxy/").status == 200);
  CHECK(c.get(svc + "/https:head:dashboard/proxy/").status == 200);
  // A port the Endpoints lack, or none given while the ports are named.
  s = status_of(c.get(svc + "/head:gcs/proxy/"), 503, "ServiceUnavailable");
  CHECK(s["message"] == "no endpoints available for service \"head:gcs\"");
  s = status_of(c.get(svc + "/head/proxy/"), 503, "ServiceUnavailable");
  CHECK(s["message"] == "no endpoints available for service \"head\"");
  // An address that is not the Pod's IP is skipped (isValidAddress).
  endpoints_at("10.244.0.99");
  s = status_of(c.get(svc + "/head:dashboard/proxy/"), 503, "ServiceUnavailable");
  CHECK(s["message"] == "no endpoints available for service \"head:dashboard\"");
  endpoints_at("10.244.0.7");
  CHECK(c.get(svc + "/head:dashboard/proxy/").status == 200);

  // The pod proxy: NAME[:PORT], the first container port when none.
  const std::string pods = "/api/v1/namespaces/default/pods";
  CHECK(c.get(pods + "/head-0:8265/proxy/api/version").status == 200);
  CHECK(c.get(pods + "/head-0/proxy/").status == 200);
  s = status_of(c.get(pods + "/head-0:9999/proxy/"), 503, "ServiceUnavailable");
  CHECK(s["message"] ==
        "error trying to reach service: dial tcp 10.244.0.7:9999: connect: connection refused");
  s = status_of(c.get(pods + "/nosuch:80/proxy/"), 404, "NotFound");
  CHECK(s["message"] == "pods \"nosuch\" not found");
  REQUIRE(c.request("POST", pods, pod_json("pending")).status == 201);
  s = status_of(c.get(pods + "/pending:80/proxy/"), 400, "BadRequest");
  CHECK(s["message"] == "address not allowed");

  r.server.unlisten("default", "head-0", 8265);
  CHECK_FALSE(r.server.listening("default", "head-0", 8265));
  status_of(c.get(svc + "/head:dashboard/proxy/"), 503, "ServiceUnavailable");
}

TEST_CASE("fakekube: Endpoints and EndpointSlices are served and discovered", "[fakekube][http]") {
  Running r;
  HttpClient c(r.server, "admin");
  const Json core = json_of(c.get("/api/v1"));
  bool ep = false;
  for (const auto& res : core["resources"]) {
    if (res["name"] == "endpoints") {
      ep = res["kind"] == "Endpoints" && res["shortNames"] == Json::array({"ep"});
    }
  }
  CHECK(ep);
  const Json groups = json_of(c.get("/apis"));
  bool discovery = false;
  for (const auto& g : groups["groups"]) {
    discovery = discovery || g["name"] == "discovery.k8s.io";
  }
  CHECK(discovery);
  const Json v1 = json_of(c.get("/apis/discovery.k8s.io/v1"));
  REQUIRE(v1["resources"].size() == 1);
  CHECK(v1["resources"][0]["name"] == "endpointslices");
  CHECK(v1["resources"][0]["kind"] == "EndpointSlice");
  CHECK(v1["resources"][0]["namespaced"] == true);
  const std::string slices = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices";
  REQUIRE(c.request("POST", slices,
                    R"({"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice",
                        "metadata":{"name":"s1"},"addressType":"IPv4","endpoints":[]})")
              .status == 201);
  CHECK(json_of(c.get(slices))["kind"] == "EndpointSliceList");
  CHECK(json_of(c.get("/api/v1/namespaces/default/endpoints"))["kind"] == "EndpointsList");
}

TEST_CASE("fakekube: gzip only when switched on, for clients that accept it", "[fakekube][http]") {
  Running r;
  HttpClient c(r.server, "admin");
  c.accept_gzip = true;
  const HttpResponse plain = c.get(k_pods);
  CHECK(plain.headers.count("content-encoding") == 0);
  r.server.compress_responses(true);
  const HttpResponse zipped = c.get(k_pods);
  REQUIRE(zipped.headers.count("content-encoding") == 1);
  CHECK(zipped.headers.find("content-encoding")->second == "gzip");
  CHECK(json_of(zipped)["kind"] == "PodList");  // libcurl decoded it
}

TEST_CASE("fakekube: injected faults", "[fakekube][http]") {
  Running r;
  HttpClient c(r.server, "admin");
  r.server.add_fault({"GET", "/api/v1/namespaces/default/pods", 429, 2, false, 1});
  const HttpResponse limited = c.get(k_pods);
  Json s = status_of(limited, 429, "TooManyRequests");
  CHECK(limited.headers.find("retry-after")->second == "2");
  CHECK(s["details"]["retryAfterSeconds"] == 2);
  CHECK(c.get(k_pods).status == 200);  // spent after one request
  r.server.add_fault({"", "", 502, -1, true, 1});
  const HttpResponse html = c.get(k_pods);
  CHECK(html.status == 502);
  CHECK(html.content_type == "text/html");
  r.server.add_fault({"GET", "", 0, -1, false, 1});
  const HttpResponse cut = c.get(k_pods);
  CHECK_FALSE(cut.error.empty());  // headers, then the body broke off
  r.server.add_warning("ray.io/v1alpha1 RayCluster is deprecated");
  r.server.add_warning("second");
  const HttpResponse warned = c.get(k_pods);
  auto [from, to] = warned.headers.equal_range("warning");
  std::vector<std::string> warnings;
  for (auto it = from; it != to; ++it) {
    warnings.push_back(it->second);
  }
  CHECK(warnings == std::vector<std::string>{"299 - \"ray.io/v1alpha1 RayCluster is deprecated\"",
                                             "299 - \"second\""});
  CHECK(warned.headers.count("x-kubernetes-pf-flowschema-uid") == 1);
  r.server.add_fault({"POST", "", 503, -1, false, 1});
  status_of(c.request("POST", k_pods, pod_json("x")), 503, "ServiceUnavailable");
  CHECK(c.get(k_pods + "/x").status == 404);  // the failed write did nothing
}

TEST_CASE("fakekube: YAML bodies are typed as the API server types them (YAML 1.1)", "[fakekube]") {
  // The same expectations krayctl's document_test checked with kubectl; an
  // independent implementation here, so a difference would show.
  auto value = [](const std::string& text) {
    auto doc = fakekube::parse_yaml("v: " + text + "\n");
    REQUIRE(doc);
    return (*doc)["v"];
  };
  for (const char* t : {"on", "ON", "yes", "y", "Y", "true"}) {
    INFO(t);
    CHECK(value(t) == Json(true));
  }
  for (const char* t : {"off", "no", "n", "N", "false"}) {
    INFO(t);
    CHECK(value(t) == Json(false));
  }
  CHECK(value("08") == Json(8.0));
  CHECK(value("010") == Json(8));
  CHECK(value("0x10") == Json(16));
  CHECK(value("0o17") == Json(15));
  CHECK(value("0b11") == Json(3));
  CHECK(value("1_000") == Json(1000));
  CHECK(value("1e3") == Json(1000.0));
  CHECK(value(".5") == Json(0.5));
  CHECK(value("-7") == Json(-7));
  CHECK(value("~").is_null());
  for (const char* t : {"2.55.1", "1:20", "2001-12-14", "32Gi", "500m", "0x", "1e", "v2"}) {
    INFO(t);
    CHECK(value(t) == Json(t));
  }
  CHECK(value("\"8\"") == Json("8"));
  CHECK(value("'on'") == Json("on"));
  CHECK(value("!!str 5") == Json("5"));
}

TEST_CASE("fakekube: odd input gets the real server's refusals, not a crash", "[fakekube][http]") {
  Running r;
  HttpClient c(r.server, "admin");
  SECTION("ownerReferences that are not objects with uids: 422, and later writes still work") {
    Json s = status_of(c.request("POST", k_pods, pod_json("p", R"(,"ownerReferences":[1])")), 422,
                       "Invalid");
    CHECK(s["details"]["causes"][0]["field"] == "metadata.ownerReferences[0]");
    status_of(c.request("POST", k_pods, pod_json("q", R"(,"ownerReferences":[{"uid":5}])")), 422,
              "Invalid");
    REQUIRE(c.request("POST", k_pods, pod_json("ok")).status == 201);
    CHECK(c.request("DELETE", k_pods + "/ok").status == 200);
  }
  SECTION("a field of the wrong type: 400 with a Status body") {
    status_of(
        c.request("POST", k_pods, R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":5}})"), 400,
        "BadRequest");
    REQUIRE(c.request("POST", k_pods, pod_json("p")).status == 201);
    status_of(c.request("DELETE", k_pods + "/p", R"({"propagationPolicy":1})"), 400, "BadRequest");
  }
  SECTION("numbers that do not parse: 400, not a crash") {
    status_of(c.get(k_pods + "?resourceVersion=99999999999999999999999"), 400, "BadRequest");
    status_of(c.get(k_pods + "?resourceVersion=abc"), 400, "BadRequest");
  }
  SECTION("methods a path does not take: 405") {
    REQUIRE(c.request("POST", k_pods, pod_json("p")).status == 201);
    status_of(c.request("DELETE", k_pods + "/p/status"), 405, "MethodNotAllowed");
    status_of(c.request("POST", k_pods + "/p", pod_json("p")), 405, "MethodNotAllowed");
    status_of(c.request("PUT", k_pods, pod_json("p")), 405, "MethodNotAllowed");
    CHECK(c.get(k_pods + "/p").status == 200);  // DELETE on /status deleted nothing
  }
  SECTION("an update must keep the endpoint's kind") {
    Json p = json_of(c.request("POST", k_pods, pod_json("p")));
    p["kind"] = "Service";
    status_of(c.request("PUT", k_pods + "/p", p.dump()), 400, "BadRequest");
    Json no_kind = json_of(
        c.request("PATCH", k_pods + "/p", R"({"kind":null})", "application/merge-patch+json"));
    CHECK(no_kind["kind"] == "Pod");
  }
  SECTION("server-side apply must not carry managedFields") {
    status_of(c.request("PATCH", "/api/v1/namespaces/default/configmaps/cm?fieldManager=x",
                        R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm",
                            "managedFields":[{"manager":"me"}]}})",
                        "application/apply-patch+yaml"),
              400, "BadRequest");
  }
}

TEST_CASE("fakekube: namespaces are Active; a Job deleted without a policy orphans, with a warning",
          "[fakekube][http]") {
  Running r;
  HttpClient c(r.server, "admin");
  REQUIRE(c.request("POST", "/api/v1/namespaces",
                    R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}})")
              .status == 201);
  CHECK(json_of(c.get("/api/v1/namespaces/team"))["status"]["phase"] == "Active");
  CHECK(json_of(c.get("/api/v1/namespaces?fieldSelector=status.phase%3DActive"))["items"].size() ==
        5);
  Json job = json_of(c.request("POST", "/apis/batch/v1/namespaces/default/jobs",
                               R"({"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},
                                   "spec":{"template":{"spec":{"restartPolicy":"Never",
                                     "containers":[{"name":"c","image":"busybox"}]}}}})"));
  const std::string owner = R"(,"ownerReferences":[{"apiVersion":"batch/v1","kind":"Job",
      "name":"j","uid":")" + job["metadata"]["uid"].get<std::string>() +
                            R"("}])";
  REQUIRE(c.request("POST", k_pods, pod_json("j-pod", owner)).status == 201);
  const HttpResponse d = c.request("DELETE", "/apis/batch/v1/namespaces/default/jobs/j");
  CHECK(d.status == 200);
  CHECK(json_of(d)["kind"] == "Job");
  REQUIRE(d.headers.count("warning") == 1);
  CHECK(d.headers.find("warning")->second.find("child pods are preserved by default") !=
        std::string::npos);
  // The pod stays, without its owner.
  CHECK(eventually(r.server, [&] {
    return !json_of(c.get(k_pods + "/j-pod"))["metadata"].contains("ownerReferences");
  }));
}

namespace {

// One TLS connection by hand, as any client library makes it, offering
// `session` for resumption; answers the session the server gave (tickets
// arrive after the handshake, so one request is read first) and whether it
// was resumed. Empty on a handshake failure, with OpenSSL's reason.
struct Handshake {
  SSL_SESSION* session = nullptr;
  bool resumed = false;
  std::string error;
};

Handshake tls_get_version(const ApiServer& server,
                          const std::string& cert_pem,
                          const std::string& key_pem,
                          SSL_SESSION* session) {
  Handshake out;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  BIO* cab = BIO_new_mem_buf(server.ca_pem().data(), static_cast<int>(server.ca_pem().size()));
  X509* ca = PEM_read_bio_X509(cab, nullptr, nullptr, nullptr);
  X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (!cert_pem.empty()) {
    BIO* cb = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
    X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO* kb = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    SSL_CTX_use_certificate(ctx, cert);
    SSL_CTX_use_PrivateKey(ctx, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    BIO_free(cb);
    BIO_free(kb);
  }
  X509_free(ca);
  BIO_free(cab);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(server.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  if (session != nullptr) {
    SSL_set_session(ssl, session);
  }
  ERR_clear_error();
  std::string answer;
  if (SSL_connect(ssl) != 1) {
    out.error = ERR_reason_error_string(ERR_peek_last_error()) != nullptr
                    ? ERR_reason_error_string(ERR_peek_last_error())
                    : "handshake failed";
  } else {
    out.resumed = SSL_session_reused(ssl) == 1;
    const std::string req = "GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    SSL_write(ssl, req.data(), static_cast<int>(req.size()));
    // The tickets come before the answer; the session is taken while the
    // connection is still open (one closed without close_notify is not
    // resumable).
    char buf[4096];
    for (int n = 0; answer.find("\r\n\r\n") == std::string::npos &&
                    (n = SSL_read(ssl, buf, sizeof buf)) > 0;) {
      answer.append(buf, static_cast<std::size_t>(n));
    }
    out.session = SSL_get1_session(ssl);
    SSL_shutdown(ssl);
    if (answer.rfind("HTTP/1.1 ", 0) != 0) {  // any answer (a 401 for no token) will do
      out.error = "no HTTP answer: " + answer.substr(0, 80);
    }
  }
  SSL_free(ssl);
  close(fd);
  SSL_CTX_free(ctx);
  return out;
}

}  // namespace

// Clients resume TLS sessions on their next connection (libcurl does after
// a watch it stopped). OpenSSL refuses every resumption with an "internal
// error" alert when a server that asks for client certificates names no
// session id context: the simulated API server must resume, as Go's does.
TEST_CASE("fakekube: TLS sessions resume, with and without a client certificate",
          "[fakekube][http]") {
  Running r;
  for (const char* identity : {"admin", "token"}) {
    INFO(identity);
    const auto& id = r.server.identity(identity);
    const std::string cert = id.token.empty() ? id.client_cert.cert_pem : "";
    const std::string key = id.token.empty() ? id.client_cert.key_pem : "";
    Handshake first = tls_get_version(r.server, cert, key, nullptr);
    INFO(first.error);
    REQUIRE(first.error.empty());
    REQUIRE(first.session != nullptr);
    Handshake second = tls_get_version(r.server, cert, key, first.session);
    INFO(second.error);
    CHECK(second.error.empty());
    CHECK(second.resumed);
    SSL_SESSION_free(first.session);
    SSL_SESSION_free(second.session);
  }
}

TEST_CASE("fakekube: faults by name, as --fault and a scenario's faults: write them",
          "[fakekube][http]") {
  fakekube::ServerOptions o;
  o.bookmark_interval_s = 0.2;
  Running r(o);
  HttpClient c(r.server, "admin");
  REQUIRE(c.request("POST", k_pods, pod_json("a")).status == 201);
  const std::string rv = std::to_string(r.server.resource_version());
  auto add_configmaps = [&](int n) {
    static int next = 0;
    for (int i = 0; i < n; ++i) {
      REQUIRE(c.request("POST", "/api/v1/namespaces/default/configmaps",
                        R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"f)" +
                            std::to_string(next++) + R"("}})")
                  .status == 201);
    }
  };
  auto apply = [&](const std::string& text) {
    auto applied = fakekube::apply_fault(r.server, text);
    INFO(text << ": " << (applied ? "" : applied.error().message));
    REQUIRE(applied);
  };
  SECTION("gone-after=N: a watch from further back than N events gets 410") {
    add_configmaps(3);
    const std::string pods_rv = k_pods + "?watch=true&timeoutSeconds=1&resourceVersion=" + rv;
    auto kept = watch_events(c, pods_rv, [](const std::vector<Json>&) { return false; });
    CHECK(kept.empty());  // within the default history: nothing new for pods, no error
    apply("gone-after=2");
    add_configmaps(1);  // the bound applies from the next write
    auto events = watch_events(c, pods_rv, [](const std::vector<Json>& e) { return !e.empty(); });
    REQUIRE(events.size() == 1);
    CHECK(events[0]["type"] == "ERROR");
    CHECK(events[0]["object"]["code"] == 410);
  }
  SECTION("drop-watches-after=N: the stream breaks after N events") {
    REQUIRE(c.request("POST", k_pods, pod_json("b")).status == 201);
    REQUIRE(c.request("POST", k_pods, pod_json("c")).status == 201);
    apply("drop-watches-after=1");
    HttpResponse resp;
    auto events = watch_events(
        c, k_pods + "?watch=true&timeoutSeconds=5&resourceVersion=" + rv,
        [](const std::vector<Json>&) { return false; }, &resp);
    CHECK(events.size() == 1);
    CHECK_FALSE(resp.error.empty());  // broken off, not ended
  }
  SECTION("gone-on-resume=N: N watches from a version get 410 as the HTTP status") {
    apply("gone-on-resume=1");
    status_of(c.get(k_pods + "?watch=true&resourceVersion=" + rv), 410, "Expired");
    auto events = watch_events(c, k_pods + "?watch=true&timeoutSeconds=1&resourceVersion=" + rv,
                               [](const std::vector<Json>&) { return false; });
    CHECK(events.empty());  // spent
  }
  SECTION("split-watch-events: each event in two writes, still one event to the client") {
    apply("split-watch-events");
    auto events = watch_events(c, k_pods + "?watch=true",
                               [](const std::vector<Json>& e) { return !e.empty(); });
    REQUIRE(events.size() == 1);
    CHECK(events[0]["object"]["metadata"]["name"] == "a");
  }
  SECTION("no-bookmarks: none, even when asked") {
    const std::string path =
        k_pods + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=" + rv;
    auto with = watch_events(c, path, [](const std::vector<Json>&) { return false; });
    REQUIRE_FALSE(with.empty());
    CHECK(with[0]["type"] == "BOOKMARK");
    apply("no-bookmarks");
    CHECK(watch_events(c, path, [](const std::vector<Json>&) { return false; }).empty());
  }
  SECTION("latency=MS: every answer waits") {
    apply("latency=300");
    const auto start = std::chrono::steady_clock::now();
    CHECK(c.get(k_pods).status == 200);
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
  }
  SECTION("warning=TEXT: a Warning header on every answer") {
    apply("warning=ray.io/v1alpha1 is deprecated");
    const HttpResponse w = c.get(k_pods);
    REQUIRE(w.headers.count("warning") == 1);
    CHECK(w.headers.find("warning")->second == "299 - \"ray.io/v1alpha1 is deprecated\"");
  }
  SECTION("status=CODE:METHOD:PATH_PREFIX[:TIMES][:RETRY_AFTER]") {
    apply("status=429:GET:/api/v1/namespaces/default/pods:2:3");
    for (int i = 0; i < 2; ++i) {
      const HttpResponse limited = c.get(k_pods);
      status_of(limited, 429, "TooManyRequests");
      CHECK(limited.headers.find("retry-after")->second == "3");
    }
    CHECK(c.get(k_pods).status == 200);  // spent after TIMES
    apply("status=503::/api/v1/namespaces/default/configmaps");
    CHECK(c.get(k_pods).status == 200);  // another path
    status_of(c.get("/api/v1/namespaces/default/configmaps"), 503, "ServiceUnavailable");
    apply("status=0:GET:");
    CHECK_FALSE(c.get(k_pods).error.empty());  // the connection breaks
  }
  SECTION("compress: gzip for clients that accept it") {
    c.accept_gzip = true;
    CHECK(c.get(k_pods).headers.count("content-encoding") == 0);
    apply("compress");
    CHECK(c.get(k_pods).headers.count("content-encoding") == 1);
  }
  SECTION("bad values are refused with one message, and change nothing") {
    for (const char* bad :
         {"gone-after=0", "gone-after=x", "gone-after", "drop-watches-after=-1",
          "gone-on-resume=", "latency=fast", "warning=", "compress=yes", "no-bookmarks=1",
          "status=abc", "status=503:FETCH:/api", "status=503:GET", "status=42:GET:/api",
          "status=503:GET:api", "status=503:GET:/api:0", "status=503:GET:/api:1:soon", "nosuch"}) {
      auto f = fakekube::parse_fault(bad);
      INFO(bad);
      REQUIRE_FALSE(f);
      CHECK(f.error().message.rfind("fault \"" + std::string(bad) + "\": ", 0) == 0);
    }
    CHECK(fakekube::parse_fault("nosuch").error().message ==
          "fault \"nosuch\": unknown (gone-after=N, drop-watches-after=N, gone-on-resume=N, "
          "split-watch-events, no-bookmarks, latency=MS, warning=TEXT, "
          "status=CODE:METHOD:PATH_PREFIX[:TIMES][:RETRY_AFTER], compress)");
    CHECK(fakekube::parse_fault("gone-after=x").error().message ==
          "fault \"gone-after=x\": N must be a whole number of 1 or more");
    CHECK_FALSE(fakekube::apply_fault(r.server, "latency=soon"));
    CHECK(c.get(k_pods).status == 200);
  }
}

TEST_CASE("fakekube: timestamps are the wall clock's whatever the speed", "[fakekube][http]") {
  fakekube::ServerOptions o;
  o.speed = 10;
  Running r(o);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // 11 simulated seconds
  auto made =
      r.server.create("v1", "configmaps", "default",
                      {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "t"}}}});
  REQUIRE(made);
  const std::string stamp = (*made)["metadata"]["creationTimestamp"];
  const auto now = std::chrono::system_clock::now();
  CHECK(stamp >= fakekube::to_rfc3339(now - std::chrono::seconds(1)));
  CHECK(stamp <= fakekube::to_rfc3339(now + std::chrono::seconds(1)));
  // The simulations' time runs ten times faster; wall_at maps it back.
  const double sim = r.server.clock().simulated();
  const double wall = std::chrono::duration<double>(now.time_since_epoch()).count();
  CHECK(sim - wall > 9);
  CHECK(std::chrono::abs(r.server.clock().wall_at(sim) - now) < std::chrono::milliseconds(500));
  CHECK(std::abs(r.server.clock().simulated_at(now) - sim) < 5);
}
