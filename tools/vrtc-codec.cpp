// vrtc-codec: encode and decode virtio-rtc messages, for people reading virtio traces.
//
//   vrtc-codec encode JSON                               -> lowercase hex
//   vrtc-codec decode [--msg NAME --dir req|resp] HEX    -> one JSON object
//
// Every output is exactly one line on stdout. Bad input exits with status 2 and prints
// {"error": "..."}; success exits 0.
#include <vrtc/format/any_message.hpp>
#include <vrtc/format/messages.hpp>
#include <vrtc/format/protocol.hpp>

#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "support/cli.hpp"
#include "support/json.hpp"

namespace {

using namespace vrtc;
using vrtc_tools::failure;
using vrtc_tools::json_object;

constexpr const char* usage_text =
    "usage: vrtc-codec encode JSON\n"
    "       vrtc-codec decode [--msg NAME --dir req|resp] HEX\n"
    "       vrtc-codec --help\n"
    "\n"
    "Encodes a virtio-rtc message (virtio 1.4, device ID 17) given as a flat JSON object into\n"
    "lowercase hex, or decodes hex into such an object. Keys: \"msg\" (READ, READ_CROSS, CFG,\n"
    "CLOCK_CAP, CROSS_CAP, READ_ALARM, SET_ALARM, SET_ALARM_ENABLED, NOTIF_ALARM), \"dir\"\n"
    "(\"req\" or \"resp\"; absent for NOTIF_ALARM) and the spec's field names with integer\n"
    "values (clock_id, hw_counter, clock_reading, counter_cycles, num_clocks, type,\n"
    "leap_second_smearing, flags, alarm_time, status).\n"
    "\n"
    "Output is one line on stdout. Exit status: 0 on success, 2 on bad input, with\n"
    "{\"error\": \"...\"} as the output.\n";

constexpr const char* encode_text =
    "usage: vrtc-codec encode JSON\n"
    "\n"
    "Every field of the message is required; a response's status defaults to 0, and a\n"
    "response with a non-zero status is its 8-byte header alone (no other fields).\n";

constexpr const char* decode_text =
    "usage: vrtc-codec decode [--msg NAME --dir req|resp] HEX\n"
    "\n"
    "Without --msg the message type is read from the bytes (requests and NOTIF_ALARM); a\n"
    "response carries no type, so it needs --msg NAME --dir resp. Bytes beyond the message\n"
    "are ignored, as the spec requires; reserved bytes are not interpreted. HEX may hold\n"
    "spaces and upper-case digits.\n";

const char* dir_name(message_kind k) {
  return k == message_kind::request ? "req" : k == message_kind::response ? "resp" : nullptr;
}

/// "READ req", "CFG resp", "NOTIF_ALARM".
template <class M>
std::string label() {
  const char* d = dir_name(M::kind);
  return std::string(to_string(M::msg_type)) + (d != nullptr ? std::string(" ") + d : "");
}

/// Calls f(M{}) for the message named (name, dir); false if there is none.
template <class F>
bool with_message(std::string_view name, std::optional<std::string_view> dir, F&& f) {
  bool found = false;
  std::apply(
      [&](auto... m) {
        auto try_one = [&](auto msg) {
          using M = decltype(msg);
          if (found || name != to_string(M::msg_type)) return;
          const char* d = dir_name(M::kind);
          if ((d == nullptr) != !dir.has_value()) return;
          if (d != nullptr && *dir != d) return;
          found = true;
          f(msg);
        };
        (try_one(m), ...);
      },
      all_messages{});
  return found;
}

void check_name_and_dir(std::string_view name, std::optional<std::string_view> dir) {
  bool known = false;
  for (auto t : {msg_type::read, msg_type::read_cross, msg_type::cfg, msg_type::clock_cap, msg_type::cross_cap,
                 msg_type::read_alarm, msg_type::set_alarm, msg_type::set_alarm_enabled, msg_type::notif_alarm})
    known = known || name == to_string(t);
  if (!known) throw failure{"unknown message name \"" + std::string(name) + "\""};
  if (name == "NOTIF_ALARM") {
    if (dir) throw failure{"NOTIF_ALARM has no dir (it is an alarmq notification)"};
    return;
  }
  if (!dir) throw failure{"missing dir (\"req\" or \"resp\") for " + std::string(name)};
  if (*dir != "req" && *dir != "resp") throw failure{"dir must be \"req\" or \"resp\", not \"" + std::string(*dir) + "\""};
}

std::string to_hex(std::span<const std::byte> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const std::byte b : bytes) {
    out += digits[std::to_integer<unsigned>(b) >> 4];
    out += digits[std::to_integer<unsigned>(b) & 0xf];
  }
  return out;
}

std::vector<std::byte> from_hex(std::string_view text) {
  std::string digits;
  for (const char c : text) {
    if (c == ' ') continue;
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) throw failure{"invalid hex: unexpected character '" + std::string(1, c) + "'"};
    digits += c;
  }
  if (digits.size() % 2 != 0) throw failure{"invalid hex: odd number of digits"};
  std::vector<std::byte> out;
  for (std::size_t i = 0; i < digits.size(); i += 2)
    out.push_back(static_cast<std::byte>(std::stoul(digits.substr(i, 2), nullptr, 16)));
  return out;
}

// --- encode ----------------------------------------------------------------------------------------

template <class M>
std::string encode_json(const vrtc_tools::json& obj) {
  M m{};
  std::vector<std::string> known{"msg"};
  if (M::kind != message_kind::notification) known.emplace_back("dir");
  bool error_response = false;
  if constexpr (M::kind == message_kind::response) {
    error_response = obj.contains("status") && vrtc_tools::json_uint(obj, "status") != 0u;
  }
  for_each_field(m, [&](const char* name, auto& member) {
    using T = std::remove_cvref_t<decltype(member)>;
    using W = wire_type_t<T>;
    known.emplace_back(name);
    const bool is_status = std::string_view(name) == "status";
    if (!obj.contains(name)) {
      if (is_status || error_response) return;  // status defaults to OK; errors are header-only
      throw failure{"missing field \"" + std::string(name) + "\" for " + label<M>()};
    }
    if (error_response && !is_status)
      throw failure{"field \"" + std::string(name) + "\" is undefined in a response with a non-zero status"};
    const auto v = vrtc_tools::json_uint(obj, name, std::numeric_limits<W>::max());
    if (!v)
      throw failure{"field \"" + std::string(name) + "\" must be an integer from 0 to " +
                      std::to_string(std::numeric_limits<W>::max())};
    member = static_cast<T>(*v);
  });
  for (const auto& [key, value] : obj.items()) {
    bool ok = false;
    for (const auto& k : known) ok = ok || k == key;
    if (!ok) throw failure{"unknown key \"" + key + "\" for " + label<M>()};
  }
  std::array<std::byte, M::size> out{};
  const auto n = encode(m, out);
  return to_hex(std::span(out).first(*n));
}

std::string run_encode(const std::string& text) {
  vrtc_tools::json obj;
  try {
    obj = vrtc_tools::json::parse(text);
  } catch (const vrtc_tools::json::parse_error& e) {
    throw failure{"invalid JSON: " + vrtc_tools::parse_error_text(e)};
  }
  if (!obj.is_object()) throw failure{"invalid JSON: expected an object"};
  auto string_member = [&](const char* key) -> std::optional<std::string> {
    const auto it = obj.find(key);
    if (it == obj.end()) return std::nullopt;
    if (!it->is_string()) throw failure{std::string("\"") + key + "\" must be a string"};
    return it->get<std::string>();
  };
  const auto name = string_member("msg");
  if (!name) throw failure{"missing \"msg\""};
  const auto dir = string_member("dir");
  check_name_and_dir(*name, dir);
  std::string hex;
  with_message(*name, dir, [&](auto m) { hex = encode_json<decltype(m)>(obj); });
  return hex;
}

// --- decode ----------------------------------------------------------------------------------------

/// Why bytes do not decode as M, in words.
template <class M>
std::string describe(errc e, std::span<const std::byte> in) {
  const std::string have = std::to_string(in.size());
  if (e == errc::too_short) {
    if constexpr (M::kind == message_kind::response) {
      if (in.size() >= header_size)
        return "too few bytes for " + label<M>() + ": " + have + ", an OK response needs " + std::to_string(M::size);
      return "too few bytes for " + label<M>() + ": " + have + ", a response needs at least " +
             std::to_string(header_size);
    }
    return "too few bytes for " + label<M>() + ": " + have + ", need " + std::to_string(M::size);
  }
  if (e == errc::unknown_msg_type || e == errc::wrong_msg_type) {
    const auto t = peek_msg_type(in);
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(t.value_or(msg_type{})));
    if (e == errc::wrong_msg_type)
      return std::string("msg_type ") + buf + " is " + to_string(*t) + ", not " + to_string(M::msg_type);
    return std::string("unknown msg_type ") + buf;
  }
  return to_string(e);
}

template <class M>
std::string to_json(const M& m) {
  json_object out;
  out.add("msg", to_string(M::msg_type));
  if (const char* d = dir_name(M::kind)) out.add("dir", d);
  if constexpr (M::kind == message_kind::response) {
    if (m.status != status::ok) return out.add("status", unsigned{static_cast<std::uint8_t>(m.status)}).str();
  }
  for_each_field(m, [&](const char* name, const auto& member) {
    using T = std::remove_cvref_t<decltype(member)>;
    using W = wire_type_t<T>;
    out.add(name, std::uint64_t{static_cast<W>(member)});
  });
  return out.str();
}

template <class M>
std::string decode_as(std::span<const std::byte> in) {
  const auto d = decode<M>(in);
  if (!d) throw failure{describe<M>(d.error(), in)};
  return to_json(*d);
}

std::string run_decode(std::optional<std::string_view> name, std::optional<std::string_view> dir, std::string_view hex) {
  const auto in = from_hex(hex);
  if (name) {
    check_name_and_dir(*name, dir);
    std::string json;
    with_message(*name, dir, [&](auto m) { json = decode_as<decltype(m)>(in); });
    return json;
  }
  if (dir && *dir == "resp") throw failure{"a response carries no msg_type: give --msg NAME --dir resp"};
  if (dir && *dir != "req") throw failure{"dir must be \"req\" or \"resp\", not \"" + std::string(*dir) + "\""};
  const auto t = peek_msg_type(in);
  if (t && *t == msg_type::notif_alarm) {
    if (dir) throw failure{"msg_type 0x2000 is NOTIF_ALARM, which has no dir (it is an alarmq notification)"};
    return decode_as<notif_alarm>(in);
  }
  if (!t) throw failure{"too few bytes: " + std::to_string(in.size()) + ", a msg_type needs 2"};
  if (!is_request(*t)) throw failure{describe<read_request>(errc::unknown_msg_type, in)};
  std::string json;
  with_message(to_string(*t), "req", [&](auto m) { json = decode_as<decltype(m)>(in); });
  return json;
}

int run(int argc, char** argv) {
  CLI::App app(usage_text, "vrtc-codec");
  vrtc_tools::setup(app);
  std::string json_text, hex, name, dir;
  CLI::App* const encode_cmd = app.add_subcommand("encode", encode_text);
  encode_cmd->add_option("JSON", json_text, "The message as a flat JSON object")->type_name("")->required();
  CLI::App* const decode_cmd = app.add_subcommand("decode", decode_text);
  const CLI::Option* const msg_opt = decode_cmd->add_option("--msg", name, "Message name, e.g. CFG (needed for a response)")->type_name("NAME");
  const CLI::Option* const dir_opt = decode_cmd->add_option("--dir", dir, "req or resp")->type_name("req|resp");
  decode_cmd->add_option("HEX", hex, "The message bytes in hex")->type_name("")->required();
  // A word that is no command stays with the top level, to be named in the error.
  app.allow_extras();
  if (const auto done = vrtc_tools::parse(app, argc, argv)) return *done;
  if (!app.remaining().empty())
    throw failure{"unknown command \"" + app.remaining().front() + "\"; try vrtc-codec --help"};
  std::string out;
  if (encode_cmd->parsed()) {
    out = run_encode(json_text);
  } else if (decode_cmd->parsed()) {
    const auto given = [](const CLI::Option* o, const std::string& v) {
      return o->count() > 0 ? std::optional<std::string_view>(v) : std::nullopt;
    };
    out = run_decode(given(msg_opt, name), given(dir_opt, dir), hex);
  } else {
    throw failure{"no command given; try vrtc-codec --help"};
  }
  std::printf("%s\n", out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return vrtc_tools::report_failures([&] { return run(argc, argv); });
}
