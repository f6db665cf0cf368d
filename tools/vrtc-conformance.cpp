// vrtc-conformance: runs the device conformance suite against a virtio-rtc device in another
// process, in any language, that speaks the framing of docs/conformance.md on stdin/stdout,
// or against a vhost-user back-end through real rings.
//
//   vrtc-conformance [--json] [--junit FILE] [--timeout MS] -- COMMAND [ARGS...]
//   vrtc-conformance [--json] [--junit FILE] [--timeout MS] [--alarm-wait MS] [--reuse-eventfds]
//                    --vhost-user SOCKET
//
// Exit status: 0 every applicable check passed; 1 some check failed; 2 usage or protocol error
// (the device died, sent a malformed record, or did not answer within the timeout).
#include <vrtc/conformance/device_suite.hpp>
#include <vrtc/conformance/framing.hpp>
#include <vrtc/conformance/linux/vhost_user_frontend.hpp>
#include <vrtc/conformance/linux/vhost_user_suite.hpp>
#include <vrtc/conformance/report.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/cli.hpp"
#include "support/files.hpp"

namespace {

using namespace vrtc;
using namespace vrtc::conformance;

constexpr const char* usage_text =
    "usage: vrtc-conformance [--json] [--junit FILE] [--timeout MS] -- COMMAND [ARGS...]\n"
    "       vrtc-conformance [--json] [--junit FILE] [--timeout MS] [--alarm-wait MS] [--reuse-eventfds]\n"
    "                        --vhost-user SOCKET\n"
    "Starts COMMAND as a virtio-rtc device speaking the vrtc-conformance framing on its\n"
    "stdin/stdout and runs the device conformance suite against it; or connects to the\n"
    "vhost-user back-end listening on SOCKET as its front-end and runs the device suite and the\n"
    "transport checks through real rings in shared memory.\n"
    "\n"
    "Exit status: 0 all applicable checks pass, 1 a check fails, 2 usage or protocol error.\n";

constexpr std::byte fill_byte{0xA5};

/// The device process and the framing to it. After the first error every call is refused and
/// `error` says what happened.
class child_device {
 public:
  bool start(char** argv, int timeout_ms) {
    timeout_ms_ = timeout_ms;
    int in[2];
    int out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) return set_error("pipe: " + errno_text());
    pid_ = ::fork();
    if (pid_ < 0) return set_error("fork: " + errno_text());
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::execvp(argv[0], argv);
      std::fprintf(stderr, "vrtc-conformance: cannot run %s: %s\n", argv[0], std::strerror(errno));
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to_child_ = in[1];
    from_child_ = out[0];
    return true;
  }

  /// Sends one record and returns the payload of the reply, which must have type `expect`.
  std::optional<std::vector<std::byte>> call(const std::vector<std::byte>& command, record_type expect) {
    if (!error.empty()) return std::nullopt;
    if (!write_all(command)) return std::nullopt;
    std::array<std::byte, 4> head{};
    if (!read_exact(head.data(), head.size())) return std::nullopt;
    const std::uint32_t length = load_le<std::uint32_t>(head, 0);
    if (length == 0 || length > max_record_length) {
      set_error("the device sent a record length of " + std::to_string(length));
      return std::nullopt;
    }
    std::vector<std::byte> frame(4 + std::size_t{length});
    std::copy(head.begin(), head.end(), frame.begin());
    if (!read_exact(frame.data() + 4, length)) return std::nullopt;
    const auto rec = decode_record(frame);
    if (!rec) {
      set_error(std::string("malformed record from the device: ") + to_string(rec.error()));
      return std::nullopt;
    }
    if (rec->type != expect) {
      set_error("the device answered with record type " + std::to_string(static_cast<unsigned>(rec->type)) +
                ", expected " + std::to_string(static_cast<unsigned>(expect)));
      return std::nullopt;
    }
    return std::vector<std::byte>(rec->payload.begin(), rec->payload.end());
  }

  bool set_error(std::string e) {
    if (error.empty()) error = std::move(e);
    return false;
  }

  /// Says goodbye when still healthy, then makes sure the child is gone.
  void finish() {
    if (pid_ <= 0) return;
    if (error.empty()) (void)call(make_record(record_type::bye), record_type::bye_reply);
    if (to_child_ >= 0) ::close(to_child_);
    to_child_ = -1;
    int status = 0;
    for (int i = 0; i < 50; ++i) {  // up to 0.5 s to exit on its own
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      ::usleep(10'000);
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (from_child_ >= 0) ::close(from_child_);
    from_child_ = -1;
  }

  std::string error;

 private:
  static std::string errno_text() { return std::strerror(errno); }

  bool write_all(const std::vector<std::byte>& bytes) {
    const std::byte* p = bytes.data();
    std::size_t n = bytes.size();
    while (n > 0) {
      const ssize_t r = ::write(to_child_, p, n);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return set_error("cannot write to the device: " + (r < 0 ? errno_text() : std::string("closed")));
      p += r;
      n -= static_cast<std::size_t>(r);
    }
    return true;
  }

  bool read_exact(std::byte* p, std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
    while (n > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return set_error("no reply from the device within " + std::to_string(timeout_ms_) + " ms");
      pollfd pfd{from_child_, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) return set_error("poll: " + errno_text());
      if (ready == 0) continue;
      const ssize_t r = ::read(from_child_, p, n);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return set_error("cannot read from the device: " + errno_text());
      if (r == 0) return set_error("the device closed its output (exited?)");
      p += r;
      n -= static_cast<std::size_t>(r);
    }
    return true;
  }

  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  int timeout_ms_ = 10'000;
};

/// The device under test, through the framing.
device_under_test adapt(child_device& c, const hello_reply_payload& hello) {
  device_under_test d;
  d.offered_features = hello.offered_features;
  d.handle = [&c](std::span<const std::byte> readable, std::span<std::byte> writable) -> std::size_t {
    const auto size = static_cast<std::uint32_t>(writable.size());
    const auto reply = c.call(make_request(size, fill_byte, readable), record_type::response);
    if (!reply) return 0;
    const auto r = parse_response(*reply, size);
    if (!r) {
      c.set_error("malformed response record (it must carry the used length and " + std::to_string(size) + " bytes)");
      return 0;
    }
    std::copy(r->writable.begin(), r->writable.end(), writable.begin());
    return r->used;
  };
  if (hello.hooks & hook_reset)
    d.reset = [&c] {
      if (const auto p = c.call(make_record(record_type::reset), record_type::reset_reply); p && !parse_empty(*p))
        c.set_error("malformed reset reply");
    };
  if (hello.hooks & hook_negotiate)
    d.negotiate = [&c](std::uint64_t f) {
      if (const auto p = c.call(make_negotiate(f), record_type::negotiate_reply); p && !parse_empty(*p))
        c.set_error("malformed negotiate reply");
    };
  if (hello.hooks & hook_advance)
    d.advance = [&c](std::uint64_t ns) {
      if (const auto p = c.call(make_advance(ns), record_type::advance_reply); p && !parse_empty(*p))
        c.set_error("malformed advance reply");
    };
  if (hello.hooks & hook_step)
    d.step = [&c](std::uint16_t id, std::int64_t delta) {
      const auto p = c.call(make_step(id, delta), record_type::step_reply);
      if (!p) return false;
      const auto s = parse_step_reply(*p);
      if (!s) c.set_error("malformed step reply");
      return s && s->stepped;
    };
  if (hello.hooks & hook_alarmq)
    d.alarmq = [&c](std::span<std::byte> buffer) -> std::size_t {
      const auto size = static_cast<std::uint32_t>(buffer.size());
      const auto p = c.call(make_alarmq(size, fill_byte), record_type::notification);
      if (!p) return 0;
      const auto n = parse_notification(*p, size);
      if (!n) {
        c.set_error("malformed notification record");
        return 0;
      }
      std::copy(n->buffer.begin(), n->buffer.end(), buffer.begin());
      return n->used;
    };
  return d;
}

// --- output ------------------------------------------------------------------------------------

std::string verdict_word(verdict v) {
  switch (v) {
    case verdict::pass: return "PASS";
    case verdict::fail: return "FAIL";
    case verdict::not_applicable: return "N/A ";
  }
  return "?";
}

void print_text(const report& r) {
  for (const check_result& c : r.results) {
    std::printf("%s %s\n", verdict_word(c.outcome).c_str(), c.id.c_str());
    if (c.outcome == verdict::fail) {
      std::printf("     requirement: %s\n", c.title.c_str());
      if (!c.request.empty()) std::printf("     request:     %s\n", c.request.c_str());
      if (!c.response.empty()) std::printf("     response:    %s\n", c.response.c_str());
      std::printf("     expected:    %s\n", c.expected.c_str());
      if (!c.detail.empty()) std::printf("     observed:    %s\n", c.detail.c_str());
    } else if (c.outcome == verdict::not_applicable) {
      std::printf("     reason: %s\n", c.detail.c_str());
    }
  }
  std::printf("%zu checks: %zu passed, %zu failed, %zu not applicable\n", r.results.size(), r.passed(), r.failed(),
              r.not_applicable());
}

std::string verdict_json(verdict v) {
  return v == verdict::not_applicable ? "not_applicable" : to_string(v);
}

void print_json(const report& r) {
  vrtc_tools::json checks = vrtc_tools::json::array();
  for (const check_result& c : r.results) {
    vrtc_tools::json_object o;
    o.add("id", c.id).add("section", c.section).add("title", c.title).add("verdict", verdict_json(c.outcome));
    for (const auto& [key, value] : {std::pair{"request", &c.request}, std::pair{"response", &c.response},
                                     std::pair{"expected", &c.expected}, std::pair{"detail", &c.detail}})
      if (!value->empty()) o.add(key, *value);
    checks.push_back(o.value());
  }
  vrtc_tools::json_object out;
  out.add("framing_version", std::uint64_t{framing_version}).set("checks", std::move(checks));
  out.add("passed", std::uint64_t{r.passed()}).add("failed", std::uint64_t{r.failed()});
  out.add("not_applicable", std::uint64_t{r.not_applicable()});
  std::printf("%s\n", out.str().c_str());
}

std::string xml_escape(std::string_view text) {
  std::string s;
  for (const char ch : text) {
    switch (ch) {
      case '&': s += "&amp;"; break;
      case '<': s += "&lt;"; break;
      case '>': s += "&gt;"; break;
      case '"': s += "&quot;"; break;
      case '\'': s += "&apos;"; break;
      default:
        // XML 1.0 allows no control characters other than tab, newline and carriage return.
        if (static_cast<unsigned char>(ch) >= 0x20 || ch == '\t' || ch == '\n' || ch == '\r') s.push_back(ch);
        else s += '?';
    }
  }
  return s;
}

bool write_junit(const report& r, const std::string& path) {
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  s += "  <testsuite name=\"vrtc-conformance device\" tests=\"" + std::to_string(r.results.size()) + "\" failures=\"" +
       std::to_string(r.failed()) + "\" errors=\"0\" skipped=\"" + std::to_string(r.not_applicable()) + "\">\n";
  for (const check_result& c : r.results) {
    s += "    <testcase classname=\"virtio-rtc." + xml_escape(c.section) + "\" name=\"" + xml_escape(c.id) + "\"";
    if (c.outcome == verdict::pass) {
      s += "/>\n";
      continue;
    }
    s += ">\n";
    if (c.outcome == verdict::fail) {
      s += "      <failure message=\"expected " + xml_escape(c.expected) + "\">";
      s += xml_escape("requirement: " + c.title + "\nrequest: " + c.request + "\nresponse: " + c.response +
                      "\nexpected: " + c.expected + "\nobserved: " + c.detail);
      s += "</failure>\n";
    } else {
      s += "      <skipped message=\"" + xml_escape(c.detail) + "\"/>\n";
    }
    s += "    </testcase>\n";
  }
  s += "  </testsuite>\n</testsuites>\n";
  // Opened without blocking (a FIFO with no reader would hang a plain open): a regular file, or a
  // character device such as /dev/stdout on a terminal.
  const auto f = vrtc::vmclock::open_checked(path, O_WRONLY | O_CREAT | O_TRUNC, vrtc::vmclock::file_kinds::regular_or_device);
  if (!f) {
    std::fprintf(stderr, "vrtc-conformance: %s: %s\n", path.c_str(),
                 vrtc::vmclock::describe_failure(f.error(), vrtc::vmclock::file_kinds::regular_or_device).c_str());
    return false;
  }
  const bool ok = vrtc_tools::write_all(f->fd, s);
  return ::close(f->fd) == 0 && ok;
}

int finish(const report& rep, bool json, const std::string& junit) {
  if (json) print_json(rep);
  else print_text(rep);
  if (!junit.empty() && !write_junit(rep, junit)) {
    std::fprintf(stderr, "vrtc-conformance: cannot write %s\n", junit.c_str());
    return 2;
  }
  return rep.ok() ? 0 : 1;
}

/// The device suite through real rings, then the transport checks, in one report; an empty
/// report after a transport error (printed).
report run_vhost_user(const std::string& socket, int timeout_ms, int alarm_wait_ms, bool reuse_eventfds) {
  vhost_user_frontend_options options;
  options.reuse_eventfds = reuse_eventfds;
  options.timeout_ms = timeout_ms;
  options.quiet_ms = alarm_wait_ms;
  vhost_user_frontend f(options);
  report rep;
  if (f.connect(socket) && f.probe() && f.start(f.offered_features() & vhost_user_frontend::device_feature_mask)) {
    rep = run_device_suite(vhost_user_device(f, alarm_wait_ms));
    if (f.ok()) {
      report transport = run_vhost_user_checks(f, alarm_wait_ms);
      for (auto& r : transport.results) rep.results.push_back(std::move(r));
    }
  }
  if (!f.ok()) {
    std::fprintf(stderr, "vrtc-conformance: vhost-user transport error: %s\n", f.error().c_str());
    return {};
  }
  return rep;
}

/// A whole number of milliseconds in [1, max] for `option`, or an error on stderr.
std::optional<int> parse_ms(const char* option, const std::string& v, long max) {
  char* end = nullptr;
  const long ms = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || ms <= 0 || ms > max) {
    std::fprintf(stderr, "vrtc-conformance: bad %s '%s' (1 to %ld ms)\n", option, v.c_str(), max);
    return std::nullopt;
  }
  return static_cast<int>(ms);
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false;
  std::string junit;
  int timeout_ms = 10'000;
  int alarm_wait_ms = 100;
  bool reuse_eventfds = false;
  std::string vhost_socket, timeout_text, alarm_wait_text;
  // Everything after the first "--" is the device's command line, never parsed here.
  int i = 1;
  while (i < argc && std::string_view(argv[i]) != "--") ++i;
  const int own_args = i;
  if (i < argc) ++i;

  CLI::App app(usage_text, "vrtc-conformance");
  vrtc_tools::setup(app);
  app.add_flag("--json", json, "Print the report as JSON instead of text");
  app.add_option("--junit", junit, "Also write the report as JUnit XML to FILE")->type_name("FILE");
  const CLI::Option* timeout_opt =
      app.add_option("--timeout", timeout_text, "Longest wait for one reply (default 10000)")->type_name("MS");
  const CLI::Option* alarm_wait_opt =
      app.add_option("--alarm-wait", alarm_wait_text, "vhost-user: how long an alarmq buffer is watched (default 100)")
          ->type_name("MS");
  app.add_flag("--reuse-eventfds", reuse_eventfds, "vhost-user: the same eventfds again after a device reset");
  app.add_option("--vhost-user", vhost_socket, "Connect to the vhost-user back-end on SOCKET")->type_name("SOCKET");
  const auto to_stderr = [](const std::string& why) { std::fprintf(stderr, "vrtc-conformance: %s\n", why.c_str()); };
  if (const auto done = vrtc_tools::parse(app, own_args, argv, to_stderr)) return *done;
  if (alarm_wait_opt->count() > 0) {
    const auto ms = parse_ms("--alarm-wait", alarm_wait_text, 60'000);
    if (!ms) return 2;
    alarm_wait_ms = *ms;
  }
  if (timeout_opt->count() > 0) {
    const auto ms = parse_ms("--timeout", timeout_text, 3'600'000);
    if (!ms) return 2;
    timeout_ms = *ms;
  }
  ::signal(SIGPIPE, SIG_IGN);  // a dead device shows as a write error, not a signal
  report rep;
  if (!vhost_socket.empty()) {
    if (i < argc) {
      std::fputs(usage_text, stderr);
      return 2;
    }
    rep = run_vhost_user(vhost_socket, timeout_ms, alarm_wait_ms, reuse_eventfds);
    if (rep.results.empty()) return 2;
    return finish(rep, json, junit);
  }
  if (i >= argc) {
    std::fputs(usage_text, stderr);
    return 2;
  }

  child_device child;
  if (child.start(argv + i, timeout_ms)) {
    const auto p = child.call(make_hello(), record_type::hello_reply);
    const auto hello = p ? parse_hello_reply(*p) : result<hello_reply_payload>(errc::bad_size);
    if (p && !hello) child.set_error("malformed hello reply");
    else if (hello && hello->version != framing_version)
      child.set_error("the device speaks framing version " + std::to_string(hello->version));
    else if (hello && (hello->hooks & ~known_hooks) != 0)
      child.set_error("the device announces unknown hooks");
    if (child.error.empty()) rep = run_device_suite(adapt(child, *hello));
  }
  child.finish();
  if (!child.error.empty()) {
    std::fprintf(stderr, "vrtc-conformance: protocol error: %s\n", child.error.c_str());
    return 2;
  }
  return finish(rep, json, junit);
}
