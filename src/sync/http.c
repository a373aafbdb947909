/*
 * http: libcurl for the sync protocol (http.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "http.h"

#include <curl/curl.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"

struct sync_http {
	CURL *curl;
	char *url;
	char *ca;
	char *proxy; /* "" for none, NULL for the environment's */
	char *auth; /* "Authorization: Bearer ..." or NULL */
	long timeout;
	int retries;
	long retry_ms;
	char error[40]; /* the last error answer's "error" */
	time_t date;    /* the last answer's Date header, or -1 */
	int retried;    /* attempts after the first, in this client's life */
	void (*on_answer)(void *ctx, const char *route, const json_t *answer); /* or NULL */
	void *on_answer_ctx;
};

static long env_long(const char *name, long def, long min)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end;
	long n = strtol(v, &end, 10);
	return *end || n < min ? def : n;
}

struct sync_http *sync_http_new(const char *url, const char *ca, const char *proxy, const char *token)
{
	static int inited;
	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		srand((unsigned)time(NULL) ^ (unsigned)getpid()); /* the backoff's jitter */
		inited = 1;
	}
	struct sync_http *h = xmalloc(sizeof(*h));
	memset(h, 0, sizeof(*h));
	h->curl = curl_easy_init();
	size_t n = strlen(url);
	while (n && url[n - 1] == '/')
		n--;
	h->url = xmalloc(n + 1);
	memcpy(h->url, url, n);
	h->url[n] = 0;
	h->ca = ca ? xstrdup(ca) : NULL;
	h->proxy = proxy ? xstrdup(proxy) : NULL;
	h->date = -1;
	if (token) {
		struct buf b = BUF_INIT;
		buf_addf(&b, "Authorization: Bearer %s", token);
		h->auth = xstrdup(b.s);
		buf_release(&b);
	}
	h->timeout = env_long("DOCKET_SYNC_TIMEOUT", 60, 1);
	h->retries = (int)env_long("DOCKET_SYNC_RETRIES", 4, 0);
	h->retry_ms = env_long("DOCKET_SYNC_RETRY_MS", 500, 0);
	return h;
}

void sync_http_free(struct sync_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h->url);
	free(h->ca);
	free(h->proxy);
	if (h->auth) {
		memset(h->auth, 0, strlen(h->auth));
		free(h->auth);
	}
	free(h);
}

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;
	size_t len = size * n;
	char *tmp = xmalloc(len + 1);
	memcpy(tmp, p, len);
	tmp[len] = 0;
	buf_adds(b, tmp); /* bodies are JSON: no NUL inside */
	free(tmp);
	return len;
}

const char *sync_http_error_code(const struct sync_http *h)
{
	return h->error;
}

time_t sync_http_server_time(const struct sync_http *h)
{
	return h->date;
}

int sync_http_retried(const struct sync_http *h)
{
	return h->retried;
}

/* The Date header of an answer (RFC 9110: the server's clock when it answered). */
static size_t header(char *p, size_t size, size_t n, void *ctx)
{
	struct sync_http *h = ctx;
	size_t len = size * n;
	if (len > 5 && len < 100 && !strncasecmp(p, "Date:", 5)) {
		char v[100];
		memcpy(v, p + 5, len - 5);
		v[len - 5] = 0;
		time_t t = curl_getdate(v, NULL);
		if (t > 0)
			h->date = t;
	}
	return len;
}

/* The server's message in the clerk's language, if the body has one; its code into h->error. */
static void server_message(struct sync_http *h, const char *body, struct buf *err)
{
	json_t *o = json_loads(body, 0, NULL);
	const char *code = json_string_value(json_object_get(o, "error"));
	snprintf(h->error, sizeof(h->error), "%s", code ? code : "");
	json_t *m = json_object_get(o, "message");
	const char *s = json_string_value(json_object_get(m, i18n_is_chinese() ? "zh_CN" : "en"));
	if (!s)
		s = json_string_value(json_object_get(m, "en"));
	if (s)
		buf_addf(err, ": %s", s);
	json_decref(o);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* One attempt: the curl code, *code the HTTP status, body in *resp. */
static CURLcode attempt(struct sync_http *h, const char *method, const char *url, const char *data,
			struct buf *resp, long *code, long *verify, char *errbuf)
{
	CURL *c = h->curl;
	curl_easy_reset(c); /* keeps the connection cache */
	struct curl_slist *hdr = NULL;
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, "Accept: application/json");
	if (h->auth)
		hdr = curl_slist_append(hdr, h->auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (data) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(data));
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->timeout < 15 ? h->timeout : 15L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, h->timeout);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "docket/" DOCKET_VERSION);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (h->ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca);
	/* a configured proxy wins over the environment's; "" is none at all (libcurl then ignores *_proxy) */
	if (h->proxy)
		curl_easy_setopt(c, CURLOPT_PROXY, h->proxy);
	buf_reset(resp);
	errbuf[0] = 0;
	CURLcode rc = curl_easy_perform(c);
	*code = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	else if (rc == CURLE_PEER_FAILED_VERIFICATION)
		curl_easy_getinfo(c, CURLINFO_SSL_VERIFYRESULT, verify);
	curl_slist_free_all(hdr);
	return rc;
}

/* Worth another attempt: no connection, a timeout, a gateway or a busy server. Never another 4xx. */
static int transient(CURLcode rc, long code)
{
	if (rc == CURLE_OK)
		return code == 429 || code == 502 || code == 503 || code == 504;
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_SEND_ERROR ||
	       rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE || rc == CURLE_COULDNT_RESOLVE_HOST ||
	       rc == CURLE_COULDNT_RESOLVE_PROXY;
}

int sync_http_call(struct sync_http *h, const char *method, const char *route, json_t *body, json_t **out,
		   long *http, struct buf *err)
{
	*out = NULL;
	*http = 0;
	h->error[0] = 0;
	struct buf url = BUF_INIT, resp = BUF_INIT;
	buf_addf(&url, "%s%s", h->url, route);
	char *data = body ? json_dumps(body, JSON_COMPACT) : NULL;
	char errbuf[CURL_ERROR_SIZE];
	CURLcode rc;
	long code = 0, verify = 0, wait = h->retry_ms;
	for (int i = 0;; i++) {
		rc = attempt(h, method, url.s, data, &resp, &code, &verify, errbuf);
		if (!transient(rc, code) || i >= h->retries)
			break;
		/*
		 * Exponential backoff with jitter (wait/2 .. wait*3/2), so terminals
		 * that lost the server together do not come back in step.
		 */
		long ms = wait / 2 + (wait ? rand() % (wait + 1) : 0);
		h->retried++;
		if (rc == CURLE_OK)
			fprintf(stderr, _("docket: the server answered %ld to %s: trying again in %.1f s (%d of %d)\n"), code, route,
				ms / 1000.0, i + 1, h->retries);
		else
			fprintf(stderr, _("docket: no answer from the server to %s (%s): trying again in %.1f s (%d of %d)\n"), route,
				errbuf[0] ? errbuf : curl_easy_strerror(rc), ms / 1000.0, i + 1, h->retries);
		sleep_ms(ms);
		wait *= 2;
	}
	free(data);
	int st = 0;
	*http = code;
	if (rc == CURLE_PEER_FAILED_VERIFICATION &&
	    (verify == X509_V_ERR_CERT_HAS_EXPIRED || verify == X509_V_ERR_CERT_NOT_YET_VALID)) {
		/* curl checks the dates by the system clock: a terminal far off sees a good certificate expire */
		buf_addf(err, verify == X509_V_ERR_CERT_HAS_EXPIRED
				      ? _("the server's certificate has expired (%s): the administrator must renew it; if it is new, check this terminal's date and time. Nothing was lost")
				      : _("the server's certificate is not valid yet (%s): check this terminal's date and time. Nothing was lost"),
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		st = SYNC_HTTP_CERT;
	} else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CONNECT_ERROR ||
	    rc == CURLE_SSL_CERTPROBLEM) {
		buf_addf(err, _("the server's certificate is not trusted (%s): check the address, or give its CA with `docket remote set URL --ca FILE`"),
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		st = SYNC_HTTP_CERT;
	} else if (rc != CURLE_OK) {
		buf_addf(err, _("the server %s cannot be reached (%s): check the address and the network; nothing was lost, sync again later"),
			 h->url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		st = SYNC_HTTP_UNREACHABLE;
	} else if (code == 401) {
		buf_adds(err, _("the server refuses this terminal's credentials: the device was revoked or never enrolled; ask the administrator for a new enrolment code (docket enrol CODE)"));
		st = SYNC_HTTP_UNAUTHORIZED;
	} else if (code == 507 || (code == 500 && !strcmp(route, "/v1/push"))) {
		struct buf why = BUF_INIT;
		server_message(h, resp.s, &why);
		buf_addf(err, _("the server could not store this terminal's actions (it answered %ld%s): nothing is lost here; tell the administrator, and sync again later"),
			 code, why.len ? why.s : "");
		buf_release(&why);
		st = SYNC_HTTP_SERVER;
	} else if (code != 200) {
		buf_addf(err, _("the server answered %ld"), code);
		server_message(h, resp.s, err);
		st = transient(CURLE_OK, code) ? SYNC_HTTP_UNREACHABLE : SYNC_HTTP_SERVER;
	} else {
		json_error_t jerr;
		*out = json_loads(resp.s, 0, &jerr);
		if (!json_is_object(*out)) {
			json_decref(*out);
			*out = NULL;
			buf_addf(err, _("the server's answer to %s is not JSON: is %s a docketd?"), route, h->url);
			st = SYNC_HTTP_PROTOCOL;
		} else if (h->on_answer) {
			h->on_answer(h->on_answer_ctx, route, *out);
		}
	}
	buf_release(&url);
	buf_release(&resp);
	return st;
}

void sync_http_on_answer(struct sync_http *h, void (*fn)(void *ctx, const char *route, const json_t *answer),
			 void *ctx)
{
	h->on_answer = fn;
	h->on_answer_ctx = ctx;
}
