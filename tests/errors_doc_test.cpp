// docs/errors.md must have a row for every errc value that include/vrtc/core/result.hpp declares.
#include <vrtc/core/result.hpp>

#include <catch2/catch.hpp>
#include <fstream>
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
    FAIL("enum class errc not found in result.hpp");
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

}  // namespace

TEST_CASE("docs/errors.md documents every errc value") {
  const std::string dir = VRTC_TEST_DATA_DIR;
  const auto names = errc_names(read_file(dir + "/../include/vrtc/core/result.hpp"));
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
