// SPDX-License-Identifier: Apache-2.0
// Issue 14, finding 1: text from servers, plugins and files never drives
// the terminal; krayctl's own colours still do.
#include <krayctl/io/console.hpp>
#include <krayctl/util/terminal_text.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakes.hpp"

using kray::io::terminal_safe;
using kray::util::escape_for_terminal;

TEST_CASE("util::escape_for_terminal", "[util]") {
  // What a hostile name, message or event can carry.
  CHECK(escape_for_terminal("\x1b]0;pwned\x07title") == "\\u001B]0;pwned\\u0007title");  // OSC 0
  CHECK(escape_for_terminal("a\x1b[2Jb") == "a\\u001B[2Jb");                             // clear
  CHECK(escape_for_terminal("\x1b]8;;http://evil.example\x1b\\x\x1b]8;;\x1b\\") ==
        "\\u001B]8;;http://evil.example\\u001B\\x\\u001B]8;;\\u001B\\");  // OSC 8 link
  CHECK(escape_for_terminal("ok\rFAILED") == "ok\\u000DFAILED");          // overwrite
  CHECK(escape_for_terminal("del\x7f") == "del\\u007F");
  CHECK(escape_for_terminal("\xc2\x9b"
                            "31m") == "\\u009B31m");  // C1 CSI, as UTF-8
  CHECK(escape_for_terminal("\x9b"
                            "31m") == "\\x9B31m");  // a raw 0x9B byte
  CHECK(escape_for_terminal("abc\xe2\x80\xae"
                            "cba") == "abc\\u202Ecba");                          // RLO
  CHECK(escape_for_terminal("\xe2\x81\xa6x\xe2\x81\xa9") == "\\u2066x\\u2069");  // isolates
  CHECK(escape_for_terminal("zero\xe2\x80\x8bwidth") == "zero\\u200Bwidth");
  CHECK(escape_for_terminal("\xef\xbb\xbf"
                            "bom") == "\\uFEFFbom");
  CHECK(escape_for_terminal("\xed\xa0\x80") == "\\xED\\xA0\\x80");  // a UTF-8 surrogate
  CHECK(escape_for_terminal("\xc0\xaf") == "\\xC0\\xAF");           // overlong '/'
  // Kept: tab, newline, text in any script, emoji with their joiners.
  const std::string kept = "a\tb\nä é 日本 مرحبا 👨\u200d👩\u200d👧 e\u0301";
  CHECK(escape_for_terminal(kept) == kept);
  CHECK(escape_for_terminal("truncated \xe6\x97") == "truncated \\xE6\\x97");
}

TEST_CASE("io::Console writes every string escaped but its own colours", "[io]") {
  kray::test::FakeConsole console;
  console.out("name: evil\x1b]0;x\x07\n");
  console.err("warning: \x1b[2J\r\xe2\x80\xae\n");
  CHECK(console.out_text == "name: evil\\u001B]0;x\\u0007\n");
  CHECK(console.err_text == "warning: \\u001B[2J\\u000D\\u202E\n");
  // krayctl's colours pass while colour is on, and only they.
  CHECK(terminal_safe("\x1b[1;31merror\x1b[0m \x1b[1mfile\x1b[0m", true) ==
        "\x1b[1;31merror\x1b[0m \x1b[1mfile\x1b[0m");
  CHECK(terminal_safe("\x1b[1;31merror\x1b[0m", false) == "\\u001B[1;31merror\\u001B[0m");
  CHECK(terminal_safe("\x1b[1;32m\x1b[H", true) == "\\u001B[1;32m\\u001B[H");
  // Redraw: the clear comes from the console, not from the text.
  console.out_text.clear();
  console.terminal = true;
  console.out_redraw("table\x1b[2J\n");
  CHECK(console.out_text == "\x1b[H\x1b[2Jtable\\u001B[2J\n");
  console.out_text.clear();
  console.terminal = false;
  console.out_redraw("table\n");
  CHECK(console.out_text == "table\n");
}
