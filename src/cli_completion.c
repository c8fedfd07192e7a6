/*
 * cli_completion.c: bash and zsh completion scripts generated from the command table and the
 * option tables (`ecship help --completion bash|zsh`; `make` writes build/ecship.bash and
 * build/_ecship), so completion never drifts from --help: every command, subcommand, option and
 * enumerated option value. The scripts never run ecship while completing.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int takes_value(const struct cli_option *o)
{
	return o->type != CLI_OPT_FLAG;
}

/* Every option's "--name", space-separated; with `valued`, only those that take a value. */
static void option_words(FILE *f, const struct cli_option *opts, int valued, const char **sep)
{
	for (const struct cli_option *o = opts; o && o->name; o++) {
		if (valued && !takes_value(o))
			continue;
		fprintf(f, "%s--%s", *sep, o->name);
		*sep = " ";
	}
}

/* All options that take a value, of every command and the global ones (deduplicated by the
 * shells' word matching, so repeats are harmless). */
static void all_valued(FILE *f, const struct cli_command *const *cmds, size_t n)
{
	const char *sep = "";
	option_words(f, cli_global_options, 1, &sep);
	for (size_t i = 0; i < n; i++)
		option_words(f, cmds[i]->options, 1, &sep);
}

/* The enumerated values of CLI_CHOICE options ("text,json" -> "text json"), as shell case arms:
 * `--output) WORDS="text json" ;;`. File options (argname FILE) complete file names. */
static void value_cases(FILE *f, const struct cli_option *opts, const char *indent,
			const char *assign, const char *files)
{
	for (const struct cli_option *o = opts; o && o->name; o++) {
		if (o->type == CLI_OPT_CHOICE && o->choices) {
			fprintf(f, "%s--%s) %s\"", indent, o->name, assign);
			for (const char *c = o->choices; *c; c++)
				fputc(*c == ',' ? ' ' : *c, f);
			fputs("\" ;;\n", f);
		} else if (o->argname && !strcmp(o->argname, "FILE")) {
			fprintf(f, "%s--%s) %s ;;\n", indent, o->name, files);
		}
	}
}

/*
 * A command's subcommands, from its usage arguments ("deploy|diff [KEY=VALUE...] | status"):
 * the lowercase words outside brackets, before any "--". Returns how many it printed.
 */
static int subcommands(FILE *f, const char *args, const char *sep)
{
	int depth = 0, count = 0;
	const char *p = args ? args : "";
	while (*p) {
		if (*p == '[' || *p == ']') {
			depth += *p == '[' ? 1 : -1;
			p++;
			continue;
		}
		size_t len = strcspn(p, " |[]");
		if (len == 0) {
			p++;
			continue;
		}
		if (len == 2 && !strncmp(p, "--", 2))
			break;
		int word = depth == 0 && p[0] >= 'a' && p[0] <= 'z';
		for (size_t i = 0; word && i < len; i++)
			word = (p[i] >= 'a' && p[i] <= 'z') || p[i] == '-';
		if (word) {
			fprintf(f, "%s%.*s", count ? " " : sep, (int)len, p);
			count++;
		}
		p += len;
	}
	return count;
}

/* The shell-independent body: finds the command and subcommand, then sets WORDS to the
 * candidates (or decides on files/nothing). Written in the common subset of bash and zsh. */
static void body(FILE *f, const struct cli_command *const *cmds, size_t n, int zsh)
{
	const char *files =
	    zsh ? "_files; return" : "mapfile -t COMPREPLY < <(compgen -f -- \"$cur\"); return";
	fputs("\tlocal valued=\"", f);
	all_valued(f, cmds, n);
	fputs("\"\n", f);
	/* the first two words that are neither options nor their values */
	fprintf(f, "\tfor ((i = %d; i < %s; i++)); do\n", zsh ? 2 : 1,
		zsh ? "CURRENT" : "COMP_CWORD");
	fprintf(f, "\t\tw=%s\n", zsh ? "${words[i]}" : "${COMP_WORDS[i]}");
	fputs("\t\tcase \"$w\" in\n"
	      "\t\t--) return 0 ;;\n"
	      "\t\t--*=*) ;;\n"
	      "\t\t-*) [[ \" $valued \" == *\" $w \"* ]] && ((i++)) ;;\n"
	      "\t\t*) if [ -z \"$cmd\" ]; then cmd=$w; elif [ -z \"$sub\" ]; then sub=$w; fi ;;\n"
	      "\t\tesac\n"
	      "\tdone\n",
	      f);
	/* the value of an option */
	fputs("\tcase \"$prev\" in\n", f);
	value_cases(f, cli_global_options, "\t", "WORDS=", files);
	for (size_t i = 0; i < n; i++)
		value_cases(f, cmds[i]->options, "\t", "WORDS=", files);
	fputs("\t*) [[ \" $valued \" == *\" $prev \"* ]] && return 0 ;;\n"
	      "\tesac\n",
	      f);
	fputs("\tif [ -n \"$WORDS\" ]; then :\n"
	      "\telif [[ \"$cur\" == -* ]]; then\n"
	      "\t\tWORDS=\"",
	      f);
	const char *sep = "";
	option_words(f, cli_global_options, 0, &sep);
	fputs("\"\n\t\tcase \"$cmd\" in\n", f);
	for (size_t i = 0; i < n; i++) {
		if (!cmds[i]->options || !cmds[i]->options[0].name)
			continue;
		fprintf(f, "\t\t%s) WORDS=\"$WORDS ", cmds[i]->name);
		sep = "";
		option_words(f, cmds[i]->options, 0, &sep);
		fputs("\" ;;\n", f);
	}
	fputs("\t\tesac\n"
	      "\telif [ -z \"$cmd\" ]; then\n"
	      "\t\tWORDS=\"help",
	      f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %s", cmds[i]->name);
	fputs("\"\n"
	      "\telif [ -z \"$sub\" ]; then\n"
	      "\t\tcase \"$cmd\" in\n"
	      "\t\thelp) WORDS=\"",
	      f);
	sep = "";
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s%s", sep, cmds[i]->name);
		sep = " ";
	}
	fputs("\" ;;\n", f);
	for (size_t i = 0; i < n; i++) {
		/* printed to a scratch stream first: only commands that have subcommands get an arm
		 */
		char buf[1024];
		FILE *m = fmemopen(buf, sizeof(buf), "w");
		int k = m ? subcommands(m, cmds[i]->args, "") : 0;
		if (m)
			fclose(m);
		if (k > 0)
			fprintf(f, "\t\t%s) WORDS=\"%s\" ;;\n", cmds[i]->name, buf);
	}
	fputs("\t\tesac\n"
	      "\tfi\n",
	      f);
}

int cli_completion(FILE *f, const char *shell, const struct cli_command *const *cmds, size_t n)
{
	if (!strcmp(shell, "bash")) {
		fputs("# bash completion for ecship, generated by `ecship help --completion bash` "
		      "from "
		      "its option\n"
		      "# tables: commands, subcommands, options and enumerated option values.\n"
		      "_ecship() {\n"
		      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
		      "\tlocal cmd=\"\" sub=\"\" WORDS=\"\" i w\n"
		      "\tCOMPREPLY=()\n",
		      f);
		body(f, cmds, n, 0);
		fputs("\t# shellcheck disable=SC2086 # WORDS is a list of words\n"
		      "\tmapfile -t COMPREPLY < <(compgen -W \"$WORDS\" -- \"$cur\")\n"
		      "}\n"
		      "complete -F _ecship ecship\n",
		      f);
		return 0;
	}
	if (!strcmp(shell, "zsh")) {
		fputs("#compdef ecship\n"
		      "# zsh completion for ecship, generated by `ecship help --completion zsh` "
		      "from its "
		      "option\n"
		      "# tables: commands, subcommands, options and enumerated option values. "
		      "Install as "
		      "_ecship\n"
		      "# in a folder of $fpath, or source it after compinit.\n"
		      "_ecship() {\n"
		      "\tlocal cur=${words[CURRENT]} prev=${words[CURRENT-1]}\n"
		      "\tlocal cmd=\"\" sub=\"\" WORDS=\"\" i w\n",
		      f);
		body(f, cmds, n, 1);
		fputs("\t[ -n \"$WORDS\" ] || return 1\n"
		      "\tcompadd -- ${=WORDS}\n"
		      "}\n"
		      "if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then\n"
		      "\t_ecship \"$@\"\n"
		      "else\n"
		      "\tcompdef _ecship ecship\n"
		      "fi\n",
		      f);
		return 0;
	}
	return -1;
}
