// Must not compile: value() of a result that holds an error, in a constant expression. The
// contract holds in constant evaluation even with NDEBUG, where VRTC_ASSERT is otherwise off.
#define NDEBUG 1
#include "vrtc/core/result.hpp"

namespace {

constexpr vrtc::result<int> half(int x) {
  if (x % 2 != 0) return vrtc::errc::invalid_argument;
  return x / 2;
}

static_assert(half(8).value() == 4);
static_assert(half(7).error() == vrtc::errc::invalid_argument);
#ifdef VRTC_COMPILE_FAIL
// Without the check this would read the default-constructed value (0) kept beside the error.
static_assert(half(7).value() == 0);
#endif

}  // namespace

int main() { return 0; }
