// SPDX-License-Identifier: Apache-2.0
#include "sim.hpp"

#include "container_runtime.hpp"
#include "kuberay_build.hpp"
#include "quantity.hpp"
#include "ray_start.hpp"
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

// One container as the simulated kubelet runs it (init or main).
struct ContainerRun {
  std::string name;
  std::string image;
  bool init = false;
  // "waiting" (reason: ContainerCreating, PodInitializing, ErrImagePull,
  // ImagePullBackOff, CreateContainerConfigError, CrashLoopBackOff),
  // "running", or "terminated" (reason: Completed, Error, OOMKilled).
  std::string state = "waiting";
  std::string reason = "ContainerCreating";
  std::string message;
  double started_at = -1;   // simulated: the current or last run's start
  double finished_at = -1;  // simulated: when the last run ended
  int exit_code = 0;
  int restarts = 0;
  Json last_state = Json::object();  // lastState: the previous run's end
  double retry_at = 0;               // back-off: no start attempt before
  int pull_failures = 0;
  double pull_failed_at = -1;
  double config_said_at = -1;  // when CreateContainerConfigError was last reported
  bool ever_created = false;   // a containerID exists
  bool started = false;        // running and past its startup probe
  bool ready = false;
  struct ProbeRun {
    int ok = 0;
    int failed = 0;
    double next = -1;  // simulated time of the next run
  };
  ProbeRun startup, liveness, readiness;
  std::string container_id;
  // What it runs, decided when it starts: "behavior" (declared or the
  // default), "submitter", "ray" (`ray start`) or "wait-gcs" (KubeRay's
  // wait-gcs-ready loop).
  std::string program = "behavior";
  ray::StartOptions ray_options;
  bool ray_head = false;
  bool ray_block = false;
  bool keeps_running = false;  // commands follow a `ray start` that returns
  bool ray_running = false;    // its Ray node runs (listens, joined)
  std::vector<int> ports;      // where its processes listen in the Pod
  std::string gcs_address;     // worker, wait-gcs: the GCS it needs
  int attempts = 0;
  double next_attempt = 0;
  std::string joined;  // worker: "ns/pod" of the head it joined
  Json resources = Json::object();
  double head_lost_at = -1;
};

struct PodTrack {
  std::string ns;
  std::string name;
  double bound_at = 0;
  std::string node;
  bool sandbox = false;  // PodReadyToStartContainers
  double mount_said_at = -1;
  std::vector<ContainerRun> init;
  std::vector<ContainerRun> main;
  int exit_code = 0;         // submitter: the exit code of its command line
  double sigterm_at = -1;    // graceful deletion: when the kubelet sent SIGTERM
  bool stopped = false;      // its final status written, the DELETE sent
  bool failed_init = false;  // an init container failed for good
  Json written;              // the last status written
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

  std::map<std::string, PodTrack> pods;         // by uid
  std::set<std::string> said;                   // events emitted once
  std::map<std::string, std::string> recorded;  // event key -> Event name
  unsigned long long event_counter = 0;
  ImageRegistry registry;                                    // under mu
  std::map<std::string, std::set<std::string>> node_images;  // node -> pulled images
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

  // An event about `object`, once per reason and message (the operator's
  // and controllers' events, which their passes would otherwise repeat).
  void event(const Json& object,
             const std::string& type,
             const std::string& reason,
             const std::string& message,
             const std::string& component) {
    const std::string key = uid_of(object) + "/" + reason + "/" + message;
    if (!said.insert(key).second) {
      return;
    }
    record_event(object, type, reason, message, component, key);
  }

  // An event that happens again (the kubelet's pulls, probes, back-offs):
  // the first time a new Event, then its count and lastTimestamp go up, as
  // client-go's event correlator aggregates identical events.
  void repeat_event(const Json& object,
                    const std::string& type,
                    const std::string& reason,
                    const std::string& message,
                    const std::string& component) {
    const std::string key = uid_of(object) + "/" + reason + "/" + message;
    auto it = recorded.find(key);
    if (it != recorded.end()) {
      if (auto e = server.get("v1", "events", ns_of(object), it->second)) {
        Json copy = *e;
        copy["count"] = copy.value("count", 1) + 1;
        copy["lastTimestamp"] = stamp();
        if (server.update("v1", "events", ns_of(object), copy)) {
          return;
        }
      }
    }
    record_event(object, type, reason, message, component, key);
  }

  void record_event(const Json& object,
                    const std::string& type,
                    const std::string& reason,
                    const std::string& message,
                    const std::string& component,
                    const std::string& key) {
    char suffix[20];
    std::snprintf(suffix, sizeof suffix, "%016llx",
                  static_cast<unsigned long long>(++event_counter) * 0x9E3779B1ULL);
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
    if (auto made = server.create("v1", "events", ns_of(object), e)) {
      recorded[key] = name_of(*made);
    }
  }

  // A stable image digest for an image reference (imageID).
  static std::string image_id(const std::string& image) {
    char hex[20];
    std::snprintf(hex, sizeof hex, "%016zx", std::hash<std::string>{}(image));
    return normalize_image(image) + "@sha256:" + hex + hex + hex + hex;
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
  // After kubelet's pod workers, kuberuntime_manager.go (computePodActions,
  // doBackOff), prober/ and status/generate.go: per container, init
  // containers one after another, then the main containers; image pulls
  // against the simulated registry, the environment and volumes against
  // the ConfigMaps and Secrets, probes, restarts with back-off (immediate,
  // then 10 s doubling to 300 s), the previous run's log kept apart.

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
        track.bound_at = t;
      }
      if (track.node.empty()) {
        track.node = node;
        track.ns = ns_of(pod);
        track.name = name_of(pod);
        for (const char* list : {"initContainers", "containers"}) {
          const Json cs = pod["spec"].value(list, Json::array());
          for (const auto& c : cs.is_array() ? cs : Json::array()) {
            ContainerRun run;
            run.name = c.value("name", "");
            run.image = c.value("image", "");
            run.init = std::string(list) == "initContainers";
            run.reason = run.init ? "PodInitializing" : "ContainerCreating";
            (run.init ? track.init : track.main).push_back(run);
          }
        }
        if (!track.init.empty()) {
          track.init[0].reason = "ContainerCreating";
          for (auto& c : track.main) {
            c.reason = "PodInitializing";
          }
        }
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
      if (alive.count(it->first)) {
        ++it;
        continue;
      }
      // Gone without the kubelet stopping it (force deletion): its
      // processes go with it.
      const Json gone = {{"metadata", {{"name", it->second.name}, {"namespace", it->second.ns}}}};
      for (auto* list : {&it->second.init, &it->second.main}) {
        for (auto& c : *list) {
          ray_down(gone, c);
        }
      }
      it = pods.erase(it);
    }
  }

  // The Pod's spec of a container (init or main) by name.
  static Json container_spec(const Json& pod, const ContainerRun& c) {
    const Json list = pod["spec"].value(c.init ? "initContainers" : "containers", Json::array());
    for (const auto& s : list.is_array() ? list : Json::array()) {
      if (s.value("name", "") == c.name) {
        return s;
      }
    }
    return Json::object();
  }

  // How a container behaves when declared: the annotation
  // fakekube.io/behavior.NAME, else (main containers) fakekube.io/behavior,
  // else the first image rule whose substring is in its image.
  std::optional<Behavior> declared_behavior(const Json& pod, const ContainerRun& c) {
    const Json annotations = pod["metadata"].value("annotations", Json::object());
    for (const std::string& key : {"fakekube.io/behavior." + c.name,
                                   c.init ? std::string() : std::string("fakekube.io/behavior")}) {
      if (!key.empty() && annotations.is_object() && annotations.contains(key) &&
          annotations[key].is_string()) {
        if (auto b = parse_behavior(annotations[key].get<std::string>())) {
          return *b;
        }
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& [substr, b] : image_rules) {
      if (c.image.find(substr) != std::string::npos) {
        return b;
      }
    }
    return std::nullopt;
  }

  // The declared behaviour, else: an init container or a Job's container
  // runs to completion, others run until stopped.
  Behavior behavior_of(const Json& pod, const ContainerRun& c) {
    if (auto b = declared_behavior(pod, c)) {
      return *b;
    }
    Behavior b;
    if (c.init) {
      b.kind = Behavior::Kind::exit;
      b.run_seconds = 1;
    } else if (labels_of(pod).contains("batch.kubernetes.io/job-name")) {
      b.kind = Behavior::Kind::exit;  // a Job's Pod runs to completion by default
    }
    return b;
  }

  std::optional<Json> lookup_object(const std::string& ns,
                                    const std::string& resource,
                                    const std::string& name) {
    auto r = server.get("v1", resource, ns, name);
    if (!r) {
      return std::nullopt;
    }
    return *r;
  }

  static std::string pod_ref(const Json& pod) {
    return name_of(pod) + "_" + ns_of(pod) + "(" + uid_of(pod) + ")";
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
    return ray::record_timestamp(epoch_ms(simulated));
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

  // Back-off before the n-th restart (n >= 1): none for the first, then
  // 10 s doubling up to 300 s (kubelet's crashloop back-off).
  static double backoff_before(int n) {
    return n <= 1 ? 0.0 : std::min(300.0, 10.0 * std::pow(2.0, n - 2));
  }

  // Tries to start a waiting container: the image, then its environment.
  void try_start(const Json& pod, PodTrack& track, ContainerRun& c, double t) {
    if (t < c.retry_at) {
      // A failed pull shows as ErrImagePull, then as ImagePullBackOff
      // until the next attempt.
      if (c.reason == "ErrImagePull" && t - c.pull_failed_at >= 2) {
        c.reason = "ImagePullBackOff";
        c.message = "Back-off pulling image \"" + c.image + "\"";
        repeat_event(pod, "Normal", "BackOff", c.message, "kubelet");
        repeat_event(pod, "Warning", "Failed", "Error: ImagePullBackOff", "kubelet");
      }
      return;
    }
    const Json spec = container_spec(pod, c);
    const Behavior b = behavior_of(pod, c);
    const std::string policy = spec.value("imagePullPolicy", "IfNotPresent");
    const std::string image = normalize_image(c.image);
    const bool present = node_images[track.node].count(image) > 0;
    if (policy == "Never" && !present) {
      c.reason = "ErrImageNeverPull";
      c.message = "Container image \"" + c.image + "\" is not present with pull policy of Never";
      repeat_event(pod, "Warning", "ErrImageNeverPull", c.message, "kubelet");
      c.retry_at = t + 10;
      return;
    }
    if (policy == "Always" || !present) {
      bool exists = false;
      {
        std::lock_guard<std::mutex> lock(mu);
        exists = registry.exists(c.image);
      }
      if (b.kind == Behavior::Kind::image_pull_error || !exists) {
        std::string error;
        {
          std::lock_guard<std::mutex> lock(mu);
          error = "rpc error: " + registry.pull_error(c.image);
        }
        ++c.pull_failures;
        repeat_event(pod, "Normal", "Pulling", "Pulling image \"" + c.image + "\"", "kubelet");
        repeat_event(pod, "Warning", "Failed", "Failed to pull image \"" + c.image + "\": " + error,
                     "kubelet");
        repeat_event(pod, "Warning", "Failed", "Error: ErrImagePull", "kubelet");
        c.reason = "ErrImagePull";
        c.message = error;
        // Image pull back-off: 10 s doubling to 300 s; meanwhile the state
        // says ImagePullBackOff.
        c.pull_failed_at = t;
        c.retry_at = t + std::min(300.0, 10.0 * std::pow(2.0, c.pull_failures - 1));
        return;
      }
      if (!present || policy == "Always") {
        repeat_event(pod, "Normal", "Pulling", "Pulling image \"" + c.image + "\"", "kubelet");
        repeat_event(pod, "Normal", "Pulled",
                     "Successfully pulled image \"" + c.image + "\" in 1s (1s including waiting)",
                     "kubelet");
        node_images[track.node].insert(image);
      }
    } else {
      repeat_event(pod, "Normal", "Pulled",
                   "Container image \"" + c.image + "\" already present on machine", "kubelet");
    }
    c.pull_failures = 0;
    const std::string ns = ns_of(pod);
    const std::string why = env_problem(spec, ns, [&](const std::string& r, const std::string& n) {
      return lookup_object(ns, r, n);
    });
    if (!why.empty()) {
      if (c.reason != "CreateContainerConfigError" || c.message != why ||
          t - c.config_said_at >= 10) {
        repeat_event(pod, "Warning", "Failed", "Error: " + why, "kubelet");
        c.config_said_at = t;
      }
      c.reason = "CreateContainerConfigError";
      c.message = why;
      return;
    }
    // Created and started.
    c.ever_created = true;
    c.container_id = "containerd://" + rand5() + rand5() + rand5() + rand5();
    repeat_event(pod, "Normal", "Created", "Created container " + c.name, "kubelet");
    repeat_event(pod, "Normal", "Started", "Started container " + c.name, "kubelet");
    c.state = "running";
    c.reason.clear();
    c.message.clear();
    c.started_at = t;
    c.started = !probe_of(spec, "startupProbe").has_value();
    c.ready = false;
    c.startup = c.liveness = c.readiness = {};
    for (const auto& line : b.logs) {
      server.append_log(ns, name_of(pod), c.name, line);
    }
    c.program = "behavior";
    if (!declared_behavior(pod, c)) {
      if (auto end = start_program(pod, track, c, spec, t)) {
        ended(pod, track, c, end->first, end->second, t);
      }
    }
  }

  // A running container's program: whether (and how) it has ended.
  std::optional<std::pair<int, std::string>> step(const Json& pod,
                                                  PodTrack& track,
                                                  ContainerRun& c,
                                                  double t) {
    const Json spec = container_spec(pod, c);
    if (c.program == "submitter") {
      if (run_submitter(pod, spec, track)) {
        return std::make_pair(track.exit_code,
                              std::string(track.exit_code == 0 ? "Completed" : "Error"));
      }
      return std::nullopt;
    }
    if (c.program == "ray" || c.program == "wait-gcs") {
      return step_ray(pod, c, t);
    }
    const Behavior b = behavior_of(pod, c);
    if (b.kind == Behavior::Kind::run || b.kind == Behavior::Kind::image_pull_error ||
        t - c.started_at < b.run_seconds) {
      return std::nullopt;
    }
    if (b.kind == Behavior::Kind::oom_killed) {
      return std::make_pair(137, std::string("OOMKilled"));
    }
    return std::make_pair(b.exit_code, std::string(b.exit_code == 0 ? "Completed" : "Error"));
  }

  // A container's run ended: its terminated state, then (restart policy)
  // a restart after the back-off, the log of the run kept as "previous".
  void ended(const Json& pod,
             PodTrack& track,
             ContainerRun& c,
             int code,
             const std::string& reason,
             double t) {
    ray_down(pod, c);
    c.state = "terminated";
    c.exit_code = code;
    c.reason = reason;
    c.message.clear();
    c.finished_at = t;
    c.started = c.ready = false;
    server.end_log(ns_of(pod), name_of(pod), c.name);
    const std::string policy = pod["spec"].value("restartPolicy", "Always");
    const bool again = c.init ? (policy != "Never" && code != 0)
                              : (policy == "Always" || (policy == "OnFailure" && code != 0));
    if (c.init && code != 0 && policy == "Never") {
      track.failed_init = true;
    }
    if (!again) {
      return;
    }
    ++c.restarts;
    c.last_state = {{"terminated",
                     {{"exitCode", code},
                      {"reason", reason},
                      {"startedAt", rfc3339_at(c.started_at)},
                      {"finishedAt", rfc3339_at(t)},
                      {"containerID", c.container_id}}}};
    c.retry_at = t + backoff_before(c.restarts);
    if (c.retry_at > t) {
      c.state = "waiting";
      c.reason = "CrashLoopBackOff";
      c.message = "back-off " + std::to_string(static_cast<int>(c.retry_at - t)) +
                  "s restarting failed container=" + c.name + " pod=" + pod_ref(pod);
      repeat_event(pod, "Warning", "BackOff",
                   "Back-off restarting failed container " + c.name + " in pod " + pod_ref(pod),
                   "kubelet");
    } else {
      c.state = "waiting";
      c.reason = "ContainerCreating";
    }
    server.restart_log(ns_of(pod), name_of(pod), c.name);
  }

  // One probe of a running container: whether it passed, and if not what
  // the kubelet's Unhealthy event says after "<Kind> probe failed: ".
  std::pair<bool, std::string> probe_once(const Json& pod,
                                          const Json& spec,
                                          const std::string& kind,
                                          const Probe& probe) {
    const std::string ns = ns_of(pod);
    const std::string ip = ip_for(uid_of(pod));
    const Json annotations = pod["metadata"].value("annotations", Json::object());
    const std::string failing =
        annotations.is_object() && annotations.value("fakekube.io/probe-fail", Json()).is_string()
            ? annotations["fakekube.io/probe-fail"].get<std::string>()
            : "";
    if (failing.find(kind) != std::string::npos) {
      return {false, probe.handler == "httpGet" ? "HTTP probe failed with statuscode: 503" : ""};
    }
    auto refused = [&](int port, const std::string& path) {
      return path.empty()
                 ? "dial tcp " + ip + ":" + std::to_string(port) + ": connect: connection refused"
                 : "Get \"http://" + ip + ":" + std::to_string(port) + path + "\": dial tcp " + ip +
                       ":" + std::to_string(port) + ": connect: connection refused";
    };
    if (probe.handler == "httpGet") {
      const int port = probe_port(spec, probe.action.value("port", Json()));
      const std::string path = probe.action.value("path", std::string("/"));
      auto r = server.call_listener(ns, name_of(pod), port, {"GET", path, "", "", ""});
      if (!r) {
        return {false, refused(port, path.empty() ? "/" : path)};
      }
      if (r->status < 200 || r->status >= 400) {
        return {false, "HTTP probe failed with statuscode: " + std::to_string(r->status)};
      }
      return {true, ""};
    }
    if (probe.handler == "tcpSocket" || probe.handler == "grpc") {
      const int port = probe_port(spec, probe.action.value("port", Json()));
      if (!server.listening(ns, name_of(pod), port)) {
        return {false, refused(port, "")};
      }
      return {true, ""};
    }
    // exec: the HTTP requests in the command are answered by what listens
    // in the Pod; a command without any passes.
    const ExecProbe exec = parse_exec_probe(probe.action);
    for (const auto& req : exec.requests) {
      auto r = server.call_listener(ns, name_of(pod), req.port, {"GET", req.path, "", "", ""});
      if (!r) {
        return {false, exec.grep.empty() ? "wget: can't connect to remote host (127.0.0.1): "
                                           "Connection refused"
                                         : ""};
      }
      if (r->status < 200 || r->status >= 300) {
        return {false, "wget: server returned error: HTTP/1.1 " + std::to_string(r->status)};
      }
      if (!exec.grep.empty() && r->body.find(exec.grep) == std::string::npos) {
        return {false, ""};
      }
    }
    return {true, ""};
  }

  // Runs the container's probes that are due (prober/worker.go): startup
  // until it passes, then liveness and readiness. Returns true when the
  // kubelet must kill the container (startup or liveness failed
  // failureThreshold times in a row).
  bool run_probes(const Json& pod, ContainerRun& c, double t) {
    const Json spec = container_spec(pod, c);
    auto due = [&](const Probe& p, ContainerRun::ProbeRun& run) {
      if (run.next < 0) {
        run.next = c.started_at + p.initial_delay;
      }
      if (t < run.next) {
        return false;
      }
      run.next = t + p.period;
      return true;
    };
    auto record = [&](const std::string& kind, const Probe& p, ContainerRun::ProbeRun& run) {
      const auto [ok, why] = probe_once(pod, spec, kind, p);
      if (ok) {
        ++run.ok;
        run.failed = 0;
      } else {
        ++run.failed;
        run.ok = 0;
        std::string title = kind;
        title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
        repeat_event(pod, "Warning", "Unhealthy", title + " probe failed: " + why, "kubelet");
      }
      return ok;
    };
    if (!c.started) {
      auto p = probe_of(spec, "startupProbe");
      if (p && due(*p, c.startup)) {
        record("startup", *p, c.startup);
        if (c.startup.ok >= p->success_threshold) {
          c.started = true;
        } else if (c.startup.failed >= p->failure_threshold) {
          repeat_event(pod, "Normal", "Killing",
                       "Container " + c.name + " failed startup probe, will be restarted",
                       "kubelet");
          return true;
        }
      }
      if (!c.started) {
        return false;
      }
    }
    if (auto p = probe_of(spec, "livenessProbe"); p && due(*p, c.liveness)) {
      record("liveness", *p, c.liveness);
      if (c.liveness.failed >= p->failure_threshold) {
        repeat_event(pod, "Normal", "Killing",
                     "Container " + c.name + " failed liveness probe, will be restarted",
                     "kubelet");
        return true;
      }
    }
    if (auto p = probe_of(spec, "readinessProbe")) {
      if (due(*p, c.readiness)) {
        record("readiness", *p, c.readiness);
        if (c.readiness.ok >= p->success_threshold) {
          c.ready = true;
        } else if (c.readiness.failed >= p->failure_threshold) {
          c.ready = false;
        }
      }
    } else {
      c.ready = true;
    }
    return false;
  }

  void advance(const Json& pod, PodTrack& track, double t) {
    const std::string ns = ns_of(pod);
    if (!track.sandbox) {
      if (t - track.bound_at < options.start_seconds) {
        write_pod_status(pod, track);
        return;
      }
      // Volumes first: a missing ConfigMap or Secret keeps the Pod in
      // ContainerCreating (FailedMount, retried).
      if (auto problem = volume_problem(pod, [&](const std::string& r, const std::string& n) {
            return lookup_object(ns, r, n);
          })) {
        if (track.mount_said_at < 0 || t - track.mount_said_at >= 10) {
          repeat_event(pod, "Warning", "FailedMount", problem->second, "kubelet");
          track.mount_said_at = t;
        }
        write_pod_status(pod, track);
        return;
      }
      track.sandbox = true;
    }
    // Init containers, one at a time, each to a successful end.
    for (auto& c : track.init) {
      if (c.state == "terminated" && c.exit_code == 0) {
        continue;
      }
      if (track.failed_init) {
        break;
      }
      if (c.state == "waiting") {
        if (c.reason == "PodInitializing") {
          c.reason = "ContainerCreating";
        }
        try_start(pod, track, c, t);
      }
      if (c.state == "running") {
        if (auto end = step(pod, track, c, t)) {
          ended(pod, track, c, end->first, end->second, t);
          if (c.state == "terminated" && c.exit_code == 0) {
            continue;  // the next one may start in this pass
          }
          if (c.state == "waiting" && t >= c.retry_at) {
            try_start(pod, track, c, t);  // a restart without back-off (the first)
          }
        }
      }
      write_pod_status(pod, track);
      return;
    }
    if (track.failed_init) {
      write_pod_status(pod, track);
      return;
    }
    for (auto& c : track.main) {
      if (c.state == "waiting") {
        if (c.reason == "PodInitializing") {
          c.reason = "ContainerCreating";
        }
        try_start(pod, track, c, t);
      }
      if (c.state != "running") {
        continue;
      }
      if (auto end = step(pod, track, c, t)) {
        ended(pod, track, c, end->first, end->second, t);
      } else if (run_probes(pod, c, t)) {
        ended(pod, track, c, 137, "Error", t);
      }
      if (c.state == "waiting" && t >= c.retry_at) {
        try_start(pod, track, c, t);  // a restart without back-off (the first)
      }
    }
    write_pod_status(pod, track);
  }

  // The kubelet's side of graceful deletion (kubelet's pod workers and
  // kuberuntime killContainer): SIGTERM to each running container, SIGKILL
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
    if (track.sigterm_at < 0) {
      track.sigterm_at = t;
      for (const auto& c : track.main) {
        if (c.state == "running") {
          repeat_event(pod, "Normal", "Killing", "Stopping container " + c.name, "kubelet");
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
    bool still = false;
    for (const auto* list : {&track.init, &track.main}) {
      for (const auto& c : *list) {
        still = still || c.state == "running";
      }
    }
    if (still && t < exits_at) {
      return;  // Terminating: the containers are still stopping
    }
    for (auto* list : {&track.init, &track.main}) {
      for (auto& c : *list) {
        if (c.state == "running") {
          ray_down(pod, c);
          c.state = "terminated";
          c.exit_code = code;
          c.reason = code == 0 ? "Completed" : "Error";
          c.finished_at = t;
          c.started = c.ready = false;
          server.end_log(ns_of(pod), name_of(pod), c.name);
        }
      }
    }
    track.stopped = true;
    write_pod_status(pod, track, true);
    DeleteRequest gone;
    gone.precondition_uid = uid_of(pod);
    gone.grace_period_seconds = 0;
    (void)server.remove("v1", "pods", ns_of(pod), name_of(pod), gone);
  }

  Json container_status(const ContainerRun& c) const {
    Json cs = {{"name", c.name},
               {"image", c.image},
               {"imageID", c.ever_created ? image_id(c.image) : ""},
               {"restartCount", c.restarts},
               {"started", c.state == "running" && c.started},
               {"ready", c.init ? (c.state == "terminated" && c.exit_code == 0)
                                : (c.state == "running" && c.ready)}};
    if (c.ever_created) {
      cs["containerID"] = c.container_id;
    }
    if (c.init) {
      cs["started"] = c.state == "running";
    }
    if (c.state == "waiting") {
      Json waiting = {{"reason", c.reason}};
      if (!c.message.empty()) {
        waiting["message"] = c.message;
      }
      cs["state"] = {{"waiting", waiting}};
    } else if (c.state == "running") {
      cs["state"] = {{"running", {{"startedAt", rfc3339_at(c.started_at)}}}};
    } else {
      cs["state"] = {{"terminated",
                      {{"exitCode", c.exit_code},
                       {"reason", c.reason},
                       {"startedAt", rfc3339_at(c.started_at)},
                       {"finishedAt", rfc3339_at(c.finished_at)},
                       {"containerID", c.container_id}}}};
    }
    cs["lastState"] = c.last_state;
    return cs;
  }

  // The Pod's status from its containers (kubelet's getPhase and
  // status/generate.go).
  void write_pod_status(const Json& pod, PodTrack& track, bool stopped = false) {
    Json init_statuses = Json::array();
    Json statuses = Json::array();
    std::string incomplete;
    std::string unready;
    bool inits_done = true;
    for (const auto& c : track.init) {
      init_statuses.push_back(container_status(c));
      if (!(c.state == "terminated" && c.exit_code == 0)) {
        inits_done = false;
        incomplete += (incomplete.empty() ? "" : " ") + c.name;
      }
    }
    int run_count = 0;
    int restarting = 0;
    int failed = 0;
    bool all_terminated = true;
    for (const auto& c : track.main) {
      statuses.push_back(container_status(c));
      run_count += c.state == "running";
      restarting += c.state == "waiting" && c.restarts > 0;
      failed += c.state == "terminated" && c.exit_code != 0;
      all_terminated = all_terminated && c.state == "terminated";
      if (!(c.state == "running" && c.ready)) {
        unready += (unready.empty() ? "" : " ") + c.name;
      }
    }
    std::string phase = "Pending";
    if (track.failed_init) {
      phase = "Failed";
    } else if (inits_done && all_terminated && !track.main.empty()) {
      phase = failed > 0 ? "Failed" : "Succeeded";
    } else if (inits_done &&
               (run_count > 0 || restarting > 0 ||
                std::any_of(track.main.begin(), track.main.end(),
                            [](const ContainerRun& c) { return c.state == "terminated"; }))) {
      phase = "Running";
    }
    if (stopped && phase != "Succeeded") {
      phase = "Failed";  // stopped before its containers ran to an end
    }
    Json st = pod.value("status", Json::object());
    st["phase"] = phase;
    st["hostIP"] = "192.168.0.10";
    st["hostIPs"] = Json::array({{{"ip", "192.168.0.10"}}});
    st["startTime"] = st.value("startTime", rfc3339_at(track.bound_at));
    if (track.sandbox) {
      st["podIP"] = ip_for(uid_of(pod));
      st["podIPs"] = Json::array({{{"ip", st["podIP"]}}});
    }
    const bool done = phase == "Succeeded" || phase == "Failed";
    const bool ready = phase == "Running" && unready.empty() && inits_done;
    const std::string not_ready_reason = done ? "PodCompleted" : "ContainersNotReady";
    const std::string not_ready_message =
        done ? "" : "containers with unready status: [" + unready + "]";
    const std::string now_stamp = stamp();
    st["conditions"] = merge_conditions(
        st.value("conditions", Json()),
        Json::array(
            {condition("PodReadyToStartContainers", track.sandbox, "", "", now_stamp),
             condition("Initialized", inits_done, inits_done ? "" : "ContainersNotInitialized",
                       inits_done ? "" : "containers with incomplete status: [" + incomplete + "]",
                       now_stamp),
             condition("Ready", ready, ready ? "" : not_ready_reason,
                       ready ? "" : not_ready_message, now_stamp),
             condition("ContainersReady", ready, ready ? "" : not_ready_reason,
                       ready ? "" : not_ready_message, now_stamp),
             condition("PodScheduled", true, "", "", now_stamp)}));
    if (!track.init.empty()) {
      st["initContainerStatuses"] = init_statuses;
    }
    st["containerStatuses"] = statuses;
    if (st == track.written && !stopped) {
      return;
    }
    Json copy = pod;
    copy["status"] = st;
    if (server.update_status("v1", "pods", ns_of(pod), copy)) {
      track.written = st;
    }
  }

  // ---- Ray in a container -------------------------------------------------
  // A container whose command runs `ray start` (read by ray_start.hpp as
  // bash and click would) runs a simulated Ray node: a head listens on its
  // GCS, dashboard, dashboard-agent and metrics ports in its Pod; a worker
  // joins the head whose GCS its --address reaches through the cluster's
  // DNS, else retries and fails as Ray does; without --block the command
  // returns and the container ends unless commands follow. KubeRay's
  // wait-gcs-ready init container waits for the GCS it names.

  struct RayHead {
    std::string ip;
    long long gcs_port = 0;
    Json resources = Json::object();      // the head node's
    std::map<std::string, Json> workers;  // "ns/pod/container" -> resources
    std::string dashboard_key;            // dashboards[] key it serves
  };
  std::map<std::string, RayHead> ray_heads;  // "ns/pod"

  void log_lines(const Json& pod, const ContainerRun& c, const std::vector<std::string>& lines) {
    for (const auto& line : lines) {
      server.append_log(ns_of(pod), name_of(pod), c.name, line);
    }
  }

  // The values of env entries that come from the Pod itself (fieldRef).
  static ray::Env field_env(const Json& pod, const Json& spec, const std::string& ip) {
    ray::Env out;
    const Json env = spec.value("env", Json::array());
    for (const auto& e : env.is_array() ? env : Json::array()) {
      const std::string path =
          at(e, {"valueFrom", "fieldRef", "fieldPath"}).is_string()
              ? at(e, {"valueFrom", "fieldRef", "fieldPath"}).get<std::string>()
              : "";
      std::string value;
      if (path == "metadata.name") {
        value = name_of(pod);
      } else if (path == "metadata.namespace") {
        value = ns_of(pod);
      } else if (path == "metadata.uid") {
        value = uid_of(pod);
      } else if (path == "status.podIP") {
        value = ip;
      } else if (path == "spec.nodeName") {
        value = pod["spec"].value("nodeName", "");
      } else {
        continue;
      }
      out[e.value("name", "")] = value;
    }
    return out;
  }

  // The head serving a GCS at "host:port" as seen from namespace `ns`:
  // its "ns/pod", or "" when the name does not resolve or nothing listens.
  std::string head_at(const std::string& ns, const std::string& address) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) {
      return "";
    }
    const std::string host = address.substr(0, colon);
    const std::string port = address.substr(colon + 1);
    std::vector<std::string> addresses = cluster_dns(server, ns, host);
    if (addresses.empty() && !host.empty() &&
        host.find_first_not_of("0123456789.") == std::string::npos) {
      addresses.push_back(host);
    }
    for (const auto& ip : addresses) {
      for (const auto& [key, head] : ray_heads) {
        if (head.ip == ip && std::to_string(head.gcs_port) == port) {
          return key;
        }
      }
    }
    return "";
  }

  // Decides what a container that just started runs, and starts it.
  // Returns an immediate end (a usage error, a `ray start` that returns).
  std::optional<std::pair<int, std::string>> start_program(
      const Json& pod, PodTrack& track, ContainerRun& c, const Json& spec, double t) {
    c.program = "behavior";
    if (!c.init && c.name == "ray-job-submitter" && &c == &track.main.front()) {
      c.program = "submitter";
      return std::nullopt;
    }
    const std::string ip = ip_for(uid_of(pod));
    const ray::Run run = ray::read_container(spec, {}, field_env(pod, spec, ip));
    if (!run.unsupported.empty()) {
      return std::nullopt;
    }
    if (run.health_check_address) {
      c.program = "wait-gcs";
      c.gcs_address = *run.health_check_address;
      c.next_attempt = t;
      return std::nullopt;
    }
    const auto* argv = run.ray_start_argv();
    if (argv == nullptr) {
      return std::nullopt;
    }
    c.program = "ray";
    const std::string stamp_now = record_time(now());
    auto opts = ray::parse_start(*argv, stamp_now);
    if (!opts) {
      log_lines(pod, c, opts.error().stdout_lines);
      log_lines(pod, c, opts.error().lines);
      return std::make_pair(opts.error().exit_code, std::string("Error"));
    }
    c.ray_head = opts->head;
    c.ray_block = opts->block;
    c.keeps_running = run.runs_after_ray_start();
    c.ray_options = *opts;
    ray::NodeFacts facts;
    facts.node_ip = ip;
    facts.limits = at(spec, {"resources", "limits"}).is_object() ? at(spec, {"resources", "limits"})
                                                                 : Json::object();
    if (auto node = server.get("v1", "nodes", "", track.node)) {
      const Json alloc = at(*node, {"status", "allocatable"});
      if (alloc.is_object() && alloc.contains("cpu")) {
        if (auto q = quantity_of(alloc["cpu"])) {
          facts.host_cpus = static_cast<int>(quantity_value(*q));
        }
      }
      if (alloc.is_object() && alloc.contains("memory")) {
        if (auto q = quantity_of(alloc["memory"])) {
          facts.host_memory = quantity_value(*q);
        }
      }
      const Json product = at(*node, {"metadata", "labels", "nvidia.com/gpu.product"});
      if (product.is_string()) {
        facts.gpu_name = product.get<std::string>();
      }
    }
    auto resources = ray::node_resources(*opts, facts, stamp_now);
    if (!resources) {
      log_lines(pod, c, resources.error().stdout_lines);
      log_lines(pod, c, resources.error().lines);
      return std::make_pair(resources.error().exit_code, std::string("Error"));
    }
    log_lines(pod, c, resources->warnings);
    c.resources = resources->resources;
    if (opts->head) {
      ray_up(pod, c, t);
      log_lines(pod, c, ray::head_started_lines(*opts, ip, stamp_now, ray_version_of(spec)));
      return returns(c);
    }
    if (!opts->address) {
      return std::make_pair(1, std::string("Error"));
    }
    c.gcs_address = *opts->address;
    c.next_attempt = t;
    return std::nullopt;  // the worker connects in step_ray
  }

  static std::string ray_version_of(const Json& spec) {
    const std::string image = spec.value("image", "");
    const auto colon = image.rfind(':');
    return colon == std::string::npos ? "2.52.0"
                                      : image.substr(colon + 1, image.find('-', colon) - colon - 1);
  }

  // A `ray start` without --block returns once the node runs: the
  // container ends with it (exit 0) unless commands follow.
  std::optional<std::pair<int, std::string>> returns(const ContainerRun& c) {
    if (c.ray_block || c.keeps_running) {
      return std::nullopt;
    }
    return std::make_pair(0, std::string("Completed"));
  }

  // The node's processes listen in the Pod.
  void ray_up(const Json& pod, ContainerRun& c, double t) {
    (void)t;
    const std::string ns = ns_of(pod);
    const std::string name = name_of(pod);
    const std::string key = ns + "/" + name;
    const ray::StartOptions& o = c.ray_options;
    c.ray_running = true;
    auto listen_on = [&](long long port, ProxyHandler h) {
      server.listen(ns, name, static_cast<int>(port), std::move(h));
      c.ports.push_back(static_cast<int>(port));
    };
    const bool head = o.head;
    listen_on(o.dashboard_agent_listen_port, [this, key, head](const ProxyRequest& r) {
      if (r.path == "/api/local_raylet_healthz" || r.path == "/api/healthz") {
        if (!head && r.path == "/api/healthz" && !worker_connected(key)) {
          return ProxyResponse{503, "GCS is not healthy", "text/plain"};
        }
        return ProxyResponse{200, "success", "text/plain"};
      }
      return ProxyResponse{404, "404: Not Found", "text/plain"};
    });
    if (o.metrics_export_port) {
      listen_on(*o.metrics_export_port, [](const ProxyRequest&) {
        return ProxyResponse{200, "# HELP ray_node_cpu_count Total CPUs available on a ray node\n",
                             "text/plain; version=0.0.4"};
      });
    }
    if (!head) {
      return;
    }
    RayHead h;
    h.ip = ip_for(uid_of(pod));
    h.gcs_port = o.gcs_port();
    h.resources = c.resources;
    listen_on(o.gcs_port(), [](const ProxyRequest&) {
      return ProxyResponse{200, "", "application/grpc"};
    });
    if (o.dashboard()) {
      // The dashboard of the Service that reaches this port (the head
      // Service), so the operator's and the proxy's requests meet; a head
      // without one has a dashboard of its own. A new head is a new GCS:
      // no jobs, no applications.
      std::string dkey = "pod:" + name;
      for (const auto& svc : server.list("v1", "services", ns)) {
        if (has_spec(svc) && selects(at(svc, {"spec", "selector"}), labels_of(pod)) &&
            !at(svc, {"spec", "selector"}).empty() && targets_port(svc, pod, o.dashboard_port)) {
          dkey = name_of(svc);
          break;
        }
      }
      h.dashboard_key = dkey;
      {
        std::lock_guard<std::mutex> lock(mu);
        dashboards.erase(ns + "/" + dkey);
      }
      serve_dashboard(ns, dkey, name, static_cast<int>(o.dashboard_port), dashboard_for(ns, dkey));
      c.ports.push_back(static_cast<int>(o.dashboard_port));
    }
    ray_heads[key] = h;
    register_ray_nodes(key);
  }

  // Serve's HTTP proxy (proxy_location EveryNode, port 8000) listens on
  // every node of a cluster once its applications are deployed; its
  // /-/healthz is what KubeRay's RayService worker readiness probe asks.
  void serve_proxy(const Json& pod, ContainerRun& c) {
    const std::string key = ns_of(pod) + "/" + name_of(pod);
    const std::string head = c.ray_head ? key : c.joined;
    auto it = ray_heads.find(head);
    if (it == ray_heads.end() || it->second.dashboard_key.empty()) {
      return;
    }
    const int port = 8000;
    if (std::find(c.ports.begin(), c.ports.end(), port) != c.ports.end()) {
      return;
    }
    bool deployed = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      auto d = dashboards.find(ns_of(pod) + "/" + it->second.dashboard_key);
      deployed = d != dashboards.end() && d->second->serve_running(now());
    }
    if (!deployed) {
      return;
    }
    server.listen(ns_of(pod), name_of(pod), port, [](const ProxyRequest& r) {
      if (r.path == "/-/healthz") {
        return ProxyResponse{200, "success", "text/plain"};
      }
      if (r.path == "/-/routes") {
        return ProxyResponse{200, "{}", "application/json"};
      }
      return ProxyResponse{200, "", "text/plain"};
    });
    c.ports.push_back(port);
  }

  // Whether a Service has a port whose target is `port` in this Pod.
  static bool targets_port(const Json& svc, const Json& pod, long long port) {
    for (const auto& p :
         at(svc, {"spec", "ports"}).is_array() ? at(svc, {"spec", "ports"}) : Json::array()) {
      if (find_port(pod, p) == port) {
        return true;
      }
    }
    return false;
  }

  bool worker_connected(const std::string& pod_key) const {
    for (const auto& [key, head] : ray_heads) {
      for (const auto& [w, res] : head.workers) {
        if (w.rfind(pod_key + "/", 0) == 0) {
          return true;
        }
      }
    }
    return false;
  }

  // The node's processes end with its container.
  void ray_down(const Json& pod, ContainerRun& c) {
    const std::string ns = ns_of(pod);
    const std::string key = ns + "/" + name_of(pod);
    for (int port : c.ports) {
      server.unlisten(ns, name_of(pod), port);
    }
    c.ports.clear();
    c.ray_running = false;
    if (c.ray_head) {
      auto it = ray_heads.find(key);
      if (it != ray_heads.end()) {
        std::lock_guard<std::mutex> lock(mu);
        listening.erase(ns + "/" + it->second.dashboard_key);
        ray_heads.erase(it);
      }
    } else {
      for (auto& [k, head] : ray_heads) {
        if (head.workers.erase(key + "/" + c.name) > 0) {
          register_ray_nodes(k);
        }
      }
    }
  }

  std::optional<std::pair<int, std::string>> step_ray(const Json& pod, ContainerRun& c, double t) {
    const std::string ns = ns_of(pod);
    const std::string key = ns + "/" + name_of(pod) + "/" + c.name;
    if (c.program == "wait-gcs") {
      if (t < c.next_attempt) {
        return std::nullopt;
      }
      const double elapsed = t - c.started_at;
      if (!head_at(ns, c.gcs_address).empty()) {
        log_lines(
            pod, c,
            {elapsed <= 120 ? "GCS is ready."
                            : "GCS is ready. Any error messages above can be safely ignored."});
        return std::make_pair(0, std::string("Completed"));
      }
      const std::string secs = std::to_string(static_cast<long long>(elapsed));
      if (elapsed <= 120) {
        log_lines(pod, c, {secs + " seconds elapsed: Waiting for GCS to be ready."});
      } else {
        const auto failure = ray::health_check_unreachable(c.gcs_address, record_time(now()), 1, 1);
        log_lines(pod, c, failure.stdout_lines);
        log_lines(pod, c, failure.lines);
        log_lines(
            pod, c,
            {secs + " seconds elapsed: Still waiting for GCS to be ready. For "
                    "troubleshooting, refer to the FAQ at "
                    "https://docs.ray.io/en/master/cluster/kubernetes/troubleshooting.html."});
      }
      c.next_attempt = t + 5;
      return std::nullopt;
    }
    if (c.ray_head || c.ray_running) {
      serve_proxy(pod, c);
      if (!c.ray_head && !c.joined.empty() && ray_heads.count(c.joined) == 0) {
        // The head (its GCS) went away: the raylet gives up after
        // gcs_rpc_server_reconnect_timeout_s (60 s) and --block reports it.
        if (c.head_lost_at < 0) {
          c.head_lost_at = t;
        }
        if (t - c.head_lost_at >= 60 && c.ray_block) {
          const std::string s = record_time(now());
          log_lines(
              pod, c,
              {ray::record(s, "ERR", "scripts.py", 1094,
                           "Some Ray subprocesses exited unexpectedly:"),
               ray::record(s, "ERR", "scripts.py", 1101, "raylet [exit code=1]"),
               ray::record(s, "ERR", "scripts.py", 1110, "Remaining processes will be killed.")});
          return std::make_pair(1, std::string("Error"));
        }
      }
      return std::nullopt;
    }
    // A worker connecting to the GCS: an attempt every 30 s (a 5 s connect
    // timeout, then the cluster-ID wait), k_gcs_connect_attempts of them.
    if (t < c.next_attempt) {
      return std::nullopt;
    }
    const std::string head = head_at(ns, c.gcs_address);
    if (!head.empty()) {
      c.joined = head;
      ray_heads[head].workers[key] = c.resources;
      register_ray_nodes(head);
      ray_up(pod, c, t);
      log_lines(pod, c,
                ray::worker_started_lines(c.ray_options, ip_for(uid_of(pod)), record_time(now())));
      return returns(c);
    }
    ++c.attempts;
    log_lines(pod, c, {ray::gcs_connect_retry_line(c.gcs_address, record_time(now()), 1, 1)});
    if (c.attempts >= ray::k_gcs_connect_attempts) {
      const auto failure = ray::worker_gcs_unreachable(c.gcs_address);
      log_lines(pod, c, failure.stdout_lines);
      log_lines(pod, c, failure.lines);
      return std::make_pair(failure.exit_code, std::string("Error"));
    }
    c.next_attempt = t + 30;
    return std::nullopt;
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
  // on, 503 instead. The health endpoints the kubelet's probes ask are
  // spared: the fault is a client's bad luck, not a head that is down.
  ProxyResponse call_dashboard(const std::shared_ptr<RayDashboard>& dash, const ProxyRequest& req) {
    std::lock_guard<std::mutex> lock(mu);
    const bool health = req.path.rfind("/api/gcs_healthz", 0) == 0 ||
                        req.path.rfind("/api/local_raylet_healthz", 0) == 0;
    if (dashboard_failures > 0 && !health) {
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

  // What the cluster registered with Ray, for its head's dashboard: the
  // resources of the head and of each worker that joined it (what their
  // `ray start` found, ray_start.hpp node_resources), the head's IP as the
  // drivers' node.
  void register_ray_nodes(const std::string& head_key) {
    auto it = ray_heads.find(head_key);
    if (it == ray_heads.end() || it->second.dashboard_key.empty()) {
      return;
    }
    const RayHead& head = it->second;
    std::map<std::string, double> total;
    auto add = [&](const Json& resources) {
      for (auto r = resources.begin(); r != resources.end(); ++r) {
        if (r.value().is_number()) {
          total[r.key()] += r.value().get<double>();
        }
      }
    };
    add(head.resources);
    for (const auto& [w, resources] : head.workers) {
      add(resources);
    }
    std::string node_id;
    for (std::size_t seed = 0; node_id.size() < 56; ++seed) {
      char part[17];
      std::snprintf(
          part, sizeof part, "%016zx",
          std::hash<std::string>{}(head_key + "/" + head.ip + "/" + std::to_string(seed)));
      node_id += part;
    }
    const std::string ns = head_key.substr(0, head_key.find('/'));
    auto dash = dashboard_for(ns, head.dashboard_key);
    std::lock_guard<std::mutex> lock(mu);
    dash->set_cluster_resources(std::move(total));
    dash->set_head_node(head.ip, node_id.substr(0, 56));
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
    // The dashboards are the Ray heads' (the kubelet's Ray runtime).
    reconcile_clusters();
  }

  void reconcile_clusters() {
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
                            min_total, max_total, cpu, memory, gpu, suspend, mine.size());
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
                             std::size_t pod_count) {
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
      if (invalid_job(job, st)) {
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
      if (deploy == "Retrying" || deploy == "Suspending") {
        release_job(job, st, deploy == "Retrying" ? "" : "Suspended");
        continue;
      }
      if (deploy == "Suspended") {
        // Reconcile's Suspended case: stays until spec.suspend is false,
        // then New (the next pass names a new cluster and job id).
        if (!spec.value("suspend", false)) {
          st["jobStatus"] = "";
          st["jobDeploymentStatus"] = "";
          set_job_status(job, st);
        }
        continue;
      }
      if (deploy == "ValidationFailed") {
        continue;
      }
      // Initializing and Running check spec.suspend first
      // (updateStatusToSuspendingIfNeeded): before the deadlines, before the
      // cluster is created.
      if ((deploy == "Initializing" || deploy == "Running") && spec.value("suspend", false)) {
        st["jobDeploymentStatus"] = "Suspending";
        set_job_status(job, st);
        continue;
      }
      // Then the deadlines, from status.startTime: activeDeadlineSeconds in
      // Initializing and Running, preRunningDeadlineSeconds in Initializing
      // and Waiting (checkActiveDeadlineAndUpdateStatusIfNeeded,
      // checkPreRunningDeadlineAndUpdateStatusIfNeeded).
      if ((deploy == "Initializing" || deploy == "Running") &&
          deadline_passed(job, st, "activeDeadlineSeconds", "DeadlineExceeded")) {
        continue;
      }
      if ((deploy == "Initializing" || deploy == "Waiting") &&
          deadline_passed(job, st, "preRunningDeadlineSeconds", "PreRunningDeadlineExceeded")) {
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

  // Past spec[field] seconds (simulated) since status.startTime: Failed
  // with `reason` and KubeRay's message, written; false before it (or
  // without the field). KubeRay formats StartTime with Go's %v of a
  // metav1.Time ("2026-01-12 09:14:03 +0000 UTC"). The activeDeadline
  // message is KubeRay's; the preRunning one follows its pattern
  // (UNVERIFIED wording).
  bool deadline_passed(const Json& job, Json& st, const char* field, const std::string& reason) {
    const Json& spec = job["spec"];
    const std::string start = st.value("startTime", "");
    if (!spec.contains(field) || !spec[field].is_number_integer() || start.empty()) {
      return false;
    }
    const long long limit = spec[field].get<long long>();
    const double started = server.clock().simulated_at(std::chrono::system_clock::time_point(
        std::chrono::seconds(static_cast<long long>(seconds_from(start)))));
    if (now() < started + static_cast<double>(limit)) {
      return false;
    }
    const std::string go_time = start.substr(0, 10) + " " + start.substr(11, 8) + " +0000 UTC";
    const bool active = reason == "DeadlineExceeded";
    st["message"] = std::string("The RayJob has passed the ") + field + ". StartTime: " + go_time +
                    ". " + (active ? "ActiveDeadlineSeconds" : "PreRunningDeadlineSeconds") + ": " +
                    std::to_string(limit);
    fail_job(job, st, reason);
    st["endTime"] = stamp();
    set_job_status(job, st);
    return true;
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

  // Suspending and Retrying (KubeRay's rayjob_controller.go, Reconcile's
  // Suspending/Retrying case, deleteClusterResources, deleteSubmitterJob):
  // delete the cluster (not one chosen by clusterSelector) and the
  // submitter Job (background propagation; HTTPMode and SidecarMode have
  // none), wait until both are gone, reset what described the cluster and
  // the Ray job, then `next`: Suspended, or New ("") to start again.
  void release_job(const Json& job, Json st, const std::string& next) {
    const std::string ns = ns_of(job);
    const Json& spec = job["spec"];
    const std::string mode = spec.value("submissionMode", "K8sJobMode");
    const std::string cluster = st.value("rayClusterName", "");
    std::optional<Json> rc;
    if (!spec.contains("clusterSelector") && !cluster.empty()) {
      if (auto got = server.get("ray.io/v1", "rayclusters", ns, cluster)) {
        rc = *got;
      }
    }
    std::optional<Json> submitter;
    if (mode != "HTTPMode" && mode != "SidecarMode") {
      if (auto got = server.get("batch/v1", "jobs", ns, name_of(job))) {
        submitter = *got;
      }
    }
    if (rc && !deleting(*rc) && server.remove("ray.io/v1", "rayclusters", ns, cluster)) {
      event(job, "Normal", "DeletedRayCluster", "Deleted cluster " + ns + "/" + cluster,
            "rayjob-controller");
    }
    if (submitter && !deleting(*submitter)) {
      DeleteRequest background;
      background.propagation_policy = "Background";
      if (server.remove("batch/v1", "jobs", ns, name_of(job), background)) {
        event(job, "Normal", "DeletedRayJobSubmitter",
              "Deleted submitter K8s Job " + ns + "/" + name_of(job), "rayjob-controller");
      }
    }
    if (rc || submitter) {
      return;  // gone by a later pass
    }
    for (const char* k : {"rayClusterStatus", "rayClusterName", "dashboardURL", "jobId", "message",
                          "reason", "rayJobInfo", "endTime"}) {
      st.erase(k);
    }
    st["jobStatus"] = "";
    st["jobDeploymentStatus"] = next;
    set_job_status(job, st);
  }

  // validateRayJob (rayjob_controller.go, Reconcile, before its switch), of
  // utils/validation.go's ValidateRayJobSpec only the rules on suspend:
  // true (and the status written) when the RayJob is invalid; a
  // ValidationFailed RayJob stays so.
  bool invalid_job(const Json& job, Json st) {
    const Json& spec = job["spec"];
    if (!spec.value("suspend", false)) {
      return false;
    }
    std::string why;
    if (!spec.value("shutdownAfterJobFinishes", false)) {
      why =
          "The RayJob spec is invalid: a RayJob with shutdownAfterJobFinishes set to false is "
          "not allowed to be suspended";
    } else if (!spec.value("clusterSelector", Json::object()).empty()) {
      why =
          "The RayJob spec is invalid: the ClusterSelector mode doesn't support the suspend "
          "operation";
    } else {
      return false;
    }
    event(job, "Warning", "InvalidRayJobSpec", ns_of(job) + "/" + name_of(job) + ": " + why,
          "rayjob-controller");
    if (st.value("jobDeploymentStatus", "") != "ValidationFailed" ||
        st.value("message", "") != why) {
      st["jobDeploymentStatus"] = "ValidationFailed";
      st["reason"] = "ValidationFailed";
      st["message"] = why;
      set_job_status(job, st);
    }
    return true;
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

void Simulation::add_image(const std::string& pattern) {
  std::lock_guard<std::mutex> lock(m_impl->mu);
  m_impl->registry.add(pattern);
}

void Simulation::remove_image(const std::string& pattern) {
  std::lock_guard<std::mutex> lock(m_impl->mu);
  m_impl->registry.remove(pattern);
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
    return bad("a scenario is a mapping with images, jobs, serve, faults and registry");
  }
  for (auto it = doc->begin(); it != doc->end(); ++it) {
    if (it.key() != "images" && it.key() != "jobs" && it.key() != "serve" && it.key() != "faults" &&
        it.key() != "registry") {
      return bad("unknown scenario key \"" + it.key() +
                 "\" (images, jobs, serve, faults, registry)");
    }
  }
  const Json registry = doc->value("registry", Json::object());
  auto strings = [](const Json& v) {
    return v.is_array() &&
           std::all_of(v.begin(), v.end(), [](const Json& s) { return s.is_string(); });
  };
  if (!registry.is_object() || !strings(registry.value("exists", Json::array())) ||
      !strings(registry.value("missing", Json::array()))) {
    return bad("registry: a mapping with exists and missing, lists of image patterns");
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
  for (const auto& p : registry.value("exists", Json::array())) {
    add_image(p.get<std::string>());
  }
  for (const auto& p : registry.value("missing", Json::array())) {
    remove_image(p.get<std::string>());
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
