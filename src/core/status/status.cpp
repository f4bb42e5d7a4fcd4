// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/status/status.hpp>

#include "../yaml/json_read.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

namespace kray::core {

namespace {

using detail::member;
using detail::string_member;

int num(const Json& o, const char* key) {
  if (!o.is_object()) {
    return -1;
  }
  auto it = o.find(key);
  return it != o.end() && it->is_number_integer() ? it->get<int>() : -1;
}

const Json* condition(const Json& status, const std::string& type) {
  const Json& conditions = member(status, "conditions");
  if (!conditions.is_array()) {
    return nullptr;
  }
  for (const auto& c : conditions) {
    if (c.is_object() && string_member(c, "type") == type) {
      return &c;
    }
  }
  return nullptr;
}

bool is_true(const Json* c) {
  return c != nullptr && string_member(*c, "status") == "True";
}

std::string because(const Json* c) {
  if (c == nullptr) {
    return "";
  }
  const std::string reason = string_member(*c, "reason");
  const std::string message = string_member(*c, "message");
  return message.empty() ? reason : reason.empty() ? message : reason + ": " + message;
}

// Seconds since the epoch of an RFC 3339 UTC time ("2026-11-26T10:00:00Z").
std::optional<long long> epoch(const std::string& t) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (std::sscanf(t.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6) {
    return std::nullopt;
  }
  // Days from civil (Howard Hinnant's algorithm).
  y -= mo <= 2 ? 1 : 0;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long yoe = y - era * 400;
  const long long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const long long days = era * 146097 + doe - 719468;
  return days * 86400LL + h * 3600LL + mi * 60LL + s;
}

// The first Serve application in `service_status` (activeServiceStatus or
// pendingServiceStatus) that failed to deploy or is unhealthy:
// "application llm: DEPLOY_FAILED: message". "" when none.
std::string failed_application(const Json& service_status) {
  if (!service_status.is_object()) {
    return "";
  }
  const auto apps = service_status.find("applicationStatuses");
  if (apps == service_status.end() || !apps->is_object()) {
    return "";
  }
  for (const auto& [name, app] : apps->items()) {
    const std::string status = string_member(app, "status");
    if (status != "DEPLOY_FAILED" && status != "UNHEALTHY") {
      continue;
    }
    std::string why = "application " + name + ": " + status;
    if (const std::string message = one_line(string_member(app, "message")); !message.empty()) {
      why += ": " + message;
    } else if (const Json& deployments = member(app, "serveDeploymentStatuses");
               deployments.is_object()) {
      // The application says nothing: its first unhealthy deployment may.
      for (const auto& [deployment, d] : deployments.items()) {
        if (string_member(d, "status") == "UNHEALTHY" && !string_member(d, "message").empty()) {
          why += ": deployment " + deployment + ": " + one_line(string_member(d, "message"));
          break;
        }
      }
    }
    return why;
  }
  return "";
}

}  // namespace

std::string one_line(const std::string& message) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= message.size()) {
    auto nl = message.find('\n', start);
    if (nl == std::string::npos) {
      nl = message.size();
    }
    std::string line = message.substr(start, nl - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.pop_back();
    }
    const auto first = line.find_first_not_of(" \t");
    if (first != std::string::npos) {
      lines.push_back(line.substr(first));
    }
    start = nl + 1;
  }
  if (lines.empty()) {
    return "";
  }
  return lines.size() == 1 ? lines.front() : lines.front() + " ... " + lines.back();
}

bool any_failed(const std::vector<WorkloadStatus>& rows) {
  return std::any_of(rows.begin(), rows.end(), [](const WorkloadStatus& r) { return r.failed; });
}

WorkloadStatus workload_status(const Json& object) {
  WorkloadStatus w;
  w.kind = string_member(object, "kind");
  const Json& meta = member(object, "metadata");
  w.ns = string_member(meta, "namespace");
  w.name = string_member(meta, "name");
  w.created = string_member(meta, "creationTimestamp");
  w.uid = string_member(meta, "uid");
  const Json& st = member(object, "status");
  if (!st.is_object() || st.empty()) {
    w.state = "unknown";
    w.reason = "no status yet (is the KubeRay operator running?)";
    return w;
  }
  auto cluster_part = [&w](const Json& cs) {
    w.ready_workers = num(cs, "readyWorkerReplicas");
    w.desired_workers = num(cs, "desiredWorkerReplicas");
    const std::string gpu = string_member(cs, "desiredGPU");
    w.gpus = gpu == "0" ? "" : gpu;
  };
  if (w.kind == "RayCluster") {
    cluster_part(st);
    const bool suspended = string_member(st, "state") == "suspended";
    const bool head = is_true(condition(st, "HeadPodReady"));
    const bool provisioned =
        is_true(condition(st, "RayClusterProvisioned")) || string_member(st, "state") == "ready";
    w.healthy = head && provisioned && !suspended;
    w.state = suspended ? "suspended" : w.healthy ? "ready" : "provisioning";
    if (const Json* failure = condition(st, "ReplicaFailure"); is_true(failure)) {
      w.healthy = false;
      w.failed = true;
      w.state = "failing";
      w.reason = because(failure);
    } else if (!w.healthy && !suspended) {
      w.waiting_for_workers = head;
      w.reason = head ? "waiting for workers to be ready" : because(condition(st, "HeadPodReady"));
    }
    w.cluster = w.name;
  } else if (w.kind == "RayJob") {
    w.state = string_member(st, "jobDeploymentStatus");
    w.job_status = string_member(st, "jobStatus");
    w.cluster = string_member(st, "rayClusterName");
    cluster_part(member(st, "rayClusterStatus"));
    // Terminal states and success (KubeRay's IsJobDeploymentTerminal, in
    // ray-operator/apis/ray/v1/rayjob_types.go;
    // ValidationFailed is requeued forever, so final too; STOPPED ends in
    // Complete but is not a success).
    w.finished = w.state == "Complete" || w.state == "Failed" || w.state == "ValidationFailed";
    const bool stopped_or_failed = w.job_status == "STOPPED" || w.job_status == "FAILED";
    w.failed = w.state == "Failed" || w.state == "ValidationFailed" ||
               (w.state == "Complete" && stopped_or_failed);
    w.healthy = !w.failed && (w.state == "Running" || w.state == "Waiting" ||
                              (w.state == "Complete" && w.job_status == "SUCCEEDED"));
    if (w.failed || w.state == "Retrying") {
      const std::string reason = string_member(st, "reason");
      const std::string message = one_line(string_member(st, "message"));
      w.reason = message.empty() ? reason : reason.empty() ? message : reason + ": " + message;
      if (w.reason.empty() && stopped_or_failed) {
        w.reason = "the Ray job is " + w.job_status;
      }
    }
    if (w.state.empty()) {
      w.state = "New";
    }
  } else if (w.kind == "RayService") {
    const Json* ready = condition(st, "Ready");
    w.healthy = is_true(ready) || string_member(st, "serviceStatus") == "Running";
    w.state = w.healthy ? "Ready" : "NotReady";
    if (is_true(condition(st, "UpgradeInProgress"))) {
      w.state += ",Upgrading";
    }
    const Json& active = member(st, "activeServiceStatus");
    const Json& pending = member(st, "pendingServiceStatus");
    cluster_part(member(active, "rayClusterStatus"));
    w.cluster = string_member(active, "rayClusterName");
    if (w.cluster.empty()) {
      w.cluster = string_member(pending, "rayClusterName");
    }
    const std::string active_app = failed_application(active);
    const std::string pending_app = failed_application(pending);
    const std::string ready_reason = ready != nullptr ? string_member(*ready, "reason") : "";
    if (!active_app.empty()) {
      w.healthy = false;
      w.failed = true;
      w.reason = active_app;
    } else if (!pending_app.empty()) {
      // Serving on the active cluster while an upgrade fails: say so, but
      // the service itself is up.
      w.failed = !w.healthy;
      w.reason = w.healthy ? "upgrade: " + pending_app : pending_app;
    } else if (!w.healthy) {
      w.failed = ready_reason == "ValidationFailed" || ready_reason == "InitializingTimeout";
      w.reason = one_line(because(ready));
    }
  } else {
    w.state = "unknown";
  }
  return w;
}

std::string short_age(const std::string& from, const std::string& now) {
  const auto a = epoch(from);
  const auto b = epoch(now);
  if (!a || !b) {
    return "";
  }
  const long long s = std::max<long long>(0, *b - *a);
  if (s < 120) {
    return std::to_string(s) + "s";
  }
  if (s < 2LL * 3600) {
    return std::to_string(s / 60) + "m";
  }
  if (s < 2LL * 86400) {
    return std::to_string(s / 3600) + "h";
  }
  return std::to_string(s / 86400) + "d";
}

std::string format_status_table(const std::vector<WorkloadStatus>& rows,
                                bool all_namespaces,
                                const std::string& now) {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> header = {"NAME", "STATE", "WORKERS", "GPUS", "JOB", "AGE", "REASON"};
  if (all_namespaces) {
    header.insert(header.begin(), "NAMESPACE");
  }
  cells.push_back(header);
  for (const auto& r : rows) {
    std::vector<std::string> row = {r.kind == "RayCluster" ? "raycluster/" + r.name
                                    : r.kind == "RayJob"   ? "rayjob/" + r.name
                                                           : "rayservice/" + r.name,
                                    r.state,
                                    r.desired_workers < 0
                                        ? "-"
                                        : std::to_string(std::max(0, r.ready_workers)) + "/" +
                                              std::to_string(r.desired_workers),
                                    r.gpus.empty() ? "-" : r.gpus,
                                    r.job_status.empty() ? "-" : r.job_status,
                                    short_age(r.created, now),
                                    r.reason};
    if (all_namespaces) {
      row.insert(row.begin(), r.ns);
    }
    cells.push_back(row);
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& row : cells) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line += std::string(width[i] - row[i].size() + 3, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line + "\n";
  }
  return out;
}

Json to_json(const WorkloadStatus& s) {
  Json j = {{"kind", s.kind},   {"namespace", s.ns},    {"name", s.name},
            {"state", s.state}, {"healthy", s.healthy}, {"failed", s.failed}};
  if (s.desired_workers >= 0) {
    j["workers"] = {{"ready", std::max(0, s.ready_workers)}, {"desired", s.desired_workers}};
  }
  if (!s.gpus.empty()) {
    j["gpus"] = s.gpus;
  }
  if (!s.job_status.empty()) {
    j["jobStatus"] = s.job_status;
  }
  j["created"] = s.created;
  if (!s.reason.empty()) {
    j["reason"] = s.reason;
  }
  return j;
}

}  // namespace kray::core
