// SPDX-License-Identifier: Apache-2.0
// Requests to the API server with a good client's manners (the Status of
// apimachinery's pkg/apis/meta/v1/types.go and pkg/api/errors/errors.go;
// client-go's rest/request.go and rest/with_retry.go): a Status becomes one
// Error with its cause, 429 and 5xx are retried with backoff and jitter
// (any verb when the server sent Retry-After, as the request was not
// processed; reads only otherwise), Warning headers are shown once each.
#pragma once

#include <krayctl/core/json.hpp>
#include <krayctl/kube/transport.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace kray::kube {

struct RetryPolicy {
  int max_retries = 5;
  std::chrono::milliseconds base{250};
  std::chrono::milliseconds cap{10'000};
};

class Client {
 public:
  using Sleep = std::function<void(std::chrono::milliseconds)>;
  using Warn = std::function<void(const std::string&)>;

  // `identity` names the credentials in a 401's message ("user \"ci\"
  // (bearer token) of context \"prod\""); never the secret itself.
  Client(Transport& transport,
         Sleep sleep,
         Warn warn,
         RetryPolicy policy = {},
         std::string identity = "");

  // Sends, retrying as above; a non-2xx answer becomes an Error.
  [[nodiscard]] Result<HttpResponse> call(const HttpRequest& request);
  // GET and parse JSON.
  [[nodiscard]] Result<core::Json> get(const std::string& path);

  // Discovery, cached for the client's life (one request per group
  // version at most): whether the API server serves `resource` (plural)
  // in `group_version` ("ray.io/v1", "v1"). A 404 under a group version
  // that is not served becomes "not installed" rather than "not found".
  [[nodiscard]] Result<bool> serves(const std::string& group_version, const std::string& resource);

  int retries() const { return m_retries; }

 private:
  // A 404's Error, made firm by discovery: the API (a CRD) missing, or
  // the object.
  Error not_found_error(const HttpResponse& response, const HttpRequest& request);

  Transport& m_transport;
  Sleep m_sleep;
  Warn m_warn;
  RetryPolicy m_policy;
  std::string m_identity;
  std::set<std::string> m_warned;
  std::map<std::string, std::optional<std::set<std::string>>> m_discovered;  // nullopt: not served
  int m_retries = 0;
  std::uint64_t m_jitter = 0x853c49e6748fea9bULL;
};

// The Error for a non-2xx answer: the Status message with its causes (422),
// the other field manager (409), RBAC's words (403); 404 under ray.io when
// the group is missing names the missing CRDs; a body that is not a Status
// (a proxy's HTML) is summarised as client-go does.
Error api_error(const HttpResponse& response, const HttpRequest& request);

}  // namespace kray::kube
