// SPDX-License-Identifier: Apache-2.0
// Requests to the API server with a good client's manners (the Status of
// apimachinery's pkg/apis/meta/v1/types.go and pkg/api/errors/errors.go;
// client-go's rest/request.go and rest/with_retry.go): a Status becomes one
// Error with its cause, 429 and 5xx are retried with backoff and jitter
// (any verb when the server sent Retry-After, as the request was not
// processed; reads only otherwise), Warning headers are shown once each.
#pragma once

#include <krayctl/core/yaml/json.hpp>
#include <krayctl/kube/transport.hpp>
#include <krayctl/util/clock.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kray::kube {

struct RetryPolicy {
  int max_retries = 5;
  std::chrono::milliseconds base{250};
  // The longest wait between two attempts, a server's Retry-After
  // included: Retry-After: 999999 waits this long, not 11 days.
  std::chrono::milliseconds cap{10'000};
};

// Lists are read in pages of 500; a server that never ends one (the same
// continue token again, or pages without end) is stopped with
// ErrorCode::bad_answer. 200,000 items is beyond the 150,000 Pods of the
// largest cluster Kubernetes supports
// (https://kubernetes.io/docs/setup/best-practices/cluster-large/).
struct ListLimits {
  int max_pages = 1000;
  std::size_t max_items = 200'000;
};

class Client {
 public:
  using Warn = std::function<void(const std::string&)>;
  using Deadline = std::optional<util::Clock::SteadyTime>;

  // Deadlines and budgets are read on `clock`, and the waits between
  // attempts are slept on it; a wait ends early once `*stop` is set (when
  // given: the clients of a watch that is being stopped), and the next
  // attempt follows. `identity` names the credentials in a 401's message
  // ("user \"ci\" (bearer token) of context \"prod\""); never the secret
  // itself. `clock` and `stop` outlive the client.
  Client(Transport& transport,
         util::Clock& clock,
         Warn warn,
         RetryPolicy policy = {},
         std::string identity = "",
         const std::atomic<bool>* stop = nullptr);

  // Sends, retrying as above; a non-2xx answer becomes an Error. All
  // attempts and the waits between them fit in the request's `timeout`
  // (when not 0) and before the deadline: what is left of either is the
  // next attempt's timeout, and a wait that would pass it is not begun
  // (ErrorCode::timeout). A 2xx JSON answer nested deeper than
  // k_max_json_depth is ErrorCode::bad_answer.
  [[nodiscard]] Result<HttpResponse> call(const HttpRequest& request);
  // GET and parse JSON.
  [[nodiscard]] Result<core::Json> get(const std::string& path);

  // Discovery, cached for the client's life (one request per group
  // version at most): whether the API server serves `resource` (plural)
  // in `group_version` ("batch/v1", "v1"). A 404 for a resource that is
  // not served is ErrorCode::not_installed rather than not_found.
  [[nodiscard]] Result<bool> serves(const std::string& group_version, const std::string& resource);

  // The application's words for an API that is not served (its custom
  // resources: which operator to install), or nullopt for the client's
  // own ("the API server does not serve R in G/V ..."). `resource` is ""
  // when discovery failed and the group version is all that is known.
  using MissingApiWords = std::function<std::optional<std::string>(const std::string& group_version,
                                                                   const std::string& resource)>;
  void set_missing_api_words(MissingApiWords words) { m_missing_api_words = std::move(words); }

  int retries() const { return m_retries; }

  // The command's deadline (--timeout): no request and no wait of this
  // client goes past it. None by default. A time of the client's clock.
  void set_deadline(Deadline deadline) { m_deadline = deadline; }

 private:
  // A 404's Error, made firm by discovery: the API (a CRD) missing, or
  // the object.
  Error not_found_error(const HttpResponse& response, const HttpRequest& request);

  Transport& m_transport;
  util::Clock& m_clock;
  const std::atomic<bool>* m_stop;
  Warn m_warn;
  MissingApiWords m_missing_api_words;
  RetryPolicy m_policy;
  std::string m_identity;
  std::set<std::string> m_warned;
  std::map<std::string, std::optional<std::set<std::string>>> m_discovered;  // nullopt: not served
  int m_retries = 0;
  Deadline m_deadline;
  std::uint64_t m_jitter = 0x853c49e6748fea9bULL;
};

// The Error for a non-2xx answer: the Status message with its causes (422),
// the other field manager (409: ErrorCode::field_conflict for server-side
// apply's, conflict for the others), RBAC's words (403); a body that is not
// a Status (a proxy's HTML) is summarised as client-go does.
Error api_error(const HttpResponse& response, const HttpRequest& request);

// JSON from a server, parsed only when it nests no deeper than
// k_max_json_depth; `what` names it in the error ("the answer to GET
// /api/v1/pods"). A text that is not JSON is ErrorCode::http.
[[nodiscard]] Result<core::Json> parse_server_json(std::string_view text, const std::string& what);

struct ListResult {
  std::vector<core::Json> items;  // each with the list's kind and apiVersion
  std::string resource_version;   // the list's, from its last page
};

// GET `path` (a collection, perhaps with a query) in pages of 500 until
// the server ends the list. A continue token that expired between pages
// (410) reads the list again unpaged, as client-go's pager falls back to
// (tools/pager/pager.go). Stops, with ErrorCode::bad_answer, at a
// continue token seen before and past `limits`.
[[nodiscard]] Result<ListResult> list_all(Client& client,
                                          const std::string& path,
                                          const ListLimits& limits = {});

}  // namespace kray::kube
