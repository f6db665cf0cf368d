// Fuzz target for leap smearing: any leap second (valid or not, up to the top of the u64 range),
// either method and sign, and any true or smeared instant, mostly placed inside the window.
// smear and unsmear fail only with errc::invalid_argument, and whenever they succeed:
//   - unsmear(smear(t)) is the earliest instant with that reading, so smearing it again gives
//     the same reading, and for a negative leap second it is t itself;
//   - smear(unsmear(s)) >= s, with equality for a positive leap second;
//   - outside the window both are the identity.
//
// Input (little-endian, missing bytes read as zero):
//   [0, 8)   leap second: day number, or the raw end_of_day when flag bit 3 is set
//   [8]      flags: 0 negative, 1 UTC-SLS, 2 in_leap_second, 3 raw end_of_day, 4 place near the leap
//   [9, 17)  seconds (an offset into the window when flag bit 4 is set)
//   [17, 25) fraction
#include <vrtc/core/leap.hpp>
#include <vrtc/core/smear.hpp>
#include <vrtc/core/time.hpp>

#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"

namespace {

using vrtc_fuzz::require;
using vrtc_fuzz::word;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::uint64_t day_or_raw = word(data, size, 0);
  const unsigned flags = size > 8 ? data[8] : 0u;
  const std::uint64_t sec_raw = word(data, size, 9);
  const std::uint64_t frac = word(data, size, 17);

  const vrtc::leap_second leap{(flags & 8u) != 0 ? day_or_raw : (day_or_raw % (UINT64_MAX / 86400)) * 86400,
                               (flags & 1u) != 0 ? vrtc::leap_sign::negative : vrtc::leap_sign::positive};
  const auto method = (flags & 2u) != 0 ? vrtc::smear_method::utc_sls : vrtc::smear_method::noon_linear;
  const auto window = vrtc::window_of(leap, method);
  std::uint64_t sec = sec_raw;
  if ((flags & 16u) != 0 && window) sec = window->start - 1 + sec_raw % (window->length + 3);
  const vrtc::utc_time t{{sec, frac}, (flags & 4u) != 0};
  const vrtc::fixed_time reading{sec, frac};

  if (!window) {
    require(vrtc::smear(t, leap, method) == vrtc::errc::invalid_argument);
    require(vrtc::unsmear(reading, leap, method) == vrtc::errc::invalid_argument);
    return 0;
  }
  const bool positive = leap.sign == vrtc::leap_sign::positive;
  const bool outside = sec < window->start || sec >= window->start + window->length;

  const auto s = vrtc::smear(t, leap, method);
  if (!s) {
    require(s.error() == vrtc::errc::invalid_argument);
  } else {
    if (outside && !t.in_leap_second) require(*s == t.posix);
    const auto back = vrtc::unsmear(*s, leap, method);
    require(back.has_value());
    const auto again = vrtc::smear(*back, leap, method);
    require(again.has_value() && *again == *s);
    if (!positive) require(*back == t);
  }

  const auto u = vrtc::unsmear(reading, leap, method);
  require(u.has_value());  // every reading of a valid leap second has a true instant
  if (outside) require(*u == vrtc::utc_time{reading, false});
  const auto forward = vrtc::smear(*u, leap, method);
  require(forward.has_value());
  require(reading <= *forward);
  if (positive) require(*forward == reading);
  return 0;
}
