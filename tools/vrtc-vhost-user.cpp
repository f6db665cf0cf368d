// vrtc-vhost-user: a vhost-user back-end daemon serving a virtio-rtc device to a VMM.
//
//   vrtc-vhost-user --socket-path PATH [--clock KIND[,alarm]]... [--no-alarm-feature]
//                   [--leap-seconds LIST]
//
// Listens on the Unix socket PATH for one front-end at a time (QEMU's vhost-user-rtc-pci,
// Cloud Hypervisor's generic vhost-user device) and serves it the clocks given, in order
// (clock id = position). A front-end that disconnects leaves the device reset (alarms kept)
// and the daemon waits for the next one. One event loop: the sockets, the queues' kick
// eventfds, a timerfd armed at the device's next alarm deadline, a timerfd that fires when
// CLOCK_REALTIME is set, and a signalfd for SIGTERM/SIGINT. Nothing polls. docs/vhost-user.md
// has the details.
#include <vrtc/format/vhost_user.hpp>
#include <vrtc/linux/host_clocks.hpp>
#include <vrtc/linux/host_tai.hpp>
#include <vrtc/linux/vhost_user_backend.hpp>
#include <vrtc/roles/device.hpp>
#include <vrtc/roles/leap_clocks.hpp>

#include <errno.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/cli.hpp"

namespace {

using vrtc_tools::fail;
namespace vu = vrtc::vhost_user;

constexpr const char* usage_text =
    "usage: vrtc-vhost-user --socket-path PATH [--clock KIND[,alarm]]... [--no-alarm-feature]\n"
    "                       [--leap-seconds LIST]\n"
    "\n"
    "Serves a virtio-rtc device (virtio device id 17, queues requestq and alarmq) over the\n"
    "vhost-user protocol on the Unix socket PATH, to one front-end at a time, until SIGTERM or\n"
    "SIGINT. Each --clock adds a clock (ids in order); KIND is one of\n"
    "  realtime             host CLOCK_REALTIME as UTC_MAYBE_SMEARED (it may step or smear at\n"
    "                       leap seconds, as the host's time daemon decides)\n"
    "  tai                  host TAI as TAI (CLOCK_TAI when the kernel's offset is set, else\n"
    "                       CLOCK_REALTIME plus TAI - UTC from the leap-second table)\n"
    "  monotonic            host CLOCK_MONOTONIC as MONOTONIC\n"
    "  boottime             host CLOCK_BOOTTIME as MONOTONIC (counts host suspend)\n"
    "  smeared-noon-linear  UTC_SMEARED, NOON_LINEAR: UTC from host TAI, leap seconds smeared\n"
    "                       over the 24 h from noon to noon\n"
    "  smeared-utc-sls      UTC_SMEARED, UTC_SLS: smeared over the last 1000 s of the day\n"
    "and ',alarm' gives the clock an alarm. Without --clock: smeared-noon-linear,alarm, tai and\n"
    "monotonic (Linux makes the first an RTC with wake alarms and all three PTP clocks).\n"
    "--no-alarm-feature offers no VIRTIO_RTC_F_ALARM (no alarmq use, no alarms). LIST is the\n"
    "leap-seconds.list to use (default /usr/share/zoneinfo/leap-seconds.list, or the built-in\n"
    "copy when that is expired). One line is printed per lifecycle event.\n"
    "\n"
    "Exit status: 0 after SIGTERM/SIGINT, 2 on any failure, with {\"error\": \"...\"} as the output.\n";

void say(const std::string& line) {
  std::printf("vrtc-vhost-user: %s\n", line.c_str());
  std::fflush(stdout);
}

std::string os_error(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

enum class clock_kind { realtime, tai, monotonic, boottime, smeared_noon_linear, smeared_utc_sls };

struct clock_option {
  clock_kind kind = clock_kind::realtime;
  bool alarm = false;
};

clock_option parse_clock(std::string_view text) {
  clock_option c;
  std::string_view kind = text;
  if (const auto comma = text.find(','); comma != std::string_view::npos) {
    kind = text.substr(0, comma);
    if (text.substr(comma + 1) != "alarm") fail("bad --clock option: " + std::string(text) + " (only ',alarm' may follow)");
    c.alarm = true;
  }
  if (kind == "realtime") c.kind = clock_kind::realtime;
  else if (kind == "tai") c.kind = clock_kind::tai;
  else if (kind == "monotonic") c.kind = clock_kind::monotonic;
  else if (kind == "boottime") c.kind = clock_kind::boottime;
  else if (kind == "smeared-noon-linear") c.kind = clock_kind::smeared_noon_linear;
  else if (kind == "smeared-utc-sls") c.kind = clock_kind::smeared_utc_sls;
  else fail("unknown clock kind: " + std::string(kind));
  return c;
}

const char* name_of(clock_kind k) {
  switch (k) {
    case clock_kind::realtime: return "realtime (UTC_MAYBE_SMEARED)";
    case clock_kind::tai: return "tai (TAI)";
    case clock_kind::monotonic: return "monotonic (MONOTONIC)";
    case clock_kind::boottime: return "boottime (MONOTONIC)";
    case clock_kind::smeared_noon_linear: return "smeared-noon-linear (UTC_SMEARED, NOON_LINEAR)";
    case clock_kind::smeared_utc_sls: return "smeared-utc-sls (UTC_SMEARED, UTC_SLS)";
  }
  return "?";
}

/// The clocks, at stable addresses (the device refers to them).
class clock_set {
 public:
  clock_set(const std::vector<clock_option>& options, const std::string& leap_list) : leap_list_(leap_list) {
    for (const clock_option& o : options) {
      auto slot = std::make_unique<entry>();
      slot->option = o;
      switch (o.kind) {
        case clock_kind::realtime: slot->host.emplace(vrtc::host_clock::realtime(o.alarm)); break;
        case clock_kind::monotonic: slot->host.emplace(vrtc::host_clock::monotonic(o.alarm)); break;
        case clock_kind::boottime: slot->host.emplace(vrtc::host_clock::boottime(o.alarm)); break;
        case clock_kind::tai: slot->host.emplace(tai_clock(o.alarm)); break;
        case clock_kind::smeared_noon_linear:
        case clock_kind::smeared_utc_sls:
          if (!tai_) tai_.emplace(tai_clock(false));
          slot->smeared.emplace(*tai_, schedule(),
                                o.kind == clock_kind::smeared_utc_sls ? vrtc::smear_method::utc_sls
                                                                      : vrtc::smear_method::noon_linear,
                                o.alarm);
          break;
      }
      entries_.push_back(std::move(slot));
    }
    for (const auto& e : entries_) {
      if (e->host) refs_.emplace_back(*e->host);
      else refs_.emplace_back(*e->smeared);
    }
  }

  [[nodiscard]] std::span<const vrtc::clock_ref> refs() const { return refs_; }

  /// Takes up the leap-second schedule of now (the smeared clocks know one leap second ahead).
  void refresh_schedule() {
    if (!tai_) return;
    const auto s = schedule();
    for (auto& e : entries_)
      if (e->smeared)
        *e->smeared = vrtc::smeared_utc_clock<vrtc::host_clock>(
            *tai_, s,
            e->option.kind == clock_kind::smeared_utc_sls ? vrtc::smear_method::utc_sls : vrtc::smear_method::noon_linear,
            e->option.alarm);
  }

  [[nodiscard]] std::string describe() const {
    std::string s;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (i > 0) s += ", ";
      s += std::to_string(i) + " " + name_of(entries_[i]->option.kind) + (entries_[i]->option.alarm ? " with alarm" : "");
    }
    if (tai_source_) s += "; TAI from " + *tai_source_;
    return s;
  }

 private:
  struct entry {
    clock_option option;
    std::optional<vrtc::host_clock> host;
    std::optional<vrtc::smeared_utc_clock<vrtc::host_clock>> smeared;
  };

  vrtc::host_clock tai_clock(bool alarm) {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    const auto leaps = vrtc::load_host_leap_table(static_cast<std::uint64_t>(ts.tv_sec), leap_list_.c_str());
    const auto source = vrtc::host_tai::choose(vrtc::kernel_tai_offset(), leaps);
    if (!source) fail("no TAI on this host: the kernel's TAI offset is not set and there is " + vrtc::describe(leaps));
    tai_source_ = vrtc::describe(*source, leaps);
    host_tai_.emplace(*source);
    return vrtc::host_clock::tai(*source, alarm);
  }

  // TAI - UTC now and the next leap second, from the TAI source's table (the kernel's offset
  // alone knows no future leap second).
  vrtc::leap_schedule schedule() const {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    const auto utc_sec = static_cast<std::uint64_t>(ts.tv_sec);
    if (host_tai_ && host_tai_->table()) {
      if (const auto s = host_tai_->table()->schedule_at(utc_sec); s) return *s;
    }
    if (host_tai_ && host_tai_->kernel_offset())
      return vrtc::leap_schedule{static_cast<std::int16_t>(*host_tai_->kernel_offset()), std::nullopt};
    fail("no leap-second schedule for the smeared clock");
  }

  std::string leap_list_;
  std::optional<vrtc::host_tai> host_tai_;
  std::optional<std::string> tai_source_;
  std::optional<vrtc::host_clock> tai_;  ///< the TAI the smeared clocks follow
  std::vector<std::unique_ptr<entry>> entries_;
  std::vector<vrtc::clock_ref> refs_;
};

/// A file descriptor closed at scope exit.
struct fd_owner {
  int fd = -1;
  explicit fd_owner(int f = -1) : fd(f) {}
  fd_owner(const fd_owner&) = delete;
  fd_owner& operator=(const fd_owner&) = delete;
  ~fd_owner() { reset(); }
  void reset(int f = -1) {
    if (fd >= 0) ::close(fd);
    fd = f;
  }
};

// epoll tags
constexpr std::uint64_t tag_listen = 1, tag_signal = 2, tag_timer = 3, tag_clock_set = 4, tag_conn = 5, tag_kick = 16;

void watch(int epoll, int fd, std::uint64_t tag) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = tag;
  if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) != 0) fail(os_error("epoll_ctl"));
}

/// Arms `timer` (CLOCK_MONOTONIC) at `deadline`, or disarms it.
void arm(int timer, std::optional<vrtc::reference_time> deadline) {
  itimerspec spec{};
  if (deadline) {
    const std::uint64_t at = deadline->ns() == 0 ? 1 : deadline->ns();  // 0 would disarm
    spec.it_value.tv_sec = static_cast<time_t>(at / 1'000'000'000u);
    spec.it_value.tv_nsec = static_cast<long>(at % 1'000'000'000u);
  }
  if (::timerfd_settime(timer, TFD_TIMER_ABSTIME, &spec, nullptr) != 0) fail(os_error("timerfd_settime"));
}

/// A CLOCK_REALTIME timer far ahead that is cancelled (read fails with ECANCELED) whenever
/// the host's time is set: the moment host-clock alarms must be re-evaluated.
void arm_clock_set_watch(int timer) {
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(INT32_MAX);
  if (::timerfd_settime(timer, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec, nullptr) != 0)
    fail(os_error("timerfd_settime (CLOCK_REALTIME)"));
}

int listen_on(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) fail("socket path too long or empty: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) fail(path + " exists and is not a socket");
    ::unlink(path.c_str());  // a stale socket of an earlier run
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(os_error("socket"));
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string why = os_error(("bind " + path).c_str());
    ::close(fd);
    fail(why);
  }
  if (::listen(fd, 1) != 0) {
    const std::string why = os_error("listen");
    ::close(fd);
    fail(why);
  }
  return fd;
}

int run(int argc, char** argv) {
  CLI::App app(usage_text, "vrtc-vhost-user");
  vrtc_tools::setup(app);
  std::string socket_text;
  std::vector<std::string> clock_texts;
  bool no_alarm = false;
  std::string leap_list = vrtc::system_leap_seconds_list;
  const CLI::Option* socket_opt =
      app.add_option("--socket-path", socket_text, "The Unix socket to listen on")->type_name("PATH");
  app.add_option("--clock", clock_texts, "Add a clock: KIND[,alarm], once per clock, in clock id order")
      ->type_name("KIND[,alarm]")
      ->allow_extra_args(false);
  app.add_flag("--no-alarm-feature", no_alarm, "Offer no VIRTIO_RTC_F_ALARM");
  app.add_option("--leap-seconds", leap_list, "The leap-second list (default " + leap_list + ")")->type_name("LIST");
  if (const auto done = vrtc_tools::parse(app, argc, argv)) return *done;
  std::optional<std::string> socket_path;
  if (socket_opt->count() > 0) socket_path = socket_text;
  const bool offer_alarm = !no_alarm;
  std::vector<clock_option> clocks;
  for (const auto& c : clock_texts) clocks.push_back(parse_clock(c));
  if (!socket_path) fail("--socket-path PATH is required");
  if (clocks.empty())
    clocks = {{clock_kind::smeared_noon_linear, true}, {clock_kind::tai, false}, {clock_kind::monotonic, false}};
  if (clocks.size() > 0xFFFF) fail("too many clocks");

  clock_set set(clocks, leap_list);
  vrtc::device_config config;
  config.offer_alarm = offer_alarm;
  auto dev = vrtc::device::create(set.refs(), config);
  if (!dev) fail(std::string("cannot build the device: ") + vrtc::to_string(dev.error()));
  vu::backend backend(*dev, [](const char* line) { say(line); });

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  if (::sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) fail(os_error("sigprocmask"));
  ::signal(SIGPIPE, SIG_IGN);
  fd_owner sig(::signalfd(-1, &signals, SFD_CLOEXEC));
  if (sig.fd < 0) fail(os_error("signalfd"));
  fd_owner epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (epoll.fd < 0) fail(os_error("epoll_create1"));
  fd_owner timer(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  fd_owner clock_set_watch(::timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK));
  if (timer.fd < 0 || clock_set_watch.fd < 0) fail(os_error("timerfd_create"));
  arm_clock_set_watch(clock_set_watch.fd);

  fd_owner listener(listen_on(*socket_path));
  watch(epoll.fd, sig.fd, tag_signal);
  watch(epoll.fd, timer.fd, tag_timer);
  watch(epoll.fd, clock_set_watch.fd, tag_clock_set);
  watch(epoll.fd, listener.fd, tag_listen);
  say("listening on " + *socket_path + "; clocks: " + set.describe() +
      (offer_alarm ? "" : "; VIRTIO_RTC_F_ALARM not offered"));

  fd_owner conn;
  std::array<int, vu::queue_count> watched_kicks{-1, -1};
  std::uint64_t kick_generation = backend.kick_generation();

  // Registers the session's current kick eventfds (they change with SET_VRING_KICK and reset).
  auto update_kicks = [&] {
    if (backend.kick_generation() == kick_generation) return;
    kick_generation = backend.kick_generation();
    for (std::uint32_t q = 0; q < vu::queue_count; ++q) {
      if (watched_kicks[q] >= 0) ::epoll_ctl(epoll.fd, EPOLL_CTL_DEL, watched_kicks[q], nullptr);  // may be closed already
      watched_kicks[q] = backend.kick_fd(q);
      if (watched_kicks[q] < 0) continue;
      // A front-end may hand the same eventfd again (after a reset, say). The session closed
      // its old descriptor, but epoll keeps an entry while the eventfd lives, and the new
      // descriptor usually gets the old number: then the entry is updated, not added.
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = tag_kick + q;
      if (::epoll_ctl(epoll.fd, EPOLL_CTL_ADD, watched_kicks[q], &ev) != 0 &&
          (errno != EEXIST || ::epoll_ctl(epoll.fd, EPOLL_CTL_MOD, watched_kicks[q], &ev) != 0))
        fail(os_error("epoll_ctl"));
    }
  };
  auto disconnect = [&](const std::string& why) {
    ::epoll_ctl(epoll.fd, EPOLL_CTL_DEL, conn.fd, nullptr);
    conn.reset();
    backend.end(vrtc::monotonic_reference_time());
    update_kicks();
    say(why);
  };

  std::array<epoll_event, 8> events{};
  for (;;) {
    const int n = ::epoll_wait(epoll.fd, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(os_error("epoll_wait"));
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[static_cast<std::size_t>(i)].data.u64;
      const vrtc::reference_time now = vrtc::monotonic_reference_time();
      if (tag == tag_signal) {
        signalfd_siginfo info{};
        (void)!::read(sig.fd, &info, sizeof info);
        if (conn.fd >= 0) disconnect("disconnected: stopping");
        ::unlink(socket_path->c_str());
        say(info.ssi_signo == SIGINT ? "stopped by SIGINT" : "stopped by SIGTERM");
        return 0;
      }
      if (tag == tag_listen) {
        const int c = ::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        if (conn.fd >= 0) {
          ::close(c);
          say("refused a second front-end: one is connected");
          continue;
        }
        conn.reset(c);
        // A message is read whole once its first byte arrives; a front-end that stops
        // mid-message ends its session instead of stalling the loop.
        const timeval limit{5, 0};
        ::setsockopt(conn.fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        set.refresh_schedule();
        watch(epoll.fd, conn.fd, tag_conn);
        say("front-end connected");
      } else if (tag == tag_conn) {
        if (conn.fd < 0) continue;
        const auto served = backend.serve_message(conn.fd, now);
        if (!served) {
          disconnect(served.error() == vrtc::errc::vhost_disconnected
                         ? std::string("front-end disconnected")
                         : std::string("session ended: ") + vrtc::to_string(served.error()));
          continue;
        }
        update_kicks();
      } else if (tag == tag_timer) {
        std::uint64_t expirations = 0;
        (void)!::read(timer.fd, &expirations, sizeof expirations);
        backend.process(now);
      } else if (tag == tag_clock_set) {
        std::uint64_t expirations = 0;
        (void)!::read(clock_set_watch.fd, &expirations, sizeof expirations);  // ECANCELED: the time was set
        arm_clock_set_watch(clock_set_watch.fd);
        backend.process(now);
      } else if (tag >= tag_kick && tag < tag_kick + vu::queue_count) {
        backend.on_kick(static_cast<std::uint32_t>(tag - tag_kick), now);
      }
    }
    arm(timer.fd, backend.next_deadline(vrtc::monotonic_reference_time()));
  }
}

}  // namespace

int main(int argc, char** argv) {
  return vrtc_tools::report_failures([&] { return run(argc, argv); });
}
