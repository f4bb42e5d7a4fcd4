// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/stop.hpp>

#include <krayctl/app/apply.hpp>
#include <krayctl/app/delete.hpp>
#include <krayctl/app/resources.hpp>
#include <krayctl/app/targets.hpp>
#include <krayctl/app/wait.hpp>
#include <krayctl/core/status/status.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/kube/verbs.hpp>

namespace kray::app {

namespace {

using core::Json;

// Why the RayJob cannot be suspended, or "" when it can. KubeRay v1.6.2:
// ValidateRayJobSpec (ray-operator/controllers/ray/utils/validation.go)
// refuses suspend without shutdownAfterJobFinishes and with
// clusterSelector; the Waiting state (InteractiveMode) does not look at
// suspend (rayjob_controller.go, Reconcile). Kueue sets spec.suspend of
// the jobs in its queues itself (it admits by unsuspending).
std::string cannot_suspend(const Json& job) {
  const Json& spec = job.value("spec", Json::object());
  const Json& labels = job.value("metadata", Json::object()).value("labels", Json::object());
  if (!spec.is_object() || !spec.value("shutdownAfterJobFinishes", false)) {
    return "suspending needs shutdownAfterJobFinishes: true";
  }
  if (spec.contains("clusterSelector")) {
    return "a RayJob on an existing cluster (clusterSelector) cannot be suspended";
  }
  if (labels.is_object() && labels.contains("kueue.x-k8s.io/queue-name")) {
    return "Kueue owns spec.suspend of a job in its queue " +
           labels.value("kueue.x-k8s.io/queue-name", Json("")).dump();
  }
  if (string_at(job, "status", "jobDeploymentStatus") == "Waiting") {
    return "KubeRay does not act on suspend while an InteractiveMode job is Waiting";
  }
  return "";
}

}  // namespace

Result<void> run_stop(const StopOptions& options, const Deps& deps) {
  KRAY_TRY_ASSIGN(const auto target, parse_object_ref(options.target));
  if (target.ref.kind != "RayJob") {
    return make_error(ErrorCode::usage,
                      "krayctl stop stops a RayJob, not a " + target.ref.kind +
                          " (krayctl delete removes the others; a RayCluster can be "
                          "suspended with spec.suspend: true)");
  }
  const std::string& name = target.name;
  const std::string shown = "rayjob/" + name;
  KRAY_TRY_ASSIGN(auto resolved, resolve_kubeconfig(deps, options.kubeconfig));
  for (const auto& w : resolved.warnings) {
    deps.console.err("Warning: " + w + "\n");
  }
  const std::string& ns = resolved.namespace_;
  const auto deadline = deadline_after(deps, options.timeout);
  KRAY_TRY_ASSIGN(auto session, open_session(deps, resolved, options.transport,
                                             options.kubeconfig.verbosity, deadline));
  kube::Client& client = *session.client;
  const auto ref = *known_resource("ray.io/v1", "RayJob");
  auto got = kube::get(client, ref, ns, name);
  if (!got) {
    return tl::unexpected(std::move(got).error().add_context(shown));
  }
  const Json& job = *got;
  const core::WorkloadStatus st = [&] {
    Json typed = job;
    typed["kind"] = "RayJob";
    return core::workload_status(typed);
  }();
  const std::string state = st.state + (st.job_status.empty() ? "" : ", " + st.job_status);
  if (st.finished) {
    deps.console.out(shown + " has finished (" + state + "): nothing to stop\n");
    return {};
  }
  const Json& spec = job.value("spec", Json::object());
  // Suspended already (and not asked to delete), suspended now, or deleted.
  const bool already = spec.is_object() && spec.value("suspend", false) && !options.remove;
  const std::string why_not = already ? "" : options.remove ? "--delete" : cannot_suspend(job);
  const bool deleting = !already && !why_not.empty();
  if (already) {
    deps.console.out(shown + " is suspended already (" + state + ")\n");
  } else {
    if (!options.force && !managed_by_krayctl(job)) {
      return make_error(ErrorCode::usage,
                        shown + " was not created by krayctl (no " +
                            std::string(k_managed_by_label) +
                            "=krayctl label, no krayctl field manager): nothing was changed; pass "
                            "--force to stop it anyway");
    }
    if (!deleting) {
      const Json patch = {{"spec", {{"suspend", true}}}};
      auto patched = kube::merge_patch(client, ref, ns, name, patch, k_field_manager);
      if (!patched) {
        return tl::unexpected(std::move(patched).error().add_context(shown));
      }
      deps.console.out(shown + " suspended (spec.suspend: true): KubeRay deletes its RayCluster " +
                       "and submitter and keeps the RayJob. To run it again from the start: " +
                       "kubectl patch rayjob " + name +
                       " --type=merge -p '{\"spec\":{\"suspend\":false}}'\n");
    } else {
      kube::DeleteOptions how;
      how.propagation = kube::Propagation::background;
      how.uid = string_at(job, "metadata", "uid");
      auto removed = kube::remove(client, ref, ns, name, how);
      if (!removed && removed.error().code != ErrorCode::not_found) {
        return tl::unexpected(std::move(removed).error().add_context(shown));
      }
      const std::string cluster = string_at(job, "status", "rayClusterName");
      const bool selected = spec.is_object() && spec.contains("clusterSelector");
      deps.console.out(shown + " deleted, not suspended (" + why_not +
                       "): KubeRay stops its Ray job; " +
                       (selected ? "raycluster/" + cluster + ", not the RayJob's, stays"
                                 : "its RayCluster goes with it") +
                       "\n");
    }
  }
  if (!options.wait) {
    return {};
  }
  KRAY_TRY_ASSIGN(const auto line, wait_for_object(deps, session, "RayJob", ns, name,
                                                   deleting ? "deleted" : "suspended", deadline));
  deps.console.out(line + "\n");
  return {};
}

}  // namespace kray::app
