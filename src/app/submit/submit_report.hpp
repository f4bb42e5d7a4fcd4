// SPDX-License-Identifier: Apache-2.0
// Private to src/app/submit: what `submit` says. The driver log on stdout
// as it arrives; krayctl's own lines on stderr (stamped with the time when
// stderr is not a terminal); the summary at the end, as text, and on
// request as one JSON object on stdout and a JUnit file; the exit status.
#pragma once

#include <krayctl/app/submit.hpp>
#include <krayctl/core/status/job_watch.hpp>
#include <krayctl/core/yaml/json.hpp>
#include <krayctl/io/clock.hpp>

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kray::app {

// What a server sent, read without trusting its types (krayctl does not
// throw): the member `key` of `o`, or a null; its string or "", its
// integer or `otherwise`.
const core::Json& member_of(const core::Json& o, const char* key);
std::string text_of(const core::Json& o, const char* key);
long long integer_of(const core::Json& o, const char* key, long long otherwise);

class Report {
 public:
  using Time = io::Clock::SteadyTime;

  Report(const SubmitOptions& options,
         const Deps& deps,
         std::mutex& console_mu,
         std::string ns,
         std::string name,
         Time started);

  // A line of krayctl's own (progress, a stall, a log's start) to stderr.
  void note(const std::string& text);
  // The progress line (phase, workers, GPUs): on a terminal that can
  // redraw, one live line at the bottom of stderr with the time elapsed,
  // kept below the other lines; elsewhere a note when it changes.
  void progress(const std::string& text);
  // Once per pass: the live line's elapsed time, redrawn each second.
  void tick(Time now);
  // Whole lines of the driver log to stdout (its tail kept for the summary),
  // from `source` ("pod/P/C", "ray-job/ID"), which --log-format json names.
  void log(const std::string& lines, const std::string& source);
  // After the last log line: GitHub Actions' workflow commands, paused
  // while the log was written (log()), work again. The endings call it;
  // so must a command that writes a log without them (logs -f).
  void end_log();
  // The RayJob as it is now: the phases' times.
  void observe(const core::Json& job, Time now);
  // A stall as it stands now and how long it has lasted.
  void stall(const core::Stall& s, Time::duration lasted);
  // The stall that makes waiting pointless (permanent, lasted past
  // --fail-fast), if any.
  std::optional<std::string> hopeless() const;

  // The endings; each prints the summary and returns the command's result.
  Result<void> finish(const core::Json& job);
  Result<void> finish_timeout(const core::Json& job, const std::vector<core::Json>& pods);
  Result<void> finish_hopeless(const core::Json& job, const std::string& why);
  Result<void> finish_deleted();
  // Ctrl-C: the job left running (how to come back) or `cancelled`.
  Result<void> finish_interrupted(const core::Json& job, bool cancelled);

 private:
  // GITHUB_ACTIONS=true: commands again after the log, an ::error
  // annotation for exit 1 and 3, the step summary.
  void github_report(const std::string& result,
                     int exit_code,
                     const std::string& headline,
                     const std::string& timing,
                     const std::string& fate,
                     const core::Json& status);
  Result<void> conclude(const std::string& result,
                        ErrorCode code,
                        const std::string& headline,
                        const core::Json& job,
                        const std::string& after = "");

  const SubmitOptions& m_options;
  const Deps& m_deps;
  std::mutex& m_console_mu;
  std::string m_ns;
  std::string m_name;
  Time m_started;
  std::optional<Time> m_admitted;  // Initializing, spec.suspend false
  std::optional<Time> m_running;   // the cluster was ready: Running or Waiting
  std::optional<Time> m_ended;
  std::deque<std::string> m_tail;     // the last lines of the log
  std::vector<std::string> m_stalls;  // every stall said, in order
  std::optional<std::string> m_hopeless;
  // In GitHub Actions (GITHUB_ACTIONS=true): the token of the
  // ::stop-commands:: said before the first log line, "" before it.
  bool m_github = false;
  // The live progress line (Console::err_redraw): its text, whether it is
  // on the screen, and the elapsed second it shows.
  void draw_status(Time now);  // under m_console_mu
  void clear_status();         // under m_console_mu
  bool m_live = false;
  std::string m_status;
  bool m_status_shown = false;
  long long m_status_second = -1;
  std::string m_stop_token;
};

}  // namespace kray::app
