// Tests for include/vrtc/linux/host_tai.hpp: loading the system's leap-seconds.list (the real tzdata
// file and corrupted copies of it), choosing between it and the built-in table, and choosing
// this host's TAI source from the kernel's TAI offset (adjtimex injected).
#include <vrtc/core/civil.hpp>
#include <vrtc/linux/host_tai.hpp>

#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr const char* tzdata_list = "/usr/share/zoneinfo/leap-seconds.list";

std::uint64_t posix(std::int64_t y, unsigned m, unsigned d) {
  return static_cast<std::uint64_t>(vrtc::days_from_civil({y, m, d}) * 86400);
}

std::optional<std::string> slurp(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A file in a fresh temporary directory, removed with it.
class temp_file {
 public:
  explicit temp_file(const std::string& text) {
    char dir_template[] = "/tmp/vrtc-host-tai-XXXXXX";
    const char* d = ::mkdtemp(dir_template);
    REQUIRE(d != nullptr);
    dir_ = d;
    path_ = dir_ + "/leap-seconds.list";
    std::ofstream(path_) << text;
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  ~temp_file() {
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  [[nodiscard]] const char* path() const { return path_.c_str(); }

 private:
  std::string dir_, path_;
};

std::string with_replaced(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

/// The data lines of a list, "<ntp> <offset> ..." without their newlines.
std::vector<std::string> data_lines(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line))
    if (!line.empty() && line[0] >= '0' && line[0] <= '9') lines.push_back(line);
  REQUIRE(lines.size() >= 2);
  return lines;
}

std::string line_starting(const std::string& text, const std::string& tag) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(tag, 0) == 0) return line;
  FAIL("no line starting with " << tag);
  return {};
}

}  // namespace

TEST_CASE("The real tzdata list loads as the system table when it is current") {
  const auto text = slurp(tzdata_list);
  if (!text) {
    WARN("no " << tzdata_list << " on this machine");
    return;
  }
  const auto parsed = vrtc::parse_leap_seconds_list(*text);
  REQUIRE(parsed.has_value());
  const std::uint64_t now = static_cast<std::uint64_t>(::time(nullptr));
  const auto h = vrtc::load_host_leap_table(now, tzdata_list);
  if (parsed->expired_at(now)) {
    CHECK(h.system_list_error == vrtc::errc::leap_table_expired);
    return;
  }
  CHECK(h.system_list_error == vrtc::errc{});
  REQUIRE(h.table.has_value());
  if (parsed->expires() >= vrtc::builtin_leap_table().expires()) {
    CHECK(h.origin == vrtc::leap_table_origin::system_list);
    CHECK(*h.table == *parsed);
  } else {
    CHECK(h.origin == vrtc::leap_table_origin::builtin);
  }
  CHECK(h.table->tai_minus_utc(now) == vrtc::result<std::int32_t>(37));
}

TEST_CASE("Corrupted copies of the tzdata list are refused and the built-in table is used") {
  const auto text = slurp(tzdata_list);
  if (!text) {
    WARN("no " << tzdata_list << " on this machine");
    return;
  }
  const std::uint64_t now = posix(2026, 12, 6);  // when both the built-in table and tzdata 2026 are current
  const std::string hash_line = line_starting(*text, "#h");
  const std::string expiry_line = line_starting(*text, "#@");
  const auto lines = data_lines(*text);
  const std::string& last = lines.back();
  const std::string& before_last = lines[lines.size() - 2];
  const std::string swapped = with_replaced(with_replaced(*text, before_last + "\n" + last + "\n", "SWAPPED\n"),
                                            "SWAPPED\n", last + "\n" + before_last + "\n");
  struct corruption {
    const char* name;
    std::string text;
    vrtc::errc error;
  };
  const std::string flipped_hash = hash_line.substr(0, hash_line.size() - 1) + (hash_line.back() == '0' ? "1" : "0");
  const corruption cases[] = {
      {"bad hash", with_replaced(*text, hash_line, flipped_hash), vrtc::errc::bad_leap_hash},
      {"bad expiry", with_replaced(*text, expiry_line, expiry_line + "0"), vrtc::errc::bad_leap_hash},
      {"unreadable expiry", with_replaced(*text, expiry_line, "#@\tsoon"), vrtc::errc::bad_leap_list},
      {"no expiry", with_replaced(*text, expiry_line, "#"), vrtc::errc::bad_leap_list},
      {"unsorted", swapped, vrtc::errc::bad_leap_hash},
      {"lost entry", with_replaced(*text, last + "\n", ""), vrtc::errc::bad_leap_hash},
      {"truncated", text->substr(0, text->size() / 2), vrtc::errc::bad_leap_list},
      {"truncated hash", text->substr(0, text->find(hash_line) + 12), vrtc::errc::bad_leap_list},
      {"empty", "", vrtc::errc::bad_leap_list},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const temp_file f(c.text);
    CHECK(vrtc::parse_leap_seconds_list(c.text).error() == c.error);
    const auto h = vrtc::load_host_leap_table(now, f.path());
    CHECK(h.system_list_error == c.error);
    REQUIRE(h.table.has_value());
    CHECK(h.origin == vrtc::leap_table_origin::builtin);
    CHECK(*h.table == vrtc::builtin_leap_table());
    CHECK(vrtc::describe(h).find(vrtc::to_string(c.error)) != std::string::npos);
  }
  const auto missing = vrtc::load_host_leap_table(now, "/nonexistent/leap-seconds.list");
  CHECK(missing.system_list_error == vrtc::errc::not_found);
  CHECK(missing.origin == vrtc::leap_table_origin::builtin);
}

TEST_CASE("An expired list is refused, and with every table expired there is no TAI without the kernel") {
  const auto text = slurp(tzdata_list);
  if (!text) {
    WARN("no " << tzdata_list << " on this machine");
    return;
  }
  const temp_file f(*text);
  const std::uint64_t later = posix(2040, 1, 1);  // after any list published so far expires
  const auto h = vrtc::load_host_leap_table(later, f.path());
  CHECK(h.system_list_error == vrtc::errc::leap_table_expired);
  CHECK_FALSE(h.table.has_value());
  CHECK(vrtc::describe(h).find("no current leap-second table") != std::string::npos);
  CHECK(vrtc::host_tai::choose(std::nullopt, h).error() == vrtc::errc::leap_table_expired);
  // The kernel's offset, when set, needs no table.
  const auto kernel = vrtc::host_tai::choose(37, h);
  REQUIRE(kernel.has_value());
  CHECK(kernel->source() == vrtc::tai_source::kernel);
}

TEST_CASE("The kernel's TAI offset of 0 means unknown, and the table is used") {
  vrtc::tai_os_interface unset;
  unset.adjtimex = [](timex* tx) {
    *tx = timex{};
    return TIME_OK;
  };
  CHECK_FALSE(vrtc::kernel_tai_offset(unset).has_value());
  vrtc::tai_os_interface failing;
  failing.adjtimex = [](timex*) { return -1; };
  CHECK_FALSE(vrtc::kernel_tai_offset(failing).has_value());
  vrtc::tai_os_interface set;
  set.adjtimex = [](timex* tx) {
    *tx = timex{};
    tx->tai = 37;
    return TIME_OK;
  };
  CHECK(vrtc::kernel_tai_offset(set) == std::optional<std::int32_t>(37));

  const auto t = vrtc::host_tai::detect(unset, "/nonexistent/leap-seconds.list");
  REQUIRE(t.has_value());
  CHECK(t->source() == vrtc::tai_source::leap_table);
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  const std::uint64_t before = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
  const auto r = t->read();
  ::clock_gettime(CLOCK_REALTIME, &ts);
  const std::uint64_t after = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
  REQUIRE(r.has_value());
  CHECK(r->source == vrtc::tai_source::leap_table);
  CHECK(r->tai_minus_utc == 37);
  CHECK(r->tai_ns >= before + 37'000'000'000u);
  CHECK(r->tai_ns <= after + 37'000'000'000u);
  CHECK(vrtc::describe(*t, vrtc::load_host_leap_table(before / 1'000'000'000u, "/nonexistent/leap-seconds.list"))
            .find("kernel TAI offset not set") != std::string::npos);

  const auto k = vrtc::host_tai::detect(set);
  REQUIRE(k.has_value());
  CHECK(k->source() == vrtc::tai_source::kernel);
  CHECK(k->read()->tai_minus_utc == 37);
}
