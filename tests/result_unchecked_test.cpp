// result<T, E> in a build without contract checks (NDEBUG, no VRTC_ENABLE_ASSERTS), as a release
// build of a user's program sees it: VRTC_ASSERT evaluates nothing at run time, and a broken
// contract on a side-by-side result reads what is stored (it never aborts).
#undef VRTC_ENABLE_ASSERTS
#ifndef NDEBUG
#define NDEBUG 1
#endif

#include <vrtc/core/result.hpp>

#include <catch2/catch.hpp>

TEST_CASE("without checks VRTC_ASSERT costs nothing at run time", "[result][assert]") {
  STATIC_REQUIRE(VRTC_ASSERTS_ENABLED == 0);
  int evaluated = 0;
  VRTC_ASSERT(++evaluated == 1);
  REQUIRE(evaluated == 0);

  // The side-by-side layout keeps a value-initialised value beside an error and errc{} beside
  // a value: what an unchecked build reads when the contract is broken.
  const vrtc::result<int> bad = vrtc::errc::overflow;
  const vrtc::result<int> good = 7;
  REQUIRE(bad.value() == 0);
  REQUIRE(good.error() == vrtc::errc{});
}
