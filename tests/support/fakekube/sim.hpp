// SPDX-License-Identifier: Apache-2.0
// fakekube's simulations, each switchable: a scheduler and kubelet that
// bind and run Pods (or leave them Unschedulable, fail image pulls, crash,
// get OOMKilled, finish), a Job controller, the endpoints and endpointslice
// controllers, a KubeRay v1.6.2 operator (RayCluster, RayJob, RayService,
// after ray-operator/controllers/ray/ of KubeRay v1.6.2) and a Ray dashboard
// listening on the head Pod's port, reached through the service proxy (as
// the operator's utils/dashboardclient/dashboard_httpclient.go calls it).
// They run on one thread against the ApiServer's public API, so they are
// clients like any other; their delays run on the server's simulated clock
// (Clock::simulated), what they write carries the wall time.
#pragma once

#include "ray_dashboard.hpp"
#include "server.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fakekube {

// How a container behaves once it is scheduled; chosen per Pod by the
// annotation `fakekube.io/behavior` or by the first rule whose image
// substring matches a container image.
struct Behavior {
  enum class Kind { run, image_pull_error, crash_loop, oom_killed, exit };
  Kind kind = Kind::run;
  int exit_code = 0;              // for exit
  double run_seconds = 2;         // for exit, crash_loop, oom_killed: time before it ends
  std::vector<std::string> logs;  // written when the container starts
};

// Parses "run", "image-pull-error", "crash-loop", "oom", "exit:CODE[:SECONDS]".
std::optional<Behavior> parse_behavior(const std::string& text);

struct SimOptions {
  bool scheduler = true;  // scheduler + kubelet
  bool jobs = true;       // the batch/v1 Job controller
  bool operator_ = true;  // KubeRay operator + Ray dashboards
  // kube-controller-manager's endpoints and endpointslice controllers:
  // Endpoints and EndpointSlices from each Service's selector and its Pods'
  // readiness (what the service proxy and cluster_dns() read), and a
  // clusterIP for a Service that has none.
  bool endpoints = true;
  double start_seconds = 1;  // bound Pod to running
  double serve_deploy_seconds = 2;
};

// The cluster's DNS as CoreDNS's kubernetes plugin answers a Pod in
// `from_ns` (search path NS.svc.cluster.local, svc.cluster.local): `host`
// as NAME, NAME.NS, NAME.NS.svc or NAME.NS.svc.cluster.local (a trailing dot
// allowed) resolves to the Service's clusterIP, or for a headless Service
// (clusterIP None) to the addresses in its Endpoints (ready ones; all with
// publishNotReadyAddresses, as the endpoints controller lists them). An
// ExternalName Service, an unknown name or a Service without a clusterIP
// yet: empty (NXDOMAIN).
std::vector<std::string> cluster_dns(const ApiServer& server,
                                     const std::string& from_ns,
                                     const std::string& host);

class Simulation {
 public:
  Simulation(ApiServer& server, SimOptions options = {});
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  void start();
  void stop();

  void add_image_rule(const std::string& image_substring, Behavior behavior);
  // The simulated image registry (container_runtime.hpp, ImageRegistry):
  // images (glob patterns) that exist or do not; a pull of a missing one
  // fails with ErrImagePull, then ImagePullBackOff, and is retried.
  void add_image(const std::string& pattern);
  void remove_image(const std::string& pattern);
  void add_job_rule(const std::string& entrypoint_substring, RayJobScript script);
  // Serve applications deploy to this status ("RUNNING" or "DEPLOY_FAILED").
  void set_serve_outcome(const std::string& status, const std::string& message = "");
  // The next `n` requests to any Ray dashboard (through the service proxy,
  // from the submitter or from the operator) answer 503, as a dashboard
  // that is restarting; scenario fault `dashboard-unavailable=N`.
  void fail_dashboard_requests(int n);

  // Reads a scenario file (YAML; see docs/testing.md): behaviors by image,
  // Ray job scripts by entrypoint, the serve outcome. Errors name the file.
  Result<void> load_scenario(const std::string& yaml_text);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace fakekube
