// vrtc's vhost-user session serving a device in a thread of its own, over a socketpair: the
// back-end for tests that drive it through the conformance kit's front-end.
#pragma once

#include <vrtc/linux/host_clocks.hpp>
#include <vrtc/linux/vhost_user_backend.hpp>
#include <vrtc/roles/clocks.hpp>
#include <vrtc/roles/device.hpp>

#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <thread>

namespace vrtc_test {

// vrtc's session serving CLOCK_REALTIME (with an alarm) and CLOCK_MONOTONIC in a thread of its
// own, as a daemon's loop would: the socket, the kick eventfds and the device's deadline.
// With serve_kicks false it answers control messages only, and never a ring.
class backend_thread {
 public:
  explicit backend_thread(bool serve_kicks = true) : serve_kicks_(serve_kicks) {
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv_) == 0);
    stop_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    thread_ = std::thread([this] { loop(); });
  }
  ~backend_thread() {
    const std::uint64_t one = 1;
    (void)!::write(stop_, &one, sizeof one);
    thread_.join();
    ::close(sv_[1]);
    ::close(stop_);
  }
  backend_thread(const backend_thread&) = delete;
  backend_thread& operator=(const backend_thread&) = delete;

  /// The front-end's end of the socket (to be adopted).
  [[nodiscard]] int frontend_socket() const { return sv_[0]; }

 private:
  void loop() {
    vrtc::host_clock realtime = vrtc::host_clock::realtime(true);
    vrtc::host_clock monotonic = vrtc::host_clock::monotonic(false);
    const std::array<vrtc::clock_ref, 2> clocks{vrtc::clock_ref(realtime), vrtc::clock_ref(monotonic)};
    auto dev = vrtc::device::create(clocks);
    if (!dev) return;
    vrtc::vhost_user::backend b(*dev);
    bool connected = true;
    for (;;) {
      std::array<pollfd, 4> p{{{stop_, POLLIN, 0},
                               {connected ? sv_[1] : -1, POLLIN, 0},
                               {serve_kicks_ ? b.kick_fd(0) : -1, POLLIN, 0},
                               {serve_kicks_ ? b.kick_fd(1) : -1, POLLIN, 0}}};
      int timeout = -1;
      if (const auto d = b.next_deadline(vrtc::monotonic_reference_time())) {
        const vrtc::reference_time now = vrtc::monotonic_reference_time();
        timeout = *d <= now ? 0 : static_cast<int>((*d - now).count / 1'000'000 + 1);
      }
      const int n = ::poll(p.data(), p.size(), timeout);
      if (n < 0) continue;
      if (p[0].revents != 0) break;
      if (n == 0) b.process(vrtc::monotonic_reference_time());
      if (p[1].revents != 0 && !b.serve_message(sv_[1], vrtc::monotonic_reference_time())) {
        b.end(vrtc::monotonic_reference_time());
        connected = false;
      }
      for (std::uint32_t q = 0; q < 2; ++q)
        if (p[2 + q].fd >= 0 && (p[2 + q].revents & POLLIN) != 0) b.on_kick(q, vrtc::monotonic_reference_time());
    }
  }

  bool serve_kicks_;
  int sv_[2] = {-1, -1};
  int stop_ = -1;
  std::thread thread_;
};

}  // namespace vrtc_test
