// SPDX-License-Identifier: Apache-2.0
#include <krayctl/kube/transport.hpp>

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <mutex>

namespace kray::kube {

namespace {

struct ParsedUrl {
  std::string scheme;
  std::string host;  // without brackets
  std::string port;
  std::string prefix;  // path prefix, no trailing "/"
};

ParsedUrl parse_url(const std::string& url) {
  ParsedUrl u;
  std::string rest = url;
  if (auto s = rest.find("://"); s != std::string::npos) {
    u.scheme = rest.substr(0, s);
    rest = rest.substr(s + 3);
  }
  const auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  u.prefix = slash == std::string::npos ? "" : rest.substr(slash);
  while (!u.prefix.empty() && u.prefix.back() == '/') {
    u.prefix.pop_back();
  }
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    u.host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size() && hostport[close + 1] == ':') {
      u.port = hostport.substr(close + 2);
    }
  } else if (auto colon = hostport.rfind(':'); colon != std::string::npos) {
    u.host = hostport.substr(0, colon);
    u.port = hostport.substr(colon + 1);
  } else {
    u.host = hostport;
  }
  if (u.port.empty()) {
    u.port = u.scheme == "http" ? "80" : "443";
  }
  return u;
}

std::string host_for_url(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// `299 - "text"` (possibly several, comma-joined) -> the texts.
void parse_warning(const std::string& value, std::vector<std::string>& out) {
  std::size_t i = 0;
  while (i < value.size()) {
    const auto open = value.find('"', i);
    if (open == std::string::npos) {
      return;
    }
    std::string text;
    std::size_t j = open + 1;
    for (; j < value.size() && value[j] != '"'; ++j) {
      if (value[j] == '\\' && j + 1 < value.size()) {
        ++j;
      }
      text += value[j];
    }
    out.push_back(text);
    i = j + 1;
  }
}

struct Sink {
  HttpResponse* head;
  std::string* body;
  const std::function<bool(std::string_view)>* on_data;
};

std::size_t write_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  // A stream's reader gets the body of a 2xx answer only; any other
  // answer (a Status) is kept whole in the head.
  if (sink->on_data != nullptr && sink->head->status >= 200 && sink->head->status < 300) {
    return (*sink->on_data)(std::string_view(data, size * n)) ? size * n : 0;
  }
  sink->body->append(data, size * n);
  return size * n;
}

int check_cancel(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel->load() ? 1 : 0;
}

std::size_t write_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* head = static_cast<HttpResponse*>(user);
  const std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect or 100)
    head->warnings.clear();
    head->retry_after_s.reset();
    head->body.clear();
    const auto space = line.find(' ');
    head->status = space == std::string::npos ? 0 : std::atol(line.c_str() + space + 1);
  }
  const auto colon = line.find(':');
  if (colon == std::string::npos) {
    return size * n;
  }
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string value = line.substr(colon + 1);
  value.erase(0, value.find_first_not_of(" \t"));
  value.erase(value.find_last_not_of("\r\n \t") + 1);
  if (name == "warning") {
    parse_warning(value, head->warnings);
  } else if (name == "retry-after" && !value.empty() &&
             value.find_first_not_of("0123456789") == std::string::npos && value.size() < 7) {
    head->retry_after_s = std::stoi(value);
  }
  return size * n;
}

// A body for a -vvv trace: cut at 2 KiB; a Secret's (or anything that
// looks like one) never, as it holds credentials.
std::string traced_body(const std::string& body) {
  if (body.find("\"kind\":\"Secret\"") != std::string::npos ||
      body.find("kind: Secret") != std::string::npos ||
      body.find("\"kind\": \"Secret\"") != std::string::npos) {
    return "[a Secret: not shown]";
  }
  return body.size() > 2048
             ? body.substr(0, 2048) + " [" + std::to_string(body.size()) + " bytes in all]"
             : body;
}

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(Connection c) : m_c(std::move(c)), m_url(parse_url(m_c.server)) {
    global_init();
    m_curl = curl_easy_init();
  }
  ~CurlTransport() override {
    if (m_curl != nullptr) {
      curl_easy_cleanup(m_curl);
    }
  }
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> send(const HttpRequest& request) override {
    HttpResponse r;
    auto done = perform(request, r, nullptr);
    if (!done) {
      return tl::unexpected(std::move(done).error());
    }
    if (r.status == 401 && m_c.refresh && m_c.refresh()) {
      HttpResponse again;  // credentials changed: one more try, as kubectl's next request
      done = perform(request, again, nullptr);
      if (!done) {
        return tl::unexpected(std::move(done).error());
      }
      return again;
    }
    return r;
  }

  Result<void> stream(const HttpRequest& request,
                      HttpResponse& head,
                      const std::function<bool(std::string_view)>& on_data) override {
    auto done = perform(request, head, &on_data);
    if (done && head.status == 401 && m_c.refresh && m_c.refresh()) {
      head = HttpResponse{};  // credentials changed: one more try
      done = perform(request, head, &on_data);
    }
    return done;
  }

 private:
  Result<void> perform(const HttpRequest& request,
                       HttpResponse& r,
                       const std::function<bool(std::string_view)>* on_data) {
    CURL* h = m_curl;
    if (h == nullptr) {
      return make_error(ErrorCode::internal, "libcurl could not be initialised");
    }
    curl_easy_reset(h);
    const bool secure = m_url.scheme == "https";
    // tls-server-name: the URL names it (SNI and the certificate check),
    // CONNECT_TO sends the TCP connection to the real server.
    const std::string url_host = m_c.tls_server_name.empty() ? m_url.host : m_c.tls_server_name;
    const std::string url = m_url.scheme + "://" + host_for_url(url_host) + ":" + m_url.port +
                            m_url.prefix + request.path;
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_slist* connect_to = nullptr;
    if (!m_c.tls_server_name.empty()) {
      const std::string rule = m_c.tls_server_name + ":" + m_url.port + ":" +
                               host_for_url(m_url.host) + ":" + m_url.port;
      connect_to = curl_slist_append(connect_to, rule.c_str());
      curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to);
    }
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 30'000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    if (!m_c.disable_compression) {
      curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    }
    if (!m_c.proxy_url.empty()) {
      curl_easy_setopt(h, CURLOPT_PROXY, m_c.proxy_url.c_str());
    }
    curl_blob ca{const_cast<char*>(m_c.ca_pem.data()), m_c.ca_pem.size(), CURL_BLOB_NOCOPY};
    curl_blob cert{const_cast<char*>(m_c.client_cert_pem.data()), m_c.client_cert_pem.size(),
                   CURL_BLOB_NOCOPY};
    curl_blob key{const_cast<char*>(m_c.client_key_pem.data()), m_c.client_key_pem.size(),
                  CURL_BLOB_NOCOPY};
    if (secure) {
      if (m_c.insecure_skip_tls_verify) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
      } else if (!m_c.ca_pem.empty()) {
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
      }
      if (!m_c.client_cert_pem.empty()) {
        curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
      }
    }
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, ("Accept: " + request.accept).c_str());
    if (secure && m_c.token) {  // credentials only over TLS, as client-go
      auto token = m_c.token();
      if (!token) {
        curl_slist_free_all(headers);
        curl_slist_free_all(connect_to);
        return tl::unexpected(std::move(token).error());
      }
      if (!token->empty()) {
        headers = curl_slist_append(headers, ("Authorization: Bearer " + *token).c_str());
      }
    } else if (secure && !m_c.basic_auth.empty()) {
      headers = curl_slist_append(headers, ("Authorization: Basic " + m_c.basic_auth).c_str());
    }
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
      headers = curl_slist_append(headers, ("Content-Type: " + request.content_type).c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, m_c.user_agent.c_str());
    Sink sink{&r, &r.body, on_data};
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, write_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
    if (request.cancel != nullptr) {
      curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, check_cancel);
      curl_easy_setopt(h, CURLOPT_XFERINFODATA, request.cancel);
    }
    char detail[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
    const bool tracing = m_c.trace && m_c.trace_level > 0;
    if (tracing && m_c.trace_level >= 2) {
      std::string lines = request.method + " " + url + (on_data != nullptr ? " (stream)" : "");
      for (const curl_slist* hdr = headers; hdr != nullptr; hdr = hdr->next) {
        std::string line = hdr->data;
        if (line.rfind("Authorization:", 0) == 0) {
          line = line.substr(0, line.find(' ', 15)) + " <masked>";
        }
        lines += "\n    " + line;
      }
      lines += "\n    User-Agent: " + m_c.user_agent;
      m_c.trace(lines);
      if (m_c.trace_level >= 3 && !request.body.empty()) {
        m_c.trace("Request body: " + traced_body(request.body));
      }
    }
    const auto started = std::chrono::steady_clock::now();
    const CURLcode rc = curl_easy_perform(h);
    if (tracing) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
      long code = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
      std::string line = request.method + " " + url + " ";
      line += rc == CURLE_OK || code != 0 ? std::to_string(code) : std::string("(no answer)");
      line += " in " + std::to_string(ms) + " ms";
      if (on_data != nullptr) {
        line += " (stream ended)";
      }
      m_c.trace(line);
      if (m_c.trace_level >= 2) {
        for (const auto& w : r.warnings) {
          m_c.trace("    Warning: " + w);
        }
        if (r.retry_after_s) {
          m_c.trace("    Retry-After: " + std::to_string(*r.retry_after_s));
        }
      }
      if (m_c.trace_level >= 3 && !r.body.empty()) {
        m_c.trace("Response body: " + traced_body(r.body));
      }
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    char* ct = nullptr;
    curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
    if (ct != nullptr) {
      r.content_type = ct;
    }
    curl_slist_free_all(headers);
    curl_slist_free_all(connect_to);
    if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && on_data != nullptr) ||
        (rc == CURLE_ABORTED_BY_CALLBACK && on_data != nullptr)) {
      return {};  // a stream its reader stopped, or its owner cancelled, is a success
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
      return make_error(ErrorCode::http, "request to " + m_c.server + " cancelled");
    }
    // No connection at all (refused, no such host, a certificate not
    // trusted): trying again at once will not help, as kubectl does not.
    const bool unreachable = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                             rc == CURLE_COULDNT_RESOLVE_PROXY ||
                             rc == CURLE_PEER_FAILED_VERIFICATION ||
                             rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM;
    return make_error(unreachable ? ErrorCode::unreachable : ErrorCode::http, describe(rc, detail));
  }

  std::string describe(CURLcode rc, const char* detail) const {
    const std::string where =
        "the API server at " + m_c.server +
        (m_c.tls_server_name.empty() ? "" : " (as " + m_c.tls_server_name + ")");
    const std::string why = detail[0] != '\0' ? detail : curl_easy_strerror(rc);
    switch (rc) {
      case CURLE_PEER_FAILED_VERIFICATION:
        return "cannot trust " + where + ": " + why +
               " (check certificate-authority in the kubeconfig, or tls-server-name when the "
               "server is reached by another name)";
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_CACERT_BADFILE:
        return "TLS handshake with " + where + " failed: " + why;
      case CURLE_COULDNT_RESOLVE_HOST:
        return "cannot resolve the host of " + where + ": " + why;
      case CURLE_COULDNT_CONNECT:
        return "cannot connect to " + where + ": " + why;
      case CURLE_OPERATION_TIMEDOUT:
        return "no answer from " + where + " in time: " + why;
      default:
        return "request to " + where + " failed: " + why;
    }
  }

  Connection m_c;
  ParsedUrl m_url;
  CURL* m_curl = nullptr;
};

}  // namespace

std::unique_ptr<Transport> make_curl_transport(Connection connection) {
  return std::make_unique<CurlTransport>(std::move(connection));
}

}  // namespace kray::kube
