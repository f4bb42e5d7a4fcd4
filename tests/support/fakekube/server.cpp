// SPDX-License-Identifier: Apache-2.0
#include "server.hpp"

#include "crd_schema.hpp"
#include "patch.hpp"
#include "selector.hpp"
#include "validation.hpp"
#include "yaml_json.hpp"

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>
#include <stdexcept>

namespace fakekube {

namespace {

const char* const k_json = "application/json";

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) {
        out.push_back(cur);
      }
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) {
    out.push_back(cur);
  }
  return out;
}

std::string media_type(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ') {
    t.pop_back();
  }
  return t;
}

void send_json(httplib::Response& res, int code, const Json& body) {
  res.status = code;
  res.set_content(body.dump(), k_json);
}

void send_error(httplib::Response& res, const ApiError& e) {
  send_json(res, e.code, e.to_status());
}

ApiError not_found_path() {
  return {404, "NotFound", "the server could not find the requested resource", Json::object()};
}

std::string random_hex(int bytes) {
  std::vector<unsigned char> buf(static_cast<std::size_t>(bytes));
  RAND_bytes(buf.data(), bytes);
  std::string out;
  char two[3];
  for (unsigned char b : buf) {
    std::snprintf(two, sizeof two, "%02x", b);
    out += two;
  }
  return out;
}

// "rayclusters.ray.io" or "pods", as messages name a resource.
std::string qualified(const ResourceType& type) {
  return type.group.empty() ? type.resource : type.resource + "." + type.group;
}

std::string singular_of(const ResourceType& type) {
  std::string s = type.kind;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Where the request goes, from the URL path.
struct Parsed {
  bool resource = false;
  std::string group;
  std::string version;
  std::string ns;
  std::string resource_name;  // plural
  std::string name;
  std::string subresource;
  std::string rest;  // after /proxy
};

std::optional<Parsed> parse_path(const std::vector<std::string>& seg) {
  Parsed p;
  std::size_t i = 0;
  if (seg.size() >= 2 && seg[0] == "api") {
    p.version = seg[1];
    i = 2;
  } else if (seg.size() >= 3 && seg[0] == "apis") {
    p.group = seg[1];
    p.version = seg[2];
    i = 3;
  } else {
    return std::nullopt;
  }
  if (seg.size() == i) {
    return std::nullopt;  // discovery
  }
  if (seg[i] == "namespaces" && seg.size() >= i + 3 && seg[i + 2] != "status" &&
      seg[i + 2] != "finalize") {
    p.ns = seg[i + 1];
    i += 2;
  }
  p.resource = true;
  p.resource_name = seg[i];
  if (seg.size() > i + 1) {
    p.name = seg[i + 1];
  }
  if (seg.size() > i + 2) {
    p.subresource = seg[i + 2];
  }
  for (std::size_t j = i + 3; j < seg.size(); ++j) {
    p.rest += "/" + seg[j];
  }
  return p;
}

Json status_success(const ResourceType& type, const Json& object) {
  Json s = Json::object();
  s["kind"] = "Status";
  s["apiVersion"] = "v1";
  s["metadata"] = Json::object();
  s["status"] = "Success";
  Json d = Json::object();
  d["name"] = object["metadata"].value("name", "");
  if (!type.group.empty()) {
    d["group"] = type.group;
  }
  d["kind"] = type.resource;
  d["uid"] = object["metadata"].value("uid", "");
  s["details"] = d;
  return s;
}

bool has_finalizers(const Json& object) {
  const Json& m = object["metadata"];
  return m.contains("finalizers") && m["finalizers"].is_array() && !m["finalizers"].empty();
}

// ownerReferences as the API server validates them: a list of objects with
// string apiVersion, kind, name and uid.
std::optional<ApiError> invalid_owner_references(const ResourceType& type, const Json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object() ||
      !object["metadata"].contains("ownerReferences")) {
    return std::nullopt;
  }
  const Json& refs = object["metadata"]["ownerReferences"];
  const std::string name = object["metadata"].value("name", Json("")).is_string()
                               ? object["metadata"].value("name", "")
                               : "";
  auto invalid = [&](const std::string& field, const std::string& detail) {
    ApiError e{422, "Invalid", type.kind + " \"" + name + "\" is invalid: " + field + ": " + detail,
               Json::object()};
    e.details = {
        {"name", name},
        {"kind", type.kind},
        {"causes",
         Json::array({{{"reason", "FieldValueInvalid"}, {"message", detail}, {"field", field}}})}};
    return e;
  };
  if (!refs.is_array()) {
    return invalid("metadata.ownerReferences", "Invalid value: must be a list");
  }
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const std::string at = "metadata.ownerReferences[" + std::to_string(i) + "]";
    if (!refs[i].is_object()) {
      return invalid(at, "Invalid value: must be an object");
    }
    for (const char* k : {"apiVersion", "kind", "name", "uid"}) {
      if (!refs[i].contains(k) || !refs[i][k].is_string() ||
          refs[i][k].get<std::string>().empty()) {
        return invalid(at + "." + k,
                       "Invalid value: \"\": " + std::string(k) + " must not be empty");
      }
    }
  }
  return std::nullopt;
}

// The field manager of a non-apply write: the query parameter, else the
// User-Agent up to its first "/" (as the API server defaults it).
std::string manager_of(const httplib::Request& req) {
  if (req.has_param("fieldManager")) {
    return req.get_param_value("fieldManager");
  }
  const std::string ua = req.get_header_value("User-Agent");
  const std::string m = ua.substr(0, ua.find('/'));
  return m.empty() ? "unknown" : m;
}

// What admission needs to know of a request besides its object.
AdmitOptions patch_request() {
  AdmitOptions o;
  o.patch = true;
  return o;
}

AdmitOptions body_request(const httplib::Request& req) {
  AdmitOptions o;
  if (media_type(req.get_header_value("Content-Type")) == "application/json") {
    o.duplicates = duplicate_fields(req.body);
  }
  return o;
}

bool is_dry_run(const httplib::Request& req) {
  return req.has_param("dryRun") && req.get_param_value("dryRun") == "All";
}

// The Service registry's allocators: the first cluster IP of 10.96.0.0/12
// past 10.96.0.10 (.1 is the API server's, .10 the DNS service's) and the
// first node port of 30000-32767 that no Service holds.
std::string free_cluster_ip(const Store& store) {
  std::set<std::string> used;
  store.for_each([&](const ResourceType& t, const Json& o) {
    if (t.group.empty() && t.resource == "services" && o.contains("spec") &&
        o["spec"].is_object()) {
      used.insert(o["spec"].value("clusterIP", ""));
    }
  });
  for (std::uint32_t n = 11; n < (1U << 20); ++n) {
    const std::string ip = "10." + std::to_string(96 + (n >> 16)) + "." +
                           std::to_string((n >> 8) & 0xFF) + "." + std::to_string(n & 0xFF);
    if ((n & 0xFF) != 0 && (n & 0xFF) != 0xFF && used.count(ip) == 0) {
      return ip;
    }
  }
  return "";
}

int free_node_port(const Store& store) {
  std::set<long long> used;
  store.for_each([&](const ResourceType& t, const Json& o) {
    if (t.group.empty() && t.resource == "services" && o.contains("spec") &&
        o["spec"].is_object() && o["spec"].contains("ports") && o["spec"]["ports"].is_array()) {
      for (const auto& p : o["spec"]["ports"]) {
        if (p.is_object() && p.contains("nodePort") && p["nodePort"].is_number_integer()) {
          used.insert(p["nodePort"].get<long long>());
        }
      }
    }
  });
  for (int port = 30000; port <= 32767; ++port) {
    if (used.count(port) == 0) {
      return port;
    }
  }
  return 0;
}

// A POST or PUT body the decoder refuses (handlers/rest.go:
// transformDecodeError) names its kind and version first.
Result<Json> as_decoded_body(const ResourceType& type, Result<Json> r) {
  if (!r && r.error().code == 400 && r.error().message.rfind("strict decoding error: ", 0) == 0) {
    r.error().message = type.kind + " in version \"" + type.version + "\" cannot be handled as a " +
                        type.kind + ": " + r.error().message;
  }
  return r;
}

}  // namespace

std::string to_rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Clock::Clock(double speed)
    : m_speed(speed > 0 ? speed : 1.0),
      m_start_system(std::chrono::system_clock::now()),
      m_start_steady(std::chrono::steady_clock::now()) {}

std::chrono::system_clock::time_point Clock::now() const {
  return std::chrono::system_clock::now();
}

std::string Clock::rfc3339() const {
  return to_rfc3339(now());
}

namespace {
double epoch_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}
}  // namespace

double Clock::simulated() const {
  const double real =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start_steady).count();
  return epoch_seconds(m_start_system) + real * m_speed;
}

std::chrono::system_clock::time_point Clock::wall_at(double simulated) const {
  const double since = (simulated - epoch_seconds(m_start_system)) / m_speed;
  return m_start_system + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                              std::chrono::duration<double>(since));
}

double Clock::simulated_at(std::chrono::system_clock::time_point wall) const {
  return epoch_seconds(m_start_system) +
         std::chrono::duration<double>(wall - m_start_system).count() * m_speed;
}

std::chrono::nanoseconds Clock::real(double simulated_seconds) const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(simulated_seconds / m_speed));
}

namespace {
// Watch timeouts and bookmarks are the API server's, in real time: a
// client's timeoutSeconds=300 means five minutes whatever the speed.
std::chrono::nanoseconds real_seconds(double seconds) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(seconds));
}
}  // namespace

// A route: the parsed path with its type.
struct ApiServer::Route {
  Parsed path;
  const ResourceType* type = nullptr;
};

ApiServer::ApiServer(ServerOptions options)
    : m_options(options),
      m_clock(options.speed),
      m_store([this] { return m_clock.rfc3339(); }, options.history) {
  CertOptions server;
  server.common_name = "fakekube";
  server.server = true;
  server.dns_names = {"localhost", "kubernetes", "kubernetes.default.svc"};
  server.ip_addresses = {"127.0.0.1"};
  if (options.expired_server_cert) {
    server.valid_from_s = -2L * 24 * 3600;
    server.valid_to_s = -24L * 3600;
  }
  m_server_cert = m_pki.issue(server);

  CertOptions admin;
  admin.common_name = "fakekube-admin";
  admin.organizations = {"system:masters"};
  m_identities["admin"] = {"admin", "fakekube-admin",  {"system:masters"}, false,
                           "",      m_pki.issue(admin)};
  m_identities["token"] = {"token", "ci-bot", {"system:authenticated"}, false, random_hex(16), {}};
  m_identities["viewer"] = {"viewer", "viewer", {"system:authenticated"}, true, random_hex(16), {}};
  for (const auto& [name, id] : m_identities) {
    if (!id.token.empty()) {
      m_tokens[id.token] = name;
    }
  }
  add_types();
  add_defaults();
  if (!options.nodes.empty()) {
    auto nodes = parse_nodes(options.nodes);
    if (!nodes) {
      throw std::invalid_argument("fakekube: nodes: " + nodes.error().message);
    }
    const ResourceType* type = m_store.find_type("", "v1", "nodes");
    for (const auto& node : *nodes) {
      // As a kubelet registers: the object, then its status.
      auto created = do_create(*type, "", node, "kubelet", false);
      if (created) {
        (void)m_store.update_status(*type, "", (*created)["metadata"]["name"], node);
      }
    }
  }
  m_gc_thread = std::thread([this] { garbage_collector_loop(); });
}

ApiServer::~ApiServer() {
  stop();
  {
    std::lock_guard<std::mutex> lock(m_mu);
    m_gc_quit = true;
  }
  m_changed.notify_all();
  if (m_gc_thread.joinable()) {
    m_gc_thread.join();
  }
}

void ApiServer::add_types() {
  // group, version, plural, kind, namespaced, status subresource
  m_store.add_type({"", "v1", "namespaces", "Namespace", false, true});
  m_store.add_type({"", "v1", "nodes", "Node", false, true});
  m_store.add_type({"", "v1", "pods", "Pod", true, true});
  m_store.add_type({"", "v1", "services", "Service", true, true});
  m_store.add_type({"", "v1", "configmaps", "ConfigMap", true, false});
  m_store.add_type({"", "v1", "secrets", "Secret", true, false});
  m_store.add_type({"", "v1", "events", "Event", true, false});
  m_store.add_type({"", "v1", "serviceaccounts", "ServiceAccount", true, false});
  m_store.add_type({"", "v1", "endpoints", "Endpoints", true, false});
  m_store.add_type({"batch", "v1", "jobs", "Job", true, true});
  m_store.add_type({"discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, false});
  if (m_options.kuberay_crds) {
    m_store.add_type({"ray.io", "v1", "rayclusters", "RayCluster", true, true});
    m_store.add_type({"ray.io", "v1", "rayjobs", "RayJob", true, true});
    m_store.add_type({"ray.io", "v1", "rayservices", "RayService", true, true});
    m_store.add_type({"ray.io", "v1", "raycronjobs", "RayCronJob", true, true});
  }
}

void ApiServer::add_defaults() {
  const ResourceType* ns = m_store.find_type("", "v1", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    Json o = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
    (void)do_create(*ns, "", o, "kube-apiserver", false);
  }
}

const Identity& ApiServer::identity(const std::string& name) const {
  auto it = m_identities.find(name);
  if (it == m_identities.end()) {
    throw std::out_of_range("fakekube: no identity " + name);
  }
  return it->second;
}

std::string ApiServer::url() const {
  return "https://127.0.0.1:" + std::to_string(m_port);
}

std::string ApiServer::kubeconfig(const std::string& current) const {
  (void)identity(current);  // throws for an unknown one
  std::lock_guard<std::mutex> lock(m_mu);
  auto context_of = [](const std::string& id) {
    return id == "admin" ? std::string("fakekube") : "fakekube-" + id;
  };
  std::string users;
  std::string contexts;
  for (const auto& [name, id] : m_identities) {
    users += "- name: " + name + "\n  user:\n";
    if (!id.token.empty()) {
      users += "    token: " + id.token + "\n";
    } else {
      users += "    client-certificate-data: " + base64_encode(id.client_cert.cert_pem) +
               "\n    client-key-data: " + base64_encode(id.client_cert.key_pem) + "\n";
    }
    contexts += "- name: " + context_of(name) +
                "\n  context:\n    cluster: fakekube\n    user: " + name +
                "\n    namespace: default\n";
  }
  return "apiVersion: v1\nkind: Config\nclusters:\n- name: fakekube\n  cluster:\n"
         "    server: " +
         url() + "\n    certificate-authority-data: " + base64_encode(ca_pem()) + "\nusers:\n" +
         users + "contexts:\n" + contexts + "current-context: " + context_of(current) + "\n";
}

std::string ApiServer::rotate_token(const std::string& name) {
  std::lock_guard<std::mutex> lock(m_mu);
  Identity& id = m_identities.at(name);
  m_tokens.erase(id.token);
  id.token = random_hex(16);
  m_tokens[id.token] = name;
  return id.token;
}

void ApiServer::add_token(const std::string& token, const std::string& name) {
  std::lock_guard<std::mutex> lock(m_mu);
  (void)m_identities.at(name);
  m_tokens[token] = name;
}

void ApiServer::start() {
  const std::string cert = m_server_cert.cert_pem;
  const std::string key = m_server_cert.key_pem;
  const std::string ca = m_pki.ca_pem();
  auto setup = [cert, key, ca](SSL_CTX& ctx) {
    BIO* cb = BIO_new_mem_buf(cert.data(), static_cast<int>(cert.size()));
    X509* x = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO_free(cb);
    BIO* kb = BIO_new_mem_buf(key.data(), static_cast<int>(key.size()));
    EVP_PKEY* k = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    BIO_free(kb);
    BIO* ab = BIO_new_mem_buf(ca.data(), static_cast<int>(ca.size()));
    X509* cax = PEM_read_bio_X509(ab, nullptr, nullptr, nullptr);
    BIO_free(ab);
    const bool ok = x != nullptr && k != nullptr && cax != nullptr &&
                    SSL_CTX_use_certificate(&ctx, x) == 1 && SSL_CTX_use_PrivateKey(&ctx, k) == 1;
    if (ok) {
      SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
      // Ask for a client certificate and check it against the CA, but do
      // not require one: token users have none (VerifyClientCertIfGiven).
      X509_STORE_add_cert(SSL_CTX_get_cert_store(&ctx), cax);
      SSL_CTX_add_client_CA(&ctx, cax);
      SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, nullptr);
      // A server that asks for client certificates must name a session
      // id context, or OpenSSL refuses every resumed session with an
      // "internal error" alert. Clients resume: libcurl does on the new
      // connection that follows a watch it stopped.
      static const unsigned char k_context[] = "fakekube";
      SSL_CTX_set_session_id_context(&ctx, k_context, sizeof k_context - 1);
    }
    X509_free(x);
    EVP_PKEY_free(k);
    X509_free(cax);
    return ok;
  };
  m_http = std::make_unique<httplib::SSLServer>(setup);
  if (!m_http->is_valid()) {
    throw std::runtime_error("fakekube: TLS setup failed");
  }
  // cpp-httplib holds a pool thread per connection for its keep-alive life
  // and per watch: size the pool for many clients with connection pools.
  m_http->new_task_queue = [] { return new httplib::ThreadPool(160); };
  m_http->set_keep_alive_max_count(100000);
  m_http->set_keep_alive_timeout(30);
  m_http->set_tcp_nodelay(true);
  const httplib::Server::Handler handler = [this](const httplib::Request& req,
                                                  httplib::Response& res) { handle(req, res); };
  m_http->Get(".*", handler);
  m_http->Post(".*", handler);
  m_http->Put(".*", handler);
  m_http->Patch(".*", handler);
  m_http->Delete(".*", handler);
  if (m_options.port == 0) {
    m_port = m_http->bind_to_any_port("127.0.0.1");
  } else {
    m_port = m_http->bind_to_port("127.0.0.1", m_options.port) ? m_options.port : -1;
  }
  if (m_port <= 0) {
    throw std::runtime_error("fakekube: cannot listen on 127.0.0.1:" +
                             std::to_string(m_options.port));
  }
  m_thread = std::thread([this] { m_http->listen_after_bind(); });
  while (!m_http->is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void ApiServer::stop() {
  if (!m_http) {
    return;
  }
  m_stopping = true;
  m_changed.notify_all();
  m_http->stop();
  if (m_thread.joinable()) {
    m_thread.join();
  }
  m_http.reset();
}

const Identity* ApiServer::authenticate(const httplib::Request& req) const {
  const std::string auth = req.get_header_value("Authorization");
  if (auth.rfind("Bearer ", 0) == 0) {
    auto it = m_tokens.find(auth.substr(7));
    return it == m_tokens.end() ? nullptr : &m_identities.at(it->second);
  }
  if (req.ssl == nullptr) {
    return nullptr;
  }
  X509* peer = SSL_get1_peer_certificate(req.ssl);
  if (peer == nullptr) {
    return nullptr;
  }
  char cn[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
  X509_free(peer);
  for (const auto& [name, id] : m_identities) {
    if (id.token.empty() && id.user == cn) {
      return &id;
    }
  }
  return nullptr;
}

void ApiServer::handle(const httplib::Request& req, httplib::Response& res) {
  RequestRecord rec{req.method,
                    req.path,
                    "",
                    req.get_header_value("User-Agent"),
                    req.get_header_value("Content-Type"),
                    req.get_header_value("Accept"),
                    "",
                    0};
  {
    std::string q;
    for (const auto& [k, v] : req.params) {
      q += (q.empty() ? "" : "&") + k + "=" + v;
    }
    rec.query = q;
  }
  std::chrono::milliseconds latency{0};
  std::optional<Fault> fault;
  const Identity* who = nullptr;
  {
    std::lock_guard<std::mutex> lock(m_mu);
    latency = m_latency;
    for (auto it = m_faults.begin(); it != m_faults.end(); ++it) {
      if ((it->method.empty() || it->method == req.method) &&
          req.path.rfind(it->path_prefix, 0) == 0) {
        fault = *it;
        if (--it->times <= 0) {
          m_faults.erase(it);
        }
        break;
      }
    }
    who = authenticate(req);
    res.set_header("Audit-Id", random_hex(4) + "-" + random_hex(2) + "-" + random_hex(2) + "-" +
                                   random_hex(2) + "-" + std::to_string(++m_audit_counter));
  }
  res.set_header("Cache-Control", "no-cache, private");
  // API Priority and Fairness names the flow schema and priority level.
  res.set_header("X-Kubernetes-Pf-Flowschema-Uid", "7f9c0a5e-0000-4000-8000-fakekube0001");
  res.set_header("X-Kubernetes-Pf-Prioritylevel-Uid", "7f9c0a5e-0000-4000-8000-fakekube0002");
  RequestHook hook;
  {
    std::lock_guard<std::mutex> lock(m_mu);
    for (const auto& w : m_warnings) {  // as NewWarningHeader writes them
      res.headers.emplace("Warning", "299 - " + Json(w).dump());
    }
    hook = m_hook;
  }
  if (hook) {
    hook(rec);  // outside the lock: it may write objects
  }
  if (latency.count() > 0) {
    std::this_thread::sleep_for(latency);
  }
  if (fault && fault->code == 0) {
    // The connection breaks: headers go out, then the body stops short.
    res.status = 200;
    res.set_content_provider(64, k_json,
                             [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
  } else if (fault) {
    if (fault->retry_after_s >= 0) {
      res.set_header("Retry-After", std::to_string(fault->retry_after_s));
    }
    if (fault->html) {
      res.status = fault->code;
      res.set_content(
          "<html><body><h1>" + std::to_string(fault->code) + " Bad Gateway</h1></body></html>\n",
          "text/html");
    } else {
      ApiError e{fault->code, "InternalError",
                 "an error on the server (\"injected fault\") has "
                 "prevented the request from succeeding",
                 Json::object()};
      if (fault->code == 429) {
        e.reason = "TooManyRequests";
        e.message = "Too many requests, please try again later.";
      } else if (fault->code == 503) {
        e.reason = "ServiceUnavailable";
        e.message = "the server is currently unable to handle the request";
      } else if (fault->code == 504) {
        e.reason = "Timeout";
        e.message = "the server was unable to return a response in the time allotted";
      }
      if (fault->retry_after_s >= 0) {
        e.details["retryAfterSeconds"] = fault->retry_after_s;
      }
      send_error(res, e);
    }
  } else if (who == nullptr) {
    send_error(res, ApiError{401, "Unauthorized", "Unauthorized", Json::object()});
  } else {
    rec.user = who->user;
    try {
      serve(req, res, who);
    } catch (const nlohmann::json::exception& e) {
      // A body of the wrong shape (a number where a string belongs): the
      // real server fails to decode it.
      send_error(res, ApiError{400, "BadRequest",
                               std::string("the object provided is unrecognized or malformed: ") +
                                   e.what(),
                               Json::object()});
    } catch (const std::exception& e) {
      send_error(res, ApiError{500, "InternalError",
                               std::string("an error on the server (\"") + e.what() +
                                   "\") has prevented the request from succeeding",
                               Json::object()});
    }
  }
  rec.status = res.status;
  std::lock_guard<std::mutex> lock(m_mu);
  m_requests.push_back(std::move(rec));
}

bool ApiServer::discovery(const std::vector<std::string>& seg, httplib::Response& res) const {
  const auto types = m_store.types();
  auto resources_of = [&](const std::string& group, const std::string& version) {
    Json list = Json::array();
    for (const ResourceType* t : types) {
      if (t->group != group || t->version != version) {
        continue;
      }
      Json r = {
          {"name", t->resource},
          {"singularName", singular_of(*t)},
          {"namespaced", t->namespaced},
          {"kind", t->kind},
          {"verbs",
           {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}}};
      if (t->group == "ray.io") {
        r["categories"] = {"all"};
      } else if (t->resource == "pods") {
        r["shortNames"] = {"po"};
        r["categories"] = {"all"};
      } else if (t->resource == "services") {
        r["shortNames"] = {"svc"};
        r["categories"] = {"all"};
      } else if (t->resource == "namespaces") {
        r["shortNames"] = {"ns"};
      } else if (t->resource == "configmaps") {
        r["shortNames"] = {"cm"};
      } else if (t->resource == "events") {
        r["shortNames"] = {"ev"};
      } else if (t->resource == "nodes") {
        r["shortNames"] = {"no"};
      } else if (t->resource == "serviceaccounts") {
        r["shortNames"] = {"sa"};
      } else if (t->resource == "endpoints") {
        r["shortNames"] = {"ep"};
      } else if (t->resource == "jobs") {
        r["categories"] = {"all"};
      }
      list.push_back(r);
      auto sub = [&](const std::string& name, Json verbs) {
        list.push_back({{"name", t->resource + "/" + name},
                        {"singularName", ""},
                        {"namespaced", t->namespaced},
                        {"kind", name == "log" || name == "proxy" ? "Pod" : t->kind},
                        {"verbs", verbs}});
      };
      if (t->status_subresource) {
        sub("status", {"get", "patch", "update"});
      }
      if (t->resource == "pods") {
        sub("log", {"get"});
        sub("proxy", {"create", "delete", "get", "patch", "update"});
        list.back()["kind"] = "PodProxyOptions";
      }
      if (t->resource == "services") {
        sub("proxy", {"create", "delete", "get", "patch", "update"});
        list.back()["kind"] = "ServiceProxyOptions";
      }
    }
    return list;
  };
  auto group_entry = [](const std::string& group) {
    Json gv = {{"groupVersion", group + "/v1"}, {"version", "v1"}};
    return Json{{"name", group}, {"versions", {gv}}, {"preferredVersion", gv}};
  };
  std::set<std::string> groups;
  for (const ResourceType* t : types) {
    if (!t->group.empty()) {
      groups.insert(t->group);
    }
  }
  if (seg.size() == 1 && seg[0] == "version") {
    send_json(res, 200,
              {{"major", "1"},
               {"minor", "31"},
               {"gitVersion", "v1.31.0-fakekube"},
               {"gitCommit", "0000000000000000000000000000000000000000"},
               {"gitTreeState", "clean"},
               {"buildDate", "2026-01-01T00:00:00Z"},
               {"goVersion", "go1.22.0"},
               {"compiler", "gc"},
               {"platform", "linux/amd64"}});
    return true;
  }
  if (seg.size() == 1 && (seg[0] == "healthz" || seg[0] == "readyz" || seg[0] == "livez")) {
    res.status = 200;
    res.set_content("ok", "text/plain");
    return true;
  }
  // OpenAPI v3, only as far as clients read it to learn which query
  // parameters PATCH takes (kubectl's --validate checks fieldValidation
  // there): one path per resource with its group-version-kind. No schemas.
  if (seg.size() >= 2 && seg[0] == "openapi" && seg[1] == "v3") {
    std::map<std::string, Json> docs;  // "api/v1", "apis/ray.io/v1"
    for (const ResourceType* t : types) {
      const std::string gv = t->group.empty() ? "api/v1" : "apis/" + t->group + "/" + t->version;
      Json& doc = docs[gv];
      if (doc.is_null()) {
        doc = {{"openapi", "3.0.0"},
               {"info", {{"title", "Kubernetes"}, {"version", "v1.31.0"}}},
               {"paths", Json::object()}};
      }
      Json params = Json::array();
      for (const char* q : {"dryRun", "fieldManager", "fieldValidation", "force"}) {
        params.push_back({{"name", q}, {"in", "query"}, {"schema", {{"type", "string"}}}});
      }
      const std::string path =
          "/" + gv + (t->namespaced ? "/namespaces/{namespace}/" : "/") + t->resource + "/{name}";
      doc["paths"][path] = {
          {"patch",
           {{"operationId", "patch" + t->kind},
            {"parameters", params},
            {"x-kubernetes-group-version-kind",
             {{"group", t->group}, {"version", t->version}, {"kind", t->kind}}}}}};
    }
    if (seg.size() == 2) {
      Json paths = Json::object();
      for (const auto& [gv, doc] : docs) {
        paths[gv] = {{"serverRelativeURL",
                      "/openapi/v3/" + gv +
                          "?hash=" + std::to_string(std::hash<std::string>{}(doc.dump()))}};
      }
      send_json(res, 200, {{"paths", paths}});
      return true;
    }
    std::string gv;
    for (std::size_t i = 2; i < seg.size(); ++i) {
      gv += (i > 2 ? "/" : "") + seg[i];
    }
    auto it = docs.find(gv);
    if (it == docs.end()) {
      send_error(res, not_found_path());
    } else {
      send_json(res, 200, it->second);
    }
    return true;
  }
  if (seg.size() == 1 && seg[0] == "api") {
    send_json(res, 200,
              {{"kind", "APIVersions"},
               {"versions", {"v1"}},
               {"serverAddressByClientCIDRs",
                {{{"clientCIDR", "0.0.0.0/0"},
                  {"serverAddress", "127.0.0.1:" + std::to_string(m_port)}}}}});
    return true;
  }
  if (seg.size() == 1 && seg[0] == "apis") {
    Json list = Json::array();
    for (const auto& g : groups) {
      list.push_back(group_entry(g));
    }
    send_json(res, 200, {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", list}});
    return true;
  }
  if (seg.size() == 2 && seg[0] == "apis") {
    if (groups.count(seg[1]) == 0) {
      send_error(res, not_found_path());
      return true;
    }
    Json g = group_entry(seg[1]);
    g["kind"] = "APIGroup";
    g["apiVersion"] = "v1";
    send_json(res, 200, g);
    return true;
  }
  const bool core = seg.size() == 2 && seg[0] == "api";
  const bool named = seg.size() == 3 && seg[0] == "apis";
  if (core || named) {
    const std::string group = core ? "" : seg[1];
    const std::string version = core ? seg[1] : seg[2];
    Json resources = resources_of(group, version);
    if (resources.empty()) {
      send_error(res, not_found_path());
      return true;
    }
    send_json(res, 200,
              {{"kind", "APIResourceList"},
               {"apiVersion", "v1"},
               {"groupVersion", group.empty() ? version : group + "/" + version},
               {"resources", resources}});
    return true;
  }
  return false;
}

void ApiServer::serve(const httplib::Request& req, httplib::Response& res, const Identity* who) {
  const auto seg = split(req.path, '/');
  {
    std::lock_guard<std::mutex> lock(m_mu);
    if (req.method == "GET" && discovery(seg, res)) {
      return;
    }
  }
  const auto parsed = parse_path(seg);
  if (!parsed) {
    send_error(res, not_found_path());
    return;
  }
  Route route{*parsed, nullptr};
  {
    std::lock_guard<std::mutex> lock(m_mu);
    route.type = m_store.find_type(parsed->group, parsed->version, parsed->resource_name);
  }
  const ResourceType* t = route.type;
  const Parsed& p = route.path;
  const bool known_sub =
      p.subresource.empty() ||
      (p.subresource == "status" && t != nullptr && t->status_subresource) ||
      (p.subresource == "log" && p.resource_name == "pods") ||
      (p.subresource == "binding" && p.resource_name == "pods") ||
      (p.subresource == "proxy" && (p.resource_name == "services" || p.resource_name == "pods"));
  if (t == nullptr || !known_sub || (!t->namespaced && !p.ns.empty()) ||
      (t->namespaced && p.ns.empty() && !p.name.empty())) {
    send_error(res, not_found_path());
    return;
  }
  // Methods a path does not take: 405, as the real server answers.
  const std::string& method = req.method;
  const bool allowed =
      p.subresource == "proxy" || (p.subresource == "log" && method == "GET") ||
      (p.subresource == "binding" && method == "POST") ||
      (p.subresource == "status" && (method == "GET" || method == "PUT" || method == "PATCH")) ||
      (p.subresource.empty() && p.name.empty() &&
       (method == "GET" || method == "POST" || method == "DELETE")) ||
      (p.subresource.empty() && !p.name.empty() && method != "POST");
  if (!allowed) {
    send_error(res, ApiError{405, "MethodNotAllowed",
                             "the server does not allow this method on the requested resource",
                             Json::object()});
    return;
  }
  // Authorization: the verb as RBAC names it.
  std::string verb;
  if (req.method == "GET") {
    verb = !p.name.empty() ? "get"
           : (req.get_param_value("watch") == "true" || req.get_param_value("watch") == "1")
               ? "watch"
               : "list";
  } else if (req.method == "POST") {
    verb = "create";
  } else if (req.method == "PUT") {
    verb = "update";
  } else if (req.method == "PATCH") {
    verb = "patch";
  } else if (req.method == "DELETE") {
    verb = p.name.empty() ? "deletecollection" : "delete";
  }
  if (who->read_only && verb != "get" && verb != "list" && verb != "watch") {
    const std::string res_name =
        p.resource_name + (p.subresource.empty() ? "" : "/" + p.subresource);
    std::string msg = qualified(*t) + (p.name.empty() ? "" : " \"" + p.name + "\"") +
                      " is forbidden: User \"" + who->user + "\" cannot " + verb + " resource \"" +
                      res_name + "\" in API group \"" + t->group + "\"";
    msg += t->namespaced ? " in the namespace \"" + p.ns + "\"" : " at the cluster scope";
    Json details = Json::object();
    if (!p.name.empty()) {
      details["name"] = p.name;
    }
    if (!t->group.empty()) {
      details["group"] = t->group;
    }
    details["kind"] = t->resource;
    send_error(res, ApiError{403, "Forbidden", msg, details});
    return;
  }
  const bool streaming =
      verb == "watch" || (p.subresource == "log" && req.get_param_value("follow") == "true");
  bool compress = false;
  {
    std::lock_guard<std::mutex> lock(m_mu);
    compress = m_compress;
  }
  if (streaming || !compress) {
    // cpp-httplib gzips a response whenever the client accepts it. Its
    // compressor holds back small chunks, so a watch event would sit in its
    // buffer (the real server does not compress streams either); and gzip
    // at level 6 would dominate large lists, so it is on only when a test
    // asks (compress_responses), as the real server compresses large
    // responses.
    const_cast<httplib::Request&>(req).headers.erase("Accept-Encoding");
  }
  if (p.subresource == "log") {
    serve_log(route, req, res);
  } else if (p.subresource == "proxy") {
    serve_proxy(route, req, res);
  } else if (verb == "watch") {
    serve_watch(route, req, res);
  } else {
    serve_resource(route, req, res);
  }
}

namespace {

ApiError unsupported_media(const std::string& accepted) {
  return {415, "UnsupportedMediaType",
          "the body of the request was in an unknown format - accepted media types include: " +
              accepted,
          Json::object()};
}

// A POST or PUT body: JSON or YAML.
Result<Json> parse_body(const httplib::Request& req) {
  const std::string type = media_type(req.get_header_value("Content-Type"));
  if (type == "application/json") {
    Json body = Json::parse(req.body, nullptr, false);
    if (body.is_discarded()) {
      return tl::unexpected(ApiError{400, "BadRequest",
                                     "the object provided is unrecognized or malformed: invalid "
                                     "JSON in the request body",
                                     Json::object()});
    }
    return body;
  }
  if (type == "application/yaml") {
    return parse_yaml(req.body);
  }
  return tl::unexpected(unsupported_media(
      "application/json, application/yaml, application/vnd.kubernetes.protobuf, application/cbor"));
}

// Whether the client of a stream has gone: on a watch or a log follow it
// sends nothing, so anything readable (EOF, a TLS close_notify) or an error
// means it closed. Without this an abandoned stream would hold its pool
// thread until its timeout.
bool peer_gone(int fd) {
  if (fd < 0) {
    return false;
  }
  char byte = 0;
  const ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

// Counts a stream while its provider lives.
struct StreamCount {
  std::atomic<int>& count;
  explicit StreamCount(std::atomic<int>& c) : count(c) { ++count; }
  ~StreamCount() { --count; }
  StreamCount(const StreamCount&) = delete;
  StreamCount& operator=(const StreamCount&) = delete;
};

Json event_line(const std::string& type, const Json& object) {
  return Json{{"type", type}, {"object", object}};
}

}  // namespace

namespace {

// A reference's owner as the garbage collector finds it (kubernetes
// pkg/controller/garbagecollector: classifyReferences): there with the
// same uid (solid; orphaning when it is being deleted with Orphan), there
// and deleting its dependents in the foreground (waiting), or absent;
// unresolvable when the reference cannot name an object at all (an unknown
// kind), or names a namespaced owner for a cluster-scoped dependent
// (invalid), which keeps the dependent.
enum class OwnerState { solid, orphaning, waiting, absent, unresolvable, invalid };

bool has_finalizer(const Json& object, const std::string& finalizer) {
  if (!has_finalizers(object)) {
    return false;
  }
  const Json& f = object["metadata"]["finalizers"];
  return std::find(f.begin(), f.end(), finalizer) != f.end();
}

// The type an ownerReference's apiVersion and kind name.
const ResourceType* kind_type(const Store& store, const Json& ref) {
  const std::string api_version = ref.value("apiVersion", "");
  const std::string kind = ref.value("kind", "");
  const auto slash = api_version.find('/');
  const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  const std::string version =
      slash == std::string::npos ? api_version : api_version.substr(slash + 1);
  for (const ResourceType* t : store.types()) {
    if (t->group == group && t->version == version && t->kind == kind) {
      return t;
    }
  }
  return nullptr;
}

// Where `ref`, held by a dependent of `dep_type` in `dep_ns`, leads: the
// owner looked up by kind and name in the dependent's namespace (or
// cluster-wide for a cluster-scoped kind), then compared by uid. Reads the
// store without copying.
OwnerState resolve_owner(const Store& store,
                         const ResourceType& dep_type,
                         const std::string& dep_ns,
                         const Json& ref) {
  if (!ref.is_object()) {
    return OwnerState::unresolvable;
  }
  const ResourceType* t = kind_type(store, ref);
  if (t == nullptr) {
    return OwnerState::unresolvable;
  }
  if (t->namespaced && !dep_type.namespaced) {
    return OwnerState::invalid;
  }
  const Json* owner = store.find(*t, t->namespaced ? dep_ns : "", ref.value("name", ""));
  if (owner == nullptr || !owner->contains("metadata") ||
      owner->at("metadata").value("uid", "") != ref.value("uid", "")) {
    return OwnerState::absent;
  }
  if (owner->at("metadata").contains("deletionTimestamp")) {
    if (has_finalizer(*owner, "foregroundDeletion")) {
      return OwnerState::waiting;
    }
    if (has_finalizer(*owner, "orphan")) {
      return OwnerState::orphaning;
    }
  }
  return OwnerState::solid;
}

// Whether a write leaves the garbage collector something to do: a
// reference whose owner is not simply there, or an owner deleted in the
// foreground or with Orphan.
bool wants_collection(const Store& store, const ResourceType& type, const Json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return false;
  }
  const Json& m = object["metadata"];
  if (m.contains("deletionTimestamp") &&
      (has_finalizer(object, "foregroundDeletion") || has_finalizer(object, "orphan"))) {
    return true;
  }
  if (!m.contains("ownerReferences") || !m["ownerReferences"].is_array()) {
    return false;
  }
  const std::string ns = m.value("namespace", "");
  return std::any_of(m["ownerReferences"].begin(), m["ownerReferences"].end(), [&](const Json& r) {
    const OwnerState st = resolve_owner(store, type, ns, r);
    return st != OwnerState::solid && st != OwnerState::unresolvable;
  });
}

double seconds_since_epoch(const std::string& rfc3339) {
  std::tm tm{};
  if (strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) {
    return 0;
  }
  return static_cast<double>(timegm(&tm));
}

std::string rfc3339_after(const std::string& rfc3339, long long seconds) {
  return to_rfc3339(std::chrono::system_clock::from_time_t(
      static_cast<std::time_t>(seconds_since_epoch(rfc3339)) + static_cast<std::time_t>(seconds)));
}

// The delete-during-update rule (apiserver registry/generic/registry/
// store.go: ShouldDeleteDuringUpdate): a deleting object goes once it has
// no finalizers and no grace period left.
bool ready_to_go(const Json& object) {
  const Json& m = object["metadata"];
  return m.contains("deletionTimestamp") && !has_finalizers(object) &&
         m.value("deletionGracePeriodSeconds", Json(0)) == Json(0);
}

}  // namespace

const ResourceType* ApiServer::type_of(const std::string& api_version,
                                       const std::string& resource) const {
  const auto slash = api_version.find('/');
  const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  const std::string version =
      slash == std::string::npos ? api_version : api_version.substr(slash + 1);
  return m_store.find_type(group, version, resource);
}

Result<Json> ApiServer::do_create(const ResourceType& type,
                                  const std::string& ns,
                                  Json object,
                                  const std::string& manager,
                                  bool dry_run,
                                  Admission* admission,
                                  AdmitOptions request) {
  if (object.is_object() && object.contains("metadata") && object["metadata"].is_object()) {
    object["metadata"].erase("deletionTimestamp");
    if (!manager.empty()) {  // "" is server-side apply, which set managedFields itself
      object["metadata"].erase("managedFields");
    }
  }
  Admission quiet;  // fakekube's own writes: Warn, the warnings dropped
  Admission& admitted = admission != nullptr ? *admission : quiet;
  if (auto bad = check_custom_resource(type, object, nullptr, admitted); !bad) {
    return tl::unexpected(bad.error());
  }
  if (auto bad = invalid_owner_references(type, object)) {
    return tl::unexpected(*bad);
  }
  AdmitOptions options = std::move(request);
  options.cluster_ip = [this] { return free_cluster_ip(m_store); };
  options.node_port = [this] { return free_node_port(m_store); };
  // Admission sees the object with its name and uid (a Job's generated
  // selector needs both), before the store keeps it.
  auto prepare = [&](Json& o) -> Result<void> {
    if (auto a = admit(type, o, nullptr, admitted, options); !a) {
      return a;
    }
    if (!manager.empty()) {
      o = record_update(Json::object(), std::move(o),
                        {manager, false, type.api_version(), m_clock.rfc3339()});
    }
    return {};
  };
  const Json name =
      object.is_object() && object.contains("metadata") && object["metadata"].is_object()
          ? object["metadata"].value("name", Json(""))
          : Json("");
  auto r = m_store.create(type, ns, std::move(object), dry_run, prepare);
  if (!r && r.error().reason == "AlreadyExists" && name.is_string()) {
    // A same-name object still being deleted (apiserver registry/generic/
    // registry/store.go: Create).
    auto live = m_store.get(type, ns, name.get<std::string>());
    if (live && (*live)["metadata"].contains("deletionTimestamp")) {
      r.error().message = "object is being deleted: " + r.error().message;
    }
  }
  if (r && !dry_run && wants_collection(m_store, type, *r)) {
    m_gc_dirty = true;  // created with a reference to an owner that is not there
  }
  if (r && !dry_run && type.resource == "namespaces") {
    Json active = *r;
    active["status"] = {{"phase", "Active"}};
    if (auto with_phase = m_store.update_status(type, "", (*r)["metadata"]["name"], active)) {
      r = with_phase;
    }
    // The service account controller: every namespace gets "default".
    const ResourceType* sa = m_store.find_type("", "v1", "serviceaccounts");
    (void)m_store.create(
        *sa, (*r)["metadata"]["name"].get<std::string>(),
        {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "default"}}}});
  }
  m_changed.notify_all();
  return r;
}

Result<Json> ApiServer::do_update(const ResourceType& type,
                                  const std::string& ns,
                                  const std::string& name,
                                  Json object,
                                  const std::string& manager,
                                  bool dry_run,
                                  Admission* admission,
                                  AdmitOptions request) {
  if (!object.is_object()) {
    return tl::unexpected(
        ApiError{400, "BadRequest", "the body of the request is not an object", Json::object()});
  }
  auto live = m_store.get(type, ns, name);
  if (!live) {
    return live;
  }
  if (auto bad = invalid_owner_references(type, object)) {
    return tl::unexpected(*bad);
  }
  if (!object.contains("metadata") || !object["metadata"].is_object()) {
    object["metadata"] = Json::object();
  }
  Json& meta = object["metadata"];
  if (type.namespaced && meta.contains("namespace") && meta["namespace"] != ns) {
    return tl::unexpected(ApiError{400, "BadRequest",
                                   "the namespace of the object (" +
                                       meta.value("namespace", std::string()) +
                                       ") does not match the namespace on the request (" + ns + ")",
                                   Json::object()});
  }
  // Only DELETE starts a deletion; a write cannot set or clear it.
  const Json& live_meta = (*live)["metadata"];
  if (live_meta.contains("deletionTimestamp")) {
    meta["deletionTimestamp"] = live_meta["deletionTimestamp"];
    meta["deletionGracePeriodSeconds"] = live_meta.value("deletionGracePeriodSeconds", 0);
  } else {
    meta.erase("deletionTimestamp");
    meta.erase("deletionGracePeriodSeconds");
  }
  {
    Admission quiet;
    Admission& a = admission != nullptr ? *admission : quiet;
    if (auto bad = check_custom_resource(type, object, &*live, a); !bad) {
      return tl::unexpected(bad.error());
    }
    if (auto ok = admit(type, object, &*live, a, request); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  if (!manager.empty()) {
    object = record_update(*live, std::move(object),
                           {manager, false, type.api_version(), m_clock.rfc3339()});
  }
  auto r = m_store.update(type, ns, name, std::move(object), dry_run);
  if (r && !dry_run && ready_to_go(*r)) {
    finish_deletion(type, *r);
  } else if (r && !dry_run && wants_collection(m_store, type, *r)) {
    m_gc_dirty = true;
  }
  m_changed.notify_all();
  return r;
}

Result<Json> ApiServer::do_update_status(const ResourceType& type,
                                         const std::string& ns,
                                         const std::string& name,
                                         const Json& body,
                                         bool dry_run,
                                         Admission* admission) {
  Json object = body;
  if (auto live = m_store.get(type, ns, name); live) {
    Admission own;
    if (auto bad = check_custom_resource_status(type, object, *live, admission ? *admission : own);
        !bad) {
      if (admission == nullptr) {  // a simulated controller's write: say why it failed
        std::fprintf(stderr, "fakekube: a status write was refused: %s\n",
                     bad.error().message.c_str());
      }
      return tl::unexpected(bad.error());
    }
  }
  if (dry_run) {
    auto live = m_store.get(type, ns, name);
    if (live && object.is_object() && object.contains("status")) {
      (*live)["status"] = object["status"];
    }
    return live;
  }
  if (object.is_object() && object.contains("metadata") && object["metadata"].is_object()) {
    auto live = m_store.get(type, ns, name);
    const std::string rv = object["metadata"].value("resourceVersion", "");
    if (live && !rv.empty() && rv != (*live)["metadata"].value("resourceVersion", "")) {
      return tl::unexpected(
          ApiError{409, "Conflict",
                   "Operation cannot be fulfilled on " + qualified(type) + " \"" + name +
                       "\": the object has been modified; please apply your changes to the latest "
                       "version and try again",
                   Json{{"name", name}, {"group", type.group}, {"kind", type.resource}}});
    }
  }
  auto r = m_store.update_status(type, ns, name, object);
  m_changed.notify_all();
  return r;
}

Result<Json> ApiServer::do_bind(const std::string& ns,
                                const std::string& pod,
                                const Json& binding) {
  const ResourceType& type = *m_store.find_type("", "v1", "pods");
  auto live = m_store.get(type, ns, pod);
  if (!live) {
    return live;
  }
  const Json target = binding.is_object() ? binding.value("target", Json::object()) : Json();
  const std::string node = target.is_object() ? target.value("name", "") : "";
  auto conflict = [&](const std::string& why) {
    return tl::unexpected(ApiError{
        409, "Conflict", "Operation cannot be fulfilled on pods/binding \"" + pod + "\": " + why,
        Json{{"name", pod}, {"kind", "pods/binding"}}});
  };
  if (node.empty()) {
    return tl::unexpected(
        ApiError{422, "Invalid", "Binding \"" + pod + "\" is invalid: target.name: Required value",
                 Json{{"name", pod},
                      {"kind", "Binding"},
                      {"causes", Json::array({{{"reason", "FieldValueRequired"},
                                               {"message", "Required value"},
                                               {"field", "target.name"}}})}}});
  }
  const Json& meta = (*live)["metadata"];
  if (meta.contains("deletionTimestamp")) {
    return conflict("pod " + pod + " is being deleted, cannot be assigned to a host");
  }
  const std::string bound =
      (*live).contains("spec") ? (*live)["spec"].value("nodeName", "") : std::string();
  if (!bound.empty()) {
    return conflict("pod " + pod + " is already assigned to node \"" + bound + "\"");
  }
  Json updated = *live;
  updated["spec"]["nodeName"] = node;
  auto r = m_store.update(type, ns, pod, std::move(updated));
  m_changed.notify_all();
  if (!r) {
    return r;
  }
  Json status = {{"kind", "Status"},
                 {"apiVersion", "v1"},
                 {"metadata", Json::object()},
                 {"status", "Success"},
                 {"code", 201}};
  return status;
}

Result<Json> ApiServer::bind(const std::string& ns,
                             const std::string& pod,
                             const std::string& node) {
  std::lock_guard<std::mutex> lock(m_mu);
  return do_bind(ns, pod,
                 {{"apiVersion", "v1"},
                  {"kind", "Binding"},
                  {"metadata", {{"name", pod}}},
                  {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}});
}

void ApiServer::finish_deletion(const ResourceType& type, const Json& object) {
  m_gc_dirty = true;  // its dependents may be left without an owner
  const std::string ns = object["metadata"].value("namespace", "");
  const std::string name = object["metadata"].value("name", "");
  (void)m_store.remove(type, ns, name);
  if (type.resource == "namespaces" && type.group.empty()) {
    // The namespace controller: everything in it goes with it.
    std::vector<std::pair<const ResourceType*, std::string>> contents;
    m_store.for_each([&](const ResourceType& t, const Json& o) {
      if (t.namespaced && o["metadata"].value("namespace", "") == name) {
        contents.emplace_back(&t, o["metadata"].value("name", ""));
      }
    });
    for (const auto& [t, n] : contents) {
      (void)m_store.remove(*t, name, n);
    }
  }
  for (auto it = m_logs.begin(); it != m_logs.end();) {
    it = it->first.rfind(ns + "/" + name + "/", 0) == 0 && type.resource == "pods"
             ? m_logs.erase(it)
             : std::next(it);
  }
}

void ApiServer::report_invalid_owner(const ResourceType& type,
                                     const std::string& dep_ns,
                                     const std::string& dep_name,
                                     const std::string& dep_uid,
                                     const Json& ref) {
  const std::string key = dep_uid + "/" + ref.value("uid", "");
  if (!m_gc_reported.insert(key).second) {
    return;
  }
  const std::string ns = type.namespaced ? dep_ns : "";
  const std::string event_ns = ns.empty() ? "default" : ns;
  const ResourceType* events = m_store.find_type("", "v1", "events");
  char suffix[20];
  std::snprintf(suffix, sizeof suffix, "%016llx",
                static_cast<unsigned long long>(m_gc_reported.size()) * 0x9E3779B97F4A7C15ULL);
  const std::string t = m_clock.rfc3339();
  // "ownerRef [v1/ConfigMap, namespace: a, name: x, uid: ...] does not
  // exist in namespace "a"" (garbagecollector/graph_builder.go:
  // reportInvalidNamespaceOwnerRef)
  const std::string message =
      "ownerRef [" + ref.value("apiVersion", "") + "/" + ref.value("kind", "") +
      ", namespace: " + ns + ", name: " + ref.value("name", "") + ", uid: " + ref.value("uid", "") +
      "] does not exist in namespace \"" + ns + "\"";
  Json e = {{"apiVersion", "v1"},
            {"kind", "Event"},
            {"metadata", {{"name", dep_name + "." + suffix}}},
            {"involvedObject",
             {{"apiVersion", type.api_version()},
              {"kind", type.kind},
              {"name", dep_name},
              {"namespace", ns},
              {"uid", dep_uid}}},
            {"reason", "OwnerRefInvalidNamespace"},
            {"message", message},
            {"type", "Warning"},
            {"source", {{"component", "garbage-collector-controller"}}},
            {"reportingComponent", "garbage-collector-controller"},
            {"firstTimestamp", t},
            {"lastTimestamp", t},
            {"count", 1}};
  (void)do_create(*events, event_ns, e, "", false);
}

// The garbage collector (kubernetes pkg/controller/garbagecollector), one
// pass at a time on its own thread, never inside the request that deleted
// an owner:
// - a dependent none of whose owners is there (looked up by apiVersion,
//   kind and name in the dependent's namespace, or cluster-wide for a
//   cluster-scoped owner kind, then compared by uid) is deleted; when some
//   owner is still there, the references to the absent ones are removed;
// - an owner deleted in the foreground (finalizer foregroundDeletion) has
//   its dependents deleted and goes once no dependent with
//   blockOwnerDeletion: true is left;
// - an owner deleted with Orphan (finalizer orphan) loses its references
//   from its dependents, then goes.
// A pass reads every object once without copying; it copies only what it
// changes.
bool ApiServer::collect_garbage() {
  struct Dependent {
    const ResourceType* type;
    std::string ns;
    std::string name;
    std::string uid;
    bool deleting;
    Json refs;
    std::vector<OwnerState> states;
  };
  struct Owner {
    const ResourceType* type;
    Json object;
  };
  bool wrote = false;
  for (int round = 0; round < 64; ++round) {
    std::vector<Dependent> work;
    std::vector<Owner> owners;
    std::set<std::string> blocked;  // foreground owners a blocking dependent holds
    m_store.for_each([&](const ResourceType& t, const Json& o) {
      const Json& m = o["metadata"];
      if (m.contains("deletionTimestamp") &&
          (has_finalizer(o, "foregroundDeletion") || has_finalizer(o, "orphan"))) {
        owners.push_back({&t, o});
      }
      if (!m.contains("ownerReferences") || !m["ownerReferences"].is_array() ||
          m["ownerReferences"].empty()) {
        return;
      }
      const std::string ns = m.value("namespace", "");
      std::vector<OwnerState> states;
      bool act = false;
      for (const auto& ref : m["ownerReferences"]) {
        const OwnerState st = resolve_owner(m_store, t, ns, ref);
        if (st == OwnerState::waiting && ref.value("blockOwnerDeletion", false)) {
          blocked.insert(ref.value("uid", ""));
        }
        act = act || (st != OwnerState::solid && st != OwnerState::unresolvable);
        states.push_back(st);
      }
      if (act) {
        work.push_back({&t, ns, m.value("name", ""), m.value("uid", ""),
                        m.contains("deletionTimestamp"), m["ownerReferences"], std::move(states)});
      }
    });
    // Who owns anything (for a dependent that is an owner itself), and
    // where each uid lives (for the cross-namespace report): only when
    // needed.
    std::optional<std::set<std::string>> owner_uids;
    std::optional<std::map<std::string, std::pair<const ResourceType*, std::string>>> by_uid;
    bool changed = false;
    for (const auto& d : work) {
      bool keeps_owner = false;  // an owner still there (or one it cannot tell)
      bool waiting = false;
      Json refs = Json::array();
      for (std::size_t i = 0; i < d.states.size(); ++i) {
        const Json& ref = d.refs[i];
        switch (d.states[i]) {
          case OwnerState::solid:
          case OwnerState::unresolvable:
            keeps_owner = true;
            refs.push_back(ref);
            break;
          case OwnerState::orphaning:
            keeps_owner = true;  // the reference goes, the dependent stays
            break;
          case OwnerState::invalid:
            report_invalid_owner(*d.type, d.ns, d.name, d.uid, ref);
            keeps_owner = true;
            refs.push_back(ref);
            break;
          case OwnerState::waiting:
            waiting = true;
            refs.push_back(ref);
            break;
          case OwnerState::absent:
            if (d.type->namespaced) {
              if (!by_uid) {
                by_uid.emplace();
                m_store.for_each([&](const ResourceType& t, const Json& o) {
                  (*by_uid)[o["metadata"].value("uid", "")] = {
                      &t, o["metadata"].value("namespace", "")};
                });
              }
              auto it = by_uid->find(ref.value("uid", ""));
              if (it != by_uid->end() && it->second.first->namespaced &&
                  it->second.second != d.ns) {
                report_invalid_owner(*d.type, d.ns, d.name, d.uid, ref);
              }
            }
            break;
        }
      }
      if (!keeps_owner && !d.deleting) {
        // No owner left: the dependent goes, in the foreground itself when
        // an owner waits for it and it has dependents of its own.
        if (waiting && !owner_uids) {
          owner_uids.emplace();
          m_store.for_each([&](const ResourceType&, const Json& o) {
            const Json& m = o["metadata"];
            if (m.contains("ownerReferences") && m["ownerReferences"].is_array()) {
              for (const auto& r : m["ownerReferences"]) {
                owner_uids->insert(r.is_object() ? r.value("uid", "") : "");
              }
            }
          });
        }
        DeleteRequest dr;
        dr.propagation_policy =
            waiting && owner_uids->count(d.uid) > 0 ? "Foreground" : "Background";
        (void)do_delete(*d.type, d.ns, d.name, dr);
        changed = true;
        continue;
      }
      if (keeps_owner && !d.deleting) {
        // Only the references to owners that are gone (or wait for their
        // dependents) go.
        Json kept = Json::array();
        for (std::size_t i = 0; i < d.states.size(); ++i) {
          if (d.states[i] == OwnerState::solid || d.states[i] == OwnerState::unresolvable ||
              d.states[i] == OwnerState::invalid) {
            kept.push_back(d.refs[i]);
          }
        }
        refs = kept;
      } else if (d.deleting) {
        // A dependent on its way out keeps its references, but not those
        // to an owner that orphans it.
        refs = Json::array();
        for (std::size_t i = 0; i < d.states.size(); ++i) {
          if (d.states[i] != OwnerState::orphaning) {
            refs.push_back(d.refs[i]);
          }
        }
      }
      if (refs.size() == d.refs.size()) {
        continue;
      }
      auto live = m_store.get(*d.type, d.ns, d.name);
      if (!live) {
        continue;
      }
      if (refs.empty()) {
        (*live)["metadata"].erase("ownerReferences");  // omitempty, as the server writes it
      } else {
        (*live)["metadata"]["ownerReferences"] = refs;
      }
      (void)m_store.update(*d.type, d.ns, d.name, *live);
      changed = true;
    }
    for (const auto& owner : owners) {
      const Json& m = owner.object["metadata"];
      // The dependents of an orphaning owner lost their references above.
      std::string drop = "orphan";
      if (!has_finalizer(owner.object, "orphan")) {
        if (blocked.count(m.value("uid", "")) > 0) {
          continue;
        }
        drop = "foregroundDeletion";
      }
      Json copy = owner.object;
      Json left = Json::array();
      for (const auto& f : m["finalizers"]) {
        if (f != drop) {
          left.push_back(f);
        }
      }
      copy["metadata"]["finalizers"] = left;
      auto r = m_store.update(*owner.type, m.value("namespace", ""), m.value("name", ""), copy);
      if (r && ready_to_go(*r)) {
        finish_deletion(*owner.type, *r);
      }
      changed = true;
    }
    if (!changed) {
      break;
    }
    wrote = true;
  }
  if (wrote) {
    m_changed.notify_all();
  }
  return wrote;
}

void ApiServer::garbage_collector_loop() {
  std::unique_lock<std::mutex> lock(m_mu);
  while (true) {
    m_changed.wait(lock, [&] { return m_gc_quit || (!m_gc_paused && m_gc_dirty); });
    if (m_gc_quit) {
      return;
    }
    // A moment for a burst of writes to land (a mass deletion), as the
    // real collector's informers and queues batch them.
    m_changed.wait_for(lock, std::chrono::milliseconds(2), [&] { return m_gc_quit; });
    if (m_gc_paused) {
      continue;
    }
    m_gc_dirty = false;
    (void)collect_garbage();
  }
}

void ApiServer::pause_garbage_collector(bool paused) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_gc_paused = paused;
  m_changed.notify_all();
}

Result<std::pair<Json, bool>> ApiServer::do_delete(const ResourceType& type,
                                                   const std::string& ns,
                                                   const std::string& name,
                                                   const DeleteRequest& request) {
  auto live = m_store.get(type, ns, name);
  if (!live) {
    return tl::unexpected(live.error());
  }
  Json object = *live;
  Json& meta = object["metadata"];
  auto precondition_failed = [&](const std::string& what, const std::string& want,
                                 const std::string& have) {
    return ApiError{409, "Conflict",
                    "Operation cannot be fulfilled on " + qualified(type) + " \"" + name +
                        "\": Precondition failed: " + what + " in precondition: " + want + ", " +
                        what + " in object meta: " + have,
                    Json{{"name", name}, {"group", type.group}, {"kind", type.resource}}};
  };
  if (!request.precondition_uid.empty() && request.precondition_uid != meta.value("uid", "")) {
    return tl::unexpected(
        precondition_failed("UID", request.precondition_uid, meta.value("uid", "")));
  }
  if (!request.precondition_rv.empty() &&
      request.precondition_rv != meta.value("resourceVersion", "")) {
    return tl::unexpected(precondition_failed("ResourceVersion", request.precondition_rv,
                                              meta.value("resourceVersion", "")));
  }
  // Negative grace periods count as 1 s (apiserver registry/rest/delete.go:
  // BeforeDelete).
  std::optional<long long> grace = request.grace_period_seconds;
  if (grace && *grace < 0) {
    grace = 1;
  }
  // The stored object, then gone when nothing holds it any more.
  auto write = [&](bool deleting_now) -> Result<std::pair<Json, bool>> {
    if (request.dry_run) {
      return std::make_pair(object, deleting_now && ready_to_go(object));
    }
    auto r = m_store.update(type, ns, name, object);
    if (!r) {
      return tl::unexpected(r.error());
    }
    const bool gone = deleting_now && ready_to_go(*r);
    if (gone) {
      finish_deletion(type, *r);
    } else if (wants_collection(m_store, type, *r)) {
      m_gc_dirty = true;
    }
    m_changed.notify_all();
    return std::make_pair(*r, gone);
  };
  if (meta.contains("deletionTimestamp")) {
    // Being deleted already: a DELETE may only shorten the grace period
    // (BeforeDelete); otherwise it waits with the others.
    const long long current = meta.value("deletionGracePeriodSeconds", 0LL);
    if (!grace || *grace >= current) {
      return std::make_pair(object, false);
    }
    meta["deletionTimestamp"] =
        rfc3339_after(meta.value("deletionTimestamp", ""), *grace - current);
    meta["deletionGracePeriodSeconds"] = *grace;
    return write(true);
  }
  std::string policy = request.propagation_policy;
  if (policy.empty()) {
    // batch/v1 Jobs orphan their pods unless told otherwise (compatibility).
    policy = type.group == "batch" && type.resource == "jobs" ? "Orphan" : "Background";
  }
  auto add_finalizer = [&](const char* f) {
    if (!meta.contains("finalizers") || !meta["finalizers"].is_array()) {
      meta["finalizers"] = Json::array();
    }
    if (std::find(meta["finalizers"].begin(), meta["finalizers"].end(), f) ==
        meta["finalizers"].end()) {
      meta["finalizers"].push_back(f);
    }
  };
  // The API server adds these whatever the dependents; the garbage
  // collector removes them.
  if (policy == "Foreground") {
    add_finalizer("foregroundDeletion");
  } else if (policy == "Orphan") {
    add_finalizer("orphan");
  }
  if (type.group.empty() && type.resource == "pods") {
    // Graceful deletion (kubernetes pkg/registry/core/pod/strategy.go:
    // CheckGracefulDelete): the DeleteOptions' period, else the Pod's
    // terminationGracePeriodSeconds, else 30; none for a Pod no node runs
    // or one whose containers are done. The kubelet stops the containers
    // and deletes the Pod with gracePeriodSeconds=0.
    const Json spec = object.value("spec", Json::object());
    const Json status = object.value("status", Json::object());
    long long period = 30;
    if (grace) {
      period = *grace;
    } else if (spec.is_object() && spec.contains("terminationGracePeriodSeconds") &&
               spec["terminationGracePeriodSeconds"].is_number_integer()) {
      period = spec["terminationGracePeriodSeconds"].get<long long>();
    }
    const Json phase = status.is_object() ? status.value("phase", Json("")) : Json("");
    const Json node = spec.is_object() ? spec.value("nodeName", Json("")) : Json("");
    if (node == Json("") || !node.is_string() || phase == Json("Succeeded") ||
        phase == Json("Failed")) {
      period = 0;
    } else if (period < 0) {
      period = 1;
    }
    meta["deletionTimestamp"] = to_rfc3339(m_clock.now() + std::chrono::seconds(period));
    meta["deletionGracePeriodSeconds"] = period;
    return write(true);
  }
  if (has_finalizers(object)) {
    meta["deletionTimestamp"] = m_clock.rfc3339();
    meta["deletionGracePeriodSeconds"] = 0;
    return write(false);
  }
  if (request.dry_run) {
    return std::make_pair(object, true);
  }
  finish_deletion(type, object);
  m_changed.notify_all();
  return std::make_pair(object, true);
}

// DeleteOptions from the body and the query, as DELETE and deletecollection
// take them.
Result<DeleteRequest> delete_options(const httplib::Request& req, bool dry_run) {
  DeleteRequest dr;
  dr.dry_run = dry_run;
  if (!req.body.empty()) {
    const Json options = Json::parse(req.body, nullptr, false);
    if (!options.is_object()) {
      return tl::unexpected(
          ApiError{400, "BadRequest", "the DeleteOptions body is malformed", Json::object()});
    }
    dr.propagation_policy = options.value("propagationPolicy", "");
    if (options.contains("gracePeriodSeconds") &&
        options["gracePeriodSeconds"].is_number_integer()) {
      dr.grace_period_seconds = options["gracePeriodSeconds"].get<long long>();
    }
    if (options.contains("preconditions") && options["preconditions"].is_object()) {
      dr.precondition_uid = options["preconditions"].value("uid", "");
      dr.precondition_rv = options["preconditions"].value("resourceVersion", "");
    }
    if (options.contains("dryRun") && options["dryRun"].is_array() && !options["dryRun"].empty()) {
      dr.dry_run = true;
    }
  }
  if (req.has_param("propagationPolicy")) {
    dr.propagation_policy = req.get_param_value("propagationPolicy");
  }
  if (req.has_param("gracePeriodSeconds")) {
    const std::string g = req.get_param_value("gracePeriodSeconds");
    char* end = nullptr;
    const long long v = std::strtoll(g.c_str(), &end, 10);
    if (g.empty() || end == nullptr || *end != '\0') {
      return tl::unexpected(ApiError{400, "BadRequest",
                                     "strconv.ParseInt: parsing \"" + g + "\": invalid syntax",
                                     Json::object()});
    }
    dr.grace_period_seconds = v;
  }
  if (!dr.propagation_policy.empty() && dr.propagation_policy != "Background" &&
      dr.propagation_policy != "Foreground" && dr.propagation_policy != "Orphan") {
    return tl::unexpected(ApiError{422, "Invalid",
                                   "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: "
                                   "Unsupported value: \"" +
                                       dr.propagation_policy +
                                       "\": supported values: \"Foreground\", \"Background\", "
                                       "\"Orphan\", \"nil\"",
                                   Json::object()});
  }
  return dr;
}

void ApiServer::serve_resource(const Route& route,
                               const httplib::Request& req,
                               httplib::Response& res) {
  const ResourceType& type = *route.type;
  const Parsed& p = route.path;
  const bool dry_run = is_dry_run(req);
  if (req.has_param("dryRun") && !dry_run) {
    send_error(res,
               ApiError{400, "BadRequest", "Invalid dryRun value: " + req.get_param_value("dryRun"),
                        Json::object()});
    return;
  }
  // fieldValidation, and the warnings admission collects.
  Admission admission;
  if (req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
    const char* options = req.method == "POST"  ? "CreateOptions"
                          : req.method == "PUT" ? "UpdateOptions"
                                                : "PatchOptions";
    auto fv = parse_field_validation(req.get_param_value("fieldValidation"), options);
    if (!fv) {
      send_error(res, fv.error());
      return;
    }
    admission.field_validation = *fv;
  }
  auto finish = [&](const Result<Json>& r, int ok_code) {
    for (const auto& w : admission.warnings) {  // as NewWarningHeader writes them
      res.headers.emplace("Warning", "299 - " + Json(w).dump());
    }
    if (r) {
      send_json(res, ok_code, *r);
    } else {
      send_error(res, r.error());
    }
  };
  std::unique_lock<std::mutex> lock(m_mu);
  if (req.method == "GET" && !p.name.empty()) {
    finish(m_store.get(type, p.ns, p.name), 200);
    return;
  }
  if (req.method == "GET" || (req.method == "DELETE" && p.name.empty())) {
    auto labels = LabelSelector::parse(req.get_param_value("labelSelector"));
    auto fields = FieldSelector::parse(req.get_param_value("fieldSelector"), type);
    if (!labels || !fields) {
      send_error(res, !labels ? labels.error() : fields.error());
      return;
    }
    const std::string rv = req.get_param_value("resourceVersion");
    const std::string match = req.get_param_value("resourceVersionMatch");
    if (!match.empty() && rv.empty()) {
      send_error(res, ApiError{422, "Invalid",
                               "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: "
                               "Forbidden: resourceVersionMatch is forbidden unless "
                               "resourceVersion is provided",
                               Json::object()});
      return;
    }
    if (!rv.empty() &&
        (rv.size() > 19 || rv.find_first_not_of("0123456789") != std::string::npos)) {
      send_error(res,
                 ApiError{400, "BadRequest", "invalid resource version: " + rv, Json::object()});
      return;
    }
    if (!rv.empty() && rv != "0" && std::stoull(rv) > m_store.resource_version()) {
      send_error(res, ApiError{504, "Timeout",
                               "Too large resource version: " + rv +
                                   ", current: " + std::to_string(m_store.resource_version()),
                               Json{{"causes",
                                     {{{"reason", "ResourceVersionTooLarge"},
                                       {"message", "Too large resource version"}}}},
                                    {"retryAfterSeconds", 1}}});
      return;
    }
    ListOptions options;
    const std::string limit = req.get_param_value("limit");
    if (!limit.empty() && limit.size() < 10 &&
        limit.find_first_not_of("0123456789") == std::string::npos) {
      options.limit = std::stoul(limit);
    }
    options.continue_token = req.get_param_value("continue");
    if (!labels->empty() || !fields->empty()) {
      options.filter = [&](const Json& o) {
        return labels->matches(o["metadata"].value("labels", Json())) && fields->matches(o);
      };
    }
    if (req.method == "GET") {
      auto text = m_store.list_json(type, p.ns, options);
      if (!text) {
        send_error(res, text.error());
      } else {
        res.status = 200;
        res.set_content(std::move(*text), k_json);
      }
      return;
    }
    auto list = m_store.list(type, p.ns, options);
    if (!list) {
      finish(list, 200);
      return;
    }
    // deletecollection: deletes what the list selected, with the options.
    auto dr = delete_options(req, dry_run);
    if (!dr) {
      send_error(res, dr.error());
      return;
    }
    for (const auto& item : (*list)["items"]) {
      (void)do_delete(type, item["metadata"].value("namespace", ""),
                      item["metadata"].value("name", ""), *dr);
    }
    finish(list, 200);
    return;
  }
  if (req.method == "POST" && p.subresource == "binding") {
    auto body = parse_body(req);
    if (!body) {
      send_error(res, body.error());
      return;
    }
    finish(dry_run ? m_store.get(type, p.ns, p.name) : do_bind(p.ns, p.name, *body), 201);
    return;
  }
  if (req.method == "POST") {
    if (!p.name.empty()) {
      send_error(res, not_found_path());
      return;
    }
    auto body = parse_body(req);
    if (!body) {
      send_error(res, body.error());
      return;
    }
    finish(as_decoded_body(type, do_create(type, p.ns, std::move(*body), manager_of(req), dry_run,
                                           &admission, body_request(req))),
           201);
    return;
  }
  if (req.method == "PUT") {
    auto body = parse_body(req);
    if (!body) {
      send_error(res, body.error());
      return;
    }
    if (body->is_object() && body->contains("metadata") && (*body)["metadata"].is_object() &&
        (*body)["metadata"].value("name", p.name) != p.name) {
      send_error(res, ApiError{400, "BadRequest",
                               "the name of the object (" +
                                   (*body)["metadata"].value("name", std::string()) +
                                   ") does not match the name on the URL (" + p.name + ")",
                               Json::object()});
      return;
    }
    if (p.subresource == "status") {
      finish(
          as_decoded_body(type, do_update_status(type, p.ns, p.name, *body, dry_run, &admission)),
          200);
    } else {
      finish(as_decoded_body(type, do_update(type, p.ns, p.name, std::move(*body), manager_of(req),
                                             dry_run, &admission, body_request(req))),
             200);
    }
    return;
  }
  if (req.method == "PATCH") {
    const std::string ct = media_type(req.get_header_value("Content-Type"));
    const bool is_apply = ct == "application/apply-patch+yaml";
    const bool force = req.get_param_value("force") == "true";
    if (force && !is_apply) {
      send_error(res, ApiError{422, "Invalid",
                               "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may "
                               "not be specified for non-apply patch",
                               Json::object()});
      return;
    }
    if (is_apply) {
      if (!req.has_param("fieldManager") || req.get_param_value("fieldManager").empty()) {
        send_error(res, ApiError{422, "Invalid",
                                 "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: "
                                 "Required value: is required for apply patch",
                                 Json::object()});
        return;
      }
      auto applied = parse_yaml(req.body);
      if (!applied) {
        send_error(res, applied.error());
        return;
      }
      if (!applied->is_object()) {
        send_error(res,
                   ApiError{400, "BadRequest", "the apply patch is not an object", Json::object()});
        return;
      }
      if (applied->contains("metadata") && (*applied)["metadata"].is_object() &&
          (*applied)["metadata"].contains("managedFields") &&
          !(*applied)["metadata"]["managedFields"].is_null()) {
        send_error(
            res, ApiError{400, "BadRequest", "metadata.managedFields must be nil", Json::object()});
        return;
      }
      const std::string given =
          (*applied).contains("metadata") && (*applied)["metadata"].is_object()
              ? (*applied)["metadata"].value("name", "")
              : "";
      if (given != p.name) {
        send_error(res, ApiError{400, "BadRequest",
                                 "the name of the object (" + given +
                                     ") does not match the name on the URL (" + p.name + ")",
                                 Json::object()});
        return;
      }
      ApplyRequest ar{req.get_param_value("fieldManager"), force, type.api_version(),
                      m_clock.rfc3339()};
      auto live = m_store.get(type, p.ns, p.name);
      if (!live) {
        auto created = apply(Json::object(), *applied, ar);
        if (!created) {
          send_error(res, created.error());
          return;
        }
        // do_create with no manager: apply recorded the field set already.
        finish(do_create(type, p.ns, std::move(*created), "", dry_run, &admission, patch_request()),
               201);
        return;
      }
      auto merged = apply(*live, *applied, ar);
      if (!merged) {
        send_error(res, merged.error());
        return;
      }
      if (p.subresource == "status") {
        finish(do_update_status(type, p.ns, p.name, *merged, dry_run, &admission), 200);
      } else {
        finish(do_update(type, p.ns, p.name, std::move(*merged), "", dry_run, &admission,
                         patch_request()),
               200);
      }
      return;
    }
    const bool merge = ct == "application/merge-patch+json";
    const bool json = ct == "application/json-patch+json";
    const bool strategic = ct == "application/strategic-merge-patch+json" && type.group != "ray.io";
    if (!merge && !json && !strategic) {
      send_error(
          res, unsupported_media(type.group == "ray.io"
                                     ? "application/json-patch+json, application/merge-patch+json, "
                                       "application/apply-patch+yaml"
                                     : "application/json-patch+json, application/merge-patch+json, "
                                       "application/apply-patch+yaml, "
                                       "application/strategic-merge-patch+json"));
      return;
    }
    Json patch = Json::parse(req.body, nullptr, false);
    if (patch.is_discarded()) {
      send_error(res,
                 ApiError{400, "BadRequest", "error decoding patch: invalid JSON", Json::object()});
      return;
    }
    auto live = m_store.get(type, p.ns, p.name);
    if (!live) {
      send_error(res, live.error());
      return;
    }
    Result<Json> patched = merge       ? Result<Json>(merge_patch(*live, patch))
                           : strategic ? Result<Json>(strategic_merge_patch(*live, patch))
                                       : json_patch(*live, patch);
    if (!patched) {
      send_error(res, patched.error());
      return;
    }
    if (p.subresource == "status") {
      finish(do_update_status(type, p.ns, p.name, *patched, dry_run, &admission), 200);
    } else {
      finish(do_update(type, p.ns, p.name, std::move(*patched), manager_of(req), dry_run,
                       &admission, patch_request()),
             200);
    }
    return;
  }
  if (req.method == "DELETE") {
    auto options = delete_options(req, dry_run);
    if (!options) {
      send_error(res, options.error());
      return;
    }
    const DeleteRequest& dr = *options;
    if (type.group == "batch" && type.resource == "jobs" && dr.propagation_policy.empty()) {
      res.headers.emplace("Warning",
                          "299 - \"child pods are preserved by default when jobs are deleted; set "
                          "propagationPolicy=Background to remove them or set "
                          "propagationPolicy=Orphan to suppress this warning\"");
    }
    auto r = do_delete(type, p.ns, p.name, dr);
    if (!r) {
      send_error(res, r.error());
      return;
    }
    const auto& [object, gone] = *r;
    // Deleted at once: 200 with the object for pods, services, namespaces
    // and custom resources (ReturnDeletedObject), a Status for the others;
    // waiting for finalizers: 200 with the object and its deletionTimestamp
    // (202 only in a legacy orphanDependents case).
    // An object deleted through a finalizer (Foreground, Orphan; Jobs
    // orphan by default) was returned with it by the real server.
    const bool jobs = type.group == "batch" && type.resource == "jobs";
    const bool via_finalizer = dr.propagation_policy == "Foreground" ||
                               dr.propagation_policy == "Orphan" ||
                               (jobs && dr.propagation_policy.empty());
    const bool returns_object = type.group == "ray.io" || type.resource == "pods" ||
                                type.resource == "services" || type.resource == "namespaces" ||
                                via_finalizer;
    if (!gone) {
      send_json(res, 200, object);  // still there, with deletionTimestamp
    } else {
      send_json(res, 200, returns_object ? object : status_success(type, object));
    }
    return;
  }
  send_error(res, ApiError{405, "MethodNotAllowed",
                           "the server does not allow this method on the requested resource",
                           Json::object()});
}

struct ApiServer::WatchState {
  const ResourceType* type = nullptr;
  std::string ns;
  std::optional<LabelSelector> labels;
  std::optional<FieldSelector> fields;
  std::uint64_t last_rv = 0;
  std::vector<std::string> pending;  // serialized events, newline-terminated
  bool end_after_pending = false;
  bool bookmarks = false;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::steady_clock::time_point next_bookmark;
  int sent = 0;
  int drop_after = 0;
  bool split = false;

  bool matches(const Json& o) const {
    return o.is_object() && labels->matches(o["metadata"].value("labels", Json())) &&
           fields->matches(o);
  }
};

void ApiServer::serve_watch(const Route& route,
                            const httplib::Request& req,
                            httplib::Response& res) {
  auto state = std::make_shared<WatchState>();
  state->type = route.type;
  state->ns = route.path.ns;
  auto labels = LabelSelector::parse(req.get_param_value("labelSelector"));
  auto fields = FieldSelector::parse(req.get_param_value("fieldSelector"), *route.type);
  if (!labels || !fields) {
    send_error(res, !labels ? labels.error() : fields.error());
    return;
  }
  state->labels = std::move(*labels);
  state->fields = std::move(*fields);
  state->bookmarks = req.get_param_value("allowWatchBookmarks") == "true";
  const std::string timeout = req.get_param_value("timeoutSeconds");
  // 0 or unset: the server's default (min-request-timeout), as handlers/get.go.
  double timeout_s = m_options.default_watch_timeout_s;
  if (!timeout.empty() && timeout.size() < 10 &&
      timeout.find_first_not_of("0123456789") == std::string::npos && std::stol(timeout) > 0) {
    timeout_s = static_cast<double>(std::stol(timeout));
  }
  const auto start = std::chrono::steady_clock::now();
  state->deadline = start + real_seconds(timeout_s);
  state->next_bookmark = start + real_seconds(m_options.bookmark_interval_s);
  const std::string rv = req.get_param_value("resourceVersion");
  if (!rv.empty() && rv.find_first_not_of("0123456789") != std::string::npos) {
    send_error(res, ApiError{400, "BadRequest", "invalid resource version: " + rv, Json::object()});
    return;
  }
  {
    std::lock_guard<std::mutex> lock(m_mu);
    state->drop_after = m_drop_watch_after;
    state->split = m_split_events;
    state->bookmarks = state->bookmarks && m_bookmarks;
    const bool initial =
        rv.empty() || rv == "0" || req.get_param_value("sendInitialEvents") == "true";
    if (initial) {
      // Synthetic ADDED for what exists now, then changes from here on.
      ListOptions all;
      all.filter = [&](const Json& o) { return state->matches(o); };
      auto list = m_store.list(*route.type, route.path.ns, all);
      for (const auto& item : (*list)["items"]) {
        state->pending.push_back(event_line("ADDED", item).dump() + "\n");
      }
      state->last_rv = m_store.resource_version();
      if (req.get_param_value("sendInitialEvents") == "true" && state->bookmarks) {
        Json mark = {{"kind", route.type->kind},
                     {"apiVersion", route.type->api_version()},
                     {"metadata",
                      {{"resourceVersion", std::to_string(state->last_rv)},
                       {"annotations", {{"k8s.io/initial-events-end", "true"}}}}}};
        state->pending.push_back(event_line("BOOKMARK", mark).dump() + "\n");
      }
    } else {
      state->last_rv = std::stoull(rv);
      auto probe = m_store.events_since(*route.type, route.path.ns, state->last_rv);
      if (m_gone_on_resume > 0) {  // the fault: a resume is too old, as an HTTP status
        --m_gone_on_resume;
        send_error(res, ApiError{410, "Expired",
                                 "too old resource version: " + rv + " (" +
                                     std::to_string(m_store.resource_version()) + ")",
                                 Json::object()});
        return;
      }
      if (!probe) {  // as the watch cache answers: 200, then an ERROR event
        state->pending.push_back(event_line("ERROR", probe.error().to_status()).dump() + "\n");
        state->end_after_pending = true;
      }
    }
  }
  res.status = 200;
  const int fd = req.ssl != nullptr ? SSL_get_fd(req.ssl) : -1;
  auto counted = std::make_shared<StreamCount>(m_streams);
  res.set_chunked_content_provider(k_json, [this, state, fd, counted](std::size_t,
                                                                      httplib::DataSink& sink) {
    std::unique_lock<std::mutex> lock(m_mu);
    while (state->pending.empty() && !state->end_after_pending) {
      const auto now = std::chrono::steady_clock::now();
      if (peer_gone(fd)) {
        return false;
      }
      if (m_stopping || now >= state->deadline) {
        lock.unlock();
        sink.done();
        return true;
      }
      auto events = m_store.events_since(*state->type, state->ns, state->last_rv);
      if (!events) {
        state->pending.push_back(event_line("ERROR", events.error().to_status()).dump() + "\n");
        state->end_after_pending = true;
        break;
      }
      for (const auto& e : *events) {
        const bool now_in = state->matches(e.object);
        const bool was_in = e.type != EventType::added && state->matches(e.previous);
        std::string type;
        if (e.type == EventType::deleted) {
          type = was_in ? "DELETED" : "";
        } else if (now_in) {
          type = was_in ? "MODIFIED" : "ADDED";
        } else if (was_in) {
          type = "DELETED";  // left the selector
        }
        if (!type.empty()) {
          state->pending.push_back(event_line(type, e.object).dump() + "\n");
        }
        state->last_rv = e.resource_version;
      }
      // Everything up to now has been seen: a watch on a quiet kind must
      // not fall out of the history because other kinds were busy.
      state->last_rv = std::max(state->last_rv, m_store.resource_version());
      if (!state->pending.empty()) {
        break;
      }
      if (state->bookmarks && now >= state->next_bookmark) {
        state->last_rv = m_store.resource_version();
        Json mark = {{"kind", state->type->kind},
                     {"apiVersion", state->type->api_version()},
                     {"metadata", {{"resourceVersion", std::to_string(state->last_rv)}}}};
        state->pending.push_back(event_line("BOOKMARK", mark).dump() + "\n");
        state->next_bookmark = now + real_seconds(m_options.bookmark_interval_s);
        break;
      }
      m_changed.wait_until(lock, std::min({state->deadline, state->next_bookmark,
                                           now + std::chrono::milliseconds(100)}));
    }
    std::vector<std::string> lines;
    lines.swap(state->pending);
    lock.unlock();
    for (const auto& line : lines) {
      if (state->drop_after > 0 && state->sent >= state->drop_after) {
        return false;  // the connection drops mid-stream
      }
      if (state->split && line.size() > 2) {
        const std::size_t half = line.size() / 2;
        if (!sink.write(line.data(), half) || !sink.write(line.data() + half, line.size() - half)) {
          return false;
        }
      } else if (!sink.write(line.data(), line.size())) {
        return false;
      }
      ++state->sent;
    }
    if (state->end_after_pending) {
      sink.done();
    }
    return true;
  });
}

void ApiServer::serve_log(const Route& route, const httplib::Request& req, httplib::Response& res) {
  std::unique_lock<std::mutex> lock(m_mu);
  const std::string& ns = route.path.ns;
  const std::string& name = route.path.name;
  auto pod = m_store.get(*route.type, ns, name);
  if (!pod) {
    send_error(res, pod.error());
    return;
  }
  std::vector<std::string> containers;
  for (const char* list : {"initContainers", "containers"}) {
    if ((*pod)["spec"].contains(list)) {
      for (const auto& c : (*pod)["spec"][list]) {
        containers.push_back(c.value("name", ""));
      }
    }
  }
  std::string container = req.get_param_value("container");
  auto bad = [&](const std::string& msg) {
    send_error(res, ApiError{400, "BadRequest", msg, Json::object()});
  };
  if (container.empty()) {
    if ((*pod)["spec"].contains("containers") && (*pod)["spec"]["containers"].size() == 1) {
      container = (*pod)["spec"]["containers"][0].value("name", "");
    } else {
      std::string names;
      for (const auto& c : containers) {
        names += (names.empty() ? "" : " ") + c;
      }
      bad("a container name must be specified for pod " + name + ", choose one of: [" + names +
          "]");
      return;
    }
  }
  if (std::find(containers.begin(), containers.end(), container) == containers.end()) {
    bad("container " + container + " is not valid for pod " + name);
    return;
  }
  // previous=true: the log of the container's run before its last restart
  // (kubelet keeps one).
  const bool previous = req.get_param_value("previous") == "true";
  const std::string key = ns + "/" + name + "/" + container + (previous ? "#previous" : "");
  if (previous && m_logs.count(key) == 0) {
    bad("previous terminated container \"" + container + "\" in pod \"" + name + "\" not found");
    return;
  }
  if (m_logs.count(key) == 0) {
    std::string reason = "ContainerCreating";
    const Json& st = (*pod)["status"];
    bool started = false;
    if (st.is_object() && st.contains("containerStatuses")) {
      for (const auto& cs : st["containerStatuses"]) {
        if (cs.value("name", "") == container && cs.contains("state")) {
          started = !cs["state"].contains("waiting");
          if (!started) {
            reason = cs["state"]["waiting"].value("reason", reason);
          }
        }
      }
    }
    if (!started) {
      bad("container \"" + container + "\" in pod \"" + name + "\" is waiting to start: " + reason);
      return;
    }
  }
  const bool timestamps = req.get_param_value("timestamps") == "true";
  const bool follow = req.get_param_value("follow") == "true";
  std::string since;
  if (req.has_param("sinceTime")) {
    since = req.get_param_value("sinceTime");
  } else if (req.has_param("sinceSeconds")) {
    since = to_rfc3339(m_clock.now() -
                       std::chrono::seconds(std::stoll("0" + req.get_param_value("sinceSeconds"))));
  }
  const auto& lines = m_logs[key].lines;
  std::size_t first = 0;
  while (first < lines.size() && !since.empty() && lines[first].first < since) {
    ++first;
  }
  if (req.has_param("tailLines")) {
    const std::size_t tail = std::stoul("0" + req.get_param_value("tailLines"));
    first = std::max(first, lines.size() > tail ? lines.size() - tail : 0);
  }
  long limit =
      req.has_param("limitBytes") ? std::stol("0" + req.get_param_value("limitBytes")) : -1;
  auto render = [timestamps](const std::pair<std::string, std::string>& l) {
    return (timestamps ? l.first + " " : std::string()) + l.second + "\n";
  };
  if (!follow || m_logs[key].ended) {
    std::string body;
    for (std::size_t i = first; i < lines.size(); ++i) {
      body += render(lines[i]);
    }
    if (limit >= 0 && body.size() > static_cast<std::size_t>(limit)) {
      body.resize(static_cast<std::size_t>(limit));
    }
    res.status = 200;
    res.set_content(body, "text/plain");
    return;
  }
  auto next = std::make_shared<std::size_t>(first);
  auto left = std::make_shared<long>(limit);
  res.status = 200;
  const int fd = req.ssl != nullptr ? SSL_get_fd(req.ssl) : -1;
  auto counted = std::make_shared<StreamCount>(m_streams);
  res.set_chunked_content_provider("text/plain", [this, key, next, left, render, fd, counted](
                                                     std::size_t, httplib::DataSink& sink) {
    std::unique_lock<std::mutex> lk(m_mu);
    for (;;) {
      if (peer_gone(fd)) {
        return false;
      }
      auto it = m_logs.find(key);
      if (m_stopping || it == m_logs.end()) {
        lk.unlock();
        sink.done();
        return true;
      }
      std::string out;
      while (*next < it->second.lines.size()) {
        out += render(it->second.lines[(*next)++]);
      }
      const bool ended = it->second.ended;
      if (!out.empty() || ended) {
        lk.unlock();
        if (*left >= 0) {
          out.resize(std::min<std::size_t>(out.size(), static_cast<std::size_t>(*left)));
          *left -= static_cast<long>(out.size());
        }
        if (!out.empty() && !sink.write(out.data(), out.size())) {
          return false;
        }
        if (ended || *left == 0) {
          sink.done();
        }
        return true;
      }
      m_changed.wait_for(lk, std::chrono::milliseconds(100));
    }
  });
}

namespace {

// utilnet.SplitSchemeNamePort: "name", "name:port" or "scheme:name:port",
// the scheme "", http or https, the name not empty.
bool split_scheme_name_port(const std::string& id, std::string& name, std::string& port) {
  std::vector<std::string> parts(1);
  for (char c : id) {
    if (c == ':') {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  std::string scheme;
  if (parts.size() == 1) {
    name = parts[0];
  } else if (parts.size() == 2) {
    name = parts[0];
    port = parts[1];
  } else if (parts.size() == 3) {
    scheme = parts[0];
    name = parts[1];
    port = parts[2];
  } else {
    return false;
  }
  return !name.empty() && (scheme.empty() || scheme == "http" || scheme == "https");
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string::npos;
}

ApiError unavailable(const std::string& message) {
  return {503, "ServiceUnavailable", message, Json::object()};
}

// What the proxy's transport answers when it cannot dial (apimachinery
// pkg/util/proxy/transport.go: "error trying to reach service: %v").
ApiError unreachable(const std::string& dial_error) {
  return unavailable("error trying to reach service: " + dial_error);
}

std::string json_string(const Json& o, const char* key) {
  return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : "";
}

}  // namespace

void ApiServer::serve_proxy(const Route& route,
                            const httplib::Request& req,
                            httplib::Response& res) {
  const std::string& id = route.path.name;
  const std::string& ns = route.path.ns;
  const bool pods = route.path.resource_name == "pods";
  std::string name;
  std::string port;
  if (!split_scheme_name_port(id, name, port)) {
    send_error(res, ApiError{400, "BadRequest",
                             std::string("invalid ") + (pods ? "pod" : "service") + " request \"" +
                                 id + "\"",
                             Json::object()});
    return;
  }
  // Where the request goes: a Pod (by name) and a port on its IP.
  std::string pod;
  std::string ip;
  std::string target_port;
  ProxyHandler handler;
  {
    std::lock_guard<std::mutex> lock(m_mu);
    const ResourceType* pod_type = m_store.find_type("", "v1", "pods");
    if (pods) {
      // pkg/registry/core/pod/strategy.go: ResourceLocation. No port: the
      // first container port, else the scheme's default.
      auto p = m_store.get(*pod_type, ns, name);
      if (!p) {
        send_error(res, p.error());
        return;
      }
      if (port.empty()) {
        const Json spec = (*p).value("spec", Json::object());
        for (const auto& c : spec.value("containers", Json::array())) {
          const Json ports = c.is_object() ? c.value("ports", Json::array()) : Json::array();
          if (ports.is_array() && !ports.empty() && ports[0].is_object() &&
              ports[0].contains("containerPort")) {
            port = ports[0]["containerPort"].dump();
            break;
          }
        }
      }
      ip = json_string((*p).value("status", Json::object()), "podIP");
      if (ip.empty()) {
        send_error(res, ApiError{400, "BadRequest", "address not allowed", Json::object()});
        return;
      }
      pod = name;
      target_port = port.empty() ? "80" : port;
    } else {
      // pkg/registry/core/service/storage/storage.go: ResourceLocation. A
      // port number names the Service port; then the Endpoints: a ready
      // address of a subset with that port name, backed by a Pod with that IP.
      std::string port_name = port;
      if (all_digits(port)) {
        auto svc = m_store.get(*route.type, ns, name);
        if (!svc) {
          send_error(res, svc.error());
          return;
        }
        bool found = false;
        const Json spec = (*svc).value("spec", Json::object());
        for (const auto& sp : spec.is_object() ? spec.value("ports", Json::array()) : Json()) {
          if (sp.is_object() && sp.contains("port") && sp["port"].dump() == port) {
            port_name = json_string(sp, "name");
            found = true;
            break;
          }
        }
        if (!found) {
          send_error(
              res, unavailable("no service port " + port + " found for service \"" + name + "\""));
          return;
        }
      }
      const ResourceType* ep_type = m_store.find_type("", "v1", "endpoints");
      auto eps = m_store.get(*ep_type, ns, name);
      if (!eps) {
        send_error(res, eps.error());
        return;
      }
      const Json subsets = (*eps).value("subsets", Json::array());
      if (!subsets.is_array() || subsets.empty()) {
        send_error(res, unavailable("no endpoints available for service \"" + name + "\""));
        return;
      }
      for (const auto& ss : subsets) {
        const Json addresses = ss.is_object() ? ss.value("addresses", Json::array()) : Json();
        const Json ports = ss.is_object() ? ss.value("ports", Json::array()) : Json();
        if (!addresses.is_array() || !ports.is_array()) {
          continue;
        }
        for (const auto& ep : ports) {
          if (!ep.is_object() || json_string(ep, "name") != port_name || !ep.contains("port")) {
            continue;
          }
          for (const auto& a : addresses) {
            // isValidAddress: a Pod of this namespace whose IPs include it.
            const Json ref = a.is_object() ? a.value("targetRef", Json::object()) : Json();
            if (json_string(ref, "kind") != "Pod" || json_string(ref, "namespace") != ns) {
              continue;
            }
            auto p = m_store.get(*pod_type, ns, json_string(ref, "name"));
            const std::string want = json_string(a, "ip");
            bool matches = false;
            if (p) {
              const Json st = (*p).value("status", Json::object());
              for (const auto& pip : st.is_object() ? st.value("podIPs", Json::array()) : Json()) {
                matches = matches || json_string(pip, "ip") == want;
              }
            }
            if (matches) {
              pod = json_string(ref, "name");
              ip = want;
              target_port = ep["port"].dump();
              break;
            }
          }
          if (!pod.empty()) {
            break;
          }
        }
        if (!pod.empty()) {
          break;
        }
      }
      if (pod.empty()) {
        send_error(res, unavailable("no endpoints available for service \"" + id + "\""));
        return;
      }
    }
    if (!all_digits(target_port)) {
      send_error(res, unreachable("dial tcp: lookup tcp/" + target_port + ": unknown port"));
      return;
    }
    auto it = m_listeners.find(ns + "/" + pod + ":" + target_port);
    if (it == m_listeners.end()) {
      send_error(
          res, unreachable("dial tcp " + ip + ":" + target_port + ": connect: connection refused"));
      return;
    }
    handler = it->second;
  }
  std::string query;
  for (const auto& [k, v] : req.params) {
    query += (query.empty() ? "" : "&") + k + "=" + v;
  }
  const ProxyResponse r =
      handler(ProxyRequest{req.method, route.path.rest.empty() ? "/" : route.path.rest, query,
                           req.body, req.get_header_value("Content-Type")});
  res.status = r.status;
  res.set_content(r.body, r.content_type);
}

namespace {
ApiError unknown_type(const std::string& api_version, const std::string& resource) {
  return {
      404, "NotFound",
      "the server could not find the requested resource (" + resource + " in " + api_version + ")",
      Json::object()};
}
}  // namespace

Result<Json> ApiServer::create(const std::string& api_version,
                               const std::string& resource,
                               const std::string& ns,
                               Json object) {
  std::lock_guard<std::mutex> lock(m_mu);
  const ResourceType* t = type_of(api_version, resource);
  if (t == nullptr) {
    return tl::unexpected(unknown_type(api_version, resource));
  }
  return do_create(*t, ns, std::move(object), "fakekube", false);
}

Result<Json> ApiServer::get(const std::string& api_version,
                            const std::string& resource,
                            const std::string& ns,
                            const std::string& name) const {
  std::lock_guard<std::mutex> lock(m_mu);
  const ResourceType* t = type_of(api_version, resource);
  if (t == nullptr) {
    return tl::unexpected(unknown_type(api_version, resource));
  }
  return m_store.get(*t, ns, name);
}

Result<Json> ApiServer::update(const std::string& api_version,
                               const std::string& resource,
                               const std::string& ns,
                               Json object,
                               const std::string& manager) {
  std::lock_guard<std::mutex> lock(m_mu);
  const ResourceType* t = type_of(api_version, resource);
  if (t == nullptr) {
    return tl::unexpected(unknown_type(api_version, resource));
  }
  const std::string name = object["metadata"].value("name", "");
  return do_update(*t, ns, name, std::move(object), manager, false);
}

Result<Json> ApiServer::update_status(const std::string& api_version,
                                      const std::string& resource,
                                      const std::string& ns,
                                      const Json& object) {
  std::lock_guard<std::mutex> lock(m_mu);
  const ResourceType* t = type_of(api_version, resource);
  if (t == nullptr) {
    return tl::unexpected(unknown_type(api_version, resource));
  }
  return do_update_status(*t, ns, object["metadata"].value("name", ""), object, false);
}

Result<Json> ApiServer::remove(const std::string& api_version,
                               const std::string& resource,
                               const std::string& ns,
                               const std::string& name,
                               const DeleteRequest& request) {
  std::lock_guard<std::mutex> lock(m_mu);
  const ResourceType* t = type_of(api_version, resource);
  if (t == nullptr) {
    return tl::unexpected(unknown_type(api_version, resource));
  }
  auto r = do_delete(*t, ns, name, request);
  if (!r) {
    return tl::unexpected(r.error());
  }
  return r->first;
}

std::vector<Json> ApiServer::list(const std::string& api_version,
                                  const std::string& resource,
                                  const std::string& ns) const {
  std::lock_guard<std::mutex> lock(m_mu);
  std::vector<Json> out;
  const ResourceType* t = type_of(api_version, resource);
  if (t == nullptr) {
    return out;
  }
  auto l = m_store.list(*t, ns, {});
  for (const auto& item : (*l)["items"]) {
    out.push_back(item);
  }
  return out;
}

std::uint64_t ApiServer::resource_version() const {
  std::lock_guard<std::mutex> lock(m_mu);
  return m_store.resource_version();
}

std::uint64_t ApiServer::wait_for_change(std::uint64_t after,
                                         std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(m_mu);
  m_changed.wait_for(lock, timeout,
                     [&] { return m_stopping || m_store.resource_version() > after; });
  return m_store.resource_version();
}

void ApiServer::append_log(const std::string& ns,
                           const std::string& pod,
                           const std::string& container,
                           const std::string& line) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_logs[ns + "/" + pod + "/" + container].lines.emplace_back(m_clock.rfc3339(), line);
  m_changed.notify_all();
}

void ApiServer::end_log(const std::string& ns,
                        const std::string& pod,
                        const std::string& container) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_logs[ns + "/" + pod + "/" + container].ended = true;
  m_changed.notify_all();
}

void ApiServer::restart_log(const std::string& ns,
                            const std::string& pod,
                            const std::string& container) {
  std::lock_guard<std::mutex> lock(m_mu);
  const std::string key = ns + "/" + pod + "/" + container;
  LogStream previous = std::move(m_logs[key]);
  previous.ended = true;
  m_logs[key + "#previous"] = std::move(previous);
  m_logs[key] = LogStream{};
  m_changed.notify_all();
}

std::optional<ProxyResponse> ApiServer::call_listener(const std::string& ns,
                                                      const std::string& pod,
                                                      int port,
                                                      const ProxyRequest& request) const {
  ProxyHandler handler;
  {
    std::lock_guard<std::mutex> lock(m_mu);
    auto it = m_listeners.find(ns + "/" + pod + ":" + std::to_string(port));
    if (it == m_listeners.end()) {
      return std::nullopt;
    }
    handler = it->second;
  }
  return handler(request);
}

void ApiServer::listen(const std::string& ns,
                       const std::string& pod,
                       int port,
                       ProxyHandler handler) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_listeners[ns + "/" + pod + ":" + std::to_string(port)] = std::move(handler);
}

void ApiServer::unlisten(const std::string& ns, const std::string& pod, int port) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_listeners.erase(ns + "/" + pod + ":" + std::to_string(port));
}

bool ApiServer::listening(const std::string& ns, const std::string& pod, int port) const {
  std::lock_guard<std::mutex> lock(m_mu);
  return m_listeners.count(ns + "/" + pod + ":" + std::to_string(port)) != 0;
}

void ApiServer::set_request_hook(RequestHook hook) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_hook = std::move(hook);
}

void ApiServer::set_history(std::size_t events) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_store.set_history_limit(events);
}

void ApiServer::add_fault(Fault fault) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_faults.push_back(std::move(fault));
}

void ApiServer::set_latency(std::chrono::milliseconds latency) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_latency = latency;
}

void ApiServer::drop_watches_after(int events) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_drop_watch_after = events;
}

void ApiServer::gone_on_watch_resume(int times) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_gone_on_resume = times;
}

void ApiServer::split_watch_events(bool enabled) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_split_events = enabled;
}

void ApiServer::add_warning(const std::string& text) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_warnings.push_back(text);
}

void ApiServer::compress_responses(bool enabled) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_compress = enabled;
}

void ApiServer::set_bookmarks(bool enabled) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_bookmarks = enabled;
}

int ApiServer::open_streams() const {
  return m_streams.load();
}

std::vector<RequestRecord> ApiServer::requests() const {
  std::lock_guard<std::mutex> lock(m_mu);
  return m_requests;
}

void ApiServer::clear_requests() {
  std::lock_guard<std::mutex> lock(m_mu);
  m_requests.clear();
}

Result<std::vector<Json>> parse_nodes(const std::string& spec) {
  std::vector<Json> nodes;
  std::map<std::string, int> counters;
  for (const std::string& item : split(spec, ',')) {
    int count = 1;
    std::string shape = item;
    const auto x = item.find('x');
    if (x != std::string::npos && x > 0 &&
        item.substr(0, x).find_first_not_of("0123456789") == std::string::npos) {
      count = std::stoi(item.substr(0, x));
      shape = item.substr(x + 1);
    }
    Json capacity;
    std::string prefix;
    if (shape == "cpu") {
      capacity = {{"cpu", "32"}, {"memory", "128Gi"}, {"pods", "110"}};
      prefix = "cpu-node";
    } else if (shape.size() > 3 && shape.substr(shape.size() - 3) == "gpu" &&
               shape.substr(0, shape.size() - 3).find_first_not_of("0123456789") ==
                   std::string::npos) {
      const int gpus = std::stoi(shape.substr(0, shape.size() - 3));
      if (gpus <= 0) {
        return tl::unexpected(ApiError{
            400, "BadRequest", "node shape \"" + shape + "\": at least one GPU", Json::object()});
      }
      // A DGX H100 per 8 GPUs: 208 CPU (as the issue shapes it), 1900Gi.
      capacity = {{"cpu", std::to_string(26 * gpus)},
                  {"memory", std::to_string(1900 * gpus / 8) + "Gi"},
                  {"nvidia.com/gpu", std::to_string(gpus)},
                  {"rdma/rdma_shared_device_a", "1000"},
                  {"pods", "110"}};
      prefix = "gpu-node";
    } else {
      return tl::unexpected(ApiError{
          400, "BadRequest",
          "unknown node shape \"" + shape + "\" in \"" + item + "\": use cpu or Ngpu (8gpu)",
          Json::object()});
    }
    if (count <= 0) {
      return tl::unexpected(ApiError{
          400, "BadRequest", "node count must be positive in \"" + item + "\"", Json::object()});
    }
    for (int i = 0; i < count; ++i) {
      const std::string name = prefix + "-" + std::to_string(counters[prefix]++);
      nodes.push_back({{"apiVersion", "v1"},
                       {"kind", "Node"},
                       {"metadata",
                        {{"name", name},
                         {"labels",
                          {{"kubernetes.io/hostname", name},
                           {"kubernetes.io/os", "linux"},
                           {"kubernetes.io/arch", "amd64"}}}}},
                       {"spec", Json::object()},
                       {"status",
                        {{"capacity", capacity},
                         {"allocatable", capacity},
                         {"conditions",
                          {{{"type", "Ready"},
                            {"status", "True"},
                            {"reason", "KubeletReady"},
                            {"message", "kubelet is posting ready status"}}}}}}});
    }
  }
  if (nodes.empty()) {
    return tl::unexpected(
        ApiError{400, "BadRequest", "no nodes in \"" + spec + "\"", Json::object()});
  }
  return nodes;
}

namespace {

// A whole number in [min, max], or nullopt.
std::optional<long> whole(const std::string& text, long min, long max) {
  if (text.empty() || text.size() > 9 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const long n = std::stol(text);
  if (n < min || n > max) {
    return std::nullopt;
  }
  return n;
}

}  // namespace

Result<FaultSwitch> parse_fault(const std::string& text) {
  const auto eq = text.find('=');
  const std::string name = text.substr(0, eq);
  const std::string value = eq == std::string::npos ? "" : text.substr(eq + 1);
  const bool has_value = eq != std::string::npos;
  auto bad = [&](const std::string& why) {
    return tl::unexpected(
        ApiError{400, "BadRequest", "fault \"" + text + "\": " + why, Json::object()});
  };
  auto count = [&](long min) -> std::optional<long> { return whole(value, min, 1'000'000'000); };
  if (name == "gone-after" || name == "drop-watches-after" || name == "gone-on-resume" ||
      name == "latency") {
    const auto n = count(name == "latency" ? 0 : 1);
    if (!has_value || !n) {
      return bad(std::string(name == "latency" ? "MS" : "N") + " must be a whole number" +
                 (name == "latency" ? "" : " of 1 or more"));
    }
    const long v = *n;
    if (name == "gone-after") {
      return FaultSwitch([v](ApiServer& s) { s.set_history(static_cast<std::size_t>(v)); });
    }
    if (name == "drop-watches-after") {
      return FaultSwitch([v](ApiServer& s) { s.drop_watches_after(static_cast<int>(v)); });
    }
    if (name == "gone-on-resume") {
      return FaultSwitch([v](ApiServer& s) { s.gone_on_watch_resume(static_cast<int>(v)); });
    }
    return FaultSwitch([v](ApiServer& s) { s.set_latency(std::chrono::milliseconds(v)); });
  }
  if (name == "split-watch-events" || name == "no-bookmarks" || name == "compress") {
    if (has_value) {
      return bad("takes no value");
    }
    if (name == "split-watch-events") {
      return FaultSwitch([](ApiServer& s) { s.split_watch_events(true); });
    }
    if (name == "no-bookmarks") {
      return FaultSwitch([](ApiServer& s) { s.set_bookmarks(false); });
    }
    return FaultSwitch([](ApiServer& s) { s.compress_responses(true); });
  }
  if (name == "warning") {
    if (value.empty()) {
      return bad("needs a text");
    }
    return FaultSwitch([value](ApiServer& s) { s.add_warning(value); });
  }
  if (name == "status") {
    std::vector<std::string> parts(1);
    for (char c : value) {
      if (c == ':') {
        parts.emplace_back();
      } else {
        parts.back() += c;
      }
    }
    const auto code = whole(parts[0], 0, 599);
    if (!has_value || parts.size() < 3 || parts.size() > 5 || !code ||
        (*code != 0 && *code < 100)) {
      return bad(
          "the form is status=CODE:METHOD:PATH_PREFIX[:TIMES][:RETRY_AFTER], CODE 0 or "
          "100-599");
    }
    static const std::set<std::string> methods = {"",      "GET",    "POST", "PUT",
                                                  "PATCH", "DELETE", "HEAD", "OPTIONS"};
    if (methods.count(parts[1]) == 0) {
      return bad("METHOD \"" + parts[1] + "\" is not an HTTP method (empty: any)");
    }
    if (!parts[2].empty() && parts[2][0] != '/') {
      return bad("PATH_PREFIX must start with /");
    }
    Fault f;
    f.code = static_cast<int>(*code);
    f.method = parts[1];
    f.path_prefix = parts[2];
    if (parts.size() > 3) {
      const auto times = whole(parts[3], 1, 1'000'000'000);
      if (!times) {
        return bad("TIMES must be a whole number of 1 or more");
      }
      f.times = static_cast<int>(*times);
    }
    if (parts.size() > 4) {
      const auto retry = whole(parts[4], 0, 1'000'000'000);
      if (!retry) {
        return bad("RETRY_AFTER must be a whole number of seconds");
      }
      f.retry_after_s = static_cast<int>(*retry);
    }
    return FaultSwitch([f](ApiServer& s) { s.add_fault(f); });
  }
  return bad(
      "unknown (gone-after=N, drop-watches-after=N, gone-on-resume=N, split-watch-events, "
      "no-bookmarks, latency=MS, warning=TEXT, "
      "status=CODE:METHOD:PATH_PREFIX[:TIMES][:RETRY_AFTER], compress)");
}

Result<void> apply_fault(ApiServer& server, const std::string& text) {
  auto f = parse_fault(text);
  if (!f) {
    return tl::unexpected(f.error());
  }
  (*f)(server);
  return {};
}

}  // namespace fakekube
