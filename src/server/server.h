/*
 * server: docketd, the reference extranet server (doc/protocol.md,
 * doc/sync.md, docketd(8)). Its front door for main.c: the routes
 * (handlers.c), the HTTP daemon on libmicrohttpd (http.c) and the two
 * languages every answer for people is given in (lang.c). The storage is
 * behind storage.h.
 */
#ifndef DOCKET_SERVER_H
#define DOCKET_SERVER_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct engine;
struct storage;

/* What a server runs with. */
struct server_config {
	const char *listen;   /* ADDR:PORT (port 0: any free port) */
	const char *cert;     /* PEM certificate file for HTTPS, or NULL */
	const char *key;      /* its PEM private key file, or NULL */
	size_t max_body;      /* bytes a request body may have */
	int max_batch;        /* events a push may carry */
};
#define SERVER_MAX_BODY (8u << 20)
#define SERVER_MAX_BATCH 500
#define SERVER_PULL_LIMIT 500
#define SERVER_PULL_MAX 1000

/* What the routes work with (one at a time: the daemon's one thread). */
struct server {
	struct storage *st;          /* borrowed */
	struct engine *e;            /* on storage_store(st) */
	const struct server_config *cfg;
};

/* An answer: HTTP status, JSON body (owned), and whether to ask for a token. */
struct answer {
	unsigned status;
	json_t *body;
	int challenge; /* 401: add WWW-Authenticate */
};

/*
 * Route one request: method, path (no query), the query's parameters
 * (get(ctx, name) returns a value or NULL), the Authorization header (or
 * NULL) and the body (NUL-terminated, len bytes). Fills *a.
 */
void server_route(struct server *srv, const char *method, const char *path,
		  const char *(*get)(void *ctx, const char *name), void *ctx, const char *authorization,
		  const char *body, size_t len, struct answer *a);
/* An error answer: {"error": code, "message": {"en", "zh_CN"}} of msgid (printf format) in both languages. */
void server_error(struct answer *a, unsigned status, const char *code, const char *msgid, ...);

/*
 * Serve until SIGTERM or SIGINT: the request in flight is finished and
 * answered, then the daemon stops. Prints "listening on ADDR:PORT" on
 * stdout when ready. 0, or -1 with a message on stderr.
 */
int server_run(struct server *srv);

/*
 * Messages in a given language (for answers in both): "en" or "zh_CN";
 * NULL goes back to the process's own language.
 */
void server_lang(const char *lang);
/* msgid (a printf format, through gettext) in both languages: {"en": ..., "zh_CN": ...} (caller decrefs). */
json_t *server_words(const char *msgid, ...);
json_t *server_vwords(const char *msgid, va_list ap);

#endif
