// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/render.hpp>

#include <krayctl/core/diagnostic.hpp>
#include <krayctl/core/document.hpp>
#include <krayctl/core/render.hpp>
#include <krayctl/core/set_path.hpp>
#include <krayctl/core/spec.hpp>
#include <krayctl/core/yaml_emit.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/io/file_system.hpp>
#include <krayctl/util/strings.hpp>

#include <fmt/format.h>

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

// Applies -n to a namespace the document may already name; a disagreement
// is an error, as in kubectl.
void apply_namespace(const Document& doc,
                     Json& manifest,
                     const std::string& ns,
                     std::vector<Diagnostic>& diags) {
  if (ns.empty()) {
    return;
  }
  Json& meta = manifest["metadata"];
  if (auto it = meta.find("namespace"); it != meta.end() && it->is_string() && *it != ns) {
    const std::string pointer = core::is_compact_spec(doc) ? "/namespace" : "/metadata/namespace";
    diags.push_back(
        core::make_diagnostic(doc, pointer,
                              fmt::format("the namespace {} does not match --namespace {}",
                                          util::quote(it->get<std::string>()), util::quote(ns))));
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

// Renders one parsed document, appending its manifest or its diagnostics.
void render_document(Document& doc,
                     const RenderOptions& options,
                     const core::Templates& templates,
                     const Deps& deps,
                     std::vector<Json>& manifests,
                     std::vector<Diagnostic>& diags) {
  if (!core::is_compact_spec(doc)) {
    Json manifest = doc.root;
    if (manifest.is_object() && manifest.contains("metadata")) {
      apply_namespace(doc, manifest, options.namespace_, diags);
    }
    manifests.push_back(std::move(manifest));
    return;
  }
  for (const auto& set : options.sets) {
    if (auto r = core::apply_set(doc, set); !r) {
      Diagnostic d;
      d.message = r.error().message;
      d.where = r.error().where.value_or(SourceLocation{"--set", 0, 0});
      d.source = std::make_shared<core::SourceFile>(core::SourceFile{"--set", set});
      diags.push_back(std::move(d));
      return;
    }
  }
  core::SpecResult parsed = core::parse_spec(doc);
  if (!parsed.spec) {
    diags.insert(diags.end(), parsed.diagnostics.begin(), parsed.diagnostics.end());
    return;
  }
  core::Spec& spec = *parsed.spec;
  if (spec.serve && spec.serve->config_file) {
    const std::string path = io::resolve_relative(doc.source->name, *spec.serve->config_file);
    auto text = deps.fs.read_file(path);
    if (!text) {
      diags.push_back(
          core::make_diagnostic(doc, spec.serve->config_file_pointer, text.error().message));
      return;
    }
    // KubeRay parses serveConfigV2 as a YAML mapping: check it here, with
    // positions in the config file itself.
    auto source = std::make_shared<core::SourceFile>(core::SourceFile{path, *text});
    auto docs = core::parse_documents(source);
    if (!docs || docs->size() != 1 || !docs->front().root.is_object()) {
      Diagnostic d;
      d.message = !docs ? docs.error().message : "a Serve config must be one YAML mapping";
      d.where = !docs && docs.error().where ? *docs.error().where : SourceLocation{path, 1, 1};
      d.source = source;
      diags.push_back(std::move(d));
      return;
    }
    spec.serve->config_text = std::move(*text);
  }
  Json manifest = core::render(spec, templates);
  apply_namespace(doc, manifest, options.namespace_, diags);
  manifests.push_back(std::move(manifest));
}

}  // namespace

Result<Rendered> render_inputs(const RenderOptions& options, const Deps& deps) {
  if (options.inputs.empty()) {
    return make_error(ErrorCode::usage, "no input: give one or more spec files, or - for stdin");
  }
  KRAY_TRY_ASSIGN(auto templates, templates_for(options, deps));
  Rendered out;
  std::vector<Diagnostic> diags;
  for (const auto& input : options.inputs) {
    auto source = read_input(input, deps);
    if (!source) {
      Diagnostic d;
      d.message = source.error().message;
      d.where = SourceLocation{input == "-" ? "<stdin>" : input, 0, 0};
      diags.push_back(std::move(d));
      continue;
    }
    auto docs = core::parse_documents(*source);
    if (!docs) {
      Diagnostic d;
      d.message = docs.error().message;
      d.where = docs.error().where.value_or(SourceLocation{(*source)->name, 0, 0});
      d.source = *source;
      diags.push_back(std::move(d));
      continue;
    }
    if (docs->empty()) {
      Diagnostic d;
      d.message = "empty file: no YAML document in it";
      d.where = SourceLocation{(*source)->name, 1, 1};
      diags.push_back(std::move(d));
      continue;
    }
    for (auto& doc : *docs) {
      render_document(doc, options, templates, deps, out.manifests, diags);
    }
  }
  if (!diags.empty()) {
    core::sort_diagnostics(diags);
    const bool color = deps.console.err_color();
    for (const auto& d : diags) {
      deps.console.err(core::format_diagnostic(d, color));
    }
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
