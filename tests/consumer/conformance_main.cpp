// A program outside the vrtc tree using vrtc::conformance: the reference device passes the
// device suite, and a device that answers nothing fails it.
#include <vrtc/conformance/device_suite.hpp>
#include <vrtc/conformance/reference_device.hpp>

#include <cstdio>

int main() {
  vrtc::conformance::reference_device reference;
  const auto good = vrtc::conformance::run_device_suite(reference.under_test());
  vrtc::conformance::device_under_test silent;
  silent.handle = [](std::span<const std::byte>, std::span<std::byte>) -> std::size_t { return 0; };
  const auto bad = vrtc::conformance::run_device_suite(silent);
  if (!good.ok() || good.passed() == 0 || bad.ok()) {
    std::printf("consumer-conformance: reference %zu failed, silent device %zu failed\n", good.failed(),
                bad.failed());
    return 1;
  }
  std::puts("consumer-conformance: ok");
  return 0;
}
