// virtio-rtc device and driver cost against a memcpy baseline, in one binary so the ratios come
// from one run:
//   BM_memcpy_request_response  copying a 16-byte request and a 16-byte response (the least
//                               any in-memory exchange of a READ costs)
//   BM_device_handle/<msg>      device::handle() on one pre-encoded request of each type
//   BM_driver_device_read       driver::read(): encode, in-memory transport, device, validate,
//                               decode -- a whole READ round trip
//   BM_device_advance           device::advance() with three alarm clocks armed in the future
//   BM_clock_gettime_realtime   the host clock read alone (vDSO), the baseline of ...
//   BM_device_handle_host_read  ... READ served by host_clock::realtime()
#include <vrtc/format/messages.hpp>
#include <vrtc/linux/host_clocks.hpp>
#include <vrtc/roles/clocks.hpp>
#include <vrtc/roles/device.hpp>
#include <vrtc/roles/driver.hpp>
#include <vrtc/roles/in_memory_transport.hpp>
#include <vrtc/roles/leap_clocks.hpp>

#include <benchmark/benchmark.h>
#include <time.h>

#include <array>
#include <cstring>
#include <vector>

namespace {

using namespace vrtc;

constexpr std::uint64_t s = 1'000'000'000;
constexpr std::uint64_t E = 1'483'228'800;

/// Three simulated clocks (UTC_SMEARED from TAI, TAI with a TSC, MONOTONIC) on one device.
struct rig {
  virtual_counter tsc{hw_counter::x86_tsc, 2'500'000'000, 0};
  simulated_clock tai{{clock_type::tai, smearing::unspecified, false}, (E - 2000 + 36) * s, &tsc};
  smeared_utc_clock<simulated_clock> utc{tai, leap_schedule{36, leap_second{E, leap_sign::positive}},
                                         smear_method::utc_sls, true};
  simulated_clock mono{{clock_type::monotonic, smearing::unspecified, true}, 0, &tsc};
  std::array<guest_counter, 1> counters{guest_counter{hw_counter::x86_tsc, counter_transform::x86_tsc(1u << 31, 32, 7)}};
  std::array<clock_ref, 3> refs{clock_ref(utc), clock_ref(tai), clock_ref(mono)};
  device dev{refs, {.guest_counters = {counters.begin(), counters.end()}}};
  rig() {
    dev.set_negotiated_features(feature_alarm_mask);
    dev.set_driver_ok();
  }
};

void BM_memcpy_request_response(benchmark::State& state) {
  std::array<std::byte, 16> req{}, req_copy{}, resp{}, resp_copy{};
  req[0] = std::byte{1};
  for (auto _ : state) {
    benchmark::DoNotOptimize(req.data());
    std::memcpy(req_copy.data(), req.data(), req.size());
    benchmark::ClobberMemory();
    std::memcpy(resp_copy.data(), resp.data(), resp.size());
    benchmark::DoNotOptimize(resp_copy.data());
    benchmark::DoNotOptimize(req_copy.data());
  }
}
BENCHMARK(BM_memcpy_request_response);

template <class Req>
void handle(benchmark::State& state, const Req& request) {
  rig r;
  const auto bytes = encode(request);
  std::array<std::byte, max_response_size> out{};
  reference_time now(1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(bytes.data());
    const std::size_t used = r.dev.handle(bytes, out, now);
    benchmark::DoNotOptimize(used);
    benchmark::DoNotOptimize(out.data());
    now += nanosecond_count(3);
  }
  if (out[0] != std::byte{0}) state.SkipWithError("request failed");
}

BENCHMARK_CAPTURE(handle, READ_utc_smeared, read_request{0});
BENCHMARK_CAPTURE(handle, READ_tai, read_request{1});
BENCHMARK_CAPTURE(handle, READ_CROSS_tai_tsc, read_cross_request{1, hw_counter::x86_tsc});
BENCHMARK_CAPTURE(handle, CFG, cfg_request{});
BENCHMARK_CAPTURE(handle, CLOCK_CAP, clock_cap_request{0});
BENCHMARK_CAPTURE(handle, CROSS_CAP, cross_cap_request{1, hw_counter::x86_tsc});
BENCHMARK_CAPTURE(handle, READ_ALARM, read_alarm_request{2});
BENCHMARK_CAPTURE(handle, SET_ALARM, set_alarm_request{5'000 * s, 2, flag_alarm_enabled});
BENCHMARK_CAPTURE(handle, SET_ALARM_ENABLED, set_alarm_enabled_request{2, 0});

void BM_driver_device_read(benchmark::State& state) {
  rig r;
  in_memory_transport link(r.dev, reference_time(1));
  driver<in_memory_transport> drv(link, {.features = feature_alarm_mask});
  for (auto _ : state) {
    const auto reading = drv.read(1);
    benchmark::DoNotOptimize(reading);
  }
  if (!drv.read(1)) state.SkipWithError("read failed");
}
BENCHMARK(BM_driver_device_read);

void BM_device_advance(benchmark::State& state) {
  rig r;
  std::array<std::byte, 8> out{};
  (void)r.dev.handle(encode(set_alarm_request{E * s + 10 * s, 0, flag_alarm_enabled}), out, reference_time{});
  (void)r.dev.handle(encode(set_alarm_request{1000 * s, 2, flag_alarm_enabled}), out, reference_time{});
  reference_time now(1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(r.dev.advance(now));
    now += nanosecond_count(3);
  }
}
BENCHMARK(BM_device_advance);

void BM_clock_gettime_realtime(benchmark::State& state) {
  timespec ts{};
  for (auto _ : state) {
    clock_gettime(CLOCK_REALTIME, &ts);
    benchmark::DoNotOptimize(ts);
  }
}
BENCHMARK(BM_clock_gettime_realtime);

void BM_device_handle_host_read(benchmark::State& state) {
  auto realtime = host_clock::realtime();
  const std::array<clock_ref, 1> refs{clock_ref(realtime)};
  device dev(refs);
  const auto bytes = encode(read_request{0});
  std::array<std::byte, 16> out{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(dev.handle(bytes, out, reference_time{}));
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_device_handle_host_read);

}  // namespace
