// Split virtqueue cost against a memcpy baseline, in one binary:
//   BM_memcpy_request_response  copying a 16-byte request and a 24-byte response (the least
//                               any exchange through guest memory costs)
//   BM_ring_round_trip          one request through real rings in one thread: the driver adds
//                               a two-descriptor chain, the device pops and gathers it,
//                               scatters a response and publishes it, the driver takes it
//   BM_ring_round_trip_indirect the same through an indirect table
//   BM_ring_device_read         the round trip with vrtc::device answering a READ in between
#include <vrtc/format/messages.hpp>
#include <vrtc/roles/clocks.hpp>
#include <vrtc/roles/device.hpp>
#include <vrtc/roles/virtqueue.hpp>
#include <vrtc/roles/virtqueue_driver.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cstring>
#include <memory>

namespace {

using namespace vrtc;

constexpr std::uint64_t base = 0x1000'0000;
constexpr std::uint64_t desc = base, avail = base + 0x1000, used = base + 0x2000;
constexpr std::uint64_t request_addr = base + 0x3000, response_addr = base + 0x3100, table_addr = base + 0x3200;

struct rings {
  struct alignas(4096) storage {
    std::array<std::byte, 0x4000> b{};
  };
  std::unique_ptr<storage> mem = std::make_unique<storage>();
  std::array<memory_region, 1> regions{{{base, sizeof(storage), mem->b.data()}}};
  guest_memory memory{regions};
  queue_config config{.size = 64, .desc_addr = desc, .avail_addr = avail, .used_addr = used, .indirect_desc = true};
  split_queue_driver driver = split_queue_driver::make(memory, config).value();
  split_queue device = split_queue::make(memory, config).value();
};

void BM_memcpy_request_response(benchmark::State& state) {
  std::array<std::byte, 16> req{}, req_copy{};
  std::array<std::byte, 24> resp{}, resp_copy{};
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

template <bool Indirect>
void round_trip(benchmark::State& state) {
  rings r;
  const guest_buffer rd[] = {{request_addr, 16}};
  const guest_buffer wr[] = {{response_addr, 24}};
  std::array<std::byte, 16> in{};
  const std::array<std::byte, 24> out{};
  for (auto _ : state) {
    const auto head = Indirect ? r.driver.add_indirect(table_addr, rd, wr) : r.driver.add(rd, wr);
    auto chain = r.device.pop(in);
    if (!head || !chain || !chain->has_value() || !r.device.complete(**chain, out)) state.SkipWithError("ring");
    benchmark::DoNotOptimize(r.driver.take_used());
  }
}
void BM_ring_round_trip(benchmark::State& state) { round_trip<false>(state); }
void BM_ring_round_trip_indirect(benchmark::State& state) { round_trip<true>(state); }
BENCHMARK(BM_ring_round_trip);
BENCHMARK(BM_ring_round_trip_indirect);

void BM_ring_device_read(benchmark::State& state) {
  rings r;
  simulated_clock tai{{clock_type::tai, smearing::unspecified, false}, 1'700'000'000'000'000'000};
  std::array<clock_ref, 1> refs{clock_ref(tai)};
  device dev{refs};
  dev.set_driver_ok();
  const auto request = encode(read_request{.clock_id = 0});
  if (!r.memory.write(request_addr, request)) state.SkipWithError("memory");
  const guest_buffer rd[] = {{request_addr, 16}};
  const guest_buffer wr[] = {{response_addr, 16}};
  std::array<std::byte, 16> in{};
  std::array<std::byte, 16> out{};
  std::uint64_t now = 0;
  for (auto _ : state) {
    (void)r.driver.add(rd, wr);
    auto chain = r.device.pop(in);
    if (!chain || !chain->has_value()) state.SkipWithError("ring");
    const std::size_t n = dev.handle(std::span<const std::byte>(in.data(), (*chain)->gathered),
                                     std::span<std::byte>(out.data(), (*chain)->writable < 16 ? (*chain)->writable : 16),
                                     vrtc::reference_time(now += 1000));
    benchmark::DoNotOptimize(r.device.complete(**chain, std::span<const std::byte>(out.data(), n)));
    benchmark::DoNotOptimize(r.driver.take_used());
  }
}
BENCHMARK(BM_ring_device_read);

}  // namespace
