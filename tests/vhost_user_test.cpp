// The vhost-user back-end session over a socketpair, driven by a small front-end written here
// with the codec and the driver side of split virtqueues: guest memory is a memfd shared
// through SET_MEM_TABLE, rings live in it, kicks and calls are eventfds.
#include <vrtc/format/messages.hpp>
#include <vrtc/format/vhost_user.hpp>
#include <vrtc/linux/vhost_user_backend.hpp>
#include <vrtc/linux/vhost_user_socket.hpp>
#include <vrtc/roles/device.hpp>
#include <vrtc/roles/virtqueue_driver.hpp>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <vector>


#include "count_allocations.hpp"

namespace vu = vrtc::vhost_user;
using vrtc::errc;

namespace {

// A clock reading `offset + now`, with deadlines: what an alarm needs.
struct offset_clock {
  vrtc::clock_type type = vrtc::clock_type::utc_smeared;
  bool alarm = false;
  std::uint64_t offset = 0;
  [[nodiscard]] vrtc::clock_capabilities capabilities() const noexcept {
    return {type, vrtc::smearing::unspecified, alarm};
  }
  [[nodiscard]] vrtc::result<std::uint64_t> read(vrtc::reference_time now) const noexcept { return offset + now.ns(); }
  [[nodiscard]] vrtc::reference_time instant_of(std::uint64_t reading, vrtc::reference_time now) const noexcept {
    return reading > offset + now.ns() ? vrtc::reference_time(reading - offset) : now;
  }
  [[nodiscard]] vrtc::reference_time instant_below(std::uint64_t reading, vrtc::reference_time now) const noexcept {
    return offset + now.ns() < reading ? now : vrtc::never_instant;
  }
};

constexpr std::uint64_t clock_offset = 1'700'000'000'000'000'000ULL;
constexpr std::uint64_t guest_base = 0x40000000;  // guest-physical address of the memfd
constexpr std::size_t guest_size = 1 << 20;
constexpr std::uint16_t ring_size = 16;

// Guest addresses of each queue's parts and of the buffers the front-end uses.
constexpr std::uint64_t ring_area(std::uint32_t q) { return guest_base + 0x10000 * (q + 1); }
constexpr std::uint64_t buffers = guest_base + 0x80000;

class frontend {
 public:
  frontend() {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    sock = sv[0];
    backend_sock = sv[1];
    memfd = ::memfd_create("vrtc-guest", MFD_CLOEXEC);
    REQUIRE(memfd >= 0);
    REQUIRE(::ftruncate(memfd, guest_size) == 0);
    void* p = ::mmap(nullptr, guest_size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    REQUIRE(p != MAP_FAILED);
    host = static_cast<std::byte*>(p);
    region = vrtc::memory_region{guest_base, guest_size, host};
    for (auto& k : kick) k = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    for (auto& c : call) c = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  }
  ~frontend() {
    ::munmap(host, guest_size);
    for (int fd : {sock, backend_sock, memfd, kick[0], kick[1], call[0], call[1]})
      if (fd >= 0) ::close(fd);
  }
  frontend(const frontend&) = delete;
  frontend& operator=(const frontend&) = delete;

  // The front-end's user address of guest address `g`.
  [[nodiscard]] std::uint64_t user(std::uint64_t g) const {
    return reinterpret_cast<std::uintptr_t>(host) + (g - guest_base);
  }
  [[nodiscard]] vrtc::guest_memory memory() const { return vrtc::guest_memory(std::span(&region, 1)); }

  // Sends `m` with `fds`, lets the session serve it, and returns the reply if one came.
  vrtc::result<std::optional<vu::message>> exchange(vu::backend& b, const vu::message& m, std::vector<int> fds = {},
                                                    vrtc::reference_time now = {}) {
    REQUIRE(vu::send(sock, m, fds).has_value());
    const auto served = b.serve_message(backend_sock, now);
    std::optional<vu::message> reply;
    pollfd pfd{sock, POLLIN, 0};
    if (::poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN) != 0) {
      std::array<std::byte, vu::max_message_size> buffer{};
      std::array<int, vu::max_fds> got{};
      const auto r = vu::receive_message(sock, buffer, got);
      if (r) {
        const auto d = vu::decode(std::span<const std::byte>(buffer.data(), r->bytes), r->fds);
        REQUIRE(d.has_value());
        REQUIRE(d->is_reply());
        CHECK(d->req == m.req);
        reply = *d;
      }
    }
    if (!served) return served.error();
    return reply;
  }

  std::uint64_t get_u64(vu::backend& b, vu::request r) {
    const auto reply = exchange(b, vu::make_request(r));
    REQUIRE(reply.has_value());
    REQUIRE(reply->has_value());
    return std::get<std::uint64_t>((*reply)->body);
  }

  void ok(vu::backend& b, const vu::message& m, std::vector<int> fds = {}, vrtc::reference_time now = {}) {
    const auto r = exchange(b, m, std::move(fds), now);
    INFO(vu::to_string(m.req));
    REQUIRE(r.has_value());
    if (m.needs_reply()) {
      REQUIRE(r->has_value());
      CHECK(std::get<std::uint64_t>((*r)->body) == 0);
    }
  }

  // The whole setup a VMM does: features, protocol features, memory, both queues, DRIVER_OK.
  void negotiate(vu::backend& b, bool with_status = true, bool driver_ok = true) {
    ok(b, vu::make_request(vu::request::set_owner));
    const std::uint64_t offered = get_u64(b, vu::request::get_features);
    CHECK((offered >> vrtc::virtq::feature_version_1 & 1) == 1);
    CHECK((offered >> vu::f_protocol_features & 1) == 1);
    features = offered;
    ok(b, vu::make_request(vu::request::set_features, features));
    const std::uint64_t protocol = get_u64(b, vu::request::get_protocol_features);
    CHECK((protocol >> vu::protocol_feature::reply_ack & 1) == 1);
    CHECK((protocol >> vu::protocol_feature::status & 1) == 1);
    std::uint64_t wanted = protocol;
    if (!with_status) wanted &= ~(1ULL << vu::protocol_feature::status);
    ok(b, vu::make_request(vu::request::set_protocol_features, wanted));
    CHECK(get_u64(b, vu::request::get_queue_num) == 2);

    vu::memory_table table;
    table.count = 1;
    table.regions[0] = vu::region{guest_base, guest_size, user(guest_base), 0};
    ok(b, vu::make_request(vu::request::set_mem_table, table, true), {memfd});

    for (std::uint32_t q = 0; q < 2; ++q) {
      const vrtc::queue_config config{ring_size, ring_area(q), ring_area(q) + 0x1000, ring_area(q) + 0x2000,
                                      true, true};
      auto d = vrtc::split_queue_driver::make(memory(), config);
      REQUIRE(d.has_value());
      driver[q].emplace(std::move(*d));
      ok(b, vu::make_request(vu::request::set_vring_num, vu::vring_state{q, ring_size}, true));
      ok(b, vu::make_request(vu::request::set_vring_base, vu::vring_state{q, 0}, true));
      ok(b, vu::make_request(vu::request::set_vring_addr,
                             vu::vring_address{q, 0, user(config.desc_addr), user(config.used_addr),
                                               user(config.avail_addr), 0},
                             true));
      ok(b, vu::make_request(vu::request::set_vring_call, vu::vring_file{q}, true), {call[q]});
      ok(b, vu::make_request(vu::request::set_vring_kick, vu::vring_file{q}, true), {kick[q]});
      ok(b, vu::make_request(vu::request::set_vring_enable, vu::vring_state{q, 1}, true));
    }
    if (with_status) ok(b, vu::make_request(vu::request::set_status, std::uint64_t{driver_ok ? 0xFU : 0xBU}, true));
  }

  // Puts `request` and a writable buffer of `writable` bytes on requestq, kicks, lets the
  // session serve, and returns the used element and the response bytes.
  struct answer {
    vrtc::used_element used;
    std::vector<std::byte> bytes;
  };
  template <class Req>
  answer ask(vu::backend& b, const Req& request, std::uint32_t writable = 32, vrtc::reference_time now = {}) {
    const auto wire = vrtc::encode(request);
    std::memcpy(host + (buffers - guest_base), wire.data(), wire.size());
    std::memset(host + (buffers + 0x100 - guest_base), 0xEE, writable);
    const vrtc::guest_buffer in{buffers, static_cast<std::uint32_t>(wire.size())};
    const vrtc::guest_buffer out{buffers + 0x100, writable};
    REQUIRE(driver[0]->add(std::span(&in, 1), std::span(&out, 1)).has_value());
    if (driver[0]->kick_needed()) kick_queue(0);
    b.on_kick(0, now);
    const auto used = driver[0]->take_used();
    REQUIRE(used.has_value());
    answer a{*used, {}};
    a.bytes.assign(host + (buffers + 0x100 - guest_base), host + (buffers + 0x100 - guest_base) + writable);
    return a;
  }

  void kick_queue(std::uint32_t q) const {
    const std::uint64_t one = 1;
    REQUIRE(::write(kick[q], &one, sizeof one) == sizeof one);
  }
  [[nodiscard]] std::uint64_t calls(std::uint32_t q) const {
    std::uint64_t n = 0;
    return ::read(call[q], &n, sizeof n) == sizeof n ? n : 0;
  }

  int sock = -1;
  int backend_sock = -1;
  int memfd = -1;
  std::byte* host = nullptr;
  vrtc::memory_region region;
  std::array<int, 2> kick{-1, -1};
  std::array<int, 2> call{-1, -1};
  std::array<std::optional<vrtc::split_queue_driver>, 2> driver;
  std::uint64_t features = 0;
};

struct rig {
  offset_clock utc{vrtc::clock_type::utc_smeared, true, clock_offset};
  offset_clock mono{vrtc::clock_type::monotonic, false, 0};
  std::array<vrtc::clock_ref, 2> clocks{vrtc::clock_ref(utc), vrtc::clock_ref(mono)};
  vrtc::device device{clocks};
  std::vector<std::string> log;
  vu::backend backend{device, [this](const char* line) { log.emplace_back(line); }};
};

template <class M>
M decoded(const std::vector<std::byte>& bytes, std::size_t used) {
  REQUIRE(used <= bytes.size());
  const auto m = vrtc::decode<M>(std::span<const std::byte>(bytes.data(), used));
  REQUIRE(m.has_value());
  return *m;
}

bool logged(const rig& r, const std::string& needle) {
  for (const auto& l : r.log)
    if (l.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("vhost-user session serves CFG, CLOCK_CAP and READ through shared rings", "[vhost_user]") {
  rig r;
  frontend f;
  f.negotiate(r.backend);
  CHECK(r.device.live());
  CHECK(r.device.alarm_negotiated());
  CHECK(logged(r, "DRIVER_OK"));
  CHECK(r.backend.serving(vu::requestq));
  CHECK(r.backend.serving(vu::alarmq));

  const auto cfg = f.ask(r.backend, vrtc::cfg_request{});
  CHECK(cfg.used.len == vrtc::cfg_response::size);
  CHECK(decoded<vrtc::cfg_response>(cfg.bytes, cfg.used.len).num_clocks == 2);
  CHECK(cfg.bytes[cfg.used.len] == std::byte{0xEE});  // nothing written past the used length
  CHECK(f.calls(0) >= 1);

  const auto cap0 = f.ask(r.backend, vrtc::clock_cap_request{0});
  const auto c0 = decoded<vrtc::clock_cap_response>(cap0.bytes, cap0.used.len);
  CHECK(c0.type == vrtc::clock_type::utc_smeared);
  CHECK(c0.flags == vrtc::flag_alarm_cap);
  const auto cap1 = f.ask(r.backend, vrtc::clock_cap_request{1});
  CHECK(decoded<vrtc::clock_cap_response>(cap1.bytes, cap1.used.len).type == vrtc::clock_type::monotonic);

  const auto read = f.ask(r.backend, vrtc::read_request{0}, 32, vrtc::reference_time(12345));
  CHECK(read.used.len == vrtc::read_response::size);
  CHECK(decoded<vrtc::read_response>(read.bytes, read.used.len).clock_reading == clock_offset + 12345);

  // An unknown clock: the 8-byte ENODEV header only.
  const auto bad = f.ask(r.backend, vrtc::read_request{7});
  CHECK(bad.used.len == 8);
  CHECK(bad.bytes[0] == static_cast<std::byte>(vrtc::status::enodev));
  // A writable part too small for the status: nothing written, used length 0.
  const auto tiny = f.ask(r.backend, vrtc::read_request{0}, 4);
  CHECK(tiny.used.len == 0);
  CHECK(tiny.bytes[0] == std::byte{0xEE});
}

TEST_CASE("vhost-user session delivers an expired alarm into an alarmq buffer", "[vhost_user]") {
  rig r;
  frontend f;
  f.negotiate(r.backend);
  const vrtc::guest_buffer slot{buffers + 0x400, 16};
  REQUIRE(f.driver[1]->add({}, std::span(&slot, 1)).has_value());
  f.kick_queue(1);
  r.backend.on_kick(1, vrtc::reference_time{});
  CHECK_FALSE(f.driver[1]->take_used().has_value());  // nothing to say yet

  const auto set = f.ask(r.backend, vrtc::set_alarm_request{clock_offset + 1000, 0, vrtc::flag_alarm_enabled});
  CHECK(set.used.len == 8);
  CHECK(set.bytes[0] == std::byte{0});
  REQUIRE(r.backend.next_deadline(vrtc::reference_time{}).has_value());
  CHECK(*r.backend.next_deadline(vrtc::reference_time{}) == vrtc::reference_time(1000));
  r.backend.process(vrtc::reference_time(1000));
  const auto used = f.driver[1]->take_used();
  REQUIRE(used.has_value());
  CHECK(used->len == vrtc::notif_alarm::size);
  std::vector<std::byte> bytes(f.host + (slot.addr - guest_base), f.host + (slot.addr - guest_base) + 16);
  CHECK(decoded<vrtc::notif_alarm>(bytes, used->len).clock_id == 0);
  CHECK(f.calls(1) >= 1);
}

TEST_CASE("vhost-user session takes the request queue starting as DRIVER_OK, with or without STATUS",
          "[vhost_user]") {
  for (const bool status : {false, true}) {
    INFO("STATUS negotiated " << status);
    rig r;
    frontend f;
    // A front-end that says FEATURES_OK but never DRIVER_OK, as QEMU 11.1's does.
    f.negotiate(r.backend, status, false);
    CHECK(r.device.live());
    CHECK(logged(r, "request queue started: taken as DRIVER_OK"));
  }
}

TEST_CASE("vhost-user GET_VRING_BASE stops the ring and returns the next available index", "[vhost_user]") {
  rig r;
  frontend f;
  f.negotiate(r.backend);
  for (int i = 0; i < 3; ++i) (void)f.ask(r.backend, vrtc::cfg_request{});
  const auto reply = f.exchange(r.backend, vu::make_request(vu::request::get_vring_base, vu::vring_state{0, 0}));
  REQUIRE(reply.has_value());
  REQUIRE(reply->has_value());
  CHECK(std::get<vu::vring_state>((*reply)->body) == vu::vring_state{0, 3});
  CHECK_FALSE(r.backend.serving(vu::requestq));
}

TEST_CASE("vhost-user status 0 resets the device and stops the rings", "[vhost_user]") {
  rig r;
  frontend f;
  f.negotiate(r.backend);
  f.ok(r.backend, vu::make_request(vu::request::set_status, std::uint64_t{0}, true));
  CHECK_FALSE(r.device.live());
  CHECK_FALSE(r.backend.serving(vu::requestq));
  CHECK(f.get_u64(r.backend, vu::request::get_status) == 0);
}

TEST_CASE("vhost-user malformed or unacceptable messages end the session with a named error", "[vhost_user]") {
  struct bad_case {
    const char* what;
    std::vector<std::byte> wire;
    int fds;
    errc expected;
  };
  auto raw = [](std::uint32_t req, std::uint32_t flags, std::vector<std::uint8_t> payload) {
    std::vector<std::byte> out(12 + payload.size());
    vrtc::store_le<std::uint32_t>(out, 0, req);
    vrtc::store_le<std::uint32_t>(out, 4, flags);
    vrtc::store_le<std::uint32_t>(out, 8, static_cast<std::uint32_t>(payload.size()));
    for (std::size_t i = 0; i < payload.size(); ++i) out[12 + i] = static_cast<std::byte>(payload[i]);
    return out;
  };
  const std::vector<bad_case> cases{
      {"unknown request", raw(6, 1, {}), 0, errc::vhost_unknown_request},
      {"bad version", raw(1, 2, {}), 0, errc::vhost_bad_version},
      {"short payload", raw(8, 1, {0, 0, 0, 0}), 0, errc::vhost_bad_payload_size},
      {"descriptor on SET_OWNER", raw(3, 1, {}), 1, errc::vhost_bad_fd_count},
      {"reply from the front-end", raw(1, 5, {0, 0, 0, 0, 0, 0, 0, 0}), 0, errc::vhost_unexpected_message},
      {"features not offered", raw(2, 1, {0, 0, 0, 0, 0, 0, 0, 0x80}), 0, errc::vhost_bad_feature},
      {"queue 2", raw(8, 1, {2, 0, 0, 0, 16, 0, 0, 0}), 0, errc::vhost_bad_queue_index},
      {"ring size 3", raw(8, 1, {0, 0, 0, 0, 3, 0, 0, 0}), 0, errc::vhost_bad_feature},
      {"kick before the ring is set up", raw(12, 1, {0, 1, 0, 0, 0, 0, 0, 0}), 0, errc::vhost_unexpected_message},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    rig r;
    frontend f;
    std::vector<int> fds;
    for (int i = 0; i < c.fds; ++i) fds.push_back(::eventfd(0, EFD_CLOEXEC));
    REQUIRE(vu::send_message(f.sock, c.wire, fds).has_value());
    for (int fd : fds) ::close(fd);
    const auto served = r.backend.serve_message(f.backend_sock, vrtc::reference_time{});
    CHECK(served == c.expected);
    r.backend.end(vrtc::reference_time{});
  }

  SECTION("a message value built by hand with the wrong payload or descriptors") {
    rig r;
    std::optional<vu::message> failure;
    CHECK(r.backend.handle(vu::message{vu::request::set_features, vu::version, vu::vring_state{}}, {}, vrtc::reference_time{}, &failure) ==
          errc::invalid_argument);
    vu::memory_table table;
    table.count = 2;
    CHECK(r.backend.handle(vu::make_request(vu::request::set_mem_table, table), {}, vrtc::reference_time{}) == errc::vhost_bad_fd_count);
    table.count = 9;
    CHECK(r.backend.handle(vu::make_request(vu::request::set_mem_table, table), {}, vrtc::reference_time{}) == errc::vhost_too_many_regions);
    CHECK(r.backend.handle(vu::make_request(vu::request::set_log_base, std::uint64_t{0}), {}, vrtc::reference_time{}) ==
          errc::vhost_unknown_request);
  }

  SECTION("a truncated message and a closed socket") {
    rig r;
    frontend f;
    const auto wire = raw(8, 1, {0, 0, 0, 0, 16, 0, 0, 0});
    REQUIRE(vu::send_message(f.sock, std::span(wire).first(15)).has_value());
    ::shutdown(f.sock, SHUT_WR);
    CHECK(r.backend.serve_message(f.backend_sock, vrtc::reference_time{}) == errc::too_short);
    CHECK(r.backend.serve_message(f.backend_sock, vrtc::reference_time{}) == errc::vhost_disconnected);
  }

  SECTION("a failure is acknowledged when REPLY_ACK asked for it") {
    rig r;
    frontend f;
    f.ok(r.backend, vu::make_request(vu::request::set_features, f.get_u64(r.backend, vu::request::get_features)));
    f.ok(r.backend, vu::make_request(vu::request::set_protocol_features, vu::backend::offered_protocol_features));
    REQUIRE(vu::send(f.sock, vu::make_request(vu::request::set_vring_num, vu::vring_state{5, 16}, true)).has_value());
    CHECK(r.backend.serve_message(f.backend_sock, vrtc::reference_time{}) == errc::vhost_bad_queue_index);
    pollfd pfd{f.sock, POLLIN, 0};
    REQUIRE(::poll(&pfd, 1, 0) == 1);
    std::array<std::byte, vu::max_message_size> buffer{};
    std::array<int, vu::max_fds> fds{};
    const auto got = vu::receive_message(f.sock, buffer, fds);
    REQUIRE(got.has_value());
    const auto ack = vu::decode(std::span<const std::byte>(buffer.data(), got->bytes), 0);
    REQUIRE(ack.has_value());
    CHECK(std::get<std::uint64_t>(ack->body) != 0);
  }

  SECTION("a region larger than the file it maps") {
    rig r;
    frontend f;
    vu::memory_table table;
    table.count = 1;
    table.regions[0] = vu::region{guest_base, 2 * guest_size, f.user(guest_base), 0};
    CHECK(f.exchange(r.backend, vu::make_request(vu::request::set_mem_table, table), {f.memfd}) ==
          errc::vhost_bad_address);
    table.regions[0] = vu::region{guest_base, guest_size, f.user(guest_base), 4096};
    CHECK(f.exchange(r.backend, vu::make_request(vu::request::add_mem_reg, vu::single_region{0, table.regions[0]}),
                     {f.memfd}) == errc::vhost_bad_address);
  }

  SECTION("a ring outside guest memory") {
    rig r;
    frontend f;
    vu::memory_table table;
    table.count = 1;
    table.regions[0] = vu::region{guest_base, guest_size, f.user(guest_base), 0};
    f.ok(r.backend, vu::make_request(vu::request::set_mem_table, table), {f.memfd});
    f.ok(r.backend, vu::make_request(vu::request::set_vring_num, vu::vring_state{0, 16}));
    f.ok(r.backend, vu::make_request(vu::request::set_vring_addr, vu::vring_address{0, 0, 0x1000, 0x2000, 0x3000, 0}));
    const int kick = ::eventfd(0, EFD_CLOEXEC);
    CHECK(f.exchange(r.backend, vu::make_request(vu::request::set_vring_kick, vu::vring_file{0}), {kick}) ==
          errc::vhost_bad_address);
    ::close(kick);
  }
}

TEST_CASE("vhost-user session serves a front-end that reconnects", "[vhost_user]") {
  rig r;
  {
    frontend f;
    f.negotiate(r.backend);
    CHECK(f.ask(r.backend, vrtc::cfg_request{}).used.len == vrtc::cfg_response::size);
    r.backend.end(vrtc::reference_time{});
    CHECK_FALSE(r.device.live());
    CHECK(r.backend.kick_fd(0) == -1);
  }
  frontend f;
  f.negotiate(r.backend);
  CHECK(r.device.live());
  const auto read = f.ask(r.backend, vrtc::read_request{1}, 32, vrtc::reference_time(99));
  CHECK(decoded<vrtc::read_response>(read.bytes, read.used.len).clock_reading == 99);
}

TEST_CASE("vhost-user serving requests allocates nothing", "[vhost_user]") {
  rig r;
  frontend f;
  f.negotiate(r.backend);
  const auto wire = vrtc::encode(vrtc::read_request{0});
  std::memcpy(f.host + (buffers - guest_base), wire.data(), wire.size());
  const vrtc::guest_buffer in{buffers, 16};
  const vrtc::guest_buffer out{buffers + 0x100, 16};
  const std::size_t before = vrtc_test::allocations.load();
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < 8; ++i) (void)f.driver[0]->add(std::span(&in, 1), std::span(&out, 1));
    r.backend.on_kick(0, vrtc::reference_time(static_cast<std::uint64_t>(round)));
    for (int i = 0; i < 8; ++i) (void)f.driver[0]->take_used();
  }
  CHECK(vrtc_test::allocations.load() == before);
  CHECK(f.calls(0) >= 1);
}

TEST_CASE("vhost-user rings start disabled once protocol features are negotiated, enabled otherwise",
          "[vhost_user]") {
  for (const bool protocol : {true, false}) {
    INFO("protocol features " << protocol);
    rig r;
    frontend f;
    std::uint64_t features = f.get_u64(r.backend, vu::request::get_features);
    if (!protocol) features &= ~(1ULL << vu::f_protocol_features);
    f.ok(r.backend, vu::make_request(vu::request::set_features, features));
    vu::memory_table table;
    table.count = 1;
    table.regions[0] = vu::region{guest_base, guest_size, f.user(guest_base), 0};
    f.ok(r.backend, vu::make_request(vu::request::set_mem_table, table), {f.memfd});
    const vrtc::queue_config config{ring_size, ring_area(0), ring_area(0) + 0x1000, ring_area(0) + 0x2000, true, true};
    auto d = vrtc::split_queue_driver::make(f.memory(), config);
    REQUIRE(d.has_value());
    f.driver[0].emplace(std::move(*d));
    f.ok(r.backend, vu::make_request(vu::request::set_vring_num, vu::vring_state{0, ring_size}));
    f.ok(r.backend, vu::make_request(vu::request::set_vring_addr,
                                     vu::vring_address{0, 0, f.user(config.desc_addr), f.user(config.used_addr),
                                                       f.user(config.avail_addr), 0}));
    f.ok(r.backend, vu::make_request(vu::request::set_vring_kick, vu::vring_file{0}), {f.kick[0]});
    CHECK(r.backend.serving(vu::requestq) == !protocol);
    if (protocol) {
      f.ok(r.backend, vu::make_request(vu::request::set_vring_enable, vu::vring_state{0, 1}));
      CHECK(r.backend.serving(vu::requestq));
    }
    CHECK(f.ask(r.backend, vrtc::cfg_request{}).used.len == vrtc::cfg_response::size);
  }
}

TEST_CASE("vhost-user memory slots: ADD_MEM_REG and REM_MEM_REG, and a table replaced under running rings",
          "[vhost_user]") {
  rig r;
  frontend f;
  f.negotiate(r.backend);
  CHECK(f.get_u64(r.backend, vu::request::get_max_mem_slots) == 8);

  SECTION("a new table maps again and the rings go on where they were") {
    (void)f.ask(r.backend, vrtc::cfg_request{});
    vu::memory_table table;
    table.count = 1;
    table.regions[0] = vu::region{guest_base, guest_size, f.user(guest_base), 0};
    f.ok(r.backend, vu::make_request(vu::request::set_mem_table, table, true), {f.memfd});
    CHECK(r.backend.serving(vu::requestq));
    const auto read = f.ask(r.backend, vrtc::read_request{1}, 32, vrtc::reference_time(5));
    CHECK(decoded<vrtc::read_response>(read.bytes, read.used.len).clock_reading == 5);
  }

  SECTION("removing the region that holds the rings stops them, and the session goes on") {
    const vu::single_region whole{0, vu::region{guest_base, guest_size, f.user(guest_base), 0}};
    f.ok(r.backend, vu::make_request(vu::request::rem_mem_reg, whole, true));
    CHECK_FALSE(r.backend.serving(vu::requestq));
    CHECK_FALSE(r.backend.serving(vu::alarmq));
    CHECK(logged(r, "queue 0 stopped: vhost-user: address not in guest memory"));
    CHECK(f.get_u64(r.backend, vu::request::get_queue_num) == 2);
  }

  SECTION("regions added one by one serve like a table") {
    rig r2;
    frontend g;
    g.ok(r2.backend, vu::make_request(vu::request::set_features, g.get_u64(r2.backend, vu::request::get_features)));
    g.ok(r2.backend, vu::make_request(vu::request::set_protocol_features, vu::backend::offered_protocol_features));
    // Two regions over one memfd: the second half at an mmap offset, at its own user address.
    const std::uint64_t half = guest_size / 2;
    const vu::single_region low{0, vu::region{guest_base, half, g.user(guest_base), 0}};
    const vu::single_region high{0, vu::region{guest_base + half, half, g.user(guest_base + half), half}};
    g.ok(r2.backend, vu::make_request(vu::request::add_mem_reg, low, true), {g.memfd});
    g.ok(r2.backend, vu::make_request(vu::request::add_mem_reg, high, true), {g.memfd});
    const vrtc::queue_config config{ring_size, ring_area(0), ring_area(0) + 0x1000, ring_area(0) + 0x2000, true, true};
    auto d = vrtc::split_queue_driver::make(g.memory(), config);
    REQUIRE(d.has_value());
    g.driver[0].emplace(std::move(*d));
    g.ok(r2.backend, vu::make_request(vu::request::set_vring_num, vu::vring_state{0, ring_size}));
    g.ok(r2.backend, vu::make_request(vu::request::set_vring_addr,
                                      vu::vring_address{0, 0, g.user(config.desc_addr), g.user(config.used_addr),
                                                        g.user(config.avail_addr), 0}));
    g.ok(r2.backend, vu::make_request(vu::request::set_vring_kick, vu::vring_file{0}), {g.kick[0]});
    g.ok(r2.backend, vu::make_request(vu::request::set_vring_enable, vu::vring_state{0, 1}));
    // Request and response buffers live in the high region, reached through its offset.
    CHECK(buffers >= guest_base + half);
    const auto cfg = g.ask(r2.backend, vrtc::cfg_request{});
    CHECK(decoded<vrtc::cfg_response>(cfg.bytes, cfg.used.len).num_clocks == 2);
    // Removing the high region leaves the rings mapped (they are in the low one); a removed
    // region cannot be removed twice.
    g.ok(r2.backend, vu::make_request(vu::request::rem_mem_reg, high, true));
    CHECK(g.exchange(r2.backend, vu::make_request(vu::request::rem_mem_reg, high)) == errc::vhost_unexpected_message);
  }
}

TEST_CASE("vhost-user a ring that breaks a virtqueue rule stops alone and says so", "[vhost_user]") {
  rig r;
  frontend f;
  f.negotiate(r.backend);
  const int err = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  f.ok(r.backend, vu::make_request(vu::request::set_vring_err, vu::vring_file{0}, true), {::dup(err)});
  // A descriptor that chains to itself.
  f.driver[0]->write_raw_descriptor(3, vrtc::virtq::descriptor{buffers, 16, vrtc::virtq::desc_f_next, 3});
  f.driver[0]->publish_raw(3);
  r.backend.on_kick(0, vrtc::reference_time{});
  CHECK_FALSE(r.backend.serving(vu::requestq));
  CHECK(r.backend.serving(vu::alarmq));
  CHECK(logged(r, "queue 0 stopped: descriptor chain loops"));
  std::uint64_t signalled = 0;
  CHECK(::read(err, &signalled, sizeof signalled) == sizeof signalled);
  CHECK(signalled == 1);
  CHECK((f.get_u64(r.backend, vu::request::get_status) & vu::status_device_needs_reset) != 0);
  ::close(err);
}
