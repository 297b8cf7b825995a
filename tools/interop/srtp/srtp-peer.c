/*
 * A libsrtp 2 peer for the @x/srtp interop test (libsrtp.test.ts), driven over stdin/stdout.
 *
 *   cc -o srtp-peer srtp-peer.c -lsrtp2
 *   srtp-peer <profile> <protect key+salt hex> <unprotect key+salt hex> [window]
 *
 * <profile> is the DTLS-SRTP number (1, 2, 7, 8; libsrtp's srtp_profile_t uses the same).
 * Each key is the master key followed by the master salt. Then one command a line:
 *   P <hex>   protect RTP       U <hex>   unprotect RTP
 *   C <hex>   protect RTCP      D <hex>   unprotect RTCP
 * and one answer a line: "OK <hex>" or "ERR <srtp_err_status_t>". EOF ends the peer.
 */
#include <srtp2/srtp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PACKET 8192

static int unhex(const char *s, unsigned char *out, int max) {
  int n = 0;
  while (s[0] && s[1] && s[0] != '\n' && s[0] != '\r') {
    if (n >= max) return -1;
    unsigned int b;
    if (sscanf(s, "%2x", &b) != 1) return -1;
    out[n++] = (unsigned char)b;
    s += 2;
  }
  return n;
}

static srtp_t make(int profile, const char *key_hex, srtp_ssrc_type_t direction,
                   unsigned long window, unsigned char *key) {
  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  if (srtp_crypto_policy_set_from_profile_for_rtp(&policy.rtp, (srtp_profile_t)profile) ||
      srtp_crypto_policy_set_from_profile_for_rtcp(&policy.rtcp, (srtp_profile_t)profile)) {
    fprintf(stderr, "srtp-peer: unknown profile %d\n", profile);
    exit(2);
  }
  if (unhex(key_hex, key, 64) <= 0) {
    fprintf(stderr, "srtp-peer: bad key\n");
    exit(2);
  }
  policy.ssrc.type = direction;
  policy.key = key;
  policy.window_size = window;
  policy.allow_repeat_tx = 1;
  srtp_t ctx;
  srtp_err_status_t e = srtp_create(&ctx, &policy);
  if (e) {
    fprintf(stderr, "srtp-peer: srtp_create failed: %d\n", e);
    exit(2);
  }
  return ctx;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: srtp-peer <profile> <protect key hex> <unprotect key hex> [window]\n");
    return 2;
  }
  if (srtp_init()) return 2;
  int profile = atoi(argv[1]);
  unsigned long window = argc > 4 ? strtoul(argv[4], NULL, 10) : 128;
  static unsigned char out_key[64], in_key[64];
  srtp_t sender = make(profile, argv[2], ssrc_any_outbound, window, out_key);
  srtp_t receiver = make(profile, argv[3], ssrc_any_inbound, window, in_key);

  static char line[2 * MAX_PACKET + 16];
  static unsigned char buf[MAX_PACKET + SRTP_MAX_TRAILER_LEN];
  while (fgets(line, sizeof line, stdin)) {
    int len = unhex(line + 2, buf, MAX_PACKET);
    srtp_err_status_t e = srtp_err_status_bad_param;
    if (len >= 0) switch (line[0]) {
      case 'P': e = srtp_protect(sender, buf, &len); break;
      case 'U': e = srtp_unprotect(receiver, buf, &len); break;
      case 'C': e = srtp_protect_rtcp(sender, buf, &len); break;
      case 'D': e = srtp_unprotect_rtcp(receiver, buf, &len); break;
    }
    if (e) {
      printf("ERR %d\n", e);
    } else {
      fputs("OK ", stdout);
      for (int i = 0; i < len; i++) printf("%02x", buf[i]);
      putchar('\n');
    }
    fflush(stdout);
  }
  srtp_dealloc(sender);
  srtp_dealloc(receiver);
  srtp_shutdown();
  return 0;
}
