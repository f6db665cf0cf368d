// Concurrency test for include/vrtc/format/sbuf.hpp: a real producer thread and consumer thread on
// one ring of vm_event elements. Run under ThreadSanitizer in CI: any missing acquire/release
// pairing between the element bytes and head/tail shows up as a data race.
#include <vrtc/format/sbuf.hpp>
#include <vrtc/format/vm_event.hpp>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <thread>

namespace {

#ifdef VRTC_TEST_SANITIZED
constexpr std::int64_t events = 20'000;
#else
constexpr std::int64_t events = 1'000'000;
#endif

// Every payload field is derived from the sequence number, so a torn or stale element fails
// the check.
std::array<std::byte, vrtc::vm_event_size> encode(std::int64_t seq) {
  return vrtc::encode_vm_event(vrtc::make_rtc_change_event({seq, ~seq}));
}

std::int64_t decode(const std::array<std::byte, vrtc::vm_event_size>& e) {
  const auto ev = vrtc::decode_vm_event(e);
  if (!ev) return -1;
  const auto d = vrtc::rtc_change_data_of(*ev);
  if (!d || d->delta_time != ~d->last_time) return -1;
  return d->last_time;
}

struct alignas(64) page {
  std::array<std::byte, 4096> bytes{};
};

}  // namespace

TEST_CASE("a producer that retries when full delivers every element in order", "[sbuf][stress]") {
  page p;
  REQUIRE(vrtc::sbuf_init(p.bytes, vrtc::vm_event_size).has_value());
  auto prod = vrtc::sbuf_producer::attach(p.bytes, vrtc::vm_event_size).value();
  auto cons = vrtc::sbuf_consumer::attach(p.bytes, vrtc::vm_event_size).value();

  std::atomic<bool> producer_ok{true};
  std::thread producer([&] {
    for (std::int64_t i = 0; i < events; ++i) {
      for (;;) {
        const auto r = prod.push(encode(i));
        if (r) break;
        if (r.error() != vrtc::errc::ring_full) {
          producer_ok = false;
          return;
        }
        std::this_thread::yield();
      }
    }
  });

  std::int64_t expected = 0;
  bool in_order = true;
  std::array<std::byte, vrtc::vm_event_size> out{};
  while (expected < events && in_order) {
    const auto r = cons.pop(out);
    if (!r) {
      if (r.error() != vrtc::errc::ring_empty) break;
      std::this_thread::yield();
      continue;
    }
    in_order = decode(out) == expected;
    ++expected;
  }
  producer.join();
  REQUIRE(producer_ok);
  REQUIRE(in_order);
  REQUIRE(expected == events);
  REQUIRE(cons.pop(out) == vrtc::errc::ring_empty);
}

TEST_CASE("a producer that never waits drops and counts, and what arrives is intact", "[sbuf][stress]") {
  page p;
  REQUIRE(vrtc::sbuf_init(p.bytes, vrtc::vm_event_size, vrtc::sbuf_flag::overrun_count).has_value());
  auto prod = vrtc::sbuf_producer::attach(p.bytes, vrtc::vm_event_size).value();
  auto cons = vrtc::sbuf_consumer::attach(p.bytes, vrtc::vm_event_size).value();

  std::atomic<bool> done{false};
  std::int64_t stored = 0;
  std::thread producer([&] {
    for (std::int64_t i = 0; i < events; ++i)
      if (prod.push(encode(i))) ++stored;
    done.store(true, std::memory_order_release);
  });

  std::int64_t received = 0;
  std::int64_t last = -1;
  bool increasing = true;
  std::array<std::byte, vrtc::vm_event_size> out{};
  for (;;) {
    const bool finished = done.load(std::memory_order_acquire);
    while (cons.pop(out)) {
      const std::int64_t seq = decode(out);
      increasing = increasing && seq > last;
      last = seq;
      ++received;
    }
    if (finished) break;
    std::this_thread::yield();
  }
  producer.join();
  REQUIRE(increasing);
  REQUIRE(received == stored);
  REQUIRE(static_cast<std::int64_t>(prod.dropped()) + stored == events);
  REQUIRE(cons.overrun_count() == static_cast<std::uint32_t>(prod.dropped()));
}
