// SPDX-License-Identifier: Apache-2.0
#include "submit_report.hpp"

#include <krayctl/app/connection.hpp>
#include <krayctl/core/status/status.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/io/environment.hpp>
#include <krayctl/io/file_system.hpp>
#include <krayctl/util/strings.hpp>

#include <algorithm>

namespace kray::app {

namespace {

using core::Json;

// The log lines a summary quotes (the JUnit failure, -o json).
constexpr std::size_t k_tail_lines = 20;

long long seconds(Report::Time::duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

// "45s", "3m12s", "2h5m".
std::string short_duration(long long s) {
  s = std::max(0LL, s);
  if (s < 60) {
    return std::to_string(s) + "s";
  }
  if (s < 3600) {
    return std::to_string(s / 60) + "m" + (s % 60 != 0 ? std::to_string(s % 60) + "s" : "");
  }
  return std::to_string(s / 3600) + "h" +
         (s % 3600 / 60 != 0 ? std::to_string(s % 3600 / 60) + "m" : "");
}

const Json& status_of(const Json& job) {
  return member_of(job, "status");
}

std::string text_at(const Json& o, const char* key) {
  return text_of(o, key);
}

// What becomes of the job's cluster, per the RayJob's spec (KubeRay v1.6.2
// rayjob_controller.go, the Complete/Failed cleanup): deleted after the
// TTL when shutdownAfterJobFinishes, by the deletion rules when
// deletionStrategy, never when it was selected with clusterSelector.
std::string cluster_fate(const Json& job, const std::string& name) {
  const Json& spec = member_of(job, "spec");
  const std::string cluster = text_at(status_of(job), "rayClusterName");
  if (cluster.empty()) {
    return "";
  }
  if (const Json& selector = member_of(spec, "clusterSelector");
      selector.is_object() && !selector.empty()) {
    return "cluster " + cluster + " was selected (clusterSelector): the job leaves it running";
  }
  if (!member_of(spec, "deletionStrategy").is_null()) {
    return "cluster " + cluster +
           ": the RayJob's deletionStrategy decides (krayctl status raycluster/" + cluster + ")";
  }
  if (member_of(spec, "shutdownAfterJobFinishes") == true) {
    const long long ttl = integer_of(spec, "ttlSecondsAfterFinished", 0);
    return "cluster " + cluster + ": the operator deletes it " +
           (ttl > 0 ? short_duration(ttl) + " after the job ended" : "now the job ended") +
           " (shutdownAfterJobFinishes)";
  }
  return "cluster " + cluster + " keeps running: krayctl status raycluster/" + cluster +
         "; krayctl delete rayjob/" + name + " removes both";
}

}  // namespace

const Json& member_of(const Json& o, const char* key) {
  static const Json null;
  if (!o.is_object()) {
    return null;
  }
  const auto it = o.find(key);
  return it == o.end() ? null : *it;
}

std::string text_of(const Json& o, const char* key) {
  const Json& v = member_of(o, key);
  return v.is_string() ? v.get<std::string>() : "";
}

long long integer_of(const Json& o, const char* key, long long otherwise) {
  const Json& v = member_of(o, key);
  return v.is_number_integer() ? v.get<long long>() : otherwise;
}

Report::Report(const SubmitOptions& options,
               const Deps& deps,
               std::mutex& console_mu,
               std::string ns,
               std::string name,
               Time started)
    : m_options(options),
      m_deps(deps),
      m_console_mu(console_mu),
      m_ns(std::move(ns)),
      m_name(std::move(name)),
      m_started(started) {}

void Report::note(const std::string& text) {
  std::lock_guard<std::mutex> lock(m_console_mu);
  // A terminal shows the lines as they come; a CI log gets the time.
  const bool terminal = m_deps.console.err_terminal();
  m_deps.console.err((terminal ? "" : io::now_rfc3339(m_deps.clock) + " ") + text + "\n");
}

void Report::log(const std::string& lines) {
  {
    std::lock_guard<std::mutex> lock(m_console_mu);
    m_deps.console.out(lines);
    m_deps.console.flush();
  }
  std::size_t start = 0;
  while (start < lines.size()) {
    const auto nl = lines.find('\n', start);
    m_tail.push_back(lines.substr(start, nl - start));
    start = nl == std::string::npos ? lines.size() : nl + 1;
    if (m_tail.size() > k_tail_lines) {
      m_tail.pop_front();
    }
  }
}

void Report::observe(const Json& job, Time now) {
  const std::string state = text_at(status_of(job), "jobDeploymentStatus");
  // Admitted once it starts with spec.suspend false: one created suspended
  // (Kueue's) goes Initializing, then Suspending, before it is admitted
  // (KubeRay's rayjob_controller.go, Reconcile: New, then the Initializing
  // case's updateStatusToSuspendingIfNeeded).
  const bool suspended = member_of(member_of(job, "spec"), "suspend") == true;
  if (!m_admitted && !suspended && !state.empty() && state != "New" && state != "Suspended" &&
      state != "Suspending") {
    m_admitted = now;
  }
  if (!m_running && (state == "Running" || state == "Waiting")) {
    m_running = now;
  }
  if (!m_ended && (state == "Complete" || state == "Failed" || state == "ValidationFailed")) {
    m_ended = now;
  }
}

void Report::stall(const core::Stall& s, Time::duration lasted) {
  if (std::find(m_stalls.begin(), m_stalls.end(), s.text) == m_stalls.end()) {
    m_stalls.push_back(s.text);
  }
  if (s.permanent && m_options.fail_fast_after.count() > 0 && lasted >= m_options.fail_fast_after &&
      !m_hopeless) {
    m_hopeless = s.text;
  }
}

std::optional<std::string> Report::hopeless() const {
  return m_hopeless;
}

Result<void> Report::finish(const Json& job) {
  Json typed = job;
  typed["kind"] = "RayJob";
  const core::WorkloadStatus st = core::workload_status(typed);
  const std::string result = core::job_result_text(job);
  if (st.failed) {
    // "FAILED", "STOPPED", or the deployment's "Failed" when the Ray job
    // had not ended (SubmissionFailed, a deadline).
    return conclude(result.substr(0, result.find(' ')), ErrorCode::workload_failed,
                    "rayjob/" + m_name + " " + result, job);
  }
  return conclude("SUCCEEDED", ErrorCode::internal, "rayjob/" + m_name + " " + result, job);
}

Result<void> Report::finish_timeout(const Json& job, const std::vector<Json>& pods) {
  const core::JobProgress p = core::job_progress(job, pods);
  std::string headline = "timed out after " + short_duration(seconds(m_options.timeout)) +
                         " (--timeout): rayjob/" + m_name + " is " + core::progress_text(p);
  const auto stalls = core::job_stalls(job, pods);
  if (!stalls.empty()) {
    headline += "; stalled: " + stalls.front().text;
  }
  return conclude("TIMEOUT", ErrorCode::timeout, headline, job,
                  "It keeps running: krayctl wait rayjob/" + m_name + " --for=complete -n " + m_ns +
                      " waits for its end; krayctl status --watch rayjob/" + m_name + " -n " +
                      m_ns + " follows it");
}

Result<void> Report::finish_hopeless(const Json& job, const std::string& why) {
  return conclude(
      "STALLED", ErrorCode::workload_failed, "rayjob/" + m_name + " cannot progress: " + why, job,
      "Waiting will not cure it. The RayJob is left as it is for a look (krayctl "
      "status rayjob/" +
          m_name + " -n " + m_ns + "); delete it (krayctl delete rayjob/" + m_name + " -n " + m_ns +
          ") and submit again once fixed: the operator does not carry a changed "
          "cluster spec into a RayJob's running cluster");
}

Result<void> Report::finish_deleted() {
  return conclude("DELETED", ErrorCode::workload_failed,
                  "rayjob/" + m_name + " was deleted while krayctl waited for it", Json::object());
}

Result<void> Report::finish_interrupted(const Json& job, bool cancelled) {
  std::string after;
  if (!cancelled) {
    after = "rayjob/" + m_name + " keeps running. Wait for its end: krayctl wait rayjob/" + m_name +
            " --for=complete -n " + m_ns + "; follow it: krayctl status --watch rayjob/" + m_name +
            " -n " + m_ns;
    const std::string mode = text_of(member_of(job, "spec"), "submissionMode");
    if (mode.empty() || mode == "K8sJobMode") {
      after += "; its log: kubectl logs -f job/" + m_name + " -n " + m_ns;
    }
    after += "; stop it: krayctl delete rayjob/" + m_name + " -n " + m_ns;
  }
  return conclude("INTERRUPTED", ErrorCode::interrupted, "interrupted", job, after);
}

Result<void> Report::conclude(const std::string& result,
                              ErrorCode code,
                              const std::string& headline,
                              const Json& job,
                              const std::string& after) {
  const Time now = m_deps.clock.steady_now();
  const Time end = m_ended.value_or(now);
  const Json& st = status_of(job);
  // Durations by phase: waiting to be admitted (suspended, or no operator
  // yet), the cluster coming up, the job running.
  Json durations = Json::object();
  durations["total"] = seconds(end - m_started);
  if (m_admitted) {
    durations["admission"] = seconds(*m_admitted - m_started);
  }
  if (m_admitted && m_running) {
    durations["clusterReady"] = seconds(*m_running - *m_admitted);
  }
  if (m_running) {
    durations["run"] = seconds(end - *m_running);
  }
  std::string timing = "in " + short_duration(durations["total"].get<long long>());
  std::vector<std::string> parts;
  for (const auto& [key, word] : std::vector<std::pair<const char*, const char*>>{
           {"admission", "admission"}, {"clusterReady", "cluster ready"}, {"run", "run"}}) {
    if (durations.contains(key)) {
      parts.push_back(std::string(word) + " " + short_duration(durations[key].get<long long>()));
    }
  }
  if (!parts.empty()) {
    timing += " (" + util::join(parts, ", ") + ")";
  }
  const std::string fate = code == ErrorCode::interrupted ? "" : cluster_fate(job, m_name);
  {
    std::lock_guard<std::mutex> lock(m_console_mu);
    std::string text = headline;
    while (!text.empty() && text.back() == '.') {
      text.pop_back();
    }
    text += " " + timing + "\n";
    if (const std::string message = text_at(st, "message");
        !message.empty() && code != ErrorCode::timeout) {
      text += "Ray job message: " + core::one_line(message) + "\n";
    }
    if (!fate.empty() && m_ended) {
      text += fate + "\n";
    }
    if (!after.empty()) {
      text += after + "\n";
    }
    m_deps.console.err(text);
  }
  const int exit_code = code == ErrorCode::internal          ? 0
                        : code == ErrorCode::workload_failed ? 1
                        : code == ErrorCode::timeout         ? 3
                                                             : 130;
  if (m_options.output == "json") {
    Json summary = {{"kind", "RayJob"},
                    {"namespace", m_ns},
                    {"name", m_name},
                    {"result", result},
                    {"exitCode", exit_code},
                    {"jobDeploymentStatus", text_at(st, "jobDeploymentStatus")},
                    {"jobStatus", text_at(st, "jobStatus")},
                    {"reason", text_at(st, "reason")},
                    {"message", text_at(st, "message")},
                    {"jobId", text_at(st, "jobId")},
                    {"cluster", text_at(st, "rayClusterName")},
                    {"failedAttempts", integer_of(st, "failed", 0)},
                    {"durationSeconds", durations},
                    {"stalls", m_stalls},
                    {"logTail", std::vector<std::string>(m_tail.begin(), m_tail.end())}};
    std::lock_guard<std::mutex> lock(m_console_mu);
    m_deps.console.out(summary.dump() + "\n");
  }
  if (!m_options.junit.empty()) {
    std::string tail;
    for (const auto& l : m_tail) {
      tail += l + "\n";
    }
    const bool failed = code != ErrorCode::internal;
    const std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
        "  <testsuite name=\"krayctl submit\" tests=\"1\" failures=\"" +
        std::string(failed ? "1" : "0") + "\" errors=\"0\" time=\"" +
        std::to_string(durations["total"].get<long long>()) + "\">\n" +
        "    <testcase classname=\"krayctl.submit." + util::xml_escape(m_ns) + "\" name=\"" +
        util::xml_escape(m_name) + "\" time=\"" +
        std::to_string(durations["total"].get<long long>()) + "\">\n" +
        (failed ? "      <failure type=\"" + util::xml_escape(result) + "\" message=\"" +
                      util::xml_escape(headline) + "\">" + util::xml_escape(tail) + "</failure>\n"
                : "") +
        "      <system-out>" + util::xml_escape(tail) + "</system-out>\n" +
        "    </testcase>\n  </testsuite>\n</testsuites>\n";
    auto written = m_deps.fs.write_file(m_options.junit, xml);
    if (!written) {
      std::lock_guard<std::mutex> lock(m_console_mu);
      m_deps.console.err("Warning: --junit " + m_options.junit + ": " +
                         written.error().to_string() + "\n");
    }
  }
  if (code == ErrorCode::internal) {
    return {};
  }
  return tl::unexpected(Error{code, headline, std::nullopt, {}, true});
}

}  // namespace kray::app
