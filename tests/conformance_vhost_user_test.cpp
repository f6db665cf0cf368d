// The conformance kit's vhost-user front-end against vrtc's session (vhost_user::backend) in
// another thread, over a socketpair: the device suite and the transport checks through real
// rings, and bounded waits when a back-end does not answer.
#include <vrtc/conformance/device_suite.hpp>
#include <vrtc/conformance/linux/vhost_user_frontend.hpp>
#include <vrtc/conformance/linux/vhost_user_suite.hpp>
#include <vrtc/conformance/reference_device.hpp>
#include <vrtc/linux/host_clocks.hpp>
#include <vrtc/linux/vhost_user_backend.hpp>
#include <vrtc/roles/device.hpp>

#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "vhost_user_support.hpp"

using namespace vrtc;
using namespace vrtc::conformance;

namespace {

using vrtc_test::backend_thread;

std::set<std::string> ids_with(const report& r, verdict v) {
  std::set<std::string> out;
  for (const auto& c : r.results)
    if (c.outcome == v) out.insert(c.id);
  return out;
}

}  // namespace

TEST_CASE("conformance_vhost_user: vrtc's session passes the device suite and the transport checks through real rings") {
  backend_thread backend;
  vhost_user_frontend f;
  REQUIRE(f.adopt(backend.frontend_socket()));
  REQUIRE(f.probe());
  REQUIRE(f.start(f.offered_features() & vhost_user_frontend::device_feature_mask));
  const report device = run_device_suite(vhost_user_device(f, 100));
  INFO(f.error());
  REQUIRE(f.ok());
  for (const auto& c : device.results)
    if (c.outcome == verdict::fail) UNSCOPED_INFO(c.id << ": " << c.expected << " / " << c.detail);
  CHECK(device.failed_ids().empty());
  // What a real back-end cannot offer a front-end, and what these two clocks do not have.
  CHECK(ids_with(device, verdict::not_applicable) ==
        std::set<std::string>{"5.23.6.6.1/expire-on-clock-step", "5.23.6.6.1/expire-again-after-step-back",
                              "5.23.6.5.2/cross-counter-nondecreasing", "5.23.6.4.2/smearing-variant-valid"});
  const report transport = run_vhost_user_checks(f, 100);
  REQUIRE(f.ok());
  CHECK(transport.results.size() == std::size(vhost_user_checks));
  CHECK(transport.failed_ids().empty());
  CHECK(transport.not_applicable() == 0);
}

TEST_CASE("conformance_vhost_user: a back-end that never uses a requestq chain is an error within the timeout") {
  backend_thread backend(false);
  vhost_user_frontend_options options;
  options.timeout_ms = 200;
  vhost_user_frontend f(options);
  REQUIRE(f.adopt(backend.frontend_socket()));
  REQUIRE(f.start(0));
  chain_spec cfg;
  const auto bytes = encode(cfg_request{});
  cfg.readable.emplace_back(bytes.begin(), bytes.end());
  cfg.writable = {cfg_response::size};
  const auto start = std::chrono::steady_clock::now();
  CHECK(!f.transact(cfg));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(f.error() == "no answer on requestq within 200 ms");
  CHECK(!f.transact(cfg));  // sticky: nothing more is tried
}

TEST_CASE("conformance_vhost_user: a back-end that never replies to a control request is an error within the timeout") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  vhost_user_frontend_options options;
  options.timeout_ms = 200;
  vhost_user_frontend f(options);
  REQUIRE(f.adopt(sv[0]));
  const auto start = std::chrono::steady_clock::now();
  CHECK(!f.probe());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(f.error() == "no reply to GET_FEATURES within 200 ms");
  ::close(sv[1]);
}

TEST_CASE("conformance_vhost_user: a transport error fails every transport check with the reason") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  ::close(sv[1]);  // the back-end is gone
  vhost_user_frontend_options options;
  options.timeout_ms = 200;
  vhost_user_frontend f(options);
  REQUIRE(f.adopt(sv[0]));
  CHECK(!f.probe());
  const report r = run_vhost_user_checks(f, 20);
  CHECK(r.failed() == std::size(vhost_user_checks));
  for (const auto& c : r.results) CHECK(c.detail == f.error());
}

// The suite's real-time branches, deterministic: the reference device's time passes only in
// `wait`, and `real_time` reads it, as a back-end in real time would be seen.
namespace {
device_under_test real_time_view(reference_device& dev, std::uint64_t& clock) {
  device_under_test d = dev.under_test();
  auto advance = d.advance;
  d.advance = nullptr;
  d.step = nullptr;
  d.real_time = [&clock] { return clock; };
  d.wait = [&clock, advance](std::uint64_t ns) {
    clock += ns;
    advance(ns);
  };
  return d;
}
}  // namespace

TEST_CASE("conformance_vhost_user: with real-time hooks the reference device passes the timing checks") {
  reference_device dev{reference_options{}};
  std::uint64_t clock = 0;
  const report r = run_device_suite(real_time_view(dev, clock));
  CHECK(r.failed_ids().empty());
  CHECK(ids_with(r, verdict::not_applicable) ==
        std::set<std::string>{"5.23.6.6.1/expire-on-clock-step", "5.23.6.6.1/expire-again-after-step-back"});
  CHECK(clock > 0);  // the suite waited
  CHECK(clock < 10'000'000'000ULL);
}

TEST_CASE("conformance_vhost_user: with real-time hooks a late alarm and a wrong reading unit fail their checks") {
  std::uint64_t clock = 0;
  reference_options late;
  late.broken = fault::alarm_noticed_only_on_request;
  reference_device late_dev{late};
  CHECK(run_device_suite(real_time_view(late_dev, clock)).failed_ids() ==
        std::vector<std::string>{"5.23.6.6.1/expire-on-clock-progress", "5.23.6.5.2/no-reading-before-notified-alarm"});
  reference_options micro;
  micro.broken = fault::readings_in_microseconds;
  reference_device micro_dev{micro};
  CHECK(run_device_suite(real_time_view(micro_dev, clock)).failed_ids() ==
        std::vector<std::string>{"5.23.6.5.2/reading-unit-nanoseconds"});
}
