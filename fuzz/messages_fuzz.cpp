// Fuzz target: any bytes decoded as every virtio-rtc message kind.
//
// Invariants (a violation traps):
//  * decode never crashes and fails only with the errors its contract lists;
//  * an accepted message re-encodes to bytes that decode to the same value, that carry the
//    input's bytes in every non-reserved position, and whose reserved bytes are zero;
//  * the dispatching decoders agree with the per-type decoders.
#include <vrtc/format/any_message.hpp>
#include <vrtc/format/messages.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <tuple>

namespace {

using namespace vrtc;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

template <class M>
void check_kind(std::span<const std::byte> in) {
  const auto d = decode<M>(in);
  if (!d) {
    const errc e = d.error();
    if constexpr (M::kind == message_kind::response) {
      require(e == errc::too_short);
    } else {
      require(e == errc::too_short || e == errc::unknown_msg_type || e == errc::wrong_msg_type);
      if (e == errc::unknown_msg_type) require(!is_known(*peek_msg_type(in)));
    }
    return;
  }

  // Re-encode into a span (the used length) and into a fixed array; both decode to d.
  std::array<std::byte, M::size> out{};
  const auto n = encode(*d, out);
  require(n.has_value() && *n == encoded_size(*d) && *n <= in.size());
  require(decode<M>(std::span(out).first(*n)) == d);
  require(decode<M>(encode(*d)) == d);
  require(!has_nonzero_reserved<M>(out));

  // Identical non-reserved bytes. An error response keeps only its status byte.
  for (const wire_row& row : wire_layout<M>.view()) {
    if (row.is_reserved() || row.offset >= *n) continue;
    for (std::size_t i = row.offset; i < row.offset + row.size; ++i) require(out[i] == in[i]);
  }
  // Reserved bytes are reported exactly when the input's differ from the canonical zeros.
  bool differs = false;
  for (std::size_t i = 0; i < *n; ++i) differs = differs || out[i] != in[i];
  require(has_nonzero_reserved<M>(in) == differs);

  // Dispatch agrees.
  if constexpr (M::kind == message_kind::request) {
    const auto any = decode_request(in);
    require(any.has_value() && std::holds_alternative<M>(*any) && std::get<M>(*any) == *d);
    require(request_has_nonzero_reserved(in) == differs);
  } else if constexpr (M::kind == message_kind::response) {
    const auto any = decode_response(M::msg_type, in);
    require(any.has_value() && std::holds_alternative<M>(*any) && std::get<M>(*any) == *d);
  } else {
    require(decode_request(in) == errc::unknown_msg_type);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto in = std::as_bytes(std::span(data, size));
  std::apply([&](auto... m) { (check_kind<decltype(m)>(in), ...); }, all_messages{});
  return 0;
}
