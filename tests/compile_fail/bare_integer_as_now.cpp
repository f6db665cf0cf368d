// Must not compile: a bare integer passed as the device's `now`. Clock readings are integers
// on the wire; the reference time is not, so the one cannot stand in for the other.
#include <cstdint>
#include <span>

#include "vrtc/roles/device.hpp"

int main() {
  vrtc::device dev(std::span<const vrtc::clock_ref>{});
  const std::uint64_t reading = 5;
#ifdef VRTC_COMPILE_FAIL
  return static_cast<int>(dev.advance(reading));
#else
  return static_cast<int>(dev.advance(vrtc::reference_time(reading)));
#endif
}
