// The README's first example: encode a virtio-rtc request, decode a device's response.
#include <vrtc/format/messages.hpp>

#include <cstdio>

int main() {
  // Driver side: a READ request for clock 0, as the 16 bytes that go on requestq.
  const std::array<std::byte, 16> request = vrtc::encode(vrtc::read_request{.clock_id = 0});

  // Device side: decode whatever arrived, whatever its length or content.
  const auto decoded = vrtc::decode<vrtc::read_request>(request);
  if (!decoded) return std::printf("bad request: %s\n", vrtc::to_string(decoded.error())), 1;

  // ... and answer with a reading in nanoseconds.
  const auto response = vrtc::encode(vrtc::read_response{.clock_reading = 1'700'000'000'123'456'789});

  // Driver side again: a non-OK status would need only the 8-byte header.
  const auto reading = vrtc::decode<vrtc::read_response>(response);
  if (!reading || reading->status != vrtc::status::ok) return std::puts("device error"), 1;
  std::printf("clock %u reads %llu ns\n", unsigned{decoded->clock_id},
              static_cast<unsigned long long>(reading->clock_reading));
}
