// vrtc conformance: the vmclock runner — runs the vmclock kit's checks (vrtc/conformance/
// vmclock_kit.hpp) on code isolated in child processes. POSIX (fork, waitpid, shared
// mappings); the writer's instruction-level observation needs Linux ptrace and is reported
// not applicable elsewhere.
//
// The writer under test runs in a child process that the runner single-steps with ptrace: after
// every instruction it compares the page with its previous state, so the order of the stores
// is observed exactly, not sampled. Each reader check runs in a child process too, under a time
// bound, so a reader that hangs or crashes fails its check instead of the run.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <span>
#include <string>
#include <thread>

#include <csignal>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/ptrace.h>
#endif

#include "vrtc/conformance/report.hpp"
#include "vrtc/conformance/vmclock_kit.hpp"
#include "vrtc/core/config.hpp"
#include "vmclock/abi.hpp"

VRTC_BEGIN_NAMESPACE
namespace conformance {

// --- running code in a child process -----------------------------------------------------------

namespace detail {

/// A page-sized, zero-filled shared anonymous mapping (visible to a forked child and its parent).
class shared_pages {
 public:
  explicit shared_pages(std::size_t pages) : size_(pages * page_region_size_bytes) {
    void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    base_ = p == MAP_FAILED ? nullptr : static_cast<std::byte*>(p);
  }
  ~shared_pages() {
    if (base_ != nullptr) ::munmap(base_, size_);
  }
  shared_pages(const shared_pages&) = delete;
  shared_pages& operator=(const shared_pages&) = delete;
  [[nodiscard]] bool valid() const noexcept { return base_ != nullptr; }
  [[nodiscard]] std::span<std::byte> page(std::size_t i) const noexcept {
    return {base_ + i * page_region_size_bytes, page_region_size_bytes};
  }

  static constexpr std::size_t page_region_size_bytes = vmclock::page_region_size;

 private:
  std::size_t size_;
  std::byte* base_ = nullptr;
};

/// In a child: a crash ends the process with its signal, for the parent to report, rather than
/// running the test framework's (or a sanitizer's) handlers inside the child.
inline void default_fatal_signals() noexcept {
  for (const int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) std::signal(sig, SIG_DFL);
}

/// Runs body(record) in a child process and waits at most `bound`. A child that does not
/// return in time is killed; a crash is reported with its signal.
inline check_result run_in_child(check_result r, std::chrono::milliseconds bound,
                                 const std::function<void(check_record&)>& body) {
  shared_pages shm(1);
  if (!shm.valid()) {
    r.outcome = verdict::not_applicable;
    r.detail = "no shared memory for the child process";
    return r;
  }
  auto* v = new (shm.page(0).data()) check_record{};
  const pid_t pid = ::fork();
  if (pid < 0) {
    r.outcome = verdict::not_applicable;
    r.detail = "fork failed";
    return r;
  }
  if (pid == 0) {
    default_fatal_signals();
    body(*v);
    ::_exit(0);
  }
  const auto deadline = std::chrono::steady_clock::now() + bound;
  int status = 0;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0) {
      r.outcome = verdict::fail;
      r.detail = "lost the child process";
      return r;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.outcome = verdict::fail;
      r.expected = "an answer within " + std::to_string(bound.count()) + " ms";
      r.detail = "the reader did not return (killed)";
      return r;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  if (WIFSIGNALED(status)) {
    r.outcome = verdict::fail;
    r.detail = "the reader crashed with signal " + std::to_string(WTERMSIG(status));
    return r;
  }
  return v->into(std::move(r));
}

/// Runs start and the updates in a child; single-steps it when asked and possible.
inline writer_trace trace_writer(const writer_adapter& w, const writer_kit_options& o) {
  writer_trace t;
  shared_pages shm(2);  // page 0: the region; page 1: how many steps the child completed
  if (!shm.valid()) {
    t.failure = "no shared memory";
    return t;
  }
  const std::span<std::byte> region = shm.page(0);
  auto* done = reinterpret_cast<volatile std::uint32_t*>(shm.page(1).data());
  const auto child = [&](bool traced) {
    default_fatal_signals();
#if defined(__linux__)
    if (traced) {
      ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
      ::raise(SIGSTOP);
    }
#else
    (void)traced;
#endif
    w.start(region);
    *done = 1;
    for (unsigned k = 1; k <= o.updates; ++k) {
      w.update(region, k);
      *done = k + 1;
    }
    ::_exit(0);
  };
  const auto snapshot = [&] {
    std::array<std::byte, vmclock::abi_size> a{};
    std::memcpy(a.data(), region.data(), a.size());
    return a;
  };

  bool step = o.single_step;
  if (!step) t.not_stepped_why = "single-stepping was turned off";
#if defined(__linux__)
  if (step) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      t.failure = "fork failed";
      return t;
    }
    if (pid == 0) child(true);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFSTOPPED(status) || ::ptrace(PTRACE_SETOPTIONS, pid, nullptr, reinterpret_cast<void*>(PTRACE_O_EXITKILL)) != 0) {
      t.not_stepped_why = "ptrace is not permitted here";
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      step = false;
    } else {
      auto previous = snapshot();
      std::uint32_t seen = 0;
      std::uint64_t instructions = 0;
      for (;;) {
        if (::ptrace(PTRACE_SINGLESTEP, pid, nullptr, nullptr) != 0) {
          t.failure = "single-stepping failed";
          ::kill(pid, SIGKILL);
          ::waitpid(pid, &status, 0);
          break;
        }
        ::waitpid(pid, &status, 0);
        if (WIFEXITED(status) || WIFSIGNALED(status)) break;
        if (WIFSTOPPED(status) && WSTOPSIG(status) != SIGTRAP) {
          t.failure = "the writer stopped with signal " + std::to_string(WSTOPSIG(status));
          ::kill(pid, SIGKILL);
          ::waitpid(pid, &status, 0);
          break;
        }
        if (++instructions > o.max_instructions) {
          t.failure = "the writer ran for more than " + std::to_string(o.max_instructions) + " instructions";
          ::kill(pid, SIGKILL);
          ::waitpid(pid, &status, 0);
          break;
        }
        if (std::memcmp(previous.data(), region.data(), previous.size()) != 0) {
          const auto now = snapshot();
          const std::uint32_t seq_before = detail::seq_of(previous);
          const std::uint32_t seq_after = detail::seq_of(now);
          const std::string fields = changed_fields(previous, now);
          if (!fields.empty() && ((seq_before & 1u) == 0 || (seq_after & 1u) == 0) && t.even_stores.size() < 4)
            t.even_stores.push_back(fields + " stored while seq_count was " + std::to_string(seq_before) +
                                    (seq_after != seq_before ? " -> " + std::to_string(seq_after) : std::string()));
          previous = now;
        }
        if (*done != seen) {
          seen = *done;
          t.complete.push_back(snapshot());
        }
      }
      if (t.failure.empty() && WIFSIGNALED(status))
        t.failure = "the writer crashed with signal " + std::to_string(WTERMSIG(status));
      t.stepped = t.failure.empty();
      return t;
    }
  }
#else
  if (step) t.not_stepped_why = "instruction stepping needs Linux ptrace";
#endif
  // Without stepping only the final state is in shared memory: replay the steps one child
  // each, so that every complete state is seen (the writer must be deterministic).
  for (unsigned upto = 0; upto <= o.updates; ++upto) {
    std::memset(region.data(), 0, region.size());
    const pid_t p = ::fork();
    if (p == 0) {
      default_fatal_signals();
      w.start(region);
      for (unsigned k = 1; k <= upto; ++k) w.update(region, k);
      ::_exit(0);
    }
    int status = 0;
    if (p < 0 || ::waitpid(p, &status, 0) != p || !WIFEXITED(status)) {
      t.failure = p < 0 ? "fork failed" : "the writer crashed";
      return t;
    }
    t.complete.push_back(snapshot());
  }
  return t;
}

}  // namespace detail

// --- the kits, isolated ------------------------------------------------------------------------

/// Runs the writer in a child process (single-stepped when asked and possible, see
/// writer_kit_options) and judges its trace (judge_writer in vmclock_kit.hpp).
[[nodiscard]] inline report run_writer_kit(const writer_adapter& w, const writer_kit_options& o = {}) {
  return judge_writer(detail::trace_writer(w, o), o.updates);
}

/// Runs each reader check (reader_checks() in vmclock_kit.hpp) in a child process of its own,
/// with a fresh page and the time bound.
[[nodiscard]] inline report run_reader_kit(const reader_adapter& a, const reader_kit_options& o = {}) {
  report rep;
  alignas(8) std::array<std::byte, vmclock::page_region_size> memory{};
  for (const reader_check& check : reader_checks()) {
    rep.results.push_back(detail::run_in_child(result_of(check), o.time_bound, [&](check_record& record) {
      std::memset(memory.data(), 0, memory.size());
      check.run(a, memory, record);
    }));
  }
  return rep;
}

}  // namespace conformance
VRTC_END_NAMESPACE
