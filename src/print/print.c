/*
 * print.c: the 审批单 and the GB/T 9704 page, drawn with pango on a cairo
 * PDF surface (print.h; doc/print.md has the layouts and the fonts).
 *
 * Everything is laid out in points on A4 (595.28 x 841.89). Text goes
 * down the page one line at a time through a pen that starts a new page
 * when the next line would cross the bottom of the text area, so a long
 * body or a long opinion simply continues on the next page.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include "print.h"
#include "../defs/form.h"
#include "../defs/formdata.h"
#include "../defs/org.h"
#include "../defs/workflow.h"
#include "../docs/docs.h"
#include "../engine/engine.h"
#include "../util/clock.h"
#include "../util/fsutil.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

#define MM(x) ((x) * 72.0 / 25.4)
#define A4_W MM(210.0)
#define A4_H MM(297.0)

/*
 * Font families in order of preference: the faces GB/T 9704 names (as
 * Windows and the 方正 foundry call them), then Noto CJK SC from Debian's
 * fonts-noto-cjk, which is what a Debian machine has. Debian packages no
 * simplified-Chinese 仿宋 (fonts-cwtex-fs covers Big5 only), so 仿宋 falls
 * back to the Song-style Noto Serif CJK SC and 小标宋 to its bold.
 */
#define FONT_FANGSONG "FangSong,FangSong_GB2312,仿宋_GB2312,仿宋,Noto Serif CJK SC,serif"
#define FONT_XBS "FZXiaoBiaoSong-B05S,方正小标宋简体,Noto Serif CJK SC,serif"
#define FONT_HEI "SimHei,黑体,Noto Sans CJK SC,sans-serif"
#define FONT_KAI "KaiTi,KaiTi_GB2312,楷体_GB2312,楷体,Noto Serif CJK SC,serif"
#define FONT_SONG "SimSun,宋体,Noto Serif CJK SC,serif"

/* Where the next line goes, and the page it is on. */
struct pen {
	cairo_t *cr;
	double left, width;   /* the text area across, in points */
	double top, bottom;   /* the text area down */
	double y;             /* the top of the next line */
	int page;             /* 1-based */
	int gbt;              /* page numbers the GB/T 9704 way (else centred) */
};

/* The page number under the text area: GB/T 9704 7.5, "— 1 —" in 4号 宋体, odd pages right, even left. */
static void pen_number(struct pen *p);

static PangoLayout *pen_layout(struct pen *p, const char *text, const char *family, double size, int bold,
			       double width)
{
	PangoLayout *l = pango_cairo_create_layout(p->cr);
	PangoFontDescription *fd = pango_font_description_new();
	pango_font_description_set_family(fd, family);
	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(l, text, -1);
	return l;
}

static void pen_newpage(struct pen *p)
{
	pen_number(p);
	cairo_show_page(p->cr);
	p->page++;
	p->y = p->top;
}

static void pen_number(struct pen *p)
{
	char num[32];
	snprintf(num, sizeof(num), "— %d —", p->page);
	PangoLayout *l = pen_layout(p, num, FONT_SONG, p->gbt ? 14 : 9, 0, p->width);
	int w, h;
	pango_layout_get_pixel_size(l, &w, &h);
	double x = p->left + (p->width - w) / 2;
	if (p->gbt) /* one character in from the edge of the text area */
		x = p->page % 2 ? p->left + p->width - w - 14 : p->left + 14;
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_move_to(p->cr, x, p->bottom + MM(7));
	pango_cairo_show_layout(p->cr, l);
	g_object_unref(l);
}

/*
 * Draw a laid-out text one line per `pitch` points from p->y, at x (its
 * alignment within its width kept), in the colour given; a line that
 * would cross the bottom starts a new page. The glyphs sit centred in
 * their line of the grid.
 */
static void pen_flow(struct pen *p, PangoLayout *l, double x, double pitch, double size, double r, double g,
		     double b)
{
	PangoLayoutIter *it = pango_layout_get_iter(l);
	do {
		PangoRectangle lg;
		pango_layout_iter_get_line_extents(it, NULL, &lg);
		if (p->y + pitch > p->bottom + 0.5)
			pen_newpage(p);
		cairo_set_source_rgb(p->cr, r, g, b);
		cairo_move_to(p->cr, x + (double)lg.x / PANGO_SCALE, p->y + pitch / 2 + 0.38 * size);
		pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
		p->y += pitch;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
}

/* A paragraph across the text area: alignment, first-line indent and right indent in points. */
static void pen_para(struct pen *p, const char *text, const char *family, double size, int bold,
		     PangoAlignment al, double indent, double right, double pitch)
{
	PangoLayout *l = pen_layout(p, text, family, size, bold, p->width - right);
	pango_layout_set_alignment(l, al);
	pango_layout_set_indent(l, (int)(indent * PANGO_SCALE));
	pen_flow(p, l, p->left, pitch, size, 0, 0, 0);
	g_object_unref(l);
}

static void pen_rule(struct pen *p, double y, double thick, double r, double g, double b)
{
	cairo_set_source_rgb(p->cr, r, g, b);
	cairo_set_line_width(p->cr, thick);
	cairo_move_to(p->cr, p->left, y);
	cairo_line_to(p->cr, p->left + p->width, y);
	cairo_stroke(p->cr);
}

/* Text width in points as laid out on one line. */
static double text_width(struct pen *p, const char *text, const char *family, double size)
{
	PangoLayout *l = pen_layout(p, text, family, size, 0, -1);
	pango_layout_set_width(l, -1);
	int w, h;
	pango_layout_get_pixel_size(l, &w, &h);
	g_object_unref(l);
	return w;
}

/* ---- the surface: a PDF in memory ---- */

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len)
{
	buf_add(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

/* Start an A4 PDF into out with its title; the creation date is docket's clock (DOCKET_NOW in tests). */
static cairo_surface_t *pdf_open(struct buf *out, const char *title)
{
	cairo_surface_t *sf = cairo_pdf_surface_create_for_stream(to_buf, out, A4_W, A4_H);
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR, "docket " DOCKET_VERSION);
	char when[32];
	time_t now = clock_now();
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATE_DATE, when);
	return sf;
}

/* Finish the last page and the file; 0, or -1 with the reason in err. */
static int pdf_close(struct pen *p, cairo_surface_t *sf, struct buf *err)
{
	pen_number(p);
	cairo_show_page(p->cr);
	cairo_status_t st = cairo_status(p->cr);
	cairo_destroy(p->cr);
	cairo_surface_finish(sf);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(sf);
	cairo_surface_destroy(sf);
	if (st != CAIRO_STATUS_SUCCESS) {
		buf_addf(err, _("unable to make the PDF: %s"), cairo_status_to_string(st));
		return -1;
	}
	return 0;
}

static int write_pdf(const char *path, const struct buf *pdf, struct buf *err)
{
	if (write_file_atomic(path, pdf->s, pdf->len) < 0) {
		buf_addf(err, _("unable to write '%s': %s"), path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Text that goes on paper: no control or bidirectional character acts on its reader either. */
static char *clean(const char *s, int multiline)
{
	struct buf b = BUF_INIT;
	utf8_sanitize_n(&b, s ? s : "", s ? strlen(s) : 0, multiline ? UTF8_KEEP_NL : 0);
	return buf_detach(&b);
}

void print_date_cn(const char *s, struct buf *out)
{
	const char *p = s;
	long part[3];
	int n = 0;
	char sep = 0;
	while (n < 3) {
		if (!isdigit((unsigned char)*p))
			break;
		char *end;
		part[n] = strtol(p, &end, 10);
		int digits = (int)(end - p);
		if ((n == 0 && digits != 4) || (n > 0 && (digits < 1 || digits > 2)))
			break;
		p = end;
		n++;
		if (n == 3)
			break;
		if ((*p != '-' && *p != '/' && *p != '.') || (sep && *p != sep))
			break;
		sep = *p++;
	}
	/* a whole date, then nothing or a time */
	if (n == 3 && part[1] >= 1 && part[1] <= 12 && part[2] >= 1 && part[2] <= 31 &&
	    (!*p || *p == ' ' || *p == 'T')) {
		buf_addf(out, "%ld年%ld月%ld日", part[0], part[1], part[2]);
		return;
	}
	buf_adds(out, s);
}

/* ---- GB/T 9704-2012 ---- */

/* 3号 is 16 pt; the text area is 156 x 225 mm with 22 lines of 28 characters (5.2, 7.1). */
#define GB_SIZE 16.0
#define GB_PITCH (MM(225.0) / 22.0)

/* The body: each line a paragraph indented two characters; Markdown headings in 黑体, without their #. */
static void gb_body(struct pen *p, const char *body)
{
	char *text = clean(body, 1);
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		const char *s = line;
		int heading = 0;
		while (*s == '#') {
			s++;
			heading = 1;
		}
		/* people type the indent themselves (spaces or 　): the layout makes it */
		while (*s == ' ' || *s == '\t' || !strncmp(s, "　", 3))
			s += *s == ' ' || *s == '\t' ? 1 : 3;
		if (!*s)
			continue;
		pen_para(p, s, heading ? FONT_HEI : FONT_FANGSONG, GB_SIZE, 0, PANGO_ALIGN_LEFT, 2 * GB_SIZE, 0,
			 GB_PITCH);
	}
	free(text);
}

/* 署名 and 成文日期 (7.3.5): the date four characters in from the right, the name centred over it. */
static void gb_signoff(struct pen *p, const struct docs_content *c)
{
	struct buf date = BUF_INIT;
	char *sig = clean(c->field[DF_SIGNATURE], 0);
	if (c->field[DF_DATE]) {
		char *d = clean(c->field[DF_DATE], 0);
		print_date_cn(d, &date);
		free(d);
	}
	double dw = date.len ? text_width(p, date.s, FONT_FANGSONG, GB_SIZE) : 0;
	double right = p->left + p->width - 4 * GB_SIZE;
	double centre = date.len ? right - dw / 2 : right - text_width(p, sig, FONT_FANGSONG, GB_SIZE) / 2;
	if (c->field[DF_SEAL]) { /* the seal is pressed on paper: here its name, where it goes */
		char *seal = clean(c->field[DF_SEAL], 0);
		struct buf s = BUF_INIT;
		buf_addf(&s, "（%s）", seal);
		double w = text_width(p, s.s, FONT_FANGSONG, GB_SIZE);
		PangoLayout *l = pen_layout(p, s.s, FONT_FANGSONG, GB_SIZE, 0, w + 1);
		pen_flow(p, l, centre - w / 2, GB_PITCH, GB_SIZE, 0.8, 0, 0);
		g_object_unref(l);
		buf_release(&s);
		free(seal);
	}
	if (*sig) {
		double w = text_width(p, sig, FONT_FANGSONG, GB_SIZE);
		PangoLayout *l = pen_layout(p, sig, FONT_FANGSONG, GB_SIZE, 0, w + 1);
		pen_flow(p, l, centre - w / 2, GB_PITCH, GB_SIZE, 0, 0, 0);
		g_object_unref(l);
	}
	if (date.len) {
		PangoLayout *l = pen_layout(p, date.s, FONT_FANGSONG, GB_SIZE, 0, dw + 1);
		pen_flow(p, l, right - dw, GB_PITCH, GB_SIZE, 0, 0, 0);
		g_object_unref(l);
	}
	free(sig);
	buf_release(&date);
}

/*
 * 版记 (7.4) at the foot of the last page: 抄送机关 (4号, one character
 * in, ending in 。), 印发机关 and 印发日期 ("…印发") on one line; a thick
 * rule above and below, a thin one between.
 */
static void gb_footer(struct pen *p, const struct docs_content *c)
{
	const double size = 14, pitch = GB_PITCH;
	int cc = c->field[DF_CC] != NULL, pr = c->field[DF_PRINTER] || c->field[DF_PRINT_DATE];
	if (!cc && !pr)
		return;
	PangoLayout *ccl = NULL;
	struct buf s = BUF_INIT;
	int cclines = 0;
	if (cc) {
		char *t = clean(c->field[DF_CC], 0);
		size_t n = strlen(t);
		buf_addf(&s, "抄送：%s%s", t, n >= 3 && !strcmp(t + n - 3, "。") ? "" : "。");
		free(t);
		ccl = pen_layout(p, s.s, FONT_FANGSONG, size, 0, p->width - 2 * size);
		pango_layout_set_indent(ccl, 0);
		cclines = pango_layout_get_line_count(ccl);
	}
	double height = (cclines + pr) * pitch;
	if (p->y + height > p->bottom)
		pen_newpage(p);
	double y = p->bottom - height;
	pen_rule(p, y, 1.0, 0, 0, 0);
	p->y = y;
	if (ccl) {
		pen_flow(p, ccl, p->left + size, pitch, size, 0, 0, 0);
		g_object_unref(ccl);
		if (pr)
			pen_rule(p, p->y, 0.7, 0, 0, 0);
	}
	if (pr) {
		char *org = clean(c->field[DF_PRINTER], 0), *d = clean(c->field[DF_PRINT_DATE], 0);
		struct buf date = BUF_INIT;
		if (*d) {
			print_date_cn(d, &date);
			buf_adds(&date, "印发");
		}
		double y0 = p->y;
		PangoLayout *l = pen_layout(p, org, FONT_FANGSONG, size, 0, p->width - 2 * size);
		pen_flow(p, l, p->left + size, pitch, size, 0, 0, 0);
		g_object_unref(l);
		if (date.len) {
			double w = text_width(p, date.s, FONT_FANGSONG, size);
			p->y = y0;
			l = pen_layout(p, date.s, FONT_FANGSONG, size, 0, w + 1);
			pen_flow(p, l, p->left + p->width - size - w, pitch, size, 0, 0, 0);
			g_object_unref(l);
		}
		buf_release(&date);
		free(org);
		free(d);
	}
	pen_rule(p, p->y, 1.0, 0, 0, 0);
	buf_release(&s);
}

int print_doc_pdf_buf(const struct docs_content *c, struct buf *out, struct buf *err)
{
	char *title = clean(c->field[DF_TITLE], 0);
	cairo_surface_t *sf = pdf_open(out, title);
	/* 5.2.1: top margin 37 mm, left 28 mm, the text area 156 x 225 mm */
	struct pen p = { cairo_create(sf), MM(28), MM(156), MM(37), MM(37 + 225), MM(37), 1, 1 };
	/* 版头 (7.2): 份号 and 紧急程度 at the top left in 黑体 */
	const enum docs_field corner[] = { DF_COPY_NO, DF_URGENCY };
	for (size_t i = 0; i < 2; i++) {
		if (!c->field[corner[i]])
			continue;
		char *t = clean(c->field[corner[i]], 0);
		pen_para(&p, t, FONT_HEI, GB_SIZE, 0, PANGO_ALIGN_LEFT, 0, 0, GB_PITCH);
		free(t);
	}
	/* 发文机关标志: red 小标宋, centred, its top 35 mm below the top of the text area */
	if (c->field[DF_ORGAN]) {
		char *t = clean(c->field[DF_ORGAN], 0);
		if (p.y < p.top + MM(35))
			p.y = p.top + MM(35);
		PangoLayout *l = pen_layout(&p, t, FONT_XBS, 36, 1, p.width);
		pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
		pen_flow(&p, l, p.left, MM(17), 36, 0.8, 0, 0);
		g_object_unref(l);
		free(t);
		p.y += GB_PITCH; /* 发文字号 two lines under it */
	}
	/* 发文字号 centred, or with 签发人 (an upward document): the number left and the signer right, one character in */
	if (c->field[DF_NUMBER] || c->field[DF_SIGNER]) {
		char *num = clean(c->field[DF_NUMBER], 0);
		if (c->field[DF_SIGNER]) {
			char *who = clean(c->field[DF_SIGNER], 0);
			double y0 = p.y;
			pen_para(&p, num, FONT_FANGSONG, GB_SIZE, 0, PANGO_ALIGN_LEFT, GB_SIZE, 0, GB_PITCH);
			double ww = text_width(&p, who, FONT_KAI, GB_SIZE);
			double lw = text_width(&p, "签发人：", FONT_FANGSONG, GB_SIZE);
			double x = p.left + p.width - GB_SIZE - ww - lw;
			p.y = y0;
			PangoLayout *l = pen_layout(&p, "签发人：", FONT_FANGSONG, GB_SIZE, 0, lw + 1);
			pen_flow(&p, l, x, GB_PITCH, GB_SIZE, 0, 0, 0);
			g_object_unref(l);
			p.y = y0;
			l = pen_layout(&p, who, FONT_KAI, GB_SIZE, 0, ww + 1);
			pen_flow(&p, l, x + lw, GB_PITCH, GB_SIZE, 0, 0, 0);
			g_object_unref(l);
			free(who);
		} else {
			pen_para(&p, num, FONT_FANGSONG, GB_SIZE, 0, PANGO_ALIGN_CENTER, 0, 0, GB_PITCH);
		}
		free(num);
	}
	/* the red separating line, 4 mm under the number, as wide as the text area */
	if (c->field[DF_ORGAN] || c->field[DF_NUMBER] || c->field[DF_SIGNER]) {
		pen_rule(&p, p.y + MM(4) - GB_PITCH / 4, 1.5, 0.8, 0, 0);
		p.y += GB_PITCH; /* the title two lines under it */
	}
	/* 标题 (7.3.1): 2号 小标宋, centred */
	PangoLayout *l = pen_layout(&p, title, FONT_XBS, 22, 1, p.width);
	pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	pen_flow(&p, l, p.left, GB_PITCH, 22, 0, 0, 0);
	g_object_unref(l);
	p.y += GB_PITCH;
	/* 主送机关 (7.3.2): at the left edge, ending in a full-width colon */
	if (c->field[DF_RECIPIENTS]) {
		char *t = clean(c->field[DF_RECIPIENTS], 0);
		struct buf s = BUF_INIT;
		buf_addf(&s, "%s：", t);
		pen_para(&p, s.s, FONT_FANGSONG, GB_SIZE, 0, PANGO_ALIGN_LEFT, 0, 0, GB_PITCH);
		buf_release(&s);
		free(t);
	}
	gb_body(&p, c->body.s ? c->body.s : "");
	/* 附件说明 (7.3.4): a line under the body, two characters in; else the attachments' names */
	if (c->field[DF_ATTACH_LIST] || c->natt) {
		struct buf s = BUF_INIT;
		if (c->field[DF_ATTACH_LIST]) {
			char *t = clean(c->field[DF_ATTACH_LIST], 0);
			buf_addf(&s, "附件：%s", t);
			free(t);
		} else {
			for (size_t i = 0; i < c->natt; i++) {
				char *t = clean(c->att[i].name, 0);
				if (c->natt == 1)
					buf_addf(&s, "附件：%s", t);
				else
					buf_addf(&s, "%s%zu．%s", i ? "\n　　　" : "附件：", i + 1, t);
				free(t);
			}
		}
		p.y += GB_PITCH;
		pen_para(&p, s.s, FONT_FANGSONG, GB_SIZE, 0, PANGO_ALIGN_LEFT, 2 * GB_SIZE, 0, GB_PITCH);
		buf_release(&s);
	}
	if (c->field[DF_SIGNATURE] || c->field[DF_DATE] || c->field[DF_SEAL]) {
		p.y += 2 * GB_PITCH;
		gb_signoff(&p, c);
	}
	/* 附注 (7.3.6): in brackets, a line under the date, two characters in */
	if (c->field[DF_NOTE]) {
		char *t = clean(c->field[DF_NOTE], 0);
		struct buf s = BUF_INIT;
		buf_addf(&s, "（%s）", t);
		pen_para(&p, s.s, FONT_FANGSONG, GB_SIZE, 0, PANGO_ALIGN_LEFT, 2 * GB_SIZE, 0, GB_PITCH);
		buf_release(&s);
		free(t);
	}
	gb_footer(&p, c);
	free(title);
	return pdf_close(&p, sf, err);
}

int print_doc_pdf(const struct docs_content *c, const char *path, struct buf *err)
{
	struct buf pdf = BUF_INIT;
	int rc = print_doc_pdf_buf(c, &pdf, err);
	if (!rc)
		rc = write_pdf(path, &pdf, err);
	buf_release(&pdf);
	return rc;
}

/* ---- the 审批单 ---- */

#define AF_SIZE 11.0
#define AF_LINE 17.0 /* one line of a cell */
#define AF_PAD 5.0   /* above, below and beside the text of a cell */

/*
 * One row of the ruled table: n cells side by side, each wrapped in its
 * width (label cells in 黑体). Drawn line by line, so a cell taller than
 * what is left of the page (a long opinion) goes on over the next page,
 * each part in its own box; a row that fits on a page is never split.
 */
static void af_row(struct pen *p, size_t n, const double *w, const char *const *text, const int *label,
		   int shade)
{
	PangoLayout *l[8];
	int lines = 1;
	for (size_t i = 0; i < n; i++) {
		l[i] = pen_layout(p, text[i] ? text[i] : "", label[i] ? FONT_HEI : FONT_SONG, AF_SIZE, 0,
				  w[i] - 2 * AF_PAD);
		if (pango_layout_get_line_count(l[i]) > lines)
			lines = pango_layout_get_line_count(l[i]);
	}
	double whole = lines * AF_LINE + 2 * AF_PAD;
	if (p->y + whole > p->bottom && whole <= p->bottom - p->top)
		pen_newpage(p);
	else if (p->y + AF_LINE + 2 * AF_PAD > p->bottom)
		pen_newpage(p);
	double seg = p->y;
	if (shade) {
		cairo_set_source_rgb(p->cr, 0.9, 0.9, 0.9);
		cairo_rectangle(p->cr, p->left, seg, p->width, whole);
		cairo_fill(p->cr);
	}
	p->y += AF_PAD;
	cairo_set_line_width(p->cr, 0.6);
	for (int k = 0; k <= lines; k++) {
		int end = k == lines;
		if (end || p->y + AF_LINE + AF_PAD > p->bottom) {
			/* close the boxes of this part of the row */
			double x = p->left;
			cairo_set_source_rgb(p->cr, 0, 0, 0);
			for (size_t i = 0; i < n; i++) {
				cairo_rectangle(p->cr, x, seg, w[i], p->y + AF_PAD - seg);
				x += w[i];
			}
			cairo_stroke(p->cr);
			if (end)
				break;
			pen_newpage(p);
			seg = p->y;
			p->y += AF_PAD;
		}
		double x = p->left;
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		for (size_t i = 0; i < n; i++) {
			PangoLayoutLine *ln = k < pango_layout_get_line_count(l[i])
						      ? pango_layout_get_line_readonly(l[i], k)
						      : NULL;
			if (ln) {
				cairo_move_to(p->cr, x + AF_PAD, p->y + AF_LINE / 2 + 0.38 * AF_SIZE);
				pango_cairo_show_layout_line(p->cr, ln);
			}
			x += w[i];
		}
		p->y += AF_LINE;
	}
	p->y += AF_PAD;
	for (size_t i = 0; i < n; i++)
		g_object_unref(l[i]);
}

/* A label and its value across the table. */
static void af_pair(struct pen *p, const char *label, const char *value)
{
	const double w[2] = { MM(32), p->width - MM(32) };
	char *v = clean(value, 1), *lb = clean(label, 0);
	const char *text[2] = { lb, v };
	const int lab[2] = { 1, 0 };
	af_row(p, 2, w, text, lab, 0);
	free(v);
	free(lb);
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The name next to an id (KEY_name), else the id, else "". */
static const char *jname(const json_t *o, const char *k)
{
	char key[64];
	snprintf(key, sizeof(key), "%s_name", k);
	const char *n = jstr(o, key);
	if (!n)
		n = jstr(o, k);
	return n ? n : "";
}

/* A stored time (ISO, UTC) as local "YYYY-MM-DD HH:MM". */
static void local_time(const char *iso, char *out, size_t n)
{
	time_t t;
	snprintf(out, n, "%s", iso ? iso : "");
	if (iso && !clock_parse_iso(iso, &t))
		clock_format_local(t, out, n);
}

int print_request_pdf_buf(struct engine *e, const json_t *o, struct buf *out, struct buf *err)
{
	const struct workflow *wf = NULL;
	const struct form *fm = NULL;
	const struct org *org = NULL;
	engine_request_defs(e, jstr(o, "request"), &wf, &fm, &org);
	struct buf s = BUF_INIT, t = BUF_INIT;
	/* TRANSLATORS: the heading of a printed request, after its workflow's name: 请假 → 请假审批单 */
	buf_addf(&s, _("%s approval form"), jname(o, "workflow"));
	char *heading = clean(s.s, 0);
	cairo_surface_t *sf = pdf_open(out, heading);
	struct pen p = { cairo_create(sf), MM(20), MM(170), MM(20), MM(297 - 22), MM(20), 1, 0 };
	PangoLayout *l = pen_layout(&p, heading, FONT_XBS, 20, 1, p.width);
	pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	pen_flow(&p, l, p.left, 34, 20, 0, 0, 0);
	g_object_unref(l);
	/* the request's id at the left, when printed at the right */
	char when[40];
	clock_format_local(clock_now(), when, sizeof(when));
	buf_reset(&s);
	buf_addf(&s, _("No. %s"), jstr(o, "request") ? jstr(o, "request") : "");
	double y0 = p.y;
	pen_para(&p, s.s, FONT_SONG, 9, 0, PANGO_ALIGN_LEFT, 0, 0, 16);
	p.y = y0;
	buf_reset(&s);
	buf_addf(&s, _("printed %s"), when);
	pen_para(&p, s.s, FONT_SONG, 9, 0, PANGO_ALIGN_RIGHT, 0, 0, 16);
	p.y += 2;

	af_pair(&p, _("Title"), jstr(o, "title"));
	buf_reset(&s);
	buf_adds(&s, jname(o, "applicant"));
	if (jstr(o, "applicant_department_name"))
		buf_addf(&s, "（%s）", jstr(o, "applicant_department_name"));
	af_pair(&p, _("Applicant"), s.s);
	af_pair(&p, _("State"), engine_state_label(jstr(o, "state")));
	if (jstr(o, "doc_number"))
		af_pair(&p, _("Document number"), jstr(o, "doc_number"));
	size_t i;
	json_t *v;
	if (json_array_size(json_object_get(o, "current"))) {
		buf_reset(&s);
		json_array_foreach(json_object_get(o, "current"), i, v)
			buf_addf(&s, "%s%s", i ? "、" : "", jstr(v, "name") ? jstr(v, "name") : jname(v, "step"));
		af_pair(&p, _("Current step"), s.s);
	}
	/* the form's fields by their labels, in form order; then any the form does not have */
	const json_t *fields = json_object_get(o, "fields");
	for (size_t k = 0; fm && k < fm->nfields; k++) {
		const struct field *f = &fm->fields[k];
		const json_t *val = json_object_get(fields, f->id);
		if (!val || json_is_null(val))
			continue;
		buf_reset(&t);
		formdata_text(f, org, val, &t);
		af_pair(&p, f->label ? f->label : f->id, t.s);
	}
	const char *key;
	json_object_foreach((json_t *)fields, key, v) {
		if ((fm && form_field(fm, key)) || json_is_null(v))
			continue;
		buf_reset(&t);
		formdata_text(NULL, NULL, v, &t);
		af_pair(&p, key, t.s);
	}

	/* the trail: when, who (for whom), what and where, the opinion */
	const double tw[4] = { MM(37), MM(30), MM(38), p.width - MM(105) };
	const char *head[4] = { _("Time"), _("Handled by"), _("Action"), _("Opinion") };
	const int lab4[4] = { 1, 1, 1, 1 }, val4[4] = { 0, 0, 0, 0 };
	const char *sec[1] = { _("Approval record") };
	const double whole[1] = { p.width };
	const int lab1[1] = { 1 };
	af_row(&p, 1, whole, sec, lab1, 1);
	af_row(&p, 4, tw, head, lab4, 0);
	json_array_foreach(json_object_get(o, "trail"), i, v) {
		struct buf who = BUF_INIT, what = BUF_INIT;
		local_time(jstr(v, "at"), when, sizeof(when));
		engine_trail_who(v, &who);
		engine_trail_what(v, wf, org, 0, &what);
		char *cw = clean(who.s, 0), *cwhat = clean(what.s, 0), *op = clean(engine_trail_opinion(v), 1);
		const char *cells[4] = { when, cw, cwhat, op };
		af_row(&p, 4, tw, cells, val4, 0);
		free(cw);
		free(cwhat);
		free(op);
		buf_release(&who);
		buf_release(&what);
	}
	free(heading);
	buf_release(&s);
	buf_release(&t);
	return pdf_close(&p, sf, err);
}

int print_request_pdf(struct engine *e, const json_t *show, const char *path, struct buf *err)
{
	struct buf pdf = BUF_INIT;
	int rc = print_request_pdf_buf(e, show, &pdf, err);
	if (!rc)
		rc = write_pdf(path, &pdf, err);
	buf_release(&pdf);
	return rc;
}
