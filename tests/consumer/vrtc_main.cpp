// A program outside the vrtc tree: uses the library the way a user would, and checks one
// result so that a broken include path or a broken package fails loudly.
#include <vrtc/vrtc.hpp>

#include <array>
#include <cstdio>

int main() {
  // A SET_ALARM request for clock 0 at 1800000000000000000 ns, enabled (virtio 1.4, 5.23.6.6.2).
  const vrtc::set_alarm_request request{.alarm_time = 1800000000000000000u, .clock_id = 0, .flags = 1};
  const auto bytes = vrtc::encode(request);
  constexpr std::array<unsigned, 24> expected{0x04, 0x10, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0xb4, 0x93,
                                              0x76, 0xe2, 0xfa, 0x18, 0, 0, 0x01, 0, 0, 0, 0, 0};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (std::to_integer<unsigned>(bytes[i]) != expected[i]) {
      std::printf("consumer: unexpected byte %zu of a SET_ALARM request\n", i);
      return 1;
    }
  }
  const auto decoded = vrtc::decode_request(bytes);
  if (!decoded || !std::holds_alternative<vrtc::set_alarm_request>(*decoded) ||
      std::get<vrtc::set_alarm_request>(*decoded) != request) {
    std::puts("consumer: the request does not decode to itself");
    return 1;
  }
  std::puts("consumer: ok");
  return 0;
}
