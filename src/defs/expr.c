/*
 * expr: lexer, recursive-descent parser, type checker and evaluator of the
 * condition language (grammar in expr.h).
 *
 * The tree's nodes are all owned by the struct expr in one flat array, so
 * freeing never recurses and a half-built tree after a syntax error is
 * released the same way as a finished one. Parsing bounds the nesting
 * (EXPR_MAX_DEPTH) and the node count (EXPR_MAX_NODES), which bounds the
 * recursion of the checker and the evaluator too.
 *
 * Money rules (see doc/ref-expressions.md): money is integer fen; a number
 * literal next to money in a comparison, '+' or '-' is read exactly as yuan
 * (5000 = 500000 fen; 0.001 is refused); money * number and money / number
 * are computed in exact decimal arithmetic on the number's shortest
 * 15-digit decimal form and rounded half away from zero to whole fen.
 */
#include "expr.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/diag.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"
#include "../yaml/ydoc.h"

__extension__ typedef __int128 i128;

/* First and last day accepted for dates: 0001-01-01 and 9999-12-31. */
#define DATE_MIN (-719162)
#define DATE_MAX 2932896

enum tok {
	T_END, T_ERROR, T_NUM, T_STR, T_IDENT,
	T_TRUE, T_FALSE, T_NULL, T_AND, T_OR, T_NOT, T_IN,
	T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE,
	T_PLUS, T_MINUS, T_STAR, T_SLASH,
	T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK, T_COMMA,
};

struct token {
	enum tok kind;
	size_t off;     /* byte offset of the token in the source */
	size_t len;     /* bytes of source text */
	double num;     /* T_NUM: its value */
};

enum nkind {
	N_NUM, N_STR, N_BOOL, N_NULL, N_IDENT, N_CALL, N_LIST,
	N_NOT, N_NEG, N_AND, N_OR, N_CMP, N_IN, N_ARITH,
};

enum func { F_DAYS, F_LEN, F_EMPTY, F_CONTAINS, F_DATE, F_MONEY };

static const struct {
	const char *name;       /* as written in expressions */
	size_t nargs;           /* exact number of arguments */
} funcs[] = {
	[F_DAYS] = { "days", 2 },
	[F_LEN] = { "len", 1 },
	[F_EMPTY] = { "empty", 1 },
	[F_CONTAINS] = { "contains", 2 },
	[F_DATE] = { "date", 1 },
	[F_MONEY] = { "money", 1 },
};
#define NFUNCS (sizeof(funcs) / sizeof(funcs[0]))

struct node {
	enum nkind kind;
	enum tok op;            /* N_CMP / N_ARITH / N_IN: the operator */
	int fn;                 /* N_CALL: enum func, or -1 if unknown */
	size_t off, len;        /* source of the naming token (operator, name, literal) */
	size_t start;           /* first byte of the whole sub-expression */
	double num;             /* N_NUM: value with the sign applied */
	int neg;                /* N_NUM: written with a (folded) leading '-' */
	int b;                  /* N_BOOL: the value */
	char *text;             /* N_NUM digits as written; N_STR decoded text; N_IDENT/N_CALL name */
	struct node **kids;     /* operands, arguments or list items (not owned) */
	size_t nkids, kalloc;
	enum vtype type;        /* result type found by expr_check (V_ANY before) */
};

struct expr {
	char *src;              /* the expression text; owned */
	char *file;             /* file named in diagnostics; owned */
	int line, col;          /* position of src[0] */
	int fixed;              /* 1: report every problem at line:col (block scalars) */
	struct node *root;
	struct node **all;      /* every node, for freeing without recursion */
	size_t n, alloc;
};

/* Position of byte `off` of the source, counting characters, not bytes. */
static void expr_pos(const struct expr *e, size_t off, int *line, int *col)
{
	size_t ls = 0;
	int l = e->line, first = 1;
	if (e->fixed) {
		*line = e->line;
		*col = e->col;
		return;
	}
	for (size_t i = 0; i < off && e->src[i]; i++) {
		if (e->src[i] == '\n') {
			l++;
			ls = i + 1;
			first = 0;
		}
	}
	*line = l;
	*col = (first ? e->col : 1) + (int)utf8_chars(e->src + ls, off - ls);
}

/* Add an error at byte `off` of e's source. */
static void report(struct diags *d, const struct expr *e, size_t off, const char *fmt,
		   va_list ap)
{
	struct buf b = BUF_INIT;
	int line, col;
	if (!d)
		return;
	buf_vaddf(&b, fmt, ap);
	expr_pos(e, off, &line, &col);
	diag_error(d, e->file, line, col, "%s", b.s);
	buf_release(&b);
}

/* Quote at most 32 characters of s[0..len) into b (for messages). */
static void add_excerpt(struct buf *b, const char *s, size_t len)
{
	size_t i = 0, chars = 0;
	while (i < len && chars < 32) {
		i++;
		while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		chars++;
	}
	buf_add(b, s, i);
	if (i < len)
		buf_adds(b, "...");
}

/* ---- type names in messages ---- */

/* "cannot compare money with text": the bare noun */
static const char *tnoun(enum vtype t)
{
	switch (t) {
	case V_NULL: return _("null");
	case V_BOOL: return _("true/false");
	case V_NUMBER: return _("number");
	case V_MONEY: return _("money");
	case V_STRING: return _("text");
	case V_DATE: return _("date");
	case V_DATETIME: return _("date-time");
	case V_LIST: return _("list");
	case V_ANY: break;
	}
	return _("unknown");
}

/* "not a date and a number": the noun with its article */
static const char *ta(enum vtype t)
{
	switch (t) {
	case V_NULL: return _("null");
	case V_BOOL: return _("true/false");
	case V_NUMBER: return _("a number");
	case V_MONEY: return _("money");
	case V_STRING: return _("text");
	case V_DATE: return _("a date");
	case V_DATETIME: return _("a date-time");
	case V_LIST: return _("a list");
	case V_ANY: break;
	}
	return _("unknown");
}

/* The message for an arithmetic operator applied to the wrong types. */
static char *arith_msg(enum tok op, enum vtype a, enum vtype b)
{
	switch (op) {
	case T_PLUS:
		return xasprintf(_("'+' needs two numbers or two money amounts, not %s and %s"),
				 ta(a), ta(b));
	case T_MINUS:
		return xasprintf(_("'-' needs two numbers, two money amounts or two dates, not %s and %s"),
				 ta(a), ta(b));
	case T_STAR:
		return xasprintf(_("'*' needs two numbers, or money and a number, not %s and %s"),
				 ta(a), ta(b));
	default:
		return xasprintf(_("'/' needs two numbers, or money and a number, not %s and %s"),
				 ta(a), ta(b));
	}
}

/*
 * The type of `a op b`, or -1 when the operator does not apply. Money and
 * number literals have already been unified by the caller for + and -.
 */
static int arith_type(enum tok op, enum vtype a, enum vtype b, enum vtype *out)
{
	switch (op) {
	case T_PLUS:
		if (a == V_NUMBER && b == V_NUMBER)
			*out = V_NUMBER;
		else if (a == V_MONEY && b == V_MONEY)
			*out = V_MONEY;
		else if ((a == V_DATE && b == V_NUMBER) || (a == V_NUMBER && b == V_DATE))
			*out = V_DATE;
		else
			return -1;
		return 0;
	case T_MINUS:
		if (a == V_NUMBER && b == V_NUMBER)
			*out = V_NUMBER;
		else if (a == V_MONEY && b == V_MONEY)
			*out = V_MONEY;
		else if (a == V_DATE && b == V_NUMBER)
			*out = V_DATE;
		else if (a == V_DATE && b == V_DATE)
			*out = V_NUMBER;
		else
			return -1;
		return 0;
	case T_STAR:
		if (a == V_NUMBER && b == V_NUMBER)
			*out = V_NUMBER;
		else if ((a == V_MONEY && b == V_NUMBER) || (a == V_NUMBER && b == V_MONEY))
			*out = V_MONEY;
		else
			return -1;
		return 0;
	case T_SLASH:
		if (a == V_NUMBER && b == V_NUMBER)
			*out = V_NUMBER;
		else if (a == V_MONEY && b == V_NUMBER)
			*out = V_MONEY;
		else
			return -1;
		return 0;
	default:
		return -1;
	}
}

/* A number literal read exactly as yuan; -1 if it has more than two decimals. */
static int literal_fen(const struct node *n, int64_t *fen)
{
	if (n->kind != N_NUM || money_parse(n->text, fen))
		return -1;
	if (n->neg)
		*fen = -*fen;
	return 0;
}

/* ---- lexer ---- */

struct parser {
	struct expr *e;
	struct diags *d;
	const char *s;          /* e->src */
	size_t pos;             /* next byte to read */
	struct token tok;       /* current token */
	struct buf str;         /* decoded text of the current T_STR */
	int depth;              /* current nesting of brackets and prefix operators */
	int stop;               /* a syntax error was reported: unwind */
	int bad;                /* an error was reported: no tree in the end */
};

/* A syntax error: report it (only the first) and unwind. */
__attribute__((format(printf, 3, 4)))
static void syntax_error(struct parser *p, size_t off, const char *fmt, ...)
{
	va_list ap;
	if (p->stop)
		return;
	va_start(ap, fmt);
	report(p->d, p->e, off, fmt, ap);
	va_end(ap);
	p->stop = p->bad = 1;
}

/* An error that does not stop parsing (unknown function, wrong arity). */
__attribute__((format(printf, 3, 4)))
static void soft_error(struct parser *p, size_t off, const char *fmt, ...)
{
	va_list ap;
	if (p->stop)
		return;
	va_start(ap, fmt);
	report(p->d, p->e, off, fmt, ap);
	va_end(ap);
	p->bad = 1;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_ident_start(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_ident_char(int c)
{
	return is_ident_start(c) || is_digit(c);
}

/* Full-width and typographic characters that Chinese input methods produce. */
static const struct {
	const char *bad;        /* the character typed */
	const char *good;       /* what the language wants */
} confusables[] = {
	{ "\xef\xbc\x88", "(" },  /* （ */
	{ "\xef\xbc\x89", ")" },  /* ） */
	{ "\xef\xbc\x8c", "," },  /* ， */
	{ "\xe3\x80\x81", "," },  /* 、 */
	{ "\xe2\x80\x9c", "\"" }, /* “ */
	{ "\xe2\x80\x9d", "\"" }, /* ” */
	{ "\xe2\x80\x98", "'" },  /* ‘ */
	{ "\xe2\x80\x99", "'" },  /* ’ */
	{ "\xef\xbc\x9d", "==" }, /* ＝ */
	{ "\xef\xbc\x9e", ">" },  /* ＞ */
	{ "\xef\xbc\x9c", "<" },  /* ＜ */
	{ "\xe2\x89\xa5", ">=" }, /* ≥ */
	{ "\xe2\x89\xa4", "<=" }, /* ≤ */
	{ "\xe2\x89\xa0", "!=" }, /* ≠ */
	{ "\xef\xbc\x81", "!" },  /* ！ */
	{ "\xe3\x80\x90", "[" },  /* 【 */
	{ "\xe3\x80\x91", "]" },  /* 】 */
	{ "\xef\xbc\xbb", "[" },  /* ［ */
	{ "\xef\xbc\xbd", "]" },  /* ］ */
	{ "\xef\xbc\x8b", "+" },  /* ＋ */
	{ "\xef\xbc\x8d", "-" },  /* － */
	{ "\xc3\x97", "*" },      /* × */
	{ "\xc3\xb7", "/" },      /* ÷ */
};

/* Report a character that starts no token, with a hint where one helps. */
static void bad_char(struct parser *p, size_t i)
{
	const char *s = p->s + i;
	uint32_t cp;
	size_t n = utf8_decode(s, &cp);
	for (size_t k = 0; k < sizeof(confusables) / sizeof(confusables[0]); k++) {
		if (!strncmp(s, confusables[k].bad, strlen(confusables[k].bad))) {
			syntax_error(p, i, _("unexpected character '%.*s' (write '%s' instead)"),
				     (int)n, s, confusables[k].good);
			return;
		}
	}
	if (cp == '=')
		syntax_error(p, i, _("unexpected '=' (did you mean '=='?)"));
	else if (cp == '&')
		syntax_error(p, i, _("unexpected '&' (did you mean '&&'?)"));
	else if (cp == '|')
		syntax_error(p, i, _("unexpected '|' (did you mean '||'?)"));
	else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		syntax_error(p, i, _("unexpected character U+%04X"), (unsigned)cp);
	else if (cp >= 0x2e80)
		syntax_error(p, i, _("unexpected character '%.*s' (names are field ids in ASCII; put text in quotes)"),
			     (int)n, s);
	else
		syntax_error(p, i, _("unexpected character '%.*s'"), (int)n, s);
}

/*
 * Read a number: digits with an optional fraction. The value is built
 * without strtod() so the locale's decimal point cannot interfere; up to
 * 15 significant digits it is the correctly rounded double.
 */
static void lex_number(struct parser *p, size_t i)
{
	const char *s = p->s;
	size_t j = i;
	double mant = 0;
	int scale = 0;
	while (is_digit(s[j]))
		mant = mant * 10 + (s[j++] - '0');
	if (s[j] == '.' && is_digit(s[j + 1])) {
		j++;
		while (is_digit(s[j])) {
			mant = mant * 10 + (s[j++] - '0');
			scale++;
		}
	}
	if (is_ident_char(s[j]) || s[j] == '.') {
		size_t k = j;
		while (is_ident_char(s[k]) || s[k] == '.')
			k++;
		syntax_error(p, i, _("invalid number '%.*s'"), (int)(k - i), s + i);
		p->tok.kind = T_ERROR;
		return;
	}
	/* 10^scale is exact up to 10^22, so one division rounds correctly */
	double ten = 1;
	for (int k = 0; k < scale; k++)
		ten *= 10;
	double v = mant / ten;
	if (!isfinite(v)) {
		syntax_error(p, i, _("number '%.*s' is too large"), (int)(j - i), s + i);
		p->tok.kind = T_ERROR;
		return;
	}
	p->tok.kind = T_NUM;
	p->tok.num = v;
	p->tok.len = j - i;
}

/* Read a name (dotted path) or keyword. */
static void lex_ident(struct parser *p, size_t i)
{
	static const struct {
		const char *word;
		enum tok kind;
	} keywords[] = {
		{ "true", T_TRUE }, { "false", T_FALSE }, { "null", T_NULL },
		{ "and", T_AND }, { "or", T_OR }, { "not", T_NOT }, { "in", T_IN },
	};
	const char *s = p->s;
	size_t j = i;
	int dotted = 0;
	for (;;) {
		while (is_ident_char(s[j]))
			j++;
		if (s[j] != '.')
			break;
		if (!is_ident_start(s[j + 1])) {
			syntax_error(p, j, _("expected a name after '.'"));
			p->tok.kind = T_ERROR;
			return;
		}
		dotted = 1;
		j++;
	}
	p->tok.kind = T_IDENT;
	p->tok.len = j - i;
	if (dotted)
		return;
	for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
		if (strlen(keywords[k].word) == j - i && !memcmp(keywords[k].word, s + i, j - i))
			p->tok.kind = keywords[k].kind;
}

/* Read a quoted string into p->str, decoding \" \' \\ \n. */
static void lex_string(struct parser *p, size_t i)
{
	const char *s = p->s;
	char q = s[i];
	size_t j = i + 1;
	buf_reset(&p->str);
	for (;;) {
		if (!s[j] || (s[j] == '\\' && !s[j + 1])) {
			syntax_error(p, i, _("unterminated string"));
			p->tok.kind = T_ERROR;
			return;
		}
		if (s[j] == q)
			break;
		if (s[j] == '\\') {
			char c = s[j + 1];
			if (c == '"' || c == '\'' || c == '\\') {
				buf_addch(&p->str, c);
			} else if (c == 'n') {
				buf_addch(&p->str, '\n');
			} else {
				uint32_t cp;
				size_t n = utf8_decode(s + j + 1, &cp);
				syntax_error(p, j, _("unknown escape '\\%.*s' in a string"), (int)n,
					     s + j + 1);
				p->tok.kind = T_ERROR;
				return;
			}
			j += 2;
			continue;
		}
		buf_addch(&p->str, s[j]);
		j++;
	}
	p->tok.kind = T_STR;
	p->tok.len = j + 1 - i;
}

/* Advance to the next token; on a lexical error the token is T_ERROR. */
static void lex(struct parser *p)
{
	const char *s = p->s;
	size_t i = p->pos;
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	struct token *t = &p->tok;
	t->off = i;
	t->len = 1;
	t->num = 0;
	char c = s[i], c2 = c ? s[i + 1] : 0;
	if (p->stop) {
		t->kind = T_ERROR;
		return;
	}
	if (!c) {
		t->kind = T_END;
		t->len = 0;
	} else if (is_digit(c)) {
		lex_number(p, i);
	} else if (is_ident_start(c)) {
		lex_ident(p, i);
	} else if (c == '"' || c == '\'') {
		lex_string(p, i);
	} else if (c == '=' && c2 == '=') {
		t->kind = T_EQ, t->len = 2;
	} else if (c == '!' && c2 == '=') {
		t->kind = T_NE, t->len = 2;
	} else if (c == '<' && c2 == '=') {
		t->kind = T_LE, t->len = 2;
	} else if (c == '>' && c2 == '=') {
		t->kind = T_GE, t->len = 2;
	} else if (c == '&' && c2 == '&') {
		t->kind = T_AND, t->len = 2;
	} else if (c == '|' && c2 == '|') {
		t->kind = T_OR, t->len = 2;
	} else {
		switch (c) {
		case '!': t->kind = T_NOT; break;
		case '<': t->kind = T_LT; break;
		case '>': t->kind = T_GT; break;
		case '+': t->kind = T_PLUS; break;
		case '-': t->kind = T_MINUS; break;
		case '*': t->kind = T_STAR; break;
		case '/': t->kind = T_SLASH; break;
		case '(': t->kind = T_LPAREN; break;
		case ')': t->kind = T_RPAREN; break;
		case '[': t->kind = T_LBRACK; break;
		case ']': t->kind = T_RBRACK; break;
		case ',': t->kind = T_COMMA; break;
		default:
			bad_char(p, i);
			t->kind = T_ERROR;
		}
	}
	if (t->kind != T_ERROR)
		p->pos = i + t->len;
}

/* ---- parser ---- */

/* Report the current token as unexpected (unless the lexer already did). */
static void unexpected(struct parser *p)
{
	struct buf b = BUF_INIT;
	if (p->tok.kind == T_ERROR)
		return;
	if (p->tok.kind == T_END) {
		syntax_error(p, p->tok.off, _("unexpected end of the expression"));
		return;
	}
	add_excerpt(&b, p->s + p->tok.off, p->tok.len);
	syntax_error(p, p->tok.off, _("unexpected '%s'"), b.s);
	buf_release(&b);
}

/* A new node owned by the expression; NULL past EXPR_MAX_NODES. */
static struct node *new_node(struct parser *p, enum nkind k, size_t off, size_t len)
{
	struct expr *e = p->e;
	if (e->n >= EXPR_MAX_NODES) {
		syntax_error(p, off, _("expression is too complex (the limit is %d parts)"),
			     EXPR_MAX_NODES);
		return NULL;
	}
	struct node *n = xcalloc(1, sizeof(*n));
	n->kind = k;
	n->off = n->start = off;
	n->len = len;
	n->fn = -1;
	n->type = V_ANY;
	ALLOC_GROW(e->all, e->n + 1, e->alloc);
	e->all[e->n++] = n;
	return n;
}

static void add_kid(struct node *n, struct node *kid)
{
	ALLOC_GROW(n->kids, n->nkids + 1, n->kalloc);
	n->kids[n->nkids++] = kid;
}

/* Enter one nesting level at `off`; -1 past EXPR_MAX_DEPTH. */
static int enter(struct parser *p, size_t off)
{
	if (++p->depth > EXPR_MAX_DEPTH) {
		syntax_error(p, off, _("expression is nested too deeply (the limit is %d levels)"),
			     EXPR_MAX_DEPTH);
		return -1;
	}
	return 0;
}

/* A binary node for the current operator token with `l` as left operand. */
static struct node *binary(struct parser *p, enum nkind k, struct node *l)
{
	struct node *n = new_node(p, k, p->tok.off, p->tok.len);
	if (!n)
		return NULL;
	n->op = p->tok.kind;
	n->start = l->start;
	add_kid(n, l);
	lex(p);
	return n;
}

static struct node *parse_or(struct parser *p);

/* Comma-separated expressions up to `close`; the opening token is current. */
static int parse_items(struct parser *p, struct node *n, enum tok close)
{
	if (enter(p, p->tok.off))
		return -1;
	lex(p);
	if (p->tok.kind != close) {
		for (;;) {
			struct node *k = parse_or(p);
			if (!k)
				return -1;
			add_kid(n, k);
			if (p->tok.kind != T_COMMA)
				break;
			lex(p);
		}
	}
	p->depth--;
	if (p->tok.kind != close) {
		if (p->tok.kind == T_ERROR)
			return -1;
		if (close == T_RPAREN)
			syntax_error(p, p->tok.off, _("expected ')' after arguments"));
		else
			syntax_error(p, p->tok.off, _("expected ']' after list items"));
		return -1;
	}
	lex(p);
	return 0;
}

/* A name, or a function call when "(" follows. */
static struct node *parse_name(struct parser *p)
{
	size_t off = p->tok.off, len = p->tok.len;
	lex(p);
	if (p->tok.kind != T_LPAREN) {
		struct node *n = new_node(p, N_IDENT, off, len);
		if (n)
			n->text = xstrndup(p->s + off, len);
		return n;
	}
	struct node *n = new_node(p, N_CALL, off, len);
	if (!n)
		return NULL;
	n->text = xstrndup(p->s + off, len);
	for (size_t i = 0; i < NFUNCS; i++)
		if (!strcmp(funcs[i].name, n->text))
			n->fn = (int)i;
	if (n->fn < 0) {
		const char *names[NFUNCS];
		for (size_t i = 0; i < NFUNCS; i++)
			names[i] = funcs[i].name;
		const char *near = y_nearest(n->text, names, NFUNCS);
		if (near)
			soft_error(p, off, _("unknown function '%s' (did you mean '%s'?)"), n->text,
				   near);
		else
			soft_error(p, off, _("unknown function '%s'"), n->text);
	}
	if (parse_items(p, n, T_RPAREN))
		return NULL;
	if (n->fn >= 0 && n->nkids != funcs[n->fn].nargs)
		soft_error(p, off, ngettext("'%s' takes %zu argument, not %zu",
					    "'%s' takes %zu arguments, not %zu",
					    funcs[n->fn].nargs),
			   n->text, funcs[n->fn].nargs, n->nkids);
	return n;
}

/* primary := literal | name | call | list | "(" expr ")" */
static struct node *parse_primary(struct parser *p)
{
	struct node *n;
	size_t off = p->tok.off;
	switch (p->tok.kind) {
	case T_NUM:
		n = new_node(p, N_NUM, off, p->tok.len);
		if (!n)
			return NULL;
		n->num = p->tok.num;
		n->text = xstrndup(p->s + off, p->tok.len);
		lex(p);
		return n;
	case T_STR:
		n = new_node(p, N_STR, off, p->tok.len);
		if (!n)
			return NULL;
		n->text = xstrdup(p->str.s);
		lex(p);
		return n;
	case T_TRUE:
	case T_FALSE:
		n = new_node(p, N_BOOL, off, p->tok.len);
		if (!n)
			return NULL;
		n->b = p->tok.kind == T_TRUE;
		lex(p);
		return n;
	case T_NULL:
		n = new_node(p, N_NULL, off, p->tok.len);
		if (n)
			lex(p);
		return n;
	case T_IDENT:
		return parse_name(p);
	case T_LBRACK:
		n = new_node(p, N_LIST, off, 1);
		if (!n || parse_items(p, n, T_RBRACK))
			return NULL;
		return n;
	case T_LPAREN:
		if (enter(p, off))
			return NULL;
		lex(p);
		n = parse_or(p);
		if (!n)
			return NULL;
		p->depth--;
		if (p->tok.kind != T_RPAREN) {
			if (p->tok.kind != T_ERROR)
				syntax_error(p, p->tok.off, _("expected ')'"));
			return NULL;
		}
		lex(p);
		n->start = off;
		return n;
	default:
		unexpected(p);
		return NULL;
	}
}

/* unary := "-" unary | primary; a minus before a number literal is folded into it. */
static struct node *parse_unary(struct parser *p)
{
	if (p->tok.kind != T_MINUS)
		return parse_primary(p);
	size_t off = p->tok.off;
	if (enter(p, off))
		return NULL;
	lex(p);
	struct node *k = parse_unary(p);
	if (!k)
		return NULL;
	p->depth--;
	if (k->kind == N_NUM && k->start == k->off) {
		k->neg = !k->neg;
		k->num = -k->num;
		k->len = k->off + k->len - off;
		k->off = k->start = off;
		return k;
	}
	struct node *n = new_node(p, N_NEG, off, 1);
	if (!n)
		return NULL;
	add_kid(n, k);
	return n;
}

/* prod := unary { ("*" | "/") unary }, left-associative */
static struct node *parse_prod(struct parser *p)
{
	struct node *l = parse_unary(p);
	while (l && (p->tok.kind == T_STAR || p->tok.kind == T_SLASH)) {
		struct node *n = binary(p, N_ARITH, l);
		struct node *r = n ? parse_unary(p) : NULL;
		if (!r)
			return NULL;
		add_kid(n, r);
		l = n;
	}
	return l;
}

/* sum := prod { ("+" | "-") prod }, left-associative */
static struct node *parse_sum(struct parser *p)
{
	struct node *l = parse_prod(p);
	while (l && (p->tok.kind == T_PLUS || p->tok.kind == T_MINUS)) {
		struct node *n = binary(p, N_ARITH, l);
		struct node *r = n ? parse_prod(p) : NULL;
		if (!r)
			return NULL;
		add_kid(n, r);
		l = n;
	}
	return l;
}

static int is_cmp(enum tok t)
{
	return t == T_EQ || t == T_NE || t == T_LT || t == T_LE || t == T_GT || t == T_GE ||
	       t == T_IN;
}

/* cmp := sum [ op sum ]; a second comparison in a row is an error, not a chain. */
static struct node *parse_cmp(struct parser *p)
{
	struct node *l = parse_sum(p);
	if (!l || !is_cmp(p->tok.kind))
		return l;
	struct node *n = binary(p, p->tok.kind == T_IN ? N_IN : N_CMP, l);
	struct node *r = n ? parse_sum(p) : NULL;
	if (!r)
		return NULL;
	add_kid(n, r);
	if (is_cmp(p->tok.kind)) {
		syntax_error(p, p->tok.off, _("comparisons cannot be chained (join them with 'and')"));
		return NULL;
	}
	return n;
}

/* not := ("!" | "not") not | cmp */
static struct node *parse_not(struct parser *p)
{
	if (p->tok.kind != T_NOT)
		return parse_cmp(p);
	size_t off = p->tok.off, len = p->tok.len;
	if (enter(p, off))
		return NULL;
	lex(p);
	struct node *k = parse_not(p);
	if (!k)
		return NULL;
	p->depth--;
	struct node *n = new_node(p, N_NOT, off, len);
	if (!n)
		return NULL;
	add_kid(n, k);
	return n;
}

/* and := not { ("&&" | "and") not } */
static struct node *parse_and(struct parser *p)
{
	struct node *l = parse_not(p);
	while (l && p->tok.kind == T_AND) {
		struct node *n = binary(p, N_AND, l);
		struct node *r = n ? parse_not(p) : NULL;
		if (!r)
			return NULL;
		add_kid(n, r);
		l = n;
	}
	return l;
}

/* or := and { ("||" | "or") and } */
static struct node *parse_or(struct parser *p)
{
	struct node *l = parse_and(p);
	while (l && p->tok.kind == T_OR) {
		struct node *n = binary(p, N_OR, l);
		struct node *r = n ? parse_and(p) : NULL;
		if (!r)
			return NULL;
		add_kid(n, r);
		l = n;
	}
	return l;
}

/* Parse with positions relative to line:col, or all at line:col when `fixed`. */
static struct expr *parse_at(const char *src, const char *file, int line, int col, int fixed,
			     struct diags *d)
{
	struct expr *e = xcalloc(1, sizeof(*e));
	size_t len, bad;
	e->src = xstrdup(src ? src : "");
	e->file = xstrdup(file ? file : "");
	e->line = line;
	e->col = col;
	e->fixed = fixed;
	len = strlen(e->src);

	struct parser p = { .e = e, .d = d, .s = e->src, .str = BUF_INIT };
	if (len > EXPR_MAX_SOURCE) {
		syntax_error(&p, 0, _("expression is too long (the limit is %d bytes)"),
			     EXPR_MAX_SOURCE);
	} else if (!utf8_valid(e->src, len, &bad)) {
		syntax_error(&p, bad, _("invalid UTF-8 in the expression"));
	} else {
		lex(&p);
		if (p.tok.kind == T_END) {
			syntax_error(&p, 0, _("empty expression"));
		} else {
			e->root = parse_or(&p);
			if (e->root && p.tok.kind != T_END)
				unexpected(&p);
		}
	}
	buf_release(&p.str);
	if (p.bad || !e->root) {
		expr_free(e);
		return NULL;
	}
	return e;
}

struct expr *expr_parse(const char *src, const char *file, int line, int col,
			struct diags *d)
{
	return parse_at(src, file, line, col, 0, d);
}

/*
 * A plain scalar starts at its node; a quoted one a character later. The
 * tree does not record block scalars or escapes, so text spanning lines
 * (a block scalar) reports every problem at the node itself.
 */
struct expr *expr_parse_node(const struct ydoc *doc, const struct ynode *n,
			     struct diags *d)
{
	const char *file = doc ? doc->file : "";
	if (!n) {
		if (d)
			diag_error(d, file, 0, 0, _("missing expression"));
		return NULL;
	}
	if (n->type != Y_SCALAR) {
		if (d)
			diag_error(d, file, n->line, n->col, _("expected an expression, not a %s"),
				   ytype_name(n->type));
		return NULL;
	}
	if (n->plain)
		return parse_at(n->value, file, n->line, n->col, 0, d);
	/*
	 * Quoted on one line: the text starts after the quote. A block scalar
	 * or a double-quoted string with escapes does not map column for
	 * column onto the file, so errors point at the node itself.
	 */
	int exact = (n->style == '\'' || (n->style == '"' && !strchr(n->value, '\\'))) &&
		    !strchr(n->value, '\n');
	if (!exact)
		return parse_at(n->value, file, n->line, n->col, 1, d);
	return parse_at(n->value, file, n->line, n->col + 1, 0, d);
}

/* ---- type checker ---- */

struct checker {
	const struct expr *e;
	const struct expr_env *env;     /* may be NULL: every name is V_ANY */
	struct diags *d;
	int errors;                     /* errors reported so far */
};

/* A type error at byte `off`; checking goes on to find the others. */
__attribute__((format(printf, 3, 4)))
static void cerr(struct checker *c, size_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(c->d, c->e, off, fmt, ap);
	va_end(ap);
	c->errors++;
}

/* The node's source text, for quoting it in a message (caller releases). */
static void node_text(const struct checker *c, const struct node *n, struct buf *b)
{
	add_excerpt(b, c->e->src + n->off, n->len);
}

/* Read number literal `n` as money next to a money operand; 0 or -1 (reported). */
static int promote_literal(struct checker *c, struct node *n, enum vtype *t)
{
	int64_t fen;
	if (literal_fen(n, &fen)) {
		struct buf b = BUF_INIT;
		node_text(c, n, &b);
		cerr(c, n->off, _("'%s' is not an exact money amount"), b.s);
		buf_release(&b);
		return -1;
	}
	*t = n->type = V_MONEY;
	return 0;
}

/* Unify money with a number literal on the other side; -1 if that failed. */
static int unify_money(struct checker *c, struct node *a, enum vtype *at, struct node *b,
		       enum vtype *bt)
{
	if (*at == V_MONEY && *bt == V_NUMBER && b->kind == N_NUM)
		return promote_literal(c, b, bt);
	if (*bt == V_MONEY && *at == V_NUMBER && a->kind == N_NUM)
		return promote_literal(c, a, at);
	return 0;
}

/* Name lookup with a "did you mean" hint. */
static enum vtype check_ident(struct checker *c, struct node *n)
{
	enum vtype t = V_ANY;
	if (!c->env || !c->env->lookup_type)
		return V_ANY;
	if (!c->env->lookup_type(c->env->ctx, n->text, &t))
		return t;
	const char *near = NULL;
	if (c->env->names) {
		const char *const *names = c->env->names(c->env->ctx);
		size_t nn = 0;
		while (names && names[nn])
			nn++;
		if (nn)
			near = y_nearest(n->text, names, nn);
	}
	if (near)
		cerr(c, n->off, _("unknown name '%s' (did you mean '%s'?)"), n->text, near);
	else
		cerr(c, n->off, _("unknown name '%s'"), n->text);
	return V_ANY;
}

static enum vtype check(struct checker *c, struct node *n);

/* Argument i of call n must be one of the allowed types (V_ANY always is). */
static int check_arg(struct checker *c, struct node *n, size_t i, enum vtype t,
		     enum vtype ok1, enum vtype ok2, const char *need)
{
	if (t == V_ANY || t == ok1 || t == ok2)
		return 0;
	cerr(c, n->kids[i]->start, _("'%s' needs %s, not %s"), n->text, need, ta(t));
	return -1;
}

/* Argument types of a call, and literal arguments of date() / money(). */
static enum vtype check_call(struct checker *c, struct node *n)
{
	enum vtype t[2] = { V_ANY, V_ANY };
	for (size_t i = 0; i < n->nkids; i++) {
		enum vtype k = check(c, n->kids[i]);
		if (i < 2)
			t[i] = k;
	}
	switch ((enum func)n->fn) {
	case F_DAYS:
		check_arg(c, n, 0, t[0], V_DATE, V_DATETIME, _("dates"));
		check_arg(c, n, 1, t[1], V_DATE, V_DATETIME, _("dates"));
		return V_NUMBER;
	case F_LEN:
		check_arg(c, n, 0, t[0], V_STRING, V_LIST, _("text or a list"));
		return V_NUMBER;
	case F_EMPTY:
		return V_BOOL;
	case F_CONTAINS:
		check_arg(c, n, 0, t[0], V_STRING, V_LIST, _("text or a list to search"));
		check_arg(c, n, 1, t[1], V_STRING, V_STRING, _("text to look for"));
		return V_BOOL;
	case F_DATE: {
		struct node *a = n->kids[0];
		int64_t days;
		if (check_arg(c, n, 0, t[0], V_STRING, V_DATE, _("text like \"2026-03-01\"")))
			return V_ANY;
		if (a->kind == N_STR && date_parse(a->text, &days))
			cerr(c, a->off, _("invalid date '%s' (expected YYYY-MM-DD)"), a->text);
		return V_DATE;
	}
	case F_MONEY: {
		struct node *a = n->kids[0];
		int64_t fen;
		if (check_arg(c, n, 0, t[0], V_STRING, V_MONEY, _("text like \"1234.50\"")))
			return V_ANY;
		if (a->kind == N_STR && money_parse(a->text, &fen))
			cerr(c, a->off, _("'%s' is not an exact money amount"), a->text);
		return V_MONEY;
	}
	}
	return V_ANY;
}

/* Comparisons: one type on both sides, null only with == and !=. */
static enum vtype check_cmp(struct checker *c, struct node *n)
{
	struct node *a = n->kids[0], *b = n->kids[1];
	enum vtype at = check(c, a), bt = check(c, b);
	int eq = n->op == T_EQ || n->op == T_NE;
	if (at == V_ANY || bt == V_ANY)
		return V_BOOL;
	if (at == V_NULL || bt == V_NULL) {
		if (!eq)
			cerr(c, n->off, _("'%.*s' cannot be used with null (test with empty())"),
			     (int)n->len, c->e->src + n->off);
		return V_BOOL;
	}
	if (unify_money(c, a, &at, b, &bt))
		return V_BOOL;
	if (at != bt) {
		int hint = ((at == V_DATE && b->kind == N_STR) || (bt == V_DATE && a->kind == N_STR));
		if (hint)
			cerr(c, n->off, _("cannot compare %s with %s (write date(\"YYYY-MM-DD\"))"),
			     tnoun(at), tnoun(bt));
		else
			cerr(c, n->off, _("cannot compare %s with %s"), tnoun(at), tnoun(bt));
	} else if (at == V_LIST) {
		cerr(c, n->off, _("cannot compare lists (use 'in' or contains())"));
	} else if (at == V_BOOL && !eq) {
		cerr(c, n->off, _("'%.*s' cannot order true/false values"), (int)n->len,
		     c->e->src + n->off);
	}
	return V_BOOL;
}

/* + - * / by the table in arith_type(), after the money literal rule. */
static enum vtype check_arith(struct checker *c, struct node *n)
{
	struct node *a = n->kids[0], *b = n->kids[1];
	enum vtype at = check(c, a), bt = check(c, b), t;
	if (at == V_ANY || bt == V_ANY)
		return V_ANY;
	if ((n->op == T_PLUS || n->op == T_MINUS) && unify_money(c, a, &at, b, &bt))
		return V_ANY;
	if (arith_type(n->op, at, bt, &t)) {
		char *msg = arith_msg(n->op, at, bt);
		cerr(c, n->off, "%s", msg);
		free(msg);
		return V_ANY;
	}
	return t;
}

/* Require true/false of an operand of and / or / not. */
static void check_logic_operand(struct checker *c, const struct node *op, struct node *k)
{
	enum vtype t = check(c, k);
	if (t != V_BOOL && t != V_ANY)
		cerr(c, k->start, _("'%.*s' needs true or false, not %s"), (int)op->len,
		     c->e->src + op->off, ta(t));
}

/* The type of node n (V_ANY when unknown or already reported as wrong). */
static enum vtype check(struct checker *c, struct node *n)
{
	enum vtype t = V_ANY;
	switch (n->kind) {
	case N_NUM: t = V_NUMBER; break;
	case N_STR: t = V_STRING; break;
	case N_BOOL: t = V_BOOL; break;
	case N_NULL: t = V_NULL; break;
	case N_IDENT: t = check_ident(c, n); break;
	case N_CALL: t = check_call(c, n); break;
	case N_LIST:
		for (size_t i = 0; i < n->nkids; i++) {
			enum vtype k = check(c, n->kids[i]);
			if (k != V_STRING && k != V_ANY)
				cerr(c, n->kids[i]->start, _("a list can only hold text, not %s"),
				     ta(k));
		}
		t = V_LIST;
		break;
	case N_NOT:
		check_logic_operand(c, n, n->kids[0]);
		t = V_BOOL;
		break;
	case N_AND:
	case N_OR:
		check_logic_operand(c, n, n->kids[0]);
		check_logic_operand(c, n, n->kids[1]);
		t = V_BOOL;
		break;
	case N_NEG: {
		enum vtype k = check(c, n->kids[0]);
		if (k == V_NUMBER || k == V_MONEY || k == V_ANY) {
			t = k;
		} else {
			cerr(c, n->off, _("'-' needs a number or money, not %s"), ta(k));
		}
		break;
	}
	case N_CMP:
		t = check_cmp(c, n);
		break;
	case N_IN: {
		enum vtype a = check(c, n->kids[0]), b = check(c, n->kids[1]);
		if (a != V_STRING && a != V_ANY)
			cerr(c, n->kids[0]->start, _("'in' needs text on the left, not %s"), ta(a));
		if (b != V_LIST && b != V_ANY)
			cerr(c, n->kids[1]->start, _("'in' needs a list on the right, not %s"),
			     ta(b));
		t = V_BOOL;
		break;
	}
	case N_ARITH:
		t = check_arith(c, n);
		break;
	}
	n->type = t;
	return t;
}

int expr_check(struct expr *e, const struct expr_env *env, enum vtype want,
	       enum vtype *result, struct diags *d)
{
	if (!e || !e->root)
		return -1;
	struct checker c = { e, env, d, 0 };
	struct node *root = e->root;
	enum vtype t = check(&c, root);
	if (want == V_ANY || t == V_ANY || t == want) {
		/* fine */
	} else if (want == V_BOOL) {
		cerr(&c, root->start, _("condition must be true or false, not %s"), ta(t));
	} else if (want == V_MONEY && t == V_NUMBER && root->kind == N_NUM) {
		promote_literal(&c, root, &t);
	} else if (t != V_NULL) {
		cerr(&c, root->start, _("expression must give %s, not %s"), ta(want), ta(t));
	}
	if (result)
		*result = t;
	return c.errors ? -1 : 0;
}

/* ---- evaluator ---- */

struct evaluator {
	const struct expr *e;
	const struct expr_scope *scope;
	char **err;                     /* where a run-time message goes; may be NULL */
};

/* Set the run-time error message (if wanted) and return -1. */
__attribute__((format(printf, 2, 3)))
static int fail(struct evaluator *v, const char *fmt, ...)
{
	va_list ap;
	if (v->err) {
		struct buf b = BUF_INIT;
		va_start(ap, fmt);
		buf_vaddf(&b, fmt, ap);
		va_end(ap);
		free(*v->err);
		*v->err = buf_detach(&b);
	}
	return -1;
}

static void set_bool(struct value *o, int b)
{
	o->type = V_BOOL;
	o->u.b = b;
}

/* The decimal form of x with at most 15 significant digits: mant * 10^exp. */
static void decimal_of(double x, int64_t *mant, int *exp)
{
	char tmp[64];
	int64_t m = 0;
	int neg = 0, e = 0, eneg = 0;
	const char *s = tmp;
	snprintf(tmp, sizeof(tmp), "%.14e", x);
	if (*s == '-') {
		neg = 1;
		s++;
	}
	/* digits up to the 'e', skipping the locale's decimal point */
	for (; *s && *s != 'e'; s++)
		if (is_digit(*s))
			m = m * 10 + (*s - '0');
	if (*s == 'e') {
		s++;
		if (*s == '-' || *s == '+')
			eneg = *s++ == '-';
		for (; is_digit(*s); s++)
			e = e * 10 + (*s - '0');
	}
	e = (eneg ? -e : e) - 14;
	while (m && m % 10 == 0) {
		m /= 10;
		e++;
	}
	*mant = neg ? -m : m;
	*exp = m ? e : 0;
}

/* a / b rounded half away from zero; b > 0 and below 10^37. */
static i128 div_round(i128 a, i128 b)
{
	i128 q = a / b, r = a % b;
	if (r < 0)
		r = -r;
	if (2 * r >= b)
		q += a < 0 ? -1 : 1;
	return q;
}

static int fits_int64(i128 x)
{
	return x >= INT64_MIN && x <= INT64_MAX;
}

#define BIG ((i128)1000000000000000000 * (i128)1000000000000000000) /* 10^36 */

/* fen * k or fen / k in exact decimal arithmetic, rounded to whole fen. */
static int money_scale(struct evaluator *v, int64_t fen, double k, int divide, int64_t *out)
{
	int64_t m;
	int e;
	if (!isfinite(k))
		return fail(v, _("number is out of range"));
	decimal_of(k, &m, &e);
	if (divide && m == 0)
		return fail(v, _("division by zero"));
	i128 num = fen, den = 1;
	if (!divide) {
		num *= m;
		e = -e;         /* result = num / 10^e */
	} else {
		den = m;        /* result = fen / (m * 10^e) */
		if (den < 0) {
			den = -den;
			num = -num;
		}
	}
	/* now result = num / (den * 10^e) */
	for (; e < 0; e++) {
		if (num > BIG || num < -BIG)
			return fail(v, _("amount is too large"));
		num *= 10;
	}
	for (; e > 0; e--) {
		if (den > BIG) {
			*out = 0;
			return 0;
		}
		den *= 10;
	}
	i128 q = div_round(num, den);
	if (!fits_int64(q))
		return fail(v, _("amount is too large"));
	*out = (int64_t)q;
	return 0;
}

static int eval(struct evaluator *v, const struct node *n, struct value *out);

/* Money next to a number literal: read the literal exactly as yuan. */
static int coerce_money(struct evaluator *v, const struct node *an, struct value *a,
			const struct node *bn, struct value *b)
{
	int64_t fen;
	const struct node *lit = NULL;
	struct value *num = NULL;
	if (a->type == V_MONEY && b->type == V_NUMBER && bn->kind == N_NUM)
		lit = bn, num = b;
	else if (b->type == V_MONEY && a->type == V_NUMBER && an->kind == N_NUM)
		lit = an, num = a;
	if (!lit)
		return 0;
	if (literal_fen(lit, &fen)) {
		struct buf t = BUF_INIT;
		add_excerpt(&t, v->e->src + lit->off, lit->len);
		fail(v, _("'%s' is not an exact money amount"), t.s);
		buf_release(&t);
		return -1;
	}
	num->type = V_MONEY;
	num->u.money = fen;
	return 0;
}

/* Order two non-null values of one type: *r < 0, 0 or > 0. */
static int compare(struct evaluator *v, const struct node *n, const struct value *a,
		   const struct value *b, int *r)
{
	int eq = n->op == T_EQ || n->op == T_NE;
	if (a->type != b->type)
		return fail(v, _("cannot compare %s with %s"), tnoun(a->type), tnoun(b->type));
	switch (a->type) {
	case V_NUMBER:
		*r = (a->u.num > b->u.num) - (a->u.num < b->u.num);
		return 0;
	case V_MONEY:
	case V_DATE:
	case V_DATETIME:
		*r = (a->u.money > b->u.money) - (a->u.money < b->u.money);
		return 0;
	case V_STRING:
		/* byte order of UTF-8 is code point order */
		*r = strcmp(a->u.str, b->u.str);
		return 0;
	case V_BOOL:
		if (!eq)
			return fail(v, _("'%.*s' cannot order true/false values"), (int)n->len,
				    v->e->src + n->off);
		*r = !!a->u.b - !!b->u.b;
		return 0;
	default:
		return fail(v, _("cannot compare lists (use 'in' or contains())"));
	}
}

/* A comparison: `x == null` tests for null; otherwise null gives null. */
static int eval_cmp(struct evaluator *v, const struct node *n, struct value *a,
		    struct value *b, struct value *out)
{
	const struct node *an = n->kids[0], *bn = n->kids[1];
	int r = 0;
	if ((n->op == T_EQ || n->op == T_NE) && (an->kind == N_NULL || bn->kind == N_NULL)) {
		int both = a->type == V_NULL && b->type == V_NULL;
		set_bool(out, n->op == T_EQ ? both : !both);
		return 0;
	}
	if (a->type == V_NULL || b->type == V_NULL)
		return 0;
	if (coerce_money(v, an, a, bn, b) || compare(v, n, a, b, &r))
		return -1;
	switch (n->op) {
	case T_EQ: set_bool(out, r == 0); break;
	case T_NE: set_bool(out, r != 0); break;
	case T_LT: set_bool(out, r < 0); break;
	case T_LE: set_bool(out, r <= 0); break;
	case T_GT: set_bool(out, r > 0); break;
	default: set_bool(out, r >= 0); break;
	}
	return 0;
}

/* A date within 0001-01-01 .. 9999-12-31, so day arithmetic cannot overflow. */
static int date_ok(const struct value *x)
{
	return x->u.date >= DATE_MIN && x->u.date <= DATE_MAX;
}

/* A date moved by a whole number of days. */
static int date_shift(struct evaluator *v, int64_t date, double days, int sign,
		      struct value *out)
{
	if (days > 1e7 || days < -1e7)
		return fail(v, _("date is out of range"));
	if (days != (double)(int64_t)days)
		return fail(v, _("a date can only move by whole days, not %g"), days);
	int64_t r = date + sign * (int64_t)days;
	if (r < DATE_MIN || r > DATE_MAX)
		return fail(v, _("date is out of range"));
	out->type = V_DATE;
	out->u.date = r;
	return 0;
}

/* A number result, refusing infinities. */
static int set_number(struct evaluator *v, double x, struct value *out)
{
	if (!isfinite(x))
		return fail(v, _("number is out of range"));
	out->type = V_NUMBER;
	out->u.num = x;
	return 0;
}

/* + - * / on evaluated operands; null gives null, overflow is an error. */
static int eval_arith(struct evaluator *v, const struct node *n, struct value *a,
		      struct value *b, struct value *out)
{
	enum vtype t;
	int64_t r;
	if (a->type == V_NULL || b->type == V_NULL)
		return 0;
	if ((n->op == T_PLUS || n->op == T_MINUS) &&
	    coerce_money(v, n->kids[0], a, n->kids[1], b))
		return -1;
	if (arith_type(n->op, a->type, b->type, &t)) {
		char *msg = arith_msg(n->op, a->type, b->type);
		fail(v, "%s", msg);
		free(msg);
		return -1;
	}
	if (a->type == V_NUMBER && b->type == V_NUMBER) {
		double x = a->u.num, y = b->u.num;
		switch (n->op) {
		case T_PLUS: return set_number(v, x + y, out);
		case T_MINUS: return set_number(v, x - y, out);
		case T_STAR: return set_number(v, x * y, out);
		default:
			if (y == 0)
				return fail(v, _("division by zero"));
			return set_number(v, x / y, out);
		}
	}
	if (a->type == V_MONEY && b->type == V_MONEY) {
		int o = n->op == T_PLUS ? __builtin_add_overflow(a->u.money, b->u.money, &r)
					: __builtin_sub_overflow(a->u.money, b->u.money, &r);
		if (o)
			return fail(v, _("amount is too large"));
		out->type = V_MONEY;
		out->u.money = r;
		return 0;
	}
	if (t == V_MONEY) {
		int64_t fen = a->type == V_MONEY ? a->u.money : b->u.money;
		double k = a->type == V_MONEY ? b->u.num : a->u.num;
		if (money_scale(v, fen, k, n->op == T_SLASH, &r))
			return -1;
		out->type = V_MONEY;
		out->u.money = r;
		return 0;
	}
	if ((a->type == V_DATE && !date_ok(a)) || (b->type == V_DATE && !date_ok(b)))
		return fail(v, _("date is out of range"));
	if (a->type == V_DATE && b->type == V_DATE)
		return set_number(v, (double)(a->u.date - b->u.date), out);
	if (a->type == V_DATE)
		return date_shift(v, a->u.date, b->u.num, n->op == T_MINUS ? -1 : 1, out);
	return date_shift(v, b->u.date, a->u.num, 1, out);
}

/* `v` of a list literal or list value holds `s`. */
static int list_has(const struct value *l, const char *s)
{
	for (size_t i = 0; i < l->u.list.n; i++)
		if (!strcmp(l->u.list.items[i], s))
			return 1;
	return 0;
}

/* Seconds since the epoch of a date or date-time (dates clamped to the calendar). */
static int64_t as_seconds(const struct value *x)
{
	if (x->type != V_DATE)
		return x->u.datetime;
	int64_t d = x->u.date < DATE_MIN ? DATE_MIN : x->u.date > DATE_MAX ? DATE_MAX : x->u.date;
	return d * 86400;
}

/* A function on evaluated arguments; null gives null except for empty(). */
static int eval_call(struct evaluator *v, const struct node *n, struct value *args,
		     struct value *out)
{
	struct value *a = &args[0], *b = &args[1];
	switch ((enum func)n->fn) {
	case F_EMPTY:
		set_bool(out, a->type == V_NULL || (a->type == V_STRING && !*a->u.str) ||
			 (a->type == V_LIST && !a->u.list.n));
		return 0;
	case F_DAYS:
		if (a->type == V_NULL || b->type == V_NULL)
			return 0;
		for (int i = 0; i < 2; i++)
			if (args[i].type != V_DATE && args[i].type != V_DATETIME)
				return fail(v, _("'%s' needs %s, not %s"), n->text, _("dates"),
					    ta(args[i].type));
		if (a->type == V_DATE && b->type == V_DATE && date_ok(a) && date_ok(b))
			return set_number(v, (double)(b->u.date - a->u.date), out);
		{
			int64_t d;
			if (__builtin_sub_overflow(as_seconds(b), as_seconds(a), &d))
				return fail(v, _("date is out of range"));
			int64_t q = d / 86400;
			if (d % 86400 && d < 0)
				q--;  /* floor, not truncation */
			return set_number(v, (double)q, out);
		}
	case F_LEN:
		if (a->type == V_NULL)
			return 0;
		if (a->type == V_STRING)
			return set_number(v, (double)utf8_chars(a->u.str, strlen(a->u.str)), out);
		if (a->type == V_LIST)
			return set_number(v, (double)a->u.list.n, out);
		return fail(v, _("'%s' needs %s, not %s"), n->text, _("text or a list"),
			    ta(a->type));
	case F_CONTAINS:
		if (a->type == V_NULL || b->type == V_NULL)
			return 0;
		if (b->type != V_STRING || (a->type != V_STRING && a->type != V_LIST))
			return fail(v, _("'%s' needs text or a list and text, not %s and %s"),
				    n->text, ta(a->type), ta(b->type));
		set_bool(out, a->type == V_STRING ? strstr(a->u.str, b->u.str) != NULL
						  : list_has(a, b->u.str));
		return 0;
	case F_DATE:
		if (a->type == V_NULL)
			return 0;
		if (a->type == V_DATE) {
			*out = *a;
			return 0;
		}
		if (a->type != V_STRING)
			return fail(v, _("'%s' needs %s, not %s"), n->text,
				    _("text like \"2026-03-01\""), ta(a->type));
		if (date_parse(a->u.str, &out->u.date))
			return fail(v, _("invalid date '%s' (expected YYYY-MM-DD)"), a->u.str);
		out->type = V_DATE;
		return 0;
	case F_MONEY:
		if (a->type == V_NULL)
			return 0;
		if (a->type == V_MONEY) {
			*out = *a;
			return 0;
		}
		if (a->type != V_STRING)
			return fail(v, _("'%s' needs %s, not %s"), n->text,
				    _("text like \"1234.50\""), ta(a->type));
		if (money_parse(a->u.str, &out->u.money))
			return fail(v, _("'%s' is not an exact money amount"), a->u.str);
		out->type = V_MONEY;
		return 0;
	}
	return fail(v, _("unknown function '%s'"), n->text);
}

/* Kleene truth of a value: 1, 0, or -1 for null; -2 if not a truth value. */
static int truth(const struct value *x)
{
	if (x->type == V_NULL)
		return -1;
	if (x->type == V_BOOL)
		return !!x->u.b;
	return -2;
}

/* and / or with short-circuit and three-valued logic (null = unknown). */
static int eval_logic(struct evaluator *v, const struct node *n, struct value *out)
{
	struct value x = VALUE_NULL;
	int is_and = n->kind == N_AND, tv[2];
	for (int i = 0; i < 2; i++) {
		if (eval(v, n->kids[i], &x))
			return -1;
		tv[i] = truth(&x);
		if (tv[i] == -2) {
			fail(v, _("'%.*s' needs true or false, not %s"), (int)n->len,
			     v->e->src + n->off, ta(x.type));
			value_release(&x);
			return -1;
		}
		value_release(&x);
		if (i == 0 && tv[0] == !is_and) {
			set_bool(out, tv[0]);
			return 0;
		}
	}
	if (tv[1] == !is_and)
		set_bool(out, tv[1]);
	else if (tv[0] >= 0 && tv[1] >= 0)
		set_bool(out, is_and);
	/* otherwise unknown: null */
	return 0;
}

/* Evaluate n into *out (set to null first); -1 with *v->err on failure. */
static int eval(struct evaluator *v, const struct node *n, struct value *out)
{
	struct value k[2] = { VALUE_NULL, VALUE_NULL };
	int rc = 0;
	*out = (struct value)VALUE_NULL;
	switch (n->kind) {
	case N_NUM:
		out->type = V_NUMBER;
		out->u.num = n->num;
		return 0;
	case N_STR:
		out->type = V_STRING;
		out->u.str = xstrdup(n->text);
		return 0;
	case N_BOOL:
		set_bool(out, n->b);
		return 0;
	case N_NULL:
		return 0;
	case N_IDENT:
		if (!v->scope || !v->scope->lookup ||
		    v->scope->lookup(v->scope->ctx, n->text, out)) {
			value_release(out);
			return fail(v, _("unknown name '%s'"), n->text);
		}
		return 0;
	case N_LIST: {
		struct value l = { V_LIST, { 0 } };
		l.u.list.items = n->nkids ? xcalloc(n->nkids, sizeof(char *)) : NULL;
		for (size_t i = 0; i < n->nkids; i++) {
			if (eval(v, n->kids[i], &k[0])) {
				value_release(&l);
				return -1;
			}
			if (k[0].type == V_STRING) {
				l.u.list.items[l.u.list.n++] = k[0].u.str;
				k[0].type = V_NULL;
			} else if (k[0].type != V_NULL) {
				fail(v, _("a list can only hold text, not %s"), ta(k[0].type));
				value_release(&k[0]);
				value_release(&l);
				return -1;
			}
		}
		*out = l;
		return 0;
	}
	case N_AND:
	case N_OR:
		return eval_logic(v, n, out);
	default:
		break;
	}

	/* operators and calls: evaluate every operand first */
	for (size_t i = 0; i < n->nkids && i < 2; i++) {
		if (eval(v, n->kids[i], &k[i])) {
			value_release(&k[0]);
			return -1;
		}
	}
	switch (n->kind) {
	case N_NOT:
		if (k[0].type == V_BOOL)
			set_bool(out, !k[0].u.b);
		else if (k[0].type != V_NULL)
			rc = fail(v, _("'%.*s' needs true or false, not %s"), (int)n->len,
				  v->e->src + n->off, ta(k[0].type));
		break;
	case N_NEG:
		if (k[0].type == V_NUMBER) {
			rc = set_number(v, -k[0].u.num, out);
		} else if (k[0].type == V_MONEY) {
			if (k[0].u.money == INT64_MIN) {
				rc = fail(v, _("amount is too large"));
			} else {
				out->type = V_MONEY;
				out->u.money = -k[0].u.money;
			}
		} else if (k[0].type != V_NULL) {
			rc = fail(v, _("'-' needs a number or money, not %s"), ta(k[0].type));
		}
		break;
	case N_CMP:
		rc = eval_cmp(v, n, &k[0], &k[1], out);
		break;
	case N_IN:
		if (k[0].type == V_NULL || k[1].type == V_NULL)
			break;
		if (k[0].type != V_STRING || k[1].type != V_LIST)
			rc = fail(v, _("'in' needs text on the left and a list on the right, not %s and %s"),
				  ta(k[0].type), ta(k[1].type));
		else
			set_bool(out, list_has(&k[1], k[0].u.str));
		break;
	case N_ARITH:
		rc = eval_arith(v, n, &k[0], &k[1], out);
		break;
	case N_CALL:
		rc = eval_call(v, n, k, out);
		break;
	default:
		break;
	}
	value_release(&k[0]);
	value_release(&k[1]);
	if (rc)
		value_release(out);
	return rc;
}

int expr_eval(const struct expr *e, const struct expr_scope *scope, struct value *out,
	      char **err)
{
	struct evaluator v = { e, scope, err };
	if (err)
		*err = NULL;
	*out = (struct value)VALUE_NULL;
	if (!e || !e->root)
		return fail(&v, _("no expression"));
	return eval(&v, e->root, out);
}

int expr_eval_bool(const struct expr *e, const struct expr_scope *scope, int *out,
		   char **err)
{
	struct value x;
	struct evaluator v = { e, scope, err };
	*out = 0;
	if (expr_eval(e, scope, &x, err))
		return -1;
	int t = truth(&x);
	enum vtype type = x.type;
	value_release(&x);
	if (t == -2)
		return fail(&v, _("condition must be true or false, not %s"), ta(type));
	*out = t == 1;
	return 0;
}

/* Identifiers in source order, each once (n is small: at most EXPR_MAX_NODES). */
void expr_foreach_ident(const struct expr *e, void (*fn)(void *ctx, const char *name),
			void *ctx)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++) {
		const struct node *n = e->all[i];
		size_t j;
		if (n->kind != N_IDENT)
			continue;
		for (j = 0; j < i; j++)
			if (e->all[j]->kind == N_IDENT && !strcmp(e->all[j]->text, n->text))
				break;
		if (j == i)
			fn(ctx, n->text);
	}
}

const char *expr_source(const struct expr *e)
{
	return e ? e->src : "";
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++) {
		free(e->all[i]->text);
		free(e->all[i]->kids);
		free(e->all[i]);
	}
	free(e->all);
	free(e->src);
	free(e->file);
	free(e);
}
