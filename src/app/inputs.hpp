// SPDX-License-Identifier: Apache-2.0
// Private to src/app: reading inputs and rendering documents, shared by
// render and validate.
#pragma once

#include <krayctl/app/deps.hpp>
#include <krayctl/app/render.hpp>
#include <krayctl/core/spec/render.hpp>
#include <krayctl/core/validate/validate.hpp>
#include <krayctl/core/yaml/diagnostic.hpp>
#include <krayctl/core/yaml/document.hpp>

#include <optional>
#include <string>
#include <vector>

namespace kray::app::detail {

// The files the inputs name: a directory gives its *.yaml and *.yml files
// (recursively, sorted), except those under the templates/ folder of a
// Helm chart (a folder with Chart.yaml: Go templates, not YAML, until
// `helm template` renders them), which are counted; other inputs stay as
// given. Stdin ("-") given twice, or a directory without YAML, is a
// diagnostic.
struct InputFile {
  std::string path;
  bool found_in_directory = false;
};
struct ExpandedInputs {
  std::vector<InputFile> files;
  std::vector<std::string> helm_templates;  // files of a Helm chart's templates/, skipped
};
ExpandedInputs expand_inputs(const std::vector<std::string>& inputs,
                             const Deps& deps,
                             std::vector<core::Diagnostic>& diags);

// A repository holds other YAML too (Helm values, CI workflows, Compose,
// conda environments): a document without apiVersion is taken for a
// compact spec by a positive signature: a Ray `kind`, or a key only a spec
// has (head, workers, ray, job, serve, autoscaler, gcsFaultTolerance,
// patch) or a near miss of one, and none of the keys of those other
// formats (on, jobs, runs, services, channels, dependencies, steps,
// stages). A file `named_explicitly` with only a `name` is a minimal spec.
bool looks_like_spec(const core::Json& root, bool named_explicitly);

// Whether `path` matches one of `globs` (--exclude): a shell glob (fnmatch;
// `*` stays within a path segment, `**` crosses them) tried against every
// run of whole segments of the path as walked, so `vendor` leaves out a
// folder at any depth, `*.tmpl.yaml` a file name, and `charts/*/values.yaml`
// works below any folder.
bool excluded(const std::string& path, const std::vector<std::string>& globs);

// Reads and parses `input` ("-" is stdin). On failure (unreadable, not
// YAML, and, unless `empty_ok`, no document at all) appends one diagnostic
// and returns nullopt. With `empty_ok` a file with no document (empty,
// comments, `---` alone) gives an empty list, as kubectl skips it.
std::optional<std::vector<core::Document>> load_input(const std::string& input,
                                                      const Deps& deps,
                                                      std::vector<core::Diagnostic>& diags,
                                                      bool empty_ok = false);

// Returns the manifest of `doc`: a compact spec rendered, or the document
// itself when it is already a manifest (with -n applied). On problems,
// appends diagnostics and returns nullopt.
std::optional<core::Json> render_document(core::Document& doc,
                                          const RenderOptions& options,
                                          const core::Templates& templates,
                                          const Deps& deps,
                                          std::vector<core::Diagnostic>& diags);

// Applies an explicit -n (`ns`; "" for none) to `manifest`, the object at
// `base` in `doc`: sets metadata.namespace where the object names none, and
// refuses (a diagnostic at the object's namespace) one that names another,
// as kubectl does.
void apply_namespace(const core::Document& doc,
                     const std::string& base,
                     core::Json& manifest,
                     const std::string& ns,
                     std::vector<core::Diagnostic>& diags);

// --set/--set-string given for a manifest document: a diagnostic at the
// document, true (nothing is rendered from it). False when none is given.
bool set_on_manifest(const core::Document& doc,
                     const std::vector<std::string>& sets,
                     const std::vector<std::string>& set_strings,
                     std::vector<core::Diagnostic>& diags);

// A document holding `manifest`, rendered from the compact spec `spec`:
// problems found in it are reported at the spec (its file, its first
// line), with the manifest's path in the message.
core::Document rendered_document(const core::Document& spec, core::Json manifest);

// Validates `manifest`, the output of render_document(doc): a manifest
// document in place (with its positions), a rendered spec through
// rendered_document, each message then saying "in the rendered RayJob".
void validate_manifest(const core::Document& doc,
                       const core::Json& manifest,
                       const core::ValidateOptions& options,
                       std::vector<core::Diagnostic>& out);

// Writes `diags` (sorted) to stderr, then the summary when there are
// several.
void print_diagnostics(std::vector<core::Diagnostic>& diags, const Deps& deps);

}  // namespace kray::app::detail
