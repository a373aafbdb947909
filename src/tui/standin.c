/*
 * standin: the 代理 dialog — while I am away (a date range, optionally for
 * one workflow) my new tasks go to my stand-in. The inputs become the
 * `standin.set` event `docket standin` sends (src/cli/cmd_engine.c); a
 * refusal is shown in the dialog, which stays open.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/engine.h"
#include "../util/i18n.h"
#include "view.h"
#include "widget.h"

void tui_standin(struct tui *t)
{
	struct dialog d;
	dialog_init(&d, _("Stand-in while I am away"));
	buf_adds(&d.text, _("new tasks in this period go to your stand-in, recorded as \"B on behalf of A\""));
	size_t f_user = dialog_add_text(&d, _("Stand-in"), "", 64, 1, 1);
	size_t f_from = dialog_add_text(&d, _("From (YYYY-MM-DD)"), "", 32, 1, 1);
	size_t f_to = dialog_add_text(&d, _("To (YYYY-MM-DD)"), "", 32, 1, 1);
	size_t f_wf = dialog_add_text(&d, _("Only for workflow (optional)"), "", 64, 1, 0);
	while (dialog_run(t, &d) == DIALOG_OK) {
		char *who = tui_user_id(t, dialog_value(&d, f_user));
		if (!who) {
			dialog_error(&d, f_user, _("no such person: '%s'"), dialog_value(&d, f_user));
			d.result = DIALOG_OPEN;
			d.focus = f_user;
			continue;
		}
		json_t *p = json_pack("{s:s, s:s, s:s}", "standin", who, "from", dialog_value(&d, f_from),
				      "to", dialog_value(&d, f_to));
		if (*dialog_value(&d, f_wf))
			json_object_set_new(p, "workflow", json_string(dialog_value(&d, f_wf)));
		int r = engine_act(t->engine, NULL, "standin.set", t->user, p, NULL);
		json_decref(p);
		if (r >= 0) {
			tui_message(t, 0, _("stand-in '%s' recorded"), tui_user_name(t, who));
			free(who);
			break;
		}
		free(who);
		dialog_error(&d, f_user, "%s", engine_error(t->engine));
		d.result = DIALOG_OPEN;
		d.focus = f_user;
	}
	dialog_release(&d);
}
