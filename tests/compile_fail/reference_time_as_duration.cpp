// Must not compile: a reference instant passed where a duration is expected. An instant plus
// an instant means nothing; an instant plus a duration is another instant.
#include "vrtc/core/time.hpp"

int main() {
  const vrtc::reference_time now(1'000);
#ifdef VRTC_COMPILE_FAIL
  const vrtc::reference_time later = now + now;
#else
  const vrtc::reference_time later = now + vrtc::nanosecond_count(1'000);
#endif
  return later.ns() == 2'000 ? 0 : 1;
}
