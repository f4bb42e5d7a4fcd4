// SPDX-License-Identifier: Apache-2.0
// Kubeconfig as kubectl reads it (client-go's tools/clientcmd: loader.go,
// client_config.go, validation.go): the files to read, one file parsed with
// positions, several merged ("the first file to set a key wins"), and one
// context resolved with --context/--cluster/--user/-n overrides. Pure
// functions of data: reading files, environment variables and running exec
// plugins belong to the caller (app/), which passes texts in.
#pragma once

#include <krayctl/core/yaml/json.hpp>
#include <krayctl/util/error.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kray::kube {

// `user.exec` (ExecConfig).
struct ExecConfig {
  std::string command;  // as written; one with a "/" runs relative to the file's directory
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string api_version;  // client.authentication.k8s.io/v1 or /v1beta1
  std::string install_hint;
  bool provide_cluster_info = false;
  std::string interactive_mode;  // Never, IfAvailable, Always ("" for v1beta1: IfAvailable)
};

struct ClusterEntry {
  std::string server;
  std::string tls_server_name;
  bool insecure_skip_tls_verify = false;
  std::string certificate_authority;       // a path, as written (see resolve_path)
  std::string certificate_authority_data;  // PEM, decoded from base64
  std::string proxy_url;
  bool disable_compression = false;
  core::Json exec_extension;  // extensions[name=client.authentication.k8s.io/exec].extension
  std::string origin;         // the file that defined it
};

struct UserEntry {
  std::string client_certificate;  // paths, as written (see resolve_path)
  std::string client_key;
  std::string client_certificate_data;  // PEM, decoded
  std::string client_key_data;
  std::string token;
  std::string token_file;
  std::string username;
  std::string password;
  std::optional<ExecConfig> exec;
  std::string auth_provider;  // the name of a legacy auth-provider
  std::string origin;
};

struct ContextEntry {
  std::string cluster;
  std::string user;
  std::string namespace_;
  std::string origin;
};

struct Kubeconfig {
  std::map<std::string, ClusterEntry> clusters;
  std::map<std::string, UserEntry> users;
  std::map<std::string, ContextEntry> contexts;
  std::string current_context;
};

// `path` as client-go reads it (ResolveLocalPaths): a relative path is
// relative to the directory of the kubeconfig file that wrote it, not to
// the current directory. `origin` is that file, absolute.
std::string resolve_path(const std::string& path, const std::string& origin);

// Where kubectl looks (loader.go): an explicit --kubeconfig alone; else the
// KUBECONFIG list (":"-separated, duplicates dropped, order kept); else
// HOME/.kube/config. `explicit_file` says whether a missing file is an
// error (explicit) or skipped (from the list).
struct KubeconfigSearch {
  std::vector<std::string> paths;
  bool explicit_file = false;
};
KubeconfigSearch kubeconfig_paths(const std::string& flag,
                                  const std::optional<std::string>& env_kubeconfig,
                                  const std::optional<std::string>& home);

// Parses one kubeconfig file. Errors carry file:line:col: a YAML error, a
// field of the wrong type, base64 that does not decode. Paths are kept as
// written (kubectl's `config view` shows them so); use resolve_path with
// the entry's origin to read them.
[[nodiscard]] Result<Kubeconfig> parse_kubeconfig(const std::string& path, const std::string& text);

// Merges files in order: for clusters, users and contexts the first file
// that names an entry keeps all of it; current-context comes from the first
// file that sets it.
Kubeconfig merge(const std::vector<Kubeconfig>& files);

struct Overrides {
  std::string context;
  std::string cluster;
  std::string user;
  std::string namespace_;
};

// One context, resolved: what a client needs to connect.
struct ResolvedConfig {
  std::string context_name;
  std::string cluster_name;
  std::string user_name;
  ClusterEntry cluster;
  UserEntry user;
  std::string namespace_;  // -n, else the context's, else "default"
  bool namespace_from_flag = false;
  std::vector<std::string> warnings;  // as client-go validation words them
};

// Picks the context (override, else current-context) and checks it as
// client-go's validation does: missing context, cluster or user; no
// server; a certificate without a key; token and basic auth together; exec
// with an auth-provider; exec without command or apiVersion; the CA with
// insecure-skip-tls-verify; the removed gcp/azure/oidc auth-providers
// (naming the exec plugin that replaced each).
[[nodiscard]] Result<ResolvedConfig> resolve(const Kubeconfig& config, const Overrides& overrides);

// The configuration as `kubectl config view -o json` prints it: paths
// absolute, `*-data` base64. Unless `raw`, credentials are hidden as
// kubectl hides them (`DATA+OMITTED` for data, `REDACTED` for token and
// password), so that the output can be pasted into an issue.
core::Json to_json(const Kubeconfig& config, bool raw);

// Only the context `overrides.context` picks (or the current one), its
// cluster and its user, as `kubectl config view --minify` does (it ignores
// --cluster and --user).
[[nodiscard]] Result<Kubeconfig> minify(const Kubeconfig& config, const Overrides& overrides);

}  // namespace kray::kube
