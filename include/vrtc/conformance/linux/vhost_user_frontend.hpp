// vrtc conformance: a vhost-user front-end that drives any virtio-rtc vhost-user back-end
// through real split rings (platform edge; Linux: memfd, eventfd).
//
// It plays the VMM and the guest driver at once: guest memory is a memfd mapped in this
// process and shared with the back-end by SET_MEM_TABLE, requestq (0) and alarmq (1) are split
// rings in it (split_queue_driver), kicks and calls are eventfds. Requests go down as
// descriptor chains (split across descriptors, scattered over writable buffers, through an
// indirect table, as asked) and answers are taken from the used ring after the call eventfd
// fires. Every wait has a deadline: a back-end that does not answer is an error, never a hang.
//
// Errors of the transport (the socket closed, a malformed reply, no answer in time, a used
// element for a chain that was not outstanding) are sticky: error() says what happened and
// every later call fails at once, so a caller can finish its report and exit.
#pragma once

#ifndef __linux__
#error "vhost_user_frontend.hpp needs Linux (memfd, eventfd)"
#endif

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "vrtc/core/config.hpp"
#include "vrtc/format/messages.hpp"
#include "vrtc/format/protocol.hpp"
#include "vrtc/format/vhost_user.hpp"
#include "vrtc/linux/posix.hpp"
#include "vrtc/linux/vhost_user_socket.hpp"
#include "vrtc/roles/virtqueue.hpp"
#include "vrtc/roles/virtqueue_driver.hpp"

VRTC_BEGIN_NAMESPACE
namespace conformance {

/// Limits of the front-end.
struct vhost_user_frontend_options {
  /// Longest wait for a control reply or a requestq answer, in milliseconds.
  int timeout_ms = 10'000;
  /// How long an alarmq buffer is watched before "no notification" is concluded.
  int quiet_ms = 100;
  /// Descriptors per ring (a power of 2).
  std::uint16_t queue_size = 64;
  /// Give the back-end the same kick and call eventfds again after a reset, as a VMM that
  /// keeps its notifiers does (QEMU), instead of fresh ones.
  bool reuse_eventfds = false;
};

/// One chain for requestq: readable pieces then writable buffers of the given sizes.
struct chain_spec {
  std::vector<std::vector<std::byte>> readable;
  std::vector<std::uint32_t> writable;
  bool indirect = false;    ///< through an indirect table (one descriptor in the ring)
  std::byte fill{0xA5};     ///< what the writable buffers hold before the device writes
};

/// What came back for a chain.
struct chain_answer {
  used_element used;
  std::uint16_t head = 0;                ///< the head the chain was posted with
  std::vector<std::byte> writable;       ///< every writable buffer, concatenated, as left
};

/// One alarmq buffer as the back-end used it.
struct alarmq_answer {
  used_element used;
  std::vector<std::byte> buffer;
};

class vhost_user_frontend {
 public:
  static constexpr std::uint32_t requestq = 0;
  static constexpr std::uint32_t alarmq = 1;
  static constexpr std::uint64_t guest_base = 0x1'0000'0000;  ///< guest-physical address of the memfd
  static constexpr std::size_t guest_size = 1 << 20;
  static constexpr std::uint64_t status_acknowledge = 1, status_driver = 2, status_driver_ok = 4,
                                 status_features_ok = 8;
  /// Device feature bits are 0-23; the rest belong to the transport.
  static constexpr std::uint64_t device_feature_mask = (1ULL << 24) - 1;

  explicit vhost_user_frontend(vhost_user_frontend_options options = {}) : opt_(options) {}
  vhost_user_frontend(const vhost_user_frontend&) = delete;
  vhost_user_frontend& operator=(const vhost_user_frontend&) = delete;
  ~vhost_user_frontend() {
    close_socket();
    if (host_ != nullptr) ::munmap(host_, guest_size);
    for (const int fd : {memfd_, kick_[0], kick_[1], call_[0], call_[1]})
      if (fd >= 0) ::close(fd);
  }

  /// The first transport error, empty while everything works.
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] bool ok() const noexcept { return error_.empty(); }
  /// Records a transport error found by a caller (the first one stays).
  void set_error(std::string why) { (void)fail(std::move(why)); }

  /// Connects to the back-end listening on `path`.
  bool connect(const std::string& path) {
    path_ = path;
    if (!prepare()) return false;
    return dial();
  }
  /// Uses `fd`, a connected stream socket (owned from now on).
  bool adopt(int fd) {
    if (!prepare()) return false;
    sock_ = fd;
    return true;
  }

  /// Asks for the back-end's features and protocol features (once per connection).
  bool probe() {
    if (!ok()) return false;
    if (probed_) return true;
    if (!send_plain(vhost_user::request::set_owner)) return false;
    const auto f = get_u64(vhost_user::request::get_features);
    if (!f) return false;
    offered_ = *f;
    offered_protocol_ = 0;
    if ((offered_ & (1ULL << vhost_user::f_protocol_features)) != 0) {
      const auto p = get_u64(vhost_user::request::get_protocol_features);
      if (!p) return false;
      offered_protocol_ = *p;
    }
    probed_ = true;
    return true;
  }

  [[nodiscard]] std::uint64_t offered_features() const noexcept { return offered_; }
  [[nodiscard]] std::uint64_t offered_protocol_features() const noexcept { return offered_protocol_; }
  [[nodiscard]] std::uint64_t negotiated_features() const noexcept { return features_; }
  [[nodiscard]] bool protocol(unsigned bit) const noexcept { return (protocol_ & (1ULL << bit)) != 0; }
  [[nodiscard]] bool offers(unsigned bit) const noexcept { return (offered_ & (1ULL << bit)) != 0; }

  /// The driver's initialisation: features (VERSION_1, PROTOCOL_FEATURES, INDIRECT_DESC,
  /// EVENT_IDX when offered, and the device bits of `device_features` that are offered),
  /// protocol features (REPLY_ACK, RESET_DEVICE, STATUS when offered), the memory table, both
  /// rings laid out afresh, and DRIVER_OK when STATUS is negotiated.
  bool start(std::uint64_t device_features) {
    if (!probe()) return false;
    namespace vu = vhost_user;
    const std::uint64_t transport = (1ULL << virtq::feature_version_1) | (1ULL << vu::f_protocol_features) |
                                    (1ULL << virtq::feature_indirect_desc) | (1ULL << virtq::feature_event_idx);
    // Only what is offered (a driver accepts nothing else); a missing VERSION_1 is reported
    // by the feature check, and the rings still work as a modern device's would.
    features_ = (offered_ & transport) | (offered_ & device_features & device_feature_mask);
    if (!send_plain(vu::request::set_features, features_)) return false;
    protocol_ = 0;
    if ((features_ & (1ULL << vu::f_protocol_features)) != 0) {
      protocol_ = offered_protocol_ & ((1ULL << vu::protocol_feature::reply_ack) |
                                       (1ULL << vu::protocol_feature::reset_device) |
                                       (1ULL << vu::protocol_feature::status));
      if (!send_plain(vu::request::set_protocol_features, protocol_)) return false;
    }
    vu::memory_table table;
    table.count = 1;
    table.regions[0] = vu::region{guest_base, guest_size, user(guest_base), 0};
    if (!send_plain(vu::request::set_mem_table, table, {memfd_})) return false;
    for (std::uint32_t q = 0; q < 2; ++q)
      if (!start_queue(q)) return false;
    if (protocol(vu::protocol_feature::status)) {
      if (!send_plain(vu::request::set_status,
                      status_acknowledge | status_driver | status_features_ok | status_driver_ok))
        return false;
    }
    if (!protocol(vu::protocol_feature::reply_ack)) (void)get_u64(vu::request::get_features);  // a barrier
    started_ = ok();
    return started_;
  }

  /// Device reset: RESET_DEVICE, else SET_STATUS 0, else the rings are stopped with
  /// GET_VRING_BASE and the connection made anew (the back-end resets a device whose
  /// front-end went away). start() sets the device up again.
  bool reset() {
    if (!ok()) return false;
    namespace vu = vhost_user;
    started_ = false;
    alarm_outstanding_.clear();
    pending_notes_.clear();
    if (protocol(vu::protocol_feature::reset_device)) return send_plain(vu::request::reset_device);
    if (protocol(vu::protocol_feature::status)) return send_plain(vu::request::set_status, std::uint64_t{0});
    for (std::uint32_t q = 0; q < 2; ++q)
      if (!request_reply(vu::make_request(vu::request::get_vring_base, vu::vring_state{q, 0}))) return false;
    if (path_.empty()) return true;  // an adopted socket cannot be dialled again
    return reconnect();
  }

  /// Posts `spec` on requestq, kicks, and waits for its used element.
  std::optional<chain_answer> transact(const chain_spec& spec) {
    const auto head = post(spec);
    if (!head) return std::nullopt;
    return wait_answer(*head, spec);
  }

  /// Posts `spec` on requestq and kicks, without waiting; returns the head.
  std::optional<std::uint16_t> post(const chain_spec& spec) {
    if (!ok()) return std::nullopt;
    if (!started_) return fail_opt<std::uint16_t>("requestq is not set up");
    std::uint64_t total = 0;
    for (const auto& piece : spec.readable) total += round_up(piece.size());
    for (const std::uint32_t n : spec.writable) total += round_up(n);
    if (total > request_area_size) return fail_opt<std::uint16_t>("a chain larger than the request area");
    if (spec.indirect && spec.readable.size() + spec.writable.size() > indirect_entries)
      return fail_opt<std::uint16_t>("an indirect table larger than its area");
    std::vector<guest_buffer> readable;
    std::vector<guest_buffer> writable;
    std::uint64_t at = request_area;
    for (const auto& piece : spec.readable) {
      std::memcpy(host_at(at), piece.data(), piece.size());
      readable.push_back({at, static_cast<std::uint32_t>(piece.size())});
      at += round_up(piece.size());
    }
    if (spec.readable.empty()) readable.push_back({at, 0});
    for (const std::uint32_t n : spec.writable) {
      std::memset(host_at(at), std::to_integer<int>(spec.fill), n);
      writable.push_back({at, n});
      at += round_up(n);
    }
    auto& d = *driver_[requestq];
    const auto head = spec.indirect ? d.add_indirect(indirect_area, readable, writable) : d.add(readable, writable);
    if (!head) return fail_opt<std::uint16_t>(std::string("cannot post a chain: ") + to_string(head.error()));
    last_layout_ = writable;
    kick(requestq);
    return *head;
  }

  /// Waits for the used element of the chain at `head` (posted by post(spec)).
  std::optional<chain_answer> wait_answer(std::uint16_t head, const chain_spec& spec) {
    (void)spec;
    const auto u = wait_used(requestq, opt_.timeout_ms);
    if (!u) return fail_opt<chain_answer>("no answer on requestq within " + std::to_string(opt_.timeout_ms) + " ms");
    chain_answer a;
    a.used = *u;
    a.head = head;
    for (const guest_buffer& b : last_layout_) {
      const std::byte* p = host_at(b.addr);
      a.writable.insert(a.writable.end(), p, p + b.len);
    }
    return a;  // the caller judges a.used.id against a.head
  }

  /// Makes one alarmq buffer of `size` bytes, each `fill`, available and kicks.
  bool post_alarm_buffer(std::uint32_t size = notif_alarm::size, std::byte fill = std::byte{0xA5}) {
    if (!ok()) return false;
    if (!started_) return fail("alarmq is not set up");
    if (size > alarm_slot_size) return fail("alarmq buffer too large");
    std::size_t slot = 0;
    while (slot < alarm_slots && slot_used_[slot]) ++slot;
    if (slot == alarm_slots) return fail("too many alarmq buffers outstanding");
    const std::uint64_t addr = alarm_area + alarm_slot_size * slot;
    std::memset(host_at(addr), std::to_integer<int>(fill), size);
    const guest_buffer b{addr, size};
    const auto head = driver_[alarmq]->add({}, std::span<const guest_buffer>(&b, 1));
    if (!head) return fail(std::string("cannot post an alarmq buffer: ") + to_string(head.error()));
    slot_used_[slot] = true;
    alarm_outstanding_.push_back({*head, slot, size});
    kick(alarmq);
    return true;
  }

  [[nodiscard]] std::size_t alarm_buffers_outstanding() const noexcept { return alarm_outstanding_.size(); }

  /// The next alarmq buffer the back-end used, waiting up to `wait_ms` for one; nullopt when
  /// none came (or on a transport error: see ok()).
  std::optional<alarmq_answer> take_alarm(int wait_ms) {
    if (!ok() || !started_) return std::nullopt;
    if (pending_notes_.empty()) {
      const auto u = wait_used(alarmq, wait_ms);
      if (!u) return std::nullopt;
      collect_alarm(*u);
    }
    if (pending_notes_.empty()) return std::nullopt;
    alarmq_answer a = std::move(pending_notes_.front());
    pending_notes_.pop_front();
    return a;
  }

  /// Used elements that appeared on requestq without a chain outstanding (answers twice or on
  /// the wrong queue).
  [[nodiscard]] std::optional<used_element> stray_request_answer() {
    if (!ok() || !started_) return std::nullopt;
    return driver_[requestq]->take_used();
  }

  [[nodiscard]] std::uint64_t user(std::uint64_t guest) const noexcept {
    return reinterpret_cast<std::uintptr_t>(host_) + (guest - guest_base);
  }

 private:
  static constexpr std::uint64_t ring_area(std::uint32_t q) { return guest_base + 0x4000ULL * q; }
  static constexpr std::uint64_t indirect_area = guest_base + 0x8000;
  static constexpr std::size_t indirect_entries = 0x8000 / virtq::descriptor_size;
  static constexpr std::uint64_t request_area = guest_base + 0x10000;
  static constexpr std::uint64_t request_area_size = 0x20000;
  static constexpr std::uint64_t alarm_area = guest_base + 0x40000;
  static constexpr std::size_t alarm_slots = 64;
  static constexpr std::uint32_t alarm_slot_size = 256;

  struct outstanding {
    std::uint16_t head;
    std::size_t slot;
    std::uint32_t size;
  };

  static std::uint64_t round_up(std::size_t n) { return (std::uint64_t{n} + 15) & ~std::uint64_t{15}; }
  [[nodiscard]] std::byte* host_at(std::uint64_t guest) const noexcept { return host_ + (guest - guest_base); }

  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }
  template <class T>
  std::optional<T> fail_opt(std::string why) {
    (void)fail(std::move(why));
    return std::nullopt;
  }

  bool prepare() {
    if (host_ != nullptr) return ok();
    memfd_ = ::memfd_create("vrtc-conformance-guest", MFD_CLOEXEC);
    if (memfd_ < 0 || ::ftruncate(memfd_, static_cast<off_t>(guest_size)) != 0)
      return fail(std::string("memfd: ") + std::strerror(errno));
    void* p = ::mmap(nullptr, guest_size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd_, 0);
    if (p == MAP_FAILED) return fail(std::string("mmap: ") + std::strerror(errno));
    host_ = static_cast<std::byte*>(p);
    region_ = memory_region{guest_base, guest_size, host_};
    return true;
  }

  // Connects to path_, retrying briefly: a back-end that serves one front-end at a time may
  // still be closing the previous connection.
  bool dial() {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.empty() || path_.size() >= sizeof addr.sun_path) return fail("socket path empty or too long: " + path_);
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opt_.timeout_ms);
    for (;;) {
      const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) return fail(std::string("socket: ") + std::strerror(errno));
      if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
        sock_ = fd;
        return true;
      }
      const int e = errno;
      ::close(fd);
      if (std::chrono::steady_clock::now() >= deadline)
        return fail("cannot connect to " + path_ + ": " + std::strerror(e));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // A new connection, as after a restart of the VMM. A back-end that serves one front-end at
  // a time may take the new connection before it noticed the old one close, and drop it: then
  // the attempt is repeated, within the timeout.
  bool reconnect() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opt_.timeout_ms);
    for (;;) {
      close_socket();
      probed_ = false;
      protocol_ = 0;
      if (!dial()) return false;
      if (probe()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      error_.clear();  // this attempt's error only: the front-end was fine before it
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  void close_socket() noexcept {
    if (sock_ >= 0) ::close(sock_);
    sock_ = -1;
  }

  // --- control messages ----------------------------------------------------------------------

  // Sends a request that has no reply of its own; with REPLY_ACK, asks for the
  // acknowledgement and checks it.
  bool send_plain(vhost_user::request r, vhost_user::payload body = {}, std::vector<int> fds = {}) {
    if (!ok()) return false;
    const bool ack = protocol(vhost_user::protocol_feature::reply_ack);
    const auto m = vhost_user::make_request(r, body, ack);
    if (auto s = vhost_user::send(sock_, m, fds); !s)
      return fail(std::string("cannot send ") + vhost_user::to_string(r) + ": " + to_string(s.error()));
    if (!ack) return true;
    const auto reply = receive(r);
    if (!reply) return false;
    const auto* v = std::get_if<std::uint64_t>(&reply->body);
    if (v == nullptr || *v != 0)
      return fail(std::string("the back-end refused ") + vhost_user::to_string(r) + " (REPLY_ACK " +
                  (v != nullptr ? std::to_string(*v) : std::string("?")) + ")");
    return true;
  }

  std::optional<vhost_user::message> request_reply(const vhost_user::message& m) {
    if (!ok()) return std::nullopt;
    if (auto s = vhost_user::send(sock_, m); !s)
      return fail_opt<vhost_user::message>(std::string("cannot send ") + vhost_user::to_string(m.req) + ": " +
                                           to_string(s.error()));
    return receive(m.req);
  }

  std::optional<std::uint64_t> get_u64(vhost_user::request r) {
    const auto reply = request_reply(vhost_user::make_request(r));
    if (!reply) return std::nullopt;
    const auto* v = std::get_if<std::uint64_t>(&reply->body);
    if (v == nullptr) return fail_opt<std::uint64_t>(std::string("malformed reply to ") + vhost_user::to_string(r));
    return *v;
  }

  // One reply to `r`, within the timeout.
  std::optional<vhost_user::message> receive(vhost_user::request r) {
    pollfd pfd{sock_, POLLIN, 0};
    const int ready = posix::retry_eintr([&] { return ::poll(&pfd, 1, opt_.timeout_ms); });
    if (ready <= 0)
      return fail_opt<vhost_user::message>(std::string("no reply to ") + vhost_user::to_string(r) + " within " +
                                           std::to_string(opt_.timeout_ms) + " ms");
    std::array<std::byte, vhost_user::max_message_size> buffer{};
    std::array<int, vhost_user::max_fds> fds{};
    const auto got = vhost_user::receive_message(sock_, buffer, fds);
    if (!got)
      return fail_opt<vhost_user::message>(std::string("reading the reply to ") + vhost_user::to_string(r) + ": " +
                                           to_string(got.error()));
    vhost_user::detail::close_all(std::span<const int>(fds.data(), got->fds));
    const auto m = vhost_user::decode(std::span<const std::byte>(buffer.data(), got->bytes), 0);
    if (!m || !m->is_reply() || m->req != r)
      return fail_opt<vhost_user::message>(std::string("malformed reply to ") + vhost_user::to_string(r) +
                                           (m ? "" : std::string(": ") + to_string(m.error())));
    return *m;
  }

  bool start_queue(std::uint32_t q) {
    namespace vu = vhost_user;
    const std::uint16_t n = opt_.queue_size;
    const queue_config config{n,
                              ring_area(q),
                              ring_area(q) + 0x1000,
                              ring_area(q) + 0x2000,
                              (features_ & (1ULL << virtq::feature_indirect_desc)) != 0,
                              (features_ & (1ULL << virtq::feature_event_idx)) != 0};
    auto d = split_queue_driver::make(guest_memory(std::span<const memory_region>(&region_, 1)), config);
    if (!d) return fail(std::string("ring layout: ") + to_string(d.error()));
    driver_[q].emplace(std::move(*d));
    // Fresh eventfds for every start, unless asked to reuse them: nothing signalled for the old
    // rings can then be taken for the new ones.
    if (opt_.reuse_eventfds && kick_[q] >= 0) drain_eventfd(call_[q]);
    for (int* fd : {&kick_[q], &call_[q]}) {
      if (opt_.reuse_eventfds && *fd >= 0) continue;
      const int fresh = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
      if (fresh < 0) return fail(std::string("eventfd: ") + std::strerror(errno));
      if (*fd >= 0) ::close(*fd);
      *fd = fresh;
    }
    if (q == alarmq) {  // buffers of the old ring are gone with it
      std::fill(slot_used_.begin(), slot_used_.end(), false);
      alarm_outstanding_.clear();
      pending_notes_.clear();
    }
    return send_plain(vu::request::set_vring_num, vu::vring_state{q, n}) &&
           send_plain(vu::request::set_vring_base, vu::vring_state{q, 0}) &&
           send_plain(vu::request::set_vring_addr,
                      vu::vring_address{q, 0, user(config.desc_addr), user(config.used_addr), user(config.avail_addr), 0}) &&
           send_plain(vu::request::set_vring_call, vu::vring_file{q}, {call_[q]}) &&
           send_plain(vu::request::set_vring_kick, vu::vring_file{q}, {kick_[q]}) &&
           (!(features_ & (1ULL << vu::f_protocol_features)) ||
            send_plain(vu::request::set_vring_enable, vu::vring_state{q, 1}));
  }

  // --- rings -----------------------------------------------------------------------------------

  static void drain_eventfd(int fd) noexcept {
    std::uint64_t v = 0;
    while (::read(fd, &v, sizeof v) == static_cast<ssize_t>(sizeof v)) {
    }
  }

  void kick(std::uint32_t q) noexcept {
    // Always: a driver may notify whenever it likes, and a back-end must cope.
    (void)driver_[q]->kick_needed();
    const std::uint64_t one = 1;
    (void)!::write(kick_[q], &one, sizeof one);
  }

  // The next used element of queue q, waiting on its call eventfd up to `wait_ms`.
  std::optional<used_element> wait_used(std::uint32_t q, int wait_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    for (;;) {
      if (auto u = driver_[q]->take_used()) return u;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return std::nullopt;
      pollfd pfd{call_[q], POLLIN, 0};
      // Bounded slices: a back-end that publishes without signalling is still seen.
      const int ready = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 20)));
      if (ready > 0) drain_eventfd(call_[q]);
    }
  }

  void collect_alarm(const used_element& u) {
    const auto it = std::find_if(alarm_outstanding_.begin(), alarm_outstanding_.end(),
                                 [&](const outstanding& o) { return o.head == u.id; });
    if (it == alarm_outstanding_.end()) {
      (void)fail("alarmq used element for chain " + std::to_string(u.id) + ", which was not outstanding");
      return;
    }
    alarmq_answer a;
    a.used = u;
    const std::byte* p = host_at(alarm_area + alarm_slot_size * it->slot);
    a.buffer.assign(p, p + it->size);
    slot_used_[it->slot] = false;
    alarm_outstanding_.erase(it);
    pending_notes_.push_back(std::move(a));
  }

  vhost_user_frontend_options opt_;
  std::string error_;
  std::string path_;
  int sock_ = -1;
  int memfd_ = -1;
  std::byte* host_ = nullptr;
  memory_region region_{};
  std::array<int, 2> kick_{-1, -1};
  std::array<int, 2> call_{-1, -1};
  std::array<std::optional<split_queue_driver>, 2> driver_;
  std::vector<guest_buffer> last_layout_;
  std::array<bool, alarm_slots> slot_used_{};
  std::vector<outstanding> alarm_outstanding_;
  std::deque<alarmq_answer> pending_notes_;
  std::uint64_t offered_ = 0;
  std::uint64_t offered_protocol_ = 0;
  std::uint64_t features_ = 0;
  std::uint64_t protocol_ = 0;
  bool probed_ = false;
  bool started_ = false;
};

}  // namespace conformance
VRTC_END_NAMESPACE
