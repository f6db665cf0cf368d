// vrtc: a vhost-user back-end session for the virtio-rtc device (platform edge; Linux).
//
// One session object serves one front-end connection (QEMU's vhost-user-rtc-pci, Cloud
// Hypervisor's generic vhost-user device, a test): it answers the control messages, maps the
// guest memory the front-end shares, and serves the device's two queues through the
// split-queue code (virtqueue.hpp): requestq (0) through vrtc::device::handle, alarmq (1) with
// the device's pending alarm notifications. The caller owns the socket and the event loop:
// it calls serve_message() when the socket is readable, on_kick() when a kick eventfd is,
// process() when the device's next deadline passes, and end() when the connection goes.
//
// Protocol facts this follows (vhost-user.rst):
//  * Rings start disabled once VHOST_USER_F_PROTOCOL_FEATURES is negotiated (enabled by
//    SET_VRING_ENABLE), enabled otherwise; a ring starts with SET_VRING_KICK and stops with
//    GET_VRING_BASE, which returns the next available index.
//  * Ring addresses are the front-end's user addresses: translated to guest-physical through
//    the regions' user addresses.
//  * DRIVER_OK comes only as SET_STATUS, with the STATUS protocol feature, and not every
//    front-end sends it then either. The request queue starting, which a front-end does when
//    the driver sets DRIVER_OK, is taken as DRIVER_OK too.
//  * With REPLY_ACK, a request with NEED_REPLY that has no reply of its own is acknowledged
//    (0 success, 1 failure).
// Any message the session cannot accept ends the session with a named errc (after a failure
// acknowledgement when one was asked for); the caller closes the socket and calls end().
//
// Serving a queue allocates nothing: requests and responses go through fixed buffers.
#pragma once

#ifndef __linux__
#error "vhost_user_backend.hpp needs Linux (eventfd, mmap of shared guest memory)"
#endif

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <span>
#include <variant>

#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/time.hpp"
#include "vrtc/format/vhost_user.hpp"
#include "vrtc/linux/vhost_user_socket.hpp"
#include "vrtc/roles/device.hpp"
#include "vrtc/roles/virtqueue.hpp"

VRTC_BEGIN_NAMESPACE

namespace vhost_user {

/// Virtio device status bits (virtio 1.4 §2.1) the session reacts to.
inline constexpr std::uint64_t status_driver_ok = 4;
inline constexpr std::uint64_t status_device_needs_reset = 64;

inline constexpr std::uint32_t requestq = 0;
inline constexpr std::uint32_t alarmq = 1;
inline constexpr std::uint32_t queue_count = 2;

class backend {
 public:
  /// Lifecycle events, one line each, for the caller's log.
  using log_function = std::function<void(const char* line)>;

  /// The protocol features offered: MQ, REPLY_ACK, RESET_DEVICE, CONFIGURE_MEM_SLOTS, STATUS.
  static constexpr std::uint64_t offered_protocol_features =
      (1ULL << protocol_feature::mq) | (1ULL << protocol_feature::reply_ack) |
      (1ULL << protocol_feature::reset_device) | (1ULL << protocol_feature::configure_mem_slots) |
      (1ULL << protocol_feature::status);

  /// Memory slots announced by GET_MAX_MEM_SLOTS (and the SET_MEM_TABLE limit).
  static constexpr std::uint64_t max_mem_slots = max_regions;

  /// A session serving `dev` (which outlives it). `now` arguments are the device's reference
  /// time (the host loop's CLOCK_MONOTONIC, for host_clock backends).
  explicit backend(device& dev, log_function log = {}) : device_(&dev), log_(std::move(log)) {}
  backend(const backend&) = delete;
  backend& operator=(const backend&) = delete;
  ~backend() { release(); }

  /// Virtio features offered: VERSION_1, INDIRECT_DESC, EVENT_IDX, PROTOCOL_FEATURES and the
  /// device's own (VIRTIO_RTC_F_ALARM when a clock has an alarm).
  [[nodiscard]] std::uint64_t offered_features() const noexcept {
    return (1ULL << virtq::feature_version_1) | (1ULL << virtq::feature_indirect_desc) |
           (1ULL << virtq::feature_event_idx) | (1ULL << f_protocol_features) | device_->offered_features();
  }
  [[nodiscard]] std::uint64_t features() const noexcept { return features_; }
  [[nodiscard]] std::uint64_t protocol_features() const noexcept { return protocol_features_; }
  [[nodiscard]] std::uint64_t status() const noexcept { return status_; }

  /// The kick eventfd of a queue (-1 when none); kick_generation() changes whenever one does,
  /// so that an event loop knows to register the new ones.
  [[nodiscard]] int kick_fd(std::uint32_t queue) const noexcept { return queue < queue_count ? rings_[queue].kick : -1; }
  [[nodiscard]] std::uint64_t kick_generation() const noexcept { return kick_generation_; }
  /// Whether a queue is being served (started, enabled, not broken).
  [[nodiscard]] bool serving(std::uint32_t queue) const noexcept { return queue < queue_count && active(rings_[queue]); }

  // --- control messages ---------------------------------------------------------------------

  /// Handles one decoded message and the descriptors that came with it (adopted: kept or
  /// closed, in every case). Returns the reply to send, if any, or why the session must end.
  /// On an error whose request asked for an acknowledgement, `failure_ack` gets the failure
  /// acknowledgement to send before closing. Whether REPLY_ACK applies is judged after the
  /// message: a SET_PROTOCOL_FEATURES that negotiates it is acknowledged itself.
  [[nodiscard]] result<std::optional<message>> handle(const message& m, std::span<const int> fds, reference_time now,
                                                      std::optional<message>* failure_ack = nullptr) {
    fd_guard guard{fds};
    if (m.is_reply()) return errc::vhost_unexpected_message;
    // Messages built by hand get the decoder's checks too: the payload the request carries and
    // the number of descriptors that go with it.
    const auto kind = request_payload(m.req);
    if (!kind) return errc::vhost_unknown_request;
    if (*kind != kind_of(m.body)) return errc::invalid_argument;
    if (const auto* t = std::get_if<memory_table>(&m.body); t && t->count > max_regions) return errc::vhost_too_many_regions;
    const fd_count expected = fd_range(m);
    if (fds.size() < expected.min || fds.size() > expected.max) return errc::vhost_bad_fd_count;
    const auto r = dispatch(m, guard, now);
    const bool ack = (protocol_features_ & (1ULL << protocol_feature::reply_ack)) != 0 && m.needs_reply() &&
                     !always_replied(m.req);
    if (!r) {
      if (ack && failure_ack != nullptr) *failure_ack = make_ack(m.req, false);
      return r.error();
    }
    if (*r) return *r;
    if (ack) return std::optional<message>{make_ack(m.req, true)};
    return std::optional<message>{};
  }

  /// Reads one message from `sock`, handles it and sends its reply. An error ends the session.
  [[nodiscard]] result<void> serve_message(int sock, reference_time now) {
    std::array<std::byte, max_message_size> buffer{};
    std::array<int, max_fds> fds{};
    const auto got = receive_message(sock, buffer, fds);
    if (!got) return got.error();
    const auto m = decode(std::span<const std::byte>(buffer.data(), got->bytes), got->fds);
    if (!m) {
      detail::close_all(std::span<const int>(fds.data(), got->fds));
      return m.error();
    }
    std::optional<message> failure;
    const auto reply = handle(*m, std::span<const int>(fds.data(), got->fds), now, &failure);
    if (!reply) {
      if (failure) (void)send(sock, *failure);
      return reply.error();
    }
    if (*reply) {
      if (auto s = send(sock, **reply); !s) return s.error();
    }
    return {};
  }

  /// The connection is gone (or is being closed): rings stop, descriptors close, guest memory
  /// is unmapped, and the device is reset as a driver that went away would leave it (its
  /// alarms retained per its configuration). The session can then serve a new connection.
  void end(reference_time now) {
    release();
    reset_device(now);
    features_ = 0;
    protocol_features_ = 0;
    owner_ = false;
  }

  // --- serving ---------------------------------------------------------------------------

  /// A queue's kick eventfd is readable: consumes the kick and serves.
  void on_kick(std::uint32_t queue, reference_time now) noexcept {
    if (queue < queue_count && rings_[queue].kick >= 0) {
      std::uint64_t count = 0;
      (void)!::read(rings_[queue].kick, &count, sizeof count);
    }
    process(now);
  }

  /// Serves whatever is due: the device's alarms at `now`, every available request, and the
  /// pending notifications into available alarmq buffers.
  void process(reference_time now) noexcept {
    device_->advance(now);
    serve_requests(now);
    deliver_notifications();
  }

  /// When process() must run next, at the latest, for the device's alarms (nullopt: only on
  /// kicks and control messages).
  [[nodiscard]] std::optional<reference_time> next_deadline(reference_time now) const { return device_->next_deadline(now); }

 private:
  struct vring {
    std::uint32_t num = 0;
    std::optional<vring_address> addr;
    std::uint16_t base = 0;
    int kick = -1;
    int call = -1;
    int err = -1;
    bool enabled = false;
    bool started = false;
    split_queue queue;
    bool made = false;
  };

  struct mapping {
    region r;
    void* base = nullptr;
    std::size_t length = 0;
  };

  // Owns the descriptors of one message until they are taken; closes the rest.
  struct fd_guard {
    explicit fd_guard(std::span<const int> f) noexcept : fds(f) {}
    std::span<const int> fds;
    std::array<bool, max_fds> taken{};
    int take(std::size_t i) noexcept {
      if (i >= fds.size() || i >= max_fds) return -1;
      taken[i] = true;
      return fds[i];
    }
    ~fd_guard() {
      for (std::size_t i = 0; i < fds.size(); ++i)
        if ((i >= max_fds || !taken[i]) && fds[i] >= 0) ::close(fds[i]);
    }
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
  };

  void log(const char* line) const {
    if (log_) log_(line);
  }
  template <class... A>
  void logf(const char* format, A... args) const {
    if (!log_) return;
    std::array<char, 256> line{};
    std::snprintf(line.data(), line.size(), format, args...);
    log_(line.data());
  }

  [[nodiscard]] bool negotiated(unsigned protocol_bit) const noexcept {
    return (protocol_features_ & (1ULL << protocol_bit)) != 0;
  }
  [[nodiscard]] static bool active(const vring& v) noexcept {
    return v.started && v.enabled && v.made && !v.queue.broken();
  }

  [[nodiscard]] static result<vring_state> state_of(const message& m) noexcept {
    const auto& s = std::get<vring_state>(m.body);
    if (s.index >= queue_count) return errc::vhost_bad_queue_index;
    return s;
  }

  static void replace_fd(int& slot, int fd) noexcept {
    if (slot >= 0) ::close(slot);
    slot = fd;
  }

  result<std::optional<message>> dispatch(const message& m, fd_guard& fds, reference_time now) {
    using none = std::optional<message>;
    switch (m.req) {
      case request::get_features:
        return none{make_reply(m.req, offered_features())};
      case request::set_features: {
        const std::uint64_t f = std::get<std::uint64_t>(m.body);
        if ((f & ~offered_features()) != 0) return errc::vhost_bad_feature;
        features_ = f;
        device_->set_negotiated_features(f);
        // Without the protocol features, rings are enabled from the start.
        if ((f & (1ULL << f_protocol_features)) == 0)
          for (vring& v : rings_) v.enabled = true;
        logf("features 0x%llx negotiated", static_cast<unsigned long long>(f));
        return none{};
      }
      case request::get_protocol_features:
        return none{make_reply(m.req, offered_protocol_features)};
      case request::set_protocol_features: {
        const std::uint64_t f = std::get<std::uint64_t>(m.body);
        if ((f & ~offered_protocol_features) != 0) return errc::vhost_bad_feature;
        protocol_features_ = f;
        logf("protocol features 0x%llx negotiated", static_cast<unsigned long long>(f));
        return none{};
      }
      case request::set_owner:
        owner_ = true;
        return none{};
      case request::reset_owner:
      case request::reset_device:
        stop_rings();
        reset_device(now);
        log(m.req == request::reset_device ? "device reset (RESET_DEVICE)" : "device reset (RESET_OWNER)");
        return none{};
      case request::get_queue_num:
        return none{make_reply(m.req, std::uint64_t{queue_count})};
      case request::get_max_mem_slots:
        return none{make_reply(m.req, max_mem_slots)};
      case request::set_mem_table: return set_mem_table(std::get<memory_table>(m.body), fds);
      case request::add_mem_reg: return add_mem_reg(std::get<single_region>(m.body).value, fds);
      case request::rem_mem_reg: return rem_mem_reg(std::get<single_region>(m.body).value);
      case request::set_vring_num: {
        const auto s = state_of(m);
        if (!s) return s.error();
        if (s->num == 0 || s->num > virtq::max_queue_size || (s->num & (s->num - 1)) != 0) return errc::vhost_bad_feature;
        rings_[s->index].num = s->num;
        return none{};
      }
      case request::set_vring_addr: {
        const auto& a = std::get<vring_address>(m.body);
        if (a.index >= queue_count) return errc::vhost_bad_queue_index;
        rings_[a.index].addr = a;
        if (rings_[a.index].started) {
          if (auto r = make_queue(a.index); !r) return r.error();
        }
        return none{};
      }
      case request::set_vring_base: {
        const auto s = state_of(m);
        if (!s) return s.error();
        if (s->num > 0xFFFF) return errc::vhost_unexpected_message;
        rings_[s->index].base = static_cast<std::uint16_t>(s->num);
        return none{};
      }
      case request::get_vring_base: {
        const auto s = state_of(m);
        if (!s) return s.error();
        vring& v = rings_[s->index];
        const std::uint16_t next = v.made ? v.queue.next_avail() : v.base;
        v.started = false;
        v.made = false;
        v.base = next;
        logf("queue %u stopped at %u", s->index, unsigned{next});
        return none{make_reply(m.req, vring_state{s->index, next})};
      }
      case request::set_vring_kick: {
        const auto& f = std::get<vring_file>(m.body);
        if (f.index() >= queue_count) return errc::vhost_bad_queue_index;
        vring& v = rings_[f.index()];
        const int fd = f.no_fd() ? -1 : fds.take(0);
        if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);  // kicks are drained, never waited for
        replace_fd(v.kick, fd);
        ++kick_generation_;
        v.started = true;
        if (auto r = make_queue(f.index()); !r) return r.error();
        logf("queue %u started (size %u)", f.index(), v.num);
        queue_became_active(f.index(), now);
        return none{};
      }
      case request::set_vring_call:
      case request::set_vring_err: {
        const auto& f = std::get<vring_file>(m.body);
        if (f.index() >= queue_count) return errc::vhost_bad_queue_index;
        vring& v = rings_[f.index()];
        replace_fd(m.req == request::set_vring_call ? v.call : v.err, f.no_fd() ? -1 : fds.take(0));
        return none{};
      }
      case request::set_vring_enable: {
        const auto s = state_of(m);
        if (!s) return s.error();
        rings_[s->index].enabled = s->num != 0;
        if (s->num != 0) queue_became_active(s->index, now);
        return none{};
      }
      case request::get_config: {
        // virtio-rtc has no configuration space: every byte asked for reads as zero.
        config_space c = std::get<config_space>(m.body);
        c.data = {};
        return none{make_reply(m.req, c)};
      }
      case request::set_config:
        return errc::vhost_unknown_request;  // nothing to write
      case request::set_status: {
        const std::uint64_t st = std::get<std::uint64_t>(m.body);
        if (st == 0) {
          stop_rings();
          reset_device(now);
          log("device reset (status 0)");
          return none{};
        }
        const bool was_ok = (status_ & status_driver_ok) != 0;
        status_ = st & 0xFF;
        logf("status 0x%llx", static_cast<unsigned long long>(status_));
        if (!was_ok && (status_ & status_driver_ok) != 0) {
          device_->set_driver_ok();
          log("DRIVER_OK");
          process(now);
        }
        return none{};
      }
      case request::get_status:
        return none{make_reply(m.req, status_)};
      default:
        return errc::vhost_unknown_request;
    }
  }

  // The request queue starting is the driver's DRIVER_OK: a front-end starts the rings when
  // the driver sets DRIVER_OK, and does not always say so with SET_STATUS even when STATUS is
  // negotiated (QEMU 11.1's vhost-user-rtc-pci sends FEATURES_OK only).
  void queue_became_active(std::uint32_t index, reference_time now) {
    if (!active(rings_[index])) return;
    if (index == requestq && !device_->live()) {
      device_->set_driver_ok();
      log("request queue started: taken as DRIVER_OK");
    }
    process(now);
  }

  void reset_device(reference_time now) {
    device_->reset(now);
    device_->set_negotiated_features(0);
    status_ = 0;
  }

  void stop_rings() noexcept {
    for (vring& v : rings_) {
      replace_fd(v.kick, -1);
      replace_fd(v.call, -1);
      replace_fd(v.err, -1);
      v = vring{};
    }
    ++kick_generation_;
  }

  void release() noexcept {
    stop_rings();
    for (std::size_t i = 0; i < map_count_; ++i) ::munmap(maps_[i].base, maps_[i].length);
    map_count_ = 0;
  }

  // --- guest memory ------------------------------------------------------------------------

  [[nodiscard]] static result<mapping> map_region(const region& r, int fd) noexcept {
    if (fd < 0 || r.size == 0 || r.mmap_offset > UINT64_MAX - r.size || r.guest_address > UINT64_MAX - r.size ||
        r.user_address > UINT64_MAX - r.size)
      return errc::vhost_bad_address;
    const std::uint64_t length = r.size + r.mmap_offset;
    if (length > SIZE_MAX) return errc::vhost_bad_address;
    // A file shorter than the region would map, but touching the part past its end raises
    // SIGBUS: refuse it. (A front-end that shrinks the file later can still do that; memfd
    // seals are the front-end's to set.)
    struct stat st {};
    if (::fstat(fd, &st) != 0) return errc::map_refused;
    if (S_ISREG(st.st_mode) && (st.st_size < 0 || static_cast<std::uint64_t>(st.st_size) < length))
      return errc::vhost_bad_address;
    // Mapped from offset 0, so that mmap_offset needs no page alignment.
    void* base = ::mmap(nullptr, static_cast<std::size_t>(length), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) return errc::map_refused;
    return mapping{r, base, static_cast<std::size_t>(length)};
  }

  result<std::optional<message>> set_mem_table(const memory_table& t, fd_guard& fds) {
    std::array<mapping, max_regions> fresh{};
    std::size_t n = 0;
    for (std::uint32_t i = 0; i < t.count; ++i) {
      const auto m = map_region(t.regions[i], fds.fds[i]);
      if (!m) {
        for (std::size_t k = 0; k < n; ++k) ::munmap(fresh[k].base, fresh[k].length);
        return m.error();
      }
      fresh[n++] = *m;
    }
    for (std::size_t i = 0; i < map_count_; ++i) ::munmap(maps_[i].base, maps_[i].length);
    maps_ = fresh;
    map_count_ = n;
    memory_changed();
    logf("memory table: %u region(s)", t.count);
    return std::optional<message>{};
  }

  result<std::optional<message>> add_mem_reg(const region& r, fd_guard& fds) {
    if (map_count_ >= max_mem_slots) return errc::vhost_too_many_regions;
    const auto m = map_region(r, fds.fds.empty() ? -1 : fds.fds[0]);
    if (!m) return m.error();
    maps_[map_count_++] = *m;
    memory_changed();
    logf("memory region added: guest 0x%llx, %llu bytes", static_cast<unsigned long long>(r.guest_address),
         static_cast<unsigned long long>(r.size));
    return std::optional<message>{};
  }

  result<std::optional<message>> rem_mem_reg(const region& r) {
    for (std::size_t i = 0; i < map_count_; ++i) {
      const region& have = maps_[i].r;
      if (have.guest_address != r.guest_address || have.size != r.size || have.user_address != r.user_address) continue;
      ::munmap(maps_[i].base, maps_[i].length);
      for (std::size_t k = i + 1; k < map_count_; ++k) maps_[k - 1] = maps_[k];
      --map_count_;
      memory_changed();
      return std::optional<message>{};
    }
    return errc::vhost_unexpected_message;
  }

  // The regions moved: the guest_memory view and every started queue's pointers are redone.
  // A ring the new memory no longer holds stops, like a broken one; the session goes on.
  void memory_changed() noexcept {
    for (std::size_t i = 0; i < map_count_; ++i)
      guest_[i] = memory_region{maps_[i].r.guest_address, maps_[i].r.size,
                                static_cast<std::byte*>(maps_[i].base) + maps_[i].r.mmap_offset};
    for (std::uint32_t q = 0; q < queue_count; ++q) {
      vring& v = rings_[q];
      if (!v.made) continue;
      v.base = v.queue.next_avail();
      if (auto r = make_queue(q); !r) report_broken(q, r.error());
    }
  }

  [[nodiscard]] std::optional<std::uint64_t> to_guest(std::uint64_t user) const noexcept {
    for (std::size_t i = 0; i < map_count_; ++i) {
      const region& r = maps_[i].r;
      if (user >= r.user_address && user - r.user_address < r.size) return r.guest_address + (user - r.user_address);
    }
    return std::nullopt;
  }

  result<void> make_queue(std::uint32_t index) noexcept {
    vring& v = rings_[index];
    v.made = false;
    if (v.num == 0 || !v.addr) return errc::vhost_unexpected_message;
    const auto desc = to_guest(v.addr->desc);
    const auto avail = to_guest(v.addr->avail);
    const auto used = to_guest(v.addr->used);
    if (!desc || !avail || !used) return errc::vhost_bad_address;
    const queue_config config{static_cast<std::uint16_t>(v.num),
                              *desc,
                              *avail,
                              *used,
                              (features_ & (1ULL << virtq::feature_indirect_desc)) != 0,
                              (features_ & (1ULL << virtq::feature_event_idx)) != 0};
    auto q = split_queue::make(guest_memory(std::span<const memory_region>(guest_.data(), map_count_)), config, v.base);
    if (!q) return errc::vhost_bad_address;
    v.queue = *q;
    v.made = true;
    return {};
  }

  // --- queues ------------------------------------------------------------------------------

  void signal(int fd) const noexcept {
    if (fd < 0) return;
    const std::uint64_t one = 1;
    (void)!::write(fd, &one, sizeof one);
  }

  // A queue broke (DEVICE_NEEDS_RESET): it stops; the front-end hears of it on the error fd.
  void report_broken(std::uint32_t index, errc e) noexcept {
    status_ |= status_device_needs_reset;
    signal(rings_[index].err);
    logf("queue %u stopped: %s", index, to_string(e));
  }

  void serve_requests(reference_time now) noexcept {
    vring& v = rings_[requestq];
    if (!active(v)) return;
    // The largest request is 24 bytes and the largest response 24: anything beyond is
    // ignored by the device, so fixed buffers serve every chain.
    std::array<std::byte, 64> request{};
    std::array<std::byte, 64> response{};
    bool notify = false;
    for (;;) {
      const auto popped = v.queue.pop(request);
      if (!popped) return report_broken(requestq, popped.error());
      if (!*popped) break;
      const descriptor_chain& chain = **popped;
      const std::size_t room = chain.writable < response.size() ? chain.writable : response.size();
      const std::size_t n = device_->handle(std::span<const std::byte>(request.data(), chain.gathered),
                                            std::span<std::byte>(response.data(), room), now);
      const auto pushed = v.queue.complete(chain, std::span<const std::byte>(response.data(), n));
      if (!pushed) return report_broken(requestq, pushed.error());
      notify = notify || *pushed;
    }
    if (notify) signal(v.call);
  }

  void deliver_notifications() noexcept {
    vring& v = rings_[alarmq];
    if (!active(v)) return;
    bool notify = false;
    while (device_->notification_pending()) {
      const auto popped = v.queue.pop();
      if (!popped) return report_broken(alarmq, popped.error());
      if (!*popped) break;
      const descriptor_chain& chain = **popped;
      std::array<std::byte, 16> buffer{};
      const std::size_t room = chain.writable < buffer.size() ? chain.writable : buffer.size();
      const std::size_t n = device_->write_notification(std::span<std::byte>(buffer.data(), room));
      const auto pushed = v.queue.complete(chain, std::span<const std::byte>(buffer.data(), n));
      if (!pushed) return report_broken(alarmq, pushed.error());
      notify = notify || *pushed;
    }
    if (notify) signal(v.call);
  }

  device* device_;
  log_function log_;
  std::array<vring, queue_count> rings_{};
  std::array<mapping, max_regions> maps_{};
  std::array<memory_region, max_regions> guest_{};
  std::size_t map_count_ = 0;
  std::uint64_t features_ = 0;
  std::uint64_t protocol_features_ = 0;
  std::uint64_t status_ = 0;
  std::uint64_t kick_generation_ = 0;
  bool owner_ = false;
};

}  // namespace vhost_user

VRTC_END_NAMESPACE
