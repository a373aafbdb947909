/*
 * store_witness: the witness of the log's head, outside the database.
 *
 * The hash chain orders events and signatures attribute them, but a log
 * whose newest events were deleted is still a valid chain of valid
 * signatures. After every commit that appended events the store writes
 * the last event's sequence, hash and time to DIR/witness (a temporary
 * file renamed over it); `docket check` compares the log with it.
 *
 * The witness is written after the commit point, never before, so it may
 * lag the log (a crash between the two, two writers finishing in the
 * other order) but never lead it: a witness ahead of the log means events
 * the store committed are gone. It is one fixed-size record rewritten in
 * place with one pwrite (writes to a file exclude each other), without
 * fsync: a rename per commit cost more than the action (ext4 flushes a
 * file renamed over another). After a power loss the witness is an older
 * one (it lags: allowed) or, at worst, torn — then check says it cannot
 * tell, as for a missing witness; the next commit writes it whole. (Under
 * DOCKET_SYNC=normal a power loss can take SQLite's last commits but keep
 * the witness: that store then reads as cut off, which it is.)
 *
 * The file, one field a line:
 *   docket.witness.1
 *   seq 42
 *   hash <64 hex digits>
 *   made_at 2026-03-02T01:30:00Z
 *   written_at 2026-03-02T01:30:00Z
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/clock.h"
#include "../util/fsutil.h"
#include "../util/hash.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "store_internal.h"

#define WITNESS_TAG "docket.witness.1"
#define WITNESS_MAX 1024
/* Every witness is written as one record of this size at offset 0: no truncation, no rename */
#define WITNESS_RECORD 256

const char *store_witness_path(const struct store *s)
{
	return s->witness_path;
}

int store_witness_head(struct store *s, struct store_witness *w)
{
	memset(w, 0, sizeof(*w));
	sqlite3_stmt *st = store_stmt(s, ST_EVENT_LAST);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 1);
		const char *t = (const char *)sqlite3_column_text(st, 2);
		w->seq = sqlite3_column_int64(st, 0);
		snprintf(w->hash, sizeof(w->hash), "%s", h ? h : "");
		snprintf(w->made_at, sizeof(w->made_at), "%s", t ? t : "");
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sql_status(s, rc, _("read the event log"));
	return rc == SQLITE_ROW;
}

void store_witness_write(struct store *s, const struct store_witness *w)
{
	char now[40];
	clock_format_iso(clock_now(), now, sizeof(now));
	char rec[WITNESS_RECORD];
	memset(rec, '\n', sizeof(rec));
	int n = snprintf(rec, sizeof(rec), WITNESS_TAG "\nseq %" PRId64 "\nhash %s\nmade_at %s\nwritten_at %s\n",
			 w->seq, w->hash, w->made_at, now);
	if (n < 0 || (size_t)n >= sizeof(rec))
		return;
	rec[n] = '\n'; /* the padding: newlines to the record's fixed size */
	/*
	 * Opened at each commit (a witness removed while the TUI runs comes
	 * back at its next commit), never through a symbolic link.
	 */
	int fd = open(s->witness_path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (pwrite(fd, rec, sizeof(rec), 0) < 0) {
			/* nothing to do: a witness that lags (or none) is allowed */
		}
		close(fd);
	}
}

/* Parse the witness text into *w: 0, or -1 when it is not one docket wrote. */
static int witness_parse(const char *text, struct store_witness *w)
{
	memset(w, 0, sizeof(*w));
	char tag[32];
	long long seq;
	int used = 0;
	if (sscanf(text, "%31s seq %lld hash %64s made_at %39s written_at %39s%n", tag, &seq, w->hash, w->made_at,
		   w->written_at, &used) != 5 || strcmp(tag, WITNESS_TAG) || seq < 1 ||
	    strlen(w->hash) != HASH_HEX_LEN)
		return -1;
	w->seq = (int64_t)seq;
	return 0;
}

int store_witness_check(struct store *s, struct store_witness *w, int64_t *last)
{
	memset(w, 0, sizeof(*w));
	*last = store_event_last_seq(s);
	if (*last < 0)
		return STORE_ERR;
	struct buf text = BUF_INIT;
	int rc = read_file(s->witness_path, WITNESS_MAX, &text);
	if (rc < 0 || witness_parse(text.s, w) < 0) {
		buf_release(&text);
		memset(w, 0, sizeof(*w));
		return STORE_WITNESS_NONE;
	}
	buf_release(&text);
	if (w->seq > *last)
		return STORE_WITNESS_CUT;
	/* the hash covers every field and the chain before it: the same hash is the same log up to there */
	int status = 0;
	char *h = store_sql_str(s, &status, "SELECT hash FROM events WHERE seq = ?1", "i", w->seq);
	if (status < 0)
		return status;
	int same = h && !strcmp(h, w->hash);
	free(h);
	return same ? STORE_WITNESS_HOLDS : STORE_WITNESS_OTHER;
}

time_t store_event_time(struct store *s, time_t now)
{
	if (!store_times_ordered(s))
		return now; /* a test's or a demonstration's clock is set by hand, and kept; a synced log's times are its makers' */
	struct store_witness head;
	time_t last;
	if (store_witness_head(s, &head) == 1 && clock_parse_iso(head.made_at, &last) == 0 && last > now)
		return last;
	return now;
}
