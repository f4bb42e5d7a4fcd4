// SPDX-License-Identifier: Apache-2.0
// Private to src/app/submit: one RayJob followed on Feeds, shared by
// `submit` (after its apply) and `logs -f rayjob/NAME`. The RayJob's watch,
// its submitter's and its cluster's Pods, and the driver log where the
// submission mode puts it (the submitter container's log, the head's
// `ray-job-submitter`, or the dashboard's, polled); what it sees goes to a
// Report: log lines to stdout, its own lines to stderr.
#pragma once

#include "submit_report.hpp"

#include <krayctl/app/feeds.hpp>
#include <krayctl/app/submit.hpp>
#include <krayctl/core/yaml/json.hpp>
#include <krayctl/io/clock.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/watch.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace kray::app {

std::string pod_label(const core::Json& pod, const char* key);

// The head Service and port of a RayJob's status.dashboardURL
// ("train-x7k2p-head-svc.ml.svc.cluster.local:8265", no scheme), for the
// service proxy; nullopt when it has no port.
struct DashboardAddress {
  std::string service;
  std::string port;
};
std::optional<DashboardAddress> dashboard_address(const std::string& url);

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
                                 io::Clock& clock);

struct Follower {
  using Json = core::Json;
  using Time = io::Clock::SteadyTime;

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
           Report& r);
  ~Follower();
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  Json job;
  bool job_deleted = false;
  SourceId job_source = 0;
  SourceId submitter_source = 0;
  std::set<SourceId> synced;
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

  void note(const std::string& text) { report.note(text); }

  // Watches the RayJob and its submitter's Pods (call once, after on_job
  // with the RayJob as it is).
  void start();
  // Every watch has listed what is there (the first `synced` of each):
  // what is absent now is absent, not unread.
  bool settled() const;
  // One item from the feeds: the RayJob's changes (job_deleted when it is
  // gone, or replaced by another of its name), Pods, log text and ends.
  // An Error when a watch failed for good.
  [[nodiscard]] Result<void> take(FeedItem& item);
  // Once per pass after take: follows the logs that can now be read.
  void follow();

  std::vector<Json> pod_list() const;
  void on_job(const Json& object);
  void watch_cluster(const std::string& cluster);
  void on_pod(SourceId source, const kube::WatchEvent& e);
  std::vector<std::pair<const Json*, std::string>> submitter_containers() const;
  static std::string container_state(const Json& pod, const std::string& container);
  void follow_logs();
  void follow_dashboard_log();
  void on_log_text(SourceId source, const std::string& text);
  void on_log_end(SourceId source, const std::optional<Error>& error);
  bool logs_finished() const;
  // What --log-format json names a log by: "pod/P/C", or "ray-job/ID".
  static std::string log_source(const LogTrack& t);
  // Progress when it changes, stalls when they start or change.
  void show(Time now);
  // No status at all, long after the apply: say what was checked.
  void check_operator(Time now, Time applied);
};

}  // namespace kray::app
