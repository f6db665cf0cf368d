// Fuzz target: the driver robustness kit's faults (include/vrtc/conformance/driver_kit.hpp) at
// positions the input chooses, against this library's driver (driver.hpp).
//
// The device double answers every request conformingly unless the input spoils it with one of
// the kit's response faults; the driver probes, reads, cross-reads, reads and sets alarms and
// handles generated notifications, in the order the input says. The driver must never crash,
// never report success for a malformed response (error status, short OK, unknown status), and
// for a spoiled but valid response (reserved bytes, undefined flag bits) report exactly the
// conforming values. Every request it sends has zero reserved bytes, room for its response,
// allowed flags and a counter id it may name.
#include <vrtc/conformance/driver_kit.hpp>
#include <vrtc/conformance/generate.hpp>
#include <vrtc/roles/driver.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace {

using namespace vrtc;
using namespace vrtc::conformance;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

msg_type type_of(const sent_request& r) { return static_cast<msg_type>(load_le<std::uint16_t>(r.bytes, 0)); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz_input in(data, size);
  const bool alarm = (in.u8() & 1) != 0;
  std::vector<double_clock> clocks = conformance::detail::standard_clocks();
  clocks[0].reading = in.u64();  // anywhere in the u64 range
  device_double dev(clocks, alarm ? feature_alarm_mask : 0);

  // For each request: a fault (or none) chosen by the input; the last one is remembered.
  std::optional<response_fault> last_fault;
  dev.script = [&](const sent_request& r) -> std::optional<scripted_answer> {
    last_fault.reset();
    if (in.u8() % 4 != 0) return std::nullopt;  // mostly conforming, so that probes get through
    const auto f = static_cast<response_fault>(in.u8() % response_fault_count);
    last_fault = f;
    return apply_fault(f, type_of(r), dev.conforming_answer(r), in.u8());
  };

  driver<device_double> drv(dev, {.features = alarm ? feature_alarm_mask : 0});
  for (unsigned step = 0; !in.empty() && step < 32; ++step) {
    const std::size_t before = dev.requests.size();
    const unsigned op = in.u8() % 7;
    const auto id = static_cast<std::uint16_t>(in.u8() % 4);  // clock 3 does not exist
    const auto single = [&] { return dev.requests.size() == before + 1; };
    const auto malformed = [&] { return last_fault && is_malformed(*last_fault); };
    switch (op) {
      case 0: {
        const auto p = drv.probe();
        if (p) {
          check(drv.clocks().size() == dev.clocks.size());
          for (const clock_info& c : drv.clocks()) check(c.alarm == (alarm && dev.clocks[c.clock_id].alarm));
        }
        break;
      }
      case 1: {
        const auto r = drv.read(id);
        if (!single()) break;
        if (malformed()) check(!r);
        if (!malformed() && id < dev.clocks.size()) check(r.has_value());  // benign faults change nothing
        if (r) check(id < dev.clocks.size() && *r == dev.clocks[id].reading);
        break;
      }
      case 2: {
        const auto h = static_cast<hw_counter>(in.u8());
        const auto r = drv.read_cross(id, h);
        if (!single()) {
          check(!may_be_requested(h) && !r);
          break;
        }
        if (malformed()) check(!r);
        if (!malformed() && id < dev.clocks.size() && dev.clocks[id].cross && is_spec_defined(h)) check(r.has_value());
        if (r) check(id < dev.clocks.size() && r->clock_reading == dev.clocks[id].reading &&
                     r->counter_cycles == dev.clocks[id].counter_cycles);
        break;
      }
      case 3: {
        const auto r = drv.read_alarm(id);
        if (!single()) {
          check(!alarm && r == errc::not_supported);
          break;
        }
        if (malformed()) check(!r);
        if (!malformed() && id < dev.clocks.size() && dev.clocks[id].alarm) check(r.has_value());
        if (r) check(id < dev.clocks.size() && r->alarm_time == dev.clocks[id].alarm_time && r->enabled == dev.clocks[id].alarm_enabled);
        break;
      }
      case 4: {
        const auto r = drv.set_alarm(id, in.u64(), (in.u8() & 1) != 0);
        if (single() && malformed()) check(!r);
        break;
      }
      case 5: {
        const auto r = drv.set_alarm_enabled(id, (in.u8() & 1) != 0);
        if (single() && malformed()) check(!r);
        break;
      }
      case 6: {
        const generated_notification n = generate_notification(in, static_cast<std::uint16_t>(dev.clocks.size()));
        const auto e = drv.handle_notification(std::span<const std::byte>(n.answer.bytes).first(n.answer.used));
        if (n.malformed) check(!e);
        if (e) {
          check(n.clock_id < dev.clocks.size() && dev.clocks[n.clock_id].alarm && alarm);
          check(e->clock_reading == dev.clocks[n.clock_id].reading);  // read afresh
        }
        break;
      }
    }
  }

  for (const sent_request& r : dev.requests) {
    check(r.bytes.size() >= header_size);
    const msg_type t = type_of(r);
    check(is_request(t));
    check(r.bytes.size() == request_size(t));
    check(!request_has_nonzero_reserved(r.bytes));
    check(r.writable_size >= response_size(t));
    if (is_alarm_request(t)) check(alarm);
    if (t == msg_type::read_cross || t == msg_type::cross_cap)
      check(may_be_requested(static_cast<hw_counter>(std::to_integer<std::uint8_t>(r.bytes[10]))));
  }
  return 0;
}
