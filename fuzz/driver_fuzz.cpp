// Fuzz target: the virtio-rtc driver's response and notification parsing.
//
// Input: a selector, a used length, and bytes that a (hostile) device writes into the driver's
// response buffers and alarmq buffer. The driver probes this device, sends one request of every
// kind, and parses a notification. It must never crash or read past the bytes it was given, and
// its verdicts must follow §5.23.6.1: a value only from an OK status with the full response
// size; a device error only with at least 8 used bytes; an unknown status maps to EIO.
#include <vrtc/format/messages.hpp>
#include <vrtc/roles/driver.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace {

using namespace vrtc;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

/// A device that answers each request with the next chunk of the fuzz input.
struct hostile_transport {
  const std::uint8_t* p;
  std::size_t n;
  std::size_t last_used = 0;
  std::uint8_t last_status = 0;

  std::uint8_t byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }

  result<std::size_t> transfer(std::span<const std::byte>, std::span<std::byte> response) {
    if (n == 0) return errc::transport_error;  // the device fell silent: keeps probes short
    const std::uint8_t control = byte();
    if (control == 0xEE) return errc::transport_error;
    // Mostly honest lengths, sometimes anything.
    std::size_t used = (control & 0x80) != 0 ? control & 0x3F : response.size();
    if ((control & 0x40) != 0 && used >= 1) used = used > 8 ? 8 : used;
    const std::size_t fill = used < response.size() ? used : response.size();
    for (std::size_t i = 0; i < fill; ++i) response[i] = std::byte{byte()};
    if ((control & 0x20) == 0 && fill > 0) response[0] = std::byte{0};  // favour OK
    last_used = used;
    last_status = response.empty() ? 0 : std::to_integer<std::uint8_t>(response[0]);
    return used;
  }
};

/// Checks a driver verdict against the bytes the device produced.
template <class T>
void check_verdict(const result<T>& r, const hostile_transport& t, std::size_t response_size) {
  if (r.has_value()) {
    check(t.last_status == 0);
    check(t.last_used >= response_size && t.last_used <= response_size);
    return;
  }
  switch (r.error()) {
    case errc::device_eopnotsupp: check(t.last_status == 2 && t.last_used >= 8); break;
    case errc::device_enodev: check(t.last_status == 3 && t.last_used >= 8); break;
    case errc::device_einval: check(t.last_status == 4 && t.last_used >= 8); break;
    case errc::device_eio:
      check(t.last_used >= 8 && t.last_status != 0 && t.last_status != 2 && t.last_status != 3 && t.last_status != 4);
      break;
    case errc::bad_response:
      check(t.last_used < 8 || t.last_used > response_size || (t.last_status == 0 && t.last_used < response_size));
      break;
    case errc::transport_error: break;
    default: check(false);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  hostile_transport t{data + 1, size - 1};
  driver<hostile_transport> d(t, {.features = (data[0] & 1) != 0 ? feature_alarm_mask : 0});

  // A probe against a hostile device: bounded by the input (each answer consumes a byte).
  const auto probed = d.probe();
  if (probed) {
    for (const clock_info& c : d.clocks()) {
      check(c.alarm == false || d.alarm_negotiated());
      check(c.name.text.back() == '\0');
    }
  } else {
    check(d.clocks().empty());
  }

  const auto r = d.read(1);
  check_verdict(r, t, read_response::size);
  const auto x = d.read_cross(0, hw_counter::x86_tsc);
  check_verdict(x, t, read_cross_response::size);
  if (d.alarm_negotiated()) {
    const auto a = d.read_alarm(0);
    check_verdict(a, t, read_alarm_response::size);
    const auto sa = d.set_alarm(0, 12345, true);
    check_verdict(sa, t, set_alarm_response::size);
    const auto se = d.set_alarm_enabled(0, false);
    check_verdict(se, t, set_alarm_enabled_response::size);
  }

  // parse_response on the remaining bytes, for every response type.
  const std::span<const std::byte> rest(reinterpret_cast<const std::byte*>(t.p), t.n);
  for (std::size_t used : {rest.size(), rest.size() / 2, std::size_t{8}, std::size_t{100}}) {
    const auto a = driver<hostile_transport>::parse_response<clock_cap_response>(rest, used);
    if (a) check(used >= clock_cap_response::size && used <= rest.size() && rest[0] == std::byte{0});
    const auto b = driver<hostile_transport>::parse_response<read_alarm_response>(rest, used);
    if (b) check(used >= read_alarm_response::size && used <= rest.size());
    const auto c = driver<hostile_transport>::parse_response<set_alarm_response>(rest, used);
    if (c) check(used >= 8 && used <= rest.size());
  }

  // A notification made of the remaining bytes.
  const auto e = d.handle_notification(rest);
  if (e) {
    check(rest.size() >= notif_alarm::size);
    check(load_le<std::uint16_t>(rest, 0) == 0x2000);
    const clock_info* c = d.clock(e->clock_id);
    check(c != nullptr && c->alarm);
  }
  return 0;
}
