/*
 * i18n.h: the one rule for translatable text, in lib/ and src/ alike: wrap every message a user
 * reads in _() (a format string too, never the formatted result), or N_() where a table holds it
 * and _() translates it where it is used. _() is dgettext in the "ecship" text domain, so the
 * library needs no setup of its own: only ecship's main() binds the domain (src/cli_i18n.c);
 * in any other program (ecship-sim, the tests) the English text is returned unchanged.
 * Catalogues: po/ (docs/translations.md).
 */
#ifndef ECSHIP_I18N_H
#define ECSHIP_I18N_H

#include <libintl.h>

#define SHIP_TEXTDOMAIN "ecship"
#define _(s) dgettext(SHIP_TEXTDOMAIN, s)
#define N_(s) (s)

#endif
