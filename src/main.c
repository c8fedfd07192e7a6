/* main.c: placeholder until the CLI skeleton lands. */
#include <stdio.h>
int main(void)
{
	puts("ecship");
	return 0;
}
