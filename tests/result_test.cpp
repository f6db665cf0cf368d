// Tests for include/vrtc/core/result.hpp, errc.hpp, error_code.hpp and assert.hpp: values and
// errors, a richer error type, std::error_code interop, and the contract checks (a child
// process that must abort). The unit tests are built with VRTC_ENABLE_ASSERTS; result_unchecked_test.cpp covers
// a build without it.
#include <sys/wait.h>
#include <unistd.h>

#include <vrtc/core/error_code.hpp>
#include <vrtc/core/result.hpp>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>

namespace {

constexpr vrtc::result<int> half(int x) {
  if (x % 2 != 0) return vrtc::errc::invalid_argument;
  return x / 2;
}

/// An error that carries more than a code, as the Linux edge's access_error does.
struct rich_error {
  vrtc::errc code = vrtc::errc::io_error;
  std::string detail;
  friend bool operator==(const rich_error&, const rich_error&) = default;
};

struct point {
  int x = 0;
  int y = 0;
};

/// A value that is not trivially copyable but is usable in constant expressions: counts the
/// copies made of it, so a test can see that a copy went through its constructor.
struct counted {
  int value = 0;
  int copies = 0;
  constexpr explicit counted(int v) : value(v) {}
  constexpr counted(const counted& o) : value(o.value), copies(o.copies + 1) {}
  constexpr counted& operator=(const counted& o) {
    value = o.value;
    copies = o.copies + 1;
    return *this;
  }
  constexpr ~counted() {}  // NOLINT: user-provided on purpose (not trivially copyable)
};

/// The general layout in a constant expression: copy and move construction of either
/// alternative, and assignment between results that hold the same one.
constexpr int general_layout_in_constant_expression() {
  vrtc::result<counted> a = counted(7);
  vrtc::result<counted> b = a;  // copy of a value
  vrtc::result<counted> e = vrtc::errc::overflow;
  vrtc::result<counted> f = e;  // copy of an error
  b = a;                        // value over value
  f = e;                        // error over error
  vrtc::result<counted> m = std::move(b);
  if (!m || m->value != 7 || m->copies < 2) return -1;
  if (f != vrtc::errc::overflow) return -2;
  return m->value;
}

/// How a child process running `f` ended: the signal that ended it (0 when it exited) and what
/// it wrote to stderr.
struct death {
  int signal = 0;
  std::string stderr_text;
};

template <class F>
death run_in_child(F f) {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  std::fflush(nullptr);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    // The test framework's own SIGABRT handler would report a failure from the child.
    std::signal(SIGABRT, SIG_DFL);
    f();
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  death d;
  char buf[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0) break;
    d.stderr_text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  if (WIFSIGNALED(status)) d.signal = WTERMSIG(status);
  return d;
}

}  // namespace

TEST_CASE("result carries a value or an error", "[result]") {
  STATIC_REQUIRE(half(4).value() == 2);
  STATIC_REQUIRE(half(3).error() == vrtc::errc::invalid_argument);
  const auto ok = half(10);
  REQUIRE(ok.has_value());
  REQUIRE(*ok == 5);
  const auto bad = half(1);
  REQUIRE_FALSE(bad);
  REQUIRE(bad == vrtc::errc::invalid_argument);
  REQUIRE(bad.value_or(-1) == -1);
  REQUIRE(ok.value_or(-1) == 5);
  REQUIRE(std::string(vrtc::to_string(vrtc::errc::too_short)) == "input too short");
  vrtc::result<void> v;
  REQUIRE(v.has_value());
  v = vrtc::errc::overflow;
  REQUIRE(v == vrtc::errc::overflow);
  REQUIRE(v.error() == vrtc::errc::overflow);
  REQUIRE(v != vrtc::result<void>{});
  STATIC_REQUIRE(std::is_same_v<vrtc::result<int>, vrtc::result<int, vrtc::errc>>);
  STATIC_REQUIRE(std::is_same_v<decltype(half(1).error()), vrtc::errc>);
}

TEST_CASE("result holds values that own resources", "[result]") {
  // A non-trivially-copyable value goes through the hand-written copy, move and destructor.
  vrtc::result<std::string> a = std::string(100, 'x');
  vrtc::result<std::string> b = a;
  REQUIRE(*b == std::string(100, 'x'));
  vrtc::result<std::string> c = vrtc::errc::too_short;
  c = b;
  REQUIRE(c.has_value());
  b = vrtc::result<std::string>(vrtc::errc::overflow);
  REQUIRE(b == vrtc::errc::overflow);
  vrtc::result<std::string> d = std::move(c);
  REQUIRE(d->size() == 100);
  STATIC_REQUIRE(std::is_trivially_copyable_v<vrtc::result<int>>);
  STATIC_REQUIRE(!std::is_trivially_copyable_v<vrtc::result<counted>>);
  STATIC_REQUIRE(general_layout_in_constant_expression() == 7);
}

/// A value whose copy throws on request.
struct fragile {
  static inline bool copy_throws = false;
  int value = 0;
  explicit fragile(int v) : value(v) {}
  fragile(const fragile& o) : value(o.value) {
    if (copy_throws) throw std::runtime_error("copy failed");
  }
  fragile(fragile&&) noexcept = default;
  fragile& operator=(const fragile&) = default;
  ~fragile() {}  // NOLINT: user-provided on purpose (the general layout)
};

TEST_CASE("assigning the other alternative keeps the result when the copy throws", "[result]") {
  const vrtc::result<fragile, std::string> value = fragile(5);
  vrtc::result<fragile, std::string> r = std::string("kept");
  fragile::copy_throws = true;
  REQUIRE_THROWS_AS(r = value, std::runtime_error);
  fragile::copy_throws = false;
  REQUIRE(!r.has_value());
  REQUIRE(r.error() == "kept");
  r = value;
  REQUIRE(r.has_value());
  REQUIRE(r->value == 5);
  r = vrtc::result<fragile, std::string>(std::string("again"));
  REQUIRE(r.error() == "again");
}

TEST_CASE("result carries an error type of the caller's choice", "[result]") {
  using r = vrtc::result<std::string, rich_error>;
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<const r&>().error()), const rich_error&>);
  r a = std::string(40, 'v');
  r b = rich_error{vrtc::errc::not_found, std::string(40, 'e')};
  REQUIRE(a.has_value());
  REQUIRE_FALSE(b);
  REQUIRE(b.error().code == vrtc::errc::not_found);
  REQUIRE(b == rich_error{vrtc::errc::not_found, std::string(40, 'e')});
  // Copies and moves across the two states destroy and construct the right member.
  r c = b;
  c = a;
  REQUIRE(*c == std::string(40, 'v'));
  a = std::move(b);
  REQUIRE(a.error().detail == std::string(40, 'e'));
  r moved = std::move(a);
  REQUIRE(moved.error().code == vrtc::errc::not_found);
  REQUIRE(moved.value_or("fallback") == "fallback");

  vrtc::result<void, rich_error> done;
  REQUIRE(done.has_value());
  done = rich_error{vrtc::errc::timed_out, "late"};
  REQUIRE(done.error().detail == "late");
  REQUIRE(done == rich_error{vrtc::errc::timed_out, "late"});

  // A small trivially copyable error keeps the side-by-side layout and is returned by value.
  using small = vrtc::result<point, vrtc::errc>;
  STATIC_REQUIRE(std::is_trivially_copyable_v<small>);
  constexpr small p = point{1, 2};
  STATIC_REQUIRE(p->y == 2);
}

TEST_CASE("errc converts to std::error_code", "[result]") {
  STATIC_REQUIRE(std::is_error_code_enum_v<vrtc::errc>);
  const std::error_code ec = vrtc::errc::too_short;  // implicit, through make_error_code
  REQUIRE(ec);
  REQUIRE(ec == vrtc::errc::too_short);
  REQUIRE(ec != vrtc::errc::overflow);
  REQUIRE(std::string(ec.category().name()) == "vrtc");
  REQUIRE(&ec.category() == &vrtc::error_category());
  REQUIRE(ec.value() == static_cast<int>(vrtc::errc::too_short));
  for (int v = 1; v < 256; ++v) {
    const auto e = static_cast<vrtc::errc>(v);
    INFO("errc value " << v);
    REQUIRE(vrtc::make_error_code(e).message() == vrtc::to_string(e));
  }
  // Codes with a portable meaning compare equal to std::errc conditions; the others do not.
  REQUIRE(std::error_code(vrtc::errc::permission_denied) == std::errc::permission_denied);
  REQUIRE(std::error_code(vrtc::errc::not_found) == std::errc::no_such_file_or_directory);
  REQUIRE(std::error_code(vrtc::errc::timed_out) == std::errc::timed_out);
  REQUIRE(std::error_code(vrtc::errc::invalid_argument) == std::errc::invalid_argument);
  REQUIRE(std::error_code(vrtc::errc::io_error) == std::errc::io_error);
  REQUIRE(std::error_code(vrtc::errc::overflow) == std::errc::value_too_large);
  REQUIRE(std::error_code(vrtc::errc::not_supported) == std::errc::not_supported);
  REQUIRE(std::error_code(vrtc::errc::bad_magic) != std::errc::invalid_argument);
  REQUIRE(std::error_code(vrtc::errc::bad_magic).default_error_condition().category() == vrtc::error_category());
  // The same number in another category is another error.
  REQUIRE(std::error_code(vrtc::errc::too_short) !=
          std::error_code(static_cast<int>(vrtc::errc::too_short), std::generic_category()));
}

TEST_CASE("the unit tests are built with contract checks", "[result][assert]") {
  STATIC_REQUIRE(VRTC_ASSERTS_ENABLED == 1);
  int evaluated = 0;
  VRTC_ASSERT(++evaluated == 1);
  REQUIRE(evaluated == 1);
}

TEST_CASE("a broken result contract aborts with the place and the expression", "[result][assert]") {
  const vrtc::result<int> bad = vrtc::errc::overflow;
  const vrtc::result<int> good = 7;
  vrtc::result<point> bad_point = vrtc::errc::overflow;
  const vrtc::result<void> done;
  const vrtc::result<std::string, rich_error> bad_rich = rich_error{};

  SECTION("value() on an error") {
    const death d = run_in_child([&] { std::printf("%d\n", bad.value()); });
    CHECK(d.signal == SIGABRT);
    CHECK_THAT(d.stderr_text, Catch::Contains("result.hpp:") && Catch::Contains("value() on an error") &&
                                  Catch::Contains("vrtc assertion failed"));
  }
  SECTION("operator* on an error") {
    const death d = run_in_child([&] { std::printf("%d\n", *bad); });
    CHECK(d.signal == SIGABRT);
    CHECK_THAT(d.stderr_text, Catch::Contains("operator* on an error"));
  }
  SECTION("operator-> on an error") {
    const death d = run_in_child([&] { std::printf("%d\n", bad_point->x); });
    CHECK(d.signal == SIGABRT);
    CHECK_THAT(d.stderr_text, Catch::Contains("operator-> on an error"));
  }
  SECTION("error() on a value") {
    const death d = run_in_child([&] { std::printf("%s\n", vrtc::to_string(good.error())); });
    CHECK(d.signal == SIGABRT);
    CHECK_THAT(d.stderr_text, Catch::Contains("error() on a value"));
  }
  SECTION("error() on a success") {
    const death d = run_in_child([&] { std::printf("%s\n", vrtc::to_string(done.error())); });
    CHECK(d.signal == SIGABRT);
    CHECK_THAT(d.stderr_text, Catch::Contains("error() on a value"));
  }
  SECTION("value() on a rich error") {
    const death d = run_in_child([&] { std::printf("%zu\n", bad_rich.value().size()); });
    CHECK(d.signal == SIGABRT);
    CHECK_THAT(d.stderr_text, Catch::Contains("value() on an error"));
  }
  SECTION("the contract kept: the child exits normally") {
    const death d = run_in_child([&] { std::printf("%d %d\n", good.value(), static_cast<int>(bad.error())); });
    CHECK(d.signal == 0);
    CHECK(d.stderr_text.empty());
  }
}
