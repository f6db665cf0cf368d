// vmclock: the shared-page ABI — field offsets, constants, and a host-order value type.
//
// The structure is 112 bytes of little-endian, naturally aligned fields at the start of a
// region (normally one page) that the hypervisor updates under a seqlock. The Linux uapi header
// include/uapi/linux/vmclock-abi.h is the canonical layout; where the v1.0 specification table
// differs (offset of vm_generation_counter, flag bit numbers, the sign of tai_offset_sec), the
// header wins. Bytes are read and written only at the explicit offsets below, never through a
// struct overlay.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"

VRTC_BEGIN_NAMESPACE
namespace vmclock {

/// "VCLK" as it appears in memory.
inline constexpr std::uint32_t magic_value = 0x4b4c4356;
/// The only version defined; new fields are appended and announced by flag bits instead.
inline constexpr std::uint16_t version_value = 1;
/// sizeof(struct vmclock_abi) with every field this library knows.
inline constexpr std::size_t abi_size = 112;
/// The smallest region a reader accepts: everything through `flags` (the Linux driver's rule).
inline constexpr std::size_t min_size = 32;
/// The usual region size published by devices (one 4 KiB page).
inline constexpr std::uint32_t page_region_size = 0x1000;

/// Where a field lives in the structure.
struct field_layout {
  std::size_t offset;
  std::size_t size;
  /// The end of the field: the smallest `size` that makes it present.
  [[nodiscard]] constexpr std::size_t end() const noexcept { return offset + size; }
};

/// Every field of the structure, at its offset (little-endian; types in the comments).
namespace fields {
inline constexpr field_layout magic{0x00, 4};                                   // le32
inline constexpr field_layout size{0x04, 4};                                    // le32: size of the region
inline constexpr field_layout version{0x08, 2};                                 // le16
inline constexpr field_layout counter_id{0x0a, 1};                              // u8
inline constexpr field_layout time_type{0x0b, 1};                               // u8
inline constexpr field_layout seq_count{0x0c, 4};                               // le32: odd while updating
inline constexpr field_layout disruption_marker{0x10, 8};                       // le64
inline constexpr field_layout flags{0x18, 8};                                   // le64
inline constexpr field_layout pad{0x20, 2};                                     // u8[2], reserved
inline constexpr field_layout clock_status{0x22, 1};                            // u8
inline constexpr field_layout leap_second_smearing_hint{0x23, 1};               // u8
inline constexpr field_layout tai_offset_sec{0x24, 2};                          // le16, two's complement
inline constexpr field_layout leap_indicator{0x26, 1};                          // u8
inline constexpr field_layout counter_period_shift{0x27, 1};                    // u8
inline constexpr field_layout counter_value{0x28, 8};                           // le64
inline constexpr field_layout counter_period_frac_sec{0x30, 8};                 // le64
inline constexpr field_layout counter_period_esterror_rate_frac_sec{0x38, 8};   // le64
inline constexpr field_layout counter_period_maxerror_rate_frac_sec{0x40, 8};   // le64
inline constexpr field_layout time_sec{0x48, 8};                                // le64
inline constexpr field_layout time_frac_sec{0x50, 8};                           // le64
inline constexpr field_layout time_esterror_nanosec{0x58, 8};                   // le64
inline constexpr field_layout time_maxerror_nanosec{0x60, 8};                   // le64
inline constexpr field_layout vm_generation_counter{0x68, 8};                   // le64
}  // namespace fields

// The layout is contiguous, naturally aligned and 112 bytes long.
static_assert(fields::magic.offset == 0 && fields::magic.end() == fields::size.offset);
static_assert(fields::size.end() == fields::version.offset);
static_assert(fields::version.end() == fields::counter_id.offset);
static_assert(fields::counter_id.end() == fields::time_type.offset);
static_assert(fields::time_type.end() == fields::seq_count.offset);
static_assert(fields::seq_count.end() == fields::disruption_marker.offset);
static_assert(fields::disruption_marker.end() == fields::flags.offset);
static_assert(fields::flags.end() == fields::pad.offset && fields::pad.offset == min_size);
static_assert(fields::pad.end() == fields::clock_status.offset);
static_assert(fields::clock_status.end() == fields::leap_second_smearing_hint.offset);
static_assert(fields::leap_second_smearing_hint.end() == fields::tai_offset_sec.offset);
static_assert(fields::tai_offset_sec.end() == fields::leap_indicator.offset);
static_assert(fields::leap_indicator.end() == fields::counter_period_shift.offset);
static_assert(fields::counter_period_shift.end() == fields::counter_value.offset);
static_assert(fields::counter_value.end() == fields::counter_period_frac_sec.offset);
static_assert(fields::counter_period_frac_sec.end() == fields::counter_period_esterror_rate_frac_sec.offset);
static_assert(fields::counter_period_esterror_rate_frac_sec.end() ==
              fields::counter_period_maxerror_rate_frac_sec.offset);
static_assert(fields::counter_period_maxerror_rate_frac_sec.end() == fields::time_sec.offset);
static_assert(fields::time_sec.end() == fields::time_frac_sec.offset);
static_assert(fields::time_frac_sec.end() == fields::time_esterror_nanosec.offset);
static_assert(fields::time_esterror_nanosec.end() == fields::time_maxerror_nanosec.offset);
static_assert(fields::time_maxerror_nanosec.end() == fields::vm_generation_counter.offset);
static_assert(fields::vm_generation_counter.end() == abi_size);

/// The field-present rule: a field exists iff the region's `size` covers all of it. Older
/// devices publish shorter structures (e.g. without vm_generation_counter).
[[nodiscard]] constexpr bool is_present(std::uint32_t region_size, field_layout f) noexcept {
  return std::size_t{region_size} >= f.end();
}

/// counter_id: which hardware counter counter_value is expressed in. The values match
/// virtio-rtc's VIRTIO_RTC_COUNTER_* (except INVALID).
enum class counter_id : std::uint8_t {
  arm_vcnt = 0,   ///< Arm generic timer virtual count (CNTVCT_EL0)
  x86_tsc = 1,    ///< x86 time-stamp counter
  invalid = 0xff, ///< no counter relation is published
};

/// time_type: the time scale of time_sec/time_frac_sec. Values match VIRTIO_RTC_TYPE_*.
enum class time_type : std::uint8_t {
  utc = 0,                    ///< UTC seconds since 1970-01-01T00:00:00Z (no leap seconds counted)
  tai = 1,                    ///< TAI seconds since 1970-01-01T00:00:00 TAI
  monotonic = 2,              ///< an undefined epoch
  invalid_smeared = 3,        ///< defined by virtio-rtc; not supported by vmclock
  invalid_maybe_smeared = 4,  ///< defined by virtio-rtc; not supported by vmclock
};

/// clock_status: how much the device trusts the published time.
enum class clock_status : std::uint8_t {
  unknown = 0,
  initializing = 1,
  synchronized = 2,
  freerunning = 3,
  unreliable = 4,
};

/// leap_second_smearing_hint: how the host's own clock treats leap seconds. A hint only: the
/// published time is never smeared.
enum class smearing_hint : std::uint8_t {
  strict = 0,
  noon_linear = 1,
  utc_sls = 2,
};

/// leap_indicator: the leap-second state at the instant time_sec/time_frac_sec.
enum class leap_indicator : std::uint8_t {
  none = 0,      ///< no known nearby leap second
  pre_pos = 1,   ///< a positive leap second at the end of this month
  pre_neg = 2,   ///< a negative leap second at the end of this month
  pos = 3,       ///< inside the 23:59:60 second
  post_pos = 4,  ///< a positive leap second at the end of the previous month
  post_neg = 5,  ///< a negative leap second at the end of the previous month
};

/// Bits of `flags`. Unknown bits are ignored by readers.
namespace flag {
inline constexpr std::uint64_t tai_offset_valid = std::uint64_t{1} << 0;
inline constexpr std::uint64_t disruption_soon = std::uint64_t{1} << 1;      ///< about a day ahead
inline constexpr std::uint64_t disruption_imminent = std::uint64_t{1} << 2;  ///< about an hour ahead
inline constexpr std::uint64_t period_esterror_valid = std::uint64_t{1} << 3;
inline constexpr std::uint64_t period_maxerror_valid = std::uint64_t{1} << 4;
inline constexpr std::uint64_t time_esterror_valid = std::uint64_t{1} << 5;
inline constexpr std::uint64_t time_maxerror_valid = std::uint64_t{1} << 6;
inline constexpr std::uint64_t time_monotonic = std::uint64_t{1} << 7;
inline constexpr std::uint64_t vm_gen_counter_present = std::uint64_t{1} << 8;
inline constexpr std::uint64_t notification_present = std::uint64_t{1} << 9;
}  // namespace flag

/// Spec names of the enum values ("SYNCHRONIZED", "TAI", ...), or nullptr for a value the ABI
/// does not define (devices can publish any byte).
[[nodiscard]] constexpr const char* name(counter_id v) noexcept {
  switch (v) {
    case counter_id::arm_vcnt: return "ARM_VCNT";
    case counter_id::x86_tsc: return "X86_TSC";
    case counter_id::invalid: return "INVALID";
  }
  return nullptr;
}
[[nodiscard]] constexpr const char* name(time_type v) noexcept {
  switch (v) {
    case time_type::utc: return "UTC";
    case time_type::tai: return "TAI";
    case time_type::monotonic: return "MONOTONIC";
    case time_type::invalid_smeared: return "INVALID_SMEARED";
    case time_type::invalid_maybe_smeared: return "INVALID_MAYBE_SMEARED";
  }
  return nullptr;
}
[[nodiscard]] constexpr const char* name(clock_status v) noexcept {
  switch (v) {
    case clock_status::unknown: return "UNKNOWN";
    case clock_status::initializing: return "INITIALIZING";
    case clock_status::synchronized: return "SYNCHRONIZED";
    case clock_status::freerunning: return "FREERUNNING";
    case clock_status::unreliable: return "UNRELIABLE";
  }
  return nullptr;
}
[[nodiscard]] constexpr const char* name(smearing_hint v) noexcept {
  switch (v) {
    case smearing_hint::strict: return "STRICT";
    case smearing_hint::noon_linear: return "NOON_LINEAR";
    case smearing_hint::utc_sls: return "UTC_SLS";
  }
  return nullptr;
}
[[nodiscard]] constexpr const char* name(leap_indicator v) noexcept {
  switch (v) {
    case leap_indicator::none: return "NONE";
    case leap_indicator::pre_pos: return "PRE_POS";
    case leap_indicator::pre_neg: return "PRE_NEG";
    case leap_indicator::pos: return "POS";
    case leap_indicator::post_pos: return "POST_POS";
    case leap_indicator::post_neg: return "POST_NEG";
  }
  return nullptr;
}

/// Every field of the structure as host-order values. Fields the region's `size` does not
/// cover are zero after decode (use present() to tell them apart from a published zero).
struct page_data {
  std::uint32_t magic = magic_value;
  std::uint32_t size = page_region_size;
  std::uint16_t version = version_value;
  vmclock::counter_id counter_id = vmclock::counter_id::invalid;
  vmclock::time_type time_type = vmclock::time_type::utc;
  std::uint32_t seq_count = 0;
  std::uint64_t disruption_marker = 0;
  std::uint64_t flags = 0;
  vmclock::clock_status clock_status = vmclock::clock_status::unknown;
  smearing_hint leap_second_smearing_hint = smearing_hint::strict;
  std::int16_t tai_offset_sec = 0;  ///< UTC - TAI in seconds: -37 since 2017
  vmclock::leap_indicator leap_indicator = vmclock::leap_indicator::none;
  std::uint8_t counter_period_shift = 0;
  std::uint64_t counter_value = 0;
  std::uint64_t counter_period_frac_sec = 0;                ///< 2^-(64+shift) s per tick
  std::uint64_t counter_period_esterror_rate_frac_sec = 0;  ///< same unit
  std::uint64_t counter_period_maxerror_rate_frac_sec = 0;  ///< same unit
  std::uint64_t time_sec = 0;
  std::uint64_t time_frac_sec = 0;  ///< 2^-64 s
  std::uint64_t time_esterror_nanosec = 0;
  std::uint64_t time_maxerror_nanosec = 0;
  std::uint64_t vm_generation_counter = 0;

  /// The field-present rule applied to this page's `size`.
  [[nodiscard]] constexpr bool present(field_layout f) const noexcept { return is_present(size, f); }
  [[nodiscard]] constexpr bool has_flag(std::uint64_t bit) const noexcept { return (flags & bit) != 0; }
  /// vm_generation_counter is meaningful only when it is inside `size` and announced by flag 8.
  [[nodiscard]] constexpr bool has_vm_generation_counter() const noexcept {
    return present(fields::vm_generation_counter) && has_flag(flag::vm_gen_counter_present);
  }

  friend constexpr bool operator==(const page_data&, const page_data&) = default;
};

/// Writes all 112 bytes of `page` (pad as zero) into `out`, little-endian. Bytes past 112 are
/// left alone. Fields beyond `page.size` are written too: a device may keep them there.
constexpr result<void> encode(const page_data& page, std::span<std::byte> out) noexcept {
  if (out.size() < abi_size) return errc::buffer_too_small;
  store_le<std::uint32_t>(out, fields::magic.offset, page.magic);
  store_le<std::uint32_t>(out, fields::size.offset, page.size);
  store_le<std::uint16_t>(out, fields::version.offset, page.version);
  store_le<std::uint8_t>(out, fields::counter_id.offset, static_cast<std::uint8_t>(page.counter_id));
  store_le<std::uint8_t>(out, fields::time_type.offset, static_cast<std::uint8_t>(page.time_type));
  store_le<std::uint32_t>(out, fields::seq_count.offset, page.seq_count);
  store_le<std::uint64_t>(out, fields::disruption_marker.offset, page.disruption_marker);
  store_le<std::uint64_t>(out, fields::flags.offset, page.flags);
  store_le<std::uint16_t>(out, fields::pad.offset, 0);
  store_le<std::uint8_t>(out, fields::clock_status.offset, static_cast<std::uint8_t>(page.clock_status));
  store_le<std::uint8_t>(out, fields::leap_second_smearing_hint.offset,
                         static_cast<std::uint8_t>(page.leap_second_smearing_hint));
  store_le_signed<std::int16_t>(out, fields::tai_offset_sec.offset, page.tai_offset_sec);
  store_le<std::uint8_t>(out, fields::leap_indicator.offset, static_cast<std::uint8_t>(page.leap_indicator));
  store_le<std::uint8_t>(out, fields::counter_period_shift.offset, page.counter_period_shift);
  store_le<std::uint64_t>(out, fields::counter_value.offset, page.counter_value);
  store_le<std::uint64_t>(out, fields::counter_period_frac_sec.offset, page.counter_period_frac_sec);
  store_le<std::uint64_t>(out, fields::counter_period_esterror_rate_frac_sec.offset,
                          page.counter_period_esterror_rate_frac_sec);
  store_le<std::uint64_t>(out, fields::counter_period_maxerror_rate_frac_sec.offset,
                          page.counter_period_maxerror_rate_frac_sec);
  store_le<std::uint64_t>(out, fields::time_sec.offset, page.time_sec);
  store_le<std::uint64_t>(out, fields::time_frac_sec.offset, page.time_frac_sec);
  store_le<std::uint64_t>(out, fields::time_esterror_nanosec.offset, page.time_esterror_nanosec);
  store_le<std::uint64_t>(out, fields::time_maxerror_nanosec.offset, page.time_maxerror_nanosec);
  store_le<std::uint64_t>(out, fields::vm_generation_counter.offset, page.vm_generation_counter);
  return {};
}

/// Checks the header of a region: magic, version, and a `size` of at least min_size whose known
/// fields all lie inside `available` bytes (the mapping or file). Returns the number of bytes of
/// the structure that are present: min(size, abi_size).
[[nodiscard]] constexpr result<std::size_t> validate_header(std::uint32_t magic, std::uint16_t version,
                                                            std::uint32_t size, std::size_t available) noexcept {
  if (magic != magic_value) return errc::bad_magic;
  if (version != version_value) return errc::bad_version;
  if (size < min_size) return errc::bad_size;
  const std::size_t known = size < abi_size ? std::size_t{size} : abi_size;
  if (known > available) return errc::bad_size;
  return known;
}

/// Decodes a structure from bytes that nobody is writing concurrently (a file, a copy).
/// Validates as validate_header() does; fields past `size` read as zero.
[[nodiscard]] constexpr result<page_data> decode(std::span<const std::byte> bytes) noexcept {
  if (bytes.size() < min_size) return errc::too_short;
  page_data p;
  p.magic = load_le<std::uint32_t>(bytes, fields::magic.offset);
  p.size = load_le<std::uint32_t>(bytes, fields::size.offset);
  p.version = load_le<std::uint16_t>(bytes, fields::version.offset);
  const auto known = validate_header(p.magic, p.version, p.size, bytes.size());
  if (!known) return known.error();
  p.counter_id = static_cast<counter_id>(load_le<std::uint8_t>(bytes, fields::counter_id.offset));
  p.time_type = static_cast<time_type>(load_le<std::uint8_t>(bytes, fields::time_type.offset));
  p.seq_count = load_le<std::uint32_t>(bytes, fields::seq_count.offset);
  p.disruption_marker = load_le<std::uint64_t>(bytes, fields::disruption_marker.offset);
  p.flags = load_le<std::uint64_t>(bytes, fields::flags.offset);
  const auto u8_at = [&](field_layout f) -> std::uint8_t {
    return p.present(f) ? load_le<std::uint8_t>(bytes, f.offset) : std::uint8_t{0};
  };
  const auto u64_at = [&](field_layout f) -> std::uint64_t {
    return p.present(f) ? load_le<std::uint64_t>(bytes, f.offset) : std::uint64_t{0};
  };
  p.clock_status = static_cast<clock_status>(u8_at(fields::clock_status));
  p.leap_second_smearing_hint = static_cast<smearing_hint>(u8_at(fields::leap_second_smearing_hint));
  p.tai_offset_sec = p.present(fields::tai_offset_sec)
                         ? load_le_signed<std::int16_t>(bytes, fields::tai_offset_sec.offset)
                         : std::int16_t{0};
  p.leap_indicator = static_cast<leap_indicator>(u8_at(fields::leap_indicator));
  p.counter_period_shift = u8_at(fields::counter_period_shift);
  p.counter_value = u64_at(fields::counter_value);
  p.counter_period_frac_sec = u64_at(fields::counter_period_frac_sec);
  p.counter_period_esterror_rate_frac_sec = u64_at(fields::counter_period_esterror_rate_frac_sec);
  p.counter_period_maxerror_rate_frac_sec = u64_at(fields::counter_period_maxerror_rate_frac_sec);
  p.time_sec = u64_at(fields::time_sec);
  p.time_frac_sec = u64_at(fields::time_frac_sec);
  p.time_esterror_nanosec = u64_at(fields::time_esterror_nanosec);
  p.time_maxerror_nanosec = u64_at(fields::time_maxerror_nanosec);
  p.vm_generation_counter = u64_at(fields::vm_generation_counter);
  return p;
}

}  // namespace vmclock
VRTC_END_NAMESPACE
