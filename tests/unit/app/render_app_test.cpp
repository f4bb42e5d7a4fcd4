// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/render.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakes.hpp"

using kray::app::OutputFormat;
using kray::app::RenderOptions;
using kray::core::Json;

namespace {

struct AppFixture : kray::test::FakeDeps {
  kray::Result<void> render(RenderOptions options) { return kray::app::run_render(options, deps); }
};

RenderOptions opts(std::vector<std::string> inputs) {
  RenderOptions o;
  o.inputs = std::move(inputs);
  return o;
}

// A RayCluster without GCS fault tolerance, its lint silenced by annotation.
const char* const k_good =
    "name: good\nannotations: {krayctl.io/disable-lints: no-gcs-ft}\nworkers: [{name: w}]\n";

}  // namespace

TEST_CASE_METHOD(AppFixture, "app::run_render", "[app]") {
  fs.with_file("good.yaml", k_good).with_file("bad.yaml", "name: bad\nhead: {cpuu: 1}\n");

  SECTION("renders to stdout and nothing to stderr") {
    REQUIRE(render(opts({"good.yaml"})));
    CHECK(console.out_text.rfind("apiVersion: ray.io/v1\nkind: RayCluster\n", 0) == 0);
    CHECK(console.err_text.empty());
  }
  SECTION("all or nothing: one bad document, no output at all") {
    auto r = render(opts({"good.yaml", "bad.yaml"}));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == kray::ErrorCode::invalid_spec);
    CHECK(r.error().reported);
    CHECK(console.out_text.empty());
    CHECK(console.err_text ==
          "bad.yaml:2:8: error[spec]: unknown key 'cpuu'; did you mean 'cpu'? (head.cpuu)\n"
          " 2 | head: {cpuu: 1}\n"
          "   |        ^\n");
  }
  SECTION("several errors end with a count") {
    fs.with_file("two.yaml", "name: Bad\nhead: {cpuu: 1}\n");
    REQUIRE_FALSE(render(opts({"two.yaml"})));
    CHECK(console.err_text.find("2 errors; nothing rendered\n") != std::string::npos);
  }
  SECTION("stdin") {
    console.stdin_text = k_good;
    REQUIRE(render(opts({"-"})));
    CHECK(console.out_text.find("name: good") != std::string::npos);
  }
  SECTION("an empty file") {
    fs.with_file("empty.yaml", "# nothing\n");
    REQUIRE_FALSE(render(opts({"empty.yaml"})));
    CHECK(console.err_text == "empty.yaml:1:1: error[yaml]: empty file: no YAML document in it\n");
  }
  SECTION("a missing file") {
    REQUIRE_FALSE(render(opts({"nope.yaml"})));
    CHECK(console.err_text ==
          "nope.yaml: error[input]: cannot read nope.yaml: No such file or directory\n");
  }
  SECTION("--set changes the spec before it is checked") {
    RenderOptions o = opts({"good.yaml"});
    o.sets = {"workers[0].gpus=4", "ray.version=\"2.46.0\""};
    REQUIRE(render(o));
    CHECK(console.out_text.find("nvidia.com/gpu: \"4\"") != std::string::npos);
    CHECK(console.out_text.find("rayVersion: \"2.46.0\"") != std::string::npos);
  }
  SECTION("a bad --set value is reported in the --set text") {
    RenderOptions o = opts({"good.yaml"});
    o.sets = {"workers[0].gpus=lots"};
    REQUIRE_FALSE(render(o));
    CHECK(console.err_text ==
          "--set:1:17: error[spec]: expected an integer, got string 'lots' (workers[0].gpus)\n"
          " 1 | workers[0].gpus=lots\n"
          "   |                 ^\n");
  }
  SECTION("--set null deletes a key; --set-string keeps a string; a number for a string says how") {
    // Issue 12, item 15: helm's rules, and the hint the file error carries.
    RenderOptions o = opts({"good.yaml"});
    o.sets = {"annotations=null"};
    REQUIRE(render(o));
    CHECK(console.out_text.find("krayctl.io/disable-lints") == std::string::npos);
    console.out_text.clear();
    console.err_text.clear();
    o.sets = {};
    o.set_strings = {"ray.version=2.46"};
    REQUIRE(render(o));
    CHECK(console.out_text.find("rayVersion: \"2.46\"") != std::string::npos);
    console.err_text.clear();
    o.set_strings = {};
    o.sets = {"ray.version=2.46"};
    REQUIRE_FALSE(render(o));
    CHECK(console.err_text.find("--set:1:13: error[spec]: expected a string, got number (YAML "
                                "reads the unquoted '2.46' "
                                "as number; pass --set-string ray.version=2.46, or --set "
                                "'ray.version=\"2.46\"') (ray.version)") == 0);
    console.err_text.clear();
    o.sets = {"workers[0].name="};  // empty: the empty string, not null
    REQUIRE_FALSE(render(o));
    CHECK(console.err_text.find("workers[0].name") != std::string::npos);
    CHECK(console.err_text.find("got null") == std::string::npos);
  }
  SECTION("a directory renders its specs and manifests as one stream (issue 13, item 16)") {
    fs.with_file("dir/a.yaml", "name: alpha\nhead: {cpu: 1}\n")
        .with_file("dir/sub/b.yaml", "kind: RayCluster\nname: beta\n")
        .with_file("dir/values.yaml", "replicaCount: 2\n");  // not a spec: skipped
    REQUIRE(render(opts({"dir"})));
    const auto a = console.out_text.find("name: alpha");
    const auto b = console.out_text.find("name: beta");
    CHECK(a != std::string::npos);
    CHECK(b != std::string::npos);
    CHECK(a < b);
    CHECK(console.out_text.find("\n---\n") != std::string::npos);
  }
  SECTION("--set on a manifest is refused, not ignored (issue 13, item 7)") {
    fs.with_file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
    RenderOptions o = opts({"good.yaml", "m.yaml"});
    o.sets = {"head.cpu=2"};
    REQUIRE_FALSE(render(o));
    CHECK(console.out_text.empty());
    CHECK(console.err_text.find("m.yaml:1:1: error[input]: --set changes compact specs, and this "
                                "document is a manifest") != std::string::npos);
  }
  SECTION("--set through a scalar") {
    RenderOptions o = opts({"good.yaml"});
    o.sets = {"name.x=1"};
    REQUIRE_FALSE(render(o));
    CHECK(console.err_text.find("--set:1:1: error[spec]: --set name.x: name is not a mapping") ==
          0);
  }
  SECTION("-n fills in the namespace; a different one is an error") {
    RenderOptions o = opts({"good.yaml"});
    o.namespace_ = "team";
    REQUIRE(render(o));
    CHECK(console.out_text.find("  name: good\n  namespace: team\n") != std::string::npos);
    fs.with_file("ns.yaml", "name: x\nnamespace: other\n");
    console.out_text.clear();
    o.inputs = {"ns.yaml"};
    REQUIRE_FALSE(render(o));
    CHECK(console.err_text.find(
              "ns.yaml:2:12: error[input]: the namespace from the provided object 'other' does not "
              "match --namespace 'team'") == 0);
  }
  SECTION("lint warnings go to stderr; the manifest is still rendered") {
    fs.with_file("plain.yaml",
                 "kind: RayService\nname: plain\nserve: {config: {applications: []}}\n");
    REQUIRE(render(opts({"plain.yaml"})));
    CHECK(console.out_text.find("kind: RayService") != std::string::npos);
    CHECK(console.err_text.rfind("plain.yaml:1:1: warning[no-gcs-ft]: in the rendered RayService: "
                                 "a RayService without GCS fault tolerance",
                                 0) == 0);
  }
  SECTION("--disable silences a lint") {
    fs.with_file("plain.yaml",
                 "kind: RayService\nname: plain\nserve: {config: {applications: []}}\n");
    RenderOptions o = opts({"plain.yaml"});
    o.validation.disabled_lints.insert("no-gcs-ft");
    REQUIRE(render(o));
    CHECK(console.err_text.empty());
  }
  SECTION("a manifest the API server would refuse is not rendered") {
    fs.with_file("m.yaml",
                 "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: c}\n"
                 "spec:\n  headGroupSpec:\n    template: {spec: {containers: [{name: ray, image: "
                 "'rayproject/ray:2.55.1'}]}}\n  enableInTreeAutoscalng: true\n");
    auto r = render(opts({"m.yaml"}));
    REQUIRE_FALSE(r);
    CHECK(console.out_text.empty());
    CHECK(console.err_text.rfind(
              "m.yaml:7:3: error[schema]: unknown field 'enableInTreeAutoscalng'; did you mean "
              "'enableInTreeAutoscaling'? (spec.enableInTreeAutoscalng)\n",
              0) == 0);
  }
  SECTION("-n with a manifest whose metadata is not a mapping: an error, not a crash") {
    fs.with_file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: [a]\n");
    RenderOptions o = opts({"m.yaml"});
    o.namespace_ = "team";
    REQUIRE_FALSE(render(o));
    CHECK(console.err_text.rfind("m.yaml:3:11: error[input]: expected a mapping, got list", 0) ==
          0);
  }
  SECTION("manifests pass through") {
    fs.with_file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
    REQUIRE(render(opts({"m.yaml"})));
    CHECK(console.out_text == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n");
  }
  SECTION("serve configFile is read relative to the spec") {
    fs.with_file("specs/svc.yaml", "kind: RayService\nname: s\nserve: {configFile: serve.yaml}\n")
        .with_file("specs/serve.yaml", "applications: []\n");
    REQUIRE(render(opts({"specs/svc.yaml"})));
    CHECK(console.out_text.find("serveConfigV2: |\n    applications: []\n") != std::string::npos);
  }
  SECTION("a serve configFile must hold one YAML mapping") {
    fs.with_file("svc.yaml", "kind: RayService\nname: s\nserve: {configFile: serve.yaml}\n")
        .with_file("serve.yaml", "applications:\n  - name: a\n   route_prefix: /\n");
    REQUIRE_FALSE(render(opts({"svc.yaml"})));
    CHECK(console.err_text.find("serve.yaml:3:4: error[yaml]: ") == 0);
  }
  SECTION("a missing serve configFile points at the key") {
    fs.with_file("svc.yaml", "kind: RayService\nname: s\nserve: {configFile: gone.yaml}\n");
    REQUIRE_FALSE(render(opts({"svc.yaml"})));
    CHECK(console.err_text.find("svc.yaml:3:21: error[spec]: cannot read gone.yaml") == 0);
  }
  SECTION("JSON: one object, or a List") {
    RenderOptions o = opts({"good.yaml"});
    o.output = OutputFormat::json;
    REQUIRE(render(o));
    CHECK(Json::parse(console.out_text)["kind"] == "RayCluster");
    console.out_text.clear();
    o.inputs = {"good.yaml", "good.yaml"};
    REQUIRE(render(o));
    Json list = Json::parse(console.out_text);
    CHECK(list["kind"] == "List");
    CHECK(list["items"].size() == 2);
  }
}
