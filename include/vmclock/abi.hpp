// vmclock: the shared-page ABI — field offsets, constants, and a host-order value type.
//
// The structure is 112 bytes of little-endian, naturally aligned fields at the start of a
// region (normally one page) that the hypervisor updates under a seqlock. The Linux uapi header
// include/uapi/linux/vmclock-abi.h is the canonical layout; where the v1.0 specification table
// differs (offset of vm_generation_counter, flag bit numbers, the sign of tai_offset_sec), the
// header wins. Bytes are read and written only at the explicit offsets of one table
// (page_fields), never through a struct overlay; every list of fields is generated from it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/field_table.hpp"
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

/// Every field of the structure as host-order values, with the Linux header's names. Fields the
/// region's `size` does not cover are zero after decode (use present() to tell them apart from
/// a published zero). Where each member lives is said once, in page_fields below.
struct page_data {
  std::uint32_t magic = magic_value;
  std::uint32_t size = page_region_size;  ///< the size of the region
  std::uint16_t version = version_value;
  vmclock::counter_id counter_id = vmclock::counter_id::invalid;
  vmclock::time_type time_type = vmclock::time_type::utc;
  std::uint32_t seq_count = 0;  ///< odd while the writer updates the page
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
  /// present() for the field that holds `Member`: `p.present<&page_data::time_frac_sec>()`.
  template <auto Member>
  [[nodiscard]] constexpr bool present() const noexcept;
  [[nodiscard]] constexpr bool has_flag(std::uint64_t bit) const noexcept { return (flags & bit) != 0; }
  /// vm_generation_counter is meaningful only when it is inside `size` and announced by flag 8.
  [[nodiscard]] constexpr bool has_vm_generation_counter() const noexcept;

  friend constexpr bool operator==(const page_data&, const page_data&) = default;
};

// --- the field table -------------------------------------------------------------------------

/// How a field is best shown to a person: as a number, or in hex (bit sets and fractions).
enum class field_display : std::uint8_t { dec, hex };

/// One field of the structure (a vrtc::field) and how to show it to a person. The width is the
/// size of the member's (underlying) type, which is exactly the ABI's u8/le16/le32/le64.
template <vrtc::field_name Name, auto Member, std::size_t Offset, field_display Display>
struct page_field : vrtc::field<Name, Member, Offset> {
  static constexpr field_layout layout{Offset, sizeof(typename page_field::wire_type)};
  static constexpr field_display display = Display;
};

#define VRTC_VMCLOCK_FIELD(name, offset, display) page_field<#name, &page_data::name, offset, field_display::display>
/// Every field of struct vmclock_abi, in offset order. encode, decode, the reader's relaxed
/// loads and the writer's relaxed stores are all generated from this table. The two bytes at
/// 0x20 are the reserved `pad`: written as zero, never read.
using page_fields = vrtc::field_list<
    VRTC_VMCLOCK_FIELD(magic, 0x00, hex),                                   // le32
    VRTC_VMCLOCK_FIELD(size, 0x04, dec),                                    // le32
    VRTC_VMCLOCK_FIELD(version, 0x08, dec),                                 // le16
    VRTC_VMCLOCK_FIELD(counter_id, 0x0a, dec),                              // u8
    VRTC_VMCLOCK_FIELD(time_type, 0x0b, dec),                               // u8
    VRTC_VMCLOCK_FIELD(seq_count, 0x0c, dec),                               // le32
    VRTC_VMCLOCK_FIELD(disruption_marker, 0x10, dec),                       // le64
    VRTC_VMCLOCK_FIELD(flags, 0x18, hex),                                   // le64
    VRTC_VMCLOCK_FIELD(clock_status, 0x22, dec),                            // u8
    VRTC_VMCLOCK_FIELD(leap_second_smearing_hint, 0x23, dec),               // u8
    VRTC_VMCLOCK_FIELD(tai_offset_sec, 0x24, dec),                          // le16
    VRTC_VMCLOCK_FIELD(leap_indicator, 0x26, dec),                          // u8
    VRTC_VMCLOCK_FIELD(counter_period_shift, 0x27, dec),                    // u8
    VRTC_VMCLOCK_FIELD(counter_value, 0x28, dec),                           // le64
    VRTC_VMCLOCK_FIELD(counter_period_frac_sec, 0x30, hex),                 // le64
    VRTC_VMCLOCK_FIELD(counter_period_esterror_rate_frac_sec, 0x38, hex),   // le64
    VRTC_VMCLOCK_FIELD(counter_period_maxerror_rate_frac_sec, 0x40, hex),   // le64
    VRTC_VMCLOCK_FIELD(time_sec, 0x48, dec),                                // le64
    VRTC_VMCLOCK_FIELD(time_frac_sec, 0x50, hex),                           // le64
    VRTC_VMCLOCK_FIELD(time_esterror_nanosec, 0x58, dec),                   // le64
    VRTC_VMCLOCK_FIELD(time_maxerror_nanosec, 0x60, dec),                   // le64
    VRTC_VMCLOCK_FIELD(vm_generation_counter, 0x68, dec)>;                  // le64
#undef VRTC_VMCLOCK_FIELD

/// The reserved bytes between flags and clock_status.
inline constexpr field_layout pad_layout{0x20, 2};

namespace detail {
template <auto Member>
consteval field_layout find_layout() {
  field_layout out{0, 0};
  page_fields::for_each([&](auto f) {
    if constexpr (std::is_same_v<std::remove_cv_t<decltype(f.member)>, decltype(Member)>)
      if (f.member == Member) out = f.layout;
  });
  if (out.size == 0) throw "not a field of the table";  // not a constant expression: fails the build
  return out;
}

/// The table covers the structure exactly: in offset order, without overlap, every byte but
/// the pad, ending at abi_size.
consteval bool table_covers_structure() {
  std::size_t next = 0;
  bool ok = true;
  page_fields::for_each([&](auto f) {
    if (next == pad_layout.offset) next = pad_layout.end();
    ok = ok && f.layout.offset == next;
    next = f.layout.end();
  });
  return ok && next == abi_size && pad_layout.offset == min_size;
}
static_assert(table_covers_structure());
}  // namespace detail

/// Where the field that holds `Member` lives: `layout_of<&page_data::seq_count>.offset`.
template <auto Member>
inline constexpr field_layout layout_of = detail::find_layout<Member>();

template <auto Member>
constexpr bool page_data::present() const noexcept {
  return present(layout_of<Member>);
}
constexpr bool page_data::has_vm_generation_counter() const noexcept {
  return present<&page_data::vm_generation_counter>() && has_flag(flag::vm_gen_counter_present);
}

/// One row of the structure as a person reads it: a field or the pad, in offset order.
struct layout_row {
  const char* name;
  field_layout layout;
};

/// Every row of the structure (the fields and the pad), for tools that name bytes.
inline constexpr auto page_rows = [] {
  std::array<layout_row, page_fields::count + 1> rows{};
  std::size_t i = 0;
  page_fields::for_each([&](auto f) {
    if (f.layout.offset == pad_layout.end()) rows[i++] = {"pad", pad_layout};
    rows[i++] = {f.name, f.layout};
  });
  return rows;
}();

namespace detail {

/// Reads every field of the table except seq_count into `p`: a field whose end is at most
/// `bound` through `load.template operator()<wire_type>(offset)`, the others as zero. Fields
/// inside min_size are never bounds-checked: every accepted region has them. With
/// `bound` == abi_size known at compile time no field is.
template <class Load>
[[gnu::always_inline]] constexpr void load_fields(page_data& p, std::size_t bound, Load&& load) noexcept {
  page_fields::for_each([&](auto f) VRTC_LAMBDA_ALWAYS_INLINE {
    using field = decltype(f);
    using wire = typename field::wire_type;
    if constexpr (field::layout.offset != layout_of<&page_data::seq_count>.offset) {
      if (field::layout.end() <= min_size || field::layout.end() <= bound)
        field::set(p, load.template operator()<wire>(field::layout.offset));
      else
        field::set(p, wire{0});
    }
  });
}

/// Calls `store.template operator()<wire_type>(offset, value)` for every field except seq_count
/// whose end is at most `bound`, and with zeros for the pad.
template <class Store>
[[gnu::always_inline]] constexpr void store_fields(const page_data& p, std::size_t bound, Store&& store) noexcept {
  store.template operator()<std::uint16_t>(pad_layout.offset, std::uint16_t{0});
  page_fields::for_each([&](auto f) VRTC_LAMBDA_ALWAYS_INLINE {
    using field = decltype(f);
    using wire = typename field::wire_type;
    if constexpr (field::layout.offset != layout_of<&page_data::seq_count>.offset)
      if (field::layout.end() <= bound) store.template operator()<wire>(field::layout.offset, field::get(p));
  });
}

/// Zeroes the fields that `p.size` does not cover (a copy read up to the region's end).
constexpr void clear_absent(page_data& p) noexcept {
  page_fields::for_each([&](auto f) {
    using field = decltype(f);
    if (!p.present(field::layout)) field::set(p, typename field::wire_type{0});
  });
}

}  // namespace detail

/// Writes all 112 bytes of `page` (pad as zero) into `out`, little-endian. Bytes past 112 are
/// left alone. Fields beyond `page.size` are written too: a device may keep them there.
constexpr result<void> encode(const page_data& page, std::span<std::byte> out) noexcept {
  if (out.size() < abi_size) return errc::buffer_too_small;
  store_le<std::uint32_t>(out, layout_of<&page_data::seq_count>.offset, page.seq_count);
  detail::store_fields(page, abi_size, [&]<wire_uint W>(std::size_t offset, W v) { store_le<W>(out, offset, v); });
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
  detail::load_fields(p, bytes.size(), [&]<wire_uint W>(std::size_t offset) { return load_le<W>(bytes, offset); });
  const auto known = validate_header(p.magic, p.version, p.size, bytes.size());
  if (!known) return known.error();
  p.seq_count = load_le<std::uint32_t>(bytes, layout_of<&page_data::seq_count>.offset);
  detail::clear_absent(p);
  return p;
}

}  // namespace vmclock
VRTC_END_NAMESPACE
