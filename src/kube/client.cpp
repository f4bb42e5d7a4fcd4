// SPDX-License-Identifier: Apache-2.0
#include <krayctl/kube/client.hpp>

#include <algorithm>

namespace kray::kube {

using core::Json;

namespace {

// What to do without the CRDs. Local mode (krayctl creating the Pods, no
// operator) is not built yet, so it is not offered.
constexpr const char* k_install_operator =
    "install the KubeRay operator (Helm chart kuberay-operator 1.6.2)";

bool retriable(long status) {
  return status == 429 || status >= 500;
}

std::string first_line(const std::string& text, std::size_t max = 200) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > max) {
    line = line.substr(0, max) + "...";
  }
  return line;
}

}  // namespace

Error api_error(const HttpResponse& r, const HttpRequest& request) {
  const Json status = Json::parse(r.body, nullptr, false);
  const bool is_status = status.is_object() && status.value("kind", "") == "Status";
  std::string message = is_status ? status.value("message", "") : "";
  const std::string reason = is_status ? status.value("reason", "") : "";
  const Json details = is_status ? status.value("details", Json::object()) : Json::object();
  ErrorCode code = ErrorCode::http;
  if (!is_status) {
    message = r.body.empty() || r.body.find_first_not_of(" \r\n\t") == std::string::npos
                  ? "the server responded with the status code " + std::to_string(r.status) +
                        " but did not return more information"
                  : "an error on the server (\"" + first_line(r.body) +
                        "\") has prevented the request from succeeding (status " +
                        std::to_string(r.status) + ")";
  }
  switch (r.status) {
    case 401:
      code = ErrorCode::unauthorized;
      message = "the API server rejected the credentials (401 Unauthorized)";
      break;
    case 403:
      code = ErrorCode::forbidden;
      break;
    case 404: {
      code = ErrorCode::not_found;
      // A missing group answers the generic text with no details.name.
      const bool ray = request.path.rfind("/apis/ray.io/", 0) == 0;
      if (ray && !details.contains("name")) {
        message = "the KubeRay CRDs are not installed (the API server does not serve ray.io/v1): " +
                  std::string(k_install_operator);
      }
      break;
    }
    case 409:
      code = ErrorCode::conflict;
      break;
    case 410:
      code = ErrorCode::gone;
      break;
    case 422: {
      code = ErrorCode::invalid_spec;
      break;
    }
    default:
      break;
  }
  if (is_status && details.contains("causes") && details["causes"].is_array() && r.status != 409) {
    std::string causes;
    for (const auto& c : details["causes"]) {
      if (!c.is_object()) {
        continue;
      }
      const std::string field = c.value("field", "");
      causes += "\n  " + (field.empty() ? std::string() : field + ": ") + c.value("message", "");
    }
    if (!causes.empty() && r.status == 422) {
      message += causes;
    }
  }
  if (!reason.empty() && r.status != 401) {
    message += " (" + std::to_string(r.status) + " " + reason + ")";
  }
  return Error{code, message, std::nullopt, {}, false};
}

Client::Client(
    Transport& transport, Sleep sleep, Warn warn, RetryPolicy policy, std::string identity)
    : m_transport(transport),
      m_sleep(std::move(sleep)),
      m_warn(std::move(warn)),
      m_policy(policy),
      m_identity(std::move(identity)) {}

Result<HttpResponse> Client::call(const HttpRequest& request) {
  const bool read = request.method == "GET";
  for (int attempt = 0;; ++attempt) {
    auto r = m_transport.send(request);
    const bool last = attempt >= m_policy.max_retries;
    std::chrono::milliseconds wait =
        std::min(m_policy.cap, m_policy.base * (1 << std::min(attempt, 10)));
    // Jitter: up to half again, so that many clients do not retry in step.
    m_jitter = m_jitter * 6364136223846793005ULL + 1442695040888963407ULL;
    wait += std::chrono::milliseconds(static_cast<long long>(
        (m_jitter >> 33) % static_cast<std::uint64_t>(wait.count() / 2 + 1)));
    if (!r) {
      // No answer: only a read is safe to send again, and only when a
      // connection was made (refused, unresolved, untrusted: not again).
      if (!read || last || r.error().code == ErrorCode::unreachable) {
        return r;
      }
      ++m_retries;
      m_sleep(wait);
      continue;
    }
    for (const auto& w : r->warnings) {
      if (m_warned.insert(w).second && m_warn) {
        m_warn(w);
      }
    }
    if (r->status >= 200 && r->status < 300) {
      return r;
    }
    if (retriable(r->status) && !last && (r->retry_after_s || read)) {
      if (r->retry_after_s) {
        wait = std::max(wait, std::chrono::milliseconds(1000LL * *r->retry_after_s));
      }
      ++m_retries;
      m_sleep(wait);
      continue;
    }
    Error e = r->status == 404 ? not_found_error(*r, request) : api_error(*r, request);
    if (e.code == ErrorCode::unauthorized && !m_identity.empty()) {
      e.message += ": " + m_identity;
    }
    return tl::unexpected(std::move(e));
  }
}

Result<bool> Client::serves(const std::string& group_version, const std::string& resource) {
  auto it = m_discovered.find(group_version);
  if (it == m_discovered.end()) {
    HttpRequest request;
    request.path = group_version == "v1" ? "/api/v1" : "/apis/" + group_version;
    auto r = m_transport.send(request);
    if (!r) {
      return tl::unexpected(std::move(r).error());
    }
    std::optional<std::set<std::string>> served;
    if (r->status == 200) {
      served.emplace();
      const Json list = Json::parse(r->body, nullptr, false);
      if (list.is_object() && list.contains("resources") && list["resources"].is_array()) {
        for (const auto& res : list["resources"]) {
          if (res.is_object() && res.contains("name") && res["name"].is_string()) {
            served->insert(res["name"].get<std::string>());
          }
        }
      }
    } else if (r->status != 404) {
      return tl::unexpected(api_error(*r, request));
    }
    it = m_discovered.emplace(group_version, std::move(served)).first;
  }
  return it->second.has_value() && it->second->count(resource) > 0;
}

Error Client::not_found_error(const HttpResponse& response, const HttpRequest& request) {
  Error e = api_error(response, request);
  // /api/v1/... or /apis/GROUP/VERSION/..., then [namespaces/NS/]RESOURCE.
  std::vector<std::string> parts;
  const std::string path = request.path.substr(0, request.path.find('?'));
  for (std::size_t start = 1; start <= path.size();) {
    const auto slash = path.find('/', start);
    parts.push_back(path.substr(start, slash - start));
    start = slash == std::string::npos ? path.size() + 1 : slash + 1;
  }
  std::string gv;
  std::size_t at = 0;
  if (parts.size() >= 3 && parts[0] == "api") {
    gv = parts[1];
    at = 2;
  } else if (parts.size() >= 4 && parts[0] == "apis") {
    gv = parts[1] + "/" + parts[2];
    at = 3;
  } else {
    return e;
  }
  if (parts.size() > at + 2 && parts[at] == "namespaces") {
    at += 2;
  }
  if (parts.size() <= at) {
    return e;
  }
  const std::string resource = parts[at];
  auto served = serves(gv, resource);
  if (!served) {
    return e;  // discovery failed too: the 404's own words
  }
  if (*served) {
    if (e.message.rfind("the KubeRay CRDs", 0) == 0) {  // served after all: the object is missing
      e.message = resource + " \"" + (parts.size() > at + 1 ? parts[at + 1] : "") +
                  "\" not found (404 NotFound)";
    }
    return e;
  }
  e.code = ErrorCode::not_found;
  if (gv.rfind("ray.io/", 0) == 0) {
    e.message = "the KubeRay CRDs are not installed (the API server does not serve " + resource +
                " in " + gv + "): " + k_install_operator;
  } else {
    e.message = "the API server does not serve " + resource + " in " + gv +
                " (a CRD or an API that is not installed)";
  }
  return e;
}

Result<Json> Client::get(const std::string& path) {
  HttpRequest request;
  request.path = path;
  auto r = call(request);
  if (!r) {
    return tl::unexpected(std::move(r).error());
  }
  Json j = Json::parse(r->body, nullptr, false);
  if (j.is_discarded()) {
    return make_error(ErrorCode::http,
                      "the API server answered " + path + " with a body that is not JSON");
  }
  return j;
}

}  // namespace kray::kube
