// SPDX-License-Identifier: Apache-2.0
// kube::Client's retries on a fake clock: the backoff, the Retry-After
// clamp, the request's budget and the command's deadline, the stop flag.
// Against a scripted transport; no real time passes.
#include <krayctl/io/clock.hpp>
#include <krayctl/kube/client.hpp>

#include "../../support/catch.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <vector>

using kray::ErrorCode;
using kray::Result;
using kray::kube::Client;
using kray::kube::HttpRequest;
using kray::kube::HttpResponse;
using namespace std::chrono_literals;

namespace {

// Answers from a queue (the last one again when it runs out); records each
// attempt's timeout and the fake time it was sent at.
class ScriptedTransport final : public kray::kube::Transport {
 public:
  explicit ScriptedTransport(kray::io::FakeClock& clock) : m_clock(clock) {}

  void answer(long status, std::optional<int> retry_after_s = std::nullopt) {
    HttpResponse r;
    r.status = status;
    r.body = status == 200 ? R"({"kind":"Status","status":"Success"})" : "";
    r.retry_after_s = retry_after_s;
    m_answers.push_back(r);
  }

  Result<HttpResponse> send(const HttpRequest& request) override {
    timeouts.push_back(request.timeout);
    sent_at.push_back(m_clock.steady_now());
    HttpResponse r = m_answers.front();
    if (m_answers.size() > 1) {
      m_answers.pop_front();
    }
    return r;
  }

  Result<void> stream(const HttpRequest& /*request*/,
                      HttpResponse& /*head*/,
                      const std::function<bool(std::string_view)>& /*on_data*/) override {
    return kray::make_error(ErrorCode::http, "no streams here");
  }

  std::vector<std::chrono::milliseconds> timeouts;
  std::vector<kray::util::Clock::SteadyTime> sent_at;

 private:
  kray::io::FakeClock& m_clock;
  std::deque<HttpResponse> m_answers;
};

HttpRequest get(std::chrono::milliseconds timeout = 0ms) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/api/v1/pods?limit=500";
  r.timeout = timeout;
  return r;
}

std::chrono::milliseconds total(const std::vector<std::chrono::milliseconds>& sleeps) {
  std::chrono::milliseconds sum{0};
  for (const auto& d : sleeps) {
    sum += d;
  }
  return sum;
}

struct Fixture {
  kray::io::FakeClock clock;
  ScriptedTransport transport{clock};
  const kray::util::Clock::SteadyTime start = clock.steady_now();
  // Real time, to show that none passes waiting.
  const std::chrono::steady_clock::time_point real_start = std::chrono::steady_clock::now();

  std::chrono::milliseconds fake_elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock.steady_now() - start);
  }
  bool no_real_wait() const { return std::chrono::steady_clock::now() - real_start < 5s; }
};

}  // namespace

TEST_CASE("kube client: Retry-After is clamped to the policy's cap, in fake time",
          "[kube][client][clock]") {
  Fixture f;
  f.transport.answer(429, 999999);
  f.transport.answer(200);
  Client c(f.transport, f.clock, nullptr);
  auto r = c.call(get());
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(c.retries() == 1);
  CHECK(f.clock.sleeps() == std::vector<std::chrono::milliseconds>{10s});
  CHECK(f.fake_elapsed() == 10s);
  REQUIRE(f.transport.sent_at.size() == 2);
  CHECK(f.transport.sent_at[1] - f.transport.sent_at[0] == 10s);
  CHECK(f.no_real_wait());
}

TEST_CASE("kube client: backoff doubles from the base with up to half again of jitter",
          "[kube][client][clock]") {
  Fixture f;
  f.transport.answer(503);
  Client c(f.transport, f.clock, nullptr);  // 5 retries from 250 ms
  auto r = c.call(get());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::http);
  CHECK(c.retries() == 5);
  CHECK(f.transport.sent_at.size() == 6);
  const auto sleeps = f.clock.sleeps();
  REQUIRE(sleeps.size() == 5);
  for (std::size_t i = 0; i < sleeps.size(); ++i) {
    INFO("wait " << i << ": " << sleeps[i].count() << " ms");
    const std::chrono::milliseconds base = 250ms * (1 << i);
    CHECK(sleeps[i] >= base);
    CHECK(sleeps[i] <= base + base / 2);
  }
  CHECK(f.fake_elapsed() == total(sleeps));
  CHECK(f.no_real_wait());

  SECTION("and never past the cap") {
    Fixture g;
    g.transport.answer(500);
    Client capped(g.transport, g.clock, nullptr, kray::kube::RetryPolicy{8, 1000ms, 3000ms});
    REQUIRE_FALSE(capped.call(get()));
    const auto capped_sleeps = g.clock.sleeps();
    REQUIRE(capped_sleeps.size() == 8);
    for (const auto& d : capped_sleeps) {
      CHECK(d <= 4500ms);  // the cap and its jitter
    }
    CHECK(capped_sleeps.back() >= 3000ms);
  }
}

TEST_CASE("kube client: the command's deadline ends the retries, in fake time",
          "[kube][client][clock]") {
  Fixture f;
  Client c(f.transport, f.clock, nullptr);
  c.set_deadline(f.clock.steady_now() + 3s);

  SECTION("a Retry-After past it is not waited for") {
    f.transport.answer(429, 999999);
    auto r = c.call(get());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::timeout);
    CHECK(r.error().message ==
          "the command's --timeout ran out waiting to try GET /api/v1/pods again (the last "
          "answer: status 429)");
    CHECK(f.clock.sleeps().empty());
    CHECK(f.fake_elapsed() == 0ms);
    REQUIRE(f.transport.timeouts.size() == 1);
    CHECK(f.transport.timeouts[0] == 3s);  // what is left is the attempt's timeout
  }
  SECTION("backoff stops before a wait would pass it") {
    f.transport.answer(503);
    auto r = c.call(get());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::timeout);
    CHECK(r.error().message.find("--timeout") != std::string::npos);
    const auto sleeps = f.clock.sleeps();
    REQUIRE(sleeps.size() == 3);  // about 250, 500 and 1000 ms; 2000 would not fit
    CHECK(f.fake_elapsed() == total(sleeps));
    CHECK(f.fake_elapsed() < 3s);
    REQUIRE(f.transport.timeouts.size() == 4);
    for (std::size_t i = 0; i < f.transport.timeouts.size(); ++i) {
      CHECK(f.transport.timeouts[i] == 3s - std::chrono::duration_cast<std::chrono::milliseconds>(
                                                f.transport.sent_at[i] - f.start));
    }
  }
  SECTION("the request's own timeout, when shorter, is the budget") {
    f.transport.answer(429, 2);
    auto r = c.call(get(1500ms));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::timeout);
    CHECK(r.error().message.find("the request's time ran out") == 0);
    CHECK(f.clock.sleeps().empty());
  }
  CHECK(f.no_real_wait());
}

TEST_CASE("kube client: a set stop flag ends a wait at once and the next attempt follows",
          "[kube][client][clock]") {
  Fixture f;
  f.clock.set_auto_advance(false);  // a wait would block until advanced
  f.transport.answer(503);
  f.transport.answer(200);
  std::atomic<bool> stop{true};
  Client c(f.transport, f.clock, nullptr, {}, "", &stop);
  auto r = c.call(get());
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(c.retries() == 1);
  CHECK(f.clock.sleeps().size() == 1);
  CHECK(f.fake_elapsed() == 0ms);
  CHECK(f.no_real_wait());
}
