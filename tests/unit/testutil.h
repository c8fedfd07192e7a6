/*
 * testutil.h: shared support for the cmocka unit tests: a counting allocator that finds leaks
 * and can fail the Nth allocation, the walk over recorded answers kept as data (tests/data/),
 * a client whose requests go to a fake transport, and small helpers.
 */
#ifndef ECSHIP_TESTUTIL_H
#define ECSHIP_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>

#include "ecship/aws.h"
#include "ecship/clock.h"
#include "ecship/http.h"

/* Installs the counting allocator (idempotent). */
void tu_alloc_install(void);
/* Live allocations made through ship_malloc since install. */
long tu_alloc_live(void);
/* Make the Nth allocation from now fail (1 = the next one); 0 disables. */
void tu_alloc_fail_at(long n);
/* Allocations made since install (for sizing fail-at loops). */
long tu_alloc_count(void);

/* cmocka setup/teardown pair: teardown fails the test if it leaked through ship_malloc. */
int tu_setup(void **state);
int tu_teardown(void **state);

#define TU_TEST(f) cmocka_unit_test_setup_teardown(f, tu_setup, tu_teardown)

/* Path of a file under the shared test data (../shared/testdata or $ECSHIP_TESTDATA). */
const char *tu_testdata(const char *rel);
/* Data under the shared test folder is optional (a fresh clone has none): when REL is missing,
 * prints a "# SKIP" reason line and returns 1, and the caller skips; 0 when it is there. */
int tu_testdata_missing(const char *rel);
/* Skips the running cmocka test, with the reason, when the optional data REL is missing. */
#define TU_NEED_TESTDATA(rel)                                                                      \
	do {                                                                                       \
		if (tu_testdata_missing(rel))                                                      \
			skip();                                                                    \
	} while (0)

/* ---- recorded answers: one JSON document a file (tests/data/AREA/NAME.json) -------------------
 */

/* The JSON document of the file at path (caller json_decref); fails the test when it cannot be
 * read or parsed. */
json_t *tu_json_file(const char *path);
/* Called with each file's name (no folder) and document, which tu_json_each releases after. */
typedef void (*tu_json_fn)(const char *name, json_t *doc, void *ctx);
/* Calls fn for each *.json file of dir (in the order readdir gives); the number of files. Fails the
 * test when dir or one of its files cannot be read. */
int tu_json_each(const char *dir, tu_json_fn fn, void *ctx);

/* ---- a client over a fake transport ---------------------------------------------------------- */

/* A client for ap-northeast-1 with the test key (AKIAECSHIPTEST000000 from the environment)
 * whose requests go to fn(ctx) instead of the network, one attempt each (no retry); on the fake
 * clock fc started at `now` (fc NULL: the system clock). Fails the test when it cannot be made.
 * Caller ship_aws_destroy. */
struct ship_aws *tu_fake_aws(struct ship_fake_clock *fc, double now, ship_transport_fn fn,
			     void *ctx);
/* A fake transport's answer: the status, Content-Type `type`, a request id and the body text.
 * Returns 0 (the transport's "sent"). */
int tu_answer(struct ship_http_response *resp, long status, const char *type, const char *text);

#endif
