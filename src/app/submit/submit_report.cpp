// SPDX-License-Identifier: Apache-2.0
#include "submit_report.hpp"

#include <krayctl/app/connection.hpp>
#include <krayctl/core/status/status.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/io/environment.hpp>
#include <krayctl/io/file_system.hpp>
#include <krayctl/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <random>

namespace kray::app {

namespace {

using core::Json;

// The log lines a summary quotes (the JUnit failure, -o json).
constexpr std::size_t k_tail_lines = 20;

// Each line of `lines` (whole lines: the last ends with a newline), without
// its newline.
template <typename F>
void for_each_line(const std::string& lines, F&& each) {
  std::size_t start = 0;
  while (start < lines.size()) {
    const auto nl = lines.find('\n', start);
    each(lines.substr(start, nl - start));
    start = nl == std::string::npos ? lines.size() : nl + 1;
  }
}

// 16 hex digits nobody outside this process can guess.
std::string random_token() {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 4; ++i) {
    out += fmt::format("{:04x}", rd() & 0xFFFFU);
  }
  return out;
}

// A Markdown table cell: one line, its pipes escaped.
std::string cell(const std::string& s) {
  std::string out;
  for (const char c : core::one_line(s)) {
    if (c == '|') {
      out += "\\|";
    } else {
      out += c;
    }
  }
  return out;
}

// The GitHub Actions step summary of one submit (Markdown, appended to
// $GITHUB_STEP_SUMMARY): the result, the durations, the Ray job's message,
// the cluster's fate, and on failure the log's last lines in a fence
// longer than any run of backticks in them.
std::string step_summary(const std::string& shown,
                         const std::string& result,
                         int exit_code,
                         const std::string& headline,
                         const std::string& timing,
                         const std::string& message,
                         const std::string& fate,
                         const std::deque<std::string>& tail) {
  std::string md = "### krayctl submit " + shown + ": " + result + "\n\n";
  md += "| | |\n|---|---|\n";
  md += "| Result | " + cell(result) + " (exit " + std::to_string(exit_code) + ") |\n";
  md += "| Outcome | " + cell(headline) + " |\n";
  md += "| Duration | " + cell(timing) + " |\n";
  if (!message.empty()) {
    md += "| Ray job message | " + cell(message) + " |\n";
  }
  if (!fate.empty()) {
    md += "| Cluster | " + cell(fate) + " |\n";
  }
  if (exit_code != 0 && !tail.empty()) {
    std::size_t longest = 0;
    for (const auto& line : tail) {
      std::size_t run = 0;
      for (const char c : line) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
      }
    }
    const std::string fence(std::max<std::size_t>(3, longest + 1), '`');
    md += "\n<details><summary>The driver log's last " + std::to_string(tail.size()) +
          " lines</summary>\n\n" + fence + "text\n";
    for (const auto& line : tail) {
      md += line + "\n";
    }
    md += fence + "\n\n</details>\n";
  }
  return md + "\n";
}

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
      m_started(started),
      m_github(deps.env.get("GITHUB_ACTIONS").value_or("") == "true"),
      m_live(deps.console.err_redraw()) {}

void Report::note(const std::string& text) {
  std::lock_guard<std::mutex> lock(m_console_mu);
  // A terminal shows the lines as they come; a CI log gets the time.
  const bool terminal = m_deps.console.err_terminal();
  clear_status();
  m_deps.console.err((terminal ? "" : io::now_rfc3339(m_deps.clock) + " ") + text + "\n");
  draw_status(m_deps.clock.steady_now());
}

void Report::progress(const std::string& text) {
  if (!m_live) {
    note(text);
    return;
  }
  std::lock_guard<std::mutex> lock(m_console_mu);
  m_status = text;
  m_status_second = -1;
  draw_status(m_deps.clock.steady_now());
}

void Report::tick(Time now) {
  if (!m_live) {
    return;
  }
  std::lock_guard<std::mutex> lock(m_console_mu);
  if (seconds(now - m_started) != m_status_second) {
    draw_status(now);
  }
}

void Report::draw_status(Time now) {
  if (!m_live || m_status.empty()) {
    return;
  }
  m_status_second = seconds(now - m_started);
  std::string line = m_status + " (" + short_duration(m_status_second) + ")";
  // One screen line: a line that wraps cannot be redrawn in place. The
  // width is $COLUMNS when the shell exports it, else 80; the text is
  // ASCII (Kubernetes names, numbers, krayctl's words).
  std::size_t width = 80;
  if (const auto columns = m_deps.env.get("COLUMNS")) {
    if (const long c = std::strtol(columns->c_str(), nullptr, 10); c >= 20 && c <= 1000) {
      width = static_cast<std::size_t>(c);
    }
  }
  if (line.size() >= width) {
    line = line.substr(0, width - 4) + "...";
  }
  m_deps.console.err_status(line);
  m_status_shown = true;
}

void Report::clear_status() {
  if (m_status_shown) {
    m_deps.console.err_status("");
    m_status_shown = false;
  }
}

void Report::log(const std::string& lines, const std::string& source) {
  {
    std::lock_guard<std::mutex> lock(m_console_mu);
    if (m_github && m_stop_token.empty()) {
      // The driver log is the job's text, not krayctl's: a line of it that
      // starts with "::" must not become a workflow command (add-mask,
      // error, set-output...). The runner parses stdout and stderr alike
      // (actions/runner, ScriptHandler.cs: an OutputManager on each); the
      // pause is said on stderr so that stdout stays the log. The streams
      // are read apart, so this is the runner's documented defence, not a
      // guarantee of order.
      m_stop_token = random_token();
      m_deps.console.err("::stop-commands::" + m_stop_token + "\n");
    }
    const bool shown = m_status_shown;
    clear_status();  // the live line and the log may share a screen
    if (m_options.log_format == "json") {
      const std::string now = io::now_rfc3339(m_deps.clock);
      std::string out;
      for_each_line(lines, [&](const std::string& line) {
        out += Json{{"time", now}, {"source", source}, {"line", line}}.dump(
                   -1, ' ', false, Json::error_handler_t::replace) +
               "\n";
      });
      m_deps.console.out(out);
    } else {
      m_deps.console.out(lines);
    }
    m_deps.console.flush();
    if (shown) {
      draw_status(m_deps.clock.steady_now());
    }
  }
  for_each_line(lines, [&](const std::string& line) {
    m_tail.push_back(line);
    if (m_tail.size() > k_tail_lines) {
      m_tail.pop_front();
    }
  });
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
    // had not ended (SubmissionFailed, a deadline). A deadline is said with
    // its field and, for the one before Running, what held the job back.
    std::string headline = "rayjob/" + m_name + " " + result;
    const std::string reason = text_at(status_of(job), "reason");
    const Json& spec = member_of(job, "spec");
    if (reason == "DeadlineExceeded") {
      headline += ": it ran past activeDeadlineSeconds (" +
                  short_duration(integer_of(spec, "activeDeadlineSeconds", 0)) +
                  " from its start; KubeRay does not retry a deadline)";
    } else if (reason == "PreRunningDeadlineExceeded") {
      headline += ": it was not Running within preRunningDeadlineSeconds (" +
                  short_duration(integer_of(spec, "preRunningDeadlineSeconds", 0)) + ")";
    }
    if (reason == "DeadlineExceeded" || reason == "PreRunningDeadlineExceeded") {
      if (!m_stalls.empty()) {
        headline += "; stalled meanwhile: " + m_stalls.back();
      }
    }
    return conclude(result.substr(0, result.find(' ')), ErrorCode::workload_failed, headline, job);
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
            " -n " + m_ns + "; its log: krayctl logs -f rayjob/" + m_name + " -n " + m_ns +
            "; stop it: krayctl stop rayjob/" + m_name + " -n " + m_ns;
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
    clear_status();
    m_status.clear();  // the summary is the last word
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
  if (m_github) {
    github_report(result, exit_code, headline, timing, fate, st);
  }
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

void Report::end_log() {
  std::lock_guard<std::mutex> lock(m_console_mu);
  if (!m_stop_token.empty()) {
    m_deps.console.err("::" + m_stop_token + "::\n");  // commands again
    m_stop_token.clear();
  }
}

void Report::github_report(const std::string& result,
                           int exit_code,
                           const std::string& headline,
                           const std::string& timing,
                           const std::string& fate,
                           const Json& status) {
  end_log();
  {
    std::lock_guard<std::mutex> lock(m_console_mu);
    if (exit_code == 1 || exit_code == 3) {
      m_deps.console.err(
          "::error title=" + util::github_escape("krayctl submit rayjob/" + m_name, true) +
          "::" + util::github_escape(headline + " " + timing, false) + "\n");
    }
  }
  const std::string path = m_deps.env.get("GITHUB_STEP_SUMMARY").value_or("");
  if (path.empty()) {
    return;
  }
  auto written = m_deps.fs.append_file(
      path, step_summary("rayjob/" + m_name, result, exit_code, headline, timing,
                         text_at(status, "message"), m_ended ? fate : "", m_tail));
  if (!written) {
    std::lock_guard<std::mutex> lock(m_console_mu);
    m_deps.console.err("Warning: GITHUB_STEP_SUMMARY: " + written.error().to_string() + "\n");
  }
}

}  // namespace kray::app
