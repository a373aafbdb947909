/*
 * cmd_auth: the verbs of who acts — enrol, login, logout, passwd, unlock,
 * revoke, policy. The engine judges each (src/engine/people.c); these
 * collect passphrases on the terminal, make and keep the key files, and
 * talk to the agent. doc/security.md tells the whole story.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../auth/agent.h"
#include "../auth/auth.h"
#include "../auth/prompt.h"
#include "../auth/sm2key.h"
#include "../defs/org.h"
#include "../engine/engine.h"
#include "../signin/signin.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/fsutil.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"
#include "cli.h"

/* An open store and engine, with who acts proven. */
struct who {
	struct store *s;
	struct engine *e;
	struct auth_session *a;
};

static int who_open(struct cli *c, struct who *w, unsigned flags)
{
	memset(w, 0, sizeof(*w));
	int rc = cli_open_store(c, 0, &w->s);
	if (rc)
		return rc;
	w->e = engine_new(w->s);
	if (!c->user) {
		cli_error("%s", _("no user: give -u USER or set DOCKET_USER"));
		rc = EXIT_USAGE;
	} else if (!engine_org(w->e)) {
		cli_error("%s", _("no organisation is deployed (run 'docket deploy' first)"));
		rc = EXIT_INVALID;
	} else if (!org_user(engine_org(w->e), c->user)) {
		cli_error(_("no user '%s' in the deployed organisation"), c->user);
		rc = EXIT_INVALID;
	} else if (flags) {
		rc = cli_sign_in(c, w->s, w->e, flags == ~0u ? 0 : flags, &w->a);
	}
	if (rc) {
		engine_free(w->e);
		store_close(w->s);
		memset(w, 0, sizeof(*w));
	}
	return rc;
}

static void who_close(struct cli *c, struct who *w)
{
	cli_sign_out(c, w->s, w->a);
	engine_free(w->e);
	store_close(w->s);
}

/* Act as the signed-in person; an exit code, with the refusal printed. */
static int act(struct who *w, const char *actor, const char *type, json_t *p)
{
	int rc = engine_act(w->e, NULL, type, actor, p, NULL);
	json_decref(p);
	if (rc >= 0)
		return EXIT_OK;
	cli_error("%s", engine_error(w->e));
	return rc == ENG_REFUSED ? EXIT_INVALID : EXIT_STORE;
}

/* The store's key directory (0700), made when missing. */
static int key_dir(struct store *s)
{
	struct buf d = BUF_INIT;
	buf_addf(&d, "%s/keys", store_dir(s));
	int rc = mkdir(d.s, 0700);
	if (rc && errno == EEXIST)
		rc = 0;
	if (rc)
		cli_error(_("unable to create '%s': %s"), d.s, strerror(errno));
	buf_release(&d);
	return rc;
}

/* A new passphrase on the terminal that meets the policy. */
static int new_passphrase(struct store *s, const char *person, struct buf *pass)
{
	struct auth_policy pol;
	if (auth_policy_get(s, &pol) < 0) {
		cli_error("%s", store_error(s));
		return EXIT_STORE;
	}
	struct buf prompt = BUF_INIT, err = BUF_INIT;
	buf_addf(&prompt, _("New passphrase for %s: "), person);
	int rc = prompt_new_passphrase(prompt.s, NULL, pass, &err);
	buf_release(&prompt);
	if (!rc && auth_policy_check(&pol, pass->s, &err) < 0) {
		prompt_forget(pass);
		rc = -1;
	}
	if (rc) {
		cli_error("%s", err.s);
		buf_release(&err);
		return EXIT_DENIED;
	}
	buf_release(&err);
	return EXIT_OK;
}

/*
 * Enrol `person` with a new key under `pass`: the key file first (as
 * PERSON.key.new), then the event, then the file in place. `self`: the
 * store's first enrolment, signed by the key it enrols.
 */
static int enrol_one(struct cli *c, struct who *w, const char *person, const struct buf *pass, int self)
{
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err);
	if (!k) {
		cli_error("%s", err.s);
		buf_release(&err);
		return EXIT_INTERNAL;
	}
	char *path = auth_key_path(w->s, person), *tmp = xasprintf("%s.new", path);
	char id[HASH_HEX_LEN + 1];
	char *pub = sm2key_public_b64(k);
	int rc = EXIT_OK;
	if (sm2key_id(k, id) < 0 || !pub) {
		cli_error("%s", _("unable to read the new key"));
		rc = EXIT_INTERNAL;
	} else if (sm2key_save(k, tmp, pass->s, pass->len, signin_kdf(w->s), &err) < 0) {
		cli_error("%s", err.s);
		rc = EXIT_STORE;
	}
	struct auth_session *boot = NULL;
	if (!rc && self) {
		boot = auth_session_enrolling(person, k);
		k = NULL;
		auth_use_session(w->s, boot);
	}
	if (!rc) {
		json_t *p = json_object();
		json_object_set_new(p, "person", json_string(person));
		json_object_set_new(p, "key_id", json_string(id));
		json_object_set_new(p, "public_key", json_string(pub));
		rc = act(w, c->user, AUTH_EV_ENROLLED, p);
	}
	if (self) {
		auth_use_session(w->s, w->a);
		auth_session_free(boot);
	}
	if (!rc && rename(tmp, path)) {
		cli_error(_("'%s' is enrolled, but their key could not be put in place: %s (enrol them again)"),
			  person, strerror(errno));
		rc = EXIT_STORE;
	}
	if (rc)
		unlink(tmp);
	else if (!c->json)
		printf(_("enrolled %s (key %.16s)\n"), person, id);
	sm2key_free(k);
	free(pub);
	free(tmp);
	free(path);
	buf_release(&err);
	return rc;
}

/* Lines "PERSON PASSPHRASE" of a file only its owner can read. */
static int read_passphrases(const char *file, struct buf *text)
{
	struct stat st;
	if (lstat(file, &st) || !S_ISREG(st.st_mode)) {
		cli_error(_("unable to read '%s': %s"), file, errno ? strerror(errno) : _("not a file"));
		return EXIT_USAGE;
	}
	if ((st.st_mode & 077) || st.st_uid != getuid()) {
		cli_error(_("'%s' holds passphrases: it must be yours and mode 0600"), file);
		return EXIT_DENIED;
	}
	if (read_file(file, 1 << 20, text) < 0) {
		cli_error(_("unable to read '%s': %s"), file, strerror(errno));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cmd_enrol(struct cli *c)
{
	/* a device's enrolment code (docket enrol K7PX-3MQ9-TD2W-8HWA [--name NAME]) */
	const char *name = cli_take_opt(c, "--name", NULL);
	if (c->argc == 2 && cli_looks_like_enrol_code(c->argv[1]))
		return cli_enrol_device(c, c->argv[1], name);
	if (name)
		return cli_usage(c);
	const char *file = cli_take_opt(c, "--passphrases", NULL);
	if (cli_no_options(c) < 0 || (c->argc < 2) == !file)
		return cli_usage(c);
	struct who w;
	int rc = who_open(c, &w, CLI_SETUP_OK);
	if (rc)
		return rc;
	int self = !w.a; /* the setup phase: the security administrator enrols themselves */
	/* said before any passphrase is asked (the engine judges it again) */
	const struct org_user *me = org_user(engine_org(w.e), c->user);
	if (!me || !org_user_has_role(me, "secadmin")) {
		const char *why = _("only the security administrator enrols people");
		cli_error("%s", why);
		if (w.a) {
			/* refused before the engine saw it: the audit trail still says so */
			json_t *p = json_pack("{s:s, s:s}", "action", AUTH_EV_ENROLLED, "reason", why);
			if (engine_act(w.e, NULL, AUTH_EV_REFUSED, c->user, p, NULL) < 0)
				cli_error("%s", engine_error(w.e));
			json_decref(p);
		}
		who_close(c, &w);
		return EXIT_INVALID;
	}
	if (self && (file || c->argc != 2 || strcmp(c->argv[1], c->user))) {
		cli_error("%s", _("no one has a key in this store yet: its security administrator enrols "
				  "themselves first (docket -u ID enrol ID), then everyone else"));
		who_close(c, &w);
		return EXIT_DENIED;
	}
	if ((rc = key_dir(w.s)) != 0) {
		who_close(c, &w);
		return EXIT_STORE;
	}
	struct buf pass = BUF_INIT;
	if (file) {
		struct buf text = BUF_INIT;
		rc = read_passphrases(file, &text);
		char *save = NULL;
		for (char *line = rc ? NULL : strtok_r(text.s, "\n", &save); line && !rc;
		     line = strtok_r(NULL, "\n", &save)) {
			char *sp = strpbrk(line, " \t");
			if (!*line || *line == '#')
				continue;
			if (!sp) {
				cli_error(_("'%s': a line is PERSON PASSPHRASE"), file);
				rc = EXIT_USAGE;
				break;
			}
			*sp = '\0';
			buf_reset(&pass);
			buf_adds(&pass, sp + 1 + strspn(sp + 1, " \t"));
			rc = enrol_one(c, &w, line, &pass, 0);
		}
		sm2key_wipe(text.s, text.len);
		buf_release(&text);
	} else {
		for (int i = 1; i < c->argc && !rc; i++) {
			if (!(rc = new_passphrase(w.s, c->argv[i], &pass)))
				rc = enrol_one(c, &w, c->argv[i], &pass, self);
			prompt_forget(&pass);
		}
	}
	prompt_forget(&pass);
	who_close(c, &w);
	return rc;
}

/* Change the passphrase of the key just opened (the session in use), and record it. */
static int change_passphrase(struct cli *c, struct who *w, const struct sm2key *k)
{
	struct buf pass = BUF_INIT, err = BUF_INIT;
	int rc = new_passphrase(w->s, c->user, &pass);
	if (!rc && signin_set_passphrase(w->s, w->e, c->user, k, pass.s, pass.len, &err) < 0) {
		cli_error("%s", err.s);
		rc = EXIT_STORE;
	}
	prompt_forget(&pass);
	buf_release(&err);
	return rc;
}

/* Open the user's key by passphrase (changing an initial one) and sign as them. */
static int open_own_key(struct cli *c, struct who *w)
{
	int rc = cli_open_session(c, w->s, w->e, c->user, 1, &w->a);
	if (rc)
		return rc;
	auth_use_session(w->s, w->a);
	struct auth_account a;
	if (auth_account_get(w->s, c->user, &a) == 0 && a.must_change) {
		printf(_("%s has the initial passphrase: choose your own now.\n"), c->user);
		fflush(stdout);
		rc = change_passphrase(c, w, auth_session_key(w->a));
	}
	return rc;
}

int cmd_passwd(struct cli *c)
{
	if (cli_no_options(c) < 0 || c->argc != 1)
		return cli_usage(c);
	struct who w;
	int rc = who_open(c, &w, 0);
	if (rc)
		return rc;
	struct auth_account a;
	int initial = auth_account_get(w.s, c->user, &a) == 0 && a.must_change;
	rc = open_own_key(c, &w);
	if (!rc && !initial)
		rc = change_passphrase(c, &w, auth_session_key(w.a));
	if (!rc && !c->json)
		printf(_("the passphrase of %s is changed\n"), c->user);
	who_close(c, &w);
	return rc;
}

/*
 * How long the agent still holds person's key key_id, in seconds (0: it
 * does not, or no agent runs); *ac is the connection when it does.
 */
static unsigned agent_holds(const char *person, const char *key_id, struct agent_conn **ac)
{
	struct buf err = BUF_INIT;
	struct agent_key *keys = NULL;
	size_t n = 0;
	unsigned left = 0;
	*ac = NULL;
	if (agent_connect(ac, &err) == AGENT_OK && agent_list(*ac, &keys, &n, &err) == 0)
		for (size_t i = 0; i < n; i++)
			if (!strcmp(keys[i].person, person) && !strcmp(keys[i].key_id, key_id)) {
				time_t now = clock_now();
				left = keys[i].expires > now ? (unsigned)(keys[i].expires - now) : 1;
			}
	agent_keys_free(keys, n);
	if (!left) {
		agent_close(*ac);
		*ac = NULL;
	}
	buf_release(&err);
	return left;
}

int cmd_rekey(struct cli *c)
{
	int newpass = cli_take_flag(c, "--new-passphrase");
	if (cli_no_options(c) < 0 || c->argc != 1)
		return cli_usage(c);
	struct who w;
	int rc = who_open(c, &w, 0);
	if (rc)
		return rc;
	struct buf err = BUF_INIT, pass = BUF_INIT, prompt = BUF_INIT;
	/* the passphrase proves who acts, opens the old key (it signs the change) and guards the new one */
	rc = signin_try_locked(w.s, w.e, c->user, &err);
	if (!rc) {
		buf_addf(&prompt, _("Passphrase for %s: "), c->user);
		rc = prompt_passphrase(prompt.s, &pass, &err) < 0 ? SIGNIN_DENIED : 0;
	} else {
		rc = rc < 0 ? SIGNIN_ERR : SIGNIN_LOCKED;
	}
	if (!rc) {
		rc = signin_open(w.s, w.e, c->user, pass.s, pass.len, &w.a, &err);
		if (rc == SIGNIN_MUST_CHANGE) {
			buf_reset(&err);
			buf_addf(&err, _("'%s' still has the initial passphrase: choose your own first (docket -u %s passwd)"),
				 c->user, c->user);
			rc = SIGNIN_DENIED;
		}
	}
	if (rc) {
		cli_error("%s", err.s);
		rc = rc == SIGNIN_ERR ? EXIT_STORE : EXIT_DENIED;
	}
	if (!rc) {
		auth_use_session(w.s, w.a);
		if (newpass) {
			prompt_forget(&pass);
			rc = new_passphrase(w.s, c->user, &pass);
		}
	}
	struct agent_conn *ac = NULL;
	struct sm2key *nk = NULL;
	char old[HASH_HEX_LEN + 1] = "";
	unsigned left = 0;
	if (!rc) {
		snprintf(old, sizeof(old), "%s", auth_session_key_id(w.a));
		left = agent_holds(c->user, old, &ac);
		buf_reset(&err);
		if (signin_rotate(w.s, w.e, c->user, pass.s, pass.len, &nk, &err) < 0) {
			cli_error("%s", err.s);
			rc = EXIT_INVALID;
		}
	}
	prompt_forget(&pass);
	char id[HASH_HEX_LEN + 1] = "";
	if (nk)
		sm2key_id(nk, id);
	/* signed in at the agent with the old key: it gets the new one for the time that was left */
	int handed = 0;
	if (!rc && left) {
		struct auth_policy pol;
		buf_reset(&err);
		if (auth_policy_get(w.s, &pol) == 0 &&
		    agent_add(ac, c->user, nk, left, (unsigned)pol.idle_minutes * 60, &err) == 0)
			handed = 1;
		else
			cli_error(_("the agent could not take the new key (%s): sign in again (docket login)"), err.s);
	}
	agent_close(ac);
	if (!rc && c->json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "person", c->user, "key_id", id, "old_key_id", old,
				      "agent", handed);
		cli_print_json(o);
	} else if (!rc) {
		printf(_("the key of %s is replaced: key %.16s signs from now on, the old key %.16s signs nothing more\n"),
		       c->user, id, old);
		if (handed)
			printf("%s\n", _("the agent holds the new key for the rest of the sign-in"));
	}
	sm2key_free(nk);
	buf_release(&err);
	buf_release(&prompt);
	who_close(c, &w);
	return rc;
}

/* A duration in minutes from "--for N". */
static int minutes(const char *s, int *out)
{
	char *end;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || end == s || *end || v < 1 || v > 7 * 24 * 60)
		return -1;
	*out = (int)v;
	return 0;
}

int cmd_login(struct cli *c)
{
	const char *dur = cli_take_opt(c, "--for", NULL);
	if (cli_no_options(c) < 0 || c->argc != 1)
		return cli_usage(c);
	struct who w;
	int rc = who_open(c, &w, 0);
	if (rc)
		return rc;
	struct auth_policy pol;
	if (auth_policy_get(w.s, &pol) < 0) {
		cli_error("%s", store_error(w.s));
		who_close(c, &w);
		return EXIT_STORE;
	}
	int ttl = pol.session_minutes;
	if (dur && (minutes(dur, &ttl) < 0 || ttl > pol.session_minutes)) {
		cli_error(_("--for takes minutes, from 1 to %d (the policy's longest session)"), pol.session_minutes);
		who_close(c, &w);
		return EXIT_USAGE;
	}
	rc = open_own_key(c, &w);
	struct buf err = BUF_INIT;
	struct agent_conn *ac = NULL;
	if (!rc && (agent_spawn(&err) < 0 || agent_connect(&ac, &err) < 0 ||
		    agent_add(ac, c->user, auth_session_key(w.a), (unsigned)ttl * 60,
			      (unsigned)pol.idle_minutes * 60, &err) < 0)) {
		cli_error("%s", err.s);
		rc = EXIT_STORE;
	}
	agent_close(ac);
	buf_reset(&err);
	if (!rc && signin_record(w.e, c->user, "agent", ttl, &err) < 0) {
		cli_error("%s", err.s);
		rc = EXIT_STORE;
	}
	buf_release(&err);
	if (!rc && !c->json)
		printf(_("%s is signed in at the agent for %d minutes (%d idle)\n"), c->user, ttl, pol.idle_minutes);
	who_close(c, &w);
	return rc;
}

int cmd_logout(struct cli *c)
{
	int all = cli_take_flag(c, "--all");
	if (cli_no_options(c) < 0 || c->argc != 1 || (!all && !c->user))
		return cli_usage(c);
	struct buf err = BUF_INIT;
	struct agent_conn *ac = NULL;
	int rc = agent_connect(&ac, &err);
	if (rc == AGENT_NONE) {
		buf_release(&err);
		return EXIT_OK; /* nobody is signed in */
	}
	if (rc < 0 || (all ? agent_remove_all(ac, &err) : agent_remove(ac, c->user, &err)) < 0) {
		cli_error("%s", err.s);
		rc = EXIT_STORE;
	} else {
		rc = EXIT_OK;
	}
	agent_close(ac);
	buf_release(&err);
	return rc;
}

/* A verb of the security administrator that makes one event about `person`. */
static int secadmin_act(struct cli *c, const char *type, json_t *p)
{
	struct who w;
	int rc = who_open(c, &w, ~0u);
	if (rc) {
		json_decref(p);
		return rc;
	}
	rc = act(&w, c->user, type, p);
	who_close(c, &w);
	return rc;
}

int cmd_unlock(struct cli *c)
{
	if (cli_no_options(c) < 0 || c->argc != 2)
		return cli_usage(c);
	json_t *p = json_object();
	json_object_set_new(p, "person", json_string(c->argv[1]));
	int rc = secadmin_act(c, AUTH_EV_UNLOCKED, p);
	if (!rc && !c->json)
		printf(_("unlocked %s\n"), c->argv[1]);
	return rc;
}

int cmd_revoke(struct cli *c)
{
	if (cli_no_options(c) < 0 || c->argc != 2)
		return cli_usage(c);
	/* a person's current key, or a key id */
	struct store *s;
	int rc = cli_open_store(c, 1, &s);
	if (rc)
		return rc;
	char *key_id = NULL;
	if (auth_current_key(s, c->argv[1], &key_id, NULL) <= 0)
		key_id = xstrdup(c->argv[1]);
	store_close(s);
	json_t *p = json_object();
	json_object_set_new(p, "key_id", json_string(key_id));
	rc = secadmin_act(c, AUTH_EV_REVOKED, p);
	if (!rc && !c->json)
		printf(_("revoked key %.16s: it signs nothing from now on\n"), key_id);
	free(key_id);
	return rc;
}

/* docket role grant|revoke PERSON ROLE: the security administrator's, recorded as an event. */
int cmd_role(struct cli *c)
{
	if (cli_no_options(c) < 0 || c->argc != 4 || (strcmp(c->argv[1], "grant") && strcmp(c->argv[1], "revoke")))
		return cli_usage(c);
	int grant = !strcmp(c->argv[1], "grant");
	const char *person = c->argv[2], *role = c->argv[3];
	json_t *p = json_pack("{s:s, s:s}", "person", person, "role", role);
	int rc = secadmin_act(c, grant ? AUTH_EV_ROLE_GRANTED : AUTH_EV_ROLE_REVOKED, p);
	if (!rc && !c->json)
		printf(grant ? _("granted role %s to %s\n") : _("took role %s from %s\n"), role, person);
	return rc;
}

/* docket roles [PERSON]: who holds which role, the file's and the security administrator's changes. */
int cmd_roles(struct cli *c)
{
	if (cli_no_options(c) < 0 || c->argc > 2)
		return cli_usage(c);
	const char *only = c->argc == 2 ? c->argv[1] : NULL;
	struct store *s;
	int rc = cli_open_store(c, 1, &s);
	if (rc)
		return rc;
	struct engine *e = engine_new(s);
	const struct org *o = engine_org(e);
	struct auth_role *ch = NULL;
	size_t nch = 0;
	if (!o) {
		cli_error("%s", _("no organisation is deployed (run 'docket deploy' first)"));
		rc = EXIT_INVALID;
	} else if (only && !org_user(o, only)) {
		cli_error(_("no user '%s' in the deployed organisation"), only);
		rc = EXIT_INVALID;
	} else if (auth_roles_list(s, &ch, &nch) < 0) {
		cli_error("%s", store_error(s));
		rc = EXIT_STORE;
	}
	json_t *arr = !rc && c->json ? json_array() : NULL;
	for (size_t i = 0; !rc && i < o->nusers; i++) {
		const struct org_user *u = &o->users[i];
		if (only && strcmp(u->id, only))
			continue;
		json_t *roles = json_array(), *granted = json_array(), *taken = json_array(), *idle = json_array();
		struct buf line = BUF_INIT;
		/* the file's roles (as the organisation file gives them, before any change) */
		char *const *file = u->file_roles ? u->file_roles : u->roles;
		size_t nfile = u->file_roles ? u->nfile_roles : u->nroles;
		for (size_t r = 0; r < u->nroles; r++) {
			int from_file = 0;
			for (size_t f = 0; f < nfile; f++)
				from_file |= !strcmp(file[f], u->roles[r]);
			json_array_append_new(roles, json_string(u->roles[r]));
			if (!from_file)
				json_array_append_new(granted, json_string(u->roles[r]));
			buf_addf(&line, " %s%s", from_file ? "" : "+", u->roles[r]);
		}
		/* taken away, and granted roles the organisation no longer has */
		for (size_t k = 0; k < nch; k++) {
			if (strcmp(ch[k].person, u->id))
				continue;
			if (!org_role(o, ch[k].role)) {
				if (ch[k].granted) {
					json_array_append_new(idle, json_string(ch[k].role));
					buf_addf(&line, _(" (%s: granted, but the organisation has no such role now)"),
						 ch[k].role);
				}
			} else if (!ch[k].granted) {
				int from_file = 0;
				for (size_t f = 0; f < nfile; f++)
					from_file |= !strcmp(file[f], ch[k].role);
				if (!from_file)
					continue; /* granted, then taken back: as if never given */
				json_array_append_new(taken, json_string(ch[k].role));
				buf_addf(&line, " -%s", ch[k].role);
			}
		}
		if (arr) {
			json_t *row = json_pack("{s:s, s:s, s:o, s:o, s:o}", "person", u->id, "name",
						u->name ? u->name : u->id, "roles", roles, "granted", granted, "taken_away",
						taken);
			if (json_array_size(idle))
				json_object_set(row, "no_such_role", idle);
			json_array_append_new(arr, row);
		} else {
			struct buf who = BUF_INIT;
			utf8_fit(&who, u->name ? u->name : u->id, 8, 1, 1);
			printf("%-16s %s%s\n", u->id, who.s, line.len ? line.s : _(" (no role)"));
			buf_release(&who);
			json_decref(roles);
			json_decref(granted);
			json_decref(taken);
		}
		json_decref(idle);
		buf_release(&line);
	}
	if (arr)
		cli_print_json(arr);
	auth_roles_free(ch, nch);
	engine_free(e);
	store_close(s);
	return rc;
}

int cmd_policy(struct cli *c)
{
	static const char *const keys[] = { "min_length", "min_classes", "max_failures",
					    "lock_minutes", "idle_minutes", "session_minutes" };
	json_t *p = json_object();
	for (int i = 1; i < c->argc; i++) {
		const char *a = c->argv[i];
		size_t k = 0;
		for (; k < sizeof(keys) / sizeof(keys[0]); k++) {
			char opt[32];
			snprintf(opt, sizeof(opt), "--%s", keys[k]);
			for (char *u = opt; *u; u++)
				if (*u == '_')
					*u = '-';
			if (!strcmp(a, opt))
				break;
		}
		char *end;
		long v = k < sizeof(keys) / sizeof(keys[0]) && i + 1 < c->argc ? strtol(c->argv[i + 1], &end, 10) : 0;
		if (k == sizeof(keys) / sizeof(keys[0]) || i + 1 >= c->argc || *end) {
			json_decref(p);
			return cli_usage(c);
		}
		json_object_set_new(p, keys[k], json_integer(v));
		i++;
	}
	if (!json_object_size(p)) {
		/* no change: show the policy in force */
		json_decref(p);
		struct store *s;
		int rc = cli_open_store(c, 1, &s);
		if (rc)
			return rc;
		struct auth_policy pol;
		rc = auth_policy_get(s, &pol);
		store_close(s);
		if (rc < 0)
			return EXIT_STORE;
		printf(_("passphrase: at least %d characters of %d kinds\n"
			 "sign-in: %d failures lock the account for %d minutes\n"
			 "sessions: idle after %d minutes, at most %d minutes\n"),
		       pol.min_length, pol.min_classes, pol.max_failures, pol.lock_minutes, pol.idle_minutes,
		       pol.session_minutes);
		return EXIT_OK;
	}
	return secadmin_act(c, AUTH_EV_POLICY, p);
}

int cmd_agent(struct cli *c)
{
	if (cli_no_options(c) < 0 || c->argc != 2)
		return cli_usage(c);
	const char *what = c->argv[1];
	struct buf err = BUF_INIT;
	struct agent_conn *ac = NULL;
	int rc = EXIT_OK;
	if (!strcmp(what, "start")) {
		if (agent_spawn(&err) < 0)
			rc = EXIT_STORE;
	} else if (!strcmp(what, "stop") || !strcmp(what, "list")) {
		int st = agent_connect(&ac, &err);
		if (st == AGENT_NONE) {
			if (!strcmp(what, "list") && !c->json)
				printf("%s\n", _("no agent is running: nobody is signed in"));
			else if (c->json)
				cli_print_json(json_array());
			buf_release(&err);
			return EXIT_OK;
		}
		if (st < 0) {
			rc = EXIT_STORE;
		} else if (!strcmp(what, "stop")) {
			if (agent_stop(ac, &err) < 0)
				rc = EXIT_STORE;
		} else {
			struct agent_key *keys = NULL;
			size_t n = 0;
			if (agent_list(ac, &keys, &n, &err) < 0) {
				rc = EXIT_STORE;
			} else {
				json_t *arr = c->json ? json_array() : NULL;
				for (size_t i = 0; i < n; i++) {
					char until[32];
					if (arr) {
						clock_format_iso(keys[i].expires, until, sizeof(until));
						json_t *o = json_object();
						json_object_set_new(o, "person", json_string(keys[i].person));
						json_object_set_new(o, "key_id", json_string(keys[i].key_id));
						json_object_set_new(o, "expires", json_string(until));
						json_object_set_new(o, "idle_left", json_integer(keys[i].idle_left));
						json_array_append_new(arr, o);
					} else {
						clock_format_local(keys[i].expires, until, sizeof(until));
						printf(_("%s\tkey %.16s\tuntil %s\t(%u min idle left)\n"), keys[i].person,
						       keys[i].key_id, until, keys[i].idle_left / 60);
					}
				}
				if (arr)
					cli_print_json(arr);
			}
			agent_keys_free(keys, n);
		}
	} else {
		buf_release(&err);
		return cli_usage(c);
	}
	if (rc)
		cli_error("%s", err.s);
	agent_close(ac);
	buf_release(&err);
	return rc;
}

/* The audit: filters and what was printed. */
struct audit {
	struct cli *c;
	struct engine *e;
	const char *person, *kind;
	time_t since, until; /* 0: open */
	json_t *rows;        /* --json */
	long n;
};

/* A person as the trail names them: their name, else the id. */
static const char *audit_name(struct audit *a, const char *id)
{
	const struct org_user *u = id ? org_user(engine_org(a->e), id) : NULL;
	return u && u->name ? u->name : id ? id : "";
}

static int audit_one(void *ctx, int64_t seq, const struct store_event *ev)
{
	struct audit *a = ctx;
	json_t *p = json_loads(ev->payload, 0, NULL);
	const char *about = json_string_value(json_object_get(p, "person"));
	time_t t = 0;
	clock_parse_iso(ev->made_at, &t);
	int keep = (!a->person || !strcmp(ev->actor, a->person) || (about && !strcmp(about, a->person))) &&
		   (!a->kind || !strncmp(ev->type, a->kind, strlen(a->kind))) && (!a->since || t >= a->since) &&
		   (!a->until || t < a->until);
	if (keep) {
		const char *term = json_string_value(json_object_get(p, "terminal"));
		const char *what = json_string_value(json_object_get(p, "task"));
		if (!what)
			what = json_string_value(json_object_get(p, "instance"));
		if (!what)
			what = json_string_value(json_object_get(p, "concerns"));
		if (!what) /* a document's events (document.read: who read it) */
			what = json_string_value(json_object_get(p, "doc"));
		if (!what)
			what = about;
		const char *reason = json_string_value(json_object_get(p, "reason"));
		if (a->rows) {
			json_t *o = json_object();
			json_object_set_new(o, "seq", json_integer(seq));
			json_object_set_new(o, "time", json_string(ev->made_at));
			json_object_set_new(o, "actor", json_string(ev->actor));
			if (ev->on_behalf)
				json_object_set_new(o, "on_behalf", json_string(ev->on_behalf));
			json_object_set_new(o, "type", json_string(ev->type));
			json_object_set_new(o, "signed", json_boolean(ev->sig != NULL));
			if (term)
				json_object_set_new(o, "terminal", json_string(term));
			if (what)
				json_object_set_new(o, "concerns", json_string(what));
			if (reason)
				json_object_set_new(o, "reason", json_string(reason));
			json_array_append_new(a->rows, o);
		} else {
			char when[32];
			clock_format_local(t, when, sizeof(when));
			/* names in columns by display width: 王芳 is four columns */
			struct buf who = BUF_INIT, name = BUF_INIT, sw = BUF_INIT, st = BUF_INIT, sr = BUF_INIT;
			/* what the events say may come from anyone: shown escaped (utf8_sanitize) */
			utf8_sanitize(&name, audit_name(a, ev->actor));
			utf8_fit(&who, name.s, 10, 1, 1);
			utf8_sanitize(&sw, what ? what : "");
			utf8_sanitize(&st, term ? term : "");
			utf8_sanitize(&sr, reason ? reason : "");
			printf("%6lld  %s  %s %-22s %s%s%s%s\n", (long long)seq, when, who.s, ev->type,
			       ev->sig ? "✓ " : "  ", sw.s, term ? "  @ " : "", st.s);
			if (reason)
				printf("        %s\n", sr.s);
			buf_release(&who);
			buf_release(&name);
			buf_release(&sw);
			buf_release(&st);
			buf_release(&sr);
		}
		a->n++;
	}
	json_decref(p);
	return 0;
}

/* A day (YYYY-MM-DD, local midnight) or an ISO time into *t; -1 when neither. */
static int audit_time(const char *s, int end, time_t *t)
{
	if (clock_parse_iso(s, t) < 0)
		return -1;
	if (strlen(s) == 10) {
		/* a day: local midnight, the end of it for --until */
		struct tm tm = { 0 };
		if (sscanf(s, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
			return -1;
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		tm.tm_mday += end;
		tm.tm_isdst = -1;
		*t = mktime(&tm);
	}
	return 0;
}

int cmd_audit(struct cli *c)
{
	struct audit a = { c, NULL, NULL, NULL, 0, 0, NULL, 0 };
	int verify = cli_take_flag(c, "--verify");
	a.person = cli_take_opt(c, "--person", NULL);
	a.kind = cli_take_opt(c, "--kind", NULL);
	const char *since = cli_take_opt(c, "--since", NULL), *until = cli_take_opt(c, "--until", NULL);
	if (cli_no_options(c) < 0 || c->argc != 1)
		return cli_usage(c);
	if ((since && audit_time(since, 0, &a.since) < 0) || (until && audit_time(until, 1, &a.until) < 0)) {
		cli_error("%s", _("--since and --until take a day (YYYY-MM-DD) or an ISO 8601 time"));
		return EXIT_USAGE;
	}
	struct who w;
	int rc = who_open(c, &w, ~0u);
	if (rc)
		return rc;
	/* the audit administrator's work alone (三员分立) */
	const struct org_user *me = org_user(engine_org(w.e), c->user);
	if (!me || !org_user_has_role(me, "auditadmin")) {
		const char *why = _("only the audit administrator reads the audit trail");
		cli_error("%s", why);
		json_t *p = json_pack("{s:s, s:s}", "action", "audit.read", "reason", why);
		if (engine_act(w.e, NULL, AUTH_EV_REFUSED, c->user, p, NULL) < 0)
			cli_error("%s", engine_error(w.e));
		json_decref(p);
		who_close(c, &w);
		return EXIT_INVALID;
	}
	a.e = w.e;
	if (c->json)
		a.rows = json_array();
	rc = store_event_foreach(w.s, 0, audit_one, &a);
	if (rc < 0) {
		cli_error("%s", store_error(w.s));
		json_decref(a.rows);
		who_close(c, &w);
		return EXIT_STORE;
	}
	int bad = 0;
	struct auth_report rep = { 0 };
	struct buf why = BUF_INIT;
	if (verify) {
		int64_t seq = 0;
		if (store_event_verify(w.s, &seq) < 0) {
			buf_adds(&why, store_error(w.s));
			bad = 1;
		} else if ((bad = auth_verify_log(w.s, &rep, &why)) < 0) {
			bad = 1;
		}
	}
	if (a.rows) {
		json_t *o = json_object();
		json_object_set_new(o, "events", a.rows);
		if (verify) {
			json_object_set_new(o, "verified", json_boolean(!bad));
			json_object_set_new(o, "signatures", json_integer(rep.verified));
			if (bad)
				json_object_set_new(o, "problem", json_string(why.s));
		}
		cli_print_json(o);
	} else {
		printf(_("%ld events\n"), a.n);
		if (verify && !bad)
			printf(_("the trail is intact: the chain holds and %lld signatures verify\n"),
			       (long long)rep.verified);
		else if (verify)
			printf(_("the trail does not hold: %s\n"), why.s);
	}
	buf_release(&why);
	who_close(c, &w);
	return bad ? EXIT_INVALID : EXIT_OK;
}
