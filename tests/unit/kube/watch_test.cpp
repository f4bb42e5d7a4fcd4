// SPDX-License-Identifier: Apache-2.0
// kube::Reflector: every change once, through dropped watches, 410s (as an
// HTTP status and as an ERROR event), events split across chunks,
// bookmarks, and objects re-created or deleted while disconnected. Against
// a scripted transport (exact sequences) and the simulated API server
// (real TLS, real streams, its faults).
#include <krayctl/io/clock.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/watch.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakekube/server.hpp"
#include "../../support/kube_script.hpp"

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

using kray::Result;
using kray::core::Json;
using kray::kube::Change;
using kray::kube::Client;
using kray::kube::HttpRequest;
using kray::kube::HttpResponse;
using kray::kube::Reflector;
using kray::kube::ReflectorOptions;
using kray::kube::WatchEvent;

namespace {

// Answers from a script: GETs of lists by queue, watches as chunk lists.
class ScriptedTransport final : public kray::kube::Transport {
 public:
  struct Stream {
    long status = 200;
    std::vector<std::string> chunks;  // the body, as it arrives
    bool broken = false;              // ends with a network error
    std::string body;                 // for a non-2xx status
  };
  std::deque<HttpResponse> lists;
  std::deque<Stream> watches;
  std::vector<std::string> paths;
  std::atomic<bool>* stop_when_out = nullptr;

  Result<HttpResponse> send(const HttpRequest& r) override {
    paths.push_back(r.path);
    if (lists.empty()) {
      return kray::make_error(kray::ErrorCode::http, "no more lists scripted");
    }
    HttpResponse out = lists.front();
    lists.pop_front();
    return out;
  }

  Result<void> stream(const HttpRequest& r,
                      HttpResponse& head,
                      const std::function<bool(std::string_view)>& on_data) override {
    paths.push_back(r.path);
    if (watches.empty()) {
      stop_when_out->store(true);
      return {};
    }
    Stream s = watches.front();
    watches.pop_front();
    head.status = s.status;
    if (s.status != 200) {
      head.body = s.body;
      return {};
    }
    for (const auto& c : s.chunks) {
      if (!on_data(c)) {
        return {};
      }
    }
    if (s.broken) {
      return kray::make_error(kray::ErrorCode::http, "connection reset");
    }
    return {};
  }
};

Json object(const std::string& name, const std::string& rv, const std::string& uid = "") {
  return {{"metadata",
           {{"name", name},
            {"namespace", "ml"},
            {"resourceVersion", rv},
            {"uid", uid.empty() ? "uid-" + name : uid}}}};
}

HttpResponse list_of(const std::vector<Json>& items, const std::string& rv) {
  return testing::list_answer(items, rv, "ConfigMapList");
}

std::string describe(const WatchEvent& e) {
  const char* what = e.change == Change::added      ? "added"
                     : e.change == Change::modified ? "modified"
                                                    : "deleted";
  return std::string(what) + " " + e.object["metadata"].value("name", "") + "@" +
         e.object["metadata"].value("resourceVersion", "");
}

struct ScriptRun {
  ScriptedTransport transport;
  std::vector<std::string> seen;
  int syncs = 0;
  std::atomic<bool> stop{false};
  kray::io::FakeClock clock;

  Result<void> run() {
    transport.stop_when_out = &stop;
    Client client(transport, clock, nullptr);
    ReflectorOptions o;
    o.path = "/api/v1/configmaps";
    o.query = "labelSelector=a%3Db";
    Reflector r(client, transport, o, clock);
    return r.run([this](const WatchEvent& e) { seen.push_back(describe(e)); }, [this] { ++syncs; },
                 stop);
  }
};

}  // namespace

TEST_CASE("reflector: list, then events split anywhere, resumes from the last version",
          "[kube][watch]") {
  ScriptRun s;
  s.transport.lists.push_back(list_of({object("a", "5"), object("b", "6")}, "10"));
  const std::string e1 = testing::watch_line("MODIFIED", object("a", "11"));
  const std::string e2 = testing::watch_line("ADDED", object("c", "12"));
  const std::string bookmark = testing::watch_line(
      "BOOKMARK", {{"kind", "ConfigMap"}, {"metadata", {{"resourceVersion", "20"}}}});
  const std::string all = e1 + e2 + bookmark;
  // Chunks cut mid-line, mid-escape, one byte.
  s.transport.watches.push_back(
      {200, {all.substr(0, 7), all.substr(7, 1), all.substr(8, 40), all.substr(48)}, false, ""});
  s.transport.watches.push_back(
      {200, {testing::watch_line("DELETED", object("b", "21"))}, true, ""});
  REQUIRE(s.run());
  CHECK(s.seen == std::vector<std::string>{"added a@5", "added b@6", "modified a@11", "added c@12",
                                           "deleted b@21"});
  CHECK(s.syncs == 1);
  const auto& p = s.transport.paths;
  REQUIRE(p.size() == 4);
  CHECK(p[0] == "/api/v1/configmaps?labelSelector=a%3Db&limit=500");
  CHECK(p[1].find("labelSelector=a%3Db&watch=true&allowWatchBookmarks=true&resourceVersion=10&") !=
        std::string::npos);
  CHECK(p[2].find("resourceVersion=20&") != std::string::npos);  // the bookmark moved it
  CHECK(p[3].find("resourceVersion=21&") != std::string::npos);  // after the broken stream
}

TEST_CASE("reflector: a 410 relists and reports only what changed meanwhile", "[kube][watch]") {
  for (const bool as_event : {true, false}) {
    INFO((as_event ? "ERROR event" : "HTTP status"));
    ScriptRun s;
    s.transport.lists.push_back(
        list_of({object("a", "5"), object("b", "6"), object("d", "7")}, "10"));
    const Json gone = {{"kind", "Status"}, {"code", 410}, {"reason", "Expired"}};
    if (as_event) {
      s.transport.watches.push_back(
          {200,
           {testing::watch_line("MODIFIED", object("a", "11")), testing::watch_line("ERROR", gone)},
           false,
           ""});
    } else {
      s.transport.watches.push_back(
          {200, {testing::watch_line("MODIFIED", object("a", "11"))}, true, ""});
      s.transport.watches.push_back({410, {}, false, gone.dump()});
    }
    // Meanwhile: a unchanged since 11 (no repeat), b modified, d deleted,
    // e added, c re-created under the same name with a new uid.
    s.transport.lists.push_back(list_of(
        {object("a", "11"), object("b", "15"), object("e", "16"), object("d", "17", "uid-d2")},
        "18"));
    s.transport.watches.push_back(
        {200, {testing::watch_line("MODIFIED", object("b", "19"))}, false, ""});
    REQUIRE(s.run());
    CHECK(s.seen == std::vector<std::string>{"added a@5", "added b@6", "added d@7", "modified a@11",
                                             "modified b@15", "added e@16", "deleted d@7",
                                             "added d@17", "modified b@19"});
    CHECK(s.syncs == 2);
    const auto& p = s.transport.paths;
    CHECK(p[p.size() - 2].find("resourceVersion=18&") != std::string::npos);
    CHECK(p.back().find("resourceVersion=19&") != std::string::npos);
  }
}

TEST_CASE("reflector: a deletion missed while away comes as DELETED; 403 ends it",
          "[kube][watch]") {
  ScriptRun s;
  s.transport.lists.push_back(list_of({object("a", "5"), object("b", "6")}, "10"));
  s.transport.watches.push_back({410, {}, false, R"({"kind":"Status","code":410})"});
  s.transport.lists.push_back(list_of({object("a", "5")}, "12"));
  s.transport.watches.push_back(
      {403,
       {},
       false,
       R"({"kind":"Status","code":403,"reason":"Forbidden","message":"configmaps is forbidden: User \"v\" cannot watch resource \"configmaps\""})"});
  auto ran = s.run();
  REQUIRE_FALSE(ran);
  CHECK(ran.error().code == kray::ErrorCode::forbidden);
  CHECK(ran.error().message.find("cannot watch") != std::string::npos);
  CHECK(s.seen == std::vector<std::string>{"added a@5", "added b@6", "deleted b@6"});
}

namespace {

struct Live {
  fakekube::ApiServer server;
  std::mutex mu;
  std::vector<WatchEvent> events;
  std::atomic<bool> stop{false};
  std::thread thread;
  kray::kube::ReflectorCounts counts;
  std::optional<kray::Error> error;

  explicit Live(fakekube::ServerOptions o) : server(o) { server.start(); }

  void start() {
    thread = std::thread([this] {
      const kray::kube::Connection c = testing::admin_connection(server);
      auto transport = kray::kube::make_curl_transport(c);
      Client client(*transport, kray::io::system_clock(), nullptr);
      ReflectorOptions o;
      o.path = "/api/v1/namespaces/default/configmaps";
      o.backoff = std::chrono::milliseconds(20);
      Reflector r(client, *transport, o, kray::io::system_clock());
      auto ran = r.run(
          [this](const WatchEvent& e) {
            std::lock_guard<std::mutex> lock(mu);
            events.push_back(e);
          },
          nullptr, stop);
      std::lock_guard<std::mutex> lock(mu);
      counts = r.counts();
      if (!ran) {
        error = ran.error();
      }
    });
  }

  ~Live() {
    stop = true;
    if (thread.joinable()) {
      thread.join();
    }
  }

  // Waits (real time, bounded) until an event names `name`@`rv` (or its
  // deletion).
  bool wait_for(const std::string& name, const std::string& rv, bool deleted = false) {
    for (int i = 0; i < 1000; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu);
        for (auto it = events.rbegin(); it != events.rend(); ++it) {
          if (it->object["metadata"].value("name", "") == name &&
              (deleted ? it->change == Change::deleted
                       : it->object["metadata"].value("resourceVersion", "") == rv)) {
            return true;
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
};

Json config_map(const std::string& name, int n) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"data", {{"n", std::to_string(n)}}}};
}

}  // namespace

TEST_CASE("reflector against the API server: drops and 410s lose and repeat nothing",
          "[kube][watch][http]") {
  enum Fault { none, drops, drops_and_gone };
  for (const Fault fault : {none, drops, drops_and_gone}) {
    INFO("fault " << fault);
    fakekube::ServerOptions o;
    Live live(o);
    live.server.split_watch_events(true);
    REQUIRE(live.server.create("v1", "configmaps", "default", config_map("a", 0)));
    if (fault != none) {
      live.server.drop_watches_after(2);
    }
    if (fault == drops_and_gone) {
      live.server.gone_on_watch_resume(2);
    }
    live.start();
    REQUIRE(live.wait_for("a", live.server.get("v1", "configmaps", "default", "a")
                                   ->at("metadata")
                                   .value("resourceVersion", "")));
    // Changes one at a time, each awaited: every one must arrive, once.
    std::vector<std::string> expected;
    for (int i = 1; i <= 12; ++i) {
      const std::string name = i % 3 == 0 ? "b" : "a";
      auto written = live.server.get("v1", "configmaps", "default", name);
      if (written) {
        Json next = *written;
        next["data"]["n"] = std::to_string(i);
        written = live.server.update("v1", "configmaps", "default", next);
      } else {
        written = live.server.create("v1", "configmaps", "default", config_map(name, i));
      }
      REQUIRE(written);
      const std::string rv = (*written)["metadata"].value("resourceVersion", "");
      expected.push_back(name + "@" + rv);
      REQUIRE(live.wait_for(name, rv));
    }
    auto removed = live.server.remove("v1", "configmaps", "default", "b");
    REQUIRE(removed);
    REQUIRE(live.wait_for("b", "", true));
    live.stop = true;
    live.thread.join();
    std::vector<std::string> got;
    for (const auto& e : live.events) {
      got.push_back(e.object["metadata"].value("name", "") + "@" +
                    e.object["metadata"].value("resourceVersion", ""));
    }
    INFO("got " << Json(got).dump());
    REQUIRE(got.size() == expected.size() + 2);  // a's first version and the deletion
    CHECK(std::vector<std::string>(got.begin() + 1, got.end() - 1) == expected);
    CHECK(live.events.back().change == Change::deleted);
    CHECK_FALSE(live.error);
    if (fault == none) {
      CHECK(live.counts.lists == 1);
      CHECK(live.counts.broken == 0);
    } else {
      CHECK(live.counts.broken > 0);
    }
    if (fault == drops_and_gone) {
      CHECK(live.counts.gone == 2);
      CHECK(live.counts.lists == 3);
    }
  }
}
