/*
 * cli.h - shared pieces of the mauth command: the subcommand table entry,
 * the one-line error convention and small output helpers.
 *
 * Exit status of every subcommand:
 *   0  the job ran to completion (an SPF "fail" is a completed evaluation)
 *   1  a resource failure (out of memory, internal error)
 *   2  bad usage or bad local input (arguments, zone file); exactly one line
 *      "mauth: error: ..." is printed on stderr
 */
#ifndef MAUTH_CLI_H
#define MAUTH_CLI_H

#include <stdio.h>

#define CLI_EXIT_OK	0
#define CLI_EXIT_FAIL	1
#define CLI_EXIT_USAGE	2

struct cli_command {
	const char	*name;
	int		(*run)(int argc, char **argv);
	void		(*usage)(FILE *fp);
	const char	*summary;	/* one line for "mauth --help" */
};

/* cli_error - print "mauth: error: <msg>" as one line on stderr; returns 2 */
int	cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cli_fail - as cli_error, for resource failures; returns 1 */
int	cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * cli_put_safe - write the NUL-terminated string s to fp with bytes outside
 * 0x20..0x7e shown as \xHH, so untrusted text cannot move the terminal.
 */
void	cli_put_safe(FILE *fp, const char *s);

/* cli_parse_uint - parse decimal s into *out within [min, max]; 0 or -1 */
int	cli_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);

/* the subcommands */
int	cmd_spf(int argc, char **argv);
void	cmd_spf_usage(FILE *fp);
int	cmd_dmarc(int argc, char **argv);
void	cmd_dmarc_usage(FILE *fp);
int	cmd_verify(int argc, char **argv);
void	cmd_verify_usage(FILE *fp);
int	cmd_sign(int argc, char **argv);
void	cmd_sign_usage(FILE *fp);
int	cmd_keygen(int argc, char **argv);
void	cmd_keygen_usage(FILE *fp);
int	cmd_rules(int argc, char **argv);
void	cmd_rules_usage(FILE *fp);

#endif /* MAUTH_CLI_H */
