// SPDX-License-Identifier: Apache-2.0
// Operations on top of the client that later commands share: a container's
// log (read or followed), the service proxy (the Ray dashboard's API
// through the API server, no port-forward), and the events of one object.
#pragma once

#include <krayctl/core/yaml/json.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/transport.hpp>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kray::kube {

struct LogOptions {
  std::string container;  // "" when the Pod has one
  bool follow = false;
  bool timestamps = false;
  std::optional<long> since_seconds;
  std::optional<long> tail_lines;
};

// GET .../pods/POD/log: the text to `on_text` as it arrives. With follow,
// until the container stops, `on_text` returns false, or `cancel` is set.
// A container not started yet is the API server's 400 ("is waiting to
// start: ContainerCreating") as an Error.
[[nodiscard]] Result<void> read_log(Client& client,
                                    Transport& transport,
                                    const std::string& ns,
                                    const std::string& pod,
                                    const LogOptions& options,
                                    const std::function<bool(std::string_view)>& on_text,
                                    const std::atomic<bool>* cancel = nullptr);

// METHOD /api/v1/namespaces/NS/services/SERVICE:PORT/proxy/PATH (PATH
// starts with "/", may carry a query). The answer as the service gave it:
// a non-2xx from the service is a response, not an Error; an Error means
// the API server refused (no endpoints, RBAC) or no answer came.
[[nodiscard]] Result<HttpResponse> proxy(Client& client,
                                         const std::string& method,
                                         const std::string& ns,
                                         const std::string& service,
                                         const std::string& port,
                                         const std::string& path,
                                         const std::string& body = "",
                                         const std::string& content_type = "application/json");

// The Events about one object (involvedObject kind and name; with `uid`,
// only this object's, not those of an earlier one of the same name),
// oldest first.
[[nodiscard]] Result<std::vector<core::Json>> events_of(Client& client,
                                                        const std::string& ns,
                                                        const std::string& kind,
                                                        const std::string& name,
                                                        const std::string& uid = "");

}  // namespace kray::kube
