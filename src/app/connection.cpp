// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/connection.hpp>

#include <krayctl/app/resources.hpp>
#include <krayctl/core/yaml/json.hpp>
#include <krayctl/io/clock.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/io/file_system.hpp>
#include <krayctl/io/process.hpp>
#include <krayctl/util/base64.hpp>
#include <krayctl/util/strings.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <mutex>

namespace kray::app {

namespace {

using core::Json;

Result<std::string> read_referenced(const Deps& deps,
                                    const std::string& path,
                                    const std::string& origin,
                                    const std::string& what) {
  const std::string resolved = kube::resolve_path(path, origin);
  auto text = deps.fs.read_file(resolved, io::k_credential_file_limit);
  if (!text) {
    return make_error(ErrorCode::config, what + " " + resolved + ": " + text.error().message);
  }
  return *text;
}

// The PEM of a `*-data` field, else of the file its path names (data wins,
// as in client-go), else "".
Result<std::string> pem_of(const Deps& deps,
                           const std::string& data,
                           const std::string& path,
                           const std::string& origin,
                           const std::string& what) {
  if (!data.empty() || path.empty()) {
    return data;
  }
  return read_referenced(deps, path, origin, what);
}

// "2026-11-26T10:00:00Z" -> seconds since the epoch; nullopt if unreadable.
std::optional<std::time_t> parse_time(const std::string& text) {
  std::tm tm{};
  if (strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) {
    return std::nullopt;
  }
  return timegm(&tm);
}

struct ExecCredential {
  std::string token;
  std::string cert_pem;
  std::string key_pem;
  std::optional<std::time_t> expires;
};

// One exec credential plugin, run on demand and cached (exec.go).
class ExecPlugin {
 public:
  ExecPlugin(const Deps& deps, const kube::ResolvedConfig& config, Deadline deadline)
      : m_deps(deps),
        m_exec(*config.user.exec),
        m_cluster(config.cluster),
        m_origin(config.user.origin),
        m_user(config.user_name),
        m_deadline(deadline) {}

  Result<ExecCredential> get() {
    if (m_cached && (!m_cached->expires || std::time(nullptr) < *m_cached->expires)) {
      return *m_cached;
    }
    return run();
  }

  Result<ExecCredential> run() {
    const std::string name =
        "exec credential plugin \"" + m_exec.command + "\" (user \"" + m_user + "\")";
    const std::string mode =
        m_exec.interactive_mode.empty() ? "IfAvailable" : m_exec.interactive_mode;
    const bool terminal = m_deps.processes.stdin_is_terminal();
    if (mode == "Always" && !terminal) {
      return make_error(ErrorCode::config, name +
                                               " needs a terminal (interactiveMode: Always), but "
                                               "standard input is not one");
    }
    const bool interactive = mode != "Never" && terminal;
    Json spec = {{"interactive", interactive}};
    if (m_exec.provide_cluster_info) {
      Json cluster = {{"server", m_cluster.server}};
      if (!m_cluster.tls_server_name.empty()) {
        cluster["tls-server-name"] = m_cluster.tls_server_name;
      }
      if (m_cluster.insecure_skip_tls_verify) {
        cluster["insecure-skip-tls-verify"] = true;
      }
      if (!m_cluster.certificate_authority_data.empty()) {
        cluster["certificate-authority-data"] =
            util::base64_encode(m_cluster.certificate_authority_data);
      }
      if (!m_cluster.proxy_url.empty()) {
        cluster["proxy-url"] = m_cluster.proxy_url;
      }
      if (!m_cluster.exec_extension.is_null()) {
        cluster["config"] = m_cluster.exec_extension;
      }
      spec["cluster"] = cluster;
    }
    const Json info = {
        {"apiVersion", m_exec.api_version}, {"kind", "ExecCredential"}, {"spec", spec}};
    auto env = m_exec.env;
    env.emplace_back("KUBERNETES_EXEC_INFO", info.dump());
    const std::string command = m_exec.command.find('/') != std::string::npos
                                    ? kube::resolve_path(m_exec.command, m_origin)
                                    : m_exec.command;
    io::RunLimits limits{interactive ? k_exec_plugin_interactive_timeout : k_exec_plugin_timeout,
                         k_exec_plugin_max_output};
    std::string limit_is = "krayctl's limit for exec plugins without a --timeout";
    if (m_deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *m_deadline - m_deps.clock.steady_now());
      limits.timeout = std::max(left, std::chrono::milliseconds(1));
      limit_is = "what the command's --timeout left";
    }
    auto ran = m_deps.processes.run(command, m_exec.args, env, interactive, limits);
    if (!ran) {
      const Error& e = ran.error();
      if (e.code == ErrorCode::not_found) {
        std::string msg = name + ": executable not found";
        if (!m_exec.install_hint.empty()) {
          msg += "\n" + m_exec.install_hint;
        }
        return make_error(ErrorCode::config, msg);
      }
      if (e.code == ErrorCode::timeout) {
        return make_error(ErrorCode::timeout, name + ": " + e.message + " (" + limit_is + ")");
      }
      // Permission denied, a relative PATH entry, output past the cap.
      return make_error(ErrorCode::config, name + ": " + e.message);
    }
    if (ran->exit_code != 0) {
      return make_error(ErrorCode::config, name + " exited with code " +
                                               std::to_string(ran->exit_code) +
                                               " (its own message, if any, is above)");
    }
    // Never quote the output: it holds the credential.
    const Json out = Json::parse(ran->out, nullptr, false);
    if (!out.is_object()) {
      return make_error(ErrorCode::config, name +
                                               " printed something that is not an ExecCredential "
                                               "JSON object on stdout");
    }
    if (out.value("apiVersion", Json("")) != m_exec.api_version) {
      return make_error(ErrorCode::config, name +
                                               ": exec plugin is configured to use API version " +
                                               m_exec.api_version + ", plugin returned version " +
                                               (out.value("apiVersion", Json("")).is_string()
                                                    ? out.value("apiVersion", std::string())
                                                    : std::string("(none)")));
    }
    if (!out.contains("status") || !out["status"].is_object()) {
      return make_error(ErrorCode::config, name + ": exec plugin didn't return a status field");
    }
    const Json& st = out["status"];
    auto text = [&st](const char* key) {
      return st.contains(key) && st[key].is_string() ? st[key].get<std::string>() : std::string();
    };
    ExecCredential c;
    c.token = text("token");
    c.cert_pem = text("clientCertificateData");
    c.key_pem = text("clientKeyData");
    if (c.cert_pem.empty() != c.key_pem.empty()) {
      return make_error(ErrorCode::config,
                        name + ": exec plugin returned only certificate or key, not both");
    }
    if (c.token.empty() && c.cert_pem.empty()) {
      return make_error(ErrorCode::config,
                        name + ": exec plugin didn't return a token or cert/key pair");
    }
    if (const std::string exp = text("expirationTimestamp"); !exp.empty()) {
      c.expires = parse_time(exp);
    }
    m_cached = c;
    return c;
  }

 private:
  const Deps& m_deps;
  kube::ExecConfig m_exec;
  kube::ClusterEntry m_cluster;
  std::string m_origin;
  std::string m_user;
  Deadline m_deadline;
  std::optional<ExecCredential> m_cached;
};

// tokenFile: read now, again when a minute old or after a 401; the literal
// token is the fallback when a later read fails (round_trippers.go).
class TokenFile {
 public:
  TokenFile(const Deps& deps, std::string path, std::string fallback)
      : m_deps(deps), m_path(std::move(path)), m_fallback(std::move(fallback)) {}

  Result<std::string> get(bool force = false) {
    const auto now = m_deps.clock.steady_now();
    if (!force && m_read && now - m_read_at < std::chrono::minutes(1)) {
      return m_token;
    }
    auto text = m_deps.fs.read_file(m_path, io::k_credential_file_limit);
    if (!text) {
      if (m_read || !m_fallback.empty()) {
        return m_read ? m_token : m_fallback;
      }
      return make_error(ErrorCode::config, "tokenFile " + m_path + ": " + text.error().message);
    }
    m_token = std::string(util::trim(*text));
    m_read = true;
    m_read_at = now;
    return m_token;
  }

 private:
  const Deps& m_deps;
  std::string m_path;
  std::string m_fallback;
  std::string m_token;
  bool m_read = false;
  std::chrono::steady_clock::time_point m_read_at;
};

}  // namespace

std::string identity_of(const kube::ResolvedConfig& config) {
  const kube::UserEntry& u = config.user;
  std::string how = "no credentials";
  if (u.exec) {
    how = "exec plugin " + u.exec->command;
  } else if (!u.token_file.empty()) {
    how = "token file " + kube::resolve_path(u.token_file, u.origin);
  } else if (!u.token.empty()) {
    how = "bearer token";
  } else if (!u.client_certificate.empty() || !u.client_certificate_data.empty()) {
    how = "client certificate";
  } else if (!u.username.empty()) {
    how = "basic auth, which API servers refuse since Kubernetes 1.19";
  }
  return "user \"" + config.user_name + "\" (" + how + ") of context \"" + config.context_name +
         "\"";
}

std::string user_agent() {
  return std::string("krayctl/") + KRAYCTL_VERSION + " (linux/amd64) krayctl";
}

Result<kube::Connection> make_connection(const Deps& deps,
                                         const kube::ResolvedConfig& config,
                                         int verbosity,
                                         Deadline deadline) {
  const kube::ClusterEntry& cluster = config.cluster;
  const kube::UserEntry& user = config.user;
  kube::Connection c;
  if (verbosity > 0) {
    c.trace_level = verbosity;
    c.trace = [&deps](const std::string& line) { deps.console.err("I " + line + "\n"); };
  }
  if (cluster.insecure_skip_tls_verify) {
    deps.console.err("Warning: cluster \"" + config.cluster_name +
                     "\" has insecure-skip-tls-verify: the API server's certificate is not "
                     "checked, and anyone on the path can read the credentials\n");
  }
  c.server = cluster.server;
  c.tls_server_name = cluster.tls_server_name;
  c.insecure_skip_tls_verify = cluster.insecure_skip_tls_verify;
  c.proxy_url = cluster.proxy_url;
  c.disable_compression = cluster.disable_compression;
  c.user_agent = user_agent();
  KRAY_TRY_ASSIGN(c.ca_pem,
                  pem_of(deps, cluster.certificate_authority_data, cluster.certificate_authority,
                         cluster.origin, "certificate-authority"));
  KRAY_TRY_ASSIGN(c.client_cert_pem,
                  pem_of(deps, user.client_certificate_data, user.client_certificate, user.origin,
                         "client-certificate"));
  KRAY_TRY_ASSIGN(c.client_key_pem,
                  pem_of(deps, user.client_key_data, user.client_key, user.origin, "client-key"));
  if (!user.username.empty() || !user.password.empty()) {
    c.basic_auth = util::base64_encode(user.username + ":" + user.password);
  }
  if (user.exec) {
    auto plugin = std::make_shared<ExecPlugin>(deps, config, deadline);
    auto first = plugin->get();  // run now: a missing plugin is an error before any request
    if (!first) {
      return tl::unexpected(std::move(first).error());
    }
    if (!first->cert_pem.empty()) {
      c.client_cert_pem = first->cert_pem;
      c.client_key_pem = first->key_pem;
    }
    // The token and refresh functions may be called from several threads
    // (status --watch has a stream per kind): one plugin run at a time.
    auto mu = std::make_shared<std::mutex>();
    c.token = [plugin, mu]() -> Result<std::string> {
      std::lock_guard<std::mutex> lock(*mu);
      auto cred = plugin->get();
      if (!cred) {
        return tl::unexpected(std::move(cred).error());
      }
      return cred->token;
    };
    c.refresh = [plugin, mu] {
      std::lock_guard<std::mutex> lock(*mu);
      const std::string before = plugin->get().value_or(ExecCredential{}).token;
      auto again = plugin->run();
      return again && again->token != before;
    };
  } else if (!user.token_file.empty()) {
    const std::string path = kube::resolve_path(user.token_file, user.origin);
    auto file = std::make_shared<TokenFile>(deps, path, user.token);
    auto first = file->get();
    if (!first) {
      return tl::unexpected(std::move(first).error());
    }
    auto mu = std::make_shared<std::mutex>();
    c.token = [file, mu]() {
      std::lock_guard<std::mutex> lock(*mu);
      return file->get();
    };
    c.refresh = [file, mu] {
      std::lock_guard<std::mutex> lock(*mu);
      const std::string before = file->get().value_or("");
      auto again = file->get(true);
      return again && *again != before;
    };
  } else if (!user.token.empty()) {
    const std::string token = user.token;
    c.token = [token]() -> Result<std::string> { return token; };
  }
  return c;
}

Deadline deadline_after(const Deps& deps, std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) {
    return std::nullopt;
  }
  return deps.clock.steady_now() + timeout;
}

Result<Session> open_session(const Deps& deps,
                             const kube::ResolvedConfig& config,
                             const TransportFactory& factory,
                             int verbosity,
                             Deadline deadline) {
  KRAY_TRY_ASSIGN(auto connection, make_connection(deps, config, verbosity, deadline));
  Session s;
  s.transport =
      factory ? factory(std::move(connection)) : kube::make_curl_transport(std::move(connection));
  s.client = std::make_unique<kube::Client>(
      *s.transport, deps.clock,
      [&deps](const std::string& w) { deps.console.err("Warning: " + w + "\n"); },
      kube::RetryPolicy{}, identity_of(config));
  s.client->set_deadline(deadline);  // requests and retries end by it too (issue 14, finding 4)
  s.client->set_missing_api_words(missing_api_words);  // KubeRay's CRDs, in app's words
  return s;
}

std::string string_at(const Json& o, const char* a, const char* b) {
  const Json* v = o.is_object() && o.contains(a) ? &o[a] : nullptr;
  if (v != nullptr && b != nullptr) {
    v = v->is_object() && v->contains(b) ? &(*v)[b] : nullptr;
  }
  return v != nullptr && v->is_string() ? v->get<std::string>() : "";
}

}  // namespace kray::app
