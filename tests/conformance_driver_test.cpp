// The driver robustness kit (include/vrtc/conformance/driver_kit.hpp): this library's driver
// passes every check, and drivers with one deliberate fault each fail exactly the checks for
// that fault. The faulty drivers are this driver behind a filter that changes requests or
// responses the way the fault would (e.g. rejecting non-zero reserved bytes like a strict
// driver), or with one operation replaced.
#include <vrtc/conformance/driver_kit.hpp>

#include <catch2/catch.hpp>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace vrtc;
using namespace vrtc::conformance;

std::set<std::string> failed(const report& r) {
  const auto ids = r.failed_ids();
  return {ids.begin(), ids.end()};
}

std::string summary(const report& r) {
  std::string s;
  for (const check_result& c : r.results)
    if (c.outcome != verdict::pass)
      s += c.id + ": " + to_string(c.outcome) + " — " + c.expected + " / " + c.detail + " [req " + c.request + "] [resp " +
           c.response + "]\n";
  return s;
}

msg_type type_of(std::span<const std::byte> request) { return static_cast<msg_type>(load_le<std::uint16_t>(request, 0)); }

/// A filter that passes the request on and then judges or rewrites the answer.
template <class F>
link_filter after(F f) {
  return [f](link_transport& next, std::span<const std::byte> request, std::span<std::byte> response) -> result<std::size_t> {
    const auto used = next.transfer(request, response);
    if (!used) return used;
    return f(type_of(request), response, *used);
  };
}

/// A filter that rewrites the request before passing it on.
template <class F>
link_filter before(F f) {
  return [f](link_transport& next, std::span<const std::byte> request, std::span<std::byte> response) {
    std::vector<std::byte> copy(request.begin(), request.end());
    f(type_of(request), copy);
    return next.transfer(copy, response);
  };
}

bool nonzero_reserved_response(msg_type t, std::span<const std::byte> bytes) {
  bool any = false;
  conformance::detail::with_response_type(t, [&](auto m) { any = has_nonzero_reserved<decltype(m)>(bytes); });
  return any;
}

}  // namespace

TEST_CASE("driver kit: this library's driver passes every check") {
  const report r = run_driver_kit(library_driver_adapter());
  INFO(summary(r));
  CHECK(r.ok());
  CHECK(r.not_applicable() == 0);
  CHECK(r.results.size() == 21);
  std::set<std::string> ids;
  for (const check_result& c : r.results) {
    ids.insert(c.id);
    CHECK(c.id.rfind(c.section + "/", 0) == 0);  // "<section>/<short id>"
  }
  CHECK(ids.size() == r.results.size());
}

TEST_CASE("driver kit: checks needing a missing operation are not applicable") {
  driver_adapter a = library_driver_adapter();
  a.read_cross = nullptr;
  a.read_alarm = nullptr;
  a.set_alarm = nullptr;
  a.handle_notification = nullptr;
  a.has_alarm = nullptr;
  a.has_cross = nullptr;
  a.alarmq_buffer_size = nullptr;
  const report r = run_driver_kit(a);
  INFO(summary(r));
  CHECK(r.ok());
  CHECK(r.find("5.23.6.6.3.1/stale-notification")->outcome == verdict::not_applicable);
  CHECK(r.find("5.23.6.1/unknown-flags-ignored")->outcome == verdict::not_applicable);
  CHECK(r.find("5.23.6.1/alarm-cap-needs-feature")->outcome == verdict::not_applicable);
  CHECK(r.find("5.23.6.6.3.1/alarmq-buffer-size")->outcome == verdict::not_applicable);
  CHECK(r.find("5.23.6.5.1/read-cross-counter")->outcome == verdict::not_applicable);  // never sent
  CHECK(r.find("5.23.6.4.1/cross-cap-counter")->outcome == verdict::pass);           // the probe sends it
}

TEST_CASE("driver kit: a driver rejecting non-zero reserved bytes fails only that check") {
  const auto strict = after([](msg_type t, std::span<std::byte> response, std::size_t used) -> result<std::size_t> {
    if (used >= 8 && response[0] == std::byte{0} && nonzero_reserved_response(t, response.first(std::min(used, response.size()))))
      return errc::bad_response;
    return used;
  });
  const report r = run_driver_kit(library_driver_adapter(strict));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"5.23.6.1/reserved-bytes-ignored"});
}

TEST_CASE("driver kit: a driver requiring the full length for errors fails only that check") {
  const auto exact = after([](msg_type t, std::span<std::byte> response, std::size_t used) -> result<std::size_t> {
    if (used >= 1 && response[0] != std::byte{0} && used != response_size(t)) return errc::bad_response;
    return used;
  });
  const report r = run_driver_kit(library_driver_adapter(exact));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"5.23.6.1/error-header-only"});
}

TEST_CASE("driver kit: a driver reading clock 0 whatever clock is asked fails only the clock-id check") {
  const auto first_clock = before([](msg_type t, std::vector<std::byte>& request) {
    if ((t == msg_type::read || t == msg_type::read_cross) && request.size() >= 10) store_le<std::uint16_t>(request, 8, 0);
  });
  const report r = run_driver_kit(library_driver_adapter(first_clock));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"5.23.6/clock-id"});
  CHECK(r.find("5.23.6/clock-id")->request.rfind("01 00 00 00 00 00 00 00 00 00", 0) == 0);  // READ, clock 0
}

TEST_CASE("driver kit: a driver accepting a short OK response fails only that check") {
  const auto lenient = after([](msg_type t, std::span<std::byte> response, std::size_t used) -> result<std::size_t> {
    if (used >= 8 && response[0] == std::byte{0} && used < response_size(t)) return response_size(t);
    return used;
  });
  const report r = run_driver_kit(library_driver_adapter(lenient));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"5.23.6.1/ok-short-used-length"});
}

TEST_CASE("driver kit: a driver taking unknown statuses for OK fails only that check") {
  const auto optimist = after([](msg_type, std::span<std::byte> response, std::size_t used) -> result<std::size_t> {
    if (used >= 1 && !is_spec_defined(static_cast<status>(std::to_integer<std::uint8_t>(response[0]))))
      response[0] = std::byte{0};
    return used;
  });
  const report r = run_driver_kit(library_driver_adapter(optimist));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"5.23.6.1/unknown-status"});
}

TEST_CASE("driver kit: a driver taking any flag bit for the defined one fails only that check") {
  const auto any_bit = after([](msg_type t, std::span<std::byte> response, std::size_t used) -> result<std::size_t> {
    const std::size_t at = conformance::detail::response_flags_offset(t);
    if (at != 0 && at < response.size() && response[0] == std::byte{0} && response[at] != std::byte{0})
      response[at] = std::byte{1};
    return used;
  });
  const report r = run_driver_kit(library_driver_adapter(any_bit));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"5.23.6.1/unknown-flags-ignored"});
}

TEST_CASE("driver kit: a driver rejecting readings above INT64_MAX fails only that check") {
  const auto signed_ns = after([](msg_type t, std::span<std::byte> response, std::size_t used) -> result<std::size_t> {
    if ((t == msg_type::read || t == msg_type::read_cross) && used >= 16 && response[0] == std::byte{0} &&
        load_le<std::uint64_t>(response, 8) > static_cast<std::uint64_t>(INT64_MAX))
      return errc::invalid_argument;
    return used;
  });
  const report r = run_driver_kit(library_driver_adapter(signed_ns));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"5.23.6.5/reading-above-int64-max"});
}

TEST_CASE("driver kit: a driver trusting notifications without reading the clock fails those checks") {
  driver_adapter a = library_driver_adapter();
  const auto has_alarm = a.has_alarm;
  a.handle_notification = [has_alarm](std::span<const std::byte> used) {
    const auto n = decode<notif_alarm>(used);
    if (!n || has_alarm(n->clock_id) != std::optional<bool>(true)) return driver_outcome{driver_answer::rejected};
    driver_outcome o{driver_answer::ok};
    o.flag = true;  // "the alarm time has come", without looking
    return o;
  };
  const report r = run_driver_kit(a);
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"5.23.6.6.3.1/notification-reads-clock", "5.23.6.6.3.1/repeated-notification",
                                           "5.23.6.6.3.1/stale-notification"});
}

TEST_CASE("driver kit: a driver acting on notifications for clocks without alarm fails only that check") {
  driver_adapter a = library_driver_adapter();
  const auto read = a.read;
  const auto read_alarm = a.read_alarm;
  a.handle_notification = [read, read_alarm](std::span<const std::byte> used) {
    const auto n = decode<notif_alarm>(used);
    if (!n) return driver_outcome{driver_answer::rejected};
    driver_outcome o = read(n->clock_id);  // any clock, alarm or not
    const driver_outcome alarm = read_alarm(n->clock_id);
    o.flag = !alarm.is_ok() || o.value >= alarm.value;  // no alarm to compare with: due anyway
    o.answer = driver_answer::ok;
    return o;
  };
  const report r = run_driver_kit(a);
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"5.23.6.6.3.1/notification-without-alarm-ignored"});
}

TEST_CASE("driver kit: a driver sending dirty reserved bytes fails only that check") {
  const auto dirty = before([](msg_type, std::vector<std::byte>& request) {
    if (request.size() >= 8) request[7] = std::byte{0x5A};
  });
  const report r = run_driver_kit(library_driver_adapter(dirty));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"5.23.6.1/request-reserved-zero"});
  CHECK(r.find("5.23.6.1/request-reserved-zero")->request.find("5a") != std::string::npos);
}

TEST_CASE("driver kit: a driver probing with counter INVALID fails only the CROSS_CAP counter check") {
  const auto invalid = before([](msg_type t, std::vector<std::byte>& request) {
    if (t == msg_type::cross_cap && request.size() > 10 && request[10] == std::byte{0}) request[10] = std::byte{0xFF};
  });
  const report r = run_driver_kit(library_driver_adapter(invalid));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"5.23.6.4.1/cross-cap-counter"});
}

TEST_CASE("driver kit: a driver sending any READ_CROSS counter fails only the READ_CROSS counter check") {
  // Sends the counter id it was given, even those a driver must not name (INVALID, 2..0xEF).
  driver_adapter a = library_driver_adapter();
  auto link = std::make_shared<std::optional<link_transport>>();
  const auto start = a.start;
  a.start = [start, link](device_link l, std::uint64_t features) {
    link->emplace(l);
    return start(l, features);
  };
  a.read_cross = [link](std::uint16_t id, hw_counter h) {
    std::array<std::byte, 24> in{};
    const auto used = (*link)->transfer(encode(read_cross_request{id, h}), in);
    if (!used) return driver_outcome{};
    const auto r = driver<link_transport>::parse_response<read_cross_response>(in, *used);
    driver_outcome o = outcome_of(r);
    if (r) {
      o.value = r->clock_reading;
      o.cycles = r->counter_cycles;
    }
    return o;
  };
  const report r = run_driver_kit(a);
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"5.23.6.5.1/read-cross-counter"});
}

TEST_CASE("driver kit: a driver with small buffers fails the writable-space check") {
  // Offers 8 writable bytes for every request and 8-byte alarmq buffers.
  driver_adapter a = library_driver_adapter([](link_transport& next, std::span<const std::byte> request,
                                               std::span<std::byte> response) {
    return next.transfer(request, response.first(std::min<std::size_t>(response.size(), 8)));
  });
  a.alarmq_buffer_size = [] { return std::size_t{8}; };
  const report r = run_driver_kit(a);
  INFO(summary(r));
  CHECK(failed(r).count("5.23.6.1/writable-space") == 1);
  CHECK(failed(r).count("5.23.6.6.3.1/alarmq-buffer-size") == 1);
}

TEST_CASE("driver kit: a driver written against the C link") {
  // A minimal driver as a C program would write it: byte buffers and the transfer function.
  struct c_driver {
    device_link link{};
    static int read(const device_link& l, std::uint16_t clock, std::uint64_t* out) {
      unsigned char req[16] = {0x01, 0x00};
      req[8] = static_cast<unsigned char>(clock & 0xFF);
      req[9] = static_cast<unsigned char>(clock >> 8);
      unsigned char resp[16] = {};
      std::size_t used = 0;
      if (l.transfer(l.context, req, sizeof req, resp, sizeof resp, &used) != 0) return -1;
      if (used < 8) return -2;
      if (resp[0] != 0) return resp[0];
      if (used < 16) return -2;
      std::uint64_t v = 0;
      for (int i = 7; i >= 0; --i) v = v << 8 | resp[8 + i];
      *out = v;
      return 0;
    }
  };
  auto d = std::make_shared<c_driver>();
  driver_adapter a;
  a.start = [d](device_link l, std::uint64_t) {
    d->link = l;
    return driver_outcome{driver_answer::ok};
  };
  a.read = [d](std::uint16_t id) {
    std::uint64_t v = 0;
    const int rc = c_driver::read(d->link, id, &v);
    if (rc == 0) return driver_outcome{driver_answer::ok, status::ok, v};
    if (rc > 0) return driver_outcome{driver_answer::device_error, static_cast<status>(rc)};
    return driver_outcome{rc == -2 ? driver_answer::rejected : driver_answer::failed};
  };
  const report r = run_driver_kit(a);
  INFO(summary(r));
  CHECK(r.ok());
  CHECK(r.passed() == 10);  // the checks that need only start and read, and the request checks
}

TEST_CASE("driver kit: docs/conformance.md and docs/conformance-kits.md name every check, and only those") {
  std::set<std::string> kit;
  for (const check_result& c : run_driver_kit(library_driver_adapter()).results) kit.insert(c.id);
  const auto read = [](const char* name) {
    std::ifstream in(std::string(VRTC_TEST_DATA_DIR) + "/../docs/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  // Backticked "5.23.../..." tokens in the table cells that name driver-kit checks.
  std::set<std::string> documented;
  std::istringstream lines(read("conformance.md"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '|' || line.find("driver kit:") == std::string::npos) continue;
    const std::string cell = line.substr(line.find("driver kit:"));
    for (std::size_t at = cell.find('`'); at != std::string::npos;) {
      const std::size_t end = cell.find('`', at + 1);
      if (end == std::string::npos) break;
      const std::string token = cell.substr(at + 1, end - at - 1);
      if (token.rfind("5.23", 0) == 0) documented.insert(token);
      at = cell.find('`', end + 1);
    }
  }
  CHECK(documented == kit);
  const std::string kits = read("conformance-kits.md");
  for (const std::string& id : kit) {
    INFO(id);
    CHECK(kits.find("`" + id + "`") != std::string::npos);
  }
}

TEST_CASE("driver kit: a driver using the body of a full-length error response fails only that check") {
  // Takes a complete-looking response with a defined error status for OK.
  const auto trusting = after([](msg_type t, std::span<std::byte> response, std::size_t used) -> result<std::size_t> {
    const auto st = static_cast<status>(std::to_integer<std::uint8_t>(response[0]));
    if (used >= response_size(t) && used > 8 && st != status::ok && is_spec_defined(st)) response[0] = std::byte{0};
    return used;
  });
  const report r = run_driver_kit(library_driver_adapter(trusting));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"5.23.6.1/error-fields-not-interpreted"});
}

TEST_CASE("driver kit: a driver that takes F_ALARM as always negotiated fails those checks") {
  driver_adapter a = library_driver_adapter();
  const auto start = a.start;
  a.start = [start](device_link l, std::uint64_t) { return start(l, feature_alarm_mask); };
  const report r = run_driver_kit(a);
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"5.23.6.1/alarm-cap-needs-feature", "5.23.6.1/request-flags-negotiated"});
}

TEST_CASE("driver kit: a driver that does not validate alarmq messages fails those checks") {
  // Pads short messages and takes any msg_type for NOTIF_ALARM.
  driver_adapter a = library_driver_adapter();
  const auto handle = a.handle_notification;
  a.handle_notification = [handle](std::span<const std::byte> used) {
    std::array<std::byte, 16> padded{};
    for (std::size_t i = 0; i < used.size() && i < padded.size(); ++i) padded[i] = used[i];
    store_le<std::uint16_t>(padded, 0, 0x2000);
    return handle(padded);
  };
  const report r = run_driver_kit(a);
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"5.23.6.6.3.1/short-notification", "5.23.6.6.3.1/unknown-notification-type"});
}
