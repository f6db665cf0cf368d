// A vhost-user back-end with one fault, for testing that the conformance kit catches it:
// vrtc's session (vhost_user::backend) serving a device of two host clocks (CLOCK_REALTIME
// with an alarm, CLOCK_MONOTONIC), except that
//
//   wrong-used-length    requestq chains are used with the whole writable size as used length
//   einval-for-enodev    S_ENODEV answers go out as S_EINVAL
//   late-alarm           alarms are looked at 2 s after their time (requests still see them)
//   lost-alarmq-buffer   an alarmq buffer that comes while no notification is pending is
//                        taken off the ring and dropped
//   no-version-1         VIRTIO_F_VERSION_1 is not offered
//   none                 no fault
//
// --minimal-features offers only VERSION_1 and the device's features: no protocol features
// (so no REPLY_ACK, RESET_DEVICE or STATUS: a front-end resets the device by reconnecting), no
// indirect descriptors, no event index.
//
// For the first two and the last, this program serves the faulty queue itself (through the
// same split_queue and device the session uses) and hands every other message to the session.
//
//   vhost_mutant_backend --socket-path PATH --fault NAME [--minimal-features]
#include <vrtc/format/vhost_user.hpp>
#include <vrtc/linux/host_clocks.hpp>
#include <vrtc/linux/vhost_user_backend.hpp>
#include <vrtc/linux/vhost_user_socket.hpp>
#include <vrtc/roles/device.hpp>
#include <vrtc/roles/virtqueue.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace vu = vrtc::vhost_user;

enum class fault { none, no_version_1, wrong_used_length, einval_for_enodev, late_alarm, lost_alarmq_buffer };

constexpr std::uint64_t late_by = 2'000'000'000;

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "vhost_mutant_backend: %s\n", why.c_str());
  std::exit(2);
}

// The queue this program serves itself, set up from the same messages the session would get.
struct own_queue {
  std::uint32_t index = 0;
  std::uint32_t num = 0;
  std::optional<vu::vring_address> addr;
  std::uint16_t base = 0;
  int kick = -1;
  int call = -1;
  bool enabled = false;
  bool started = false;
  bool made = false;
  vrtc::split_queue queue;

  void stop() {
    for (const int fd : {kick, call})
      if (fd >= 0) ::close(fd);
    const std::uint32_t keep = index;
    *this = own_queue{};
    index = keep;
  }
};

struct own_memory {
  struct map {
    vu::region r;
    void* base = nullptr;
    std::size_t length = 0;
  };
  std::vector<map> maps;
  std::vector<vrtc::memory_region> regions;

  void clear() {
    for (const map& m : maps) ::munmap(m.base, m.length);
    maps.clear();
    regions.clear();
  }
  void set(const vu::memory_table& t, std::span<const int> fds) {
    clear();
    for (std::uint32_t i = 0; i < t.count && i < fds.size(); ++i) {
      const vu::region& r = t.regions[i];
      const std::size_t length = static_cast<std::size_t>(r.size + r.mmap_offset);
      void* p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
      if (p == MAP_FAILED) die("mmap of guest memory failed");
      maps.push_back({r, p, length});
      regions.push_back({r.guest_address, r.size, static_cast<std::byte*>(p) + r.mmap_offset});
    }
  }
  [[nodiscard]] std::optional<std::uint64_t> to_guest(std::uint64_t user) const {
    for (const map& m : maps)
      if (user >= m.r.user_address && user - m.r.user_address < m.r.size) return m.r.guest_address + (user - m.r.user_address);
    return std::nullopt;
  }
};

bool is_vring_message(vu::request r) {
  switch (r) {
    case vu::request::set_vring_num:
    case vu::request::set_vring_addr:
    case vu::request::set_vring_base:
    case vu::request::get_vring_base:
    case vu::request::set_vring_kick:
    case vu::request::set_vring_call:
    case vu::request::set_vring_err:
    case vu::request::set_vring_enable: return true;
    default: return false;
  }
}

std::uint32_t queue_of(const vu::message& m) {
  if (const auto* s = std::get_if<vu::vring_state>(&m.body)) return s->index;
  if (const auto* a = std::get_if<vu::vring_address>(&m.body)) return a->index;
  if (const auto* f = std::get_if<vu::vring_file>(&m.body)) return f->index();
  return 0xFFFFFFFF;
}

class mutant {
 public:
  mutant(fault f, bool minimal, vrtc::device& dev) : fault_(f), minimal_(minimal), dev_(dev), session_(dev) {
    if (f == fault::wrong_used_length || f == fault::einval_for_enodev) own_.emplace().index = vu::requestq;
    if (f == fault::lost_alarmq_buffer) own_.emplace().index = vu::alarmq;
  }

  /// One message from the front-end; false ends the connection.
  bool on_message(int sock) {
    std::array<std::byte, vu::max_message_size> buffer{};
    std::array<int, vu::max_fds> fds{};
    const auto got = vu::receive_message(sock, buffer, fds);
    if (!got) return false;
    const std::span<const int> given(fds.data(), got->fds);
    const auto m = vu::decode(std::span<const std::byte>(buffer.data(), got->bytes), got->fds);
    if (!m) {
      vu::detail::close_all(given);
      return false;
    }
    const vrtc::reference_time now = vrtc::monotonic_reference_time();
    if (own_ && is_vring_message(m->req) && queue_of(*m) == own_->index) {
      const auto reply = own_message(*m, given);
      if (reply && !vu::send(sock, *reply)) return false;
      serve(now, false);
      return true;
    }
    if (m->req == vu::request::set_mem_table) {
      // The session maps and closes what it is given; this program maps its own copies.
      std::vector<int> copies;
      for (const int fd : given) copies.push_back(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
      memory_.set(std::get<vu::memory_table>(m->body), copies);
      for (const int fd : copies) ::close(fd);
    }
    const bool resets = m->req == vu::request::reset_device || m->req == vu::request::reset_owner ||
                        (m->req == vu::request::set_status && std::get<std::uint64_t>(m->body) == 0);
    if (resets && own_) own_->stop();
    std::optional<vu::message> failure;
    auto reply = session_.handle(*m, given, now, &failure);
    if (!reply) {
      if (failure) (void)vu::send(sock, *failure);
      return false;
    }
    if (*reply && minimal_ && m->req == vu::request::get_features)
      (*reply)->body = std::uint64_t{(1ULL << vrtc::virtq::feature_version_1) | dev_.offered_features()};
    if (*reply && fault_ == fault::no_version_1 && m->req == vu::request::get_features)
      (*reply)->body = std::get<std::uint64_t>((*reply)->body) & ~(1ULL << vrtc::virtq::feature_version_1);
    if (*reply && !vu::send(sock, **reply)) return false;
    serve(now, false);
    return true;
  }

  void on_kick(std::uint32_t q, vrtc::reference_time now) {
    if (own_ && q == own_->index) {
      std::uint64_t count = 0;
      (void)!::read(own_->kick, &count, sizeof count);
      serve(now, true);
      return;
    }
    session_.on_kick(q, now);
    serve(now, false);
  }

  void on_timer(vrtc::reference_time now) {
    session_.process(now);
    serve(now, false);
  }

  [[nodiscard]] int kick_fd(std::uint32_t q) const {
    if (own_ && q == own_->index) return own_->made ? own_->kick : -1;
    return session_.kick_fd(q);
  }

  [[nodiscard]] std::optional<vrtc::reference_time> next_deadline(vrtc::reference_time now) const {
    auto d = session_.next_deadline(now);
    if (d && fault_ == fault::late_alarm) *d += vrtc::nanosecond_count(late_by);
    return d;
  }

  void end() {
    session_.end(vrtc::monotonic_reference_time());
    if (own_) own_->stop();
    memory_.clear();
  }

 private:
  std::optional<vu::message> own_message(const vu::message& m, std::span<const int> fds) {
    own_queue& q = *own_;
    int fd = fds.empty() ? -1 : fds[0];
    for (std::size_t i = 1; i < fds.size(); ++i) ::close(fds[i]);
    std::optional<vu::message> reply;
    switch (m.req) {
      case vu::request::set_vring_num: q.num = std::get<vu::vring_state>(m.body).num; break;
      case vu::request::set_vring_addr: q.addr = std::get<vu::vring_address>(m.body); break;
      case vu::request::set_vring_base: q.base = static_cast<std::uint16_t>(std::get<vu::vring_state>(m.body).num); break;
      case vu::request::get_vring_base: {
        const std::uint16_t next = q.made ? q.queue.next_avail() : q.base;
        q.made = q.started = false;
        reply = vu::make_reply(m.req, vu::vring_state{q.index, next});
        break;
      }
      case vu::request::set_vring_kick:
        if (q.kick >= 0) ::close(q.kick);
        q.kick = fd;
        fd = -1;
        if (q.kick >= 0) ::fcntl(q.kick, F_SETFL, ::fcntl(q.kick, F_GETFL) | O_NONBLOCK);
        q.started = true;
        q.enabled = (session_.features() & (1ULL << vu::f_protocol_features)) == 0;
        make(q);
        break;
      case vu::request::set_vring_call:
        if (q.call >= 0) ::close(q.call);
        q.call = fd;
        fd = -1;
        break;
      case vu::request::set_vring_enable: q.enabled = std::get<vu::vring_state>(m.body).num != 0; break;
      default: break;
    }
    if (fd >= 0) ::close(fd);
    // Without the STATUS protocol feature, the request queue starting stands for DRIVER_OK.
    if (q.index == vu::requestq && q.made && q.enabled &&
        (session_.protocol_features() & (1ULL << vu::protocol_feature::status)) == 0)
      dev_.set_driver_ok();
    if (!reply && m.needs_reply() && (session_.protocol_features() & (1ULL << vu::protocol_feature::reply_ack)) != 0)
      reply = vu::make_ack(m.req, true);
    return reply;
  }

  void make(own_queue& q) {
    q.made = false;
    if (q.num == 0 || !q.addr) return;
    const auto desc = memory_.to_guest(q.addr->desc);
    const auto avail = memory_.to_guest(q.addr->avail);
    const auto used = memory_.to_guest(q.addr->used);
    if (!desc || !avail || !used) return;
    const std::uint64_t f = session_.features();
    const vrtc::queue_config config{static_cast<std::uint16_t>(q.num), *desc, *avail, *used,
                                    (f & (1ULL << vrtc::virtq::feature_indirect_desc)) != 0,
                                    (f & (1ULL << vrtc::virtq::feature_event_idx)) != 0};
    auto made = vrtc::split_queue::make(vrtc::guest_memory(memory_.regions), config, q.base);
    if (!made) return;
    q.queue = *made;
    q.made = true;
  }

  static void signal(int fd) {
    const std::uint64_t one = 1;
    if (fd >= 0) (void)!::write(fd, &one, sizeof one);
  }

  void serve(vrtc::reference_time now, bool kicked) {
    if (!own_ || !own_->made || !own_->enabled) return;
    own_queue& q = *own_;
    bool notify = false;
    if (q.index == vu::requestq) {
      std::array<std::byte, 64> request{};
      std::array<std::byte, 64> response{};
      for (;;) {
        const auto popped = q.queue.pop(request);
        if (!popped || !*popped) break;
        const vrtc::descriptor_chain& c = **popped;
        const std::size_t room = c.writable < response.size() ? c.writable : response.size();
        const std::size_t n = dev_.handle(std::span<const std::byte>(request.data(), c.gathered),
                                          std::span<std::byte>(response.data(), room), now);
        if (fault_ == fault::einval_for_enodev && n >= 8 &&
            response[0] == std::byte{static_cast<std::uint8_t>(vrtc::status::enodev)})
          response[0] = std::byte{static_cast<std::uint8_t>(vrtc::status::einval)};
        const auto written = q.queue.scatter(c, std::span<const std::byte>(response.data(), n));
        if (!written) break;
        const std::uint32_t used = fault_ == fault::wrong_used_length ? c.writable : *written;
        const auto wanted = q.queue.push(c, used);
        notify = notify || (wanted && *wanted);
      }
      if (notify) signal(q.call);
      session_.process(now);  // notifications the requests made due go out on alarmq
      return;
    }
    // alarmq
    dev_.advance(now);
    for (;;) {
      const bool pending = dev_.notification_pending();
      if (!pending && !kicked) break;
      const auto popped = q.queue.pop();
      if (!popped || !*popped) break;
      if (!pending) continue;  // the fault: taken while nothing was due, and dropped
      std::array<std::byte, 16> note{};
      const std::size_t n = dev_.write_notification(note);
      const auto wanted = q.queue.complete(**popped, std::span<const std::byte>(note.data(), n));
      notify = notify || (wanted && *wanted);
    }
    if (notify) signal(q.call);
  }

  fault fault_;
  bool minimal_;
  vrtc::device& dev_;
  vu::backend session_;
  std::optional<own_queue> own_;
  own_memory memory_;
};

int listen_on(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) die("socket path too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1) != 0)
    die("cannot listen on " + path);
  return fd;
}

void arm(int timer, std::optional<vrtc::reference_time> deadline) {
  itimerspec spec{};
  if (deadline) {
    const std::uint64_t at = deadline->ns() == 0 ? 1 : deadline->ns();
    spec.it_value.tv_sec = static_cast<time_t>(at / 1'000'000'000u);
    spec.it_value.tv_nsec = static_cast<long>(at % 1'000'000'000u);
  }
  ::timerfd_settime(timer, TFD_TIMER_ABSTIME, &spec, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  std::optional<fault> which;
  bool minimal = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--minimal-features") {
      minimal = true;
      continue;
    }
    const std::string_view v = i + 1 < argc ? argv[++i] : "";
    if (a == "--socket-path") path = v;
    else if (a == "--fault" && v == "none") which = fault::none;
    else if (a == "--fault" && v == "no-version-1") which = fault::no_version_1;
    else if (a == "--fault" && v == "wrong-used-length") which = fault::wrong_used_length;
    else if (a == "--fault" && v == "einval-for-enodev") which = fault::einval_for_enodev;
    else if (a == "--fault" && v == "late-alarm") which = fault::late_alarm;
    else if (a == "--fault" && v == "lost-alarmq-buffer") which = fault::lost_alarmq_buffer;
    else die("usage: vhost_mutant_backend --socket-path PATH --fault "
             "none|no-version-1|wrong-used-length|einval-for-enodev|late-alarm|lost-alarmq-buffer [--minimal-features]");
  }
  if (path.empty() || !which) die("--socket-path and --fault are required");
  ::signal(SIGPIPE, SIG_IGN);

  vrtc::host_clock realtime = vrtc::host_clock::realtime(true);
  vrtc::host_clock monotonic = vrtc::host_clock::monotonic(false);
  const std::array<vrtc::clock_ref, 2> clocks{vrtc::clock_ref(realtime), vrtc::clock_ref(monotonic)};
  auto dev = vrtc::device::create(clocks);
  if (!dev) die("cannot build the device");
  mutant m(*which, minimal, *dev);

  const int listener = listen_on(path);
  const int timer = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  int conn = -1;
  for (;;) {
    std::vector<pollfd> fds{{listener, POLLIN, 0}, {timer, POLLIN, 0}};
    if (conn >= 0) fds.push_back({conn, POLLIN, 0});
    std::array<int, 2> kicks{m.kick_fd(0), m.kick_fd(1)};
    for (const int k : kicks)
      if (k >= 0) fds.push_back({k, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    const vrtc::reference_time now = vrtc::monotonic_reference_time();
    for (const pollfd& p : fds) {
      if ((p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      if (p.fd == listener) {
        const int c = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0 && conn >= 0) ::close(c);
        else if (c >= 0) conn = c;
      } else if (p.fd == timer) {
        std::uint64_t n = 0;
        (void)!::read(timer, &n, sizeof n);
        m.on_timer(now);
      } else if (p.fd == conn) {
        if (!m.on_message(conn)) {
          m.end();
          ::close(conn);
          conn = -1;
          break;  // the kick descriptors polled may be closed now
        }
      } else {
        for (std::uint32_t q = 0; q < 2; ++q)
          if (p.fd == kicks[q] && m.kick_fd(q) == p.fd) m.on_kick(q, now);
      }
    }
    arm(timer, m.next_deadline(vrtc::monotonic_reference_time()));
  }
}
