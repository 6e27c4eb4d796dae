/*
 * Start-up aid for the NativeAOT client, linked into it by KnockKnock.Client.csproj.
 *
 * A knock's keys come from OpenSSL through .NET's crypto shim (System.Security.Cryptography.Native,
 * linked into this executable). Its first use loads libssl and libcrypto, looks up the few hundred
 * functions the shim calls, initialises OpenSSL and activates its default provider: about 4.5 ms
 * on the machine of docs/PERFORMANCE.md (section 3), most of it page faults in libcrypto, and
 * before this file it all happened on the knock's path, after the runtime had started. Here a
 * constructor starts a thread, before the runtime starts, that calls the shim's own initialiser
 * and fetches one algorithm (which activates the provider), so with a second CPU free the work is
 * done while the runtime starts; the knock's first crypto call then finds it done (the shim and
 * OpenSSL initialise once, under their own locks, whichever thread comes first). Nothing else
 * changes: the same shim functions, in the same order, with the same library, flags and
 * configuration as .NET's own first call; on one CPU the same work is done, only earlier.
 *
 * Not started for the process that sends decoy retransmissions (it does no crypto), nor when
 * CLR_OPENSSL_VERSION_OVERRIDE asks .NET for another libssl (so this never loads one .NET would
 * not). It asks the shim first whether any libssl can be loaded, because the initialiser aborts the
 * process when none can, which only a command that uses crypto should do. The thread blocks every
 * signal (the runtime's handlers stay on its own threads), and exit() waits for it, so the process
 * never unloads OpenSSL under it; it allocates nothing that outlives it but OpenSSL's own state.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* .NET's crypto shim (src/native/libs/System.Security.Cryptography.Native in dotnet/runtime). */
int32_t CryptoNative_OpenSslAvailable(void);
int32_t CryptoNative_EnsureOpenSslInitialized(void);
void *CryptoNative_EvpKdfFetch(const char *algorithm, int32_t *haveFeature);
void CryptoNative_EvpKdfFree(void *kdf);

/* Program.cs: the hidden first argument of the retransmitting process. */
static const char retransmit_argument[] = "--internal-retransmit";

static pthread_t warm_up_thread;

static void *warm_up(void *unused)
{
    (void)unused;
    if (CryptoNative_OpenSslAvailable() && CryptoNative_EnsureOpenSslInitialized() == 0) {
        int32_t available = 0;
        void *hkdf = CryptoNative_EvpKdfFetch("HKDF", &available);
        if (hkdf != NULL) {
            CryptoNative_EvpKdfFree(hkdf);
        }
    }
    return NULL;
}

static void wait_for_warm_up(void)
{
    (void)pthread_join(warm_up_thread, NULL);
}

__attribute__((constructor)) static void start_warm_up(int argc, char **argv)
{
    if ((argc > 1 && strcmp(argv[1], retransmit_argument) == 0) || getenv("CLR_OPENSSL_VERSION_OVERRIDE") != NULL) {
        return;
    }
    sigset_t all, previous;
    sigfillset(&all);
    if (pthread_sigmask(SIG_SETMASK, &all, &previous) != 0) {
        return;
    }
    const int started = pthread_create(&warm_up_thread, NULL, warm_up, NULL) == 0;
    (void)pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (started && atexit(wait_for_warm_up) != 0) {
        wait_for_warm_up();
    }
}
