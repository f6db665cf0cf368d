// Tests for include/vmclock/abi.hpp: the layout and constants of the Linux uapi header
// (vmclock-abi.h), the field-present rule, and encode/decode.
#include <vmclock/abi.hpp>

#include <array>
#include <catch2/catch.hpp>
#include <cstring>

namespace {

namespace vmc = vrtc::vmclock;
using vrtc::errc;

// Offsets and sizes as listed in the uapi header (written here as literals, not derived).
static_assert(vmc::layout_of<&vmc::page_data::magic>.offset == 0x00 && vmc::layout_of<&vmc::page_data::magic>.size == 4);
static_assert(vmc::layout_of<&vmc::page_data::size>.offset == 0x04 && vmc::layout_of<&vmc::page_data::size>.size == 4);
static_assert(vmc::layout_of<&vmc::page_data::version>.offset == 0x08 && vmc::layout_of<&vmc::page_data::version>.size == 2);
static_assert(vmc::layout_of<&vmc::page_data::counter_id>.offset == 0x0a && vmc::layout_of<&vmc::page_data::counter_id>.size == 1);
static_assert(vmc::layout_of<&vmc::page_data::time_type>.offset == 0x0b && vmc::layout_of<&vmc::page_data::time_type>.size == 1);
static_assert(vmc::layout_of<&vmc::page_data::seq_count>.offset == 0x0c && vmc::layout_of<&vmc::page_data::seq_count>.size == 4);
static_assert(vmc::layout_of<&vmc::page_data::disruption_marker>.offset == 0x10 && vmc::layout_of<&vmc::page_data::disruption_marker>.size == 8);
static_assert(vmc::layout_of<&vmc::page_data::flags>.offset == 0x18 && vmc::layout_of<&vmc::page_data::flags>.size == 8);
static_assert(vmc::pad_layout.offset == 0x20 && vmc::pad_layout.size == 2);
static_assert(vmc::layout_of<&vmc::page_data::clock_status>.offset == 0x22);
static_assert(vmc::layout_of<&vmc::page_data::leap_second_smearing_hint>.offset == 0x23);
static_assert(vmc::layout_of<&vmc::page_data::tai_offset_sec>.offset == 0x24 && vmc::layout_of<&vmc::page_data::tai_offset_sec>.size == 2);
static_assert(vmc::layout_of<&vmc::page_data::leap_indicator>.offset == 0x26);
static_assert(vmc::layout_of<&vmc::page_data::counter_period_shift>.offset == 0x27);
static_assert(vmc::layout_of<&vmc::page_data::counter_value>.offset == 0x28);
static_assert(vmc::layout_of<&vmc::page_data::counter_period_frac_sec>.offset == 0x30);
static_assert(vmc::layout_of<&vmc::page_data::counter_period_esterror_rate_frac_sec>.offset == 0x38);
static_assert(vmc::layout_of<&vmc::page_data::counter_period_maxerror_rate_frac_sec>.offset == 0x40);
static_assert(vmc::layout_of<&vmc::page_data::time_sec>.offset == 0x48);
static_assert(vmc::layout_of<&vmc::page_data::time_frac_sec>.offset == 0x50);
static_assert(vmc::layout_of<&vmc::page_data::time_esterror_nanosec>.offset == 0x58);
static_assert(vmc::layout_of<&vmc::page_data::time_maxerror_nanosec>.offset == 0x60);
static_assert(vmc::layout_of<&vmc::page_data::vm_generation_counter>.offset == 0x68 && vmc::layout_of<&vmc::page_data::vm_generation_counter>.size == 8);
static_assert(vmc::abi_size == 0x70 && vmc::min_size == 32);

// Constants.
static_assert(vmc::magic_value == 0x4b4c4356 && vmc::version_value == 1);
static_assert(static_cast<int>(vmc::counter_id::arm_vcnt) == 0 && static_cast<int>(vmc::counter_id::x86_tsc) == 1 &&
              static_cast<int>(vmc::counter_id::invalid) == 0xff);
static_assert(static_cast<int>(vmc::time_type::utc) == 0 && static_cast<int>(vmc::time_type::tai) == 1 &&
              static_cast<int>(vmc::time_type::monotonic) == 2 &&
              static_cast<int>(vmc::time_type::invalid_smeared) == 3 &&
              static_cast<int>(vmc::time_type::invalid_maybe_smeared) == 4);
static_assert(static_cast<int>(vmc::clock_status::unknown) == 0 &&
              static_cast<int>(vmc::clock_status::initializing) == 1 &&
              static_cast<int>(vmc::clock_status::synchronized) == 2 &&
              static_cast<int>(vmc::clock_status::freerunning) == 3 &&
              static_cast<int>(vmc::clock_status::unreliable) == 4);
static_assert(static_cast<int>(vmc::smearing_hint::strict) == 0 &&
              static_cast<int>(vmc::smearing_hint::noon_linear) == 1 &&
              static_cast<int>(vmc::smearing_hint::utc_sls) == 2);
static_assert(static_cast<int>(vmc::leap_indicator::none) == 0 && static_cast<int>(vmc::leap_indicator::pre_pos) == 1 &&
              static_cast<int>(vmc::leap_indicator::pre_neg) == 2 && static_cast<int>(vmc::leap_indicator::pos) == 3 &&
              static_cast<int>(vmc::leap_indicator::post_pos) == 4 &&
              static_cast<int>(vmc::leap_indicator::post_neg) == 5);
static_assert(vmc::flag::tai_offset_valid == 0x001 && vmc::flag::disruption_soon == 0x002 &&
              vmc::flag::disruption_imminent == 0x004 && vmc::flag::period_esterror_valid == 0x008 &&
              vmc::flag::period_maxerror_valid == 0x010 && vmc::flag::time_esterror_valid == 0x020 &&
              vmc::flag::time_maxerror_valid == 0x040 && vmc::flag::time_monotonic == 0x080 &&
              vmc::flag::vm_gen_counter_present == 0x100 && vmc::flag::notification_present == 0x200);

// A page with a distinct value in every field.
constexpr vmc::page_data sample_page() {
  vmc::page_data p;
  p.size = 0x1000;
  p.counter_id = vmc::counter_id::x86_tsc;
  p.time_type = vmc::time_type::tai;
  p.seq_count = 0x0a0b0c0e;
  p.disruption_marker = 0x1112131415161718;
  p.flags = 0x3ff;
  p.clock_status = vmc::clock_status::synchronized;
  p.leap_second_smearing_hint = vmc::smearing_hint::utc_sls;
  p.tai_offset_sec = -37;
  p.leap_indicator = vmc::leap_indicator::post_neg;
  p.counter_period_shift = 29;
  p.counter_value = 0x2122232425262728;
  p.counter_period_frac_sec = 0x89705F4136B4A597;
  p.counter_period_esterror_rate_frac_sec = 0x3132333435363738;
  p.counter_period_maxerror_rate_frac_sec = 0x4142434445464748;
  p.time_sec = 0x5152535455565758;
  p.time_frac_sec = 0x6162636465666768;
  p.time_esterror_nanosec = 0x7172737475767778;
  p.time_maxerror_nanosec = 0x8182838485868788;
  p.vm_generation_counter = 0x9192939495969798;
  return p;
}

constexpr bool round_trips() {
  std::array<std::byte, vmc::abi_size> bytes{};
  if (!vmc::encode(sample_page(), bytes)) return false;
  const auto back = vmc::decode(bytes);
  return back && *back == sample_page();
}
static_assert(round_trips());

template <std::size_t N>
std::array<std::byte, N> encoded(const vmc::page_data& p) {
  std::array<std::byte, N> b{};
  REQUIRE(vmc::encode(p, b).has_value());
  return b;
}

unsigned byte_at(const std::array<std::byte, vmc::abi_size>& b, std::size_t i) {
  return std::to_integer<unsigned>(b[i]);
}

}  // namespace

TEST_CASE("encode puts every field at its offset, little-endian", "[vmclock]") {
  const auto b = encoded<vmc::abi_size>(sample_page());
  CHECK(std::memcmp(b.data(), "VCLK", 4) == 0);  // the magic reads "VCLK" in memory
  CHECK(byte_at(b, 4) == 0x00);
  CHECK(byte_at(b, 5) == 0x10);  // size 0x1000
  CHECK(byte_at(b, 8) == 1);
  CHECK(byte_at(b, 9) == 0);
  CHECK(byte_at(b, 0x0a) == 1);     // counter_id X86_TSC
  CHECK(byte_at(b, 0x0b) == 1);     // time_type TAI
  CHECK(byte_at(b, 0x0c) == 0x0e);  // seq_count low byte first
  CHECK(byte_at(b, 0x0f) == 0x0a);
  CHECK(byte_at(b, 0x10) == 0x18);
  CHECK(byte_at(b, 0x17) == 0x11);
  CHECK(byte_at(b, 0x18) == 0xff);
  CHECK(byte_at(b, 0x19) == 0x03);
  CHECK(byte_at(b, 0x20) == 0);  // pad
  CHECK(byte_at(b, 0x21) == 0);
  CHECK(byte_at(b, 0x22) == 2);  // SYNCHRONIZED
  CHECK(byte_at(b, 0x23) == 2);  // UTC_SLS
  CHECK(byte_at(b, 0x24) == 0xdb);  // -37 as two's complement 0xffdb
  CHECK(byte_at(b, 0x25) == 0xff);
  CHECK(byte_at(b, 0x26) == 5);   // POST_NEG
  CHECK(byte_at(b, 0x27) == 29);  // shift
  CHECK(byte_at(b, 0x28) == 0x28);
  CHECK(byte_at(b, 0x30) == 0x97);  // 0x89705F4136B4A597
  CHECK(byte_at(b, 0x37) == 0x89);
  CHECK(byte_at(b, 0x38) == 0x38);
  CHECK(byte_at(b, 0x40) == 0x48);
  CHECK(byte_at(b, 0x48) == 0x58);
  CHECK(byte_at(b, 0x50) == 0x68);
  CHECK(byte_at(b, 0x58) == 0x78);
  CHECK(byte_at(b, 0x60) == 0x88);
  CHECK(byte_at(b, 0x68) == 0x98);
  CHECK(byte_at(b, 0x6f) == 0x91);
}

TEST_CASE("decode inverts encode", "[vmclock]") {
  STATIC_REQUIRE(round_trips());
  const auto b = encoded<vmc::abi_size>(sample_page());
  const auto p = vmc::decode(b);
  REQUIRE(p.has_value());
  CHECK(*p == sample_page());
  CHECK(p->tai_offset_sec == -37);
  CHECK(p->has_vm_generation_counter());
}

TEST_CASE("encode needs 112 bytes and leaves the rest of a page alone", "[vmclock]") {
  std::array<std::byte, vmc::abi_size - 1> small{};
  CHECK(vmc::encode(sample_page(), small) == errc::buffer_too_small);
  std::array<std::byte, 4096> page{};
  page[vmc::abi_size] = std::byte{0x5a};
  REQUIRE(vmc::encode(sample_page(), page).has_value());
  CHECK(page[vmc::abi_size] == std::byte{0x5a});
}

TEST_CASE("the field table names every byte of the structure once", "[vmclock]") {
  // The rows run from offset 0 to abi_size without a gap or an overlap, with the spec's names.
  std::size_t next = 0;
  for (const auto& row : vmc::page_rows) {
    CHECK(row.layout.offset == next);
    next = row.layout.end();
  }
  CHECK(next == vmc::abi_size);
  CHECK(vmc::page_rows.size() == vmc::page_fields::count + 1);
  CHECK(std::string_view(vmc::page_rows.front().name) == "magic");
  CHECK(std::string_view(vmc::page_rows[8].name) == "pad");
  CHECK(std::string_view(vmc::page_rows[15].name) == "counter_period_frac_sec");
  CHECK(std::string_view(vmc::page_rows.back().name) == "vm_generation_counter");
  // The present<Member>() shorthand agrees with the layout it names.
  vmc::page_data p;
  p.size = 104;
  CHECK(p.present<&vmc::page_data::time_maxerror_nanosec>());
  CHECK_FALSE(p.present<&vmc::page_data::vm_generation_counter>());
}

TEST_CASE("the field-present rule follows size", "[vmclock]") {
  constexpr vmc::field_layout vm_generation_counter = vmc::layout_of<&vmc::page_data::vm_generation_counter>;
  CHECK(vmc::is_present(112, vm_generation_counter));
  CHECK_FALSE(vmc::is_present(111, vm_generation_counter));
  CHECK_FALSE(vmc::is_present(104, vm_generation_counter));  // the pre-2026 structure
  CHECK(vmc::is_present(104, vmc::layout_of<&vmc::page_data::time_maxerror_nanosec>));
  CHECK(vmc::is_present(32, vmc::layout_of<&vmc::page_data::flags>));
  CHECK_FALSE(vmc::is_present(32, vmc::layout_of<&vmc::page_data::clock_status>));
  CHECK(vmc::is_present(0xffffffff, vm_generation_counter));

  vmc::page_data p = sample_page();
  p.size = 104;
  CHECK_FALSE(p.has_vm_generation_counter());
  p.size = 112;
  CHECK(p.has_vm_generation_counter());
  p.flags &= ~vmc::flag::vm_gen_counter_present;
  CHECK_FALSE(p.has_vm_generation_counter());  // the flag announces the field too
}

TEST_CASE("decode zeroes the fields that size does not cover", "[vmclock]") {
  vmc::page_data p = sample_page();
  p.size = 104;
  const auto b = encoded<vmc::abi_size>(p);
  const auto shorter = vmc::decode(std::span<const std::byte>(b).first(104));
  REQUIRE(shorter.has_value());
  CHECK(shorter->vm_generation_counter == 0);
  CHECK(shorter->time_maxerror_nanosec == p.time_maxerror_nanosec);

  p.size = 32;  // the minimum: header, seq_count, disruption_marker, flags
  const auto b32 = encoded<vmc::abi_size>(p);
  const auto minimal = vmc::decode(std::span<const std::byte>(b32).first(32));
  REQUIRE(minimal.has_value());
  CHECK(minimal->flags == p.flags);
  CHECK(minimal->disruption_marker == p.disruption_marker);
  CHECK(minimal->clock_status == vmc::clock_status::unknown);
  CHECK(minimal->tai_offset_sec == 0);
  CHECK(minimal->time_sec == 0);
}

TEST_CASE("decode rejects a bad header", "[vmclock]") {
  auto b = encoded<vmc::abi_size>(sample_page());
  CHECK(vmc::decode(std::span<const std::byte>(b).first(31)) == errc::too_short);

  auto bad = b;
  bad[0] = std::byte{'X'};
  CHECK(vmc::decode(bad) == errc::bad_magic);

  bad = b;
  bad[8] = std::byte{2};
  CHECK(vmc::decode(bad) == errc::bad_version);

  vmc::page_data p = sample_page();
  p.size = 31;
  CHECK(vmc::decode(encoded<vmc::abi_size>(p)) == errc::bad_size);
  p.size = 0;
  CHECK(vmc::decode(encoded<vmc::abi_size>(p)) == errc::bad_size);
  // size claims fields that the bytes do not hold
  p.size = 112;
  const auto full = encoded<vmc::abi_size>(p);
  CHECK(vmc::decode(std::span<const std::byte>(full).first(111)) == errc::bad_size);
  CHECK(vmc::decode(std::span<const std::byte>(full).first(64)) == errc::bad_size);
  // a region larger than the structure is fine as long as the known fields are there
  p.size = 0x10000;
  CHECK(vmc::decode(encoded<vmc::abi_size>(p)).has_value());
}

TEST_CASE("spec names of the enum values", "[vmclock]") {
  CHECK(std::strcmp(vmc::name(vmc::clock_status::synchronized), "SYNCHRONIZED") == 0);
  CHECK(std::strcmp(vmc::name(vmc::clock_status::unreliable), "UNRELIABLE") == 0);
  CHECK(std::strcmp(vmc::name(vmc::time_type::tai), "TAI") == 0);
  CHECK(std::strcmp(vmc::name(vmc::time_type::invalid_maybe_smeared), "INVALID_MAYBE_SMEARED") == 0);
  CHECK(std::strcmp(vmc::name(vmc::counter_id::arm_vcnt), "ARM_VCNT") == 0);
  CHECK(std::strcmp(vmc::name(vmc::smearing_hint::noon_linear), "NOON_LINEAR") == 0);
  CHECK(std::strcmp(vmc::name(vmc::leap_indicator::pre_neg), "PRE_NEG") == 0);
  CHECK(vmc::name(static_cast<vmc::clock_status>(5)) == nullptr);
  CHECK(vmc::name(static_cast<vmc::time_type>(0xff)) == nullptr);
  CHECK(vmc::name(static_cast<vmc::counter_id>(2)) == nullptr);
}
