// SPDX-License-Identifier: Apache-2.0
#include <krayctl/cli/cli.hpp>
#include <krayctl/cli/exit_codes.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakes.hpp"

namespace {

struct CliFixture : kray::test::FakeDeps {
  int run(std::vector<const char*> args) {
    args.insert(args.begin(), "krayctl");
    return kray::cli::run(static_cast<int>(args.size()), args.data(), deps);
  }
};

}  // namespace

TEST_CASE_METHOD(CliFixture, "cli::run", "[cli]") {
  SECTION("no command is a usage error") {
    CHECK(run({}) == kray::cli::k_exit_usage);
    CHECK(console.err_text.find("Run 'krayctl --help' for usage.") != std::string::npos);
  }
  SECTION("--help lists the commands and the exit codes") {
    CHECK(run({"--help"}) == 0);
    CHECK(console.out_text.find("render") != std::string::npos);
    CHECK(console.out_text.find("130  interrupted") != std::string::npos);
  }
  SECTION("a command's --help") {
    CHECK(run({"render", "--help"}) == 0);
    CHECK(console.out_text.find("--set") != std::string::npos);
    // The global flags that apply to it; the exit codes in one line; no
    // path into the sources (issue 12, item 12).
    console.out_text.clear();
    CHECK(run({"status", "--help"}) == 0);
    for (const char* flag : {"Global options:", "-n,--namespace", "-A,--all-namespaces",
                             "--kubeconfig", "--context", "--timeout"}) {
      CHECK(console.out_text.find(flag) != std::string::npos);
    }
    // Only the exit codes this command can return (issue 13, item 14).
    CHECK(console.out_text.find("1    an object shown failed") != std::string::npos);
    CHECK(console.out_text.find("130  interrupted") != std::string::npos);
    console.out_text.clear();
    CHECK(run({"render", "--help"}) == 0);
    CHECK(console.out_text.find("3    timed out") == std::string::npos);
    CHECK(console.out_text.find("130  interrupted") == std::string::npos);
    console.out_text.clear();
    CHECK(run({"validate", "--help"}) == 0);
    CHECK(console.out_text.find("1    problems found") != std::string::npos);
    CHECK(console.out_text.find("2    could not run") != std::string::npos);
    CHECK(console.out_text.find("4    cluster") == std::string::npos);
    CHECK(console.out_text.find("130  interrupted") == std::string::npos);
    console.out_text.clear();
    CHECK(run({"--help"}) == 0);
    CHECK(console.out_text.find("docs/spec.md") == std::string::npos);
    CHECK(console.out_text.find("/doc/krayctl") != std::string::npos);
  }
  SECTION("an unknown flag") {
    CHECK(run({"render", "--nope", "x.yaml"}) == kray::cli::k_exit_usage);
  }
  SECTION("render errors exit 2 and print no extra line") {
    fs.with_file("bad.yaml", "name: x\nhead: {gpus: many}\n");
    CHECK(run({"render", "bad.yaml"}) == kray::cli::k_exit_usage);
    CHECK(console.out_text.empty());
    CHECK(console.err_text.find("krayctl: error") == std::string::npos);
  }
  SECTION("global flags may follow the command") {
    fs.with_file("ok.yaml", "name: x\n");
    CHECK(run({"render", "ok.yaml", "-n", "team"}) == 0);
    CHECK(console.out_text.find("namespace: team") != std::string::npos);
  }
  SECTION("--set is repeatable") {
    fs.with_file("ok.yaml", "name: x\nworkers: [{name: w}]\n");
    CHECK(run({"render", "ok.yaml", "--set", "workers[0].min=0", "--set", "workers[0].max=3"}) ==
          0);
    CHECK(console.out_text.find("maxReplicas: 3") != std::string::npos);
  }
  SECTION("--timeout 0 is no limit; nccl-check needs one; a negative one is refused") {
    // Past the flags, delete needs a kubeconfig (none here: exit 4).
    CHECK(run({"delete", "rayjob/x", "--wait", "--timeout", "0"}) == kray::cli::k_exit_cluster);
    CHECK(run({"delete", "rayjob/x", "--wait", "--timeout", "-1s"}) == kray::cli::k_exit_usage);
    console.err_text.clear();
    CHECK(run({"nccl-check", "--cluster", "c", "--group", "g", "--timeout", "0"}) ==
          kray::cli::k_exit_usage);
    CHECK(console.err_text.find("nccl-check needs a limit") != std::string::npos);
  }
  SECTION("an unknown resource type gets the closest, before any kubeconfig is read") {
    CHECK(run({"delete", "rayjb/x"}) == kray::cli::k_exit_usage);
    CHECK(console.err_text.find("unknown resource type 'rayjb'; did you mean 'rayjob'?") !=
          std::string::npos);
  }
  SECTION("--controller local is refused until it exists") {
    fs.with_file("ok.yaml", "name: x\n");
    CHECK(run({"render", "ok.yaml", "--controller", "local"}) == kray::cli::k_exit_usage);
    CHECK(console.out_text.empty());
    CHECK(console.err_text.find("--controller=local (krayctl creating the Pods itself") !=
          std::string::npos);
    CHECK(run({"render", "ok.yaml", "--controller", "operator"}) == 0);
  }
  SECTION("an unknown command is named, with the closest or what to use instead") {
    CHECK(run({"-n", "ml", "get", "pods"}) == kray::cli::k_exit_usage);
    CHECK(console.err_text.find("unknown command \"get\" for \"krayctl\": use 'status'") !=
          std::string::npos);
    console.err_text.clear();
    CHECK(run({"statsu"}) == kray::cli::k_exit_usage);
    CHECK(console.err_text.find("unknown command \"statsu\" for \"krayctl\"; did you mean "
                                "\"status\"?") != std::string::npos);
    CHECK(console.err_text.find("A subcommand is required") == std::string::npos);
  }
  SECTION("a failed write to stdout is an error; --color overrides the terminal (issue 13)") {
    fs.with_file("ok.yaml", "name: x\n");
    console.write_failure = "No space left on device";
    CHECK(run({"render", "ok.yaml"}) == kray::cli::k_exit_io);
    CHECK(console.err_text.find("error: writing to stdout: No space left on device") !=
          std::string::npos);
    console.write_failure.clear();
    CHECK(run({"render", "ok.yaml", "--color", "always"}) == 0);
    CHECK(console.color);
    CHECK(run({"render", "ok.yaml", "--color=never"}) == 0);
    CHECK_FALSE(console.color);
    CHECK(run({"render", "ok.yaml", "--color", "sometimes"}) == kray::cli::k_exit_usage);
  }
  SECTION("version") {
    CHECK(run({"version", "-o", "json"}) == 0);
    CHECK(console.out_text.find("\"kuberay\": \"v1.6.2\"") != std::string::npos);
  }
  SECTION("completion scripts name every command") {
    for (const char* shell : {"bash", "zsh", "fish"}) {
      console.out_text.clear();
      INFO(shell);
      CHECK(run({"completion", shell}) == 0);
      CHECK(console.out_text.find("render") != std::string::npos);
      CHECK(console.out_text.find("completion") != std::string::npos);
    }
    CHECK(run({"completion", "tcsh"}) == kray::cli::k_exit_usage);
  }
}

TEST_CASE("cli::exit_code_for", "[cli]") {
  using kray::ErrorCode;
  CHECK(kray::cli::exit_code_for(ErrorCode::invalid_spec) == 2);
  CHECK(kray::cli::exit_code_for(ErrorCode::workload_failed) == 1);
  CHECK(kray::cli::exit_code_for(ErrorCode::timeout) == 3);
  CHECK(kray::cli::exit_code_for(ErrorCode::unauthorized) == 4);
  CHECK(kray::cli::exit_code_for(ErrorCode::interrupted) == 130);
  CHECK(kray::cli::exit_code_for(ErrorCode::internal) == 70);
}
