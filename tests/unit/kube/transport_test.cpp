// SPDX-License-Identifier: Apache-2.0
// krayctl's libcurl transport and client against the simulated API server
// (tests/support/fakekube), over real TLS on 127.0.0.1: authentication,
// TLS checks, error messages, retries and warnings.
#include <krayctl/io/clock.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/transport.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakekube/server.hpp"

#include <chrono>
#include <thread>
#include <vector>

using kray::ErrorCode;
using kray::kube::Client;
using kray::kube::Connection;
using kray::kube::HttpRequest;

namespace {

struct Running {
  fakekube::ApiServer server;
  explicit Running(fakekube::ServerOptions o = {}) : server(o) { server.start(); }

  Connection connection(const std::string& identity) const {
    Connection c;
    c.server = server.url();
    c.ca_pem = server.ca_pem();
    const auto& id = server.identity(identity);
    if (id.token.empty()) {
      c.client_cert_pem = id.client_cert.cert_pem;
      c.client_key_pem = id.client_cert.key_pem;
    } else {
      const std::string token = id.token;
      c.token = [token]() -> kray::Result<std::string> { return token; };
    }
    c.user_agent = "krayctl/test (linux/amd64) krayctl/0";
    return c;
  }
};

// A client's clock, which records its waits instead of sleeping (its time
// moves by what is slept), and the client's warnings.
struct Recorder {
  kray::io::FakeClock clock;
  std::vector<std::string> warnings;
  std::vector<std::chrono::milliseconds> sleeps() const { return clock.sleeps(); }
  Client::Warn warn() {
    return [this](const std::string& w) { warnings.push_back(w); };
  }
};

HttpRequest request(const std::string& method,
                    const std::string& path,
                    const std::string& body = "",
                    const std::string& content_type = "application/json") {
  HttpRequest r;
  r.method = method;
  r.path = path;
  r.body = body;
  r.content_type = content_type;
  return r;
}

const char* const k_pod = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
  "spec":{"containers":[{"name":"c","image":"busybox"}]}})";

}  // namespace

TEST_CASE("kube transport: certificate and token users over verified TLS", "[kube][http]") {
  Running r;
  Recorder rec;
  for (const char* identity : {"admin", "token"}) {
    auto t = kray::kube::make_curl_transport(r.connection(identity));
    Client c(*t, rec.clock, rec.warn());
    auto version = c.get("/version");
    INFO(identity << ": " << (version ? "" : version.error().to_string()));
    REQUIRE(version);
    CHECK((*version)["major"] == "1");
  }
  const auto seen = r.server.requests();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].user == "fakekube-admin");
  CHECK(seen[1].user == "ci-bot");
  CHECK(seen[0].user_agent == "krayctl/test (linux/amd64) krayctl/0");
  CHECK(seen[0].accept == "application/json");
}

TEST_CASE("kube transport: TLS refusals name the server and the cause", "[kube][http]") {
  Running r;
  Recorder rec;
  SECTION("a CA that did not sign the server") {
    fakekube::Pki other;
    Connection conn = r.connection("admin");
    conn.ca_pem = other.ca_pem();
    auto t = kray::kube::make_curl_transport(conn);
    auto v = Client(*t, rec.clock, rec.warn()).get("/version");
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::unreachable);
    CHECK(rec.sleeps().empty());  // not tried again: it would fail the same way
    CHECK(v.error().message.rfind("cannot trust the API server at " + r.server.url() + ": ", 0) ==
          0);
  }
  SECTION("tls-server-name: a name on the certificate works, another fails the name check") {
    Connection conn = r.connection("admin");
    conn.tls_server_name = "kubernetes.default.svc";
    auto t = kray::kube::make_curl_transport(conn);
    CHECK(Client(*t, rec.clock, rec.warn()).get("/version"));
    conn.tls_server_name = "other.example";
    auto t2 = kray::kube::make_curl_transport(conn);
    auto v = Client(*t2, rec.clock, rec.warn()).get("/version");
    REQUIRE_FALSE(v);
    INFO(v.error().message);
    CHECK(v.error().message.find("other.example") != std::string::npos);
  }
  SECTION("an expired server certificate") {
    fakekube::ServerOptions o;
    o.expired_server_cert = true;
    Running expired(o);
    auto t = kray::kube::make_curl_transport(expired.connection("admin"));
    auto v = Client(*t, rec.clock, rec.warn()).get("/version");
    REQUIRE_FALSE(v);
    CHECK(v.error().message.find("expired") != std::string::npos);
  }
  SECTION("insecure-skip-tls-verify connects without the CA") {
    Connection conn = r.connection("admin");
    conn.ca_pem.clear();
    conn.insecure_skip_tls_verify = true;
    auto t = kray::kube::make_curl_transport(conn);
    CHECK(Client(*t, rec.clock, rec.warn()).get("/version"));
  }
  SECTION("nothing listening") {
    Connection conn = r.connection("admin");
    conn.server = "https://127.0.0.1:1";
    auto t = kray::kube::make_curl_transport(conn);
    auto v = Client(*t, rec.clock, rec.warn(), {0, {}, {}}).get("/version");
    REQUIRE_FALSE(v);
    CHECK(v.error().message.rfind("cannot connect to the API server at https://127.0.0.1:1", 0) ==
          0);
  }
}

TEST_CASE("kube client: API errors become one message with their cause", "[kube][http]") {
  Running r;
  Recorder rec;
  auto admin = kray::kube::make_curl_transport(r.connection("admin"));
  Client c(*admin, rec.clock, rec.warn());
  SECTION("401, and a refreshed token tried once more") {
    Connection conn = r.connection("token");
    std::string current = "stale";
    int refreshed = 0;
    conn.token = [&current]() -> kray::Result<std::string> { return current; };
    conn.refresh = [&] {
      ++refreshed;
      current = r.server.identity("token").token;  // the exec plugin's new output
      return true;
    };
    auto t = kray::kube::make_curl_transport(conn);
    CHECK(Client(*t, rec.clock, rec.warn()).get("/api/v1/namespaces/default/pods"));
    CHECK(refreshed == 1);
    conn.refresh = [] { return false; };
    current = "wrong";
    auto t2 = kray::kube::make_curl_transport(conn);
    auto v = Client(*t2, rec.clock, rec.warn()).get("/api/v1/namespaces/default/pods");
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::unauthorized);
    CHECK(v.error().message == "the API server rejected the credentials (401 Unauthorized)");
    CHECK(v.error().message.find("wrong") == std::string::npos);  // never the secret
  }
  SECTION("403 in RBAC's words") {
    auto t = kray::kube::make_curl_transport(r.connection("viewer"));
    auto v = Client(*t, rec.clock, rec.warn())
                 .call(request("POST", "/api/v1/namespaces/default/pods", k_pod));
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::forbidden);
    CHECK(v.error().message ==
          "pods is forbidden: User \"viewer\" cannot create resource \"pods\" in API group \"\" in "
          "the namespace \"default\" (403 Forbidden)");
  }
  SECTION("404: an object, and the KubeRay CRDs missing") {
    auto v = c.get("/apis/ray.io/v1/namespaces/default/rayclusters/x");
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::not_found);
    CHECK(v.error().message == "rayclusters.ray.io \"x\" not found (404 NotFound)");
    fakekube::ServerOptions o;
    o.kuberay_crds = false;
    Running bare(o);
    auto t = kray::kube::make_curl_transport(bare.connection("admin"));
    auto missing =
        Client(*t, rec.clock, rec.warn()).get("/apis/ray.io/v1/namespaces/default/rayclusters/x");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::not_installed);
    // kube/ knows no operator: its own words unless the application gives its own.
    CHECK(missing.error().message ==
          "the API server does not serve rayclusters in ray.io/v1 (a CRD or an API that is not "
          "installed)");
    Client worded(*t, rec.clock, rec.warn());
    worded.set_missing_api_words(
        [](const std::string& gv, const std::string& resource) -> std::optional<std::string> {
          return "no " + resource + " in " + gv + ": install its operator";
        });
    auto explained = worded.get("/apis/ray.io/v1/namespaces/default/rayjobs/x");
    REQUIRE_FALSE(explained);
    CHECK(explained.error().code == ErrorCode::not_installed);
    CHECK(explained.error().message == "no rayjobs in ray.io/v1: install its operator");
    // Discovery decided, once for the run.
    Client once(*t, rec.clock, rec.warn());
    bare.server.clear_requests();
    for (const char* p : {"/apis/ray.io/v1/namespaces/default/rayjobs/a",
                          "/apis/ray.io/v1/rayservices", "/api/v1/namespaces/default/pods/nope"}) {
      auto gone = once.get(p);
      REQUIRE_FALSE(gone);
      CHECK(gone.error().code == (std::string(p).rfind("/apis/ray.io/", 0) == 0
                                      ? ErrorCode::not_installed
                                      : ErrorCode::not_found));
    }
    CHECK(once.get("/api/v1/namespaces/default/pods/nope").error().message ==
          "pods \"nope\" not found (404 NotFound)");
    int discovery = 0;
    for (const auto& req : bare.server.requests()) {
      discovery += req.path == "/apis/ray.io/v1" || req.path == "/api/v1" ? 1 : 0;
    }
    CHECK(discovery == 2);
    auto served = once.serves("ray.io/v1", "rayclusters");
    REQUIRE(served);
    CHECK_FALSE(*served);
    served = c.serves("ray.io/v1", "rayclusters");
    REQUIRE(served);
    CHECK(*served);
  }
  SECTION("422 lists every cause with its field; 409 keeps the server's words") {
    auto v = c.call(request("POST", "/api/v1/namespaces/default/pods",
                            R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"Bad_Name"}})"));
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::invalid_spec);
    CHECK(v.error().message.find("\n  metadata.name: Invalid value: \"Bad_Name\"") !=
          std::string::npos);
    REQUIRE(c.call(request("POST", "/api/v1/namespaces/default/pods", k_pod)));
    auto again = c.call(request("POST", "/api/v1/namespaces/default/pods", k_pod));
    REQUIRE_FALSE(again);
    CHECK(again.error().code == ErrorCode::conflict);
    CHECK(again.error().message == "pods \"p\" already exists (409 AlreadyExists)");
  }
  SECTION("a proxy's HTML page is summarised") {
    r.server.add_fault({"GET", "", 502, -1, true, 1});
    auto v = Client(*admin, rec.clock, rec.warn(), {0, {}, {}}).get("/version");
    REQUIRE_FALSE(v);
    CHECK(v.error().message.rfind("an error on the server (\"<html>", 0) == 0);
  }
}

TEST_CASE("kube client: retries honour Retry-After and never repeat an unsafe write",
          "[kube][http]") {
  Running r;
  Recorder rec;
  auto t = kray::kube::make_curl_transport(r.connection("admin"));
  Client c(*t, rec.clock, rec.warn());
  auto count = [&](const std::string& method) {
    int n = 0;
    for (const auto& q : r.server.requests()) {
      n += q.method == method;
    }
    return n;
  };
  SECTION("429 with Retry-After, twice: the third GET succeeds after waiting") {
    r.server.add_fault({"GET", "/version", 429, 2, false, 2});
    CHECK(c.get("/version"));
    CHECK(c.retries() == 2);
    REQUIRE(rec.sleeps().size() == 2);
    CHECK(rec.sleeps()[0] >= std::chrono::seconds(2));
  }
  SECTION("503 without Retry-After: a GET is retried, a POST is not") {
    r.server.add_fault({"GET", "", 503, -1, false, 1});
    CHECK(c.get("/version"));
    r.server.add_fault({"POST", "", 503, -1, false, 1});
    auto v = c.call(request("POST", "/api/v1/namespaces/default/pods", k_pod));
    REQUIRE_FALSE(v);
    CHECK(count("POST") == 1);
  }
  SECTION("503 with Retry-After: the server did not process it, so a POST is sent again") {
    r.server.add_fault({"POST", "", 503, 1, false, 1});
    CHECK(c.call(request("POST", "/api/v1/namespaces/default/pods", k_pod)));
    CHECK(count("POST") == 2);
  }
  SECTION("the retries are bounded") {
    r.server.add_fault({"GET", "", 500, -1, false, 100});
    auto v = Client(*t, rec.clock, rec.warn(),
                    {3, std::chrono::milliseconds(1), std::chrono::milliseconds(2)})
                 .get("/version");
    REQUIRE_FALSE(v);
    CHECK(count("GET") == 4);
  }
  SECTION("Warning headers are shown once each") {
    r.server.add_warning("ray.io/v1alpha1 is deprecated");
    CHECK(c.get("/version"));
    CHECK(c.get("/version"));
    CHECK(rec.warnings == std::vector<std::string>{"ray.io/v1alpha1 is deprecated"});
  }
}

// A watch stopped by its reader closes its connection; the next request on
// the same handle opens a new one and resumes the TLS session libcurl kept.
// A server that requests client certificates must allow that resumption
// (issue 12, item 2: `delete a b --wait` failed on the second DELETE with
// "tlsv1 alert internal error" from the simulated server).
TEST_CASE("kube transport: a request right after a stopped watch, on one handle", "[kube][http]") {
  Running r;
  Recorder rec;
  for (const char* identity : {"admin", "token"}) {
    INFO(identity);
    auto t = kray::kube::make_curl_transport(r.connection(identity));
    Client c(*t, rec.clock, rec.warn());
    const std::string name = std::string("w-") + identity;
    const std::string path = "/api/v1/namespaces/default/configmaps";
    for (int round = 0; round < 3; ++round) {
      INFO("round " << round);
      auto made = c.call(request(
          "POST", path,
          R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"("}})"));
      REQUIRE(made);
      const auto version =
          nlohmann::json::parse(made->body)["metadata"]["resourceVersion"].get<std::string>();
      HttpRequest watch = request("GET", path + "?watch=true&fieldSelector=metadata.name%3D" +
                                             name + "&resourceVersion=" + version);
      watch.timeout = std::chrono::milliseconds(0);
      kray::kube::HttpResponse head;
      bool deleted = false;
      std::thread remover([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        (void)r.server.remove("v1", "configmaps", "default", name);
      });
      auto streamed = t->stream(watch, head, [&](std::string_view piece) {
        deleted = piece.find("DELETED") != std::string_view::npos;
        return !deleted;  // stop at the event, as delete --wait does
      });
      remover.join();
      CHECK(deleted);
      // A write next, as in delete: a failed handshake is not retried.
      const auto retries = rec.sleeps().size();
      auto next = c.call(request(
          "POST", path,
          R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"(-next"}})"));
      INFO((next ? "" : next.error().to_string()));
      REQUIRE(next);
      CHECK(next->status == 201);
      CHECK(rec.sleeps().size() == retries);
      (void)r.server.remove("v1", "configmaps", "default", name + "-next");
    }
  }
}
