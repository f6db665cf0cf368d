// Concurrency test for include/vrtc/roles/virtqueue.hpp: a driver thread and a device thread on one
// split queue in shared memory, with and without EVENT_IDX. Under ThreadSanitizer a missing
// acquire on the available index or release on the used index shows up as a race on the
// descriptors or buffers; without sanitizers, a torn or stale request or response fails the
// payload check.
#include <vrtc/roles/virtqueue.hpp>
#include <vrtc/roles/virtqueue_driver.hpp>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <thread>

#include "virtqueue_support.hpp"

namespace {

#ifdef VRTC_TEST_SANITIZED
constexpr std::uint32_t requests = 20'000;
#else
constexpr std::uint32_t requests = 100'000;
#endif

constexpr std::uint16_t queue_size = 16;

void run(bool event_idx, bool indirect) {
  vrtc_test::guest_arena arena;
  const auto config = arena.config(queue_size, indirect, event_idx);
  auto driver = vrtc::split_queue_driver::make(arena.memory, config).value();
  auto device = vrtc::split_queue::make(arena.memory, config).value();
  std::atomic<bool> stop{false};
  std::atomic<std::uint32_t> device_errors{0};

  // The device answers each 8-byte request n with the 8 bytes ~n.
  std::thread device_thread([&] {
    std::array<std::byte, 8> in{};
    while (!stop.load(std::memory_order_relaxed)) {
      const auto chain = device.pop(in);
      if (!chain) {
        device_errors.fetch_add(1);
        return;
      }
      if (!chain->has_value()) {
        std::this_thread::yield();
        continue;
      }
      std::uint64_t n = 0;
      std::memcpy(&n, in.data(), 8);
      n = ~n;
      std::array<std::byte, 8> out{};
      std::memcpy(out.data(), &n, 8);
      if (!device.complete(**chain, out)) device_errors.fetch_add(1);
    }
  });

  // Slot i of the data area holds the request and the response of descriptor pairs in flight.
  std::uint32_t sent = 0, received = 0, wrong = 0;
  std::array<std::uint64_t, 65536> expected{};
  std::uint32_t slot_of_head[queue_size] = {};
  std::uint32_t next_slot = 0;
  while (received < requests && device_errors.load() == 0) {
    while (sent < requests && driver.free_descriptors() >= 2) {
      const std::uint32_t slot = next_slot++ % 64;
      const std::uint64_t req = vrtc_test::guest_arena::data + 0x40ULL * slot;
      const std::uint64_t n = 0x9E3779B97F4A7C15ULL * (sent + 1);
      std::memcpy(arena.at(req), &n, 8);
      const vrtc::guest_buffer rd[] = {{req, 8}};
      const vrtc::guest_buffer wr[] = {{req + 0x20, 8}};
      const auto head = indirect ? driver.add_indirect(vrtc_test::guest_arena::data + 0x4000 + 0x40ULL * slot, rd, wr)
                                 : driver.add(rd, wr);
      if (!head) break;
      slot_of_head[*head] = slot;
      expected[slot] = ~n;
      ++sent;
      (void)driver.kick_needed();
    }
    while (const auto used = driver.take_used()) {
      const std::uint32_t slot = slot_of_head[used->id % queue_size];
      std::uint64_t got = 0;
      std::memcpy(&got, arena.at(vrtc_test::guest_arena::data + 0x40ULL * slot + 0x20), 8);
      if (used->len != 8 || got != expected[slot]) ++wrong;
      ++received;
    }
    std::this_thread::yield();
  }
  stop.store(true);
  device_thread.join();
  CHECK(device_errors.load() == 0);
  CHECK(received == requests);
  CHECK(wrong == 0);
}

}  // namespace

TEST_CASE("driver and device threads exchange requests through one split queue") { run(false, false); }
TEST_CASE("driver and device threads with EVENT_IDX and indirect tables") { run(true, true); }
