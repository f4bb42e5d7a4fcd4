// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/yaml/diagnostic.hpp>

#include <krayctl/core/yaml/document.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace kray::core {

Diagnostic make_diagnostic(
    const Document& doc, std::string pointer, std::string message, bool at_key, Severity severity) {
  Diagnostic d;
  d.severity = severity;
  d.where = at_key ? doc.key_location(pointer) : doc.location(pointer);
  d.pointer = std::move(pointer);
  d.message = std::move(message);
  d.source = doc.source;
  // A node that came from --set carries its own source.
  if (const auto* m = doc.mark(d.pointer); m != nullptr && m->source) {
    d.source = m->source;
    d.where = {m->source->name, m->line, m->column};
  }
  return d;
}

void sort_diagnostics(std::vector<Diagnostic>& diags) {
  std::stable_sort(diags.begin(), diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.where.file != b.where.file) {
      return a.where.file < b.where.file;
    }
    if (a.where.line != b.where.line) {
      return a.where.line < b.where.line;
    }
    return a.where.column < b.where.column;
  });
}

std::string format_diagnostic(const Diagnostic& d, bool color) {
  const char* bold = color ? "\033[1m" : "";
  const char* reset = color ? "\033[0m" : "";
  const char* sev_color =
      color ? (d.severity == Severity::error ? "\033[1;31m" : "\033[1;35m") : "";
  std::string sev = d.severity == Severity::error ? "error" : "warning";
  if (!d.rule.empty()) {
    sev += "[" + d.rule + "]";
  }
  std::string out = fmt::format("{}{}:{} {}{}:{} {}", bold, d.where.to_string(), reset, sev_color,
                                sev, reset, d.message);
  if (!d.pointer.empty()) {
    out += " (" + pointer_to_path(d.pointer) + ")";
  }
  out += '\n';
  if (d.source && d.where.line > 0) {
    // A control character of the file (ESC, NUL, a CR left inside a line)
    // must not reach the terminal or the log raw: each becomes one '?',
    // so that the caret still lines up; tabs stay.
    std::string line(d.source->line_text(d.where.line));
    for (char& c : line) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7F) {
        c = '?';
      }
    }
    if (!line.empty()) {
      const std::string number = std::to_string(d.where.line);
      out += fmt::format(" {} | {}\n", number, line);
      if (d.where.column > 0) {
        std::string pad;
        // Columns count bytes; pad one space per character (UTF-8
        // continuation bytes add none) and keep tabs, so that the caret
        // lines up under the column on a terminal.
        for (int i = 0; i < d.where.column - 1 && i < static_cast<int>(line.size()); ++i) {
          const char c = line[static_cast<std::size_t>(i)];
          if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            pad += c == '\t' ? '\t' : ' ';
          }
        }
        out +=
            fmt::format(" {} | {}{}^{}\n", std::string(number.size(), ' '), pad, sev_color, reset);
      }
    }
  }
  return out;
}

std::string summarize_diagnostics(const std::vector<Diagnostic>& diags) {
  std::size_t errors = 0;
  std::size_t warnings = 0;
  for (const auto& d : diags) {
    (d.severity == Severity::error ? errors : warnings) += 1;
  }
  std::vector<std::string> parts;
  if (errors > 0) {
    parts.push_back(fmt::format("{} error{}", errors, errors == 1 ? "" : "s"));
  }
  if (warnings > 0) {
    parts.push_back(fmt::format("{} warning{}", warnings, warnings == 1 ? "" : "s"));
  }
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    out += (i > 0 ? ", " : "") + parts[i];
  }
  return out;
}

bool has_errors(const std::vector<Diagnostic>& diags) {
  return std::any_of(diags.begin(), diags.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

}  // namespace kray::core
