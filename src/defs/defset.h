/*
 * defset: a set of definition files checked together — what `docket lint`
 * and `docket deploy` work on.
 *
 * Files are found on the paths given (directories are searched for *.yaml
 * and *.yml, in name order), read under the YAML limits, dispatched on
 * their top-level `kind:` and parsed by the module that owns that kind.
 * Cross-references (a workflow's form, roles in the organisation, ...)
 * resolve against the files in the set first and then against what is
 * already deployed in the store, so an administrator can lint one edited
 * workflow against the organisation that is live.
 *
 * A defset owns its files; defset_release() frees everything.
 */
#ifndef DOCKET_DEFSET_H
#define DOCKET_DEFSET_H

#include <stddef.h>

#include "../util/buf.h"
#include "../yaml/ydoc.h"
#include "../util/hash.h"

struct diags;
struct store;
struct org;
struct form;
struct workflow;
struct theme;
struct calendar;

enum def_kind {
	DEF_UNKNOWN = -1, DEF_ORG, DEF_FORM, DEF_WORKFLOW, DEF_THEME, DEF_CALENDAR, DEF_NKINDS
};

struct def_file {
	char *path;               /* as the user named it, or "deployed:KIND/ID" */
	enum def_kind kind;
	char *id;                 /* `id:` (NULL when missing) */
	char *name;               /* `name:` (NULL when missing) */
	struct buf text;          /* the file's bytes */
	char hash[HASH_HEX_LEN + 1]; /* SM3 of the bytes: the version */
	struct ydoc doc;
	int from_store;           /* a deployed definition used for reference only */
	int shadowed;             /* a file in the set replaces this deployed one */
	size_t errors;            /* errors reported against this file */
	struct org *org;          /* the parsed definition, by kind (others NULL) */
	struct form *form;
	struct workflow *workflow;
	struct theme *theme;
	struct calendar *calendar;
};

struct defset {
	struct def_file *v;
	size_t n, alloc;
};

#define DEFSET_INIT { NULL, 0, 0 }

const char *def_kind_name(enum def_kind k);
enum def_kind def_kind_parse(const char *s);

/* Add a file, or every *.yaml / *.yml below a directory. Unreadable paths
 * are reported in d; returns -1 if the path did not exist at all. */
int defset_add_path(struct defset *set, const char *path, struct diags *d);
/* Add a file's bytes read elsewhere (an editor's buffer, a fuzzer's input)
 * under the name `path`; over the YAML size limit is an error in d. */
int defset_add_text(struct defset *set, const char *path, const char *data, size_t len,
		    struct diags *d);
/* Add the store's current definitions as references. */
int defset_add_store(struct defset *set, struct store *s, struct diags *d);
/*
 * Parse every file and check each against the others. Diagnostics for
 * deployed (reference) files are not reported. Returns the number of
 * errors found in the user's files.
 */
size_t defset_check(struct defset *set, struct diags *d);
/* The organisation in effect (from the set, else deployed), or NULL. */
const struct def_file *defset_org(const struct defset *set);
const struct def_file *defset_find(const struct defset *set, enum def_kind k, const char *id);
void defset_release(struct defset *set);

/* The outcome of deploying one file. */
struct deploy_result {
	const struct def_file *file;
	int changed;              /* 1: recorded a new current version; 0: unchanged */
};

/* defset_deploy: the actor may not deploy (the message in `why`). */
#define DEFSET_DENIED (-30)

/*
 * Deploy every user file of a checked, error-free set in one transaction
 * (organisation first, then calendars, forms, workflows, themes). Fills
 * `out` (one entry per user file; caller frees *out). Returns 0, or a
 * negative STORE_* status with the message in store_error(), or
 * DEFSET_DENIED with the reason in `why` (may be NULL): once the store
 * has keys (doc/security.md), only a system administrator of the deployed
 * organisation deploys — never one a new organisation would make.
 */
int defset_deploy(struct defset *set, struct store *s, const char *actor,
		  struct deploy_result **out, size_t *nout, struct buf *why);

#endif
