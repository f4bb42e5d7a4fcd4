// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/status/status.hpp>

#include "status_rows.hpp"

#include <krayctl/app/connection.hpp>
#include <krayctl/app/resources.hpp>
#include <krayctl/app/targets.hpp>
#include <krayctl/core/k8s/k8s_names.hpp>
#include <krayctl/core/k8s/pod_problem.hpp>
#include <krayctl/core/status/status.hpp>
#include <krayctl/core/yaml/yaml_emit.hpp>
#include <krayctl/io/clock.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/operations.hpp>
#include <krayctl/kube/resources.hpp>
#include <krayctl/kube/verbs.hpp>
#include <krayctl/util/strings.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace kray::app {

namespace detail {

using core::Json;

Result<std::vector<Json>> list_all(kube::Client& client, const std::string& path) {
  KRAY_TRY_ASSIGN(auto listed, kube::list_all(client, path));
  return std::move(listed.items);
}

const std::vector<std::pair<std::string, std::string>>& ray_kinds() {
  static const std::vector<std::pair<std::string, std::string>> k = {
      {"RayCluster", "raycluster"}, {"RayJob", "rayjob"}, {"RayService", "rayservice"}};
  return k;
}

std::string pod_reason(const Json& pod) {
  return core::pod_problem(pod).summary();
}

void note_worker(WorkerReasons& reasons, const Json& pod) {
  const Json meta = pod.value("metadata", Json::object());
  const Json labels = meta.value("labels", Json::object());
  // A crash loop keeps the Pod Running: its problem, not its phase, says
  // whether the worker holds the cluster back.
  const std::string why = pod_reason(pod);
  if (why.empty()) {
    return;
  }
  auto& by_cluster = reasons[meta.value("namespace", "")];
  by_cluster.emplace(labels.value("ray.io/cluster", ""),
                     "worker " + labels.value("ray.io/group", "?") + ": " + why);
}

void explain(std::vector<core::WorkloadStatus>& rows, const WorkerReasons& reasons) {
  std::set<std::pair<std::string, std::string>> clusters;
  for (const auto& r : rows) {
    if (r.kind == "RayCluster") {
      clusters.emplace(r.ns, r.name);
    }
  }
  for (auto& r : rows) {
    // The workers a RayJob copied from a cluster that is gone (deleted
    // after the job finished) are not there any more.
    if (r.kind != "RayCluster" && !r.cluster.empty() && clusters.count({r.ns, r.cluster}) == 0) {
      r.ready_workers = -1;
      r.desired_workers = -1;
      r.gpus.clear();
      r.waiting_for_workers = false;
    }
  }
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

Result<StatusFilter> status_filter(const std::vector<std::string>& args) {
  KRAY_TRY_ASSIGN(const auto targets, parse_targets(args, true));
  if (targets.size() > 1) {
    return make_error(ErrorCode::usage,
                      "status shows one object in detail: give one KIND/NAME (or none for the "
                      "table)");
  }
  StatusFilter filter;
  if (targets.empty()) {
    return filter;
  }
  const auto& t = targets.front();
  const bool ray = std::any_of(ray_kinds().begin(), ray_kinds().end(),
                               [&](const auto& k) { return k.first == t.ref.kind; });
  if (!ray) {
    return make_error(ErrorCode::usage, "status shows RayClusters, RayJobs and RayServices, not " +
                                            t.ref.kind + "s: use kubectl for those");
  }
  filter.kind = t.ref.kind;
  filter.name = t.name;
  return filter;
}

Result<void> status_result(const std::vector<core::WorkloadStatus>& rows) {
  if (!core::any_failed(rows)) {
    return {};
  }
  return tl::unexpected(
      Error{ErrorCode::workload_failed, "a workload failed", std::nullopt, {}, true});
}

}  // namespace detail

using namespace detail;
using core::Json;

namespace {

// One object in detail: its row as the table computes it (its cluster and
// that cluster's Pods included), conditions, Pods by group, Events of this
// object (not of an earlier one of the same name), the dashboard.
Result<void> show_one(kube::Client& client,
                      const std::string& ns,
                      const StatusFilter& filter,
                      const StatusOptions& options,
                      const Deps& deps) {
  const auto ref = *known_resource("ray.io/v1", filter.kind);
  KRAY_TRY_ASSIGN(auto object, kube::get(client, ref, ns, filter.name));
  object["kind"] = filter.kind;
  std::vector<core::WorkloadStatus> rows = {core::workload_status(object)};
  const std::string cluster = rows.front().cluster;
  // The cluster behind a RayJob or RayService, if it still exists.
  bool cluster_exists = filter.kind == "RayCluster";
  std::optional<Json> cluster_object;
  if (!cluster_exists && !cluster.empty()) {
    const auto cref = *known_resource("ray.io/v1", "RayCluster");
    auto got = kube::get(client, cref, ns, cluster);
    if (got) {
      (*got)["kind"] = "RayCluster";
      rows.push_back(core::workload_status(*got));
      cluster_exists = true;
      cluster_object = std::move(*got);
    } else if (got.error().code != ErrorCode::not_found &&
               got.error().code != ErrorCode::not_installed) {
      return tl::unexpected(std::move(got).error());
    }
  }
  std::vector<Json> pods;
  WorkerReasons reasons;
  if (cluster_exists && !cluster.empty()) {
    KRAY_TRY_ASSIGN(
        pods, detail::list_all(client, "/api/v1/namespaces/" + ns +
                                           "/pods?labelSelector=ray.io%2Fcluster%3D" + cluster));
    for (const auto& p : pods) {
      note_worker(reasons, p);
    }
  }
  explain(rows, reasons);
  const auto it = std::find_if(rows.begin(), rows.end(), [&](const core::WorkloadStatus& r) {
    return r.kind == filter.kind && r.name == filter.name;
  });
  const core::WorkloadStatus w = *it;
  const Json st = object.value("status", Json::object());
  const Json conditions = st.value("conditions", Json::array());
  if (options.output != "table") {
    Json j = core::to_json(w);
    j["conditions"] = conditions;
    deps.console.out(options.output == "json" ? j.dump(2) + "\n" : core::emit_yaml(j));
    return status_result({w});
  }
  std::string out = core::format_status_table({w}, false, io::now_rfc3339(deps.clock));
  if (!conditions.empty()) {
    out += "\nConditions:\n";
    for (const auto& c : conditions) {
      out += "  " + c.value("type", "") + "=" + c.value("status", "") +
             (c.value("reason", "").empty() ? "" : " " + c.value("reason", "")) +
             (c.value("message", "").empty() ? "" : ": " + c.value("message", "")) + "\n";
    }
  }
  if (!cluster.empty()) {
    out += "\nPods (cluster " + cluster + "):\n";
    if (!cluster_exists) {
      out += "  none: the cluster was deleted\n";
    } else if (pods.empty()) {
      out += "  none yet\n";
    }
    for (const auto& p : pods) {
      const Json l = p.value("metadata", Json::object()).value("labels", Json::object());
      const std::string reason = pod_reason(p);
      out += "  " + l.value("ray.io/group", "?") + "  " + p["metadata"].value("name", "") + "  " +
             p.value("status", Json::object()).value("phase", "Pending") +
             (reason.empty() ? "" : "  " + reason) + "\n";
    }
    // The head Service the operator reported, else its default name; only
    // while the cluster exists, and only a name that is safe to paste.
    const Json cluster_status =
        cluster_object ? cluster_object->value("status", Json::object()) : st;
    std::string svc = cluster_status.value("head", Json::object()).value("serviceName", "");
    if (svc.empty()) {
      svc = cluster + "-head-svc";
    }
    if (cluster_exists && !core::check_dns1123_label(svc) && !core::check_dns1123_label(ns)) {
      out += "\nDashboard: through the API server, /api/v1/namespaces/" + ns + "/services/" + svc +
             ":dashboard/proxy/ ; from a laptop: kubectl -n " + ns + " port-forward svc/" + svc +
             " 8265\n";
    }
  }
  auto events = kube::events_of(client, ns, w.kind, filter.name, w.uid);
  if (events && !events->empty()) {
    out += "\nEvents:\n";
    for (const auto& e : *events) {
      out += "  " + e.value("type", "") + "  " + e.value("reason", "") + "  " +
             e.value("message", "") + "\n";
    }
  }
  deps.console.out(out);
  return status_result({w});
}

}  // namespace

Result<void> run_status(const StatusOptions& options, const Deps& deps) {
  KRAY_TRY_ASSIGN(const auto filter, status_filter(options.targets));
  KRAY_TRY_ASSIGN(auto resolved, resolve_kubeconfig(deps, options.kubeconfig));
  if (options.watch) {
    return watch_status(options, filter, deps, resolved);
  }
  KRAY_TRY_ASSIGN(auto session,
                  open_session(deps, resolved, options.transport, options.kubeconfig.verbosity,
                               deadline_after(deps, options.timeout)));
  kube::Client& client = *session.client;
  if (!filter.name.empty()) {
    return show_one(client, resolved.namespace_, filter, options, deps);
  }
  const std::string ns = options.all_namespaces ? "" : resolved.namespace_;
  std::vector<core::WorkloadStatus> rows;
  for (const auto& [kind, word] : ray_kinds()) {
    const auto ref = known_resource("ray.io/v1", kind);
    KRAY_TRY_ASSIGN(auto items, detail::list_all(client, kube::resource_path(*ref, ns)));
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
      KRAY_TRY_ASSIGN(auto pods, detail::list_all(client, "/api/v1/namespaces/" + r.ns + "/pods?" +
                                                              std::string(k_waiting_workers)));
      for (const auto& p : pods) {
        note_worker(reasons, p);
      }
    }
  }
  explain(rows, reasons);
  std::erase_if(rows, [&](const core::WorkloadStatus& r) { return !filter.selects(r); });
  if (options.output == "json" || options.output == "yaml") {
    Json list = Json::array();
    for (const auto& r : rows) {
      list.push_back(core::to_json(r));
    }
    const Json doc = {{"items", list}};
    deps.console.out(options.output == "json" ? doc.dump(2) + "\n" : core::emit_yaml(doc));
    return status_result(rows);
  }
  if (rows.empty()) {
    const std::string what = filter.kind.empty() ? "KubeRay objects" : filter.kind + "s";
    deps.console.err(options.all_namespaces ? "No " + what + " in any namespace.\n"
                                            : "No " + what + " in namespace " + ns + ".\n");
    return {};
  }
  deps.console.out(
      core::format_status_table(rows, options.all_namespaces, io::now_rfc3339(deps.clock)));
  return status_result(rows);
}

}  // namespace kray::app
