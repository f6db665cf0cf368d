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
