/*
 * http: the terminal's side of the protocol's transport (doc/protocol.md,
 * "Transport"), on libcurl. One handle per sync, so the connection is
 * reused for every request of it; a timeout; the remote's own CA bundle
 * when set (else the system's); the remote's proxy when set, else proxies
 * from the environment (libcurl's http_proxy / https_proxy / no_proxy).
 * Transient failures only (no connection, a timeout, 429, 502/503/504) are
 * retried, with exponential backoff and jitter, each retry said on stderr;
 * never a 4xx. A push is safe to retry (a UUID is an action). Each
 * answer's Date header is kept: the server's clock, for the skew.
 *
 * Environment: DOCKET_SYNC_TIMEOUT (seconds a request may take, default
 * 60), DOCKET_SYNC_RETRIES (attempts after the first, default 4),
 * DOCKET_SYNC_RETRY_MS (the first backoff, default 500; doubled each time).
 */
#ifndef DOCKET_SYNC_HTTP_H
#define DOCKET_SYNC_HTTP_H

#include <jansson.h>
#include <time.h>

struct buf;

/* What went wrong, for the clerk (the message says it in words). */
enum sync_http_status {
	SYNC_HTTP_UNREACHABLE = -40, /* no answer: address, network, server down, timeout */
	SYNC_HTTP_CERT = -41,        /* the server's certificate is not trusted */
	SYNC_HTTP_UNAUTHORIZED = -42, /* 401: no valid device token (revoked, or never enrolled) */
	SYNC_HTTP_SERVER = -43,      /* the server answered with an error */
	SYNC_HTTP_PROTOCOL = -44,    /* the answer is not what the protocol says */
};

struct sync_http;

/*
 * A client for the server at base URL (no trailing /v1), CA bundle file or
 * NULL, proxy URL (NULL: the environment's; "": none) and token or NULL.
 */
struct sync_http *sync_http_new(const char *url, const char *ca, const char *proxy, const char *token);
void sync_http_free(struct sync_http *h);
/*
 * METHOD the route ("/v1/push"), with body (NULL: none; borrowed). 200:
 * 0 with *out the answer (a JSON object; caller decrefs). Otherwise a
 * sync_http_status with the message in err (translated; the server's own
 * words, in the clerk's language, when it sent some) and *out NULL;
 * *http the status code (0 when there was no answer).
 */
int sync_http_call(struct sync_http *h, const char *method, const char *route, json_t *body, json_t **out,
		   long *http, struct buf *err);
/*
 * Call fn(ctx, route, answer) with every 200 answer as it arrives (answer
 * borrowed for the call): how a sync reports its progress without the
 * push and pull loops knowing. fn NULL: none.
 */
void sync_http_on_answer(struct sync_http *h, void (*fn)(void *ctx, const char *route, const json_t *answer),
			 void *ctx);
/* The protocol's "error" code of the last answer that was not 200 ("too_many_events"), or "". */
const char *sync_http_error_code(const struct sync_http *h);
/* The server's clock at its last answer (its Date header), or -1 when no answer had one. */
time_t sync_http_server_time(const struct sync_http *h);
/* How many attempts were retries, over this client's life. */
int sync_http_retried(const struct sync_http *h);

#endif
