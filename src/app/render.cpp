// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/render.hpp>

#include "inputs.hpp"

#include <krayctl/core/k8s/k8s_names.hpp>
#include <krayctl/core/spec/render.hpp>
#include <krayctl/core/spec/spec.hpp>
#include <krayctl/core/validate/validate.hpp>
#include <krayctl/core/yaml/diagnostic.hpp>
#include <krayctl/core/yaml/document.hpp>
#include <krayctl/core/yaml/set_path.hpp>
#include <krayctl/core/yaml/yaml_emit.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/io/file_system.hpp>
#include <krayctl/util/edit_distance.hpp>
#include <krayctl/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

#include <fnmatch.h>

namespace kray::app {
namespace {

using core::Diagnostic;
using core::Document;
using core::Json;

Result<std::shared_ptr<const core::SourceFile>> read_input(const std::string& input,
                                                           const Deps& deps) {
  auto source = std::make_shared<core::SourceFile>();
  if (input == "-") {
    source->name = "<stdin>";
    if (!deps.console.read_stdin(source->text)) {
      return make_error(ErrorCode::io, "cannot read stdin");
    }
  } else {
    source->name = input;
    KRAY_TRY_ASSIGN(source->text, deps.fs.read_file(input));
  }
  // Old Mac line endings (a lone CR): YAML reads CR as a line break, the
  // parser does not; as LF, every line keeps its number.
  std::string& t = source->text;
  for (std::size_t i = t.find('\r'); i != std::string::npos; i = t.find('\r', i + 1)) {
    if (i + 1 >= t.size() || t[i + 1] != '\n') {
      t[i] = '\n';
    }
  }
  return source;
}

Result<core::Templates> templates_for(const RenderOptions& options, const Deps& deps) {
  if (options.templates_dir.empty()) {
    return core::builtin_templates();
  }
  if (!deps.fs.is_directory(options.templates_dir)) {
    return make_error(ErrorCode::usage,
                      "--templates " + options.templates_dir + ": not a directory");
  }
  std::map<std::string, std::string> overrides;
  for (const char* file : core::k_template_files) {
    const std::string path = options.templates_dir + "/" + file;
    if (auto text = deps.fs.read_file(path)) {
      overrides[file] = std::move(*text);
    }
  }
  if (overrides.empty()) {
    return make_error(ErrorCode::usage, "--templates " + options.templates_dir +
                                            ": holds none of raycluster.yaml, workergroup.yaml, "
                                            "rayjob.yaml, rayservice.yaml");
  }
  return core::load_templates(overrides, options.templates_dir);
}

}  // namespace

namespace detail {

namespace {

// A problem with how the inputs are given (-n against the file, --set on a
// manifest): rule "input".
Diagnostic input_diagnostic(const Document& doc, const std::string& pointer, std::string message) {
  Diagnostic d = core::make_diagnostic(doc, pointer, std::move(message));
  d.rule = "input";
  return d;
}

bool is_yaml_file(const std::string& path) {
  return path.ends_with(".yaml") || path.ends_with(".yml");
}

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

bool looks_like_spec(const Json& root, bool named_explicitly) {
  if (!root.is_object()) {
    return false;
  }
  // Keys of the YAML a repository holds beside specs: GitHub workflows
  // (`on:`, which YAML 1.1 reads as true, and `jobs`), actions (`runs`),
  // Compose (`services`), conda environments (`channels`,
  // `dependencies`), CI pipelines (`steps`, `stages`).
  for (const char* other :
       {"on", "true", "jobs", "runs", "services", "channels", "dependencies", "steps", "stages"}) {
    if (root.contains(other)) {
      return false;
    }
  }
  // Keys only a spec has (docs/spec.md), and near misses of them, so that
  // a spec with a typo (`wrokers`) is still read as one and its typo shown.
  static const std::vector<std::string> k_spec_keys = {
      "head", "workers", "ray", "job", "serve", "autoscaler", "gcsFaultTolerance", "patch"};
  const auto kind = root.find("kind");
  if (kind != root.end()) {
    return *kind == "RayCluster" || *kind == "RayJob" || *kind == "RayService";
  }
  for (auto it = root.begin(); it != root.end(); ++it) {
    for (const auto& key : k_spec_keys) {
      if (it.key() == key || (it.key().size() > 3 && util::edit_distance(it.key(), key, 2) <= 2)) {
        return true;
      }
    }
  }
  // Only `name` and the spec's metadata keys: a minimal spec when the file
  // was named on the command line; other YAML (a key no spec has) is not.
  static const std::vector<std::string> k_plain_keys = {"name",           "namespace", "labels",
                                                        "annotations",    "queue",     "scheduler",
                                                        "serviceAccount", "defaults"};
  if (!named_explicitly || !root.contains("name")) {
    return false;
  }
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (std::find(k_plain_keys.begin(), k_plain_keys.end(), it.key()) == k_plain_keys.end()) {
      return false;
    }
  }
  return true;
}

bool excluded(const std::string& path, const std::vector<std::string>& globs) {
  if (globs.empty() || path == "-") {
    return false;
  }
  std::string p = path;
  while (p.rfind("./", 0) == 0) {
    p.erase(0, 2);
  }
  // Where a path segment starts and where one ends: a glob is tried against
  // every run of whole segments, so `vendor` leaves out a folder at any
  // depth and `charts/*/values.yaml` matches below any folder.
  std::vector<std::size_t> starts{0};
  std::vector<std::size_t> ends;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '/') {
      ends.push_back(i);
      starts.push_back(i + 1);
    }
  }
  ends.push_back(p.size());
  for (const auto& glob : globs) {
    // `**` is any run of segments; FNM_PATHNAME keeps a lone `*` in one.
    std::string g = glob;
    while (g.size() > 1 && g.back() == '/') {
      g.pop_back();
    }
    int flags = FNM_PATHNAME;
    for (auto at = g.find("**"); at != std::string::npos; at = g.find("**")) {
      g.replace(at, 2, "*");
      flags = 0;
    }
    for (const auto from : starts) {
      for (const auto to : ends) {
        if (to <= from) {
          continue;
        }
        if (fnmatch(g.c_str(), p.substr(from, to - from).c_str(), flags) == 0) {
          return true;
        }
      }
    }
  }
  return false;
}

namespace {

// Whether `file` lies under the templates/ folder of a Helm chart (a
// folder with a Chart.yaml), at any depth.
bool in_helm_templates(const std::string& file, const Deps& deps) {
  for (auto at = file.rfind("/templates/"); at != std::string::npos;
       at = at == 0 ? std::string::npos : file.rfind("/templates/", at - 1)) {
    if (deps.fs.exists(file.substr(0, at) + "/Chart.yaml")) {
      return true;
    }
  }
  return file.rfind("templates/", 0) == 0 && deps.fs.exists("Chart.yaml");
}

}  // namespace

ExpandedInputs expand_inputs(const std::vector<std::string>& inputs,
                             const Deps& deps,
                             std::vector<Diagnostic>& diags) {
  ExpandedInputs out;
  bool stdin_taken = false;
  for (const auto& input : inputs) {
    if (input == "-") {
      if (stdin_taken) {
        Diagnostic d;
        d.rule = "input";
        d.message = "stdin ('-') is given twice: it can be read once";
        d.where = SourceLocation{"<stdin>", 0, 0};
        diags.push_back(std::move(d));
        continue;
      }
      stdin_taken = true;
    }
    if (input == "-" || !deps.fs.is_directory(input)) {
      // A chart's template named on its own (a pre-commit hook hands over
      // every YAML file): not YAML until rendered, so skipped as in a folder.
      if (input != "-" && in_helm_templates(input, deps)) {
        out.helm_templates.push_back(input);
        continue;
      }
      out.files.push_back({input, false});
      continue;
    }
    auto files = deps.fs.list_files(input);
    if (!files) {
      Diagnostic d;
      d.rule = "input";
      d.message = files.error().message;
      d.where = SourceLocation{input, 0, 0};
      diags.push_back(std::move(d));
      continue;
    }
    for (const auto& why : files->not_followed) {
      Diagnostic d;
      d.rule = "input";
      d.severity = core::Severity::warning;
      d.message = "not followed: " + why.substr(why.rfind(": ") + 2);
      d.where = SourceLocation{why.substr(0, why.rfind(": ")), 0, 0};
      diags.push_back(std::move(d));
    }
    std::vector<std::string> charts;  // folders holding a Chart.yaml
    for (const auto& f : files->files) {
      if (f.ends_with("/Chart.yaml")) {
        charts.push_back(parent_of(f) + "/templates/");
      }
    }
    std::size_t found = 0;
    for (auto& f : files->files) {
      if (!is_yaml_file(f)) {
        continue;
      }
      ++found;
      if (std::any_of(charts.begin(), charts.end(),
                      [&f](const std::string& t) { return f.rfind(t, 0) == 0; })) {
        out.helm_templates.push_back(f);
        continue;
      }
      out.files.push_back({std::move(f), true});
    }
    if (found == 0) {
      Diagnostic d;
      d.rule = "input";
      d.message = "no *.yaml or *.yml files in this directory";
      d.where = SourceLocation{input, 0, 0};
      diags.push_back(std::move(d));
    }
  }
  return out;
}

bool set_on_manifest(const Document& doc,
                     const std::vector<std::string>& sets,
                     const std::vector<std::string>& set_strings,
                     std::vector<Diagnostic>& diags) {
  if (sets.empty() && set_strings.empty()) {
    return false;
  }
  // Its paths are a spec's (workers[0].gpus): on a manifest they would
  // write keys the API server refuses, or silently nothing.
  diags.push_back(input_diagnostic(
      doc, "",
      std::string(sets.empty() ? "--set-string" : "--set") +
          " changes compact specs, and this document is a manifest (it has apiVersion): "
          "edit it, or give the change in a spec's patch"));
  return true;
}

void apply_namespace(const Document& doc,
                     const std::string& base,
                     Json& manifest,
                     const std::string& ns,
                     std::vector<Diagnostic>& diags) {
  if (ns.empty() || !manifest.is_object()) {
    return;
  }
  Json& meta = manifest["metadata"];
  if (!meta.is_object()) {
    diags.push_back(input_diagnostic(
        doc, base + "/metadata",
        "expected a mapping, got " + core::json_type_name(meta) + "; cannot set --namespace"));
    return;
  }
  if (auto it = meta.find("namespace"); it != meta.end() && it->is_string() && *it != ns) {
    // kubectl's refusal (cmd/apply: "the namespace from the provided object
    // ... does not match the namespace ..."), before anything is sent.
    const std::string pointer =
        base.empty() && core::is_compact_spec(doc) ? "/namespace" : base + "/metadata/namespace";
    const std::string theirs = it->get<std::string>();
    diags.push_back(input_diagnostic(
        doc, pointer,
        fmt::format("the namespace from the provided object {} does not match --namespace {}: "
                    "pass -n {} (or no -n), or change the file; nothing was sent",
                    util::quote(theirs), util::quote(ns), theirs)));
    return;
  }
  if (!meta.contains("namespace")) {
    // Keep the conventional order: name, namespace, then the rest.
    Json ordered = Json::object();
    for (auto it = meta.begin(); it != meta.end(); ++it) {
      ordered[it.key()] = it.value();
      if (it.key() == "name") {
        ordered["namespace"] = ns;
      }
    }
    if (!ordered.contains("namespace")) {
      ordered["namespace"] = ns;
    }
    meta = std::move(ordered);
  }
}

std::optional<std::vector<Document>> load_input(const std::string& input,
                                                const Deps& deps,
                                                std::vector<Diagnostic>& diags,
                                                bool empty_ok) {
  auto source = read_input(input, deps);
  if (!source) {
    Diagnostic d;
    d.rule = "input";
    d.message = source.error().message;
    d.where = SourceLocation{input == "-" ? "<stdin>" : input, 0, 0};
    diags.push_back(std::move(d));
    return std::nullopt;
  }
  auto docs = core::parse_documents(*source);
  if (!docs) {
    Diagnostic d;
    d.rule = "yaml";
    d.message = docs.error().message;
    d.where = docs.error().where.value_or(SourceLocation{(*source)->name, 0, 0});
    d.source = *source;
    diags.push_back(std::move(d));
    return std::nullopt;
  }
  if (docs->empty() && !empty_ok) {
    Diagnostic d;
    d.rule = "yaml";
    d.message = "empty file: no YAML document in it";
    d.where = SourceLocation{(*source)->name, 1, 1};
    diags.push_back(std::move(d));
    return std::nullopt;
  }
  return std::move(*docs);
}

core::Document rendered_document(const Document& spec, Json manifest) {
  Document doc;
  doc.source = spec.source;
  doc.index = spec.index;
  doc.root = std::move(manifest);
  if (const auto* mark = spec.mark("")) {
    doc.marks[""] = *mark;
  }
  // Parts of the manifest that a spec key produced are located at that key
  // (the key's own line, where "unknown key"-style carets go); the rest at
  // the nearest such part, or the spec's first line.
  auto origins = core::spec_origins(doc.root);
  if (const Json* patch = core::find_pointer(spec.root, "/patch"); patch != nullptr) {
    // Last: a patch's own entries are more precise than the keys above.
    auto from_patch = core::patch_origins(doc.root, *patch);
    origins.insert(origins.end(), from_patch.begin(), from_patch.end());
  }
  for (const auto& [manifest_ptr, spec_ptr] : origins) {
    if (const auto* mark = spec.mark(spec_ptr)) {
      core::NodeMark at = *mark;
      if (at.key_line > 0) {
        at.line = at.key_line;
        at.column = at.key_column;
      }
      doc.marks[manifest_ptr] = at;
    }
  }
  return doc;
}

void validate_manifest(const Document& doc,
                       const Json& manifest,
                       const core::ValidateOptions& options,
                       std::vector<Diagnostic>& out) {
  if (!core::is_compact_spec(doc)) {
    core::validate_object(doc, "", options, out);
    return;
  }
  const Document rendered = rendered_document(doc, manifest);
  const std::size_t first = out.size();
  core::validate_object(rendered, "", options, out);
  const std::string kind = manifest.value("kind", std::string("manifest"));
  for (std::size_t i = first; i < out.size(); ++i) {
    out[i].message = "in the rendered " + kind + ": " + out[i].message;
  }
}

void print_diagnostics(std::vector<Diagnostic>& diags, const Deps& deps) {
  core::sort_diagnostics(diags);
  const bool color = deps.console.err_color();
  for (const auto& d : diags) {
    deps.console.err(core::format_diagnostic(d, color));
  }
}

std::optional<Json> render_document(Document& doc,
                                    const RenderOptions& options,
                                    const core::Templates& templates,
                                    const Deps& deps,
                                    std::vector<Diagnostic>& diags) {
  const std::size_t before = diags.size();
  if (!core::is_compact_spec(doc)) {
    if (set_on_manifest(doc, options.sets, options.set_strings, diags)) {
      return std::nullopt;
    }
    Json manifest = doc.root;
    if (manifest.is_object() && manifest.contains("metadata")) {
      apply_namespace(doc, "", manifest, options.namespace_, diags);
    }
    return diags.size() == before ? std::optional<Json>(std::move(manifest)) : std::nullopt;
  }
  const auto set_all = [&](const std::vector<std::string>& sets, bool as_string) {
    for (const auto& set : sets) {
      if (auto r = core::apply_set(doc, set, as_string); !r) {
        const std::string flag = as_string ? "--set-string" : "--set";
        Diagnostic d;
        d.rule = "spec";
        d.message = r.error().message;
        d.where = r.error().where.value_or(SourceLocation{flag, 0, 0});
        d.source = std::make_shared<core::SourceFile>(core::SourceFile{flag, set});
        diags.push_back(std::move(d));
        return false;
      }
    }
    return true;
  };
  if (!set_all(options.sets, false) || !set_all(options.set_strings, true)) {
    return std::nullopt;
  }
  core::SpecResult parsed = core::parse_spec(doc);
  if (!parsed.spec) {
    for (auto& d : parsed.diagnostics) {
      if (d.rule.empty()) {
        d.rule = "spec";  // the compact spec's own rules (docs/spec.md)
      }
      diags.push_back(std::move(d));
    }
    return std::nullopt;
  }
  core::Spec& spec = *parsed.spec;
  if (spec.serve && spec.serve->config_file) {
    const std::string path = io::resolve_relative(doc.source->name, *spec.serve->config_file);
    auto text = deps.fs.read_file(path);
    if (!text) {
      Diagnostic d =
          core::make_diagnostic(doc, spec.serve->config_file_pointer, text.error().message);
      d.rule = "spec";
      diags.push_back(std::move(d));
      return std::nullopt;
    }
    // KubeRay parses serveConfigV2 as a YAML mapping: check it here, with
    // positions in the config file itself.
    auto source = std::make_shared<core::SourceFile>(core::SourceFile{path, *text});
    auto docs = core::parse_documents(source);
    if (!docs || docs->size() != 1 || !docs->front().root.is_object()) {
      Diagnostic d;
      d.rule = "yaml";
      d.message = !docs ? docs.error().message : "a Serve config must be one YAML mapping";
      d.where = !docs && docs.error().where ? *docs.error().where : SourceLocation{path, 1, 1};
      d.source = source;
      diags.push_back(std::move(d));
      return std::nullopt;
    }
    spec.serve->config_text = std::move(*text);
  }
  Json manifest = core::render(spec, templates);
  apply_namespace(doc, "", manifest, options.namespace_, diags);
  return diags.size() == before ? std::optional<Json>(std::move(manifest)) : std::nullopt;
}

}  // namespace detail

Result<Rendered> render_inputs(const RenderOptions& options, const Deps& deps) {
  if (options.inputs.empty()) {
    return make_error(ErrorCode::usage, "no input: give one or more spec files, or - for stdin");
  }
  if (!options.namespace_.empty()) {
    if (auto why = core::check_dns1123_label(options.namespace_)) {
      return make_error(ErrorCode::usage,
                        "--namespace " + util::quote(options.namespace_) + ": " + *why);
    }
  }
  KRAY_TRY_ASSIGN(auto templates, templates_for(options, deps));
  Rendered out;
  std::vector<Diagnostic> diags;
  // Lint warnings about the output: shown, but they do not stop the render.
  std::vector<Diagnostic> warnings;
  // Files and directories, as validate reads them; one stream out.
  const auto expanded = detail::expand_inputs(options.inputs, deps, diags);
  for (const auto& file : expanded.files) {
    const std::string& input = file.path;
    auto docs = detail::load_input(input, deps, diags);
    if (!docs) {
      continue;
    }
    for (auto& doc : *docs) {
      if (file.found_in_directory && core::is_compact_spec(doc) &&
          !detail::looks_like_spec(doc.root, false)) {
        continue;  // other YAML of the folder (values, CI configuration)
      }
      auto manifest = detail::render_document(doc, options, templates, deps, diags);
      if (!manifest) {
        continue;
      }
      // The output passes the same validation as `krayctl validate`: a
      // spec that renders an invalid manifest is a bug (or a bad patch),
      // and must not reach the cluster.
      std::vector<Diagnostic> found;
      detail::validate_manifest(doc, *manifest, options.validation, found);
      for (auto& d : found) {
        (d.severity == core::Severity::error ? diags : warnings).push_back(std::move(d));
      }
      out.manifests.push_back(std::move(*manifest));
    }
  }
  if (!diags.empty()) {
    detail::print_diagnostics(diags, deps);
    Error e{ErrorCode::invalid_spec,
            core::summarize_diagnostics(diags) + "; nothing rendered",
            std::nullopt,
            {},
            true};
    if (diags.size() > 1) {
      deps.console.err(e.message + "\n");
    }
    return tl::unexpected(std::move(e));
  }
  detail::print_diagnostics(warnings, deps);
  return out;
}

std::string format_manifests(const std::vector<Json>& manifests, OutputFormat format) {
  if (format == OutputFormat::yaml) {
    return core::emit_yaml_stream(manifests);
  }
  if (manifests.size() == 1) {
    return manifests.front().dump(2) + "\n";
  }
  Json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", manifests}};
  return list.dump(2) + "\n";
}

Result<void> run_render(const RenderOptions& options, const Deps& deps) {
  KRAY_TRY_ASSIGN(auto rendered, render_inputs(options, deps));
  deps.console.out(format_manifests(rendered.manifests, options.output));
  return {};
}

}  // namespace kray::app
