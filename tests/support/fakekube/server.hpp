// SPDX-License-Identifier: Apache-2.0
// fakekube's API server: the Store behind HTTPS on 127.0.0.1, as a
// Kubernetes API server answers (Kubernetes API Concepts docs, apimachinery's
// Status errors, the apiserver's endpoint handlers):
// TLS with client certificates and bearer tokens, RBAC-style 401/403,
// discovery, CRUD for the core, batch and ray.io resources, the four patch
// types with field managers, /status, deletion with finalizers, propagation
// policies and owner-reference garbage collection, selectors, paginated
// lists, watch streams (bookmarks, timeouts, 410), pods/log with follow,
// the service and pod proxies (through Endpoints to what listens on a Pod's
// port), and faults a test switches on.
//
// Thread model: cpp-httplib serves each connection on a pool thread; one
// mutex guards the store, logs and settings; every write wakes the watch
// streams and whoever waits in wait_for_change().
#pragma once

#include "admission.hpp"
#include "pki.hpp"
#include "store.hpp"
#include "validation.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace fakekube {

// Time. What time it is comes from the wall clock (creationTimestamp,
// conditions, events, log lines): `--speed` does not move it, so kubectl's
// AGE stays true. The simulations act on simulated time, which starts at the
// real time and runs `speed` times faster: a Pod that takes 1 simulated
// second to start takes 1/speed real seconds, and what the simulations write
// about it is stamped with the wall time at which that happened.
class Clock {
 public:
  explicit Clock(double speed = 1.0);
  double speed() const { return m_speed; }
  // The wall clock.
  std::chrono::system_clock::time_point now() const;
  std::string rfc3339() const;  // "2026-11-26T10:00:00Z", now()
  // Simulated time in seconds since the epoch: the start's wall time plus
  // the real time since, times speed.
  double simulated() const;
  // The wall time at which simulated() reads (or will read) `simulated`,
  // and the reverse.
  std::chrono::system_clock::time_point wall_at(double simulated) const;
  double simulated_at(std::chrono::system_clock::time_point wall) const;
  // The real time to wait for `simulated_seconds` to pass.
  std::chrono::nanoseconds real(double simulated_seconds) const;

 private:
  double m_speed;
  std::chrono::system_clock::time_point m_start_system;
  std::chrono::steady_clock::time_point m_start_steady;
};

std::string to_rfc3339(std::chrono::system_clock::time_point t);

// Who may call: a certificate user or a bearer token.
struct Identity {
  std::string name;  // the kubeconfig user: "admin", "token", "viewer"
  std::string user;  // as authorization reads it
  std::vector<std::string> groups;
  bool read_only = false;  // RBAC answers 403 to writes
  std::string token;       // bearer token; "" for a certificate user
  CertKey client_cert;     // for a certificate user
};

// A request the server answers with an error instead of serving it.
struct Fault {
  std::string method;       // "" for any
  std::string path_prefix;  // "" for any; matched against the URL path
  int code = 503;           // 0: the connection breaks after the response headers
  int retry_after_s = -1;   // sends Retry-After and details.retryAfterSeconds when >= 0
  bool html = false;        // an HTML body, as a proxy in front of the server sends
  int times = 1;            // requests it answers before it is spent
};

struct RequestRecord {
  std::string method;
  std::string path;
  std::string query;
  std::string user_agent;
  std::string content_type;
  std::string accept;
  std::string user;  // "" when not authenticated
  int status = 0;
};

struct ProxyRequest {
  std::string method;
  std::string path;  // after .../proxy, with a leading "/"
  std::string query;
  std::string body;
  std::string content_type;
};

struct ProxyResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

using ProxyHandler = std::function<ProxyResponse(const ProxyRequest&)>;

struct ServerOptions {
  int port = 0;       // 0: a free port
  std::string nodes;  // parse_nodes() syntax; "" for none
  bool kuberay_crds = true;
  double speed = 1.0;
  std::size_t history = 10'000;           // watch events kept (older versions: 410)
  bool expired_server_cert = false;       // for clients' certificate checks
  double bookmark_interval_s = 60;        // real seconds between BOOKMARKs
  double default_watch_timeout_s = 1800;  // real seconds, as timeoutSeconds
};

// What the API server's DELETE takes (DeleteOptions and query parameters).
struct DeleteRequest {
  std::string propagation_policy;  // "", Background, Foreground, Orphan
  std::string precondition_uid;
  std::string precondition_rv;
  bool dry_run = false;
  // gracePeriodSeconds; none: a Pod's spec.terminationGracePeriodSeconds
  // (else 30). Only Pods are deleted gracefully (the pod strategy's
  // CheckGracefulDelete); other kinds ignore it.
  std::optional<long long> grace_period_seconds;
};

class ApiServer {
 public:
  explicit ApiServer(ServerOptions options = {});
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds 127.0.0.1 and serves on a thread; throws std::runtime_error when
  // it cannot.
  void start();
  void stop();
  int port() const { return m_port; }
  std::string url() const;  // https://127.0.0.1:PORT

  const Clock& clock() const { return m_clock; }
  const std::string& ca_pem() const { return m_pki.ca_pem(); }
  const Identity& identity(const std::string& name) const;
  // A kubeconfig with everything inline: one user and context per identity
  // (contexts "fakekube" for admin, "fakekube-token", "fakekube-viewer"),
  // the current context the given identity's.
  std::string kubeconfig(const std::string& identity = "admin") const;
  // A new bearer token for a token identity; the old one answers 401 from
  // now on (a token that expired). Returns the new token.
  std::string rotate_token(const std::string& identity);
  // Accepts `token` for an existing identity's user (an exec plugin's
  // output, for example).
  void add_token(const std::string& token, const std::string& identity);

  // Objects, as tests and the simulations write them (under the lock, with
  // the same rules as HTTP requests: finalizers, garbage collection).
  Result<Json> create(const std::string& api_version,
                      const std::string& resource,
                      const std::string& ns,
                      Json object);
  Result<Json> get(const std::string& api_version,
                   const std::string& resource,
                   const std::string& ns,
                   const std::string& name) const;
  Result<Json> update(const std::string& api_version,
                      const std::string& resource,
                      const std::string& ns,
                      Json object,
                      const std::string& manager = "fakekube");
  Result<Json> update_status(const std::string& api_version,
                             const std::string& resource,
                             const std::string& ns,
                             const Json& object);
  // What POST pods/NAME/binding does (the scheduler's write): sets
  // spec.nodeName of an unbound Pod, the one way to change it after create.
  // 409 Conflict when the Pod is bound already or being deleted.
  Result<Json> bind(const std::string& ns, const std::string& pod, const std::string& node);
  Result<Json> remove(const std::string& api_version,
                      const std::string& resource,
                      const std::string& ns,
                      const std::string& name,
                      const DeleteRequest& request = {});
  std::vector<Json> list(const std::string& api_version,
                         const std::string& resource,
                         const std::string& ns = "") const;
  std::uint64_t resource_version() const;
  // Blocks until the resourceVersion passes `after` or `timeout` (real
  // time) passes; returns the current version.
  std::uint64_t wait_for_change(std::uint64_t after, std::chrono::milliseconds timeout) const;

  // Container logs for pods/log.
  void append_log(const std::string& ns,
                  const std::string& pod,
                  const std::string& container,
                  const std::string& line);
  void end_log(const std::string& ns, const std::string& pod, const std::string& container);
  // The container restarted: its log so far becomes what previous=true
  // returns, and a new one begins.
  void restart_log(const std::string& ns, const std::string& pod, const std::string& container);

  // What listens on a Pod's port (a container's server). The service
  // proxy (/api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy/...)
  // goes through the Service's Endpoints to a ready Pod's IP and port, and
  // the pod proxy (.../pods/NAME[:PORT]/proxy/...) to the Pod's; the
  // handler listening there answers (on a server thread, outside the lock),
  // else the API server's "connection refused". Keyed by namespace, Pod name
  // and port number: the listener outlives the Pod unless unlisten()ed.
  void listen(const std::string& ns, const std::string& pod, int port, ProxyHandler handler);
  void unlisten(const std::string& ns, const std::string& pod, int port);
  bool listening(const std::string& ns, const std::string& pod, int port) const;
  // A request to what listens there, as from inside the Pod (probes);
  // nullopt when nothing does (connection refused).
  std::optional<ProxyResponse> call_listener(const std::string& ns,
                                             const std::string& pod,
                                             int port,
                                             const ProxyRequest& request) const;

  // Called with each request before it is served, outside the server's
  // lock (it may write objects: another client's write between two of the
  // client's requests). Empty: none.
  using RequestHook = std::function<void(const RequestRecord&)>;
  void set_request_hook(RequestHook hook);

  // Faults.
  // Watch events kept from now on (ServerOptions.history): a watch that
  // resumes from a version older than the last `events` gets 410.
  void set_history(std::size_t events);
  void add_fault(Fault fault);
  void set_latency(std::chrono::milliseconds latency);
  void drop_watches_after(int events);  // 0: never
  // The next `times` watches from a resourceVersion get 410 as HTTP status.
  void gone_on_watch_resume(int times);
  void split_watch_events(bool enabled);  // each event over two chunks
  void set_bookmarks(bool enabled);
  // A `Warning: 299 - "text"` header on every answer from now on (as for a
  // deprecated API); repeated for each call.
  void add_warning(const std::string& text);
  // gzip for clients that accept it (off by default; never for streams).
  void compress_responses(bool enabled);  // BOOKMARK when asked (default) or never

  // The garbage collector runs on its own thread after writes, as
  // kube-controller-manager's does: a test may hold it to see a state in
  // between (an owner gone, its dependents still there).
  void pause_garbage_collector(bool paused);

  std::vector<RequestRecord> requests() const;
  // Watch and log-follow streams being served now.
  int open_streams() const;
  void clear_requests();

 private:
  struct Route;
  struct WatchState;
  struct LogStream {
    std::vector<std::pair<std::string, std::string>> lines;  // time, text
    bool ended = false;
  };

  void add_types();
  void add_defaults();
  void handle(const httplib::Request& req, httplib::Response& res);
  void serve(const httplib::Request& req, httplib::Response& res, const Identity* who);
  const Identity* authenticate(const httplib::Request& req) const;
  bool discovery(const std::vector<std::string>& segments, httplib::Response& res) const;
  void serve_resource(const Route& route, const httplib::Request& req, httplib::Response& res);
  void serve_watch(const Route& route, const httplib::Request& req, httplib::Response& res);
  void serve_log(const Route& route, const httplib::Request& req, httplib::Response& res);
  void serve_proxy(const Route& route, const httplib::Request& req, httplib::Response& res);

  // Under m_mu. The writes run admission (validation.hpp): `admission`
  // carries fieldValidation in and warnings out (null: Warn, warnings
  // dropped); `request` says what the request was (a patch, duplicate
  // fields in its body).
  const ResourceType* type_of(const std::string& api_version, const std::string& resource) const;
  // `admission`: the request's fieldValidation, and where its warnings
  // go; nullptr for fakekube's own writes (Warn, warnings dropped).
  Result<Json> do_create(const ResourceType& type,
                         const std::string& ns,
                         Json object,
                         const std::string& manager,
                         bool dry_run,
                         Admission* admission = nullptr,
                         AdmitOptions request = {});
  Result<Json> do_update(const ResourceType& type,
                         const std::string& ns,
                         const std::string& name,
                         Json object,
                         const std::string& manager,
                         bool dry_run,
                         Admission* admission = nullptr,
                         AdmitOptions request = {});
  Result<Json> do_bind(const std::string& ns, const std::string& pod, const Json& binding);
  Result<Json> do_update_status(const ResourceType& type,
                                const std::string& ns,
                                const std::string& name,
                                const Json& object,
                                bool dry_run,
                                Admission* admission = nullptr);
  // The object is gone (true) or waits for finalizers (false).
  Result<std::pair<Json, bool>> do_delete(const ResourceType& type,
                                          const std::string& ns,
                                          const std::string& name,
                                          const DeleteRequest& request);
  // One pass of the garbage collector; whether it wrote anything.
  bool collect_garbage();
  void garbage_collector_loop();
  void finish_deletion(const ResourceType& type, const Json& object);
  // The warning Event the garbage collector reports for an owner reference
  // it cannot resolve in the dependent's namespace.
  void report_invalid_owner(const ResourceType& type,
                            const std::string& dep_ns,
                            const std::string& dep_name,
                            const std::string& dep_uid,
                            const Json& ref);

  ServerOptions m_options;
  Clock m_clock;
  Pki m_pki;
  CertKey m_server_cert;
  std::map<std::string, Identity> m_identities;
  std::map<std::string, std::string> m_tokens;  // token -> identity name

  mutable std::mutex m_mu;
  mutable std::condition_variable m_changed;
  Store m_store;
  std::map<std::string, LogStream> m_logs;          // "ns/pod/container"
  std::map<std::string, ProxyHandler> m_listeners;  // "ns/pod:port"
  std::vector<Fault> m_faults;
  RequestHook m_hook;
  std::chrono::milliseconds m_latency{0};
  int m_drop_watch_after = 0;
  int m_gone_on_resume = 0;
  bool m_split_events = false;
  bool m_bookmarks = true;
  bool m_compress = false;
  std::vector<std::string> m_warnings;
  std::vector<RequestRecord> m_requests;
  std::uint64_t m_audit_counter = 0;
  bool m_gc_paused = false;
  bool m_gc_dirty = true;  // a write left the garbage collector something to do
  bool m_gc_quit = false;
  std::set<std::string> m_gc_reported;  // OwnerRefInvalidNamespace events made
  std::thread m_gc_thread;

  std::unique_ptr<httplib::Server> m_http;
  std::thread m_thread;
  std::atomic<bool> m_stopping{false};
  std::atomic<int> m_streams{0};
  int m_port = 0;
};

// Switches on one fault as `fakekube --fault` and a scenario's `faults:`
// write it: gone-after=N (set_history), drop-watches-after=N,
// gone-on-resume=N, split-watch-events, no-bookmarks, latency=MS,
// warning=TEXT, status=CODE:METHOD:PATH_PREFIX[:TIMES][:RETRY_AFTER] (a
// Fault; CODE 0 breaks the connection, METHOD empty for any, TIMES default
// 1, RETRY_AFTER seconds), compress. Nothing changes when the text is bad;
// the error's message says why. parse_fault checks and returns the switch.
using FaultSwitch = std::function<void(ApiServer&)>;
Result<FaultSwitch> parse_fault(const std::string& text);
Result<void> apply_fault(ApiServer& server, const std::string& text);

// `--nodes` of the binary: "4x8gpu,2xcpu". An `8gpu` node is shaped like a
// DGX H100 (8 nvidia.com/gpu, rdma/rdma_shared_device_a: 1000, 208 CPU,
// 1900Gi); `Ngpu` scales that to N GPUs; `cpu` has 32 CPU and 128Gi. The
// result: core/v1 Node objects with capacity and allocatable.
Result<std::vector<Json>> parse_nodes(const std::string& spec);

}  // namespace fakekube
