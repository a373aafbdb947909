/*
 * people: the rules of the identity actions — enrolling a person's key,
 * revoking one, a changed passphrase, sign-ins that succeed or fail (and
 * lock the account), unlocking, and the sign-in policy. The keys and
 * accounts they change are auth's tables (src/auth/auth.h), written here
 * inside the action's transaction and rebuilt by replay like the engine's.
 *
 * Who may: the security administrator enrols, revokes, unlocks and sets
 * the policy (and, while the store has no key at all, enrols themselves
 * first: the setup phase ends there); a person changes their own
 * passphrase and signs in as themselves; only the system records a failed
 * sign-in. The three administrators do not do each other's work
 * (checks() in apply.c refuses them business actions; doc/security.md).
 */
#include <stdlib.h>
#include <string.h>

#include "../auth/auth.h"
#include "../auth/sm2key.h"
#include "../defs/org.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/i18n.h"
#include "apply.h"

/* The organisation the event names (identity actions concern no request). */
static const struct org *event_org(struct ctx *c)
{
	const char *org = c->ev->def_version;
	const struct eng_defs *d = org ? eng_defs_get(c->e, NULL, NULL, org) : NULL;
	return d ? d->org : NULL;
}

/* The payload's `person`, who must be in the organisation. */
static int need_person(struct ctx *c, const struct org *o, const char **person)
{
	*person = eng_pstr(c, "person");
	if (!*person || !org_user(o, *person) || !auth_person_id_ok(*person))
		return REFUSE(c, _("no user '%s' in the organisation"), *person ? *person : "");
	return 0;
}

static int store_status(struct ctx *c, int rc)
{
	return rc < 0 ? eng_fail(c->e, rc, "%s", store_error(c->e->s)) : rc;
}

int ap_enrolled(struct ctx *c)
{
	const struct org *o = event_org(c);
	if (!o)
		return REFUSE(c, "%s", _("no organisation is deployed"));
	const char *person, *actor = c->ev->actor;
	int rc = need_person(c, o, &person);
	if (rc < 0)
		return rc;
	int any = auth_any_key(c->e->s);
	if (any < 0)
		return store_status(c, any);
	if (!eng_has_role(o, actor, "secadmin"))
		return REFUSE(c, "%s", any ? _("only the security administrator enrols people")
					   : _("this store has no keys yet: a security administrator enrols themselves first"));
	if (!any && strcmp(person, actor))
		return REFUSE(c, "%s", _("this store has no keys yet: a security administrator enrols themselves first"));
	const char *key_id = eng_pstr(c, "key_id"), *pub = eng_pstr(c, "public_key");
	struct buf err = BUF_INIT;
	struct sm2key *k = pub ? sm2key_from_public_b64(pub, &err) : NULL;
	char id[HASH_HEX_LEN + 1];
	int match = k && key_id && sm2key_id(k, id) == 0 && !strcmp(id, key_id);
	sm2key_free(k);
	buf_release(&err);
	if (!match)
		return REFUSE(c, "%s", _("the enrolment's public key does not match its key id"));
	int64_t seen = 0;
	if ((rc = eng_int(c->e, &seen, "SELECT count(*) FROM auth_keys WHERE key_id = ?1", "s", key_id)) < 0)
		return rc;
	if (seen)
		return REFUSE(c, "%s", _("this key was enrolled before: a key is never enrolled twice"));
	if ((rc = auth_key_record(c->e->s, person, key_id, pub, c->ev->seq)) < 0)
		return store_status(c, rc);
	/* a key the administrator made comes with an initial passphrase; your own does not */
	struct auth_account a = { 0 };
	a.must_change = strcmp(person, actor) != 0;
	return store_status(c, auth_account_put(c->e->s, person, &a, c->ev->seq));
}

int ap_revoked(struct ctx *c)
{
	const struct org *o = event_org(c);
	if (!o)
		return REFUSE(c, "%s", _("no organisation is deployed"));
	if (!eng_has_role(o, c->ev->actor, "secadmin"))
		return REFUSE(c, "%s", _("only the security administrator revokes keys"));
	const char *key_id = eng_pstr(c, "key_id");
	int rc = key_id ? auth_key_retire(c->e->s, key_id, c->ev->seq) : 0;
	if (rc < 0)
		return store_status(c, rc);
	if (!rc)
		return REFUSE(c, _("no key '%s' signs now: nothing to revoke"), key_id ? key_id : "");
	return 0;
}

/*
 * key.rotated: a person replaces their own key (docket rekey). Signed by
 * the key it replaces (the store signs with the session's, and `docket
 * check` verifies it was the actor's at that moment); the payload names
 * the old key, the new one and a proof that whoever made the event holds
 * the new private key (its signature of auth_rotation_text). The old key
 * stops signing at this event, the new one signs from it on.
 */
int ap_rotated(struct ctx *c)
{
	const char *actor = c->ev->actor, *person = eng_pstr(c, "person");
	if (!person || strcmp(person, actor))
		return REFUSE(c, "%s", _("a person replaces only their own key"));
	const char *old_id = eng_pstr(c, "old_key_id"), *key_id = eng_pstr(c, "key_id");
	const char *pub = eng_pstr(c, "public_key"), *proof = eng_pstr(c, "proof");
	char *cur = NULL;
	int rc = auth_current_key(c->e->s, actor, &cur, NULL);
	if (rc < 0)
		return store_status(c, rc);
	int same = rc > 0 && old_id && !strcmp(cur, old_id);
	free(cur);
	if (!rc)
		return REFUSE(c, _("'%s' has no key to replace: the security administrator enrols people"), actor);
	if (!same)
		return REFUSE(c, "%s", _("the key being replaced is not the current one (replaced or revoked since)"));
	struct buf err = BUF_INIT, text = BUF_INIT;
	struct sm2key *k = pub ? sm2key_from_public_b64(pub, &err) : NULL;
	char id[HASH_HEX_LEN + 1];
	int match = k && key_id && sm2key_id(k, id) == 0 && !strcmp(id, key_id);
	int held = 0;
	if (match && proof) {
		auth_rotation_text(actor, old_id, key_id, &text);
		held = sm2key_verify(k, text.s, text.len, proof) == 1;
	}
	sm2key_free(k);
	buf_release(&err);
	buf_release(&text);
	if (!match)
		return REFUSE(c, "%s", _("the new public key does not match its key id"));
	if (!held)
		return REFUSE(c, "%s", _("the new key's proof does not verify: the new private key was not shown"));
	int64_t seen = 0;
	if ((rc = eng_int(c->e, &seen, "SELECT count(*) FROM auth_keys WHERE key_id = ?1", "s", key_id)) < 0)
		return rc;
	if (seen)
		return REFUSE(c, "%s", _("this key was enrolled before: a key is never enrolled twice"));
	return store_status(c, auth_key_record(c->e->s, actor, key_id, pub, c->ev->seq));
}

/* The administrators' roles: the organisation file gives them, never a grant (三员分立). */
static int admin_role(const char *role)
{
	return !strcmp(role, "sysadmin") || !strcmp(role, "secadmin") || !strcmp(role, "auditadmin");
}

/*
 * role.granted / role.revoked: the security administrator gives a person
 * a role the organisation defines, or takes one away (a granted one, or
 * one the file gives). Not the administrators' own roles, and no role to
 * an administrator: they do their own work only.
 */
static int role_change(struct ctx *c, int grant)
{
	const struct org *o = event_org(c);
	if (!o)
		return REFUSE(c, "%s", _("no organisation is deployed"));
	if (!eng_has_role(o, c->ev->actor, "secadmin"))
		return REFUSE(c, "%s", grant ? _("only the security administrator grants roles")
					     : _("only the security administrator takes roles away"));
	const char *person, *role = eng_pstr(c, "role");
	int rc = need_person(c, o, &person);
	if (rc < 0)
		return rc;
	if (!role || !org_role(o, role))
		return REFUSE(c, _("no role '%s' in the organisation"), role ? role : "");
	if (admin_role(role))
		return REFUSE(c, _("'%s' is an administrator's role: the organisation file gives it, not a grant (三员分立)"),
			      role);
	int holds = eng_has_role(o, person, role);
	if (grant && eng_is_admin(o, person))
		return REFUSE(c, _("'%s' is an administrator and holds no other role (三员分立)"), person);
	if (grant && holds)
		return REFUSE(c, _("'%s' already holds role '%s'"), person, role);
	if (!grant && !holds)
		return REFUSE(c, _("'%s' does not hold role '%s'"), person, role);
	return store_status(c, auth_role_set(c->e->s, person, role, grant, c->ev->seq));
}

int ap_role_granted(struct ctx *c)
{
	return role_change(c, 1);
}

int ap_role_revoked(struct ctx *c)
{
	return role_change(c, 0);
}

/* Read the payload's person's account after need_person. */
static int account(struct ctx *c, const char *person, struct auth_account *a)
{
	return store_status(c, auth_account_get(c->e->s, person, a));
}

int ap_passwd(struct ctx *c)
{
	struct auth_account a;
	int rc = account(c, c->ev->actor, &a);
	if (rc < 0)
		return rc;
	a.must_change = 0;
	return store_status(c, auth_account_put(c->e->s, c->ev->actor, &a, c->ev->seq));
}

int ap_signin(struct ctx *c)
{
	struct auth_account a;
	int rc = account(c, c->ev->actor, &a);
	if (rc < 0)
		return rc;
	if (c->strict && a.locked_until > (int64_t)c->ev->made_at)
		return REFUSE(c, "%s", _("this account is locked"));
	a.failures = 0;
	a.locked_until = 0;
	return store_status(c, auth_account_put(c->e->s, c->ev->actor, &a, c->ev->seq));
}

int ap_signfail(struct ctx *c)
{
	const struct org *o = event_org(c);
	const char *person = eng_pstr(c, "person");
	/* an unknown name is recorded as tried, but has no account to lock */
	if (!o || !person || !org_user(o, person))
		return 0;
	struct auth_account a;
	struct auth_policy p;
	int rc = account(c, person, &a);
	if (!rc)
		rc = store_status(c, auth_policy_get(c->e->s, &p));
	if (rc < 0)
		return rc;
	int64_t now = (int64_t)c->ev->made_at;
	if (a.locked_until > now)
		return 0; /* tried while locked: recorded, the lock stays as it was */
	if (a.locked_until)
		a.failures = 0, a.locked_until = 0; /* the lock ran out */
	if (++a.failures >= p.max_failures)
		a.locked_until = now + 60 * (int64_t)p.lock_minutes;
	return store_status(c, auth_account_put(c->e->s, person, &a, c->ev->seq));
}

int ap_unlocked(struct ctx *c)
{
	const struct org *o = event_org(c);
	if (!o)
		return REFUSE(c, "%s", _("no organisation is deployed"));
	if (!eng_has_role(o, c->ev->actor, "secadmin"))
		return REFUSE(c, "%s", _("only the security administrator unlocks accounts"));
	const char *person;
	int rc = need_person(c, o, &person);
	struct auth_account a;
	if (!rc)
		rc = account(c, person, &a);
	if (rc < 0)
		return rc;
	if (!a.failures && !a.locked_until)
		return REFUSE(c, _("'%s' is not locked"), person);
	a.failures = 0;
	a.locked_until = 0;
	return store_status(c, auth_account_put(c->e->s, person, &a, c->ev->seq));
}

/* The payload's integer `key` into *v when it lies in [lo, hi]; refused otherwise. */
static int policy_int(struct ctx *c, const char *key, int lo, int hi, int *v)
{
	json_t *j = json_object_get(c->ev->p, key);
	if (!j)
		return 0;
	if (!json_is_integer(j) || json_integer_value(j) < lo || json_integer_value(j) > hi)
		return REFUSE(c, _("policy '%s' must be a whole number from %d to %d"), key, lo, hi);
	*v = (int)json_integer_value(j);
	return 0;
}

/* action.refused: the record of a refusal (the audit trail); it changes nothing. */
int ap_refused(struct ctx *c)
{
	return eng_pstr(c, "action") ? 0 : REFUSE(c, "%s", _("a refusal names the action refused"));
}

int ap_policy(struct ctx *c)
{
	const struct org *o = event_org(c);
	if (!o)
		return REFUSE(c, "%s", _("no organisation is deployed"));
	if (!eng_has_role(o, c->ev->actor, "secadmin"))
		return REFUSE(c, "%s", _("only the security administrator sets the sign-in policy"));
	struct auth_policy p;
	int rc = store_status(c, auth_policy_get(c->e->s, &p));
	if (!rc)
		rc = policy_int(c, "min_length", 1, 128, &p.min_length);
	if (!rc)
		rc = policy_int(c, "min_classes", 1, 4, &p.min_classes);
	if (!rc)
		rc = policy_int(c, "max_failures", 1, 100, &p.max_failures);
	if (!rc)
		rc = policy_int(c, "lock_minutes", 1, 7 * 24 * 60, &p.lock_minutes);
	if (!rc)
		rc = policy_int(c, "idle_minutes", 1, 24 * 60, &p.idle_minutes);
	if (!rc)
		rc = policy_int(c, "session_minutes", 1, 7 * 24 * 60, &p.session_minutes);
	if (rc < 0)
		return rc;
	return store_status(c, auth_policy_put(c->e->s, &p, c->ev->seq));
}
