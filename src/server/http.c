/*
 * http: docketd's HTTP/1.1 daemon on libmicrohttpd — HTTPS through its
 * GnuTLS support when a certificate and key are given, one internal
 * polling thread (every request is handled on it, one at a time: the
 * SQLite store has one writer anyway), request bodies gathered up to the
 * limit, one log line per request on stderr, and a clean stop on SIGTERM:
 * the daemon stops accepting, the request in flight is finished and
 * answered, then it exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/fsutil.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "server.h"

/* One request while it is read and answered. */
struct req {
	struct buf body;        /* gathered so far */
	int too_large;          /* the body passed the limit: the rest is discarded */
	unsigned status;        /* the answer's status, for the log */
	struct timespec start;  /* when it began (monotonic) */
	char *line;             /* method and route, for the log */
};

/* The query parameter `name` of the connection in ctx. */
static const char *query_get(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

/* Queue an answer as JSON. */
static enum MHD_Result send_answer(struct MHD_Connection *c, struct req *r, struct answer *a)
{
	char *text = json_dumps(a->body, JSON_COMPACT);
	json_decref(a->body);
	a->body = NULL;
	size_t n = strlen(text);
	text = xrealloc(text, n + 2);
	text[n++] = '\n';
	text[n] = '\0';
	struct MHD_Response *resp = MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	/*
	 * The server's clock, by which terminals tell their own skew: docket's
	 * clock (DOCKET_NOW pins it in tests), which libmicrohttpd's own Date
	 * would not honour; given one, it adds none.
	 */
	char date[64];
	time_t now = clock_now();
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	MHD_add_response_header(resp, "Date", date);
	if (a->challenge)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"docketd\"");
	r->status = a->status;
	enum MHD_Result rc = MHD_queue_response(c, a->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	struct server *srv = cls;
	struct req *r = *con_cls;
	if (!r) {
		r = xcalloc(1, sizeof(*r));
		buf_init(&r->body);
		clock_gettime(CLOCK_MONOTONIC, &r->start);
		/* what a client wrote goes to the log without control characters */
		r->line = xasprintf("%.16s %.200s", method, url);
		for (char *p = r->line; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		*con_cls = r;
		/* a body announced over the limit is refused before it is read */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > srv->cfg->max_body) {
			struct answer a = { 0 };
			server_error(&a, 413, "too_large", N_("the request body is over %zu bytes"), srv->cfg->max_body);
			return send_answer(c, r, &a);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (!r->too_large && r->body.len + *upload_size > srv->cfg->max_body) {
			r->too_large = 1;
			buf_release(&r->body);
		}
		if (!r->too_large)
			buf_add(&r->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->status) /* answered already (413 before the body) */
		return MHD_YES;
	struct answer a = { 0 };
	if (r->too_large)
		server_error(&a, 413, "too_large", N_("the request body is over %zu bytes"), srv->cfg->max_body);
	else
		server_route(srv, method, url, query_get, c,
			     MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION), r->body.s,
			     r->body.len, &a);
	return send_answer(c, r, &a);
}

/* One line per request: time, client, method and route, status, duration. */
static void on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode why)
{
	(void)cls;
	(void)why;
	struct req *r = *con_cls;
	if (!r)
		return;
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	double ms = (double)(end.tv_sec - r->start.tv_sec) * 1e3 + (double)(end.tv_nsec - r->start.tv_nsec) / 1e6;
	char when[32], addr[INET6_ADDRSTRLEN] = "-";
	clock_format_iso(clock_now(), when, sizeof(when));
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr, sizeof(addr));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr, sizeof(addr));
	}
	/* a request that ended without an answer (the client went away) logs status 0 */
	fprintf(stderr, "%s %s %s %u %.1fms\n", when, addr, r->line, r->status, ms);
	free(r->line);
	buf_release(&r->body);
	free(r);
	*con_cls = NULL;
}

/* ADDR:PORT (or [ADDR6]:PORT) into a socket address. 0 or -1. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	const char *colon = strrchr(s, ':');
	if (!colon)
		return -1;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 0 || port > 65535)
		return -1;
	char host[INET6_ADDRSTRLEN + 2];
	size_t hl = (size_t)(colon - s);
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	*len = sizeof(*a4);
	return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? 0 : -1;
}

int server_run(struct server *srv)
{
	const struct server_config *cfg = srv->cfg;
	struct sockaddr_storage ss;
	socklen_t sl;
	if (parse_listen(cfg->listen, &ss, &sl) < 0) {
		fprintf(stderr, _("docketd: cannot listen on '%s': give ADDRESS:PORT, e.g. 127.0.0.1:8443\n"),
			cfg->listen);
		return -1;
	}
	struct buf cert = BUF_INIT, key = BUF_INIT;
	/* one thread; epoll where there is one, so the connections are not capped by select's 1024 */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cfg->cert || cfg->key) {
		if (!cfg->cert || !cfg->key) {
			fprintf(stderr, "%s\n", _("docketd: HTTPS needs both --cert and --key"));
			return -1;
		}
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			fprintf(stderr, "%s\n", _("docketd: this libmicrohttpd was built without TLS"));
			return -1;
		}
		if (read_file(cfg->cert, 1u << 20, &cert) < 0 || read_file(cfg->key, 1u << 20, &key) < 0) {
			fprintf(stderr, _("docketd: cannot read the certificate '%s' or its key '%s'\n"), cfg->cert,
				cfg->key);
			buf_release(&cert);
			buf_release(&key);
			return -1;
		}
		flags |= MHD_USE_TLS;
	}
	/* SIGTERM and SIGINT are waited for here, never delivered to the daemon's thread */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct MHD_Daemon *d;
	if (flags & MHD_USE_TLS)
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, &ss,
				     MHD_OPTION_NOTIFY_COMPLETED, on_done, srv, MHD_OPTION_CONNECTION_TIMEOUT,
				     (unsigned)30, MHD_OPTION_HTTPS_MEM_CERT, cert.s, MHD_OPTION_HTTPS_MEM_KEY, key.s,
				     MHD_OPTION_END);
	else
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, &ss,
				     MHD_OPTION_NOTIFY_COMPLETED, on_done, srv, MHD_OPTION_CONNECTION_TIMEOUT,
				     (unsigned)30, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, _("docketd: cannot listen on '%s': %s\n"), cfg->listen, strerror(errno));
		buf_release(&cert);
		buf_release(&key);
		return -1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	char host[INET6_ADDRSTRLEN] = "";
	if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	/* for scripts and tests, which read the port here: the same in every language */
	printf("listening on %s://%s%s%s:%u\n", (flags & MHD_USE_TLS) ? "https" : "http",
	       ss.ss_family == AF_INET6 ? "[" : "", host, ss.ss_family == AF_INET6 ? "]" : "",
	       di ? (unsigned)di->port : 0u);
	fflush(stdout);
	int sig = 0;
	while (sigwait(&sigs, &sig) != 0)
		;
	/* stop accepting; let the request in flight finish and its answer go (at most 10 s) */
	MHD_quiesce_daemon(d);
	for (int i = 0; i < 1000; i++) {
		const union MHD_DaemonInfo *n = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (!n || !n->num_connections)
			break;
		struct timespec ten = { 0, 10 * 1000 * 1000 };
		nanosleep(&ten, NULL);
	}
	MHD_stop_daemon(d);
	fprintf(stderr, _("docketd: stopped (%s)\n"), sig == SIGTERM ? "SIGTERM" : "SIGINT");
	buf_release(&cert);
	buf_release(&key);
	return 0;
}
