// SPDX-License-Identifier: Apache-2.0
// From a kubeconfig to a connection (app/connection.hpp): files, token
// files, exec credential plugins (scripted, then a real script against the
// simulated API server).
#include <krayctl/app/connection.hpp>
#include <krayctl/app/kubeconfig.hpp>
#include <krayctl/io/clock.hpp>
#include <krayctl/io/file_system.hpp>
#include <krayctl/io/process.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/util/base64.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakekube/server.hpp"
#include "../../support/fakes.hpp"

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <cstdio>
#include <fstream>

using kray::ErrorCode;

namespace {

const char* const k_exec_config = R"(apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://api.example
    certificate-authority-data: Q0EgUEVN
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: get-token
      args: [--region, eu]
      env: [{name: PROFILE, value: ci}]
      interactiveMode: IfAvailable
      provideClusterInfo: true
      installHint: "install get-token from https://example.com"
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
)";

std::string credential(const std::string& token, const std::string& expires = "") {
  nlohmann::json status = {{"token", token}};
  if (!expires.empty()) {
    status["expirationTimestamp"] = expires;
  }
  return nlohmann::json{{"apiVersion", "client.authentication.k8s.io/v1"},
                        {"kind", "ExecCredential"},
                        {"status", status}}
      .dump();
}

struct Fixture {
  kray::test::FakeDeps d;
  Fixture() {
    d.fs.with_file("/k/config", k_exec_config);
    d.env.vars["KUBECONFIG"] = "/k/config";
  }
  kray::kube::ResolvedConfig config() {
    auto r = kray::app::resolve_kubeconfig(d.deps, {});
    REQUIRE(r);
    return *r;
  }
  kray::Result<kray::kube::Connection> connect() {
    return kray::app::make_connection(d.deps, config());
  }
};

}  // namespace

TEST_CASE("app::make_connection: an exec plugin's token, cached, refreshed after a 401", "[kube]") {
  Fixture f;
  f.d.processes.answers["get-token"] = {{0, credential("t-1")}, {0, credential("t-2")}};
  auto c = f.connect();
  REQUIRE(c);
  CHECK(c->ca_pem == "CA PEM");
  CHECK(c->token().value_or("") == "t-1");
  CHECK(c->token().value_or("") == "t-1");  // cached: no expiry given
  REQUIRE(f.d.processes.calls.size() == 1);
  const auto& call = f.d.processes.calls[0];
  CHECK(call.args == std::vector<std::string>{"--region", "eu"});
  CHECK_FALSE(call.interactive);  // stdin is no terminal here
  REQUIRE(call.env.size() == 2);
  CHECK(call.env[0] == std::make_pair(std::string("PROFILE"), std::string("ci")));
  CHECK(call.env[1].first == "KUBERNETES_EXEC_INFO");
  const auto info = nlohmann::json::parse(call.env[1].second);
  CHECK(info["apiVersion"] == "client.authentication.k8s.io/v1");
  CHECK(info["kind"] == "ExecCredential");
  CHECK(info["spec"]["interactive"] == false);
  CHECK(info["spec"]["cluster"]["server"] == "https://api.example");
  CHECK(info["spec"]["cluster"]["certificate-authority-data"] == "Q0EgUEVN");
  CHECK(c->refresh());  // a 401: run again, the token changed
  CHECK(c->token().value_or("") == "t-2");
}

TEST_CASE("app::make_connection: an expired exec credential is fetched again", "[kube]") {
  Fixture f;
  f.d.processes.answers["get-token"] = {{0, credential("old", "2001-01-01T00:00:00Z")},
                                        {0, credential("new", "2999-01-01T00:00:00Z")}};
  auto c = f.connect();
  REQUIRE(c);
  CHECK(c->token().value_or("") == "new");
  CHECK(c->token().value_or("") == "new");
  CHECK(f.d.processes.calls.size() == 2);
}

TEST_CASE("app::make_connection: exec plugin failures, one message each, no secrets", "[kube]") {
  Fixture f;
  auto error_for = [&](const std::string& out, int code = 0) {
    f.d.processes.answers["get-token"] = {{code, out}};
    auto c = f.connect();
    REQUIRE_FALSE(c);
    CHECK(c.error().code == ErrorCode::config);
    return c.error().to_string();
  };
  const std::string who = "exec credential plugin \"get-token\" (user \"u\")";
  SECTION("not installed: the install hint") {
    auto c = f.connect();
    REQUIRE_FALSE(c);
    CHECK(c.error().to_string() ==
          who + ": executable not found\ninstall get-token from https://example.com");
  }
  SECTION("a non-zero exit") {
    CHECK(error_for("", 3) == who + " exited with code 3 (its own message, if any, is above)");
  }
  SECTION("bad JSON: said, never quoted") {
    const std::string e = error_for("token: sekrit-value");
    CHECK(e == who + " printed something that is not an ExecCredential JSON object on stdout");
    CHECK(e.find("sekrit") == std::string::npos);
  }
  SECTION("the wrong apiVersion, no status, half a key pair, nothing at all") {
    CHECK(error_for(
              R"({"apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"x"}})") ==
          who +
              ": exec plugin is configured to use API version client.authentication.k8s.io/v1, "
              "plugin returned version client.authentication.k8s.io/v1beta1");
    CHECK(error_for(R"({"apiVersion":"client.authentication.k8s.io/v1"})") ==
          who + ": exec plugin didn't return a status field");
    CHECK(
        error_for(
            R"({"apiVersion":"client.authentication.k8s.io/v1","status":{"clientCertificateData":"C"}})") ==
        who + ": exec plugin returned only certificate or key, not both");
    CHECK(error_for(R"({"apiVersion":"client.authentication.k8s.io/v1","status":{}})") ==
          who + ": exec plugin didn't return a token or cert/key pair");
  }
  SECTION("interactiveMode Always without a terminal") {
    std::string config = k_exec_config;
    config.replace(config.find("IfAvailable"), 11, "Always");
    f.d.fs.with_file("/k/config", config);
    auto c = f.connect();
    REQUIRE_FALSE(c);
    CHECK(c.error().message.find("needs a terminal") != std::string::npos);
  }
}

TEST_CASE("app::make_connection: files named by the kubeconfig, relative to it", "[kube]") {
  kray::test::FakeDeps d;
  d.fs.with_file("/k/config", R"(clusters:
- name: c
  cluster: {server: "https://x", certificate-authority: certs/ca.crt}
users:
- name: u
  user: {client-certificate: certs/me.crt, client-key: certs/me.key}
- name: t
  user: {tokenFile: /run/token}
contexts:
- {name: certs, context: {cluster: c, user: u}}
- {name: tokens, context: {cluster: c, user: t}}
current-context: certs
)");
  d.env.vars["KUBECONFIG"] = "/k/config";
  auto resolved = kray::app::resolve_kubeconfig(d.deps, {});
  REQUIRE(resolved);
  auto missing = kray::app::make_connection(d.deps, *resolved);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::config);
  CHECK(missing.error().message.rfind("certificate-authority /k/certs/ca.crt: cannot read", 0) ==
        0);
  d.fs.with_file("/k/certs/ca.crt", "CA")
      .with_file("/k/certs/me.crt", "CERT")
      .with_file("/k/certs/me.key", "KEY");
  auto c = kray::app::make_connection(d.deps, *resolved);
  REQUIRE(c);
  CHECK(c->ca_pem == "CA");
  CHECK(c->client_cert_pem == "CERT");
  CHECK(c->client_key_pem == "KEY");
  auto tokens = kray::app::resolve_kubeconfig(d.deps, {"", {"tokens", "", "", ""}});
  REQUIRE(tokens);
  auto no_file = kray::app::make_connection(d.deps, *tokens);
  REQUIRE_FALSE(no_file);
  CHECK(no_file.error().message.rfind("tokenFile /run/token:", 0) == 0);
  d.fs.with_file("/run/token", "tok-1\n");
  auto with_file = kray::app::make_connection(d.deps, *tokens);
  REQUIRE(with_file);
  CHECK(with_file->token().value_or("") == "tok-1");
  d.fs.with_file("/run/token", "tok-2\n");  // rotated by the kubelet
  CHECK(with_file->refresh());
  CHECK(with_file->token().value_or("") == "tok-2");
}

TEST_CASE("end to end: a real exec plugin script authenticates against the simulated cluster",
          "[kube][http]") {
  fakekube::ApiServer server;
  server.start();
  char dir[] = "/tmp/krayctl-exec-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string base = dir;
  const std::string token = server.identity("token").token;
  {
    std::ofstream plugin(base + "/plugin.sh");
    plugin
        << "#!/bin/sh\n"
           "case \"$KUBERNETES_EXEC_INFO\" in *'\"interactive\":false'*) ;; *) exit 9 ;; esac\n"
           "echo "
           "'{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\","
           "\"status\":{\"token\":\""
        << token << "\"}}'\n";
  }
  chmod((base + "/plugin.sh").c_str(), 0700);
  {
    std::ofstream config(base + "/config");
    config
        << "clusters:\n- name: fk\n  cluster:\n    server: " << server.url()
        << "\n    certificate-authority-data: " << kray::util::base64_encode(server.ca_pem())
        << "\nusers:\n- name: plugin\n  user:\n    exec:\n      apiVersion: "
           "client.authentication.k8s.io/v1beta1\n      command: ./plugin.sh\n"
           "contexts:\n- name: fk\n  context: {cluster: fk, user: plugin}\ncurrent-context: fk\n";
  }
  kray::io::RealFileSystem fs;
  kray::test::FakeConsole console;
  kray::test::FakeEnvironment env;
  kray::io::RealProcessRunner processes;
  const kray::app::Deps deps{fs, console, env, processes, kray::io::system_clock()};
  auto resolved = kray::app::resolve_kubeconfig(deps, {base + "/config", {}});
  REQUIRE(resolved);
  auto conn = kray::app::make_connection(deps, *resolved);
  INFO((conn ? "" : conn.error().to_string()));
  REQUIRE(conn);
  auto transport = kray::kube::make_curl_transport(*conn);
  kray::io::FakeClock clock;  // retries do not wait
  kray::kube::Client client(*transport, clock, nullptr);
  auto pods = client.get("/api/v1/namespaces/default/pods");
  INFO((pods ? "" : pods.error().to_string()));
  CHECK(pods);
  const auto seen = server.requests();
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.back().user == "ci-bot");
  CHECK(seen.back().user_agent.rfind("krayctl/", 0) == 0);
  std::remove((base + "/plugin.sh").c_str());
  std::remove((base + "/config").c_str());
  rmdir(dir);
}
