#pragma once
// Crash evidence that is never lost: on a fatal signal (SIGSEGV, SIGBUS, SIGABRT, SIGFPE,
// SIGILL) the process writes one report line to stderr (the log) —
//   switchyard: fatal signal SIGSEGV (11) at address 0x0 in thread 4242 of pid 4240; backtrace:
// — then one line per frame, symbolised (function, file:line) by addr2line when it is
// installed and as module+offset otherwise, and dies of the same signal (so a core dump and the
// exit status stay as they would have been).
//
// The handler only calls async-signal-safe functions, apart from backtrace() (loaded once at
// install so it does not allocate later) and dladdr(); symbolisation runs in a child process.
// Sanitizer builds leave fatal signals to the sanitizer's own handler and install nothing.
namespace sy {

// Call once, early in main(). Idempotent.
void install_crash_report();

}  // namespace sy
