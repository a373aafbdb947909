/*
 * schema: the store's schema, assembled from the steps each module owns.
 *
 * The store runs the steps of every module in the order of their versions
 * (store_migrate.c) but, being below them, names none of them; this file,
 * at the top of the core library, is the one place that knows them all.
 * A module that keeps tables in the store's database adds its steps here.
 */
#include <stddef.h>

#include "auth/auth.h"
#include "docs/docs.h"
#include "engine/engine.h"
#include "store/store_sql.h"
#include "sync/conflicts.h"
#include "sync/sync.h"

const store_schema_fn store_module_schema[] = {
	docs_schema,   /* documents: steps 4, 6 */
	engine_schema, /* the approval engine: steps 3, 5, 7 */
	auth_schema,   /* keys and accounts: step 9; granted roles: 11 */
	sync_schema,   /* the terminal's sync state: steps 12, 14, 15 */
	sync_conflicts_schema, /* discarded conflicts, the last sync attempt: step 16 */
	NULL,
};
