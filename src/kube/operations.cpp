// SPDX-License-Identifier: Apache-2.0
#include <krayctl/kube/operations.hpp>

#include <algorithm>

namespace kray::kube {

using core::Json;

Result<void> read_log(Client& client,
                      Transport& transport,
                      const std::string& ns,
                      const std::string& pod,
                      const LogOptions& options,
                      const std::function<bool(std::string_view)>& on_text,
                      const std::atomic<bool>* cancel) {
  HttpRequest request;
  request.path = "/api/v1/namespaces/" + ns + "/pods/" + pod + "/log";
  std::string query;
  auto add = [&query](const std::string& p) { query += (query.empty() ? "?" : "&") + p; };
  if (!options.container.empty()) {
    add("container=" + options.container);
  }
  if (options.follow) {
    add("follow=true");
  }
  if (options.timestamps) {
    add("timestamps=true");
  }
  if (options.since_seconds) {
    add("sinceSeconds=" + std::to_string(*options.since_seconds));
  }
  if (options.tail_lines) {
    add("tailLines=" + std::to_string(*options.tail_lines));
  }
  request.path += query;
  request.accept = "*/*";
  if (!options.follow) {
    request.max_body = k_max_page_bytes;  // a log read whole
    KRAY_TRY_ASSIGN(auto r, client.call(request));
    on_text(r.body);
    return {};
  }
  request.timeout = std::chrono::milliseconds(0);
  request.cancel = cancel;
  HttpResponse head;
  KRAY_TRY(transport.stream(request, head, on_text));
  if (head.status != 0 && (head.status < 200 || head.status >= 300)) {
    return tl::unexpected(api_error(head, request));
  }
  return {};
}

Result<HttpResponse> proxy(Client& client,
                           const std::string& method,
                           const std::string& ns,
                           const std::string& service,
                           const std::string& port,
                           const std::string& path,
                           const std::string& body,
                           const std::string& content_type) {
  HttpRequest request;
  request.method = method;
  request.path = "/api/v1/namespaces/" + ns + "/services/" + service +
                 (port.empty() ? "" : ":" + port) + "/proxy" +
                 (path.empty() || path.front() != '/' ? "/" : "") + path;
  request.body = body;
  request.content_type = content_type;
  request.accept = "*/*";
  request.max_body = k_max_page_bytes;  // the Ray dashboard's answers (job logs) may be large
  auto r = client.call(request);
  if (r) {
    return r;
  }
  return tl::unexpected(std::move(r).error().add_context("service " + ns + "/" + service +
                                                         (port.empty() ? "" : ":" + port)));
}

Result<std::vector<Json>> events_of(Client& client,
                                    const std::string& ns,
                                    const std::string& kind,
                                    const std::string& name,
                                    const std::string& uid) {
  KRAY_TRY_ASSIGN(auto list, client.get("/api/v1/namespaces/" + ns +
                                        "/events?fieldSelector=involvedObject.name%3D" + name +
                                        ",involvedObject.kind%3D" + kind +
                                        (uid.empty() ? "" : ",involvedObject.uid%3D" + uid)));
  std::vector<Json> events;
  if (list.contains("items") && list["items"].is_array()) {
    for (auto& e : list["items"]) {
      const Json involved = e.value("involvedObject", Json::object());
      if (!uid.empty() && involved.is_object() && involved.value("uid", Json("")) != uid) {
        continue;  // an earlier object of the same name
      }
      events.push_back(std::move(e));
    }
  }
  auto when = [](const Json& e) {
    for (const char* f : {"lastTimestamp", "eventTime", "firstTimestamp"}) {
      if (e.contains(f) && e[f].is_string()) {
        return e[f].get<std::string>();
      }
    }
    return std::string();
  };
  std::stable_sort(events.begin(), events.end(),
                   [&](const Json& a, const Json& b) { return when(a) < when(b); });
  return events;
}

}  // namespace kray::kube
