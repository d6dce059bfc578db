/*
 * mauth/mauth.h - umbrella header of libmauth.
 */
#ifndef MAUTH_MAUTH_H
#define MAUTH_MAUTH_H

#include "common.h"
#include "dns.h"
#include "spf.h"
#include "dkim.h"
#include "dmarc.h"
#include "message.h"
#include "authres.h"
#include "check.h"

#endif /* MAUTH_MAUTH_H */
