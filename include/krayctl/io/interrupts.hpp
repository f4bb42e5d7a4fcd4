// SPDX-License-Identifier: Apache-2.0
// Ctrl-C, for the commands that wait (submit): the first SIGINT sets a
// flag the command's loops read (so that it can say how to come back, or
// cancel what it started), a second one ends the process at once, as the
// shell expects (killed by SIGINT: exit status 130). Commands that never
// ask keep the default: Ctrl-C ends them.
#pragma once

#include <atomic>

namespace kray::io {

class Interrupts {
 public:
  virtual ~Interrupts() = default;
  // From now on the first SIGINT sets the flag returned, instead of
  // ending the process; the second ends it. Idempotent.
  virtual const std::atomic<bool>& catch_interrupts() = 0;
};

// The process's SIGINT (one per process: the handler is global).
class RealInterrupts final : public Interrupts {
 public:
  const std::atomic<bool>& catch_interrupts() override;
};

// Tests: the flag is set by the test (`interrupt()`), no signal involved.
class FakeInterrupts final : public Interrupts {
 public:
  const std::atomic<bool>& catch_interrupts() override {
    m_armed = true;
    return m_flag;
  }
  void interrupt() { m_flag = true; }
  bool armed() const { return m_armed; }

 private:
  std::atomic<bool> m_flag{false};
  std::atomic<bool> m_armed{false};
};

}  // namespace kray::io
