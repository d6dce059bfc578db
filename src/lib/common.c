/*
 * common.c - status strings and version.
 */
#include "mauth/common.h"

const char *
mauth_strerror(int status)
{
	switch (status) {
	case MAUTH_OK:
		return "success";
	case MAUTH_ERR_NOMEM:
		return "out of memory";
	case MAUTH_ERR_INVAL:
		return "invalid argument";
	case MAUTH_ERR_IO:
		return "input/output error";
	case MAUTH_ERR_SYNTAX:
		return "syntax error";
	case MAUTH_ERR_LIMIT:
		return "limit reached";
	case MAUTH_ERR_DNS:
		return "resolver error";
	case MAUTH_ERR_INTERNAL:
		return "internal error";
	default:
		return "unknown error";
	}
}

const char *
mauth_version(void)
{
	return MAUTH_VERSION_STRING;
}
