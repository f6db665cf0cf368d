// The vhost-user back-end session's data path against an eventfd baseline, in one binary:
//   BM_eventfd_kick_and_call  writing and reading two eventfds: the kick and the call a
//                             request costs at least, whatever the back-end does
//   BM_session_read_per_kick  one READ per kick: the driver adds the chain and kicks, the
//                             session drains the kick, pops, asks vrtc::device, completes and
//                             signals the call eventfd, the driver takes the used element
//   BM_session_read_batch     16 READs per kick, per request
// The session is set up over a socketpair with the codec, on memfd guest memory, as a VMM would.
#include <vrtc/format/messages.hpp>
#include <vrtc/format/vhost_user.hpp>
#include <vrtc/linux/vhost_user_backend.hpp>
#include <vrtc/linux/vhost_user_socket.hpp>
#include <vrtc/roles/clocks.hpp>
#include <vrtc/roles/device.hpp>
#include <vrtc/roles/virtqueue_driver.hpp>

#include <benchmark/benchmark.h>

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace {

namespace vu = vrtc::vhost_user;

struct fixed_clock {
  [[nodiscard]] vrtc::clock_capabilities capabilities() const noexcept {
    return {vrtc::clock_type::tai, vrtc::smearing::unspecified, false};
  }
  [[nodiscard]] vrtc::result<std::uint64_t> read(vrtc::reference_time now) const noexcept { return now.ns() + 1'700'000'000'000'000'000; }
};

constexpr std::uint64_t guest_base = 0x40000000;
constexpr std::size_t guest_size = 1 << 20;
constexpr std::uint16_t ring_size = 64;
constexpr std::uint64_t rings_at = guest_base + 0x10000, buffers = guest_base + 0x80000;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

// One session with requestq set up and live, and the driver's view of it.
struct setup {
  fixed_clock clock;
  std::array<vrtc::clock_ref, 1> clocks{vrtc::clock_ref(clock)};
  vrtc::device device{clocks};
  vu::backend session{device};
  int sock[2] = {-1, -1};
  int memfd = -1, kick = -1, call = -1;
  std::byte* host = nullptr;
  vrtc::memory_region region{};
  std::optional<vrtc::split_queue_driver> driver;

  std::uint64_t user(std::uint64_t g) const { return reinterpret_cast<std::uintptr_t>(host) + (g - guest_base); }

  void send(const vu::message& m, int fd = -1) {
    check(vu::send(sock[0], m, fd >= 0 ? std::span<const int>(&fd, 1) : std::span<const int>{}).has_value(), "send");
    check(session.serve_message(sock[1], vrtc::reference_time{}).has_value(), vu::to_string(m.req));
    if (vu::always_replied(m.req)) {
      std::array<std::byte, vu::max_message_size> buffer{};
      std::array<int, vu::max_fds> fds{};
      check(vu::receive_message(sock[0], buffer, fds).has_value(), "reply");
    }
  }

  setup() {
    check(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) == 0, "socketpair");
    memfd = ::memfd_create("vrtc-bench", MFD_CLOEXEC);
    check(memfd >= 0 && ::ftruncate(memfd, guest_size) == 0, "memfd");
    void* p = ::mmap(nullptr, guest_size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    check(p != MAP_FAILED, "mmap");
    host = static_cast<std::byte*>(p);
    region = {guest_base, guest_size, host};
    kick = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    call = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

    send(vu::make_request(vu::request::set_features, session.offered_features()));
    send(vu::make_request(vu::request::set_protocol_features, vu::backend::offered_protocol_features));
    vu::memory_table table;
    table.count = 1;
    table.regions[0] = vu::region{guest_base, guest_size, user(guest_base), 0};
    send(vu::make_request(vu::request::set_mem_table, table), memfd);
    const vrtc::queue_config config{ring_size, rings_at, rings_at + 0x1000, rings_at + 0x2000, true, true};
    auto d = vrtc::split_queue_driver::make(vrtc::guest_memory(std::span(&region, 1)), config);
    check(d.has_value(), "driver");
    driver.emplace(std::move(*d));
    send(vu::make_request(vu::request::set_vring_num, vu::vring_state{0, ring_size}));
    send(vu::make_request(vu::request::set_vring_addr,
                          vu::vring_address{0, 0, user(config.desc_addr), user(config.used_addr),
                                            user(config.avail_addr), 0}));
    send(vu::make_request(vu::request::set_vring_call, vu::vring_file{0}), call);
    send(vu::make_request(vu::request::set_vring_kick, vu::vring_file{0}), kick);
    send(vu::make_request(vu::request::set_vring_enable, vu::vring_state{0, 1}));
    send(vu::make_request(vu::request::set_status, std::uint64_t{0xF}));
    const auto wire = vrtc::encode(vrtc::read_request{0});
    std::memcpy(host + (buffers - guest_base), wire.data(), wire.size());
  }
  ~setup() {
    session.end(vrtc::reference_time{});
    ::munmap(host, guest_size);
    for (int fd : {sock[0], sock[1], memfd, kick, call}) ::close(fd);
  }
  setup(const setup&) = delete;
  setup& operator=(const setup&) = delete;
};

void BM_eventfd_kick_and_call(benchmark::State& state) {
  const int a = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), b = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  std::uint64_t v = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(::write(a, &v, sizeof v));
    benchmark::DoNotOptimize(::read(a, &v, sizeof v));
    benchmark::DoNotOptimize(::write(b, &v, sizeof v));
    benchmark::DoNotOptimize(::read(b, &v, sizeof v));
  }
  ::close(a);
  ::close(b);
}
BENCHMARK(BM_eventfd_kick_and_call);

void serve(benchmark::State& state, int batch) {
  setup s;
  const vrtc::guest_buffer in{buffers, 16};
  const vrtc::guest_buffer out{buffers + 0x100, 16};
  std::uint64_t now = 0, v = 1;
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) (void)s.driver->add(std::span(&in, 1), std::span(&out, 1));
    if (s.driver->kick_needed()) benchmark::DoNotOptimize(::write(s.kick, &v, sizeof v));
    s.session.on_kick(0, vrtc::reference_time(++now));
    benchmark::DoNotOptimize(::read(s.call, &v, sizeof v));
    for (int i = 0; i < batch; ++i) benchmark::DoNotOptimize(s.driver->take_used());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * batch);
}

void BM_session_read_per_kick(benchmark::State& state) { serve(state, 1); }
BENCHMARK(BM_session_read_per_kick);

void BM_session_read_batch(benchmark::State& state) { serve(state, 16); }
BENCHMARK(BM_session_read_batch);

}  // namespace
