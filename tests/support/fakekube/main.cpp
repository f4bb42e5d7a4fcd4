// SPDX-License-Identifier: Apache-2.0
// The `fakekube` binary: the simulated cluster for the demo and for trying
// krayctl (or kubectl) by hand. See docs/testing.md.
//
//   fakekube --kubeconfig-out PATH [--port N] [--nodes SPEC] [--no-kuberay-crds]
//            [--no-operator] [--scenario FILE] [--speed X] [--populate CxP[/N]]
//            [--namespaces a,b] [--fault SPEC]...
//
// It writes the kubeconfig only once it serves (so a script can wait for
// the file), prints the URL, and runs until SIGTERM or SIGINT.
#include "populate.hpp"
#include "sim.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {

std::vector<std::string> fakekube_split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) {
      out.push_back(item);
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fakekube: a simulated Kubernetes API server for krayctl's tests and demo"};
  std::string kubeconfig_out;
  std::string nodes = "2x8gpu,2xcpu";
  fakekube::ServerOptions options;
  bool no_crds = false;
  bool no_operator = false;
  std::string scenario;
  std::string populate;
  std::string namespaces;
  std::vector<std::string> faults;
  app.add_option("--kubeconfig-out", kubeconfig_out,
                 "where to write the kubeconfig (admin certificate user current; contexts "
                 "fakekube-token and fakekube-viewer for the others)")
      ->required();
  app.add_option("--port", options.port, "port on 127.0.0.1 (default: a free one)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--nodes", nodes, "nodes, e.g. 4x8gpu,2xcpu (default 2x8gpu,2xcpu)");
  app.add_flag("--no-kuberay-crds", no_crds, "serve no ray.io resources");
  app.add_flag("--no-operator", no_operator,
               "no KubeRay operator: Ray objects are stored, nothing acts on them");
  app.add_option("--scenario", scenario,
                 "a YAML scenario: container behaviors by image, Ray job outcomes by "
                 "entrypoint, the serve outcome (docs/testing.md)");
  app.add_option("--namespaces", namespaces, "namespaces to create at start, e.g. ml,research");
  app.add_option("--populate", populate,
                 "a settled cluster for benchmarks, CLUSTERSxPODS[/NAMESPACES] such as 1000x16/50; "
                 "no simulation runs then");
  app.add_option("--speed", options.speed, "simulated time runs this many times faster")
      ->check(CLI::PositiveNumber);
  app.add_option("--fault", faults,
                 "switch a fault on (repeatable): gone-after=N, drop-watches-after=N, "
                 "gone-on-resume=N, split-watch-events, no-bookmarks, latency=MS, warning=TEXT, "
                 "status=CODE:METHOD:PATH_PREFIX[:TIMES][:RETRY_AFTER], compress, "
                 "dashboard-unavailable=N")
      ->take_all()
      ->allow_extra_args(false);
  CLI11_PARSE(app, argc, argv);
  options.kuberay_crds = !no_crds;

  auto node_objects = fakekube::parse_nodes(nodes);
  if (!node_objects) {
    std::cerr << "fakekube: --nodes: " << node_objects.error().message << "\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts

  std::vector<fakekube::FaultSwitch> switches;
  std::vector<std::string> sim_faults;  // the simulation's own, as in a scenario
  for (const auto& f : faults) {
    if (f.rfind("dashboard-unavailable=", 0) == 0) {
      sim_faults.push_back(f);
      continue;
    }
    auto parsed = fakekube::parse_fault(f);
    if (!parsed) {
      std::cerr << "fakekube: --fault: " << parsed.error().message << "\n";
      return 2;
    }
    switches.push_back(*parsed);
  }
  options.nodes = nodes;
  fakekube::ApiServer server(options);
  for (const auto& f : switches) {
    f(server);
  }
  fakekube::SimOptions sim_options;
  sim_options.operator_ = !no_operator && !no_crds;
  fakekube::Simulation sim(server, sim_options);
  for (const auto& f : sim_faults) {
    if (auto r = sim.load_scenario("faults: [" + fakekube::Json(f).dump() + "]\n"); !r) {
      std::cerr << "fakekube: --fault: " << r.error().message << "\n";
      return 2;
    }
  }
  if (!scenario.empty()) {
    std::ifstream in(scenario);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      std::cerr << "fakekube: cannot read " << scenario << "\n";
      return 2;
    }
    if (auto r = sim.load_scenario(text.str()); !r) {
      std::cerr << "fakekube: " << scenario << ": " << r.error().message << "\n";
      return 2;
    }
  }
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  for (const auto& ns : fakekube_split(namespaces)) {
    auto made =
        server.create("v1", "namespaces", "",
                      {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
    if (!made) {
      std::cerr << "fakekube: --namespaces: " << made.error().message << "\n";
      return 2;
    }
  }
  if (!populate.empty()) {
    auto spec = fakekube::parse_populate(populate);
    if (!spec) {
      std::cerr << "fakekube: " << spec.error().message << "\n";
      return 2;
    }
    if (auto done = fakekube::populate(server, *spec); !done) {
      std::cerr << "fakekube: --populate: " << done.error().message << "\n";
      return 1;
    }
  } else {
    sim.start();  // a populated cluster is settled: nothing simulates it
  }
  const std::string tmp = kubeconfig_out + ".tmp";
  {
    std::ofstream out(tmp);
    out << server.kubeconfig("admin");
    if (!out) {
      std::cerr << "fakekube: cannot write " << tmp << "\n";
      return 1;
    }
  }
  if (std::rename(tmp.c_str(), kubeconfig_out.c_str()) != 0) {
    std::cerr << "fakekube: cannot write " << kubeconfig_out << "\n";
    return 1;
  }
  std::cout << "fakekube: serving " << server.url() << " (kubeconfig " << kubeconfig_out << ")"
            << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  std::cout << "fakekube: stopping" << std::endl;
  sim.stop();
  server.stop();
  return 0;
}
