// SPDX-License-Identifier: Apache-2.0
// Exec credential plugins that hang, flood or cannot run (issue 14,
// findings 4 and 7): the command's deadline or krayctl's own limit, an
// output cap, and messages that say what went wrong. Scripted first, then
// real scripts with one-second limits.
#include <krayctl/app/connection.hpp>
#include <krayctl/app/kubeconfig.hpp>
#include <krayctl/io/file_system.hpp>
#include <krayctl/io/process.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakes.hpp"
#include "../../support/temp_dir.hpp"

#include <chrono>

using kray::ErrorCode;
using namespace std::chrono_literals;

namespace {

std::string config_with(const std::string& command) {
  return "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
         "    server: https://api.example\nusers:\n- name: u\n  user:\n    exec:\n"
         "      apiVersion: client.authentication.k8s.io/v1\n      command: " +
         command +
         "\n      interactiveMode: Never\n"
         "contexts:\n- name: ctx\n  context: {cluster: c, user: u}\ncurrent-context: ctx\n";
}

}  // namespace

TEST_CASE("app::make_connection: an exec plugin's time and output are bounded", "[kube]") {
  kray::test::FakeDeps d;
  d.fs.with_file("/k/config", config_with("get-token"));
  d.env.vars["KUBECONFIG"] = "/k/config";
  auto resolved = kray::app::resolve_kubeconfig(d.deps, {});
  REQUIRE(resolved);

  SECTION("without a deadline: krayctl's plugin limit and the output cap") {
    (void)kray::app::make_connection(d.deps, *resolved);
    REQUIRE(d.processes.calls.size() == 1);
    CHECK(d.processes.calls[0].limits.timeout == kray::app::k_exec_plugin_timeout);
    CHECK(d.processes.calls[0].limits.max_output == std::size_t{4} << 20U);
  }
  SECTION("with the command's deadline: no more than what is left of it") {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    (void)kray::app::make_connection(d.deps, *resolved, 0, deadline);
    REQUIRE(d.processes.calls.size() == 1);
    CHECK(d.processes.calls[0].limits.timeout <= 5000ms);
    CHECK(d.processes.calls[0].limits.timeout > 0ms);
  }
}

TEST_CASE("app::make_connection: real plugins that hang, flood or cannot run", "[kube]") {
  kray::test::TempDir dir;
  kray::io::RealFileSystem fs;
  kray::test::FakeConsole console;
  kray::test::FakeEnvironment env;
  kray::io::RealProcessRunner processes;
  const kray::app::Deps deps{fs, console, env, processes, kray::io::system_clock()};
  auto connect = [&](const std::string& script, mode_t mode, kray::app::Deadline deadline) {
    dir.write("get-token", script, mode);
    const std::string config = dir.write("config", config_with(dir / "get-token"));
    auto resolved = kray::app::resolve_kubeconfig(deps, {config, {}});
    REQUIRE(resolved);
    return kray::app::make_connection(deps, *resolved, 0, deadline);
  };
  const std::string who = "exec credential plugin \"" + (dir / "get-token") + "\" (user \"u\")";

  SECTION("one that sleeps is stopped at the command's --timeout") {
    const auto started = std::chrono::steady_clock::now();
    auto r = connect("#!/bin/sh\nsleep 3600\n", 0755, started + 1s);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::timeout);
    CHECK(r.error().message.rfind(who + ": ", 0) == 0);
    CHECK(r.error().message.find("(what the command's --timeout left)") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - started < 60s);
  }
  SECTION("one that prints forever is stopped at 4 MiB") {
    auto r = connect("#!/bin/sh\nexec yes flood\n", 0755, std::chrono::steady_clock::now() + 30s);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::config);
    CHECK(r.error().message ==
          who + ": " + (dir / "get-token") + " printed more than 4 MiB on stdout: stopped");
  }
  SECTION("one that is not executable says permission denied") {
    auto r = connect("#!/bin/sh\necho '{}'\n", 0644, std::chrono::steady_clock::now() + 30s);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::config);
    CHECK(r.error().message == who + ": cannot run " + (dir / "get-token") + ": Permission denied");
  }
}
