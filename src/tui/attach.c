/*
 * attach.c: opening an attachment and printing to PDF from the screens
 * (doc/tui.md, "Attachments" and "Printing").
 *
 * An attachment is written to a private temporary file — mkostemps in
 * $TMPDIR (else /tmp): a fresh random name, O_EXCL, mode 0600, so nothing
 * planted there is written through and no one else reads it — and handed
 * to the desktop's opener (xdg-open) when there is a desktop (DISPLAY or
 * WAYLAND_DISPLAY), else, when it is text, to the pager ($PAGER, else
 * less). The pager gets the text sanitised as every text on a terminal
 * (utf8_sanitize_n): an escape sequence in an attachment cannot act on
 * the terminal through `less -R`. Curses is suspended around either
 * program and the screen drawn again after, as for the editor.
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "view.h"
#include "widget.h"
#include "../docs/docs.h"
#include "../print/print.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

/* Text is valid UTF-8 without NUL bytes; anything else is for an application to open. */
static int is_text(const char *s, size_t len)
{
	size_t bad;
	return memchr(s, '\0', len) == NULL && utf8_valid(s, len, &bad);
}

/*
 * A private temporary file named after the attachment (the opener picks
 * the application by its extension) holding data; its path in *path
 * (owned), 0, or -1 with errno set.
 */
static int private_file(const char *name, const void *data, size_t len, char **path)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	char *tmpl = xasprintf("%s/docket-XXXXXX-%s", dir, name);
	int fd = mkostemps(tmpl, (int)strlen(name) + 1, O_CLOEXEC); /* O_EXCL, 0600 */
	if (fd < 0) {
		free(tmpl);
		return -1;
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;
			close(fd);
			unlink(tmpl);
			free(tmpl);
			errno = e;
			return -1;
		}
		p += w;
		left -= (size_t)w;
	}
	if (close(fd) < 0) {
		int e = errno;
		unlink(tmpl);
		free(tmpl);
		errno = e;
		return -1;
	}
	*path = tmpl;
	return 0;
}

/*
 * Run the shell command `cmd` with the file as "$1", on the terminal:
 * curses is suspended and the screen drawn again after. Its exit status,
 * or -1 when it could not be started.
 */
static int run_on_terminal(struct tui *t, const char *cmd, const char *path)
{
	def_prog_mode();
	endwin();
	fflush(stdout);
	int status = -1;
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	t->last_key = tui_uptime(); /* time in the pager was not idle time */
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
	return status;
}

int tui_open_attachment(struct tui *t, const char *name, const void *data, size_t len)
{
	const char *display = getenv("DISPLAY"), *wayland = getenv("WAYLAND_DISPLAY");
	int desktop = (display && *display) || (wayland && *wayland);
	int text = is_text(data, len);
	char *path = NULL;
	struct buf shown = BUF_INIT;
	utf8_sanitize(&shown, name);
	if (desktop) {
		/* the opener returns once the application started: the file stays for it to read */
		if (private_file(name, data, len, &path) < 0) {
			tui_message(t, 1, _("unable to write a temporary file for '%s': %s"), shown.s, strerror(errno));
			buf_release(&shown);
			return -1;
		}
		int st = run_on_terminal(t, "xdg-open \"$1\" >/dev/null 2>&1", path);
		free(path);
		if (st == 0) {
			tui_message(t, 0, _("opened '%s' with the desktop's opener"), shown.s);
			buf_release(&shown);
			return 0;
		}
		if (!text) {
			tui_message(t, 1, _("the desktop's opener (xdg-open) could not open '%s'"), shown.s);
			buf_release(&shown);
			return -1;
		}
		/* text: the pager can still show it */
	}
	if (!text) {
		tui_message(t, 1,
			    _("'%s' is not text and there is no desktop to open it with (no DISPLAY or "
			      "WAYLAND_DISPLAY): save it with doc export --dir"),
			    shown.s);
		buf_release(&shown);
		return -1;
	}
	/* the text as it may reach a terminal: CRLF lines read as lines, nothing else acts on it */
	struct buf lf = BUF_INIT, safe = BUF_INIT;
	const char *s = data;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] == '\r' && i + 1 < len && s[i + 1] == '\n'))
			buf_addch(&lf, s[i]);
	utf8_sanitize_n(&safe, lf.s, lf.len, UTF8_KEEP_NL | UTF8_KEEP_TAB);
	buf_release(&lf);
	int rc = private_file(name, safe.s, safe.len, &path);
	buf_release(&safe);
	if (rc < 0) {
		tui_message(t, 1, _("unable to write a temporary file for '%s': %s"), shown.s, strerror(errno));
		buf_release(&shown);
		return -1;
	}
	const char *pager = getenv("PAGER");
	if (!pager || !*pager)
		pager = "less";
	char *cmd = xasprintf("%s \"$1\"", pager);
	int st = run_on_terminal(t, cmd, path);
	free(cmd);
	unlink(path); /* the pager has finished with it */
	free(path);
	if (st != 0)
		tui_message(t, 1, _("the pager (%s) failed on '%s' (exit %d)"), pager, shown.s, st);
	else
		tui_message(t, 0, _("shown '%s'"), shown.s);
	buf_release(&shown);
	return st == 0 ? 0 : -1;
}

/*
 * Ask where the PDF goes (the prompt holds `suggest`, in the directory
 * docket was started in); NULL when cancelled, else the path (owned).
 */
static char *ask_pdf_path(struct tui *t, const char *suggest)
{
	struct prompt p;
	prompt_init(&p, _("PDF file: "), suggest);
	enum dialog_result r = prompt_run(t, &p);
	char *path = r == DIALOG_OK && p.edit.text.len ? xstrdup(p.edit.text.s) : NULL;
	prompt_release(&p);
	return path;
}

void tui_print_request(struct tui *t, const char *id, const json_t *show)
{
	char *suggest = xasprintf("%s-%s.pdf", _("approval-form"), id);
	char *path = ask_pdf_path(t, suggest);
	free(suggest);
	if (!path)
		return;
	struct buf err = BUF_INIT;
	if (print_request_pdf(t->engine, show, path, &err) < 0)
		tui_message(t, 1, "%s", err.s);
	else
		tui_message(t, 0, _("printed %s to '%s'"), id, path);
	buf_release(&err);
	free(path);
}

void tui_print_doc(struct tui *t, const char *id, const char *commit)
{
	struct docs *ds = tui_docs(t);
	if (!ds)
		return;
	struct docs_content c;
	docs_content_init(&c);
	if (docs_load(ds, id, commit, &c) < 0) {
		tui_message(t, 1, "%s", docs_error(ds));
		docs_content_release(&c);
		return;
	}
	char *suggest = xasprintf("%s.pdf", id);
	char *path = ask_pdf_path(t, suggest);
	free(suggest);
	struct buf err = BUF_INIT;
	if (!path)
		;
	else if (print_doc_pdf(&c, path, &err) < 0)
		tui_message(t, 1, "%s", err.s);
	else
		tui_message(t, 0, _("exported %s to '%s' (GB/T 9704)"), id, path);
	buf_release(&err);
	free(path);
	docs_content_release(&c);
}

/* Human size of an attachment: "812 B", "12.3 KB", "4.0 MB". */
void tui_size_text(size_t n, struct buf *out)
{
	if (n < 1024)
		buf_addf(out, "%zu B", n);
	else if (n < 1024 * 1024)
		buf_addf(out, "%.1f KB", n / 1024.0);
	else
		buf_addf(out, "%.1f MB", n / (1024.0 * 1024.0));
}

void tui_open_doc_attachment(struct tui *t, const char *id, const char *commit, const char *name)
{
	struct docs *ds = tui_docs(t);
	if (!ds)
		return;
	struct docs_content c;
	docs_content_init(&c);
	if (docs_load(ds, id, commit, &c) < 0) {
		tui_message(t, 1, "%s", docs_error(ds));
		docs_content_release(&c);
		return;
	}
	const struct docs_attachment *a = name ? docs_content_find(&c, name) : NULL;
	if (!name && c.natt == 1) {
		a = &c.att[0];
	} else if (!name && c.natt > 1) {
		struct picker p;
		picker_init(&p, _("Attachments"));
		for (size_t i = 0; i < c.natt; i++) {
			struct buf s = BUF_INIT;
			utf8_sanitize(&s, c.att[i].name);
			buf_adds(&s, "  ");
			tui_size_text(c.att[i].data.len, &s);
			picker_add(&p, s.s);
			buf_release(&s);
		}
		long k = picker_run(t, &p);
		picker_release(&p);
		if (k < 0) {
			docs_content_release(&c);
			return;
		}
		a = &c.att[k];
	}
	if (!a)
		tui_message(t, 0, "%s", _("this document has no attachment to open"));
	else
		tui_open_attachment(t, a->name, a->data.s, a->data.len);
	docs_content_release(&c);
}
