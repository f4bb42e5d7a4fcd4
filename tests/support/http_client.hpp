// SPDX-License-Identifier: Apache-2.0
// A small libcurl client for fakekube's own tests: what a Kubernetes client
// sends, nothing of krayctl's (issue 5 brings krayctl's client). TLS is
// verified against fakekube's CA; the client certificate and key are passed
// from memory.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace fakekube {
class ApiServer;
}

namespace testing {

struct HttpResponse {
  long status = 0;  // 0: no response arrived (see error)
  std::string body;
  std::multimap<std::string, std::string> headers;  // names in lower case
  std::string content_type;
  std::string error;  // libcurl's message when the transfer failed or broke off
};

class HttpClient {
 public:
  // As `identity` ("admin", "token", "viewer") of `server`; "" sends no
  // credentials.
  HttpClient(const fakekube::ApiServer& server, std::string identity);

  HttpResponse request(const std::string& method,
                       const std::string& path,
                       const std::string& body = "",
                       const std::string& content_type = "application/json") const;
  HttpResponse get(const std::string& path) const { return request("GET", path); }

  // A streaming GET: `on_data` gets each piece as it arrives and returns
  // false to stop reading.
  HttpResponse stream(const std::string& path,
                      const std::function<bool(const std::string&)>& on_data) const;

  std::string token;  // overrides the identity's token when set
  std::string user_agent = "fakekube-test/1.0";
  std::string client_cert_pem;  // overrides the identity's certificate when set
  std::string client_key_pem;
  std::string ca_pem;
  bool accept_gzip = false;  // Accept-Encoding: gzip, as Go clients send it
  long timeout_s = 30;       // for the whole transfer

 private:
  HttpResponse perform(const std::string& method,
                       const std::string& path,
                       const std::string& body,
                       const std::string& content_type,
                       const std::function<bool(const std::string&)>* on_data) const;
  std::string m_url;
};

}  // namespace testing
