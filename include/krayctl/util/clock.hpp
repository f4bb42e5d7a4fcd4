// SPDX-License-Identifier: Apache-2.0
// Time, as an interface: what kube/ and app/ read the time and wait
// through, so that tests can drive time instead of waiting for it. It
// lives in util/ because both kube/ (deadlines of requests and watches,
// backoff) and io/ (the real one) need it, and kube/ may not include io/.
// The implementations are io::SystemClock and io::FakeClock
// (krayctl/io/clock.hpp); app::Deps carries one as io::Clock.
#pragma once

#include <atomic>
#include <chrono>

namespace kray::util {

class Clock {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  using SystemTime = std::chrono::system_clock::time_point;

  virtual ~Clock() = default;

  // The wall time: for ages ("5m") and timestamps shown to users.
  virtual SystemTime now() const = 0;
  // Monotonic time: for deadlines and intervals.
  virtual SteadyTime steady_now() const = 0;
  // Waits until `until`, or until `*stop` is set (when given; seen within
  // a few tens of milliseconds). True when it ended because of `stop`.
  virtual bool sleep_until(SteadyTime until, const std::atomic<bool>* stop = nullptr) = 0;

  bool sleep_for(std::chrono::milliseconds d, const std::atomic<bool>* stop = nullptr) {
    return sleep_until(steady_now() + d, stop);
  }
};

}  // namespace kray::util
