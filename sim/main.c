/*
 * main.c: ecship-sim entry point (work in progress: the server arrives in the next commit).
 * Depends on the rest of sim/ only.
 */
#include <stdio.h>

#include "pure.h"

int main(void)
{
	fprintf(stderr, "ecship-sim: not built yet\n");
	return 1;
}
