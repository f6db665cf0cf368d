// A program outside the vrtc tree: uses the library the way a user would, and checks one
// result so that a broken include path or a broken package fails loudly.
#include <vrtc/vrtc.hpp>

#include <cstdio>

int main() {
  std::array<std::byte, 8> buf{};
  vrtc::store_le<std::uint16_t>(buf, 0, 0x1000);  // msg_type of a CFG request
  if (buf[0] != std::byte{0x00} || buf[1] != std::byte{0x10}) {
    std::puts("consumer: unexpected encoding");
    return 1;
  }
  std::puts("consumer: ok");
  return 0;
}
