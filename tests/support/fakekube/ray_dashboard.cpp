// SPDX-License-Identifier: Apache-2.0
#include "ray_dashboard.hpp"

#include "ray_start.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <random>

namespace fakekube {

namespace {

constexpr double k_start_timeout = 900;  // RAY_JOB_START_TIMEOUT_SECONDS' default
constexpr double k_epsilon = 1e-9;

bool terminal(const std::string& status) {
  return status == "SUCCEEDED" || status == "FAILED" || status == "STOPPED";
}

// What Python's type() prints for a value json.loads made.
std::string py_type(const Json& v) {
  const char* name = v.is_string()           ? "str"
                     : v.is_boolean()        ? "bool"
                     : v.is_number_integer() ? "int"
                     : v.is_number_float()   ? "float"
                     : v.is_array()          ? "list"
                     : v.is_object()         ? "dict"
                                             : "NoneType";
  return std::string("<class '") + name + "'>";
}

// Python's isinstance(v, (int, float)): a bool is an int.
bool py_number(const Json& v) {
  return v.is_number() || v.is_boolean();
}

double py_value(const Json& v) {
  return v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>();
}

const char* const k_site = "/home/ray/anaconda3/lib/python3.10/site-packages/ray/dashboard";

// A Python traceback as traceback.format_exc() writes it, its frames
// abbreviated (no line numbers): clients read the last line.
std::string traceback(const std::vector<std::string>& frames, const std::string& last) {
  std::string out = "Traceback (most recent call last):\n";
  for (const auto& f : frames) {
    out += "  File \"" + std::string(k_site) + "/" + f + "\n";
  }
  return out + last + "\n";
}

std::string validation_error(const std::string& error) {
  return traceback({"modules/job/utils.py\", in parse_and_validate_request",
                    "modules/job/common.py\", in validate_request_type"},
                   "TypeError: " + error);
}

ProxyResponse text(int status, const std::string& body) {
  return ProxyResponse{status, body, "text/plain"};
}

ProxyResponse json(const Json& body) {
  return ProxyResponse{200, body.dump(), "application/json"};
}

// What aiohttp answers when a handler raises outside its own try: the
// submit handler parses the body there.
ProxyResponse internal_error() {
  return text(500, "500 Internal Server Error\n\nServer got itself in trouble");
}

// JobSubmitRequest.__post_init__'s checks (common.py), in its order; the
// error text or "".
std::string check_submit_request(const Json& body) {
  static const std::vector<std::string> fields = {
      "entrypoint",          "submission_id",     "job_id",
      "runtime_env",         "metadata",          "entrypoint_num_cpus",
      "entrypoint_num_gpus", "entrypoint_memory", "entrypoint_resources"};
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (std::find(fields.begin(), fields.end(), it.key()) == fields.end()) {
      return "JobSubmitRequest.__init__() got an unexpected keyword argument '" + it.key() + "'";
    }
  }
  if (!body.contains("entrypoint")) {
    return "JobSubmitRequest.__init__() missing 1 required positional argument: 'entrypoint'";
  }
  const Json& entrypoint = body["entrypoint"];
  if (!entrypoint.is_string()) {
    return "entrypoint must be a string, got " + py_type(entrypoint);
  }
  for (const char* key : {"submission_id", "job_id"}) {
    if (body.contains(key) && !body[key].is_string()) {
      return std::string(key) + " must be a string if provided, got " + py_type(body[key]);
    }
  }
  if (body.contains("runtime_env") && !body["runtime_env"].is_object()) {
    return "runtime_env must be a dict, got " + py_type(body["runtime_env"]);
  }
  if (body.contains("metadata")) {
    const Json& m = body["metadata"];
    if (!m.is_object()) {
      return "metadata must be a dict, got " + py_type(m);
    }
    for (const auto& v : m) {
      if (!v.is_string()) {
        return "metadata values must be strings, got " + py_type(v);
      }
    }
  }
  for (const char* key : {"entrypoint_num_cpus", "entrypoint_num_gpus"}) {
    if (body.contains(key) && !py_number(body[key])) {
      return std::string(key) + " must be a number, got " + py_type(body[key]);
    }
  }
  if (body.contains("entrypoint_memory") &&
      !(body["entrypoint_memory"].is_number_integer() || body["entrypoint_memory"].is_boolean())) {
    return "entrypoint_memory must be an integer, got " + py_type(body["entrypoint_memory"]);
  }
  if (body.contains("entrypoint_resources")) {
    const Json& r = body["entrypoint_resources"];
    if (!r.is_object()) {
      return "entrypoint_resources must be a dict, got " + py_type(r);
    }
    for (const auto& v : r) {
      if (!py_number(v)) {
        return "entrypoint_resources values must be numbers, got " + py_type(v);
      }
    }
  }
  return "";
}

// Ray's JobID for the n-th job: 4 bytes, little endian, in hex.
std::string hex_job_id(int n) {
  char out[9];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x", n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff,
                (n >> 24) & 0xff);
  return out;
}

}  // namespace

std::string generate_submission_id() {
  static const std::string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz123456789";
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string id = "raysubmit_";
  for (int i = 0; i < 16; ++i) {
    id += alphabet[pick(rng)];
  }
  return id;
}

RayDashboard::RayDashboard(Hooks hooks) : m_hooks(std::move(hooks)) {
  m_head_node_id = std::string(56, '0');
}

ProxyResponse RayDashboard::unavailable() {
  return text(503, "503: Service Unavailable");
}

void RayDashboard::set_cluster_resources(std::map<std::string, double> total) {
  m_total = std::move(total);
}

void RayDashboard::set_head_node(const std::string& ip, const std::string& node_id) {
  m_head_ip = ip;
  m_head_node_id = node_id;
}

void RayDashboard::put_serve_config(const Json& config, double t) {
  m_serve_config = config;
  m_serve_put_at = t;
}

std::string RayDashboard::record_time(double t) const {
  return ray::record_timestamp(m_hooks.epoch_ms(t));
}

std::map<std::string, double> RayDashboard::needs(const Job& job) const {
  std::map<std::string, double> n = job.resources;
  if (job.num_cpus > 0) {
    n["CPU"] += job.num_cpus;
  }
  if (job.num_gpus > 0) {
    n["GPU"] += job.num_gpus;
  }
  if (job.memory > 0) {
    n["memory"] += job.memory;
  }
  return n;
}

// The supervisor actor holds its entrypoint resources from the moment it is
// scheduled until the job ends.
bool RayDashboard::fits(const Job& job) const {
  std::map<std::string, double> held;
  for (const auto& other : m_jobs) {
    if (&other != &job && other.started_at >= 0 && !terminal(other.status)) {
      for (const auto& [k, v] : needs(other)) {
        held[k] += v;
      }
    }
  }
  for (const auto& [k, v] : needs(job)) {
    if (v <= 0) {
      continue;
    }
    auto total = m_total.find(k);
    const double have = total == m_total.end() ? 0 : total->second;
    if (have - held[k] + k_epsilon < v) {
      return false;
    }
  }
  return true;
}

// Moves every job along to `t`: a scheduled job runs once its runtime env
// is set up (pending_seconds) and ends after run_seconds; a job still
// PENDING after the start timeout fails as Ray's monitor loop fails it.
void RayDashboard::advance(double t) {
  auto progress = [&] {
    for (auto& job : m_jobs) {
      if (terminal(job.status) || job.started_at < 0) {
        continue;
      }
      const double running_from = job.started_at + job.script.pending_seconds;
      if (job.status == "PENDING" && t >= running_from) {
        job.status = "RUNNING";
        job.job_id = hex_job_id(++m_job_counter);
        job.driver_pid = std::to_string(4000 + 17 * m_job_counter);
      }
      if (job.status == "RUNNING" && t >= running_from + job.script.run_seconds) {
        job.status = job.script.status;
        job.ended_at = running_from + job.script.run_seconds;
        if (job.status == "SUCCEEDED") {
          job.exit_code = 0;
        } else if (job.status == "FAILED") {
          job.exit_code = 1;
          job.error_type = "JOB_ENTRYPOINT_COMMAND_ERROR";
          if (!job.script.message.empty()) {
            job.message = job.script.message;
          } else {
            std::vector<std::string> lines;
            const std::string all = logs(job, t);
            for (std::size_t start = 0; start < all.size();) {
              const auto nl = all.find('\n', start);
              lines.push_back(all.substr(start, nl - start));
              start = nl == std::string::npos ? all.size() : nl + 1;
            }
            if (lines.empty()) {
              job.message = "Job entrypoint command failed with exit code 1. No logs available.";
            } else {
              std::string tail;
              for (std::size_t i = lines.size() > 10 ? lines.size() - 10 : 0; i < lines.size();
                   ++i) {
                tail += lines[i] + "\n";
              }
              job.message =
                  "Job entrypoint command failed with exit code 1, last available logs "
                  "(truncated to 20,000 chars):\n" +
                  tail;
            }
          }
        }
      }
    }
  };
  progress();
  for (auto& job : m_jobs) {
    if (job.status != "PENDING" || job.started_at >= 0) {
      continue;
    }
    if (fits(job)) {
      job.started_at = t;
      continue;
    }
    job.blocked = true;
    if (t >= job.submitted_at + k_start_timeout) {
      job.status = "FAILED";
      job.ended_at = job.submitted_at + k_start_timeout;
      job.error_type = "JOB_SUPERVISOR_ACTOR_START_TIMEOUT";
      job.message =
          "Job supervisor actor failed to start within 900.0 seconds. This timeout can be "
          "configured by setting the environment variable RAY_JOB_START_TIMEOUT_SECONDS.";
      if (!needs(job).empty()) {
        job.message +=
            " This may be because the job entrypoint's specified resources "
            "(entrypoint_num_cpus, entrypoint_num_gpus, entrypoint_resources, "
            "entrypoint_memory)aren't available on the cluster. Try checking the cluster's "
            "available resources with `ray status` and specifying fewer resources for the job "
            "entrypoint.";
      }
    }
  }
  progress();
}

RayDashboard::Job* RayDashboard::find(const std::string& id) {
  for (auto& job : m_jobs) {
    if (!job.job_id.empty() && job.job_id == id) {
      return &job;
    }
  }
  for (auto& job : m_jobs) {
    if (job.submission_id == id) {
      return &job;
    }
  }
  return nullptr;
}

Json RayDashboard::details(const Job& job) const {
  const bool ran = !job.job_id.empty();
  std::string message = job.message;
  if (message.empty()) {
    if (job.status == "PENDING") {
      message = "Job has not started yet.";
      if (!needs(job).empty()) {
        message +=
            " It may be waiting for resources (CPUs, GPUs, memory, custom resources) to become "
            "available.";
      }
      if (job.runtime_env.is_object() && !job.runtime_env.empty()) {
        message += " It may be waiting for the runtime environment to be set up.";
      }
    } else if (job.status == "RUNNING") {
      message = "Job is currently running.";
    } else if (job.status == "STOPPED") {
      message = "Job was intentionally stopped.";
    } else if (job.status == "SUCCEEDED") {
      message = "Job finished successfully.";
    } else {
      message = "Job failed.";
    }
  }
  Json d = {{"type", "SUBMISSION"},
            {"job_id", ran ? Json(job.job_id) : Json()},
            {"submission_id", job.submission_id},
            {"driver_info",
             ran ? Json{{"id", job.job_id}, {"node_ip_address", m_head_ip}, {"pid", job.driver_pid}}
                 : Json()},
            {"status", job.status},
            {"entrypoint", job.entrypoint},
            {"message", message},
            {"error_type", job.error_type.empty() ? Json() : Json(job.error_type)},
            {"start_time", m_hooks.epoch_ms(job.submitted_at)},
            {"end_time", job.ended_at >= 0 ? Json(m_hooks.epoch_ms(job.ended_at)) : Json()},
            {"metadata", job.metadata},
            {"runtime_env", job.runtime_env},
            {"driver_agent_http_address", ran ? Json("http://" + m_head_ip + ":52365") : Json()},
            {"driver_node_id", ran ? Json(m_head_node_id) : Json()},
            {"driver_exit_code", job.exit_code ? Json(*job.exit_code) : Json()}};
  return d;
}

// The driver log file: the job manager's line, Ray 2.52's "Running
// entrypoint" line, then the entrypoint's output spread over its run; ""
// for a job whose driver never started (no driver_agent_http_address).
std::string RayDashboard::logs(const Job& job, double t) const {
  if (job.job_id.empty()) {
    return "";
  }
  const double start = job.started_at + job.script.pending_seconds;
  const double until = job.ended_at >= 0 ? std::min(t, job.ended_at) : t;
  std::string out =
      record_time(job.submitted_at) + "\tINFO job_manager.py:568 -- Runtime env is setting up.\n" +
      "Running entrypoint for job " + job.submission_id + ": " + job.entrypoint + "\n";
  const auto n = job.script.logs.size();
  for (std::size_t i = 0; i < n; ++i) {
    const double at = start + job.script.run_seconds * static_cast<double>(i) /
                                  static_cast<double>(std::max<std::size_t>(1, n - 1));
    if (until + k_epsilon >= at || (job.ended_at >= 0 && job.status != "STOPPED")) {
      out += job.script.logs[i] + "\n";
    }
  }
  return out;
}

ProxyResponse RayDashboard::submit(const ProxyRequest& request, double t) {
  Json body = Json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return internal_error();
  }
  for (auto it = body.begin(); it != body.end();) {  // strip_keys_with_value_none
    it = it.value().is_null() ? body.erase(it) : std::next(it);
  }
  if (const std::string error = check_submit_request(body); !error.empty()) {
    return text(400, validation_error(error));
  }
  Job job;
  job.submission_id = body.contains("submission_id") ? body["submission_id"].get<std::string>()
                      : body.contains("job_id")      ? body["job_id"].get<std::string>()
                                                     : generate_submission_id();
  for (const auto& other : m_jobs) {
    if (other.submission_id == job.submission_id) {
      const std::string agent =
          traceback({"modules/job/job_agent.py\", in submit_job",
                     "modules/job/job_manager.py\", in submit_job"},
                    "ValueError: Job with submission_id " + job.submission_id +
                        " already exists. Please use a different submission_id.");
      return text(500,
                  traceback({"modules/job/job_head.py\", in submit_job",
                             "modules/job/job_head.py\", in submit_job_internal"},
                            "RuntimeError: Request failed with status code 400: " + agent + "."));
    }
  }
  job.entrypoint = body["entrypoint"].get<std::string>();
  job.metadata = body.value("metadata", Json());
  job.runtime_env = body.value("runtime_env", Json());
  job.num_cpus = body.contains("entrypoint_num_cpus") ? py_value(body["entrypoint_num_cpus"]) : 0;
  job.num_gpus = body.contains("entrypoint_num_gpus") ? py_value(body["entrypoint_num_gpus"]) : 0;
  job.memory = body.contains("entrypoint_memory") ? py_value(body["entrypoint_memory"]) : 0;
  if (body.contains("entrypoint_resources")) {
    for (auto it = body["entrypoint_resources"].begin(); it != body["entrypoint_resources"].end();
         ++it) {
      job.resources[it.key()] = py_value(it.value());
    }
  }
  job.script = m_hooks.script_for(job.entrypoint);
  job.submitted_at = t;
  const std::string id = job.submission_id;
  m_jobs.push_back(std::move(job));
  advance(t);
  return json({{"job_id", id}, {"submission_id", id}});
}

ProxyResponse RayDashboard::serve(const ProxyRequest& request, double t) {
  if (request.method == "PUT") {
    const Json body = Json::parse(request.body, nullptr, false);
    if (!body.is_object()) {
      return text(400, "invalid serve config");
    }
    put_serve_config(body, t);
    return text(200, "");
  }
  Json apps = Json::object();
  if (m_serve_config.is_object()) {
    const ServeOutcome outcome = m_hooks.serve_outcome();
    const bool done = t >= m_serve_put_at + outcome.deploy_seconds;
    for (const auto& app : m_serve_config.value("applications", Json::array())) {
      const std::string name = app.value("name", "default");
      const std::string status = done ? outcome.status : "DEPLOYING";
      Json deployments = Json::object();
      for (const auto& d : app.value("deployments", Json::array())) {
        deployments[d.value("name", "")] = {{"name", d.value("name", "")},
                                            {"status", status == "RUNNING"     ? "HEALTHY"
                                                       : status == "DEPLOYING" ? "UPDATING"
                                                                               : "UNHEALTHY"},
                                            {"message", ""}};
      }
      apps[name] = {{"name", name},
                    {"status", status},
                    {"message", status == "RUNNING" ? "" : outcome.message},
                    {"route_prefix", app.value("route_prefix", "/")},
                    {"docs_path", nullptr},
                    {"deployments", deployments}};
    }
  }
  return json({{"applications", apps}, {"deploy_mode", "MULTI_APP"}});
}

ProxyResponse RayDashboard::handle(const ProxyRequest& request, double t) {
  advance(t);
  std::string path = request.path;
  if (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  const std::string& method = request.method;
  if (path == "/api/gcs_healthz" || path == "/api/local_raylet_healthz") {
    return text(200, "success");
  }
  if (path == "/api/version" && method == "GET") {
    return json({{"version", "4"},
                 {"ray_version", "2.52.0"},
                 {"ray_commit", "fakekube"},
                 {"session_name", "session_2026-01-01_00-00-00_000000_1"}});
  }
  if (path == "/api/jobs" && method == "GET") {
    Json list = Json::array();
    for (const auto& job : m_jobs) {
      list.push_back(details(job));
    }
    return json(list);
  }
  if (path == "/api/jobs" && method == "POST") {
    return submit(request, t);
  }
  const std::string prefix = "/api/jobs/";
  if (path.rfind(prefix, 0) == 0) {
    std::string id = path.substr(prefix.size());
    std::string action;
    if (auto slash = id.find('/'); slash != std::string::npos) {
      action = id.substr(slash + 1);
      id = id.substr(0, slash);
    }
    Job* job = find(id);
    if (job == nullptr) {
      return text(404, "Job " + id + " does not exist");
    }
    if (action.empty() && method == "GET") {
      return json(details(*job));
    }
    if (action.empty() && method == "DELETE") {
      if (!terminal(job->status)) {
        return text(500,
                    traceback({"modules/job/job_head.py\", in delete_job",
                               "modules/job/job_manager.py\", in delete_job"},
                              "RuntimeError: Attempted to delete job '" + job->submission_id +
                                  "', but it is in a non-terminal state " + job->status + "."));
      }
      m_jobs.erase(m_jobs.begin() + (job - m_jobs.data()));
      return json({{"deleted", true}});
    }
    if (action == "logs" && method == "GET") {
      return json({{"logs", logs(*job, t)}});
    }
    if (action == "stop" && method == "POST") {
      const bool stoppable = !terminal(job->status);
      if (stoppable) {
        job->status = "STOPPED";
        job->ended_at = t;
        job->message.clear();
      }
      return json({{"stopped", stoppable}});
    }
    return text(405, "405: Method Not Allowed");
  }
  if (path == "/api/serve/applications" && (method == "GET" || method == "PUT")) {
    return serve(request, t);
  }
  return text(404, "404: Not Found");
}

}  // namespace fakekube
