// SPDX-License-Identifier: Apache-2.0
// Waiting on fakekube without sleeping blind: until a condition holds,
// looking again after each change to the server's objects.
#pragma once

#include "fakekube/server.hpp"

#include <chrono>
#include <cstdint>
#include <functional>

namespace testing {

// Waits until `done` holds (10 s of real time at most); false on timeout.
// For work fakekube does after the request that caused it, such as the
// garbage collector's, as kube-controller-manager's comes after the API call.
inline bool eventually(const fakekube::ApiServer& s, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::uint64_t seen = s.resource_version();
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    seen = s.wait_for_change(seen, std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace testing
