// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/app/deps.hpp>
#include <krayctl/core/validate/validate.hpp>
#include <krayctl/core/yaml/diagnostic.hpp>
#include <krayctl/util/error.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kray::app {

enum class ReportFormat { text, json, sarif, github, junit };

struct ValidateOptions {
  std::vector<std::string> inputs;  // files, directories (recursive *.yaml, *.yml), "-"
  ReportFormat output = ReportFormat::text;
  bool strict = false;               // warnings fail too
  bool quiet = false;                // -q: only the problems, no summary
  bool list_skipped = false;         // -v: each file or document skipped, and why, on stderr
  std::vector<std::string> exclude;  // --exclude GLOB: files and folders left out
  std::vector<std::string> disable;  // lint IDs (each may be "a,b")
  // --error ID / --warning ID (and the config's `severity`): the severity
  // of a lint's findings, whatever its default.
  std::map<std::string, core::Severity, std::less<>> severity;
  std::string sarif_root;  // SARIF URIs relative to this ("": the git top level, else ".")
  core::FeatureGates gates;
  // What apply and delete -f add (validate itself leaves them empty):
  std::string namespace_;         // an explicit -n: set where absent, refused where different
  std::vector<std::string> sets;  // --set PATH=VALUE on every compact spec
  std::vector<std::string> set_strings;  // --set-string PATH=VALUE, after them
  // apply and delete -f: a file named on the command line without
  // apiVersion is a compact spec, shaped like one or not (it is meant to be
  // applied). validate reads the shape (app/inputs.hpp: looks_like_spec)
  // and skips other YAML; in a folder the shape decides for everyone.
  bool every_file_a_spec = false;
};

// The config file `krayctl validate` looks for: in the working directory,
// then in each folder above it, the first one found.
inline constexpr const char* k_validate_config_name = ".krayctl.yaml";

// What a config file says for `validate` (its `validate:` mapping). Flags
// come on top (docs/validation.md, "Configuration").
struct ValidateConfig {
  std::string path;  // the file read
  std::vector<std::string> exclude;
  std::vector<std::string> disable;
  std::map<std::string, core::Severity, std::less<>> severity;
  std::optional<bool> strict;
  std::string sarif_root;                  // resolved against the file's folder
  std::vector<std::string> feature_gates;  // "Name=true", as --feature-gates takes them
};

// The path of the config file that applies from the working directory
// (k_validate_config_name, walking up to /), if any.
std::optional<std::string> find_validate_config(const Deps& deps);

// Reads the config file at `path`. Unknown keys, unknown lint IDs and values
// of the wrong type fail with ErrorCode::usage at their file:line:col.
[[nodiscard]] Result<ValidateConfig> load_validate_config(const std::string& path,
                                                          const Deps& deps);

// Reads the values of a lint flag (`flag`: --disable, --error, --warning;
// IDs, each possibly "a,b") into a set; an unknown ID is a usage error
// naming the flag, with a "did you mean".
[[nodiscard]] Result<std::set<std::string, std::less<>>> parse_lint_ids(
    const std::vector<std::string>& args, const std::string& flag = "--disable");

// Where a file is for SARIF: a URI relative to the run's root (uriBaseId
// %SRCROOT%) or an absolute one.
struct ArtifactUri {
  std::string uri;
  bool relative = false;
};

// What a validation run found.
struct ValidationReport {
  std::vector<core::Diagnostic> diagnostics;  // sorted by position
  int files = 0;
  int documents = 0;
  int objects = 0;         // KubeRay objects validated (from manifests and specs)
  int specs = 0;           // of those, rendered from compact specs
  int skipped = 0;         // documents that are neither (a Service, a ConfigMap)
  int empty_files = 0;     // files with no document at all (skipped, as kubectl does)
  int helm_templates = 0;  // files under a Helm chart's templates/ (not YAML until rendered)
  int excluded = 0;        // files left out by --exclude
  bool strict = false;     // warnings fail too (the JSON report's `ok`)
  // Said in the text report: files named on the command line that were
  // skipped (neither a manifest nor shaped like a spec).
  std::vector<std::string> notes;
  std::vector<std::string> file_names;  // every file read, in order (JUnit's test cases)
  // Each file or document skipped, as "path: why" (-v lists them).
  std::vector<std::string> skipped_list;
  bool quiet = false;  // -q: the text report without summary and notes
  // -o sarif: the root's file:// URI (ending in '/') and each reported
  // file's URI, resolved against the file system by validate_inputs.
  std::string sarif_root_uri;
  std::map<std::string, ArtifactUri, std::less<>> sarif_uris;
  // What `apply` sends, in input order: each manifest (specs rendered) and
  // each other Kubernetes object given by file (not found by walking a
  // directory).
  std::vector<core::Json> manifests;
};

// Validates every input: compact specs (rendered, then validated as the
// manifest they become) and KubeRay manifests, multi-document files,
// `kind: List`s. Problems reading or parsing an input are diagnostics too.
// Fails only for usage errors (an unknown lint ID in `disable`).
[[nodiscard]] Result<ValidationReport> validate_inputs(const ValidateOptions& options,
                                                       const Deps& deps);

// `krayctl validate`: validate_inputs, then the report on stdout in the
// chosen format. Fails with ErrorCode::invalid_spec (already reported)
// when there are errors, or warnings under `strict`.
[[nodiscard]] Result<void> run_validate(const ValidateOptions& options, const Deps& deps);

// The report as text (`file:line:col: error[rule]: message (path)` with the
// source line, then a summary line), JSON or SARIF 2.1.0.
std::string format_report(const ValidationReport& report, ReportFormat format, bool color);

}  // namespace kray::app
