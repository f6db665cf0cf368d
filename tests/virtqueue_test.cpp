// The device side of split virtqueues (virtio 1.4 §2.7), driven through real rings in guest
// memory by the driver side, and by hostile drivers that write the rings by hand.
#include <vrtc/roles/virtqueue.hpp>
#include <vrtc/roles/virtqueue_driver.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <vector>

#include "count_allocations.hpp"
#include "virtqueue_support.hpp"


using namespace vrtc;
using vrtc_test::guest_arena;

namespace {

std::vector<std::byte> bytes_of(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

std::vector<std::byte> pattern(std::size_t n, int seed) {
  std::vector<std::byte> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>((seed + static_cast<int>(i) * 7) & 0xFF);
  return out;
}

struct queue_pair {
  guest_arena arena;
  split_queue_driver driver;
  split_queue device;

  explicit queue_pair(std::uint16_t size, bool indirect = false, bool event_idx = false)
      : driver(split_queue_driver::make(arena.memory, arena.config(size, indirect, event_idx)).value()),
        device(split_queue::make(arena.memory, arena.config(size, indirect, event_idx)).value()) {}

  // Puts `bytes` in guest memory at `addr`.
  void put(std::uint64_t addr, const std::vector<std::byte>& bytes) { REQUIRE(arena.memory.write(addr, bytes)); }
  std::vector<std::byte> get(std::uint64_t addr, std::size_t n) {
    std::vector<std::byte> out(n);
    REQUIRE(arena.memory.read(addr, out));
    return out;
  }
};

}  // namespace

TEST_CASE("need_event follows the 16-bit rule of VIRTIO_RING_F_EVENT_IDX (2.7.10)") {
  // The other side asked to hear when the index moves past `event`.
  STATIC_REQUIRE(virtq::need_event(4, 5, 4));       // the move 4 -> 5 passes 4
  STATIC_REQUIRE(!virtq::need_event(5, 5, 4));      // 5 is not passed yet
  STATIC_REQUIRE(!virtq::need_event(3, 5, 4));      // 3 was passed before
  STATIC_REQUIRE(virtq::need_event(3, 9, 2));       // several at once, 3 among them
  STATIC_REQUIRE(virtq::need_event(65535, 0, 65535));  // across the wrap
  STATIC_REQUIRE(!virtq::need_event(0, 0, 65535));
  STATIC_REQUIRE(!virtq::need_event(7, 4, 4));      // no move, no event
}

TEST_CASE("descriptors encode and decode as 16 little-endian bytes (2.7.5)") {
  constexpr auto round_trip = [] {
    std::array<std::byte, 16> b{};
    virtq::encode_descriptor({0x0102030405060708, 0x11223344, 0x5566, 0x7788}, b);
    return b;
  }();
  STATIC_REQUIRE(round_trip[0] == std::byte{0x08});
  STATIC_REQUIRE(round_trip[7] == std::byte{0x01});
  STATIC_REQUIRE(round_trip[8] == std::byte{0x44});
  STATIC_REQUIRE(round_trip[12] == std::byte{0x66});
  STATIC_REQUIRE(round_trip[15] == std::byte{0x77});
  STATIC_REQUIRE(virtq::decode_descriptor(round_trip) == virtq::descriptor{0x0102030405060708, 0x11223344, 0x5566, 0x7788});
  STATIC_REQUIRE(virtq::avail_ring_bytes(256) == 518);
  STATIC_REQUIRE(virtq::used_ring_bytes(256) == 2054);
}

TEST_CASE("a queue layout must fit guest memory, be aligned and have a power-of-2 size") {
  guest_arena a;
  CHECK(split_queue::make(a.memory, a.config(256)).has_value());
  CHECK(split_queue::make(a.memory, a.config(32768)).has_value());
  for (int bad_size : {0, 3, 100, 65535}) {
    INFO("size " << bad_size);
    CHECK(split_queue::make(a.memory, a.config(static_cast<std::uint16_t>(bad_size))) == errc::bad_queue_layout);
  }
  auto c = a.config(16);
  c.desc_addr += 8;  // not 16-aligned
  CHECK(split_queue::make(a.memory, c) == errc::bad_queue_layout);
  c = a.config(16);
  c.avail_addr += 1;
  CHECK(split_queue::make(a.memory, c) == errc::bad_queue_layout);
  c = a.config(16);
  c.used_addr += 2;
  CHECK(split_queue::make(a.memory, c) == errc::bad_queue_layout);
  c = a.config(16);
  c.used_addr = guest_arena::base + guest_arena::bytes - 100;  // runs past the region
  CHECK(split_queue::make(a.memory, c) == errc::bad_queue_layout);
  c = a.config(16);
  c.desc_addr = std::numeric_limits<std::uint64_t>::max() - 15;
  CHECK(split_queue::make(a.memory, c) == errc::bad_queue_layout);

  split_queue never_made;
  CHECK(never_made.pop() == errc::bad_queue_layout);
}

TEST_CASE("a request gathered from one buffer, a response scattered into one, used length = bytes written") {
  queue_pair q(8);
  const auto request = pattern(16, 1);
  q.put(guest_arena::data, request);
  const guest_buffer rd[] = {{guest_arena::data, 16}};
  const guest_buffer wr[] = {{guest_arena::data + 0x100, 24}};
  const auto head = q.driver.add(rd, wr);
  REQUIRE(head);

  CHECK(q.device.has_available());
  std::array<std::byte, 64> in{};
  const auto chain = q.device.pop(in);
  REQUIRE(chain);
  REQUIRE(chain->has_value());
  CHECK((*chain)->head == *head);
  CHECK((*chain)->readable == 16);
  CHECK((*chain)->writable == 24);
  CHECK((*chain)->gathered == 16);
  CHECK(std::equal(request.begin(), request.end(), in.begin()));
  CHECK(!q.device.has_available());

  const auto response = pattern(24, 9);
  const auto notify = q.device.complete(**chain, response);
  REQUIRE(notify);
  CHECK(*notify);  // no NO_INTERRUPT flag: the driver wants to hear
  CHECK(q.get(guest_arena::data + 0x100, 24) == response);
  CHECK(q.driver.take_used() == used_element{*head, 24});
  CHECK(!q.driver.take_used());
  CHECK(q.device.pop() == std::optional<descriptor_chain>{});
}

TEST_CASE("a request split over several descriptors and a response over several buffers") {
  queue_pair q(8);
  const auto request = pattern(24, 3);
  // 5 + 1 + 18 bytes, far apart and out of order in memory.
  q.put(guest_arena::data + 0x300, {request.begin(), request.begin() + 5});
  q.put(guest_arena::data + 0x010, {request.begin() + 5, request.begin() + 6});
  q.put(guest_arena::data + 0x200, {request.begin() + 6, request.end()});
  const guest_buffer rd[] = {{guest_arena::data + 0x300, 5}, {guest_arena::data + 0x010, 1}, {guest_arena::data + 0x200, 18}};
  const guest_buffer wr[] = {{guest_arena::data + 0x800, 3}, {guest_arena::data + 0x900, 2}, {guest_arena::data + 0xA00, 100}};
  REQUIRE(q.driver.add(rd, wr));

  std::array<std::byte, 24> in{};
  const auto chain = q.device.pop(in);
  REQUIRE(chain);
  REQUIRE(chain->has_value());
  CHECK((*chain)->readable == 24);
  CHECK((*chain)->writable == 105);
  CHECK(std::equal(request.begin(), request.end(), in.begin()));

  const auto response = pattern(40, 5);
  REQUIRE(q.device.complete(**chain, response));
  CHECK(q.get(guest_arena::data + 0x800, 3) == std::vector<std::byte>(response.begin(), response.begin() + 3));
  CHECK(q.get(guest_arena::data + 0x900, 2) == std::vector<std::byte>(response.begin() + 3, response.begin() + 5));
  CHECK(q.get(guest_arena::data + 0xA00, 35) == std::vector<std::byte>(response.begin() + 5, response.end()));
  CHECK(q.driver.take_used()->len == 40);
}

TEST_CASE("a short writable buffer gets what fits and the used length says so") {
  queue_pair q(4);
  const guest_buffer rd[] = {{guest_arena::data, 8}};
  const guest_buffer wr[] = {{guest_arena::data + 0x100, 6}};
  REQUIRE(q.driver.add(rd, wr));
  q.put(guest_arena::data + 0x106, bytes_of({0xEE, 0xEE}));  // just past the buffer
  const auto chain = q.device.pop();
  REQUIRE(chain);
  REQUIRE(chain->has_value());
  CHECK(q.device.complete(**chain, pattern(16, 2)).has_value());
  CHECK(q.driver.take_used()->len == 6);
  CHECK(q.get(guest_arena::data + 0x106, 2) == bytes_of({0xEE, 0xEE}));  // nothing beyond it

  // A used length above the writable bytes is the caller's mistake, not the guest's.
  REQUIRE(q.driver.add(rd, wr));
  const auto second = q.device.pop();
  REQUIRE(second);
  REQUIRE(second->has_value());
  CHECK(q.device.push(**second, 7) == errc::invalid_argument);
  CHECK(!q.device.broken());
  CHECK(q.device.push(**second, 0).has_value());
}

TEST_CASE("a gather buffer smaller than the request gets its first bytes, readable counts all") {
  queue_pair q(4);
  const auto request = pattern(32, 4);
  q.put(guest_arena::data, request);
  const guest_buffer rd[] = {{guest_arena::data, 20}, {guest_arena::data + 20, 12}};
  REQUIRE(q.driver.add(rd, {}));
  std::array<std::byte, 24> in{};
  const auto chain = q.device.pop(in);
  REQUIRE(chain);
  REQUIRE(chain->has_value());
  CHECK((*chain)->readable == 32);
  CHECK((*chain)->gathered == 24);
  CHECK((*chain)->writable == 0);
  CHECK(std::equal(in.begin(), in.end(), request.begin()));
}

TEST_CASE("indirect descriptor tables with VIRTIO_RING_F_INDIRECT_DESC (2.7.5.3)") {
  queue_pair q(4, /*indirect=*/true);
  const auto request = pattern(16, 6);
  q.put(guest_arena::data, request);
  const guest_buffer rd[] = {{guest_arena::data, 10}, {guest_arena::data + 10, 6}};
  const guest_buffer wr[] = {{guest_arena::data + 0x100, 8}, {guest_arena::data + 0x200, 16}};
  const auto head = q.driver.add_indirect(guest_arena::data + 0x1000, rd, wr);
  REQUIRE(head);
  CHECK(q.driver.free_descriptors() == 3);  // one descriptor of the queue's table for four buffers

  std::array<std::byte, 16> in{};
  const auto chain = q.device.pop(in);
  REQUIRE(chain);
  REQUIRE(chain->has_value());
  CHECK((*chain)->readable == 16);
  CHECK((*chain)->writable == 24);
  CHECK(std::equal(in.begin(), in.end(), request.begin()));
  const auto response = pattern(20, 8);
  REQUIRE(q.device.complete(**chain, response));
  CHECK(q.get(guest_arena::data + 0x100, 8) == std::vector<std::byte>(response.begin(), response.begin() + 8));
  CHECK(q.get(guest_arena::data + 0x200, 12) == std::vector<std::byte>(response.begin() + 8, response.end()));
  CHECK(q.driver.take_used() == used_element{*head, 20});
  CHECK(q.driver.free_descriptors() == 4);
}

TEST_CASE("normal descriptors followed by one indirect descriptor are one chain (2.7.5.3.2)") {
  queue_pair q(4, /*indirect=*/true);
  q.put(guest_arena::data, pattern(8, 1));
  // Table at data + 0x1000: one writable buffer.
  std::array<std::byte, 16> entry{};
  virtq::encode_descriptor({guest_arena::data + 0x100, 8, virtq::desc_f_write, 0}, entry);
  q.put(guest_arena::data + 0x1000, {entry.begin(), entry.end()});
  q.driver.write_raw_descriptor(0, {guest_arena::data, 8, virtq::desc_f_next, 1});
  q.driver.write_raw_descriptor(1, {guest_arena::data + 0x1000, 16, virtq::desc_f_indirect, 0});
  q.driver.publish_raw(0);
  const auto chain = q.device.pop();
  REQUIRE(chain);
  REQUIRE(chain->has_value());
  CHECK((*chain)->readable == 8);
  CHECK((*chain)->writable == 8);
}

TEST_CASE("a buffer that spans two adjacent regions is gathered and scattered piece by piece") {
  guest_arena a;
  // The arena mapped as two regions that meet at data + 0x10.
  const std::uint64_t split = guest_arena::data + 0x10;
  const std::array<memory_region, 2> regions{{
      {split, guest_arena::base + guest_arena::bytes - split, a.at(split)},
      {guest_arena::base, split - guest_arena::base, a.at(guest_arena::base)},
  }};
  const guest_memory memory(regions);
  auto driver = split_queue_driver::make(memory, a.config(4)).value();
  auto device = split_queue::make(memory, a.config(4)).value();
  const auto request = pattern(32, 2);
  REQUIRE(memory.write(guest_arena::data, request));
  const guest_buffer rd[] = {{guest_arena::data, 32}};
  const guest_buffer wr[] = {{guest_arena::data + 8, 16}};  // also across the seam
  REQUIRE(driver.add(rd, wr));
  std::array<std::byte, 32> in{};
  const auto chain = device.pop(in);
  REQUIRE(chain);
  REQUIRE(chain->has_value());
  CHECK(std::equal(in.begin(), in.end(), request.begin()));
  REQUIRE(device.complete(**chain, pattern(16, 11)));
  std::vector<std::byte> out(16);
  REQUIRE(memory.read(guest_arena::data + 8, out));
  CHECK(out == pattern(16, 11));
}

TEST_CASE("indices wrap at 2^16 and the ring slot at the queue size") {
  queue_pair q(4);
  const guest_buffer rd[] = {{guest_arena::data, 4}};
  const guest_buffer wr[] = {{guest_arena::data + 0x100, 4}};
  for (std::uint32_t i = 0; i < 70'000; ++i) {
    q.put(guest_arena::data, {std::byte(i & 0xFF), std::byte(i >> 8 & 0xFF), std::byte(i >> 16 & 0xFF), std::byte{0}});
    const auto head = q.driver.add(rd, wr);
    REQUIRE(head);
    std::array<std::byte, 4> in{};
    const auto chain = q.device.pop(in);
    REQUIRE(chain);
    REQUIRE(chain->has_value());
    REQUIRE(static_cast<unsigned>(in[0]) == (i & 0xFF));
    REQUIRE(q.device.complete(**chain, in));
    const auto used = q.driver.take_used();
    REQUIRE(used);
    REQUIRE(used->id == *head);
  }
  CHECK(q.device.next_avail() == static_cast<std::uint16_t>(70'000));
  CHECK(q.device.used_index() == static_cast<std::uint16_t>(70'000));
}

TEST_CASE("a device resumes at the index it is given, with the used index the ring holds") {
  queue_pair q(4);
  const guest_buffer rd[] = {{guest_arena::data, 4}};
  for (int i = 0; i < 3; ++i) REQUIRE(q.driver.add(rd, {}));
  for (int i = 0; i < 2; ++i) {
    const auto chain = q.device.pop();
    REQUIRE(chain);
    REQUIRE(chain->has_value());
    REQUIRE(q.device.push(**chain, 0));
  }
  // Stopped (GET_VRING_BASE gives next_avail) and started again (SET_VRING_BASE).
  auto resumed = split_queue::make(q.arena.memory, q.arena.config(4), q.device.next_avail()).value();
  CHECK(resumed.next_avail() == 2);
  CHECK(resumed.used_index() == 2);
  const auto chain = resumed.pop();
  REQUIRE(chain);
  CHECK(chain->has_value());
  CHECK(resumed.pop() == std::optional<descriptor_chain>{});
}

TEST_CASE("VIRTIO_F_EVENT_IDX: the device asks for kicks and honours used_event (2.7.10)") {
  queue_pair q(8, false, /*event_idx=*/true);
  const guest_buffer rd[] = {{guest_arena::data, 4}};
  const guest_buffer wr[] = {{guest_arena::data + 0x100, 4}};

  // An empty pop publishes avail_event = next_avail: the driver's next buffer needs a kick.
  CHECK(q.device.pop() == std::optional<descriptor_chain>{});
  REQUIRE(q.driver.add(rd, wr));
  CHECK(q.driver.kick_needed());
  // The device has not looked again: a second buffer does not need another kick.
  REQUIRE(q.driver.add(rd, wr));
  CHECK(!q.driver.kick_needed());

  // used_event starts at 0: the first used element is wanted, the second not, until the
  // driver has taken the first (its used_event moves on).
  auto first = q.device.pop();
  auto second = q.device.pop();
  REQUIRE(first);
  REQUIRE(first->has_value());
  REQUIRE(second);
  REQUIRE(second->has_value());
  CHECK(q.device.push(**first, 0) == true);
  CHECK(q.device.push(**second, 0) == false);
  CHECK(q.driver.take_used());
  CHECK(q.driver.take_used());
  REQUIRE(q.driver.add(rd, wr));
  auto third = q.device.pop();
  REQUIRE(third);
  REQUIRE(third->has_value());
  CHECK(q.device.push(**third, 0) == true);
}

TEST_CASE("VRING_AVAIL_F_NO_INTERRUPT: the driver does not want to hear") {
  queue_pair q(4);
  const guest_buffer rd[] = {{guest_arena::data, 4}};
  REQUIRE(q.driver.add(rd, {}));
  q.put(guest_arena::avail, bytes_of({virtq::avail_f_no_interrupt, 0}));
  const auto chain = q.device.pop();
  REQUIRE(chain);
  REQUIRE(chain->has_value());
  CHECK(q.device.push(**chain, 0) == false);
}

namespace {

// Publishes the raw descriptor table `descs` as one chain at head 0 and returns the device's
// verdict, then checks that the queue stays broken with that error.
result<std::optional<descriptor_chain>> hostile(const std::vector<virtq::descriptor>& descs, bool indirect = false,
                                                std::uint16_t size = 8) {
  queue_pair q(size, indirect);
  for (std::size_t i = 0; i < descs.size(); ++i) q.driver.write_raw_descriptor(static_cast<std::uint16_t>(i), descs[i]);
  q.driver.publish_raw(0);
  std::array<std::byte, 64> in{};
  auto r = q.device.pop(in);
  if (!r) {
    CHECK(q.device.broken() == r.error());
    // A well-formed chain later does not revive it, nor does any other call.
    q.driver.write_raw_descriptor(1, {guest_arena::data, 4, 0, 0});
    q.driver.publish_raw(1);
    CHECK(q.device.pop() == r.error());
    CHECK(q.device.scatter(descriptor_chain{}, {}) == r.error());
    CHECK(q.device.push(descriptor_chain{}, 0) == r.error());
    CHECK(!q.device.has_available());
  }
  return r;
}

constexpr std::uint64_t d = guest_arena::data;
constexpr std::uint16_t N = virtq::desc_f_next, W = virtq::desc_f_write, I = virtq::desc_f_indirect;

}  // namespace

TEST_CASE("hostile chains: loops and indices outside the table") {
  CHECK(hostile({{d, 4, N, 1}, {d, 4, N, 0}}) == errc::descriptor_loop);
  CHECK(hostile({{d, 4, N, 0}}) == errc::descriptor_loop);  // a descriptor that points to itself
  CHECK(hostile({{d, 4, N, 8}}) == errc::bad_descriptor_index);
  CHECK(hostile({{d, 4, N, 0xFFFF}}) == errc::bad_descriptor_index);
  // A chain of exactly the queue size is allowed; one more is a loop.
  std::vector<virtq::descriptor> full;
  for (std::uint16_t i = 0; i < 8; ++i) full.push_back({d, 1, static_cast<std::uint16_t>(i < 7 ? N : 0), static_cast<std::uint16_t>(i + 1)});
  CHECK(hostile(full).has_value());
  full[7] = {d, 1, N, 0};
  CHECK(hostile(full) == errc::descriptor_loop);
}

TEST_CASE("hostile chains: a head outside the table, an available index that jumps") {
  queue_pair q(8);
  q.put(guest_arena::avail + 4, bytes_of({8, 0}));  // ring[0] = 8, one past the table
  q.driver.set_raw_avail_index(1);
  CHECK(q.device.pop() == errc::bad_descriptor_index);

  queue_pair j(8);
  j.driver.set_raw_avail_index(9);  // nine new chains in a ring of eight
  CHECK(j.device.pop() == errc::bad_avail_index);
  CHECK(j.device.broken() == errc::bad_avail_index);
  queue_pair back(8);
  back.driver.set_raw_avail_index(0xFFFF);  // an index that moved backwards
  CHECK(back.device.pop() == errc::bad_avail_index);
}

TEST_CASE("hostile chains: buffers outside guest memory and lengths that overflow") {
  constexpr std::uint64_t end = guest_arena::base + guest_arena::bytes;
  CHECK(hostile({{end, 1, 0, 0}}) == errc::bad_guest_address);
  CHECK(hostile({{end - 4, 5, 0, 0}}) == errc::bad_guest_address);
  CHECK(hostile({{guest_arena::base - 1, 2, 0, 0}}) == errc::bad_guest_address);
  CHECK(hostile({{std::numeric_limits<std::uint64_t>::max() - 3, 16, 0, 0}}) == errc::bad_guest_address);
  CHECK(hostile({{0, 0xFFFF'FFFF, W, 0}}) == errc::bad_guest_address);
  CHECK(hostile({{d, 4, N, 1}, {d + 0x10, 0xFFFF'FFFF, W, 0}}) == errc::chain_too_large);
  CHECK(hostile({{end - 4, 4, 0, 0}}).has_value());   // the last bytes are guest memory
  CHECK(hostile({{end + 100, 0, W, 0}}).has_value());  // an empty buffer touches nothing
}

TEST_CASE("hostile chains: a readable buffer after a writable one (2.7.4.2)") {
  CHECK(hostile({{d, 4, N | W, 1}, {d, 4, 0, 0}}) == errc::bad_chain_order);
  CHECK(hostile({{d, 4, N, 1}, {d, 4, N | W, 2}, {d, 4, W, 0}}).has_value());
}

TEST_CASE("hostile chains: indirect tables that break 2.7.5.3") {
  const auto table = [](std::vector<virtq::descriptor> entries) {
    std::vector<std::byte> out(entries.size() * 16);
    for (std::size_t i = 0; i < entries.size(); ++i)
      virtq::encode_descriptor(entries[i], std::span<std::byte, 16>(out.data() + 16 * i, 16));
    return out;
  };
  const auto with_table = [&](const std::vector<virtq::descriptor>& entries, virtq::descriptor head, bool feature = true) {
    queue_pair q(8, feature);
    q.put(d + 0x1000, table(entries));
    q.driver.write_raw_descriptor(0, head);
    q.driver.publish_raw(0);
    const auto r = q.device.pop();
    if (!r) CHECK(q.device.broken() == r.error());
    return r;
  };
  const std::vector<virtq::descriptor> good{{d, 4, N, 1}, {d + 0x100, 4, W, 0}};
  CHECK(with_table(good, {d + 0x1000, 32, I, 0}).has_value());
  CHECK(with_table(good, {d + 0x1000, 32, I, 0}, /*feature=*/false) == errc::bad_indirect_table);
  CHECK(with_table(good, {d + 0x1000, 32, I | N, 1}) == errc::bad_indirect_table);
  CHECK(with_table(good, {d + 0x1000, 0, I, 0}) == errc::bad_indirect_table);
  CHECK(with_table(good, {d + 0x1000, 24, I, 0}) == errc::bad_indirect_table);
  CHECK(with_table(good, {guest_arena::base + guest_arena::bytes - 16, 32, I, 0}) == errc::bad_guest_address);
  CHECK(with_table({{d + 0x1000, 16, I, 0}}, {d + 0x1000, 16, I, 0}) == errc::bad_indirect_table);  // nested
  CHECK(with_table({{d, 4, N, 1}, {d, 4, N, 0}}, {d + 0x1000, 32, I, 0}) == errc::descriptor_loop);
  CHECK(with_table({{d, 4, N, 2}, {d, 4, 0, 0}}, {d + 0x1000, 32, I, 0}) == errc::bad_descriptor_index);
  CHECK(with_table({{d, 4, N | W, 1}, {d, 4, 0, 0}}, {d + 0x1000, 32, I, 0}) == errc::bad_chain_order);
  // The WRITE flag of the descriptor that refers to a table means nothing (2.7.5.3.2).
  CHECK(with_table(good, {d + 0x1000, 32, I | W, 0}).has_value());
}

TEST_CASE("popping, gathering, scattering and publishing allocate nothing") {
  queue_pair q(16, true, true);
  const guest_buffer rd[] = {{guest_arena::data, 16}, {guest_arena::data + 16, 8}};
  const guest_buffer wr[] = {{guest_arena::data + 0x100, 24}};
  std::array<std::byte, 32> in{};
  const auto response = pattern(24, 1);
  for (int i = 0; i < 5; ++i) REQUIRE(q.driver.add(rd, wr));  // 15 of 16 descriptors
  REQUIRE(q.driver.add_indirect(guest_arena::data + 0x2000, rd, wr));
  const std::size_t before = vrtc_test::allocations.load();
  std::size_t served = 0;
  for (;;) {
    auto chain = q.device.pop(in);
    if (!chain || !chain->has_value()) break;
    if (!q.device.complete(**chain, response)) break;
    ++served;
  }
  const std::size_t after = vrtc_test::allocations.load();
  CHECK(served == 6);
  CHECK(after == before);
}
