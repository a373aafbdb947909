/*
 * org: the organisation — departments, users, roles — read from a file of
 * `kind: organisation`.
 *
 * Assignment (who gets a task) is computed from this: a named user, a role
 * within a department, a department's head, a user's superior N levels up,
 * every member of a department. Ids are ASCII slugs ("finance",
 * "zhang.wei"); names are what people read ("财政局", "张伟").
 *
 * An org owns everything in it; org_free() releases it.
 */
#ifndef DOCKET_ORG_H
#define DOCKET_ORG_H

#include <stddef.h>

struct diags;
struct ydoc;

/*
 * What a role grants beyond the steps that name it (`grants:`). Today one:
 * reading every request and document of the organisation (an office
 * director, a records office), never by being an administrator (三员分立).
 */
#define ORG_GRANT_READ_ALL 0x1u

struct org_role {
	char *id;            /* "section_chief" */
	char *name;          /* "科长" */
	unsigned grants;     /* ORG_GRANT_* */
	int line, col;       /* where it is defined */
};

struct org_dept {
	char *id;            /* "finance" */
	char *name;          /* "市财政局" */
	char *code;          /* organ code for document numbers ("市财"), or NULL */
	char *parent;        /* parent department id, NULL at the top */
	char *head;          /* user id of the department head, or NULL */
	int line, col;
};

struct org_user {
	char *id;            /* "zhang.wei" */
	char *name;          /* "张伟" */
	char *dept;          /* department id */
	char *superior;      /* user id, or NULL: then the department head */
	char **roles;        /* role ids: the file's, or once changes are laid over (org_apply_role_changes) the
				effective ones, borrowed from file_roles and the org's roles */
	size_t nroles;
	char **file_roles;   /* the file's role ids (owned) once changes are laid over, else NULL */
	size_t nfile_roles;
	char *title;         /* position shown to people ("副局长"), or NULL */
	int level;           /* rank for conditions (applicant.level), 0 if unset */
	int line, col;
};

struct org {
	char *id;            /* the organisation's id (one per store) */
	char *name;
	struct org_role *roles;
	size_t nroles;
	struct org_dept *depts;
	size_t ndepts;
	struct org_user *users;
	size_t nusers;
};

/*
 * Build from a loaded document; all problems (unknown department, superior
 * cycle, a head who is not a member, duplicate ids, ...) are added to d.
 * Returns NULL only when the document is not usable at all.
 */
struct org *org_parse(const struct ydoc *doc, struct diags *d);
void org_free(struct org *o);

const struct org_user *org_user(const struct org *o, const char *id);
const struct org_dept *org_dept(const struct org *o, const char *id);
const struct org_role *org_role(const struct org *o, const char *id);
int org_user_has_role(const struct org_user *u, const char *role);
/*
 * A role the security administrator granted a person (granted 1) or took
 * from them (0), laid over what the file says (src/auth keeps them).
 */
struct org_role_change {
	const char *person;
	const char *role;
	int granted;
};
/*
 * Make each user's `roles` the file's with `changes` laid over (in order):
 * a grant adds a role the organisation defines, a withdrawal removes one.
 * A change for a person or a role the organisation does not have does
 * nothing. Called again with other changes, it starts from the file's.
 */
void org_apply_role_changes(struct org *o, const struct org_role_change *changes, size_t n);
/* 1 if one of the user's roles grants `grant` (ORG_GRANT_*), else 0. */
int org_user_granted(const struct org *o, const struct org_user *u, unsigned grant);
/* The user's superior: explicit `superior`, else the head of their
 * department (or of the parent department when they are the head). */
const struct org_user *org_superior(const struct org *o, const struct org_user *u);
/* Superior `levels` up (1 = direct superior); NULL past the top. */
const struct org_user *org_superior_n(const struct org *o, const struct org_user *u,
				      int levels);
/* 1 if dept `inner` is `outer` or below it */
int org_dept_within(const struct org *o, const char *inner, const char *outer);

#endif
