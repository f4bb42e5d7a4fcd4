// SPDX-License-Identifier: Apache-2.0
#include <krayctl/io/clock.hpp>

#include <algorithm>
#include <ctime>
#include <thread>

namespace kray::io {

namespace {

// How often a sleep looks at its stop flag: a std::atomic<bool> cannot be
// waited on in C++17.
constexpr std::chrono::milliseconds k_stop_poll{20};

}  // namespace

Clock::SystemTime SystemClock::now() const {
  return std::chrono::system_clock::now();
}

Clock::SteadyTime SystemClock::steady_now() const {
  return std::chrono::steady_clock::now();
}

bool SystemClock::sleep_until(SteadyTime until, const std::atomic<bool>* stop) {
  if (stop == nullptr) {
    std::this_thread::sleep_until(until);
    return false;
  }
  while (!stop->load()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) {
      return false;
    }
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(until - now, k_stop_poll));
  }
  return true;
}

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

FakeClock::FakeClock()
    : m_system(std::chrono::system_clock::from_time_t(1704067200)),  // 2024-01-01T00:00:00Z
      m_steady(SteadyTime() + std::chrono::hours(1)) {}

Clock::SystemTime FakeClock::now() const {
  std::lock_guard<std::mutex> lock(m_mu);
  return m_system;
}

Clock::SteadyTime FakeClock::steady_now() const {
  std::lock_guard<std::mutex> lock(m_mu);
  return m_steady;
}

bool FakeClock::sleep_until(SteadyTime until, const std::atomic<bool>* stop) {
  std::unique_lock<std::mutex> lock(m_mu);
  m_sleeps.push_back(
      std::max(std::chrono::milliseconds(0),
               std::chrono::duration_cast<std::chrono::milliseconds>(until - m_steady)));
  if (stop != nullptr && stop->load()) {
    return true;
  }
  if (m_auto_advance) {
    if (until > m_steady) {
      m_system += until - m_steady;
      m_steady = until;
      m_moved.notify_all();
    }
    return false;
  }
  while (m_steady < until) {
    if (stop != nullptr && stop->load()) {
      return true;
    }
    // Real time only to notice `stop`; the fake time moves by advance().
    m_moved.wait_for(lock, k_stop_poll);
  }
  return false;
}

void FakeClock::advance(std::chrono::milliseconds d) {
  {
    std::lock_guard<std::mutex> lock(m_mu);
    m_steady += d;
    m_system += d;
  }
  m_moved.notify_all();
}

void FakeClock::set_auto_advance(bool on) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_auto_advance = on;
}

std::vector<std::chrono::milliseconds> FakeClock::sleeps() const {
  std::lock_guard<std::mutex> lock(m_mu);
  return m_sleeps;
}

std::string now_rfc3339(const Clock& clock) {
  const std::time_t t = std::chrono::system_clock::to_time_t(clock.now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace kray::io
