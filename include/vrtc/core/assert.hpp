// vrtc: VRTC_ASSERT, the check of a caller's contract (value() on an error, error() on a value).
//
// Bad input is never a contract violation: it is an errc in a result. A contract violation is a
// bug in the calling code, so a checked build stops at once with the place and the expression
// instead of reading a value that is not there. This is the only way library code aborts.
//
// Checked builds: NDEBUG undefined (a Debug build), or VRTC_ENABLE_ASSERTS defined (the project's
// sanitizer presets and its unit tests define it). Elsewhere the check costs nothing at run
// time. In a constant expression a failed check is always a compile error: the failure path
// calls a function that is not constexpr.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <type_traits>

#include "vrtc/core/config.hpp"

#if defined(VRTC_ENABLE_ASSERTS) || !defined(NDEBUG)
#define VRTC_ASSERTS_ENABLED 1
#else
#define VRTC_ASSERTS_ENABLED 0
#endif

VRTC_BEGIN_NAMESPACE
namespace detail {

/// Prints "file:line: vrtc assertion failed: expr" to stderr and aborts. Not constexpr on
/// purpose: reaching it during constant evaluation makes the expression ill-formed.
[[noreturn]] inline void assert_failed(const char* expr, const char* file, int line) noexcept {
  std::fprintf(stderr, "%s:%d: vrtc assertion failed: %s\n", file, line, expr);
  std::fflush(stderr);
  std::abort();
}

}  // namespace detail
VRTC_END_NAMESPACE

#if VRTC_ASSERTS_ENABLED
#define VRTC_ASSERT(expr) \
  (static_cast<bool>(expr) ? static_cast<void>(0) : ::vrtc::detail::assert_failed(#expr, __FILE__, __LINE__))
#else
// Unchecked at run time (the condition is not evaluated), still checked in constant expressions.
#define VRTC_ASSERT(expr)                                           \
  ((std::is_constant_evaluated() && !static_cast<bool>(expr))       \
       ? ::vrtc::detail::assert_failed(#expr, __FILE__, __LINE__)   \
       : static_cast<void>(0))
#endif
