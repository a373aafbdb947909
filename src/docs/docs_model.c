/*
 * docs_model: the document in memory — the GB/T 9704 elements, the body and
 * the attachments — and its three text forms: meta.json (canonical, in
 * git), the header block `doc edit` opens, and the GB/T 9704 text export.
 */
#include <errno.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/fsutil.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"
#include "docs.h"

const char *const docs_types[15] = {
	"决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知",
	"通报", "报告", "请示", "批复", "议案", "函", "纪要",
};

const struct docs_field_info docs_fields[DF__COUNT] = {
	[DF_COPY_NO] = { "copy-no", "份号", N_("copy number") },
	[DF_URGENCY] = { "urgency", "紧急程度", N_("urgency (特急 or 加急)") },
	[DF_ORGAN] = { "organ", "发文机关标志", N_("issuing organ") },
	[DF_NUMBER] = { "number", "发文字号", N_("document number") },
	[DF_SIGNER] = { "signer", "签发人", N_("signer") },
	[DF_TITLE] = { "title", "标题", N_("title") },
	[DF_RECIPIENTS] = { "recipients", "主送机关", N_("main recipients") },
	[DF_ATTACH_LIST] = { "attachment-list", "附件说明", N_("attachment list") },
	[DF_SIGNATURE] = { "signature", "发文机关署名", N_("signature") },
	[DF_DATE] = { "date", "成文日期", N_("date") },
	[DF_SEAL] = { "seal", "印章", N_("seal") },
	[DF_NOTE] = { "note", "附注", N_("note") },
	[DF_CC] = { "cc", "抄送机关", N_("copy recipients") },
	[DF_PRINTER] = { "printer", "印发机关", N_("printing organ") },
	[DF_PRINT_DATE] = { "print-date", "印发日期", N_("printing date") },
};

/* The label the edit header uses for the type. */
static const char type_label[] = "文种";

int docs_type_valid(const char *name)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < 15; i++)
		if (!strcmp(name, docs_types[i]))
			return 1;
	return !strcmp(name, "令");
}

int docs_field_find(const char *name)
{
	for (int i = 0; i < DF__COUNT; i++)
		if (!strcmp(name, docs_fields[i].key) || !strcmp(name, docs_fields[i].label))
			return i;
	return -1;
}

void docs_content_init(struct docs_content *c)
{
	memset(c, 0, sizeof(*c));
	buf_init(&c->body);
}

void docs_content_release(struct docs_content *c)
{
	free(c->type);
	for (int i = 0; i < DF__COUNT; i++)
		free(c->field[i]);
	buf_release(&c->body);
	for (size_t i = 0; i < c->natt; i++) {
		free(c->att[i].name);
		buf_release(&c->att[i].data);
	}
	free(c->att);
	docs_content_init(c);
}

void docs_content_copy(struct docs_content *dst, const struct docs_content *src)
{
	docs_content_init(dst);
	dst->type = src->type ? xstrdup(src->type) : NULL;
	for (int i = 0; i < DF__COUNT; i++)
		dst->field[i] = src->field[i] ? xstrdup(src->field[i]) : NULL;
	buf_add(&dst->body, src->body.s, src->body.len);
	for (size_t i = 0; i < src->natt; i++)
		docs_content_attach(dst, src->att[i].name, src->att[i].data.s, src->att[i].data.len);
}

void docs_content_set(struct docs_content *c, enum docs_field f, const char *v)
{
	free(c->field[f]);
	c->field[f] = v && *v ? xstrdup(v) : NULL;
}

void docs_content_attach(struct docs_content *c, const char *name, const void *data, size_t len)
{
	size_t i = 0;
	while (i < c->natt && strcmp(c->att[i].name, name) < 0)
		i++;
	if (i < c->natt && !strcmp(c->att[i].name, name)) {
		buf_reset(&c->att[i].data);
		buf_add(&c->att[i].data, data, len);
		return;
	}
	ALLOC_GROW(c->att, c->natt + 1, c->alloc_att);
	memmove(&c->att[i + 1], &c->att[i], (c->natt - i) * sizeof(c->att[0]));
	c->natt++;
	c->att[i].name = xstrdup(name);
	buf_init(&c->att[i].data);
	buf_add(&c->att[i].data, data, len);
}

int docs_content_detach(struct docs_content *c, const char *name)
{
	for (size_t i = 0; i < c->natt; i++) {
		if (strcmp(c->att[i].name, name))
			continue;
		free(c->att[i].name);
		buf_release(&c->att[i].data);
		memmove(&c->att[i], &c->att[i + 1], (c->natt - i - 1) * sizeof(c->att[0]));
		c->natt--;
		return 0;
	}
	return -1;
}

const struct docs_attachment *docs_content_find(const struct docs_content *c, const char *name)
{
	for (size_t i = 0; i < c->natt; i++)
		if (!strcmp(c->att[i].name, name))
			return &c->att[i];
	return NULL;
}

void docs_meta_json(const struct docs_content *c, struct buf *out)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(c->type ? c->type : ""));
	for (int i = 0; i < DF__COUNT; i++)
		if (c->field[i])
			json_object_set_new(o, docs_fields[i].key, json_string(c->field[i]));
	json_object_set_new(o, "format", json_string("docket.document.1"));
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	if (s) {
		buf_adds(out, s);
		buf_addch(out, '\n');
		free(s);
	}
}

int docs_meta_parse(struct docs_content *c, const char *text, size_t len, struct buf *err)
{
	json_error_t je;
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!o || !json_is_object(o)) {
		buf_addf(err, _("meta.json: %s"), o ? _("not an object") : je.text);
		json_decref(o);
		return -1;
	}
	const char *key;
	json_t *v;
	int rc = 0;
	json_object_foreach(o, key, v)
	{
		if (!strcmp(key, "format"))
			continue;
		if (!json_is_string(v)) {
			buf_addf(err, _("meta.json: '%s' is not a string"), key);
			rc = -1;
			break;
		}
		if (!strcmp(key, "type")) {
			free(c->type);
			c->type = xstrdup(json_string_value(v));
			continue;
		}
		int f = docs_field_find(key);
		if (f < 0) /* a newer docket's element: ignored, not lost on read */
			continue;
		docs_content_set(c, (enum docs_field)f, json_string_value(v));
	}
	json_decref(o);
	return rc;
}

/* Trim spaces (ASCII and U+3000) at both ends of s[0..len) in place. */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t' || !strncmp(s, "\xe3\x80\x80", 3))
		s += *s == ' ' || *s == '\t' ? 1 : 3;
	size_t n = strlen(s);
	for (;;) {
		if (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
			n--;
		else if (n >= 3 && !strncmp(s + n - 3, "\xe3\x80\x80", 3))
			n -= 3;
		else
			break;
	}
	s[n] = 0;
	return s;
}

/* The marker lines of the edit header. */
#define HDR "%% "
#define HDR_END "%% ----"

void docs_edit_format(const struct docs_content *c, struct buf *out)
{
	/* HDR holds "%%": never part of a format string */
	buf_adds(out, HDR);
	buf_addf(out, "%s: %s\n", type_label, c->type ? c->type : "");
	for (int i = 0; i < DF__COUNT; i++) {
		buf_adds(out, HDR);
		buf_addf(out, "%s: %s\n", docs_fields[i].label, c->field[i] ? c->field[i] : "");
	}
	buf_adds(out, HDR_END " 以上为公文要素（可修改，空值表示无）；以下为正文\n");
	buf_add(out, c->body.s, c->body.len);
}

int docs_edit_parse(struct docs_content *c, const char *text, size_t len, struct buf *err)
{
	size_t pos = 0, line = 0;
	int in_header = len >= 3 && !strncmp(text, HDR, 3);
	while (in_header && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		line++;
		char *l = xstrndup(text + pos, end - pos);
		pos = nl ? end + 1 : len;
		if (strncmp(l, HDR, 3)) {
			buf_addf(err, _("line %zu: the element block ends without its '%s' line"), line,
				 HDR_END);
			free(l);
			return -1;
		}
		if (!strncmp(l, HDR_END, strlen(HDR_END))) {
			free(l);
			in_header = 0;
			break;
		}
		char *colon = strstr(l, ":");
		char *fw = strstr(l, "\xef\xbc\x9a"); /* ：full-width colon */
		size_t skip = 1;
		if (fw && (!colon || fw < colon)) {
			colon = fw;
			skip = 3;
		}
		if (!colon) {
			buf_addf(err, _("line %zu: expected '%%%% ELEMENT: value'"), line);
			free(l);
			return -1;
		}
		*colon = 0;
		char *name = trim(l + 3), *value = trim(colon + skip);
		if (!strcmp(name, type_label) || !strcmp(name, "type")) {
			free(c->type);
			c->type = xstrdup(value);
		} else {
			int f = docs_field_find(name);
			if (f < 0) {
				buf_addf(err, _("line %zu: unknown element '%s'"), line, name);
				free(l);
				return -1;
			}
			docs_content_set(c, (enum docs_field)f, value);
		}
		free(l);
	}
	if (in_header) {
		buf_addf(err, _("line %zu: the element block ends without its '%s' line"), line, HDR_END);
		return -1;
	}
	buf_reset(&c->body);
	buf_add(&c->body, text + pos, len - pos);
	return 0;
}

/* "LABEL：value\n" when the element is set. */
static void export_field(const struct docs_content *c, enum docs_field f, struct buf *out)
{
	if (c->field[f])
		buf_addf(out, "%s：%s\n", docs_fields[f].label, c->field[f]);
}

void docs_export_text(const struct docs_content *c, struct buf *out)
{
	/* header (版头) */
	export_field(c, DF_COPY_NO, out);
	export_field(c, DF_URGENCY, out);
	if (c->field[DF_ORGAN])
		buf_addf(out, "%s\n", c->field[DF_ORGAN]);
	if (c->field[DF_NUMBER] || c->field[DF_SIGNER]) {
		if (c->field[DF_NUMBER])
			buf_adds(out, c->field[DF_NUMBER]);
		if (c->field[DF_SIGNER])
			buf_addf(out, "%s签发人：%s", c->field[DF_NUMBER] ? "　　" : "",
				 c->field[DF_SIGNER]);
		buf_addch(out, '\n');
	}
	buf_adds(out, "————————————————————\n");
	/* body (主体) */
	buf_addf(out, "\n%s\n\n", c->field[DF_TITLE] ? c->field[DF_TITLE] : "");
	if (c->field[DF_RECIPIENTS])
		buf_addf(out, "%s：\n", c->field[DF_RECIPIENTS]);
	buf_add(out, c->body.s, c->body.len);
	if (c->body.len && c->body.s[c->body.len - 1] != '\n')
		buf_addch(out, '\n');
	if (c->field[DF_ATTACH_LIST])
		buf_addf(out, "\n附件：%s\n", c->field[DF_ATTACH_LIST]);
	if (c->field[DF_SIGNATURE] || c->field[DF_DATE] || c->field[DF_SEAL])
		buf_addch(out, '\n');
	if (c->field[DF_SEAL])
		buf_addf(out, "（%s）\n", c->field[DF_SEAL]);
	if (c->field[DF_SIGNATURE])
		buf_addf(out, "%s\n", c->field[DF_SIGNATURE]);
	if (c->field[DF_DATE])
		buf_addf(out, "%s\n", c->field[DF_DATE]);
	if (c->field[DF_NOTE])
		buf_addf(out, "（%s）\n", c->field[DF_NOTE]);
	for (size_t i = 0; i < c->natt; i++)
		buf_addf(out, i ? "　　　%s\n" : "\n附件：%s\n", c->att[i].name);
	/* footer (版记) */
	if (c->field[DF_CC] || c->field[DF_PRINTER] || c->field[DF_PRINT_DATE]) {
		buf_adds(out, "\n————————————————————\n");
		if (c->field[DF_CC])
			buf_addf(out, "抄送：%s\n", c->field[DF_CC]);
		if (c->field[DF_PRINTER] || c->field[DF_PRINT_DATE])
			buf_addf(out, "%s　　%s印发\n", c->field[DF_PRINTER] ? c->field[DF_PRINTER] : "",
				 c->field[DF_PRINT_DATE] ? c->field[DF_PRINT_DATE] : "");
	}
}

int docs_attachment_name_check(const char *name, struct buf *err)
{
	size_t len = strlen(name), bad;
	if (!len || len > 255) {
		buf_addf(err, _("attachment name '%s' must be 1 to 255 bytes"), name);
		return -1;
	}
	if (!utf8_valid(name, len, &bad)) {
		buf_addf(err, _("attachment name is not valid UTF-8 (byte %zu)"), bad);
		return -1;
	}
	struct utf8_bad b;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p == '/' || *p == '\\' || (p == (const unsigned char *)name && utf8_text_refused(name, len, 0, &b))) {
			buf_addf(err, _("attachment name '%s' may not contain '/', '\\' or control characters"),
				 name);
			return -1;
		}
	}
	/* what git fsck --strict and other checkouts refuse as a tree entry */
	if (!strcmp(name, ".") || !strcmp(name, "..") || !strncasecmp(name, ".git", 4) ||
	    !strncasecmp(name, "git~", 4)) {
		buf_addf(err, _("attachment name '%s' is reserved"), name);
		return -1;
	}
	return 0;
}

/* One text element must be valid UTF-8 with no control characters but tab/newline. */
static int text_ok(const char *what, const char *s, size_t len, int multiline, struct buf *err)
{
	size_t bad;
	if (!utf8_valid(s, len, &bad)) {
		buf_addf(err, _("%s is not valid UTF-8 (byte %zu)"), what, bad);
		return -1;
	}
	/* a carriage return, C1 and bidi controls too: they rewrite what a terminal shows */
	struct utf8_bad b;
	if (utf8_text_refused(s, len, multiline, &b)) {
		struct buf d = BUF_INIT;
		utf8_describe_cp(&d, b.cp);
		buf_addf(err, _("%s contains %s at line %zu, column %zu: only tab and newline may be used"), what, d.s,
			 b.line, b.col);
		buf_release(&d);
		return -1;
	}
	return 0;
}

int docs_content_check(const struct docs_content *c, size_t attach_max, struct buf *err)
{
	if (!docs_type_valid(c->type)) {
		buf_addf(err, _("unknown document type '%s' (one of:"), c->type ? c->type : "");
		for (size_t i = 0; i < 15; i++)
			buf_addf(err, " %s", docs_types[i]);
		/* TRANSLATORS: closes "unknown document type '%s' (one of:" and its list; Chinese uses ） */
		buf_adds(err, C_("closes a list of document types", ")"));
		return -1;
	}
	if (!c->field[DF_TITLE]) {
		buf_adds(err, _("a document needs a title"));
		return -1;
	}
	for (int i = 0; i < DF__COUNT; i++) {
		if (!c->field[i])
			continue;
		size_t len = strlen(c->field[i]);
		if (text_ok(docs_fields[i].label, c->field[i], len, 0, err) < 0)
			return -1;
		if (utf8_chars(c->field[i], len) > DOCS_FIELD_MAX) {
			buf_addf(err, _("%s is %zu characters long, over the limit of %zu"), docs_fields[i].label,
				 utf8_chars(c->field[i], len), (size_t)DOCS_FIELD_MAX);
			return -1;
		}
	}
	if (c->body.len > DOCS_TEXT_MAX) {
		buf_addf(err, _("the body is %zu bytes, over the limit of %u bytes (16 MiB)"), c->body.len,
			 DOCS_TEXT_MAX);
		return -1;
	}
	if (text_ok(_("the body"), c->body.s, c->body.len, 1, err) < 0)
		return -1;
	for (size_t i = 0; i < c->natt; i++) {
		if (docs_attachment_name_check(c->att[i].name, err) < 0)
			return -1;
		if (c->att[i].data.len > attach_max) {
			buf_addf(err, _("attachment '%s' is %zu bytes, over the limit of %zu (DOCKET_ATTACH_MAX)"),
				 c->att[i].name, c->att[i].data.len, attach_max);
			return -1;
		}
	}
	return 0;
}

int docs_edit_in_file(struct docs_content *c, int (*editor)(void *ctx, const char *path), void *ctx,
		      struct buf *err)
{
	struct buf text = BUF_INIT, why = BUF_INIT;
	docs_edit_format(c, &text);
	char path[] = "/tmp/docket-edit-XXXXXX.md";
	int fd = mkstemps(path, 3), rc = 0;
	if (fd < 0 || write(fd, text.s, text.len) != (ssize_t)text.len) {
		buf_addf(err, _("unable to write '%s': %s"), path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		rc = DOCS_ERR;
	} else {
		close(fd);
		buf_reset(&text);
		if (editor(ctx, path) < 0) {
			buf_addf(err, _("the editor failed; nothing was saved (your text is in '%s')"), path);
			rc = DOCS_INVALID;
		} else if (read_file(path, DOCS_TEXT_MAX, &text) < 0 ||
			   docs_edit_parse(c, text.s, text.len, &why) < 0) {
			if (!why.len && errno == EFBIG)
				buf_addf(&why, _("over the limit of %u bytes (16 MiB)"), DOCS_TEXT_MAX);
			buf_addf(err, _("'%s': %s; nothing was saved (your text is kept there)"), path,
				 why.len ? why.s : strerror(errno));
			rc = DOCS_INVALID;
		} else {
			unlink(path);
		}
	}
	buf_release(&text);
	buf_release(&why);
	return rc;
}
