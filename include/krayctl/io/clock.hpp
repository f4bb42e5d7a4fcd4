// SPDX-License-Identifier: Apache-2.0
// The clock of app::Deps: the real one, and a fake for tests whose time
// moves only when told (advance) or when something sleeps on it. The
// interface is util::Clock (kube/ takes it too and cannot include io/);
// this is the only place that reads std::chrono's clocks or sleeps
// (tests/cli/layering_test.sh).
#pragma once

#include <krayctl/util/clock.hpp>

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace kray::io {

using Clock = util::Clock;

class SystemClock final : public Clock {
 public:
  SystemTime now() const override;
  SteadyTime steady_now() const override;
  bool sleep_until(SteadyTime until, const std::atomic<bool>* stop = nullptr) override;
};

// The clock of main(): one for the process.
Clock& system_clock();

// The clock's wall time as RFC 3339 UTC to the second
// ("2026-12-08T01:02:03Z"): what tables and stamped lines show.
std::string now_rfc3339(const Clock& clock);

// Time in a test's hands. By default a sleep does not wait: it moves the
// time to its end at once (and is recorded), so that a test of backoff
// or a timeout runs in no real time. With `auto_advance` off, a sleep
// blocks until another thread advances the time past its end, or its stop
// flag is set. Thread-safe.
class FakeClock final : public Clock {
 public:
  // Starts at 2024-01-01T00:00:00Z (wall) and an arbitrary steady origin.
  FakeClock();

  SystemTime now() const override;
  SteadyTime steady_now() const override;
  bool sleep_until(SteadyTime until, const std::atomic<bool>* stop = nullptr) override;

  // Moves both times forward; wakes sleepers whose time came.
  void advance(std::chrono::milliseconds d);
  void set_auto_advance(bool on);
  // Every sleep asked for, in order (its length when asked).
  std::vector<std::chrono::milliseconds> sleeps() const;

 private:
  mutable std::mutex m_mu;
  std::condition_variable m_moved;
  SystemTime m_system;
  SteadyTime m_steady;
  bool m_auto_advance = true;
  std::vector<std::chrono::milliseconds> m_sleeps;
};

}  // namespace kray::io
