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
#include <vector>

namespace kray::kube {

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // with the query: "/api/v1/namespaces/x/pods?limit=500"
  std::string body;
  std::string content_type;  // for bodies
  std::string accept = "application/json";
  std::chrono::milliseconds timeout{60'000};  // the whole request; 0: none (streams)
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
  // -v traces, one call per line, on stderr: 1 each request with its
  // status and time; 2 also the headers (Authorization masked); 3 also
  // bodies, cut at 2 KiB, a Secret's never. Credentials never appear.
  std::function<void(const std::string&)> trace;
  int trace_level = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // One request, the whole body read. Fails only when no HTTP answer came
  // (connection, TLS, timeout): ErrorCode::http with the host and the cause.
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
};

// libcurl: one handle reused for connection reuse, TLS verification always
// on unless the kubeconfig says insecure-skip-tls-verify, CA and client
// certificate from memory, tls-server-name through CURLOPT_CONNECT_TO.
std::unique_ptr<Transport> make_curl_transport(Connection connection);

}  // namespace kray::kube
