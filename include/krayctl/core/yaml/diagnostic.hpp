// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/util/source_location.hpp>

#include <memory>
#include <string>
#include <vector>

namespace kray::core {

struct SourceFile;
struct Document;

enum class Severity { error, warning };

// One problem found in a user's input. Validation returns every problem,
// not just the first; each names the node by JSON pointer and by position.
struct Diagnostic {
  Severity severity = Severity::error;
  std::string message;  // lower-case start, no final period
  std::string pointer;  // JSON pointer into the document ("" = whole document)
  SourceLocation where;
  std::string rule;                          // lint rule ID; "" for plain errors
  std::shared_ptr<const SourceFile> source;  // to quote the line; may be null
};

// Returns a diagnostic for the node at `pointer` of `doc`; `at_key` places it
// at the mapping key (unknown keys, missing keys) instead of the value.
Diagnostic make_diagnostic(const Document& doc,
                           std::string pointer,
                           std::string message,
                           bool at_key = false,
                           Severity severity = Severity::error);

// Sorts by file, line, column (stable for equal positions), so that output
// never depends on the order checks ran in.
void sort_diagnostics(std::vector<Diagnostic>& diags);

// Returns `file:line:col: error: message (path)`, then the source line and a
// caret under the column when the source is known:
//   job.yaml:12:5: error: unknown key 'gpu'; did you mean 'gpus'? (workers[0].gpu)
//      12 |     gpu: 8
//         |     ^
// `color` adds ANSI colours (for terminals). Ends with a newline.
std::string format_diagnostic(const Diagnostic& d, bool color);

// Returns "N errors, M warnings" style counts, or "" for none.
std::string summarize_diagnostics(const std::vector<Diagnostic>& diags);

bool has_errors(const std::vector<Diagnostic>& diags);

}  // namespace kray::core
