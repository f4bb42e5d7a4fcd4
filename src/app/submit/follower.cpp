// SPDX-License-Identifier: Apache-2.0
#include "follower.hpp"

#include <krayctl/app/resources.hpp>
#include <krayctl/core/status/job_watch.hpp>
#include <krayctl/kube/operations.hpp>
#include <krayctl/kube/resources.hpp>

#include <algorithm>

namespace kray::app {

using core::Json;
using Time = io::Clock::SteadyTime;

std::string pod_label(const Json& pod, const char* key) {
  return text_of(member_of(member_of(pod, "metadata"), "labels"), key);
}

std::optional<DashboardAddress> dashboard_address(const std::string& url) {
  const auto colon = url.rfind(':');
  if (colon == std::string::npos) {
    return std::nullopt;
  }
  const std::string host = url.substr(0, colon);
  return DashboardAddress{host.substr(0, host.find('.')), url.substr(colon + 1)};
}

// The driver log of Ray job `id` through the API server's service proxy
// (GET /api/jobs/{id}/logs on the dashboard, Ray's Jobs REST API), polled:
// each answer is the whole log so far, so what is new is what lies past
// the bytes seen. Polls every 500 ms while it grows, backing off to 5 s
// while it does not (or the dashboard does not answer yet); once `finish`
// is set, one last read, then it ends.
Feeds::Task dashboard_log_poller(const std::string& ns,
                                 const std::string& service,
                                 const std::string& port,
                                 const std::string& id,
                                 const std::shared_ptr<std::atomic<bool>>& finish,
                                 io::Clock& clock) {
  return [=, &clock](kube::Client& client, kube::Transport& /*transport*/, const Feeds::Emit& emit,
                     const std::atomic<bool>& stop) -> Result<void> {
    constexpr std::chrono::milliseconds k_fast{500};
    constexpr std::chrono::milliseconds k_slow{5000};
    std::size_t seen = 0;
    std::chrono::milliseconds wait = k_fast;
    while (!stop) {
      const bool last = finish->load();
      auto answer = kube::proxy(client, "GET", ns, service, port, "/api/jobs/" + id + "/logs");
      if (!answer && (answer.error().code == ErrorCode::forbidden ||
                      answer.error().code == ErrorCode::unauthorized)) {
        return tl::unexpected(std::move(answer).error());  // RBAC: polling again will not help
      }
      bool grew = false;
      if (answer && answer->status == 200) {
        const Json body = Json::parse(answer->body, nullptr, false);
        if (const Json& logs = member_of(body, "logs"); logs.is_string()) {
          const auto& text = logs.get_ref<const std::string&>();
          if (text.size() > seen) {
            emit(text.substr(seen));
            seen = text.size();
            grew = true;
          }
        }
      }
      if (last) {
        return {};
      }
      wait = grew ? k_fast : std::min(wait * 2, k_slow);
      clock.sleep_for(wait, finish.get());
    }
    return {};
  };
}

Follower::Follower(const SubmitOptions& o,
                   const Deps& d,
                   Feeds& fs,
                   kube::Client& c,
                   std::string job_ns,
                   std::string job_name,
                   std::string job_uid,
                   Report& r)
    : options(o),
      deps(d),
      feeds(fs),
      client(c),
      ns(std::move(job_ns)),
      name(std::move(job_name)),
      uid(std::move(job_uid)),
      report(r) {}

void Follower::start() {
  const auto ref = *known_resource("ray.io/v1", "RayJob");
  kube::ReflectorOptions o;
  o.path = kube::resource_path(ref, ns);
  o.query = "fieldSelector=metadata.name%3D" + name;
  job_source = feeds.watch(o);
  o.path = "/api/v1/namespaces/" + ns + "/pods";
  o.query = "labelSelector=batch.kubernetes.io%2Fjob-name%3D" + name;
  submitter_source = feeds.watch(o);  // the submitter's Pods: events like the cluster's
}

std::string Follower::log_source(const LogTrack& t) {
  return t.pod == "dashboard" ? "ray-job/" + t.container : "pod/" + t.pod + "/" + t.container;
}

bool Follower::settled() const {
  return synced.count(job_source) != 0 && synced.count(submitter_source) != 0 &&
         (!cluster_source || synced.count(*cluster_source) != 0);
}

Result<void> Follower::take(FeedItem& item) {
  switch (item.type) {
    case FeedItem::Type::event:
      if (item.source == job_source) {
        if (item.event.change == kube::Change::deleted ||
            string_at(item.event.object, "metadata", "uid") != uid) {
          job_deleted = true;
        } else {
          on_job(item.event.object);
        }
      } else {
        on_pod(item.source, item.event);
      }
      break;
    case FeedItem::Type::text:
      on_log_text(item.source, item.text);
      break;
    case FeedItem::Type::ended:
      if (log_of_source.count(item.source) != 0) {
        on_log_end(item.source, item.error);
      } else if (item.error) {
        return tl::unexpected(std::move(*item.error));
      }
      break;
    case FeedItem::Type::synced:
      synced.insert(item.source);
      break;
  }
  return {};
}

void Follower::follow() {
  follow_logs();
  follow_dashboard_log();
}

Follower::~Follower() {
  for (auto& [id, t] : logs) {
    if (t.finish) {
      *t.finish = true;
    }
  }
}

// The RayJob's pods, for the model.
std::vector<Json> Follower::pod_list() const {
  std::vector<Json> out;
  out.reserve(pods.size());
  for (const auto& [k, p] : pods) {
    out.push_back(p);
  }
  return out;
}

void Follower::on_job(const Json& object) {
  job = object;
  const std::string cluster = text_of(member_of(job, "status"), "rayClusterName");
  if (cluster != cluster_watched) {
    watch_cluster(cluster);
  }
  report.observe(job, deps.clock.steady_now());
}

void Follower::watch_cluster(const std::string& cluster) {
  if (cluster_source) {
    feeds.stop(*cluster_source);
    for (auto it = pods.begin(); it != pods.end();) {
      it = pod_source[it->first] == *cluster_source ? pods.erase(it) : std::next(it);
    }
  }
  cluster_source.reset();
  cluster_watched = cluster;
  if (cluster.empty()) {
    return;
  }
  kube::ReflectorOptions o;
  o.path = "/api/v1/namespaces/" + ns + "/pods";
  o.query = "labelSelector=ray.io%2Fcluster%3D" + cluster;  // names need no escaping
  cluster_source = feeds.watch(o);
}

void Follower::on_pod(SourceId source, const kube::WatchEvent& e) {
  const std::string key = kube::object_key(e.object);
  if (e.change == kube::Change::deleted) {
    pods.erase(key);
    pod_source.erase(key);
    return;
  }
  pods[key] = e.object;
  pod_source[key] = source;
}

// The container whose log is the driver's: K8sJobMode's submitter Job
// Pods (its first container, the one KubeRay configures), SidecarMode's
// `ray-job-submitter` beside the head. Other modes: none.
std::vector<std::pair<const Json*, std::string>> Follower::submitter_containers() const {
  std::vector<std::pair<const Json*, std::string>> out;
  const std::string mode = string_at(job, "spec", "submissionMode");
  for (const auto& [key, pod] : pods) {
    const Json& containers = member_of(member_of(pod, "spec"), "containers");
    if ((mode.empty() || mode == "K8sJobMode") &&
        pod_label(pod, "batch.kubernetes.io/job-name") == name && containers.is_array() &&
        !containers.empty()) {
      out.emplace_back(&pod, text_of(containers[0], "name"));
    } else if (mode == "SidecarMode" && pod_label(pod, "ray.io/node-type") == "head") {
      out.emplace_back(&pod, "ray-job-submitter");
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return string_at(*a.first, "metadata", "creationTimestamp") <
           string_at(*b.first, "metadata", "creationTimestamp");
  });
  return out;
}

// "running" or "terminated" once the container has a log; "" before.
std::string Follower::container_state(const Json& pod, const std::string& container) {
  const Json& statuses = member_of(member_of(pod, "status"), "containerStatuses");
  if (!statuses.is_array()) {
    return "";
  }
  for (const auto& cs : statuses) {
    if (text_of(cs, "name") == container) {
      const Json& state = member_of(cs, "state");
      if (member_of(state, "terminated").is_object()) {
        return "terminated";
      }
      if (member_of(state, "running").is_object()) {
        return "running";
      }
    }
  }
  return "";
}

// Starts following each submitter log that can be read and is not yet.
void Follower::follow_logs() {
  if (!options.logs) {
    return;
  }
  for (const auto& [pod, container] : submitter_containers()) {
    const std::string state = container_state(*pod, container);
    if (state.empty()) {
      continue;
    }
    const std::string id = string_at(*pod, "metadata", "uid") + "/" + container;
    LogTrack& t = logs[id];
    if (t.done || t.source) {
      continue;
    }
    t.pod = string_at(*pod, "metadata", "name");
    t.container = container;
    t.received = 0;
    if (t.printed == 0 && t.partial.empty()) {
      ++logs_started;
      note("log of pod/" + t.pod + " (container " + t.container + ")" +
           (logs_started > 1 ? ", submitter attempt " + std::to_string(logs_started) : ""));
    }
    kube::LogOptions lo;
    lo.container = container;
    t.source = feeds.follow_log(ns, t.pod, lo);
    log_of_source[*t.source] = id;
  }
}

// HTTPMode and InteractiveMode: the Ray job's log from the dashboard,
// once the RayJob runs it (status.jobId and status.dashboardURL, e.g.
// "train-x7k2p-head-svc.ml.svc.cluster.local:8265"); a retry's new job
// id gets a poller of its own, the old one reads its last.
void Follower::follow_dashboard_log() {
  const std::string mode = string_at(job, "spec", "submissionMode");
  if (!options.logs || (mode != "HTTPMode" && mode != "InteractiveMode")) {
    return;
  }
  const Json& st = member_of(job, "status");
  const std::string id = text_of(st, "jobId");
  const std::string url = text_of(st, "dashboardURL");
  const std::string state = text_of(st, "jobDeploymentStatus");
  const bool over = state == "Complete" || state == "Failed" || state == "ValidationFailed";
  for (auto& [key, t] : logs) {
    if (t.finish && (over || key != "dashboard/" + id)) {
      *t.finish = true;
    }
  }
  const auto address = dashboard_address(url);
  if (id.empty() || !address || (state != "Running" && !over)) {
    return;
  }
  LogTrack& t = logs["dashboard/" + id];
  if (t.finish) {
    return;  // followed already
  }
  t.finish = std::make_shared<std::atomic<bool>>(over);
  t.pod = "dashboard";
  t.container = id;  // named by its Ray job id
  ++logs_started;
  note("log of Ray job " + id + " (the dashboard's, through the API server's service proxy)");
  t.source = feeds.run(
      dashboard_log_poller(ns, address->service, address->port, id, t.finish, deps.clock));
  log_of_source[*t.source] = "dashboard/" + id;
}

void Follower::on_log_text(SourceId source, const std::string& text) {
  auto id = log_of_source.find(source);
  if (id == log_of_source.end()) {
    return;
  }
  LogTrack& t = logs[id->second];
  const std::size_t before = t.received;
  t.received += text.size();
  if (t.received <= t.printed) {
    return;  // shown already, before the stream was opened again
  }
  const std::size_t skip = t.printed > before ? t.printed - before : 0;
  t.printed = t.received;
  t.partial += text.substr(skip);
  const auto nl = t.partial.rfind('\n');
  if (nl != std::string::npos) {
    report.log(t.partial.substr(0, nl + 1), log_source(t));
    t.partial.erase(0, nl + 1);
  }
}

void Follower::on_log_end(SourceId source, const std::optional<Error>& error) {
  auto id = log_of_source.find(source);
  if (id == log_of_source.end()) {
    return;
  }
  LogTrack& t = logs[id->second];
  log_of_source.erase(id);
  t.source.reset();
  // Refused (RBAC: pods/log, services/proxy): say so once, go on without.
  if (error && (error->code == ErrorCode::forbidden || error->code == ErrorCode::unauthorized)) {
    note("cannot read the driver log (" + error->to_string() + "); waiting on without it");
    t.done = true;
    return;
  }
  // A follow that ends without an error ended with the container (the
  // kubelet closes it then); one that broke, or found the container not
  // started yet, is opened again when its Pod next changes (skipping
  // what was printed). The Pod's own state may arrive after the log's
  // end, so it is not what decides.
  const auto pod = pods.find(ns + "/" + t.pod);
  const bool terminated =
      pod != pods.end() && container_state(pod->second, t.container) == "terminated";
  if (t.finish || !error || pod == pods.end() || terminated ||
      error->code == ErrorCode::not_found) {
    t.done = true;
    if (!t.partial.empty()) {
      report.log(t.partial + "\n", log_source(t));
      t.partial.clear();
    }
  }
}

bool Follower::logs_finished() const {
  return std::all_of(logs.begin(), logs.end(), [](const auto& e) { return e.second.done; });
}

// Progress when it changes, stalls when they start or change.
void Follower::show(Time now) {
  const std::vector<Json> list = pod_list();
  const std::string progress = core::progress_text(core::job_progress(job, list));
  if (progress != last_progress) {
    report.progress("rayjob/" + name + " " + progress);
    last_progress = progress;
  }
  report.tick(now);
  std::set<std::string> current;
  for (const auto& s : core::job_stalls(job, list)) {
    current.insert(s.key);
    const auto since = stalls_since.try_emplace(s.key, now).first->second;
    if (s.settling && now - since < options.settle_grace) {
      continue;
    }
    auto said = stalls_said.find(s.key);
    if (said == stalls_said.end() || said->second != s.text) {
      note("stalled: " + s.text);
      stalls_said[s.key] = s.text;
    }
    report.stall(s, now - since);
  }
  std::erase_if(stalls_since, [&](const auto& e) { return current.count(e.first) == 0; });
  std::erase_if(stalls_said, [&](const auto& e) { return current.count(e.first) == 0; });
}

// No status at all, long after the apply: say what was checked.
void Follower::check_operator(Time now, Time applied) {
  const Json& status = member_of(job, "status");
  const bool no_status = !status.is_object() || status.empty();
  if (!operator_named && no_status && now - applied >= options.operator_grace) {
    operator_named = true;
    const std::string text =
        "rayjob/" + name + " has no status " +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - applied).count()) +
        "s after it was applied: the RayJob CRD is served, but no KubeRay operator has "
        "acted on it (is it running, and does it watch namespace " +
        ns + "?)";
    note("stalled: " + text);
    report.stall(core::Stall{"operator", text, false, false}, now - applied);
  }
}
}  // namespace kray::app
