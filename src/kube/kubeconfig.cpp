// SPDX-License-Identifier: Apache-2.0
#include <krayctl/kube/kubeconfig.hpp>

#include <krayctl/core/k8s/k8s_names.hpp>
#include <krayctl/core/yaml/document.hpp>
#include <krayctl/kube/transport.hpp>
#include <krayctl/util/base64.hpp>
#include <krayctl/util/strings.hpp>

#include <set>

namespace kray::kube {

namespace {

using core::Json;

std::string dirname_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::string resolve_path(const std::string& path, const std::string& file) {
  if (path.empty() || path.front() == '/') {
    return path;
  }
  const std::string dir = dirname_of(file);
  return dir == "/" ? "/" + path : dir + "/" + path;
}

namespace {

// Reads fields of one mapping with type checks; the first error wins.
class Reader {
 public:
  Reader(const core::Document& doc, const std::string& file) : m_doc(doc), m_file(file) {}

  bool ok() const { return !m_error.has_value(); }
  Error take_error() { return std::move(*m_error); }

  // The member `key` of the object at `pointer`, or null.
  const Json& member(const Json& object, const std::string& key) const {
    static const Json null_json;
    if (!object.is_object()) {
      return null_json;
    }
    auto it = object.find(key);
    return it == object.end() ? null_json : *it;
  }

  std::string string(const Json& object,
                     const std::string& pointer,
                     const std::string& key,
                     const std::string& path) {
    const Json& v = member(object, key);
    if (v.is_null()) {
      return "";
    }
    if (!v.is_string()) {
      fail(pointer + "/" + key, path + "." + key + ": must be a string");
      return "";
    }
    return v.get<std::string>();
  }

  bool boolean(const Json& object,
               const std::string& pointer,
               const std::string& key,
               const std::string& path) {
    const Json& v = member(object, key);
    if (v.is_null()) {
      return false;
    }
    if (!v.is_boolean()) {
      fail(pointer + "/" + key, path + "." + key + ": must be true or false");
      return false;
    }
    return v.get<bool>();
  }

  // A `*-data` field: base64 of PEM.
  std::string data(const Json& object,
                   const std::string& pointer,
                   const std::string& key,
                   const std::string& path) {
    const std::string text = string(object, pointer, key, path);
    if (text.empty()) {
      return "";
    }
    std::size_t bad = 0;
    auto decoded = util::base64_decode(text, &bad);
    if (!decoded) {
      fail(pointer + "/" + key, path + "." + key +
                                    ": not base64 (illegal base64 data at input byte " +
                                    std::to_string(bad) + ")");
      return "";
    }
    return *decoded;
  }

  void fail(const std::string& pointer, const std::string& message) {
    if (!m_error) {
      m_error =
          Error{ErrorCode::config, "kubeconfig " + message, m_doc.location(pointer), {}, false};
    }
  }

  const std::string& file() const { return m_file; }

 private:
  const core::Document& m_doc;
  const std::string& m_file;
  std::optional<Error> m_error;
};

ExecConfig read_exec(Reader& r,
                     const Json& exec,
                     const std::string& pointer,
                     const std::string& path) {
  ExecConfig e;
  e.command = r.string(exec, pointer, "command", path);
  const Json& args = r.member(exec, "args");
  if (!args.is_null() && !args.is_array()) {
    r.fail(pointer + "/args", path + ".args: must be a list of strings");
  }
  for (std::size_t i = 0; args.is_array() && i < args.size(); ++i) {
    if (!args[i].is_string()) {
      r.fail(pointer + "/args/" + std::to_string(i),
             path + ".args[" + std::to_string(i) + "]: must be a string");
    } else {
      e.args.push_back(args[i].get<std::string>());
    }
  }
  const Json& env = r.member(exec, "env");
  for (std::size_t i = 0; env.is_array() && i < env.size(); ++i) {
    const std::string p = pointer + "/env/" + std::to_string(i);
    const std::string at = path + ".env[" + std::to_string(i) + "]";
    e.env.emplace_back(r.string(env[i], p, "name", at), r.string(env[i], p, "value", at));
  }
  e.api_version = r.string(exec, pointer, "apiVersion", path);
  e.install_hint = r.string(exec, pointer, "installHint", path);
  e.provide_cluster_info = r.boolean(exec, pointer, "provideClusterInfo", path);
  e.interactive_mode = r.string(exec, pointer, "interactiveMode", path);
  return e;
}

// Reads one named list ("clusters", "users", "contexts"): each item
// {name, <inner>}; calls `read(inner, pointer, path, name)`.
template <typename F>
void read_list(
    Reader& r, const Json& root, const std::string& list, const std::string& inner, F read) {
  const Json& items = r.member(root, list);
  if (items.is_null()) {
    return;
  }
  if (!items.is_array()) {
    r.fail("/" + list, list + ": must be a list");
    return;
  }
  for (std::size_t i = 0; i < items.size() && r.ok(); ++i) {
    const std::string pointer = "/" + list + "/" + std::to_string(i);
    const std::string path = list + "[" + std::to_string(i) + "]";
    const std::string name = r.string(items[i], pointer, "name", path);
    if (r.ok() && name.empty()) {
      r.fail(pointer, path + ": an entry needs a name");
    }
    const Json& body = r.member(items[i], inner);
    if (!body.is_null() && !body.is_object()) {
      r.fail(pointer + "/" + inner, path + "." + inner + ": must be a mapping");
    }
    if (r.ok()) {
      read(body, pointer + "/" + inner, path + "." + inner, name);
    }
  }
}

std::string removed_auth_provider(const std::string& name, const std::string& user) {
  if (name == "gcp") {
    return "user \"" + user +
           "\" uses the gcp auth-provider, which Kubernetes removed (client-go "
           "1.26): install gke-gcloud-auth-plugin and run `gcloud container clusters "
           "get-credentials` "
           "again, which writes an exec entry instead";
  }
  if (name == "azure") {
    return "user \"" + user +
           "\" uses the azure auth-provider, which Kubernetes removed (client-go "
           "1.26): install kubelogin and run `kubelogin convert-kubeconfig -l azurecli`, which "
           "writes an exec entry instead";
  }
  if (name == "oidc") {
    return "user \"" + user +
           "\" uses the oidc auth-provider, which krayctl does not run: use an "
           "exec credential plugin such as kubelogin (int128/kubelogin, `kubectl oidc-login`) "
           "instead";
  }
  return "user \"" + user + "\" uses the auth-provider \"" + name +
         "\", which krayctl does not support: use an exec credential plugin";
}

}  // namespace

KubeconfigSearch kubeconfig_paths(const std::string& flag,
                                  const std::optional<std::string>& env_kubeconfig,
                                  const std::optional<std::string>& home) {
  KubeconfigSearch s;
  if (!flag.empty()) {
    s.paths = {flag};
    s.explicit_file = true;
    return s;
  }
  if (env_kubeconfig && !env_kubeconfig->empty()) {
    std::set<std::string> seen;
    for (const auto& p : util::split(*env_kubeconfig, ':')) {
      if (!p.empty() && seen.insert(p).second) {
        s.paths.push_back(p);
      }
    }
    return s;
  }
  if (home && !home->empty()) {
    s.paths = {*home + "/.kube/config"};
  }
  return s;
}

Result<Kubeconfig> parse_kubeconfig(const std::string& path, const std::string& text) {
  auto source = std::make_shared<core::SourceFile>(core::SourceFile{path, text});
  auto docs = core::parse_documents(source);
  if (!docs) {
    Error e = std::move(docs).error();
    e.code = ErrorCode::config;
    return tl::unexpected(std::move(e));
  }
  Kubeconfig config;
  if (docs->empty()) {
    return config;  // an empty file is an empty config, as for kubectl
  }
  if (docs->size() > 1) {
    return make_error(ErrorCode::config,
                      "kubeconfig must be one YAML document, not " + std::to_string(docs->size()),
                      (*docs)[1].location(""));
  }
  const core::Document& doc = docs->front();
  if (!doc.root.is_object()) {
    return make_error(ErrorCode::config,
                      "kubeconfig must be a mapping (apiVersion, kind, clusters, "
                      "users, contexts, current-context)",
                      doc.location(""));
  }
  Reader r(doc, path);
  config.current_context = r.string(doc.root, "", "current-context", "current-context");
  read_list(
      r, doc.root, "clusters", "cluster",
      [&](const Json& c, const std::string& p, const std::string& at, const std::string& name) {
        ClusterEntry e;
        e.server = r.string(c, p, "server", at);
        e.tls_server_name = r.string(c, p, "tls-server-name", at);
        e.insecure_skip_tls_verify = r.boolean(c, p, "insecure-skip-tls-verify", at);
        e.certificate_authority = r.string(c, p, "certificate-authority", at);
        e.certificate_authority_data = r.data(c, p, "certificate-authority-data", at);
        e.proxy_url = r.string(c, p, "proxy-url", at);
        e.disable_compression = r.boolean(c, p, "disable-compression", at);
        for (const auto& ext :
             r.member(c, "extensions").is_array() ? r.member(c, "extensions") : Json::array()) {
          if (r.member(ext, "name") == "client.authentication.k8s.io/exec") {
            e.exec_extension = r.member(ext, "extension");
          }
        }
        e.origin = path;
        config.clusters.emplace(name, std::move(e));  // the first entry of a name wins
      });
  read_list(
      r, doc.root, "users", "user",
      [&](const Json& u, const std::string& p, const std::string& at, const std::string& name) {
        UserEntry e;
        e.client_certificate = r.string(u, p, "client-certificate", at);
        e.client_key = r.string(u, p, "client-key", at);
        e.client_certificate_data = r.data(u, p, "client-certificate-data", at);
        e.client_key_data = r.data(u, p, "client-key-data", at);
        e.token = r.string(u, p, "token", at);
        e.token_file = r.string(u, p, "tokenFile", at);
        e.username = r.string(u, p, "username", at);
        e.password = r.string(u, p, "password", at);
        const Json& exec = r.member(u, "exec");
        if (exec.is_object()) {
          e.exec = read_exec(r, exec, p + "/exec", at + ".exec");
        } else if (!exec.is_null()) {
          r.fail(p + "/exec", at + ".exec: must be a mapping");
        }
        const Json& provider = r.member(u, "auth-provider");
        if (provider.is_object()) {
          e.auth_provider = r.string(provider, p + "/auth-provider", "name", at + ".auth-provider");
        }
        e.origin = path;
        config.users.emplace(name, std::move(e));
      });
  read_list(
      r, doc.root, "contexts", "context",
      [&](const Json& c, const std::string& p, const std::string& at, const std::string& name) {
        ContextEntry e;
        e.cluster = r.string(c, p, "cluster", at);
        e.user = r.string(c, p, "user", at);
        e.namespace_ = r.string(c, p, "namespace", at);
        e.origin = path;
        config.contexts.emplace(name, std::move(e));
      });
  if (!r.ok()) {
    return tl::unexpected(r.take_error());
  }
  return config;
}

Kubeconfig merge(const std::vector<Kubeconfig>& files) {
  Kubeconfig out;
  for (const auto& f : files) {
    out.clusters.insert(f.clusters.begin(), f.clusters.end());  // insert keeps the first
    out.users.insert(f.users.begin(), f.users.end());
    out.contexts.insert(f.contexts.begin(), f.contexts.end());
    if (out.current_context.empty()) {
      out.current_context = f.current_context;
    }
  }
  return out;
}

Result<ResolvedConfig> resolve(const Kubeconfig& config, const Overrides& overrides) {
  ResolvedConfig r;
  r.context_name = overrides.context.empty() ? config.current_context : overrides.context;
  ContextEntry context;
  if (!r.context_name.empty()) {
    auto it = config.contexts.find(r.context_name);
    if (it == config.contexts.end()) {
      std::vector<std::string> names;
      for (const auto& [name, c] : config.contexts) {
        names.push_back(name);
      }
      std::string msg = "context \"" + r.context_name + "\" not found in the kubeconfig";
      if (auto close = util::closest_match(r.context_name, names); !close.empty()) {
        msg += " (did you mean \"" + close + "\"?)";
      } else if (!names.empty()) {
        msg += " (contexts: " + util::join(names, ", ") + ")";
      }
      return make_error(ErrorCode::config, msg);
    }
    context = it->second;
  } else if (overrides.cluster.empty()) {
    return make_error(ErrorCode::config,
                      config.contexts.empty() && config.clusters.empty()
                          ? "no kubeconfig: set KUBECONFIG, pass --kubeconfig, or create "
                            "~/.kube/config (krayctl reads it as kubectl does)"
                          : "the kubeconfig sets no current-context: pass --context NAME");
  }
  r.cluster_name = overrides.cluster.empty() ? context.cluster : overrides.cluster;
  r.user_name = overrides.user.empty() ? context.user : overrides.user;
  auto cluster = config.clusters.find(r.cluster_name);
  if (r.cluster_name.empty() || cluster == config.clusters.end()) {
    return make_error(ErrorCode::config, r.cluster_name.empty()
                                             ? "context \"" + r.context_name + "\" names no cluster"
                                             : "cluster \"" + r.cluster_name +
                                                   "\" was not found for context \"" +
                                                   r.context_name + "\"");
  }
  r.cluster = cluster->second;
  if (!r.user_name.empty()) {
    auto user = config.users.find(r.user_name);
    if (user == config.users.end()) {
      return make_error(
          ErrorCode::config,
          "user \"" + r.user_name + "\" was not found for context \"" + r.context_name + "\"");
    }
    r.user = user->second;
  }
  const std::string& c = r.cluster_name;
  const std::string& u = r.user_name;
  if (r.cluster.server.empty()) {
    return make_error(ErrorCode::config, "cluster \"" + c + "\" has no server");
  }
  if (has_userinfo(r.cluster.server)) {
    // The URL is not printed: its userinfo may be a password. It is no
    // supported way to authenticate (basic auth was removed from the API
    // server in Kubernetes 1.19).
    return make_error(ErrorCode::config,
                      "cluster \"" + c +
                          "\": the server URL holds a user name or password (user:password@host), "
                          "which krayctl refuses: give the server as https://host:port and the "
                          "credentials in the user entry (token, client certificate or exec "
                          "plugin)");
  }
  if (r.cluster.insecure_skip_tls_verify &&
      (!r.cluster.certificate_authority.empty() || !r.cluster.certificate_authority_data.empty())) {
    return make_error(ErrorCode::config, "cluster \"" + c +
                                             "\": specifying a root certificates file with the "
                                             "insecure flag is not allowed");
  }
  if (!r.cluster.certificate_authority.empty() && !r.cluster.certificate_authority_data.empty()) {
    r.warnings.push_back(
        "certificate-authority-data and certificate-authority are both specified for " + c +
        ". certificate-authority-data will override.");
  }
  const UserEntry& user = r.user;
  if (!user.client_certificate.empty() && !user.client_certificate_data.empty()) {
    r.warnings.push_back("client-cert-data and client-cert are both specified for " + u +
                         ". client-cert-data will override.");
  }
  if (!user.client_key.empty() && !user.client_key_data.empty()) {
    r.warnings.push_back("client-key-data and client-key are both specified for " + u +
                         "; client-key-data will override");
  }
  const bool has_cert = !user.client_certificate.empty() || !user.client_certificate_data.empty();
  const bool has_key = !user.client_key.empty() || !user.client_key_data.empty();
  if (has_cert && !has_key) {
    return make_error(ErrorCode::config, "client-key-data or client-key must be specified for " +
                                             u + " to use the clientCert authentication method.");
  }
  if (has_key && !has_cert) {
    return make_error(ErrorCode::config, "client-cert-data or client-cert must be specified for " +
                                             u + " to use the clientCert authentication method.");
  }
  const bool token = !user.token.empty() || !user.token_file.empty();
  const bool basic = !user.username.empty() || !user.password.empty();
  if (token && basic) {
    return make_error(ErrorCode::config, "more than one authentication method found for " + u +
                                             "; found [token basicAuth], only one is allowed");
  }
  if (!user.auth_provider.empty()) {
    if (user.exec) {
      return make_error(ErrorCode::config,
                        "user \"" + u +
                            "\": authProvider cannot be provided in combination with "
                            "an exec plugin");
    }
    return make_error(ErrorCode::config, removed_auth_provider(user.auth_provider, u));
  }
  if (user.exec) {
    const ExecConfig& e = *user.exec;
    if (e.command.empty()) {
      return make_error(ErrorCode::config, "user \"" + u + "\": exec: command must be specified");
    }
    if (e.api_version.empty()) {
      return make_error(ErrorCode::config,
                        "user \"" + u + "\": exec: apiVersion must be specified");
    }
    if (e.api_version != "client.authentication.k8s.io/v1" &&
        e.api_version != "client.authentication.k8s.io/v1beta1") {
      return make_error(ErrorCode::config,
                        "user \"" + u + "\": exec plugin: invalid apiVersion \"" + e.api_version +
                            "\" (client.authentication.k8s.io/v1 or v1beta1)");
    }
    if (e.api_version == "client.authentication.k8s.io/v1" && e.interactive_mode.empty()) {
      return make_error(ErrorCode::config,
                        "user \"" + u + "\": exec: interactiveMode must be specified for " +
                            e.api_version + " to use exec authentication plugin");
    }
    if (!e.interactive_mode.empty() && e.interactive_mode != "Never" &&
        e.interactive_mode != "IfAvailable" && e.interactive_mode != "Always") {
      return make_error(ErrorCode::config,
                        "user \"" + u + "\": exec: invalid interactiveMode: " + e.interactive_mode +
                            " (Never, IfAvailable, Always)");
    }
  }
  r.namespace_from_flag = !overrides.namespace_.empty();
  r.namespace_ = !overrides.namespace_.empty() ? overrides.namespace_
                 : !context.namespace_.empty() ? context.namespace_
                                               : "default";
  if (auto why = core::check_dns1123_label(r.namespace_)) {
    return make_error(ErrorCode::config, "namespace \"" + r.namespace_ + "\" of context \"" +
                                             r.context_name + "\": " + *why);
  }
  return r;
}

Json to_json(const Kubeconfig& config, bool raw) {
  auto data = [raw](const std::string& pem) {
    return raw ? Json(util::base64_encode(pem)) : Json("DATA+OMITTED");
  };
  auto secret = [raw](const std::string& text) { return raw ? Json(text) : Json("REDACTED"); };
  // Members in the order of client-go's types (kubectl prints them so).
  Json clusters = Json::array();
  for (const auto& [name, c] : config.clusters) {
    Json body = {{"server", c.server}};
    if (!c.tls_server_name.empty()) {
      body["tls-server-name"] = c.tls_server_name;
    }
    if (c.insecure_skip_tls_verify) {
      body["insecure-skip-tls-verify"] = true;
    }
    if (!c.certificate_authority.empty()) {
      body["certificate-authority"] = c.certificate_authority;
    }
    if (!c.certificate_authority_data.empty()) {
      body["certificate-authority-data"] = data(c.certificate_authority_data);
    }
    if (!c.proxy_url.empty()) {
      body["proxy-url"] = c.proxy_url;
    }
    if (c.disable_compression) {
      body["disable-compression"] = true;
    }
    clusters.push_back({{"name", name}, {"cluster", body}});
  }
  Json users = Json::array();
  for (const auto& [name, u] : config.users) {
    Json body = Json::object();
    if (!u.client_certificate.empty()) {
      body["client-certificate"] = u.client_certificate;
    }
    if (!u.client_certificate_data.empty()) {
      body["client-certificate-data"] = data(u.client_certificate_data);
    }
    if (!u.client_key.empty()) {
      body["client-key"] = u.client_key;
    }
    if (!u.client_key_data.empty()) {
      body["client-key-data"] = data(u.client_key_data);
    }
    if (!u.token.empty()) {
      body["token"] = secret(u.token);
    }
    if (!u.token_file.empty()) {
      body["tokenFile"] = u.token_file;
    }
    if (!u.username.empty()) {
      body["username"] = u.username;
    }
    if (!u.password.empty()) {
      body["password"] = secret(u.password);
    }
    if (u.exec) {
      const ExecConfig& e = *u.exec;
      Json exec = {{"command", e.command}};
      if (!e.args.empty()) {
        exec["args"] = e.args;
      }
      Json env = Json::array();
      for (const auto& [k, v] : e.env) {
        env.push_back({{"name", k}, {"value", v}});
      }
      exec["env"] = e.env.empty() ? Json() : env;
      exec["apiVersion"] = e.api_version;
      if (!e.install_hint.empty()) {
        exec["installHint"] = e.install_hint;
      }
      exec["provideClusterInfo"] = e.provide_cluster_info;
      exec["interactiveMode"] = e.interactive_mode;
      body["exec"] = exec;
    }
    if (!u.auth_provider.empty()) {
      body["auth-provider"] = {{"name", u.auth_provider}};
    }
    users.push_back({{"name", name}, {"user", body}});
  }
  Json contexts = Json::array();
  for (const auto& [name, c] : config.contexts) {
    Json body = {{"cluster", c.cluster}, {"user", c.user}};
    if (!c.namespace_.empty()) {
      body["namespace"] = c.namespace_;
    }
    contexts.push_back({{"name", name}, {"context", body}});
  }
  return Json{{"kind", "Config"},
              {"apiVersion", "v1"},
              {"preferences", Json::object()},
              {"clusters", clusters},
              {"users", users},
              {"contexts", contexts},
              {"current-context", config.current_context}};
}

Result<Kubeconfig> minify(const Kubeconfig& config, const Overrides& overrides) {
  const std::string name = overrides.context.empty() ? config.current_context : overrides.context;
  auto it = config.contexts.find(name);
  if (name.empty() || it == config.contexts.end()) {
    return make_error(ErrorCode::config,
                      name.empty() ? "the kubeconfig sets no current-context: pass --context NAME"
                                   : "context \"" + name + "\" not found in the kubeconfig");
  }
  Kubeconfig out;
  // kubectl's view ignores --cluster and --user here (they change what a
  // request uses, not which context the file selects).
  const ContextEntry& context = it->second;
  out.contexts[name] = context;
  out.current_context = name;
  if (auto c = config.clusters.find(context.cluster); c != config.clusters.end()) {
    out.clusters.insert(*c);
  }
  if (auto u = config.users.find(context.user); u != config.users.end()) {
    out.users.insert(*u);
  }
  return out;
}

}  // namespace kray::kube
