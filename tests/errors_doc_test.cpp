// Every errc value that include/vrtc/core/errc.hpp declares has a row in docs/errors.md, and is
// produced somewhere in include/: a code that nothing returns is dead weight for callers who
// must handle it.
#include <vrtc/core/errc.hpp>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) FAIL("cannot open " << path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Enumerator names of `enum class errc`, read from the header's source text.
std::vector<std::string> errc_names(const std::string& header) {
  const auto begin = header.find("enum class errc");
  const auto open = header.find('{', begin);
  const auto close = header.find("};", open);
  if (begin == std::string::npos || open == std::string::npos || close == std::string::npos)
    FAIL("enum class errc not found in errc.hpp");
  std::vector<std::string> names;
  std::istringstream body(header.substr(open + 1, close - open - 1));
  std::string line;
  while (std::getline(body, line)) {
    const auto first = line.find_first_not_of(' ');
    if (first == std::string::npos || line.compare(first, 2, "//") == 0) continue;
    const auto end = line.find_first_of(" =,", first);
    names.push_back(line.substr(first, end - first));
  }
  return names;
}

/// `text` without its `//` comments (the headers use no block comments around code).
std::string without_comments(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    // A "//" inside a string literal ("https://...") ends the line early: it only hides code
    // after it on that line, which never names an errc in this tree.
    out += line.substr(0, line.find("//"));
    out += '\n';
  }
  return out;
}

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/// How often `errc::NAME` appears in `code` where it produces the value: everywhere except as a
/// `case` label or an operand of `==` / `!=`, which only test for it.
std::size_t productions(const std::string& code, const std::string& name) {
  const std::string token = "errc::" + name;
  std::size_t count = 0;
  for (auto at = code.find(token); at != std::string::npos; at = code.find(token, at + 1)) {
    const auto after = at + token.size();
    if (after < code.size() && is_identifier_char(code[after])) continue;  // a longer name
    if (at > 0 && is_identifier_char(code[at - 1])) continue;  // another name ending in "errc"
    auto before = at == 0 ? std::string::npos : code.find_last_not_of(" \t\n", at - 1);
    // Skip a namespace qualification such as "vrtc::" or "::vrtc::"; std::errc is another enum.
    bool standard = false;
    while (before != std::string::npos && before >= 1 && code.compare(before - 1, 2, "::") == 0) {
      auto start = before - 1;
      while (start > 0 && is_identifier_char(code[start - 1])) --start;
      standard = standard || (before - 1 - start == 3 && code.compare(start, 3, "std") == 0);
      before = start == 0 ? std::string::npos : code.find_last_not_of(" \t\n", start - 1);
    }
    if (standard) continue;
    bool tested = false;
    if (before != std::string::npos && before >= 1) {
      const std::string op = code.substr(before - 1, 2);
      auto word_start = before + 1;
      while (word_start > 0 && is_identifier_char(code[word_start - 1])) --word_start;
      tested = op == "==" || op == "!=" || code.substr(word_start, before + 1 - word_start) == "case";
    }
    if (!tested) ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("docs/errors.md documents every errc value") {
  const std::string dir = VRTC_TEST_DATA_DIR;
  const auto names = errc_names(read_file(dir + "/../include/vrtc/core/errc.hpp"));
  const std::string doc = read_file(dir + "/../docs/errors.md");

  // The parse found every value: as many names as values with a to_string name.
  std::size_t values = 0;
  for (unsigned v = 1; v < 256; ++v)
    if (std::string(vrtc::to_string(static_cast<vrtc::errc>(v))) != "unknown error") ++values;
  CHECK(names.size() == values);

  for (const auto& name : names) {
    INFO("errc::" << name);
    CHECK(doc.find("| `" + name + "` |") != std::string::npos);
  }
}

TEST_CASE("the scan for produced codes tells producing from testing") {
  CHECK(productions("return errc::too_short;", "too_short") == 1);
  CHECK(productions("e.code = errc::not_found;", "not_found") == 1);
  CHECK(productions("return ok ? x : vrtc::errc::overflow;", "overflow") == 1);
  CHECK(productions("fail(::vrtc::errc::bad_size)", "bad_size") == 1);
  CHECK(productions("case errc::too_short: return 1;", "too_short") == 0);
  CHECK(productions("if (r.error() == errc::too_short) {}", "too_short") == 0);
  CHECK(productions("if (e != vrtc::errc::ring_full) {}", "ring_full") == 0);
  CHECK(productions("return errc::too_short_again;", "too_short") == 0);
  CHECK(productions("return showcase errc::x;", "x") == 1);
  CHECK(productions("errc::x", "x") == 1);
  CHECK(productions("return std::errc::invalid_argument;", "invalid_argument") == 0);
  CHECK(productions("return my_errc::overflow;", "overflow") == 0);
  CHECK(productions(without_comments("// return errc::too_short;\nint x;"), "too_short") == 0);
}

TEST_CASE("every errc value is produced somewhere in include/") {
  const std::filesystem::path include = std::filesystem::path(VRTC_TEST_DATA_DIR) / ".." / "include";
  const auto names = errc_names(read_file((include / "vrtc/core/errc.hpp").string()));
  REQUIRE(names.size() > 10);

  std::map<std::string, std::string> headers;  // path -> code without comments
  for (const auto& entry : std::filesystem::recursive_directory_iterator(include)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".hpp") continue;
    if (entry.path().filename() == "errc.hpp") continue;  // the declaration and its names
    headers[entry.path().string()] = without_comments(read_file(entry.path().string()));
  }
  REQUIRE(headers.size() > 20);

  for (const auto& name : names) {
    std::size_t count = 0;
    for (const auto& [path, code] : headers) count += productions(code, name);
    INFO("errc::" << name << " is declared but no header in include/ returns it");
    CHECK(count > 0);
  }
}
