// SPDX-License-Identifier: Apache-2.0
#include "http_client.hpp"

#include "fakekube/server.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace testing {

namespace {

struct Transfer {
  HttpResponse* response;
  const std::function<bool(const std::string&)>* on_data;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string piece(data, size * n);
  if (t->on_data != nullptr) {
    return (*t->on_data)(piece) ? size * n : 0;
  }
  t->response->body += piece;
  return size * n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* r = static_cast<HttpResponse*>(user);
  std::string line(data, size * n);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of("\r\n ") + 1);
    r->headers.emplace(name, value);
  }
  return size * n;
}

curl_blob blob_of(const std::string& s) {
  return curl_blob{const_cast<char*>(s.data()), s.size(), CURL_BLOB_COPY};
}

}  // namespace

HttpClient::HttpClient(const fakekube::ApiServer& server, std::string identity)
    : ca_pem(server.ca_pem()), m_url(server.url()) {
  if (!identity.empty()) {
    const auto& id = server.identity(identity);
    token = id.token;
    client_cert_pem = id.client_cert.cert_pem;
    client_key_pem = id.client_cert.key_pem;
  }
}

HttpResponse HttpClient::request(const std::string& method,
                                 const std::string& path,
                                 const std::string& body,
                                 const std::string& content_type) const {
  return perform(method, path, body, content_type, nullptr);
}

HttpResponse HttpClient::stream(const std::string& path,
                                const std::function<bool(const std::string&)>& on_data) const {
  return perform("GET", path, "", "", &on_data);
}

HttpResponse HttpClient::perform(const std::string& method,
                                 const std::string& path,
                                 const std::string& body,
                                 const std::string& content_type,
                                 const std::function<bool(const std::string&)>* on_data) const {
  HttpResponse response;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, (m_url + path).c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_blob ca = blob_of(ca_pem);
  curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
  curl_blob cert = blob_of(client_cert_pem);
  curl_blob key = blob_of(client_key_pem);
  if (!client_cert_pem.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
  }
  curl_slist* headers = nullptr;
  if (!token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  }
  headers = curl_slist_append(headers, "Accept: application/json");
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent.c_str());
  if (accept_gzip) {
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
  }
  Transfer t{&response, on_data};
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    response.error = curl_easy_strerror(rc);
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  char* ct = nullptr;
  curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
  if (ct != nullptr) {
    response.content_type = ct;
  }
  curl_slist_free_all(headers);
  return response;
}

}  // namespace testing
