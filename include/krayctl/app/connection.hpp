// SPDX-License-Identifier: Apache-2.0
// From a resolved kubeconfig to a kube::Connection: the CA, client
// certificate and key read from files or data, the bearer token from the
// kubeconfig, a token file (re-read every minute and after a 401, as
// client-go does) or an exec credential plugin (client.authentication.k8s.io
// v1 and v1beta1: KUBERNETES_EXEC_INFO, interactive mode, cluster info,
// cached until expirationTimestamp, run again after a 401).
#pragma once

#include <krayctl/app/deps.hpp>
#include <krayctl/core/json.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/kubeconfig.hpp>
#include <krayctl/kube/transport.hpp>

#include <functional>
#include <memory>
#include <string>

namespace kray::app {

// The User-Agent krayctl sends: krayctl/<version> (<os>/<arch>) krayctl.
std::string user_agent();

// Which credentials a context uses, for messages: `user "ci" (bearer
// token) of context "prod"`. Never the secret.
std::string identity_of(const kube::ResolvedConfig& config);

// Everything read now, so that a missing certificate file, an unreadable
// key or a failing exec plugin is one clear error before any request.
// `verbosity` (-v): request traces on stderr (kube::Connection::trace).
[[nodiscard]] Result<kube::Connection> make_connection(const Deps& deps,
                                                       const kube::ResolvedConfig& config,
                                                       int verbosity = 0);

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
                                           int verbosity = 0);

// The string at metadata-style path `a`/`b` of an object, "" when absent
// or not a string.
std::string string_at(const core::Json& object, const char* a, const char* b = nullptr);

}  // namespace kray::app
