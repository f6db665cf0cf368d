// vrtc: result<T, E>, the return type of every fallible operation: a T, or an error E (errc
// unless an edge needs more, like vmclock::access_error). Using value() on an error, or
// error() on a value, breaks the contract; VRTC_ASSERT checks it (vrtc/core/assert.hpp).
#pragma once

#include <new>
#include <type_traits>
#include <utility>

#include "vrtc/core/assert.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/errc.hpp"

VRTC_BEGIN_NAMESPACE

namespace detail {

// Storage for result<T, E>, chosen by what T and E allow:
//  * both trivially copyable and default-constructible (every message and snapshot type with
//    errc): the value and the error side by side, so the optimiser keeps them in registers
//    instead of writing a union through memory and reading it back wider (a store-forwarding
//    stall);
//  * both trivially copyable otherwise: an all-defaulted union;
//  * everything else: hand-written special members.
// Specialisations rather than constrained special members, which clang 14 does not support.
enum class result_layout { side_by_side, trivial_union, general };

template <class T, class E>
inline constexpr result_layout result_layout_for =
    !(std::is_trivially_copyable_v<T> && std::is_trivially_copyable_v<E>) ? result_layout::general
    : (std::is_default_constructible_v<T> && std::is_default_constructible_v<E>) ? result_layout::side_by_side
                                                                                 : result_layout::trivial_union;

/// Selects the error constructor of the storage (T and E may convert into each other).
struct error_tag {};

template <class T, class E, result_layout = result_layout_for<T, E>>
struct result_storage {
  [[gnu::always_inline]] constexpr explicit result_storage(const T& v) : value_(v), ok_(true) {}
  [[gnu::always_inline]] constexpr result_storage(error_tag, const E& e) noexcept : value_(), error_(e), ok_(false) {}

  [[nodiscard]] constexpr T& value_ref() noexcept { return value_; }
  [[nodiscard]] constexpr const T& value_ref() const noexcept { return value_; }
  [[nodiscard]] constexpr const E& error_ref() const noexcept { return error_; }

  T value_;
  E error_{};
  bool ok_;
};

template <class T, class E>
struct result_storage<T, E, result_layout::trivial_union> {
  [[gnu::always_inline]] constexpr explicit result_storage(const T& v) : value_(v), ok_(true) {}
  [[gnu::always_inline]] constexpr result_storage(error_tag, const E& e) noexcept : error_(e), ok_(false) {}

  [[nodiscard]] constexpr T& value_ref() noexcept { return value_; }
  [[nodiscard]] constexpr const T& value_ref() const noexcept { return value_; }
  [[nodiscard]] constexpr const E& error_ref() const noexcept { return error_; }

  union {
    T value_;
    E error_;
  };
  bool ok_;
};

/// The union of the general layout, built by constructors: a member initialiser is the one way
/// to begin a union member's lifetime in a constant expression without std::construct_at, and
/// <memory> (its header) would be most of this header's compile time.
struct value_tag {};

template <class T, class E>
union result_union {
  template <class V>
  constexpr result_union(value_tag, V&& v) : value_(std::forward<V>(v)) {}
  template <class V>
  constexpr result_union(error_tag, V&& e) : error_(std::forward<V>(e)) {}
  constexpr ~result_union() {}  // the owning storage destroys the active member

  T value_;
  E error_;
};

template <class T, class E>
struct result_storage<T, E, result_layout::general> {
  static constexpr bool nothrow_move = std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_constructible_v<E>;
  using payload = result_union<T, E>;

  constexpr explicit result_storage(const T& v) : u_(value_tag{}, v), ok_(true) {}
  constexpr explicit result_storage(T&& v) : u_(value_tag{}, std::move(v)), ok_(true) {}
  constexpr result_storage(error_tag, const E& e) : u_(error_tag{}, e), ok_(false) {}
  constexpr result_storage(error_tag, E&& e) : u_(error_tag{}, std::move(e)), ok_(false) {}
  // The conditional is a prvalue of the union type, so it initialises u_ in place.
  constexpr result_storage(const result_storage& o)
      : u_(o.ok_ ? payload(value_tag{}, o.u_.value_) : payload(error_tag{}, o.u_.error_)), ok_(o.ok_) {}
  constexpr result_storage(result_storage&& o) noexcept(nothrow_move)
      : u_(o.ok_ ? payload(value_tag{}, std::move(o.u_.value_)) : payload(error_tag{}, std::move(o.u_.error_))),
        ok_(o.ok_) {}
  // Assigning a result that holds the same alternative assigns the member (constexpr); switching
  // alternatives destroys one and placement-constructs the other, which C++20 does not allow in
  // a constant expression.
  constexpr result_storage& operator=(const result_storage& o) {
    if (this != &o) assign(o);
    return *this;
  }
  constexpr result_storage& operator=(result_storage&& o) noexcept(nothrow_move) {
    if (this != &o) assign(std::move(o));
    return *this;
  }
  constexpr ~result_storage() { destroy(); }

  [[nodiscard]] constexpr T& value_ref() noexcept { return u_.value_; }
  [[nodiscard]] constexpr const T& value_ref() const noexcept { return u_.value_; }
  [[nodiscard]] constexpr const E& error_ref() const noexcept { return u_.error_; }

  payload u_;
  bool ok_;

 private:
  constexpr void destroy() noexcept {
    if (ok_) u_.value_.~T();
    else u_.error_.~E();
  }
  template <class Other>
  constexpr void assign(Other&& o) {
    if (ok_ && o.ok_) {
      u_.value_ = std::forward<Other>(o).u_.value_;
    } else if (!ok_ && !o.ok_) {
      u_.error_ = std::forward<Other>(o).u_.error_;
    } else if (o.ok_) {
      replace<T>(u_.value_, std::forward<Other>(o).u_.value_);
    } else {
      replace<E>(u_.error_, std::forward<Other>(o).u_.error_);
    }
  }
  /// Switches to the alternative `slot` with a copy of `from`. The copy is made before the old
  /// alternative is destroyed, so a copy that throws leaves this result as it was; only a
  /// throwing move (rare, and then no stronger guarantee is possible) could leave it empty.
  template <class New, class Slot, class From>
  constexpr void replace(Slot& slot, From&& from) {
    New fresh(std::forward<From>(from));
    destroy();
    ok_ = std::is_same_v<New, T>;
    ::new (static_cast<void*>(&slot)) New(std::move(fresh));
  }
};

/// What error() returns: a small trivially copyable error by value (errc), anything else by
/// reference.
template <class E>
using error_return_t = std::conditional_t<std::is_trivially_copyable_v<E> && std::is_default_constructible_v<E> &&
                                              sizeof(E) <= 2 * sizeof(void*),
                                          E, const E&>;

}  // namespace detail

/// Either a T or an error E. Every accessor is constexpr. value(), operator* and operator-> on
/// an error, and error() on a value, are contract violations: test has_value() first.
/// VRTC_ASSERT checks them (a compile error in a constant expression).
template <class T, class E = errc>
class [[nodiscard]] result : private detail::result_storage<T, E> {
  static_assert(!std::is_reference_v<T>, "result<T&> is not supported");
  static_assert(!std::is_reference_v<E> && !std::is_void_v<E>, "the error is an object type");
  static_assert(!std::is_same_v<std::remove_cv_t<T>, E>, "a value and an error of the same type are ambiguous");
  using storage = detail::result_storage<T, E>;
  using storage::error_ref;
  using storage::ok_;
  using storage::value_ref;

 public:
  using value_type = T;
  using error_type = E;

  // Always inlined: a constructor left out of line on a cold path takes the address of the
  // caller's result, which then lives in memory on the hot path too.
  // NOLINTNEXTLINE: implicit by design
  [[gnu::always_inline]] constexpr result(const T& v) noexcept(std::is_nothrow_copy_constructible_v<T>)
      : storage(v) {}
  [[gnu::always_inline]] constexpr result(T&& v) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT
      : storage(std::move(v)) {}
  [[gnu::always_inline]] constexpr result(const E& e) noexcept(std::is_nothrow_copy_constructible_v<E>)  // NOLINT
      : storage(detail::error_tag{}, e) {}
  [[gnu::always_inline]] constexpr result(E&& e) noexcept(std::is_nothrow_move_constructible_v<E>)  // NOLINT
      : storage(detail::error_tag{}, std::move(e)) {}

  [[nodiscard]] constexpr bool has_value() const noexcept { return ok_; }
  constexpr explicit operator bool() const noexcept { return ok_; }

  [[nodiscard]] constexpr T& value() & noexcept {
    VRTC_ASSERT(ok_ && "value() on an error");
    return value_ref();
  }
  [[nodiscard]] constexpr const T& value() const& noexcept {
    VRTC_ASSERT(ok_ && "value() on an error");
    return value_ref();
  }
  [[nodiscard]] constexpr T&& value() && noexcept {
    VRTC_ASSERT(ok_ && "value() on an error");
    return std::move(value_ref());
  }
  [[nodiscard]] constexpr T& operator*() & noexcept {
    VRTC_ASSERT(ok_ && "operator* on an error");
    return value_ref();
  }
  [[nodiscard]] constexpr const T& operator*() const& noexcept {
    VRTC_ASSERT(ok_ && "operator* on an error");
    return value_ref();
  }
  [[nodiscard]] constexpr T* operator->() noexcept {
    VRTC_ASSERT(ok_ && "operator-> on an error");
    return &value_ref();
  }
  [[nodiscard]] constexpr const T* operator->() const noexcept {
    VRTC_ASSERT(ok_ && "operator-> on an error");
    return &value_ref();
  }

  /// The error; only when !has_value().
  [[nodiscard]] constexpr detail::error_return_t<E> error() const noexcept {
    VRTC_ASSERT(!ok_ && "error() on a value");
    if constexpr (std::is_same_v<detail::error_return_t<E>, E>) return ok_ ? E{} : error_ref();
    else return error_ref();
  }

  /// The value, or `fallback` when this holds an error.
  template <class U>
  [[nodiscard]] constexpr T value_or(U&& fallback) const& {
    return ok_ ? value_ref() : static_cast<T>(std::forward<U>(fallback));
  }

  friend constexpr bool operator==(const result& a, const result& b) {
    if (a.ok_ != b.ok_) return false;
    return a.ok_ ? a.value_ref() == b.value_ref() : a.error_ref() == b.error_ref();
  }
  friend constexpr bool operator==(const result& a, const E& e) { return !a.ok_ && a.error_ref() == e; }
};

/// result<void, E>: success or an error E.
template <class E>
class [[nodiscard]] result<void, E> {
  static_assert(!std::is_reference_v<E> && !std::is_void_v<E>, "the error is an object type");
  static_assert(std::is_default_constructible_v<E>, "result<void, E> keeps an E even on success");

 public:
  using value_type = void;
  using error_type = E;

  constexpr result() noexcept(std::is_nothrow_default_constructible_v<E>) = default;
  constexpr result(const E& e) noexcept(std::is_nothrow_copy_constructible_v<E>)  // NOLINT: implicit by design
      : error_(e), ok_(false) {}
  constexpr result(E&& e) noexcept(std::is_nothrow_move_constructible_v<E>)  // NOLINT
      : error_(std::move(e)), ok_(false) {}

  [[nodiscard]] constexpr bool has_value() const noexcept { return ok_; }
  constexpr explicit operator bool() const noexcept { return ok_; }

  /// The error; only when !has_value().
  [[nodiscard]] constexpr detail::error_return_t<E> error() const noexcept {
    VRTC_ASSERT(!ok_ && "error() on a value");
    return error_;
  }

  friend constexpr bool operator==(const result& a, const result& b) {
    return a.ok_ == b.ok_ && (a.ok_ || a.error_ == b.error_);
  }
  friend constexpr bool operator==(const result& a, const E& e) { return !a.ok_ && a.error_ == e; }

 private:
  E error_{};
  bool ok_ = true;
};

VRTC_END_NAMESPACE
