// SPDX-License-Identifier: Apache-2.0
#include <krayctl/kube/wait.hpp>

namespace kray::kube {

Result<WaitResult> wait_for(Client& client,
                            Transport& transport,
                            util::Clock& clock,
                            ReflectorOptions collection,
                            const WaitCondition& condition,
                            std::optional<util::Clock::SteadyTime> deadline,
                            const std::atomic<bool>* stop) {
  const std::atomic<bool> never{false};
  const std::atomic<bool>& stopped = stop != nullptr ? *stop : never;
  const std::string path = collection.path;
  collection.deadline = deadline;
  Reflector reflector(client, transport, std::move(collection), clock);
  std::optional<WaitResult> held;
  auto check = [&] {
    if (!held && condition(reflector.objects())) {
      held = WaitResult{reflector.objects(), reflector.counts()};
      reflector.finish();
    }
  };
  auto ran = reflector.run(
      [&](const WatchEvent&) {
        if (!reflector.listing()) {
          check();
        }
      },
      check, stopped);
  if (held) {
    return std::move(*held);
  }
  if (!ran) {
    return tl::unexpected(std::move(ran).error());
  }
  if (stopped.load()) {
    return make_error(ErrorCode::interrupted, "stopped waiting on " + path);
  }
  // run() ends without an error only at `stop` or once finished.
  return make_error(ErrorCode::internal, "the watch of " + path + " ended early");
}

}  // namespace kray::kube
