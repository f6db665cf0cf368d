// Fuzz target: the differential harness (conformance/differential.hpp) on two reference devices
// that must be indistinguishable: the same clocks and policy, but a different origin of the
// reference time (the clocks are anchored so that every reading is the same).
//
// Input: le32 origin (times 1000 ns, taken below 10^12 ns so that no clock anchor wraps), one
// policy byte (bit 0: do not offer VIRTIO_RTC_F_ALARM, bit 1: clear alarms on reset), then a
// run_differential script. Any difference in used length, response bytes (readings included),
// notifications or clock steps traps.
#include <vrtc/conformance/differential.hpp>
#include <vrtc/conformance/reference_device.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vrtc;
  using namespace vrtc::conformance;
  if (size < 5) return 0;
  const std::uint64_t origin =
      (std::uint64_t{data[0]} | std::uint64_t{data[1]} << 8 | std::uint64_t{data[2]} << 16 | std::uint64_t{data[3]} << 24) *
      1000 % 1'000'000'000'000;
  reference_options a_opt;
  a_opt.offer_alarm = (data[4] & 1u) == 0;
  a_opt.retention = (data[4] & 2u) != 0 ? alarm_retention::clear : alarm_retention::retain;
  reference_options b_opt = a_opt;
  b_opt.origin = reference_time(origin);
  reference_device a(a_opt);
  reference_device b(b_opt);
  const device_under_test da = a.under_test();
  const device_under_test db = b.under_test();
  differential_options opt;
  opt.ignore_readings = false;
  if (run_differential(da, db, std::span<const std::uint8_t>(data + 5, size - 5), opt)) __builtin_trap();
  return 0;
}
