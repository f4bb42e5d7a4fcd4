// SPDX-License-Identifier: Apache-2.0
// One Ray head's dashboard as fakekube simulates it: the Jobs REST API and
// the Serve REST API of Ray 2.46-2.52 (ray-project/ray
// python/ray/dashboard/modules/job/: job_head.py, common.py
// JobSubmitRequest and JobInfo, pydantic_models.py JobDetails,
// job_manager.py; modules/serve/serve_head.py), reached through the
// service proxy as KubeRay's utils/dashboardclient/dashboard_httpclient.go
// and `ray job` call it.
//
// Not thread-safe: the Simulation owns each instance and calls it under its
// own mutex. Time is the simulated clock, passed with each call; what the
// API reports (start_time, end_time, log timestamps) is wall time, through
// the `epoch_ms` hook.
#pragma once

#include "server.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fakekube {

// A Ray job's scripted fate, chosen by the first rule whose substring is in
// the entrypoint.
struct RayJobScript {
  std::string status = "SUCCEEDED";  // SUCCEEDED, FAILED or STOPPED at the end
  double pending_seconds = 1;        // runtime env setup, once resources fit
  double run_seconds = 3;
  std::string message;  // FAILED: replaces Ray's "Job entrypoint command failed ..."
  std::vector<std::string> logs = {"Running entrypoint", "Job finished"};
};

// How Serve applications deploy.
struct ServeOutcome {
  std::string status = "RUNNING";  // or DEPLOY_FAILED
  std::string message;
  double deploy_seconds = 2;
};

class RayDashboard {
 public:
  struct Hooks {
    std::function<long long(double)> epoch_ms;                   // simulated -> wall ms
    std::function<RayJobScript(const std::string&)> script_for;  // by entrypoint
    std::function<ServeOutcome()> serve_outcome;
  };
  explicit RayDashboard(Hooks hooks);

  // Answers one request (path after .../proxy) at simulated time `t`.
  ProxyResponse handle(const ProxyRequest& request, double t);

  // What the cluster registered (Ray resource names: CPU, GPU, memory in
  // bytes, custom ones): entrypoint resources are scheduled against it.
  void set_cluster_resources(std::map<std::string, double> total);
  const std::map<std::string, double>& cluster_resources() const { return m_total; }
  // The head node, where drivers run (driver_info, driver_agent_http_address).
  void set_head_node(const std::string& ip, const std::string& node_id);

  // A serve config put by the operator (what PUT /api/serve/applications/ takes).
  void put_serve_config(const Json& config, double t);
  bool has_serve_config() const { return m_serve_config.is_object(); }
  // Whether Serve's applications run at `t` (deployed and RUNNING): then
  // its HTTP proxies listen on the nodes.
  bool serve_running(double t) const {
    return m_serve_config.is_object() && m_hooks.serve_outcome().status == "RUNNING" &&
           t >= m_serve_put_at + m_hooks.serve_outcome().deploy_seconds;
  }

  // What an unavailable dashboard answers (the simulated transient fault).
  static ProxyResponse unavailable();

 private:
  struct Job {
    std::string submission_id;
    std::string job_id;  // Ray's hex job id, once the driver started
    std::string entrypoint;
    Json metadata;     // null when not submitted
    Json runtime_env;  // null when not submitted
    double num_cpus = 0;
    double num_gpus = 0;
    double memory = 0;
    std::map<std::string, double> resources;
    RayJobScript script;
    double submitted_at = 0;
    double started_at = -1;
    double ended_at = -1;
    bool blocked = false;  // seen waiting for resources
    std::string status = "PENDING";
    std::string message;
    std::string error_type;
    std::optional<int> exit_code;
    std::string driver_pid;
  };

  void advance(double t);
  bool fits(const Job& job) const;
  std::map<std::string, double> needs(const Job& job) const;
  Job* find(const std::string& id);
  Json details(const Job& job) const;
  std::string logs(const Job& job, double t) const;
  std::string record_time(double t) const;
  ProxyResponse submit(const ProxyRequest& request, double t);
  ProxyResponse serve(const ProxyRequest& request, double t);

  Hooks m_hooks;
  std::vector<Job> m_jobs;  // in submission order
  std::map<std::string, double> m_total;
  std::string m_head_ip = "10.244.0.2";
  std::string m_head_node_id;
  int m_job_counter = 0;
  Json m_serve_config;
  double m_serve_put_at = -1;
};

// The submission id Ray generates: "raysubmit_" and 16 characters from
// [A-Za-z0-9] without I, l, o, O and 0 (job_manager.py generate_job_id).
std::string generate_submission_id();

}  // namespace fakekube
