/*
 * fuzz_main.h: a main() for the fuzz targets when they are not built with libFuzzer: replays
 * each file given as an argument through LLVMFuzzerTestOneInput (for corpora and crash repros).
 * Build with -DECSHIP_LIBFUZZER and -fsanitize=fuzzer to fuzz instead.
 */
#ifndef ECSHIP_FUZZ_MAIN_H
#define ECSHIP_FUZZ_MAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ecship/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef ECSHIP_LIBFUZZER
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct ship_buf b = SHIP_BUF_INIT(16 << 20);
		if (ship_read_file(argv[i], &b)) {
			fprintf(stderr, "cannot read '%s'\n", argv[i]);
			ship_buf_release(&b);
			return 2;
		}
		LLVMFuzzerTestOneInput((const uint8_t *)b.data, b.len);
		ship_buf_release(&b);
		printf("ok %s\n", argv[i]);
	}
	return 0;
}
#endif

#endif
