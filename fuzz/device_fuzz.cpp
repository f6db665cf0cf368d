// Fuzz target: the virtio-rtc device handler and alarm machine on arbitrary command streams.
//
// Input: a small header (features, policy, start time) and then commands: a request with an
// arbitrary readable part and writable size, a step of reference time, an alarmq buffer offer,
// a clock step or a device reset. After every command the device requirements of virtio 1.4
// §5.23.6.2 and §5.23.6.6 are checked, and a violation traps:
//  * no byte is written when fewer than 8 bytes are writable, and never past the used length;
//  * the status is one the spec defines; an error response is the 8-byte header, zeros after
//    the status; an OK response has its full size, zero reserved bytes and only flag bits the
//    negotiated features allow, and follows a request that fits the buffers;
//  * unknown msg_type gives EOPNOTSUPP, alarm requests without F_ALARM give ENODEV;
//  * CFG / CLOCK_CAP / CROSS_CAP answers repeat exactly (also across resets);
//  * after an OK disable, no notification is pending for that clock; a notification is 16
//    bytes of NOTIF_ALARM for an alarm-capable clock with zero reserved bytes;
//  * after a notification for clock C with alarm time A, no READ of C returns less than A
//    until C steps back (§5.23.6.5.2);
//  * next_deadline() is a lower bound: advancing to an earlier instant expires nothing and
//    makes nothing obsolete.
#include <vrtc/format/messages.hpp>
#include <vrtc/roles/clocks.hpp>
#include <vrtc/roles/device.hpp>
#include <vrtc/roles/leap_clocks.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

using namespace vrtc;

constexpr std::byte fill{0xA5};
constexpr std::uint64_t s = 1'000'000'000;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

struct broken_clock {
  clock_capabilities capabilities() const { return {clock_type::utc, smearing::unspecified, true}; }
  result<std::uint64_t> read(reference_time) { return errc::not_supported; }
  // It never shows a reading, so none of its alarm events can come from its course.
  reference_time instant_of(std::uint64_t, reference_time) const { return never_instant; }
  reference_time instant_below(std::uint64_t, reference_time) const { return never_instant; }
};

struct input {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  std::uint64_t u64(unsigned bytes) {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < bytes; ++i) v |= std::uint64_t{byte()} << (8 * i);
    return v;
  }
};

/// Checks an OK response's reserved bytes and flags (byte offsets from the spec's layouts).
void check_ok_body(msg_type t, std::span<const std::byte> r, bool alarm_negotiated) {
  auto zero = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) check(r[i] == std::byte{0});
  };
  zero(1, 8);
  switch (t) {
    case msg_type::cfg: zero(10, 16); break;
    case msg_type::clock_cap: {
      zero(11, 16);
      const auto flags = std::to_integer<unsigned>(r[10]);
      check((flags & ~1u) == 0);
      check(alarm_negotiated || flags == 0);
      const auto type = std::to_integer<unsigned>(r[8]);
      check(type == 3 || r[9] == std::byte{0});  // smearing only for UTC_SMEARED
      break;
    }
    case msg_type::cross_cap:
      zero(9, 16);
      check((std::to_integer<unsigned>(r[8]) & ~1u) == 0);
      break;
    case msg_type::read_alarm:
      zero(17, 24);
      check((std::to_integer<unsigned>(r[16]) & ~1u) == 0);
      break;
    default: break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  input in{data, size};
  const std::uint8_t policy = in.byte();
  const bool negotiate_alarm = (policy & 1) != 0;
  device_config cfg;
  cfg.strict_requests = (policy & 2) == 0;
  cfg.retention = (policy & 4) != 0 ? alarm_retention::clear : alarm_retention::retain;
  cfg.offer_alarm = (policy & 8) == 0;

  constexpr std::uint64_t E = 1'483'228'800;
  virtual_counter tsc{hw_counter::x86_tsc, 2'000'000'000, 0};
  virtual_counter vct{hw_counter::arm_vct, 25'000'000, 0};
  simulated_clock tai({clock_type::tai, smearing::unspecified, false}, (E - 2000 + 36) * s, &tsc);
  smeared_utc_clock<simulated_clock> utc(tai, leap_schedule{36, leap_second{E, leap_sign::positive}},
                                         (policy & 16) != 0 ? smear_method::noon_linear : smear_method::utc_sls, true);
  simulated_clock mono({clock_type::monotonic, smearing::unspecified, true}, 0, &vct);
  broken_clock broken;
  // A stepping UTC clock whose own TAI starts 20 s before a leap second of either sign.
  simulated_clock near_leap({clock_type::tai, smearing::unspecified, false}, (E - 20 + 36) * s);
  stepping_utc_clock<simulated_clock> stepping(
      near_leap, leap_schedule{36, leap_second{E, (policy & 32) != 0 ? leap_sign::negative : leap_sign::positive}}, true);
  const std::array<guest_counter, 3> counters{guest_counter{hw_counter::x86_tsc, counter_transform::x86_tsc(3u << 15, 16, 99)},
                                              guest_counter{hw_counter::arm_vct, counter_transform::arm_cntvoff(5)},
                                              guest_counter{static_cast<hw_counter>(0xF4), {}}};
  cfg.guest_counters.assign(counters.begin(), counters.end());
  const std::array<clock_ref, 5> refs{clock_ref(utc), clock_ref(tai), clock_ref(mono), clock_ref(broken),
                                      clock_ref(stepping)};
  device dev(refs, cfg);
  auto start = [&] {
    dev.set_negotiated_features(negotiate_alarm ? feature_alarm_mask : 0);
    dev.set_driver_ok();
  };
  start();
  reference_time now(in.u64(2) * 1000);

  // Keyed by the request's bytes as a string: g++ 12 -O3 misreports ordering vector<byte> keys.
  std::map<std::string, std::vector<std::byte>> capability_answers;
  std::map<std::uint16_t, std::uint64_t> notified_alarm_time;  // cleared when clocks step back
  std::array<std::byte, 300> request{};
  std::array<std::byte, 300> response{};

  for (int steps = 0; steps < 64 && in.n > 0; ++steps) {
    const std::uint8_t op = in.byte();
    switch (op % 5) {
      case 0:
      case 1: {  // a request
        const std::size_t readable = in.byte() % 40;
        const std::size_t writable = in.byte() % 40;
        for (std::size_t i = 0; i < readable; ++i) request[i] = std::byte{in.byte()};
        response.fill(fill);
        const std::span<const std::byte> req(request.data(), readable);
        const std::size_t used = dev.handle(req, std::span<std::byte>(response.data(), writable), now);
        check(used <= writable);
        for (std::size_t i = used; i < response.size(); ++i) check(response[i] == fill);
        if (writable < header_size) {
          check(used == 0);
          break;
        }
        const auto st = static_cast<status>(std::to_integer<std::uint8_t>(response[0]));
        check(is_spec_defined(st));
        const std::span<const std::byte> resp(response.data(), used);
        if (st != status::ok) {
          check(used == header_size);
          check_ok_body(msg_type::set_alarm, resp, true);  // header: zeros after status
        }
        if (readable < header_size) {
          check(st == status::einval);
          break;
        }
        const auto type = static_cast<msg_type>(load_le<std::uint16_t>(req, 0));
        if (!is_request(type)) {
          check(st == status::eopnotsupp);
          break;
        }
        if (is_alarm_request(type) && !dev.alarm_negotiated()) {
          check(st == status::enodev);
          break;
        }
        if (readable < request_size(type) || writable < response_size(type)) {
          check(st == status::einval);
          break;
        }
        if (st != status::ok) break;
        check(used == response_size(type));
        check_ok_body(type, resp, dev.alarm_negotiated());
        const std::uint16_t clock_id = type == msg_type::set_alarm ? load_le<std::uint16_t>(req, 16)
                                       : type == msg_type::cfg      ? 0
                                                                    : load_le<std::uint16_t>(req, 8);
        check(type == msg_type::cfg || clock_id < dev.num_clocks());
        if (type == msg_type::read) {
          if (const auto it = notified_alarm_time.find(clock_id); it != notified_alarm_time.end())
            check(load_le<std::uint64_t>(resp, 8) >= it->second);
        }
        if (type == msg_type::cfg || type == msg_type::clock_cap || type == msg_type::cross_cap) {
          std::string key(reinterpret_cast<const char*>(req.data()), request_size(type));
          key.push_back(dev.alarm_negotiated() ? '\1' : '\0');
          const std::vector<std::byte> answer(resp.begin(), resp.end());
          const auto [it, fresh] = capability_answers.emplace(key, answer);
          check(fresh || it->second == answer);
        }
        const bool disable = (type == msg_type::set_alarm && (load_le<std::uint8_t>(req, 18) & 1) == 0) ||
                             (type == msg_type::set_alarm_enabled && (load_le<std::uint8_t>(req, 10) & 1) == 0);
        if (disable) {
          const alarm_state* a = dev.alarm(clock_id);
          check(a != nullptr && !a->notification_pending() && !a->enabled());
        }
        break;
      }
      case 2: {  // reference time moves on
        const std::uint64_t delta = in.u64(3) * ((op & 0x80) != 0 ? 1000 : 1);
        // next_deadline() is a lower bound: before it, advance() finds nothing to do.
        const auto deadline = dev.next_deadline(now);
        std::array<std::uint64_t, 5> expirations{};
        std::array<bool, 5> pending{};
        for (std::uint16_t id = 0; id < dev.num_clocks(); ++id)
          if (const alarm_state* a = dev.alarm(id)) {
            expirations[id] = a->expirations();
            pending[id] = a->notification_pending();
          }
        now += nanosecond_count(delta);
        const std::size_t expired = dev.advance(now);
        if (!deadline || now < *deadline) {
          check(expired == 0);
          for (std::uint16_t id = 0; id < dev.num_clocks(); ++id)
            if (const alarm_state* a = dev.alarm(id))
              check(a->expirations() == expirations[id] && a->notification_pending() == pending[id]);
        }
        if (const auto d = dev.next_deadline(now)) check(*d >= now);
        break;
      }
      case 3: {  // an alarmq buffer
        const std::size_t buffer_size = in.byte() % 24;
        response.fill(fill);
        const bool was_pending = dev.notification_pending();
        const std::size_t used = dev.write_notification(std::span<std::byte>(response.data(), buffer_size));
        check(used == 0 || used == notif_alarm::size);
        check(used == 0 || was_pending);
        for (std::size_t i = used; i < response.size(); ++i) check(response[i] == fill);
        if (used != 0) {
          const std::span<const std::byte> n(response.data(), used);
          check(load_le<std::uint16_t>(n, 0) == 0x2000);
          for (std::size_t i : {2u, 3u, 4u, 5u, 6u, 7u, 10u, 11u, 12u, 13u, 14u, 15u}) check(n[i] == std::byte{0});
          const alarm_state* a = dev.alarm(load_le<std::uint16_t>(n, 8));
          check(a != nullptr);
          notified_alarm_time[load_le<std::uint16_t>(n, 8)] = a->alarm_time();
          check(dev.alarm_negotiated() && dev.live());
        }
        break;
      }
      case 4: {  // the world changes: a clock step, or a device reset
        const std::uint8_t what = in.byte();
        if ((what & 3) == 0) {
          dev.reset(now);
          check(!dev.notification_pending());
          if ((what & 4) == 0) start();
        } else {
          const auto delta = static_cast<std::int64_t>(in.u64(3)) * ((what & 8) != 0 ? -1000 : 1000);
          (void)tai.step(now, delta);
          (void)near_leap.step(now, delta);
          (void)mono.step(now, delta);  // refused when backwards
          if (delta < 0) notified_alarm_time.clear();
          dev.advance(now);  // the host reports a change from outside the clocks' course
        }
        break;
      }
    }
  }
  return 0;
}
