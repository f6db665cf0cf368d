// vrtc: field tables — a fixed little-endian layout described once, as a list of fields.
//
// A field names its spec name, the member of a host-order value that holds it, and its byte
// offset; its width is the size of the member's (underlying) type. The virtio-rtc messages and
// the vmclock structure are each one table; encode, decode and every per-field walk are
// generated from it, so the layout is written in exactly one place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"

VRTC_BEGIN_NAMESPACE

/// A string usable as a template argument (a field's spec name).
template <std::size_t N>
struct field_name {
  char text[N]{};
  constexpr field_name(const char (&s)[N]) noexcept {  // NOLINT: implicit by design
    for (std::size_t i = 0; i < N; ++i) text[i] = s[i];
  }
};

namespace detail {

template <class P>
struct member_pointer_traits;
template <class C, class V>
struct member_pointer_traits<V C::*> {
  using class_type = C;
  using value_type = V;
};

/// The unsigned integer a value occupies in a layout: an enum's underlying type, the unsigned
/// twin of a signed integer (two's complement on the wire).
template <class V>
struct wire_type_of {
  using type = std::make_unsigned_t<V>;
};
template <class V>
  requires std::is_enum_v<V>
struct wire_type_of<V> {
  using type = std::underlying_type_t<V>;
};

}  // namespace detail

/// The unsigned integer a field of type T occupies in its layout.
template <class T>
using wire_type_t = typename detail::wire_type_of<T>::type;

/// One field of a layout: its spec name, the member that holds it and its byte offset.
template <field_name Name, auto Member, std::size_t Offset>
struct field {
  using class_type = typename detail::member_pointer_traits<decltype(Member)>::class_type;
  using value_type = typename detail::member_pointer_traits<decltype(Member)>::value_type;
  using wire_type = wire_type_t<value_type>;
  static_assert(wire_uint<wire_type>, "a field is an integer or an enum of one");
  static_assert(Offset % sizeof(wire_type) == 0, "the layouts' fields are naturally aligned");
  static constexpr const char* name = Name.text;
  static constexpr auto member = Member;
  static constexpr std::size_t offset = Offset;
  static constexpr std::size_t width = sizeof(wire_type);

  [[nodiscard]] static constexpr wire_type get(const class_type& v) noexcept { return static_cast<wire_type>(v.*Member); }
  static constexpr void set(class_type& v, wire_type w) noexcept { v.*Member = static_cast<value_type>(w); }
  /// Reads the field from `in`, which holds the whole layout.
  static constexpr void load(class_type& v, std::span<const std::byte> in) noexcept { set(v, load_le<wire_type>(in, Offset)); }
  /// Writes the field into `out`, which holds the whole layout.
  static constexpr void store(const class_type& v, std::span<std::byte> out) noexcept { store_le(out, Offset, get(v)); }
};

/// A table of fields. for_each calls `fn(F{})` for each field in order: a fold, so the calls
/// inline into straight-line code with every offset a constant.
template <class... F>
struct field_list {
  static constexpr std::size_t count = sizeof...(F);
  template <class Fn>
  [[gnu::always_inline]] static constexpr void for_each(Fn&& fn) {
    (fn(F{}), ...);
  }
};

VRTC_END_NAMESPACE
