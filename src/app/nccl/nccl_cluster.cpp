// SPDX-License-Identifier: Apache-2.0
// `nccl-check --cluster NAME --group G`: the check in a Pod built from the
// group's own template, as a Job in the cluster. The Pod runs a sh script
// (core::node_bundle_script) that prints the node's files; krayctl reads
// its log, rebuilds the tree in memory and runs the same node checks it
// runs on a node, then deletes the Job it created.
#include "nccl_cluster.hpp"

#include "nccl_node.hpp"

#include <krayctl/app/connection.hpp>
#include <krayctl/app/resources.hpp>
#include <krayctl/core/k8s/pod_problem.hpp>
#include <krayctl/core/nccl/nccl_bundle.hpp>
#include <krayctl/core/nccl/nccl_check.hpp>
#include <krayctl/core/nccl/nccl_log.hpp>
#include <krayctl/core/nccl/nccl_node.hpp>
#include <krayctl/core/nccl/nccl_spec.hpp>
#include <krayctl/io/clock.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/io/memory.hpp>
#include <krayctl/kube/operations.hpp>
#include <krayctl/kube/resources.hpp>
#include <krayctl/kube/verbs.hpp>
#include <krayctl/kube/wait.hpp>

namespace kray::app::detail {

namespace {

using core::Json;

// How the check Pod ended, as its watch saw it.
struct PodOutcome {
  std::string name;
  std::string node;
  std::string phase;  // Succeeded, Failed; "" when it never ran
  std::string stuck;  // why it cannot run: Unschedulable, ImagePullBackOff ...
  bool timed_out = false;
};

// Why a Pending Pod will not start by itself, or "".
std::string stuck_reason(const Json& pod) {
  const core::PodProblem p = core::pod_problem(pod);
  return p.permanent ? p.summary() : "";
}

// Waits on a watch of the Job's Pods until one ends or cannot start.
Result<PodOutcome> wait_for_pod(const Deps& deps,
                                kube::Client& client,
                                kube::Transport& transport,
                                const std::string& ns,
                                const std::string& job,
                                std::chrono::milliseconds timeout) {
  PodOutcome out;
  kube::ReflectorOptions o;
  o.path = "/api/v1/namespaces/" + ns + "/pods";
  o.query = "labelSelector=batch.kubernetes.io%2Fjob-name%3D" + job;
  // Each Pod as it is seen: its name and node stay known when the wait
  // times out or the Pod goes.
  auto ended = [&out](const kube::Objects& pods) {
    for (const auto& [key, pod] : pods) {
      out.name = pod["metadata"].value("name", "");
      out.node = pod.value("spec", Json::object()).value("nodeName", "");
      const std::string phase = pod.value("status", Json::object()).value("phase", "");
      if (phase == "Succeeded" || phase == "Failed") {
        out.phase = phase;
        return true;
      }
      if (const std::string why = stuck_reason(pod); !why.empty()) {
        out.stuck = why;
        return true;
      }
    }
    return false;
  };
  auto waited = kube::wait_for(client, transport, deps.clock, o, ended,
                               deps.clock.steady_now() + timeout, nullptr);
  if (!waited) {
    if (waited.error().code != ErrorCode::timeout) {
      return tl::unexpected(std::move(waited).error());
    }
    out.timed_out = true;
  }
  return out;
}

// Creates the check Job from `group`'s template (the node script, with
// all_reduce_perf when --run asks) and says so; its name.
Result<std::string> create_check_job(const NcclCheckOptions& options,
                                     const Deps& deps,
                                     kube::Client& client,
                                     const std::string& ns,
                                     const Json& group,
                                     int gpus) {
  const long deadline_s = std::max<long>(30, static_cast<long>(options.timeout.count() / 1000));
  const Json job = core::check_job(group, options.cluster, options.group, ns,
                                   core::node_bundle_script(options.run ? options.nccl_tests : "",
                                                            std::max(1, gpus), !options.intra_node),
                                   deadline_s);
  const auto job_ref = known_resource("batch/v1", "Job");
  kube::CreateOptions create;
  create.field_manager = "krayctl";
  KRAY_TRY_ASSIGN(const auto created, kube::create(client, *job_ref, ns, job, create));
  std::string name = string_at(created, "metadata", "name");
  deps.console.err("job.batch/" + name + " created in " + ns + " from raycluster/" +
                   options.cluster + " group " + options.group + "\n");
  return name;
}

// How the check Pod ended, and its log when it ran to an end.
struct PodRun {
  PodOutcome outcome;
  std::string log;
};

// Waits for the Job's Pod, then reads its log (saved where --output asks)
// when it ended Succeeded or Failed.
Result<PodRun> run_check_pod(const NcclCheckOptions& options,
                             const Deps& deps,
                             kube::Client& client,
                             kube::Transport& transport,
                             const std::string& ns,
                             const std::string& name) {
  KRAY_TRY_ASSIGN(auto outcome, wait_for_pod(deps, client, transport, ns, name, options.timeout));
  PodRun run{std::move(outcome), ""};
  if (!run.outcome.name.empty() && !run.outcome.phase.empty()) {
    kube::LogOptions lo;
    lo.container = "nccl-check";
    KRAY_TRY(kube::read_log(client, transport, ns, run.outcome.name, lo,
                            [&log = run.log](std::string_view t) {
                              log.append(t);
                              return true;
                            }));
  }
  if (!run.log.empty()) {
    KRAY_TRY(save_output(options, run.log, deps));
  }
  return run;
}

// Deletes the check Job (ours: created above, with krayctl's label); a
// failure is only a warning.
void delete_check_job(const Deps& deps,
                      kube::Client& client,
                      const std::string& ns,
                      const std::string& name) {
  const auto job_ref = known_resource("batch/v1", "Job");
  kube::DeleteOptions del;
  del.propagation = kube::Propagation::background;
  if (auto gone = kube::remove(client, *job_ref, ns, name, del); gone) {
    deps.console.err("job.batch/" + name + " deleted\n");
  } else {
    deps.console.err("Warning: job.batch/" + name +
                     " could not be deleted: " + gone.error().to_string() + "\n");
  }
}

// The checks of all_reduce_perf's output, when the Pod ran it: those of
// a local --run (without the variables --run itself forces), its exit
// code, and the bus bandwidth expected of the node.
void run_output_checks(const NcclCheckOptions& options,
                       const core::NodeBundle& bundle,
                       const std::string& name,
                       const core::NodeFacts& facts,
                       core::NcclReport& report) {
  core::NcclCheckInput input;
  input.source = name;
  input.min_busbw = options.min_busbw;
  input.tests = core::parse_nccl_tests(*bundle.run_output);
  input.log = core::parse_nccl_log(*bundle.run_output);
  for (const auto& v : core::nccl_run_environment(true)) {
    input.log->env.erase(v.name);
  }
  report = core::evaluate_nccl(input);
  if (bundle.run_exit.value_or(0) != 0) {
    report.checks.push_back({"run", core::CheckStatus::fail,
                             "all_reduce_perf exited with code " + std::to_string(*bundle.run_exit),
                             "its output is in the Pod's log (--keep)", 0});
  }
  if (input.tests && !options.min_busbw) {
    core::expected_busbw_check(facts, *input.log, *input.tests, report);
  }
}

// The checks of the node's facts the Pod printed: the node checks, run on
// the tree rebuilt in memory, after those of --run's output.
void bundle_checks(const NcclCheckOptions& options,
                   const Deps& deps,
                   const core::NodeBundle& bundle,
                   const std::string& name,
                   int gpus,
                   core::NcclReport& report) {
  io::MemoryFileSystem fs;
  fs.files = bundle.files;
  io::MapEnvironment env;
  env.vars = bundle.env;
  const Deps there{fs, deps.console, env, deps.processes, deps.clock};
  const core::NodeFacts facts = probe_node(there, "/");
  if (bundle.run_output) {
    run_output_checks(options, bundle, name, facts, report);
  }
  core::NodeExpectations expect;
  if (gpus > 0) {
    expect.gpus = gpus;
  }
  core::evaluate_node(facts, expect, report);
  if (!bundle.complete) {
    report.checks.push_back(
        {"pod", core::CheckStatus::warn, "the check Pod's output stopped before its end", "", 0});
  }
}

// The report on the Pod's end: a Pod that did not finish, could not run or
// printed nothing fails; else the checks of what it printed.
core::NcclReport pod_report(const NcclCheckOptions& options,
                            const Deps& deps,
                            const PodRun& run,
                            const std::string& name,
                            int gpus) {
  core::NcclReport report;
  if (run.outcome.timed_out) {
    report.checks.push_back({"pod", core::CheckStatus::fail,
                             "the check Pod did not finish within --timeout",
                             "kubectl describe pod -l batch.kubernetes.io/job-name=" + name +
                                 " (rerun with --keep to look at it)",
                             0});
    return report;
  }
  if (!run.outcome.stuck.empty()) {
    report.checks.push_back({"pod", core::CheckStatus::fail,
                             "a Pod of this group cannot run: " + run.outcome.stuck,
                             "the group's own Pods meet the same fate: free or add the resources "
                             "named, or fix the image",
                             0});
    return report;
  }
  const core::NodeBundle bundle = core::parse_node_bundle(run.log);
  if (!bundle.begun) {
    report.checks.push_back(
        {"pod", core::CheckStatus::fail,
         "the check Pod ended " + run.outcome.phase + " without printing the node's facts",
         "its image needs /bin/sh; its log: kubectl logs job/" + name + " (with --keep)", 0});
    return report;
  }
  bundle_checks(options, deps, bundle, name, gpus, report);
  return report;
}

}  // namespace

// The check in a Pod of the group: the Job created, its Pod waited for and
// read, the Job deleted (unless --keep), then the report shown.
Result<void> run_cluster_check(const NcclCheckOptions& options,
                               const Deps& deps,
                               const ShowReport& show) {
  if (options.group.empty()) {
    return make_error(ErrorCode::usage, "--cluster needs --group: a worker group's name, or head");
  }
  KRAY_TRY_ASSIGN(auto resolved, resolve_kubeconfig(deps, options.kubeconfig));
  const Deadline deadline = options.timeout.count() > 0
                                ? Deadline(deps.clock.steady_now() + options.timeout)
                                : std::nullopt;
  KRAY_TRY_ASSIGN(auto session, open_session(deps, resolved, options.transport,
                                             options.kubeconfig.verbosity, deadline));
  kube::Client& client = *session.client;
  const std::string& ns = resolved.namespace_;
  const auto rc_ref = known_resource("ray.io/v1", "RayCluster");
  KRAY_TRY_ASSIGN(auto cluster,
                  kube::get(client, *rc_ref, ns, options.cluster).map_error([&](Error e) {
                    return std::move(e).add_context("raycluster/" + options.cluster);
                  }));
  cluster["kind"] = "RayCluster";
  KRAY_TRY_ASSIGN(const Json* group,
                  core::group_of(cluster, options.group, "raycluster/" + options.cluster));
  const int gpus = core::group_gpus(*group);
  KRAY_TRY_ASSIGN(const std::string name,
                  create_check_job(options, deps, client, ns, *group, gpus));

  auto run = run_check_pod(options, deps, client, *session.transport, ns, name);
  if (!options.keep) {
    delete_check_job(deps, client, ns, name);
  }
  if (!run) {
    return tl::unexpected(std::move(run).error());
  }
  core::NcclReport report = pod_report(options, deps, *run, name, gpus);
  const std::string source =
      "raycluster/" + options.cluster + " group " + options.group + " (job " + name +
      (run->outcome.node.empty() ? "" : " on node " + run->outcome.node) + ")";
  core::summarize(report);
  return show(report, source);
}

}  // namespace kray::app::detail
