// SPDX-License-Identifier: Apache-2.0
// `krayctl logs`. A RayJob's driver log is read where its submission mode
// puts it (KubeRay v1.6.2, rayjob_controller.go and common/job.go):
//   K8sJobMode       the submitter Job's Pods (label batch.kubernetes.io/
//                    job-name=NAME, set by the Job controller), container 0,
//                    the one KubeRay builds; one Pod per attempt of the Job;
//   SidecarMode      the head Pod's `ray-job-submitter` container;
//   HTTPMode,
//   InteractiveMode  the dashboard's GET /api/jobs/{id}/logs through the API
//                    server's service proxy (Ray's Jobs REST API).
// -f on a RayJob is submit's Follower without the apply: attempts in turn,
// a retry's new cluster, until the job has finished and its log ended.
// A RayCluster's logs are its Pods' Ray containers (container 0: KubeRay's
// RayContainerIndex), the head by default.
#include <krayctl/app/logs.hpp>

#include "follower.hpp"
#include "submit_report.hpp"

#include <krayctl/app/feeds.hpp>
#include <krayctl/app/resources.hpp>
#include <krayctl/app/targets.hpp>
#include <krayctl/core/status/status.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/kube/operations.hpp>
#include <krayctl/kube/resources.hpp>
#include <krayctl/kube/verbs.hpp>
#include <krayctl/util/strings.hpp>

#include <algorithm>
#include <map>
#include <string_view>
#include <vector>

namespace kray::app {

namespace {

using core::Json;

// A stream's text cut into whole lines, each prefixed (multi-Pod output);
// with no prefix the text passes as it came.
class Lines {
 public:
  explicit Lines(std::string prefix) : m_prefix(std::move(prefix)) {}

  // What of `text` can be written now.
  std::string feed(std::string_view text) {
    if (m_prefix.empty()) {
      return std::string(text);
    }
    m_partial += text;
    std::string out;
    std::size_t from = 0;
    for (auto nl = m_partial.find('\n'); nl != std::string::npos; nl = m_partial.find('\n', from)) {
      out += m_prefix;
      out.append(m_partial, from, nl + 1 - from);
      from = nl + 1;
    }
    m_partial.erase(0, from);
    return out;
  }
  // The last line, unfinished, when the stream ended.
  std::string flush() {
    std::string out = m_partial.empty() ? "" : m_prefix + m_partial + "\n";
    m_partial.clear();
    return out;
  }

 private:
  std::string m_prefix;
  std::string m_partial;
};

// The container that holds a Pod's log: the first, unless named.
std::string first_container(const Json& pod) {
  const Json& containers = member_of(member_of(pod, "spec"), "containers");
  return containers.is_array() && !containers.empty() ? text_of(containers[0], "name") : "";
}

// The Pods `selector` picks: the head first then by name, or oldest first.
Result<std::vector<Json>> pods_by(kube::Client& client,
                                  const std::string& ns,
                                  const std::string& selector,
                                  bool head_first) {
  kube::ListOptions lo;
  lo.label_selector = selector;
  KRAY_TRY_ASSIGN(auto listed, kube::list(client, *known_resource("v1", "Pod"), ns, lo));
  std::vector<Json> pods = std::move(listed.items);
  std::sort(pods.begin(), pods.end(), [&](const Json& a, const Json& b) {
    if (head_first) {
      const bool ha = pod_label(a, "ray.io/node-type") == "head";
      const bool hb = pod_label(b, "ray.io/node-type") == "head";
      if (ha != hb) {
        return ha;
      }
      return string_at(a, "metadata", "name") < string_at(b, "metadata", "name");
    }
    return string_at(a, "metadata", "creationTimestamp") <
           string_at(b, "metadata", "creationTimestamp");
  });
  return pods;
}

// The last `n` lines of `text` (a final newline ends the last line).
std::string last_lines(const std::string& text, long n) {
  std::size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') {
    --pos;
  }
  for (long i = 0; i < n; ++i) {
    const auto nl = pos == 0 ? std::string::npos : text.rfind('\n', pos - 1);
    if (nl == std::string::npos) {
      return text;
    }
    pos = nl;
  }
  return n <= 0 ? "" : text.substr(pos + 1);
}

struct Picked {
  std::string pod;
  std::string container;
};

// Reads each log to its end (or follows it, when options.follow), in
// order; more than one: lines prefixed. A log that cannot be read is an
// Error when it is the only one, a line on stderr otherwise.
Result<void> show_logs(const LogsOptions& options,
                       const Deps& deps,
                       const kube::ResolvedConfig& resolved,
                       Session& session,
                       const std::string& ns,
                       const std::vector<Picked>& picked) {
  const bool many = picked.size() > 1;
  auto prefix_of = [&](const Picked& p) {
    return many ? "[pod/" + p.pod + "/" + p.container + "] " : std::string();
  };
  kube::LogOptions lo;
  lo.tail_lines = options.tail;
  if (!options.follow) {
    for (const auto& p : picked) {
      lo.container = p.container;
      Lines lines(prefix_of(p));
      auto read = kube::read_log(*session.client, *session.transport, ns, p.pod, lo,
                                 [&](std::string_view text) {
                                   deps.console.out(lines.feed(text));
                                   return true;
                                 });
      deps.console.out(lines.flush());
      if (!read) {
        Error e = std::move(read).error();
        e.add_context("pod/" + p.pod);
        if (!many) {
          return tl::unexpected(std::move(e));
        }
        deps.console.err("error: " + e.to_string() + "\n");
      }
    }
    return {};
  }
  KRAY_TRY_ASSIGN(auto connection, make_connection(deps, resolved, options.kubeconfig.verbosity));
  Feeds feeds(deps, std::move(connection), options.transport, identity_of(resolved));
  std::map<SourceId, std::pair<Picked, Lines>> streams;
  for (const auto& p : picked) {
    lo.container = p.container;
    streams.emplace(feeds.follow_log(ns, p.pod, lo), std::make_pair(p, Lines(prefix_of(p))));
  }
  std::size_t open = streams.size();
  while (open > 0) {
    for (auto& item : feeds.next(std::chrono::milliseconds(500))) {
      auto it = streams.find(item.source);
      if (it == streams.end()) {
        continue;
      }
      Lines& lines = it->second.second;
      if (item.type == FeedItem::Type::text) {
        const std::lock_guard<std::mutex> lock(feeds.console_mutex());
        deps.console.out(lines.feed(item.text));
        deps.console.flush();  // followed: each piece as it comes, piped or not
      } else if (item.type == FeedItem::Type::ended) {
        --open;
        const std::lock_guard<std::mutex> lock(feeds.console_mutex());
        deps.console.out(lines.flush());
        if (item.error) {
          Error e = std::move(*item.error);
          e.add_context("pod/" + it->second.first.pod);
          if (!many) {
            return tl::unexpected(std::move(e));
          }
          deps.console.err("error: " + e.to_string() + "\n");
        }
      }
    }
  }
  return {};
}

Result<void> raycluster_logs(const LogsOptions& options,
                             const Deps& deps,
                             const kube::ResolvedConfig& resolved,
                             Session& session,
                             const std::string& ns,
                             const std::string& name) {
  if (options.attempt != 0) {
    return make_error(ErrorCode::usage,
                      "--attempt numbers a RayJob's submitter attempts; a RayCluster has none "
                      "(--group G or --all choose its Pods)");
  }
  if (!options.group.empty() && options.all) {
    return make_error(ErrorCode::usage, "--group and --all: one or the other");
  }
  const auto ref = *known_resource("ray.io/v1", "RayCluster");
  auto cluster = kube::get(*session.client, ref, ns, name);
  if (!cluster) {
    return tl::unexpected(std::move(cluster).error().add_context("raycluster/" + name));
  }
  std::string selector = "ray.io%2Fcluster%3D" + name;  // names need no escaping
  if (!options.group.empty()) {
    std::vector<std::string> groups;
    const Json& specs = member_of(member_of(*cluster, "spec"), "workerGroupSpecs");
    if (specs.is_array()) {
      for (const auto& g : specs) {
        groups.push_back(text_of(g, "groupName"));
      }
    }
    if (std::find(groups.begin(), groups.end(), options.group) == groups.end()) {
      std::string known;
      for (const auto& g : groups) {
        known += (known.empty() ? "" : ", ") + g;
      }
      const std::string best = util::closest_match(options.group, groups);
      return make_error(ErrorCode::usage,
                        "raycluster/" + name + " has no worker group " + options.group +
                            (best.empty() ? "" : " (did you mean " + best + "?)") +
                            "; its groups: " + (known.empty() ? "none" : known));
    }
    selector += ",ray.io%2Fgroup%3D" + options.group;
  } else if (!options.all) {
    selector += ",ray.io%2Fnode-type%3Dhead";
  }
  KRAY_TRY_ASSIGN(const auto pods, pods_by(*session.client, ns, selector, true));
  if (pods.empty()) {
    const std::string which = !options.group.empty() ? "in worker group " + options.group
                              : options.all          ? "at all"
                                                     : "for its head";
    return make_error(ErrorCode::not_found, "raycluster/" + name + " has no Pod " + which +
                                                " (yet: " + "krayctl status raycluster/" + name +
                                                " says why)");
  }
  std::vector<Picked> picked;
  for (const auto& p : pods) {
    picked.push_back({string_at(p, "metadata", "name"), first_container(p)});
  }
  return show_logs(options, deps, resolved, session, ns, picked);
}

// HTTPMode and InteractiveMode: the dashboard's log of the Ray job, once.
Result<void> dashboard_logs(const LogsOptions& options,
                            const Deps& deps,
                            Session& session,
                            const std::string& ns,
                            const std::string& name,
                            const Json& job) {
  const Json& st = member_of(job, "status");
  const std::string id = text_of(st, "jobId");
  const std::string url = text_of(st, "dashboardURL");
  const auto address = dashboard_address(url);
  if (id.empty() || !address) {
    return make_error(
        ErrorCode::not_found,
        "rayjob/" + name + " has no Ray job to read a log from yet (status " +
            (text_of(st, "jobDeploymentStatus").empty() ? "empty"
                                                        : text_of(st, "jobDeploymentStatus")) +
            ")");
  }
  deps.console.err("log of Ray job " + id +
                   " (the dashboard's, through the API server's service proxy)\n");
  KRAY_TRY_ASSIGN(auto answer, kube::proxy(*session.client, "GET", ns, address->service,
                                           address->port, "/api/jobs/" + id + "/logs"));
  if (answer.status != 200) {
    return make_error(ErrorCode::http, "the Ray dashboard answered " +
                                           std::to_string(answer.status) + " for job " + id +
                                           "'s log: " + answer.body.substr(0, 200));
  }
  const Json body = Json::parse(answer.body, nullptr, false);
  std::string text = text_of(body, "logs");
  if (options.tail) {
    text = last_lines(text, *options.tail);
  }
  deps.console.out(text);
  return {};
}

// -f without --attempt: submit's Follower on an existing RayJob.
Result<void> follow_job(const LogsOptions& options,
                        const Deps& deps,
                        const kube::ResolvedConfig& resolved,
                        Session& session,
                        const std::string& ns,
                        const std::string& name,
                        const Json& job) {
  KRAY_TRY_ASSIGN(auto connection, make_connection(deps, resolved, options.kubeconfig.verbosity));
  Feeds feeds(deps, std::move(connection), options.transport, identity_of(resolved));
  SubmitOptions how;  // the driver log, with submit's graces
  const auto started = deps.clock.steady_now();
  Report report(how, deps, feeds.console_mutex(), ns, name, started);
  // However it ends: GitHub Actions' commands work again after the log.
  struct EndLog {
    Report& report;
    explicit EndLog(Report& r) : report(r) {}
    ~EndLog() { report.end_log(); }
    EndLog(const EndLog&) = delete;
    EndLog& operator=(const EndLog&) = delete;
  } end_log{report};
  Follower f(how, deps, feeds, *session.client, ns, name, string_at(job, "metadata", "uid"),
             report);
  f.on_job(job);
  f.start();
  std::optional<io::Clock::SteadyTime> finished_at;
  for (;;) {
    for (auto& item : feeds.next(std::chrono::milliseconds(200))) {
      KRAY_TRY(f.take(item));
    }
    if (f.job_deleted) {
      f.note("rayjob/" + name + " was deleted");
      return {};
    }
    if (!f.settled()) {
      continue;  // a finished job's Pods may not be listed yet
    }
    f.follow();
    const auto now = deps.clock.steady_now();
    Json typed = f.job;
    typed["kind"] = "RayJob";
    if (!finished_at && core::workload_status(typed).finished) {
      finished_at = now;
    }
    if (finished_at && (f.logs_finished() || now - *finished_at >= how.log_grace)) {
      if (f.logs_started == 0) {
        return make_error(ErrorCode::not_found,
                          "rayjob/" + name + " has finished and no driver log is left to read " +
                              "(its Pods are gone)");
      }
      return {};
    }
  }
}

Result<void> rayjob_logs(const LogsOptions& options,
                         const Deps& deps,
                         const kube::ResolvedConfig& resolved,
                         Session& session,
                         const std::string& ns,
                         const std::string& name) {
  if (!options.group.empty() || options.all) {
    return make_error(ErrorCode::usage,
                      "--group and --all choose a RayCluster's Pods; for the cluster a RayJob "
                      "runs on: krayctl logs raycluster/NAME (krayctl status rayjob/" +
                          name + " names it)");
  }
  const auto ref = *known_resource("ray.io/v1", "RayJob");
  auto got = kube::get(*session.client, ref, ns, name);
  if (!got) {
    return tl::unexpected(std::move(got).error().add_context("rayjob/" + name));
  }
  const Json& job = *got;
  std::string mode = string_at(job, "spec", "submissionMode");
  if (mode.empty()) {
    mode = "K8sJobMode";
  }
  if (options.attempt != 0 && mode != "K8sJobMode") {
    return make_error(ErrorCode::usage,
                      "--attempt numbers the submitter Pods of K8sJobMode; "
                      "rayjob/" +
                          name + " runs in " + mode);
  }
  if (options.follow && options.attempt == 0) {
    return follow_job(options, deps, resolved, session, ns, name, job);
  }
  const std::string state = text_of(member_of(job, "status"), "jobDeploymentStatus");
  const std::string said_state = state.empty() ? "it has no status yet" : "it is " + state;
  if (mode == "HTTPMode" || mode == "InteractiveMode") {
    return dashboard_logs(options, deps, session, ns, name, job);
  }
  if (mode == "SidecarMode") {
    const std::string cluster = text_of(member_of(job, "status"), "rayClusterName");
    std::vector<Json> heads;
    if (!cluster.empty()) {
      KRAY_TRY_ASSIGN(
          heads, pods_by(*session.client, ns,
                         "ray.io%2Fcluster%3D" + cluster + ",ray.io%2Fnode-type%3Dhead", true));
    }
    if (heads.empty()) {
      return make_error(ErrorCode::not_found, "rayjob/" + name + " has no head Pod to read " +
                                                  "the ray-job-submitter log from (" + said_state +
                                                  ")");
    }
    return show_logs(options, deps, resolved, session, ns,
                     {{string_at(heads[0], "metadata", "name"), "ray-job-submitter"}});
  }
  // Each Pod the submitter Job made, oldest first: attempt 1, 2, ...
  // An earlier RayJob attempt's Job went with its Pods (Retrying deletes it).
  KRAY_TRY_ASSIGN(const auto pods,
                  pods_by(*session.client, ns, "batch.kubernetes.io%2Fjob-name%3D" + name, false));
  if (pods.empty()) {
    return make_error(ErrorCode::not_found,
                      "rayjob/" + name + " has no submitter Pod (" + said_state +
                          "; KubeRay creates the submitter once the cluster is ready)");
  }
  const auto n = static_cast<int>(pods.size());
  if (options.attempt < 0 || options.attempt > n) {
    return make_error(ErrorCode::usage, "rayjob/" + name + " has " + std::to_string(n) +
                                            " submitter attempt" + (n == 1 ? "" : "s") +
                                            " (--attempt 1" +
                                            (n > 1 ? " to " + std::to_string(n) : "") + ")");
  }
  for (int i = 0; i < n; ++i) {
    if (options.attempt != 0 && options.attempt != i + 1) {
      continue;
    }
    const Json& pod = pods[static_cast<std::size_t>(i)];
    const Picked one{string_at(pod, "metadata", "name"), first_container(pod)};
    if (n > 1) {
      deps.console.err("log of pod/" + one.pod + " (container " + one.container +
                       "), submitter attempt " + std::to_string(i + 1) + " of " +
                       std::to_string(n) + "\n");
    }
    // One attempt at a time, each under its own line: no prefixes.
    KRAY_TRY(show_logs(options, deps, resolved, session, ns, {one}));
  }
  return {};
}

}  // namespace

Result<void> run_logs(const LogsOptions& options, const Deps& deps) {
  KRAY_TRY_ASSIGN(const auto target, parse_object_ref(options.target));
  const std::string& kind = target.ref.kind;
  if (kind != "RayJob" && kind != "RayCluster") {
    return make_error(ErrorCode::usage,
                      "krayctl logs reads a rayjob/NAME or a raycluster/NAME, "
                      "not a " +
                          kind + " (kubectl logs reads any Pod)");
  }
  if (options.tail && *options.tail < 0) {
    return make_error(ErrorCode::usage, "--tail takes a number of lines, 0 or more");
  }
  KRAY_TRY_ASSIGN(auto resolved, resolve_kubeconfig(deps, options.kubeconfig));
  for (const auto& w : resolved.warnings) {
    deps.console.err("Warning: " + w + "\n");
  }
  KRAY_TRY_ASSIGN(auto session,
                  open_session(deps, resolved, options.transport, options.kubeconfig.verbosity));
  if (kind == "RayJob") {
    return rayjob_logs(options, deps, resolved, session, resolved.namespace_, target.name);
  }
  return raycluster_logs(options, deps, resolved, session, resolved.namespace_, target.name);
}

}  // namespace kray::app
