// SPDX-License-Identifier: Apache-2.0
// The transport, client and reflector against a hostile server (issue 14):
// what it may send is bounded (sizes after gzip, JSON depth, watch lines,
// pages), how long it may keep us is bounded (Retry-After, slow bodies and
// headers, the command's deadline), and what it learns of us is not more
// than it should (the Host header, the proxy, userinfo).
#include <krayctl/app/status/status.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/kubeconfig.hpp>
#include <krayctl/kube/transport.hpp>
#include <krayctl/kube/watch.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakes.hpp"
#include "hostile_server.hpp"

#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

using kray::ErrorCode;
using kray::kube::Client;
using kray::kube::Connection;
using kray::kube::HttpRequest;
using kray::test::HostileServer;
using Clock = std::chrono::steady_clock;

namespace {

Connection connection_to(const HostileServer& s) {
  Connection c;
  c.server = s.url();
  c.user_agent = "krayctl/test";
  return c;
}

// A clock that records the waits of clients and reflectors instead of
// sleeping; its time moves by what they sleep.
struct Recorded {
  kray::io::FakeClock clock;
  std::vector<std::chrono::milliseconds> sleeps() const { return clock.sleeps(); }
};

std::string path_of(const std::string& request) {
  const auto sp = request.find(' ');
  return request.substr(sp + 1, request.find(' ', sp + 1) - sp - 1);
}

// `levels` arrays inside each other.
std::string nested(std::size_t levels) {
  return std::string(levels, '[') + std::string(levels, ']');
}

std::string list_of(const std::string& kind, const std::string& items, const std::string& meta) {
  return R"({"kind":")" + kind + R"(List","apiVersion":"ray.io/v1","metadata":)" + meta +
         R"(,"items":[)" + items + "]}";
}

std::string raycluster_with_status(const std::string& status) {
  return R"({"metadata":{"name":"rc","namespace":"default","resourceVersion":"1","uid":"u"},"status":)" +
         status + "}";
}

// A watchdog: sets `flag` after `after` unless destroyed first, so that a
// test of something that used to hang ends even without the fix.
struct Watchdog {
  std::atomic<bool>& flag;
  std::atomic<bool> done{false};
  std::thread t;
  Watchdog(std::atomic<bool>& f, std::chrono::seconds after) : flag(f) {
    t = std::thread([this, after] {
      const auto until = Clock::now() + after;
      while (!done && Clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      flag = true;
    });
  }
  ~Watchdog() {
    done = true;
    t.join();
  }
};

// An environment variable set for one scope.
struct ScopedEnv {
  std::string name;
  std::optional<std::string> old;
  ScopedEnv(const char* n, const std::string& value) : name(n) {
    if (const char* v = std::getenv(n)) {
      old = v;
    }
    ::setenv(n, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old) {
      ::setenv(name.c_str(), old->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
};

// A kubeconfig in memory that points status at `server`.
struct StatusFixture {
  kray::test::FakeDeps d;
  explicit StatusFixture(const HostileServer& server) {
    d.fs.with_file("/k/config", "clusters:\n- name: h\n  cluster:\n    server: " + server.url() +
                                    "\nusers:\n- name: u\n  user: {}\n"
                                    "contexts:\n- name: h\n  context: {cluster: h, user: u}\n"
                                    "current-context: h\n");
  }
  kray::Result<void> status(const std::string& output = "table",
                            bool watch = false,
                            std::vector<std::string> targets = {}) {
    kray::app::StatusOptions s;
    s.kubeconfig.kubeconfig = "/k/config";
    s.output = output;
    s.watch = watch;
    s.watch_for = std::chrono::milliseconds(watch ? 20'000 : 0);
    s.targets = std::move(targets);
    return kray::app::run_status(s, d.deps);
  }
};

}  // namespace

// Finding 2: a .status nested 200,000 levels (about 400 KB) crashed
// status, status -o json and status --watch with a stack overflow.
TEST_CASE("kube hostile: JSON nested past 500 levels is refused, never a crash",
          "[kube][hostile][http]") {
  const std::string deep = raycluster_with_status(R"({"x":)" + nested(200'000) + "}");
  HostileServer server([&](HostileServer& s, int fd, const std::string& request) {
    const std::string path = path_of(request);
    std::string body = list_of("X", "", R"({"resourceVersion":"5"})");
    if (path.find("watch=true") != std::string::npos) {
      body = R"({"type":"ADDED","object":)" + deep + "}\n";
    } else if (path.find("/rayclusters/rc") != std::string::npos) {
      body = deep;
    } else if (path.find("/rayclusters") != std::string::npos &&
               path.find("labelSelector=shallow") == std::string::npos) {
      body = list_of("RayCluster", deep, "{}");
    }
    return s.write(fd, HostileServer::response(200, body));
  });
  SECTION("the client") {
    auto t = kray::kube::make_curl_transport(connection_to(server));
    Recorded rec;
    Client c(*t, rec.clock, nullptr);
    auto got = c.get("/apis/ray.io/v1/namespaces/default/rayclusters/rc");
    REQUIRE_FALSE(got);
    CHECK(got.error().code == ErrorCode::bad_answer);
    CHECK(got.error().message.find("deeper than 500 levels") != std::string::npos);
    CHECK(rec.sleeps().empty());  // not tried again
    // 500 levels are fine.
    auto ok = kray::kube::parse_server_json(nested(500), "x");
    CHECK(ok);
    CHECK_FALSE(kray::kube::parse_server_json(nested(501), "x"));
    // Brackets inside strings do not count.
    CHECK(kray::kube::parse_server_json("[\"" + std::string(1000, '[') + "\\\"\"]", "x"));
  }
  SECTION("status, status -o json, status KIND/NAME") {
    StatusFixture f(server);
    for (const char* output : {"table", "json"}) {
      auto r = f.status(output);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == ErrorCode::bad_answer);
    }
    auto one = f.status("json", false, {"raycluster/rc"});
    REQUIRE_FALSE(one);
    CHECK(one.error().code == ErrorCode::bad_answer);
  }
  SECTION("status --watch: in a list, and in a watch event") {
    StatusFixture f(server);
    auto r = f.status("table", true);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::bad_answer);
    // The event: the list is fine, the watch sends the deep object.
    auto t = kray::kube::make_curl_transport(connection_to(server));
    Recorded rec;
    Client c(*t, rec.clock, nullptr);
    kray::kube::ReflectorOptions o;
    o.path = "/apis/ray.io/v1/rayclusters";
    o.query = "labelSelector=shallow";
    kray::kube::Reflector reflector(c, *t, o, rec.clock);
    std::atomic<bool> stop{false};
    Watchdog dog(stop, std::chrono::seconds(20));
    auto ran = reflector.run([](const kray::kube::WatchEvent&) {}, nullptr, stop);
    REQUIRE_FALSE(ran);
    CHECK(ran.error().code == ErrorCode::bad_answer);
  }
}

// Finding 3: no limit on a body (2 GiB drove the process to 8.2 GB), nor
// on what a gzip body decodes to (1 MB became 1 GiB).
TEST_CASE("kube hostile: bodies are capped after decoding, errors too", "[kube][hostile][http]") {
  // 64 MiB of spaces, deflated to about 64 KB.
  const std::string plain(64u << 20, ' ');
  uLongf packed_size = compressBound(static_cast<uLong>(plain.size()));
  std::string packed(packed_size, '\0');
  REQUIRE(compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size,
                    reinterpret_cast<const Bytef*>(plain.data()), static_cast<uLong>(plain.size()),
                    9) == Z_OK);
  packed.resize(packed_size);
  REQUIRE(packed.size() < (1u << 20));
  HostileServer server([&](HostileServer& s, int fd, const std::string& request) {
    const std::string path = path_of(request);
    if (path == "/big") {
      s.write(fd, HostileServer::response(200, std::string(20u << 20, ' ')));
    } else if (path == "/bomb") {
      s.write(fd, HostileServer::response(200, packed, "Content-Encoding: deflate\r\n"));
    } else if (path == "/error") {
      s.write(fd, HostileServer::response(500, std::string(5u << 20, 'e'), "", "text/html"));
    } else {
      s.write(fd, HostileServer::response(200, "{}"));
    }
    return false;
  });
  auto t = kray::kube::make_curl_transport(connection_to(server));
  Recorded rec;
  Client c(*t, rec.clock, nullptr);
  for (const char* path : {"/big", "/bomb"}) {
    INFO(path);
    auto got = c.get(path);
    REQUIRE_FALSE(got);
    CHECK(got.error().code == ErrorCode::bad_answer);
    CHECK(got.error().message.find("larger than 16 MiB, krayctl's limit for one object") !=
          std::string::npos);
  }
  auto error = c.get("/error");
  REQUIRE_FALSE(error);
  CHECK(error.error().code == ErrorCode::bad_answer);
  CHECK(error.error().message.find(
            "larger than 1 MiB, krayctl's limit for an error (status 500)") != std::string::npos);
  CHECK(rec.sleeps().empty());  // none of it tried again
  // A page of a list may be larger than one object.
  HttpRequest page;
  page.path = "/big";
  page.max_body = kray::kube::k_max_page_bytes;
  auto big_page = t->send(page);
  REQUIRE(big_page);
  CHECK(big_page->body.size() == (20u << 20));
}

// Finding 4: Retry-After: 999999 slept past --timeout; a slow body kept a
// request 60 s per attempt, retried, and the trace said "200 in 60002 ms".
TEST_CASE("kube hostile: Retry-After is clamped and no wait passes the deadline",
          "[kube][hostile][http]") {
  HostileServer server([](HostileServer& s, int fd, const std::string&) {
    return s.write(fd, HostileServer::response(503, "{}", "Retry-After: 999999\r\n"));
  });
  auto t = kray::kube::make_curl_transport(connection_to(server));
  SECTION("clamped to the policy's cap") {
    Recorded rec;
    Client c(*t, rec.clock, nullptr);
    HttpRequest r;
    r.path = "/api/v1/pods";
    r.timeout = std::chrono::milliseconds(0);  // no budget: only the clamp applies
    auto got = c.call(r);
    REQUIRE_FALSE(got);
    REQUIRE(rec.sleeps().size() == 5);
    for (const auto& d : rec.sleeps()) {
      CHECK(d <= std::chrono::milliseconds(15'000));  // the 10 s cap and its jitter
    }
  }
  SECTION("the command's deadline ends the waits") {
    Client c(*t, kray::io::system_clock(), nullptr, kray::kube::RetryPolicy{100});
    c.set_deadline(Clock::now() + std::chrono::seconds(2));
    const auto started = Clock::now();
    auto got = c.get("/api/v1/pods");
    REQUIRE_FALSE(got);
    CHECK(got.error().code == ErrorCode::timeout);
    CHECK(got.error().message.find("--timeout") != std::string::npos);
    CHECK(Clock::now() - started < std::chrono::seconds(15));
  }
}

TEST_CASE("kube hostile: a slow body ends at the deadline and the trace says why",
          "[kube][hostile][http]") {
  HostileServer server([](HostileServer& s, int fd, const std::string&) {
    // Headers, then one byte every half second: fast enough for a
    // low-speed limit of 1 byte/s, never done.
    if (!s.write(fd,
                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                 "100000\r\n\r\n")) {
      return false;
    }
    while (s.write(fd, " ")) {
      s.nap(std::chrono::milliseconds(500));
    }
    return false;
  });
  Connection conn = connection_to(server);
  std::vector<std::string> trace;
  std::mutex mu;
  conn.trace = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(mu);
    trace.push_back(line);
  };
  conn.trace_level = 1;
  auto t = kray::kube::make_curl_transport(conn);
  Client c(*t, kray::io::system_clock(), nullptr);
  c.set_deadline(Clock::now() + std::chrono::seconds(2));
  const auto started = Clock::now();
  auto got = c.get("/api/v1/pods");
  REQUIRE_FALSE(got);
  CHECK(Clock::now() - started < std::chrono::seconds(20));
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE_FALSE(trace.empty());
  INFO(trace.front());
  CHECK(trace.front().find("failed after") != std::string::npos);
  CHECK(trace.front().find("200 in") == std::string::npos);
}

TEST_CASE("kube hostile: a server that stalls or trickles headers is dropped",
          "[kube][hostile][http]") {
  HostileServer server([](HostileServer& s, int fd, const std::string&) {
    s.write(fd, "HTTP/1.1 200 OK\r\n");
    while (s.write(fd, "X-Slow: 1\r\n")) {
      s.nap(std::chrono::milliseconds(300));
    }
    return false;
  });
  Connection conn = connection_to(server);
  conn.stall_timeout = std::chrono::seconds(1);
  auto t = kray::kube::make_curl_transport(conn);
  SECTION("a stream, which has no timeout of its own") {
    HttpRequest r;
    r.path = "/api/v1/pods?watch=true";
    r.timeout = std::chrono::milliseconds(0);
    std::atomic<bool> cancel{false};
    r.cancel = &cancel;
    Watchdog dog(cancel, std::chrono::seconds(20));
    kray::kube::HttpResponse head;
    auto streamed = t->stream(r, head, [](std::string_view) { return true; });
    REQUIRE_FALSE(streamed);
    CHECK(streamed.error().message.find("headers were still arriving") != std::string::npos);
    CHECK_FALSE(cancel.load());  // ended by the transport, not the watchdog
  }
}

// Finding 5: a stream without newlines was buffered without limit and
// scanned from its start on every piece.
TEST_CASE("kube hostile: a watch line past the limit fails the watch with a message",
          "[kube][hostile][http][watch]") {
  HostileServer server([](HostileServer& s, int fd, const std::string& request) {
    if (path_of(request).find("watch=true") == std::string::npos) {
      return s.write(fd, HostileServer::response(
                             200, list_of("RayCluster", "", R"({"resourceVersion":"5"})")));
    }
    s.write(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n");
    const std::string piece(100, 'x');
    while (s.write(fd, piece)) {
    }
    return false;
  });
  auto t = kray::kube::make_curl_transport(connection_to(server));
  Recorded rec;
  Client c(*t, rec.clock, nullptr);
  kray::kube::ReflectorOptions o;
  o.path = "/apis/ray.io/v1/rayclusters";
  o.max_line_bytes = 1u << 20;
  kray::kube::Reflector reflector(c, *t, o, rec.clock);
  std::atomic<bool> stop{false};
  Watchdog dog(stop, std::chrono::seconds(30));
  auto ran = reflector.run([](const kray::kube::WatchEvent&) {}, nullptr, stop);
  REQUIRE_FALSE(ran);
  CHECK(ran.error().code == ErrorCode::bad_answer);
  CHECK(ran.error().message.find("watch event longer than 1 MiB") != std::string::npos);
  CHECK(reflector.counts().watches == 1);  // not watched again
}

// Finding 6: the same continue token forever (4,173 requests, 439 MB in 30 s).
TEST_CASE("kube hostile: a list that never ends is stopped", "[kube][hostile][http]") {
  std::atomic<int> page{0};
  HostileServer server([&](HostileServer& s, int fd, const std::string& request) {
    const std::string path = path_of(request);
    const std::string item = R"({"metadata":{"name":"p)" + std::to_string(page) + R"("}})";
    std::string token = "same";
    if (path.find("/fresh") != std::string::npos) {
      token = "t" + std::to_string(page);
    }
    ++page;
    const bool items = path.find("/many") != std::string::npos;
    return s.write(fd, HostileServer::response(200, list_of("Pod", items ? item + "," + item : "",
                                                            R"({"continue":")" + token + R"("})")));
  });
  auto t = kray::kube::make_curl_transport(connection_to(server));
  Recorded rec;
  Client c(*t, rec.clock, nullptr);
  auto same = kray::kube::list_all(c, "/api/v1/pods");
  REQUIRE_FALSE(same);
  CHECK(same.error().code == ErrorCode::bad_answer);
  CHECK(same.error().message.find("same continue token twice") != std::string::npos);
  CHECK(server.requests().size() == 2);
  kray::kube::ListLimits limits;
  limits.max_pages = 20;
  auto pages = kray::kube::list_all(c, "/api/v1/fresh", limits);
  REQUIRE_FALSE(pages);
  CHECK(pages.error().message.find("did not end the list in 20 pages") != std::string::npos);
  limits.max_items = 7;
  auto items = kray::kube::list_all(c, "/api/v1/many/fresh", limits);
  REQUIRE_FALSE(items);
  CHECK(items.error().message.find("more than 7 items") != std::string::npos);
  // status itself stops.
  StatusFixture f(server);
  auto r = f.status();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::bad_answer);
}

// Finding 8: a failed TLS handshake was tried six times (10 s).
TEST_CASE("kube hostile: a TLS handshake that fails is not tried again", "[kube][hostile][http]") {
  // Bytes that are not TLS, sent as soon as a client connects.
  HostileServer server(
      [](HostileServer& s, int fd, const std::string&) {
        s.write(fd, "HTTP/1.1 400 not TLS\r\n\r\n");
        s.nap(std::chrono::milliseconds(200));
        return false;
      },
      HostileServer::Answer::at_once);
  Connection conn = connection_to(server);
  conn.server = "https://127.0.0.1:" + std::to_string(server.port());
  auto t = kray::kube::make_curl_transport(conn);
  Recorded rec;
  Client c(*t, rec.clock, nullptr);
  HttpRequest r;
  r.path = "/version";
  r.timeout = std::chrono::seconds(5);
  auto got = c.call(r);
  REQUIRE_FALSE(got);
  CHECK(rec.sleeps().empty());
  CHECK(got.error().code == ErrorCode::unreachable);
}

// Finding 10: `server: https://admin:PASSWORD@host` printed the password.
TEST_CASE("kube hostile: userinfo in a server URL is refused and never printed", "[kube]") {
  auto config = kray::kube::parse_kubeconfig(
      "/k/config",
      "clusters:\n- name: c\n  cluster:\n    server: https://admin:s3cr3tPW@127.0.0.1:1\n"
      "users:\n- name: u\n  user: {token: t}\n"
      "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n");
  REQUIRE(config);
  auto resolved = kray::kube::resolve(*config, {});
  REQUIRE_FALSE(resolved);
  CHECK(resolved.error().code == ErrorCode::config);
  CHECK(resolved.error().message.find("user name or password") != std::string::npos);
  CHECK(resolved.error().to_string().find("s3cr3tPW") == std::string::npos);
  CHECK(resolved.error().to_string().find("admin") == std::string::npos);
  CHECK(kray::kube::without_userinfo("https://a:b@h:1/p@x") == "https://h:1/p@x");
  CHECK_FALSE(kray::kube::has_userinfo("https://h:1/p@x"));
  // Nor by the transport, should a Connection be made by hand.
  Connection conn;
  conn.server = "http://admin:s3cr3tPW@127.0.0.1:1";
  std::vector<std::string> trace;
  conn.trace = [&](const std::string& line) { trace.push_back(line); };
  conn.trace_level = 3;
  auto t = kray::kube::make_curl_transport(conn);
  HttpRequest r;
  r.path = "/version";
  auto got = t->send(r);
  REQUIRE_FALSE(got);
  CHECK(got.error().message.find("s3cr3tPW") == std::string::npos);
  for (const auto& line : trace) {
    CHECK(line.find("s3cr3tPW") == std::string::npos);
  }
}

// Finding 12: tls-server-name sent `Host:` with the override name.
TEST_CASE("kube hostile: tls-server-name leaves the Host header the server's",
          "[kube][hostile][http]") {
  HostileServer server([](HostileServer& s, int fd, const std::string&) {
    return s.write(fd, HostileServer::response(200, "{}"));
  });
  Connection conn = connection_to(server);
  conn.tls_server_name = "api.example.test";
  auto t = kray::kube::make_curl_transport(conn);
  HttpRequest r;
  r.path = "/version";
  REQUIRE(t->send(r));
  REQUIRE(server.requests().size() == 1);
  const std::string head = server.requests().front();
  INFO(head);
  CHECK(head.find("\r\nHost: 127.0.0.1:" + std::to_string(server.port()) + "\r\n") !=
        std::string::npos);
  CHECK(head.find("api.example.test") == std::string::npos);
}

// Finding 12: NO_PROXY overrode the kubeconfig's proxy-url, and ALL_PROXY
// was used; client-go does neither.
TEST_CASE("kube hostile: proxies are chosen as client-go chooses them", "[kube][hostile][http]") {
  auto env = [](std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  };
  using kray::kube::proxy_url_for;
  const auto e = env({{"HTTPS_PROXY", "http://p:3128"},
                      {"http_proxy", "http://plain:80"},
                      {"NO_PROXY", "skip.example, .sub.example,10.0.0.0/8,host.example:6443"},
                      {"ALL_PROXY", "socks5://all:1080"}});
  CHECK(proxy_url_for("https://api.example:6443", "", e) == "http://p:3128");
  CHECK(proxy_url_for("http://api.example:80", "", e) == "http://plain:80");
  CHECK(proxy_url_for("https://skip.example", "", e).empty());
  CHECK(proxy_url_for("https://a.skip.example", "", e).empty());
  CHECK(proxy_url_for("https://sub.example", "", e) == "http://p:3128");  // ".d": subdomains only
  CHECK(proxy_url_for("https://x.sub.example", "", e).empty());
  CHECK(proxy_url_for("https://10.1.2.3:6443", "", e).empty());
  CHECK(proxy_url_for("https://host.example:6443", "", e).empty());
  CHECK(proxy_url_for("https://host.example:443", "", e) == "http://p:3128");
  CHECK(proxy_url_for("https://127.0.0.1:6443", "", e).empty());  // loopback: never
  CHECK(proxy_url_for("https://localhost:6443", "", e).empty());
  CHECK(proxy_url_for("https://skip.example", "http://mine:1", e) == "http://mine:1");
  CHECK(proxy_url_for("https://api.example", "", env({{"ALL_PROXY", "http://all:1"}})).empty());

  // Through libcurl: the kubeconfig's proxy-url wins over NO_PROXY ...
  HostileServer proxy([](HostileServer& s, int fd, const std::string&) {
    return s.write(fd, HostileServer::response(200, "{}"));
  });
  {
    ScopedEnv no_proxy("NO_PROXY", "*");
    ScopedEnv lower("no_proxy", "*");
    Connection conn;
    conn.server = "http://10.255.255.1:6443";
    conn.proxy_url = proxy.url();
    auto t = kray::kube::make_curl_transport(conn);
    HttpRequest r;
    r.path = "/version";
    r.timeout = std::chrono::seconds(5);
    auto got = t->send(r);
    REQUIRE(got);
    REQUIRE(proxy.requests().size() == 1);
    CHECK(proxy.requests().front().rfind("GET http://10.255.255.1:6443/version", 0) == 0);
  }
  // ... and ALL_PROXY is not used.
  HostileServer server([](HostileServer& s, int fd, const std::string&) {
    return s.write(fd, HostileServer::response(200, "{}"));
  });
  {
    ScopedEnv all("ALL_PROXY", proxy.url());
    ScopedEnv lower("all_proxy", proxy.url());
    auto t = kray::kube::make_curl_transport(connection_to(server));
    HttpRequest r;
    r.path = "/version";
    r.timeout = std::chrono::seconds(5);
    REQUIRE(t->send(r));
    CHECK(server.requests().size() == 1);
    CHECK(proxy.requests().size() == 1);
  }
}
