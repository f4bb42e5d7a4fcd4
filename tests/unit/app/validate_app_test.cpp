// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/validate/validate.hpp>
#include <krayctl/core/schema/schema.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakes.hpp"

#include <set>

using kray::app::ReportFormat;
using kray::app::ValidateOptions;
using kray::core::Json;

namespace {

const char* const k_cluster =
    "apiVersion: ray.io/v1\nkind: RayService\nmetadata: {name: c}\n"
    "spec: {rayClusterConfig: {headGroupSpec: {template: {spec: {containers: [{name: h, image: "
    "'rayproject/ray:2.55.1'}]}}}}}\n";

struct ValidateFixture : kray::test::FakeDeps {
  kray::Result<kray::app::ValidationReport> run(std::vector<std::string> inputs) {
    ValidateOptions o;
    o.inputs = std::move(inputs);
    return kray::app::validate_inputs(o, deps);
  }
};

}  // namespace

TEST_CASE_METHOD(ValidateFixture, "app::validate_inputs", "[app]") {
  SECTION("a directory: YAML files below it, in order; hidden entries and other files skipped") {
    fs.with_file("repo/b.yaml", k_cluster)
        .with_file("repo/sub/a.yml", std::string(k_cluster) +
                                         "---\napiVersion: v1\nkind: Service\n"
                                         "metadata: {name: s}\n")
        .with_file("repo/.git/config.yaml", "not: [yaml")
        .with_file("repo/notes.txt", "not yaml: [");
    auto r = run({"repo"});
    REQUIRE(r);
    CHECK(r->files == 2);
    CHECK(r->documents == 3);
    CHECK(r->objects == 2);
    CHECK(r->skipped == 1);
    REQUIRE(r->diagnostics.size() == 2);  // no-gcs-ft (a RayService), once per object
    CHECK(r->diagnostics[0].where.file == "repo/b.yaml");
    CHECK(r->diagnostics[1].where.file == "repo/sub/a.yml");
    CHECK(fs.reads == std::vector<std::string>{"repo/b.yaml", "repo/sub/a.yml"});
  }
  SECTION("a Helm chart's templates are skipped and counted; stdin twice is refused (issue 13)") {
    fs.with_file("repo/chart/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n")
        .with_file("repo/chart/values.yaml", "name: not-a-spec\nimage: {tag: x}\n")
        .with_file(
            "repo/chart/templates/rc.yaml",
            "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: {{ .Release.Name }}\n")
        .with_file("repo/b.yaml", k_cluster);
    auto r = run({"repo"});
    REQUIRE(r);
    CHECK(r->helm_templates == 1);
    CHECK(r->objects == 1);
    for (const auto& d : r->diagnostics) {
      CHECK(d.where.file.find("templates") == std::string::npos);
    }
    CHECK(kray::app::format_report(*r, ReportFormat::text, false)
              .find("(1 file of Helm chart templates skipped: pipe `helm template` in)") !=
          std::string::npos);
    // Named one by one, as a pre-commit hook names files: skipped too.
    auto named = run({"repo/chart/templates/rc.yaml", "repo/b.yaml"});
    REQUIRE(named);
    CHECK(named->helm_templates == 1);
    CHECK(named->files == 1);
    CHECK(named->objects == 1);
    fs.with_file("repo/templates/not-a-chart.yaml", "name: [unclosed\n");
    auto no_chart = run({"repo/templates/not-a-chart.yaml"});
    REQUIRE(no_chart);
    CHECK(no_chart->helm_templates == 0);  // no Chart.yaml: a file like any other
    CHECK(no_chart->diagnostics.size() == 1);
    console.stdin_text = k_cluster;
    auto twice = run({"-", "-"});
    REQUIRE(twice);
    REQUIRE_FALSE(twice->diagnostics.empty());
    CHECK(twice->diagnostics.front().message == "stdin ('-') is given twice: it can be read once");
  }
  SECTION("stdin, and an unknown --disable ID is a usage error") {
    console.stdin_text = k_cluster;
    auto r = run({"-"});
    REQUIRE(r);
    CHECK(r->objects == 1);
    ValidateOptions o;
    o.inputs = {"-"};
    o.disable = {"no-gcs-ft,imge-tag-latest"};
    auto bad = kray::app::validate_inputs(o, deps);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == kray::ErrorCode::usage);
    CHECK(bad.error().message.rfind(
              "--disable: unknown lint 'imge-tag-latest'; did you mean 'image-tag-latest'? (", 0) ==
          0);
    CHECK(bad.error().message.ends_with("/lints/README.md lists them)"));
  }
  SECTION("the JSON report carries the counts and every diagnostic") {
    fs.with_file("c.yaml", k_cluster);
    auto r = run({"c.yaml"});
    REQUIRE(r);
    const Json j = Json::parse(kray::app::format_report(*r, ReportFormat::json, false));
    CHECK(j["objects"] == 1);
    CHECK(j["errors"] == 0);
    CHECK(j["warnings"] == 1);
    CHECK(j["diagnostics"][0]["rule"] == "no-gcs-ft");
    CHECK(j["diagnostics"][0]["file"] == "c.yaml");
    CHECK(j["diagnostics"][0]["line"] == 4);
  }
}

// Issue 13, item 13: the JSON report has a version, an `ok` that agrees with
// the exit status under --strict, a rule on every diagnostic (parse errors
// included), and the shape schemas/validate-report.schema.json documents.
TEST_CASE_METHOD(ValidateFixture, "app::validate_inputs: the JSON report and its schema", "[app]") {
  const kray::core::SchemaJson schema = kray::core::SchemaJson::parse(
      kray::test::read_source_file("schemas/validate-report.schema.json"));
  const kray::core::SchemaValidator validator(schema);
  fs.with_file("c.yaml", k_cluster)                          // a warning (no-gcs-ft)
      .with_file("broken.yaml", "name: [unclosed\n")         // a YAML error
      .with_file("spec.yaml", "name: s\nhead: {cpuu: 1}\n")  // a spec error
      .with_file("empty.yaml", "");
  for (const bool strict : {false, true}) {
    ValidateOptions o;
    o.inputs = {"c.yaml"};
    o.strict = strict;
    auto r = kray::app::validate_inputs(o, deps);
    REQUIRE(r);
    const Json j = Json::parse(kray::app::format_report(*r, ReportFormat::json, false));
    CHECK(j["version"] == 1);
    CHECK(j["ok"] == !strict);  // one warning: fails only under --strict
  }
  auto r = run({"c.yaml", "broken.yaml", "spec.yaml", "empty.yaml"});
  REQUIRE(r);
  const Json j = Json::parse(kray::app::format_report(*r, ReportFormat::json, false));
  std::vector<kray::core::SchemaViolation> violations;
  validator.validate(j, violations);
  for (const auto& v : violations) {
    FAIL_CHECK(v.pointer << ": " << v.message);
  }
  CHECK(j["ok"] == false);
  std::set<std::string> rules;
  for (const auto& d : j["diagnostics"]) {
    rules.insert(d["rule"].get<std::string>());
  }
  CHECK(rules == std::set<std::string>{"no-gcs-ft", "spec", "yaml"});
}

TEST_CASE_METHOD(ValidateFixture, "app: the validate config file", "[app]") {
  // The working directory of MemoryFileSystem is /work.
  SECTION("found in the working directory, else in a folder above it") {
    CHECK_FALSE(kray::app::find_validate_config(deps));
    fs.with_file("/.krayctl.yaml", "validate: {strict: true}\n");
    CHECK(kray::app::find_validate_config(deps) == "/.krayctl.yaml");
    fs.with_file("/work/.krayctl.yaml", "");
    CHECK(kray::app::find_validate_config(deps) == "/work/.krayctl.yaml");
  }
  SECTION("every key read; sarifRoot against the file's folder") {
    fs.with_file("/repo/.krayctl.yaml",
                 "validate:\n"
                 "  exclude: [vendor, '*.tmpl.yaml']\n"
                 "  disable: no-gcs-ft\n"
                 "  severity: {image-tag-latest: error, resource-requests-limits: warning}\n"
                 "  strict: true\n"
                 "  featureGates: {RayJobDeletionPolicy: false}\n"
                 "  sarifRoot: ..\n");
    auto c = kray::app::load_validate_config("/repo/.krayctl.yaml", deps);
    REQUIRE(c);
    CHECK(c->exclude == std::vector<std::string>{"vendor", "*.tmpl.yaml"});
    CHECK(c->disable == std::vector<std::string>{"no-gcs-ft"});
    CHECK(c->severity.at("image-tag-latest") == kray::core::Severity::error);
    CHECK(c->severity.at("resource-requests-limits") == kray::core::Severity::warning);
    CHECK(c->strict == true);
    CHECK(c->feature_gates == std::vector<std::string>{"RayJobDeletionPolicy=false"});
    CHECK(c->sarif_root == "/repo/..");
  }
  SECTION("mistakes are usage errors at their file:line:col") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"validate:\n  exclud: [x]\n", ":2:3: unknown key 'exclud'; did you mean 'exclude'?"},
        {"validat: {}\n", ":1:1: unknown key 'validat'; did you mean 'validate'?"},
        {"validate:\n  disable: [no-gcs-ft, nope]\n", ":2:24: unknown lint 'nope'"},
        {"validate:\n  severity: {no-gcs-ft: fatal}\n", ":2:25: expected error or warning"},
        {"validate:\n  strict: 'yes'\n", ":2:11: expected true or false"},
        {"validate:\n  exclude: [1]\n", ":2:13: expected a string"},
        {"- validate\n", ":1:1: expected a mapping"},
        {"validate: [\n", ".krayctl.yaml:"},
    };
    for (const auto& [text, want] : cases) {
      fs.with_file("/work/.krayctl.yaml", text);
      auto c = kray::app::load_validate_config("/work/.krayctl.yaml", deps);
      REQUIRE_FALSE(c);
      CHECK(c.error().code == kray::ErrorCode::usage);
      INFO(text);
      CHECK_THAT(c.error().to_string(), Catch::Contains(want));
    }
  }
}

TEST_CASE_METHOD(ValidateFixture, "app::validate_inputs: a lint's severity chosen", "[app]") {
  fs.with_file("c.yaml", k_cluster);  // a no-gcs-ft warning
  ValidateOptions o;
  o.inputs = {"c.yaml"};
  auto r = kray::app::validate_inputs(o, deps);
  REQUIRE(r);
  REQUIRE(r->diagnostics.size() == 1);
  CHECK(r->diagnostics[0].severity == kray::core::Severity::warning);
  o.severity["no-gcs-ft"] = kray::core::Severity::error;
  r = kray::app::validate_inputs(o, deps);
  REQUIRE(r);
  REQUIRE(r->diagnostics.size() == 1);
  CHECK(r->diagnostics[0].severity == kray::core::Severity::error);
}

TEST_CASE_METHOD(ValidateFixture, "app: SARIF locations for code scanning", "[app]") {
  // /work is the working directory; a .git entry above it makes / the root.
  fs.with_file("a b/ñ.yaml", "name: x\nhead: {image: \"é😀\", cpuu: 1}\n");
  ValidateOptions o;
  o.inputs = {"a b/ñ.yaml"};
  o.output = ReportFormat::sarif;
  auto sarif_of = [&] {
    auto r = kray::app::validate_inputs(o, deps);
    REQUIRE(r);
    return Json::parse(kray::app::format_report(*r, ReportFormat::sarif, false))["runs"][0];
  };
  SECTION("relative to the working directory without git") {
    const Json run = sarif_of();
    CHECK(run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///work/");
    const Json& loc = run["results"][0]["locations"][0]["physicalLocation"];
    CHECK(loc["artifactLocation"]["uri"] == "a%20b/%C3%B1.yaml");
    CHECK(loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%");
    // `head: {image: "` is 15 units, é one, 😀 two (a surrogate pair), then `", `.
    CHECK(loc["region"]["startColumn"] == 22);
  }
  SECTION("relative to the git top level") {
    fs.with_file("/.git/HEAD", "ref: refs/heads/main\n");
    const Json run = sarif_of();
    CHECK(run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///");
    CHECK(run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
          "work/a%20b/%C3%B1.yaml");
  }
  SECTION("outside the root given: an absolute URI") {
    o.sarif_root = "/elsewhere";
    const Json run = sarif_of();
    const Json& artifact =
        run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    CHECK(artifact["uri"] == "file:///work/a%20b/%C3%B1.yaml");
    CHECK_FALSE(artifact.contains("uriBaseId"));
  }
}
