// Fuzz target: the dispatching decoders, as a device and a driver use them.
//
// The input is read as a queue of requests, back to back (a device's view of requestq):
// decode_request takes the next one, its variant re-encodes to the same value, and the loop
// moves on by the request's size. Each request's bytes are also read as the response a driver
// would expect for it (decode_response with that msg_type). Any inconsistency traps.
#include <vrtc/format/any_message.hpp>
#include <vrtc/format/messages.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

namespace {

using namespace vrtc;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

std::size_t size_of(const any_request& r) {
  return std::visit([](const auto& m) { return std::remove_cvref_t<decltype(m)>::size; }, r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto in = std::as_bytes(std::span(data, size));
  while (!in.empty()) {
    const auto req = decode_request(in);
    if (!req) {
      const errc e = req.error();
      require(e == errc::too_short || e == errc::unknown_msg_type);
      if (e == errc::unknown_msg_type) require(!is_request(*peek_msg_type(in)));
      // A device answers this request with an error and drops the rest of the buffer.
      break;
    }
    const msg_type type = msg_type_of(*req);
    require(is_request(type) && *peek_msg_type(in) == type);

    std::array<std::byte, max_request_size> out{};
    const auto n = encode(*req, out);
    require(n.has_value() && *n == size_of(*req) && *n <= in.size());
    require(decode_request(std::span(out).first(*n)) == req);

    // The same bytes as the response to `type`: an OK response needs its full size, an
    // error response only its header; either decodes to the alternative for `type`.
    const auto resp = decode_response(type, in);
    if (resp) {
      require(msg_type_of(*resp) == type);
      std::array<std::byte, max_response_size> rout{};
      const auto rn = encode(*resp, rout);
      require(rn.has_value() && *rn <= in.size());
      require(decode_response(type, std::span(rout).first(*rn)) == resp);
    } else {
      require(resp.error() == errc::too_short);
    }

    in = in.subspan(*n);
  }
  return 0;
}
