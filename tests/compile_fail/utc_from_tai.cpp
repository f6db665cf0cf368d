// Must not compile: a UTC instant assigned from a TAI instant. The scales differ by TAI - UTC
// (tens of seconds); only to_utc, which takes the offset, crosses them.
#include "vrtc/core/time.hpp"

int main() {
  const vrtc::tai_instant tai(vrtc::fixed_time{1'483'228'837, 0});
  vrtc::utc_instant utc;
#ifdef VRTC_COMPILE_FAIL
  utc = tai;
#else
  utc = vrtc::to_utc(tai, -37).value();
#endif
  return utc.time.sec == 1'483'228'800 ? 0 : 1;
}
