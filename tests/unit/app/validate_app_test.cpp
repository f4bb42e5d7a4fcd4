// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/validate.hpp>
#include <krayctl/core/schema.hpp>

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
        .with_file("repo/chart/templates/rc.yaml",
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
  fs.with_file("c.yaml", k_cluster)                             // a warning (no-gcs-ft)
      .with_file("broken.yaml", "name: [unclosed\n")             // a YAML error
      .with_file("spec.yaml", "name: s\nhead: {cpuu: 1}\n")     // a spec error
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
