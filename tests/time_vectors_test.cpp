// Compares the time math with the golden vectors in tests/vectors/time_conversion.txt, which
// tests/reference/time_reference.py computes with Python's big integers and exact fractions
// (cli.time_reference checks that the committed file is exactly what the script writes).
#include <vrtc/core/smear.hpp>
#include <vrtc/core/time.hpp>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct vector_line {
  int line_number = 0;
  std::string text;
  std::vector<std::string> inputs;   // after the kind, before "="
  std::vector<std::string> outputs;  // after "="
};

// Every line of one kind; fails the test if the file is missing or has no such line.
std::vector<vector_line> load(const std::string& kind) {
  const std::string path = std::string(VRTC_TEST_DATA_DIR) + "/vectors/time_conversion.txt";
  std::ifstream in(path);
  INFO("vector file " << path);
  REQUIRE(in.good());
  std::vector<vector_line> lines;
  std::string text;
  int number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (text.empty() || text[0] == '#') continue;
    std::istringstream words(text);
    std::string word;
    words >> word;
    if (word != kind) continue;
    vector_line v{number, text, {}, {}};
    bool after = false;
    while (words >> word) {
      if (word == "=") after = true;
      else (after ? v.outputs : v.inputs).push_back(word);
    }
    lines.push_back(v);
  }
  REQUIRE(!lines.empty());
  return lines;
}

std::uint64_t number(const std::string& s) {
  // Digits only (decimal, or 0x hex): strtoull would quietly accept a sign or stop early.
  REQUIRE(!s.empty());
  char* end = nullptr;
  const std::uint64_t v = std::strtoull(s.c_str(), &end, 0);
  REQUIRE(*end == '\0');
  REQUIRE(s[0] != '-');
  return v;
}

std::uint8_t small(const std::string& s) {
  const std::uint64_t v = number(s);
  REQUIRE(v <= 255);
  return static_cast<std::uint8_t>(v);
}

vrtc::errc error_named(const std::string& name) {
  static const std::map<std::string, vrtc::errc> names = {
      {"overflow", vrtc::errc::overflow},
      {"invalid_shift", vrtc::errc::invalid_shift},
      {"invalid_argument", vrtc::errc::invalid_argument},
  };
  const auto it = names.find(name);
  REQUIRE(it != names.end());
  return it->second;
}

bool is_error(const vector_line& v) { return !v.outputs.empty() && v.outputs[0] == "error"; }

// The expected result: a value of the given arity, or an error.
template <class T>
void expect(const vector_line& v, const vrtc::result<T>& got, std::size_t arity, auto&& check_value) {
  if (is_error(v)) {
    REQUIRE(v.outputs.size() == 2);
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error() == error_named(v.outputs[1]));
    return;
  }
  REQUIRE(v.outputs.size() == arity);
  REQUIRE(got.has_value());
  check_value(*got);
}

vrtc::smear_method method_named(const std::string& s) {
  if (s == "noon_linear") return vrtc::smear_method::noon_linear;
  REQUIRE(s == "utc_sls");
  return vrtc::smear_method::utc_sls;
}

vrtc::leap_second leap_of(const std::string& sign, const std::string& end_of_day) {
  REQUIRE((sign == "1" || sign == "-1"));
  return {number(end_of_day), sign == "1" ? vrtc::leap_sign::positive : vrtc::leap_sign::negative};
}

}  // namespace

TEST_CASE("golden vectors: counter_to_time, both 128-bit paths", "[time][vectors]") {
  const auto lines = load("counter_to_time");
  CHECK(lines.size() >= 2000);
  for (const auto& v : lines) {
    INFO("line " << v.line_number << ": " << v.text);
    REQUIRE(v.inputs.size() == 6);
    const vrtc::fixed_time ref{number(v.inputs[0]), number(v.inputs[1])};
    const vrtc::counter_period period{number(v.inputs[4]), small(v.inputs[5])};
    const std::uint64_t ref_counter = number(v.inputs[2]), counter = number(v.inputs[3]);
    auto check = [&](vrtc::fixed_time t) {
      CHECK(t.sec == number(v.outputs[0]));
      CHECK(t.frac == number(v.outputs[1]));
    };
    expect(v, vrtc::counter_to_time(ref, ref_counter, counter, period), 2, check);
    expect(v, vrtc::basic_counter_to_time<vrtc::portable_u128>(ref, ref_counter, counter, period), 2, check);
  }
}

TEST_CASE("golden vectors: frac_to_ns_floor and frac_to_ns_round", "[time][vectors]") {
  for (const auto& v : load("frac_to_ns")) {
    INFO("line " << v.line_number << ": " << v.text);
    REQUIRE(v.inputs.size() == 1);
    REQUIRE(v.outputs.size() == 2);
    CHECK(vrtc::frac_to_ns_floor(number(v.inputs[0])) == number(v.outputs[0]));
    CHECK(vrtc::frac_to_ns_round(number(v.inputs[0])) == number(v.outputs[1]));
  }
}

TEST_CASE("golden vectors: ns_to_frac", "[time][vectors]") {
  for (const auto& v : load("ns_to_frac")) {
    INFO("line " << v.line_number << ": " << v.text);
    REQUIRE(v.inputs.size() == 1);
    REQUIRE(v.outputs.size() == 1);
    CHECK(vrtc::ns_to_frac(number(v.inputs[0])) == number(v.outputs[0]));
  }
}

TEST_CASE("golden vectors: ticks_to_nanoseconds, both 128-bit paths", "[time][vectors]") {
  for (const auto& v : load("ticks_to_ns")) {
    INFO("line " << v.line_number << ": " << v.text);
    REQUIRE(v.inputs.size() == 3);
    const std::uint64_t ticks = number(v.inputs[0]), rate = number(v.inputs[1]);
    const std::uint8_t shift = small(v.inputs[2]);
    auto check = [&](std::uint64_t ns) { CHECK(ns == number(v.outputs[0])); };
    expect(v, vrtc::ticks_to_nanoseconds(ticks, rate, shift), 1, check);
    expect(v, vrtc::basic_ticks_to_nanoseconds<vrtc::portable_u128>(ticks, rate, shift), 1, check);
  }
}

TEST_CASE("golden vectors: best_counter_period", "[time][vectors]") {
  for (const auto& v : load("best_period")) {
    INFO("line " << v.line_number << ": " << v.text);
    REQUIRE(v.inputs.size() == 1);
    expect(v, vrtc::best_counter_period(number(v.inputs[0])), 2, [&](vrtc::counter_period p) {
      CHECK(p.frac_sec == number(v.outputs[0]));
      CHECK(unsigned{p.shift} == number(v.outputs[1]));
    });
  }
}

TEST_CASE("golden vectors: smear", "[time][vectors]") {
  for (const auto& v : load("smear")) {
    INFO("line " << v.line_number << ": " << v.text);
    REQUIRE(v.inputs.size() == 6);
    const vrtc::utc_time t{{number(v.inputs[3]), number(v.inputs[4])}, number(v.inputs[5]) != 0};
    expect(v, vrtc::smear(t, leap_of(v.inputs[1], v.inputs[2]), method_named(v.inputs[0])), 2,
           [&](vrtc::fixed_time s) {
             CHECK(s.sec == number(v.outputs[0]));
             CHECK(s.frac == number(v.outputs[1]));
           });
  }
}

TEST_CASE("golden vectors: unsmear", "[time][vectors]") {
  for (const auto& v : load("unsmear")) {
    INFO("line " << v.line_number << ": " << v.text);
    REQUIRE(v.inputs.size() == 5);
    const vrtc::fixed_time s{number(v.inputs[3]), number(v.inputs[4])};
    expect(v, vrtc::unsmear(s, leap_of(v.inputs[1], v.inputs[2]), method_named(v.inputs[0])), 3,
           [&](vrtc::utc_time t) {
             CHECK(t.posix.sec == number(v.outputs[0]));
             CHECK(t.posix.frac == number(v.outputs[1]));
             CHECK(t.in_leap_second == (number(v.outputs[2]) != 0));
           });
  }
}
