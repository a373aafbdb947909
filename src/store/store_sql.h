/*
 * store_sql: the store's connection, for the one module above the store
 * that keeps its own tables in the same database — the approval engine
 * (src/engine/). Nothing else includes this header.
 *
 * Contract: the engine prepares, binds and steps its own statements on
 * this connection, always with bound parameters, and only on its own
 * tables (those named eng_*, created by store migration 3). It writes only
 * inside a transaction opened with store_begin(), so its rows commit or
 * roll back together with the event that caused them. It never opens,
 * commits or rolls back a transaction with SQL of its own, and finalizes
 * its statements before store_close().
 */
#ifndef DOCKET_STORE_SQL_H
#define DOCKET_STORE_SQL_H

#include <sqlite3.h>

struct store;

/* The store's SQLite connection (owned by the store). */
sqlite3 *store_db(struct store *s);
/* 1 while a store_begin() transaction is open. */
int store_in_tx(const struct store *s);

#endif
