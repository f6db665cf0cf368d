// The message generators (include/vrtc/conformance/generate.hpp): deterministic, every shape
// and defect reachable, the reference device meets every promise they make, and a device that
// answers an unknown clock with EINVAL (a deviation seen in public devices) is caught.
#include <vrtc/conformance/generate.hpp>

#include <vrtc/roles/clocks.hpp>
#include <vrtc/roles/device.hpp>

#include <catch2/catch.hpp>
#include <array>
#include <cstdint>
#include <set>
#include <vector>

namespace {

using namespace vrtc;
using namespace vrtc::conformance;

/// Input bytes from a fixed xorshift sequence (the inputs are arbitrary; only their
/// determinism matters).
std::vector<std::uint8_t> bytes_from(std::uint64_t seed, std::size_t n) {
  std::vector<std::uint8_t> out(n);
  std::uint64_t x = seed * 0x9E3779B97F4A7C15u + 1;
  for (auto& b : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  return out;
}

struct outcome {
  std::size_t used;
  std::vector<std::byte> response;
};

/// Counts the generated requests whose promise the handler breaks.
template <class Handler>
std::size_t broken_promises(Handler&& handle, bool alarm, unsigned inputs, std::set<int>* required_seen = nullptr) {
  std::size_t broken = 0;
  for (unsigned i = 0; i < inputs; ++i) {
    const auto data = bytes_from(i, 64);
    fuzz_input in(data.data(), data.size());
    const generated_request g = generate_request(in, {3, alarm});
    std::vector<std::byte> response(g.writable_size, std::byte{0xA5});
    const std::size_t used = handle(g.bytes, response);
    if (g.writable_size < header_size) {
      broken += used != 0;
      continue;
    }
    const auto st = static_cast<status>(std::to_integer<std::uint8_t>(response[0]));
    if (g.required_status) {
      if (required_seen != nullptr) required_seen->insert(static_cast<int>(*g.required_status));
      broken += st != *g.required_status;
    }
    if (g.must_fail) broken += st == status::ok;
  }
  return broken;
}

}  // namespace

TEST_CASE("generate: the same input gives the same request") {
  const auto data = bytes_from(7, 200);
  fuzz_input a(data.data(), data.size());
  fuzz_input b(data.data(), data.size());
  for (int i = 0; i < 10; ++i) {
    const auto x = generate_request(a);
    const auto y = generate_request(b);
    CHECK(x.bytes == y.bytes);
    CHECK(x.writable_size == y.writable_size);
    CHECK(x.required_status == y.required_status);
  }
}

TEST_CASE("generate: input exhausted reads as zeros") {
  fuzz_input in(nullptr, 0);
  CHECK(in.empty());
  CHECK(in.u64() == 0);
  // Shape valid, type READ, clock 0: the golden READ request of clock 0.
  const auto g = generate_request(in);
  CHECK(g.shape == message_shape::valid);
  CHECK(g.bytes == std::vector<std::byte>{std::byte{1}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0},
                                          std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0},
                                          std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0},
                                          std::byte{0}});
  CHECK(g.writable_size == 16);
  CHECK_FALSE(g.required_status.has_value());
}

TEST_CASE("generate: specific defects carry the status the specification requires") {
  // shape malformed (2), type index 0 (READ), clock 0, counter, flags, time (8 bytes), defect.
  const auto with = [](std::uint8_t type_index, std::uint8_t defect, std::uint8_t extra) {
    std::array<std::uint8_t, 16> d{2, type_index, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, defect, extra, extra};
    fuzz_input in(d.data(), d.size());
    return generate_request(in, {3, true});
  };
  CHECK(with(0, 3, 0).required_status == status::eopnotsupp);  // unknown msg_type 0x0000
  CHECK(with(0, 3, 0).bytes[0] == std::byte{0});
  CHECK(with(0, 1, 0).required_status == status::einval);      // writable 8 < 16
  CHECK(with(0, 1, 0).writable_size == 8);
  CHECK(with(0, 0, 3).writable_size == 3);                     // no room for the status
  CHECK_FALSE(with(0, 0, 3).required_status.has_value());
  CHECK(with(1, 4, 0).required_status == status::einval);      // READ_CROSS with counter INVALID
  CHECK(with(1, 4, 0).bytes[10] == std::byte{0xFF});
  CHECK(with(1, 4, 1).required_status == status::eopnotsupp);  // READ_CROSS with counter 2..0xEF
  CHECK(with(0, 2, 12).bytes.size() == 12);                    // truncated READ
  CHECK(with(0, 2, 12).required_status == status::einval);
}

TEST_CASE("generate: the reference device keeps every promise") {
  for (const bool alarm : {false, true}) {
    simulated_clock tai({clock_type::tai, smearing::unspecified, true}, 1'700'000'037'000'000'000);
    simulated_clock mono({clock_type::monotonic, smearing::unspecified, false}, 0);
    simulated_clock utc({clock_type::utc, smearing::unspecified, true}, 1'700'000'000'000'000'000);
    const std::array<clock_ref, 3> clocks{tai, mono, utc};
    device dev(clocks);
    dev.set_negotiated_features(alarm ? feature_alarm_mask : 0);
    dev.set_driver_ok();
    std::set<int> seen;
    CHECK(broken_promises([&](std::span<const std::byte> req, std::span<std::byte> resp) { return dev.handle(req, resp, reference_time{}); },
                          alarm, 3000, &seen) == 0);
    CHECK(seen == std::set<int>{2, 3, 4});  // EOPNOTSUPP, ENODEV and EINVAL were all required somewhere
  }
}

TEST_CASE("generate: a device answering an unknown clock with EINVAL is caught") {
  simulated_clock tai({clock_type::tai, smearing::unspecified, true}, 1);
  simulated_clock mono({clock_type::monotonic, smearing::unspecified, false}, 0);
  simulated_clock utc({clock_type::utc, smearing::unspecified, true}, 2);
  const std::array<clock_ref, 3> clocks{tai, mono, utc};
  device dev(clocks);
  dev.set_negotiated_features(feature_alarm_mask);
  dev.set_driver_ok();
  const auto deviating = [&](std::span<const std::byte> req, std::span<std::byte> resp) {
    const std::size_t used = dev.handle(req, resp, reference_time{});
    if (used >= 1 && resp[0] == static_cast<std::byte>(status::enodev)) resp[0] = static_cast<std::byte>(status::einval);
    return used;
  };
  CHECK(broken_promises(deviating, true, 3000) > 0);
}
