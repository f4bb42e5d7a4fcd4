// SPDX-License-Identifier: Apache-2.0
#include <krayctl/kube/client.hpp>

#include <algorithm>
#include <set>

namespace kray::kube {

using core::Json;

namespace {

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

Result<Json> parse_server_json(std::string_view text, const std::string& what) {
  if (json_deeper_than(text)) {
    return make_error(ErrorCode::bad_answer, what + " nests deeper than " +
                                                 std::to_string(k_max_json_depth) +
                                                 " levels, krayctl's limit: not read");
  }
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return make_error(ErrorCode::http, what + " is not JSON");
  }
  return j;
}

Error api_error(const HttpResponse& r, const HttpRequest& /*request*/) {
  const Json status =
      json_deeper_than(r.body) ? Json(nullptr) : Json::parse(r.body, nullptr, false);
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
    case 404:
      code = ErrorCode::not_found;
      break;
    case 409: {
      // Server-side apply's conflicts come as causes of type
      // FieldManagerConflict (apimachinery's metav1.CauseTypeFieldManagerConflict;
      // a StatusCause's type is the JSON field "reason").
      code = ErrorCode::conflict;
      for (const auto& c : details.value("causes", Json::array())) {
        if (c.is_object() && c.value("reason", Json("")) == "FieldManagerConflict") {
          code = ErrorCode::field_conflict;
        }
      }
      break;
    }
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

Client::Client(Transport& transport,
               util::Clock& clock,
               Warn warn,
               RetryPolicy policy,
               std::string identity,
               const std::atomic<bool>* stop)
    : m_transport(transport),
      m_clock(clock),
      m_stop(stop),
      m_warn(std::move(warn)),
      m_policy(policy),
      m_identity(std::move(identity)) {}

Result<HttpResponse> Client::call(const HttpRequest& request) {
  const bool read = request.method == "GET";
  // One budget for every attempt and wait: the request's timeout, and the
  // command's deadline.
  Deadline until = m_deadline;
  if (request.timeout.count() > 0) {
    const auto budget = m_clock.steady_now() + request.timeout;
    until = until ? std::min(*until, budget) : budget;
  }
  auto left = [this, &until] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(*until - m_clock.steady_now());
  };
  auto out_of_time = [&](const std::string& last) {
    const bool command = m_deadline && until == m_deadline;
    return Error{ErrorCode::timeout,
                 std::string(command ? "the command's --timeout" : "the request's time") +
                     " ran out waiting to try " + request.method + " " +
                     request.path.substr(0, request.path.find('?')) + " again" +
                     (last.empty() ? "" : " (" + last + ")"),
                 std::nullopt,
                 {},
                 false};
  };
  HttpRequest attempt_request = request;
  for (int attempt = 0;; ++attempt) {
    if (until) {
      const auto remaining = left();
      if (remaining.count() <= 0) {
        return tl::unexpected(out_of_time(""));
      }
      attempt_request.timeout = remaining;
    }
    auto r = m_transport.send(attempt_request);
    const bool last = attempt >= m_policy.max_retries;
    std::chrono::milliseconds wait =
        std::min(m_policy.cap, m_policy.base * (1 << std::min(attempt, 10)));
    // Jitter: up to half again, so that many clients do not retry in step.
    m_jitter = m_jitter * 6364136223846793005ULL + 1442695040888963407ULL;
    wait += std::chrono::milliseconds(static_cast<long long>(
        (m_jitter >> 33) % static_cast<std::uint64_t>(wait.count() / 2 + 1)));
    if (!r) {
      // No answer: only a read is safe to send again, and only when a
      // connection was made and answered in part (refused, unresolved,
      // untrusted, an answer past a limit: not again).
      if (!read || last || r.error().code != ErrorCode::http) {
        return r;
      }
      if (until && wait >= left()) {
        return tl::unexpected(out_of_time(r.error().message));
      }
      ++m_retries;
      m_clock.sleep_for(wait, m_stop);
      continue;
    }
    for (const auto& w : r->warnings) {
      if (m_warned.insert(w).second && m_warn) {
        m_warn(w);
      }
    }
    if (r->status >= 200 && r->status < 300) {
      const auto first = r->body.find_first_not_of(" \t\r\n");
      if (first != std::string::npos && (r->body[first] == '{' || r->body[first] == '[') &&
          json_deeper_than(r->body)) {
        return make_error(ErrorCode::bad_answer,
                          "the answer of the API server to " + request.method + " " +
                              request.path.substr(0, request.path.find('?')) +
                              " nests deeper than " + std::to_string(k_max_json_depth) +
                              " levels, krayctl's limit: not read");
      }
      return r;
    }
    if (retriable(r->status) && !last && (r->retry_after_s || read)) {
      if (r->retry_after_s) {
        // Honoured up to the policy's cap: a server cannot park us for days.
        wait = std::max(
            wait, std::min(m_policy.cap, std::chrono::milliseconds(1000LL * *r->retry_after_s)));
      }
      if (until && wait >= left()) {
        return tl::unexpected(out_of_time("the last answer: status " + std::to_string(r->status)));
      }
      ++m_retries;
      m_clock.sleep_for(wait, m_stop);
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
      const Json list =
          json_deeper_than(r->body) ? Json(nullptr) : Json::parse(r->body, nullptr, false);
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
  // A missing group or resource answers the generic text, with no
  // details.name; a missing object names itself.
  const Json status =
      json_deeper_than(response.body) ? Json(nullptr) : Json::parse(response.body, nullptr, false);
  const bool named = status.is_object() && status.contains("details") &&
                     status["details"].is_object() && status["details"].contains("name");
  auto served = serves(gv, resource);
  if (!served) {
    // Discovery failed too: the 404's own words, or the application's for
    // an API it knows may be missing.
    if (!named && m_missing_api_words) {
      if (auto words = m_missing_api_words(gv, "")) {
        const std::string reason = status.is_object() ? status.value("reason", "") : "";
        e.message = *words + (reason.empty() ? "" : " (404 " + reason + ")");
      }
    }
    return e;
  }
  if (*served) {
    if (!named && parts.size() == at + 2) {  // served after all: the object is missing
      e.message = resource + " \"" + parts[at + 1] + "\" not found (404 NotFound)";
    }
    return e;
  }
  e.code = ErrorCode::not_installed;
  std::optional<std::string> words;
  if (m_missing_api_words) {
    words = m_missing_api_words(gv, resource);
  }
  e.message = words ? *words
                    : "the API server does not serve " + resource + " in " + gv +
                          " (a CRD or an API that is not installed)";
  return e;
}

Result<Json> Client::get(const std::string& path) {
  HttpRequest request;
  request.path = path;
  auto r = call(request);
  if (!r) {
    return tl::unexpected(std::move(r).error());
  }
  auto j = parse_server_json(
      r->body, "the answer of the API server to GET " + path.substr(0, path.find('?')));
  if (!j && j.error().code == ErrorCode::http) {
    return make_error(ErrorCode::http,
                      "the API server answered " + path + " with a body that is not JSON");
  }
  return j;
}

Result<ListResult> list_all(Client& client, const std::string& path, const ListLimits& limits) {
  const std::string base = path + (path.find('?') == std::string::npos ? "?" : "&");
  const std::string shown = path.substr(0, path.find('?'));
  ListResult result;
  std::string token;
  std::set<std::string> tokens;  // every continue token seen: one again is a loop
  bool paged = true;
  int pages = 0;
  do {
    if (++pages > limits.max_pages) {
      return make_error(ErrorCode::bad_answer,
                        "listing " + shown + ": the API server did not end the list in " +
                            std::to_string(limits.max_pages) + " pages, krayctl's limit: stopped");
    }
    std::string url = base + (paged ? "limit=500" : "");
    if (!token.empty()) {
      url += "&continue=" + token;
    }
    HttpRequest request;
    request.path = url;
    request.max_body = k_max_page_bytes;
    auto answer = client.call(request);
    if (!answer) {
      if (answer.error().code == ErrorCode::gone && paged && !token.empty()) {
        // The continue token expired between pages: one list, unpaged.
        paged = false;
        token.clear();
        tokens.clear();
        result.items.clear();
        continue;
      }
      return tl::unexpected(std::move(answer).error());
    }
    auto page = parse_server_json(answer->body, "the answer of the API server to GET " + shown);
    if (!page) {
      return tl::unexpected(std::move(page).error());
    }
    // List items leave out kind and apiVersion; the list names them.
    std::string kind = page->is_object() ? page->value("kind", "") : "";
    if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "List") == 0) {
      kind.resize(kind.size() - 4);
    }
    const std::string api = page->is_object() ? page->value("apiVersion", "") : "";
    if (page->is_object() && page->contains("items") && (*page)["items"].is_array()) {
      for (auto& item : (*page)["items"]) {
        if (!item.is_object()) {
          continue;
        }
        if (result.items.size() >= limits.max_items) {
          return make_error(ErrorCode::bad_answer, "listing " + shown + ": more than " +
                                                       std::to_string(limits.max_items) +
                                                       " items, krayctl's limit: stopped");
        }
        if (!kind.empty() && !item.contains("kind")) {
          item["kind"] = kind;
        }
        if (!api.empty() && !item.contains("apiVersion")) {
          item["apiVersion"] = api;
        }
        result.items.push_back(std::move(item));
      }
    }
    static const Json k_none = Json::object();
    const Json& meta =
        page->is_object() && page->contains("metadata") && (*page)["metadata"].is_object()
            ? (*page)["metadata"]
            : k_none;
    const Json& next = meta.contains("continue") ? meta["continue"] : k_none;
    token = next.is_string() ? next.get<std::string>() : "";
    const Json& rv = meta.contains("resourceVersion") ? meta["resourceVersion"] : k_none;
    result.resource_version = rv.is_string() ? rv.get<std::string>() : "";
    if (!token.empty() && !tokens.insert(token).second) {
      return make_error(ErrorCode::bad_answer,
                        "listing " + shown +
                            ": the API server sent the same continue token twice, so the list "
                            "would never end: stopped");
    }
  } while (!token.empty());
  return result;
}

}  // namespace kray::kube
