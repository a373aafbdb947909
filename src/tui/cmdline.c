/*
 * cmdline: the bottom-row prompt (`:` and `/`) and the `:` command
 * (widget.h). A command is split into words like a shell would but no
 * shell runs: docket executes itself (/proc/self/exe) with -C STORE -u
 * USER and the words, stdin on /dev/null, stdout and stderr captured into
 * one text that the pager shows; the exit status goes to the status bar.
 * Nothing is special-cased, so verbs colleagues add work at once.
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "widget.h"
#include "../signin/signin.h"
#include "../store/store.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

/* Most output kept from one command. */
#define CMD_MAX_OUTPUT (4u << 20)

/* Most characters on the command line. */
#define PROMPT_MAX_CHARS 1000

void prompt_init(struct prompt *p, const char *label, const char *initial)
{
	memset(p, 0, sizeof(*p));
	p->label = label;
	edit_init(&p->edit, 0, PROMPT_MAX_CHARS);
	edit_set(&p->edit, initial);
	buf_init(&p->info);
	p->result = DIALOG_OPEN;
}

void prompt_release(struct prompt *p)
{
	edit_release(&p->edit);
	buf_release(&p->info);
}

enum dialog_result prompt_key(struct tui *t, struct prompt *p, int key)
{
	enum action a;
	if (p->result != DIALOG_OPEN)
		return p->result;
	size_t before = p->edit.text.len;
	struct buf old = BUF_INIT;
	buf_add(&old, p->edit.text.s, before);
	if (!edit_key(&p->edit, &t->keymap, key, &a)) {
		if (a == ACT_OPEN)
			p->result = DIALOG_OK;
		else if (a == ACT_BACK)
			p->result = DIALOG_CANCEL;
		/* Backspace on an empty line leaves it, as in vi and less */
	} else if (a == ACT_EDIT_BACKSPACE && !before) {
		p->result = DIALOG_CANCEL;
	}
	if (p->result == DIALOG_OPEN && p->changed && strcmp(old.s, p->edit.text.s))
		p->changed(t, p, p->ctx);
	buf_release(&old);
	return p->result;
}

void prompt_draw(struct tui *t, struct prompt *p)
{
	if (t->rows < 1 || t->cols < 4)
		return;
	size_t width = (size_t)t->cols;
	struct row r, ed;
	row_init(&r, width);
	row_add(&r, TE_NORMAL, p->label, 0);
	/* the note takes the right end when it leaves the line at least 10 columns */
	size_t iw = p->info.len ? utf8_width(p->info.s) + 2 : 0;
	if (r.cols + iw + 10 > width)
		iw = 0;
	size_t ew = width - r.cols - iw;
	row_init(&ed, ew);
	size_t cy, cx;
	edit_render(&p->edit, &ed, ew, 1, TE_NORMAL, &cy, &cx);
	size_t x0 = r.cols;
	row_add(&r, TE_NORMAL, ed.text.s, ew);
	if (iw)
		row_right(&r, TE_MUTED, p->info.s);
	row_fill(&r, TE_NORMAL);
	tui_draw_row(t, t->rows - 1, 0, &r, -1);
	row_release(&ed);
	row_release(&r);
	p->cur_x = (int)(x0 + cx);
	tui_place_cursor(t, t->rows - 1, p->cur_x);
}

enum dialog_result prompt_run(struct tui *t, struct prompt *p)
{
	while (p->result == DIALOG_OPEN) {
		tui_paint(t);
		prompt_draw(t, p);
		refresh();
		int key = tui_read_key(t);
		/* take everything already typed (a paste) before drawing again */
		while (key >= 0 && prompt_key(t, p, key) == DIALOG_OPEN) {
			timeout(0);
			key = tui_read_key(t);
		}
		timeout(1000);
	}
	tui_place_cursor(t, -1, 0);
	return p->result;
}

/* ---- splitting ---- */

void cmd_free_words(char **words)
{
	for (size_t i = 0; words && words[i]; i++)
		free(words[i]);
	free(words);
}

int cmd_split(const char *line, char ***words, size_t *n, struct buf *err)
{
	char **v = NULL;
	size_t nv = 0, alloc = 0;
	const char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		struct buf w = BUF_INIT;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
			char q = *p;
			if (q == '\'' || q == '"') {
				const char *open = p++;
				while (*p && *p != q) {
					if (q == '"' && *p == '\\' && p[1] && strchr("\"\\$`", p[1]))
						p++;
					buf_addch(&w, *p++);
				}
				if (!*p) {
					buf_addf(err, _("unterminated %c quote at column %zu"), q,
						 utf8_chars(line, (size_t)(open - line)) + 1);
					buf_release(&w);
					ALLOC_GROW(v, nv + 1, alloc);
					v[nv] = NULL;
					cmd_free_words(v);
					return -1;
				}
				p++;
			} else if (q == '\\' && p[1]) {
				buf_addch(&w, p[1]);
				p += 2;
			} else {
				buf_addch(&w, *p++);
			}
		}
		ALLOC_GROW(v, nv + 1, alloc);
		v[nv++] = buf_detach(&w);
	}
	ALLOC_GROW(v, nv + 1, alloc);
	v[nv] = NULL;
	*words = v;
	*n = nv;
	return 0;
}

/* ---- running ---- */

int cmd_capture(const char *exe, char *const argv[], struct buf *out, int *status)
{
	return cmd_capture_session(exe, argv, -1, out, status);
}

int cmd_capture_session(const char *exe, char *const argv[], int session_fd, struct buf *out, int *status)
{
	int fd[2];
	if (pipe(fd)) {
		buf_addf(out, _("unable to run '%s': %s"), argv[0], strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		buf_addf(out, _("unable to run '%s': %s"), argv[0], strerror(errno));
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		if (in >= 0)
			dup2(in, STDIN_FILENO);
		dup2(fd[1], STDOUT_FILENO);
		dup2(fd[1], STDERR_FILENO);
		close(fd[0]);
		close(fd[1]);
		/* no controlling terminal: a verb acting as someone else cannot ask
		   their passphrase over the screen; it signs with the session the TUI
		   lends it (its own person only), through the agent, or refuses
		   (doc/security.md) */
		setsid();
		/* the parent's terminal-restoring handlers are not the child's */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (session_fd >= 0) {
			char n[16];
			snprintf(n, sizeof(n), "%d", session_fd);
			setenv("DOCKET_SESSION_FD", n, 1);
		} else {
			unsetenv("DOCKET_SESSION_FD");
		}
		execv(exe, argv);
		dprintf(STDERR_FILENO, "docket: unable to run '%s': %s\n", exe, strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	char chunk[8192];
	for (;;) {
		ssize_t k = read(fd[0], chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (out->len < CMD_MAX_OUTPUT)
			buf_add(out, chunk, (size_t)k);
	}
	close(fd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			buf_addf(out, _("unable to wait for '%s': %s"), argv[0], strerror(errno));
			return -1;
		}
	}
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
	return 0;
}

void tui_command(struct tui *t)
{
	struct prompt p;
	prompt_init(&p, ":", "");
	if (prompt_run(t, &p) != DIALOG_OK || !p.edit.text.len) {
		prompt_release(&p);
		return;
	}
	char **words;
	size_t n;
	struct buf err = BUF_INIT;
	if (cmd_split(p.edit.text.s, &words, &n, &err)) {
		tui_message(t, 1, "%s", err.s);
		buf_release(&err);
		prompt_release(&p);
		return;
	}
	if (!n) {
		cmd_free_words(words);
		prompt_release(&p);
		return;
	}
	const char *fixed[] = { "docket", "-C", store_dir(t->store), "-u", t->user };
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	char **argv = xcalloc(nfixed + n + 1, sizeof(*argv));
	for (size_t i = 0; i < nfixed; i++)
		argv[i] = (char *)fixed[i];
	for (size_t i = 0; i < n; i++)
		argv[nfixed + i] = words[i];
	/* say what runs: a verb may take a moment */
	tui_message(t, 0, _("running '%s'"), p.edit.text.s);
	tui_paint(t);
	refresh();
	struct buf out = BUF_INIT, title = BUF_INIT;
	int status = 0;
	/* the verb signs as the TUI's person: with the key the TUI holds (lent through a pipe), else the agent's */
	int lent = t->session ? signin_lend(t->session) : -1;
	int failed = cmd_capture_session(t->exe, argv, lent, &out, &status);
	if (lent >= 0)
		close(lent);
	t->last_key = tui_uptime(); /* waiting for the verb was not idle time */
	if (failed) {
		tui_message(t, 1, "%s", out.s);
	} else {
		buf_addf(&title, ":%s", p.edit.text.s);
		/* the pager shows what it said; a failure is said in the status bar too */
		if (!tui_push(t, &pager_view_ops, pager_data(title.s, out.s, out.len)) && status != 0)
			tui_message(t, 1, _("'%s' exited with status %d"), p.edit.text.s, status);
	}
	buf_release(&out);
	buf_release(&title);
	buf_release(&err);
	free(argv);
	cmd_free_words(words);
	prompt_release(&p);
}
