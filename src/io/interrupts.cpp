// SPDX-License-Identifier: Apache-2.0
#include <krayctl/io/interrupts.hpp>

#include <csignal>

namespace kray::io {

namespace {

// Lock-free, so that setting it from a signal handler is defined.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_sigint(int signo) {
  if (g_interrupted.exchange(true)) {
    // The second Ctrl-C: die of SIGINT now, as the shell expects (130).
    std::signal(signo, SIG_DFL);
    std::raise(signo);
  }
}

}  // namespace

const std::atomic<bool>& RealInterrupts::catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  return g_interrupted;
}

}  // namespace kray::io
