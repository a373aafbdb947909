/*
 * docs_schema: the documents' tables, as their steps of the store's schema
 * (store versions 4 and 6; the store runs every module's steps in version
 * order: see store_sql.h and doc/store.md).
 *
 * Never edit a released step: add a new one with the next free version
 * (and raise STORE_SCHEMA_VERSION in store.h to it).
 */
#include "../store/store_sql.h"
#include "docs.h"

/*
 * Version 4: documents (owned by src/docs/; see doc/documents.md). The
 * content lives in git (documents.git, one ref per document); these tables
 * index it: the head commit and flags of each document, one row per
 * revision, approvals bound to commits, and a trigram full-text index.
 */
static const char docs_v4[] =
	"CREATE TABLE documents ("
	" docno INTEGER PRIMARY KEY,"            /* rowid; also the rowid in doc_fts */
	" id TEXT NOT NULL UNIQUE,"              /* short id, refs/docs/<id> */
	" type TEXT NOT NULL,"                   /* one of the 15 document types */
	" title TEXT NOT NULL,"
	" instance TEXT,"                        /* workflow instance id, opaque */
	" head TEXT NOT NULL,"                   /* commit id (hex) of the latest revision */
	" revs INTEGER NOT NULL,"                /* number of revisions; head is r<revs> */
	" created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
	" updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,"
	" frozen INTEGER NOT NULL DEFAULT 0 CHECK (frozen IN (0, 1)),"      /* signed off */
	" signed_commit TEXT,"                   /* the commit the sign-off approved */
	" needs_resign INTEGER NOT NULL DEFAULT 0 CHECK (needs_resign IN (0, 1))"
	");"
	"CREATE INDEX documents_instance ON documents (instance) WHERE instance IS NOT NULL;"
	"CREATE INDEX documents_updated ON documents (updated_at);"
	"CREATE TABLE doc_revisions ("
	" docno INTEGER NOT NULL REFERENCES documents (docno),"
	" rev INTEGER NOT NULL,"                 /* 1, 2, ... */
	" commit_id TEXT NOT NULL,"
	" author TEXT NOT NULL,"
	" made_at TEXT NOT NULL,"
	" action TEXT NOT NULL,"                 /* the commit message's first line */
	" needs_resign INTEGER NOT NULL DEFAULT 0," /* made after sign-off, content differs */
	" event_seq INTEGER NOT NULL REFERENCES events (seq),"
	" PRIMARY KEY (docno, rev)"
	") WITHOUT ROWID;"
	"CREATE INDEX doc_revisions_commit ON doc_revisions (commit_id);"
	"CREATE TABLE doc_approvals ("
	" id INTEGER PRIMARY KEY,"
	" docno INTEGER NOT NULL REFERENCES documents (docno),"
	" commit_id TEXT NOT NULL,"              /* exactly what was approved */
	" rev INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"                   /* e.g. sign-off, approve, countersign */
	" actor TEXT NOT NULL,"
	" made_at TEXT NOT NULL,"
	" event_seq INTEGER NOT NULL REFERENCES events (seq)"
	");"
	"CREATE INDEX doc_approvals_doc ON doc_approvals (docno);"
	"CREATE VIRTUAL TABLE doc_fts USING fts5(title, body, meta, tokenize = 'trigram');";

/*
 * Version 6: an approval of a document can be withdrawn (拿回 of the
 * decision that recorded it). History is never rewritten: the withdrawal
 * is a row of its own (kind "sign-off withdrawn", "approve withdrawn")
 * whose `withdraws` names the row it withdraws; approvals have NULL.
 */
static const char docs_v6[] =
	"ALTER TABLE doc_approvals ADD COLUMN withdraws INTEGER REFERENCES doc_approvals (id);";

static const struct store_migration steps[] = {
	{ 4, "docs", docs_v4, NULL },
	{ 6, "docs", docs_v6, NULL },
	{ 0, NULL, NULL, NULL },
};

const struct store_migration *docs_schema(void)
{
	return steps;
}
