/*
 * view: what every TUI screen shares (internal to src/tui/).
 *
 * A screen is a `struct view_ops` (tig's view_ops): it loads its lines when
 * opened, renders any one line into a `struct row`, and may handle actions
 * before the generic ones (cursor movement, back, help). Rendering is pure
 * text measured in columns, so a unit test can check a row without a
 * terminal; tui.c alone talks to curses.
 */
#ifndef DOCKET_TUI_VIEW_H
#define DOCKET_TUI_VIEW_H

#include <jansson.h>
#include <stddef.h>

#include "../defs/keys.h"
#include "../defs/theme.h"
#include "../util/buf.h"

struct agent_conn;
struct auth_session;
struct docs;
struct engine;
struct form;
struct org;
struct store;
struct tdefs;
struct tui;
struct view;
struct workflow;

/* A piece of a row drawn in one element's colours. */
struct span {
	size_t off, len;        /* bytes of row->text */
	enum theme_elem elem;   /* how to draw it */
	int hi;                 /* 1: highlighted inside its element (reverse): changed characters */
};

#define ROW_MAX_SPANS 64

/* One screen row of text, never wider than `width` columns. */
struct row {
	struct buf text;        /* sanitized UTF-8, exactly `cols` columns */
	struct span spans[ROW_MAX_SPANS]; /* colour runs covering text */
	size_t nspans;
	size_t cols;            /* columns used so far */
	size_t width;           /* columns available */
};

void row_init(struct row *r, size_t width);
void row_release(struct row *r);
/*
 * Append `s` (sanitized: control and bidi characters escaped) in exactly
 * `cols` columns — cut with "~" and padded — or, when cols is 0, in its
 * own width. Never goes past the row's width and never splits a
 * double-width character. Returns the columns added.
 */
size_t row_add(struct row *r, enum theme_elem e, const char *s, size_t cols);
/* row_add with `hi` set: drawn in e's colours and reversed (a diff's changed characters). */
size_t row_add_hi(struct row *r, enum theme_elem e, int hi, const char *s, size_t cols);
/* Pad with spaces in element `e` up to the full width. */
void row_fill(struct row *r, enum theme_elem e);
/* Put `right` flush against the right edge after padding (dropped if it does not fit). */
void row_right(struct row *r, enum theme_elem e, const char *right);

struct view_ops {
	const char *name;       /* for messages and tests: "definitions" */
	/* Append the title bar text (translated). */
	void (*title)(struct tui *t, struct view *v, struct buf *out);
	/* Load the lines; 0, or -1 with a message set by tui_message(). */
	int (*open)(struct tui *t, struct view *v);
	/* Render the tab bar into r; NULL when the view has no tabs. */
	void (*tabbar)(struct tui *t, struct view *v, struct row *r);
	/* A click on the tab bar at column x; NULL when the view has no tabs. */
	void (*tab_click)(struct tui *t, struct view *v, size_t x);
	/* Render the column header into r; NULL when the view has none. */
	void (*header)(struct tui *t, struct view *v, struct row *r);
	/* Render line `i` into r. */
	void (*line)(struct tui *t, struct view *v, size_t i, struct row *r);
	/* Handle an action first; return 1 when handled, 0 for the default. */
	int (*request)(struct tui *t, struct view *v, enum action a);
	/* Free `data`. */
	void (*release)(struct view *v);
	/*
	 * Lay the lines out again for a screen `width` columns wide (text that
	 * wraps); called before drawing when the width is not the one last
	 * laid out for (struct view's `width`). NULL: lines do not depend on it.
	 */
	void (*layout)(struct tui *t, struct view *v, size_t width);
	/* Shown when there are no lines (untranslated; drawn through _()). */
	const char *empty;
	/*
	 * The screen's own actions, beyond those every screen has (tui.c's
	 * generic ones, search, the editing keys), ending with ACT_NONE; the
	 * help lists only these and the generic ones. NULL: none.
	 */
	const enum action *keys;
	/*
	 * This screen's own meaning of an action it takes over (the sync
	 * conflicts' redo on `return`'s key), untranslated, for the help; NULL
	 * (the hook or its answer): the action table's.
	 */
	const char *(*key_help)(enum action a);
};

struct view {
	const struct view_ops *ops;
	void *data;             /* the screen's own state; ops->release frees it */
	size_t lines;           /* number of lines */
	size_t cursor;          /* selected line */
	size_t offset;          /* first line shown */
	int height;             /* body rows at the last draw */
	int no_cursor;          /* 1: the view scrolls, nothing is selected */
	size_t width;           /* the screen width the lines were laid out for (ops->layout) */
};

#define TUI_MAX_VIEWS 8

/* What the status bar says of sync (tsync.c), read again with the 待办 count. */
struct tui_sync {
	int remote;             /* 1: the store has a server (else the bar says nothing of sync) */
	int busy;               /* 1 while a sync runs: 同步中 */
	int offline;            /* 1: the last attempt could not reach the server: 离线 */
	char last[32];          /* the last sync as the bar shows it ("09:30", "2026-03-01"); "" never */
	long waiting;           /* actions not yet on the server: 待同步 */
	long conflicts;         /* the user's rejected actions waiting for them: 冲突 */
	long long done, total;  /* events moved so far while busy, of how many */
};

struct tui {
	struct store *store;    /* borrowed from the caller */
	char *user;             /* acting user id; owned (NULL until someone signs in) */
	struct theme *theme;    /* owned */
	struct keymap keymap;   /* the theme's keys over the defaults */
	int mono;               /* 1: attributes only (no colours) */
	int screen_reader;      /* 1: DOCKET_SCREEN_READER — cursor on the selection */
	int attrs[TE_COUNT];    /* curses attributes per element (an attr_t) */
	struct view *views[TUI_MAX_VIEWS]; /* the view stack; the top is shown */
	int nviews;
	struct buf msg;         /* one-line message for the status bar */
	int msg_error;          /* msg is an error */
	int quit;               /* leave the main loop */
	int rows, cols;         /* screen size at the last draw */
	int cursor_y;           /* screen row of the selected line, or -1 */
	int body_y;             /* screen row of the first body line at the last draw */
	int cursor_shown;       /* 1 while the terminal cursor is visible */
	struct buf search;      /* the last `/` search text ("" for none) */
	const char *exe;        /* the docket binary `:` runs; "/proc/self/exe" */
	int mouse;              /* 1: mouse reporting on (DOCKET_MOUSE=1) */
	int mouse_y, mouse_x;   /* position of the last mouse event */
	unsigned long mouse_bstate; /* its buttons (an mmask_t) */
	struct engine *engine;  /* on `store`; owned (every decision goes through it) */
	struct tdefs *defs;     /* parsed definitions read so far (tdefs.c); owned */
	struct docs *docs;      /* the store's documents, opened on first use (tui_docs); owned */
	long pending;           /* the 待办 count for the status bar; < 0 unknown */
	long notice_new, notice_urged, notice_due; /* notify.c: to-dos new since the last look, urged, near their deadline */
	time_t seen;            /* when this person last looked before this session (0: never) */
	char *seen_user;        /* whose session the notices began for; owned */
	struct tui_sync sync;   /* sync's part of the status bar */
	struct auth_session *session; /* who signs what this TUI does (NULL: nobody, before keys); owned */
	struct agent_conn *agent; /* the agent signing for `session`, or NULL; owned */
	int idle_secs;          /* lock after this long without a key (0: never) */
	long last_key;          /* when the last key was pressed (tui_uptime) */
	int locking;            /* 1 while the lock is on screen */
	int demo;               /* 1: a demo store, whose sign-in shows the demo passphrase */
	const char *cover;      /* when set, the screen is covered (sign-in, lock): this title, no view */
	json_t *unsent;         /* request id -> an opinion typed in a dialog closed unsent, offered again; owned */
	/* tests: where keys come from instead of the terminal (NULL: the terminal) */
	int (*script)(struct tui *t, void *ctx);
	void *script_ctx;
	int script_ended;       /* tests: the script has no keys left, so a dialog cancels without asking */
};

/* Key code for a mouse event (tui-private; the keymap never holds it). */
#define KEYC_MOUSE (KEYC_BASE + 0x200)
/* Ctrl-C (SIGINT) while a dialog is open: the dialog cancels, asking first (tui-private). */
#define KEYC_INTERRUPT (KEYC_BASE + 0x201)

/* Show a message in the status bar until the next key. */
/*
 * Notifications (notify.c): tui_notices_start at a person's start (once a
 * session) says in the message line what is new, urged or near its
 * deadline since they last looked; tui_notices_count counts them from the
 * to-do list; tui_notices_status adds the counts to the status bar.
 */
void tui_notices_start(struct tui *t);
void tui_notices_count(struct tui *t, const json_t *todo);
void tui_notices_status(const struct tui *t, struct buf *out);
void tui_message(struct tui *t, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Open a view on top of the stack; on failure it is freed and -1 returned. */
int tui_push(struct tui *t, const struct view_ops *ops, void *data);
/* Close the top view (the last one quits). */
void tui_pop(struct tui *t);
/* Format an ISO 8601 time as local "YYYY-MM-DD HH:MM" (the input when unparsable). */
void tui_format_time(struct buf *out, const char *iso);

/* Search view v for `needle` from line `from` in direction dir (+1/-1), wrapping; the line or -1. */
long view_search(struct tui *t, struct view *v, const char *needle, size_t from, int dir);
/* Number of lines of v that match `needle`. */
size_t view_count_matches(struct tui *t, struct view *v, const char *needle);
/* The generic search, search-next and search-prev actions (search.c). */
int tui_search_request(struct tui *t, struct view *v, enum action a);

/* Load every list on the stack and the view on top again (as `refresh` does), and the status bar's counts. */
void tui_refresh_views(struct tui *t);
/* Count the user's 待办 again for the status bar (and read sync's state again). */
void tui_update_pending(struct tui *t);

/* ---- sync (tsync.c; doc/sync.md) ---- */

/* Read sync's state for the status bar again (t->sync). */
void tui_update_sync(struct tui *t);
/* Sync's part of the status bar ("已同步 09:30 待同步：2"), appended; nothing without a server. */
void tui_sync_status(struct tui *t, struct buf *out);
/* The sync action: push and pull now, 同步中 and a progress bar meanwhile; the outcome in the message line. */
void tui_sync_now(struct tui *t);
/* 1 when the event at local sequence `seq` is this terminal's and not yet on the server. */
int tui_sync_waiting_seq(struct tui *t, long long seq);
/*
 * The user's rejected actions on request `id`, one line each, appended to
 * out separated by newlines ("你的「同意」未被服务器接受：…"). The count.
 */
size_t tui_conflict_notes(struct tui *t, const char *id, struct buf *out);
/* The 同步冲突 list: the user's rejected actions (view_conflicts.c). */
extern const struct view_ops conflicts_view_ops;
/* The approval action that makes events of `type` (ACT_APPROVE for task.approved), or ACT_NONE. */
enum action request_action_for_type(const char *type);

/* ---- who acts (signin.c) ---- */

/* What the sign-in screen is for. */
enum tui_signin_mode {
	TUI_SIGNIN_START,  /* before the first view: nobody acts yet */
	TUI_SIGNIN_SWITCH, /* someone else takes over (the switch-user action) */
	TUI_SIGNIN_UNLOCK, /* the idle lock: the same person, passphrase only */
};
/*
 * Before curses: sign in through the agent when it holds the user's
 * current key, or see that nobody can (the setup phase). 0 when the TUI
 * may open on its inbox, 1 when the sign-in screen must come first, or a
 * process exit code > 1 with the message printed on stderr.
 */
int tui_signin_begin(struct tui *t);
/*
 * The sign-in screen: user and passphrase (or, for the lock, the
 * passphrase alone), an initial passphrase replaced there. 1 when someone
 * signed in (t->user, t->session are theirs and the views start again
 * from the inbox for a switch), 0 when left with Esc or Quit.
 */
int tui_signin(struct tui *t, enum tui_signin_mode mode);
/* The switch-user action: another person signs in (their passphrase, or their agent session). */
void tui_switch_user(struct tui *t);
/*
 * The idle lock, when idle_secs have passed since the last key: covers the
 * screen until the passphrase is given (the views and any dialog beneath
 * are kept). 1 when it was shown (the caller draws everything again).
 */
int tui_idle_lock(struct tui *t);
/*
 * The session can no longer sign — the agent dropped the key (its time ran
 * out, a logout), or the key was replaced or revoked elsewhere — seen when
 * an action failed on it, or, for an agent's session, when the TUI wakes
 * up idle: the screen is covered as by the lock and the passphrase asked
 * again; Quit leaves. 1 when it asked, 0 when the session is fine.
 */
int tui_session_lost(struct tui *t);
/* Forget who acts: the store signs for nobody, the session and agent connection freed. */
void tui_sign_out(struct tui *t);
/* Seconds on a clock that only goes forward (sleep counts): for the idle lock. */
long tui_uptime(void);
/* The lock's idle time: the policy's, or DOCKET_IDLE_SECONDS on a test clock (DOCKET_NOW). */
int tui_idle_seconds(struct tui *t);
/* Close every view and open the inbox again (after a switch of person). */
void tui_restart_views(struct tui *t);
/*
 * Leave at once from anywhere (the lock's Quit): the terminal restored,
 * exit status 0. Under a test's key script it only sets t->quit.
 */
void tui_exit(struct tui *t);

/* ---- tdefs: deployed definitions, parsed once per version (tdefs.c) ---- */

/* The workflow of version `hash`, or (hash NULL) the current one called `id`; NULL if none. */
const struct workflow *tui_workflow(struct tui *t, const char *hash, const char *id);
/* The current form `id` (its version hash in *hash when not NULL); NULL if none. */
const struct form *tui_form(struct tui *t, const char *id, const char **hash);
/* The form or organisation version `hash` (a request's own), parsed; NULL when not deployed. */
const struct form *tui_form_version(struct tui *t, const char *hash);
const struct org *tui_org_version(struct tui *t, const char *hash);
/* The current organisation (its version hash in *hash when not NULL); NULL if none. */
const struct org *tui_org(struct tui *t, const char **hash);
/* A person as people read it: "王芳" (the id when unknown). */
const char *tui_user_name(struct tui *t, const char *id);
/* A step's name in the workflow of version `hash` (the id when unknown). */
const char *tui_step_name(struct tui *t, const char *wf_hash, const char *wf_id, const char *step);
/* A workflow's name by id, from the current version (the id when unknown). */
const char *tui_workflow_name(struct tui *t, const char *id);
/* A request's state as people read it ("in progress" for running). */
const char *tui_state_label(const char *state);
/* A kind of definition as people read it ("workflow": 流程; the kind itself when unknown). */
const char *tui_kind_label(const char *kind);
/* Free everything tdefs read. */
void tui_defs_free(struct tui *t);

/* ---- approvals (view_request.c) ---- */

/*
 * Run an approval action (approve, reject, return, transfer, delegate,
 * add-signer, remove-signer, circulate, urge, withdraw, terminate,
 * take-back, mark-read) on request `id`: a dialog for the inputs, then one
 * engine_act(); a refusal is shown in the dialog, which stays open.
 * Returns 1 when the engine applied it, 0 when cancelled, -1 when the
 * action is not possible (message set).
 */
int request_act(struct tui *t, const char *id, enum action a);
/*
 * Why request `show` (engine_show) was returned to its applicant, whole:
 * "请写明具体事由（赵磊，03-02 09:47）" appended to out. 0 when it is not
 * returned (nothing appended).
 */
int tui_return_reason(struct tui *t, const json_t *show, struct buf *out);
/*
 * Approve the n requests `ids` (the inbox's marked items) with one
 * opinion asked once, each its own event: how many were approved; a box
 * says why each other one was not.
 */
size_t request_approve_many(struct tui *t, char *const *ids, size_t n);
/* Is `a` one of the actions request_act() runs? */
int request_action(enum action a);

extern const struct view_ops inbox_view_ops;
extern const struct view_ops request_view_ops;
extern const struct view_ops defs_view_ops;
extern const struct view_ops pager_view_ops;
extern const struct view_ops def_view_ops;
extern const struct view_ops help_view_ops;

/* ---- documents (view_doc.c) ---- */

/* The store's documents, opened on first use; NULL with a message set when they cannot be. */
struct docs *tui_docs(struct tui *t);
/* Open the revisions view of document `id` (a full id); -1 with a message set on failure. */
int tui_doc_revisions(struct tui *t, const char *id);
extern const struct view_ops doc_revs_view_ops;
extern const struct view_ops doc_diff_view_ops;

/* ---- attachments and printing (attach.c) ---- */

/*
 * Open an attachment's bytes: a private temporary file (O_EXCL, 0600)
 * handed to xdg-open when there is a desktop, else to $PAGER (else less)
 * when it is text, curses suspended meanwhile. 0, or -1 with a message set
 * (a binary with no desktop to open it says so).
 */
int tui_open_attachment(struct tui *t, const char *name, const void *data, size_t len);
/*
 * Open attachment `name` of document `id` at `commit` (NULL: its head);
 * name NULL: its only attachment, or the one chosen from a list.
 */
void tui_open_doc_attachment(struct tui *t, const char *id, const char *commit, const char *name);
/* "812 B", "12.3 KB", "4.0 MB" appended to out. */
void tui_size_text(size_t n, struct buf *out);
/* Ask for a PDF file name and write the request's 审批单 (show: engine_show()) there. */
void tui_print_request(struct tui *t, const char *id, const json_t *show);
/* The same for document `id` at `commit` (NULL: its head), in the GB/T 9704 layout. */
void tui_print_doc(struct tui *t, const char *id, const char *commit);

/* Data for help_view_ops: the keys of the screen `from` (NULL: every key). */
void *help_view_data(const struct view_ops *from);
/* Data for def_view_ops: which definition to show. */
void *def_view_data(const char *kind, const char *id);
/* Data for request_view_ops: the request id (full). */
void *request_view_data(const char *id);
/* The new-request flow: pick a workflow, fill its form, save or submit (view_new.c). */
void tui_new_request(struct tui *t);
/*
 * Change and (re)submit my draft, or my request returned to me or
 * withdrawn: its form filled with its data; submit, or save the changes.
 * 1 when something was done, 0 when not, -1 with a message.
 */
int tui_edit_request(struct tui *t, const char *id, const json_t *show);
/*
 * Stand-ins (代理, standin.c): the list of mine not yet ended, where one is
 * named (a period, optionally for one workflow) or cancelled; with none,
 * the dialog naming one opens at once.
 */
void tui_standin(struct tui *t);
extern const struct view_ops standins_view_ops;
/* What a field takes for person i of o: their name, or their id when another has that name. */
const char *tui_user_ref(const struct org *o, size_t i);
/* A person by id or by unique name, as an id (caller frees); NULL when unknown. */
char *tui_user_id(struct tui *t, const char *s);
/*
 * Choose a person of organisation o (name, id, department, title; `/`
 * filters): their index in o->users, or -1 when cancelled (or, with a
 * message, when there is nobody).
 */
long tui_pick_user(struct tui *t, const struct org *o);
/*
 * Choose one of the deployed workflows in a picker titled `title`: 0 with
 * *id and *hash set (caller frees), 1 when cancelled, -1 when there is
 * none (a message says why).
 */
int tui_pick_workflow(struct tui *t, const char *title, char **id, char **hash);

#endif
