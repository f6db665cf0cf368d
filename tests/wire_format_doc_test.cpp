// docs/wire-format.md must describe the layouts the code uses: every table row is compared
// with wire_layout<M>, every message has exactly one table, and the size summary matches.
#include <vrtc/format/any_message.hpp>
#include <vrtc/format/messages.hpp>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace {

using namespace vrtc;

// The C++ type names as the document spells them.
constexpr const char* type_names[] = {
    "read_request",       "read_response",       "read_cross_request",        "read_cross_response",
    "cfg_request",        "cfg_response",        "clock_cap_request",         "clock_cap_response",
    "cross_cap_request",  "cross_cap_response",  "read_alarm_request",        "read_alarm_response",
    "set_alarm_request",  "set_alarm_response",  "set_alarm_enabled_request", "set_alarm_enabled_response",
    "notif_alarm"};
static_assert(std::size(type_names) == std::tuple_size_v<all_messages>);

struct doc_row {
  std::size_t offset = 0;
  std::size_t size = 0;
  std::string field;  // first word of the field cell
  std::string note;   // the rest, e.g. "(0x0001)"
};

struct doc_table {
  int line = 0;
  std::size_t declared_size = 0;
  std::vector<doc_row> rows;
};

std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '|') {
      const auto b = cell.find_first_not_of(' ');
      const auto e = cell.find_last_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return cells;
}

bool is_number(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

struct parsed_doc {
  std::map<std::string, doc_table> tables;            // by C++ type name
  std::map<std::string, std::vector<std::string>> sizes;  // summary rows by message name
};

parsed_doc parse_doc() {
  const std::string path = std::string(VRTC_TEST_DATA_DIR) + "/../docs/wire-format.md";
  std::ifstream in(path);
  if (!in) FAIL("cannot open " << path);
  parsed_doc doc;
  std::string line;
  int lineno = 0;
  doc_table* current = nullptr;
  bool in_sizes = false;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.rfind("#", 0) == 0) {
      current = nullptr;
      in_sizes = false;
      const auto tick = line.find("(`");
      if (line.rfind("### ", 0) != 0 || tick == std::string::npos) continue;
      const auto end = line.find('`', tick + 2);
      if (end == std::string::npos) FAIL(path << ":" << lineno << ": unterminated type name");
      const std::string name = line.substr(tick + 2, end - tick - 2);
      if (doc.tables.count(name) != 0) FAIL(path << ":" << lineno << ": second table for " << name);
      doc_table& t = doc.tables[name];
      t.line = lineno;
      std::size_t size = 0;
      if (std::sscanf(line.c_str() + end + 1, ", %zu bytes)", &size) != 1)
        FAIL(path << ":" << lineno << ": heading does not state the size in bytes");
      t.declared_size = size;
      current = &t;
      continue;
    }
    if (line.rfind("| message | msg_type | request | response |", 0) == 0) {
      in_sizes = true;
      continue;
    }
    if (line.rfind("|", 0) != 0) {
      if (!line.empty()) in_sizes = false;
      continue;
    }
    const auto cells = cells_of(line);
    if (in_sizes && cells.size() == 4 && cells[0].find("---") == std::string::npos) {
      doc.sizes[cells[0].substr(0, cells[0].find(' '))] = cells;
      continue;
    }
    if (current == nullptr || cells.size() != 3 || !is_number(cells[0])) continue;
    if (!is_number(cells[1])) FAIL(path << ":" << lineno << ": size is not a number");
    doc_row row;
    row.offset = std::stoul(cells[0]);
    row.size = std::stoul(cells[1]);
    const auto space = cells[2].find(' ');
    row.field = cells[2].substr(0, space);
    row.note = space == std::string::npos ? "" : cells[2].substr(space + 1);
    current->rows.push_back(row);
  }
  return doc;
}

std::string hex16(unsigned v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%04X", v);
  return buf;
}

}  // namespace

TEST_CASE("every message table in docs/wire-format.md matches the code's layout") {
  const parsed_doc doc = parse_doc();
  CHECK(doc.tables.size() == std::size(type_names));
  std::size_t index = 0;
  std::apply(
      [&](auto... m) {
        auto check_one = [&](auto msg) {
          using M = decltype(msg);
          const std::string name = type_names[index++];
          INFO("table for " << name);
          const auto it = doc.tables.find(name);
          REQUIRE(it != doc.tables.end());
          const doc_table& t = it->second;
          INFO("docs/wire-format.md line " << t.line);
          CHECK(t.declared_size == M::size);
          const auto rows = wire_layout<M>.view();
          REQUIRE(t.rows.size() == rows.size());
          for (std::size_t i = 0; i < rows.size(); ++i) {
            INFO("row " << i);
            CHECK(t.rows[i].offset == rows[i].offset);
            CHECK(t.rows[i].size == rows[i].size);
            CHECK(t.rows[i].field == rows[i].name);
            if (t.rows[i].field == "msg_type")
              CHECK(t.rows[i].note == std::string("(").append(hex16(static_cast<unsigned>(M::msg_type))).append(")"));
          }
        };
        (check_one(m), ...);
      },
      all_messages{});
}

TEST_CASE("the size summary in docs/wire-format.md matches the code") {
  const parsed_doc doc = parse_doc();
  CHECK(doc.sizes.size() == 9);
  std::apply(
      [&](auto... m) {
        auto check_one = [&](auto msg) {
          using M = decltype(msg);
          const std::string name = to_string(M::msg_type);
          INFO("size row for " << name);
          const auto it = doc.sizes.find(name);
          REQUIRE(it != doc.sizes.end());
          const auto& cells = it->second;
          CHECK(cells[1] == hex16(static_cast<unsigned>(M::msg_type)));
          if constexpr (M::kind == message_kind::response) CHECK(cells[3] == std::to_string(M::size));
          else CHECK(cells[2] == std::to_string(M::size));
        };
        (check_one(m), ...);
      },
      all_messages{});
}
