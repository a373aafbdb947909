/*
 * docs: official documents with their full history in git.
 *
 * Owns the document model (the GB/T 9704-2012 elements and the 15 document
 * types), the bare repository documents.git inside the store (one ref per
 * document, refs/docs/<id>; one commit per save), the tables documents,
 * doc_revisions, doc_approvals and doc_fts (its steps 4 and 6 of the
 * store's schema, in docs_schema.c; nobody else touches them), the refusal of
 * classified content, full-text search, and diffs between revisions.
 *
 * A save writes in this order: an intent marker, the objects (one pack,
 * fsynced), the ref, then the SQLite rows and the event in one transaction
 * (the commit point), then removes the marker. docs_save_batch does the same
 * for many revisions at once: one pack, one transaction. Readers read the head from
 * SQLite, never from the ref, so they never see a save that did not
 * commit. docs_recover() (every command that opens the store for writing)
 * and docs_open() reconcile a ref left ahead of SQLite by a crash by
 * rolling it back; docs_reconcile() (docket check) compares every ref, marker
 * or not (see doc/documents.md). Saves hold the store's write
 * lock (BEGIN IMMEDIATE) from before the first object until the commit, so
 * two processes saving at once simply take turns.
 *
 * Errors: functions return 0 (or a documented positive value) / a negative
 * DOCS_* status with a message (lowercase, subject quoted) in docs_error().
 * Strings in results are owned by the result and freed by its _release.
 */
#ifndef DOCKET_DOCS_H
#define DOCKET_DOCS_H

#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"

struct store;
struct docs; /* opaque; docs_free() frees it */

enum docs_status {
	DOCS_OK = 0,
	DOCS_ERR = -1,        /* anything else: see docs_error() */
	DOCS_INVALID = -2,    /* bad input: unknown type, bad name, too large, ... */
	DOCS_NOT_FOUND = -3,  /* no such document or revision */
	DOCS_AMBIGUOUS = -4,  /* an id or commit prefix names several */
	DOCS_REFUSED = -5,    /* classified content: refused and audited */
	DOCS_STORE = -6       /* the store failed (busy, full, read-only, ...): see docs_error() */
};

/* Longest document id plus NUL. Ids are 8 characters of [0-9a-z] minus i l o u. */
#define DOCS_ID_MAX 16
/* Hex commit id plus NUL. */
#define DOCS_OID_MAX 41
/* Default attachment size limit (DOCKET_ATTACH_MAX overrides, in bytes). */
#define DOCS_ATTACH_MAX_DEFAULT (20u * 1024 * 1024)

/* --- the model (docs_model.c) ----------------------------------------- */

/* The 15 document types of 党政机关公文处理工作条例, in its order. */
extern const char *const docs_types[15];
/* 1 if `name` is one of docs_types (命令 may also be written 令). */
int docs_type_valid(const char *name);

/*
 * The GB/T 9704 elements other than the body and attachments, in the
 * standard's order. The classification element (密级和保密期限) is absent
 * on purpose: this client never holds classified documents.
 */
enum docs_field {
	DF_COPY_NO,      /* 份号 */
	DF_URGENCY,      /* 紧急程度: 特急, 加急 or empty */
	DF_ORGAN,        /* 发文机关标志 */
	DF_NUMBER,       /* 发文字号, e.g. 市财发〔2026〕12号 */
	DF_SIGNER,       /* 签发人 */
	DF_TITLE,        /* 标题 */
	DF_RECIPIENTS,   /* 主送机关 */
	DF_ATTACH_LIST,  /* 附件说明 */
	DF_SIGNATURE,    /* 发文机关署名 */
	DF_DATE,         /* 成文日期 */
	DF_SEAL,         /* 印章 */
	DF_NOTE,         /* 附注 */
	DF_CC,           /* 抄送机关 */
	DF_PRINTER,      /* 印发机关 */
	DF_PRINT_DATE,   /* 印发日期 */
	DF__COUNT
};

/* How a field is named: in meta.json and flags, and to people. */
struct docs_field_info {
	const char *key;   /* meta.json key and --flag name: "title", "urgency", ... */
	const char *label; /* the GB/T 9704 name: "标题" */
	const char *en;    /* English name for help: "title" (translated at print time) */
};
extern const struct docs_field_info docs_fields[DF__COUNT];
/* The field with this key or Chinese label, or -1. */
int docs_field_find(const char *name);

/* One attachment. */
struct docs_attachment {
	char *name;      /* file name (a tree entry: no '/', not '.git', ...) */
	struct buf data; /* the bytes, any content */
};

/* A document's content at one revision. */
struct docs_content {
	char *type;                   /* one of docs_types */
	char *field[DF__COUNT];       /* element text, or NULL when empty */
	struct buf body;              /* UTF-8 text, Markdown allowed */
	struct docs_attachment *att;  /* sorted by name */
	size_t natt, alloc_att;       /* used and allocated entries of att */
};

void docs_content_init(struct docs_content *c);
void docs_content_release(struct docs_content *c);
/* Deep copy of src into dst (dst is initialised here). */
void docs_content_copy(struct docs_content *dst, const struct docs_content *src);
/* Set field f (NULL or "" clears it). */
void docs_content_set(struct docs_content *c, enum docs_field f, const char *v);
/* Add or replace the attachment `name` (the data is copied). */
void docs_content_attach(struct docs_content *c, const char *name, const void *data, size_t len);
/* Remove the attachment `name`; 0, or -1 if there is none. */
int docs_content_detach(struct docs_content *c, const char *name);
/* The attachment `name`, or NULL. */
const struct docs_attachment *docs_content_find(const struct docs_content *c, const char *name);

/*
 * meta.json: the type and the elements as canonical JSON (sorted keys, two
 * spaces of indent, UTF-8 unescaped, a final newline; empty elements
 * omitted), so equal metadata is an equal blob.
 */
void docs_meta_json(const struct docs_content *c, struct buf *out);
/* Parse meta.json into c's type and fields; 0, or -1 with a message in err. */
int docs_meta_parse(struct docs_content *c, const char *text, size_t len, struct buf *err);

/*
 * The text `doc edit` opens: the elements as "%% 标签: value" lines, a
 * closing "%% ----" line, then the body. docs_edit_parse reads such a
 * text back into c (type, fields and body; attachments untouched); a
 * leading block is optional. 0, or -1 with "line N: message" in err.
 */
void docs_edit_format(const struct docs_content *c, struct buf *out);
int docs_edit_parse(struct docs_content *c, const char *text, size_t len, struct buf *err);
/* The largest text docket reads for a body or an edited document. */
/* Largest element (title, recipients, note ...), in characters: they are one line each. */
#define DOCS_FIELD_MAX 1000
#define DOCS_TEXT_MAX (16u * 1024 * 1024)
/*
 * Edit c as that text in a temporary file: write it, let editor(ctx, path)
 * change it (0 when it finished well), read it back into c and remove the
 * file. DOCS_ERR when the file cannot be written; DOCS_INVALID when the
 * editor failed or the text does not parse — the file is kept then, since
 * the user's text is in it. The message (naming the file) is in err.
 */
int docs_edit_in_file(struct docs_content *c, int (*editor)(void *ctx, const char *path), void *ctx,
		      struct buf *err);
/* The document as plain text in GB/T 9704 order (for `doc export --text`). */
void docs_export_text(const struct docs_content *c, struct buf *out);
/*
 * Check content before anything is written: a known type, a title, valid
 * UTF-8 everywhere, attachment names that are valid tree entries and within
 * the size limit. 0, or -1 with a message in err.
 */
int docs_content_check(const struct docs_content *c, size_t attach_max, struct buf *err);
/* 0 if `name` can be an attachment name, else -1 with a message in err. */
int docs_attachment_name_check(const char *name, struct buf *err);

/* --- classification markings (docs_classify.c) ------------------------- */

/* Where a marking was found. */
struct docs_marking {
	const char *where;  /* "title", "body", "attachment", or a field key */
	char level[8];      /* "绝密", "机密" or "秘密" */
	size_t line;        /* 1-based line in that text */
};

/*
 * Does this text carry a classification marking? 1 and *m filled in if so,
 * else 0. The rule (doc/documents.md): a level word 绝密/机密/秘密 (its two
 * characters possibly separated by spaces) is a marking when it is
 * followed by a star (★ ☆ * ＊, spaces allowed before it); or enclosed
 * in brackets; or follows "密级" (with an optional colon); or opens a line
 * and is followed by the end of the line, a space or punctuation. So
 * "机密★10年", "【秘密】", "密级：绝密" and a line "机密" are markings;
 * "国家秘密", "保密", "商业秘密", "机密性" and "秘密地" are not.
 */
int docs_marking_find(const char *text, size_t len, const char *where, struct docs_marking *m);
/*
 * The text the marking check reads (markings.def says how): Unicode NFKC
 * (utf8proc), default-ignorable and other invisible characters dropped
 * (zero-width spaces and joiners, combining marks, format characters,
 * fillers), other spaces made ' ', traditional and variant forms of the
 * characters the rule reads and every star look-alike folded (机, 绝, 秘,
 * 级 ...; ★), then OpenCC's t2s on lines that hold 密 (at most 256 KiB of
 * them per text; without OpenCC's data files the folds alone). Newlines
 * stay, so lines are those of the text. Appended to out.
 */
void docs_marking_normalise(const char *s, size_t len, struct buf *out);
/* Check every text of c (type, elements, body, attachment names). */
int docs_content_marking(const struct docs_content *c, struct docs_marking *m);

struct store_migration;
/*
 * The documents' steps of the store's schema (docs_schema.c), for the core
 * library's list of every module's steps (src/schema.c; see store_sql.h).
 */
const struct store_migration *docs_schema(void);

/* --- opening and the document index (docs.c) ------------------------- */

/*
 * Open the documents of an open store: the repository, and (for a store
 * opened for writing) the reconciliation of refs with SQLite when a save
 * was interrupted. The store must outlive the docs handle.
 */
int docs_open(struct store *s, struct docs **out, struct buf *err);
void docs_free(struct docs *d);
const char *docs_error(const struct docs *d);

/* What the index knows about a document. */
struct docs_info {
	char id[DOCS_ID_MAX];            /* the document id */
	char *type;                      /* document type */
	char *title;                     /* title at the head */
	char *instance;                  /* workflow instance id, or NULL */
	char head[DOCS_OID_MAX];         /* head commit */
	int revs;                        /* number of revisions (head is r<revs>) */
	char *created_at, *created_by;   /* first revision */
	char *updated_at, *updated_by;   /* latest revision */
	int frozen;                      /* signed off */
	char signed_commit[DOCS_OID_MAX];/* what the sign-off approved, or "" */
	int needs_resign;                /* content differs from what was signed */
};
void docs_info_release(struct docs_info *i);

/* One revision. */
struct docs_rev {
	int rev;                  /* 1, 2, ... */
	char commit[DOCS_OID_MAX];/* commit id */
	char *author;             /* acting user */
	char *made_at;            /* ISO 8601 UTC */
	char *action;             /* "起草", "修改", "恢复到 r3", ... */
	int needs_resign;         /* made after sign-off with different content */
	int signed_off;           /* this is the commit the sign-off approved */
	int64_t event_seq;        /* the event that recorded it (its place in the log) */
};
void docs_rev_release(struct docs_rev *r);

/* Resolve a unique id prefix to the full id; DOCS_NOT_FOUND / DOCS_AMBIGUOUS. */
int docs_resolve(struct docs *d, const char *prefix, char id[DOCS_ID_MAX]);
/* The index entry of document `id` (a full id). */
int docs_info_get(struct docs *d, const char *id, struct docs_info *out);
/*
 * The revision `spec` of document `id`: NULL or "" for the head, "rN",
 * "N", or a commit id prefix (4 or more hex digits) of one of its commits.
 */
int docs_rev_get(struct docs *d, const char *id, const char *spec, struct docs_rev *out);
/* Every revision, oldest first; fn returning non-zero stops. */
int docs_log(struct docs *d, const char *id, int (*fn)(void *ctx, const struct docs_rev *r), void *ctx);
/*
 * Every document, most recently updated first, or only those of a workflow
 * instance when `instance` is set; fn returning non-zero stops.
 */
int docs_list(struct docs *d, const char *instance,
	      int (*fn)(void *ctx, const struct docs_info *i), void *ctx);
/* Load the content of a commit (one of this document's, checked). */
int docs_load(struct docs *d, const char *id, const char *commit, struct docs_content *out);

/* --- saving (docs.c) ---------------------------------------------------- */

/*
 * Create a document from `c` (type and title required) for `user`, in
 * workflow instance `instance` (or NULL). Writes r1 ("起草") and sets id.
 * Classified content: DOCS_REFUSED, nothing written but a
 * "document.refused" event.
 */
int docs_create(struct docs *d, const char *user, const struct docs_content *c,
		const char *instance, char id[DOCS_ID_MAX]);
/*
 * Save `c` as the next revision of `id` with `action` as the commit
 * message (NULL: "修改"). Returns 0 and sets *rev, or 1 when the content
 * equals the head (nothing written; *rev is the head). `base` (or NULL)
 * is the head commit the user edited: if the head moved meanwhile, the
 * save is refused with DOCS_INVALID rather than silently overwriting.
 */
int docs_save(struct docs *d, const char *user, const char *id, const struct docs_content *c,
	      const char *action, const char *base, int *rev);
/*
 * Add attachment files (name, data) as one revision "添加附件 A、B"; `base`
 * (or NULL) as in docs_save. The "document.attached" event lists each
 * file's name, size and blob id (never the content).
 */
int docs_attach_files(struct docs *d, const char *user, const char *id, const struct docs_attachment *files,
		      size_t n, const char *base, int *rev);
/* Add one attachment as one revision "添加附件 NAME" (docs_attach_files of one). */
int docs_attach(struct docs *d, const char *user, const char *id, const char *name,
		const void *data, size_t len, int *rev);
/*
 * Remove an attachment as one revision "删除附件 NAME"; DOCS_NOT_FOUND if none.
 * The "document.detached" event names it with its size and blob id.
 */
int docs_detach(struct docs *d, const char *user, const char *id, const char *name, int *rev);
/* A new revision whose content equals revision `spec` ("恢复到 rN"); 1 if already equal. */
int docs_restore(struct docs *d, const char *user, const char *id, const char *spec, int *rev);
/* One revision of a batch (docs_save_batch). */
struct docs_batch_item {
	const char *id;                 /* the document, or NULL to create one */
	const struct docs_content *c;   /* its new content */
	const char *action;             /* commit message (NULL: "起草" / "修改") */
	const char *instance;           /* workflow instance of a new document, or NULL */
	char id_out[DOCS_ID_MAX];       /* set: the document id (new or given) */
	int rev;                        /* set: the revision number written (or the head) */
	int unchanged;                  /* set: equal to its parent, nothing written */
};
/*
 * Save many revisions (imports, benchmarks) by `user` as one pack and one
 * transaction, all or nothing: same order and crash safety as one save
 * (marker, pack, refs, SQLite), one fsync of each kind for the lot. Items
 * may create documents and may name a document more than once (later
 * items build on earlier ones, but not on documents created in the same
 * batch, which have no id yet); only each document's last revision is
 * indexed for search. Classified content refuses the whole batch. Returns
 * 0, 1 when nothing changed, or a status. Keep batches to a few thousand
 * revisions: their objects are held in memory until the pack is written.
 */
int docs_save_batch(struct docs *d, const char *user, struct docs_batch_item *items, size_t n);
/* Attach the document to a workflow instance (NULL detaches); an event. */
int docs_set_instance(struct docs *d, const char *user, const char *id, const char *instance);

/* --- for the approval engine (docs.c) ------------------------------- */

/* The head commit of a document. */
int docs_head(struct docs *d, const char *id, char commit[DOCS_OID_MAX]);
/* The commit that revision `spec` (as in docs_rev_get) names. */
int docs_rev_commit(struct docs *d, const char *id, const char *spec, char commit[DOCS_OID_MAX]);
/*
 * Record that `user` approved exactly `commit` of `id` (kind: "sign-off",
 * "approve", "countersign", ...). With `freeze`, this is the sign-off:
 * the document is frozen at that commit and a later save whose content
 * differs is flagged as needing the sign-off again (until a new sign-off).
 * Runs inside the caller's transaction (store_begin), so the engine can
 * record it with its own event; appends "document.approved".
 */
int docs_approve(struct docs *d, const char *user, const char *id, const char *commit,
		 const char *kind, int freeze);
/*
 * Withdraw `user`'s approval of exactly `commit` of `id`: the first one
 * recorded after event `after_seq` and not withdrawn yet (the engine passes
 * the event of the decision taken back, which recorded it in its own
 * transaction). History stays: a new approval row of kind "KIND withdrawn"
 * ("sign-off withdrawn", "approve withdrawn") names the row it withdraws.
 * Withdrawing a sign-off puts the document back at the newest sign-off
 * still in effect (frozen there, needs_resign against it), or unsigned
 * when there is none. Runs inside the caller's transaction; appends
 * "document.signoff_withdrawn" or "document.approval_withdrawn". Returns 0,
 * 1 when there is no such approval (nothing written), or a status.
 */
int docs_withdraw(struct docs *d, const char *user, const char *id, const char *commit, int64_t after_seq);
/* Does the content at the head differ from what was signed? 1, 0, or a status. */
int docs_needs_resign(struct docs *d, const char *id);
/* One recorded approval (docs_approve). */
struct docs_approval {
	int rev;                   /* the revision approved */
	char commit[DOCS_OID_MAX]; /* exactly what was approved */
	char *kind;                /* "approve", "sign-off", ..., or "KIND withdrawn" (docs_withdraw) */
	char *actor;               /* who approved */
	char *made_at;             /* ISO 8601 UTC */
};
/* Every approval of document `id`, oldest first; fn returning non-zero stops. */
int docs_approvals(struct docs *d, const char *id,
		   int (*fn)(void *ctx, const struct docs_approval *a), void *ctx);

/* --- consistency (docs.c, docs_git.c) ------------------------------- */

/*
 * Make git agree with SQLite: a ref ahead of its document's head (a save
 * cut short) is set back to the head, a ref with no document is removed, a
 * missing ref is recreated from the head. Every ref is compared, marker or
 * not (`docket check` does this). Takes the write lock. Sets *fixed to the
 * number of refs changed and adds a line per ref to *report (both may be
 * NULL).
 */
int docs_reconcile(struct docs *d, size_t *fixed, struct buf *report);
/*
 * For every command that opens the store for writing, before it does
 * anything else: if a save was cut short (its marker is in the
 * repository), reconcile now, adding a line per ref changed to *report
 * (may be NULL). Costs two stat() calls when nothing was cut short; a
 * store busy with another writer is left to it. 0, or a status with the
 * message in err.
 */
int docs_recover(struct store *s, struct buf *report, struct buf *err);
/*
 * `docket check`: every revision row, document head and approval row
 * against the event that made it (and every such event against its row),
 * and every recorded commit: it exists, names its event, and (for an
 * approved commit) every object of its tree reads back as its id says.
 * Refs are compared by docs_reconcile. 0 when all hold (*revisions and
 * *approvals counted), 1 with the first that does not in docs_error(), or
 * a negative status.
 */
int docs_verify(struct docs *d, int64_t *revisions, int64_t *approvals);
/* Combine small packs (geometric roll-up); `all` packs everything into one. */
int docs_repack(struct docs *d, int all);
/* Number of pack files and of loose objects (for tests and benchmarks). */
int docs_object_stats(struct docs *d, size_t *packs, size_t *loose);

/* --- search (docs_search.c) ------------------------------------------- */

/* One search hit. */
struct docs_hit {
	char id[DOCS_ID_MAX]; /* document id */
	const char *type;     /* document type */
	const char *title;    /* title */
	const char *snippet;  /* the matching text with [..] around the match */
};
/*
 * Search titles, bodies and metadata at each document's head. Terms are
 * separated by spaces and must all match; a term of 3 or more characters
 * uses the trigram index, shorter ones a scan (LIKE). fn returning
 * non-zero stops; at most `limit` hits (0: 100).
 */
int docs_search(struct docs *d, const char *query, size_t limit,
		int (*fn)(void *ctx, const struct docs_hit *h), void *ctx);

/* --- diffs (docs_diff.c) ------------------------------------------------ */

/* How docs_diff_render shows changes. */
struct docs_diff_opts {
	int color;         /* ANSI colour (else [-…-]{+…+} markers) */
	int side_by_side;  /* two columns instead of unified */
	size_t width;      /* total columns for side by side */
	int context;       /* lines of context (unified), default 3 */
};
/* One piece of a character-level diff. */
struct docs_seg {
	int op;         /* 0 equal, -1 deleted, +1 added */
	size_t off;     /* byte offset in its line (old for -1/0, new for +1) */
	size_t len;     /* bytes */
};
/*
 * Character-level diff of two lines over code points (LCS, small equal
 * islands between changes merged into them). Segments in order; the
 * caller frees *out. Returns the number of segments.
 */
size_t docs_char_diff(const char *a, size_t alen, const char *b, size_t blen, struct docs_seg **out);
/*
 * Render the difference between two texts named old_name/new_name into
 * out; line level by libgit2, character level inside changed line pairs.
 * Returns 0, or -1 with a message in err.
 */
int docs_diff_text(const char *old_text, size_t old_len, const char *new_text, size_t new_len,
		   const char *old_name, const char *new_name, const struct docs_diff_opts *o,
		   struct buf *out, struct buf *err);
/*
 * The whole difference between two contents: the elements (as in the edit
 * header), the body, and the attachment list (added, removed, changed).
 */
int docs_diff_content(const struct docs_content *a, const struct docs_content *b,
		      const char *a_name, const char *b_name, const struct docs_diff_opts *o,
		      struct buf *out, struct buf *err);

#endif
