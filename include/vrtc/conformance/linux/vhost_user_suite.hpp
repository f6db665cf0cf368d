// vrtc conformance: the device suite over vhost-user, and the checks of the transport itself.
//
// vhost_user_device() adapts a vhost_user_frontend to the device suite: every request the
// suite makes goes down requestq as a descriptor chain, reset and negotiation are the
// vhost-user ones, alarmq buffers are real ring buffers, and time is the back-end's real time
// (a back-end's clocks cannot be stepped or advanced from outside, so checks that need that are
// not applicable, and alarm timing is checked with waits of a few hundred milliseconds).
//
// run_vhost_user_checks() runs the transport checks: what a device must do with the rings
// themselves (used lengths, chains split across descriptors and buffers, indirect tables,
// alarmq buffers before and after an alarm fires, reset, the right queue, the features). Each
// is named "<section>/<short-id>" after the virtio 1.4 rule it tests.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "vrtc/conformance/device_suite.hpp"
#include "vrtc/conformance/linux/vhost_user_frontend.hpp"
#include "vrtc/conformance/report.hpp"
#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/format/messages.hpp"
#include "vrtc/format/protocol.hpp"

VRTC_BEGIN_NAMESPACE
namespace conformance {

/// The device behind `f` (connected, probed) as the device suite drives it.
[[nodiscard]] inline device_under_test vhost_user_device(vhost_user_frontend& f, int quiet_ms) {
  device_under_test d;
  d.offered_features = f.offered_features() & vhost_user_frontend::device_feature_mask;
  d.handle = [&f](std::span<const std::byte> readable, std::span<std::byte> writable) -> std::size_t {
    chain_spec s;
    s.readable.emplace_back(readable.begin(), readable.end());
    if (!writable.empty()) {
      s.writable.push_back(static_cast<std::uint32_t>(writable.size()));
      s.fill = writable[0];  // the suite fills the buffer with one marker byte
    }
    const auto a = f.transact(s);
    if (!a) return 0;
    if (a->used.id != a->head) {
      f.set_error("requestq used element for chain " + std::to_string(a->used.id) + ", the chain posted was " +
                  std::to_string(a->head));
      return 0;
    }
    std::copy(a->writable.begin(), a->writable.end(), writable.begin());
    return a->used.len;
  };
  d.reset = [&f] { (void)f.reset(); };
  d.negotiate = [&f](std::uint64_t features) { (void)f.start(features); };
  d.alarmq = [&f, quiet_ms](std::span<std::byte> buffer) -> std::size_t {
    // One buffer at a time is available, as the suite offers them; one that was not used
    // stays available (a driver cannot take it back).
    if (f.alarm_buffers_outstanding() == 0 &&
        !f.post_alarm_buffer(static_cast<std::uint32_t>(buffer.size()), buffer.empty() ? std::byte{0} : buffer[0]))
      return 0;
    const auto a = f.take_alarm(quiet_ms);
    if (!a) return 0;
    std::copy_n(a->buffer.begin(), std::min(a->buffer.size(), buffer.size()), buffer.begin());
    return a->used.len;
  };
  d.real_time = [] {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
  };
  d.wait = [](std::uint64_t ns) { std::this_thread::sleep_for(std::chrono::nanoseconds(ns)); };
  d.alarmq_buffers_stay = true;
  return d;
}

/// Every transport check, in run order.
inline constexpr check_info vhost_user_checks[] = {
    {"6/version-1-offered", "6", "the back-end offers VIRTIO_F_VERSION_1 (feature bit 32)"},
    {"2.7.8/used-on-the-right-queue", "2.7.8",
     "requests are answered on requestq with the id of the chain posted, and never into an alarmq buffer"},
    {"2.7.8.2/used-length-bytes-written", "2.7.8.2",
     "the used length is the number of bytes written, never more than the writable buffers (also for short ones)"},
    {"2.7.4/request-across-descriptors", "2.7.4", "a request split across several device-readable descriptors is read whole"},
    {"2.7.4/response-across-buffers", "2.7.4", "a response is scattered across several device-writable buffers in order"},
    {"2.7.5.3/indirect-descriptors", "2.7.5.3",
     "with VIRTIO_RING_F_INDIRECT_DESC offered, chains in an indirect table are served"},
    {"5.23.6.6.1/notification-waits-for-buffer", "5.23.6.6.1",
     "an alarm that expires while alarmq has no buffer is notified once a buffer is available"},
    {"5.23.6.6.1/notification-consumed-once", "5.23.6.6.1",
     "each expiration uses exactly one of the alarmq buffers available; the others stay for later ones"},
    {"5.23.6.6.1/disable-withdraws-waiting-notification", "5.23.6.6.1",
     "a notification waiting for an alarmq buffer is not delivered once the alarm was disabled"},
    {"2.4/reset-and-reinitialize", "2.4",
     "after a device reset and a new initialisation the device answers on the new rings as before"},
};

namespace detail {

class vhost_user_run {
 public:
  vhost_user_run(vhost_user_frontend& f, int quiet_ms) : f_(f), quiet_(quiet_ms) {}

  report run() {
    report rep;
    for (const check_info& c : vhost_user_checks) {
      verdict_builder v(c);
      if (f_.ok()) run_one(c.id, v);
      if (!f_.ok()) v.fail_text("a working transport", f_.error());
      rep.results.push_back(v.take());
    }
    return rep;
  }

 private:
  static constexpr std::byte fill_a{0xA5};
  static constexpr std::byte fill_b{0x5A};

  // An exchange through the rings, kept for the report.
  exchange as_exchange(const chain_spec& s, const chain_answer& a) {
    exchange e;
    for (const auto& piece : s.readable) e.request.insert(e.request.end(), piece.begin(), piece.end());
    e.buffer = a.writable;
    e.used = a.used.len;
    return e;
  }

  std::optional<chain_answer> call(const chain_spec& s) {
    auto a = f_.transact(s);
    if (a && a->used.id != a->head) {
      wrong_id_ = true;
      wrong_id_text_ = "requestq used element for chain " + std::to_string(a->used.id) + " after chain " +
                       std::to_string(a->head) + " was posted";
    }
    return a;
  }
  template <class M>
  std::optional<chain_answer> call(const M& m, std::vector<std::uint32_t> writable, bool indirect = false,
                                   std::byte fill = fill_a) {
    chain_spec s;
    s.readable.push_back(bytes_of(m));
    s.writable = std::move(writable);
    s.indirect = indirect;
    s.fill = fill;
    return call(s);
  }

  // A clean start: reset, initialise with every device feature offered, the alarm disabled
  // and nothing waiting for a buffer (disabling withdraws a pending notification).
  bool fresh() {
    if (!f_.reset() || !f_.start(f_.offered_features() & vhost_user_frontend::device_feature_mask)) return false;
    discover();
    if (alarm_clock_ >= 0) (void)call(set_alarm_request{0, static_cast<std::uint16_t>(alarm_clock_), 0}, {8});
    return f_.ok();
  }

  void discover() {
    num_clocks_ = 0;
    alarm_clock_ = -1;
    const auto cfg = call(cfg_request{}, {cfg_response::size});
    if (!cfg || cfg->used.len < cfg_response::size || cfg->writable[0] != std::byte{0}) return;
    num_clocks_ = load_le<std::uint16_t>(cfg->writable, 8);
    if ((f_.negotiated_features() & feature_alarm_mask) == 0) return;
    for (std::uint16_t id = 0; id < num_clocks_ && id < 16; ++id) {
      const auto cap = call(clock_cap_request{id}, {clock_cap_response::size});
      if (cap && cap->used.len >= clock_cap_response::size && cap->writable[0] == std::byte{0} &&
          (std::to_integer<unsigned>(cap->writable[10]) & flag_alarm_cap) != 0) {
        alarm_clock_ = id;
        return;
      }
    }
  }

  bool need_alarm(verdict_builder& v) {
    if ((f_.offered_features() & feature_alarm_mask) == 0) v.not_applicable("the back-end does not offer VIRTIO_RTC_F_ALARM");
    else if (!fresh()) v.fail_text("a working transport", f_.error());
    else if (alarm_clock_ < 0) v.not_applicable("no clock reports ALARM_CAP");
    else return true;
    return false;
  }

  // The alarm clock's alarm expires now (a time in the past, enabled).
  void expire_now(verdict_builder& v) {
    const auto c = static_cast<std::uint16_t>(alarm_clock_);
    const auto a = call(set_alarm_request{1, c, flag_alarm_enabled}, {set_alarm_response::size});
    if (a && (a->used.len < 8 || a->writable[0] != std::byte{0}))
      v.fail_text("SET_ALARM answered with S_OK", "status byte " + std::to_string(std::to_integer<unsigned>(a->writable[0])));
  }

  [[nodiscard]] bool is_notification_for(const alarmq_answer& a) const {
    return a.used.len == notif_alarm::size && a.buffer.size() >= notif_alarm::size &&
           load_le<std::uint16_t>(a.buffer, 0) == static_cast<std::uint16_t>(msg_type::notif_alarm) &&
           load_le<std::uint16_t>(a.buffer, 8) == static_cast<std::uint16_t>(alarm_clock_);
  }

  void run_one(const std::string& id, verdict_builder& v) {
    if (id == "6/version-1-offered") return version_1(v);
    if (id == "2.7.8/used-on-the-right-queue") return right_queue(v);
    if (id == "2.7.8.2/used-length-bytes-written") return used_length(v);
    if (id == "2.7.4/request-across-descriptors") return split_request(v);
    if (id == "2.7.4/response-across-buffers") return split_response(v);
    if (id == "2.7.5.3/indirect-descriptors") return indirect(v);
    if (id == "5.23.6.6.1/notification-waits-for-buffer") return waits_for_buffer(v);
    if (id == "5.23.6.6.1/notification-consumed-once") return consumed_once(v);
    if (id == "5.23.6.6.1/disable-withdraws-waiting-notification") return disable_withdraws(v);
    if (id == "2.4/reset-and-reinitialize") return reset_reinit(v);
  }

  void version_1(verdict_builder& v) {
    if (!f_.probe()) return;
    if (!f_.offers(virtq::feature_version_1))
      v.fail_text("GET_FEATURES with bit 32 (VIRTIO_F_VERSION_1) set",
                  "features 0x" + hex64(f_.offered_features()));
  }

  void right_queue(verdict_builder& v) {
    if (!fresh()) return;
    // Alarmq buffers are available while requests are answered: none may take an answer.
    for (int i = 0; i < 2; ++i)
      if (!f_.post_alarm_buffer()) return;
    wrong_id_ = false;
    for (int round = 0; round < 4; ++round) {
      (void)call(cfg_request{}, {cfg_response::size});
      if (num_clocks_ > 0) (void)call(read_request{0}, {read_response::size});
    }
    if (wrong_id_) v.fail_text("the used element's id is the head of the chain posted", wrong_id_text_);
    if (const auto stray = f_.stray_request_answer())
      v.fail_text("one used element per chain on requestq", "a further used element for chain " + std::to_string(stray->id));
    if (const auto a = f_.take_alarm(quiet_)) {
      const bool notification = a->used.len >= 2 && load_le<std::uint16_t>(a->buffer, 0) ==
                                                         static_cast<std::uint16_t>(msg_type::notif_alarm);
      if (!notification)
        v.fail_text("no alarmq buffer used but for a NOTIF_ALARM (the alarm is disabled)",
                    "an alarmq buffer used with " + std::to_string(a->used.len) + " bytes: " + to_hex(a->buffer));
    }
  }

  // Bytes [0, extent) hold everything that differs from `fill`.
  static std::size_t extent(const std::vector<std::byte>& b, std::byte fill) {
    std::size_t n = b.size();
    while (n > 0 && b[n - 1] == fill) --n;
    return n;
  }

  void used_length(verdict_builder& v) {
    if (!fresh()) return;
    auto probe = [&](const std::vector<std::byte>& request) {
      for (const std::uint32_t size : {0u, 1u, 4u, 7u, 8u, 10u, 15u, 16u, 24u, 64u}) {
        chain_spec s;
        s.readable.push_back(request);
        if (size > 0) s.writable.push_back(size);
        std::array<std::size_t, 2> used{};
        std::array<std::size_t, 2> written{};
        std::array<std::optional<chain_answer>, 2> got;
        for (std::size_t k = 0; k < 2; ++k) {
          s.fill = k == 0 ? fill_a : fill_b;
          got[k] = call(s);
          if (!got[k]) return;
          used[k] = got[k]->used.len;
          written[k] = extent(got[k]->writable, s.fill);
        }
        // A byte written may equal one fill, never both: across the two runs, the larger
        // extent is what the device wrote.
        const std::size_t wrote = std::max(written[0], written[1]);
        for (std::size_t k = 0; k < 2; ++k) {
          if (used[k] > size)
            v.fail(as_exchange(s, *got[k]), "a used length of at most " + std::to_string(size) + " (the writable bytes)");
          else if (used[k] < written[k])
            v.fail(as_exchange(s, *got[k]), "a used length covering the " + std::to_string(written[k]) + " bytes written");
          else if (used[k] > wrote)
            v.fail(as_exchange(s, *got[k]),
                   "a used length of " + std::to_string(wrote) + " (the bytes written), not " + std::to_string(used[k]));
        }
      }
    };
    probe(bytes_of(cfg_request{}));
    if (num_clocks_ > 0) probe(bytes_of(read_request{0}));
  }

  void split_request(verdict_builder& v) {
    if (!fresh()) return;
    const auto whole = call(cfg_request{}, {cfg_response::size});
    if (!whole) return;
    const auto cfg = bytes_of(cfg_request{});
    for (const std::vector<std::size_t>& cuts : {std::vector<std::size_t>{1, 7}, std::vector<std::size_t>{2, 2, 4}}) {
      chain_spec s;
      std::size_t at = 0;
      for (const std::size_t n : cuts) {
        s.readable.emplace_back(cfg.begin() + static_cast<std::ptrdiff_t>(at), cfg.begin() + static_cast<std::ptrdiff_t>(at + n));
        at += n;
      }
      s.writable = {cfg_response::size};
      const auto a = call(s);
      if (!a) return;
      if (a->used.len != whole->used.len || a->writable != whole->writable)
        v.fail(as_exchange(s, *a), "the answer to the same CFG request in one descriptor: " + to_hex(whole->writable));
    }
    if (num_clocks_ == 0) return;
    const auto read = bytes_of(read_request{0});
    chain_spec s;
    s.readable = {{read.begin(), read.begin() + 3}, {read.begin() + 3, read.begin() + 9}, {read.begin() + 9, read.end()}};
    s.writable = {read_response::size};
    const auto a = call(s);
    if (a && (a->used.len != read_response::size || a->writable[0] != std::byte{0}))
      v.fail(as_exchange(s, *a), "status OK and used length 16 for a READ of clock 0 in three descriptors");
  }

  void split_response(verdict_builder& v) {
    if (!fresh()) return;
    const auto whole = call(cfg_request{}, {cfg_response::size});
    if (!whole) return;
    for (const std::vector<std::uint32_t>& parts : {std::vector<std::uint32_t>{1, 15}, std::vector<std::uint32_t>{3, 5, 8},
                                                    std::vector<std::uint32_t>{8, 4, 4, 16}}) {
      chain_spec s;
      s.readable.push_back(bytes_of(cfg_request{}));
      s.writable = parts;
      const auto a = call(s);
      if (!a) return;
      const std::vector<std::byte> head(a->writable.begin(), a->writable.begin() + cfg_response::size);
      if (a->used.len != whole->used.len || head != whole->writable)
        v.fail(as_exchange(s, *a), "the answer in one buffer, scattered in order: " + to_hex(whole->writable));
    }
  }

  void indirect(verdict_builder& v) {
    if (!f_.probe()) return;
    if (!f_.offers(virtq::feature_indirect_desc))
      return v.not_applicable("the back-end does not offer VIRTIO_RING_F_INDIRECT_DESC");
    if (!fresh()) return;
    const auto whole = call(cfg_request{}, {cfg_response::size});
    if (!whole) return;
    for (const std::vector<std::uint32_t>& parts : {std::vector<std::uint32_t>{16}, std::vector<std::uint32_t>{8, 8}}) {
      chain_spec s;
      const auto cfg = bytes_of(cfg_request{});
      s.readable = {{cfg.begin(), cfg.begin() + 4}, {cfg.begin() + 4, cfg.end()}};
      s.writable = parts;
      s.indirect = true;
      const auto a = call(s);
      if (!a) return;
      if (a->used.len != whole->used.len || a->writable != whole->writable)
        v.fail(as_exchange(s, *a), "the answer of the direct chain: " + to_hex(whole->writable));
    }
  }

  void waits_for_buffer(verdict_builder& v) {
    if (!need_alarm(v)) return;
    expire_now(v);  // no alarmq buffer is available
    std::this_thread::sleep_for(std::chrono::milliseconds(quiet_));
    if (!f_.post_alarm_buffer()) return;
    const auto a = f_.take_alarm(4 * quiet_);
    if (!a || !is_notification_for(*a))
      return v.fail_text("a NOTIF_ALARM for clock " + std::to_string(alarm_clock_) +
                             " in the alarmq buffer made available after the alarm expired",
                         a ? "the buffer was used with " + std::to_string(a->used.len) + " bytes: " + to_hex(a->buffer)
                           : "the buffer was not used");
    if (!f_.post_alarm_buffer()) return;
    if (const auto again = f_.take_alarm(quiet_))
      v.fail_text("one notification for one expiration", "a second buffer was used: " + to_hex(again->buffer));
  }

  void consumed_once(verdict_builder& v) {
    if (!need_alarm(v)) return;
    constexpr int buffers = 3;
    for (int i = 0; i < buffers; ++i)
      if (!f_.post_alarm_buffer()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(quiet_));  // a back-end may look at them now
    for (int round = 1; round <= buffers; ++round) {
      expire_now(v);
      const auto a = f_.take_alarm(4 * quiet_);
      if (!a || !is_notification_for(*a))
        return v.fail_text("expiration " + std::to_string(round) + " notified in one of the " +
                               std::to_string(buffers - round + 1) + " alarmq buffers still available",
                           a ? "a buffer used with " + std::to_string(a->used.len) + " bytes: " + to_hex(a->buffer)
                             : "no buffer was used");
      if (const auto extra = f_.take_alarm(quiet_))
        return v.fail_text("exactly one buffer used for expiration " + std::to_string(round),
                           "another buffer was used: " + to_hex(extra->buffer));
    }
  }

  void disable_withdraws(verdict_builder& v) {
    if (!need_alarm(v)) return;
    const auto c = static_cast<std::uint16_t>(alarm_clock_);
    expire_now(v);  // waits for a buffer
    const auto off = call(set_alarm_enabled_request{c, 0}, {set_alarm_enabled_response::size});
    if (!off || off->used.len < 8 || off->writable[0] != std::byte{0}) return;
    if (!f_.post_alarm_buffer()) return;
    if (const auto a = f_.take_alarm(2 * quiet_))
      v.fail_text("no notification after SET_ALARM_ENABLED (disable) got S_OK",
                  "the alarmq buffer posted after it was used: " + to_hex(a->buffer));
  }

  void reset_reinit(verdict_builder& v) {
    if (!fresh()) return;
    const auto before = call(cfg_request{}, {cfg_response::size});
    if (!before) return;
    for (int round = 0; round < 2; ++round) {
      if (!f_.reset() || !f_.start(f_.offered_features() & vhost_user_frontend::device_feature_mask)) return;
      wrong_id_ = false;
      const auto after = call(cfg_request{}, {cfg_response::size});
      if (!after) return;
      if (wrong_id_) return v.fail_text("the used element's id is the head of the chain posted", wrong_id_text_);
      if (after->used.len != before->used.len || after->writable != before->writable)
        v.fail_text("the CFG answer of before the reset: " + to_hex(before->writable),
                    "after reset " + std::to_string(round + 1) + ": used length " + std::to_string(after->used.len) +
                        ", " + to_hex(after->writable));
    }
  }

  static std::string hex64(std::uint64_t x) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (int i = 60; i >= 0; i -= 4) s.push_back(digits[(x >> i) & 0xF]);
    return s;
  }

  vhost_user_frontend& f_;
  int quiet_;
  std::uint16_t num_clocks_ = 0;
  int alarm_clock_ = -1;
  bool wrong_id_ = false;
  std::string wrong_id_text_;
};

}  // namespace detail

/// Runs every transport check against the back-end behind `f` (connected); one result per
/// entry of vhost_user_checks, in that order. `quiet_ms`: how long an alarmq buffer is watched
/// before "not used" is concluded.
[[nodiscard]] inline report run_vhost_user_checks(vhost_user_frontend& f, int quiet_ms = 100) {
  return detail::vhost_user_run(f, quiet_ms).run();
}

}  // namespace conformance
VRTC_END_NAMESPACE
