// Tests for include/vrtc/format/protocol.hpp and include/vrtc/format/messages.hpp (virtio 1.4, 5.23).
//
// The golden vectors in vectors/virtio_rtc.txt were written by hand from the spec's layout
// tables; every vector is decoded, re-encoded, truncated and dispatched here.
#include <vrtc/format/any_message.hpp>
#include <vrtc/format/messages.hpp>
#include <vrtc/format/protocol.hpp>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace {

using namespace vrtc;

template <class F>
void for_each_message_type(F&& f) {
  std::apply([&](auto... m) { (f(m), ...); }, all_messages{});
}

std::string hex_of(std::span<const std::byte> s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const std::byte b : s) {
    out += digits[std::to_integer<unsigned>(b) >> 4];
    out += digits[std::to_integer<unsigned>(b) & 0xf];
  }
  return out;
}

// --- compile-time checks -------------------------------------------------------------------------

constexpr std::byte operator""_b(unsigned long long v) { return static_cast<std::byte>(v); }

// A subset of the golden vectors, checked in constant evaluation (so any UB would not compile).
constexpr std::array<std::byte, 8> cfg_req_bytes{0x00_b, 0x10_b, 0_b, 0_b, 0_b, 0_b, 0_b, 0_b};
static_assert(encode(cfg_request{}) == cfg_req_bytes);
static_assert(decode<cfg_request>(cfg_req_bytes) == result<cfg_request>{cfg_request{}});

constexpr std::array<std::byte, 16> read_resp_bytes{0_b,    0_b,    0_b,    0_b,    0_b,    0_b,    0_b,    0_b,
                                                    0x15_b, 0xcd_b, 0x85_b, 0x3d_b, 0xfe_b, 0x9c_b, 0x97_b, 0x17_b};
static_assert(encode(read_response{.clock_reading = 1700000000123456789u}) == read_resp_bytes);
static_assert(decode<read_response>(read_resp_bytes)->clock_reading == 1700000000123456789u);

constexpr std::array<std::byte, 24> set_alarm_bytes{0x04_b, 0x10_b, 0_b,    0_b,    0_b,    0_b,    0_b, 0_b,
                                                    0_b,    0_b,    0xb4_b, 0x93_b, 0x76_b, 0xe2_b, 0xfa_b, 0x18_b,
                                                    0_b,    0_b,    0x01_b, 0_b,    0_b,    0_b,    0_b, 0_b};
static_assert(encode(set_alarm_request{.alarm_time = 1800000000000000000u, .clock_id = 0, .flags = 1}) ==
              set_alarm_bytes);
static_assert(decode<set_alarm_request>(set_alarm_bytes)->alarm_enabled());

constexpr std::array<std::byte, 16> clock_cap_resp_bytes{0_b,    0_b,    0_b,    0_b, 0_b, 0_b, 0_b, 0_b,
                                                         0x03_b, 0x01_b, 0x01_b, 0_b, 0_b, 0_b, 0_b, 0_b};
static_assert(encode(clock_cap_response{.type = clock_type::utc_smeared,
                                        .leap_second_smearing = smearing::noon_linear,
                                        .flags = flag_alarm_cap}) == clock_cap_resp_bytes);

constexpr std::array<std::byte, 16> read_cross_max_bytes{0x02_b, 0_b, 0_b, 0_b, 0_b, 0_b, 0_b, 0_b,
                                                         0xff_b, 0xff_b, 0xff_b, 0_b, 0_b, 0_b, 0_b, 0_b};
static_assert(decode<read_cross_request>(read_cross_max_bytes) ==
              result<read_cross_request>{read_cross_request{.clock_id = 0xffff, .hw_counter = hw_counter::invalid}});

constexpr std::array<std::byte, 8> enodev_bytes{0x03_b, 0_b, 0_b, 0_b, 0_b, 0_b, 0_b, 0_b};
static_assert(decode<read_cross_response>(enodev_bytes)->status == status::enodev);
static_assert(decode<read_response>(std::span(enodev_bytes).first(7)) == errc::too_short);
static_assert(decode<read_request>(cfg_req_bytes) == errc::wrong_msg_type);
static_assert(std::get<cfg_request>(*decode_request(cfg_req_bytes)) == cfg_request{});

constexpr bool truncated_prefixes_are_rejected() {
  for (std::size_t n = 0; n < set_alarm_bytes.size(); ++n)
    if (decode<set_alarm_request>(std::span(set_alarm_bytes).first(n)) != errc::too_short) return false;
  return true;
}
static_assert(truncated_prefixes_are_rejected());

// --- golden vector file ----------------------------------------------------------------------------

struct vector_case {
  int line = 0;
  std::map<std::string, std::string, std::less<>> kv;
  std::string get(std::string_view key, std::string fallback = "") const {
    const auto it = kv.find(key);
    return it == kv.end() ? fallback : it->second;
  }
};

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

std::vector<vector_case> load_vectors() {
  const std::string path = std::string(VRTC_TEST_DATA_DIR) + "/vectors/virtio_rtc.txt";
  std::ifstream in(path);
  if (!in) FAIL("cannot open golden vector file " << path);
  std::vector<vector_case> out;
  vector_case cur;
  std::string line;
  int lineno = 0;
  auto flush = [&] {
    if (!cur.kv.empty()) out.push_back(cur);
    cur = {};
  };
  while (std::getline(in, line)) {
    ++lineno;
    line = trim(line);
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) FAIL(path << ":" << lineno << ": expected 'key = value'");
    if (cur.kv.empty()) cur.line = lineno;
    const std::string key = trim(line.substr(0, eq));
    if (!cur.kv.emplace(key, trim(line.substr(eq + 1))).second) FAIL(path << ":" << lineno << ": duplicate key " << key);
  }
  flush();
  if (out.empty()) FAIL("golden vector file " << path << " holds no vectors");
  return out;
}

std::vector<std::byte> parse_hex(const vector_case& v, const std::string& text) {
  std::string digits;
  for (const char c : text)
    if (c != ' ') digits += c;
  if (digits.size() % 2 != 0) FAIL("vector at line " << v.line << ": odd number of hex digits");
  std::vector<std::byte> out;
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    unsigned value = 0;
    for (std::size_t j = i; j < i + 2; ++j) {
      const char c = digits[j];
      const unsigned d = c >= '0' && c <= '9'   ? static_cast<unsigned>(c - '0')
                         : c >= 'a' && c <= 'f' ? static_cast<unsigned>(c - 'a' + 10)
                                                : 99u;
      if (d == 99u) FAIL("vector at line " << v.line << ": bad hex digit '" << c << "'");
      value = value * 16 + d;
    }
    out.push_back(static_cast<std::byte>(value));
  }
  return out;
}

std::uint64_t parse_uint(const vector_case& v, const std::string& text) {
  static const std::map<std::string, std::uint64_t, std::less<>> status_names{
      {"OK", 0}, {"EOPNOTSUPP", 2}, {"ENODEV", 3}, {"EINVAL", 4}, {"EIO", 5}};
  if (const auto it = status_names.find(text); it != status_names.end()) return it->second;
  std::size_t used = 0;
  std::uint64_t value = 0;
  try {
    value = std::stoull(text, &used, 0);
  } catch (...) {
    used = 0;
  }
  if (used == 0 || used != text.size() || text[0] == '-') FAIL("vector at line " << v.line << ": bad integer " << text);
  return value;
}

errc parse_errc(const vector_case& v, const std::string& text) {
  if (text == "too_short") return errc::too_short;
  if (text == "unknown_msg_type") return errc::unknown_msg_type;
  if (text == "wrong_msg_type") return errc::wrong_msg_type;
  FAIL("vector at line " << v.line << ": unknown result " << text);
  return {};
}

template <class M>
bool names_message(const vector_case& v) {
  if (v.get("msg") != to_string(M::msg_type)) return false;
  const std::string dir = v.get("dir");
  if constexpr (M::kind == message_kind::notification) return dir.empty();
  else return dir == (M::kind == message_kind::request ? "req" : "resp");
}

/// The message value a vector describes: its field keys, every other field zero.
template <class M>
M expected_value(const vector_case& v) {
  M m{};
  for_each_field(m, [&](const char* name, auto& member) {
    using T = std::remove_cvref_t<decltype(member)>;
    using W = wire_type_t<T>;
    const std::string text = v.get(name);
    if (text.empty()) return;
    const std::uint64_t value = parse_uint(v, text);
    if (value > std::numeric_limits<W>::max()) FAIL("vector at line " << v.line << ": " << name << " out of range");
    member = static_cast<T>(value);
  });
  return m;
}

template <class M>
std::set<std::string> field_names() {
  std::set<std::string> names;
  M m{};
  for_each_field(m, [&](const char* name, auto&) { names.insert(name); });
  return names;
}

template <class M>
void check_vector(const vector_case& v) {
  static const std::set<std::string> common{"id",  "section", "msg",     "dir",
                                            "hex", "result",  "encoded", "nonzero_reserved"};
  const auto fields = field_names<M>();
  for (const auto& [key, value] : v.kv) {
    INFO("key " << key);
    CHECK((common.count(key) + fields.count(key)) == 1);  // unknown keys are rejected
  }
  REQUIRE(!v.get("section").empty());

  const auto input = parse_hex(v, v.get("hex"));
  const auto decoded = decode<M>(input);
  const std::string expected_result = v.get("result", "ok");
  const std::string reserved = v.get("nonzero_reserved", "no");
  REQUIRE((reserved == "yes" || reserved == "no"));
  CHECK(has_nonzero_reserved<M>(input) == (reserved == "yes"));

  if (expected_result != "ok") {
    const errc want = parse_errc(v, expected_result);
    CHECK(decoded == want);
    if constexpr (M::kind == message_kind::request) {
      // Dispatch gives the same error, except that a *known* other request type decodes.
      const auto any = decode_request(input);
      if (want != errc::wrong_msg_type) CHECK(any == want);
    }
    return;
  }

  const M want = expected_value<M>(v);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == want);

  // Encoding the value gives the canonical bytes (hex, unless `encoded` says otherwise).
  const auto canonical = parse_hex(v, v.get("encoded", v.get("hex")));
  REQUIRE(encoded_size(want) == canonical.size());
  std::vector<std::byte> buffer(M::size + 4, std::byte{0xee});
  const auto written = encode(want, buffer);
  REQUIRE(written.has_value());
  CHECK(*written == canonical.size());
  CHECK(hex_of(std::span(buffer).first(*written)) == hex_of(canonical));
  CHECK(std::all_of(buffer.begin() + static_cast<std::ptrdiff_t>(*written), buffer.end(),
                    [](std::byte b) { return b == std::byte{0xee}; }));  // nothing beyond is touched
  const auto fixed = encode(want);
  CHECK(hex_of(std::span(fixed).first(canonical.size())) == hex_of(canonical));
  CHECK(std::all_of(fixed.begin() + static_cast<std::ptrdiff_t>(canonical.size()), fixed.end(),
                    [](std::byte b) { return b == std::byte{0}; }));
  CHECK(encode(want, std::span(buffer).first(canonical.size() - 1)) == errc::buffer_too_small);

  // The canonical bytes decode to the same value, and report no reserved bytes.
  CHECK(decode<M>(canonical) == result<M>{want});
  CHECK_FALSE(has_nonzero_reserved<M>(canonical));

  // Every truncated prefix of the input is rejected as too short.
  for (std::size_t n = 0; n < canonical.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    CHECK(decode<M>(std::span(input).first(n)) == errc::too_short);
  }

  // The dispatching decoders agree.
  if constexpr (M::kind == message_kind::request) {
    const auto any = decode_request(input);
    REQUIRE(any.has_value());
    REQUIRE(std::holds_alternative<M>(*any));
    CHECK(std::get<M>(*any) == want);
    CHECK(msg_type_of(*any) == M::msg_type);
    CHECK(request_has_nonzero_reserved(input) == (reserved == "yes"));
  } else if constexpr (M::kind == message_kind::response) {
    const auto any = decode_response(M::msg_type, input);
    REQUIRE(any.has_value());
    REQUIRE(std::holds_alternative<M>(*any));
    CHECK(std::get<M>(*any) == want);
  } else {
    CHECK(decode_request(input) == errc::unknown_msg_type);  // NOTIF_ALARM is no request
  }

  // Decoded as any other message with a msg_type, the bytes are the wrong type.
  for_each_message_type([&](auto other) {
    using O = decltype(other);
    if constexpr (!std::is_same_v<O, M> && O::kind != message_kind::response &&
                  M::kind != message_kind::response) {
      CHECK(decode<O>(input) == errc::wrong_msg_type);
    }
  });
}

}  // namespace

// Make results printable in failure messages.
namespace Catch {
template <>
struct StringMaker<vrtc::errc> {
  static std::string convert(vrtc::errc e) { return vrtc::to_string(e); }
};
}  // namespace Catch

TEST_CASE("golden vectors decode, encode and truncate as written") {
  const auto vectors = load_vectors();
  std::set<std::string> ids;
  std::set<std::string> kinds_seen;
  for (const auto& v : vectors) {
    const std::string id = v.get("id");
    INFO("vector " << id << " (line " << v.line << ")");
    REQUIRE(!id.empty());
    CHECK(ids.insert(id).second);  // ids are unique
    int matched = 0;
    for_each_message_type([&](auto m) {
      using M = decltype(m);
      if (!names_message<M>(v)) return;
      ++matched;
      kinds_seen.insert(v.get("msg") + "/" + v.get("dir"));
      check_vector<M>(v);
    });
    CHECK(matched == 1);
  }
  CHECK(kinds_seen.size() == 17);  // every message kind has vectors
  CHECK(vectors.size() >= 90);
}

TEST_CASE("protocol constants are the spec's numbers") {
  STATIC_REQUIRE(device_id == 17);
  STATIC_REQUIRE(static_cast<unsigned>(queue::requestq) == 0);
  STATIC_REQUIRE(static_cast<unsigned>(queue::alarmq) == 1);
  STATIC_REQUIRE(feature_alarm == 0);
  STATIC_REQUIRE(feature_alarm_mask == 1);
  STATIC_REQUIRE(static_cast<unsigned>(msg_type::read) == 0x0001);
  STATIC_REQUIRE(static_cast<unsigned>(msg_type::read_cross) == 0x0002);
  STATIC_REQUIRE(static_cast<unsigned>(msg_type::cfg) == 0x1000);
  STATIC_REQUIRE(static_cast<unsigned>(msg_type::clock_cap) == 0x1001);
  STATIC_REQUIRE(static_cast<unsigned>(msg_type::cross_cap) == 0x1002);
  STATIC_REQUIRE(static_cast<unsigned>(msg_type::read_alarm) == 0x1003);
  STATIC_REQUIRE(static_cast<unsigned>(msg_type::set_alarm) == 0x1004);
  STATIC_REQUIRE(static_cast<unsigned>(msg_type::set_alarm_enabled) == 0x1005);
  STATIC_REQUIRE(static_cast<unsigned>(msg_type::notif_alarm) == 0x2000);
  STATIC_REQUIRE(static_cast<unsigned>(status::ok) == 0);
  STATIC_REQUIRE(static_cast<unsigned>(status::eopnotsupp) == 2);
  STATIC_REQUIRE(static_cast<unsigned>(status::enodev) == 3);
  STATIC_REQUIRE(static_cast<unsigned>(status::einval) == 4);
  STATIC_REQUIRE(static_cast<unsigned>(status::eio) == 5);
  STATIC_REQUIRE(static_cast<unsigned>(clock_type::utc) == 0);
  STATIC_REQUIRE(static_cast<unsigned>(clock_type::tai) == 1);
  STATIC_REQUIRE(static_cast<unsigned>(clock_type::monotonic) == 2);
  STATIC_REQUIRE(static_cast<unsigned>(clock_type::utc_smeared) == 3);
  STATIC_REQUIRE(static_cast<unsigned>(clock_type::utc_maybe_smeared) == 4);
  STATIC_REQUIRE(static_cast<unsigned>(smearing::unspecified) == 0);
  STATIC_REQUIRE(static_cast<unsigned>(smearing::noon_linear) == 1);
  STATIC_REQUIRE(static_cast<unsigned>(smearing::utc_sls) == 2);
  STATIC_REQUIRE(static_cast<unsigned>(hw_counter::arm_vct) == 0);
  STATIC_REQUIRE(static_cast<unsigned>(hw_counter::x86_tsc) == 1);
  STATIC_REQUIRE(static_cast<unsigned>(hw_counter::invalid) == 0xff);
  STATIC_REQUIRE(flag_alarm_cap == 1);
  STATIC_REQUIRE(flag_cross_cap == 1);
  STATIC_REQUIRE(flag_alarm_enabled == 1);
  STATIC_REQUIRE(header_size == 8);
  STATIC_REQUIRE(max_request_size == 24);
  STATIC_REQUIRE(max_response_size == 24);
  STATIC_REQUIRE(max_notification_size == 16);
}

TEST_CASE("the largest message sizes bound every message") {
  std::size_t req = 0, resp = 0, notif = 0;
  for_each_message_type([&](auto m) {
    using M = decltype(m);
    auto& max = M::kind == message_kind::request ? req : M::kind == message_kind::response ? resp : notif;
    max = std::max(max, M::size);
    CHECK(M::size >= header_size);
  });
  CHECK(req == max_request_size);
  CHECK(resp == max_response_size);
  CHECK(notif == max_notification_size);
}

TEST_CASE("open enum values are classified by the spec's ranges") {
  unsigned known = 0, requests = 0, alarm = 0;
  for (unsigned v = 0; v <= 0xffff; ++v) {
    const auto t = static_cast<msg_type>(v);
    known += is_known(t);
    requests += is_request(t);
    alarm += is_alarm_request(t);
    CHECK((std::string(to_string(t)) == "unknown") == !is_known(t));
  }
  CHECK(known == 9);
  CHECK(requests == 8);
  CHECK(alarm == 3);
  CHECK_FALSE(is_request(msg_type::notif_alarm));

  unsigned statuses = 0, types = 0, utc_like = 0, impl_types = 0, smears = 0, impl_smears = 0, counters = 0,
           impl_counters = 0, requestable = 0;
  for (unsigned v = 0; v <= 0xff; ++v) {
    const auto b = static_cast<std::uint8_t>(v);
    statuses += is_spec_defined(static_cast<status>(b));
    types += is_spec_defined(static_cast<clock_type>(b));
    utc_like += is_utc_like(static_cast<clock_type>(b));
    impl_types += is_implementation_specific(static_cast<clock_type>(b));
    smears += is_spec_defined(static_cast<smearing>(b));
    impl_smears += is_implementation_specific(static_cast<smearing>(b));
    counters += is_spec_defined(static_cast<hw_counter>(b));
    impl_counters += is_implementation_specific(static_cast<hw_counter>(b));
    requestable += may_be_requested(static_cast<hw_counter>(b));
    // Every value has a printable name.
    CHECK(to_string(static_cast<status>(b)) != nullptr);
    CHECK(to_string(static_cast<clock_type>(b)) != nullptr);
    CHECK(to_string(static_cast<smearing>(b)) != nullptr);
    CHECK(to_string(static_cast<hw_counter>(b)) != nullptr);
  }
  CHECK(statuses == 5);
  CHECK_FALSE(is_spec_defined(static_cast<status>(1)));
  CHECK(types == 5);
  CHECK(utc_like == 3);
  CHECK(is_utc_like(clock_type::utc));
  CHECK(is_utc_like(clock_type::utc_smeared));
  CHECK(is_utc_like(clock_type::utc_maybe_smeared));
  CHECK_FALSE(is_utc_like(clock_type::tai));
  CHECK_FALSE(is_utc_like(clock_type::monotonic));
  CHECK_FALSE(is_utc_like(static_cast<clock_type>(0xf0)));
  CHECK(impl_types == 16);
  CHECK(smears == 3);
  CHECK(impl_smears == 16);
  CHECK(counters == 2);
  CHECK(impl_counters == 15);  // 0xF0..0xFE; 0xFF is INVALID
  CHECK_FALSE(is_implementation_specific(hw_counter::invalid));
  CHECK(requestable == 17);
  CHECK_FALSE(may_be_requested(hw_counter::invalid));
  CHECK_FALSE(may_be_requested(static_cast<hw_counter>(2)));
}

TEST_CASE("names are the spec's without prefix") {
  CHECK(std::string(to_string(msg_type::set_alarm_enabled)) == "SET_ALARM_ENABLED");
  CHECK(std::string(to_string(msg_type::notif_alarm)) == "NOTIF_ALARM");
  CHECK(std::string(to_string(status::eopnotsupp)) == "EOPNOTSUPP");
  CHECK(std::string(to_string(status::eio)) == "EIO");
  CHECK(std::string(to_string(static_cast<status>(1))) == "unknown");
  CHECK(std::string(to_string(clock_type::utc_maybe_smeared)) == "UTC_MAYBE_SMEARED");
  CHECK(std::string(to_string(static_cast<clock_type>(0xf7))) == "implementation-specific");
  CHECK(std::string(to_string(static_cast<clock_type>(5))) == "unknown");
  CHECK(std::string(to_string(smearing::utc_sls)) == "UTC_SLS");
  CHECK(std::string(to_string(static_cast<smearing>(0xff))) == "implementation-specific");
  CHECK(std::string(to_string(hw_counter::x86_tsc)) == "X86_TSC");
  CHECK(std::string(to_string(hw_counter::invalid)) == "INVALID");
  CHECK(std::string(to_string(static_cast<hw_counter>(0xfe))) == "implementation-specific");
  CHECK(std::string(to_string(static_cast<hw_counter>(0x10))) == "unknown");
}

TEST_CASE("layouts tile each message and name the spec's fields") {
  for_each_message_type([&](auto m) {
    using M = decltype(m);
    INFO(to_string(M::msg_type) << " kind " << static_cast<int>(M::kind));
    std::size_t next = 0;
    const auto rows = wire_layout<M>.view();
    REQUIRE(!rows.empty());
    CHECK(std::string(rows[0].name) == (M::kind == message_kind::response ? "status" : "msg_type"));
    for (const wire_row& row : rows) {
      CHECK(row.offset == next);
      CHECK(row.size > 0);
      next += row.size;
      CHECK(row.is_reserved() == (std::string(row.name) == "reserved"));
    }
    CHECK(next == M::size);
    // Natural alignment, as in the spec's structs (no implicit padding there).
    for (const wire_row& row : rows)
      if (!row.is_reserved()) CHECK(row.offset % row.size == 0);
  });
  CHECK(std::string(wire_layout<set_alarm_request>.rows[2].name) == "alarm_time");
  CHECK(wire_layout<set_alarm_request>.rows[3].offset == 16);
}

TEST_CASE("decode ignores trailing bytes and never reads reserved bytes") {
  std::array<std::byte, 40> buf{};
  buf.fill(std::byte{0xff});
  auto enc = encode(read_cross_request{.clock_id = 0x0102, .hw_counter = hw_counter::x86_tsc});
  std::copy(enc.begin(), enc.end(), buf.begin());
  for (const std::size_t i : std::array<std::size_t, 11>{2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) buf[i] = std::byte{0xa5};
  const auto d = decode<read_cross_request>(buf);
  REQUIRE(d.has_value());
  CHECK(d->clock_id == 0x0102);
  CHECK(d->hw_counter == hw_counter::x86_tsc);
  CHECK(has_nonzero_reserved<read_cross_request>(buf));
  CHECK(request_has_nonzero_reserved(buf));
  CHECK_FALSE(request_has_nonzero_reserved(enc));
}

TEST_CASE("has_nonzero_reserved looks at every reserved byte and only those") {
  for_each_message_type([&](auto m) {
    using M = decltype(m);
    M value{};
    auto bytes = encode(value);
    REQUIRE_FALSE(has_nonzero_reserved<M>(bytes));
    for (const wire_row& row : wire_layout<M>.view()) {
      for (std::size_t i = row.offset; i < row.offset + row.size; ++i) {
        auto copy = bytes;
        copy[i] ^= std::byte{0x40};
        INFO(to_string(M::msg_type) << " byte " << i << " (" << row.name << ")");
        CHECK(has_nonzero_reserved<M>(copy) == row.is_reserved());
        // A short input is judged by the bytes it has.
        CHECK(has_nonzero_reserved<M>(std::span(copy).first(i)) == false);
      }
    }
  });
  // For an error response only the header counts: the body is undefined.
  std::array<std::byte, 16> err{};
  err[0] = std::byte{3};
  err[12] = std::byte{1};
  CHECK_FALSE(has_nonzero_reserved<cfg_response>(err));
  err[5] = std::byte{1};
  CHECK(has_nonzero_reserved<cfg_response>(err));
}

TEST_CASE("reserved_masks mark exactly the reserved bytes of each word") {
  // Written out from the spec's tables for two messages, not derived from the layout.
  CHECK(reserved_masks<read_request> == std::array<std::uint64_t, 2>{0xFFFF'FFFF'FFFF'0000, 0xFFFF'FFFF'FFFF'0000});
  CHECK(reserved_masks<set_alarm_request> ==
        std::array<std::uint64_t, 3>{0xFFFF'FFFF'FFFF'0000, 0, 0xFFFF'FFFF'FF00'0000});
  CHECK(reserved_masks<read_response> == std::array<std::uint64_t, 2>{0xFFFF'FFFF'FFFF'FF00, 0});
  for_each_message_type([&](auto m) {
    using M = decltype(m);
    for (const wire_row& row : wire_layout<M>.view())
      for (std::size_t i = row.offset; i < row.offset + row.size; ++i) {
        INFO(to_string(M::msg_type) << " byte " << i << " (" << row.name << ")");
        const std::uint64_t byte_mask = (reserved_masks<M>[i / 8] >> (8 * (i % 8))) & 0xFF;
        CHECK(byte_mask == (row.is_reserved() ? 0xFFu : 0u));
      }
  });
}

TEST_CASE("visit_request names the request of each msg_type and nothing else") {
  const auto visit = [](int raw) {
    return visit_request(
        static_cast<msg_type>(static_cast<std::uint16_t>(raw)),
        []<class M>(std::type_identity<M>) {
          static_assert(M::kind == message_kind::request);
          return static_cast<int>(M::msg_type);
        },
        [] { return -1; });
  };
  for (const int t : {0x0001, 0x0002, 0x1000, 0x1001, 0x1002, 0x1003, 0x1004, 0x1005}) {
    INFO("msg_type " << t);
    CHECK(visit(t) == t);
  }
  for (const int t : {0x0000, 0x0003, 0x0fff, 0x1006, 0x2000, 0xffff}) {
    INFO("msg_type " << t);
    CHECK(visit(t) == -1);
  }
}

TEST_CASE("error responses are header-only") {
  for (unsigned s = 1; s <= 0xff; ++s) {
    const read_alarm_response r{.status = static_cast<status>(s), .alarm_time = 99, .flags = 1};
    CHECK(encoded_size(r) == 8);
    std::array<std::byte, 8> out{};
    CHECK(encode(r, out) == result<std::size_t>{8});
    CHECK(std::to_integer<unsigned>(out[0]) == s);
    const auto back = decode<read_alarm_response>(out);
    REQUIRE(back.has_value());
    CHECK(back->status == static_cast<status>(s));
    CHECK(back->alarm_time == 0);  // undefined fields are not interpreted
    CHECK(back->flags == 0);
  }
  CHECK(encoded_size(read_alarm_response{}) == 24);
  std::array<std::byte, 23> small{};
  CHECK(encode(read_alarm_response{}, small) == errc::buffer_too_small);
  std::array<std::byte, 7> tiny{};
  CHECK(encode(set_alarm_response{.status = status::eio}, tiny) == errc::buffer_too_small);
}

TEST_CASE("dispatching decoders") {
  // NOTIF_ALARM is known but not a request; unknown types stay unknown.
  const auto notif = encode(notif_alarm{.clock_id = 4});
  CHECK(decode_request(notif) == errc::unknown_msg_type);
  CHECK(decode<notif_alarm>(notif)->clock_id == 4);
  std::array<std::byte, 16> unknown{};
  unknown[0] = std::byte{0x06};
  CHECK(decode_request(unknown) == errc::unknown_msg_type);
  CHECK(decode_request(std::span(unknown).first(1)) == errc::too_short);
  CHECK(peek_msg_type(notif) == result<msg_type>{msg_type::notif_alarm});
  CHECK(peek_msg_type(std::span(notif).first(1)) == errc::too_short);

  const auto cfg = encode(cfg_response{.num_clocks = 3});
  CHECK(decode_response(msg_type::notif_alarm, cfg) == errc::unknown_msg_type);
  CHECK(decode_response(static_cast<msg_type>(0x1234), cfg) == errc::unknown_msg_type);
  const auto any = decode_response(msg_type::cfg, cfg);
  REQUIRE(any.has_value());
  CHECK(std::get<cfg_response>(*any).num_clocks == 3);
  CHECK(msg_type_of(*any) == msg_type::cfg);

  // Variant encode writes whichever message it holds.
  const any_request req = set_alarm_enabled_request{.clock_id = 1, .flags = 1};
  std::array<std::byte, max_request_size> out{};
  CHECK(encode(req, out) == result<std::size_t>{16});
  CHECK(decode_request(out) == result<any_request>{req});
}

TEST_CASE("flags are kept raw and accessors test only the defined bit") {
  const auto d = decode<clock_cap_response>(encode(clock_cap_response{.flags = 0xfe}));
  REQUIRE(d.has_value());
  CHECK(d->flags == 0xfe);
  CHECK_FALSE(d->alarm_cap());
  CHECK(undefined_flag_bits(*d) == 0xfe);
  CHECK(cross_cap_response{.flags = 0x81}.cross_cap());
  CHECK(undefined_flag_bits(cross_cap_response{.flags = 0x81}) == 0x80);
  CHECK(set_alarm_request{.flags = 1}.alarm_enabled());
  CHECK_FALSE(set_alarm_enabled_request{.flags = 2}.alarm_enabled());
  CHECK(undefined_flag_bits(set_alarm_enabled_request{.flags = 1}) == 0);
  CHECK(read_alarm_response{.flags = 3}.alarm_enabled());
}

TEST_CASE("request and response types are paired") {
  STATIC_REQUIRE(std::is_same_v<read_request::response_type, read_response>);
  STATIC_REQUIRE(std::is_same_v<set_alarm_enabled_response::request_type, set_alarm_enabled_request>);
  for_each_message_type([&](auto m) {
    using M = decltype(m);
    if constexpr (M::kind == message_kind::request) {
      STATIC_REQUIRE(std::is_same_v<typename M::response_type::request_type, M>);
      STATIC_REQUIRE(M::response_type::msg_type == M::msg_type);
      STATIC_REQUIRE(request_message<M>);
      STATIC_REQUIRE(!response_message<M>);
    }
    STATIC_REQUIRE(std::is_trivially_copyable_v<M>);
    CHECK(std::string(to_string(M::msg_type)) != "unknown");
  });
}

TEST_CASE("random bytes never break decode, and accepted values round-trip") {
  // A deterministic sweep (the fuzz targets do this at scale): every prefix length of a few
  // thousand pseudo-random buffers, decoded as every message kind.
  std::uint64_t state = 0x9e3779b97f4a7c15u;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
#ifdef VRTC_TEST_SANITIZED
  constexpr int rounds = 300;
#else
  constexpr int rounds = 3000;
#endif
  for (int r = 0; r < rounds; ++r) {
    std::array<std::byte, 32> buf{};
    for (auto& b : buf) b = static_cast<std::byte>(next() & 0xff);
    if (r % 3 == 0) buf[0] = static_cast<std::byte>(next() % 6);  // OK and error statuses
    if (r % 2 == 0) {  // a real msg_type half of the time
      constexpr std::array<std::uint16_t, 9> types{0x0001, 0x0002, 0x1000, 0x1001, 0x1002,
                                                   0x1003, 0x1004, 0x1005, 0x2000};
      store_le<std::uint16_t>(buf, 0, types[next() % types.size()]);
    }
    const auto len = static_cast<std::size_t>(next() % 33);
    const auto in = std::span<const std::byte>(buf).first(len);
    for_each_message_type([&](auto m) {
      using M = decltype(m);
      const auto d = decode<M>(in);
      if (!d) return;
      const auto again = decode<M>(encode(*d));
      CHECK(again == d);
    });
  }
}

namespace {

/// A message with every field non-zero and distinct, built in a constant expression.
template <class M>
constexpr M distinct_fields() {
  M m{};
  std::uint64_t v = 0x8877665544332211u;
  for_each_field(m, [&](const char* name, auto& member) {
    using T = std::remove_cvref_t<decltype(member)>;
    if (std::string_view(name) == "status") return;  // stays OK: the whole message is encoded
    member = static_cast<T>(v);
    v = (v << 8) | (v >> 56);
  });
  return m;
}

template <class M>
constexpr bool round_trips_in_constant_evaluation() {
  constexpr M m = distinct_fields<M>();
  constexpr auto bytes = encode(m);
  return decode<M>(bytes) == result<M>{m} && !has_nonzero_reserved<M>(bytes);
}

template <class... M>
constexpr bool all_round_trip(std::tuple<M...>) {
  return (round_trips_in_constant_evaluation<M>() && ...);
}
static_assert(all_round_trip(all_messages{}));

}  // namespace

TEST_CASE("compile-time and run-time encodings are identical") {
  // encode() stores words byte by byte in constant evaluation and with memcpy at run time;
  // both must give the same bytes for every message.
  for_each_message_type([&](auto m) {
    using M = decltype(m);
    static constexpr auto at_compile_time = encode(distinct_fields<M>());
    volatile std::uint8_t opaque = 0;  // keeps the run-time call a run-time call
    M value = distinct_fields<M>();
    if (opaque != 0) value = M{};
    const auto at_run_time = encode(value);
    INFO(to_string(M::msg_type));
    CHECK(hex_of(at_run_time) == hex_of(at_compile_time));
    std::array<std::byte, M::size> span_out{};
    REQUIRE(encode(value, span_out).has_value());
    CHECK(hex_of(span_out) == hex_of(at_compile_time));
  });
}
