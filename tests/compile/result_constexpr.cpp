// Compiled, not run, by the result.constexpr_* tests: constant evaluation obeys the result
// contract even with NDEBUG. VRTC_VIOLATE_CONTRACT adds a read of value() on an error, which
// must stop the compilation in VRTC_ASSERT.
#include <vrtc/core/result.hpp>

namespace {

constexpr vrtc::result<int> half(int x) {
  if (x % 2 != 0) return vrtc::errc::invalid_argument;
  return x / 2;
}

static_assert(half(8).value() == 4);
static_assert(half(7).error() == vrtc::errc::invalid_argument);
#ifdef VRTC_VIOLATE_CONTRACT
// Without the check this would read the default-constructed value (0) kept beside the error.
static_assert(half(7).value() == 0);
#endif

}  // namespace
