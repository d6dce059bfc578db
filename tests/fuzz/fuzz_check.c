/*
 * fuzz_check.c - libFuzzer harness: the whole per-message pipeline
 * (mauth/check.h) on arbitrary message bytes.
 *
 * Byte 0: bits 0-5 give the write() chunk size (1..64 bytes), bit 6 sets an
 * envelope (client 192.0.2.25, MAIL FROM alice@bank.test, HELO), bit 7 a
 * null reverse-path instead.  The rest is the message, checked against the
 * zone of testdata/verify (embedded below: SPF, the RSA and Ed25519 keys of
 * bank.test, DMARC p=reject), with a fixed clock so the sample signatures
 * verify.  The corpus (testdata/fuzz/check) starts from the sample messages.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mauth/authres.h"
#include "mauth/mauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* testdata/verify/sample.zone (test-only keys), comments removed */
static const char zone[] =
	"$ORIGIN test.\n"
	"$TTL 300\n"
	"@	SOA	ns.test. hostmaster.test. 1 3600 600 86400 300\n"
	"@	NS	ns.test.\n"
	"ns	A	127.0.0.1\n"
	"bank	TXT	\"v=spf1 ip4:192.0.2.0/24 -all\"\n"
	"rsa1._domainkey.bank	TXT	\"v=DKIM1; k=rsa; p=MIIBIjANBgkqhki"
	"G9w0BAQEFAAOCAQ8AMIIBCgKCAQEA74ADOrBy3QApR3fszQxGxbXVOvbe+wi"
	"Xf+E5Fw7GNksWsnHlVlDQNsF00dPtRv3/SskSq5PsXn49GutnR7aR5POrOi7"
	"7ugtksm+2FNUPbgyFORZTorK98RY+NRB+o2yNAyjnnp+6WpgUvj1/4jb45re"
	"f9H7xX0dDqq//934I6K8fhnFz7+Af9HPGSBa1\" \"jiPWkrBr2hR/151oqp"
	"9bvAytiI0qBvxm4FhdeYZeX6fW3S8GJ+xDPLTRtgbhdFWWGB2qH9ZuSGmR+p"
	"mNakNiDhQ9MIdpaDmMCaITkb1YkpP1A3zluRsxe2YHkZpFI1nAxRgxzUtK8M"
	"ef9Lm9Y+60281bbwIDAQAB\"\n"
	"ed1._domainkey.bank	TXT	\"v=DKIM1; k=ed25519; p=dZjdS5TtQSHR"
	"PR2EKm40bDRRn0KIvhLGdLK+enHj/Do=\"\n"
	"_dmarc.bank	TXT	\"v=DMARC1; p=reject; rua=mailto:dmarc@bank."
	"test\"\n"
	"mail.bank	A	192.0.2.25\n"
	"evil	TXT	\"v=spf1 -all\"\n"
	"s1._domainkey.evil	TXT	\"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9"
	"w0BAQEFAAOCAQ8AMIIBCgKCAQEAvO8iRwcDKyCZjtajBWvxv0ItZG9TXKh9k"
	"1fLqRGQl/M0DD4vc5Xoi6e5aqyG9dKM1pxIR+0JjQ7jy8sIaO5e9jcPQ/LDq"
	"Gr7FClCkblqG4v93LkL4CSp9rU/JVxkj0lGRhrbLacFXMbZ/+0vgvK9WKClO"
	"mSEWpD/vHcaeHe/tinjqe3dety+GIycX98u\" \"v1mCml3VW4LtBTZjv0Jq"
	"Dvd44Wqz00k28lEy51vjK3fhSCJ08a/41/PeW63T5F0RbyWYGeaC3igOHFG+"
	"TuqH6I5RaU7Hb9WfF/j5eFstSuQZ9OF28BbsYNjOetiNu9C9pDNe7GEn5WKd"
	"BikP7yzQjXO5kQIDAQAB\"\n"
	"shop	TXT	\"v=spf1 ip4:198.51.100.0/24 -all\"\n"
	"_dmarc.shop	TXT	\"v=DMARC1; p=quarantine\"\n";

static struct mauth_resolver *fz_r;
static struct mauth_ctx *fz_ctx;

/* fz_init - the shared context, once */
static int
fz_init(void)
{
	struct mauth_ctx_options o;

	if (fz_ctx != NULL)
		return 0;
	if (mauth_resolver_new_zone_mem("sample.zone", zone, sizeof(zone) - 1,
	    &fz_r, NULL, 0) != MAUTH_OK)
		abort();
	mauth_ctx_options_init(&o);
	o.authserv_id = "fuzz.test";
	o.now = 1795706400;
	if (mauth_ctx_new(&o, fz_r, &fz_ctx, NULL, 0) != MAUTH_OK)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mauth_check *chk;
	size_t off, n, chunk;
	const char *ar;

	if (size < 1 || fz_init() != 0)
		return 0;
	chunk = (size_t)(data[0] & 0x3f) + 1;
	if (mauth_check_new(fz_ctx, &chk) != MAUTH_OK)
		abort();
	if (data[0] & 0xc0) {
		if (mauth_check_set_client(chk, "192.0.2.25",
		    "mail.bank.test") != MAUTH_OK ||
		    mauth_check_set_mail_from(chk, (data[0] & 0x80) ? "" :
		    "alice@bank.test") != MAUTH_OK)
			abort();
	}
	for (off = 1; off < size; off += n) {
		n = size - off < chunk ? size - off : chunk;
		if (mauth_check_write(chk, data + off, n) != MAUTH_OK)
			abort();
	}
	if (mauth_check_eom(chk) != MAUTH_OK)
		abort();
	/* the header we would add must always be there and parse back */
	if ((ar = mauth_check_authres(chk)) == NULL ||
	    mauth_check_authres_line(chk) == NULL)
		abort();
	{
		struct mauth_authres *p = NULL;

		if (mauth_authres_parse(ar, strlen(ar), &p, NULL, 0) !=
		    MAUTH_OK)
			abort();
		mauth_authres_free(p);
	}
	mauth_check_free(chk);
	return 0;
}
