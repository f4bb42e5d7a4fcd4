// SPDX-License-Identifier: Apache-2.0
// fakekube's reading of what a Ray container runs (ray_start.hpp): the
// exact command lines KubeRay v1.6.2 writes (built by kuberay_build.cpp)
// parse to the right `ray start` options and node resources; wrong command
// lines fail as click and Ray fail them; the shell's quoting and expansion.
#include "../../support/fakekube/ray_start.hpp"
#include "../../support/fakekube/kuberay_build.hpp"
#include "../../support/fakekube/yaml_json.hpp"

#include "../../support/catch.hpp"
#include "kuberay_sample.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

using fakekube::Json;
namespace kuberay = fakekube::kuberay;
namespace ray = fakekube::ray;

namespace {

using testing::kSample;
using testing::yaml;

const std::string kTs = "2026-12-07 21:00:00,123";
const std::string kSvc = "raycluster-kuberay-head-svc.default.svc.cluster.local:6379";

// The kubelet's values for the operator's fieldRef env (RAY_CLUSTER_NAME ...).
const ray::Env kFieldRefs = {{"RAY_CLUSTER_NAME", "raycluster-kuberay"},
                             {"RAY_CLUSTER_NAMESPACE", "default"},
                             {"RAY_CLOUD_INSTANCE_ID", "raycluster-kuberay-head-x1"},
                             {"RAY_NODE_TYPE_NAME", "headgroup"}};

ray::StartOptions start_of(const ray::Run& run) {
  REQUIRE(run.unsupported.empty());
  REQUIRE(run.ray_start_argv() != nullptr);
  auto opts = ray::parse_start(*run.ray_start_argv(), kTs);
  REQUIRE(opts);
  return *opts;
}

ray::Failure failure_of(const std::vector<std::string>& argv) {
  auto opts = ray::parse_start(argv, kTs);
  REQUIRE_FALSE(opts);
  return opts.error();
}

ray::Run shell(const std::string& script, const ray::Env& env = {}) {
  return ray::read_argv({"/bin/bash", "-c", "--", script}, env);
}

const std::vector<std::string> kUsage = {"Usage: ray start [OPTIONS]",
                                         "Try 'ray start --help' for help.", ""};

std::vector<std::string> usage(const std::string& error) {
  auto lines = kUsage;
  lines.push_back("Error: " + error);
  return lines;
}

}  // namespace

TEST_CASE(
    "ray_start: the sample's head container runs ray start --head --block as KubeRay writes it",
    "[fakekube]") {
  const Json pod = kuberay::build_head_pod(yaml(kSample));
  const Json& container = pod["spec"]["containers"][0];
  const ray::Run run = ray::read_container(container, {}, kFieldRefs);
  CHECK(run.shell);
  REQUIRE(run.steps.size() == 1);  // `ulimit -n 65536;` is no step
  CHECK(run.steps[0].argv ==
        std::vector<std::string>{"ray", "start", "--head", "--block",
                                 "--dashboard-agent-listen-port=52365", "--dashboard-host=0.0.0.0",
                                 "--memory=5368709120", "--metrics-export-port=8080",
                                 "--num-cpus=1"});
  CHECK_FALSE(run.runs_after_ray_start());
  CHECK_FALSE(run.health_check_address);

  const ray::StartOptions o = start_of(run);
  CHECK(o.head);
  CHECK(o.block);
  CHECK_FALSE(o.address);
  CHECK(o.gcs_port() == 6379);
  CHECK(o.dashboard_host == "0.0.0.0");
  CHECK(o.dashboard_port == 8265);
  CHECK(o.dashboard());
  CHECK(o.dashboard_agent_listen_port == 52365);
  CHECK(o.metrics_export_port == 8080);
  CHECK(o.client_server_port() == 10001);
  CHECK(o.num_cpus == 1);
  CHECK_FALSE(o.num_gpus);
  CHECK(o.memory == 5368709120LL);
  CHECK(o.resources == Json::object());

  ray::NodeFacts facts;
  facts.node_ip = "10.244.0.5";
  facts.limits = container["resources"]["limits"];
  const auto res = ray::node_resources(o, facts, kTs);
  REQUIRE(res);
  CHECK(res->resources == Json{{"node:10.244.0.5", 1.0},
                               {"node:__internal_head__", 1.0},
                               {"CPU", 1},
                               {"memory", 5368709120LL},
                               {"object_store_memory", 1610612736LL}});  // 30 % of 5Gi
  CHECK(res->warnings.empty());
}

TEST_CASE(
    "ray_start: the sample's worker container runs ray start --address=<head service> --block",
    "[fakekube]") {
  const Json cluster = yaml(kSample);
  const Json pod = kuberay::build_worker_pod(cluster, cluster["spec"]["workerGroupSpecs"][0], 0);
  const Json& container = pod["spec"]["containers"][0];
  const ray::Run run = ray::read_container(container, {}, kFieldRefs);
  const ray::StartOptions o = start_of(run);
  CHECK_FALSE(o.head);
  CHECK(o.block);
  CHECK(o.address == kSvc);
  CHECK(o.num_cpus == 1);
  CHECK(o.memory == 1073741824LL);
  CHECK(o.metrics_export_port == 8080);
  CHECK_FALSE(o.dashboard());
  CHECK_FALSE(o.client_server_port());

  ray::NodeFacts facts;
  facts.node_ip = "10.244.0.6";
  facts.limits = container["resources"]["limits"];
  const auto res = ray::node_resources(o, facts, kTs);
  REQUIRE(res);
  CHECK(res->resources == Json{{"node:10.244.0.6", 1.0},
                               {"CPU", 1},
                               {"memory", 1073741824LL},
                               {"object_store_memory", 322122547LL}});  // int(0.3 * 1Gi)

  SECTION("its wait-gcs-ready init container waits for the head service's GCS") {
    const Json& init = pod["spec"]["initContainers"].back();
    REQUIRE(init["name"] == "wait-gcs-ready");
    const ray::Run wait = ray::read_container(init);
    CHECK(wait.unsupported.empty());
    CHECK_FALSE(wait.ray_start);
    CHECK(wait.health_check_address == kSvc);
    // The steps are the health checks, `break` and `sleep 5`, all in the loop.
    for (const auto& step : wait.steps) {
      CHECK(step.loop_depth == 1);
    }
  }
  SECTION("a health check outside a loop is no wait-gcs-ready") {
    CHECK_FALSE(shell("ray health-check --address " + kSvc).health_check_address);
    CHECK(shell("until ray health-check --address=" + kSvc + "; do sleep 1; done")
              .health_check_address == kSvc);
  }
}

TEST_CASE("ray_start: a user command before ray start (KubeRay's head-command sample)",
          "[fakekube]") {
  std::ifstream in(std::filesystem::path(KRAYCTL_SOURCE_DIR) /
                   "tests/data/kuberay-v1.6.2/samples/ray-cluster.head-command.yaml");
  std::stringstream text;
  text << in.rdbuf();
  const Json pod = kuberay::build_head_pod(yaml(text.str()));
  const Json& container = pod["spec"]["containers"][0];
  REQUIRE(container["args"][0].get<std::string>().find(" && ulimit -n 65536; ray start") !=
          std::string::npos);
  const ray::Run run = ray::read_container(container);
  const ray::StartOptions o = start_of(run);
  CHECK(o.head);
  CHECK(o.block);
  CHECK(*run.ray_start == 0);  // `echo 123 456` is no step
  CHECK_FALSE(run.runs_after_ray_start());
}

TEST_CASE("ray_start: every RayCluster in KubeRay's samples runs a ray start that parses",
          "[fakekube]") {
  int containers = 0;
  for (const auto& [where, cluster] : testing::sample_clusters()) {
    std::vector<std::pair<Json, bool>> pods = {{kuberay::build_head_pod(cluster), true}};
    for (const auto& g : cluster["spec"].value("workerGroupSpecs", Json::array())) {
      pods.emplace_back(kuberay::build_worker_pod(cluster, g, 0), false);
    }
    for (const auto& [pod, head] : pods) {
      INFO(where << (head ? " head" : " worker"));
      const ray::Run run = ray::read_container(pod["spec"]["containers"][0]);
      CHECK(run.unsupported.empty());
      REQUIRE(run.ray_start_argv() != nullptr);
      const auto o = ray::parse_start(*run.ray_start_argv(), kTs);
      REQUIRE(o);
      CHECK(o->head == head);
      CHECK(o->block);
      ++containers;
      if (!head) {
        const Json& init = pod["spec"]["initContainers"].back();
        CHECK(ray::read_container(init).health_check_address == o->address);
      }
    }
  }
  CHECK(containers >= 100);
}

TEST_CASE("ray_start: without --block, ray start returns; what follows it keeps the container",
          "[fakekube]") {
  const ray::Run exec = ray::read_argv({"ray", "start", "--head"}, {});
  CHECK_FALSE(exec.shell);
  CHECK_FALSE(start_of(exec).block);
  CHECK_FALSE(exec.runs_after_ray_start());

  CHECK(shell("ray start --head; sleep infinity").runs_after_ray_start());
  CHECK(shell("ray start --head && sleep infinity").runs_after_ray_start());
  CHECK(shell("ray start --head\ntail -f /dev/null").runs_after_ray_start());
  CHECK_FALSE(shell("ray start --head || sleep 5").runs_after_ray_start());
  CHECK_FALSE(shell("ray start --head; echo started").runs_after_ray_start());
  CHECK_FALSE(shell("exec ray start --head --block").runs_after_ray_start());
  CHECK(start_of(shell("exec ray start --head --block")).block);
  CHECK_FALSE(shell("sleep 1").ray_start);
}

TEST_CASE("ray_start: click's usage errors exit 2", "[fakekube]") {
  SECTION("a fractional --num-cpus, in both option forms") {
    for (const auto& argv :
         {std::vector<std::string>{"ray", "start", "--head", "--num-cpus=1.5"},
          std::vector<std::string>{"ray", "start", "--head", "--num-cpus", "1.5"}}) {
      const ray::Failure f = failure_of(argv);
      CHECK(f.exit_code == 2);
      CHECK(f.lines == usage("Invalid value for '--num-cpus': '1.5' is not a valid integer."));
    }
    CHECK(failure_of({"ray", "start", "--head", "--memory=5Gi"}).lines ==
          usage("Invalid value for '--memory': '5Gi' is not a valid integer."));
    CHECK(failure_of({"ray", "start", "--head", "--num-gpus="}).lines ==
          usage("Invalid value for '--num-gpus': '' is not a valid integer."));
  }
  SECTION("Python's int() takes what a stricter reading would refuse") {
    auto o = ray::parse_start({"ray", "start", "--head", "--num-cpus= 1_0 ", "--port=+0"}, kTs);
    REQUIRE(o);
    CHECK(o->num_cpus == 10);
    CHECK(o->gcs_port() == 0);
  }
  SECTION("unknown options, with click's suggestions") {
    const ray::Failure f = failure_of({"ray", "start", "--head", "--foo"});
    CHECK(f.exit_code == 2);
    CHECK(f.lines == usage("No such option: --foo"));
    CHECK(failure_of({"ray", "start", "--num-cpu=1"}).lines ==
          usage("No such option: --num-cpu (Possible options: --num-cpus, --num-gpus)"));
    CHECK(failure_of({"ray", "start", "--blok"}).lines ==
          usage("No such option: --blok Did you mean --block?"));
    CHECK(failure_of({"ray", "start", "--heda"}).lines ==
          usage("No such option: --heda (Possible options: --head, --help)"));
    CHECK(failure_of({"ray", "start", "-x"}).lines == usage("No such option: -x"));
  }
  SECTION("values where none belong, none where one must be, extra arguments") {
    CHECK(failure_of({"ray", "start", "--block=true"}).lines ==
          usage("Option '--block' does not take a value."));
    CHECK(failure_of({"ray", "start", "--address"}).lines ==
          usage("Option '--address' requires an argument."));
    CHECK(failure_of({"ray", "start", "--head", "now"}).lines ==
          usage("Got unexpected extra argument (now)"));
    CHECK(failure_of({"ray", "start", "--include-dashboard=maybe", "--head"}).lines ==
          usage("Invalid value for '--include-dashboard': 'maybe' is not a valid boolean."));
    CHECK(
        failure_of({"ray", "start", "--head", "--log-style=fancy"}).lines ==
        usage(
            "Invalid value for '--log-style': 'fancy' is not one of 'auto', 'record', 'pretty'."));
  }
  SECTION("`--opt value` takes the next word even when it looks like an option") {
    auto o = ray::parse_start({"ray", "start", "--address", "--block"}, kTs);
    REQUIRE(o);
    CHECK(o->address == "--block");
    CHECK_FALSE(o->block);
  }
}

TEST_CASE("ray_start: Ray's own refusals exit 1", "[fakekube]") {
  SECTION("a worker without --address") {
    const ray::Failure f = failure_of({"ray", "start", "--block"});
    CHECK(f.exit_code == 1);
    CHECK(f.lines == std::vector<std::string>{
                         kTs + "\tPANIC scripts.py:1036 -- `--address` is a required flag unless "
                               "starting a head node with `--head`.",
                         "Error: `{}` is a required flag unless starting a head node with `{}`."});
  }
  SECTION("--port on a worker") {
    const ray::Failure f = failure_of({"ray", "start", "--address=h:6379", "--port=6380"});
    CHECK(f.exit_code == 1);
    REQUIRE(f.lines.size() == 2);
    CHECK(f.lines[0].find("PANIC scripts.py:") != std::string::npos);
    CHECK(f.lines[0].find(
              "-- `--port` should only be specified when starting head node with `--head`.") !=
          std::string::npos);
    CHECK(f.lines[1] == "Error: `{}` should only be specified when starting head node with `{}`.");
  }
  SECTION("--resources that is no JSON object") {
    for (const std::string bad : {"{bad", "[1]", "'{\"TPU\": 4}'"}) {
      INFO(bad);
      const ray::Failure f = failure_of({"ray", "start", "--head", "--resources=" + bad});
      CHECK(f.exit_code == 1);
      REQUIRE(f.stdout_lines.size() == 1);
      CHECK(f.stdout_lines[0].rfind(kTs + "\tERR utils.py:", 0) == 0);
      CHECK(f.stdout_lines[0].find("-- `--resources=" + bad +
                                   "` is not a valid JSON string, detail error:") !=
            std::string::npos);
      CHECK(f.lines.back() == "Error: Valid values look like this: `{}`");
    }
  }
  SECTION("--labels: KubeRay's k=v form, Ray's JSON object") {
    auto kv = ray::parse_start({"ray", "start", "--head", "--labels=ray.io/region=us,pool=a"}, kTs);
    REQUIRE(kv);
    CHECK(kv->labels == Json{{"ray.io/region", "us"}, {"pool", "a"}});
    auto json = ray::parse_start({"ray", "start", "--head", R"(--labels={"gpu": "A100"})"}, kTs);
    REQUIRE(json);
    CHECK(json->labels == Json{{"gpu", "A100"}});
    for (const std::string bad : {R"({"gpu": 1})", R"({"ray.io/node_id": "x"})", "novalue"}) {
      INFO(bad);
      const ray::Failure f = failure_of({"ray", "start", "--head", "--labels=" + bad});
      CHECK(f.exit_code == 1);
      CHECK(f.lines.front().find("-- `--labels=" + bad +
                                 "` is not a valid JSON string, detail error:") !=
            std::string::npos);
    }
  }
  SECTION("--resources that JSON accepts and Ray does not") {
    ray::NodeFacts facts;
    facts.node_ip = "10.0.0.1";
    auto resources_of = [&](const std::string& json) {
      auto o =
          ray::parse_start({"ray", "start", "--head", "--num-cpus=2", "--resources=" + json}, kTs);
      REQUIRE(o);
      return ray::node_resources(*o, facts, kTs);
    };
    auto cpu = resources_of(R"({"CPU": 4})");
    REQUIRE_FALSE(cpu);
    CHECK(cpu.error().exit_code == 1);
    CHECK(cpu.error().lines.back() == "AssertionError: {'CPU': 4}");
    auto head = resources_of(R"({"node:__internal_head__": 1})");
    REQUIRE_FALSE(head);
    CHECK(head.error().lines.back() ==
          "ValueError: node:__internal_head__ is a reserved resource name, use another name "
          "instead.");
    auto fraction = resources_of(R"({"TPU": 1.5})");
    REQUIRE_FALSE(fraction);
    CHECK(fraction.error().lines.back().rfind("ValueError: Resource quantities must all be whole "
                                              "numbers. Violated by resource 'TPU' in "
                                              "{'TPU': 1.5, 'node:10.0.0.1': 1.0, "
                                              "'node:__internal_head__': 1.0, 'CPU': 2, 'memory': ",
                                              0) == 0);
    auto negative = resources_of(R"({"x": -1})");
    REQUIRE_FALSE(negative);
    CHECK(negative.error().lines.back().rfind(
              "ValueError: Resource quantities must be nonnegative.", 0) == 0);
    auto fine = resources_of(R"({"TPU": 4, "special": 0})");
    REQUIRE(fine);
    CHECK(fine->resources["TPU"] == 4);
    CHECK_FALSE(fine->resources.contains("special"));  // zeros are left out
  }
}

TEST_CASE("ray_start: shell quoting as bash reads it", "[fakekube]") {
  SECTION("single quotes, double quotes, backslashes") {
    const ray::Run run = shell(
        R"(ray start --head --resources='{"TPU": 4}' --labels="zone=a,pool=b c" --temp-dir=/tmp/ra\ y 'it'\''s')");
    REQUIRE(run.ray_start_argv());
    CHECK(*run.ray_start_argv() ==
          std::vector<std::string>{"ray", "start", "--head", R"(--resources={"TPU": 4})",
                                   "--labels=zone=a,pool=b c", "--temp-dir=/tmp/ra y", "it's"});
    CHECK(shell(R"(ray start "--address=a\"b\$c\\d")").ray_start_argv()->at(2) ==
          R"(--address=a"b$c\d)");
  }
  SECTION("KubeRay's --resources rendering survives the shell") {
    auto o = ray::parse_start(
        *shell(R"(ray start --head  --resources='{"TPU":4}'  --block )").ray_start_argv(), kTs);
    REQUIRE(o);
    CHECK(o->resources == Json{{"TPU", 4}});
    CHECK(o->block);
  }
  SECTION("comments, line continuations, redirections, empty commands") {
    const ray::Run run = shell("# start it\nray start --head \\\n  --block > /tmp/out 2>&1 ;; ");
    CHECK(run.unsupported == "`;;`");
    const ray::Run ok =
        shell("# start it\n;\nray start --head \\\n  --block > /tmp/out 2>&1 </dev/null\n");
    CHECK(ok.unsupported.empty());
    CHECK(*ok.ray_start_argv() == std::vector<std::string>{"ray", "start", "--head", "--block"});
  }
  SECTION("what this reader does not follow is said, not guessed") {
    CHECK(shell("ray start --address=$(cat /etc/head):6379").unsupported ==
          "a $(...) command substitution");
    CHECK(shell("ray start --address=`cat /etc/head`").unsupported ==
          "a backquoted command substitution");
    CHECK(shell("ray start --head 'oops").unsupported == "an unterminated single quote");
    CHECK(shell("for i in 1 2; do ray start; done").unsupported == "`for`");
    CHECK(ray::read_argv({"bash", "/start.sh"}, {}).unsupported == "a script file");
  }
  SECTION("sh and bash spellings of -c") {
    for (const auto& prefix :
         {std::vector<std::string>{"sh", "-c"}, std::vector<std::string>{"/bin/bash", "-lc", "--"},
          std::vector<std::string>{"bash", "-e", "-c"}}) {
      auto argv = prefix;
      argv.push_back("ulimit -n 65536; ray start --head --block");
      CHECK(ray::read_argv(argv, {}).ray_start == 0u);
    }
  }
}

TEST_CASE("ray_start: $(VAR) as Kubernetes expands it, $VAR as the shell does", "[fakekube]") {
  SECTION("Kubernetes: known references, $$ escapes, the rest as is") {
    const ray::Env env = {{"A", "x"}, {"EMPTY", ""}};
    CHECK(ray::expand_kube_refs("$(A)-$$(A)-$(B)-$(EMPTY)-$A-$(", env) == "x-$(A)-$(B)--$A-$(");
    CHECK(ray::expand_kube_refs("a$", env) == "a$");
    const Json container = {
        {"command", {"ray", "start", "--address=$(HEAD):$(PORT)", "--num-cpus=$(CPUS)"}},
        {"env",
         {{{"name", "HOST"}, {"value", "head-svc"}},
          {{"name", "HEAD"}, {"value", "$(HOST).ns"}},
          {{"name", "PORT"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "x"}}}}}}}}};
    const ray::Run run = ray::read_container(container, {}, {{"PORT", "6380"}});
    CHECK(*run.ray_start_argv() == std::vector<std::string>{"ray", "start",
                                                            "--address=head-svc.ns:6380",
                                                            "--num-cpus=$(CPUS)"});
    // An unexpanded reference reaches ray start as is, and click refuses it.
    CHECK(failure_of(*run.ray_start_argv()).lines ==
          usage("Invalid value for '--num-cpus': '$(CPUS)' is not a valid integer."));
  }
  SECTION("the shell: $VAR, ${VAR}, defaults, unset variables, field splitting") {
    const ray::Env env = {
        {"FQ_RAY_IP", "head.ns.svc"}, {"RAY_PORT", "6379"}, {"FLAGS", "--block  --num-cpus=2"}};
    auto o = ray::parse_start(
        *shell("ray start --address=$FQ_RAY_IP:${RAY_PORT} $FLAGS $UNSET ${GPUS:---num-gpus=1}",
               env)
             .ray_start_argv(),
        kTs);
    REQUIRE(o);
    CHECK(o->address == "head.ns.svc:6379");
    CHECK(o->block);
    CHECK(o->num_cpus == 2);
    CHECK(o->num_gpus == 1);
    // Quoted, the expansion stays one word: click sees one unknown option.
    CHECK(failure_of(*shell("ray start --head \"$FLAGS\"", env).ray_start_argv()).lines ==
          usage("No such option: --block  --num-cpus (Possible options: --num-cpus, --num-gpus)"));
    // Assignments: for the shell when alone, for the command when leading.
    CHECK(*shell("P=6390; export H=h; X=1 ray start --address=$H:$P", env).ray_start_argv() ==
          std::vector<std::string>{"ray", "start", "--address=h:6390"});
    // Exec form: no shell, no $VAR.
    CHECK(ray::read_argv({"ray", "start", "--address=$FQ_RAY_IP"}, env).ray_start_argv()->at(2) ==
          "--address=$FQ_RAY_IP");
  }
}

TEST_CASE("ray_start: CPUs, GPUs and memory as Ray detects them in a container", "[fakekube]") {
  ray::NodeFacts facts;
  facts.node_ip = "10.0.0.7";
  facts.host_cpus = 16;
  facts.host_memory = 64LL << 30;
  const ray::StartOptions worker = *ray::parse_start({"ray", "start", "--address=h:6379"}, kTs);

  SECTION("a fractional CPU limit is truncated, with Ray's warning") {
    facts.limits = {{"cpu", "1500m"}, {"memory", "2Gi"}};
    auto r = ray::node_resources(worker, facts, kTs);
    REQUIRE(r);
    CHECK(r->resources["CPU"] == 1);
    CHECK(r->warnings ==
          std::vector<std::string>{
              kTs + "\tWARNING utils.py:593 -- Ray currently does not support initializing "
                    "Ray with fractional cpus. Your num_cpus will be truncated from 1.5 to 1."});
    // memory = available - object store (30 %).
    CHECK(r->resources["object_store_memory"] == 644245094LL);
    CHECK(r->resources["memory"] == (2LL << 30) - 644245094LL);
  }
  SECTION("half a CPU is none: the CPU key is left out") {
    facts.limits = {{"cpu", "500m"}};
    auto r = ray::node_resources(worker, facts, kTs);
    REQUIRE(r);
    CHECK_FALSE(r->resources.contains("CPU"));
    CHECK(r->warnings.size() == 1);
  }
  SECTION(
      "no limit: the host's cores and memory; the object store capped at 10 GB by a small "
      "/dev/shm") {
    facts.host_memory = 100LL * 1000 * 1000 * 1000;
    auto r = ray::node_resources(worker, facts, kTs);
    REQUIRE(r);
    CHECK(r->resources["CPU"] == 16);
    CHECK(r->resources["object_store_memory"] == 10000000000LL);
    CHECK(r->resources["memory"] == 90000000000LL);
  }
  SECTION("--num-cpus and --memory win over the limits") {
    facts.limits = {{"cpu", "4"}, {"memory", "8Gi"}};
    auto o = *ray::parse_start(
        {"ray", "start", "--address=h:6379", "--num-cpus=0", "--memory=1000"}, kTs);
    auto r = ray::node_resources(o, facts, kTs);
    REQUIRE(r);
    CHECK_FALSE(r->resources.contains("CPU"));
    CHECK(r->resources["memory"] == 1000);
  }
  SECTION("GPUs from the nvidia.com/gpu limit, with the accelerator type") {
    facts.limits = {{"cpu", "8"}, {"nvidia.com/gpu", "2"}};
    facts.gpu_name = "NVIDIA A100-SXM4-80GB";
    auto r = ray::node_resources(worker, facts, kTs);
    REQUIRE(r);
    CHECK(r->resources["GPU"] == 2);
    CHECK(r->resources["accelerator_type:A100"] == 1);
    facts.limits.erase("nvidia.com/gpu");
    auto none = ray::node_resources(worker, facts, kTs);
    REQUIRE(none);
    CHECK_FALSE(none->resources.contains("GPU"));
    CHECK_FALSE(none->resources.contains("accelerator_type:A100"));
  }
  SECTION("too little memory left for tasks fails the start") {
    facts.limits = {{"memory", "100Mi"}};
    facts.used_memory = 95LL << 20;
    auto r = ray::node_resources(worker, facts, kTs);
    REQUIRE_FALSE(r);
    CHECK(
        r.error().lines.back().rfind(
            "ValueError: After taking into account object store and redis memory usage, the amount "
            "of "
            "memory on this node available for tasks and actors (0.0 GB) is less than 3% of total.",
            0) == 0);
  }
}

TEST_CASE("ray_start: the lines ray start prints", "[fakekube]") {
  SECTION("record format") {
    CHECK(ray::record(kTs, "SUCC", "scripts.py", 950, "Ray runtime started.") ==
          "2026-12-07 21:00:00,123\tSUCC scripts.py:950 -- Ray runtime started.");
  }
  SECTION("the head, with and without --block, with the dashboard's address") {
    auto o = *ray::parse_start({"ray", "start", "--head", "--dashboard-host=0.0.0.0"}, kTs);
    auto lines = ray::head_started_lines(o, "10.0.0.5", kTs);
    auto has = [&](const std::string& message) {
      return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
        return l.size() >= message.size() &&
               l.compare(l.size() - message.size(), message.size(), message) == 0;
      });
    };
    CHECK(lines[0].find("\tINFO usage_lib.py:") != std::string::npos);
    CHECK(lines[1] == kTs + "\tINFO scripts.py:865 -- Local node IP: 10.0.0.5");
    CHECK(lines[3] == kTs + "\tSUCC scripts.py:950 -- Ray runtime started.");
    CHECK(has(" --   ray start --address='10.0.0.5:6379'"));
    CHECK(
        has(" --   RAY_API_SERVER_ADDRESS='http://10.0.0.5:8265' ray job submit --working-dir . -- "
            "python my_script.py"));
    CHECK(has(" --   10.0.0.5:8265"));
    CHECK_FALSE(has(" -- --block"));
    CHECK(lines.back().find("If connection to the dashboard fails") != std::string::npos);

    o.block = true;
    lines = ray::head_started_lines(o, "10.0.0.5", kTs, "2.46.0");
    CHECK(has(" -- --block"));
    CHECK(
        has(" --   RAY_ADDRESS='http://10.0.0.5:8265' ray job submit --working-dir . -- python "
            "my_script.py"));
    CHECK(lines.back().find("Subprocesses exit with SIGTERM will be treated as graceful") !=
          std::string::npos);

    auto local = *ray::parse_start(
        {"ray", "start", "--head", "--port=6380", "--include-dashboard=false"}, kTs);
    lines = ray::head_started_lines(local, "10.0.0.5", kTs);
    CHECK(has(" --   ray start --address='10.0.0.5:6380'"));
    CHECK_FALSE(has(" --   10.0.0.5:8265"));
    CHECK_FALSE(has("To submit a Ray job using the Ray Jobs CLI:"));
    auto loopback = *ray::parse_start({"ray", "start", "--head"}, kTs);
    lines = ray::head_started_lines(loopback, "10.0.0.5", kTs);
    CHECK(has(" --   127.0.0.1:8265"));
  }
  SECTION("a worker: no usage stats, no next steps") {
    auto o = *ray::parse_start({"ray", "start", "--address=" + kSvc, "--block"}, kTs);
    auto lines = ray::worker_started_lines(o, "10.0.0.6", kTs);
    REQUIRE(lines.size() == 9);
    CHECK(lines[0] == kTs + "\tINFO scripts.py:1098 -- Local node IP: 10.0.0.6");
    CHECK(lines[2].find("-- Ray runtime started.") != std::string::npos);
    CHECK(lines[5].find("--   ray stop") != std::string::npos);
    CHECK(lines[6].find("-- --block") != std::string::npos);
    o.block = false;
    CHECK(ray::worker_started_lines(o, "10.0.0.6", kTs).size() == 6);
  }
  SECTION("a worker whose GCS does not answer, and ray health-check") {
    CHECK(ray::gcs_connect_retry_line(kSvc, kTs, 41, 42) ==
          "[" + kTs + " W 41 42] rpc_client.h:153: Failed to connect to GCS at address " + kSvc +
              " within 5 seconds.");
    const ray::Failure f = ray::worker_gcs_unreachable(kSvc);
    CHECK(f.exit_code == 1);
    CHECK(f.lines.front() == "Traceback (most recent call last):");
    CHECK(f.lines.back().rfind("RuntimeError: Failed to connect to GCS.", 0) == 0);
    CHECK(ray::k_gcs_connect_attempts == 20);
    CHECK(ray::health_check_unreachable(kSvc, kTs, 1, 2).exit_code == 1);
  }
}
