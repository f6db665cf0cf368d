// Must not compile: a count of whole seconds compared with a count of nanoseconds. Each unit
// is its own quantity type; the conversion is a named function.
#include "vrtc/core/time.hpp"

int main() {
  const vrtc::whole_seconds s(2);
  const vrtc::nanosecond_count ns(2);
#ifdef VRTC_COMPILE_FAIL
  return s == ns ? 0 : 1;
#else
  return s == vrtc::whole_seconds(ns.count / vrtc::nanoseconds_per_second) ? 1 : 0;
#endif
}
