// SPDX-License-Identifier: Apache-2.0
// A large, settled cluster for benchmarks: RayClusters spread over
// namespaces, each with a head and workers already Running and Ready and a
// ready status, as if the operator and kubelet had done their work (no
// simulation needed, so the figures measure the API, not the simulation).
#pragma once

#include "server.hpp"

namespace fakekube {

struct PopulateOptions {
  int clusters = 1000;
  int pods_per_cluster = 16;  // one head, the rest workers
  int namespaces = 50;
};

// Creates the namespaces, RayClusters, head Services and Pods; returns the
// number of objects created, or the first error.
Result<int> populate(ApiServer& server, const PopulateOptions& options);

// "1000x16" or "1000x16/50": clusters x pods per cluster [/ namespaces].
Result<PopulateOptions> parse_populate(const std::string& text);

}  // namespace fakekube
