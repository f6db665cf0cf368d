// The vhost-user message codec: byte layouts written out by hand from vhost-user.rst, and one
// named error for each kind of malformed message.
#include <vrtc/format/vhost_user.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace vu = vrtc::vhost_user;
using vrtc::errc;

namespace {

std::vector<std::byte> bytes(std::initializer_list<unsigned> values) {
  std::vector<std::byte> out;
  for (unsigned v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

// Little-endian u32 and u64 appended to `out`.
void put32(std::vector<std::byte>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::byte>(v >> (8 * i)));
}
void put64(std::vector<std::byte>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::byte>(v >> (8 * i)));
}
std::vector<std::byte> head(std::uint32_t req, std::uint32_t flags, std::uint32_t size) {
  std::vector<std::byte> out;
  put32(out, req);
  put32(out, flags);
  put32(out, size);
  return out;
}

std::vector<std::byte> encoded(const vu::message& m) {
  std::array<std::byte, vu::max_message_size> out{};
  const auto n = vu::encode(m, out);
  REQUIRE(n.has_value());
  return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n)};
}

}  // namespace

TEST_CASE("vhost-user GET_FEATURES is a bare header and its reply a u64", "[vhost_user]") {
  CHECK(encoded(vu::make_request(vu::request::get_features)) == bytes({1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}));
  auto reply = head(1, 0x5, 8);
  put64(reply, 0x170000001);
  CHECK(encoded(vu::make_reply(vu::request::get_features, std::uint64_t{0x170000001})) == reply);
  const auto m = vu::decode(reply, 0);
  REQUIRE(m.has_value());
  CHECK(m->is_reply());
  CHECK(std::get<std::uint64_t>(m->body) == 0x170000001);
}

TEST_CASE("vhost-user SET_VRING_ADDR orders descriptor, used, available, log", "[vhost_user]") {
  auto wire = head(9, 1, 40);
  put32(wire, 1);
  put32(wire, 0);
  put64(wire, 0x1000);  // descriptor table
  put64(wire, 0x3000);  // used ring
  put64(wire, 0x2000);  // available ring
  put64(wire, 0x4000);  // log
  const auto m = vu::decode(wire, 0);
  REQUIRE(m.has_value());
  const auto& a = std::get<vu::vring_address>(m->body);
  CHECK(a.index == 1);
  CHECK(a.desc == 0x1000);
  CHECK(a.used == 0x3000);
  CHECK(a.avail == 0x2000);
  CHECK(a.log == 0x4000);
  CHECK(encoded(*m) == wire);
}

TEST_CASE("vhost-user SET_MEM_TABLE carries one descriptor per region and at most 8 regions", "[vhost_user]") {
  auto wire = head(5, 1, 8 + 2 * 32);
  put32(wire, 2);
  put32(wire, 0);
  for (std::uint64_t r = 0; r < 2; ++r) {
    put64(wire, r << 32);          // guest address
    put64(wire, 0x1000 + r);       // size
    put64(wire, 0x7f0000000000 + r);  // user address
    put64(wire, r * 0x100);        // mmap offset
  }
  const auto m = vu::decode(wire, 2);
  REQUIRE(m.has_value());
  const auto& t = std::get<vu::memory_table>(m->body);
  REQUIRE(t.count == 2);
  CHECK(t.regions[1].guest_address == 1ULL << 32);
  CHECK(t.regions[1].size == 0x1001);
  CHECK(t.regions[1].user_address == 0x7f0000000001);
  CHECK(t.regions[1].mmap_offset == 0x100);
  CHECK(vu::fd_range(*m).min == 2);
  CHECK(encoded(*m) == wire);
  CHECK(vu::decode(wire, 1) == errc::vhost_bad_fd_count);
  CHECK(vu::decode(wire, 3) == errc::vhost_bad_fd_count);

  auto nine = head(5, 1, 8 + 9 * 32);
  put32(nine, 9);
  put32(nine, 0);
  nine.resize(12 + 8 + 9 * 32);
  CHECK(vu::decode(nine, 9) == errc::vhost_bad_payload_size);  // 296 bytes: above the limit
  auto claims_nine = head(5, 1, 8);
  put32(claims_nine, 9);
  put32(claims_nine, 0);
  CHECK(vu::decode(claims_nine, 9) == errc::vhost_too_many_regions);

  vu::memory_table too_many;
  too_many.count = 9;
  std::array<std::byte, vu::max_message_size> out{};
  CHECK(vu::encode(vu::make_request(vu::request::set_mem_table, too_many), out) == errc::vhost_too_many_regions);
}

TEST_CASE("vhost-user ring notifiers carry a descriptor unless bit 8 says none", "[vhost_user]") {
  auto with_fd = head(12, 1, 8);
  put64(with_fd, 1);
  const auto m = vu::decode(with_fd, 1);
  REQUIRE(m.has_value());
  CHECK(std::get<vu::vring_file>(m->body).index() == 1);
  CHECK_FALSE(std::get<vu::vring_file>(m->body).no_fd());
  CHECK(vu::decode(with_fd, 0) == errc::vhost_bad_fd_count);

  auto without = head(13, 1, 8);
  put64(without, 0x100);
  const auto n = vu::decode(without, 0);
  REQUIRE(n.has_value());
  CHECK(std::get<vu::vring_file>(n->body).no_fd());
  CHECK(vu::decode(without, 1) == errc::vhost_bad_fd_count);
}

TEST_CASE("vhost-user ADD_MEM_REG needs a descriptor and REM_MEM_REG accepts none or one", "[vhost_user]") {
  for (std::uint32_t req : {37U, 38U}) {
    auto wire = head(req, 1, 40);
    put64(wire, 0);
    put64(wire, 0x100000);
    put64(wire, 0x2000);
    put64(wire, 0x7f0000000000);
    put64(wire, 0);
    const std::size_t min = req == 37 ? 1 : 0;
    CHECK(vu::decode(wire, min).has_value());
    CHECK(vu::decode(wire, 1).has_value());
    CHECK(vu::decode(wire, 2) == errc::vhost_bad_fd_count);
    if (req == 37) CHECK(vu::decode(wire, 0) == errc::vhost_bad_fd_count);
  }
  CHECK(vu::fds_to_send(vu::make_request(vu::request::rem_mem_reg, vu::single_region{})) == 0);
}

TEST_CASE("vhost-user decode names every malformed message", "[vhost_user]") {
  CHECK(vu::decode(bytes({1, 0, 0, 0, 1, 0, 0}), 0) == errc::too_short);
  CHECK(vu::decode(head(8, 1, 8), 0) == errc::too_short);  // the payload is missing
  CHECK(vu::decode(head(1, 0, 0), 0) == errc::vhost_bad_version);
  CHECK(vu::decode(head(1, 2, 0), 0) == errc::vhost_bad_version);
  CHECK(vu::decode(head(1, 1, 4096), 0) == errc::vhost_bad_payload_size);
  auto trailing = head(1, 1, 0);
  trailing.push_back(std::byte{0});
  CHECK(vu::decode(trailing, 0) == errc::vhost_bad_payload_size);
  CHECK(vu::decode(head(6, 1, 0), 0) == errc::vhost_unknown_request);   // SET_LOG_BASE
  CHECK(vu::decode(head(41, 1, 0), 0) == errc::vhost_unknown_request);
  CHECK(vu::decode(head(0, 1, 0), 0) == errc::vhost_unknown_request);
  auto get_with_payload = head(1, 1, 8);
  put64(get_with_payload, 0);
  CHECK(vu::decode(get_with_payload, 0) == errc::vhost_bad_payload_size);
  auto short_state = head(8, 1, 4);
  put32(short_state, 0);
  CHECK(vu::decode(short_state, 0) == errc::vhost_bad_payload_size);
  CHECK(vu::decode(head(3, 1, 0), 1) == errc::vhost_bad_fd_count);  // SET_OWNER with a descriptor
  auto config = head(24, 1, 12);
  put32(config, 0);
  put32(config, 257);
  put32(config, 0);
  CHECK(vu::decode(config, 0) == errc::vhost_bad_payload_size);
}

TEST_CASE("vhost-user replies: GET_VRING_BASE gives a vring state, other requests an ack", "[vhost_user]") {
  auto base = head(11, 5, 8);
  put32(base, 1);
  put32(base, 77);
  const auto m = vu::decode(base, 0);
  REQUIRE(m.has_value());
  CHECK(std::get<vu::vring_state>(m->body) == vu::vring_state{1, 77});
  CHECK(encoded(vu::make_ack(vu::request::set_vring_addr, false)) == [] {
    auto w = head(9, 5, 8);
    put64(w, 1);
    return w;
  }());
  CHECK(vu::decode(encoded(vu::make_ack(vu::request::set_mem_table, true)), 0).has_value());
  CHECK(vu::decode(encoded(vu::make_ack(vu::request::set_mem_table, true)), 1) == errc::vhost_bad_fd_count);
  std::array<std::byte, vu::max_message_size> out{};
  CHECK(vu::encode(vu::make_reply(vu::request::get_features, vu::vring_state{}), out) == errc::invalid_argument);
  CHECK(vu::encode(vu::make_request(vu::request::set_log_base, std::uint64_t{0}), out) == errc::vhost_unknown_request);
}
