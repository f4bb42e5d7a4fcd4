// SPDX-License-Identifier: Apache-2.0
// Kubeconfig reading, merging and resolution (kube/kubeconfig.hpp,
// app/kubeconfig.hpp) against client-go's tools/clientcmd (loader.go,
// client_config.go, validation.go) and its own examples (loader_test.go).
// cli.kubeconfig_like_kubectl compares the results with kubectl itself.
#include <krayctl/app/kubeconfig.hpp>
#include <krayctl/kube/kubeconfig.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakes.hpp"

using kray::ErrorCode;
using kray::kube::Kubeconfig;
using kray::kube::Overrides;

namespace {

Kubeconfig parse(const std::string& text, const std::string& path = "/home/u/.kube/config") {
  auto c = kray::kube::parse_kubeconfig(path, text);
  INFO((c ? "" : c.error().to_string()));
  REQUIRE(c);
  return *c;
}

std::string parse_error(const std::string& text) {
  auto c = kray::kube::parse_kubeconfig("/k/config", text);
  REQUIRE_FALSE(c);
  CHECK(c.error().code == ErrorCode::config);
  return c.error().to_string();
}

std::string resolve_error(const std::string& text, const Overrides& o = {}) {
  auto r = kray::kube::resolve(parse(text), o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::config);
  return r.error().to_string();
}

const char* const k_base = R"(apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://api.example:6443"}
users:
- name: u
  user: {token: secret-token}
contexts:
- name: ctx
  context: {cluster: c, user: u, namespace: ml}
current-context: ctx
)";

}  // namespace

TEST_CASE("kube::kubeconfig_paths: --kubeconfig, then KUBECONFIG, then ~/.kube/config", "[kube]") {
  auto s = kray::kube::kubeconfig_paths("/x/config", std::string("/a:/b"), std::string("/home/u"));
  CHECK(s.paths == std::vector<std::string>{"/x/config"});
  CHECK(s.explicit_file);
  s = kray::kube::kubeconfig_paths("", std::string("/a::/b:/a"), std::string("/home/u"));
  CHECK(s.paths == std::vector<std::string>{"/a", "/b"});  // empty and duplicate entries dropped
  CHECK_FALSE(s.explicit_file);
  s = kray::kube::kubeconfig_paths("", std::nullopt, std::string("/home/u"));
  CHECK(s.paths == std::vector<std::string>{"/home/u/.kube/config"});
  CHECK(kray::kube::kubeconfig_paths("", std::nullopt, std::nullopt).paths.empty());
}

TEST_CASE("kube::merge: the first file to name an entry keeps all of it", "[kube]") {
  // client-go's Example_mergingSomeWithConflict: cow-cluster keeps the first
  // file's server, red-user keeps red-token (and loses the second file's
  // other fields), current-context comes from the first file that sets it.
  const Kubeconfig first = parse(R"(clusters:
- name: cow-cluster
  cluster: {server: "http://cow.org:8080"}
users:
- name: red-user
  user: {token: red-token}
current-context: ""
)");
  const Kubeconfig second = parse(R"(clusters:
- name: cow-cluster
  cluster: {server: "http://different-cow.org:8080", insecure-skip-tls-verify: true}
- name: chicken-cluster
  cluster: {server: "http://chicken.org:8080"}
users:
- name: red-user
  user: {token: a-different-red-token, username: x}
contexts:
- name: federal-context
  context: {cluster: cow-cluster, user: red-user}
current-context: federal-context
)");
  const Kubeconfig merged = kray::kube::merge({first, second});
  CHECK(merged.clusters.at("cow-cluster").server == "http://cow.org:8080");
  CHECK_FALSE(merged.clusters.at("cow-cluster").insecure_skip_tls_verify);
  CHECK(merged.clusters.at("chicken-cluster").server == "http://chicken.org:8080");
  CHECK(merged.users.at("red-user").token == "red-token");
  CHECK(merged.users.at("red-user").username.empty());
  CHECK(merged.current_context == "federal-context");
}

TEST_CASE("kube::parse_kubeconfig: data fields, paths, exec, and errors with positions", "[kube]") {
  const Kubeconfig c = parse(R"(clusters:
- name: c
  cluster:
    server: https://x
    certificate-authority-data: UEVN
    certificate-authority: certs/ca.crt
users:
- name: e
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/token
      args: [a, b]
      env: [{name: K, value: V}]
      interactiveMode: Never
      provideClusterInfo: true
)",
                             "/home/u/.kube/config");
  CHECK(c.clusters.at("c").certificate_authority_data == "PEM");
  CHECK(c.clusters.at("c").certificate_authority == "certs/ca.crt");  // as written
  CHECK(kray::kube::resolve_path("certs/ca.crt", "/home/u/.kube/config") ==
        "/home/u/.kube/certs/ca.crt");
  CHECK(kray::kube::resolve_path("/abs/ca.crt", "/home/u/.kube/config") == "/abs/ca.crt");
  const auto& exec = *c.users.at("e").exec;
  CHECK(exec.args == std::vector<std::string>{"a", "b"});
  CHECK(exec.env == std::vector<std::pair<std::string, std::string>>{{"K", "V"}});
  CHECK(exec.provide_cluster_info);
  CHECK(parse("").clusters.empty());  // an empty file is an empty config

  CHECK(parse_error("clusters:\n- name: c\n  cluster:\n    server: 5\n") ==
        "/k/config:4:13: kubeconfig clusters[0].cluster.server: must be a string");
  CHECK(parse_error("clusters: {}\n") == "/k/config:1:11: kubeconfig clusters: must be a list");
  CHECK(parse_error("users:\n- name: u\n  user:\n    token-data: x\n    client-key-data: a$\n") ==
        "/k/config:5:22: kubeconfig users[0].user.client-key-data: not base64 (illegal base64 "
        "data at input byte 1)");
  CHECK(parse_error("clusters:\n- cluster: {server: x}\n") ==
        "/k/config:2:3: kubeconfig clusters[0]: an entry needs a name");
  CHECK(parse_error("clusters: [\n").find("/k/config:") == 0);
  CHECK(parse_error("- a\n").find("kubeconfig must be a mapping") != std::string::npos);
}

TEST_CASE("kube::resolve: the context, overrides and namespace", "[kube]") {
  auto r = kray::kube::resolve(parse(k_base), {});
  REQUIRE(r);
  CHECK(r->context_name == "ctx");
  CHECK(r->cluster.server == "https://api.example:6443");
  CHECK(r->user.token == "secret-token");
  CHECK(r->namespace_ == "ml");
  CHECK_FALSE(r->namespace_from_flag);
  r = kray::kube::resolve(parse(k_base), {"", "", "", "other"});
  REQUIRE(r);
  CHECK(r->namespace_ == "other");
  CHECK(r->namespace_from_flag);
  Kubeconfig no_ns = parse(k_base);
  no_ns.contexts["ctx"].namespace_.clear();
  CHECK(kray::kube::resolve(no_ns, {})->namespace_ == "default");
}

TEST_CASE("kube::resolve: client-go's refusals, one message each", "[kube]") {
  CHECK(resolve_error(k_base, {"ctz", "", "", ""}) ==
        "context \"ctz\" not found in the kubeconfig (did you mean \"ctx\"?)");
  CHECK(resolve_error(k_base, {"", "nope", "", ""}) ==
        "cluster \"nope\" was not found for context \"ctx\"");
  CHECK(resolve_error(k_base, {"", "", "nope", ""}) ==
        "user \"nope\" was not found for context \"ctx\"");
  CHECK(resolve_error("clusters: []\n") ==
        "no kubeconfig: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config (krayctl "
        "reads it as kubectl does)");
  std::string text = k_base;
  auto with_user = [&](const std::string& user) {
    std::string t = k_base;
    t.replace(t.find("{token: secret-token}"), 21, user);
    return t;
  };
  CHECK(resolve_error(with_user("{client-certificate: c.crt}")) ==
        "client-key-data or client-key must be specified for u to use the clientCert "
        "authentication method.");
  CHECK(resolve_error(with_user("{token: t, username: a, password: b}")) ==
        "more than one authentication method found for u; found [token basicAuth], only one is "
        "allowed");
  CHECK(resolve_error(with_user("{auth-provider: {name: gcp}}")).find("gke-gcloud-auth-plugin") !=
        std::string::npos);
  CHECK(resolve_error(with_user("{auth-provider: {name: azure}}")).find("kubelogin") !=
        std::string::npos);
  CHECK(resolve_error(with_user("{auth-provider: {name: oidc}}")).find("exec credential plugin") !=
        std::string::npos);
  CHECK(resolve_error(with_user("{exec: {command: x}}")) ==
        "user \"u\": exec: apiVersion must be specified");
  CHECK(resolve_error(
            with_user("{exec: {command: x, apiVersion: client.authentication.k8s.io/v1}}")) ==
        "user \"u\": exec: interactiveMode must be specified for client.authentication.k8s.io/v1 "
        "to use exec authentication plugin");
  CHECK(resolve_error(with_user("{exec: {command: x, apiVersion: "
                                "client.authentication.k8s.io/v1alpha1}}"))
            .find("invalid apiVersion") != std::string::npos);
  std::string insecure = k_base;
  insecure.replace(insecure.find("{server: "), 9,
                   "{insecure-skip-tls-verify: true, certificate-authority: ca, server: ");
  CHECK(resolve_error(insecure) ==
        "cluster \"c\": specifying a root certificates file with the insecure flag is not allowed");
  std::string bad_ns = k_base;
  bad_ns.replace(bad_ns.find("namespace: ml"), 13, "namespace: ML_");
  CHECK(resolve_error(bad_ns).find("namespace \"ML_\" of context \"ctx\"") == 0);
}

TEST_CASE(
    "app::load_kubeconfig: files from the environment, skipped and missing ones, "
    "in-cluster",
    "[kube]") {
  kray::test::FakeDeps d;
  d.fs.with_file("/a/config", k_base);
  SECTION("KUBECONFIG entries that do not exist are skipped") {
    d.env.vars["KUBECONFIG"] = "/missing:/a/config";
    auto loaded = kray::app::load_kubeconfig(d.deps, {});
    REQUIRE(loaded);
    CHECK(loaded->files == std::vector<std::string>{"/a/config"});
    CHECK(kray::app::resolve_kubeconfig(d.deps, {})->cluster.server == "https://api.example:6443");
  }
  SECTION("a missing --kubeconfig is an error") {
    auto loaded = kray::app::load_kubeconfig(d.deps, {"/nope", {}});
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().code == ErrorCode::config);
    CHECK(loaded.error().to_string() == "kubeconfig /nope: no such file");
  }
  SECTION("HOME/.kube/config when nothing else is given; relative paths made absolute") {
    d.fs.with_file("/home/u/.kube/config", k_base);
    d.env.vars["HOME"] = "/home/u";
    CHECK(kray::app::load_kubeconfig(d.deps, {})->files ==
          std::vector<std::string>{"/home/u/.kube/config"});
    d.env.vars.erase("HOME");
    d.fs.with_file("/work/rel/config", k_base);
    auto relative = kray::app::load_kubeconfig(d.deps, {"rel/config", {}});
    REQUIRE(relative);
    CHECK(relative->files == std::vector<std::string>{"/work/rel/config"});
  }
  SECTION("in-cluster: the service host and the service account, namespace from the file") {
    d.env.vars["KUBERNETES_SERVICE_HOST"] = "fd00::1";
    d.env.vars["KUBERNETES_SERVICE_PORT"] = "443";
    const std::string sa = kray::app::k_service_account_dir;
    d.fs.with_file(sa + "/token", "tok").with_file(sa + "/namespace", "team-a\n");
    auto r = kray::app::resolve_kubeconfig(d.deps, {});
    REQUIRE(r);
    CHECK(r->cluster.server == "https://[fd00::1]:443");
    CHECK(r->cluster.certificate_authority == sa + "/ca.crt");
    CHECK(r->user.token_file == sa + "/token");
    CHECK(r->namespace_ == "team-a");
    d.env.vars["POD_NAMESPACE"] = "from-env";
    CHECK(kray::app::resolve_kubeconfig(d.deps, {})->namespace_ == "from-env");
    d.env.vars["KUBECONFIG"] = "/a/config";  // a kubeconfig wins over in-cluster
    CHECK(kray::app::resolve_kubeconfig(d.deps, {})->cluster.server == "https://api.example:6443");
  }
}
