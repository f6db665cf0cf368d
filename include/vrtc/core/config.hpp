// vrtc: library-wide configuration, version and namespace macros.
#pragma once

#define VRTC_VERSION_MAJOR 0
#define VRTC_VERSION_MINOR 1
#define VRTC_VERSION_PATCH 0

// Everything lives in an inline namespace named after the ABI version, so two copies of the
// library with incompatible layouts cannot be mixed in one program without a link error.
#define VRTC_BEGIN_NAMESPACE \
  namespace vrtc {           \
  inline namespace v0 {
#define VRTC_END_NAMESPACE \
  }                        \
  }

// 128-bit integer support of the compiler (GCC and Clang on 64-bit targets). The portable
// two-word path is always compiled too; this only selects the fast path.
#if defined(__SIZEOF_INT128__) && !defined(VRTC_NO_INT128)
#define VRTC_HAS_INT128 1
#else
#define VRTC_HAS_INT128 0
#endif

// Forces the inlining of a lambda where a call would cost the hot path (the vmclock field
// loops and the reader's sample). A lambda's attributes after its parameter list belong to its type, where a standard
// [[gnu::always_inline]] is ignored; GCC and Clang take their own spelling there.
#if defined(__GNUC__)
#define VRTC_LAMBDA_ALWAYS_INLINE __attribute__((always_inline))
#else
#define VRTC_LAMBDA_ALWAYS_INLINE
#endif
