// A program outside the vrtc tree using vrtc::linux: the host's real-time clock as a virtio-rtc
// clock must agree with time() to within a few seconds.
#include <vrtc/linux/host_clocks.hpp>

#include <cstdio>
#include <ctime>

int main() {
  const auto clock = vrtc::host_clock::realtime();
  const auto reading = clock.read(vrtc::reference_time{});
  if (!reading) {
    std::puts("consumer-linux: the real-time clock gave no reading");
    return 1;
  }
  const auto seconds = static_cast<long long>(*reading / 1'000'000'000u);
  const auto now = static_cast<long long>(std::time(nullptr));
  if (seconds < now - 5 || seconds > now + 5) {
    std::printf("consumer-linux: CLOCK_REALTIME read %lld s, time() says %lld s\n", seconds, now);
    return 1;
  }
  std::puts("consumer-linux: ok");
  return 0;
}
