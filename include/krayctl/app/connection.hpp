// SPDX-License-Identifier: Apache-2.0
// From a resolved kubeconfig to a kube::Connection: the CA, client
// certificate and key read from files or data, the bearer token from the
// kubeconfig, a token file (re-read every minute and after a 401, as
// client-go does) or an exec credential plugin (client.authentication.k8s.io
// v1 and v1beta1: KUBERNETES_EXEC_INFO, interactive mode, cluster info,
// cached until expirationTimestamp, run again after a 401).
#pragma once

#include <krayctl/app/deps.hpp>
#include <krayctl/core/yaml/json.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/kubeconfig.hpp>
#include <krayctl/kube/transport.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace kray::app {

// The User-Agent krayctl sends: krayctl/<version> (<os>/<arch>) krayctl.
std::string user_agent();

// Which credentials a context uses, for messages: `user "ci" (bearer
// token) of context "prod"`. Never the secret.
std::string identity_of(const kube::ResolvedConfig& config);

// An exec credential plugin may run until the command's deadline (its
// --timeout), and, without one, for k_exec_plugin_timeout, or
// k_exec_plugin_interactive_timeout when it talks to the user (a browser
// or OTP login); kubectl sets no limit. Past it, or past
// k_exec_plugin_max_output bytes on stdout (an ExecCredential is a few
// KiB), it is killed with an error, so that a plugin that hangs or prints
// forever cannot hang krayctl or exhaust its memory (issue 14, finding 4).
inline constexpr std::chrono::seconds k_exec_plugin_timeout{60};
inline constexpr std::chrono::seconds k_exec_plugin_interactive_timeout{300};
inline constexpr std::size_t k_exec_plugin_max_output = std::size_t{4} << 20U;

// When a command must be done (now + its --timeout, on deps.clock);
// nullopt: no deadline. The Client's own type: a session's client ends by it.
using Deadline = kube::Client::Deadline;

// A deadline `timeout` from now on deps.clock; 0 means none (--timeout 0).
Deadline deadline_after(const Deps& deps, std::chrono::milliseconds timeout);

// Everything read now, so that a missing certificate file, an unreadable
// key or a failing exec plugin is one clear error before any request.
// `verbosity` (-v): request traces on stderr (kube::Connection::trace).
// `deadline` bounds each run of an exec plugin (see above).
[[nodiscard]] Result<kube::Connection> make_connection(const Deps& deps,
                                                       const kube::ResolvedConfig& config,
                                                       int verbosity = 0,
                                                       Deadline deadline = std::nullopt);

// Builds the transport for a connection; tests may script one. Empty:
// libcurl.
using TransportFactory = std::function<std::unique_ptr<kube::Transport>(kube::Connection)>;

// A connected client for one command: warnings to stderr once each, real
// sleeps between retries, 401s naming the credentials.
struct Session {
  std::unique_ptr<kube::Transport> transport;
  std::unique_ptr<kube::Client> client;
};
[[nodiscard]] Result<Session> open_session(const Deps& deps,
                                           const kube::ResolvedConfig& config,
                                           const TransportFactory& factory,
                                           int verbosity = 0,
                                           Deadline deadline = std::nullopt);

// The string at metadata-style path `a`/`b` of an object, "" when absent
// or not a string.
std::string string_at(const core::Json& object, const char* a, const char* b = nullptr);

}  // namespace kray::app
