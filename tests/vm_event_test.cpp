// Tests for include/vrtc/format/vm_event.hpp. Golden bytes are written by hand from the ACRN layout:
// u32 type at 0, 28 data bytes at 4; RTC payload i64 last_time at 4, i64 delta_time at 12.
#include <vrtc/format/vm_event.hpp>

#include <array>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>

using vrtc::rtc_change_data;
using vrtc::vm_event;
using vrtc::vm_event_type;

namespace {

template <class... B>
constexpr std::array<std::byte, sizeof...(B)> bytes(B... b) {
  return {static_cast<std::byte>(b)...};
}

// last_time = 946684805 = 0x386d4385 (2000-01-01T00:00:05Z), delta_time = -3600.
constexpr auto golden_rtc = bytes(0x00, 0x00, 0x00, 0x00,                          // type 0
                                  0x85, 0x43, 0x6d, 0x38, 0x00, 0x00, 0x00, 0x00,  // last_time
                                  0xf0, 0xf1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // delta_time
                                  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
constexpr auto golden_poweroff = bytes(0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                       0, 0, 0, 0, 0, 0, 0);

}  // namespace

TEST_CASE("an RTC change event encodes to the hand-written golden bytes", "[vm_event]") {
  constexpr vm_event e = vrtc::make_rtc_change_event({946684805, -3600});
  STATIC_REQUIRE(vrtc::encode_vm_event(e) == golden_rtc);
  REQUIRE(vrtc::encode_vm_event(e) == golden_rtc);
  STATIC_REQUIRE(vrtc::vm_event_size == 32);
}

TEST_CASE("the type is always written, even over a dirty buffer", "[vm_event]") {
  std::array<std::byte, 40> out{};
  out.fill(std::byte{0xaa});
  REQUIRE(vrtc::encode_vm_event(vrtc::make_rtc_change_event({946684805, -3600}), out).has_value());
  for (std::size_t i = 0; i < 32; ++i) REQUIRE(out[i] == golden_rtc[i]);
  REQUIRE(out[32] == std::byte{0xaa});  // nothing past the element
  REQUIRE(vrtc::encode_vm_event(vm_event{vm_event_type::poweroff, {}}) == golden_poweroff);
  std::array<std::byte, 31> small{};
  REQUIRE(vrtc::encode_vm_event(vm_event{}, small) == vrtc::errc::buffer_too_small);
}

TEST_CASE("decoding round-trips and reads the misaligned 64-bit fields", "[vm_event]") {
  constexpr auto d = vrtc::decode_vm_event(golden_rtc);
  STATIC_REQUIRE(d.has_value());
  STATIC_REQUIRE(vrtc::rtc_change_data_of(*d).value() == rtc_change_data{946684805, -3600});
  // Extremes survive the trip.
  for (const auto& v : {rtc_change_data{INT64_MIN, INT64_MAX}, rtc_change_data{-1, 0}, rtc_change_data{0, -1}}) {
    const auto back = vrtc::decode_vm_event(vrtc::encode_vm_event(vrtc::make_rtc_change_event(v)));
    REQUIRE(back.has_value());
    REQUIRE(vrtc::rtc_change_data_of(*back).value() == v);
  }
}

TEST_CASE("decoding rejects short input and unknown types", "[vm_event]") {
  REQUIRE(vrtc::decode_vm_event(std::span(golden_rtc).first(31)) == vrtc::errc::too_short);
  auto unknown = golden_rtc;
  unknown[0] = std::byte{3};
  REQUIRE(vrtc::decode_vm_event(unknown) == vrtc::errc::unknown_msg_type);
  unknown[0] = std::byte{0};
  unknown[3] = std::byte{0x80};  // type 0x80000000
  REQUIRE(vrtc::decode_vm_event(unknown) == vrtc::errc::unknown_msg_type);
  const auto p = vrtc::decode_vm_event(golden_poweroff);
  REQUIRE(p.has_value());
  REQUIRE(p->type == vm_event_type::poweroff);
  REQUIRE(vrtc::rtc_change_data_of(*p) == vrtc::errc::wrong_msg_type);
  const auto t = bytes(0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                       0, 0);
  REQUIRE(vrtc::decode_vm_event(t).value().type == vm_event_type::triple_fault);
}
