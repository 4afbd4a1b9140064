// DeferSignals: asynchronous signals held back on the calling thread for the length of an addon call.
#include <pthread.h>
#include <signal.h>
#include "common.h"

namespace jointly {

namespace {

// Every signal but the synchronous faults, which must reach their handlers (or end the process) at once.
sigset_t Deferrable() {
  sigset_t set;
  sigfillset(&set);
  for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS}) sigdelset(&set, fault);
  return set;
}

const sigset_t kDeferrable = Deferrable();

}  // namespace

DeferSignals::DeferSignals() { pthread_sigmask(SIG_BLOCK, &kDeferrable, &saved_); }

DeferSignals::~DeferSignals() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }

}  // namespace jointly
