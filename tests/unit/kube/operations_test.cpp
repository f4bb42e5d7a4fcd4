// SPDX-License-Identifier: Apache-2.0
// kube::read_log, kube::proxy and kube::events_of against the simulated
// API server over TLS.
#include <krayctl/io/clock.hpp>
#include <krayctl/kube/operations.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakekube/server.hpp"
#include "../../support/kube_script.hpp"

#include <thread>

using kray::ErrorCode;
using kray::core::Json;
using kray::kube::Client;

namespace {

struct Running {
  fakekube::ApiServer server;
  std::unique_ptr<kray::kube::Transport> transport;
  kray::io::FakeClock clock;  // retries do not wait
  std::unique_ptr<Client> client;
  Running() {
    server.start();
    const kray::kube::Connection c = testing::admin_connection(server);
    transport = kray::kube::make_curl_transport(c);
    client = std::make_unique<Client>(*transport, clock, nullptr);
  }
};

Json pod(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}}},
          {"spec", {{"containers", {{{"name", "main"}, {"image", "busybox"}}}}}}};
}

}  // namespace

TEST_CASE("kube::read_log: not started, read, followed to the end, cancelled", "[kube][http]") {
  Running r;
  REQUIRE(r.server.create("v1", "pods", "default", pod("p")));
  std::string text;
  auto collect = [&text](std::string_view t) {
    text += t;
    return true;
  };
  auto early = kray::kube::read_log(*r.client, *r.transport, "default", "p", {}, collect);
  REQUIRE_FALSE(early);
  CHECK(early.error().message.find("is waiting to start") != std::string::npos);
  auto missing = kray::kube::read_log(*r.client, *r.transport, "default", "nope", {}, collect);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);

  r.server.append_log("default", "p", "main", "line 1");
  r.server.append_log("default", "p", "main", "line 2");
  kray::kube::LogOptions o;
  o.tail_lines = 1;
  REQUIRE(kray::kube::read_log(*r.client, *r.transport, "default", "p", o, collect));
  CHECK(text == "line 2\n");

  text.clear();
  o = {};
  o.follow = true;
  o.container = "main";
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    r.server.append_log("default", "p", "main", "line 3");
    r.server.end_log("default", "p", "main");
  });
  REQUIRE(kray::kube::read_log(*r.client, *r.transport, "default", "p", o, collect));
  writer.join();
  CHECK(text == "line 1\nline 2\nline 3\n");

  // A follow of a container still running ends when cancelled.
  REQUIRE(r.server.create("v1", "pods", "default", pod("q")));
  r.server.append_log("default", "q", "main", "hello");
  std::atomic<bool> cancel{false};
  text.clear();
  const auto start = std::chrono::steady_clock::now();
  auto followed = kray::kube::read_log(
      *r.client, *r.transport, "default", "q", o,
      [&](std::string_view t) {
        text += t;
        cancel = true;  // seen: stop (within about a second, by the transport)
        return true;
      },
      &cancel);
  REQUIRE(followed);
  CHECK(text == "hello\n");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("kube::proxy: the service's answer, or why the API server refused", "[kube][http]") {
  Running r;
  auto none = kray::kube::proxy(*r.client, "GET", "default", "head", "dashboard", "/api/version");
  REQUIRE_FALSE(none);
  CHECK(none.error().to_string().rfind("service default/head:dashboard: ", 0) == 0);
  REQUIRE(r.server.create("v1", "services", "default",
                          {{"apiVersion", "v1"},
                           {"kind", "Service"},
                           {"metadata", {{"name", "head"}}},
                           {"spec", {{"ports", {{{"name", "dashboard"}, {"port", 8265}}}}}}}));
  // What the endpoints controller would write for a Pod that runs there
  // (the Service has no selector: its Endpoints are the test's to write).
  Json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "head-0"}}},
              {"spec", {{"containers", {{{"name", "ray-head"}, {"image", "rayproject/ray"}}}}}}};
  auto made = r.server.create("v1", "pods", "default", pod);
  REQUIRE(made);
  Json running = *made;
  running["status"] = {
      {"phase", "Running"}, {"podIP", "10.244.0.7"}, {"podIPs", {{{"ip", "10.244.0.7"}}}}};
  REQUIRE(r.server.update_status("v1", "pods", "default", running));
  REQUIRE(r.server.create(
      "v1", "endpoints", "default",
      {{"apiVersion", "v1"},
       {"kind", "Endpoints"},
       {"metadata", {{"name", "head"}}},
       {"subsets",
        {{{"addresses",
           {{{"ip", "10.244.0.7"},
             {"targetRef", {{"kind", "Pod"}, {"namespace", "default"}, {"name", "head-0"}}}}}},
          {"ports", {{{"name", "dashboard"}, {"port", 8265}}}}}}}}));
  fakekube::ProxyRequest seen;
  r.server.listen("default", "head-0", 8265, [&](const fakekube::ProxyRequest& req) {
    seen = req;
    return fakekube::ProxyResponse{200, R"({"job_id":"raysubmit_1"})", "application/json"};
  });
  auto posted = kray::kube::proxy(*r.client, "POST", "default", "head", "dashboard", "/api/jobs/",
                                  R"({"entrypoint":"python x.py"})");
  REQUIRE(posted);
  CHECK(Json::parse(posted->body)["job_id"] == "raysubmit_1");
  CHECK(seen.method == "POST");
  CHECK(seen.path == "/api/jobs");
  CHECK(seen.body == R"({"entrypoint":"python x.py"})");
  auto put = kray::kube::proxy(*r.client, "PUT", "default", "head", "dashboard",
                               "api/serve/applications/", "{}");
  REQUIRE(put);
  CHECK(seen.method == "PUT");
  CHECK(seen.path == "/api/serve/applications");
}

TEST_CASE("kube::events_of: one object's events, oldest first", "[kube][http]") {
  Running r;
  auto event = [](const std::string& name, const std::string& about, const std::string& kind,
                  const std::string& when) {
    return Json{{"apiVersion", "v1"},
                {"kind", "Event"},
                {"metadata", {{"name", name}}},
                {"involvedObject", {{"kind", kind}, {"name", about}, {"namespace", "default"}}},
                {"reason", name},
                {"lastTimestamp", when}};
  };
  REQUIRE(r.server.create("v1", "events", "default",
                          event("late", "rc", "RayCluster", "2026-11-26T10:00:05Z")));
  REQUIRE(r.server.create("v1", "events", "default",
                          event("early", "rc", "RayCluster", "2026-11-26T10:00:01Z")));
  REQUIRE(r.server.create("v1", "events", "default",
                          event("other", "rc", "RayJob", "2026-11-26T10:00:02Z")));
  auto events = kray::kube::events_of(*r.client, "default", "RayCluster", "rc");
  REQUIRE(events);
  REQUIRE(events->size() == 2);
  CHECK((*events)[0]["reason"] == "early");
  CHECK((*events)[1]["reason"] == "late");
}
