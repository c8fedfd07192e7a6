/*
 * testutil.h: shared support for the cmocka unit tests: a counting allocator that finds leaks
 * and can fail the Nth allocation, and small helpers. Include after cmocka's prerequisites.
 */
#ifndef ECSHIP_TESTUTIL_H
#define ECSHIP_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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

#endif
