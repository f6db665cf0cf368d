// RTC change path cost against a memcpy baseline, in one binary so the ratios come from one
// run:
//   BM_memcpy_event           copying one 32-byte vm_event twice (in and out of a buffer):
//                             the least any ring transfer costs
//   BM_sbuf_push_pop          one vm_event through the sbuf ring (push, then pop)
//   BM_vm_event_encode_decode make_rtc_change_event + encode + decode + payload
//   BM_cmos_write             one time-register write to the CMOS model (running clock)
//   BM_coalescer_on_write     the same write through rtc_change_coalescer::on_write
#include <vrtc/format/cmos_rtc.hpp>
#include <vrtc/format/sbuf.hpp>
#include <vrtc/format/vm_event.hpp>
#include <vrtc/roles/rtc_change.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstring>

namespace {

using std::chrono::nanoseconds;

const auto event_bytes = vrtc::encode_vm_event(vrtc::make_rtc_change_event({946684805, 3600}));

void BM_memcpy_event(benchmark::State& state) {
  alignas(64) std::array<std::byte, 64 + 4032> ring{};
  std::array<std::byte, 32> out{};
  std::size_t slot = 0;
  for (auto _ : state) {
    std::memcpy(ring.data() + 64 + slot, event_bytes.data(), 32);
    benchmark::ClobberMemory();
    std::memcpy(out.data(), ring.data() + 64 + slot, 32);
    benchmark::DoNotOptimize(out);
    slot = slot + 32 == 4032 ? 0 : slot + 32;
  }
}
BENCHMARK(BM_memcpy_event);

void BM_sbuf_push_pop(benchmark::State& state) {
  alignas(64) std::array<std::byte, 4096> page{};
  (void)vrtc::sbuf_init(page, 32);
  auto prod = vrtc::sbuf_producer::attach(page, 32).value();
  auto cons = vrtc::sbuf_consumer::attach(page, 32).value();
  std::array<std::byte, 32> out{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(prod.push(event_bytes).has_value());
    benchmark::DoNotOptimize(cons.pop(out).has_value());
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_sbuf_push_pop);

void BM_vm_event_encode_decode(benchmark::State& state) {
  std::int64_t t = 946684805;
  for (auto _ : state) {
    const auto wire = vrtc::encode_vm_event(vrtc::make_rtc_change_event({t, 3600}));
    const auto back = vrtc::decode_vm_event(wire);
    benchmark::DoNotOptimize(vrtc::rtc_change_data_of(*back).value().last_time);
    ++t;
  }
}
BENCHMARK(BM_vm_event_encode_decode);

void BM_cmos_write(benchmark::State& state) {
  auto rtc = vrtc::cmos_rtc::running(vrtc::reference_time{}, 946684800).value();
  std::uint64_t now = 0;
  std::uint8_t minutes = 0;
  for (auto _ : state) {
    now += 1'000'000;
    minutes = static_cast<std::uint8_t>(minutes == 0x10 ? 0x20 : 0x10);
    benchmark::DoNotOptimize(rtc.write(vrtc::reference_time(now), vrtc::cmos_reg::minutes, minutes).has_value());
  }
}
BENCHMARK(BM_cmos_write);

void BM_coalescer_on_write(benchmark::State& state) {
  auto rtc = vrtc::cmos_rtc::running(vrtc::reference_time{}, 946684800).value();
  vrtc::rtc_change_coalescer coalescer;
  std::uint64_t now = 0;
  std::uint8_t minutes = 0;
  for (auto _ : state) {
    now += 1'000'000;
    minutes = static_cast<std::uint8_t>(minutes == 0x10 ? 0x20 : 0x10);
    const auto r = coalescer.on_write(vrtc::reference_time(now), rtc, vrtc::cmos_reg::minutes, minutes);
    benchmark::DoNotOptimize(r.has_value());
  }
}
BENCHMARK(BM_coalescer_on_write);

}  // namespace
