// vrtc conformance: the driver robustness kit — a scriptable device double that answers a
// virtio-rtc driver with edge and malformed responses, and checks how the driver reacts.
//
// Check ids (section / short id), in run order:
//   5.23.6/clock-id                                  requests name the clock asked for
//   5.23.6.1/error-header-only                       8-byte error response -> the device's status
//   5.23.6.1/error-fields-not-interpreted            full-length error response -> still an error
//   5.23.6.1/ok-short-used-length                    OK with a short used length -> no value
//   5.23.6.1/unknown-status                          unassigned status -> an error
//   5.23.6.1/reserved-bytes-ignored                  non-zero reserved bytes change nothing
//   5.23.6.1/unknown-flags-ignored                   only the defined flag bit counts
//   5.23.6.1/alarm-cap-needs-feature                 ALARM_CAP ignored without VIRTIO_RTC_F_ALARM
//   5.23.6.5/reading-above-int64-max                 u64 readings above INT64_MAX are kept
//   5.23.6.6.3.1/notification-reads-clock            the clock is read after NOTIF_ALARM
//   5.23.6.6.3.1/repeated-notification               a repeated NOTIF_ALARM is handled again
//   5.23.6.6.3.1/stale-notification                  an obsolete NOTIF_ALARM is not taken as reached
//   5.23.6.6.3.1/notification-without-alarm-ignored  NOTIF_ALARM for a clock without alarm
//   5.23.6.6.3.1/short-notification                  a notification shorter than 16 bytes
//   5.23.6.6.3.1/unknown-notification-type           an alarmq message of another msg_type
//   5.23.6.6.3.1/alarmq-buffer-size                  alarmq buffers hold a whole notification
//   5.23.6.1/request-reserved-zero                   every request has zero reserved bytes
//   5.23.6.1/request-flags-negotiated                request flags: defined, negotiated bits only
//   5.23.6.1/writable-space                          the writable part fits the response
//   5.23.6.4.1/cross-cap-counter                     CROSS_CAP hw_counter: 0, 1 or 0xF0..0xFE
//   5.23.6.5.1/read-cross-counter                    READ_CROSS hw_counter: 0, 1 or 0xF0..0xFE
// The last five judge every request the driver sent during the whole run.
//
// The driver under test is reached through driver_adapter, a set of callables, so a driver
// written in C or Rust can be wrapped as well as a C++ one: the kit hands the driver a
// device_link (a C function pointer and a context) to send its requestq elements through, and
// asks it to probe, read, and handle alarmq buffers. Every callable but `start` and `read` is
// optional; a check that needs a missing one is not applicable. The faults the double can
// inject are also exported (response_fault, notification_fault) for use in fuzzers.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "vrtc/conformance/report.hpp"
#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/format/any_message.hpp"
#include "vrtc/format/messages.hpp"
#include "vrtc/format/protocol.hpp"
#include "vrtc/roles/driver.hpp"

VRTC_BEGIN_NAMESPACE
namespace conformance {

// --- the link between a driver under test and the device double --------------------------------

/// Sends one requestq element: `request` is the device-readable part, `response` the
/// device-writable part. Returns 0 and sets *used to the used length, or non-zero when no
/// answer came. A plain C signature, so C and Rust drivers can call it.
using transfer_function = int (*)(void* context, const unsigned char* request, std::size_t request_size,
                                  unsigned char* response, std::size_t response_size, std::size_t* used);

struct device_link {
  void* context = nullptr;
  transfer_function transfer = nullptr;
};

/// A device_link as a vrtc::transport, for C++ drivers.
class link_transport {
 public:
  explicit link_transport(device_link link) noexcept : link_(link) {}
  result<std::size_t> transfer(std::span<const std::byte> request, std::span<std::byte> response) {
    std::size_t used = 0;
    if (link_.transfer == nullptr ||
        link_.transfer(link_.context, reinterpret_cast<const unsigned char*>(request.data()), request.size(),
                       reinterpret_cast<unsigned char*>(response.data()), response.size(), &used) != 0)
      return errc::transport_error;
    return used;
  }

 private:
  device_link link_;
};
static_assert(transport<link_transport>);

// --- what the driver under test reports --------------------------------------------------------

enum class driver_answer : std::uint8_t {
  ok,            ///< success, with the value(s) below where the operation has any
  device_error,  ///< the device's error status, passed on (`device_status` says which)
  rejected,      ///< the response or notification was refused as malformed or not applicable
  failed,        ///< any other failure
};

struct driver_outcome {
  driver_answer answer = driver_answer::failed;
  status device_status = status::eio;  ///< with device_error: the status the driver reports
  std::uint64_t value = 0;   ///< READ / READ_CROSS: clock_reading; READ_ALARM: alarm_time
  std::uint64_t cycles = 0;  ///< READ_CROSS: counter_cycles
  /// READ_ALARM: the alarm is enabled. handle_notification: the driver acts on the alarm as
  /// reached (it fires the alarm to its user).
  bool flag = false;

  [[nodiscard]] constexpr bool is_ok() const noexcept { return answer == driver_answer::ok; }
};

/// The driver under test. `start` (re)creates the driver on `link` with `features` negotiated
/// and lets it probe (CFG, CLOCK_CAP, CROSS_CAP as it likes); the other callables act on the
/// driver of the last `start`. Leave a callable empty when the driver has no such operation.
struct driver_adapter {
  std::function<driver_outcome(device_link link, std::uint64_t features)> start;
  std::function<driver_outcome(std::uint16_t clock_id)> read;
  std::function<driver_outcome(std::uint16_t clock_id, hw_counter counter)> read_cross;
  std::function<driver_outcome(std::uint16_t clock_id)> read_alarm;
  std::function<driver_outcome(std::uint16_t clock_id, std::uint64_t alarm_time, bool enabled)> set_alarm;
  /// The used part of an alarmq buffer the device filled.
  std::function<driver_outcome(std::span<const std::byte> used)> handle_notification;
  /// After start: whether the driver considers the clock to have an alarm (nullopt: unknown clock).
  std::function<std::optional<bool>(std::uint16_t clock_id)> has_alarm;
  /// After start: whether the driver found cross-timestamping for (clock, counter).
  std::function<std::optional<bool>(std::uint16_t clock_id, hw_counter counter)> has_cross;
  /// The device-writable size of the alarmq buffers the driver makes available.
  std::function<std::size_t()> alarmq_buffer_size;
};

// --- faults ------------------------------------------------------------------------------------

/// One device-writable answer: the bytes written at the start of the writable buffer (cut to
/// its size) and the used length the device reports (which may claim more or fewer bytes).
struct scripted_answer {
  std::vector<std::byte> bytes;
  std::size_t used = 0;
};

/// Ways to spoil a conforming OK response. The first four make it malformed: a driver must
/// never report success for it. The others leave it valid: the driver must report exactly the
/// conforming response's values.
enum class response_fault : std::uint8_t {
  error_header_only,       ///< a non-OK status, used length 8
  error_full_length,       ///< a non-OK status, the OK response's body and full used length
  ok_short_used_length,    ///< status OK, used length below the response size (below 8 for 8-byte ones)
  unknown_status,          ///< an unassigned status (1, 6..255), full used length
  reserved_bytes_set,      ///< every reserved byte 0xFF (header included)
  undefined_flag_bits,     ///< every undefined flag bit set in the flags bytes
  none,                    ///< the conforming response
};
inline constexpr std::size_t response_fault_count = 7;

/// True for the faults after which a response carries no value a driver may use.
[[nodiscard]] constexpr bool is_malformed(response_fault f) noexcept {
  return f == response_fault::error_header_only || f == response_fault::error_full_length ||
         f == response_fault::ok_short_used_length || f == response_fault::unknown_status;
}

/// Ways to spoil a NOTIF_ALARM (alarmq). Apart from `none`, a driver must not act on any of them
/// without reading the clock; for those marked malformed it must not act at all.
enum class notification_fault : std::uint8_t {
  none,
  short_used_length,  ///< used length below 16 (malformed)
  unknown_msg_type,   ///< another msg_type (malformed)
  reserved_bytes_set, ///< non-zero reserved bytes (valid)
};

namespace detail {

template <class M>
std::vector<std::byte> encoded_bytes(const M& m) {
  const auto a = encode(m);
  return {a.begin(), a.end()};
}

template <class M>
void set_reserved(std::vector<std::byte>& bytes, std::byte value) {
  for (const wire_row& row : wire_layout<M>.view())
    if (row.is_reserved())
      for (std::size_t i = row.offset; i < row.offset + row.size && i < bytes.size(); ++i) bytes[i] = value;
}

/// Calls f(M{}) for the response type answering request type t; false for other types.
template <class F>
bool with_response_type(msg_type t, F&& f) {
  return visit_request(
      t,
      [&]<class Req>(std::type_identity<Req>) {
        f(typename Req::response_type{});
        return true;
      },
      [] { return false; });
}

/// The byte offset of the flags field of a response type, or 0 when it has none.
[[nodiscard]] constexpr std::size_t response_flags_offset(msg_type t) noexcept {
  switch (t) {
    case msg_type::clock_cap: return 10;
    case msg_type::cross_cap: return 8;
    case msg_type::read_alarm: return 16;
    default: return 0;
  }
}

}  // namespace detail


/// Applies fault `f` to `conforming`, the full OK answer to a request of type t. `param` picks
/// among variants (which error status, which short length, which unknown status).
[[nodiscard]] inline scripted_answer apply_fault(response_fault f, msg_type t, const scripted_answer& conforming,
                                                 std::uint8_t param = 0) {
  static constexpr std::array<status, 4> errors{status::eopnotsupp, status::enodev, status::einval, status::eio};
  scripted_answer a = conforming;
  const std::size_t size = response_size(t);
  switch (f) {
    case response_fault::none: break;
    case response_fault::error_header_only:
      a.bytes.assign(header_size, std::byte{0});
      a.bytes[0] = static_cast<std::byte>(errors[param % errors.size()]);
      a.used = header_size;
      break;
    case response_fault::error_full_length:
      if (!a.bytes.empty()) a.bytes[0] = static_cast<std::byte>(errors[param % errors.size()]);
      break;
    case response_fault::ok_short_used_length:
      // Any length from 8 up to one byte short; a header-only response is cut into its header.
      a.used = size > header_size ? header_size + param % (size - header_size) : param % header_size;
      break;
    case response_fault::unknown_status: {
      const unsigned st = param % 251u;  // 1 or 6..255
      if (!a.bytes.empty()) a.bytes[0] = static_cast<std::byte>(st == 0 ? 1u : st + 5u);
      break;
    }
    case response_fault::reserved_bytes_set:
      detail::with_response_type(t, [&](auto m) { detail::set_reserved<decltype(m)>(a.bytes, std::byte{0xFF}); });
      break;
    case response_fault::undefined_flag_bits:
      if (const std::size_t off = detail::response_flags_offset(t); off != 0 && off < a.bytes.size())
        a.bytes[off] |= std::byte{0xFE};
      break;
  }
  return a;
}

/// A NOTIF_ALARM for clock_id with fault `f` applied (`param` picks a variant).
[[nodiscard]] inline scripted_answer make_notification(std::uint16_t clock_id, notification_fault f = notification_fault::none,
                                                       std::uint8_t param = 0) {
  scripted_answer a{detail::encoded_bytes(notif_alarm{clock_id}), notif_alarm::size};
  switch (f) {
    case notification_fault::none: break;
    case notification_fault::short_used_length: a.used = param % notif_alarm::size; break;
    case notification_fault::unknown_msg_type: {
      static constexpr std::array<std::uint16_t, 5> others{0x2001, 0x0001, 0x1000, 0x3000, 0xFFFF};
      store_le<std::uint16_t>(a.bytes, 0, others[param % others.size()]);
      break;
    }
    case notification_fault::reserved_bytes_set: detail::set_reserved<notif_alarm>(a.bytes, std::byte{0xFF}); break;
  }
  return a;
}

// --- the device double -------------------------------------------------------------------------

/// One clock of the double.
struct double_clock {
  clock_type type = clock_type::utc;
  smearing leap_second_smearing = smearing::unspecified;
  bool alarm = false;
  std::uint64_t reading = 0;         ///< what READ and READ_CROSS return (the clock stands still)
  bool cross = false;                ///< CROSS_CAP / READ_CROSS for ARM_VCT and X86_TSC
  std::uint64_t counter_cycles = 0;  ///< READ_CROSS counter value
  std::uint64_t alarm_time = 0;
  bool alarm_enabled = false;
};

/// A requestq element the driver sent.
struct sent_request {
  std::vector<std::byte> bytes;    ///< the device-readable part
  std::size_t writable_size = 0;   ///< the size of the device-writable part
  std::uint64_t features = 0;      ///< the features negotiated when it was sent
};

/// A virtio-rtc device with a fixed set of clocks that answers conformingly unless its script
/// says otherwise, and records every request. The script sees each request and may return an
/// answer that replaces the conforming one (see apply_fault and conforming_answer).
class device_double {
 public:
  explicit device_double(std::vector<double_clock> initial_clocks, std::uint64_t negotiated = feature_alarm_mask)
      : clocks(std::move(initial_clocks)), features(negotiated) {}

  std::vector<double_clock> clocks;
  std::uint64_t features;
  std::function<std::optional<scripted_answer>(const sent_request&)> script;
  std::vector<sent_request> requests;

  /// The answer a conforming device gives (errors as the 8-byte header).
  [[nodiscard]] scripted_answer conforming_answer(const sent_request& r) {
    const auto error = [](status s) {
      scripted_answer a{std::vector<std::byte>(header_size, std::byte{0}), header_size};
      a.bytes[0] = static_cast<std::byte>(s);
      return a;
    };
    if (r.bytes.size() < header_size) return error(status::einval);
    const auto t = static_cast<msg_type>(load_le<std::uint16_t>(r.bytes, 0));
    if (!is_request(t)) return error(status::eopnotsupp);
    if (is_alarm_request(t) && (features & feature_alarm_mask) == 0) return error(status::enodev);
    if (r.writable_size < response_size(t)) return error(status::einval);
    const auto req = decode_request(r.bytes);
    if (!req) return error(status::einval);
    return std::visit([&](const auto& m) { return answer(m); }, *req);
  }

  result<std::size_t> transfer(std::span<const std::byte> request, std::span<std::byte> response) {
    requests.push_back({{request.begin(), request.end()}, response.size(), features});
    const sent_request& r = requests.back();
    std::optional<scripted_answer> a;
    if (script) a = script(r);
    if (!a) a = conforming_answer(r);
    for (std::size_t i = 0; i < a->bytes.size() && i < response.size(); ++i) response[i] = a->bytes[i];
    return a->used;
  }

  /// This double as a device_link (valid while the double lives).
  [[nodiscard]] device_link link() noexcept { return {this, &device_double::c_transfer}; }

  /// The number of READ and READ_CROSS requests for clock_id from request index `from` on.
  [[nodiscard]] std::size_t reads_of(std::uint16_t clock_id, std::size_t from = 0) const {
    std::size_t n = 0;
    for (std::size_t i = from; i < requests.size(); ++i) {
      const auto& b = requests[i].bytes;
      if (b.size() < 10) continue;
      const auto t = static_cast<msg_type>(load_le<std::uint16_t>(b, 0));
      if ((t == msg_type::read || t == msg_type::read_cross) && load_le<std::uint16_t>(b, 8) == clock_id) ++n;
    }
    return n;
  }

 private:
  static int c_transfer(void* context, const unsigned char* request, std::size_t request_size, unsigned char* response,
                        std::size_t response_size, std::size_t* used) {
    auto* self = static_cast<device_double*>(context);
    const auto r = self->transfer({reinterpret_cast<const std::byte*>(request), request_size},
                                  {reinterpret_cast<std::byte*>(response), response_size});
    if (!r) return 1;
    *used = *r;
    return 0;
  }

  template <class M>
  static scripted_answer ok(const M& m) {
    return {detail::encoded_bytes(m), M::size};
  }
  static scripted_answer fail(status s) {
    scripted_answer a{std::vector<std::byte>(header_size, std::byte{0}), header_size};
    a.bytes[0] = static_cast<std::byte>(s);
    return a;
  }
  double_clock* find(std::uint16_t id) { return id < clocks.size() ? &clocks[id] : nullptr; }

  scripted_answer answer(const cfg_request&) { return ok(cfg_response{status::ok, static_cast<std::uint16_t>(clocks.size())}); }
  scripted_answer answer(const clock_cap_request& m) {
    const double_clock* c = find(m.clock_id);
    if (c == nullptr) return fail(status::enodev);
    const bool alarm = c->alarm && (features & feature_alarm_mask) != 0;
    return ok(clock_cap_response{status::ok, c->type, c->leap_second_smearing, alarm ? flag_alarm_cap : std::uint8_t{0}});
  }
  scripted_answer answer(const cross_cap_request& m) {
    if (!may_be_requested(m.hw_counter)) return fail(m.hw_counter == hw_counter::invalid ? status::einval : status::eopnotsupp);
    const double_clock* c = find(m.clock_id);
    if (c == nullptr) return fail(status::enodev);
    return ok(cross_cap_response{status::ok, c->cross && is_spec_defined(m.hw_counter) ? flag_cross_cap : std::uint8_t{0}});
  }
  scripted_answer answer(const read_request& m) {
    const double_clock* c = find(m.clock_id);
    if (c == nullptr) return fail(status::enodev);
    return ok(read_response{status::ok, c->reading});
  }
  scripted_answer answer(const read_cross_request& m) {
    if (!may_be_requested(m.hw_counter)) return fail(m.hw_counter == hw_counter::invalid ? status::einval : status::eopnotsupp);
    const double_clock* c = find(m.clock_id);
    if (c == nullptr) return fail(status::enodev);
    if (!c->cross || !is_spec_defined(m.hw_counter)) return fail(status::eopnotsupp);
    return ok(read_cross_response{status::ok, c->reading, c->counter_cycles});
  }
  scripted_answer answer(const read_alarm_request& m) {
    const double_clock* c = find(m.clock_id);
    if (c == nullptr || !c->alarm) return fail(status::enodev);
    return ok(read_alarm_response{status::ok, c->alarm_time, c->alarm_enabled ? flag_alarm_enabled : std::uint8_t{0}});
  }
  scripted_answer answer(const set_alarm_request& m) {
    double_clock* c = find(m.clock_id);
    if (c == nullptr || !c->alarm) return fail(status::enodev);
    c->alarm_time = m.alarm_time;
    c->alarm_enabled = m.alarm_enabled();
    return ok(set_alarm_response{});
  }
  scripted_answer answer(const set_alarm_enabled_request& m) {
    double_clock* c = find(m.clock_id);
    if (c == nullptr || !c->alarm) return fail(status::enodev);
    c->alarm_enabled = m.alarm_enabled();
    return ok(set_alarm_enabled_response{});
  }
};

static_assert(transport<device_double>, "a C++ driver can also use the double directly as its transport");

// --- this library's driver as an adapter -------------------------------------------------------

/// What this library's driver result means to the kit.
template <class T>
[[nodiscard]] driver_outcome outcome_of(const result<T>& r) {
  driver_outcome o;
  if (r) {
    o.answer = driver_answer::ok;
    return o;
  }
  switch (r.error()) {
    case errc::device_eopnotsupp: return {driver_answer::device_error, status::eopnotsupp};
    case errc::device_enodev: return {driver_answer::device_error, status::enodev};
    case errc::device_einval: return {driver_answer::device_error, status::einval};
    case errc::device_eio: return {driver_answer::device_error, status::eio};
    case errc::bad_response:
    case errc::unknown_msg_type: return {driver_answer::rejected};
    default: return {driver_answer::failed};
  }
}

/// A filter between a driver and the link: it may change the request, call `next`, and change
/// the answer. Used to compose deliberately faulty drivers from this one in tests.
using link_filter = std::function<result<std::size_t>(link_transport& next, std::span<const std::byte> request,
                                                      std::span<std::byte> response)>;

/// The adapter for vrtc::driver (driver.hpp), optionally behind a link_filter.
[[nodiscard]] inline driver_adapter library_driver_adapter(link_filter filter = {}) {
  struct filtered {
    link_transport next;
    link_filter filter;
    result<std::size_t> transfer(std::span<const std::byte> request, std::span<std::byte> response) {
      return filter ? filter(next, request, response) : next.transfer(request, response);
    }
  };
  struct state {
    std::optional<filtered> link;
    std::optional<driver<filtered>> drv;
  };
  auto s = std::make_shared<state>();
  driver_adapter a;
  a.start = [s, filter](device_link link, std::uint64_t features) {
    s->drv.reset();
    s->link.emplace(filtered{link_transport(link), filter});
    s->drv.emplace(*s->link, driver_config{.features = features});
    return outcome_of(s->drv->probe());
  };
  a.read = [s](std::uint16_t id) {
    const auto r = s->drv->read(id);
    driver_outcome o = outcome_of(r);
    if (r) o.value = *r;
    return o;
  };
  a.read_cross = [s](std::uint16_t id, hw_counter h) {
    const auto r = s->drv->read_cross(id, h);
    driver_outcome o = outcome_of(r);
    if (r) {
      o.value = r->clock_reading;
      o.cycles = r->counter_cycles;
    }
    return o;
  };
  a.read_alarm = [s](std::uint16_t id) {
    const auto r = s->drv->read_alarm(id);
    driver_outcome o = outcome_of(r);
    if (r) {
      o.value = r->alarm_time;
      o.flag = r->enabled;
    }
    return o;
  };
  a.set_alarm = [s](std::uint16_t id, std::uint64_t t, bool enabled) { return outcome_of(s->drv->set_alarm(id, t, enabled)); };
  a.handle_notification = [s](std::span<const std::byte> used) {
    const auto e = s->drv->handle_notification(used);
    driver_outcome o = outcome_of(e);
    if (e) {
      o.value = e->clock_reading;
      o.flag = e->reached();
    }
    return o;
  };
  a.has_alarm = [s](std::uint16_t id) -> std::optional<bool> {
    const clock_info* c = s->drv->clock(id);
    if (c == nullptr) return std::nullopt;
    return c->alarm;
  };
  a.has_cross = [s](std::uint16_t id, hw_counter h) -> std::optional<bool> {
    if (s->drv->clock(id) == nullptr) return std::nullopt;
    return s->drv->cross_supported(id, h);
  };
  a.alarmq_buffer_size = [] { return notif_alarm::size; };  // the size handle_notification needs
  return a;
}

// --- the checks --------------------------------------------------------------------------------

namespace detail {

/// The clocks most checks use: an alarm clock with cross-timestamping, a TAI clock without
/// alarm, and a MONOTONIC clock, each with a distinct reading.
inline std::vector<double_clock> standard_clocks() {
  return {
      {clock_type::utc_smeared, smearing::noon_linear, true, 1'700'000'000'123'456'789, true, 0x1234'5678'9abc, 0, false},
      {clock_type::tai, smearing::unspecified, false, 1'700'000'037'000'000'001, false, 0, 0, false},
      {clock_type::monotonic, smearing::unspecified, false, 5'000'000'007, false, 0, 0, false},
  };
}

inline std::string describe(const driver_outcome& o) {
  switch (o.answer) {
    case driver_answer::ok: return "ok (value " + std::to_string(o.value) + (o.flag ? ", flag set)" : ")");
    case driver_answer::device_error: return std::string("device error ") + to_string(o.device_status);
    case driver_answer::rejected: return "rejected";
    case driver_answer::failed: return "failed";
  }
  return "?";
}

/// Builds one check_result; fail() records the first failure only.
struct check {
  check_result r;
  check(std::string id, std::string section, std::string title) {
    r.id = std::move(id);
    r.section = std::move(section);
    r.title = std::move(title);
  }
  bool fail(std::string expected, std::string detail, const scripted_answer* answer = nullptr,
            const sent_request* request = nullptr) {
    if (r.outcome == verdict::fail) return false;
    r.outcome = verdict::fail;
    r.expected = std::move(expected);
    r.detail = std::move(detail);
    if (answer != nullptr) r.response = to_hex(std::span<const std::byte>(answer->bytes).first(
                                            answer->used < answer->bytes.size() ? answer->used : answer->bytes.size()));
    if (request != nullptr) r.request = to_hex(request->bytes);
    return false;
  }
  void not_applicable(std::string why) {
    r.outcome = verdict::not_applicable;
    r.detail = std::move(why);
  }
};

/// The double plus the adapter, started afresh.
struct session {
  device_double dev;
  const driver_adapter& drv;
  driver_outcome started;
  std::vector<sent_request>* all;
  session(const driver_adapter& adapter, std::vector<sent_request>& log, std::uint64_t features = feature_alarm_mask,
          std::vector<double_clock> clocks = standard_clocks())
      : dev(std::move(clocks), features), drv(adapter), all(&log) {
    started = drv.start(dev.link(), features);
  }
  ~session() { all->insert(all->end(), dev.requests.begin(), dev.requests.end()); }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Makes the script answer requests of type t with fault f applied (others conformingly).
  void fault(msg_type t, response_fault f, std::uint8_t param = 0) {
    faulted = {t, f, param};
    dev.script = [this, t, f, param](const sent_request& r) -> std::optional<scripted_answer> {
      if (r.bytes.size() < 2 || static_cast<msg_type>(load_le<std::uint16_t>(r.bytes, 0)) != t) return std::nullopt;
      return apply_fault(f, t, dev.conforming_answer(r), param);
    };
  }
  /// Fails c with the last request sent and the faulted answer fault() gave it as the sample
  /// (no sample when nothing was sent). `expected` is a text, or a function of the sample
  /// that gives it.
  template <class Expected>
  void fail_with_sample(check& c, Expected&& expected, std::string detail) {
    const auto text = [&](const scripted_answer& sample) -> std::string {
      if constexpr (std::is_invocable_v<Expected, const scripted_answer&>) return expected(sample);
      else return std::string(expected);
    };
    if (dev.requests.empty()) {
      c.fail(text(scripted_answer{}), std::move(detail));
      return;
    }
    const sent_request& r = dev.requests.back();
    const scripted_answer sample = apply_fault(faulted.f, faulted.t, dev.conforming_answer(r), faulted.param);
    c.fail(text(sample), std::move(detail), &sample, &r);
  }

  struct fault_choice {
    msg_type t = msg_type::read;
    response_fault f{};
    std::uint8_t param = 0;
  } faulted;
  driver_outcome notify(const scripted_answer& n) {
    return drv.handle_notification(std::span<const std::byte>(n.bytes).first(n.used));
  }
};

}  // namespace detail

/// Runs every check against the driver under test. Each check starts the driver afresh on a new
/// device double; the request checks at the end judge everything the driver sent meanwhile.
[[nodiscard]] inline report run_driver_kit(const driver_adapter& a) {
  using detail::check;
  using detail::describe;
  using detail::session;
  report rep;
  std::vector<sent_request> log;
  const auto add = [&](check& c) { rep.results.push_back(std::move(c.r)); };
  const std::vector<double_clock> clocks = detail::standard_clocks();

  {  // Every probe and read must name the clock asked for.
    check c("5.23.6/clock-id", "5.23.6", "Requests name the clock by its id (0 .. num_clocks - 1)");
    session s(a, log);
    if (!s.started.is_ok()) c.fail("probe succeeds against a conforming device", "start: " + describe(s.started));
    for (std::uint16_t id = 0; id < clocks.size(); ++id) {
      const std::size_t before = s.dev.requests.size();
      const driver_outcome o = a.read(id);
      if (!o.is_ok() || o.value != clocks[id].reading)
        c.fail("READ of clock " + std::to_string(id) + " returns " + std::to_string(clocks[id].reading),
               "got " + describe(o), nullptr, before < s.dev.requests.size() ? &s.dev.requests.back() : nullptr);
      else if (s.dev.reads_of(id, before) == 0)
        c.fail("a READ with clock_id " + std::to_string(id), "no READ for that clock was sent");
    }
    add(c);
  }
  {
    check c("5.23.6.1/error-header-only", "5.23.6.1",
            "An error response of only the 8-byte header gives the device's status");
    for (std::uint8_t p = 0; p < 4; ++p) {
      session s(a, log);
      s.fault(msg_type::read, response_fault::error_header_only, p);
      const driver_outcome o = a.read(0);
      const auto sample = apply_fault(response_fault::error_header_only, msg_type::read, {}, p);
      const auto st = static_cast<status>(std::to_integer<std::uint8_t>(sample.bytes[0]));
      if (o.answer != driver_answer::device_error || o.device_status != st)
        c.fail(std::string("device error ") + to_string(st), "got " + describe(o), &sample, &s.dev.requests.back());
    }
    add(c);
  }
  {
    check c("5.23.6.1/error-fields-not-interpreted", "5.23.6.1",
            "Only the status of a non-OK response is interpreted, whatever its length");
    for (const msg_type t : {msg_type::read, msg_type::read_alarm}) {
      session s(a, log);
      if (t == msg_type::read_alarm && !a.read_alarm) continue;
      s.dev.clocks[0].alarm_enabled = true;
      s.fault(t, response_fault::error_full_length, 1);
      const driver_outcome o = t == msg_type::read ? a.read(0) : a.read_alarm(0);
      if (o.answer != driver_answer::device_error || o.device_status != status::enodev)
        s.fail_with_sample(c, "device error ENODEV", std::string(to_string(t)) + ": got " + describe(o));
    }
    add(c);
  }
  {
    check c("5.23.6.1/ok-short-used-length", "5.23.6.1",
            "An OK response shorter than the response size is not accepted");
    for (std::uint8_t p = 0; p < 8; p += 7) {
      session s(a, log);
      s.fault(msg_type::read, response_fault::ok_short_used_length, p);
      const driver_outcome o = a.read(0);
      if (o.is_ok())
        s.fail_with_sample(
            c,
            [](const scripted_answer& sample) {
              return "no value from a READ response with used length " + std::to_string(sample.used);
            },
            "got " + describe(o));
    }
    if (a.read_cross) {
      session s(a, log);
      s.fault(msg_type::read_cross, response_fault::ok_short_used_length, 8);
      const driver_outcome o = a.read_cross(0, hw_counter::x86_tsc);
      if (o.is_ok()) c.fail("no value from a READ_CROSS response with used length 16", "got " + describe(o));
    }
    {
      device_double probe_dev(clocks);
      probe_dev.script = [&](const sent_request& r) -> std::optional<scripted_answer> {
        if (static_cast<msg_type>(load_le<std::uint16_t>(r.bytes, 0)) != msg_type::cfg) return std::nullopt;
        return apply_fault(response_fault::ok_short_used_length, msg_type::cfg, probe_dev.conforming_answer(r), 0);
      };
      const driver_outcome o = a.start(probe_dev.link(), feature_alarm_mask);
      log.insert(log.end(), probe_dev.requests.begin(), probe_dev.requests.end());
      const bool sent_cfg = std::any_of(probe_dev.requests.begin(), probe_dev.requests.end(), [](const sent_request& r) {
        return r.bytes.size() >= 2 && static_cast<msg_type>(load_le<std::uint16_t>(r.bytes, 0)) == msg_type::cfg;
      });
      if (sent_cfg && o.is_ok()) c.fail("the probe fails when CFG answers OK with used length 8", "start: " + describe(o));
    }
    add(c);
  }
  {
    check c("5.23.6.1/unknown-status", "5.23.6.1", "A status the specification does not assign is an error");
    for (const std::uint8_t p : {std::uint8_t{0}, std::uint8_t{1}, std::uint8_t{122}, std::uint8_t{250}}) {
      session s(a, log);
      s.fault(msg_type::read, response_fault::unknown_status, p);
      const driver_outcome o = a.read(0);
      if (o.is_ok()) s.fail_with_sample(c, "an error", "got " + describe(o));
    }
    add(c);
  }
  {
    check c("5.23.6.1/reserved-bytes-ignored", "5.23.6.1",
            "Reserved bytes of device-writable buffers are not interpreted");
    session s(a, log, feature_alarm_mask, clocks);
    s.dev.clocks[0].alarm_time = 1'800'000'000'000'000'000;
    s.dev.clocks[0].alarm_enabled = true;
    s.dev.script = [&s](const sent_request& r) -> std::optional<scripted_answer> {
      const auto t = static_cast<msg_type>(load_le<std::uint16_t>(r.bytes, 0));
      return apply_fault(response_fault::reserved_bytes_set, t, s.dev.conforming_answer(r));
    };
    const driver_outcome st = a.start(s.dev.link(), feature_alarm_mask);
    if (!st.is_ok()) c.fail("probe succeeds", "start: " + describe(st));
    const driver_outcome r = a.read(0);
    if (!r.is_ok() || r.value != clocks[0].reading) c.fail("READ returns " + std::to_string(clocks[0].reading), "got " + describe(r));
    if (a.has_alarm && a.has_alarm(0) != std::optional<bool>(true)) c.fail("clock 0 has an alarm", "the driver says it has none");
    if (a.read_cross) {
      const driver_outcome x = a.read_cross(0, hw_counter::x86_tsc);
      if (!x.is_ok() || x.value != clocks[0].reading || x.cycles != clocks[0].counter_cycles)
        c.fail("READ_CROSS returns the reading and counter_cycles", "got " + describe(x));
    }
    if (a.read_alarm) {
      const driver_outcome ra = a.read_alarm(0);
      if (!ra.is_ok() || ra.value != 1'800'000'000'000'000'000 || !ra.flag)
        c.fail("READ_ALARM returns the alarm time, enabled", "got " + describe(ra));
    }
    if (a.handle_notification) {
      s.dev.clocks[0].alarm_time = clocks[0].reading;  // reached
      const auto n = make_notification(0, notification_fault::reserved_bytes_set);
      const driver_outcome o = s.notify(n);
      if (!o.is_ok() || !o.flag) c.fail("the notification is acted on", "got " + describe(o), &n);
    }
    add(c);
  }
  {
    check c("5.23.6.1/unknown-flags-ignored", "5.23.6.1", "Only the defined bit of a flags byte is interpreted");
    if (!a.has_alarm && !a.has_cross && !a.read_alarm) {
      c.not_applicable("the adapter reports neither alarm capability, cross capability nor READ_ALARM");
    } else {
      for (const bool bit0 : {false, true}) {
        session s(a, log);
        s.dev.clocks[0].alarm = bit0;  // conforming answer has bit 0 as given, then 0xFE is added
        s.dev.clocks[0].cross = bit0;
        s.dev.clocks[0].alarm_enabled = bit0;
        s.dev.script = [&s](const sent_request& r) -> std::optional<scripted_answer> {
          const auto t = static_cast<msg_type>(load_le<std::uint16_t>(r.bytes, 0));
          if (t == msg_type::read_alarm) {  // answer even for a clock the double has no alarm on
            auto ans = scripted_answer{detail::encoded_bytes(read_alarm_response{
                                           status::ok, 77, s.dev.clocks[0].alarm_enabled ? flag_alarm_enabled : std::uint8_t{0}}),
                                       read_alarm_response::size};
            return apply_fault(response_fault::undefined_flag_bits, t, ans);
          }
          return apply_fault(response_fault::undefined_flag_bits, t, s.dev.conforming_answer(r));
        };
        const driver_outcome st = a.start(s.dev.link(), feature_alarm_mask);
        if (!st.is_ok()) {
          c.fail("probe succeeds", "start: " + describe(st));
          continue;
        }
        const std::string which = bit0 ? "flags 0xFF" : "flags 0xFE";
        if (a.has_alarm && a.has_alarm(0) != std::optional<bool>(bit0))
          c.fail(std::string("CLOCK_CAP ") + which + ": ALARM_CAP " + (bit0 ? "set" : "clear"), "the driver disagrees");
        if (a.has_cross && a.has_cross(0, hw_counter::x86_tsc) != std::optional<bool>(bit0))
          c.fail(std::string("CROSS_CAP ") + which + ": CROSS_CAP " + (bit0 ? "set" : "clear"), "the driver disagrees");
        if (a.read_alarm) {
          const driver_outcome ra = a.read_alarm(0);
          if (ra.is_ok() && ra.flag != bit0)
            c.fail(std::string("READ_ALARM ") + which + ": " + (bit0 ? "enabled" : "disabled"), "got " + describe(ra));
        }
      }
    }
    add(c);
  }
  {
    check c("5.23.6.1/alarm-cap-needs-feature", "5.23.6.1",
            "ALARM_CAP is not interpreted when VIRTIO_RTC_F_ALARM was not negotiated");
    if (!a.has_alarm) {
      c.not_applicable("the adapter does not report alarm capability");
    } else {
      session s(a, log, 0);
      s.dev.script = [&s](const sent_request& r) -> std::optional<scripted_answer> {
        if (static_cast<msg_type>(load_le<std::uint16_t>(r.bytes, 0)) != msg_type::clock_cap) return std::nullopt;
        auto ans = s.dev.conforming_answer(r);
        if (ans.bytes.size() > 10 && ans.bytes[0] == std::byte{0}) ans.bytes[10] = std::byte{flag_alarm_cap};
        return ans;
      };
      const driver_outcome st = a.start(s.dev.link(), 0);
      if (!st.is_ok()) c.fail("probe succeeds", "start: " + describe(st));
      else if (a.has_alarm(0) == std::optional<bool>(true))
        c.fail("no alarm without VIRTIO_RTC_F_ALARM", "the driver takes ALARM_CAP for an alarm");
    }
    add(c);
  }
  {
    check c("5.23.6.5/reading-above-int64-max", "5.23.6.5",
            "Readings are u64 nanoseconds: values above INT64_MAX are represented");
    for (const std::uint64_t v : {(std::uint64_t{1} << 63), ~std::uint64_t{0}}) {
      auto cl = clocks;
      cl[0].reading = v;
      session s(a, log, feature_alarm_mask, cl);
      const driver_outcome o = a.read(0);
      if (!o.is_ok() || o.value != v) c.fail("READ returns " + std::to_string(v), "got " + describe(o));
      if (a.read_cross) {
        const driver_outcome x = a.read_cross(0, hw_counter::x86_tsc);
        if (!x.is_ok() || x.value != v) c.fail("READ_CROSS returns " + std::to_string(v), "got " + describe(x));
      }
    }
    add(c);
  }

  // Notifications. Clock 0 has the alarm, clock 1 has none.
  const bool can_notify = static_cast<bool>(a.handle_notification);
  const auto notification_check = [&](const char* id, const char* title, auto&& body) {
    check c(id, "5.23.6.6.3.1", title);
    if (!can_notify) c.not_applicable("the adapter does not handle notifications");
    else body(c);
    add(c);
  };
  notification_check("5.23.6.6.3.1/notification-reads-clock", "After NOTIF_ALARM the driver reads the clock",
                     [&](check& c) {
                       session s(a, log);
                       s.dev.clocks[0].alarm_time = clocks[0].reading - 1000;
                       s.dev.clocks[0].alarm_enabled = true;
                       const std::size_t before = s.dev.requests.size();
                       const auto n = make_notification(0);
                       const driver_outcome o = s.notify(n);
                       if (s.dev.reads_of(0, before) == 0)
                         c.fail("a READ or READ_CROSS of clock 0", "none was sent (" + describe(o) + ")", &n);
                     });
  notification_check("5.23.6.6.3.1/repeated-notification",
                     "A repeated NOTIF_ALARM is handled again, reading the clock each time", [&](check& c) {
                       session s(a, log);
                       s.dev.clocks[0].alarm_time = clocks[0].reading - 1000;
                       s.dev.clocks[0].alarm_enabled = true;
                       const auto n = make_notification(0);
                       for (int i = 0; i < 3; ++i) {
                         const std::size_t before = s.dev.requests.size();
                         const driver_outcome o = s.notify(n);
                         if (o.answer == driver_answer::failed || (i == 0 && !(o.is_ok() && o.flag)))
                           c.fail("the alarm is acted on", "notification " + std::to_string(i + 1) + ": " + describe(o), &n);
                         if (s.dev.reads_of(0, before) == 0)
                           c.fail("a READ of clock 0", "no READ after notification " + std::to_string(i + 1), &n);
                       }
                     });
  notification_check("5.23.6.6.3.1/stale-notification",
                     "An obsolete NOTIF_ALARM (the clock stepped back before the alarm) is not taken as reached",
                     [&](check& c) {
                       session s(a, log);
                       s.dev.clocks[0].alarm_time = clocks[0].reading + 60'000'000'000;
                       s.dev.clocks[0].alarm_enabled = true;
                       const auto n = make_notification(0);
                       const driver_outcome o = s.notify(n);
                       if (o.is_ok() && o.flag)
                         c.fail("the alarm is not reported reached: the clock reads 60 s before it",
                                "the driver acted on the alarm", &n);
                     });
  notification_check("5.23.6.6.3.1/notification-without-alarm-ignored",
                     "NOTIF_ALARM for a clock without an alarm (or no clock) is not acted on", [&](check& c) {
                       session s(a, log);
                       for (const std::uint16_t id : {std::uint16_t{1}, std::uint16_t{2}, std::uint16_t{3}, std::uint16_t{0xFFFF}}) {
                         const auto n = make_notification(id);
                         const driver_outcome o = s.notify(n);
                         if (o.is_ok() && o.flag)
                           c.fail("not acted on", "clock " + std::to_string(id) + ": " + describe(o), &n);
                       }
                     });
  notification_check("5.23.6.6.3.1/short-notification", "A notification shorter than 16 bytes is not acted on",
                     [&](check& c) {
                       session s(a, log);
                       s.dev.clocks[0].alarm_time = 0;
                       s.dev.clocks[0].alarm_enabled = true;
                       for (const std::uint8_t used : {std::uint8_t{0}, std::uint8_t{2}, std::uint8_t{8}, std::uint8_t{15}}) {
                         const auto n = make_notification(0, notification_fault::short_used_length, used);
                         const driver_outcome o = s.notify(n);
                         if (o.is_ok()) c.fail("rejected", "used length " + std::to_string(used) + ": " + describe(o), &n);
                       }
                     });
  notification_check("5.23.6.6.3.1/unknown-notification-type", "An alarmq message of another msg_type is not acted on",
                     [&](check& c) {
                       session s(a, log);
                       s.dev.clocks[0].alarm_time = 0;
                       s.dev.clocks[0].alarm_enabled = true;
                       for (std::uint8_t p = 0; p < 5; ++p) {
                         const auto n = make_notification(0, notification_fault::unknown_msg_type, p);
                         const driver_outcome o = s.notify(n);
                         if (o.is_ok()) c.fail("rejected", "got " + describe(o), &n);
                       }
                     });
  {
    check c("5.23.6.6.3.1/alarmq-buffer-size", "5.23.6.6.3.1",
            "Each alarmq buffer has device-writable space for any notification (16 bytes)");
    if (!a.alarmq_buffer_size) c.not_applicable("the adapter does not report its alarmq buffer size");
    else if (const std::size_t n = a.alarmq_buffer_size(); n < max_notification_size)
      c.fail("at least 16 bytes", std::to_string(n) + " bytes");
    add(c);
  }

  {  // Requests worth judging: every operation, including counters a driver must not name.
    session s(a, log);
    for (std::uint16_t id = 0; id < clocks.size(); ++id) (void)a.read(id);
    if (a.read_cross)
      for (const unsigned h : {0u, 1u, 2u, 0x80u, 0xEFu, 0xF0u, 0xFEu, 0xFFu})
        (void)a.read_cross(0, static_cast<hw_counter>(h));
    if (a.read_alarm) (void)a.read_alarm(0);
    if (a.set_alarm) {
      (void)a.set_alarm(0, 1'800'000'000'000'000'000, true);
      (void)a.set_alarm(0, 0, false);
    }
  }
  if (a.set_alarm) {  // without F_ALARM no ALARM_ENABLED flag may be sent
    session s(a, log, 0);
    (void)a.set_alarm(0, 1'800'000'000'000'000'000, true);
  }

  // Request checks over the whole log.
  check reserved("5.23.6.1/request-reserved-zero", "5.23.6.1", "Every request has zero reserved bytes");
  check flags("5.23.6.1/request-flags-negotiated", "5.23.6.1",
              "Requests set only flag bits that the negotiated features allow");
  check space("5.23.6.1/writable-space", "5.23.6.1", "Each request has device-writable space for its response");
  check cross_cap("5.23.6.4.1/cross-cap-counter", "5.23.6.4.1",
                  "CROSS_CAP names a defined counter or one in 0xF0..0xFE (never 0xFF or 2..0xEF)");
  check read_cross("5.23.6.5.1/read-cross-counter", "5.23.6.5.1",
                   "READ_CROSS names a defined counter or one in 0xF0..0xFE (never 0xFF or 2..0xEF)");
  std::size_t cross_caps = 0;
  std::size_t read_crosses = 0;
  for (const sent_request& r : log) {
    if (r.bytes.size() < 2) continue;
    const auto t = static_cast<msg_type>(load_le<std::uint16_t>(r.bytes, 0));
    if (request_has_nonzero_reserved(r.bytes))
      reserved.fail("zero reserved bytes", std::string(to_string(t)) + " with a non-zero reserved byte", nullptr, &r);
    if (r.writable_size < response_size(t))
      space.fail(std::to_string(response_size(t)) + " writable bytes",
                 std::string(to_string(t)) + " with " + std::to_string(r.writable_size), nullptr, &r);
    const std::uint8_t allowed = (r.features & feature_alarm_mask) != 0 ? flag_alarm_enabled : 0;
    std::size_t flags_at = 0;
    if (t == msg_type::set_alarm) flags_at = 18;
    if (t == msg_type::set_alarm_enabled) flags_at = 10;
    if (flags_at != 0 && r.bytes.size() > flags_at) {
      const auto f = std::to_integer<std::uint8_t>(r.bytes[flags_at]);
      if ((f & ~allowed) != 0)
        flags.fail("flags within 0x" + std::to_string(allowed),
                   std::string(to_string(t)) + " flags " + std::to_string(f) +
                       ((r.features & feature_alarm_mask) != 0 ? "" : " without VIRTIO_RTC_F_ALARM"),
                   nullptr, &r);
    }
    if ((t == msg_type::cross_cap || t == msg_type::read_cross) && r.bytes.size() > 10) {
      const auto h = static_cast<hw_counter>(std::to_integer<std::uint8_t>(r.bytes[10]));
      check& target = t == msg_type::cross_cap ? cross_cap : read_cross;
      (t == msg_type::cross_cap ? cross_caps : read_crosses) += 1;
      if (!may_be_requested(h))
        target.fail("hw_counter 0, 1 or 0xF0..0xFE", "hw_counter " + std::to_string(static_cast<unsigned>(h)), nullptr, &r);
    }
  }
  if (cross_caps == 0 && cross_cap.r.outcome == verdict::pass) cross_cap.not_applicable("the driver sent no CROSS_CAP");
  if (read_crosses == 0 && read_cross.r.outcome == verdict::pass) read_cross.not_applicable("the driver sent no READ_CROSS");
  add(reserved);
  add(flags);
  add(space);
  add(cross_cap);
  add(read_cross);
  return rep;
}

}  // namespace conformance
VRTC_END_NAMESPACE
