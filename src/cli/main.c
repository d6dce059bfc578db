/*
 * main.c - the mauth command: dispatch to subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "mauth/mauth.h"

int
main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--version") == 0) {
		printf("mauth %s\n", mauth_version());
		return argc < 2 ? 2 : 0;
	}
	fprintf(stderr, "mauth: unknown command '%s'\n", argv[1]);
	return 2;
}
