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
  // Whole lines of the driver log to stdout (its tail kept for the summary).
  void log(const std::string& lines);
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
};

}  // namespace kray::app
