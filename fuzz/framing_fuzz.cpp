// Fuzz target: the runner framing (conformance/framing.hpp) on arbitrary byte streams.
//
// Records are decoded back to back until one fails. decode_record fails only with too_short,
// bad_size or invalid_argument and never claims more bytes than the input holds; a record's
// size is 4 + its length field. Every payload that parses re-encodes, through the builders, to
// exactly the record's bytes; replies carrying a buffer (response, notification) are parsed with
// the buffer size the payload implies, and with any other size they are refused.
#include <vrtc/conformance/framing.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace {

using namespace vrtc;
using namespace vrtc::conformance;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void same(const std::vector<std::byte>& rebuilt, std::span<const std::byte> original) {
  check(rebuilt.size() == original.size() && std::equal(rebuilt.begin(), rebuilt.end(), original.begin()));
}

void round_trip(const record& r, std::span<const std::byte> bytes) {
  const auto p = r.payload;
  switch (r.type) {
    case record_type::hello:
      if (const auto h = parse_hello(p)) same(make_hello(*h), bytes);
      break;
    case record_type::hello_reply:
      if (const auto h = parse_hello_reply(p)) same(make_hello_reply(*h), bytes);
      break;
    case record_type::request:
      if (const auto q = parse_request(p)) {
        check(q->writable_size <= max_buffer_size);
        same(make_request(q->writable_size, q->fill, q->readable), bytes);
      }
      break;
    case record_type::response:
    case record_type::notification:
      if (p.size() >= 4) {
        const auto n = static_cast<std::uint32_t>(p.size() - 4);
        if (r.type == record_type::response) {
          const auto q = parse_response(p, n);
          check(q.has_value());
          same(make_response(q->used, q->writable), bytes);
          check(!parse_response(p, n + 1));
        } else {
          const auto q = parse_notification(p, n);
          check(q.has_value());
          same(make_notification(q->used, q->buffer), bytes);
          check(n == 0 || !parse_notification(p, n - 1));
        }
      } else {
        check(!parse_response(p, 0) && !parse_notification(p, 0));
      }
      break;
    case record_type::negotiate:
      if (const auto n = parse_negotiate(p)) same(make_negotiate(n->features), bytes);
      break;
    case record_type::advance:
      if (const auto n = parse_advance(p)) same(make_advance(n->nanoseconds), bytes);
      break;
    case record_type::step:
      if (const auto n = parse_step(p)) same(make_step(n->clock_id, n->delta), bytes);
      break;
    case record_type::step_reply:
      if (const auto n = parse_step_reply(p)) same(make_step_reply(n->stepped), bytes);
      break;
    case record_type::alarmq:
      if (const auto n = parse_alarmq(p)) {
        check(n->buffer_size <= max_buffer_size);
        same(make_alarmq(n->buffer_size, n->fill), bytes);
      }
      break;
    default:
      if (parse_empty(p)) same(make_record(r.type), bytes);
      else check(!p.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::byte> in(size);
  std::transform(data, data + size, in.begin(), [](std::uint8_t v) { return std::byte{v}; });
  std::span<const std::byte> rest(in);
  while (!rest.empty()) {
    const auto r = decode_record(rest);
    if (!r) {
      check(r.error() == errc::too_short || r.error() == errc::bad_size || r.error() == errc::invalid_argument);
      break;
    }
    check(r->size >= 5 && r->size <= rest.size());
    check(r->size == 4 + std::size_t{load_le<std::uint32_t>(rest, 0)});
    check(is_known(r->type));
    check(r->payload.data() == rest.data() + 5 && r->payload.size() == r->size - 5);
    round_trip(*r, rest.first(r->size));
    rest = rest.subspan(r->size);
  }
  return 0;
}
