/*
 * mauth/common.h - status codes, export macro and shared small types.
 *
 * A verdict (SPF pass, DKIM fail, ...) is never an error: verdicts are data in
 * the enums of each engine.  The negative codes below report API misuse and
 * resource failures only.
 */
#ifndef MAUTH_COMMON_H
#define MAUTH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define MAUTH_API __attribute__((visibility("default")))
#define MAUTH_WUR __attribute__((warn_unused_result))
#define MAUTH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MAUTH_API
#define MAUTH_WUR
#define MAUTH_PRINTF(f, a)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes returned by API functions: 0 on success, negative on failure. */
enum mauth_status {
	MAUTH_OK = 0,
	MAUTH_ERR_NOMEM = -1,	/* allocation failed */
	MAUTH_ERR_INVAL = -2,	/* bad argument (caller error or bad user input) */
	MAUTH_ERR_IO = -3,	/* a file could not be opened or read */
	MAUTH_ERR_SYNTAX = -4,	/* a file or record could not be parsed */
	MAUTH_ERR_LIMIT = -5,	/* a configured ceiling was reached */
	MAUTH_ERR_DNS = -6,	/* resolver could not be set up */
	MAUTH_ERR_INTERNAL = -7	/* should not happen */
};

/*
 * mauth_strerror - static text for a status code; never NULL.
 */
MAUTH_API const char *mauth_strerror(int status);

/*
 * mauth_version - the library version string (static).
 */
MAUTH_API const char *mauth_version(void);

#ifdef __cplusplus
}
#endif
#endif /* MAUTH_COMMON_H */
