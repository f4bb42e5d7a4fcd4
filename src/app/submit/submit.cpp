// SPDX-License-Identifier: Apache-2.0
// `krayctl submit`: apply, then follow one RayJob from this thread. The
// sources (app/feeds.hpp) are a watch on the RayJob, one on its
// submitter's Pods (label batch.kubernetes.io/job-name, set by the Job
// controller), one on its cluster's Pods (label ray.io/cluster, replaced
// when a retry brings a new cluster) and the submitter container's log,
// followed. No polling: after the first lists, only streams.
#include <krayctl/app/submit.hpp>

#include "submit_report.hpp"

#include <krayctl/app/connection.hpp>
#include <krayctl/app/feeds.hpp>
#include <krayctl/app/resources.hpp>
#include <krayctl/core/status/job_watch.hpp>
#include <krayctl/core/status/status.hpp>
#include <krayctl/io/clock.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/io/interrupts.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/operations.hpp>
#include <krayctl/kube/resources.hpp>
#include <krayctl/kube/verbs.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace kray::app {

namespace {

using core::Json;
using Clock = io::Clock;
using Time = Clock::SteadyTime;

// The longest RayJob name KubeRay accepts (MaxRayJobNameLength,
// ray-operator/controllers/ray/utils/validation.go).
constexpr std::size_t k_max_rayjob_name = 47;

std::string pod_label(const Json& pod, const char* key) {
  return text_of(member_of(member_of(pod, "metadata"), "labels"), key);
}

// A name suffix for --name-suffix auto: five characters from [a-z0-9], as
// KubeRay's own generated names, from the time (unique enough for one CI
// run after another; the apply would say "configured" on a clash).
std::string auto_suffix(const Clock& clock) {
  static constexpr char k_chars[] = "bcdfghjklmnpqrstvwxz2456789";
  auto n = static_cast<unsigned long long>(clock.now().time_since_epoch().count());
  n ^= n >> 29U;
  n *= 0xbf58476d1ce4e5b9ULL;
  n ^= n >> 32U;
  std::string s;
  for (int i = 0; i < 5; ++i) {
    s += k_chars[n % (sizeof k_chars - 1)];
    n /= sizeof k_chars - 1;
  }
  return s;
}

// One submitter container's log as it is followed: what was printed of it
// (bytes), so that a stream opened again after a break skips what was
// shown, and the line not finished yet.
struct LogTrack {
  std::string pod;
  std::string container;
  std::optional<SourceId> source;
  std::size_t printed = 0;   // bytes of this container's log written to stdout
  std::size_t received = 0;  // bytes of the current stream
  std::string partial;
  bool done = false;
  // HTTPMode and InteractiveMode: polled from the dashboard; set to make
  // the poller read one last time and end.
  std::shared_ptr<std::atomic<bool>> finish;
};

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

struct Follower {
  const SubmitOptions& options;
  const Deps& deps;
  Feeds& feeds;
  kube::Client& client;
  std::string ns;
  std::string name;
  std::string uid;
  Report& report;

  Follower(const SubmitOptions& o,
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

  Json job;
  bool job_deleted = false;
  SourceId job_source = 0;
  std::optional<SourceId> cluster_source;
  std::string cluster_watched;
  std::map<std::string, Json> pods;  // by namespace/name
  std::map<std::string, SourceId> pod_source;
  std::map<std::string, LogTrack> logs;  // by Pod uid + container, or "dashboard/" + job id
  std::map<SourceId, std::string> log_of_source;
  std::string last_progress;
  std::map<std::string, std::string> stalls_said;  // key -> text
  std::map<std::string, Time> stalls_since;
  bool operator_named = false;
  int logs_started = 0;

  ~Follower() {
    for (auto& [id, t] : logs) {
      if (t.finish) {
        *t.finish = true;
      }
    }
  }
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  void note(const std::string& text) { report.note(text); }

  // The RayJob's pods, for the model.
  std::vector<Json> pod_list() const {
    std::vector<Json> out;
    out.reserve(pods.size());
    for (const auto& [k, p] : pods) {
      out.push_back(p);
    }
    return out;
  }

  void on_job(const Json& object) {
    job = object;
    const std::string cluster = text_of(member_of(job, "status"), "rayClusterName");
    if (cluster != cluster_watched) {
      watch_cluster(cluster);
    }
    report.observe(job, deps.clock.steady_now());
  }

  void watch_cluster(const std::string& cluster) {
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

  void on_pod(SourceId source, const kube::WatchEvent& e) {
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
  std::vector<std::pair<const Json*, std::string>> submitter_containers() const {
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
  static std::string container_state(const Json& pod, const std::string& container) {
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
  void follow_logs() {
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
  void follow_dashboard_log() {
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
    const auto colon = url.rfind(':');
    if (id.empty() || url.empty() || colon == std::string::npos || (state != "Running" && !over)) {
      return;
    }
    LogTrack& t = logs["dashboard/" + id];
    if (t.finish) {
      return;  // followed already
    }
    t.finish = std::make_shared<std::atomic<bool>>(over);
    t.pod = "dashboard";
    ++logs_started;
    note("log of Ray job " + id + " (the dashboard's, through the API server's service proxy)");
    const std::string host = url.substr(0, colon);
    const std::string service = host.substr(0, host.find('.'));
    t.source = feeds.run(
        dashboard_log_poller(ns, service, url.substr(colon + 1), id, t.finish, deps.clock));
    log_of_source[*t.source] = "dashboard/" + id;
  }

  void on_log_text(SourceId source, const std::string& text) {
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
      report.log(t.partial.substr(0, nl + 1));
      t.partial.erase(0, nl + 1);
    }
  }

  void on_log_end(SourceId source, const std::optional<Error>& error) {
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
        report.log(t.partial + "\n");
        t.partial.clear();
      }
    }
  }

  bool logs_finished() const {
    return std::all_of(logs.begin(), logs.end(), [](const auto& e) { return e.second.done; });
  }

  // Progress when it changes, stalls when they start or change.
  void show(Time now) {
    const std::vector<Json> list = pod_list();
    const std::string progress = core::progress_text(core::job_progress(job, list));
    if (progress != last_progress) {
      note("rayjob/" + name + " " + progress);
      last_progress = progress;
    }
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
  void check_operator(Time now, Time applied) {
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
};

// Deletes the RayJob (its cluster and submitter go with it through the
// operator) and waits, bounded, for it to be gone.
Result<void> cancel_job(Follower& f, const SubmitOptions& options, const Deps& deps) {
  const auto ref = *known_resource("ray.io/v1", "RayJob");
  kube::DeleteOptions how;
  how.propagation = kube::Propagation::background;
  how.uid = f.uid;
  auto removed = kube::remove(f.client, ref, f.ns, f.name, how);
  if (!removed && removed.error().code != ErrorCode::not_found) {
    return tl::unexpected(std::move(removed).error().add_context("rayjob/" + f.name));
  }
  f.note("deleting rayjob/" + f.name + " (--cancel-on-interrupt); its cluster goes with it");
  const Time until = deps.clock.steady_now() + options.cancel_wait;
  while (!f.job_deleted && deps.clock.steady_now() < until) {
    for (auto& item : f.feeds.next(std::chrono::milliseconds(200))) {
      if (item.type == FeedItem::Type::event && item.source == f.job_source &&
          item.event.change == kube::Change::deleted) {
        f.job_deleted = true;
      }
    }
  }
  if (!f.job_deleted) {
    f.note("rayjob/" + f.name + " is still there after " +
           std::to_string(
               std::chrono::duration_cast<std::chrono::seconds>(options.cancel_wait).count()) +
           "s (its finalizer waits for the operator)");
  } else {
    f.note("rayjob/" + f.name + " deleted");
  }
  return {};
}

// The RayJob in the inputs, with its suffix; every other object as given.
Result<std::vector<PlannedObject>> plan_submit(const SubmitOptions& options,
                                               const std::string& ns,
                                               const Deps& deps,
                                               std::size_t& job_index) {
  ApplyOptions ao;
  ao.inputs = options.inputs;
  ao.sets = options.sets;
  ao.set_strings = options.set_strings;
  ao.disable = options.disable;
  ao.kubeconfig = options.kubeconfig;
  KRAY_TRY_ASSIGN(auto planned, plan_apply(ao, ns, deps));
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < planned.size(); ++i) {
    if (planned[i].ref.kind != "RayJob") {
      continue;
    }
    if (found) {
      return make_error(ErrorCode::usage, "submit follows one RayJob; the inputs hold rayjob/" +
                                              planned[*found].name + " and rayjob/" +
                                              planned[i].name +
                                              ": submit them one at a time (nothing was sent)");
    }
    found = i;
  }
  if (!found) {
    return make_error(ErrorCode::usage,
                      "submit needs a RayJob, and the inputs hold none (for a RayCluster or "
                      "RayService: krayctl apply, then krayctl status --watch); nothing was sent");
  }
  job_index = *found;
  PlannedObject& job = planned[job_index];
  if (!options.name_suffix.empty()) {
    const std::string suffix =
        options.name_suffix == "auto" ? auto_suffix(deps.clock) : options.name_suffix;
    job.name += "-" + suffix;
    job.body["metadata"]["name"] = job.name;
    if (job.name.size() > k_max_rayjob_name) {
      return make_error(ErrorCode::usage,
                        "rayjob/" + job.name + " is " + std::to_string(job.name.size()) +
                            " characters long with its suffix; KubeRay takes at most " +
                            std::to_string(k_max_rayjob_name) +
                            ": shorten the name or the suffix (nothing was sent)");
    }
  }
  return planned;
}

}  // namespace

Result<void> run_submit(const SubmitOptions& options, const Deps& deps) {
  if (options.output != "text" && options.output != "json") {
    return make_error(ErrorCode::usage,
                      "submit -o takes text or json, not '" + options.output + "'");
  }
  KRAY_TRY_ASSIGN(auto resolved, resolve_kubeconfig(deps, options.kubeconfig));
  for (const auto& w : resolved.warnings) {
    deps.console.err("Warning: " + w + "\n");
  }
  std::size_t job_index = 0;
  KRAY_TRY_ASSIGN(auto planned, plan_submit(options, resolved.namespace_, deps, job_index));
  const PlannedObject job_plan = planned[job_index];
  KRAY_TRY_ASSIGN(auto session,
                  open_session(deps, resolved, options.transport, options.kubeconfig.verbosity));
  kube::Client& client = *session.client;
  const std::string shown = "rayjob/" + job_plan.name;

  // A RayJob that ran already is not run again by the operator: say how.
  auto existing = kube::get(client, job_plan.ref, job_plan.ns, job_plan.name);
  if (existing) {
    const core::WorkloadStatus st = [&] {
      Json o = *existing;
      o["kind"] = "RayJob";
      return core::workload_status(o);
    }();
    if (st.finished) {
      return make_error(ErrorCode::usage,
                        shown + " exists and has finished (" + st.state +
                            (st.job_status.empty() ? "" : ", " + st.job_status) +
                            "); KubeRay does not run a finished RayJob again. Delete it "
                            "first (krayctl delete " +
                            shown +
                            " --wait), or give this run a name of its own (--name-suffix "
                            "auto). Nothing was sent");
    }
  } else if (existing.error().code != ErrorCode::not_found) {
    return tl::unexpected(std::move(existing).error().add_context(shown));
  }

  ApplyOptions how;
  how.force_conflicts = options.force_conflicts;
  Json applied_job;
  for (const auto& p : planned) {
    KRAY_TRY_ASSIGN(auto applied, apply_planned(client, p, how));
    deps.console.err(applied.line + "\n");
    if (&p == &planned[job_index]) {
      applied_job = std::move(applied.object);
    }
  }
  const Time applied_at = deps.clock.steady_now();
  std::optional<Time> deadline;
  if (options.timeout.count() > 0) {
    deadline = applied_at + options.timeout;
  }
  const std::atomic<bool>* interrupted =
      deps.interrupts != nullptr ? &deps.interrupts->catch_interrupts() : nullptr;

  KRAY_TRY_ASSIGN(auto connection, make_connection(deps, resolved, options.kubeconfig.verbosity));
  Feeds feeds(deps, std::move(connection), options.transport, identity_of(resolved));
  Report report(options, deps, feeds.console_mutex(), job_plan.ns, job_plan.name, applied_at);
  Follower f(options, deps, feeds, client, job_plan.ns, job_plan.name,
             string_at(applied_job, "metadata", "uid"), report);
  f.on_job(applied_job);
  {
    kube::ReflectorOptions o;
    o.path = kube::resource_path(job_plan.ref, job_plan.ns);
    o.query = "fieldSelector=metadata.name%3D" + job_plan.name;
    f.job_source = feeds.watch(o);
    o.path = "/api/v1/namespaces/" + job_plan.ns + "/pods";
    o.query = "labelSelector=batch.kubernetes.io%2Fjob-name%3D" + job_plan.name;
    feeds.watch(o);  // the submitter's Pods: events like the cluster's
  }

  std::optional<Time> finished_at;
  for (;;) {
    const Time now = deps.clock.steady_now();
    if (interrupted != nullptr && interrupted->load()) {
      if (options.cancel_on_interrupt) {
        KRAY_TRY(cancel_job(f, options, deps));
      }
      return report.finish_interrupted(f.job, options.cancel_on_interrupt);
    }
    if (deadline && now >= *deadline) {
      return report.finish_timeout(f.job, f.pod_list());
    }
    if (finished_at && (f.logs_finished() || now - *finished_at >= options.log_grace)) {
      return report.finish(f.job);
    }
    const auto left = deadline
                          ? std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - now)
                          : std::chrono::milliseconds(200);
    for (auto& item : feeds.next(
             std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(200)))) {
      switch (item.type) {
        case FeedItem::Type::event:
          if (item.source == f.job_source) {
            if (item.event.change == kube::Change::deleted ||
                string_at(item.event.object, "metadata", "uid") != f.uid) {
              f.job_deleted = true;
            } else {
              f.on_job(item.event.object);
            }
          } else {
            f.on_pod(item.source, item.event);
          }
          break;
        case FeedItem::Type::text:
          f.on_log_text(item.source, item.text);
          break;
        case FeedItem::Type::ended:
          if (f.log_of_source.count(item.source) != 0) {
            f.on_log_end(item.source, item.error);
          } else if (item.error) {
            return tl::unexpected(std::move(*item.error));
          }
          break;
        case FeedItem::Type::synced:
          break;
      }
    }
    if (f.job_deleted) {
      return report.finish_deleted();
    }
    const Time after = deps.clock.steady_now();
    f.follow_logs();
    f.follow_dashboard_log();
    f.show(after);
    f.check_operator(after, applied_at);
    Json typed = f.job;
    typed["kind"] = "RayJob";
    if (!finished_at && core::workload_status(typed).finished) {
      finished_at = after;
    }
    if (auto gave_up = report.hopeless(); gave_up && !finished_at) {
      return report.finish_hopeless(f.job, *gave_up);
    }
  }
}

}  // namespace kray::app
