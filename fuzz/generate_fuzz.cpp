// Fuzz target: the request generator (include/vrtc/conformance/generate.hpp) against the
// reference device (device.hpp).
//
// Input: a policy byte (F_ALARM negotiated, strict or lenient requests), then generated
// requests, each followed by a step of reference time. For every request the device
// requirements that bytes alone decide must hold (virtio 1.4 §5.23.6.2, §5.23.6.6.2.2):
//  * fewer than 8 writable bytes: nothing written, used length 0;
//  * otherwise the used length lies in [8, writable size], no byte past it is written, the
//    status is one the spec defines and the header's reserved bytes are zero;
//  * OK only with a complete request and room for the whole response, the response in full,
//    its reserved bytes zero and only defined (and negotiated) flag bits;
//  * the status the generator says the specification requires, and an error where it says
//    the request must fail;
//  * a valid READ of an existing clock succeeds (every clock here can be read).
#include <vrtc/conformance/generate.hpp>
#include <vrtc/format/messages.hpp>
#include <vrtc/roles/clocks.hpp>
#include <vrtc/roles/device.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

using namespace vrtc;
using namespace vrtc::conformance;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr std::byte fill{0xA5};

/// An OK response's reserved bytes and flags, checked through the message layouts.
void check_ok_response(msg_type t, std::span<const std::byte> r, bool alarm_negotiated) {
  conformance::detail::with_response_type(t, [&](auto m) {
    using M = decltype(m);
    check(!has_nonzero_reserved<M>(r));
    const auto decoded = decode<M>(r);
    check(decoded.has_value());
    if constexpr (requires { M::defined_flags; }) check(undefined_flag_bits(*decoded) == 0);
    if constexpr (std::is_same_v<M, clock_cap_response>) check(alarm_negotiated || !decoded->alarm_cap());
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz_input in(data, size);
  const std::uint8_t policy = in.u8();
  const bool alarm = (policy & 1) != 0;
  device_config cfg;
  cfg.strict_requests = (policy & 2) == 0;

  virtual_counter tsc{hw_counter::x86_tsc, 2'000'000'000, 0};
  simulated_clock tai({clock_type::tai, smearing::unspecified, true}, 1'700'000'037'000'000'000, &tsc);
  simulated_clock mono({clock_type::monotonic, smearing::unspecified, false}, 0);
  simulated_clock utc({clock_type::utc, smearing::unspecified, true}, 1'700'000'000'000'000'000);
  const std::array<guest_counter, 1> counters{guest_counter{hw_counter::x86_tsc, counter_transform::identity()}};
  cfg.guest_counters.assign(counters.begin(), counters.end());
  const std::array<clock_ref, 3> clocks{tai, mono, utc};
  device dev(clocks, cfg);
  dev.set_negotiated_features(alarm ? feature_alarm_mask : 0);
  dev.set_driver_ok();
  const generator_options opts{static_cast<std::uint16_t>(clocks.size()), dev.alarm_negotiated()};

  reference_time now{};
  std::vector<std::byte> response;
  for (unsigned n = 0; !in.empty() && n < 64; ++n) {
    const generated_request g = generate_request(in, opts);
    response.assign(g.writable_size, fill);
    const std::size_t used = dev.handle(g.bytes, response, now);
    now += nanosecond_count(std::uint64_t{in.u8()} * 1'000'000);

    if (g.writable_size < header_size) {
      check(used == 0);
      for (const std::byte b : response) check(b == fill);
      continue;
    }
    check(used >= header_size && used <= g.writable_size);
    for (std::size_t i = used; i < response.size(); ++i) check(response[i] == fill);
    const auto st = static_cast<status>(std::to_integer<std::uint8_t>(response[0]));
    check(is_spec_defined(st));
    for (std::size_t i = 1; i < header_size; ++i) check(response[i] == std::byte{0});
    if (g.required_status) check(st == *g.required_status);
    if (g.must_fail) check(st != status::ok);
    const auto t = static_cast<msg_type>(g.bytes.size() >= 2 ? load_le<std::uint16_t>(g.bytes, 0) : 0);
    if (st == status::ok) {
      check(is_request(t));
      check(g.bytes.size() >= request_size(t));
      check(used >= response_size(t));
      check_ok_response(t, std::span<const std::byte>(response).first(used), dev.alarm_negotiated());
    }
    if (g.shape == message_shape::valid && t == msg_type::read) check(st == status::ok);
  }
  return 0;
}
