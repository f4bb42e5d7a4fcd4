// SPDX-License-Identifier: Apache-2.0
// The object store of the simulated API server (tests/support/fakekube):
// the conventions of the Kubernetes API Concepts and Server-Side Apply docs
// and of apimachinery's pkg/apis/meta/v1/types.go that it must keep, Status
// objects (pkg/api/errors/errors.go) included.
#include "../../support/fakekube/store.hpp"

#include "../../support/catch.hpp"

using fakekube::ApiError;
using fakekube::EventType;
using fakekube::Json;
using fakekube::ResourceType;
using fakekube::Store;

namespace {

fakekube::ListOptions page(std::size_t limit, const std::string& token) {
  fakekube::ListOptions o;
  o.limit = limit;
  o.continue_token = token;
  return o;
}

struct StoreFixture {
  Store store{[] { return std::string("2026-11-26T08:00:00Z"); }, 4};
  const ResourceType* namespaces;
  const ResourceType* pods;
  const ResourceType* clusters;

  StoreFixture() {
    store.add_type({"", "v1", "namespaces", "Namespace", false, true});
    store.add_type({"", "v1", "pods", "Pod", true, true});
    store.add_type({"ray.io", "v1", "rayclusters", "RayCluster", true, true});
    namespaces = store.find_type("", "v1", "namespaces");
    pods = store.find_type("", "v1", "pods");
    clusters = store.find_type("ray.io", "v1", "rayclusters");
    REQUIRE(store.create(*namespaces, "", Json::parse(R"({"apiVersion":"v1","kind":"Namespace",
        "metadata":{"name":"ml"}})")));
  }

  static Json pod(const std::string& name) {
    return Json{{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}}},
                {"spec", {{"containers", Json::array({{{"name", "c"}, {"image", "x"}}})}}}};
  }
};

}  // namespace

TEST_CASE_METHOD(StoreFixture, "fakekube::Store create and get", "[fakekube]") {
  auto created = store.create(*pods, "ml", pod("p1"));
  REQUIRE(created);
  const Json& meta = (*created)["metadata"];
  CHECK(meta["namespace"] == "ml");
  CHECK(meta["resourceVersion"] == "2");  // the Namespace was 1: one global counter
  CHECK(meta["generation"] == 1);
  CHECK(meta["creationTimestamp"] == "2026-11-26T08:00:00Z");
  CHECK(meta["uid"].get<std::string>().size() == 36);
  CHECK(*store.get(*pods, "ml", "p1") == *created);

  SECTION("generateName gets five characters of apimachinery's alphabet") {
    Json p = pod("");
    p["metadata"] = {{"generateName", "worker-"}};
    auto g = store.create(*pods, "ml", p);
    REQUIRE(g);
    const std::string name = (*g)["metadata"]["name"];
    CHECK(name.size() == 12);
    CHECK(name.find_first_not_of("bcdfghjklmnpqrstvwxz2456789", 7) == std::string::npos);
  }
  SECTION("errors are Status objects as the API server writes them") {
    auto dup = store.create(*pods, "ml", pod("p1"));
    REQUIRE_FALSE(dup);
    CHECK(dup.error().to_status() ==
          Json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
            "message":"pods \"p1\" already exists","reason":"AlreadyExists",
            "details":{"name":"p1","kind":"pods"},"code":409})"));
    auto missing = store.get(*clusters, "ml", "nope");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == 404);
    CHECK(missing.error().message == "rayclusters.ray.io \"nope\" not found");
    CHECK(missing.error().details["group"] == "ray.io");
    auto no_ns = store.create(*pods, "nowhere", pod("p2"));
    REQUIRE_FALSE(no_ns);
    CHECK(no_ns.error().message == "namespaces \"nowhere\" not found");
    auto bad = store.create(*pods, "ml", pod("Bad_Name"));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == 422);
    CHECK(bad.error().message.rfind(
              "Pod \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a "
              "lowercase RFC 1123 subdomain",
              0) == 0);
    CHECK(bad.error().details["causes"][0]["field"] == "metadata.name");
    Json nameless = pod("");
    nameless["metadata"] = Json::object();
    CHECK(store.create(*pods, "ml", nameless).error().message ==
          "Pod \"\" is invalid: metadata.name: Required value: name or generateName is required");
    Json dotted_ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "a.b"}}}};
    CHECK(store.create(*namespaces, "", dotted_ns)
              .error()
              .message.find("a lowercase RFC 1123 label must consist") != std::string::npos);
    CHECK(store.create(*pods, "ml", pod("a.b")));  // a subdomain is a fine Pod name
    Json wrong_kind = pod("p3");
    wrong_kind["kind"] = "Service";
    CHECK(store.create(*pods, "ml", wrong_kind).error().code == 400);
  }
}

TEST_CASE_METHOD(StoreFixture, "fakekube::Store update, status and delete", "[fakekube]") {
  Json c = {{"apiVersion", "ray.io/v1"},
            {"kind", "RayCluster"},
            {"metadata", {{"name", "c"}}},
            {"spec", {{"rayVersion", "2.55.1"}}},
            {"status", {{"state", "ready"}}}};
  auto created = store.create(*clusters, "ml", c);
  REQUIRE(created);
  CHECK_FALSE(created->contains("status"));  // status only through /status

  auto with_status =
      store.update_status(*clusters, "ml", "c", Json{{"status", {{"state", "ready"}}}});
  REQUIRE(with_status);
  CHECK((*with_status)["metadata"]["generation"] == 1);  // status is not spec

  SECTION("a spec change bumps generation; status survives a PUT") {
    Json changed = *with_status;
    changed["spec"]["rayVersion"] = "2.55.2";
    changed.erase("status");
    auto u = store.update(*clusters, "ml", "c", changed);
    REQUIRE(u);
    CHECK((*u)["metadata"]["generation"] == 2);
    CHECK((*u)["status"]["state"] == "ready");
    CHECK((*u)["metadata"]["uid"] == (*created)["metadata"]["uid"]);
  }
  SECTION("a stale resourceVersion is a 409 Conflict") {
    Json stale = *created;  // resourceVersion from before update_status
    stale["spec"]["rayVersion"] = "2.9.0";
    auto u = store.update(*clusters, "ml", "c", stale);
    REQUIRE_FALSE(u);
    CHECK(u.error().code == 409);
    CHECK(u.error().reason == "Conflict");
    CHECK(u.error().message ==
          "Operation cannot be fulfilled on rayclusters.ray.io \"c\": the object has been "
          "modified; please apply your changes to the latest version and try again");
  }
  SECTION("delete returns the object; then it is gone") {
    auto d = store.remove(*clusters, "ml", "c");
    REQUIRE(d);
    CHECK(store.get(*clusters, "ml", "c").error().code == 404);
    CHECK(store.remove(*clusters, "ml", "c").error().code == 404);
  }
}

TEST_CASE_METHOD(StoreFixture, "fakekube::Store lists in pages", "[fakekube]") {
  for (const char* name : {"p3", "p1", "p2", "p5", "p4"}) {
    REQUIRE(store.create(*pods, "ml", pod(name)));
  }
  auto page1 = store.list(*pods, "ml", page(2, ""));
  REQUIRE(page1);
  CHECK((*page1)["kind"] == "PodList");
  CHECK((*page1)["items"].size() == 2);
  CHECK((*page1)["items"][0]["metadata"]["name"] == "p1");
  CHECK((*page1)["metadata"]["remainingItemCount"] == 3);
  std::vector<std::string> names;
  std::string token = (*page1)["metadata"]["continue"];
  for (const auto& item : (*page1)["items"]) {
    names.push_back(item["metadata"]["name"]);
  }
  while (!token.empty()) {
    auto next = store.list(*pods, "", page(2, token));
    REQUIRE(next);
    for (const auto& item : (*next)["items"]) {
      names.push_back(item["metadata"]["name"]);
    }
    token = (*next)["metadata"].value("continue", "");
  }
  CHECK(names == std::vector<std::string>{"p1", "p2", "p3", "p4", "p5"});
  CHECK(store.list(*pods, "ml", page(2, "not-a-token")).error().code == 400);
}

TEST_CASE_METHOD(StoreFixture,
                 "fakekube::Store pages across namespaces whose names sort unlike their keys",
                 "[fakekube]") {
  // "a" < "a-b" as namespaces, but "a/..." > "a-b/..." as joined strings:
  // pages must follow the store's own order, or items repeat or vanish.
  for (const char* ns : {"a", "a-b"}) {
    REQUIRE(store.create(
        *namespaces, "",
        Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}}));
    for (const char* name : {"x", "y"}) {
      REQUIRE(store.create(*pods, ns, pod(name)));
    }
  }
  std::vector<std::string> seen;
  std::string token;
  do {
    auto p = store.list(*pods, "", page(1, token));
    REQUIRE(p);
    for (const auto& item : (*p)["items"]) {
      seen.push_back(item["metadata"]["namespace"].get<std::string>() + "/" +
                     item["metadata"]["name"].get<std::string>());
    }
    token = (*p)["metadata"].value("continue", "");
  } while (!token.empty());
  CHECK(seen == std::vector<std::string>{"a/x", "a/y", "a-b/x", "a-b/y"});
}

TEST_CASE_METHOD(StoreFixture,
                 "fakekube::Store continue tokens expire with the history",
                 "[fakekube]") {
  for (const char* name : {"p1", "p2", "p3"}) {
    REQUIRE(store.create(*pods, "ml", pod(name)));
  }
  auto first = store.list(*pods, "ml", page(1, ""));
  REQUIRE(first);
  const std::string token = (*first)["metadata"]["continue"];
  REQUIRE(store.list(*pods, "ml", page(1, token)));
  for (const char* name : {"q1", "q2", "q3", "q4", "q5"}) {  // history holds 4
    REQUIRE(store.create(*pods, "ml", pod(name)));
  }
  auto expired = store.list(*pods, "ml", page(1, token));
  REQUIRE(!expired);
  CHECK(expired.error().code == 410);
  CHECK(expired.error().reason == "Expired");
}

TEST_CASE_METHOD(StoreFixture,
                 "fakekube::Store: an update that changes nothing writes nothing",
                 "[fakekube]") {
  auto created = store.create(*pods, "ml", pod("a"));
  REQUIRE(created);
  const auto rv = store.resource_version();
  Json same = *created;
  same["spec"] = Json::parse(R"({"containers":[{"image":"x","name":"c"}]})");  // members reordered
  auto updated = store.update(*pods, "ml", "a", same);
  REQUIRE(updated);
  CHECK(store.resource_version() == rv);
  CHECK((*updated)["metadata"]["resourceVersion"] == (*created)["metadata"]["resourceVersion"]);
  same["spec"]["containers"][0]["image"] = "y";
  REQUIRE(store.update(*pods, "ml", "a", same));
  CHECK(store.resource_version() == rv + 1);
}

TEST_CASE_METHOD(StoreFixture, "fakekube::Store watch history and 410 Expired", "[fakekube]") {
  const auto start = store.resource_version();
  REQUIRE(store.create(*pods, "ml", pod("a")));
  REQUIRE(store.remove(*pods, "ml", "a"));
  auto events = store.events_since(*pods, "ml", start);
  REQUIRE(events);
  REQUIRE(events->size() == 2);
  CHECK((*events)[0].type == EventType::added);
  CHECK((*events)[1].type == EventType::deleted);
  CHECK(fakekube::event_type_name((*events)[1].type) == "DELETED");
  CHECK((*events)[1].resource_version == store.resource_version());
  // The history holds 4 events: after 4 more, `start` is too old.
  for (const char* name : {"b", "c", "d", "e"}) {
    REQUIRE(store.create(*pods, "ml", pod(name)));
  }
  auto expired = store.events_since(*pods, "ml", start);
  REQUIRE_FALSE(expired);
  CHECK(expired.error().code == 410);
  CHECK(expired.error().reason == "Expired");
  CHECK(store.events_since(*pods, "ml", store.resource_version() - 1)->size() == 1);
}
