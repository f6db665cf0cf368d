// bench_vhost_user_threads: a READ through vhost-user against a bare eventfd ping-pong, both
// between the same two threads:
//   BM_eventfd_ping_pong   thread A writes an eventfd and waits (poll, read) on another, which
//                          thread B writes after waiting for the first: the least any
//                          kick-and-call round trip costs
//   BM_vhost_user_read     thread A is the conformance kit's front-end: it posts a READ chain
//                          on requestq, kicks and waits on the call eventfd; thread B runs
//                          vrtc's session (vhost_user::backend) in a poll loop, answers from
//                          vrtc::device and signals the call eventfd. Guest memory is a memfd
//                          shared by SET_MEM_TABLE, as with a VMM.
// Wall time (UseRealTime): the cost is mostly waiting for the other thread.
#include <vrtc/conformance/linux/vhost_user_frontend.hpp>
#include <vrtc/format/messages.hpp>
#include <vrtc/linux/host_clocks.hpp>
#include <vrtc/linux/vhost_user_backend.hpp>
#include <vrtc/roles/device.hpp>

#include <benchmark/benchmark.h>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>

namespace {

void wait_and_read(int fd) {
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, -1) <= 0) {
  }
  std::uint64_t v = 0;
  (void)!::read(fd, &v, sizeof v);
}

void signal(int fd) {
  const std::uint64_t one = 1;
  (void)!::write(fd, &one, sizeof one);
}

void BM_eventfd_ping_pong(benchmark::State& state) {
  const int ping = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  const int pong = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  std::atomic<bool> stop{false};
  std::thread peer([&] {
    for (;;) {
      wait_and_read(ping);
      if (stop.load()) return;
      signal(pong);
    }
  });
  for (auto _ : state) {
    signal(ping);
    wait_and_read(pong);
  }
  stop.store(true);
  signal(ping);
  peer.join();
  ::close(ping);
  ::close(pong);
}
BENCHMARK(BM_eventfd_ping_pong)->UseRealTime();

void BM_vhost_user_read(benchmark::State& state) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return state.SkipWithError("socketpair");
  const int stop = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  vrtc::host_clock clock = vrtc::host_clock::monotonic(false);
  const std::array<vrtc::clock_ref, 1> clocks{vrtc::clock_ref(clock)};
  auto dev = vrtc::device::create(clocks);
  if (!dev) return state.SkipWithError("device");
  std::thread backend_thread([&] {
    vrtc::vhost_user::backend b(*dev);
    for (;;) {
      std::array<pollfd, 4> p{{{stop, POLLIN, 0}, {sv[1], POLLIN, 0}, {b.kick_fd(0), POLLIN, 0}, {b.kick_fd(1), POLLIN, 0}}};
      if (::poll(p.data(), p.size(), -1) <= 0) continue;
      if (p[0].revents != 0) break;
      if (p[1].revents != 0 && !b.serve_message(sv[1], vrtc::monotonic_reference_time())) break;
      for (std::uint32_t q = 0; q < 2; ++q)
        if (p[2 + q].fd >= 0 && (p[2 + q].revents & POLLIN) != 0) b.on_kick(q, vrtc::monotonic_reference_time());
    }
    b.end(vrtc::monotonic_reference_time());
  });
  {
    vrtc::conformance::vhost_user_frontend f;
    if (!f.adopt(sv[0]) || !f.start(0)) {
      state.SkipWithError(f.error().c_str());
    } else {
      vrtc::conformance::chain_spec read;
      const auto bytes = vrtc::encode(vrtc::read_request{0});
      read.readable.emplace_back(bytes.begin(), bytes.end());
      read.writable = {vrtc::read_response::size};
      for (auto _ : state) {
        const auto a = f.transact(read);
        if (!a || a->used.len != vrtc::read_response::size) {
          state.SkipWithError("no READ answer");
          break;
        }
        benchmark::DoNotOptimize(a->writable.data());
      }
    }
  }  // the front-end closes the socket
  signal(stop);
  backend_thread.join();
  ::close(sv[1]);
  ::close(stop);
}
BENCHMARK(BM_vhost_user_read)->UseRealTime();

}  // namespace
