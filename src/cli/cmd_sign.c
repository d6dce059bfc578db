/*
 * cmd_sign.c - "mauth sign": read one message, make one or more DKIM
 * signatures (RFC 6376, RFC 8463) with the library signer of mauth/sign.h
 * and write the DKIM-Signature fields followed by the original message
 * bytes, unchanged, to stdout.
 *
 * The whole output is built in memory before anything is written, so an
 * error never leaves a partial or unsigned message on stdout.  The added
 * fields use the input's line ending: CRLF when the first line of the input
 * ends with CRLF, else LF (the library folds with CRLF + SP; the SP stays).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mauth/mauth.h"
#include "mauth/sign.h"
#include "cli/cli.h"
#include "lib/message/message_int.h"
#include "util/buf.h"

#define SIGN_MAX_MESSAGE	(64 * 1024 * 1024)	/* bytes read */
#define SIGN_MAX_SIGS		8	/* --also plus the main one */
#define SIGN_MAX_NAMES		64	/* --headers, --oversign */
#define SIGN_MAX_EXPIRE		(10U * 366 * 86400)
#define SIGN_READ_CHUNK		65536

enum {
	OPT_DOMAIN = 256,
	OPT_SELECTOR,
	OPT_KEY,
	OPT_ALGORITHM,
	OPT_CANON,
	OPT_HEADERS,
	OPT_OVERSIGN,
	OPT_IDENTITY,
	OPT_EXPIRE,
	OPT_BODY_LENGTH,
	OPT_ALSO,
	OPT_HELP
};

/* one signature as given on the command line */
struct sign_spec {
	const char	*domain;
	const char	*selector;
	const char	*keyfile;
	char		*owned;		/* --also text the fields point into */
};

/* a parsed name list: names point into text */
struct sign_names {
	char		*text;
	const char	*v[SIGN_MAX_NAMES + 1];
	bool		 set;
};

struct sign_args {
	struct sign_spec	 spec[SIGN_MAX_SIGS];
	size_t			 nspec;
	int			 algorithm;
	int			 hcanon;
	int			 bcanon;
	struct sign_names	 headers;
	struct sign_names	 oversign;
	const char		*identity;
	unsigned		 expire;
	bool			 body_length;
	const char		*path;
};

/* cmd_sign_usage - "mauth help sign" */
void
cmd_sign_usage(FILE *fp)
{
	fprintf(fp,
"usage: mauth sign --domain D --selector S --key FILE\n"
"                  [--algorithm rsa-sha256|ed25519-sha256]\n"
"                  [--canon HEADER/BODY] [--headers LIST] [--oversign LIST]\n"
"                  [--identity I] [--expire SECONDS] [--body-length]\n"
"                  [--also DOMAIN:SELECTOR:KEYFILE]... [FILE|-]\n"
"\n"
"Sign the message in FILE (or standard input) with DKIM and write it to\n"
"standard output: the DKIM-Signature fields first, then the message bytes\n"
"unchanged, with the input's line ending (CRLF or LF).\n"
"\n"
"  --domain D            signing domain (d=)\n"
"  --selector S          selector (s=): the key is at S._domainkey.D\n"
"  --key FILE            private key, PEM or DER, RSA 1024..4096 or Ed25519\n"
"  --algorithm ALG       rsa-sha256 or ed25519-sha256 (default: the key's)\n"
"  --canon H/B           simple or relaxed for header/body, or one for both\n"
"                        (default relaxed/relaxed)\n"
"  --headers LIST        header fields to sign, comma or colon separated\n"
"                        (default: From, To, Subject, Date, ... List-*)\n"
"  --oversign LIST       names signed once more than they occur (default\n"
"                        From,Subject,To,Cc,Date,Reply-To; '' for none)\n"
"  --identity I          i= (an address at the domain or a subdomain)\n"
"  --expire SECONDS      x= that many seconds after t=\n"
"  --body-length         add l= (not recommended)\n"
"  --also D:S:KEYFILE    another signature in the same pass (same options,\n"
"                        algorithm from its key, no i=); repeatable\n"
"\n"
"Exit status: 0 signed; 1 on a read/write or resource failure; 2 on bad\n"
"arguments, an unusable key, or a message that cannot be signed (no From).\n");
}

/* parse_canon_one - "simple" or "relaxed"; -1 otherwise */
static int
parse_canon_one(const char *s, size_t len)
{
	if (len == 6 && strncmp(s, "simple", 6) == 0)
		return MAUTH_CANON_SIMPLE;
	if (len == 7 && strncmp(s, "relaxed", 7) == 0)
		return MAUTH_CANON_RELAXED;
	return -1;
}

/* parse_canon - RFC 6376 3.5 c= form: "H/B" or "H" (body the same) */
static int
parse_canon(const char *s, int *h, int *b)
{
	const char *slash = strchr(s, '/');

	if (slash == NULL) {
		*h = *b = parse_canon_one(s, strlen(s));
	} else {
		*h = parse_canon_one(s, (size_t)(slash - s));
		*b = parse_canon_one(slash + 1, strlen(slash + 1));
	}
	return (*h < 0 || *b < 0) ? -1 : 0;
}

/* name_ok - a field name: RFC 5322 2.2 ftext, 1..998 bytes */
static bool
name_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > MSG_RFC_LINE)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 33 || (unsigned char)s[i] > 126 ||
		    s[i] == ':')
			return false;
	return true;
}

/* parse_names - a comma or colon separated list of field names */
static int
parse_names(const char *opt, const char *s, struct sign_names *n)
{
	char *p, *q, *end;
	size_t k = 0;

	free(n->text);
	memset(n, 0, sizeof(*n));
	n->set = true;
	if ((n->text = strdup(s)) == NULL)
		return cli_fail("out of memory");
	p = n->text;
	while (*p != '\0') {
		for (q = p; *q != '\0' && *q != ',' && *q != ':'; q++)
			;
		end = q;
		if (*q != '\0')
			*q++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!name_ok(p))
			return cli_error("%s: '%s' is not a header field name",
			    opt, p);
		if (k == SIGN_MAX_NAMES)
			return cli_error("%s: more than %d names", opt,
			    SIGN_MAX_NAMES);
		n->v[k++] = p;
		p = q;
	}
	n->v[k] = NULL;
	return 0;
}

/* parse_also - "DOMAIN:SELECTOR:KEYFILE" (the key file may hold ':') */
static int
parse_also(const char *s, struct sign_spec *sp)
{
	char *c1, *c2;

	if ((sp->owned = strdup(s)) == NULL)
		return cli_fail("out of memory");
	if ((c1 = strchr(sp->owned, ':')) == NULL ||
	    (c2 = strchr(c1 + 1, ':')) == NULL)
		return cli_error("--also: '%s' is not DOMAIN:SELECTOR:KEYFILE",
		    s);
	*c1 = *c2 = '\0';
	sp->domain = sp->owned;
	sp->selector = c1 + 1;
	sp->keyfile = c2 + 1;
	if (sp->domain[0] == '\0' || sp->selector[0] == '\0' ||
	    sp->keyfile[0] == '\0')
		return cli_error("--also: '%s' is not DOMAIN:SELECTOR:KEYFILE",
		    s);
	return 0;
}

/* args_free - what parse_args allocated */
static void
args_free(struct sign_args *a)
{
	size_t i;

	for (i = 0; i < a->nspec; i++)
		free(a->spec[i].owned);
	free(a->headers.text);
	free(a->oversign.text);
}

/* parse_args - fill *a; 0, -1 after --help, else the exit status */
static int
parse_args(int argc, char **argv, struct sign_args *a)
{
	static const struct option longopts[] = {
		{ "domain",	required_argument, NULL, OPT_DOMAIN },
		{ "selector",	required_argument, NULL, OPT_SELECTOR },
		{ "key",	required_argument, NULL, OPT_KEY },
		{ "algorithm",	required_argument, NULL, OPT_ALGORITHM },
		{ "canon",	required_argument, NULL, OPT_CANON },
		{ "headers",	required_argument, NULL, OPT_HEADERS },
		{ "oversign",	required_argument, NULL, OPT_OVERSIGN },
		{ "identity",	required_argument, NULL, OPT_IDENTITY },
		{ "expire",	required_argument, NULL, OPT_EXPIRE },
		{ "body-length", no_argument,	   NULL, OPT_BODY_LENGTH },
		{ "also",	required_argument, NULL, OPT_ALSO },
		{ "help",	no_argument,	   NULL, OPT_HELP },
		{ NULL,		0,		   NULL, 0 }
	};
	int ch, rc = 0;

	memset(a, 0, sizeof(*a));
	a->nspec = 1;
	a->algorithm = MAUTH_SIGN_ALG_DEFAULT;
	a->hcanon = a->bcanon = MAUTH_CANON_RELAXED;
	opterr = 0;
	while (rc == 0 &&
	    (ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_DOMAIN:
			a->spec[0].domain = optarg;
			break;
		case OPT_SELECTOR:
			a->spec[0].selector = optarg;
			break;
		case OPT_KEY:
			a->spec[0].keyfile = optarg;
			break;
		case OPT_ALGORITHM:
			if (strcmp(optarg, "rsa-sha256") == 0)
				a->algorithm = MAUTH_SIGN_RSA_SHA256;
			else if (strcmp(optarg, "ed25519-sha256") == 0)
				a->algorithm = MAUTH_SIGN_ED25519_SHA256;
			else
				return cli_error("--algorithm: '%s' is not "
				    "rsa-sha256 or ed25519-sha256", optarg);
			break;
		case OPT_CANON:
			if (parse_canon(optarg, &a->hcanon, &a->bcanon) == -1)
				return cli_error("--canon: '%s' is not H/B "
				    "with simple or relaxed", optarg);
			break;
		case OPT_HEADERS:
			rc = parse_names("--headers", optarg, &a->headers);
			if (rc == 0 && a->headers.v[0] == NULL)
				rc = cli_error("--headers: empty list");
			break;
		case OPT_OVERSIGN:
			rc = parse_names("--oversign", optarg, &a->oversign);
			break;
		case OPT_IDENTITY:
			a->identity = optarg;
			break;
		case OPT_EXPIRE:
			if (cli_parse_uint(optarg, 1, SIGN_MAX_EXPIRE,
			    &a->expire) == -1)
				return cli_error("--expire: '%s' is not a "
				    "number of seconds in 1..%u", optarg,
				    SIGN_MAX_EXPIRE);
			break;
		case OPT_BODY_LENGTH:
			a->body_length = true;
			break;
		case OPT_ALSO:
			if (a->nspec == SIGN_MAX_SIGS)
				return cli_error("--also: at most %d "
				    "signatures", SIGN_MAX_SIGS);
			rc = parse_also(optarg, &a->spec[a->nspec++]);
			break;
		case OPT_HELP:
			cmd_sign_usage(stdout);
			return -1;
		case ':':
			return cli_error("option %s needs an argument",
			    argv[optind - 1]);
		default:
			return cli_error("unknown option %s (see mauth help "
			    "sign)", argv[optind - 1]);
		}
	}
	if (rc != 0)
		return rc;
	if (a->spec[0].domain == NULL || a->spec[0].selector == NULL ||
	    a->spec[0].keyfile == NULL)
		return cli_error("sign needs --domain, --selector and --key");
	if (argc - optind > 1)
		return cli_error("sign takes one message (FILE or -)");
	a->path = optind < argc ? argv[optind] : "-";
	return 0;
}

/* read_message - the whole input, at most SIGN_MAX_MESSAGE bytes */
static int
read_message(const char *path, struct buf *msg)
{
	char chunk[SIGN_READ_CHUNK];
	ssize_t n;
	int fd, rc = 0;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY)) == -1)
		return cli_fail("%s: %s", path, strerror(errno));
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = cli_fail("%s: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		buf_append(msg, chunk, (size_t)n);
		if (msg->err == MAUTH_ERR_LIMIT) {
			rc = cli_error("%s: message larger than %d bytes",
			    path, SIGN_MAX_MESSAGE);
			break;
		}
		if (msg->err != 0) {
			rc = cli_fail("out of memory");
			break;
		}
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

/* feeding state for the splitter callbacks */
struct sign_feed {
	struct mauth_signer	*signer;
	int			 status;	/* first library failure */
};

/* feed_header - one header field to the signer */
static int
feed_header(void *arg, const struct msg_header *h)
{
	struct sign_feed *f = arg;

	f->status = mauth_signer_header(f->signer, h->name, h->namelen,
	    h->value, h->valuelen);
	return f->status;
}

/* feed_body - body bytes to the signer */
static int
feed_body(void *arg, const char *buf, size_t len)
{
	struct sign_feed *f = arg;

	f->status = mauth_signer_body(f->signer, buf, len);
	return f->status;
}

/* load_keys - one key per signature; exit status on failure */
static int
load_keys(const struct sign_args *a, struct mauth_key **keys)
{
	char err[512];
	size_t i;
	int st;

	for (i = 0; i < a->nspec; i++) {
		err[0] = '\0';
		st = mauth_key_load(a->spec[i].keyfile, &keys[i], err,
		    sizeof(err));
		if (st == MAUTH_ERR_NOMEM)
			return cli_fail("out of memory");
		if (st != MAUTH_OK)
			return cli_error("%s", err[0] != '\0' ? err :
			    mauth_strerror(st));
	}
	return 0;
}

/* sign_message - run the signer over msg; the signer in *out */
static int
sign_message(const struct sign_args *a, struct mauth_key **keys,
    const struct buf *msg, struct mauth_signer **out)
{
	struct mauth_sign_config cfg[SIGN_MAX_SIGS];
	struct msg_callbacks cb;
	struct sign_feed feed;
	struct msg_split *sp;
	const char *limit;
	char err[512];
	size_t i;
	int st;

	for (i = 0; i < a->nspec; i++) {
		mauth_sign_config_init(&cfg[i]);
		cfg[i].domain = a->spec[i].domain;
		cfg[i].selector = a->spec[i].selector;
		cfg[i].key = keys[i];
		cfg[i].algorithm = i == 0 ? a->algorithm :
		    MAUTH_SIGN_ALG_DEFAULT;
		cfg[i].header_canon = a->hcanon;
		cfg[i].body_canon = a->bcanon;
		if (a->headers.set)
			cfg[i].headers = a->headers.v;
		if (a->oversign.set)
			cfg[i].oversign = a->oversign.v;
		cfg[i].identity = i == 0 ? a->identity : NULL;
		cfg[i].expire = a->expire;
		cfg[i].body_length = a->body_length;
	}
	err[0] = '\0';
	st = mauth_signer_new(cfg, a->nspec, out, err, sizeof(err));
	if (st == MAUTH_ERR_NOMEM)
		return cli_fail("out of memory");
	if (st != MAUTH_OK)
		return cli_error("%s", err[0] != '\0' ? err :
		    mauth_strerror(st));

	memset(&feed, 0, sizeof(feed));
	feed.signer = *out;
	memset(&cb, 0, sizeof(cb));
	cb.header = feed_header;
	cb.body = feed_body;
	cb.arg = &feed;
	if ((sp = msg_split_new(NULL, &cb)) == NULL)
		return cli_fail("out of memory");
	st = msg_split_write(sp, msg->data, msg->len);
	if (st == 0)
		st = msg_split_finish(sp);
	limit = msg_split_limit(sp);
	if (st == 0 && limit != NULL) {
		/* a dropped field would be neither signed nor protected */
		msg_split_free(sp);
		return cli_error("%s: %s", a->path, limit);
	}
	msg_split_free(sp);
	if (st == MAUTH_ERR_NOMEM)
		return cli_fail("out of memory");
	if (st != 0)
		return cli_fail("%s: signing failed: %s", a->path,
		    mauth_strerror(st));

	err[0] = '\0';
	st = mauth_signer_finish(*out, err, sizeof(err));
	if (st == MAUTH_ERR_NOMEM)
		return cli_fail("out of memory");
	if (st != MAUTH_OK)
		return cli_error("%s: %s", a->path, err[0] != '\0' ? err :
		    mauth_strerror(st));
	return 0;
}

/* put_field - one folded field with the chosen line ending */
static void
put_field(struct buf *out, const char *f, bool crlf)
{
	const char *p;

	for (p = f; *p != '\0'; p++) {
		if (p[0] == '\r' && p[1] == '\n')
			continue;	/* the LF writes the ending */
		if (p[0] == '\n')
			buf_puts(out, crlf ? "\r\n" : "\n");
		else
			buf_putc(out, *p);
	}
	buf_puts(out, crlf ? "\r\n" : "\n");
}

/* build_output - signatures then the message; mbox "From " line first */
static int
build_output(const struct mauth_signer *s, const struct buf *msg,
    struct buf *out)
{
	const char *nl;
	size_t i, skip = 0;
	bool crlf;

	nl = memchr(msg->data, '\n', msg->len);
	crlf = nl != NULL && nl > msg->data && nl[-1] == '\r';
	/* the splitter skipped a top mbox "From " line: keep it on top */
	if (msg->len >= 5 && memcmp(msg->data, "From ", 5) == 0 && nl != NULL)
		skip = (size_t)(nl - msg->data) + 1;
	buf_append(out, msg->data, skip);
	for (i = 0; i < mauth_signer_count(s); i++)
		put_field(out, mauth_signer_field(s, i), crlf);
	buf_append(out, msg->data + skip, msg->len - skip);
	if (out->err != 0)
		return cli_fail("out of memory");
	return 0;
}

/* write_all - the output to stdout */
static int
write_all(const struct buf *out)
{
	size_t off = 0;
	ssize_t n;

	while (off < out->len) {
		n = write(STDOUT_FILENO, out->data + off, out->len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return cli_fail("standard output: %s",
			    strerror(errno));
		off += (size_t)n;
	}
	return 0;
}

/* cmd_sign - "mauth sign" */
int
cmd_sign(int argc, char **argv)
{
	struct mauth_key *keys[SIGN_MAX_SIGS] = { NULL };
	struct mauth_signer *signer = NULL;
	struct sign_args a;
	struct buf msg, out;
	size_t i;
	int rc;

	buf_init(&msg, SIGN_MAX_MESSAGE);
	buf_init(&out, 0);
	if ((rc = parse_args(argc, argv, &a)) != 0) {
		rc = rc == -1 ? CLI_EXIT_OK : rc;
		goto done;
	}
	if ((rc = load_keys(&a, keys)) != 0)
		goto done;
	if ((rc = read_message(a.path, &msg)) != 0)
		goto done;
	if (msg.len == 0) {
		rc = cli_error("%s: empty message", a.path);
		goto done;
	}
	if ((rc = sign_message(&a, keys, &msg, &signer)) != 0)
		goto done;
	if ((rc = build_output(signer, &msg, &out)) != 0)
		goto done;
	rc = write_all(&out);
done:
	mauth_signer_free(signer);
	for (i = 0; i < SIGN_MAX_SIGS; i++)
		mauth_key_free(keys[i]);
	buf_free(&msg);
	buf_free(&out);
	args_free(&a);
	return rc;
}
