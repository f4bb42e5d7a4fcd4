// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kray::util {

// Splits `s` at every `sep`; empty fields are kept ("a,,b" gives 3 fields).
std::vector<std::string> split(std::string_view s, char sep);

// Joins `parts` with `sep` between them.
std::string join(const std::vector<std::string>& parts, std::string_view sep);

// Returns `s` without leading and trailing ASCII whitespace.
std::string_view trim(std::string_view s);

// ASCII lower-casing; bytes >= 0x80 are left as they are.
std::string to_lower(std::string_view s);

// Returns `s` in single quotes, for messages: `'gpu-workers'`.
std::string quote(std::string_view s);

// Returns the closest candidate to `word` by edit distance, or "" when none
// is close enough to be a plausible typo (ninja's SpellcheckString).
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// `s` for XML text and attribute values (&, <, >, " escaped); C0
// controls other than tab and newline, which XML 1.0 cannot hold, become
// '?'. For the JUnit reports of validate and submit.
std::string xml_escape(std::string_view s);

// A GitHub Actions workflow command's text
// (docs.github.com/actions/reference/workflow-commands-for-github-actions):
// `::error file=F,line=L,title=T::message`, with %, CR and LF escaped in
// the message, and also : and , in a property.
std::string github_escape(std::string_view s, bool property);

}  // namespace kray::util
