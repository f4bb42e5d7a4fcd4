// SPDX-License-Identifier: Apache-2.0
#include "sim.hpp"

#include "kuberay_build.hpp"
#include "quantity.hpp"
#include "yaml_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <mutex>
#include <set>

namespace fakekube {

namespace {

// A Kubernetes quantity in thousandths of its unit ("500m" -> 500,
// "2" -> 2000, "1Gi" -> 1073741824000), as Quantity.MilliValue() rounds;
// what admission would refuse counts as 0.
long double milli_of(const Json& q) {
  auto parsed = quantity_of(q);
  return parsed ? static_cast<long double>(quantity_milli(*parsed)) : 0;
}

// A quantity for status fields: "3", "1500m", "6Gi", "512Mi".
std::string format_quantity(long double milli, bool memory) {
  const auto whole = static_cast<long long>(std::llround(milli / 1000));
  if (memory) {
    const long long bytes = whole;
    for (const auto& [suffix, size] : std::vector<std::pair<const char*, long long>>{
             {"Ti", 1LL << 40}, {"Gi", 1LL << 30}, {"Mi", 1LL << 20}, {"Ki", 1LL << 10}}) {
      if (bytes != 0 && bytes % size == 0) {
        return std::to_string(bytes / size) + suffix;
      }
    }
    return std::to_string(bytes);
  }
  const auto m = static_cast<long long>(std::llround(milli));
  return m % 1000 == 0 ? std::to_string(m / 1000) : std::to_string(m) + "m";
}

std::string rand5() {
  // Called from the simulation thread and from dashboard requests.
  static std::mutex guard;
  std::lock_guard<std::mutex> lock(guard);
  static std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  static const std::string alphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (int i = 0; i < 5; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    out += alphabet[state % alphabet.size()];
  }
  return out;
}

// Objects reach the store as clients wrote them: a spec may be missing.
bool has_spec(const Json& o) {
  return o.contains("spec") && o["spec"].is_object();
}

Json containers_of(const Json& tmpl) {
  const Json& c = at(tmpl, {"spec", "containers"});
  return c.is_array() ? c : Json::array();
}

std::string name_of(const Json& o) {
  return o["metadata"].value("name", "");
}
std::string ns_of(const Json& o) {
  return o["metadata"].value("namespace", "");
}
std::string uid_of(const Json& o) {
  return o["metadata"].value("uid", "");
}
Json labels_of(const Json& o) {
  return o["metadata"].value("labels", Json::object());
}
bool deleting(const Json& o) {
  return o["metadata"].contains("deletionTimestamp");
}

Json owner_ref(const Json& owner) {
  return Json{{"apiVersion", owner.value("apiVersion", "")},
              {"kind", owner.value("kind", "")},
              {"name", name_of(owner)},
              {"uid", uid_of(owner)},
              {"controller", true},
              {"blockOwnerDeletion", true}};
}

bool owned_by(const Json& o, const std::string& uid) {
  const Json& m = o["metadata"];
  if (!m.contains("ownerReferences")) {
    return false;
  }
  for (const auto& r : m["ownerReferences"]) {
    if (r.value("uid", "") == uid) {
      return true;
    }
  }
  return false;
}

Json condition(const std::string& type,
               bool status,
               const std::string& reason,
               const std::string& message,
               const std::string& time) {
  Json c = {{"type", type}, {"status", status ? "True" : "False"}};
  if (!reason.empty()) {
    c["reason"] = reason;
  }
  if (!message.empty()) {
    c["message"] = message;
  }
  c["lastTransitionTime"] = time;
  return c;
}

// A KubeRay condition is a metav1.Condition: the CRD's schema requires its
// message too, "" when there is none.
Json ray_condition(const std::string& type,
                   bool status,
                   const std::string& reason,
                   const std::string& message,
                   const std::string& time) {
  Json c = condition(type, status, reason, message, time);
  c["message"] = message;
  return c;
}

// Keeps lastTransitionTime when a condition's status did not change.
Json merge_conditions(const Json& old_list, Json new_list) {
  for (auto& c : new_list) {
    if (!old_list.is_array()) {
      break;
    }
    for (const auto& o : old_list) {
      if (o.value("type", "") == c.value("type", "") &&
          o.value("status", "") == c.value("status", "")) {
        c["lastTransitionTime"] = o.value("lastTransitionTime", c["lastTransitionTime"]);
      }
    }
  }
  return new_list;
}

const Json* find_condition(const Json& object, const std::string& type) {
  if (!object.contains("status") || !object["status"].contains("conditions")) {
    return nullptr;
  }
  for (const auto& c : at(object, {"status", "conditions"})) {
    if (c.value("type", "") == type) {
      return &c;
    }
  }
  return nullptr;
}

bool condition_true(const Json& object, const std::string& type) {
  const Json* c = find_condition(object, type);
  return c != nullptr && c->value("status", "") == "True";
}

std::string phase_of(const Json& pod) {
  return pod.contains("status") ? pod["status"].value("phase", "Pending") : "Pending";
}

bool pod_ready(const Json& pod) {
  return phase_of(pod) == "Running" && condition_true(pod, "Ready");
}

// What a Pod requests: the sum over containers (limits stand in for
// missing requests, as for extended resources), or the largest init
// container when that is larger.
std::map<std::string, long double> pod_requests(const Json& pod) {
  std::map<std::string, long double> sum;
  auto add = [](std::map<std::string, long double>& into, const Json& c) {
    const Json r = c.value("resources", Json::object());
    std::set<std::string> seen;
    if (r.contains("requests") && r["requests"].is_object()) {
      for (auto it = r["requests"].begin(); it != r["requests"].end(); ++it) {
        into[it.key()] += milli_of(it.value());
        seen.insert(it.key());
      }
    }
    if (r.contains("limits") && r["limits"].is_object()) {
      for (auto it = r["limits"].begin(); it != r["limits"].end(); ++it) {
        if (seen.count(it.key()) == 0) {
          into[it.key()] += milli_of(it.value());
        }
      }
    }
  };
  const Json& spec = pod["spec"];
  for (const auto& c : spec.value("containers", Json::array())) {
    add(sum, c);
  }
  for (const auto& c : spec.value("initContainers", Json::array())) {
    std::map<std::string, long double> one;
    add(one, c);
    for (const auto& [k, v] : one) {
      sum[k] = std::max(sum[k], v);
    }
  }
  sum["pods"] += 1000;
  return sum;
}

std::string head_service_name(const Json& cluster) {
  return kuberay::head_service_name(cluster);
}

// The Ray container's ports as the head Service exposes them (KubeRay's
// common/service.go, BuildServiceForHeadPod).
Json head_service_ports(const Json& cluster) {
  Json ports = Json::array();
  const Json containers = containers_of(at(cluster, {"spec", "headGroupSpec", "template"}));
  const Json declared =
      containers.empty() ? Json::array() : containers[0].value("ports", Json::array());
  std::map<std::string, int> byname;
  if (declared.empty()) {
    byname = {{"client", 10001}, {"gcs-server", 6379}, {"dashboard", 8265}, {"serve", 8000}};
  }
  for (const auto& p : declared) {
    const int port = p.value("containerPort", 0);
    byname[p.value("name", std::to_string(port) + "-port")] = port;
  }
  byname.emplace("metrics", 8080);
  for (const auto& [n, port] : byname) {  // std::map: sorted by name
    ports.push_back({{"name", n},
                     {"port", port},
                     {"targetPort", port},
                     {"protocol", "TCP"},
                     {"appProtocol", "tcp"}});
  }
  return ports;
}

int dashboard_port(const Json& cluster) {
  for (const auto& p : head_service_ports(cluster)) {
    if (p.value("name", "") == "dashboard") {
      return p.value("port", 8265);
    }
  }
  return 8265;
}

}  // namespace

std::optional<Behavior> parse_behavior(const std::string& text) {
  Behavior b;
  if (text == "run") {
    return b;
  }
  if (text == "image-pull-error") {
    b.kind = Behavior::Kind::image_pull_error;
    return b;
  }
  if (text == "crash-loop") {
    b.kind = Behavior::Kind::crash_loop;
    b.exit_code = 1;
    b.run_seconds = 1;
    return b;
  }
  if (text == "oom") {
    b.kind = Behavior::Kind::oom_killed;
    b.exit_code = 137;
    b.run_seconds = 1;
    return b;
  }
  if (text.rfind("exit:", 0) == 0) {
    b.kind = Behavior::Kind::exit;
    const std::string rest = text.substr(5);
    const auto colon = rest.find(':');
    try {
      b.exit_code = std::stoi(rest.substr(0, colon));
      if (colon != std::string::npos) {
        b.run_seconds = std::stod(rest.substr(colon + 1));
      }
    } catch (...) {
      return std::nullopt;
    }
    return b;
  }
  return std::nullopt;
}

// The simulated `ray job` CLI of a K8sJobMode submitter Pod.
struct SubmitterRun {
  int step = 0;             // 0: submit, 1: tailing the logs
  std::size_t printed = 0;  // characters of the Ray job's log printed
};

struct PodTrack {
  double bound_at = 0;
  double stage_since = 0;
  std::string stage = "creating";  // creating, running, backoff, terminated, pull
  int restarts = 0;
  int exit_code = 0;
  std::string terminated_reason;
  bool logged = false;
  std::size_t job_log_lines = 0;  // submitter: Ray job log lines copied
  double sigterm_at = -1;         // graceful deletion: when the kubelet sent SIGTERM
  double finished_at = -1;        // when a stopped container exited
  bool stopped = false;           // its final status written, the DELETE sent
};

struct Simulation::Impl {
  ApiServer& server;
  SimOptions options;
  std::thread thread;
  std::atomic<bool> running{false};

  std::mutex mu;  // rules and dashboards: proxy handlers run on server threads
  std::vector<std::pair<std::string, Behavior>> image_rules;
  std::vector<std::pair<std::string, RayJobScript>> job_rules;
  ServeOutcome serve_outcome;
  std::map<std::string, std::shared_ptr<RayDashboard>> dashboards;  // "ns/headsvc"
  int dashboard_failures = 0;                                       // requests left to answer 503
  std::map<std::string, SubmitterRun> submitters;                   // by Pod uid
  std::map<std::string, std::pair<std::string, int>> listening;     // "ns/headsvc": pod, port

  std::map<std::string, PodTrack> pods;  // by uid
  std::set<std::string> said;            // events emitted once
  std::map<std::string, std::string> ips;
  int ip_counter = 0;
  int cluster_ip_counter = 0;

  Impl(ApiServer& s, SimOptions o) : server(s), options(o) {
    serve_outcome.deploy_seconds = options.serve_deploy_seconds;
  }

  // Simulated seconds (what delays count) and the wall time (what objects
  // say); rfc3339_at stamps a simulated moment with its wall time.
  double now() const { return server.clock().simulated(); }
  std::string stamp() const { return server.clock().rfc3339(); }
  std::string rfc3339_at(double simulated) const {
    return to_rfc3339(server.clock().wall_at(simulated));
  }
  // A simulated moment as the dashboard reports it: wall-clock milliseconds.
  long long epoch_ms(double simulated) const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               server.clock().wall_at(simulated).time_since_epoch())
        .count();
  }

  void event(const Json& object,
             const std::string& type,
             const std::string& reason,
             const std::string& message,
             const std::string& component) {
    const std::string key = uid_of(object) + "/" + reason + "/" + message;
    if (!said.insert(key).second) {
      return;
    }
    char suffix[20];
    std::snprintf(suffix, sizeof suffix, "%016llx",
                  static_cast<unsigned long long>(said.size()) * 0x9E3779B1ULL);
    const std::string t = stamp();
    Json e = {{"apiVersion", "v1"},
              {"kind", "Event"},
              {"metadata", {{"name", name_of(object) + "." + suffix}}},
              {"involvedObject",
               {{"apiVersion", object.value("apiVersion", "")},
                {"kind", object.value("kind", "")},
                {"name", name_of(object)},
                {"namespace", ns_of(object)},
                {"uid", uid_of(object)}}},
              {"reason", reason},
              {"message", message},
              {"type", type},
              {"source", {{"component", component}}},
              {"reportingComponent", component},
              {"firstTimestamp", t},
              {"lastTimestamp", t},
              {"count", 1}};
    (void)server.create("v1", "events", ns_of(object), e);
  }

  Behavior behavior_for(const Json& pod) {
    const Json annotations = pod["metadata"].value("annotations", Json::object());
    if (annotations.contains("fakekube.io/behavior")) {
      if (auto b = parse_behavior(annotations["fakekube.io/behavior"].get<std::string>())) {
        return *b;
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& c : pod["spec"].value("containers", Json::array())) {
      for (const auto& [substr, b] : image_rules) {
        if (c.value("image", "").find(substr) != std::string::npos) {
          return b;
        }
      }
    }
    Behavior b;
    if (labels_of(pod).contains("batch.kubernetes.io/job-name")) {
      b.kind = Behavior::Kind::exit;  // a Job's Pod runs to completion by default
    }
    return b;
  }

  void loop() {
    std::uint64_t seen = 0;
    while (running) {
      seen = server.wait_for_change(seen, std::chrono::milliseconds(20));
      tick();
    }
  }

  void tick() {
    try {
      tick_once();
    } catch (const std::exception& e) {
      // Odd input must not take the test process down; say so and go on.
      std::fprintf(stderr, "fakekube sim: %s\n", e.what());
    }
  }

  // Each controller on its own: an object that throws (a field of an
  // unexpected type) stops its controller's pass, not the others.
  void tick_once() {
    auto guarded = [](const char* name, const std::function<void()>& run) {
      try {
        run();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "fakekube sim: %s: %s\n", name, e.what());
      }
    };
    if (options.operator_) {
      guarded("raycluster controller", [this] { rayclusters(); });
      guarded("rayjob controller", [this] { rayjobs(); });
      guarded("rayservice controller", [this] { rayservices(); });
    }
    if (options.jobs) {
      guarded("job controller", [this] { jobs(); });
    }
    if (options.scheduler) {
      guarded("scheduler", [this] { schedule(); });
      guarded("kubelet", [this] { kubelet(); });
    }
    if (options.endpoints) {
      guarded("endpoints controller", [this] { endpoints(); });
    }
  }

  // ---- scheduler --------------------------------------------------------

  void schedule() {
    const auto nodes = server.list("v1", "nodes");
    const auto all_pods = server.list("v1", "pods");
    std::map<std::string, std::map<std::string, long double>> used;
    for (const auto& p : all_pods) {
      if (!has_spec(p)) {
        continue;
      }
      const std::string node = p["spec"].value("nodeName", "");
      const std::string phase = phase_of(p);
      if (!node.empty() && phase != "Succeeded" && phase != "Failed") {
        for (const auto& [k, v] : pod_requests(p)) {
          used[node][k] += v;
        }
      }
    }
    for (const auto& pod : all_pods) {
      if (!has_spec(pod) || !pod["spec"].value("nodeName", "").empty() || deleting(pod)) {
        continue;
      }
      const auto want = pod_requests(pod);
      const Json selector = pod["spec"].value("nodeSelector", Json::object());
      std::map<std::string, int> reasons;
      std::string chosen;
      for (const auto& node : nodes) {
        const Json nl = labels_of(node);
        bool selected = true;
        for (auto it = selector.begin(); it != selector.end(); ++it) {
          selected = selected && nl.contains(it.key()) && nl[it.key()] == it.value();
        }
        if (!selected) {
          ++reasons["node(s) didn't match Pod's node affinity/selector"];
          continue;
        }
        const Json alloc = at(node, {"status", "allocatable"}).is_object()
                               ? at(node, {"status", "allocatable"})
                               : Json::object();
        bool fits = true;
        for (const auto& [res, amount] : want) {
          if (amount <= 0) {
            continue;
          }
          const long double have =
              (alloc.contains(res) ? milli_of(alloc[res]) : 0) - used[name_of(node)][res];
          if (have < amount) {
            ++reasons["Insufficient " + res];
            fits = false;
          }
        }
        if (fits && chosen.empty()) {
          chosen = name_of(node);
        }
      }
      if (!chosen.empty()) {
        // The scheduler's write: pods/binding (a Pod's nodeName cannot be
        // updated).
        if (!server.bind(ns_of(pod), name_of(pod), chosen)) {
          continue;
        }
        auto r = server.get("v1", "pods", ns_of(pod), name_of(pod));
        if (!r) {
          continue;
        }
        for (const auto& [k, v] : want) {
          used[chosen][k] += v;
        }
        Json st = (*r).value("status", Json::object());
        st["phase"] = "Pending";
        st["conditions"] =
            merge_conditions(st.value("conditions", Json()),
                             Json::array({condition("PodScheduled", true, "", "", stamp())}));
        (*r)["status"] = st;
        (void)server.update_status("v1", "pods", ns_of(pod), *r);
        event(pod, "Normal", "Scheduled",
              "Successfully assigned " + ns_of(pod) + "/" + name_of(pod) + " to " + chosen,
              "default-scheduler");
        pods[uid_of(pod)].bound_at = now();
        pods[uid_of(pod)].stage_since = now();
        continue;
      }
      // "0/3 nodes are available: 3 Insufficient nvidia.com/gpu." (reasons
      // sorted, as the scheduler's FitError prints them)
      std::string message = "0/" + std::to_string(nodes.size()) + " nodes are available";
      std::string parts;
      for (const auto& [reason, count] : reasons) {
        parts += (parts.empty() ? "" : ", ") + std::to_string(count) + " " + reason;
      }
      message += nodes.empty() ? "." : ": " + parts + ".";
      const std::string full = message + " preemption: 0/" + std::to_string(nodes.size()) +
                               " nodes are available: " + std::to_string(nodes.size()) +
                               " No preemption victims found for incoming pod.";
      Json st = pod.value("status", Json::object());
      st["phase"] = "Pending";
      st["conditions"] = merge_conditions(
          st.value("conditions", Json()),
          Json::array({condition("PodScheduled", false, "Unschedulable", full, stamp())}));
      Json copy = pod;
      copy["status"] = st;
      (void)server.update_status("v1", "pods", ns_of(pod), copy);
      event(pod, "Warning", "FailedScheduling", full, "default-scheduler");
    }
  }

  // ---- kubelet ----------------------------------------------------------

  std::string ip_for(const std::string& uid) {
    auto it = ips.find(uid);
    if (it != ips.end()) {
      return it->second;
    }
    ++ip_counter;
    return ips[uid] = "10.244." + std::to_string(ip_counter / 250) + "." +
                      std::to_string(ip_counter % 250 + 2);
  }

  void kubelet() {
    const double t = now();
    std::set<std::string> alive;
    for (const auto& pod : server.list("v1", "pods")) {
      if (!has_spec(pod)) {
        continue;
      }
      const std::string node = pod["spec"].value("nodeName", "");
      const std::string uid = uid_of(pod);
      alive.insert(uid);
      if (node.empty()) {
        continue;
      }
      auto& track = pods[uid];
      if (track.bound_at == 0) {
        track.bound_at = track.stage_since = t;
      }
      if (deleting(pod)) {
        stop_pod(pod, track, t);
        continue;
      }
      const std::string phase = phase_of(pod);
      if (phase == "Succeeded" || phase == "Failed") {
        continue;
      }
      advance(pod, track, t);
    }
    for (auto it = pods.begin(); it != pods.end();) {
      it = alive.count(it->first) ? std::next(it) : pods.erase(it);
    }
  }

  // The submitter of a K8sJobMode RayJob: what its container's command
  // line (KubeRay's BuildJobSubmitCommand) does, with the `ray job` CLI of
  // Ray 2.46-2.52 simulated: `ray job status` (output discarded), unless
  // the job exists `ray job submit --no-wait`, then `ray job logs
  // --follow`, each printing what the CLI prints. A refused submission, an
  // unreachable dashboard or a failed version check ends the container
  // with exit code 1 (the script runs under bash -e); otherwise it exits 0
  // once the Ray job is terminal, whatever its status. Returns whether the
  // container ended; its exit code goes to track.exit_code.
  bool run_submitter(const Json& pod, const Json& container, PodTrack& track) {
    const SubmitCommand cmd = submit_command(pod, container);
    const std::string ns = ns_of(pod);
    const std::string cname = container.value("name", "");
    auto print = [&](const std::string& line) { server.append_log(ns, name_of(pod), cname, line); };
    auto record = [&](const std::string& level, int line, const std::string& text) {
      print(record_time(now()) + "\t" + level + " cli.py:" + std::to_string(line) + " -- " + text);
    };
    auto crash = [&](const std::string& error) {
      print("Traceback (most recent call last):");
      print("  File \"/home/ray/anaconda3/bin/ray\", in <module>");
      print("    sys.exit(main())");
      print(
          "  File \"/home/ray/anaconda3/lib/python3.10/site-packages/ray/dashboard/modules/job/"
          "sdk.py\", in _raise_error");
      print(error);
      track.exit_code = 1;
      submitters.erase(uid_of(pod));
      return true;
    };
    // The Service the address names (NAME.NS.svc...), its dashboard.
    std::string host = cmd.address.substr(cmd.address.find("://") + 3);
    host = host.substr(0, host.find(':'));
    const std::string service = host.substr(0, host.find('.'));
    std::string svc_ns = ns;
    if (auto dot = host.find('.'); dot != std::string::npos) {
      svc_ns = host.substr(dot + 1, host.find('.', dot + 1) - dot - 1);
    }
    std::shared_ptr<RayDashboard> dash;
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = dashboards.find(svc_ns + "/" + service);
      if (it != dashboards.end()) {
        dash = it->second;
      }
    }
    auto failed_call = [&](const ProxyResponse& r) {
      return crash("RuntimeError: Request failed with status code " + std::to_string(r.status) +
                   ": " + r.body + ".");
    };
    SubmitterRun& run = submitters[uid_of(pod)];
    if (run.step == 0) {
      if (!dash) {
        record("INFO", 41, "Job submission server address: " + cmd.address);
        return crash("ConnectionError: Failed to connect to Ray at address: " + cmd.address + ".");
      }
      // if ! ray job status ... >/dev/null 2>&1 ; then ray job submit ... ; fi
      if (call_dashboard(dash, "GET", "/api/jobs/" + cmd.id).status != 200) {
        record("INFO", 41, "Job submission server address: " + cmd.address);
        if (auto v = call_dashboard(dash, "GET", "/api/version"); v.status != 200) {
          return failed_call(v);
        }
        const auto posted = call_dashboard(dash, "POST", "/api/jobs/", cmd.request.dump());
        if (posted.status != 200) {
          return failed_call(posted);
        }
        const std::string ok = "Job '" + cmd.id + "' submitted successfully";
        record("SUCC", 65, std::string(ok.size(), '-'));
        record("SUCC", 66, ok);
        record("SUCC", 67, std::string(ok.size(), '-'));
        record("INFO", 291, "Next steps");
        record("INFO", 292, "Query the logs of the job:");
        record("INFO", 294, "ray job logs " + cmd.id);
        record("INFO", 295, "Query the status of the job:");
        record("INFO", 297, "ray job status " + cmd.id);
        record("INFO", 298, "Request the job to be stopped:");
        record("INFO", 300, "ray job stop " + cmd.id);
      }
      // ray job logs --follow
      record("INFO", 41, "Job submission server address: " + cmd.address);
      if (auto v = call_dashboard(dash, "GET", "/api/version"); v.status != 200) {
        return failed_call(v);
      }
      run.step = 1;
    }
    if (!dash) {
      return crash("ConnectionError: Failed to connect to Ray at address: " + cmd.address + ".");
    }
    // Tailing: an open WebSocket, which the transient fault does not touch.
    std::string status;
    std::string message;
    std::string text;
    {
      std::lock_guard<std::mutex> lock(mu);
      const auto info = dash->handle(ProxyRequest{"GET", "/api/jobs/" + cmd.id, "", "", ""}, now());
      const Json parsed = Json::parse(info.body, nullptr, false);
      if (info.status != 200 || !parsed.is_object()) {
        submitters.erase(uid_of(pod));
        track.exit_code = 0;  // the socket closes; `ray job logs --follow` exits 0
        return true;
      }
      status = parsed.value("status", "");
      message = parsed["message"].is_string() ? parsed["message"].get<std::string>() : "";
      const auto logs =
          dash->handle(ProxyRequest{"GET", "/api/jobs/" + cmd.id + "/logs", "", "", ""}, now());
      text = Json::parse(logs.body, nullptr, false).value("logs", "");
    }
    while (run.printed < text.size()) {
      const auto nl = text.find('\n', run.printed);
      if (nl == std::string::npos) {
        break;
      }
      print(text.substr(run.printed, nl - run.printed));
      run.printed = nl + 1;
    }
    if (status != "SUCCEEDED" && status != "FAILED" && status != "STOPPED") {
      return false;
    }
    if (status == "SUCCEEDED") {
      const std::string ok = "Job '" + cmd.id + "' succeeded";
      record("SUCC", 65, std::string(ok.size(), '-'));
      record("SUCC", 66, ok);
      record("SUCC", 67, std::string(ok.size(), '-'));
    } else if (status == "FAILED") {
      const std::string bad = "Job '" + cmd.id + "' failed";
      record("ERR", 71, std::string(bad.size(), '-'));
      record("ERR", 72, bad);
      record("ERR", 73, std::string(bad.size(), '-'));
      record("INFO", 74, "Status message: " + message);
    } else {
      record("WARN", 335, "Job '" + cmd.id + "' was stopped");
    }
    submitters.erase(uid_of(pod));
    track.exit_code = 0;
    return true;
  }

  // A log record's time as Ray's logging prints it: "2026-01-20 22:04:24,856".
  std::string record_time(double simulated) const {
    const long long ms = epoch_ms(simulated);
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char out[96];
    std::snprintf(out, sizeof out, "%04d-%02d-%02d %02d:%02d:%02d,%03lld", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
    return out;
  }

  // What the submitter's `ray job submit` sends, read from its command line
  // as KubeRay builds it; for a command line of another form (a user's
  // submitterPodTemplate command), the env KubeRay adds and the RayJob's
  // entrypoint.
  struct SubmitCommand {
    std::string address;
    std::string id;
    Json request;  // the POST /api/jobs/ body, as the SDK sends it
  };

  SubmitCommand submit_command(const Json& pod, const Json& container) {
    SubmitCommand out;
    std::string env_address;
    for (const auto& e : container.value("env", Json::array())) {
      if (e.value("name", "") == "RAY_DASHBOARD_ADDRESS") {
        env_address = e.value("value", "");
      } else if (e.value("name", "") == "RAY_JOB_SUBMISSION_ID") {
        out.id = e.value("value", "");
      }
    }
    out.address = env_address.rfind("http://", 0) == 0 ? env_address : "http://" + env_address;
    // The SDK's JobSubmitRequest as dataclasses.asdict: unset fields null.
    out.request = {{"entrypoint", ""},
                   {"submission_id", out.id},
                   {"job_id", nullptr},
                   {"runtime_env", Json::object()},
                   {"metadata", Json::object()},
                   {"entrypoint_num_cpus", nullptr},
                   {"entrypoint_num_gpus", nullptr},
                   {"entrypoint_memory", nullptr},
                   {"entrypoint_resources", nullptr}};
    const Json args = container.value("args", Json::array());
    const std::string line =
        args.size() == 1 && args[0].is_string() ? args[0].get<std::string>() : "";
    const auto submit_at = line.find("ray job submit ");
    const auto dashes = line.find(" -- ", submit_at == std::string::npos ? 0 : submit_at);
    const auto tail = line.rfind(" ; fi ; ray job logs ");
    if (submit_at == std::string::npos || dashes == std::string::npos ||
        tail == std::string::npos || tail < dashes) {
      for (const auto& job : server.list("ray.io/v1", "rayjobs", ns_of(pod))) {
        if (has_spec(job) && job.value("status", Json::object()).value("jobId", "") == out.id) {
          out.request["entrypoint"] = job["spec"].value("entrypoint", "");
        }
      }
      return out;
    }
    const auto words = shell_words(line.substr(submit_at, dashes - submit_at));
    for (std::size_t i = 3; i + 1 < words.size(); ++i) {
      const std::string& flag = words[i];
      const std::string& value = words[i + 1];
      auto number = [&](const char* key) {
        try {
          out.request[key] = std::stod(value);
        } catch (...) {
          out.request[key] = value;
        }
      };
      if (flag == "--address") {
        out.address = value;
      } else if (flag == "--submission-id") {
        out.request["submission_id"] = value;
        out.id = value;
      } else if (flag == "--runtime-env-json") {
        out.request["runtime_env"] = Json::parse(value, nullptr, false);
      } else if (flag == "--metadata-json") {
        out.request["metadata"] = Json::parse(value, nullptr, false);
      } else if (flag == "--entrypoint-num-cpus") {
        number("entrypoint_num_cpus");
      } else if (flag == "--entrypoint-num-gpus") {
        number("entrypoint_num_gpus");
      } else if (flag == "--entrypoint-memory") {
        number("entrypoint_memory");
      } else if (flag == "--entrypoint-resources") {
        out.request["entrypoint_resources"] = Json::parse(value, nullptr, false);
      } else {
        continue;
      }
      ++i;
    }
    // The words after `--`, joined as Ray 2.46-2.52's CLI joins them
    // (subprocess.list2cmdline).
    std::string entrypoint;
    for (const auto& w : shell_words(line.substr(dashes + 4, tail - dashes - 4))) {
      const bool quote = w.empty() || w.find_first_of(" \t") != std::string::npos;
      std::string q;
      std::size_t slashes = 0;
      for (char ch : w) {
        if (ch == '\\') {
          ++slashes;
          continue;
        }
        q += std::string(ch == '"' ? slashes * 2 + 1 : slashes, '\\');
        slashes = 0;
        q += ch;
      }
      q += std::string(quote ? slashes * 2 : slashes, '\\');
      entrypoint += (entrypoint.empty() ? "" : " ") + (quote ? "\"" + q + "\"" : q);
    }
    out.request["entrypoint"] = entrypoint;
    return out;
  }

  // Bash's word splitting of a simple command: blanks separate words,
  // single quotes keep everything, double quotes keep all but \" \\ \$ \`.
  static std::vector<std::string> shell_words(const std::string& text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char ch = text[i];
      if (ch == ' ' || ch == '\t' || ch == '\n') {
        if (in_word) {
          words.push_back(word);
          word.clear();
          in_word = false;
        }
        continue;
      }
      in_word = true;
      if (ch == '\'') {
        const auto end = text.find('\'', i + 1);
        word += text.substr(i + 1, end - i - 1);
        i = end == std::string::npos ? text.size() : end;
      } else if (ch == '"') {
        for (++i; i < text.size() && text[i] != '"'; ++i) {
          if (text[i] == '\\' && i + 1 < text.size() &&
              std::string("\"\\$`").find(text[i + 1]) != std::string::npos) {
            ++i;
          }
          word += text[i];
        }
      } else if (ch == '\\' && i + 1 < text.size()) {
        word += text[++i];
      } else {
        word += ch;
      }
    }
    if (in_word) {
      words.push_back(word);
    }
    return words;
  }

  void advance(const Json& pod, PodTrack& track, double t) {
    const Behavior b = behavior_for(pod);
    const Json containers = pod["spec"].value("containers", Json::array());
    const std::string restart = pod["spec"].value("restartPolicy", "Always");
    const std::string main = containers.empty() ? "" : containers[0].value("name", "");
    const bool submitter = main == "ray-job-submitter";
    const double since = t - track.stage_since;
    auto go = [&](const std::string& stage) {
      track.stage = stage;
      track.stage_since = t;
    };
    if (track.stage == "creating" && since >= options.start_seconds) {
      if (b.kind == Behavior::Kind::image_pull_error) {
        go("pull");
        const std::string image = containers.empty() ? "" : containers[0].value("image", "");
        event(pod, "Warning", "Failed",
              "Failed to pull image \"" + image +
                  "\": rpc error: code = NotFound desc = failed "
                  "to pull and unpack image \"" +
                  image + "\": not found",
              "kubelet");
      } else {
        go("running");
        event(pod, "Normal", "Started", "Started container " + main, "kubelet");
      }
    } else if (track.stage == "running") {
      if (!track.logged) {
        track.logged = true;
        for (const auto& c : containers) {
          for (const auto& line : b.logs) {
            server.append_log(ns_of(pod), name_of(pod), c.value("name", ""), line);
          }
        }
      }
      bool ends = false;
      if (submitter) {
        ends = run_submitter(pod, containers[0], track);
      } else if (b.kind != Behavior::Kind::run && since >= b.run_seconds) {
        ends = true;
        track.exit_code = b.exit_code;
      }
      if (ends) {
        track.terminated_reason = b.kind == Behavior::Kind::oom_killed ? "OOMKilled"
                                  : track.exit_code == 0               ? "Completed"
                                                                       : "Error";
        const bool again = restart == "Always" || (restart == "OnFailure" && track.exit_code != 0);
        if (again) {
          ++track.restarts;
          go("backoff");
          event(pod, "Warning", "BackOff",
                "Back-off restarting failed container " + main + " in pod " + name_of(pod) + "_" +
                    ns_of(pod) + "(" + uid_of(pod) + ")",
                "kubelet");
        } else {
          go("terminated");
        }
        for (const auto& c : containers) {
          server.end_log(ns_of(pod), name_of(pod), c.value("name", ""));
        }
      }
    } else if (track.stage == "backoff") {
      const double backoff = std::min(300.0, 10.0 * std::pow(2.0, track.restarts - 1));
      if (since >= backoff) {
        track.logged = false;
        go("running");
      }
    }
    write_pod_status(pod, track, b, t);
  }

  // The kubelet's side of graceful deletion (kubelet's pod workers and
  // kuberuntime killContainer): SIGTERM to a running container, SIGKILL
  // when the grace period ends (at metadata.deletionTimestamp); then the
  // final status (phase Succeeded when every container exited 0, else
  // Failed) and a DELETE with gracePeriodSeconds=0 and the Pod's uid as
  // precondition. How a container takes SIGTERM is the annotation
  // `fakekube.io/sigterm`: "exit" (default: it dies of it, exit code 143),
  // "ignore" (killed at the deadline, 137) or a number of seconds after
  // which it exits 0 (137 when that is past the deadline).
  void stop_pod(const Json& pod, PodTrack& track, double t) {
    if (track.stopped) {
      return;
    }
    const Json containers = pod["spec"].value("containers", Json::array());
    if (track.sigterm_at < 0) {
      track.sigterm_at = t;
      if (track.stage == "running") {
        for (const auto& c : containers) {
          event(pod, "Normal", "Killing", "Stopping container " + c.value("name", ""), "kubelet");
        }
      }
    }
    // The grace period runs on the simulation's clock: deletionTimestamp is
    // the wall time of the request plus the period, so the request's moment
    // is the timestamp less the period, and the deadline that moment on the
    // simulated clock plus the period.
    const double grace = pod["metadata"].value("deletionGracePeriodSeconds", 0.0);
    const double requested = seconds_from(pod["metadata"].value("deletionTimestamp", "")) - grace;
    const double deadline = server.clock().simulated_at(std::chrono::system_clock::time_point(
                                std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                    std::chrono::duration<double>(requested)))) +
                            grace;
    if (track.stage == "running") {
      const Json annotations = pod["metadata"].value("annotations", Json::object());
      const std::string how =
          annotations.is_object() && annotations.value("fakekube.io/sigterm", Json("")).is_string()
              ? annotations.value("fakekube.io/sigterm", "exit")
              : "exit";
      double exits_at = track.sigterm_at;
      int code = 143;  // 128 + SIGTERM
      if (how == "ignore") {
        exits_at = deadline;
        code = 137;
      } else if (how != "exit") {
        char* end = nullptr;
        const double after = std::strtod(how.c_str(), &end);
        if (end != how.c_str() && *end == '\0' && after >= 0) {
          exits_at = track.sigterm_at + after;
          code = 0;
        }
      }
      if (exits_at > deadline) {
        exits_at = deadline;
        code = 137;  // 128 + SIGKILL
      }
      if (t < exits_at) {
        return;  // Terminating: the container is still stopping
      }
      track.stage = "terminated";
      track.exit_code = code;
      track.terminated_reason = code == 0 ? "Completed" : "Error";
      track.finished_at = t;
      for (const auto& c : containers) {
        server.end_log(ns_of(pod), name_of(pod), c.value("name", ""));
      }
    }
    track.stopped = true;
    write_pod_status(pod, track, behavior_for(pod), t, true);
    DeleteRequest gone;
    gone.precondition_uid = uid_of(pod);
    gone.grace_period_seconds = 0;
    (void)server.remove("v1", "pods", ns_of(pod), name_of(pod), gone);
  }

  void write_pod_status(
      const Json& pod, const PodTrack& track, const Behavior& b, double t, bool stopped = false) {
    const Json containers = pod["spec"].value("containers", Json::array());
    const std::string started = rfc3339_at(track.stage_since);
    Json statuses = Json::array();
    bool all_ready = true;
    for (const auto& c : containers) {
      Json cs = {{"name", c.value("name", "")},
                 {"image", c.value("image", "")},
                 {"imageID", ""},
                 {"restartCount", track.restarts},
                 {"started", track.stage == "running"},
                 {"ready", track.stage == "running"}};
      if (track.stage == "creating") {
        cs["state"] = {{"waiting", {{"reason", "ContainerCreating"}}}};
      } else if (track.stage == "pull") {
        const bool backoff = t - track.stage_since >= 2;
        const std::string image = c.value("image", "");
        cs["state"] = {{"waiting",
                        {{"reason", backoff ? "ImagePullBackOff" : "ErrImagePull"},
                         {"message", backoff ? "Back-off pulling image \"" + image + "\""
                                             : "failed to pull and unpack image \"" + image +
                                                   "\": not found"}}}};
      } else if (track.stage == "running") {
        cs["state"] = {{"running", {{"startedAt", started}}}};
      } else {
        Json term = {
            {"exitCode", track.exit_code},
            {"reason", track.terminated_reason},
            {"startedAt", started},
            {"finishedAt", track.finished_at >= 0 ? rfc3339_at(track.finished_at) : started}};
        if (track.stage == "backoff") {
          cs["lastState"] = {{"terminated", term}};
          cs["state"] = {{"waiting",
                          {{"reason", "CrashLoopBackOff"},
                           {"message", "back-off restarting failed container=" +
                                           c.value("name", "") + " pod=" + name_of(pod) + "_" +
                                           ns_of(pod) + "(" + uid_of(pod) + ")"}}}};
        } else {
          cs["state"] = {{"terminated", term}};
        }
      }
      all_ready = all_ready && track.stage == "running";
      statuses.push_back(cs);
    }
    (void)b;
    std::string phase = "Pending";
    if (track.stage == "running" || track.stage == "backoff") {
      phase = "Running";
    } else if (track.stage == "terminated") {
      phase = track.exit_code == 0 ? "Succeeded" : "Failed";
    }
    if (stopped && track.stage != "terminated") {
      phase = "Failed";  // stopped before its containers ran to an end
    }
    Json st = pod.value("status", Json::object());
    st["phase"] = phase;
    st["hostIP"] = "192.168.0.10";
    if (phase != "Pending") {
      st["podIP"] = ip_for(uid_of(pod));
      st["podIPs"] = Json::array({{{"ip", st["podIP"]}}});
      st["startTime"] = st.value("startTime", rfc3339_at(track.bound_at));
    }
    const std::string now_stamp = stamp();
    const bool ready = phase == "Running" && all_ready;
    const std::string not_ready_reason =
        phase == "Pending" || phase == "Running" ? "ContainersNotReady" : "PodCompleted";
    st["conditions"] = merge_conditions(
        st.value("conditions", Json()),
        Json::array(
            {condition("PodReadyToStartContainers", phase != "Pending" || track.stage != "creating",
                       "", "", now_stamp),
             condition("Initialized", true, "", "", now_stamp),
             condition("Ready", ready, ready ? "" : not_ready_reason, "", now_stamp),
             condition("ContainersReady", ready, ready ? "" : not_ready_reason, "", now_stamp),
             condition("PodScheduled", true, "", "", now_stamp)}));
    st["containerStatuses"] = statuses;
    Json copy = pod;
    copy["status"] = st;
    (void)server.update_status("v1", "pods", ns_of(pod), copy);
  }

  // ---- batch/v1 Job controller -------------------------------------------

  void jobs() {
    const auto all_pods = server.list("v1", "pods");
    for (const auto& job : server.list("batch/v1", "jobs")) {
      if (deleting(job) || !has_spec(job)) {
        continue;
      }
      Json st = job.value("status", Json::object());
      if (condition_true(job, "Complete") || condition_true(job, "Failed")) {
        continue;
      }
      // As the Job controller counts (kubernetes pkg/controller/job): a
      // Pod being deleted is not active; it is terminating until it is
      // gone, and counts as failed unless it succeeded (isPodFailed with
      // the default podReplacementPolicy).
      int active = 0;
      int succeeded = 0;
      int failed = 0;
      int ready = 0;
      int terminating = 0;
      for (const auto& p : all_pods) {
        if (!owned_by(p, uid_of(job))) {
          continue;
        }
        const std::string phase = phase_of(p);
        const bool done = phase == "Succeeded" || phase == "Failed";
        succeeded += phase == "Succeeded";
        failed += phase == "Failed" || (deleting(p) && phase != "Succeeded");
        active += !deleting(p) && !done;
        terminating += deleting(p) && !done;
        ready += !deleting(p) && pod_ready(p);
      }
      const int backoff_limit = job["spec"].value("backoffLimit", 6);
      const std::string t = stamp();
      st["startTime"] = st.value("startTime", t);
      st["active"] = active;
      st["ready"] = ready;
      st["succeeded"] = succeeded;
      st["failed"] = failed;
      st["terminating"] = terminating;
      Json conditions = st.value("conditions", Json::array());
      if (succeeded > 0) {
        // The interim condition first, then the terminal one (1.31+).
        conditions = Json::array({condition("SuccessCriteriaMet", true, "CompletionsReached",
                                            "Reached expected number of succeeded pods", t),
                                  condition("Complete", true, "CompletionsReached",
                                            "Reached expected number of succeeded pods", t)});
        st["completionTime"] = t;
      } else if (failed > backoff_limit) {
        conditions = Json::array({condition("FailureTarget", true, "BackoffLimitExceeded",
                                            "Job has reached the specified backoff limit", t),
                                  condition("Failed", true, "BackoffLimitExceeded",
                                            "Job has reached the specified backoff limit", t)});
        event(job, "Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit",
              "job-controller");
      } else if (active == 0) {
        Json tmpl = at(job, {"spec", "template"});
        if (!tmpl.is_object()) {
          continue;
        }
        Json pod = {
            {"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata",
             {{"generateName", name_of(job) + "-"},
              {"labels", tmpl.value("metadata", Json::object()).value("labels", Json::object())},
              {"ownerReferences", Json::array({owner_ref(job)})}}},
            {"spec", tmpl.value("spec", Json::object())}};
        // The template carries job-name and controller-uid: the API server
        // put them there when the Job was created.
        if (at(tmpl, {"metadata", "annotations"}).is_object()) {
          pod["metadata"]["annotations"] = at(tmpl, {"metadata", "annotations"});
        }
        if (auto created = server.create("v1", "pods", ns_of(job), pod)) {
          event(job, "Normal", "SuccessfulCreate", "Created pod: " + name_of(*created),
                "job-controller");
        }
      }
      st["conditions"] = merge_conditions(st.value("conditions", Json()), conditions);
      Json copy = job;
      copy["status"] = st;
      (void)server.update_status("batch/v1", "jobs", ns_of(job), copy);
    }
  }

  // ---- endpoints and endpointslice controllers -----------------------------
  // After kube-controller-manager's pkg/controller/endpoint and
  // pkg/controller/endpointslice: for each Service with a selector, its
  // Pods (those with an IP, not finished; for Endpoints not terminating
  // either, unless publishNotReadyAddresses) at each Service port's
  // targetPort (a number, or a container port's name: a Pod without that
  // port is left out of it).

  // podutil.FindPort: the targetPort (the port when unset) as a number on
  // this Pod, or -1.
  static int find_port(const Json& pod, const Json& service_port) {
    const Json target = service_port.value("targetPort", service_port.value("port", Json()));
    if (target.is_number_integer()) {
      return target.get<int>();
    }
    if (!target.is_string()) {
      return -1;
    }
    const std::string name = target.get<std::string>();
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
      return std::stoi(name.substr(0, 9));  // an IntOrString written as a string
    }
    const std::string protocol = service_port.value("protocol", "TCP");
    for (const auto& c : pod["spec"].value("containers", Json::array())) {
      for (const auto& p : c.value("ports", Json::array())) {
        if (p.value("name", "") == name && p.value("protocol", "TCP") == protocol &&
            p.contains("containerPort") && p["containerPort"].is_number_integer()) {
          return p["containerPort"].get<int>();
        }
      }
    }
    return -1;
  }

  // The endpoint ports of `pod` for `service`'s ports, in the Service's order.
  static Json endpoint_ports(const Json& service, const Json& pod) {
    Json out = Json::array();
    for (const auto& sp : service["spec"].value("ports", Json::array())) {
      const int port = find_port(pod, sp);
      if (port < 0) {
        continue;
      }
      Json p = Json::object();
      if (!sp.value("name", "").empty()) {
        p["name"] = sp["name"];
      }
      p["port"] = port;
      p["protocol"] = sp.value("protocol", "TCP");
      if (sp.contains("appProtocol")) {
        p["appProtocol"] = sp["appProtocol"];
      }
      out.push_back(p);
    }
    return out;
  }

  static bool selects(const Json& selector, const Json& labels) {
    for (auto it = selector.begin(); it != selector.end(); ++it) {
      if (!labels.contains(it.key()) || labels[it.key()] != it.value()) {
        return false;
      }
    }
    return true;
  }

  std::string allocate_cluster_ip(const std::set<std::string>& used) {
    for (;;) {
      ++cluster_ip_counter;
      const std::string ip = "10.96." + std::to_string(cluster_ip_counter / 250 % 256) + "." +
                             std::to_string(cluster_ip_counter % 250 + 2);
      if (used.count(ip) == 0) {
        return ip;
      }
    }
  }

  void endpoints() {
    auto services = server.list("v1", "services");
    const auto all_pods = server.list("v1", "pods");
    std::map<std::string, Json> eps_now;  // "ns/name"
    for (auto& e : server.list("v1", "endpoints")) {
      eps_now[ns_of(e) + "/" + name_of(e)] = e;
    }
    std::map<std::string, std::vector<Json>> slices_now;  // "ns/service"
    for (auto& sl : server.list("discovery.k8s.io/v1", "endpointslices")) {
      const Json l = labels_of(sl);
      if (l.value("endpointslice.kubernetes.io/managed-by", "") == k_slice_manager) {
        slices_now[ns_of(sl) + "/" + l.value("kubernetes.io/service-name", "")].push_back(sl);
      }
    }
    // A clusterIP for a Service without one (the API server allocates it
    // on create; until fakekube does, this controller does).
    std::set<std::string> used;
    for (const auto& svc : services) {
      used.insert(svc["spec"].value("clusterIP", ""));
    }
    for (auto& svc : services) {
      Json& spec = svc["spec"];
      if (!spec.is_object() || !spec.value("clusterIP", "").empty() ||
          spec.value("type", "ClusterIP") == "ExternalName" || deleting(svc)) {
        continue;
      }
      const std::string ip = allocate_cluster_ip(used);
      used.insert(ip);
      spec["clusterIP"] = ip;
      spec["clusterIPs"] = Json::array({ip});
      if (auto updated = server.update("v1", "services", ns_of(svc), svc, "kube-apiserver")) {
        svc = *updated;
      }
    }
    std::set<std::string> managed;  // "ns/name" of Services with a selector
    for (const auto& svc : services) {
      const Json selector = svc["spec"].value("selector", Json::object());
      if (!selector.is_object() || selector.empty() || deleting(svc)) {
        continue;
      }
      const std::string ns = ns_of(svc);
      const std::string key = ns + "/" + name_of(svc);
      managed.insert(key);
      sync_endpoints(svc, selector, all_pods, eps_now.count(key) ? &eps_now[key] : nullptr);
      sync_slices(svc, selector, all_pods, slices_now[key]);
    }
    // What a gone Service leaves behind.
    for (const auto& [key, e] : eps_now) {
      if (managed.count(key) == 0 &&
          labels_of(e).value("endpoints.kubernetes.io/managed-by", "") == k_endpoints_manager) {
        (void)server.remove("v1", "endpoints", ns_of(e), name_of(e));
      }
    }
    for (const auto& [key, list] : slices_now) {
      if (managed.count(key) == 0) {
        for (const auto& sl : list) {
          (void)server.remove("discovery.k8s.io/v1", "endpointslices", ns_of(sl), name_of(sl));
        }
      }
    }
  }

  static constexpr const char* k_endpoints_manager = "endpoint-controller";
  static constexpr const char* k_slice_manager = "endpointslice-controller.k8s.io";

  static Json target_ref(const Json& pod) {
    return {
        {"kind", "Pod"}, {"namespace", ns_of(pod)}, {"name", name_of(pod)}, {"uid", uid_of(pod)}};
  }

  static std::string pod_ip(const Json& pod) {
    return pod.value("status", Json::object()).value("podIP", "");
  }

  // endpointsliceutil.ShouldPodBeInEndpoints.
  static bool in_endpoints(const Json& pod, bool include_terminating) {
    const std::string phase = phase_of(pod);
    return !pod_ip(pod).empty() && phase != "Succeeded" && phase != "Failed" &&
           (include_terminating || !deleting(pod));
  }

  Json service_labels(const Json& svc) {
    Json labels = labels_of(svc);
    if (!labels.is_object()) {
      labels = Json::object();
    }
    if (svc["spec"].value("clusterIP", "") == "None") {
      labels["service.kubernetes.io/headless"] = "";
    }
    return labels;
  }

  void sync_endpoints(const Json& svc,
                      const Json& selector,
                      const std::vector<Json>& all_pods,
                      const Json* existing) {
    const std::string ns = ns_of(svc);
    const bool publish = svc["spec"].value("publishNotReadyAddresses", false);
    const bool headless_no_ports = svc["spec"].value("clusterIP", "") == "None" &&
                                   svc["spec"].value("ports", Json::array()).empty();
    // Subsets grouped by their ports (EndpointSubset repacking), addresses
    // sorted by IP.
    std::map<std::string, std::pair<std::map<std::string, Json>, std::map<std::string, Json>>>
        by_ports;
    std::map<std::string, Json> ports_of;
    for (const auto& pod : all_pods) {
      if (ns_of(pod) != ns || !selects(selector, labels_of(pod)) || !in_endpoints(pod, publish)) {
        continue;
      }
      const Json ports = endpoint_ports(svc, pod);
      if (ports.empty() && !headless_no_ports) {
        continue;
      }
      Json address = {{"ip", pod_ip(pod)}, {"targetRef", target_ref(pod)}};
      const std::string node = pod["spec"].value("nodeName", "");
      if (!node.empty()) {
        address["nodeName"] = node;
      }
      const bool ready = publish || condition_true(pod, "Ready");
      auto& slot = by_ports[ports.dump()];
      ports_of[ports.dump()] = ports;
      (ready ? slot.first : slot.second)[pod_ip(pod)] = address;
    }
    Json subsets = Json::array();
    for (const auto& [key, lists] : by_ports) {
      Json ss = Json::object();
      auto to_array = [](const std::map<std::string, Json>& m) {
        Json a = Json::array();
        for (const auto& [ip, address] : m) {
          a.push_back(address);
        }
        return a;
      };
      if (!lists.first.empty()) {
        ss["addresses"] = to_array(lists.first);
      }
      if (!lists.second.empty()) {
        ss["notReadyAddresses"] = to_array(lists.second);
      }
      if (!ports_of[key].empty()) {
        ss["ports"] = ports_of[key];
      }
      subsets.push_back(ss);
    }
    Json labels = service_labels(svc);
    labels["endpoints.kubernetes.io/managed-by"] = k_endpoints_manager;
    if (existing == nullptr) {
      Json e = {{"apiVersion", "v1"},
                {"kind", "Endpoints"},
                {"metadata", {{"name", name_of(svc)}, {"labels", labels}}}};
      if (!subsets.empty()) {
        e["subsets"] = subsets;
      }
      (void)server.create("v1", "endpoints", ns, e);
      return;
    }
    const Json old_subsets = existing->value("subsets", Json::array());
    if (old_subsets == subsets && labels_of(*existing) == labels) {
      return;
    }
    Json e = *existing;
    e["metadata"]["labels"] = labels;
    if (subsets.empty()) {
      e.erase("subsets");
    } else {
      e["subsets"] = subsets;
    }
    (void)server.update("v1", "endpoints", ns, e, "endpoint-controller");
  }

  void sync_slices(const Json& svc,
                   const Json& selector,
                   const std::vector<Json>& all_pods,
                   const std::vector<Json>& existing) {
    const std::string ns = ns_of(svc);
    const bool publish = svc["spec"].value("publishNotReadyAddresses", false);
    // One slice per set of ports (the reconciler groups endpoints so);
    // a Service with no endpoints keeps one empty placeholder slice.
    std::map<std::string, Json> endpoints_by_ports;
    std::map<std::string, Json> ports_of;
    for (const auto& pod : all_pods) {
      if (ns_of(pod) != ns || !selects(selector, labels_of(pod)) || !in_endpoints(pod, true)) {
        continue;
      }
      const Json ports = endpoint_ports(svc, pod);
      const bool serving = condition_true(pod, "Ready");
      const bool terminating = deleting(pod);
      Json ep = {{"addresses", Json::array({pod_ip(pod)})},
                 {"conditions",
                  {{"ready", publish || (serving && !terminating)},
                   {"serving", serving},
                   {"terminating", terminating}}},
                 {"targetRef", target_ref(pod)}};
      const std::string node = pod["spec"].value("nodeName", "");
      if (!node.empty()) {
        ep["nodeName"] = node;
      }
      Json& list = endpoints_by_ports[ports.dump()];
      if (list.is_null()) {
        list = Json::array();
      }
      list.push_back(ep);
      ports_of[ports.dump()] = ports;
    }
    for (auto& [key, list] : endpoints_by_ports) {
      std::sort(list.begin(), list.end(), [](const Json& a, const Json& b) {
        return a["addresses"][0].get<std::string>() < b["addresses"][0].get<std::string>();
      });
    }
    if (endpoints_by_ports.empty()) {
      endpoints_by_ports["placeholder"] = Json::array();
      ports_of["placeholder"] = Json();
    }
    Json labels = service_labels(svc);
    labels["kubernetes.io/service-name"] = name_of(svc);
    labels["endpointslice.kubernetes.io/managed-by"] = k_slice_manager;
    std::set<std::string> kept;
    for (const auto& [key, list] : endpoints_by_ports) {
      const Json& ports = ports_of[key];
      const Json* same = nullptr;
      for (const auto& sl : existing) {
        if (kept.count(name_of(sl)) == 0 && sl.value("ports", Json()) == ports) {
          same = &sl;
          break;
        }
      }
      if (same == nullptr) {
        for (const auto& sl : existing) {  // reuse any other, as the reconciler fills slices
          if (kept.count(name_of(sl)) == 0 &&
              endpoints_by_ports.count(sl.value("ports", Json()).dump()) == 0) {
            same = &sl;
            break;
          }
        }
      }
      if (same != nullptr) {
        kept.insert(name_of(*same));
        if (same->value("endpoints", Json()) == list && same->value("ports", Json()) == ports &&
            labels_of(*same) == labels) {
          continue;
        }
        Json sl = *same;
        sl["metadata"]["labels"] = labels;
        sl["endpoints"] = list;
        sl["ports"] = ports;
        (void)server.update("discovery.k8s.io/v1", "endpointslices", ns, sl,
                            "endpointslice-controller");
        continue;
      }
      Json owner = {{"apiVersion", "v1"}, {"kind", "Service"},  {"name", name_of(svc)},
                    {"uid", uid_of(svc)}, {"controller", true}, {"blockOwnerDeletion", true}};
      Json sl = {{"apiVersion", "discovery.k8s.io/v1"},
                 {"kind", "EndpointSlice"},
                 {"metadata",
                  {{"generateName", name_of(svc) + "-"},
                   {"labels", labels},
                   {"ownerReferences", Json::array({owner})}}},
                 {"addressType", "IPv4"},
                 {"endpoints", list},
                 {"ports", ports}};
      if (auto made = server.create("discovery.k8s.io/v1", "endpointslices", ns, sl)) {
        kept.insert(name_of(*made));
      }
    }
    for (const auto& sl : existing) {
      if (kept.count(name_of(sl)) == 0) {
        (void)server.remove("discovery.k8s.io/v1", "endpointslices", ns, name_of(sl));
      }
    }
  }

  // ---- Ray dashboard -----------------------------------------------------

  // A request to a Ray dashboard as every client's reaches it (the service
  // proxy's, the submitter's, the operator's): while the transient fault is
  // on, 503 instead.
  ProxyResponse call_dashboard(const std::shared_ptr<RayDashboard>& dash, const ProxyRequest& req) {
    std::lock_guard<std::mutex> lock(mu);
    if (dashboard_failures > 0) {
      --dashboard_failures;
      return RayDashboard::unavailable();
    }
    return dash->handle(req, now());
  }

  ProxyResponse call_dashboard(const std::shared_ptr<RayDashboard>& dash,
                               const std::string& method,
                               const std::string& path,
                               const std::string& body = "") {
    return call_dashboard(
        dash, ProxyRequest{method, path, "", body, body.empty() ? "" : "application/json"});
  }

  // The Ray resources a Pod's Ray node registers: its `ray start` flags as
  // KubeRay generated them (env KUBERAY_GEN_RAY_START_CMD: --num-cpus,
  // --num-gpus, --memory, --resources), else its Ray container's limits as
  // KubeRay's generateRayStartCommand reads them (cpu rounded up, memory,
  // nvidia.com/gpu).
  static std::map<std::string, double> ray_node_resources(const Json& pod) {
    std::map<std::string, double> out;
    const Json containers = pod["spec"].value("containers", Json::array());
    if (containers.empty()) {
      return out;
    }
    const Json& c = containers[0];
    std::string cmd;
    for (const auto& e : c.value("env", Json::array())) {
      if (e.value("name", "") == "KUBERAY_GEN_RAY_START_CMD") {
        cmd = e.value("value", "");
      }
    }
    auto flag = [&](const std::string& name) -> std::optional<std::string> {
      const std::string key = "--" + name + "=";
      const auto at = cmd.find(key);
      if (at == std::string::npos) {
        return std::nullopt;
      }
      const auto from = at + key.size();
      return cmd.substr(from, cmd.find(' ', from) - from);
    };
    auto number = [](const std::string& v) {
      try {
        return std::stod(v);
      } catch (...) {
        return 0.0;
      }
    };
    if (!cmd.empty()) {
      if (auto v = flag("num-cpus")) {
        out["CPU"] = number(*v);
      }
      if (auto v = flag("num-gpus")) {
        out["GPU"] = number(*v);
      }
      if (auto v = flag("memory")) {
        out["memory"] = number(*v);
      }
      if (auto v = flag("resources")) {
        std::string text = *v;
        if (text.size() >= 2 && text.front() == '\'' && text.back() == '\'') {
          text = text.substr(1, text.size() - 2);
        }
        const Json custom = Json::parse(text, nullptr, false);
        if (custom.is_object()) {
          for (auto it = custom.begin(); it != custom.end(); ++it) {
            if (it.value().is_number()) {
              out[it.key()] = it.value().get<double>();
            }
          }
        }
      }
    } else {
      const Json res = c.value("resources", Json::object());
      const Json limits = res.value("limits", Json::object());
      const Json requests = res.value("requests", Json::object());
      const Json& cpu = limits.contains("cpu") ? limits["cpu"] : at(requests, {"cpu"});
      if (!cpu.is_null()) {
        out["CPU"] = std::ceil(static_cast<double>(milli_of(cpu)) / 1000.0);
      }
      if (limits.contains("memory")) {
        out["memory"] = std::floor(static_cast<double>(milli_of(limits["memory"])) / 1000.0);
      }
      if (limits.contains("nvidia.com/gpu")) {
        out["GPU"] = std::ceil(static_cast<double>(milli_of(limits["nvidia.com/gpu"])) / 1000.0);
      }
    }
    for (auto it = out.begin(); it != out.end();) {  // Ray omits what is 0
      it = it->second > 0 ? std::next(it) : out.erase(it);
    }
    return out;
  }

  // What the cluster registered with Ray, for its dashboard: for now the sum
  // over the cluster's running Pods (see ray_node_resources), the head's
  // IP as the drivers' node.
  void register_ray_nodes(const Json& cluster, const std::shared_ptr<RayDashboard>& dash) {
    std::map<std::string, double> total;
    std::string head_ip;
    std::string head_uid;
    for (const auto& p : server.list("v1", "pods", ns_of(cluster))) {
      const Json l = labels_of(p);
      if (l.value("ray.io/cluster", "") != name_of(cluster) || deleting(p) ||
          phase_of(p) != "Running") {
        continue;
      }
      for (const auto& [k, v] : ray_node_resources(p)) {
        total[k] += v;
      }
      if (l.value("ray.io/node-type", "") == "head") {
        head_ip = p.value("status", Json::object()).value("podIP", "");
        head_uid = uid_of(p);
      }
    }
    std::string node_id;
    for (std::size_t seed = 0; node_id.size() < 56; ++seed) {
      char part[17];
      std::snprintf(part, sizeof part, "%016zx",
                    std::hash<std::string>{}(head_uid + "/" + std::to_string(seed)));
      node_id += part;
    }
    std::lock_guard<std::mutex> lock(mu);
    dash->set_cluster_resources(std::move(total));
    if (!head_ip.empty()) {
      dash->set_head_node(head_ip, node_id.substr(0, 56));
    }
  }

  std::shared_ptr<RayDashboard> dashboard_for(const std::string& ns, const std::string& service) {
    std::lock_guard<std::mutex> lock(mu);
    auto& d = dashboards[ns + "/" + service];
    if (!d) {
      RayDashboard::Hooks hooks;
      hooks.epoch_ms = [this](double t) { return epoch_ms(t); };
      hooks.script_for = [this](const std::string& entrypoint) {  // called under mu
        for (const auto& [substr, script] : job_rules) {
          if (entrypoint.find(substr) != std::string::npos) {
            return script;
          }
        }
        return RayJobScript{};
      };
      hooks.serve_outcome = [this] { return serve_outcome; };
      d = std::make_shared<RayDashboard>(std::move(hooks));
    }
    return d;
  }

  // The dashboard listens on the head Pod's dashboard port while the Pod
  // runs; the service proxy reaches it through the head Service's Endpoints.
  void serve_dashboard(const std::string& ns,
                       const std::string& service,
                       const std::string& pod,
                       int port,
                       const std::shared_ptr<RayDashboard>& dash) {
    std::lock_guard<std::mutex> lock(mu);
    auto& where = listening[ns + "/" + service];
    if (where == std::make_pair(pod, port)) {
      return;
    }
    if (!where.first.empty()) {
      server.unlisten(ns, where.first, where.second);
    }
    where = {pod, port};
    server.listen(ns, pod, port,
                  [this, dash](const ProxyRequest& r) { return call_dashboard(dash, r); });
  }

  // ---- KubeRay operator: RayCluster ---------------------------------------

  static std::string check_spec(const Json& cluster) {
    const Json& spec = cluster["spec"];
    const Json head = spec.value("headGroupSpec", Json::object());
    if (!head.contains("template") || !head["template"].contains("spec") ||
        containers_of(head["template"]).empty()) {
      return "headGroupSpec should have at least one container";
    }
    std::set<std::string> groups;
    for (const auto& g : spec.value("workerGroupSpecs", Json::array())) {
      if (containers_of(at(g, {"template"})).empty()) {
        return "workerGroupSpec should have at least one container";
      }
      if (!groups.insert(g.value("groupName", "")).second) {
        return "worker group names must be unique";
      }
      if (g.value("minReplicas", 0) > g.value("maxReplicas", 2147483647)) {
        return "minReplicas (" + std::to_string(g.value("minReplicas", 0)) +
               ") cannot be greater than maxReplicas (" +
               std::to_string(g.value("maxReplicas", 0)) + ")";
      }
    }
    return "";
  }

  // A dashboard lives while its head runs: a deleted or headless cluster's
  // proxy path answers 503 again, and a cluster made anew starts empty.
  void drop_dashboards_except(const std::set<std::string>& alive) {
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = dashboards.begin(); it != dashboards.end();) {
      if (alive.count(it->first) > 0) {
        ++it;
        continue;
      }
      auto where = listening.find(it->first);
      if (where != listening.end()) {
        server.unlisten(it->first.substr(0, it->first.find('/')), where->second.first,
                        where->second.second);
        listening.erase(where);
      }
      it = dashboards.erase(it);
    }
  }

  void rayclusters() {
    std::set<std::string> alive;
    reconcile_clusters(alive);
    drop_dashboards_except(alive);
  }

  void reconcile_clusters(std::set<std::string>& alive) {
    const auto all_pods = server.list("v1", "pods");
    for (const auto& cluster : server.list("ray.io/v1", "rayclusters")) {
      if (deleting(cluster) || !has_spec(cluster)) {
        continue;
      }
      const std::string ns = ns_of(cluster);
      const std::string c = name_of(cluster);
      if (const std::string why = check_spec(cluster); !why.empty()) {
        event(cluster, "Warning", "InvalidRayClusterSpec", why, "raycluster-controller");
        continue;
      }
      const Json& spec = cluster["spec"];
      const bool suspend = spec.value("suspend", false);
      // The head Service.
      const std::string svc = head_service_name(cluster);
      if (!server.get("v1", "services", ns, svc)) {
        const Json s = kuberay::build_head_service(cluster);
        if (server.create("v1", "services", ns, s)) {
          event(cluster, "Normal", "CreatedService", "Created service " + ns + "/" + svc,
                "raycluster-controller");
        }
      }
      // Pods: delete finished ones, then create what is missing.
      std::vector<Json> mine;
      for (const auto& p : all_pods) {
        if (labels_of(p).value("ray.io/cluster", "") == c && ns_of(p) == ns && !deleting(p)) {
          const std::string phase = phase_of(p);
          if (phase == "Failed" || phase == "Succeeded" || suspend) {
            (void)server.remove("v1", "pods", ns, name_of(p));
            event(cluster, "Normal", "DeletedPod", "Deleted pod " + ns + "/" + name_of(p),
                  "raycluster-controller");
          } else {
            mine.push_back(p);
          }
        }
      }
      int desired_workers = 0;
      long double cpu = 0;
      long double memory = 0;
      long double gpu = 0;
      auto count_resources = [&](const Json& tmpl, int n) {
        for (const auto& [k, v] : pod_requests({{"spec", tmpl.value("spec", Json::object())}})) {
          if (k == "cpu") {
            cpu += v * n;
          } else if (k == "memory") {
            memory += v * n;
          } else if (k.find("gpu") != std::string::npos) {
            gpu += v * n;
          }
        }
      };
      const Json head_pod_template = at(spec, {"headGroupSpec", "template"});
      count_resources(head_pod_template, 1);
      const Json* head = nullptr;
      for (const auto& p : mine) {
        if (labels_of(p).value("ray.io/node-type", "") == "head") {
          head = &p;
        }
      }
      // The status of this pass sees the head it creates, as KubeRay's
      // calculateStatus lists Pods after reconcilePods made them.
      Json created_head;
      if (head == nullptr && !suspend) {
        if (auto made = server.create("v1", "pods", ns, kuberay::build_head_pod(cluster))) {
          event(cluster, "Normal", "CreatedHeadPod",
                "Created head Pod " + ns + "/" + name_of(*made), "raycluster-controller");
          created_head = *made;
          head = &created_head;
        }
      }
      int ready_workers = 0;
      int available_workers = 0;
      int min_total = 0;
      int max_total = 0;
      for (const auto& g : spec.value("workerGroupSpecs", Json::array())) {
        const std::string group = g.value("groupName", "");
        const int min = g.value("minReplicas", 0);
        const int max = g.value("maxReplicas", 2147483647);
        const int hosts = g.value("numOfHosts", 1);
        int replicas = g.contains("replicas") ? g.value("replicas", 0) : min;
        replicas = std::clamp(replicas, min, max);
        if (suspend || g.value("suspend", false)) {
          replicas = 0;
        }
        const int want = replicas * hosts;
        desired_workers += want;
        min_total += min * hosts;
        max_total =
            static_cast<int>(std::min<long long>(2147483647LL, max_total + 1LL * max * hosts));
        count_resources(at(g, {"template"}), want);
        std::vector<const Json*> have;
        for (const auto& p : mine) {
          const Json l = labels_of(p);
          if (l.value("ray.io/node-type", "") == "worker" && l.value("ray.io/group", "") == group) {
            have.push_back(&p);
            available_workers += phase_of(p) == "Running";
            ready_workers += pod_ready(p);
          }
        }
        for (int i = static_cast<int>(have.size()); i < want; ++i) {
          if (auto made =
                  server.create("v1", "pods", ns, kuberay::build_worker_pod(cluster, g, i))) {
            event(cluster, "Normal", "CreatedWorkerPod",
                  "Created worker Pod " + ns + "/" + name_of(*made), "raycluster-controller");
          }
        }
        const bool autoscaling = spec.value("enableInTreeAutoscaling", false);
        for (int i = want; i < static_cast<int>(have.size()) && !autoscaling; ++i) {
          (void)server.remove("v1", "pods", ns, name_of(*have[static_cast<std::size_t>(i)]));
        }
      }
      update_cluster_status(cluster, head, desired_workers, ready_workers, available_workers,
                            min_total, max_total, cpu, memory, gpu, suspend, mine.size(), &alive);
    }
  }

  void update_cluster_status(const Json& cluster,
                             const Json* head,
                             int desired,
                             int ready,
                             int available,
                             int min,
                             int max,
                             long double cpu,
                             long double memory,
                             long double gpu,
                             bool suspend,
                             std::size_t pod_count,
                             std::set<std::string>* alive) {
    const std::string ns = ns_of(cluster);
    const std::string t = stamp();
    Json st = cluster.value("status", Json::object());
    const Json old = st;
    st["desiredWorkerReplicas"] = desired;
    st["readyWorkerReplicas"] = ready;
    st["availableWorkerReplicas"] = available;
    st["minWorkerReplicas"] = min;
    st["maxWorkerReplicas"] = max;
    st["desiredCPU"] = format_quantity(cpu, false);
    st["desiredMemory"] = format_quantity(memory, true);
    st["desiredGPU"] = format_quantity(gpu, false);
    st["desiredTPU"] = "0";
    const std::string svc = head_service_name(cluster);
    Json endpoints = Json::object();
    for (const auto& p : head_service_ports(cluster)) {
      endpoints[p.value("name", "")] = std::to_string(p.value("port", 0));
    }
    st["endpoints"] = endpoints;
    const bool head_ready = head != nullptr && pod_ready(*head);
    Json h = {{"serviceName", svc}};
    if (head != nullptr) {
      h["podName"] = name_of(*head);
      const std::string ip = (*head).value("status", Json::object()).value("podIP", "");
      if (!ip.empty()) {
        h["podIP"] = ip;
        h["serviceIP"] = ip;  // a headless head Service: the head Pod's IP
      }
    }
    st["head"] = h;
    // "ready" when every Pod exists, runs and is ready; then it sticks.
    bool all_ready = head_ready && static_cast<int>(pod_count) == desired + 1 && ready == desired;
    if (all_ready && !suspend) {
      st["state"] = "ready";
    } else if (suspend && pod_count == 0) {
      st["state"] = "suspended";
    }
    const bool provisioned = condition_true(cluster, "RayClusterProvisioned") || all_ready;
    // HeadPodReady mirrors the head Pod's Ready condition (KubeRay's
    // raycluster_controller.go, calculateStatus): its
    // reason, ContainersNotReady replaced by the first waiting or
    // terminated container's reason; Unknown without a Ready condition.
    std::string head_reason = "HeadPodNotFound";
    std::string head_message;
    if (head != nullptr) {
      const Json* ready_cond = find_condition(*head, "Ready");
      head_reason = ready_cond == nullptr ? "Unknown"
                    : head_ready          ? "HeadPodRunningAndReady"
                                          : ready_cond->value("reason", "Unknown");
      if (head_reason == "ContainersNotReady") {
        for (const auto& cs : at(*head, {"status", "containerStatuses"}).is_array()
                                  ? at(*head, {"status", "containerStatuses"})
                                  : Json::array()) {
          const Json& state = at(cs, {"state"});
          const Json& why =
              state.contains("waiting") ? state["waiting"] : at(state, {"terminated"});
          if (why.is_object() && why.contains("reason")) {
            head_reason = why.value("reason", head_reason);
            head_message = why.value("message", "");
            break;
          }
        }
      }
    }
    Json conditions =
        Json::array({ray_condition("HeadPodReady", head_ready, head_reason, head_message, t),
                     ray_condition("RayClusterProvisioned", provisioned && !suspend,
                                   provisioned && !suspend ? "AllPodRunningAndReadyFirstTime"
                                                           : "RayClusterPodsProvisioning",
                                   suspend ? "RayCluster has been suspended" : "", t)});
    if (suspend) {
      conditions.push_back(
          ray_condition(pod_count == 0 ? "RayClusterSuspended" : "RayClusterSuspending", true,
                        pod_count == 0 ? "RayClusterSuspended" : "RayClusterSuspending", "", t));
    }
    st["conditions"] = merge_conditions(old.value("conditions", Json()), conditions);
    st["observedGeneration"] = cluster["metadata"].value("generation", 1);
    Json compare = st;
    compare.erase("lastUpdateTime");
    Json before = old;
    before.erase("lastUpdateTime");
    if (compare != before) {
      st["lastUpdateTime"] = t;
      if (st.value("state", "") != old.value("state", "") && st.contains("state")) {
        st["stateTransitionTimes"][st["state"].get<std::string>()] = t;
      }
      Json copy = cluster;
      copy["status"] = st;
      (void)server.update_status("ray.io/v1", "rayclusters", ns, copy);
    }
    if (head != nullptr && phase_of(*head) == "Running") {
      serve_dashboard(ns, svc, name_of(*head), dashboard_port(cluster), dashboard_for(ns, svc));
      register_ray_nodes(cluster, dashboard_for(ns, svc));
      alive->insert(ns + "/" + svc);
    }
  }

  // ---- KubeRay operator: RayJob --------------------------------------------

  void set_job_status(const Json& job, const Json& st) {
    if (st == job.value("status", Json::object())) {
      return;
    }
    Json copy = job;
    copy["status"] = st;
    (void)server.update_status("ray.io/v1", "rayjobs", ns_of(job), copy);
  }

  bool ensure_finalizer(const Json& object,
                        const std::string& resource,
                        const std::string& finalizer) {
    Json fins = object["metadata"].value("finalizers", Json::array());
    if (std::find(fins.begin(), fins.end(), finalizer) != fins.end()) {
      return true;
    }
    Json copy = object;
    fins.push_back(finalizer);
    copy["metadata"]["finalizers"] = fins;
    return server.update("ray.io/v1", resource, ns_of(object), copy, "kuberay-operator")
        .has_value();
  }

  void drop_finalizer(const Json& object,
                      const std::string& resource,
                      const std::string& finalizer) {
    Json copy = object;
    Json kept = Json::array();
    for (const auto& f : object["metadata"].value("finalizers", Json::array())) {
      if (f != finalizer) {
        kept.push_back(f);
      }
    }
    copy["metadata"]["finalizers"] = kept;
    (void)server.update("ray.io/v1", resource, ns_of(object), copy, "kuberay-operator");
  }

  void rayjobs() {
    for (const auto& job : server.list("ray.io/v1", "rayjobs")) {
      if (!has_spec(job)) {
        continue;
      }
      const std::string ns = ns_of(job);
      const Json& spec = job["spec"];
      Json st = job.value("status", Json::object());
      const std::string deploy = st.value("jobDeploymentStatus", "");
      const std::string mode = spec.value("submissionMode", "K8sJobMode");
      const std::string t = stamp();
      if (deleting(job)) {
        // A Ray job not yet terminal is stopped first (best effort).
        const std::string js = st.value("jobStatus", "");
        auto running_on =
            server.get("ray.io/v1", "rayclusters", ns, st.value("rayClusterName", ""));
        if (running_on && !st.value("jobId", "").empty() && js != "SUCCEEDED" && js != "FAILED" &&
            js != "STOPPED") {
          (void)call_dashboard(dashboard_for(ns, head_service_name(*running_on)), "POST",
                               "/api/jobs/" + st.value("jobId", "") + "/stop");
        }
        drop_finalizer(job, "rayjobs", "ray.io/rayjob-finalizer");
        continue;
      }
      if (deploy.empty()) {
        if (!ensure_finalizer(job, "rayjobs", "ray.io/rayjob-finalizer")) {
          continue;
        }
        const Json sel = spec.value("clusterSelector", Json::object());
        st["jobId"] =
            spec.value("jobId", mode == "InteractiveMode" ? "" : name_of(job) + "-" + rand5());
        st["rayClusterName"] = sel.contains("ray.io/cluster")
                                   ? sel["ray.io/cluster"].get<std::string>()
                                   : name_of(job) + "-" + rand5();
        st["jobStatus"] = "";
        st["jobDeploymentStatus"] = "Initializing";
        st["startTime"] = t;
        auto fresh = server.get("ray.io/v1", "rayjobs", ns, name_of(job));
        if (fresh) {
          set_job_status(*fresh, st);
        }
        continue;
      }
      if (deploy == "Complete" || deploy == "Failed") {
        finish_job(job, st);
        continue;
      }
      if (deploy == "Retrying") {
        retry_job(job, st);
        continue;
      }
      if (deploy == "ValidationFailed" || deploy == "Suspended") {
        continue;
      }
      const std::string cluster_name = st.value("rayClusterName", "");
      auto cluster = server.get("ray.io/v1", "rayclusters", ns, cluster_name);
      if (deploy == "Initializing") {
        if (!cluster && !spec.contains("clusterSelector")) {
          Json labels = labels_of(job);
          labels["ray.io/originated-from-cr-name"] = name_of(job);
          labels["ray.io/originated-from-crd"] = "RayJob";
          labels["ray.io/job-submission-mode"] = mode;
          Json rc = {{"apiVersion", "ray.io/v1"},
                     {"kind", "RayCluster"},
                     {"metadata",
                      {{"name", cluster_name},
                       {"labels", labels},
                       {"ownerReferences", Json::array({owner_ref(job)})}}},
                     {"spec", spec.value("rayClusterSpec", Json::object())}};
          if (job["metadata"].contains("annotations")) {
            rc["metadata"]["annotations"] = job["metadata"]["annotations"];
          }
          if (server.create("ray.io/v1", "rayclusters", ns, rc)) {
            event(job, "Normal", "CreatedRayCluster",
                  "Created RayCluster " + ns + "/" + cluster_name, "rayjob-controller");
          }
          continue;
        }
        if (!cluster || (*cluster).value("status", Json::object()).value("state", "") != "ready") {
          if (cluster) {
            st["rayClusterStatus"] = (*cluster).value("status", Json::object());
            set_job_status(job, st);
          }
          continue;
        }
        st["dashboardURL"] = head_service_name(*cluster) + "." + ns +
                             ".svc.cluster.local:" + std::to_string(dashboard_port(*cluster));
        st["rayClusterStatus"] = (*cluster)["status"];
        if (mode == "InteractiveMode") {
          st["jobDeploymentStatus"] = "Waiting";
        } else {
          if (mode == "K8sJobMode" && !server.get("batch/v1", "jobs", ns, name_of(job)) &&
              !create_submitter(job, *cluster, st)) {
            continue;
          }
          st["jobDeploymentStatus"] = "Running";
        }
        set_job_status(job, st);
        continue;
      }
      if (deploy == "Waiting") {
        if (!spec.value("jobId", "").empty()) {
          st["jobId"] = spec["jobId"];
          st["jobDeploymentStatus"] = "Running";
          set_job_status(job, st);
        }
        continue;
      }
      if (deploy == "Running") {
        running_job(job, st, cluster ? &*cluster : nullptr, mode);
      }
    }
  }

  // The K8sJobMode submitter Job, built as KubeRay builds it
  // (kuberay::build_submitter_job); false when KubeRay's building fails
  // (the RayJob then stays Initializing, the operator requeues).
  bool create_submitter(const Json& job, const Json& cluster, const Json& st) {
    const std::string ns = ns_of(job);
    Json with_status = job;
    with_status["status"] = st;
    auto built = kuberay::build_submitter_job(with_status, cluster);
    if (!built) {
      std::fprintf(stderr, "fakekube sim: rayjob %s/%s: %s\n", ns.c_str(), name_of(job).c_str(),
                   built.error().message.c_str());
      return false;
    }
    if (server.create("batch/v1", "jobs", ns, *built)) {
      event(job, "Normal", "CreatedRayJobSubmitter",
            "Created Kubernetes Job " + ns + "/" + name_of(job), "rayjob-controller");
    }
    return true;
  }

  // Running (KubeRay's rayjob_controller.go, Reconcile's Running case):
  // the submitter first (K8sJobMode: checkSubmitterAndUpdateStatusIfNeeded,
  // checkSubmitterFinishedTimeoutAndUpdateStatusIfNeeded), then
  // GET /api/jobs/<id> through the dashboard like any client; HTTPMode
  // submits on 404; a failed call waits for the next pass.
  void running_job(const Json& job, Json st, const Json* cluster, const std::string& mode) {
    const std::string ns = ns_of(job);
    const std::string t = stamp();
    if (cluster == nullptr) {
      return;
    }
    st["rayClusterStatus"] = (*cluster).value("status", Json::object());
    if (!job["spec"].contains("clusterSelector")) {  // the RayJob's head Service
      ensure_owned_service(job, kuberay::build_owner_head_service(job, *cluster));
    }
    std::optional<double> finished_at;  // simulated seconds
    if (mode == "K8sJobMode") {
      if (auto k8s_job = server.get("batch/v1", "jobs", ns, name_of(job))) {
        const Json* failed = find_condition(*k8s_job, "Failed");
        const Json* complete = find_condition(*k8s_job, "Complete");
        const Json* done = failed != nullptr && failed->value("status", "") == "True" ? failed
                           : complete != nullptr && complete->value("status", "") == "True"
                               ? complete
                               : nullptr;
        if (done != nullptr) {
          // The condition's second, rounded up: never earlier than the end.
          const double wall = seconds_from(done->value("lastTransitionTime", "")) + 1;
          finished_at = server.clock().simulated_at(std::chrono::system_clock::time_point(
              std::chrono::seconds(static_cast<long long>(wall))));
        }
        if (done != nullptr && done == failed) {
          if (st.value("jobStatus", "") == "FAILED") {
            fail_job(job, st, "AppFailed");
          } else {
            st["message"] = "Job submission has failed. Reason: " + failed->value("reason", "") +
                            ". Message: " + failed->value("message", "");
            fail_job(job, st, "SubmissionFailed");
          }
          st["endTime"] = t;
          set_job_status(job, st);
          return;
        }
      }
      if (finished_at && now() >= *finished_at + 30) {  // DefaultSubmitterFinishedTimeout
        const std::string at = to_rfc3339(server.clock().wall_at(*finished_at));
        st["jobStatus"] = "FAILED";
        st["message"] = "The RayJob submitter finished at " + at.substr(0, 10) + " " +
                        at.substr(11, 8) +
                        " but the ray job did not reach terminal state within 30s";
        fail_job(job, st, "JobDeploymentStatusTransitionGracePeriodExceeded");
        st["endTime"] = t;
        set_job_status(job, st);
        return;
      }
    }
    auto dash = dashboard_for(ns, head_service_name(*cluster));
    const std::string id = st.value("jobId", "");
    const ProxyResponse got = call_dashboard(dash, "GET", "/api/jobs/" + id);
    if (got.status == 404) {
      if (mode == "HTTPMode") {
        (void)call_dashboard(dash, "POST", "/api/jobs/", http_submit_body(job, id).dump());
      } else if (finished_at) {
        st["message"] = "Submitter completed but Ray job not found in RayCluster.";
        fail_job(job, st, "AppFailed");
        st["endTime"] = t;
      }
      set_job_status(job, st);
      return;
    }
    const Json info = Json::parse(got.body, nullptr, false);
    if (got.status != 200 || !info.is_object()) {
      return;
    }
    st["jobStatus"] = info["status"];
    st["message"] = info["message"];
    st["rayJobInfo"] = {{"startTime", wall_rfc3339_ms(info["start_time"].get<long long>())}};
    if (!info["end_time"].is_null()) {
      st["rayJobInfo"]["endTime"] = wall_rfc3339_ms(info["end_time"].get<long long>());
    }
    const std::string s = info["status"];
    const bool terminal = s == "SUCCEEDED" || s == "FAILED" || s == "STOPPED";
    if (terminal && (mode != "K8sJobMode" || finished_at)) {
      st["endTime"] = t;
      if (s == "FAILED") {
        fail_job(job, st, "AppFailed");
      } else {
        st["jobDeploymentStatus"] = "Complete";
        if (s == "SUCCEEDED") {
          st["succeeded"] = st.value("succeeded", 0) + 1;
        }
      }
    }
    set_job_status(job, st);
  }

  // HTTPMode's POST /api/jobs/ body (KubeRay's dashboardclient SubmitJob,
  // utils/types RayJobRequest): empty fields left out.
  static Json http_submit_body(const Json& job, const std::string& id) {
    const Json& spec = job["spec"];
    Json body = {{"entrypoint", spec.value("entrypoint", "")}, {"submission_id", id}};
    if (!spec.value("metadata", Json::object()).empty()) {
      body["metadata"] = spec["metadata"];
    }
    if (spec.contains("runtimeEnvYAML")) {
      if (auto parsed = parse_yaml(spec["runtimeEnvYAML"].get<std::string>())) {
        if (!parsed->is_null()) {
          body["runtime_env"] = *parsed;
        }
      }
    }
    if (spec.value("entrypointNumCpus", 0.0) > 0) {
      body["entrypoint_num_cpus"] = spec["entrypointNumCpus"];
    }
    if (spec.value("entrypointNumGpus", 0.0) > 0) {
      body["entrypoint_num_gpus"] = spec["entrypointNumGpus"];
    }
    if (!spec.value("entrypointResources", "").empty()) {
      const Json r = Json::parse(spec["entrypointResources"].get<std::string>(), nullptr, false);
      if (r.is_object()) {
        body["entrypoint_resources"] = r;
      }
    }
    return body;
  }

  // The transition to Failed (KubeRay's rayjob_controller.go): failed+1,
  // then, within backoffLimit and not for a deadline, Retrying instead, in
  // the same status write.
  static void fail_job(const Json& job, Json& st, const std::string& reason) {
    const Json& spec = job["spec"];
    st["failed"] = st.value("failed", 0) + 1;
    st["reason"] = reason;
    const bool retry = spec.contains("backoffLimit") &&
                       st.value("failed", 0) < spec.value("backoffLimit", 0) + 1 &&
                       reason != "DeadlineExceeded";
    st["jobDeploymentStatus"] = retry ? "Retrying" : "Failed";
  }

  // Retrying: delete the cluster and the submitter Job, wait until both
  // are gone, then start again from New.
  void retry_job(const Json& job, Json st) {
    const std::string ns = ns_of(job);
    const std::string cluster = st.value("rayClusterName", "");
    const bool cluster_left =
        !cluster.empty() && server.get("ray.io/v1", "rayclusters", ns, cluster).has_value();
    const bool submitter_left = server.get("batch/v1", "jobs", ns, name_of(job)).has_value();
    if (cluster_left) {
      (void)server.remove("ray.io/v1", "rayclusters", ns, cluster);
    }
    if (submitter_left) {
      DeleteRequest background;
      background.propagation_policy = "Background";
      (void)server.remove("batch/v1", "jobs", ns, name_of(job), background);
    }
    if (cluster_left || submitter_left) {
      return;  // gone by the next pass
    }
    for (const char* k : {"rayClusterStatus", "rayClusterName", "dashboardURL", "jobId", "message",
                          "reason", "rayJobInfo", "endTime"}) {
      st.erase(k);
    }
    st["jobStatus"] = "";
    st["jobDeploymentStatus"] = "";
    set_job_status(job, st);
  }

  void finish_job(const Json& job, const Json& st) {
    const std::string ns = ns_of(job);
    const Json& spec = job["spec"];
    if (spec.value("shutdownAfterJobFinishes", false) && !spec.contains("clusterSelector")) {
      const double ttl = spec.value("ttlSecondsAfterFinished", 0);
      const std::string end = st.value("endTime", "");
      // endTime is wall time; the TTL runs in simulated time from then.
      const double ended = server.clock().simulated_at(std::chrono::system_clock::time_point(
          std::chrono::seconds(static_cast<long long>(seconds_from(end)))));
      if (!end.empty() && now() >= ended + ttl) {
        if (server.get("ray.io/v1", "rayclusters", ns, st.value("rayClusterName", ""))) {
          (void)server.remove("ray.io/v1", "rayclusters", ns, st.value("rayClusterName", ""));
          event(job, "Normal", "DeletedRayCluster",
                "Deleted RayCluster " + ns + "/" + st.value("rayClusterName", ""),
                "rayjob-controller");
        }
      }
    }
  }

  static std::string wall_rfc3339_ms(long long ms) {
    return to_rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
  }

  static double seconds_from(const std::string& rfc3339) {
    std::tm tm{};
    if (strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) {
      return 0;
    }
    return static_cast<double>(timegm(&tm));
  }

  // ---- KubeRay operator: RayService ----------------------------------------

  void rayservices() {
    for (const auto& svc : server.list("ray.io/v1", "rayservices")) {
      if (!has_spec(svc)) {
        continue;
      }
      const std::string ns = ns_of(svc);
      if (deleting(svc)) {
        drop_finalizer(svc, "rayservices", "ray.io/rayservice-finalizer");
        continue;
      }
      if (!ensure_finalizer(svc, "rayservices", "ray.io/rayservice-finalizer")) {
        continue;
      }
      auto fresh = server.get("ray.io/v1", "rayservices", ns, name_of(svc));
      if (!fresh) {
        continue;
      }
      const Json& s = *fresh;
      Json st = s.value("status", Json::object());
      const std::string t = stamp();
      Json active = st.value("activeServiceStatus", Json::object());
      Json pending = st.value("pendingServiceStatus", Json::object());
      if (active.value("rayClusterName", "").empty() &&
          pending.value("rayClusterName", "").empty()) {
        pending["rayClusterName"] = name_of(s) + "-" + rand5();
        st["pendingServiceStatus"] = pending;
        st["conditions"] =
            Json::array({ray_condition("Ready", false, "Initializing", "", t),
                         ray_condition("UpgradeInProgress", false, "Initializing", "", t)});
        st["serviceStatus"] = "";
        set_service_status(s, st);
        continue;
      }
      const std::string target = pending.value("rayClusterName", "").empty()
                                     ? active.value("rayClusterName", "")
                                     : pending.value("rayClusterName", "");
      auto cluster = server.get("ray.io/v1", "rayclusters", ns, target);
      if (!cluster) {
        Json labels = labels_of(s);
        labels["ray.io/originated-from-cr-name"] = name_of(s);
        labels["ray.io/originated-from-crd"] = "RayService";
        Json rc = {{"apiVersion", "ray.io/v1"},
                   {"kind", "RayCluster"},
                   {"metadata",
                    {{"name", target},
                     {"labels", labels},
                     {"annotations", {{"ray.io/kuberay-version", "v1.6.2"}}},
                     {"ownerReferences", Json::array({owner_ref(s)})}}},
                   {"spec", s["spec"].value("rayClusterConfig", Json::object())}};
        (void)server.create("ray.io/v1", "rayclusters", ns, rc);
        continue;
      }
      Json& slot = pending.value("rayClusterName", "").empty() ? active : pending;
      slot["rayClusterStatus"] = (*cluster).value("status", Json::object());
      if (!condition_true(*cluster, "HeadPodReady")) {
        st[&slot == &active ? "activeServiceStatus" : "pendingServiceStatus"] = slot;
        set_service_status(s, st);
        continue;
      }
      auto dash = dashboard_for(ns, head_service_name(*cluster));
      Json apps = Json::object();
      bool all_running = false;
      bool deployed = false;
      {
        std::lock_guard<std::mutex> lock(mu);
        deployed = dash->has_serve_config();
      }
      // The operator PUTs the serve config (serveConfigV2 as JSON), then
      // reads the applications back; a failed call waits for the next pass.
      if (!deployed && s["spec"].contains("serveConfigV2")) {
        if (auto cfg = parse_yaml(s["spec"]["serveConfigV2"].get<std::string>())) {
          if (call_dashboard(dash, "PUT", "/api/serve/applications/", cfg->dump()).status != 200) {
            continue;
          }
        }
      }
      const ProxyResponse got = call_dashboard(
          dash, ProxyRequest{"GET", "/api/serve/applications/", "api_type=declarative", "", ""});
      if (got.status != 200) {
        continue;
      }
      const Json body = Json::parse(got.body, nullptr, false);
      if (body.is_object()) {
        all_running = !body["applications"].empty();
        for (auto it = body["applications"].begin(); it != body["applications"].end(); ++it) {
          Json deps = Json::object();
          for (auto d = it.value()["deployments"].begin(); d != it.value()["deployments"].end();
               ++d) {
            deps[d.key()] = {{"status", d.value()["status"]}, {"message", d.value()["message"]}};
          }
          apps[it.key().empty() ? "default" : it.key()] = {{"status", it.value()["status"]},
                                                           {"message", it.value()["message"]},
                                                           {"serveDeploymentStatuses", deps}};
          all_running = all_running && it.value()["status"] == "RUNNING";
        }
      }
      slot["applicationStatuses"] = apps;
      if (all_running && !pending.value("rayClusterName", "").empty()) {
        active = pending;
        pending = Json::object();
        ensure_service_services(s, *cluster);
      }
      st["activeServiceStatus"] = active;
      st["pendingServiceStatus"] = pending;
      int endpoints = 0;
      if (!active.value("rayClusterName", "").empty()) {
        for (const auto& p : server.list("v1", "pods", ns)) {
          const Json l = labels_of(p);
          endpoints += l.value("ray.io/cluster", "") == active.value("rayClusterName", "") &&
                       l.value("ray.io/serve", "") == "true" && pod_ready(p);
        }
      }
      st["numServeEndpoints"] = endpoints;
      const bool ready = endpoints > 0;
      st["serviceStatus"] = ready ? "Running" : "";
      st["conditions"] = merge_conditions(
          st.value("conditions", Json()),
          Json::array(
              {ray_condition("Ready", ready,
                             ready                                        ? "NonZeroServeEndpoints"
                             : active.value("rayClusterName", "").empty() ? "Initializing"
                                                                          : "ZeroServeEndpoints",
                             "", t),
               ray_condition("UpgradeInProgress", false,
                             pending.value("rayClusterName", "").empty() ? "NoPendingCluster"
                                                                         : "Initializing",
                             "", t)}));
      st["observedGeneration"] = s["metadata"].value("generation", 1);
      set_service_status(s, st);
    }
  }

  void ensure_service_services(const Json& s, const Json& cluster) {
    ensure_owned_service(s, kuberay::build_owner_head_service(s, cluster));
    if (auto serve = kuberay::build_rayservice_serve_service(s, cluster)) {
      ensure_owned_service(s, *serve);
    } else {
      event(s, "Warning", "FailedToCreateService", serve.error().message, "rayservice-controller");
    }
  }

  // reconcileServices of KubeRay's RayJob and RayService controllers: create
  // the Service, or, when it selects another cluster, replace its spec
  // (keeping the clusterIP); otherwise leave it.
  void ensure_owned_service(const Json& owner, const Json& svc) {
    const std::string ns = ns_of(owner);
    const std::string name = svc["metadata"].value("name", "");
    const std::string component =
        owner.value("kind", "") == "RayJob" ? "rayjob-controller" : "rayservice-controller";
    auto old = server.get("v1", "services", ns, name);
    if (!old) {
      if (server.create("v1", "services", ns, svc)) {
        event(owner, "Normal", "CreatedService", "Created the service " + ns + "/" + name,
              component);
      }
      return;
    }
    const Json& want = at(svc, {"spec", "selector", "ray.io/cluster"});
    if (at(*old, {"spec", "selector", "ray.io/cluster"}) == want) {
      return;
    }
    Json updated = *old;
    updated["spec"] = svc["spec"];
    if ((*old)["spec"].contains("clusterIP")) {
      updated["spec"]["clusterIP"] = (*old)["spec"]["clusterIP"];
    }
    if (server.update("v1", "services", ns, updated, "kuberay-operator")) {
      event(owner, "Normal", "UpdatedService", "Updated the service " + ns + "/" + name, component);
    }
  }

  void set_service_status(const Json& s, const Json& st) {
    Json before = s.value("status", Json::object());
    if (st == before) {
      return;
    }
    Json copy = s;
    copy["status"] = st;
    copy["status"]["lastUpdateTime"] = stamp();
    (void)server.update_status("ray.io/v1", "rayservices", ns_of(s), copy);
  }
};

Simulation::Simulation(ApiServer& server, SimOptions options)
    : m_impl(std::make_unique<Impl>(server, options)) {}

Simulation::~Simulation() {
  stop();
}

std::vector<std::string> cluster_dns(const ApiServer& server,
                                     const std::string& from_ns,
                                     const std::string& host) {
  std::string h = host;
  if (!h.empty() && h.back() == '.') {
    h.pop_back();
  }
  std::vector<std::string> labels;
  for (std::size_t start = 0;;) {
    const auto dot = h.find('.', start);
    labels.push_back(h.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) {
      break;
    }
    start = dot + 1;
  }
  std::string ns = from_ns;
  const std::size_t n = labels.size();
  const bool svc_suffix =
      (n == 3 && labels[2] == "svc") ||
      (n == 5 && labels[2] == "svc" && labels[3] == "cluster" && labels[4] == "local");
  if (n == 2 || svc_suffix) {
    ns = labels[1];
  } else if (n != 1) {
    return {};
  }
  if (labels[0].empty() || ns.empty()) {
    return {};
  }
  auto svc = server.get("v1", "services", ns, labels[0]);
  if (!svc) {
    return {};
  }
  const Json spec = (*svc).value("spec", Json::object());
  if (spec.value("type", "ClusterIP") == "ExternalName") {
    return {};
  }
  const std::string ip = spec.value("clusterIP", "");
  if (ip != "None") {
    return ip.empty() ? std::vector<std::string>{} : std::vector<std::string>{ip};
  }
  std::vector<std::string> out;
  auto eps = server.get("v1", "endpoints", ns, labels[0]);
  if (eps) {
    for (const auto& ss : (*eps).value("subsets", Json::array())) {
      for (const auto& a : ss.value("addresses", Json::array())) {
        const std::string addr = a.value("ip", "");
        if (std::find(out.begin(), out.end(), addr) == out.end()) {
          out.push_back(addr);
        }
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void Simulation::start() {
  if (m_impl->running.exchange(true)) {
    return;
  }
  m_impl->thread = std::thread([this] { m_impl->loop(); });
}

void Simulation::stop() {
  if (!m_impl->running.exchange(false)) {
    return;
  }
  if (m_impl->thread.joinable()) {
    m_impl->thread.join();
  }
  // The proxy routes point into this simulation: no request may reach them
  // once it stops.
  m_impl->drop_dashboards_except({});
}

void Simulation::fail_dashboard_requests(int n) {
  std::lock_guard<std::mutex> lock(m_impl->mu);
  m_impl->dashboard_failures = std::max(0, n);
}

void Simulation::add_image_rule(const std::string& image_substring, Behavior behavior) {
  std::lock_guard<std::mutex> lock(m_impl->mu);
  m_impl->image_rules.emplace_back(image_substring, std::move(behavior));
}

void Simulation::add_job_rule(const std::string& entrypoint_substring, RayJobScript script) {
  std::lock_guard<std::mutex> lock(m_impl->mu);
  m_impl->job_rules.emplace_back(entrypoint_substring, std::move(script));
}

void Simulation::set_serve_outcome(const std::string& status, const std::string& message) {
  std::lock_guard<std::mutex> lock(m_impl->mu);
  m_impl->serve_outcome.status = status;
  m_impl->serve_outcome.message = message;
}

Result<void> Simulation::load_scenario(const std::string& yaml_text) {
  auto doc = parse_yaml(yaml_text);
  if (!doc) {
    return tl::unexpected(doc.error());
  }
  auto bad = [](const std::string& m) {
    return tl::unexpected(ApiError{400, "BadRequest", m, Json::object()});
  };
  if (!doc->is_object()) {
    return bad("a scenario is a mapping with images, jobs, serve and faults");
  }
  for (auto it = doc->begin(); it != doc->end(); ++it) {
    if (it.key() != "images" && it.key() != "jobs" && it.key() != "serve" && it.key() != "faults") {
      return bad("unknown scenario key \"" + it.key() + "\" (images, jobs, serve, faults)");
    }
  }
  // Faults: all checked before any is switched on (at the end).
  const Json faults = doc->value("faults", Json::array());
  if (!faults.is_array() ||
      !std::all_of(faults.begin(), faults.end(), [](const Json& f) { return f.is_string(); })) {
    return bad("faults: a list of strings such as gone-after=5 or latency=200");
  }
  std::vector<FaultSwitch> switches;
  int dashboard_failures = -1;
  for (std::size_t i = 0; i < faults.size(); ++i) {
    // The simulation's own: dashboard-unavailable=N (see fail_dashboard_requests).
    const std::string text = faults[i].get<std::string>();
    const std::string dash_key = "dashboard-unavailable=";
    if (text.rfind(dash_key, 0) == 0) {
      const std::string n = text.substr(dash_key.size());
      if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos) {
        return bad("faults[" + std::to_string(i) +
                   "]: dashboard-unavailable takes a count of requests, e.g. "
                   "dashboard-unavailable=3");
      }
      dashboard_failures = std::stoi(n);
      continue;
    }
    auto f = parse_fault(text);
    if (!f) {
      return bad("faults[" + std::to_string(i) + "]: " + f.error().message);
    }
    switches.push_back(*f);
  }

  for (const auto& rule : doc->value("images", Json::array())) {
    auto b = parse_behavior(rule.value("behavior", ""));
    if (!rule.contains("match") || !b) {
      return bad(
          "images[]: needs match and behavior (run, image-pull-error, crash-loop, oom, "
          "exit:CODE[:SECONDS])");
    }
    for (const auto& line : rule.value("logs", Json::array())) {
      b->logs.push_back(line.is_string() ? line.get<std::string>() : line.dump());
    }
    add_image_rule(rule["match"].get<std::string>(), *b);
  }
  for (const auto& rule : doc->value("jobs", Json::array())) {
    RayJobScript s;
    const std::string status = rule.value("status", "SUCCEEDED");
    if (!rule.contains("match") ||
        (status != "SUCCEEDED" && status != "FAILED" && status != "STOPPED")) {
      return bad("jobs[]: needs match, and status SUCCEEDED, FAILED or STOPPED");
    }
    s.status = status;
    s.pending_seconds = rule.value("pendingSeconds", s.pending_seconds);
    s.run_seconds = rule.value("runSeconds", s.run_seconds);
    s.message = rule.value("message", "");
    if (rule.contains("logs")) {
      s.logs.clear();
      for (const auto& line : rule["logs"]) {
        s.logs.push_back(line.is_string() ? line.get<std::string>() : line.dump());
      }
    }
    add_job_rule(rule["match"].get<std::string>(), s);
  }
  if (doc->contains("serve")) {
    const Json& serve = (*doc)["serve"];
    set_serve_outcome(serve.value("status", "RUNNING"), serve.value("message", ""));
  }
  for (const auto& f : switches) {
    f(m_impl->server);
  }
  if (dashboard_failures >= 0) {
    fail_dashboard_requests(dashboard_failures);
  }
  return {};
}

}  // namespace fakekube
