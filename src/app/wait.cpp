// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/wait.hpp>

#include <krayctl/app/resources.hpp>
#include <krayctl/app/targets.hpp>
#include <krayctl/core/status/job_watch.hpp>
#include <krayctl/core/status/status.hpp>
#include <krayctl/io/clock.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/io/interrupts.hpp>
#include <krayctl/kube/resources.hpp>
#include <krayctl/kube/wait.hpp>

#include <cctype>
#include <optional>

namespace kray::app {

using core::Json;

Result<void> run_wait(const WaitOptions& options, const Deps& deps) {
  const std::string& cond = options.condition;
  if (cond != "ready" && cond != "complete" && cond != "deleted") {
    return make_error(ErrorCode::usage,
                      "--for takes ready, complete or deleted, not '" + cond + "'");
  }
  KRAY_TRY_ASSIGN(const auto target, parse_object_ref(options.target));
  const std::string& kind = target.ref.kind;
  if (kind != "RayCluster" && kind != "RayJob" && kind != "RayService") {
    return make_error(ErrorCode::usage,
                      "krayctl waits for RayClusters, RayJobs and RayServices, not " + kind +
                          " (kubectl wait does the rest)");
  }
  if (cond == "complete" && kind != "RayJob") {
    return make_error(ErrorCode::usage, "--for=complete is for a RayJob; a " + kind +
                                            " is ready or not (--for=ready)");
  }
  KRAY_TRY_ASSIGN(auto resolved, resolve_kubeconfig(deps, options.kubeconfig));
  const auto deadline = deadline_after(deps, options.timeout);
  KRAY_TRY_ASSIGN(auto session, open_session(deps, resolved, options.transport,
                                             options.kubeconfig.verbosity, deadline));
  KRAY_TRY_ASSIGN(const auto line, wait_for_object(deps, session, kind, resolved.namespace_,
                                                   target.name, cond, deadline));
  deps.console.out(line + "\n");
  return {};
}

Result<std::string> wait_for_object(const Deps& deps,
                                    Session& session,
                                    const std::string& kind,
                                    const std::string& ns,
                                    const std::string& name,
                                    const std::string& cond,
                                    Deadline deadline) {
  const auto ref = *known_resource("ray.io/v1", kind);
  const std::string shown = kube::display_name(ref, name);
  std::string short_name = kind;
  for (auto& c : short_name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  short_name += "/" + name;
  kube::ReflectorOptions one;
  one.path = kube::resource_path(ref, ns);
  one.query = "fieldSelector=metadata.name%3D" + name;
  std::optional<std::string> first_uid;  // deleted: this object, not another of the name
  bool seen = false;
  core::WorkloadStatus last;
  const std::atomic<bool>* stop =
      deps.interrupts != nullptr ? &deps.interrupts->catch_interrupts() : nullptr;
  auto waited = kube::wait_for(
      *session.client, *session.transport, deps.clock, one,
      [&](const kube::Objects& objects) {
        const Json* object = objects.empty() ? nullptr : &objects.begin()->second;
        if (cond == "deleted") {
          if (object == nullptr) {
            return true;
          }
          const std::string uid = string_at(*object, "metadata", "uid");
          if (!first_uid) {
            first_uid = uid;
          }
          return uid != *first_uid;
        }
        if (object == nullptr) {
          return false;  // not there yet: waited for
        }
        seen = true;
        Json typed = *object;
        typed["kind"] = kind;
        last = core::workload_status(typed);
        if (last.failed) {
          return true;
        }
        if (cond == "suspended") {  // krayctl stop --wait
          return last.state == "Suspended";
        }
        return cond == "complete" ? last.finished : last.healthy;
      },
      deadline, stop);
  if (!waited) {
    Error e = std::move(waited).error();
    if (e.code == ErrorCode::timeout) {
      e.message =
          "timed out waiting for " + short_name + " to be " + cond +
          (seen ? ": it is " + last.state + (last.reason.empty() ? "" : " (" + last.reason + ")")
                : ": it does not exist");
    }
    return tl::unexpected(std::move(e).add_context(shown));
  }
  if (cond == "deleted") {
    return short_name + " deleted";
  }
  const std::string state = last.state + (last.job_status.empty() ? "" : ", " + last.job_status);
  if (last.failed) {
    return make_error(ErrorCode::workload_failed,
                      short_name + " failed (" + state + ")" +
                          (last.reason.empty() ? "" : ": " + last.reason) + "; it will not be " +
                          cond);
  }
  return short_name + " " + cond + " (" + state + ")";
}

}  // namespace kray::app
