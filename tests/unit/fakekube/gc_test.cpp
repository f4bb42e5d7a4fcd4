// SPDX-License-Identifier: Apache-2.0
// fakekube's deletion as Kubernetes deletes: Pods gracefully (kubernetes
// pkg/registry/core/pod/strategy.go: CheckGracefulDelete, apiserver
// registry/rest/delete.go: BeforeDelete), stopped by the kubelet
// simulation, and the garbage collector (pkg/controller/garbagecollector)
// on its own thread: owners resolved by apiVersion, kind, name and uid in
// the dependent's namespace; Background, Foreground (blockOwnerDeletion)
// and Orphan.
#include "../../support/fakekube/sim.hpp"

#include "../../support/catch.hpp"
#include "../../support/eventually.hpp"
#include "../../support/http_client.hpp"

#include <chrono>
#include <functional>
#include <thread>

using fakekube::ApiServer;
using fakekube::Json;
using testing::HttpClient;
using testing::HttpResponse;

using testing::eventually;

namespace {

Json json_of(const HttpResponse& r) {
  INFO(r.body);
  Json j = Json::parse(r.body, nullptr, false);
  REQUIRE(!j.is_discarded());
  return j;
}

// Reads a watch stream until `enough` says so; returns the events.
std::vector<Json> watch_events(const HttpClient& c,
                               const std::string& path,
                               const std::function<bool(const std::vector<Json>&)>& enough) {
  std::vector<Json> events;
  std::string buffer;
  (void)c.stream(path, [&](const std::string& piece) {
    buffer += piece;
    for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
      events.push_back(Json::parse(buffer.substr(0, nl)));
      buffer.erase(0, nl + 1);
    }
    return !enough(events);
  });
  return events;
}

bool has_deleted(const std::vector<Json>& events, const std::string& name) {
  return std::any_of(events.begin(), events.end(), [&](const Json& e) {
    return e["type"] == "DELETED" && e["object"]["metadata"]["name"] == name;
  });
}

Json pod(const std::string& name, const Json& extra_spec = Json::object()) {
  Json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}}},
            {"spec", {{"containers", Json::array({{{"name", "main"}, {"image", "busybox"}}})}}}};
  for (auto it = extra_spec.begin(); it != extra_spec.end(); ++it) {
    p["spec"][it.key()] = it.value();
  }
  return p;
}

Json config_map(const std::string& name, const Json& owners = Json()) {
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}};
  if (!owners.is_null()) {
    cm["metadata"]["ownerReferences"] = owners;
  }
  return cm;
}

Json ref_to(const Json& owner, bool block = false) {
  return {{"apiVersion", owner["apiVersion"]},
          {"kind", owner["kind"]},
          {"name", owner["metadata"]["name"]},
          {"uid", owner["metadata"]["uid"]},
          {"blockOwnerDeletion", block}};
}

std::string phase_of(const Json& p) {
  const Json st = p.value("status", Json::object());
  return st.is_object() ? st.value("phase", "") : "";
}

bool exists(const ApiServer& s,
            const std::string& resource,
            const std::string& name,
            const std::string& ns = "default") {
  return s.get("v1", resource, ns, name).has_value();
}

struct Running {
  ApiServer server;
  explicit Running(fakekube::ServerOptions options = {}) : server(options) { server.start(); }
};

const std::string k_pods = "/api/v1/namespaces/default/pods";
const std::string k_config_maps = "/api/v1/namespaces/default/configmaps";

}  // namespace

TEST_CASE("fakekube gc: a Pod on a node is Terminating until the kubelet stops it",
          "[fakekube][gc]") {
  fakekube::ServerOptions o;
  o.speed = 50;
  o.nodes = "1xcpu";
  ApiServer server(o);
  fakekube::Simulation sim(server, {});
  server.start();
  sim.start();
  HttpClient c(server, "admin");

  SECTION("SIGTERM ignored: killed when the grace period ends (137); a re-create is 409") {
    Json p = pod("p", {{"terminationGracePeriodSeconds", 60}});
    p["metadata"]["annotations"] = {{"fakekube.io/sigterm", "ignore"}};
    REQUIRE(c.request("POST", k_pods, p.dump()).status == 201);
    REQUIRE(eventually(server, [&] {
      auto live = server.get("v1", "pods", "default", "p");
      return live && phase_of(*live) == "Running";
    }));
    const std::string rv = std::to_string(server.resource_version());
    const HttpResponse d = c.request("DELETE", k_pods + "/p");
    CHECK(d.status == 200);
    const Json answered = json_of(d);
    CHECK(answered["metadata"]["deletionGracePeriodSeconds"] == 60);
    CHECK(answered["metadata"].contains("deletionTimestamp"));
    // Still listed, and its name still taken.
    CHECK(json_of(c.get(k_pods))["items"].size() == 1);
    const HttpResponse again = c.request("POST", k_pods, pod("p").dump());
    CHECK(again.status == 409);
    const Json status = json_of(again);
    CHECK(status["reason"] == "AlreadyExists");
    CHECK(status["message"] == "object is being deleted: pods \"p\" already exists");

    const auto events =
        watch_events(c, k_pods + "?watch=true&resourceVersion=" + rv,
                     [](const std::vector<Json>& e) { return has_deleted(e, "p"); });
    REQUIRE(events.size() >= 2);
    CHECK(events.front()["type"] == "MODIFIED");
    CHECK(events.front()["object"]["metadata"].contains("deletionTimestamp"));
    const Json& last = events.back();
    CHECK(last["type"] == "DELETED");
    CHECK(last["object"]["status"]["phase"] == "Failed");
    const Json state = last["object"]["status"]["containerStatuses"][0]["state"];
    REQUIRE(state.contains("terminated"));
    CHECK(state["terminated"]["exitCode"] == 137);
    CHECK(state["terminated"]["reason"] == "Error");
    CHECK(c.request("POST", k_pods, pod("p").dump()).status == 201);  // the name is free again
  }
  SECTION("SIGTERM kills a container at once (143); a handler that exits 0 makes it Succeeded") {
    // A long grace period (60 s of real time at 50x): the kubelet's first
    // look after the DELETE may come late on a loaded machine, and these
    // containers must end of SIGTERM, not of the deadline.
    Json quick = pod("quick", {{"terminationGracePeriodSeconds", 3000}});
    Json handled = pod("handled", {{"terminationGracePeriodSeconds", 3000}});
    handled["metadata"]["annotations"] = {{"fakekube.io/sigterm", "5"}};
    REQUIRE(c.request("POST", k_pods, quick.dump()).status == 201);
    REQUIRE(c.request("POST", k_pods, handled.dump()).status == 201);
    REQUIRE(eventually(server, [&] {
      auto a = server.get("v1", "pods", "default", "quick");
      auto b = server.get("v1", "pods", "default", "handled");
      return a && b && phase_of(*a) == "Running" && phase_of(*b) == "Running";
    }));
    const std::string rv = std::to_string(server.resource_version());
    CHECK(c.request("DELETE", k_pods + "/quick").status == 200);
    CHECK(c.request("DELETE", k_pods + "/handled").status == 200);
    const auto events = watch_events(c, k_pods + "?watch=true&resourceVersion=" + rv,
                                     [](const std::vector<Json>& e) {
                                       return has_deleted(e, "quick") && has_deleted(e, "handled");
                                     });
    for (const auto& e : events) {
      if (e["type"] != "DELETED") {
        continue;
      }
      const Json& obj = e["object"];
      const Json term = obj["status"]["containerStatuses"][0]["state"]["terminated"];
      if (obj["metadata"]["name"] == "quick") {
        CHECK(term["exitCode"] == 143);
        CHECK(term["reason"] == "Error");
        CHECK(obj["status"]["phase"] == "Failed");
      } else {
        CHECK(term["exitCode"] == 0);
        CHECK(term["reason"] == "Completed");
        CHECK(obj["status"]["phase"] == "Succeeded");
      }
    }
    // The kubelet says what it did.
    bool killing = false;
    for (const auto& e : server.list("v1", "events", "default")) {
      killing = killing || (e["reason"] == "Killing" && e["involvedObject"]["name"] == "quick" &&
                            e["message"] == "Stopping container main");
    }
    CHECK(killing);
  }
}

TEST_CASE("fakekube gc: grace periods without a kubelet", "[fakekube][gc]") {
  Running r;
  HttpClient c(r.server, "admin");
  auto deletion = [&](const std::string& name) {
    auto live = r.server.get("v1", "pods", "default", name);
    REQUIRE(live);
    return (*live)["metadata"];
  };
  SECTION("a Pod no node runs goes at once") {
    REQUIRE(c.request("POST", k_pods, pod("unscheduled").dump()).status == 201);
    const HttpResponse d = c.request("DELETE", k_pods + "/unscheduled");
    CHECK(d.status == 200);
    CHECK(json_of(d)["metadata"]["deletionGracePeriodSeconds"] == 0);
    CHECK_FALSE(exists(r.server, "pods", "unscheduled"));
  }
  SECTION("a bound Pod stays Terminating; a shorter grace period shortens it; 0 removes it") {
    REQUIRE(c.request("POST", k_pods, pod("bound", {{"nodeName", "node-1"}}).dump()).status == 201);
    CHECK(c.request("DELETE", k_pods + "/bound").status == 200);
    const Json first = deletion("bound");
    CHECK(first["deletionGracePeriodSeconds"] == 30);  // the default terminationGracePeriodSeconds
    // A longer grace period changes nothing.
    CHECK(c.request("DELETE", k_pods + "/bound", R"({"gracePeriodSeconds":60})").status == 200);
    CHECK(deletion("bound")["deletionGracePeriodSeconds"] == 30);
    CHECK(deletion("bound")["deletionTimestamp"] == first["deletionTimestamp"]);
    // A shorter one moves the deadline 20 s earlier.
    const Json shorter =
        json_of(c.request("DELETE", k_pods + "/bound", R"({"gracePeriodSeconds":10})"));
    CHECK(shorter["metadata"]["deletionGracePeriodSeconds"] == 10);
    CHECK(shorter["metadata"]["deletionTimestamp"] != first["deletionTimestamp"]);
    CHECK(exists(r.server, "pods", "bound"));
    // An update does not end it either.
    CHECK(c.request("PATCH", k_pods + "/bound", R"({"metadata":{"labels":{"a":"b"}}})",
                    "application/merge-patch+json")
              .status == 200);
    CHECK(exists(r.server, "pods", "bound"));
    CHECK(c.request("DELETE", k_pods + "/bound?gracePeriodSeconds=0").status == 200);
    CHECK_FALSE(exists(r.server, "pods", "bound"));
  }
  SECTION("--force --grace-period=0 removes a running Pod at once; dryRun keeps it") {
    REQUIRE(
        c.request(
             "POST", k_pods,
             pod("forced", {{"nodeName", "node-1"}, {"terminationGracePeriodSeconds", 5}}).dump())
            .status == 201);
    const Json dry = json_of(c.request("DELETE", k_pods + "/forced?dryRun=All"));
    CHECK(dry["metadata"]["deletionGracePeriodSeconds"] == 5);
    CHECK_FALSE(deletion("forced").contains("deletionTimestamp"));
    const HttpResponse d = c.request(
        "DELETE", k_pods + "/forced",
        R"({"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":0,"propagationPolicy":"Background"})");
    CHECK(d.status == 200);
    CHECK_FALSE(exists(r.server, "pods", "forced"));
    CHECK(c.request("POST", k_pods, pod("forced").dump()).status == 201);
  }
  SECTION("a finalizer holds a Pod past its grace period") {
    Json p = pod("held", {{"nodeName", "node-1"}});
    p["metadata"]["finalizers"] = {"example.com/hold"};
    REQUIRE(c.request("POST", k_pods, p.dump()).status == 201);
    CHECK(c.request("DELETE", k_pods + "/held?gracePeriodSeconds=0").status == 200);
    CHECK(deletion("held")["deletionGracePeriodSeconds"] == 0);
    CHECK(c.request("PATCH", k_pods + "/held", R"({"metadata":{"finalizers":null}})",
                    "application/merge-patch+json")
              .status == 200);
    CHECK_FALSE(exists(r.server, "pods", "held"));
  }
}

TEST_CASE("fakekube gc: the garbage collector runs after the request, owners first",
          "[fakekube][gc]") {
  Running r;
  HttpClient c(r.server, "admin");
  auto owner = r.server.create("v1", "configmaps", "default", config_map("owner"));
  REQUIRE(owner);
  REQUIRE(r.server.create("v1", "configmaps", "default",
                          config_map("dep-a", Json::array({ref_to(*owner)}))));
  REQUIRE(r.server.create("v1", "configmaps", "default",
                          config_map("dep-b", Json::array({ref_to(*owner)}))));
  SECTION("not inside the DELETE: held, the dependents outlive their owner") {
    r.server.pause_garbage_collector(true);
    CHECK(c.request("DELETE", k_config_maps + "/owner").status == 200);
    CHECK_FALSE(exists(r.server, "configmaps", "owner"));
    CHECK(exists(r.server, "configmaps", "dep-a"));
    CHECK(exists(r.server, "configmaps", "dep-b"));
    r.server.pause_garbage_collector(false);
    CHECK(eventually(r.server, [&] {
      return !exists(r.server, "configmaps", "dep-a") && !exists(r.server, "configmaps", "dep-b");
    }));
  }
  SECTION("watchers see the owner's DELETED before its dependents'") {
    const std::string rv = std::to_string(r.server.resource_version());
    CHECK(c.request("DELETE", k_config_maps + "/owner").status == 200);
    const auto events = watch_events(c, k_config_maps + "?watch=true&resourceVersion=" + rv,
                                     [](const std::vector<Json>& e) {
                                       return has_deleted(e, "dep-a") && has_deleted(e, "dep-b");
                                     });
    REQUIRE(events.size() == 3);
    CHECK(events[0]["type"] == "DELETED");
    CHECK(events[0]["object"]["metadata"]["name"] == "owner");
  }
}

TEST_CASE("fakekube gc: owners are looked up by kind, name and uid in the dependent's namespace",
          "[fakekube][gc]") {
  Running r;
  auto& s = r.server;
  auto owner = s.create("v1", "configmaps", "default", config_map("owner"));
  REQUIRE(owner);
  auto node = s.create("v1", "nodes", "",
                       {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "n1"}}}});
  REQUIRE(node);
  REQUIRE(
      s.create("v1", "namespaces", "",
               {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "other"}}}}));
  auto elsewhere = s.create("v1", "configmaps", "other", config_map("owner"));
  REQUIRE(elsewhere);

  // The right references: kept.
  REQUIRE(s.create("v1", "configmaps", "default",
                   config_map("same-ns", Json::array({ref_to(*owner)}))));
  REQUIRE(s.create("v1", "configmaps", "default",
                   config_map("cluster-owner", Json::array({ref_to(*node)}))));
  // The wrong ones: collected.
  Json cross = ref_to(*elsewhere);  // a ConfigMap "owner" lives here too, with another uid
  s.pause_garbage_collector(true);
  REQUIRE(s.create("v1", "configmaps", "default", config_map("cross-ns", Json::array({cross}))));
  Json wrong_kind = ref_to(*owner);
  wrong_kind["kind"] = "Secret";
  REQUIRE(
      s.create("v1", "configmaps", "default", config_map("wrong-kind", Json::array({wrong_kind}))));
  Json wrong_uid = ref_to(*owner);
  wrong_uid["uid"] = "00000000-0000-0000-0000-000000000000";
  REQUIRE(
      s.create("v1", "configmaps", "default", config_map("wrong-uid", Json::array({wrong_uid}))));
  // One owner there and one not: only the dangling reference goes.
  REQUIRE(s.create("v1", "configmaps", "default",
                   config_map("half", Json::array({ref_to(*owner), wrong_uid}))));
  s.pause_garbage_collector(false);

  CHECK(eventually(s, [&] {
    return !exists(s, "configmaps", "cross-ns") && !exists(s, "configmaps", "wrong-kind") &&
           !exists(s, "configmaps", "wrong-uid");
  }));
  CHECK(eventually(s, [&] {
    auto half = s.get("v1", "configmaps", "default", "half");
    return half && (*half)["metadata"]["ownerReferences"].size() == 1;
  }));
  CHECK(exists(s, "configmaps", "same-ns"));
  CHECK(exists(s, "configmaps", "cluster-owner"));
  CHECK(exists(s, "configmaps", "owner", "other"));
  auto half = s.get("v1", "configmaps", "default", "half");
  REQUIRE(half);
  CHECK((*half)["metadata"]["ownerReferences"][0]["uid"] == (*owner)["metadata"]["uid"]);
  // The cross-namespace reference is reported.
  bool reported = false;
  for (const auto& e : s.list("v1", "events", "default")) {
    if (e["reason"] == "OwnerRefInvalidNamespace") {
      reported = e["involvedObject"]["name"] == "cross-ns" && e["type"] == "Warning" &&
                 e["message"] == "ownerRef [v1/ConfigMap, namespace: default, name: owner, uid: " +
                                     (*elsewhere)["metadata"]["uid"].get<std::string>() +
                                     "] does not exist in namespace \"default\"";
    }
  }
  CHECK(reported);
}

TEST_CASE("fakekube gc: Foreground waits for blockOwnerDeletion dependents; Orphan keeps them",
          "[fakekube][gc]") {
  Running r;
  auto& s = r.server;
  HttpClient c(s, "admin");
  auto owner = s.create("v1", "configmaps", "default", config_map("owner"));
  REQUIRE(owner);
  // A Pod on a node no kubelet serves: Terminating until forced.
  Json blocker = pod("blocker", {{"nodeName", "node-1"}});
  blocker["metadata"]["ownerReferences"] = Json::array({ref_to(*owner, true)});
  REQUIRE(s.create("v1", "pods", "default", blocker));
  REQUIRE(s.create("v1", "configmaps", "default",
                   config_map("free", Json::array({ref_to(*owner, false)}))));
  SECTION("foreground") {
    const Json answered =
        json_of(c.request("DELETE", k_config_maps + "/owner?propagationPolicy=Foreground"));
    CHECK(answered["metadata"]["finalizers"] == Json::array({"foregroundDeletion"}));
    CHECK(answered["metadata"].contains("deletionTimestamp"));
    CHECK(eventually(s, [&] {
      auto b = s.get("v1", "pods", "default", "blocker");
      return !exists(s, "configmaps", "free") && b &&
             (*b)["metadata"].contains("deletionTimestamp");
    }));
    CHECK(exists(s, "configmaps", "owner"));  // the Terminating blocker holds it
    CHECK(c.request("DELETE", k_pods + "/blocker?gracePeriodSeconds=0").status == 200);
    CHECK(eventually(s, [&] { return !exists(s, "configmaps", "owner"); }));
  }
  SECTION("foreground, nothing blocking: the owner goes while its Pod still terminates") {
    auto b = s.get("v1", "pods", "default", "blocker");
    REQUIRE(b);
    (*b)["metadata"]["ownerReferences"][0]["blockOwnerDeletion"] = false;
    REQUIRE(s.update("v1", "pods", "default", *b));
    CHECK(c.request("DELETE", k_config_maps + "/owner?propagationPolicy=Foreground").status == 200);
    CHECK(eventually(s, [&] { return !exists(s, "configmaps", "owner"); }));
    auto left = s.get("v1", "pods", "default", "blocker");
    REQUIRE(left);
    CHECK((*left)["metadata"].contains("deletionTimestamp"));
  }
  SECTION("orphan: the dependents stay, without their reference") {
    CHECK(
        c.request("DELETE", k_config_maps + "/owner", R"({"propagationPolicy":"Orphan"})").status ==
        200);
    CHECK(eventually(s, [&] { return !exists(s, "configmaps", "owner"); }));
    auto free = s.get("v1", "configmaps", "default", "free");
    auto held = s.get("v1", "pods", "default", "blocker");
    REQUIRE(free);
    REQUIRE(held);
    CHECK_FALSE((*free)["metadata"].contains("ownerReferences"));
    CHECK_FALSE((*held)["metadata"].contains("ownerReferences"));
    CHECK_FALSE((*held)["metadata"].contains("deletionTimestamp"));
  }
}

TEST_CASE("fakekube gc: the Job controller counts terminating Pods apart", "[fakekube][gc][sim]") {
  fakekube::ServerOptions o;
  o.speed = 50;
  o.nodes = "1xcpu";
  ApiServer server(o);
  fakekube::Simulation sim(server, {});
  server.start();
  sim.start();
  Json job = {
      {"apiVersion", "batch/v1"},
      {"kind", "Job"},
      {"metadata", {{"name", "j"}}},
      {"spec",
       {{"template",
         {{"metadata",
           {{"annotations", {{"fakekube.io/behavior", "run"}, {"fakekube.io/sigterm", "ignore"}}}}},
          {"spec",
           {{"restartPolicy", "Never"},
            {"terminationGracePeriodSeconds", 120},
            {"containers", Json::array({{{"name", "main"}, {"image", "busybox"}}})}}}}}}}};
  REQUIRE(server.create("batch/v1", "jobs", "default", job));
  std::string first;
  REQUIRE(eventually(server, [&] {
    for (const auto& p : server.list("v1", "pods", "default")) {
      if (phase_of(p) == "Running") {
        first = p["metadata"]["name"];
      }
    }
    return !first.empty();
  }));
  REQUIRE(server.remove("v1", "pods", "default", first));
  // The Terminating Pod is neither active nor ready; the Job replaces it.
  CHECK(eventually(server, [&] {
    auto j = server.get("batch/v1", "jobs", "default", "j");
    const Json st = j ? j->value("status", Json::object()) : Json::object();
    return st.value("terminating", -1) == 1 && st.value("active", -1) == 1 &&
           server.list("v1", "pods", "default").size() == 2;
  }));
}
