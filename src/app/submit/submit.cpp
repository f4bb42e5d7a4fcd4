// SPDX-License-Identifier: Apache-2.0
// `krayctl submit`: apply, then follow one RayJob from this thread. The
// sources (app/feeds.hpp) are a watch on the RayJob, one on its
// submitter's Pods (label batch.kubernetes.io/job-name, set by the Job
// controller), one on its cluster's Pods (label ray.io/cluster, replaced
// when a retry brings a new cluster) and the submitter container's log,
// followed. No polling: after the first lists, only streams.
#include <krayctl/app/submit.hpp>

#include "follower.hpp"
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
#include <optional>

namespace kray::app {

namespace {

using core::Json;
using Clock = io::Clock;
using Time = Clock::SteadyTime;

// The longest RayJob name KubeRay accepts (MaxRayJobNameLength,
// ray-operator/controllers/ray/utils/validation.go).
constexpr std::size_t k_max_rayjob_name = 47;

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
  if (options.log_format != "text" && options.log_format != "json") {
    return make_error(ErrorCode::usage,
                      "--log-format takes text or json, not '" + options.log_format + "'");
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
  f.start();

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
      KRAY_TRY(f.take(item));
    }
    if (f.job_deleted) {
      return report.finish_deleted();
    }
    const Time after = deps.clock.steady_now();
    f.follow();
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
