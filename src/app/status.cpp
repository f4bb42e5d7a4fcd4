// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/status.hpp>

#include "status_rows.hpp"

#include <krayctl/app/connection.hpp>
#include <krayctl/core/status.hpp>
#include <krayctl/core/yaml_emit.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/operations.hpp>
#include <krayctl/kube/resources.hpp>
#include <krayctl/util/strings.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>

namespace kray::app {

namespace detail {

using core::Json;

std::string now_rfc3339() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::vector<Json>> list_all(kube::Client& client, const std::string& path) {
  std::vector<Json> items;
  std::string token;
  do {
    std::string url = path + (path.find('?') == std::string::npos ? "?" : "&") + "limit=500";
    if (!token.empty()) {
      url += "&continue=" + token;
    }
    KRAY_TRY_ASSIGN(auto page, client.get(url));
    if (page.contains("items") && page["items"].is_array()) {
      for (auto& item : page["items"]) {
        items.push_back(std::move(item));
      }
    }
    token = page.value("metadata", Json::object()).value("continue", "");
  } while (!token.empty());
  return items;
}

const std::vector<std::pair<std::string, std::string>>& ray_kinds() {
  static const std::vector<std::pair<std::string, std::string>> k = {
      {"RayCluster", "raycluster"}, {"RayJob", "rayjob"}, {"RayService", "rayservice"}};
  return k;
}

std::string pod_reason(const Json& pod) {
  const Json st = pod.value("status", Json::object());
  for (const auto& cs : st.value("containerStatuses", Json::array())) {
    const Json state = cs.value("state", Json::object());
    if (state.contains("waiting")) {
      return state["waiting"].value("reason", "");
    }
    if (state.contains("terminated")) {
      return state["terminated"].value("reason", "");
    }
  }
  for (const auto& c : st.value("conditions", Json::array())) {
    if (c.value("type", "") == "PodScheduled" && c.value("status", "") == "False") {
      return c.value("reason", "") + ": " + c.value("message", "");
    }
  }
  return "";
}

void note_worker(WorkerReasons& reasons, const Json& pod) {
  const Json meta = pod.value("metadata", Json::object());
  const Json labels = meta.value("labels", Json::object());
  const std::string why = pod_reason(pod);
  if (why.empty() || pod.value("status", Json::object()).value("phase", "") == "Running") {
    return;
  }
  auto& by_cluster = reasons[meta.value("namespace", "")];
  by_cluster.emplace(labels.value("ray.io/cluster", ""),
                     "worker " + labels.value("ray.io/group", "?") + ": " + why);
}

void explain(std::vector<core::WorkloadStatus>& rows, const WorkerReasons& reasons) {
  for (auto& r : rows) {
    if (!r.waiting_for_workers || r.cluster.empty()) {
      continue;
    }
    if (auto ns = reasons.find(r.ns); ns != reasons.end()) {
      if (auto it = ns->second.find(r.cluster); it != ns->second.end()) {
        r.reason = it->second;
      }
    }
  }
  std::map<std::pair<std::string, std::string>, std::string> cluster_reason;
  for (const auto& r : rows) {
    if (r.kind == "RayCluster" && !r.reason.empty()) {
      cluster_reason[{r.ns, r.name}] = r.reason;
    }
  }
  for (auto& r : rows) {
    const bool starting = r.state == "Initializing" || r.state == "NotReady" || r.state == "New";
    if (r.kind != "RayCluster" && r.reason.empty() && starting) {
      if (auto it = cluster_reason.find({r.ns, r.cluster}); it != cluster_reason.end()) {
        r.reason = "cluster " + r.cluster + ": " + it->second;
      }
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a.ns, a.kind, a.name) < std::tie(b.ns, b.kind, b.name);
  });
}

Result<std::pair<kube::ResourceRef, std::string>> parse_target(const std::string& target) {
  const auto slash = target.find('/');
  for (const auto& [kind, word] : ray_kinds()) {
    const std::string w = util::to_lower(target.substr(0, slash));
    if (slash != std::string::npos && slash + 1 < target.size() && (w == word || w == word + "s")) {
      return std::make_pair(*kube::known_resource("ray.io/v1", kind), target.substr(slash + 1));
    }
  }
  return make_error(ErrorCode::usage,
                    "'" + target + "': give raycluster/NAME, rayjob/NAME or rayservice/NAME");
}

}  // namespace detail

using namespace detail;
using core::Json;

Result<void> run_status(const StatusOptions& options, const Deps& deps) {
  KRAY_TRY_ASSIGN(auto resolved, resolve_kubeconfig(deps, options.kubeconfig));
  if (options.watch) {
    return watch_status(options, deps, resolved);
  }
  KRAY_TRY_ASSIGN(auto session,
                  open_session(deps, resolved, options.transport, options.kubeconfig.verbosity));
  kube::Client& client = *session.client;
  const std::string ns = options.all_namespaces ? "" : resolved.namespace_;
  const std::string now = now_rfc3339();

  if (!options.target.empty()) {
    KRAY_TRY_ASSIGN(auto target, parse_target(options.target));
    const auto& [ref, name] = target;
    KRAY_TRY_ASSIGN(auto object, client.get(kube::resource_path(ref, resolved.namespace_, name)));
    const core::WorkloadStatus w = core::workload_status(object);
    if (options.output != "table") {
      Json j = core::to_json(w);
      j["conditions"] = object.value("status", Json::object()).value("conditions", Json::array());
      deps.console.out(options.output == "json" ? j.dump(2) + "\n" : core::emit_yaml(j));
      return {};
    }
    std::string out = core::format_status_table({w}, false, now);
    const Json st = object.value("status", Json::object());
    const Json conditions = st.value("conditions", Json::array());
    if (!conditions.empty()) {
      out += "\nConditions:\n";
      for (const auto& c : conditions) {
        out += "  " + c.value("type", "") + "=" + c.value("status", "") +
               (c.value("reason", "").empty() ? "" : " " + c.value("reason", "")) +
               (c.value("message", "").empty() ? "" : ": " + c.value("message", "")) + "\n";
      }
    }
    // The Pods of the cluster behind it, by group.
    std::string cluster = w.kind == "RayCluster" ? name : st.value("rayClusterName", "");
    if (w.kind == "RayService") {
      cluster = st.value("activeServiceStatus", Json::object()).value("rayClusterName", "");
    }
    if (!cluster.empty()) {
      KRAY_TRY_ASSIGN(auto pods,
                      list_all(client, "/api/v1/namespaces/" + resolved.namespace_ +
                                           "/pods?labelSelector=ray.io%2Fcluster%3D" + cluster));
      out += "\nPods (cluster " + cluster + "):\n";
      if (pods.empty()) {
        out += "  none (not created yet, or the cluster was deleted)\n";
      }
      for (const auto& p : pods) {
        const Json l = p.value("metadata", Json::object()).value("labels", Json::object());
        const std::string reason = pod_reason(p);
        out += "  " + l.value("ray.io/group", "?") + "  " + p["metadata"].value("name", "") + "  " +
               p.value("status", Json::object()).value("phase", "Pending") +
               (reason.empty() ? "" : "  " + reason) + "\n";
      }
      // The head Service the operator reported, else its default name.
      const Json cluster_status = w.kind == "RayCluster" ? st
                                  : w.kind == "RayJob"
                                      ? st.value("rayClusterStatus", Json::object())
                                      : st.value("activeServiceStatus", Json::object())
                                            .value("rayClusterStatus", Json::object());
      std::string svc = cluster_status.value("head", Json::object()).value("serviceName", "");
      if (svc.empty()) {
        svc = cluster + "-head-svc";
      }
      out += "\nDashboard: through the API server, /api/v1/namespaces/" + resolved.namespace_ +
             "/services/" + svc + ":dashboard/proxy/ ; from a laptop: kubectl -n " +
             resolved.namespace_ + " port-forward svc/" + svc + " 8265\n";
    }
    auto events = kube::events_of(client, resolved.namespace_, w.kind, name);
    if (events && !events->empty()) {
      out += "\nEvents:\n";
      for (const auto& e : *events) {
        out += "  " + e.value("type", "") + "  " + e.value("reason", "") + "  " +
               e.value("message", "") + "\n";
      }
    }
    deps.console.out(out);
    return {};
  }

  std::vector<core::WorkloadStatus> rows;
  for (const auto& [kind, word] : ray_kinds()) {
    const auto ref = kube::known_resource("ray.io/v1", kind);
    KRAY_TRY_ASSIGN(auto items, list_all(client, kube::resource_path(*ref, ns)));
    for (auto& item : items) {
      item["kind"] = kind;  // list items may leave it out
      rows.push_back(core::workload_status(item));
    }
  }
  // A ready head with workers missing: its worker Pods that are not
  // Running say why; listed only for the namespaces that need them.
  WorkerReasons reasons;
  for (const auto& r : rows) {
    if (r.waiting_for_workers && !r.cluster.empty() && reasons.count(r.ns) == 0) {
      reasons[r.ns];
      KRAY_TRY_ASSIGN(auto pods, list_all(client, "/api/v1/namespaces/" + r.ns + "/pods?" +
                                                      std::string(k_waiting_workers)));
      for (const auto& p : pods) {
        note_worker(reasons, p);
      }
    }
  }
  explain(rows, reasons);
  if (options.output == "json" || options.output == "yaml") {
    Json list = Json::array();
    for (const auto& r : rows) {
      list.push_back(core::to_json(r));
    }
    const Json doc = {{"items", list}};
    deps.console.out(options.output == "json" ? doc.dump(2) + "\n" : core::emit_yaml(doc));
    return {};
  }
  if (rows.empty()) {
    deps.console.err(options.all_namespaces ? "No KubeRay objects in any namespace.\n"
                                            : "No KubeRay objects in namespace " + ns + ".\n");
    return {};
  }
  deps.console.out(core::format_status_table(rows, options.all_namespaces, now));
  return {};
}

}  // namespace kray::app
