/*
 * cli_i18n.c: ecship's messages in the user's language (gettext). Picks the locale for messages
 * and characters from the environment (LC_ALL, LC_MESSAGES, LANG, LANGUAGE), and finds the
 * catalogues: $ECSHIP_LOCALEDIR, else build/locale next to an uninstalled binary, else
 * PREFIX/share/locale beside an installed one, else the directory compiled in. Numbers and
 * times keep the C locale's form (JSON, SigV4). See docs/translations.md.
 */
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#ifndef ECSHIP_LOCALEDIR
#define ECSHIP_LOCALEDIR "/usr/local/share/locale"
#endif

static int is_dir(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* The locale directory: the first of the places above that exists. */
static void locale_dir(char *out, size_t n)
{
	const char *env = getenv("ECSHIP_LOCALEDIR");
	char exe[PATH_MAX], try[PATH_MAX + 32];
	ssize_t len;
	if (env && *env) {
		snprintf(out, n, "%s", env);
		return;
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			/* build/ecship: build/locale */
			snprintf(try, sizeof(try), "%s/locale", exe);
			if (is_dir(try)) {
				snprintf(out, n, "%s", try);
				return;
			}
			/* PREFIX/bin/ecship: PREFIX/share/locale */
			snprintf(try, sizeof(try), "%s/../share/locale", exe);
			if (is_dir(try)) {
				snprintf(out, n, "%s", try);
				return;
			}
		}
	}
	snprintf(out, n, "%s", ECSHIP_LOCALEDIR);
}

/* The locale the environment asks for messages in, as setlocale(LC_MESSAGES, "") reads it. */
static const char *wanted_messages_locale(void)
{
	static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return v;
	}
	return NULL;
}

void cli_i18n_setup(void)
{
	char dir[PATH_MAX + 32];
	int ctype = setlocale(LC_CTYPE, "") != NULL;
	int messages = setlocale(LC_MESSAGES, "") != NULL;
	if (!ctype || !messages) {
		/*
		 * The locale asked for is not installed (a container or CI runner often has only C
		 * and C.UTF-8): keep UTF-8 and ask gettext for the language by name instead, so
		 * that LANG=ja_JP.UTF-8 still gives Japanese. LC_MESSAGES=C (or POSIX) still means
		 * English.
		 */
		const char *want = wanted_messages_locale();
		if (!ctype && !setlocale(LC_CTYPE, "C.UTF-8"))
			setlocale(LC_CTYPE, "C");
		if (!messages)
			setlocale(LC_MESSAGES, "C.UTF-8");
		if (!messages && want && strcmp(want, "C") && strcmp(want, "POSIX") &&
		    strncmp(want, "C.", 2)) {
			const char *language = getenv("LANGUAGE");
			char lang[64];
			snprintf(lang, sizeof(lang), "%.*s", (int)strcspn(want, ".@"), want);
			if (!language || !*language)
				setenv("LANGUAGE", lang, 1);
			bind_textdomain_codeset(SHIP_TEXTDOMAIN, "UTF-8");
		}
	}
	locale_dir(dir, sizeof(dir));
	bindtextdomain(SHIP_TEXTDOMAIN, dir);
	textdomain(SHIP_TEXTDOMAIN);
}
