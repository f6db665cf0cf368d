// Concurrency test for the vhost-user path: the conformance kit's front-end in this thread and
// vrtc's session in another share memfd guest memory, rings and eventfds, as a VMM and a
// back-end do. Under ThreadSanitizer a missing acquire or release between the two shows up as
// a race on the rings or buffers; everywhere, every answer must be a valid READ response whose
// MONOTONIC readings never go back, and the transport checks must pass.
#include <vrtc/conformance/linux/vhost_user_frontend.hpp>
#include <vrtc/conformance/linux/vhost_user_suite.hpp>
#include <vrtc/format/messages.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "vhost_user_support.hpp"

namespace {

#ifdef VRTC_TEST_SANITIZED
constexpr int requests = 300;
#else
constexpr int requests = 3000;
#endif

}  // namespace

TEST_CASE("a front-end and vrtc's session in two threads exchange READs through shared rings") {
  vrtc_test::backend_thread backend;
  vrtc::conformance::vhost_user_frontend f;
  REQUIRE(f.adopt(backend.frontend_socket()));
  REQUIRE(f.probe());
  REQUIRE(f.start(f.offered_features() & vrtc::conformance::vhost_user_frontend::device_feature_mask));

  const auto request = vrtc::encode(vrtc::read_request{.clock_id = 1});  // the MONOTONIC clock
  vrtc::conformance::chain_spec spec;
  spec.readable = {std::vector<std::byte>(request.begin(), request.end())};
  spec.writable = {vrtc::read_response::size};
  std::uint64_t last = 0;
  int good = 0;
  for (int i = 0; i < requests; ++i) {
    spec.indirect = (i % 3 == 0) && f.offers(vrtc::virtq::feature_indirect_desc);
    const auto answer = f.transact(spec);
    REQUIRE(answer);
    const auto r = vrtc::decode<vrtc::read_response>(answer->writable);
    if (r && r->status == vrtc::status::ok && r->clock_reading >= last) ++good;
    if (r) last = r->clock_reading;
  }
  INFO(f.error());
  CHECK(good == requests);

  const auto transport = vrtc::conformance::run_vhost_user_checks(f, 100);
  REQUIRE(f.ok());
  CHECK(transport.failed_ids().empty());
}
