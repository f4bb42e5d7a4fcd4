// SPDX-License-Identifier: Apache-2.0
#include <krayctl/kube/transport.hpp>

#include <curl/curl.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>

namespace kray::kube {

namespace {

struct ParsedUrl {
  std::string scheme;
  std::string host;  // without brackets
  std::string port;
  std::string prefix;     // path prefix, no trailing "/"
  std::string authority;  // host[:port] as written: the Host header Go sends
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
  if (auto at = hostport.rfind('@'); at != std::string::npos) {
    hostport = hostport.substr(at + 1);  // userinfo: refused by the kubeconfig, never used
  }
  u.authority = hostport;
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
  HttpResponse* head = nullptr;
  std::string* body = nullptr;
  const std::function<bool(std::string_view)>* on_data = nullptr;
  std::size_t max_body = k_max_object_bytes;  // for a 2xx answer kept whole
  std::size_t overflow = 0;                   // the limit that stopped the transfer, 0: none
  bool headers_done = false;                  // the blank line after the last header came
  const std::atomic<bool>* cancel = nullptr;
  // A stream must have all its headers by then (slow headers never end a
  // stream otherwise: it has no timeout).
  std::optional<std::chrono::steady_clock::time_point> headers_by;
  bool headers_late = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const bool ok = sink->head->status >= 200 && sink->head->status < 300;
  // A stream's reader gets the body of a 2xx answer only; any other
  // answer (a Status) is kept whole in the head.
  if (sink->on_data != nullptr && ok) {
    return (*sink->on_data)(std::string_view(data, size * n)) ? size * n : 0;
  }
  // libcurl hands over decoded bytes (CURLOPT_ACCEPT_ENCODING), so the
  // limit holds against a gzip bomb too.
  const std::size_t limit = ok ? sink->max_body : k_max_error_body_bytes;
  if (sink->body->size() + size * n > limit) {
    sink->overflow = limit;
    return 0;  // CURLE_WRITE_ERROR: the transfer stops here
  }
  sink->body->append(data, size * n);
  return size * n;
}

int check_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* sink = static_cast<Sink*>(user);
  if (sink->cancel != nullptr && sink->cancel->load()) {
    return 1;
  }
  if (!sink->headers_done && sink->headers_by &&
      std::chrono::steady_clock::now() > *sink->headers_by) {
    sink->headers_late = true;
    return 1;
  }
  return 0;
}

std::size_t write_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  auto* head = sink->head;
  const std::string line(data, size * n);
  if (line == "\r\n" || line == "\n") {
    // The end of a response's headers; a 1xx answer's end is not the last.
    sink->headers_done = head->status >= 200;
    return size * n;
  }
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect or 100)
    sink->headers_done = false;
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
    head->retry_after_s = std::stoi(value);  // the Client clamps it
  }
  return size * n;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) {
    return "";
  }
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// An IPv4 or IPv6 address in network order, or nullopt.
std::optional<std::vector<unsigned char>> parse_ip(const std::string& text) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) {
    return std::vector<unsigned char>(buf, buf + 4);
  }
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) {
    return std::vector<unsigned char>(buf, buf + 16);
  }
  return std::nullopt;
}

bool is_loopback(const std::vector<unsigned char>& ip) {
  if (ip.size() == 4) {
    return ip[0] == 127;
  }
  return std::all_of(ip.begin(), ip.end() - 1, [](unsigned char b) { return b == 0; }) &&
         ip.back() == 1;
}

bool in_cidr(const std::vector<unsigned char>& ip, const std::string& cidr) {
  const auto slash = cidr.find('/');
  const auto net = parse_ip(cidr.substr(0, slash));
  if (!net || net->size() != ip.size()) {
    return false;
  }
  const std::string bits_text = cidr.substr(slash + 1);
  if (bits_text.empty() || bits_text.size() > 3 ||
      bits_text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  const int bits = std::stoi(bits_text);
  if (bits > static_cast<int>(ip.size()) * 8) {
    return false;
  }
  for (std::size_t i = 0; i < static_cast<std::size_t>(bits); ++i) {
    const std::size_t byte = i / 8;
    const unsigned mask = 0x80U >> (i % 8);
    if ((ip[byte] & mask) != ((*net)[byte] & mask)) {
      return false;
    }
  }
  return true;
}

// Whether NO_PROXY keeps `host` (lower case, no brackets) at `port` off
// the proxy, by the rules of Go's httpproxy (config.useProxy).
bool no_proxy_matches(const std::string& no_proxy,
                      const std::string& host,
                      const std::string& port) {
  const auto ip = parse_ip(host);
  std::size_t start = 0;
  while (start <= no_proxy.size()) {
    auto comma = no_proxy.find(',', start);
    if (comma == std::string::npos) {
      comma = no_proxy.size();
    }
    std::string entry = lower(trim(no_proxy.substr(start, comma - start)));
    start = comma + 1;
    if (entry.empty()) {
      continue;
    }
    if (entry == "*") {
      return true;
    }
    if (entry.find('/') != std::string::npos) {
      if (ip && in_cidr(*ip, entry)) {
        return true;
      }
      continue;
    }
    if (const auto entry_ip = parse_ip(entry)) {
      if (ip && *ip == *entry_ip) {
        return true;
      }
      continue;
    }
    // A name, perhaps with a port: [::1]:80, example.com:443.
    std::string entry_port;
    if (entry.front() == '[') {
      const auto close = entry.find(']');
      if (close == std::string::npos) {
        continue;
      }
      if (close + 1 < entry.size() && entry[close + 1] == ':') {
        entry_port = entry.substr(close + 2);
      }
      entry = entry.substr(1, close - 1);
      if (const auto entry_ip = parse_ip(entry);
          entry_ip && ip && *ip == *entry_ip && (entry_port.empty() || entry_port == port)) {
        return true;
      }
      continue;
    }
    if (const auto colon = entry.rfind(':'); colon != std::string::npos) {
      entry_port = entry.substr(colon + 1);
      entry = entry.substr(0, colon);
    }
    if (!entry_port.empty() && entry_port != port) {
      continue;
    }
    if (entry.rfind("*.", 0) == 0) {
      entry = entry.substr(1);
    }
    if (entry.front() == '.') {  // subdomains only
      if (host.size() > entry.size() &&
          host.compare(host.size() - entry.size(), entry.size(), entry) == 0) {
        return true;
      }
      continue;
    }
    if (host == entry || (host.size() > entry.size() &&
                          host.compare(host.size() - entry.size(), entry.size(), entry) == 0 &&
                          host[host.size() - entry.size() - 1] == '.')) {
      return true;
    }
  }
  return false;
}

// A size for messages: "16 MiB".
std::string mib(std::size_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
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
  explicit CurlTransport(Connection c)
      : m_c(std::move(c)),
        m_url(parse_url(m_c.server)),
        m_proxy(proxy_url_for(m_c.server, m_c.proxy_url, [](const char* name) {
          return std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read before any thread
        })) {
    global_init();
    m_curl = curl_easy_init();
  }
  ~CurlTransport() override {
    if (m_curl != nullptr) {
      curl_easy_cleanup(m_curl);
    }
  }

  // Shuts down the sockets this handle has open (libcurl opens and closes
  // them through open_socket/close_socket below): a transfer blocked on a
  // quiet stream sees the connection end at once.
  void interrupt() override {
    std::lock_guard<std::mutex> lock(m_sockets_mu);
    for (const curl_socket_t fd : m_sockets) {
      shutdown(fd, SHUT_RDWR);
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
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, this);
    curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
    curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, this);
    const bool secure = m_url.scheme == "https";
    // tls-server-name: the URL names it (SNI and the certificate check),
    // CONNECT_TO sends the TCP connection to the real server, and the Host
    // header stays the server's own, as client-go sends it (the name only
    // goes to tls.Config.ServerName: client-go's transport/transport.go,
    // TLSConfigFor).
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
    const long stall_s = std::max<long>(
        1, static_cast<long>(
               std::chrono::duration_cast<std::chrono::seconds>(m_c.stall_timeout).count()));
    if (on_data == nullptr) {
      // A server that stops sending (or trickles) is dropped after the
      // stall time, well before the request's timeout.
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall_s);
    }
    if (!m_c.disable_compression) {
      curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    }
    // Always set, so that libcurl never picks a proxy from the environment
    // by its own rules (ALL_PROXY, a NO_PROXY over the kubeconfig's
    // proxy-url): "" disables proxies, and an empty NOPROXY list applies
    // the chosen one to every host (https://curl.se/libcurl/c/CURLOPT_PROXY.html,
    // https://curl.se/libcurl/c/CURLOPT_NOPROXY.html).
    curl_easy_setopt(h, CURLOPT_PROXY, m_proxy.c_str());
    curl_easy_setopt(h, CURLOPT_NOPROXY, "");
    curl_blob ca{const_cast<char*>(m_c.ca_pem.data()), m_c.ca_pem.size(), CURL_BLOB_NOCOPY};
    curl_blob cert{const_cast<char*>(m_c.client_cert_pem.data()), m_c.client_cert_pem.size(),
                   CURL_BLOB_NOCOPY};
    curl_blob key{const_cast<char*>(m_c.client_key_pem.data()), m_c.client_key_pem.size(),
                  CURL_BLOB_NOCOPY};
    if (secure) {
      // TLS 1.2 or newer whatever the system's OpenSSL allows, as client-go
      // (MinVersion: tls.VersionTLS12 in transport/transport.go).
      curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
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
    if (!m_c.tls_server_name.empty()) {
      headers = curl_slist_append(headers, ("Host: " + m_url.authority).c_str());
    }
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
    const auto started = std::chrono::steady_clock::now();
    Sink sink;
    sink.head = &r;
    sink.body = &r.body;
    sink.on_data = on_data;
    sink.max_body = request.max_body;
    sink.cancel = request.cancel;
    if (on_data != nullptr) {
      sink.headers_by = started + m_c.stall_timeout;
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, write_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
    if (request.cancel != nullptr || sink.headers_by) {
      curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, check_progress);
      curl_easy_setopt(h, CURLOPT_XFERINFODATA, &sink);
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
    const CURLcode rc = curl_easy_perform(h);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    const bool stopped_stream = on_data != nullptr && !sink.headers_late &&
                                (rc == CURLE_WRITE_ERROR || rc == CURLE_ABORTED_BY_CALLBACK) &&
                                sink.overflow == 0;
    std::optional<Error> failure;
    if (rc != CURLE_OK && !stopped_stream) {
      failure = failure_of(rc, detail, sink, request, ms);
    }
    if (tracing) {
      long code = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
      std::string line = request.method + " " + url + " ";
      if (failure) {
        // Not "200 in 60002 ms" for an answer that never finished.
        line += "failed after " + std::to_string(ms) + " ms" +
                (code != 0 ? " (status " + std::to_string(code) + " received)" : "") + ": " +
                failure->message;
      } else {
        line += std::to_string(code) + " in " + std::to_string(ms) + " ms";
        if (on_data != nullptr) {
          line += " (stream ended)";
        }
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
    if (failure) {
      return tl::unexpected(std::move(*failure));
    }
    return {};  // done, or a stream its reader stopped or its owner cancelled
  }

  Error failure_of(CURLcode rc,
                   const char* detail,
                   const Sink& sink,
                   const HttpRequest& request,
                   long long ms) const {
    const std::string what = request.method + " " + request.path.substr(0, request.path.find('?'));
    if (sink.overflow != 0) {
      const bool ok = sink.head->status >= 200 && sink.head->status < 300;
      return Error{
          ErrorCode::bad_answer,
          "the answer of " + where() + " to " + what + " is larger than " + mib(sink.overflow) +
              ", krayctl's limit for " +
              (ok ? (sink.overflow >= k_max_page_bytes ? "a page of a list or a log" : "one object")
                  : "an error (status " + std::to_string(sink.head->status) + ")") +
              ": stopped reading it",
          std::nullopt,
          {},
          false};
    }
    if (sink.headers_late) {
      return Error{ErrorCode::http,
                   "no complete answer from " + where() + " to " + what + " in " +
                       std::to_string(ms / 1000) + " s (its headers were still arriving)",
                   std::nullopt,
                   {},
                   false};
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
      return Error{
          ErrorCode::http, "request to " + where() + " cancelled", std::nullopt, {}, false};
    }
    // No connection at all (refused, no such host, a certificate not
    // trusted, a TLS handshake refused): trying again at once will not
    // help, as kubectl does not.
    const bool unreachable = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                             rc == CURLE_COULDNT_RESOLVE_PROXY ||
                             rc == CURLE_PEER_FAILED_VERIFICATION ||
                             rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM ||
                             rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_SSL_CIPHER;
    return Error{unreachable ? ErrorCode::unreachable : ErrorCode::http,
                 describe(rc, detail),
                 std::nullopt,
                 {},
                 false};
  }

  // The server for messages: never its userinfo, if any.
  std::string where() const {
    return "the API server at " + without_userinfo(m_c.server) +
           (m_c.tls_server_name.empty() ? "" : " (as " + m_c.tls_server_name + ")");
  }

  std::string describe(CURLcode rc, const char* detail) const {
    const std::string why = detail[0] != '\0' ? detail : curl_easy_strerror(rc);
    switch (rc) {
      case CURLE_PEER_FAILED_VERIFICATION:
        return "cannot trust " + where() + ": " + why +
               " (check certificate-authority in the kubeconfig, or tls-server-name when the "
               "server is reached by another name)";
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_CACERT_BADFILE:
        return "TLS handshake with " + where() + " failed: " + why +
               " (krayctl requires TLS 1.2 or newer)";
      case CURLE_COULDNT_RESOLVE_HOST:
        return "cannot resolve the host of " + where() + ": " + why;
      case CURLE_COULDNT_CONNECT:
        return "cannot connect to " + where() + ": " + why;
      case CURLE_OPERATION_TIMEDOUT:
        return "no answer from " + where() + " in time: " + why;
      default:
        return "request to " + where() + " failed: " + why;
    }
  }

  static curl_socket_t open_socket(void* self, curlsocktype, curl_sockaddr* address) {
    const curl_socket_t fd =
        socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (fd != CURL_SOCKET_BAD) {
      auto* t = static_cast<CurlTransport*>(self);
      std::lock_guard<std::mutex> lock(t->m_sockets_mu);
      t->m_sockets.push_back(fd);
    }
    return fd;
  }
  static int close_socket(void* self, curl_socket_t fd) {
    auto* t = static_cast<CurlTransport*>(self);
    {
      std::lock_guard<std::mutex> lock(t->m_sockets_mu);
      std::erase(t->m_sockets, fd);
    }
    return close(fd);
  }

  Connection m_c;
  ParsedUrl m_url;
  std::string m_proxy;  // "" for none
  CURL* m_curl = nullptr;
  std::mutex m_sockets_mu;
  std::vector<curl_socket_t> m_sockets;  // open on m_curl's connections
};

}  // namespace

std::unique_ptr<Transport> make_curl_transport(Connection connection) {
  return std::make_unique<CurlTransport>(std::move(connection));
}

std::string proxy_url_for(const std::string& server,
                          const std::string& kubeconfig_proxy_url,
                          const std::function<const char*(const char*)>& getenv) {
  if (!kubeconfig_proxy_url.empty()) {
    return kubeconfig_proxy_url;
  }
  auto env = [&getenv](const char* upper, const char* lower_name) {
    const char* v = getenv(upper);
    if (v == nullptr || *v == '\0') {
      v = getenv(lower_name);
    }
    return std::string(v == nullptr ? "" : v);
  };
  const ParsedUrl u = parse_url(server);
  std::string proxy;
  if (u.scheme == "https") {
    proxy = env("HTTPS_PROXY", "https_proxy");
  } else if (u.scheme == "http") {
    proxy = env("HTTP_PROXY", "http_proxy");
  }
  if (proxy.empty()) {
    return "";
  }
  const std::string host = lower(u.host);
  if (host == "localhost") {
    return "";
  }
  if (const auto ip = parse_ip(host); ip && is_loopback(*ip)) {
    return "";
  }
  if (no_proxy_matches(env("NO_PROXY", "no_proxy"), host, u.port)) {
    return "";
  }
  return proxy;
}

bool has_userinfo(const std::string& server) {
  const auto scheme = server.find("://");
  const std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const auto end = server.find_first_of("/?#", start);
  return server.substr(start, end == std::string::npos ? std::string::npos : end - start)
             .find('@') != std::string::npos;
}

std::string without_userinfo(const std::string& server) {
  if (!has_userinfo(server)) {
    return server;
  }
  const auto scheme = server.find("://");
  const std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const auto end = server.find_first_of("/?#", start);
  const auto at = server.rfind('@', end == std::string::npos ? std::string::npos : end - 1);
  return server.substr(0, start) + server.substr(at + 1);
}

bool json_deeper_than(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) {
        return true;
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

}  // namespace kray::kube
