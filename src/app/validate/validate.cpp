// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/validate/validate.hpp>

#include "../inputs.hpp"
#include "sarif.hpp"

#include <krayctl/app/connection.hpp>
#include <krayctl/app/resources.hpp>
#include <krayctl/core/schema/embedded.hpp>
#include <krayctl/core/spec/render.hpp>
#include <krayctl/core/spec/spec.hpp>
#include <krayctl/core/yaml/json.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/io/file_system.hpp>
#include <krayctl/kube/resources.hpp>
#include <krayctl/util/assert.hpp>
#include <krayctl/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace kray::app {
namespace {

using core::Diagnostic;
using core::Document;
using core::Json;

Result<core::ValidateOptions> core_options(const ValidateOptions& options) {
  core::ValidateOptions out;
  out.gates = options.gates;
  KRAY_TRY_ASSIGN(out.disabled_lints, parse_lint_ids(options.disable));
  return out;
}

// "v1/Service", for the list of what was skipped.
std::string kind_of(const Json& object) {
  const std::string api = string_at(object, "apiVersion");
  const std::string kind = string_at(object, "kind");
  if (api.empty() && kind.empty()) {
    return "no apiVersion or kind";
  }
  return api + "/" + kind;
}

void validate_document(Document& doc,
                       bool found_in_directory,
                       const ValidateOptions& app_options,
                       const core::ValidateOptions& options,
                       std::optional<core::Templates>& templates,
                       const Deps& deps,
                       ValidationReport& report) {
  ++report.documents;
  if (core::is_compact_spec(doc)) {
    // Neither a manifest nor shaped like a spec: other YAML, skipped and
    // counted (named on the command line too: `git diff --name-only |
    // xargs krayctl validate` hands over CI files).
    const bool shape_decides = found_in_directory || !app_options.every_file_a_spec;
    if (shape_decides && !detail::looks_like_spec(doc.root, !found_in_directory)) {
      ++report.skipped;
      report.skipped_list.push_back(
          fmt::format("{}: document {}: neither a KubeRay manifest nor a compact spec",
                      doc.source->name, doc.index + 1));
      if (!found_in_directory) {
        report.notes.push_back(doc.source->name +
                               ": skipped: neither a KubeRay manifest nor a compact spec");
      }
      return;
    }
    ++report.specs;
    if (!templates) {  // parsed once, and only when a spec needs them
      auto builtin = core::builtin_templates();
      KRAY_ASSERT(builtin.has_value());
      templates = std::move(*builtin);
    }
    RenderOptions render_options;
    render_options.namespace_ = app_options.namespace_;
    render_options.sets = app_options.sets;
    render_options.set_strings = app_options.set_strings;
    auto manifest =
        detail::render_document(doc, render_options, *templates, deps, report.diagnostics);
    if (!manifest) {
      return;
    }
    ++report.objects;
    detail::validate_manifest(doc, *manifest, options, report.diagnostics);
    report.manifests.push_back(*manifest);
    return;
  }
  const auto add_manifest = [&](const std::string& base, Json manifest) {
    const auto ref = known_resource(string_at(manifest, "apiVersion"), string_at(manifest, "kind"));
    if (!ref || ref->namespaced) {  // -n means nothing to a Namespace or a Node
      detail::apply_namespace(doc, base, manifest, app_options.namespace_, report.diagnostics);
    }
    report.manifests.push_back(std::move(manifest));
  };
  if (!found_in_directory &&
      detail::set_on_manifest(doc, app_options.sets, app_options.set_strings, report.diagnostics)) {
    return;
  }
  if (core::ray_kind_of(doc.root)) {
    ++report.objects;
    core::validate_object(doc, "", options, report.diagnostics);
    add_manifest("", doc.root);
    return;
  }
  // kubectl's `kind: List` (what `krayctl render -o json` writes for
  // several manifests).
  const Json* kind = core::find_pointer(doc.root, "/kind");
  const Json* items =
      kind != nullptr && *kind == "List" ? core::find_pointer(doc.root, "/items") : nullptr;
  if (items != nullptr && items->is_array()) {
    for (std::size_t i = 0; i < items->size(); ++i) {
      const std::string at = core::pointer_append("/items", i);
      if (core::ray_kind_of((*items)[i])) {
        ++report.objects;
        core::validate_object(doc, at, options, report.diagnostics);
      } else if (const auto bad = core::unserved_ray_kind((*items)[i])) {
        Diagnostic d = core::make_diagnostic(doc, at + bad->pointer, bad->message);
        d.rule = core::k_rule_schema;
        report.diagnostics.push_back(std::move(d));
      } else {
        ++report.skipped;
        report.skipped_list.push_back(fmt::format("{}: document {}: items[{}]: not KubeRay ({})",
                                                  doc.source->name, doc.index + 1, i,
                                                  kind_of((*items)[i])));
      }
      add_manifest(core::pointer_append("/items", i), (*items)[i]);
    }
    return;
  }
  // In the ray.io group but no kind and version KubeRay serves: the API
  // server refuses it, so must we (a typo must not pass as "not KubeRay").
  if (const auto bad = core::unserved_ray_kind(doc.root)) {
    Diagnostic d = core::make_diagnostic(doc, bad->pointer, bad->message);
    d.rule = core::k_rule_schema;
    report.diagnostics.push_back(std::move(d));
    return;
  }
  ++report.skipped;
  report.skipped_list.push_back(fmt::format("{}: document {}: not KubeRay ({})", doc.source->name,
                                            doc.index + 1, kind_of(doc.root)));
  if (!found_in_directory && doc.root.is_object() && doc.root.contains("kind")) {
    add_manifest("", doc.root);  // a ConfigMap beside the RayJob
  }
}

std::string severity_name(core::Severity s) {
  return s == core::Severity::error ? "error" : "warning";
}

std::size_t count(const ValidationReport& report, core::Severity s) {
  std::size_t n = 0;
  for (const auto& d : report.diagnostics) {
    n += d.severity == s ? 1U : 0U;
  }
  return n;
}

// "2 KubeRay objects in 3 files (1 document skipped: not KubeRay): 1 error".
std::string summary_line(const ValidationReport& report) {
  const auto plural = [](int n, const char* what) {
    return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
  };
  std::string summary = fmt::format("{} in {}", plural(report.objects, "KubeRay object"),
                                    plural(report.files, "file"));
  if (report.skipped > 0) {
    summary += fmt::format(" ({} skipped: not KubeRay)", plural(report.skipped, "document"));
  }
  if (report.empty_files > 0) {
    summary += fmt::format(" ({} without a document)", plural(report.empty_files, "file"));
  }
  if (report.excluded > 0) {
    summary += fmt::format(" ({} excluded)", plural(report.excluded, "file"));
  }
  if (report.helm_templates > 0) {
    summary += fmt::format(" ({} of Helm chart templates skipped: pipe `helm template` in)",
                           plural(report.helm_templates, "file"));
  }
  const std::string counts = core::summarize_diagnostics(report.diagnostics);
  return summary + ": " + (counts.empty() ? std::string("no problems") : counts) + "\n";
}

std::string format_text(const ValidationReport& report, bool color) {
  std::string out;
  for (const auto& d : report.diagnostics) {
    out += core::format_diagnostic(d, color);
  }
  if (report.quiet) {
    return out;  // -q: only the problems
  }
  for (const auto& n : report.notes) {
    out += n + "\n";
  }
  return out + summary_line(report);
}

Json diagnostic_json(const Diagnostic& d) {
  Json j = Json::object();
  j["file"] = d.where.file;
  j["line"] = d.where.line;
  j["column"] = d.where.column;
  j["severity"] = severity_name(d.severity);
  j["rule"] = d.rule;
  j["message"] = d.message;
  j["path"] = d.pointer.empty() ? "" : core::pointer_to_path(d.pointer);
  j["pointer"] = d.pointer;
  return j;
}

std::string format_json(const ValidationReport& report) {
  Json j = Json::object();
  // The format's version (docs/validation.md, schemas/validate-report.schema.json),
  // and whether the run passed as the exit status says (--strict included).
  j["version"] = 1;
  const auto errors = count(report, core::Severity::error);
  const auto warnings = count(report, core::Severity::warning);
  j["ok"] = errors == 0 && !(report.strict && warnings > 0);
  j["files"] = report.files;
  j["documents"] = report.documents;
  j["objects"] = report.objects;
  j["specs"] = report.specs;
  j["skipped"] = report.skipped;
  j["emptyFiles"] = report.empty_files;
  j["helmTemplates"] = report.helm_templates;
  j["excluded"] = report.excluded;
  j["errors"] = errors;
  j["warnings"] = warnings;
  j["diagnostics"] = Json::array();
  for (const auto& d : report.diagnostics) {
    j["diagnostics"].push_back(diagnostic_json(d));
  }
  return j.dump(2) + "\n";
}

// The rules of the non-lint layers, for SARIF's rule table.
struct LayerRule {
  std::string_view id;
  std::string_view summary;
  std::string_view page;  // in docs/
};
constexpr LayerRule k_layer_rules[] = {
    {core::k_rule_schema, "the KubeRay CRD's structural schema (fieldValidation=Strict)",
     "validation.md#22-structural-schema-rule-schema"},
    {core::k_rule_cel, "a CEL rule (x-kubernetes-validations) of the KubeRay CRD",
     "validation.md#23-cel-rules-rule-cel"},
    {core::k_rule_metadata, "the API server's ObjectMeta rules",
     "validation.md#21-objectmeta-rule-metadata"},
    {core::k_rule_kuberay, "the KubeRay operator's validation (controller and webhook)",
     "validation.md#24-operator-rules-rule-kuberay"},
    {"yaml", "the file is no valid YAML (or holds no document where one is needed)",
     "validation.md#6-output-formats"},
    {"input",
     "how the inputs are given: unreadable files, -n against a file's namespace, "
     "--set on a manifest, stdin twice",
     "validation.md#6-output-formats"},
    {"spec", "the compact spec's own rules: keys, types, values", "spec.md"},
    {"krayctl", "krayctl's own checks of its inputs (a bad lint ID in the silencing annotation)",
     "validation.md#25-lints-rule-the-lint-id-and-rule-krayctl"},
};

// SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/), as GitHub
// code scanning reads it: one run, a rule table, one result per diagnostic
// with its physical location.
// Where a rule is documented: KRAYCTL_DOCS_URL (a build setting: where the
// project publishes docs/) or the installed docs as a file:// URI.
std::string help_uri(std::string_view page) {
  std::string base = KRAYCTL_DOCS_URL;
  if (base.empty()) {
    base = "file://" + detail::uri_encode_path(KRAYCTL_DOC_DIR);
  }
  if (!base.ends_with('/')) {
    base += '/';
  }
  return base + std::string(page);
}

// A lint's page (docs/lints/ID.md, compiled in): "What it checks", as
// plain text for SARIF's help.text; the whole page is help.markdown.
std::string what_it_checks(std::string_view page) {
  const auto at = page.find("## What it checks");
  if (at == std::string_view::npos) {
    return "";
  }
  auto text = page.substr(page.find('\n', at) + 1);
  text = text.substr(0, text.find("\n## "));
  return std::string(util::trim(text));
}

std::string format_sarif(const ValidationReport& report) {
  Json rules = Json::array();
  std::map<std::string, std::size_t> index;
  for (const auto& r : k_layer_rules) {
    index[std::string(r.id)] = rules.size();
    rules.push_back(
        {{"id", r.id},
         {"shortDescription", {{"text", r.summary}}},
         {"helpUri", help_uri(r.page)},
         {"help", {{"text", std::string(r.summary) + ". See validation.md."}}},
         {"defaultConfiguration", {{"level", r.id == "krayctl" ? "warning" : "error"}}}});
  }
  const auto docs = core::embedded_lint_docs::files();
  for (const auto& l : core::lint_catalog()) {
    index[std::string(l.id)] = rules.size();
    const std::string page_name = std::string(l.id) + ".md";
    Json help = {{"text", std::string(l.summary)}};
    if (auto page = core::find_embedded(docs, page_name)) {
      if (auto what = what_it_checks(*page); !what.empty()) {
        help["text"] = what;
      }
      help["markdown"] = std::string(*page);
    }
    rules.push_back({{"id", l.id},
                     {"shortDescription", {{"text", l.summary}}},
                     {"helpUri", help_uri("lints/" + page_name)},
                     {"help", help},
                     {"defaultConfiguration", {{"level", severity_name(l.severity)}}}});
  }
  Json results = Json::array();
  // Fingerprints: rule, file and field path, not the line, so that an
  // edit elsewhere in the file keeps an alert the same alert; a count tells
  // apart the same finding in two documents of one file.
  std::map<std::string, int> seen;
  for (const auto& d : report.diagnostics) {
    const std::string rule = d.rule.empty() ? "krayctl" : d.rule;
    Json region = Json::object();
    region["startLine"] = std::max(d.where.line, 1);
    if (d.where.column > 0) {
      const std::string_view line =
          d.source != nullptr ? d.source->line_text(d.where.line) : std::string_view();
      region["startColumn"] = detail::utf16_column(line, d.where.column);
    }
    std::string message = d.message;
    if (!d.pointer.empty()) {
      message += " (" + core::pointer_to_path(d.pointer) + ")";
    }
    ArtifactUri uri{d.where.file, false};
    if (auto it = report.sarif_uris.find(d.where.file); it != report.sarif_uris.end()) {
      uri = it->second;
    }
    Json artifact = {{"uri", uri.uri}};
    if (uri.relative) {
      artifact["uriBaseId"] = "%SRCROOT%";
    }
    std::string key = rule + "\n" + uri.uri + "\n" + d.pointer;
    key += "\n" + std::to_string(seen[key]++);
    Json result = {
        {"ruleId", rule},
        {"level", severity_name(d.severity)},
        {"message", {{"text", message}}},
        {"locations", Json::array({{{"physicalLocation",
                                     {{"artifactLocation", artifact}, {"region", region}}}}})},
        {"partialFingerprints", {{"krayctlFinding/v1", detail::fnv1a_hex(key)}}}};
    if (auto it = index.find(rule); it != index.end()) {
      result["ruleIndex"] = it->second;
    }
    results.push_back(std::move(result));
  }
  Json run = {{"tool",
               {{"driver",
                 {{"name", "krayctl"},
                  {"version", KRAYCTL_VERSION},
                  {"semanticVersion", KRAYCTL_VERSION},
                  {"informationUri", help_uri("validation.md")},
                  {"rules", rules}}}}},
              {"columnKind", "utf16CodeUnits"},
              {"results", results}};
  if (!report.sarif_root_uri.empty()) {
    run["originalUriBaseIds"] = {{"%SRCROOT%", {{"uri", report.sarif_root_uri}}}};
  }
  Json sarif = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                {"version", "2.1.0"},
                {"runs", Json::array({run})}};
  return sarif.dump(2) + "\n";
}

}  // namespace

Result<std::set<std::string, std::less<>>> parse_lint_ids(const std::vector<std::string>& args,
                                                          const std::string& flag) {
  std::set<std::string, std::less<>> out;
  for (const auto& arg : args) {
    for (const auto& part : util::split(arg, ',')) {
      const std::string id(util::trim(part));
      if (id.empty()) {
        continue;
      }
      if (core::find_lint(id) == nullptr) {
        return make_error(ErrorCode::usage, flag + ": " + core::unknown_lint_message(id) +
                                                " (" KRAYCTL_DOC_DIR
                                                "/lints/README.md lists them)");
      }
      out.insert(id);
    }
  }
  return out;
}

Result<ValidationReport> validate_inputs(const ValidateOptions& options, const Deps& deps) {
  if (options.inputs.empty()) {
    return make_error(ErrorCode::usage, "no input: give files, directories, or - for stdin");
  }
  KRAY_TRY_ASSIGN(const auto core_opts, core_options(options));
  std::optional<core::Templates> templates;
  ValidationReport report;
  const auto expanded = detail::expand_inputs(options.inputs, deps, report.diagnostics);
  report.helm_templates = static_cast<int>(expanded.helm_templates.size());
  for (const auto& path : expanded.helm_templates) {
    report.skipped_list.push_back(path + ": a Helm chart template (pipe `helm template` in)");
  }
  for (const auto& input : expanded.files) {
    if (detail::excluded(input.path, options.exclude)) {
      ++report.excluded;
      report.skipped_list.push_back(input.path + ": excluded (--exclude)");
      continue;
    }
    report.file_names.push_back(input.path == "-" ? "<stdin>" : input.path);
    ++report.files;
    // A file with no document (empty, comments only, `---` alone) is
    // skipped, as kubectl and kubeconform skip it.
    auto docs = detail::load_input(input.path, deps, report.diagnostics, true);
    if (!docs) {
      continue;
    }
    if (docs->empty()) {
      ++report.empty_files;
      report.skipped_list.push_back(input.path + ": no YAML document in it");
    }
    for (auto& doc : *docs) {
      validate_document(doc, input.found_in_directory, options, core_opts, templates, deps, report);
    }
  }
  // --error / --warning / the config's severity: a lint's findings at the
  // severity the team chose.
  for (auto& d : report.diagnostics) {
    if (auto it = options.severity.find(d.rule); it != options.severity.end()) {
      d.severity = it->second;
    }
  }
  core::sort_diagnostics(report.diagnostics);
  if (options.output == ReportFormat::sarif) {
    const std::string root = detail::sarif_root(options.sarif_root, deps);
    report.sarif_root_uri =
        "file://" + detail::uri_encode_path(root) + (root.ends_with('/') ? "" : "/");
    for (const auto& d : report.diagnostics) {
      if (!report.sarif_uris.contains(d.where.file)) {
        report.sarif_uris[d.where.file] = detail::sarif_uri(d.where.file, root, deps);
      }
    }
  }
  report.strict = options.strict;
  report.quiet = options.quiet;
  return report;
}

namespace {

std::string format_github(const ValidationReport& report) {
  std::string out;
  for (const auto& d : report.diagnostics) {
    std::string props = "file=" + util::github_escape(d.where.file, true);
    if (d.where.line > 0) {
      props += ",line=" + std::to_string(d.where.line);
    }
    if (d.where.column > 0) {
      props += ",col=" + std::to_string(d.where.column);
    }
    props +=
        ",title=" + util::github_escape("krayctl " + (d.rule.empty() ? "error" : d.rule), true);
    std::string message = d.message;
    if (!d.pointer.empty()) {
      message += " (" + core::pointer_to_path(d.pointer) + ")";
    }
    out += "::" + severity_name(d.severity) + " " + props +
           "::" + util::github_escape(message, false) + "\n";
  }
  // The summary as a plain line for the log.
  return out + summary_line(report);
}

// JUnit XML, as CI systems read it: one test case per file, a <failure>
// per error (per warning too under --strict), warnings otherwise in the
// case's system-out.
std::string format_junit(const ValidationReport& report) {
  std::map<std::string, std::vector<const Diagnostic*>> by_file;
  std::vector<std::string> order = report.file_names;
  for (const auto& d : report.diagnostics) {
    if (by_file.count(d.where.file) == 0 &&
        std::find(order.begin(), order.end(), d.where.file) == order.end()) {
      order.push_back(d.where.file);
    }
    by_file[d.where.file].push_back(&d);
  }
  std::size_t failures = 0;
  std::string cases;
  for (const auto& file : order) {
    std::string failed;
    std::string notes;
    for (const Diagnostic* d : by_file[file]) {
      const bool fails = d->severity == core::Severity::error || report.strict;
      const std::string where =
          file + ":" + std::to_string(d->where.line) + ":" + std::to_string(d->where.column);
      const std::string line =
          where + ": " + severity_name(d->severity) + (d->rule.empty() ? "" : "[" + d->rule + "]") +
          ": " + d->message +
          (d->pointer.empty() ? "" : " (" + core::pointer_to_path(d->pointer) + ")");
      if (fails) {
        ++failures;
        failed += "      <failure type=\"" + util::xml_escape(d->rule) + "\" message=\"" +
                  util::xml_escape(d->message) + "\">" + util::xml_escape(line) + "</failure>\n";
      } else {
        notes += util::xml_escape(line) + "\n";
      }
    }
    cases += "    <testcase classname=\"krayctl.validate\" name=\"" + util::xml_escape(file) +
             "\">\n" + failed +
             (notes.empty() ? "" : "      <system-out>" + notes + "</system-out>\n") +
             "    </testcase>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
         "  <testsuite name=\"krayctl validate\" tests=\"" +
         std::to_string(order.size()) + "\" failures=\"" + std::to_string(failures) +
         "\" errors=\"0\">\n" + cases + "  </testsuite>\n</testsuites>\n";
}

}  // namespace

std::string format_report(const ValidationReport& report, ReportFormat format, bool color) {
  switch (format) {
    case ReportFormat::text:
      return format_text(report, color);
    case ReportFormat::json:
      return format_json(report);
    case ReportFormat::sarif:
      return format_sarif(report);
    case ReportFormat::github:
      return format_github(report);
    case ReportFormat::junit:
      return format_junit(report);
  }
  return "";
}

Result<void> run_validate(const ValidateOptions& options, const Deps& deps) {
  KRAY_TRY_ASSIGN(const auto report, validate_inputs(options, deps));
  if (options.list_skipped) {
    for (const auto& line : report.skipped_list) {
      deps.console.err("skipped: " + line + "\n");
    }
  }
  deps.console.out(format_report(report, options.output, deps.console.out_color()));
  // As linters do: exit 2 when krayctl could not check what it was given
  // (a path missing or unreadable, a folder without YAML, stdin twice: the
  // `input` errors), 1 when it checked and found problems.
  const bool could_not_run = std::any_of(
      report.diagnostics.begin(), report.diagnostics.end(),
      [](const auto& d) { return d.rule == "input" && d.severity == core::Severity::error; });
  if (could_not_run) {
    return tl::unexpected(
        Error{ErrorCode::io, "some inputs could not be read", std::nullopt, {}, true});
  }
  const std::size_t errors = count(report, core::Severity::error);
  const std::size_t warnings = count(report, core::Severity::warning);
  if (errors > 0 || (report.strict && warnings > 0)) {
    return tl::unexpected(Error{ErrorCode::check_failed,
                                errors > 0 ? "validation failed" : "warnings under --strict",
                                std::nullopt,
                                {},
                                true});
  }
  return {};
}

}  // namespace kray::app
