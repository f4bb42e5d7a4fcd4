// SPDX-License-Identifier: Apache-2.0
// What a scripted transport answers in place of the API server
// (tests/unit/kube/*): a list at a resourceVersion, a line of a watch
// stream, shaped as the Kubernetes API Concepts page describes them; and
// the connection of fakekube's "admin" user, for tests against it.
#pragma once

#include <krayctl/core/yaml/json.hpp>
#include <krayctl/kube/transport.hpp>

#include "fakekube/server.hpp"

#include <string>
#include <vector>

namespace testing {

// A 200 holding a `kind` ("PodList") of `items` at resourceVersion `rv`.
inline kray::kube::HttpResponse list_answer(const std::vector<kray::core::Json>& items,
                                            const std::string& rv,
                                            const std::string& kind) {
  kray::kube::HttpResponse r;
  r.status = 200;
  r.body = kray::core::Json{
      {"kind", kind},
      {"apiVersion", "v1"},
      {"metadata", {{"resourceVersion", rv}}},
      {"items",
       items}}.dump();
  return r;
}

// One event of a watch stream, newline included.
inline std::string watch_line(const std::string& type, const kray::core::Json& object) {
  return kray::core::Json{{"type", type}, {"object", object}}.dump() + "\n";
}

// fakekube's "admin" (a client certificate of group system:masters).
inline kray::kube::Connection admin_connection(const fakekube::ApiServer& server) {
  kray::kube::Connection c;
  c.server = server.url();
  c.ca_pem = server.ca_pem();
  c.client_cert_pem = server.identity("admin").client_cert.cert_pem;
  c.client_key_pem = server.identity("admin").client_cert.key_pem;
  return c;
}

}  // namespace testing
