// Encode and decode of every virtio-rtc message, against a memcpy of the same number of bytes.
//
// Baselines: BM_memcpy/<n> copies n bytes (n a compile-time constant, as a message size is)
// between two buffers. Every benchmark hides its input from the optimiser with DoNotOptimize
// before each iteration, and forces its output to memory afterwards, so that nothing is
// constant-folded or hoisted out of the loop. Compare each message benchmark with the
// memcpy of its size (docs/performance.md).
#include <vrtc/format/any_message.hpp>
#include <vrtc/format/messages.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cstring>
#include <string>
#include <tuple>

namespace {

using namespace vrtc;

template <std::size_t N>
void bm_memcpy(benchmark::State& state) {
  std::array<std::byte, N> src{};
  std::array<std::byte, N> dst{};
  for (std::size_t i = 0; i < N; ++i) src[i] = static_cast<std::byte>(i * 7 + 1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(src.data());
    benchmark::ClobberMemory();  // src may have changed
    std::memcpy(dst.data(), src.data(), N);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();  // dst must be written
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(N));
}

/// A message of type M with every field non-zero (so no store can be skipped).
template <class M>
M sample() {
  M m{};
  std::uint64_t seed = 0x0123456789abcdefu;
  for_each_field(m, [&](const char* name, auto& member) {
    using T = std::remove_cvref_t<decltype(member)>;
    if (std::string_view(name) == "status") return;  // OK: the full message is encoded
    member = static_cast<T>(seed);
    seed = seed * 6364136223846793005u + 1442695040888963407u;
  });
  return m;
}

template <class M>
void bm_encode(benchmark::State& state) {
  M m = sample<M>();
  std::array<std::byte, M::size> out{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(&m);
    benchmark::ClobberMemory();  // m may have changed
    const auto n = encode(m, out);
    std::size_t used = n ? *n : 0;  // consume the outcome as a caller does
    benchmark::DoNotOptimize(used);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(M::size));
}

template <class M>
void bm_decode(benchmark::State& state) {
  std::array<std::byte, M::size> in = encode(sample<M>());
  for (auto _ : state) {
    benchmark::DoNotOptimize(in.data());
    benchmark::ClobberMemory();  // the input bytes may have changed
    const auto d = decode<M>(in);
    // Consume the outcome and every field, as a caller does (folded into one value, so that
    // the consumption itself adds only an add per field).
    std::uint64_t seen = d.has_value() ? 1 : 0;
    if (d) {
      for_each_field(*d, [&](const char*, const auto& field) {
        seen += static_cast<wire_type_t<std::remove_cvref_t<decltype(field)>>>(field);
      });
    }
    benchmark::DoNotOptimize(seen);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(M::size));
}

template <class M>
std::string label() {
  const char* dir = M::kind == message_kind::request ? "_req" : M::kind == message_kind::response ? "_resp" : "";
  return std::string(to_string(M::msg_type)) + dir + "/" + std::to_string(M::size);
}

const bool registered = [] {
  benchmark::RegisterBenchmark("BM_memcpy/8", bm_memcpy<8>);
  benchmark::RegisterBenchmark("BM_memcpy/16", bm_memcpy<16>);
  benchmark::RegisterBenchmark("BM_memcpy/24", bm_memcpy<24>);
  std::apply(
      [](auto... m) {
        (benchmark::RegisterBenchmark(("BM_encode/" + label<decltype(m)>()).c_str(), bm_encode<decltype(m)>), ...);
        (benchmark::RegisterBenchmark(("BM_decode/" + label<decltype(m)>()).c_str(), bm_decode<decltype(m)>), ...);
      },
      all_messages{});
  return true;
}();

}  // namespace
