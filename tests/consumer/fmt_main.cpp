// A program outside the vrtc tree using vrtc::fmt: message types format by their spec names.
#include <vrtc/fmt.hpp>

#include <cstdio>

int main() {
  const auto text = fmt::format("{} {}", vrtc::msg_type::read_cross, vrtc::errc::too_short);
  if (text != "READ_CROSS input too short") {
    std::printf("consumer-fmt: got \"%s\"\n", text.c_str());
    return 1;
  }
  std::puts("consumer-fmt: ok");
  return 0;
}
