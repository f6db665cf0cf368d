// The examples of docs/device.md and docs/driver.md, compiled and run. Each example is the code
// between its markers below; a test checks that the document shows exactly that code.
#include <vrtc/format/messages.hpp>
#include <vrtc/roles/clocks.hpp>
#include <vrtc/roles/device.hpp>
#include <vrtc/roles/driver.hpp>
#include <vrtc/roles/in_memory_transport.hpp>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// The lines between "// [name]" and "// [name end]" in this file, without the common indent.
std::string region(const std::string& name) {
  const std::string src = slurp(std::string(VRTC_TEST_DATA_DIR) + "/role_examples_test.cpp");
  const std::string open = "// [" + name + "]\n", close = "// [" + name + " end]";
  const auto a = src.find(open);
  const auto b = src.find(close);
  if (a == std::string::npos || b == std::string::npos) return "(missing)";
  std::string body = src.substr(a + open.size(), b - a - open.size());
  // Drop the two-space indent of the test body and the indent before the closing marker.
  std::string out;
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) out += (line.rfind("  ", 0) == 0 ? line.substr(2) : line) + "\n";
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out + "\n";
}

}  // namespace

TEST_CASE("docs device.md example") {
  std::string log;
  // [device example]
  // Two simulated clocks driven by the reference time `now`: TAI, and MONOTONIC
  // with an alarm. Real devices use host_clock (host_clocks.hpp) or their own backends.
  vrtc::simulated_clock tai({vrtc::clock_type::tai}, 1'700'000'037'000'000'000);
  vrtc::simulated_clock mono({vrtc::clock_type::monotonic, vrtc::smearing::unspecified, true});
  const std::array<vrtc::clock_ref, 2> clocks{vrtc::clock_ref(tai), vrtc::clock_ref(mono)};
  vrtc::device dev(clocks);

  // Feature negotiation and DRIVER_OK, as the virtio transport reports them.
  dev.set_negotiated_features(dev.offered_features());
  dev.set_driver_ok();

  // A requestq element: READ of clock 0 at reference time 5 s.
  vrtc::reference_time now(5'000'000'000);
  const auto request = vrtc::encode(vrtc::read_request{0});
  std::array<std::byte, 16> response{};
  std::size_t used = dev.handle(request, response, now);  // mark the element used with this
  log += "READ used " + std::to_string(used) + "\n";

  // SET_ALARM on clock 1 for 7 s, enabled; then let the host loop drive the alarm.
  std::array<std::byte, 8> ack{};
  used = dev.handle(vrtc::encode(vrtc::set_alarm_request{7'000'000'000, 1, vrtc::flag_alarm_enabled}), ack, now);
  if (const auto deadline = dev.next_deadline(now)) now = *deadline;  // sleep until then
  dev.advance(now);
  std::array<std::byte, 16> alarmq_buffer{};
  while (const std::size_t n = dev.write_notification(alarmq_buffer))
    log += "NOTIF_ALARM used " + std::to_string(n) + " at " + std::to_string(now.ns()) + "\n";
  // [device example end]
  CHECK(log == "READ used 16\nNOTIF_ALARM used 16 at 7000000000\n");
  CHECK(response[0] == std::byte{0});
  CHECK(vrtc::decode<vrtc::read_response>(response)->clock_reading == 1'700'000'042'000'000'000);
  CHECK(used == 8);
}

TEST_CASE("docs driver.md example") {
  vrtc::simulated_clock tai({vrtc::clock_type::tai}, 1'700'000'037'000'000'000);
  vrtc::simulated_clock mono({vrtc::clock_type::monotonic, vrtc::smearing::unspecified, true});
  const std::array<vrtc::clock_ref, 2> clocks{vrtc::clock_ref(tai), vrtc::clock_ref(mono)};
  vrtc::device dev(clocks);
  dev.set_negotiated_features(vrtc::feature_alarm_mask);
  dev.set_driver_ok();
  vrtc::in_memory_transport link(dev);
  std::string log;
  // [driver example]
  // `link` is any type with result<std::size_t> transfer(request, response): here the
  // in-memory transport to a device; in a guest, a virtqueue.
  vrtc::driver drv(link, {.features = vrtc::feature_alarm_mask});
  if (auto probed = drv.probe(); !probed) return;  // probed.error(): why
  for (const vrtc::clock_info& c : drv.clocks()) {
    const auto reading = drv.read(c.clock_id);
    log += std::string(c.name.c_str()) + ": " + (reading ? std::to_string(*reading) : vrtc::to_string(reading.error())) + "\n";
  }

  // An alarm in 2 s on the MONOTONIC clock; its notification arrives on the alarmq.
  const vrtc::clock_info* mono_clock = drv.find(vrtc::clock_type::monotonic);
  if (mono_clock == nullptr || !mono_clock->alarm) return;
  const std::uint64_t due = *drv.read(mono_clock->clock_id) + 2'000'000'000;
  if (auto set = drv.set_alarm(mono_clock->clock_id, due, true); !set) return;
  link.advance_to(vrtc::reference_time(2'000'000'000));  // the device's time moves on
  std::array<std::byte, 16> buffer{};
  while (const std::size_t used = link.poll_alarmq(buffer)) {
    // Validated, and the clock read afresh: act on e->reached(), not on the notification.
    const auto e = drv.handle_notification(std::span<const std::byte>(buffer).first(used));
    if (e && e->reached()) log += "alarm on clock " + std::to_string(e->clock_id) + "\n";
  }
  (void)drv.set_alarm_enabled(mono_clock->clock_id, false);
  // [driver example end]
  CHECK(log ==
        "Virtio PTP type 1/variant 0: 1700000037000000000\n"
        "Virtio PTP type 2/variant 0: 0\n"
        "alarm on clock 1\n");
}

TEST_CASE("docs device.md and driver.md show the compiled examples") {
  const std::string docs = std::string(VRTC_TEST_DATA_DIR) + "/../docs/";
  const std::string device_md = slurp(docs + "device.md");
  const std::string driver_md = slurp(docs + "driver.md");
  CHECK(device_md.find(region("device example")) != std::string::npos);
  CHECK(driver_md.find(region("driver example")) != std::string::npos);
}
