// rtc-change-replay: replays a trace of guest CMOS register writes through the CMOS RTC model
// and the change coalescer, printing one JSON line per RTC change event.
//
//   rtc-change-replay [--initial YYYY-MM-DDTHH:MM:SS] [--window-ms N] [--max-wait-ms N] TRACE
//
// The simulated RTC shows --initial (UTC, default 2000-01-01T00:00:00) at t = 0 and updates
// at every whole second after it, with register A = 0x26 and register B = 0x02 (24-hour,
// BCD, running). Each trace line is
// "T REG VALUE": at T milliseconds (decimal, never decreasing) the guest writes VALUE to CMOS
// register REG (both hexadecimal with a 0x prefix, REG below 0x80, VALUE below 0x100). Blank
// lines and lines whose first non-blank character is '#' are ignored. TRACE "-" is stdin.
//
// Output, one line per event, in the order the events close:
//   {"at_ms": N, "last_time": S, "new_time": S, "delta_time": S}
// at_ms is when the event was emitted, last_time/new_time are POSIX seconds, delta_time is
// how far the guest moved the clock (not the time that passed). After the last line the
// replay runs on until no event can still be pending.
//
// Errors (bad options, unreadable trace, malformed line) print one line
// "rtc-change-replay: <what>" on stderr, naming the trace line where there is one, and exit
// with status 2. Events already printed stay printed.
#include <vrtc/core/chrono.hpp>
#include <vrtc/format/cmos_rtc.hpp>
#include <vrtc/roles/rtc_change.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "support/cli.hpp"
#include "support/files.hpp"

namespace {

using std::chrono::milliseconds;

constexpr std::int64_t max_ms = 1'000'000'000'000;  // ~31 years: ns stay far from overflow
using vrtc_tools::exit_usage;

struct options {
  std::int64_t initial = 946684800;  // 2000-01-01T00:00:00Z
  std::int64_t window_ms = 1000;
  std::int64_t max_wait_ms = 10000;
  std::string trace;
};

int fail(const std::string& why) {
  std::cerr << "rtc-change-replay: " << why << '\n';
  return exit_usage;
}

constexpr const char* usage_text =
    "usage: rtc-change-replay [--initial YYYY-MM-DDTHH:MM:SS] [--window-ms N] [--max-wait-ms N] TRACE\n"
    "  TRACE lines: T_MS REG VALUE   (e.g. \"1500 0x0b 0x82\"; '#' starts a comment line)\n";

// A decimal count of milliseconds in [lo, max_ms].
std::optional<std::int64_t> parse_ms(std::string_view s, std::int64_t lo) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty() || s[0] == '-' || v < lo || v > max_ms)
    return std::nullopt;
  return v;
}

// "0x" followed by one or two hex digits, value at most `max`.
std::optional<std::uint8_t> parse_hex_byte(std::string_view s, unsigned max) {
  if (s.size() < 3 || s.size() > 4 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return std::nullopt;
  unsigned v = 0;
  const auto [p, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), v, 16);
  if (ec != std::errc{} || p != s.data() + s.size() || v > max) return std::nullopt;
  return static_cast<std::uint8_t>(v);
}

// YYYY-MM-DDTHH:MM:SS, a valid date in years 0000..9999.
std::optional<std::int64_t> parse_initial(std::string_view s) {
  if (s.size() != 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  const auto field = [&](std::size_t at, std::size_t n) -> std::optional<unsigned> {
    unsigned v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return v;
  };
  const auto y = field(0, 4), mo = field(5, 2), d = field(8, 2), h = field(11, 2), mi = field(14, 2),
             sec = field(17, 2);
  if (!y || !mo || !d || !h || !mi || !sec) return std::nullopt;
  const auto t = vrtc::to_unix_seconds({{std::int64_t{*y}, *mo, *d}, *h, *mi, *sec});
  if (!t) return std::nullopt;
  return *t;
}

/// The options, or nullopt with the exit status when the tool is done (help, or a usage error).
std::optional<options> parse_args(int argc, char** argv, int& exit_status) {
  options o;
  std::string initial, window, max_wait;
  CLI::App app(usage_text, "rtc-change-replay");
  vrtc_tools::setup(app);
  const CLI::Option* initial_opt =
      app.add_option("--initial", initial, "The RTC's time at the start, UTC (default 2000-01-01T00:00:00)")
          ->type_name("YYYY-MM-DDTHH:MM:SS");
  const CLI::Option* window_opt =
      app.add_option("--window-ms", window, "Coalescing window in ms (default 1000)")->type_name("N");
  const CLI::Option* max_wait_opt =
      app.add_option("--max-wait-ms", max_wait, "Longest wait for a write sequence to settle in ms (default 10000)")
          ->type_name("N");
  app.add_option("TRACE", o.trace, "The trace of CMOS register writes")->type_name("")->required();
  const auto usage_error = [&](const std::string& why) {
    std::cerr << usage_text;
    exit_status = fail(why);
    return std::nullopt;
  };
  if (const auto done = vrtc_tools::parse(app, argc, argv, [](const std::string& why) {
        std::cerr << usage_text;
        fail(why);
      })) {
    exit_status = *done;
    return std::nullopt;
  }
  if (initial_opt->count() > 0) {
    const auto t = parse_initial(initial);
    if (!t) return usage_error("--initial needs YYYY-MM-DDTHH:MM:SS (a valid UTC date, years 0000-9999)");
    o.initial = *t;
  }
  for (const auto& [opt, text, out, name] : {std::tuple{window_opt, &window, &o.window_ms, "--window-ms"},
                                             std::tuple{max_wait_opt, &max_wait, &o.max_wait_ms, "--max-wait-ms"}}) {
    if (opt->count() == 0) continue;
    const auto ms = parse_ms(*text, 1);
    if (!ms) return usage_error(std::string(name) + " needs a whole number of milliseconds from 1 to 10^12");
    *out = *ms;
  }
  if (o.max_wait_ms < o.window_ms) return usage_error("--max-wait-ms must not be shorter than --window-ms");
  return o;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

void print(vrtc::reference_time at, const vrtc::rtc_change& e) {
  vrtc_tools::json_object o;
  o.add("at_ms", static_cast<std::int64_t>(at.ns() / 1'000'000))
      .add("last_time", e.last_time)
      .add("new_time", e.new_time)
      .add("delta_time", e.delta_time);
  std::cout << o.str() << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  int exit_status = 0;
  const auto opts = parse_args(argc, argv, exit_status);
  if (!opts) return exit_status;

  auto rtc = vrtc::cmos_rtc::running(vrtc::reference_time{}, opts->initial);
  // parse_args keeps both in [1, 10^12] ms, so the nanoseconds fit 64 bits.
  const auto ms_to_ns = [](std::int64_t ms) { return vrtc::nanosecond_count(static_cast<std::uint64_t>(ms) * 1'000'000U); };
  auto coalescer = vrtc::rtc_change_coalescer::create({ms_to_ns(opts->window_ms), ms_to_ns(opts->max_wait_ms)});
  if (!rtc || !coalescer) return fail("cannot start the simulation");

  // A trace file is opened without blocking and must be a regular file: a FIFO would hang the
  // open. A stream is read from standard input ("-").
  std::istringstream file;
  std::istream* in = &std::cin;
  if (opts->trace != "-") {
    constexpr auto regular = vrtc::vmclock::file_kinds::regular;
    const auto f = vrtc::vmclock::open_checked(opts->trace, O_RDONLY, regular);
    if (!f)
      return fail("cannot open " + opts->trace + ": " +
                  (f.error().wrong_kind
                       ? vrtc::vmclock::wrong_kind_reason(f.error(), regular) + " (give - to read standard input)"
                       : std::string(std::strerror(f.error().sys_errno))));
    std::string text;
    const bool read = vrtc_tools::read_all(f->fd, text);
    ::close(f->fd);
    if (!read) return fail("error reading " + opts->trace);
    file.str(std::move(text));
    in = &file;
  }

  // Fires every deadline at or before `t`, at the deadline itself.
  const auto run_until = [&](std::optional<vrtc::reference_time> t) {
    while (const auto d = coalescer->next_deadline()) {
      if (t && *d > *t) break;
      if (const auto e = coalescer->advance(*d)) print(*d, *e);
    }
  };

  std::string line;
  std::size_t line_no = 0;
  std::int64_t last_ms = 0;
  while (std::getline(*in, line)) {
    ++line_no;
    const auto fields = split_fields(line);
    if (fields.empty() || fields[0][0] == '#') continue;
    const auto where = opts->trace + ":" + std::to_string(line_no) + ": ";
    if (fields.size() != 3) return fail(where + "expected \"T_MS REG VALUE\", got " + std::to_string(fields.size()) + " fields");
    const auto ms = parse_ms(fields[0], 0);
    if (!ms) return fail(where + "bad time \"" + std::string(fields[0]) + "\" (milliseconds, 0 to 10^12)");
    if (*ms < last_ms) return fail(where + "time goes backwards (" + std::to_string(*ms) + " < " + std::to_string(last_ms) + ")");
    const auto reg = parse_hex_byte(fields[1], vrtc::cmos_rtc::register_count - 1);
    if (!reg) return fail(where + "bad register \"" + std::string(fields[1]) + "\" (0x00 to 0x7f)");
    const auto value = parse_hex_byte(fields[2], 0xff);
    if (!value) return fail(where + "bad value \"" + std::string(fields[2]) + "\" (0x00 to 0xff)");
    last_ms = *ms;

    const vrtc::reference_time now = vrtc::reference_time{} + milliseconds{*ms};
    run_until(now);
    const auto r = coalescer->on_write(now, *rtc, *reg, *value);
    if (!r) return fail(where + vrtc::to_string(r.error()));
    if (*r) print(now, **r);
  }
  if (in->bad()) return fail("error reading " + opts->trace);
  run_until(std::nullopt);
  return 0;
}
