// SPDX-License-Identifier: Apache-2.0
#include <krayctl/io/console.hpp>

#include <krayctl/util/terminal_text.hpp>

#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace kray::io {

std::string terminal_safe(std::string_view text, bool colors) {
  std::string out;
  std::size_t done = 0;  // text[0, done) is in `out`
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if ((b >= 0x20 && b < 0x7F) || b == '\n' || b == '\t') {
      ++i;
      continue;
    }
    if (b == 0x1b && colors) {
      bool ours = false;
      for (const auto sgr : Console::k_sgr) {
        if (text.substr(i, sgr.size()) == sgr) {
          i += sgr.size();
          ours = true;
          break;
        }
      }
      if (ours) {
        continue;
      }
    }
    const util::UnsafeChar u = util::char_at(text, i);
    if (!u.unsafe) {
      i += u.length;  // a safe multi-byte character
      continue;
    }
    out.append(text.substr(done, i - done));
    out += util::escape_for_terminal(text.substr(i, u.length));
    i += u.length;
    done = i;
  }
  if (done == 0) {
    return std::string(text);
  }
  out.append(text.substr(done));
  return out;
}

void Console::out(std::string_view text) {
  write_out(terminal_safe(text, out_color()));
}

void Console::err(std::string_view text) {
  write_err(terminal_safe(text, err_color()));
}

void Console::out_redraw(std::string_view text) {
  if (out_terminal()) {
    write_out("\x1b[H\x1b[2J");  // cursor home, clear the screen
  }
  out(text);
}

void Console::err_status(std::string_view text) {
  if (err_redraw()) {
    // Carriage return, then erase to the end of the line (ECMA-48 EL).
    write_err("\r\x1b[K" + terminal_safe(text, err_color()));
  }
}

RealConsole::RealConsole() {
  // https://no-color.org: any non-empty NO_COLOR disables colour.
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  const bool allowed = (no_color == nullptr || *no_color == '\0') &&
                       !(term != nullptr && std::string_view(term) == "dumb");
  m_err_color = allowed && isatty(STDERR_FILENO) == 1;
  m_out_color = allowed && isatty(STDOUT_FILENO) == 1;
  m_out_terminal =
      isatty(STDOUT_FILENO) == 1 && !(term != nullptr && std::string_view(term) == "dumb");
  m_err_terminal = isatty(STDERR_FILENO) == 1;
  m_err_redraw = m_err_terminal && !(term != nullptr && std::string_view(term) == "dumb");
}

void RealConsole::flush() {
  std::fflush(stdout);
}

void RealConsole::write_out(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() && m_out_errno == 0) {
    m_out_errno = errno != 0 ? errno : EIO;
  }
}

void RealConsole::set_color_mode(ColorMode mode) {
  if (mode == ColorMode::always) {
    m_err_color = m_out_color = true;
  } else if (mode == ColorMode::never) {
    m_err_color = m_out_color = false;
  }
}

std::string RealConsole::out_error() {
  errno = 0;
  if (std::fflush(stdout) != 0 && m_out_errno == 0) {
    m_out_errno = errno != 0 ? errno : EIO;
  }
  if (m_out_errno == 0 && std::ferror(stdout) != 0) {
    m_out_errno = EIO;
  }
  return m_out_errno == 0 ? "" : std::strerror(m_out_errno);
}

void RealConsole::write_err(std::string_view text) {
  std::fflush(stdout);
  std::fwrite(text.data(), 1, text.size(), stderr);
}

bool RealConsole::read_stdin(std::string& into) {
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
    into.append(buf, n);
  }
  return std::ferror(stdin) == 0;
}

}  // namespace kray::io
