// SPDX-License-Identifier: Apache-2.0
// kube::wait_for: a condition over one collection, held at the first list,
// after an event, after a 410's relist; a timeout read on a fake clock (no
// real sleep), a stop flag, the Reflector's errors. Against a scripted
// transport.
#include <krayctl/io/clock.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/wait.hpp>

#include "../../support/catch.hpp"
#include "../../support/kube_script.hpp"

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using kray::ErrorCode;
using kray::Result;
using kray::core::Json;
using kray::kube::HttpRequest;
using kray::kube::HttpResponse;
using kray::kube::Objects;
using namespace std::chrono_literals;

namespace {

// Lists from a queue; watches as chunk lists. A watch with `hang` sends
// nothing and ends where a real transport would end it: at the request's
// timeout, read on the fake clock (a watch without one would hang).
class ScriptedTransport final : public kray::kube::Transport {
 public:
  struct Stream {
    long status = 200;
    std::vector<std::string> chunks;
    bool hang = false;
    std::string body;  // for a non-2xx status
  };
  explicit ScriptedTransport(kray::io::FakeClock& clock) : m_clock(clock) {}
  std::deque<HttpResponse> lists;
  std::deque<Stream> watches;
  std::vector<HttpRequest> requests;
  std::function<void()> on_watch;  // before each watch answers

  Result<HttpResponse> send(const HttpRequest& r) override {
    requests.push_back(r);
    if (lists.empty()) {
      return kray::make_error(ErrorCode::http, "no more lists scripted");
    }
    HttpResponse out = lists.front();
    lists.pop_front();
    return out;
  }

  Result<void> stream(const HttpRequest& r,
                      HttpResponse& head,
                      const std::function<bool(std::string_view)>& on_data) override {
    requests.push_back(r);
    if (on_watch) {
      on_watch();
    }
    if (r.cancel != nullptr && r.cancel->load()) {
      return {};
    }
    Stream s;
    s.hang = true;
    if (!watches.empty()) {
      s = watches.front();
      watches.pop_front();
    }
    head.status = s.status;
    if (s.hang) {
      REQUIRE(r.timeout.count() > 0);  // else it would never end
      m_clock.advance(r.timeout);
      return kray::make_error(ErrorCode::http, "no answer in time");
    }
    if (s.status != 200) {
      head.body = s.body;
      return {};
    }
    for (const auto& c : s.chunks) {
      if (!on_data(c)) {
        return {};
      }
    }
    return {};
  }

 private:
  kray::io::FakeClock& m_clock;
};

Json pod(const std::string& name,
         const std::string& rv,
         const std::string& phase,
         const std::string& uid = "") {
  return {{"metadata",
           {{"name", name},
            {"namespace", "ml"},
            {"resourceVersion", rv},
            {"uid", uid.empty() ? "uid-" + name : uid}}},
          {"status", {{"phase", phase}}}};
}

HttpResponse list_of(const std::vector<Json>& items, const std::string& rv) {
  return testing::list_answer(items, rv, "PodList");
}

bool any_succeeded(const Objects& pods) {
  for (const auto& [key, p] : pods) {
    if (p["status"].value("phase", "") == "Succeeded") {
      return true;
    }
  }
  return false;
}

struct Waiting {
  kray::io::FakeClock clock;
  ScriptedTransport transport{clock};
  kray::kube::Client client{transport, clock, nullptr};
  std::vector<std::size_t> seen;  // how many objects each call of the condition saw

  Result<kray::kube::WaitResult> wait(
      const kray::kube::WaitCondition& condition,
      std::optional<kray::util::Clock::SteadyTime> deadline = std::nullopt,
      const std::atomic<bool>* stop = nullptr) {
    kray::kube::ReflectorOptions o;
    o.path = "/api/v1/namespaces/ml/pods";
    o.query = "labelSelector=job%3Dx";
    return kray::kube::wait_for(
        client, transport, clock, o,
        [&](const Objects& objects) {
          seen.push_back(objects.size());
          return condition(objects);
        },
        deadline, stop);
  }
};

}  // namespace

TEST_CASE("wait_for: held at the first list, no watch", "[kube][wait]") {
  Waiting w;
  w.transport.lists.push_back(list_of(
      {pod("a", "5", "Running"), pod("b", "6", "Succeeded"), pod("c", "7", "Pending")}, "10"));
  auto r = w.wait(any_succeeded);
  REQUIRE(r);
  CHECK(r->objects.size() == 3);
  CHECK(r->counts.lists == 1);
  CHECK(r->counts.watches == 0);
  // Called once, on the whole list: never on a list half read.
  CHECK(w.seen == std::vector<std::size_t>{3});
  REQUIRE(w.transport.requests.size() == 1);
  CHECK(w.transport.requests[0].path.find("labelSelector=job%3Dx") != std::string::npos);
}

TEST_CASE("wait_for: held after an event; the rest of the stream is not read", "[kube][wait]") {
  Waiting w;
  w.transport.lists.push_back(list_of({pod("a", "5", "Running")}, "10"));
  w.transport.watches.push_back({200,
                                 {testing::watch_line("MODIFIED", pod("a", "11", "Running")),
                                  testing::watch_line("MODIFIED", pod("a", "12", "Succeeded")) +
                                      testing::watch_line("DELETED", pod("a", "13", "Succeeded"))},
                                 false,
                                 ""});
  auto r = w.wait(any_succeeded);
  REQUIRE(r);
  REQUIRE(r->objects.count("ml/a") == 1);
  CHECK(r->objects.at("ml/a")["metadata"]["resourceVersion"] == "12");
  CHECK(w.seen == std::vector<std::size_t>{1, 1, 1});
  REQUIRE(w.transport.requests.size() == 2);
  const std::string& watch = w.transport.requests[1].path;
  CHECK(watch.find("watch=true") != std::string::npos);
  CHECK(watch.find("resourceVersion=10") != std::string::npos);
  CHECK(w.transport.requests[1].timeout.count() == 0);  // no deadline: none
}

TEST_CASE("wait_for: a 410 lists again, and the relist can hold", "[kube][wait]") {
  Waiting w;
  w.transport.lists.push_back(list_of({pod("a", "5", "Running")}, "10"));
  w.transport.lists.push_back(
      list_of({pod("a", "30", "Succeeded"), pod("b", "31", "Pending")}, "40"));
  SECTION("as the HTTP status") {
    w.transport.watches.push_back({410, {}, false, R"({"kind":"Status","code":410})"});
  }
  SECTION("as an ERROR event") {
    w.transport.watches.push_back(
        {200, {testing::watch_line("ERROR", Json{{"kind", "Status"}, {"code", 410}})}, false, ""});
  }
  auto r = w.wait(any_succeeded);
  REQUIRE(r);
  CHECK(r->counts.lists == 2);
  CHECK(r->counts.gone == 1);
  CHECK(r->objects.size() == 2);
  CHECK(w.seen == std::vector<std::size_t>{1, 2});  // after each list, whole
}

TEST_CASE("wait_for: gone, when the uid is absent or another object took the name",
          "[kube][wait]") {
  Waiting w;
  auto gone = [](const Objects& objects) {
    for (const auto& [key, o] : objects) {
      if (o["metadata"].value("uid", "") == "old") {
        return false;
      }
    }
    return true;
  };
  w.transport.lists.push_back(list_of({pod("a", "5", "Running", "old")}, "10"));
  SECTION("DELETED") {
    w.transport.watches.push_back(
        {200,
         {testing::watch_line("MODIFIED", pod("a", "11", "Running", "old")),
          testing::watch_line("DELETED", pod("a", "12", "Running", "old"))},
         false,
         ""});
    auto r = w.wait(gone);
    REQUIRE(r);
    CHECK(r->objects.empty());
  }
  SECTION("re-created under the same name") {
    w.transport.watches.push_back(
        {200, {testing::watch_line("ADDED", pod("a", "20", "Pending", "new"))}, false, ""});
    auto r = w.wait(gone);
    REQUIRE(r);
    CHECK(r->objects.at("ml/a")["metadata"]["uid"] == "new");
  }
  SECTION("absent at the list") {
    w.transport.lists.front() = list_of({}, "10");
    auto r = w.wait(gone);
    REQUIRE(r);
    CHECK(w.transport.requests.size() == 1);
  }
}

TEST_CASE("wait_for: the deadline, on the clock, bounds every watch", "[kube][wait]") {
  Waiting w;
  const auto start = w.clock.steady_now();
  w.transport.lists.push_back(list_of({pod("a", "5", "Running")}, "10"));
  SECTION("a watch that brings nothing ends at the deadline") {
    auto r = w.wait(any_succeeded, start + 90s);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::timeout);
    CHECK(w.clock.steady_now() - start == 90s);  // not a moment later
    REQUIRE(w.transport.requests.size() == 2);
    CHECK(w.transport.requests[1].path.find("timeoutSeconds=90") != std::string::npos);
    CHECK(w.transport.requests[1].timeout == 90s);
  }
  SECTION("events that do not satisfy it, the server's end, then nothing") {
    w.transport.watches.push_back(
        {200, {testing::watch_line("MODIFIED", pod("a", "11", "Running"))}, false, ""});
    w.transport.on_watch = [&] {
      if (w.transport.requests.size() == 2) {
        w.clock.advance(1500ms);  // the first watch lasts 1.5 s
      }
    };
    auto r = w.wait(any_succeeded, start + 2s);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::timeout);
    CHECK(w.clock.steady_now() - start == 2s);
    REQUIRE(w.transport.requests.size() == 3);
    CHECK(w.transport.requests[1].path.find("timeoutSeconds=2") != std::string::npos);
    CHECK(w.transport.requests[1].timeout == 2s);
    // What was left: half a second, rounded up for the server.
    CHECK(w.transport.requests[2].path.find("timeoutSeconds=1") != std::string::npos);
    CHECK(w.transport.requests[2].timeout == 500ms);
  }
  SECTION("a list that fails is retried with backoff, on the clock, until the deadline") {
    w.transport.lists.clear();  // every list: a network error
    auto r = w.wait(any_succeeded, start + 1s);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::timeout);
    CHECK(w.clock.steady_now() - start >= 1s);
  }
}

TEST_CASE("wait_for: the stop flag ends it as interrupted", "[kube][wait]") {
  Waiting w;
  std::atomic<bool> stop{false};
  w.transport.lists.push_back(list_of({pod("a", "5", "Running")}, "10"));
  w.transport.on_watch = [&] { stop = true; };  // Ctrl-C while watching
  auto r = w.wait(any_succeeded, std::nullopt, &stop);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::interrupted);
  CHECK(w.transport.requests.back().cancel == &stop);  // the stream sees it too
}

TEST_CASE("wait_for: what retrying cannot fix ends it with the Reflector's error", "[kube][wait]") {
  Waiting w;
  HttpResponse denied;
  denied.status = 403;
  denied.body =
      R"({"kind":"Status","code":403,"reason":"Forbidden","message":"pods is forbidden"})";
  w.transport.lists.push_back(denied);
  auto r = w.wait(any_succeeded);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::forbidden);
  CHECK(w.seen.empty());
}

TEST_CASE("io::FakeClock: sleeps move its time, or wait for advance", "[io][clock]") {
  kray::io::FakeClock clock;
  const auto steady = clock.steady_now();
  const auto wall = clock.now();
  CHECK_FALSE(clock.sleep_for(3s));
  CHECK(clock.steady_now() - steady == 3s);
  CHECK(clock.now() - wall == 3s);
  std::atomic<bool> stop{true};
  CHECK(clock.sleep_for(5s, &stop));  // stopped: no time passes
  CHECK(clock.steady_now() - steady == 3s);
  CHECK(clock.sleeps() == std::vector<std::chrono::milliseconds>{3s, 5s});

  clock.set_auto_advance(false);
  stop = false;
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    clock.sleep_for(10s, &stop);
    woke = true;
  });
  while (clock.sleeps().size() < 3) {
    std::this_thread::yield();  // it has begun sleeping
  }
  clock.advance(4s);
  CHECK_FALSE(woke.load());  // 6 s of its 10 are still to come
  clock.advance(6s);
  sleeper.join();
  CHECK(woke.load());
}
