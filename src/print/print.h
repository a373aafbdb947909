/*
 * print: paper for a request and for a document, as PDF (doc/print.md).
 *
 * Owns two fixed layouts drawn with cairo and pango on an A4 page:
 * the 审批单 of a request (its summary, its form fields and its trail with
 * every opinion, who gave it and when, in a ruled table) and a document
 * in the GB/T 9704-2012 layout (版头 with the red 发文机关标志 and the
 * separating line, 发文字号 and 签发人, 标题, 主送机关, 正文 on the
 * 28-characters-by-22-lines grid, 附件说明, 署名 and 成文日期 written
 * 2025年11月4日, 附注, 版记 at the foot of the last page, page numbers
 * "— 1 —"). Fonts come from fontconfig by family lists that prefer the
 * faces the standard names (仿宋, 小标宋, 黑体) and fall back to Noto CJK
 * (Debian's fonts-noto-cjk), so a machine with the official faces
 * installed prints with them.
 *
 * Sits above the engine (the 审批单 reads engine_show()'s JSON and names
 * through the request's definitions), below the front ends. The PDF is
 * made in memory and written with write_file_atomic (a fresh O_EXCL
 * temporary, then rename), so a planted file or link in a directory docket
 * does not own is never written through.
 *
 * Errors: 0, or -1 with a message (lowercase, subject quoted) in err.
 */
#ifndef DOCKET_PRINT_H
#define DOCKET_PRINT_H

#include <jansson.h>

#include "../util/buf.h"

struct engine;
struct docs_content;

/*
 * The 审批单 of one request into the PDF file `path`: `show` is
 * engine_show()'s object for it; names, labels and the trail's words come
 * from the definitions it runs on (engine_request_defs through e).
 */
int print_request_pdf(struct engine *e, const json_t *show, const char *path, struct buf *err);
/* The same as PDF bytes appended to out (the TUI and tests). */
int print_request_pdf_buf(struct engine *e, const json_t *show, struct buf *out, struct buf *err);

/* A document in the GB/T 9704-2012 layout into the PDF file `path`. */
int print_doc_pdf(const struct docs_content *c, const char *path, struct buf *err);
int print_doc_pdf_buf(const struct docs_content *c, struct buf *out, struct buf *err);

/*
 * A date as GB/T 9704 writes it (7.3.5.3: Arabic numerals, year in full,
 * month and day without a leading zero): "2025-11-04", "2025/11/4" and
 * "2025.11.04" (a time after the date is dropped) become "2025年11月4日";
 * any other text is appended unchanged.
 */
void print_date_cn(const char *s, struct buf *out);

#endif
