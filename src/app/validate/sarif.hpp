// SPDX-License-Identifier: Apache-2.0
#pragma once
// The pieces of `validate -o sarif` that GitHub code scanning is strict
// about: repository-relative URIs, UTF-16 columns, stable fingerprints.

#include <krayctl/app/deps.hpp>
#include <krayctl/app/validate/validate.hpp>

#include <string>
#include <string_view>

namespace kray::app::detail {

// `path` percent-encoded as a URI path (RFC 3986): every byte but the
// unreserved characters and '/' becomes %XX, so that spaces, '#', '%' and
// non-ASCII names are valid in a URI.
std::string uri_encode_path(std::string_view path);

// The folder SARIF URIs are relative to: `given` (--sarif-root, the config
// file's sarifRoot) made absolute, else the nearest folder above the
// working directory with a `.git` entry (the git top level), else the
// working directory. Absolute, normalised, without a trailing '/'.
std::string sarif_root(const std::string& given, const Deps& deps);

// The URI of `file` (as reported) for SARIF: relative to `root` when it
// lies below it (links resolved, as git has the file; else as walked),
// else an absolute `file://` URI; "stdin" for standard input.
ArtifactUri sarif_uri(const std::string& file, const std::string& root, const Deps& deps);

// The 1-based column in UTF-16 code units (SARIF's default columnKind) of
// 1-based byte column `byte_column` of `line` (UTF-8).
int utf16_column(std::string_view line, int byte_column);

// A 64-bit FNV-1a hash of `text`, as 16 hex digits: fingerprints that are
// the same on every platform and run.
std::string fnv1a_hex(std::string_view text);

}  // namespace kray::app::detail
