// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace kray::io {

// Where krayctl's output goes: data on stdout, progress and diagnostics on
// stderr (so that `krayctl render | kubectl apply -f -` works). Abstract so
// that tests capture both streams (tests/support/fake_console.hpp).
class Console {
 public:
  virtual ~Console() = default;

  // Writes `text` to stdout (err: stderr) with every character that could
  // act on a terminal escaped (util/terminal_text.hpp: C0 and C1 controls,
  // DEL, invalid UTF-8, bidi and invisible format characters; tab and
  // newline kept), except krayctl's own colours (the four SGR sequences of
  // k_sgr) while colour is on for that stream. This is the one place that
  // keeps text from servers, plugins and files (names, Status messages,
  // Events, Warning headers, log quotes) from driving the terminal.
  void out(std::string_view text);
  void err(std::string_view text);
  // Moves the cursor home and clears the screen (only on a terminal that
  // can redraw), then writes `text` as out() does: status --watch.
  void out_redraw(std::string_view text);
  // True when stderr (stdout) is a terminal and colour is not disabled
  // (NO_COLOR, TERM=dumb).
  virtual bool err_color() const = 0;
  virtual bool out_color() const = 0;
  // Reads all of stdin. Returns false on a read error.
  virtual bool read_stdin(std::string& into) = 0;
  // True when stdout is a terminal that can redraw (not TERM=dumb): what
  // `status --watch` redraws on; elsewhere it prints one line per change.
  virtual bool out_terminal() const { return false; }
  // True when stderr is a terminal (colour or not): where progress lines
  // need no timestamp; a CI log (a pipe, a file) gets one.
  virtual bool err_terminal() const { return false; }
  // True when stderr is a terminal that can redraw a line (not TERM=dumb):
  // where submit keeps its progress on one live line.
  virtual bool err_redraw() const { return false; }
  // On such a terminal: replaces stderr's current line with `text` (no
  // newline; escaped as err() escapes), "" clears it. Elsewhere nothing.
  void err_status(std::string_view text);
  // Pushes what was written to stdout out now (a line of a watch, piped).
  virtual void flush() {}
  // --color: auto follows the stream (a terminal, no NO_COLOR, not
  // TERM=dumb); always and never override it.
  enum class ColorMode { automatic, always, never };
  virtual void set_color_mode(ColorMode mode) { (void)mode; }
  // After the last write: why stdout could not take everything (a full
  // disk, a closed pipe); "" when it did.
  virtual std::string out_error() { return ""; }

  // The escape sequences krayctl writes itself: bold, reset, bold red,
  // bold magenta (core/yaml/diagnostic.cpp).
  static constexpr std::string_view k_sgr[] = {"\x1b[1m", "\x1b[0m", "\x1b[1;31m", "\x1b[1;35m"};

 protected:
  // The streams, written as given.
  virtual void write_out(std::string_view text) = 0;
  virtual void write_err(std::string_view text) = 0;
};

// `text` as Console::out writes it: unsafe characters escaped, the k_sgr
// sequences kept when `colors`.
std::string terminal_safe(std::string_view text, bool colors);

// The process's real streams.
class RealConsole final : public Console {
 public:
  RealConsole();
  bool err_color() const override { return m_err_color; }
  bool out_color() const override { return m_out_color; }
  bool read_stdin(std::string& into) override;
  bool out_terminal() const override { return m_out_terminal; }
  bool err_terminal() const override { return m_err_terminal; }
  bool err_redraw() const override { return m_err_redraw; }
  void flush() override;
  void set_color_mode(ColorMode mode) override;
  std::string out_error() override;

 protected:
  void write_out(std::string_view text) override;
  void write_err(std::string_view text) override;

 private:
  bool m_err_color = false;
  bool m_out_color = false;
  bool m_out_terminal = false;
  bool m_err_terminal = false;
  bool m_err_redraw = false;
  int m_out_errno = 0;  // the first failed write's
};

}  // namespace kray::io
