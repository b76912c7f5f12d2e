// Package pcsctest holds every test that runs through the real PC/SC stack
// (pcscd with the vpcd driver of vsmartcard, virtual cards of
// cardbridge/vcard, terminals of cardbridge/pcsc, and the standard client
// tools opensc-tool and scriptor).
//
// Contract:
//   - vpcd's ports are fixed (35963 and 35964 on every interface; tests
//     connect through 127.0.0.1 only) and take one card each, so only one
//     test package may use them at a time, and within it tests run one
//     after the other (no t.Parallel). This package is that one package
//     today. StartDaemon also holds an exclusive lock file while in use, so
//     a second package that calls it waits instead of colliding.
//   - StartDaemon makes sure pcscd serves the two vpcd readers: it uses a
//     pcscd that is already running, else starts `pcscd --foreground` as
//     root (with `-d -a`, logging every APDU to stderr, when
//     ANONEX_PCSCD_DEBUG=1), waits with a bounded deadline until the
//     service lists both readers, and its stop function ends that process
//     by its own pid, never any other.
//   - Tests never skip and never fall back to another transport: a missing
//     pcscd, vpcd driver or client tool fails them with the command that
//     installs it.
package pcsctest
