// Tests for the device conformance suite (include/vrtc/conformance/device_suite.hpp), the
// reference device and its faults, the runner framing, and docs/conformance.md.
#include <vrtc/conformance/device_suite.hpp>
#include <vrtc/conformance/differential.hpp>
#include <vrtc/conformance/framing.hpp>
#include <vrtc/conformance/reference_device.hpp>
#ifdef __linux__
#include <vrtc/conformance/linux/vhost_user_suite.hpp>
#endif

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace vrtc;
using namespace vrtc::conformance;

std::set<std::string> ids(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

report run(const reference_options& o) {
  reference_device d(o);
  return run_device_suite(d.under_test());
}

std::string outcome_of(const report& r, const std::string& id) {
  const check_result* c = r.find(id);
  return c == nullptr ? "missing" : to_string(c->outcome);
}

std::string reason_of(const report& r, const std::string& id) {
  const check_result* c = r.find(id);
  return c == nullptr ? "missing" : c->detail;
}

// The requirement each fault breaks, written from the fault's definition (not from a run).
const std::map<std::string, std::set<std::string>> expected_failures{
    {"einval-for-unknown-clock", {"5.23.6.2/unknown-clock-enodev"}},
    {"einval-for-unknown-msg-type", {"5.23.6.2/unknown-msg-type-eopnotsupp"}},
    {"einval-for-alarm-without-feature", {"5.23.6.6.2.2/alarm-requests-without-feature-enodev"}},
    {"cross-cap-ignores-clock-id", {"5.23.6.2/unknown-clock-enodev"}},
    {"einval-for-unknown-counter", {"5.23.6.2/unknown-hw-counter-eopnotsupp"}},
    {"nonzero-reserved-in-response", {"5.23.6.2/reserved-response-zero"}},
    {"status-in-tiny-buffer", {"5.23.6.2/no-status-if-it-does-not-fit"}},
    {"wrong-used-length", {"5.23.6.2/used-length"}},
    {"accepts-short-request", {"5.23.6.2/short-request-einval"}},
    {"truncates-short-response", {"5.23.6.2/short-response-einval"}},
    {"alarm-cap-without-feature", {"5.23.6.2/response-flags-allowed"}},
    {"smearing-for-plain-utc", {"5.23.6.4.2/smearing-unspecified-for-other-types"}},
    {"cross-cap-without-read-cross", {"5.23.6.4.2/cross-cap-matches-read-cross"}},
    {"monotonic-goes-back", {"5.23.6.5.2/monotonic-never-decreases"}},
    {"readings-in-microseconds", {"5.23.6.5.2/reading-unit-nanoseconds"}},
    {"eopnotsupp-for-alarm-on-plain-clock", {"5.23.6.6.2.2/alarm-requests-no-alarm-clock-enodev"}},
    {"rejects-far-alarm-time", {"5.23.6.6.2.2/set-alarm-accepts-any-time"}},
    {"stale-notification-after-disable", {"5.23.6.6.1/disable-stops-notifications"}},
    {"no-notification-on-enable", {"5.23.6.6.1/expire-on-enable-past"}},
    {"duplicate-notification", {"5.23.6.6.1/one-notification-per-expiration"}},
    {"capabilities-change-on-reset", {"5.23.6.2/capabilities-stable-across-reset"}},
    {"lenient-requests", {"5.23.6.2/reserved-request-bytes-einval", "5.23.6.2/undefined-flag-bits-einval"}},
    {"zero-fills-writable", {"5.23.6.2/extra-writable-ignored"}},
    {"eio-for-utc-read", {"5.23.6.5.2/read-supported-for-every-clock"}},
    // Notified late whenever time passes: as the alarm time is reached with or without a step
    // back before, and before the readings after the notification can be checked.
    {"alarm-noticed-only-on-request",
     {"5.23.6.6.1/expire-on-clock-progress", "5.23.6.6.1/expire-again-after-step-back",
      "5.23.6.5.2/no-reading-before-notified-alarm"}},
    {"enable-forgets-alarm-time", {"5.23.6.6.2.2/set-alarm-enabled-keeps-time"}},
    {"cross-cap-ignores-hw-counter", {"5.23.6.2/unknown-hw-counter-eopnotsupp", "5.23.6.2/counter-invalid-einval"}},
    {"status-one-for-unknown-msg-type", {"5.23.6.2/unknown-msg-type-eopnotsupp", "5.23.6.2/status-defined"}},
    // Early: a NOTIF_ALARM while the clock reads before the alarm time, whether the clock gets
    // there by time passing, a step, or again after a step back; READ then returns less than it.
    {"alarm-fires-early",
     {"5.23.6.6.1/expire-on-clock-progress", "5.23.6.6.1/expire-on-clock-step", "5.23.6.6.1/expire-again-after-step-back",
      "5.23.6.5.2/no-reading-before-notified-alarm"}},
    // Late: the same, and an alarm set to or enabled at the clock's reading does not expire.
    {"alarm-fires-late",
     {"5.23.6.6.1/expire-on-set-past-enabled", "5.23.6.6.1/expire-on-enable-past", "5.23.6.6.1/expire-on-clock-progress",
      "5.23.6.6.1/expire-on-clock-step", "5.23.6.6.1/expire-again-after-step-back",
      "5.23.6.5.2/no-reading-before-notified-alarm"}},
    {"renotifies-while-passed", {"5.23.6.6.1/one-notification-per-expiration"}},
    {"no-expiry-after-step-back", {"5.23.6.6.1/expire-again-after-step-back"}},
};

std::string read_doc() {
  std::ifstream in(std::string(VRTC_TEST_DATA_DIR) + "/../docs/conformance.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Backticked check ids ("5.23.../...") of the doc's table cells; `driver_kit` selects the cells
/// that name driver-kit checks ("driver kit: ...") instead of device-suite checks.
std::set<std::string> doc_ids(const std::string& doc, bool driver_kit) {
  std::set<std::string> out;
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '|') continue;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, '|');) {
      if ((cell.find("driver kit:") != std::string::npos) != driver_kit) continue;
      for (std::size_t at = cell.find('`'); at != std::string::npos;) {
        const std::size_t end = cell.find('`', at + 1);
        if (end == std::string::npos) break;
        const std::string token = cell.substr(at + 1, end - at - 1);
        if (token.rfind("5.23", 0) == 0 && token.find('/') != std::string::npos) out.insert(token);
        at = cell.find('`', end + 1);
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("conformance_device: every check has a unique id made of its section and a short name") {
  std::set<std::string> seen;
  for (const check_info& c : device_checks) {
    const std::string id = c.id;
    CHECK(seen.insert(id).second);
    CHECK(id.rfind(std::string(c.section) + "/", 0) == 0);
    CHECK(std::string(c.title).size() > 10);
  }
  CHECK(seen.size() == std::size(device_checks));
}

TEST_CASE("conformance_device: the reference device passes every check, none left out") {
  const report r = run({});
  REQUIRE(r.results.size() == std::size(device_checks));
  for (std::size_t i = 0; i < r.results.size(); ++i) {
    INFO(r.results[i].id << ": " << r.results[i].expected << " / " << r.results[i].detail);
    CHECK(r.results[i].id == device_checks[i].id);
    CHECK(r.results[i].outcome == verdict::pass);
  }
  CHECK(r.ok());
  CHECK(r.passed() == std::size(device_checks));
  CHECK(r.not_applicable() == 0);
}

TEST_CASE("conformance_device: reference variants pass and what they lack is not applicable") {
  SECTION("alarms cleared on reset, another time origin") {
    reference_options o;
    o.retention = alarm_retention::clear;
    o.origin = vrtc::reference_time(987'654'321'000);
    const report r = run(o);
    CHECK(r.failed_ids().empty());
    CHECK(r.not_applicable() == 0);
  }
  SECTION("no VIRTIO_RTC_F_ALARM") {
    reference_options o;
    o.offer_alarm = false;
    const report r = run(o);
    CHECK(r.failed_ids().empty());
    CHECK(reason_of(r, "5.23.6.6.2.2/set-alarm-then-read-alarm") == "the device does not offer VIRTIO_RTC_F_ALARM");
    CHECK(reason_of(r, "5.23.6.6.1/expire-on-clock-step") == "the device does not offer VIRTIO_RTC_F_ALARM");
    // Without the feature the alarm requests must still be refused with ENODEV: checked.
    CHECK(outcome_of(r, "5.23.6.6.2.2/alarm-requests-without-feature-enodev") == "pass");
    CHECK(reason_of(r, "5.23.6.6.1/notification-format") == "no notification was observed");
  }
  SECTION("only the request handler") {
    reference_device d{reference_options{}};
    device_under_test dut;
    dut.handle = [&](std::span<const std::byte> rd, std::span<std::byte> wr) { return d.handle(rd, wr); };
    dut.offered_features = d.offered_features();
    const report r = run_device_suite(dut);
    CHECK(r.failed_ids().empty());
    CHECK(outcome_of(r, "5.23.6.6.2.2/set-alarm-then-read-alarm") == "pass");
    CHECK(reason_of(r, "5.23.6.6.1/expire-on-set-past-enabled") == "no alarmq hook");
    CHECK(reason_of(r, "5.23.6.5.2/reading-unit-nanoseconds") == "no time hook (advance)");
    CHECK(reason_of(r, "5.23.6.2/capabilities-stable-across-reset") == "no reset and negotiate hooks");
    CHECK(reason_of(r, "5.23.6.6.2.2/alarm-requests-without-feature-enodev") ==
          "no reset and negotiate hooks to negotiate without the alarm feature");
  }
  SECTION("a clock that cannot step") {
    reference_device d{reference_options{}};
    device_under_test dut = d.under_test();
    dut.step = [](std::uint16_t, std::int64_t) { return false; };
    const report r = run_device_suite(dut);
    CHECK(r.failed_ids().empty());
    CHECK(reason_of(r, "5.23.6.6.1/expire-on-clock-step") == "no alarm clock can be stepped");
    CHECK(reason_of(r, "5.23.6.6.1/expire-again-after-step-back") == "no alarm clock can be stepped back and forward");
    CHECK(outcome_of(r, "5.23.6.5.2/no-reading-before-notified-alarm") == "pass");
  }
  SECTION("a clock that steps only forwards") {
    reference_device d{reference_options{}};
    device_under_test dut = d.under_test();
    dut.step = [&d](std::uint16_t id, std::int64_t delta) { return delta >= 0 && d.step(id, delta); };
    const report r = run_device_suite(dut);
    CHECK(r.failed_ids().empty());
    CHECK(outcome_of(r, "5.23.6.6.1/expire-on-clock-step") == "pass");
    CHECK(reason_of(r, "5.23.6.6.1/expire-again-after-step-back") == "no alarm clock can be stepped back and forward");
  }
  SECTION("the first alarm clock cannot step: the step checks take the next alarm clock") {
    for (const fault f : {fault::none, fault::alarm_fires_early}) {
      reference_options o;
      o.broken = f;
      reference_device d{o};
      device_under_test dut = d.under_test();
      dut.step = [&d](std::uint16_t id, std::int64_t delta) { return id != 0 && d.step(id, delta); };
      const report r = run_device_suite(dut);
      // Clock 2 (MONOTONIC, with an alarm) steps forwards only.
      CHECK(outcome_of(r, "5.23.6.6.1/expire-on-clock-step") == (f == fault::none ? "pass" : "fail"));
      CHECK(reason_of(r, "5.23.6.6.1/expire-again-after-step-back") == "no alarm clock can be stepped back and forward");
    }
  }
  SECTION("clock steps but no time hook") {
    reference_device d{reference_options{}};
    device_under_test dut = d.under_test();
    dut.advance = nullptr;
    const report r = run_device_suite(dut);
    CHECK(r.failed_ids().empty());
    CHECK(reason_of(r, "5.23.6.6.1/expire-on-clock-progress") == "no time hook (advance)");
    // Steps alone bring the clock to the alarm time: these apply.
    CHECK(outcome_of(r, "5.23.6.6.1/expire-again-after-step-back") == "pass");
    CHECK(outcome_of(r, "5.23.6.5.2/no-reading-before-notified-alarm") == "pass");
    CHECK(outcome_of(r, "5.23.6.6.1/one-notification-per-expiration") == "pass");
  }
  SECTION("neither time nor clock steps") {
    reference_device d{reference_options{}};
    device_under_test dut = d.under_test();
    dut.advance = nullptr;
    dut.step = [](std::uint16_t, std::int64_t) { return false; };
    const report r = run_device_suite(dut);
    CHECK(r.failed_ids().empty());
    CHECK(reason_of(r, "5.23.6.5.2/no-reading-before-notified-alarm") ==
          "no time hook (advance) and the alarm clock cannot be stepped");
    dut.step = nullptr;
    const report r2 = run_device_suite(dut);
    CHECK(reason_of(r2, "5.23.6.5.2/no-reading-before-notified-alarm") == "no time hook (advance) and no clock step hook");
    CHECK(reason_of(r2, "5.23.6.6.1/expire-again-after-step-back") == "no clock step hook");
  }
  SECTION("no handler at all") {
    const report r = run_device_suite(device_under_test{});
    CHECK(r.not_applicable() == std::size(device_checks));
  }
}

TEST_CASE("conformance_device: each faulty device fails exactly the checks of its requirement") {
  REQUIRE(expected_failures.size() + 1 == std::size(fault_names));  // every fault but "none"
  for (const fault_name& f : fault_names) {
    if (f.value == fault::none) continue;
    const std::string name(f.name);
    INFO("fault " << name);
    REQUIRE(expected_failures.count(name) == 1);
    reference_options o;
    o.broken = f.value;
    const report r = run(o);
    CHECK(ids(r.failed_ids()) == expected_failures.at(name));
    for (const check_result& c : r.results) {
      if (c.outcome != verdict::fail) continue;
      INFO(c.id);
      CHECK(!c.expected.empty());
      CHECK(!c.detail.empty());
    }
  }
}

TEST_CASE("conformance_device: alarm timing has no tolerance: a notification 1 ns early or late fails") {
  // The reference device with READ answers skewed by `skew` ns: its alarms fire when the clock
  // the driver sees reads alarm_time - skew.
  auto run_skewed = [](std::int64_t skew) {
    reference_device d{reference_options{}};
    device_under_test dut = d.under_test();
    dut.handle = [&d, skew](std::span<const std::byte> rd, std::span<std::byte> wr) {
      const std::size_t used = d.handle(rd, wr);
      if (rd.size() >= 2 && load_le<std::uint16_t>(rd, 0) == static_cast<std::uint16_t>(msg_type::read) &&
          used == read_response::size && wr[0] == std::byte{0})
        store_le<std::uint64_t>(wr, 8, load_le<std::uint64_t>(wr, 8) + static_cast<std::uint64_t>(skew));
      return used;
    };
    return ids(run_device_suite(dut).failed_ids());
  };
  const std::set<std::string> timing{"5.23.6.6.1/expire-on-clock-progress", "5.23.6.6.1/expire-on-clock-step",
                                     "5.23.6.6.1/expire-again-after-step-back",
                                     "5.23.6.5.2/no-reading-before-notified-alarm"};
  CHECK(run_skewed(0).empty());
  CHECK(run_skewed(-1) == timing);  // fires 1 ns before the clock reads the alarm time
  std::set<std::string> late = timing;
  late.insert("5.23.6.6.1/expire-on-set-past-enabled");  // an alarm at the clock's reading does not expire
  late.insert("5.23.6.6.1/expire-on-enable-past");
  CHECK(run_skewed(1) == late);  // fires 1 ns after the clock reads the alarm time
}

TEST_CASE("conformance_device: a failure carries the request, the response and the expectation") {
  reference_options o;
  o.broken = fault::einval_for_unknown_clock;
  const report r = run(o);
  const check_result* c = r.find("5.23.6.2/unknown-clock-enodev");
  REQUIRE(c != nullptr);
  CHECK(c->outcome == verdict::fail);
  CHECK(c->section == "5.23.6.2");
  // READ of clock 4 (the first id past the device's four clocks), from the spec's layout.
  CHECK(c->request == "01 00 00 00 00 00 00 00 04 00 00 00 00 00 00 00");
  CHECK(c->response == "04 00 00 00 00 00 00 00 a5 a5 a5 a5 a5 a5 a5 a5");
  CHECK(c->expected == "status ENODEV (3)");
  CHECK(c->detail == "used length 8, writable size 16; status byte 4");
}

TEST_CASE("conformance_device: runs are deterministic") {
  for (const fault f : {fault::none, fault::duplicate_notification, fault::monotonic_goes_back}) {
    reference_options o;
    o.broken = f;
    const report a = run(o);
    const report b = run(o);
    REQUIRE(a.results.size() == b.results.size());
    for (std::size_t i = 0; i < a.results.size(); ++i) {
      CHECK(a.results[i].outcome == b.results[i].outcome);
      CHECK(a.results[i].request == b.results[i].request);
      CHECK(a.results[i].response == b.results[i].response);
      CHECK(a.results[i].detail == b.results[i].detail);
    }
  }
}

TEST_CASE("conformance_device: hostile devices cannot stall or crash the suite") {
  SECTION("a device that always notifies and claims huge used lengths") {
    device_under_test dut;
    dut.offered_features = feature_alarm_mask;
    dut.handle = [](std::span<const std::byte>, std::span<std::byte> w) -> std::size_t {
      for (auto& b : w) b = std::byte{0};
      if (w.size() > 10) {
        w[8] = std::byte{1};   // CFG: one clock
        w[10] = std::byte{1};  // CLOCK_CAP: ALARM_CAP
      }
      return 1'000'000;
    };
    std::size_t offered = 0;
    dut.alarmq = [&](std::span<std::byte> b) -> std::size_t {
      ++offered;
      for (auto& x : b) x = std::byte{0xFF};
      return 99;
    };
    const report r = run_device_suite(dut);
    CHECK(r.results.size() == std::size(device_checks));
    CHECK(outcome_of(r, "5.23.6.2/used-length") == "fail");
    CHECK(outcome_of(r, "5.23.6.6.1/notification-format") == "fail");
    CHECK(outcome_of(r, "5.23.6.2/unknown-msg-type-eopnotsupp") == "fail");
    CHECK(offered < 2000);  // at most max_drain buffers per drain
  }
  SECTION("a device that writes nothing") {
    device_under_test dut;
    dut.handle = [](std::span<const std::byte>, std::span<std::byte>) -> std::size_t { return 0; };
    const report r = run_device_suite(dut);
    CHECK(outcome_of(r, "5.23.6.2/ok-for-valid-requests") == "fail");
    CHECK(outcome_of(r, "5.23.6.2/no-status-if-it-does-not-fit") == "pass");
    CHECK(reason_of(r, "5.23.6.5.2/read-supported-for-every-clock") == "CFG did not succeed, so no clock is known");
  }
}

TEST_CASE("conformance_device: report counts, hex and JSON escaping") {
  const std::array<std::byte, 3> b{std::byte{0x00}, std::byte{0x1f}, std::byte{0xa5}};
  CHECK(to_hex(b) == "00 1f a5");
  CHECK(to_hex({}) == "");
  CHECK(json_escape("a\"b\\c\n\x01") == "a\\\"b\\\\c\\n\\u0001");
  report r;
  r.results.push_back({"x/a", "x", "t", verdict::pass, {}, {}, {}, {}});
  r.results.push_back({"x/b", "x", "t", verdict::fail, {}, {}, {}, {}});
  r.results.push_back({"x/c", "x", "t", verdict::not_applicable, {}, {}, {}, {}});
  CHECK(r.passed() == 1);
  CHECK(r.failed() == 1);
  CHECK(r.not_applicable() == 1);
  CHECK(!r.ok());
  CHECK(r.failed_ids() == std::vector<std::string>{"x/b"});
  CHECK(r.find("x/c") != nullptr);
  CHECK(r.find("x/d") == nullptr);
}

TEST_CASE("conformance_device: framing records round-trip and bad records are refused") {
  const std::array<std::byte, 3> readable{std::byte{1}, std::byte{2}, std::byte{3}};
  const auto req = make_request(16, std::byte{0xA5}, readable);
  const auto rec = decode_record(req);
  REQUIRE(rec);
  CHECK(rec->type == record_type::request);
  CHECK(rec->size == req.size());
  const auto p = parse_request(rec->payload);
  REQUIRE(p);
  CHECK(p->writable_size == 16);
  CHECK(p->fill == std::byte{0xA5});
  CHECK(p->readable.size() == 3);

  const auto step_bytes = make_step(7, -5);
  const auto step = decode_record(step_bytes);
  REQUIRE(step);
  const auto s = parse_step(step->payload);
  REQUIRE(s);
  CHECK(s->clock_id == 7);
  CHECK(s->delta == -5);

  const auto hello_bytes = make_hello_reply({1, 0x1, hook_reset | hook_alarmq});
  const auto hello = decode_record(hello_bytes);
  REQUIRE(hello);
  const auto h = parse_hello_reply(hello->payload);
  REQUIRE(h);
  CHECK(h->offered_features == 1);
  CHECK(h->hooks == (hook_reset | hook_alarmq));

  const std::array<std::byte, 4> writable{};
  const auto resp_bytes = make_response(8, writable);
  const auto resp = decode_record(resp_bytes);
  REQUIRE(resp);
  CHECK(parse_response(resp->payload, 4));
  CHECK(parse_response(resp->payload, 5) == errc::bad_size);

  // Errors: incomplete, zero or oversized length, unknown type, wrong payload sizes.
  CHECK(decode_record(std::span<const std::byte>(req).first(3)) == errc::too_short);
  CHECK(decode_record(std::span<const std::byte>(req).first(req.size() - 1)) == errc::too_short);
  std::array<std::byte, 5> zero{};
  CHECK(decode_record(zero) == errc::bad_size);
  std::array<std::byte, 5> huge{std::byte{0xFF}, std::byte{0xFF}, std::byte{0xFF}, std::byte{0x7F}, std::byte{1}};
  CHECK(decode_record(huge) == errc::bad_size);
  std::array<std::byte, 5> unknown{std::byte{1}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0x09}};
  CHECK(decode_record(unknown) == errc::invalid_argument);
  CHECK(parse_hello(readable) == errc::bad_size);
  CHECK(parse_empty(readable) == errc::bad_size);
  const std::array<std::byte, 1> two{std::byte{2}};
  CHECK(parse_step_reply(two) == errc::invalid_argument);
  std::array<std::byte, 5> big_buffer{std::byte{0x01}, std::byte{0x00}, std::byte{0x01}, std::byte{0x00}, std::byte{0}};
  CHECK(parse_alarmq(big_buffer) == errc::bad_size);  // 65537 bytes
}

// The decoders work in constant evaluation.
static_assert([] {
  const std::array<std::byte, 9> hello{std::byte{5}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{1},
                                       std::byte{1}, std::byte{0}, std::byte{0}, std::byte{0}};
  const auto r = decode_record(hello);
  return r && r->type == record_type::hello && r->size == 9 && parse_hello(r->payload)->version == 1 &&
         decode_record(std::span<const std::byte>(hello).first(8)) == errc::too_short;
}());

TEST_CASE("conformance_device: the framing examples of docs/conformance.md") {
  auto hex = [](const std::vector<std::byte>& b) { return to_hex(b); };
  const std::string doc = read_doc();
  const std::string hello = hex(make_hello());
  CHECK(hello == "05 00 00 00 01 01 00 00 00");
  CHECK(doc.find("`" + hello + "`") != std::string::npos);
  const std::array<std::byte, 8> cfg{std::byte{0x00}, std::byte{0x10}};
  const std::string request = hex(make_request(16, std::byte{0xA5}, cfg));
  CHECK(request == "0e 00 00 00 02 10 00 00 00 a5 00 10 00 00 00 00 00 00");
  CHECK(doc.find("`" + request + "`") != std::string::npos);
}

TEST_CASE("conformance_device: docs/conformance.md names every device check, and only those") {
  const std::string doc = read_doc();
  REQUIRE(!doc.empty());
  std::set<std::string> suite;
  for (const check_info& c : device_checks) suite.insert(c.id);
#ifdef __linux__
  // The vhost-user transport checks are documented beside them (some in section 5.23).
  std::set<std::string> transport;
  for (const check_info& c : vhost_user_checks) transport.insert(c.id);
  for (const std::string& id : transport) {
    INFO("transport check " << id << " is not in docs/conformance.md");
    CHECK(doc.find("`" + id + "`") != std::string::npos);
    CHECK(suite.count(id) == 0);
  }
#else
  const std::set<std::string> transport;
#endif
  const std::set<std::string> documented = doc_ids(doc, false);
  for (const std::string& id : suite) {
    INFO("check " << id << " is not in docs/conformance.md");
    CHECK(documented.count(id) == 1);
  }
  for (const std::string& id : documented) {
    INFO("docs/conformance.md names " << id << ", which is no device check");
    CHECK(suite.count(id) + transport.count(id) == 1);
  }
  CHECK(!doc_ids(doc, true).empty());  // the driver rows name driver-kit checks
}

TEST_CASE("conformance_device: the fault table of docs/conformance.md matches the tests") {
  const std::string doc = read_doc();
  std::map<std::string, std::set<std::string>> table;
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    const std::size_t name_end = line.find('`', 3);
    const std::string name = line.substr(3, name_end - 3);
    if (!fault_from_name(name)) continue;
    const std::string rest = line.substr(line.find('|', name_end) + 1);
    std::set<std::string> failed;
    for (std::size_t at = rest.find('`'); at != std::string::npos;) {
      const std::size_t end = rest.find('`', at + 1);
      failed.insert(rest.substr(at + 1, end - at - 1));
      at = rest.find('`', end + 1);
    }
    table[name] = failed;
  }
  CHECK(table == expected_failures);
}

TEST_CASE("conformance_device: the differential harness tells equivalent devices from faulty ones") {
  const std::vector<std::byte> read9{std::byte{0x01}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0},
                                     std::byte{0}, std::byte{0}, std::byte{9}, std::byte{0}, std::byte{0}, std::byte{0},
                                     std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}};
  reference_device a{reference_options{}};
  reference_options shifted;
  shifted.origin = vrtc::reference_time(123'456'789'000);
  reference_device b{shifted};
  const auto da = a.under_test();
  const auto db = b.under_test();
  differential_options exact;
  exact.ignore_readings = false;
  CHECK(!compare_request(da, db, read9, 16, exact));
  auto read0 = read9;
  read0[8] = std::byte{0};
  CHECK(!compare_request(da, db, read0, 16, exact));  // same reading: the clocks are anchored

  // One second later on one side: only the reading differs.
  db.advance(1'000'000'000);
  CHECK(!compare_request(da, db, read0, 16));
  const auto d = compare_request(da, db, read0, 16, exact);
  REQUIRE(d);
  CHECK(d->what.rfind("byte ", 0) == 0);

  reference_options broken;
  broken.broken = fault::einval_for_unknown_clock;
  reference_device c{broken};
  const auto dc = c.under_test();
  const auto e = compare_request(da, dc, read9, 16);
  REQUIRE(e);
  CHECK(e->what == "byte 0 differs");
  CHECK(e->input == to_hex(read9));
  CHECK(e->a_output == "03 00 00 00 00 00 00 00 a5 a5 a5 a5 a5 a5 a5 a5");
  CHECK(e->b_output == "04 00 00 00 00 00 00 00 a5 a5 a5 a5 a5 a5 a5 a5");
}

TEST_CASE("conformance_device: differential scripts find faults the reference does not have") {
  // Shaped requests of every type for clocks 0..5, then SET_ALARM (past, enabled) on clock 0,
  // two alarmq buffers, one second of time and two more buffers, ...
  std::vector<std::uint8_t> script;
  for (std::uint8_t type = 0; type < 9; ++type)
    for (std::uint8_t clock = 0; clock < 6; ++clock) {
      const std::uint8_t shaped[20] = {1, type, clock, 0};
      script.insert(script.end(), shaped, shaped + 20);
    }
  const std::uint8_t set_past[20] = {1, 6, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  script.insert(script.end(), set_past, set_past + 20);
  // ... and a raw CFG request with 48 writable bytes.
  const std::uint8_t tail[] = {4, 16, 4, 16, 2, 0x00, 0xCA, 0x9A, 0x3B, 4, 16, 4, 16, 0, 48, 8, 0x00, 0x10, 0, 0, 0, 0, 0, 0};
  script.insert(script.end(), std::begin(tail), std::end(tail));

  differential_options exact;
  exact.ignore_readings = false;
  for (const std::uint64_t origin : {std::uint64_t{0}, std::uint64_t{42'000}, std::uint64_t{999'999'000'000}}) {
    reference_device ref{reference_options{}};
    reference_options same;
    same.origin = vrtc::reference_time(origin);
    reference_device twin{same};
    CHECK(!run_differential(ref.under_test(), twin.under_test(), script, exact));
  }
  for (const fault f : {fault::einval_for_unknown_clock, fault::einval_for_unknown_msg_type, fault::wrong_used_length,
                        fault::zero_fills_writable, fault::nonzero_reserved_in_response, fault::duplicate_notification, fault::smearing_for_plain_utc}) {
    reference_device fresh{reference_options{}};
    reference_options o;
    o.broken = f;
    reference_device faulty{o};
    INFO("fault " << static_cast<int>(f));
    CHECK(run_differential(fresh.under_test(), faulty.under_test(), script));
  }
}
