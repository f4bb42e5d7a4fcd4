// SPDX-License-Identifier: Apache-2.0
// kube's verbs (get, list, create, apply, remove): the request each sends
// (method, path, query, body), against a recording transport, and the
// error codes callers branch on, against scripted answers and the
// simulated API server.
#include <krayctl/io/clock.hpp>
#include <krayctl/kube/verbs.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakekube/server.hpp"
#include "../../support/kube_script.hpp"

#include <deque>
#include <vector>

using kray::ErrorCode;
using kray::Result;
using kray::core::Json;
using kray::kube::Client;
using kray::kube::HttpRequest;
using kray::kube::HttpResponse;
using kray::kube::ResourceRef;

namespace {

// Records every request; answers from a queue (200 {} when it is empty).
class RecordingTransport final : public kray::kube::Transport {
 public:
  std::vector<HttpRequest> sent;
  std::deque<HttpResponse> answers;

  void answer(long status, const Json& body) {
    HttpResponse r;
    r.status = status;
    r.body = body.dump();
    answers.push_back(r);
  }

  Result<HttpResponse> send(const HttpRequest& r) override {
    sent.push_back(r);
    if (answers.empty()) {
      HttpResponse ok;
      ok.status = 200;
      ok.body = "{}";
      return ok;
    }
    HttpResponse out = answers.front();
    answers.pop_front();
    return out;
  }
  Result<void> stream(const HttpRequest&,
                      HttpResponse&,
                      const std::function<bool(std::string_view)>&) override {
    return kray::make_error(ErrorCode::internal, "no streams here");
  }
};

Json status(long code, const std::string& reason, const std::string& message, Json details) {
  return {{"kind", "Status"},   {"apiVersion", "v1"}, {"status", "Failure"},
          {"message", message}, {"reason", reason},   {"details", std::move(details)},
          {"code", code}};
}

const ResourceRef k_jobs{"batch", "v1", "jobs", "Job", true};
const ResourceRef k_configmaps{"", "v1", "configmaps", "ConfigMap", true};
const ResourceRef k_widgets{"example.com", "v1", "widgets", "Widget", true};

struct Recorded {
  kray::io::FakeClock clock;  // retries do not wait
  RecordingTransport transport;
  Client client{transport, clock, nullptr};
};

}  // namespace

TEST_CASE("kube verbs: the requests they send", "[kube][verbs]") {
  Recorded r;
  SECTION("get") {
    r.transport.answer(200, {{"metadata", {{"name", "train"}}}});
    auto got = kray::kube::get(r.client, k_jobs, "ml", "train");
    REQUIRE(got);
    CHECK((*got)["metadata"]["name"] == "train");
    REQUIRE(r.transport.sent.size() == 1);
    CHECK(r.transport.sent[0].method == "GET");
    CHECK(r.transport.sent[0].path == "/apis/batch/v1/namespaces/ml/jobs/train");
  }
  SECTION("list: selectors, every page, kind and apiVersion on each item") {
    r.transport.answer(200, {{"kind", "JobList"},
                             {"apiVersion", "batch/v1"},
                             {"metadata", {{"continue", "next"}, {"resourceVersion", "7"}}},
                             {"items", {{{"metadata", {{"name", "a"}}}}}}});
    r.transport.answer(200, {{"kind", "JobList"},
                             {"apiVersion", "batch/v1"},
                             {"metadata", {{"resourceVersion", "9"}}},
                             {"items", {{{"metadata", {{"name", "b"}}}}}}});
    kray::kube::ListOptions o;
    o.label_selector = "app%3Dx";
    o.field_selector = "status.successful%3D1";
    auto listed = kray::kube::list(r.client, k_jobs, "ml", o);
    REQUIRE(listed);
    REQUIRE(listed->items.size() == 2);
    CHECK(listed->items[1]["kind"] == "Job");
    CHECK(listed->items[1]["apiVersion"] == "batch/v1");
    CHECK(listed->resource_version == "9");
    REQUIRE(r.transport.sent.size() == 2);
    CHECK(r.transport.sent[0].path ==
          "/apis/batch/v1/namespaces/ml/jobs?labelSelector=app%3Dx&fieldSelector=status."
          "successful%3D1&limit=500");
    CHECK(r.transport.sent[1].path ==
          "/apis/batch/v1/namespaces/ml/jobs?labelSelector=app%3Dx&fieldSelector=status."
          "successful%3D1&limit=500&continue=next");
  }
  SECTION("list: all namespaces, no selectors") {
    REQUIRE(kray::kube::list(r.client, k_configmaps, ""));
    CHECK(r.transport.sent.at(0).path == "/api/v1/configmaps?limit=500");
  }
  SECTION("create: POST to the collection, the created object back") {
    r.transport.answer(201, {{"metadata", {{"name", "check-x7k2p"}, {"uid", "u1"}}}});
    kray::kube::CreateOptions o;
    o.field_manager = "krayctl";
    const Json job = {
        {"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", {{"generateName", "check-"}}}};
    auto created = kray::kube::create(r.client, k_jobs, "ml", job, o);
    REQUIRE(created);
    CHECK((*created)["metadata"]["name"] == "check-x7k2p");
    const HttpRequest& sent = r.transport.sent.at(0);
    CHECK(sent.method == "POST");
    CHECK(sent.path == "/apis/batch/v1/namespaces/ml/jobs?fieldManager=krayctl");
    CHECK(sent.content_type == "application/json");
    CHECK(Json::parse(sent.body) == job);
    o.dry_run = true;
    REQUIRE(kray::kube::create(r.client, k_jobs, "ml", job, o));
    CHECK(r.transport.sent.at(1).path ==
          "/apis/batch/v1/namespaces/ml/jobs?fieldManager=krayctl&dryRun=All");
  }
  SECTION("apply: PATCH apply-patch+yaml with fieldManager, Strict, force, dryRun") {
    const Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "s"}}}};
    kray::kube::ApplyOptions o;
    o.field_manager = "krayctl";
    REQUIRE(kray::kube::apply(r.client, k_configmaps, "ml", "s", cm, o));
    o.force = true;
    o.dry_run = true;
    REQUIRE(kray::kube::apply(r.client, k_configmaps, "ml", "s", cm, o));
    o = {};
    o.field_manager = "other";
    o.strict = false;
    REQUIRE(kray::kube::apply(r.client, k_configmaps, "ml", "s", cm, o));
    REQUIRE(r.transport.sent.size() == 3);
    CHECK(r.transport.sent[0].method == "PATCH");
    CHECK(r.transport.sent[0].content_type == "application/apply-patch+yaml");
    CHECK(Json::parse(r.transport.sent[0].body) == cm);
    CHECK(r.transport.sent[0].path ==
          "/api/v1/namespaces/ml/configmaps/s?fieldManager=krayctl&fieldValidation=Strict");
    CHECK(r.transport.sent[1].path ==
          "/api/v1/namespaces/ml/configmaps/s?fieldManager=krayctl&fieldValidation=Strict&force="
          "true&dryRun=All");
    CHECK(r.transport.sent[2].path == "/api/v1/namespaces/ml/configmaps/s?fieldManager=other");
  }
  SECTION("remove: DeleteOptions with propagation, preconditions, grace; dryRun") {
    kray::kube::DeleteOptions o;
    REQUIRE(kray::kube::remove(r.client, k_jobs, "ml", "train", o));
    o.propagation = kray::kube::Propagation::background;
    o.uid = "u1";
    REQUIRE(kray::kube::remove(r.client, k_jobs, "ml", "train", o));
    o.propagation = kray::kube::Propagation::foreground;
    o.resource_version = "42";
    o.grace_period_seconds = 0;
    o.dry_run = true;
    REQUIRE(kray::kube::remove(r.client, k_jobs, "ml", "train", o));
    o = {};
    o.propagation = kray::kube::Propagation::orphan;
    REQUIRE(kray::kube::remove(r.client, k_jobs, "ml", "train", o));
    REQUIRE(r.transport.sent.size() == 4);
    for (const auto& s : r.transport.sent) {
      CHECK(s.method == "DELETE");
      CHECK(s.content_type == "application/json");
    }
    CHECK(r.transport.sent[0].path == "/apis/batch/v1/namespaces/ml/jobs/train");
    CHECK(r.transport.sent[0].body == R"({"apiVersion":"v1","kind":"DeleteOptions"})");
    // The body krayctl sent before the verbs existed, byte for byte.
    CHECK(r.transport.sent[1].body ==
          R"({"apiVersion":"v1","kind":"DeleteOptions","propagationPolicy":"Background",)"
          R"("preconditions":{"uid":"u1"}})");
    CHECK(r.transport.sent[2].path == "/apis/batch/v1/namespaces/ml/jobs/train?dryRun=All");
    CHECK(r.transport.sent[2].body ==
          R"({"apiVersion":"v1","kind":"DeleteOptions","propagationPolicy":"Foreground",)"
          R"("preconditions":{"uid":"u1","resourceVersion":"42"},"gracePeriodSeconds":0})");
    CHECK(Json::parse(r.transport.sent[3].body)["propagationPolicy"] == "Orphan");
  }
}

TEST_CASE("kube verbs: error codes, never words to compare", "[kube][verbs]") {
  Recorded r;
  SECTION("404 naming the object: not_found") {
    r.transport.answer(404, status(404, "NotFound", "jobs.batch \"x\" not found",
                                   {{"name", "x"}, {"group", "batch"}, {"kind", "jobs"}}));
    r.transport.answer(200, {{"kind", "APIResourceList"},
                             {"groupVersion", "batch/v1"},
                             {"resources", {{{"name", "jobs"}}}}});  // discovery
    auto got = kray::kube::get(r.client, k_jobs, "ml", "x");
    REQUIRE_FALSE(got);
    CHECK(got.error().code == ErrorCode::not_found);
    CHECK(got.error().message == "jobs.batch \"x\" not found (404 NotFound)");
  }
  SECTION("404 with the group not served (discovery 404s too): not_installed") {
    r.transport.answer(
        404, status(404, "NotFound", "the server could not find the requested resource", {}));
    r.transport.answer(
        404, status(404, "NotFound", "the server could not find the requested resource", {}));
    auto got = kray::kube::get(r.client, k_widgets, "ml", "w");
    REQUIRE_FALSE(got);
    CHECK(got.error().code == ErrorCode::not_installed);
    CHECK(got.error().message ==
          "the API server does not serve widgets in example.com/v1 (a CRD or an API that is not "
          "installed)");
    CHECK(r.transport.sent.at(1).path == "/apis/example.com/v1");
  }
  SECTION("404 without a name for a resource that is served: the object is missing") {
    r.transport.answer(
        404, status(404, "NotFound", "the server could not find the requested resource", {}));
    r.transport.answer(200, {{"kind", "APIResourceList"},
                             {"groupVersion", "example.com/v1"},
                             {"resources", {{{"name", "widgets"}}}}});
    auto got = kray::kube::get(r.client, k_widgets, "ml", "w");
    REQUIRE_FALSE(got);
    CHECK(got.error().code == ErrorCode::not_found);
    CHECK(got.error().message == "widgets \"w\" not found (404 NotFound)");
  }
  SECTION("409 from server-side apply's field managers: field_conflict") {
    r.transport.answer(
        409, status(409, "Conflict",
                    "Apply failed with 1 conflict: conflict with \"kubectl-edit\": .data.a",
                    {{"causes",
                      {{{"reason", "FieldManagerConflict"},
                        {"message", "conflict with \"kubectl-edit\""},
                        {"field", ".data.a"}}}}}));
    kray::kube::ApplyOptions o;
    o.field_manager = "krayctl";
    auto applied = kray::kube::apply(r.client, k_configmaps, "ml", "s", Json::object(), o);
    REQUIRE_FALSE(applied);
    CHECK(applied.error().code == ErrorCode::field_conflict);
  }
  SECTION("other 409s: conflict") {
    r.transport.answer(
        409, status(409, "AlreadyExists", "jobs.batch \"x\" already exists", {{"name", "x"}}));
    auto created = kray::kube::create(r.client, k_jobs, "ml", Json::object());
    REQUIRE_FALSE(created);
    CHECK(created.error().code == ErrorCode::conflict);
  }
}

TEST_CASE("kube verbs against the simulated API server", "[kube][verbs][http]") {
  fakekube::ApiServer server;
  server.start();
  const kray::kube::Connection c = testing::admin_connection(server);
  auto transport = kray::kube::make_curl_transport(c);
  kray::io::FakeClock clock;  // retries do not wait
  Client client(*transport, clock, nullptr);

  const Json cm = {{"apiVersion", "v1"},
                   {"kind", "ConfigMap"},
                   {"metadata", {{"name", "s"}, {"labels", {{"app", "x"}}}}},
                   {"data", {{"a", "1"}}}};
  kray::kube::ApplyOptions mine;
  mine.field_manager = "krayctl";
  auto applied = kray::kube::apply(client, k_configmaps, "default", "s", cm, mine);
  REQUIRE(applied);
  const std::string uid = (*applied)["metadata"].value("uid", "");
  CHECK_FALSE(uid.empty());

  // Another manager's value: a field conflict, until forced.
  Json theirs = cm;
  theirs["data"]["a"] = "2";
  kray::kube::ApplyOptions other;
  other.field_manager = "someone-else";
  auto conflict = kray::kube::apply(client, k_configmaps, "default", "s", theirs, other);
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == ErrorCode::field_conflict);
  other.force = true;
  auto forced = kray::kube::apply(client, k_configmaps, "default", "s", theirs, other);
  REQUIRE(forced);
  CHECK((*forced)["data"]["a"] == "2");

  // Create of a name taken: conflict, not field_conflict.
  auto taken = kray::kube::create(client, k_configmaps, "default", cm);
  REQUIRE_FALSE(taken);
  CHECK(taken.error().code == ErrorCode::conflict);

  kray::kube::ListOptions selected;
  selected.label_selector = "app%3Dx";
  auto listed = kray::kube::list(client, k_configmaps, "default", selected);
  REQUIRE(listed);
  REQUIRE(listed->items.size() == 1);
  CHECK(listed->items[0]["kind"] == "ConfigMap");

  // A uid precondition that does not hold deletes nothing.
  kray::kube::DeleteOptions wrong;
  wrong.uid = "not-" + uid;
  auto refused = kray::kube::remove(client, k_configmaps, "default", "s", wrong);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::conflict);
  REQUIRE(kray::kube::get(client, k_configmaps, "default", "s"));
  kray::kube::DeleteOptions right;
  right.uid = uid;
  right.propagation = kray::kube::Propagation::background;
  REQUIRE(kray::kube::remove(client, k_configmaps, "default", "s", right));
  auto gone = kray::kube::get(client, k_configmaps, "default", "s");
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == ErrorCode::not_found);

  const ResourceRef rayclusters{"ray.io", "v1", "rayclusters", "RayCluster", true};
  auto missing = kray::kube::get(client, rayclusters, "default", "nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);  // the CRDs are there; the object is not
  auto absent = kray::kube::get(client, k_widgets, "default", "w");
  REQUIRE_FALSE(absent);
  CHECK(absent.error().code == ErrorCode::not_installed);
}
