// SPDX-License-Identifier: Apache-2.0
// One way to wait on the API server: a Reflector over one collection (a
// list, then a watch that resumes and relists on 410, as client-go's
// tools/watch/until.go UntilWithSync builds on its informer), and a
// condition over the objects it knows. What `delete --wait` and
// `nccl-check --cluster` wait with, and what `submit` will.
#pragma once

#include <krayctl/core/yaml/json.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/transport.hpp>
#include <krayctl/kube/watch.hpp>
#include <krayctl/util/clock.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace kray::kube {

// The objects of the collection known now, by "namespace/name" (object_key).
using Objects = std::map<std::string, core::Json>;

// True when the wait is over. Called with the whole collection: after the
// first list and each relist, and after each change a watch brings (never
// in the middle of a list). It may keep state of its own (what it saw last).
using WaitCondition = std::function<bool(const Objects& objects)>;

struct WaitResult {
  Objects objects;  // as they were when `condition` held
  ReflectorCounts counts;
};

// Lists and watches `collection` (its path and query; its backoff and
// limits) until `condition` holds. Ends with ErrorCode::timeout once
// `clock` passes `deadline` (none: no limit), ErrorCode::interrupted when
// `stop` is set (may be null), or the Reflector's own error (401, 403,
// 404, an answer past krayctl's limits, the Client's deadline).
[[nodiscard]] Result<WaitResult> wait_for(Client& client,
                                          Transport& transport,
                                          util::Clock& clock,
                                          ReflectorOptions collection,
                                          const WaitCondition& condition,
                                          std::optional<util::Clock::SteadyTime> deadline,
                                          const std::atomic<bool>* stop);

}  // namespace kray::kube
