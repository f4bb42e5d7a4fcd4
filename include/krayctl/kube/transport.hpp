// SPDX-License-Identifier: Apache-2.0
// HTTP to the API server, behind one interface: unit tests may script it; integration tests use the
// real libcurl transport against the simulated API server.
#pragma once

#include <krayctl/util/error.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kray::kube {

// What krayctl takes from a server, at most (docs/security.md). Sizes are of
// the decoded body, after gzip, so that a small compressed answer cannot
// grow without bound. Past a limit the transfer stops with
// ErrorCode::bad_answer, which is not retried.
//
// One object: etcd refuses a write beyond 1.5 MiB by default
// (--max-request-bytes, https://etcd.io/docs/v3.5/dev-guide/limit/), so 16
// MiB leaves room for what the API server adds (managedFields).
inline constexpr std::size_t k_max_object_bytes = 16u << 20;
// One page of a list (krayctl asks for 500 items a page), a log read
// whole, an answer through the service proxy.
inline constexpr std::size_t k_max_page_bytes = 128u << 20;
// The body of a non-2xx answer (a Status, a proxy's HTML page).
inline constexpr std::size_t k_max_error_body_bytes = 1u << 20;
// One line of a watch stream (one event: one object and its envelope).
inline constexpr std::size_t k_max_watch_line_bytes = k_max_object_bytes;
// Nesting of JSON from a server. The API server decodes with Go's
// encoding/json, which refuses more than 10000 levels (maxNestingDepth in
// src/encoding/json/scanner.go); no Kubernetes object comes near 500, and
// krayctl's recursive copies and printing stay far from the stack's end.
inline constexpr int k_max_json_depth = 500;
// A request with no byte received for this long is dropped (libcurl's
// CURLOPT_LOW_SPEED_TIME at 1 byte/s), and a stream whose headers have not
// all come by then too; the request's `timeout` bounds everything else.
inline constexpr std::chrono::seconds k_stall_timeout{30};

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // with the query: "/api/v1/namespaces/x/pods?limit=500"
  std::string body;
  std::string content_type;  // for bodies
  std::string accept = "application/json";
  std::chrono::milliseconds timeout{60'000};  // the whole request; 0: none (streams)
  // The most body bytes (decoded) of a 2xx answer that `send` keeps; past
  // it the request fails (ErrorCode::bad_answer). Not for streams, whose
  // reader decides.
  std::size_t max_body = k_max_object_bytes;
  // When set and true, the transfer stops within about a second (a stream
  // ends as if its reader had stopped it): how a watch on a quiet
  // collection is told to end.
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::string content_type;
  std::vector<std::string> warnings;  // texts of `Warning: 299 - "..."` headers
  std::optional<int> retry_after_s;   // an integer Retry-After header
};

// Where and how to connect: the resolved kubeconfig with every file read
// and every credential in memory (never written to disk).
struct Connection {
  std::string server;  // https://host:port[/prefix]
  std::string ca_pem;
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string proxy_url;
  bool disable_compression = false;
  // The bearer token for each request (a fixed token, a token file re-read,
  // an exec plugin's cached output); "" sends none. Called per request.
  std::function<Result<std::string>()> token;
  std::string basic_auth;  // base64("user:password"); servers since 1.19 refuse it (401)
  // Called after a 401: fresh credentials (re-read the file, re-run the
  // plugin); true when they changed and the request is worth one more try.
  std::function<bool()> refresh;
  std::string user_agent;
  // How long a request may receive nothing (k_stall_timeout; tests shorten it).
  std::chrono::milliseconds stall_timeout = k_stall_timeout;
  // -v traces, one call per line, on stderr: 1 each request with its
  // status and time; 2 also the headers (Authorization masked); 3 also
  // bodies, cut at 2 KiB, a Secret's never. Credentials never appear.
  std::function<void(const std::string&)> trace;
  int trace_level = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // One request, the whole body read. Fails when no HTTP answer came
  // (connection, TLS, timeout): ErrorCode::http with the host and the
  // cause (ErrorCode::unreachable when trying again cannot help), or when
  // the answer broke a limit above (ErrorCode::bad_answer).
  [[nodiscard]] virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
  // A streaming GET (watch, log follow): `on_data` receives the body of a
  // 2xx answer as it arrives and returns false to stop; `head` gets the
  // status and headers as soon as they arrive, and the whole body of any
  // other answer (a Status). After a 401 the credentials are refreshed and
  // the request tried once more, as `send` does.
  [[nodiscard]] virtual Result<void> stream(
      const HttpRequest& request,
      HttpResponse& head,
      const std::function<bool(std::string_view)>& on_data) = 0;
  // From another thread, once the request's cancel flag is set: end the
  // transfer in progress now rather than at the next check of the flag
  // (libcurl checks about once a second while a stream is quiet), so that
  // a command that is done does not wait on its watches. Thread-safe.
  virtual void interrupt() {}
};

// libcurl: one handle reused for connection reuse, TLS 1.2 or newer,
// verification always on unless the kubeconfig says insecure-skip-tls-verify,
// CA and client certificate from memory, tls-server-name through
// CURLOPT_CONNECT_TO (the Host header stays the server's), proxies as
// client-go chooses them (proxy_url_for).
std::unique_ptr<Transport> make_curl_transport(Connection connection);

// The proxy client-go would use for `server` (https://host:port/...):
// the kubeconfig's proxy-url when set, whatever NO_PROXY says
// (client-go's tools/clientcmd/client_config.go sets rest.Config.Proxy to
// http.ProxyURL(proxy-url), which transport/cache.go uses instead of
// http.ProxyFromEnvironment). Otherwise Go's ProxyFromEnvironment
// (golang.org/x/net/http/httpproxy, FromEnvironment and useProxy):
// HTTPS_PROXY/https_proxy for https, HTTP_PROXY/http_proxy for http,
// never ALL_PROXY; none for localhost and loopback addresses, and none
// for a host NO_PROXY/no_proxy names ("*", an IP, a CIDR, a domain with
// its subdomains, ".domain" for subdomains only, optionally with :port).
// `getenv` reads the environment. "" means no proxy.
std::string proxy_url_for(const std::string& server,
                          const std::string& kubeconfig_proxy_url,
                          const std::function<const char*(const char*)>& getenv);

// Whether a server URL carries userinfo ("https://user:pass@host"), which
// krayctl refuses (the kubeconfig's user entry holds credentials).
bool has_userinfo(const std::string& server);

// The server URL without any userinfo: safe to print.
std::string without_userinfo(const std::string& server);

// Whether the JSON text nests objects and arrays deeper than `max_depth`
// (strings are skipped, so brackets inside them do not count). Linear,
// no recursion: run it before a parser builds the tree.
bool json_deeper_than(std::string_view text, int max_depth = k_max_json_depth);

}  // namespace kray::kube
